"""Mappings that fit real files (issue #12, items 4, 6, 7), on both stores: list-valued endpoint
columns fanned out, columns joined by a template, a title row above the header, exact duplicates
merged, a rejected row contributing nothing, reject files that load again once fixed."""
from __future__ import annotations

import csv
import json
import subprocess
import sys

import openpyxl
import pytest

from loaders.load import load_paths, validate_paths
from loaders.problems import LoadRejected
from tests.conftest import ROOT, valid_credit_code


def pairs(store, rel):
    return {(r["a"], r["b"]) for r in store.read(f"MATCH (a)-[:{rel}]->(b) RETURN a.id AS a, b.id AS b")}


def expected_second(folder):
    """The relationships the fixture states, read with the csv module alone."""
    def read(name):
        with open(folder / name, encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    split = lambda cell: [v.strip() for v in cell.split(",") if v.strip()]  # noqa: E731
    makes = {(r["company_id"], "prod:" + p) for r in read("companies.csv") for p in split(r["products"])}
    feeds = {("prod:" + r["product"], "prod:" + p) for r in read("products.csv") for p in split(r["downstream"])}
    supplies = {(r["payee"], r["payer"]) for r in read("transfers.csv")}
    return makes, feeds, supplies


def test_list_valued_endpoints_fan_out(store, second_dataset):
    folder, mapping = second_dataset
    load_paths(store, [folder], mapping=mapping)
    makes, feeds, supplies = expected_second(folder)
    assert pairs(store, "MAKES") == makes and len(makes) == 5
    assert pairs(store, "FEEDS") == feeds and len(feeds) == 3
    assert pairs(store, "SUPPLIES") == supplies
    assert store.counts()["nodes"]["Product"] == 3


def test_fanned_out_problem_is_reported_at_the_source_row(store, second_dataset, tmp_path):
    folder, mapping = second_dataset
    text = (folder / "companies.csv").read_text(encoding="utf-8")
    (folder / "companies.csv").write_text(text.replace('"汽车,电池"', '"汽车,飞船"'), encoding="utf-8")
    with pytest.raises(LoadRejected) as info:
        load_paths(store, [folder], mapping=mapping)
    problems = [str(p).split(" / ")[0] for p in info.value.problems]
    assert problems[0] == "companies.csv:2:products: unknown id 'prod:飞船': not in the input files nor in the graph"
    # The whole row is refused, so c1's transfers name it as the reason.
    assert problems[1:] == [f"transfers.csv:{n}:payer: endpoint 'c1' is in a rejected row (companies.csv:2)"
                            for n in (2, 3)]


def test_template_joins_columns(store, tmp_path):
    (tmp_path / "segs.csv").write_text("chain,segment,stage\n光伏,组件,下游\n光伏,硅料,上游\n风电,叶片,中游\n",
                                       encoding="utf-8")
    (tmp_path / "m.yaml").write_text("""
sources:
  - file: segs.csv
    label: Chain
    id: {column: chain, prefix: 'c:'}
    properties: {name: chain}
  - file: segs.csv
    label: Segment
    id: {template: '{chain}·{segment}'}
    properties: {name: {template: '{chain}{segment}'}, stage: stage}
  - file: segs.csv
    relationship: PART_OF
    from: {template: '{chain}·{segment}'}
    to: {column: chain, prefix: 'c:'}
""", encoding="utf-8")
    summary = load_paths(store, [tmp_path / "segs.csv"], mapping=tmp_path / "m.yaml")
    assert pairs(store, "PART_OF") == {("光伏·组件", "c:光伏"), ("光伏·硅料", "c:光伏"), ("风电·叶片", "c:风电")}
    assert {r["n"] for r in store.read("MATCH (s:Segment) RETURN s.name AS n")} == {"光伏组件", "光伏硅料", "风电叶片"}
    # 光伏 is on two rows: the same Chain node twice is an exact duplicate, merged with a note.
    assert [str(n).split(":")[:2] for n in summary.notes] == [["segs.csv", "3"]]


def titled_workbook(path, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "企业名录"
    sheet.append(["2025年园区企业名录（截至12月）"])
    sheet.merge_cells("A1:D1")
    for row in [["编号", "企业名称", "园区内", "员工人数"], *rows]:
        sheet.append(row)
    book.save(path)


DIRECTORY_MAPPING = """
sources:
  - file: 名录.xlsx
    sheet: 企业名录
    header_row: 2
    label: Enterprise
    id: 编号
    properties: {name: 企业名称, in_zone: 园区内, staff: 员工人数}
"""


def test_merged_title_row_loads_with_header_row_and_keeps_row_numbers(store, tmp_path):
    titled_workbook(tmp_path / "名录.xlsx", [["e1", "甲", "是", 10], ["e2", "乙", "是", "很多"]])
    (tmp_path / "m.yaml").write_text(DIRECTORY_MAPPING, encoding="utf-8")
    (tmp_path / "plain.yaml").write_text(DIRECTORY_MAPPING.replace("    header_row: 2\n", ""), encoding="utf-8")
    plan = validate_paths(store, [tmp_path / "名录.xlsx"], mapping=tmp_path / "plain.yaml")
    advice = [str(p) for p in plan.all_problems()]
    assert len(advice) == 1 and "名录.xlsx[企业名录]:1:A1:D1: merged cells in the header row: " \
        "if row 1 is a title above the header, give header_row: 2" in advice[0]
    with pytest.raises(LoadRejected) as info:
        load_paths(store, [tmp_path / "名录.xlsx"], mapping=tmp_path / "m.yaml")
    assert [str(p).split(": expected")[0] for p in info.value.problems] == ["名录.xlsx[企业名录]:4:员工人数"]
    summary = load_paths(store, [tmp_path / "名录.xlsx"], mapping=tmp_path / "m.yaml", skip_invalid=True,
                         rejects_dir=tmp_path / "rejects")
    assert summary.rows == {"Enterprise": 1}
    # The reject workbook keeps the title row, so the same mapping (header_row: 2) reads it.
    sheet = openpyxl.load_workbook(tmp_path / "rejects" / "名录.xlsx")["企业名录"]
    assert [c.value for c in sheet[1]][0] == "2025年园区企业名录（截至12月）"
    assert [c.value for c in sheet[3]][:3] == [4, "员工人数: expected a whole number, got '很多' / 应为整数", "e2"]


def test_cli_header_row_for_native_workbooks(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Enterprise"
    sheet.append(["园区企业"])
    sheet.merge_cells("A1:C1")
    sheet.append(["id", "name", "in_zone"])
    sheet.append(["e1", "甲", "maybe"])
    book.save(tmp_path / "zone.xlsx")
    cli = [sys.executable, "-m", "cli", "--data-dir", str(tmp_path / "db"), "load", str(tmp_path / "zone.xlsx")]
    out = subprocess.run(cli + ["--header-row", "2"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "zone.xlsx[Enterprise]:3:in_zone: expected true/false" in out.stderr
    sheet["C3"] = True
    book.save(tmp_path / "zone.xlsx")
    ok = subprocess.run(cli + ["--header-row", "2", "--format", "json"], cwd=ROOT, capture_output=True, text=True,
                        timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)[0]["created"] == 1


def test_exact_duplicate_rows_are_merged_with_a_note_conflicting_ones_rejected(store, tmp_path):
    (tmp_path / "Enterprise.csv").write_text("id,name,in_zone\ne1,甲,true\ne2,乙,true\ne1,甲,true\n", encoding="utf-8")
    (tmp_path / "SUPPLIES.csv").write_text("from,to,weight\ne1,e2,0.5\ne1,e2,0.5\n", encoding="utf-8")
    summary = load_paths(store, [tmp_path])
    assert [str(n).split(": ")[0] for n in summary.notes] == ["Enterprise.csv:4:id", "SUPPLIES.csv:3"]
    assert store.counts()["nodes"]["Enterprise"] == 2 and store.counts()["relationships"]["SUPPLIES"] == 1
    (tmp_path / "SUPPLIES.csv").write_text("from,to,weight\ne1,e2,0.5\ne1,e2,0.7\n", encoding="utf-8")
    with pytest.raises(LoadRejected, match=r"SUPPLIES.csv:3: duplicate relationship e1 -\[SUPPLIES\]-> e2 with other"):
        load_paths(store, [tmp_path])


# A firm directory the way a zone keeps it: one row gives the firm, its party organisation and its
# segment link.  Row 4 repeats row 2's credit code (a typing error): it must contribute nothing.
CODE_A, CODE_B, CODE_C = (valid_credit_code(f"91150000MA0N0000{i}") for i in (1, 2, 3))
FIRMS = ("名称,信用代码,环节,党组织\n"
         f"甲公司,{CODE_A},s1,甲公司党支部\n"
         f"乙公司,{CODE_B},s2,乙公司党支部\n"
         f"丙公司,{CODE_A},s2,丙公司党支部\n"
         f"丁公司,{CODE_C},s9,丁公司党支部\n")
FIRMS_MAPPING = """
sources:
  - file: segments.csv
    label: Segment
    id: id
    properties: {name: name}
  - file: firms.csv
    label: Enterprise
    id: {column: 信用代码, prefix: 'co:'}
    properties: {name: 名称, credit_code: 信用代码}
    constants: {in_zone: true}
  - file: firms.csv
    relationship: IN_SEGMENT
    from: {column: 信用代码, prefix: 'co:'}
    to: 环节
  - file: firms.csv
    label: PartyOrg
    id: {column: 信用代码, prefix: 'po:'}
    properties: {name: 党组织}
  - file: firms.csv
    relationship: BASED_IN
    from: {column: 信用代码, prefix: 'po:'}
    to: {column: 信用代码, prefix: 'co:'}
  - file: ties.csv
    relationship: SUPPLIES
    from: {column: 供方, lookup: {label: Enterprise, property: name}}
    to: {column: 需方, lookup: {label: Enterprise, property: name}}
  - file: ties2.csv
    relationship: SUPPLIES
    from: {column: 供方代码, prefix: 'co:'}
    to: {column: 需方代码, prefix: 'co:'}
"""


def firm_folder(tmp_path, firms=FIRMS):
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    (folder / "segments.csv").write_text("id,name\ns1,硅料\ns2,组件\n", encoding="utf-8")
    (folder / "firms.csv").write_text(firms, encoding="utf-8")
    (folder / "ties.csv").write_text("供方,需方\n", encoding="utf-8")
    (folder / "ties2.csv").write_text(f"供方代码,需方代码\n{CODE_C},{CODE_A}\n{CODE_B},{CODE_A}\n", encoding="utf-8")
    (tmp_path / "firms.yaml").write_text(FIRMS_MAPPING, encoding="utf-8")
    return folder, tmp_path / "firms.yaml"


def test_skip_invalid_keeps_nothing_of_a_rejected_row_and_cascades(store, tmp_path):
    folder, mapping = firm_folder(tmp_path)
    summary = load_paths(store, [folder], mapping=mapping, skip_invalid=True, rejects_dir=tmp_path / "rejects")
    a, b = f"co:{CODE_A}", f"co:{CODE_B}"
    assert {r["n"] for r in store.read("MATCH (e:Enterprise) RETURN e.name AS n")} == {"甲公司", "乙公司"}
    assert pairs(store, "IN_SEGMENT") == {(a, "s1"), (b, "s2")}          # 丙's s2 link is not on 甲
    assert {r["n"] for r in store.read("MATCH (p:PartyOrg) RETURN p.name AS n")} == {"甲公司党支部", "乙公司党支部"}
    assert pairs(store, "SUPPLIES") == {(b, a)}
    problems = [str(p) for p in summary.rejected]
    assert any(p.startswith("firms.csv:4:信用代码: duplicate id") for p in problems)
    assert any(p.startswith("firms.csv:5:环节: unknown id 's9'") for p in problems)
    # 丁公司 (row 5) is rejected for its unknown segment; the tie that needs 丁 is rejected naming row 5.
    assert any(p.startswith(f"ties2.csv:2:供方代码: endpoint 'co:{CODE_C}' is in a rejected row (firms.csv:5)")
               for p in problems), problems


def test_reject_files_hold_the_source_rows_and_load_again_once_fixed(store, tmp_path, monkeypatch):
    folder, mapping = firm_folder(tmp_path)
    before = sorted(p.name for p in folder.iterdir())
    monkeypatch.chdir(tmp_path)           # the default reject folder is a new one in the current directory
    summary = load_paths(store, [folder], mapping=mapping, skip_invalid=True)
    assert sorted(p.name for p in folder.iterdir()) == before, "nothing is written into the input folder"
    assert sorted(p.name for p in summary.reject_files) == ["firms.csv", "ties2.csv"]
    rejects = summary.reject_files[0].parent
    assert rejects.parent == tmp_path and rejects.name.startswith("rejects-")
    with open(rejects / "firms.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    # The source's own columns and values (no 'co:' prefix), its row number, all problems in one cell.
    assert rows[0] == ["_row", "_problems", "名称", "信用代码", "环节", "党组织"]
    assert [r[0] for r in rows[1:]] == ["4", "5"]
    assert rows[1][2:] == ["丙公司", CODE_A, "s2", "丙公司党支部"]
    assert "duplicate id" in rows[1][1] and rows[2][1].count("unknown id 's9'") == 1
    # Fix: 丙 gets its own code, 丁 a known segment; then load the reject folder with the same mapping.
    code_d = valid_credit_code("91150000MA0N00004")
    fixed = [r[:3] + [code_d if r[0] == "4" else r[3], "s2" if r[0] == "5" else r[4], r[5]] for r in rows[1:]]
    with open(rejects / "firms.csv", "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([rows[0], *fixed])
    again = load_paths(store, [rejects], mapping=mapping)
    assert not again.rejected
    assert {r["n"] for r in store.read("MATCH (e:Enterprise) RETURN e.name AS n")} == {"甲公司", "乙公司", "丙公司",
                                                                                     "丁公司"}
    assert (f"co:{CODE_C}", f"co:{CODE_A}") in pairs(store, "SUPPLIES")


def test_chainkg_style_jsonl_rejects_keep_original_values(store, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "company.json").write_text(
        '{"code": "600001.SH", "fullname": "甲"}\n{"code": "600002.sz", "fullname": ""}\n', encoding="utf-8")
    (tmp_path / "m.yaml").write_text("""
sources:
  - file: company.json
    label: Enterprise
    id: {column: code, regex: '^(\\d{6})', prefix: 'co:'}
    properties: {name: fullname}
    constants: {in_zone: false}
""", encoding="utf-8")
    summary = load_paths(store, [folder], mapping=tmp_path / "m.yaml", skip_invalid=True,
                         rejects_dir=tmp_path / "rj")
    lines = (tmp_path / "rj" / "company.json").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {"_row": 2, "_problems": "fullname: required value missing / 必填", "code": "600002.sz", "fullname": ""}]
    assert summary.rows == {"Enterprise": 1}


def test_fan_out_is_bounded(tmp_path, monkeypatch):
    """Two list-valued ends multiply: one row of 300 × 300 values would make 90,000 records.  Past
    CHAINGRAPH_MAX_FANOUT the row is refused, named, before any record is built."""
    from graph.embedded import EmbeddedStore
    monkeypatch.setenv("CHAINGRAPH_MAX_FANOUT", "1000")
    folder = tmp_path / "in"
    folder.mkdir()
    many = ",".join(f"p{i}" for i in range(300))
    (folder / "products.csv").write_text("id\n" + "\n".join(f"p{i}" for i in range(300)) + "\n", encoding="utf-8")
    (folder / "pairs.csv").write_text(f'ups,downs\n"{many}","{many}"\np1,p2\n', encoding="utf-8")
    (tmp_path / "m.yaml").write_text("""
sources:
  - file: products.csv
    label: Product
    id: id
    properties: {name: id}
  - file: pairs.csv
    relationship: FEEDS
    from: {column: ups, split: ','}
    to: {column: downs, split: ','}
""", encoding="utf-8")
    with EmbeddedStore(tmp_path / "db") as store:
        with pytest.raises(LoadRejected) as info:
            load_paths(store, [folder], mapping=tmp_path / "m.yaml")
        [problem] = info.value.problems
        assert (problem.file, problem.row, problem.column) == ("pairs.csv", 2, "ups") and "90,000" in problem.reason
        summary = load_paths(store, [folder], mapping=tmp_path / "m.yaml", skip_invalid=True,
                             rejects_dir=tmp_path / "rejects")
        assert store.counts()["relationships"]["FEEDS"] == 1     # the bounded row's neighbour still loads
