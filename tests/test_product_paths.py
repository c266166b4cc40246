"""A product path's sentence in both languages comes from the query layer (queries/products.py
explain_path, queries/firm.py): updown's ``path`` / ``path_en`` and the firm profile's
``detail_zh`` / ``detail_en`` on a small products dataset, on both stores; the 上下游 page shows the
English one in English mode (no swapping of words on the page)."""
from __future__ import annotations

import pytest

from loaders.load import load_paths
from queries import registry

# 甲 (in the zone) makes 硅片; 乙 makes 硅料, an input to 硅片; 丙 makes 组件, made from 硅片; the
# segment 硅片环节 includes 硅片.
FILES = {
    "Enterprise.csv": "id,name,in_zone\nA,甲公司,true\nB,乙公司,false\nC,丙公司,false\n",
    "Product.csv": "id,name\np0,硅料\np1,硅片\np2,组件\n",
    "MAKES.csv": "from,to\nA,p1\nB,p0\nC,p2\n",
    "FEEDS.csv": "from,to\np0,p1\np1,p2\n",
    "Chain.csv": "id,name\nch,测试链\n",
    "Segment.csv": "id,name,stage\ns1,硅片环节,中游\n",
    "PART_OF.csv": "from,to\ns1,ch\n",
    "INCLUDES.csv": "from,to\ns1,p1\n",
}


@pytest.fixture
def products(store, tmp_path):
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    load_paths(store, [tmp_path])
    return store


def inferred(store, **params) -> dict[str, tuple[str, str]]:
    table = registry.get("updown").run(store, **params).table
    rows = table[table["basis"] == "inferred"].to_dict("records")
    return {r["id"]: (r["path"], r["path_en"]) for r in rows}


def test_updown_sentences_in_both_languages(products):
    assert inferred(products, id="A", direction="both", depth=2) == {
        "B": ("甲公司 造 硅片；硅片 的上游材料 硅料；乙公司 造 硅料",
              "甲公司 makes 硅片; 硅片 has upstream material 硅料; 乙公司 makes 硅料"),
        "C": ("甲公司 造 硅片；硅片 的下游产品 组件；丙公司 造 组件",
              "甲公司 makes 硅片; 硅片 has downstream product 组件; 丙公司 makes 组件")}
    assert inferred(products, id="s1", direction="down", depth=1) == {
        "C": ("硅片环节 包含 硅片；硅片 的下游产品 组件；丙公司 造 组件",
              "硅片环节 includes 硅片; 硅片 has downstream product 组件; 丙公司 makes 组件")}
    assert inferred(products, id="p1", direction="up", depth=1) == {
        "B": ("硅片 的上游材料 硅料；乙公司 造 硅料", "硅片 has upstream material 硅料; 乙公司 makes 硅料")}


def test_firm_profile_sentences_in_both_languages(products):
    table = registry.get("firm").run(products, id="A", cap=10).table
    rows = {r["section"]: (r["detail_zh"], r["detail_en"]) for r in table.to_dict("records")}
    assert rows["supplier_inferred"] == ("乙公司 造 硅料；硅料 是 硅片 的上游；甲公司 造 硅片",
                                         "乙公司 makes 硅料; 硅料 feeds 硅片; 甲公司 makes 硅片")
    assert rows["customer_inferred"] == ("甲公司 造 硅片；硅片 是 组件 的上游；丙公司 造 组件",
                                         "甲公司 makes 硅片; 硅片 feeds 组件; 丙公司 makes 组件")


@pytest.fixture(params=["embedded", "neo4j"])
def products_app(request, tmp_path, monkeypatch):
    """The app over FILES only, on each store."""
    from tests.test_app import app_over
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with app_over(request, tmp_path, monkeypatch, [tmp_path]):
        yield request.param


def cells(monkeypatch, page: str, lang: str, **query) -> set[str]:
    """Every cell of every table on ``page`` in ``lang``."""
    from streamlit.testing.v1 import AppTest
    from tests.test_app import APP, ok
    monkeypatch.setenv("CHAINGRAPH_DEFAULT_PAGE", page)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    for key, value in query.items():
        at.query_params[key] = value
    at = ok(at.run())
    return {str(v) for d in at.dataframe for column in d.value.columns for v in d.value[column]}


def test_the_pages_show_the_query_layers_sentence(products_app, monkeypatch):
    updown, firm = cells(monkeypatch, "updown", "en", id="A"), cells(monkeypatch, "firm", "en", id="A")
    assert "甲公司 makes 硅片; 硅片 has downstream product 组件; 丙公司 makes 组件" in updown
    assert "乙公司 makes 硅料; 硅料 feeds 硅片; 甲公司 makes 硅片" in firm
    assert not [c for c in updown | firm if "造" in c or "的上游" in c]
    assert "甲公司 造 硅片；硅片 的下游产品 组件；丙公司 造 组件" in cells(monkeypatch, "updown", "zh", id="A")
    assert "乙公司 造 硅料；硅料 是 硅片 的上游；甲公司 造 硅片" in cells(monkeypatch, "firm", "zh", id="A")
