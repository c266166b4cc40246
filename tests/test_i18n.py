"""Chinese mode speaks Chinese: every table the app shows (drawn on a canvas, so checked here through
AppTest rather than the browser) has Chinese column names and no English codes or booleans; the
drawings name labels and relationship types in Chinese; English mode shows the English twins."""
from __future__ import annotations

import re

import pytest

from tests.test_app import ok, open_page

ENGLISH = re.compile(r"^(True|False|missing|weak|strong|out|in|segment|product|SUPPLIES|MEMBER_OF|RAISED_BY|PART_OF|IN_SEGMENT|"
                     r"Enterprise|Segment|Alliance|PartyOrg)$")
ENGLISH_HEADER = re.compile(r"^[A-Za-z_ ]+$")
PAGES = [("overview", {}), ("panorama", {"chain": "ch_pv"}), ("gaps", {}), ("leads", {}),
         ("firm", {"id": "ent_jingao"}), ("updown", {"id": "ent_zhuzhou"}), ("explore", {"node": "ent_jingao"}),
         ("settings", {})]


@pytest.fixture
def embedded_app(monkeypatch, tmp_path):
    monkeypatch.setenv("CHAINGRAPH_STORE", "embedded")
    monkeypatch.setenv("CHAINGRAPH_DATA_DIR", str(tmp_path / "data"))
    yield
    from app_pages.common import _store
    _store.clear()


@pytest.mark.parametrize("name,query", PAGES)
def test_tables_in_chinese_mode(embedded_app, monkeypatch, name, query):
    at = ok(open_page(monkeypatch, name, **query))
    assert at.dataframe, name
    for frame in (d.value for d in at.dataframe):
        english_headers = [c for c in frame.columns if ENGLISH_HEADER.match(str(c)) and c not in ("Cypher",)]
        assert not english_headers, (name, english_headers)
        for column in frame.columns:
            values = {str(v) for v in frame[column].dropna().unique()}
            assert not [v for v in values if ENGLISH.match(v)], (name, column, sorted(values)[:10])


def test_english_mode_keeps_english(embedded_app, monkeypatch):
    from streamlit.testing.v1 import AppTest
    from tests.test_app import APP
    monkeypatch.setenv("CHAINGRAPH_DEFAULT_PAGE", "gaps")
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = "en"
    frame = ok(at.run()).dataframe[0].value
    assert "status" in frame.columns and "状态" not in frame.columns
    # the English twins shown under the plain names, status words in English
    assert set(frame["status"]) == {"missing", "weak"} and "reason" in frame.columns
    assert not {"reason_en", "reason_zh", "status_en", "in_zone_firms"} & set(frame.columns)
    assert "in zone firms" in frame.columns


def test_drawings_name_labels_and_types_in_chinese(monkeypatch):
    import streamlit as st
    from app_pages.drawing import cytoscape_elements
    from queries.registry import Subgraph
    graph = Subgraph()
    graph.add_node("a", "Enterprise", "甲")
    graph.add_node("b", "Alliance", "智造先锋")
    graph.add_edge("a", "b", "MEMBER_OF")
    st.session_state["lang"] = "zh"
    elements = cytoscape_elements(graph, {})
    assert [n["data"]["label"] for n in elements["nodes"]] == ["企业", "产业链党建联合体"]
    assert elements["edges"][0]["data"]["label"] == "成员"
    assert not [k for n in elements["nodes"] for k in n["data"] if k in ("colour", "size")], \
        "drawing attributes are hidden from the info panel"
    from app_pages.drawing import COLOURS
    assert len(set(COLOURS.values())) == len(COLOURS), "each label its own colour"


CJK = re.compile(r"[\u3400-\u9fff]")
# Columns whose values are the interface's words (codes, statuses, stages), never data.
CODE_COLUMNS = ("status", "stage", "gap", "direction", "type", "label", "basis", "in zone")


@pytest.mark.parametrize("name,query", PAGES)
def test_tables_in_english_mode(embedded_app, monkeypatch, name, query):
    """The mirror of Chinese mode, opened by a ``?lang=en`` link: headers in English words (no Chinese,
    no ``_en``/``_zh`` twins, no snake_case), statuses, stages, codes and booleans in English."""
    at = ok(open_page(monkeypatch, name, lang="en", **query))
    assert at.session_state["lang"] == "en" and "lang" not in at.query_params
    assert at.dataframe, name
    for frame in (d.value for d in at.dataframe):
        headers = [str(c) for c in frame.columns]
        assert not [c for c in headers if CJK.search(c) or c.endswith(("_en", "_zh")) or "_" in c], (name, headers)
        for column in (c for c in frame.columns if str(c).lower() in CODE_COLUMNS):
            values = {str(v) for v in frame[column].dropna().unique()}
            assert not [v for v in values if CJK.search(v)], (name, column, sorted(values)[:10])


def test_overview_figures_named_in_english(embedded_app, monkeypatch):
    """The overview's "all figures" table names each figure in words in English (not its code), with
    the year its Chinese name states; in Chinese its Chinese name."""
    from app_pages.overview import FIGURES_EN
    en = ok(open_page(monkeypatch, "overview", lang="en"))
    figures = next(d.value for d in en.dataframe if "figure" in d.value.columns)
    assert "metric" not in figures.columns and len(figures) == len(FIGURES_EN)
    assert not [f for f in figures["figure"] if "_" in f or CJK.search(f) or "{" in f]
    assert any(re.search(r"in \d{4}", f) for f in figures["figure"])
    zh = ok(open_page(monkeypatch, "overview"))
    assert any("指标" in d.value.columns and "figure_en" not in d.value.columns for d in zh.dataframe)


# The Chinese sentence's connecting words (queries/leads.py describe, lead_scoring.TIES): none in English.
CHINESE_GLUE = (" 供应 ", " 在园区", " 属于 ", "设有党组织", "及另外", "的子公司", "产学研合作", " 造 ")


@pytest.mark.parametrize("tie_types", [["supply", "group", "research"], ["supply"]])
def test_lead_paths_in_english(bundled_store, tie_types):
    """Each lead's explaining paths in both languages, line for line (the fast ranking and the scored
    one: tie_types picks between them), both stores; pages and the English briefing show paths_en."""
    from queries import registry
    table = registry.get("leads").run(bundled_store, tie_types=tie_types, limit=60).table
    assert len(table) > 10
    for zh, en in zip(table["paths"], table["paths_en"]):
        assert len(zh.splitlines()) == len(en.splitlines()) >= 1, (zh, en)
        assert not [g for g in CHINESE_GLUE if g in en], en
        for line in en.splitlines():
            assert "is in the zone" in line or line.startswith("… and "), line
    assert any("supplies" in p for p in table["paths_en"])
    for zh, en in zip(table["partners"], table["partners_en"]):   # the same partners, without 等 N 家
        assert " 等 " not in en and zh.split(" 等 ")[0].split("、") == en.split(" (")[0].split(", "), (zh, en)


def test_cytoscape_frontend_translated():
    """The Chinese copy of streamlit-cytoscape's index.html (app_pages/cytoscape_zh.py): none of its
    English interface words left in text or tooltips, and the panel's key names kept out of the
    script's text (a frame not yet laid out reports scripts as text)."""
    from pathlib import Path
    import streamlit_cytoscape
    from app_pages.cytoscape_zh import WORDS, translate
    original = (Path(streamlit_cytoscape.__file__).parent / "frontend" / "build" / "index.html").read_text("utf-8")
    assert "No selected elements" in original and 'title="Fit to Screen"' in original   # what is translated
    page = translate(original)
    text = re.sub(r"<script[^>]*>.*?</script>|<[^>]+>", " ", page, flags=re.S)
    titles = re.findall(r'title="([^"]*)"', page)
    assert not [w for w in WORDS if w in text or w in titles]
    assert "点击节点或关系查看详情" in text and "适应画布" in titles
    scripts = "".join(re.findall(r"<script[^>]*>(.*?)</script>", page, flags=re.S))
    assert not re.search(r"\b(id|name|source|target)\b", scripts.replace(".dataset.keys", ""))
