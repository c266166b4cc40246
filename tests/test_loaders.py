"""Loaders on both stores: every bad input names file:row:column and writes nothing; skip-invalid,
idempotence, export round trip, readers for every format and encoding."""
from __future__ import annotations

import json
import subprocess
import sys

import openpyxl
import pytest

from loaders.export import export_graph, export_rows
from loaders.load import load_paths, validate_paths
from loaders.problems import LoadRejected
from tests.conftest import BUNDLED, ROOT

GOOD_ENTERPRISES = "id,name,in_zone,staff\ne1,晶澳,true,100\ne2,示例园外企业,false,20\n"
GOOD_SEGMENTS = "id,name,stage,order\ns1,工业硅,上游,1\ns2,多晶硅,上游,2\n"


def write(folder, name, text, encoding="utf-8"):
    path = folder / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def xlsx(folder, name, sheets, merge=None, formula=None):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if merge:
            sheet.merge_cells(merge)
        if formula:
            sheet[formula[0]] = formula[1]
    path = folder / name
    book.save(path)
    return path


def baseline(store):
    """Something already in the graph, so 'writes nothing' is checked against a real graph."""
    store.write(lambda tx: store.upsert_nodes(tx, "Enterprise", [{"id": "old", "name": "既有企业", "in_zone": True}]))
    return export_rows(store)


# (case id, files {name: text or builder}, expected problem text fragments "file:row:column: …")
BAD_CASES = [
    ("undecodable-bytes", {"Enterprise.csv": b"id,name,in_zone\ne1,\x80\x80\xff,true\n"},
     ["Enterprise.csv:2: unknown text encoding"]),
    ("utf16-without-bom", {"Enterprise.csv": "id,name,in_zone\ne1,晶澳,true\n".encode("utf-16-le")},
     ["Enterprise.csv: file contains NUL bytes"]),
    ("missing-required-column", {"Enterprise.csv": "id,name\ne1,晶澳\n"},
     ["Enterprise.csv:1:in_zone: required column 'in_zone' is missing"]),
    ("unknown-column", {"Enterprise.csv": "id,name,in_zone,colour\ne1,晶澳,true,red\n"},
     ["Enterprise.csv:1:colour: unknown column for Enterprise"]),
    ("unknown-label", {"Spaceship.csv": "id,name\nx,y\n"},
     ["Spaceship.csv: unknown label or relationship type"]),
    ("bad-int", {"Enterprise.csv": "id,name,in_zone,staff\ne1,晶澳,true,100\ne2,乙,true,abc\n"},
     ["Enterprise.csv:3:staff: expected a whole number, got 'abc'"]),
    ("fractional-int", {"Enterprise.csv": "id,name,in_zone,staff\ne1,晶澳,true,10.5\n"},
     ["Enterprise.csv:2:staff: expected a whole number, got '10.5'"]),
    ("bad-float", {"Project.csv": "id,name,status,investment\np1,项目,签约,1..2\n"},
     ["Project.csv:2:investment: expected a number"]),
    ("nan-float", {"Project.csv": "id,name,status,investment\np1,项目,签约,nan\n"},
     ["Project.csv:2:investment: expected a finite number"]),
    ("bad-date", {"Project.csv": "id,name,status,signed_date\np1,项目,签约,2025-13-01\n"},
     ["Project.csv:2:signed_date: not a real date"]),
    ("unparseable-date", {"Project.csv": "id,name,status,signed_date\np1,项目,签约,next week\n"},
     ["Project.csv:2:signed_date: expected a date like 2025-03-31"]),
    ("bad-bool", {"Enterprise.csv": "id,name,in_zone\ne1,晶澳,maybe\n"},
     ["Enterprise.csv:2:in_zone: expected true/false"]),
    ("not-allowed-value", {"Segment.csv": "id,name,stage\ns1,工业硅,侧游\n"},
     ["Segment.csv:2:stage: '侧游' is not an allowed value"]),
    ("above-maximum", {**{"Enterprise.csv": GOOD_ENTERPRISES},
                       "SUPPLIES.csv": "from,to,weight\ne2,e1,1.5\n"},
     ["SUPPLIES.csv:2:weight: 1.5 is above the maximum 1"]),
    ("below-minimum", {"Enterprise.csv": "id,name,in_zone,staff\ne1,晶澳,true,-3\n"},
     ["Enterprise.csv:2:staff: -3 is below the minimum 0"]),
    ("required-value-missing", {"Enterprise.csv": "id,name,in_zone\ne1,,true\n"},
     ["Enterprise.csv:2:name: required value missing"]),
    ("duplicate-key-in-file", {"Enterprise.csv": "id,name,in_zone\ne1,甲,true\ne1,乙,true\n"},
     ["Enterprise.csv:3:id: duplicate id 'e1': first at Enterprise.csv:2"]),
    ("duplicate-key-across-labels", {"Enterprise.csv": GOOD_ENTERPRISES, "Segment.csv": "id,name\ne1,工业硅\n"},
     ["Segment.csv:2:id: duplicate id 'e1'"]),
    ("dangling-endpoint", {"Enterprise.csv": GOOD_ENTERPRISES, "SUPPLIES.csv": "from,to\ne1,ghost\n"},
     ["SUPPLIES.csv:2:to: unknown id 'ghost': not in the input files nor in the graph"]),
    ("pair-not-allowed", {"Segment.csv": GOOD_SEGMENTS, "Alliance.csv": "id,name\na1,智造先锋\n",
                          "MEMBER_OF.csv": "from,to\ns1,a1\n"},
     ["MEMBER_OF.csv:2: MEMBER_OF cannot connect Segment to Alliance"]),
    ("label-mismatch", {"Enterprise.csv": GOOD_ENTERPRISES, "SUPPLIES.csv": "from,to,from_label\ne2,e1,Segment\n"},
     ["SUPPLIES.csv:2:from_label: 'e2' is a Enterprise, not a Segment"]),
    ("missing-endpoint-value", {"Enterprise.csv": GOOD_ENTERPRISES, "SUPPLIES.csv": "from,to\n,e1\n"},
     ["SUPPLIES.csv:2:from: required value missing"]),
    ("missing-endpoint-column", {"Enterprise.csv": GOOD_ENTERPRISES, "SUPPLIES.csv": "from,weight\ne1,0.5\n"},
     ["SUPPLIES.csv:1:to: required column 'to' is missing"]),
    ("duplicate-relationship", {"Enterprise.csv": GOOD_ENTERPRISES,
                                "SUPPLIES.csv": "from,to,weight\ne2,e1,0.5\ne2,e1,0.7\n"},
     ["SUPPLIES.csv:3: duplicate relationship e2 -[SUPPLIES]-> e1 with other values: first at SUPPLIES.csv:2"]),
    ("empty-file", {"Enterprise.csv": ""}, ["Enterprise.csv: empty file"]),
    ("blank-lines-only", {"Enterprise.csv": "\n\n  \n"}, ["Enterprise.csv: empty file"]),
    ("extra-cells", {"Enterprise.csv": "id,name,in_zone\ne1,晶澳,true,surplus\n"},
     ["Enterprise.csv:2: 4 cells but the header has 3 columns"]),
    ("duplicate-column", {"Enterprise.csv": "id,name,名称,in_zone\ne1,晶澳,晶澳,true\n"},
     ["Enterprise.csv:1:名称: duplicate column"]),
    ("jsonl-broken-line", {"Enterprise.jsonl": '{"id": "e1", "name": "甲", "in_zone": true}\n{"id": "e2", \n'},
     ["Enterprise.jsonl:2: invalid JSON"]),
    ("jsonl-not-object", {"Enterprise.jsonl": '{"id": "e1", "name": "甲", "in_zone": true}\n[1, 2]\n'},
     ["Enterprise.jsonl:2: each line must be a JSON object"]),
    ("unsupported-type", {"Enterprise.docx": "whatever"}, ["Enterprise.docx: unsupported file type .docx"]),
    ("corrupt-xlsx", {"Enterprise.xlsx": b"PK\x03\x04 not really a zip"}, ["Enterprise.xlsx: not a readable XLSX"]),
    ("xlsx-merged-header", {"book.xlsx": lambda d: xlsx(d, "book.xlsx", {"Enterprise": [
        ["id", "name", "in_zone"], ["e1", "晶澳", True]]}, merge="A1:B1")},
     ["book.xlsx[Enterprise]:1:A1:B1: merged cells in the header row"]),
    ("xlsx-formula-without-value", {"book.xlsx": lambda d: xlsx(d, "book.xlsx", {"Enterprise": [
        ["id", "name", "in_zone", "staff"], ["e1", "晶澳", True, None]]}, formula=("D2", "=10*3"))},
     ["book.xlsx[Enterprise]:2:staff: formula =10*3 has no computed value"]),
    ("xlsx-bad-cell", {"book.xlsx": lambda d: xlsx(d, "book.xlsx", {"Enterprise": [
        ["id", "name", "in_zone", "staff"], ["e1", "晶澳", True, 5], ["e2", "乙", "不知道", 5]]})},
     ["book.xlsx[Enterprise]:3:in_zone: expected true/false"]),
    ("dates-out-of-order", {"Demand.csv": "id,name,category,status,raised_date,resolved_date\n"
                                          "d1,用工,用工,已解决,2025-05-02,2025-04-01\n"},
     ["Demand.csv:2:resolved_date: ends before it starts"]),
    ("unknown-sheet-name", {"book.xlsx": lambda d: xlsx(d, "book.xlsx", {"Sheet7": [["id"], ["x"]]})},
     ["book.xlsx[Sheet7]: unknown label or relationship type"]),
]


@pytest.mark.parametrize("case,files,expected", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_input_is_reported_and_nothing_is_written(store, tmp_path, case, files, expected):
    before = baseline(store)
    folder = tmp_path / "in"
    folder.mkdir()
    for name, content in files.items():
        content(folder) if callable(content) else write(folder, name, content)
    with pytest.raises(LoadRejected) as info:
        load_paths(store, [folder])
    messages = [str(p) for p in info.value.problems]
    for fragment in expected:
        assert any(m.startswith(fragment) or fragment in m for m in messages), (fragment, messages)
    assert export_rows(store) == before


def test_all_problems_are_reported_at_once(store, tmp_path):
    write(tmp_path, "Enterprise.csv", "id,name,in_zone,staff\ne1,,true,x\ne2,乙,perhaps,3\ne3,丙,true,-1\n")
    plan = validate_paths(store, [tmp_path])
    found = sorted(str(p) for p in plan.all_problems())
    assert [f.split(": ")[0] for f in found] == ["Enterprise.csv:2:name", "Enterprise.csv:2:staff",
                                                 "Enterprise.csv:3:in_zone", "Enterprise.csv:4:staff"]


def test_skip_invalid_writes_exactly_the_valid_rows(store, tmp_path):
    write(tmp_path, "Enterprise.csv", "id,name,in_zone\ne1,甲,true\ne2,乙,perhaps\ne3,丙,false\n")
    write(tmp_path, "SUPPLIES.csv", "from,to,weight\ne1,e3,0.5\ne2,e3,0.5\ne3,ghost,0.1\n")
    summary = load_paths(store, [tmp_path], skip_invalid=True, rejects_dir=tmp_path / "rejects")
    assert {r["id"] for r in store.read("MATCH (e:Enterprise) RETURN e.id AS id")} == {"e1", "e3"}
    assert store.read("MATCH (a:Enterprise)-[:SUPPLIES]->(b:Enterprise) RETURN a.id AS a, b.id AS b") == \
        [{"a": "e1", "b": "e3"}]
    assert len(summary.rejected) == 3
    rejects = {p.name: p.read_text(encoding="utf-8-sig") for p in summary.reject_files}
    assert "perhaps" in rejects["Enterprise.csv"]
    supplies = rejects["SUPPLIES.csv"]
    assert "rejected row" in supplies and "ghost" in supplies   # e2 cascades; ghost dangles


def test_loading_twice_changes_nothing(store):
    load_paths(store, [BUNDLED])
    first = export_rows(store)
    summary = load_paths(store, [BUNDLED])
    assert export_rows(store) == first
    assert all(r["created"] == 0 for r in summary.table())


def test_export_clear_load_round_trips(bundled_store, tmp_path):
    export_graph(bundled_store, tmp_path / "a")
    bundled_store.clear()
    assert not any(bundled_store.counts()["nodes"].values())
    load_paths(bundled_store, [tmp_path / "a"])
    export_graph(bundled_store, tmp_path / "b")
    for path in sorted((tmp_path / "a").iterdir()):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


def test_encodings_bom_gbk_and_chinese_headers(store, tmp_path):
    write(tmp_path, "企业.csv", "编号,企业名称,是否园区企业,员工人数\ne1,晶澳,是,100\n", encoding="gb18030")
    write(tmp_path, "Segment.csv", "\ufeffid,name,stage\ns1,工业硅,上游\n", encoding="utf-8")
    write(tmp_path, "所处环节.tsv", "起点\t终点\ne1\ts1\n", encoding="utf-8-sig")
    load_paths(store, [tmp_path])
    assert store.read("MATCH (e:Enterprise)-[:IN_SEGMENT]->(s:Segment) RETURN e.name AS e, e.in_zone AS z, "
                      "e.staff AS n, s.name AS s") == [{"e": "晶澳", "z": True, "n": 100, "s": "工业硅"}]


def test_excel_unicode_text_export_utf16_tab_separated(store, tmp_path):
    write(tmp_path, "Enterprise.txt", "id\tname\tin_zone\ne1\t晶澳\ttrue\n", encoding="utf-16")
    load_paths(store, [tmp_path])
    assert store.read("MATCH (e:Enterprise) RETURN e.name AS n") == [{"n": "晶澳"}]


def test_forced_wrong_encoding_names_the_line(store, tmp_path):
    write(tmp_path, "Enterprise.csv", "id,name,in_zone\ne1,晶澳,true\n", encoding="gbk")
    with pytest.raises(LoadRejected, match=r"Enterprise.csv:2: cannot decode as utf-8"):
        load_paths(store, [tmp_path], encoding="utf-8")


def test_xlsx_sheets_trailing_blank_rows_and_jsonl(store, tmp_path):
    xlsx(tmp_path, "zone.xlsx", {"Enterprise": [["id", "name", "in_zone", "founded"], ["e1", "晶澳", True, None],
                                                ["e2", "乙", "否", "2020/5/1"], [None, None, None, None],
                                                [None, None, None, None]],
                                 "Segment": [["id", "name"], ["s1", "组件"]]})
    write(tmp_path, "IN_SEGMENT.jsonl", '{"from": "e1", "to": "s1"}\n\n{"from": "e2", "to": "s1"}\n')
    load_paths(store, [tmp_path])
    assert store.counts()["nodes"]["Enterprise"] == 2
    assert store.counts()["relationships"]["IN_SEGMENT"] == 2
    assert store.read("MATCH (e:Enterprise {id: 'e2'}) RETURN e.founded AS f, e.in_zone AS z") == \
        [{"f": "2020-05-01", "z": False}]


def test_derived_years_and_days(store, tmp_path):
    write(tmp_path, "Project.csv", "id,name,status,signed_date\np1,项目,签约,2025年3月8日\n")
    write(tmp_path, "Demand.csv", "id,name,category,status,raised_date,resolved_date\n"
                                  "d1,招工,用工,已解决,2025-03-01,2025-03-11\n")
    load_paths(store, [tmp_path])
    assert store.read("MATCH (p:Project) RETURN p.signed_year AS y") == [{"y": 2025}]
    assert store.read("MATCH (d:Demand) RETURN d.days_to_close AS d") == [{"d": 10}]


def test_relationship_to_a_node_already_in_the_graph(store, tmp_path):
    baseline(store)
    write(tmp_path, "Enterprise.csv", "id,name,in_zone\nnew,新企业,false\n")
    write(tmp_path, "SUPPLIES.csv", "from,to\nnew,old\n")
    load_paths(store, [tmp_path])
    assert store.counts()["relationships"]["SUPPLIES"] == 1


def test_templates_load_as_they_are(store, tmp_path):
    out = subprocess.run([sys.executable, "-m", "cli", "template", str(tmp_path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    sheets = openpyxl.load_workbook(tmp_path / "chaingraph-template.xlsx").sheetnames
    assert "Enterprise" in sheets and "SUPPLIES" in sheets
    (tmp_path / "chaingraph-template.xlsx").unlink()
    load_paths(store, [tmp_path])
    assert store.counts()["nodes"]["Enterprise"] == 2     # the second example firm is SUPPLIES' customer


def test_cli_load_reports_on_stderr_with_nonzero_exit(tmp_path):
    write(tmp_path / "", "Enterprise.csv", "id,name,in_zone\ne1,晶澳,maybe\n")
    out = subprocess.run([sys.executable, "-m", "cli", "--data-dir", str(tmp_path / "db"), "load", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "Enterprise.csv:2:in_zone: expected true/false" in out.stderr
    assert "nothing was written" in out.stderr
    ok = subprocess.run([sys.executable, "-m", "cli", "--data-dir", str(tmp_path / "db"), "load",
                         str(BUNDLED), "--format", "json"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert {r["name"]: r["created"] for r in json.loads(ok.stdout)}["Enterprise"] == 154


def test_load_killed_half_way_leaves_the_previous_graph(bundled_store, tmp_path):
    """kill -9 of `chaingraph load` while it writes: the graph is as before, and a re-run completes."""
    import os
    import signal
    import time

    from loaders.generate import generate_zone
    generate_zone(tmp_path / "zone", enterprises=60000, seed=5)
    before = export_rows(bundled_store)
    env = dict(os.environ, CHAINGRAPH_STORE=bundled_store.backend)
    if bundled_store.backend == "embedded":
        env["CHAINGRAPH_DATA_DIR"] = str(bundled_store.data_dir)
        bundled_store.close()                      # one writer at a time: hand the file to the CLI
    proc = subprocess.Popen([sys.executable, "-m", "cli", "load", str(tmp_path / "zone")], cwd=ROOT, env=env,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        line = proc.stderr.readline()
        while line.startswith("reading"):
            line = proc.stderr.readline()
        assert line.startswith("writing"), line
        time.sleep(0.3)
        assert proc.poll() is None, "the load finished before it could be killed"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    if bundled_store.backend == "embedded":
        from graph.embedded import EmbeddedStore
        store = EmbeddedStore(bundled_store.data_dir)
    else:
        store = bundled_store
    try:
        assert export_rows(store) == before
        load_paths(store, [tmp_path / "zone"])
        assert store.counts()["nodes"]["Enterprise"] == 60000 + 154
    finally:
        if store is not bundled_store:
            store.close()


def test_a_load_that_reshapes_the_graph_is_planned_on_its_new_statistics(store):
    """Loading a zone into an empty store changes every count: the store is told (Neo4j: its index
    samples are retaken and cached plans dropped before the load returns, so the first analyses are not
    planned on the samples of an empty graph).  A small import into it changes no shape."""
    from loaders.load import reshaped
    told = []
    original = store.statistics_changed
    store.statistics_changed = lambda: (told.append(True), original())[1]
    load_paths(store, [BUNDLED])
    assert told == [True]
    if store.backend == "neo4j":
        indexes = store.read("CALL db.stats.retrieve('GRAPH COUNTS') YIELD data "
                             "UNWIND data.indexes AS i RETURN i.labels AS labels, i.properties AS props, "
                             "i.totalSize AS size, i.updatesSinceEstimation AS behind")
        firms = store.counts()["nodes"]["Enterprise"]
        assert [i["size"] for i in indexes if i["labels"] == ["Enterprise"] and i["props"] == ["in_zone"]] == [firms]
        assert all(i["behind"] == 0 for i in indexes), [i for i in indexes if i["behind"]]
    load_paths(store, [BUNDLED])                      # the same rows again: nothing moves
    assert told == [True]
    assert reshaped({"nodes": {"A": 100}}, {"nodes": {"A": 110}}) and not reshaped({"nodes": {"A": 100}}, {"nodes": {"A": 109}})
    assert reshaped({"nodes": {"A": 0}}, {"nodes": {"A": 1}}) and not reshaped({"nodes": {"A": 0}}, {"nodes": {"A": 0}})
