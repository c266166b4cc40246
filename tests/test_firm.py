"""企业画像: a firm's profile says what the source files say (both stores), its product-inferred
partners come with the sentence that explains them, the leads through it carry the scores the leads
analysis gives them, and the page, the CLI and unknown or ambiguous names behave."""
from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from tests.conftest import BUNDLED


def rows(name: str) -> list[dict]:
    with open(BUNDLED / name, encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def section(result, name: str) -> set[str]:
    table = result.table
    return set(table[table["section"] == name]["id"])


@pytest.mark.parametrize("firm", ["ent_jingao", "ent_yili", "ent_zhuzhou"])
def test_profile_matches_the_source_files(bundled_store, firm):
    from queries import registry
    result = registry.get("firm").run(bundled_store, id=firm, cap=1000)
    assert section(result, "supplier") == {r["from"] for r in rows("SUPPLIES.csv") if r["to"] == firm}
    assert section(result, "customer") == {r["to"] for r in rows("SUPPLIES.csv") if r["from"] == firm}
    assert section(result, "segment") == {r["to"] for r in rows("IN_SEGMENT.csv") if r["from"] == firm}
    assert section(result, "party") == {r["from"] for r in rows("BASED_IN.csv") if r["to"] == firm}
    assert section(result, "alliance") == {r["to"] for r in rows("MEMBER_OF.csv") if r["from"] == firm}
    assert section(result, "demand") == {r["from"] for r in rows("RAISED_BY.csv") if r["to"] == firm}
    assert section(result, "project_invested") == {r["from"] for r in rows("INVESTED_BY.csv") if r["to"] == firm}
    assert section(result, "parent") == {r["to"] for r in rows("SUBSIDIARY_OF.csv") if r["from"] == firm}


def test_leads_through_a_firm_carry_the_leads_analysis_scores(bundled_store):
    from queries import registry
    firms = {r["id"]: r for r in rows("Enterprise.csv")}
    ties = [(r["from"], r["to"]) for name in ("SUPPLIES.csv", "SUBSIDIARY_OF.csv") for r in rows(name)]
    outside = lambda f: firms.get(f, {}).get("in_zone") == "false"   # noqa: E731
    # the in-zone firm with the most out-of-zone partners, from the files
    partners: dict[str, set[str]] = {}
    for a, b in ties:
        for me, other in ((a, b), (b, a)):
            if firms.get(me, {}).get("in_zone") == "true" and outside(other):
                partners.setdefault(me, set()).add(other)
    firm = max(sorted(partners), key=lambda f: len(partners[f]))
    result = registry.get("firm").run(bundled_store, id=firm, cap=1000)
    assert section(result, "lead") == partners[firm]
    scores = {r["lead"]: r["score"] for r in registry.get("leads").run(bundled_store, limit=10000).table.to_dict("records")}
    for r in result.table[result.table["section"] == "lead"].to_dict("records"):
        assert r["detail_zh"].startswith(f"得分 {scores[r['id']]:g}："), r


def test_inferred_partners_follow_products(store, tmp_path):
    from loaders.load import load_paths
    from queries import registry
    files = {"Enterprise.csv": "id,name,in_zone\nA,甲公司,true\nB,乙公司,false\nC,丙公司,false\nD,丁公司,true\n",
             "Product.csv": "id,name\np0,硅料\np1,硅片\np2,组件\n",
             "MAKES.csv": "from,to\nA,p1\nB,p0\nC,p2\nD,p1\n",
             "FEEDS.csv": "from,to\np0,p1\np1,p2\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    load_paths(store, [tmp_path])
    result = registry.get("firm").run(store, id="甲公司", cap=10)
    assert section(result, "product") == {"p1"}
    assert section(result, "supplier_inferred") == {"B"}      # D makes the same product, not an upstream one
    assert section(result, "customer_inferred") == {"C"}
    up = result.table[result.table["section"] == "supplier_inferred"].iloc[0]
    assert up["detail_zh"] == "乙公司 造 硅料；硅料 是 硅片 的上游；甲公司 造 硅片"


def test_caps_say_how_many_are_not_shown(store, tmp_path):
    from loaders.load import load_paths
    from queries import registry
    (tmp_path / "Enterprise.csv").write_text("id,name,in_zone\nA,甲,true\nB,乙,true\nC,丙,true\nD,丁,true\n",
                                             encoding="utf-8")
    (tmp_path / "SUPPLIES.csv").write_text("from,to\nB,A\nC,A\nD,A\n", encoding="utf-8")
    load_paths(store, [tmp_path])
    result = registry.get("firm").run(store, id="A", cap=2)
    assert len(section(result, "supplier")) == 2 and result.extra["hidden"] == {"supplier": 1}


def test_names_unknown_and_ambiguous(store, tmp_path):
    from loaders.load import load_paths
    from queries import registry
    # The loader refuses a second firm of the same name (loaders/matching.py); graphs written before
    # that rule, or by other tools, can still hold two, so the second is written directly here.
    (tmp_path / "Enterprise.csv").write_text("id,name,in_zone\nA,同名,true\nC,独有,true\n", encoding="utf-8")
    load_paths(store, [tmp_path])
    store.write(lambda tx: store.upsert_nodes(tx, "Enterprise", [{"id": "B", "name": "同名", "in_zone": False}]))
    assert registry.get("firm").run(store, id="独有", cap=5).extra["firm"]["id"] == "C"
    with pytest.raises(ValueError, match="A, B"):
        registry.get("firm").run(store, id="同名", cap=5)
    with pytest.raises(ValueError, match="没有"):
        registry.get("firm").run(store, id="nobody", cap=5)


def test_cli_firm(tmp_path):
    from cli import main
    from graph.embedded import EmbeddedStore
    from loaders.load import load_paths
    data = tmp_path / "data"
    with EmbeddedStore(data) as s:
        load_paths(s, [BUNDLED])
    runner = CliRunner()
    base = ["--store", "embedded", "--data-dir", str(data), "query", "firm"]
    result = runner.invoke(main, base + ["--param", "id=晶澳", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert {"supplier", "party", "alliance"} <= {r["section"] for r in json.loads(result.output)["rows"]}
    result = runner.invoke(main, base + ["--param", "id=不存在的企业"])
    assert result.exit_code == 2 and "不存在的企业" in result.output


def test_firm_page(monkeypatch, tmp_path):
    from tests.test_app import ok, open_page
    monkeypatch.setenv("CHAINGRAPH_STORE", "embedded")
    monkeypatch.setenv("CHAINGRAPH_DATA_DIR", str(tmp_path / "data"))
    at = ok(open_page(monkeypatch, "firm"))
    assert at.info, "without a firm the page says what to do"
    at = ok(open_page(monkeypatch, "firm", id="ent_jingao"))
    text = " ".join(m.value for m in at.markdown)
    assert "供应商（记录）" in text and "党组织" in text
    assert any("晶澳党支部" in list(d.value.get("名称", [])) for d in at.dataframe)
    from app_pages.common import _store
    _store.clear()
