"""Entity matching on import (issue #12, item 5), on both stores: 统一社会信用代码 checked against
GB 32100-2015, names compared in a normalised form, a new directory matched to the firms already
in the graph (credit code first, then name), never the same firm created twice, no self-supply."""
from __future__ import annotations

import random

import pyarrow as pa
import pytest

from loaders.columnar import _name_keys
from loaders.credit_code import problem
from loaders.load import load_paths, validate_paths
from loaders.matching import name_key
from loaders.problems import LoadRejected
from tests.conftest import valid_credit_code

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
REAL = ["9144030071526726XG", "91110108551385082Q", "91310000775785552L"]   # published codes of listed firms


def random_codes(n, seed=3):
    rng = random.Random(seed)
    return [valid_credit_code("".join(rng.choice(CHARSET) for _ in range(17))) for _ in range(n)]


def test_credit_code_check_follows_the_standard():
    for code in REAL + random_codes(200):
        assert problem(code) is None, code
    for code in random_codes(200, seed=4):
        wrong = CHARSET[(CHARSET.index(code[17]) + 1) % 31]
        assert "check character" in problem(code[:17] + wrong)
    good = REAL[0]
    assert "has 17 characters" in problem(good[:17])
    assert "has 15 characters" in problem(good[:15])
    assert "has 19 characters" in problem(good + "1")
    for letter in "IOSVZ":
        assert "outside GB 32100" in problem(good[:5] + letter + good[6:])


def enterprises(folder, rows, name="Enterprise.csv"):
    folder.mkdir(exist_ok=True)
    (folder / name).write_text("id,name,in_zone,credit_code\n" + "".join(f"{','.join(r)}\n" for r in rows),
                               encoding="utf-8")
    return folder


def test_bad_codes_are_refused_at_file_row_column_and_forms_normalised(store, tmp_path):
    good = random_codes(3)
    folder = enterprises(tmp_path / "in", [
        ("e1", "甲", "true", good[0]),
        ("e2", "乙", "true", good[1].lower()),                                              # lower case
        ("e3", "丙", "true", good[2].translate({ord(c): ord(c) + 0xFEE0 for c in CHARSET})),  # full-width
        ("e4", "丁", "true", good[0][:15]),
        ("e5", "戊", "true", good[0][:17] + CHARSET[(CHARSET.index(good[0][17]) + 1) % 31]),
        ("e6", "己", "true", "9115000" + "O" + good[0][8:]),
    ])
    plan = validate_paths(store, [folder])
    assert [str(p).split(" 统一社会信用代码")[0] for p in plan.all_problems()] == [
        "Enterprise.csv:5:credit_code:", "Enterprise.csv:6:credit_code:", "Enterprise.csv:7:credit_code:"]
    summary = load_paths(store, [folder], skip_invalid=True, rejects_dir=tmp_path / "rj")
    stored = {r["id"]: r["c"] for r in store.read("MATCH (e:Enterprise) RETURN e.id AS id, e.credit_code AS c")}
    assert stored == {"e1": good[0], "e2": good[1], "e3": good[2]}
    assert [n.row for n in summary.notes] == [3, 4]


def test_a_code_used_as_id_becomes_the_canonical_id(store, tmp_path):
    code = random_codes(1)[0]
    wide = code.translate({ord(c): ord(c) + 0xFEE0 for c in CHARSET})
    (tmp_path / "firms.csv").write_text(f"名称,代码\n甲公司,{wide}\n", encoding="utf-8")
    (tmp_path / "m.yaml").write_text("""
sources:
  - file: firms.csv
    label: Enterprise
    id: {column: 代码, prefix: 'co:'}
    properties: {name: 名称, credit_code: 代码}
    constants: {in_zone: true}
""", encoding="utf-8")
    load_paths(store, [tmp_path / "firms.csv"], mapping=tmp_path / "m.yaml")
    assert store.read("MATCH (e:Enterprise) RETURN e.id AS id, e.credit_code AS c") == [{"id": f"co:{code}", "c": code}]
    # A ledger naming the firm by its code in lower case still finds it (lookups fold the code too).
    store.write(lambda tx: store.upsert_nodes(tx, "Enterprise", [{"id": "other", "name": "乙", "in_zone": True}]))
    (tmp_path / "ties.csv").write_text(f"供方,需方\nother,{code.lower()}\n", encoding="utf-8")
    (tmp_path / "t.yaml").write_text("""
sources:
  - file: ties.csv
    relationship: SUPPLIES
    from: 供方
    to: {column: 需方, lookup: {label: Enterprise, property: credit_code}}
""", encoding="utf-8")
    load_paths(store, [tmp_path / "ties.csv"], mapping=tmp_path / "t.yaml")
    assert store.read("MATCH (a)-[:SUPPLIES]->(b) RETURN a.id AS a, b.id AS b") == [{"a": "other", "b": f"co:{code}"}]


SAME = [("甲科技有限公司", "甲科技股份有限公司"), ("乙（鄂尔多斯）能源有限公司", "乙(鄂尔多斯)能源 有限公司"),
        ("ＡＢＣ新材料有限责任公司", "abc新材料"), ("丙【集团】有限公司", "丙[集团]公司")]
DIFFERENT = [("甲科技有限公司", "甲科技发展有限公司"), ("乙能源有限公司", "乙(鄂尔多斯)能源有限公司")]


def test_name_keys():
    for a, b in SAME:
        assert name_key(a) == name_key(b), (a, b)
    for a, b in DIFFERENT:
        assert name_key(a) != name_key(b), (a, b)
    names = [n for pair in SAME + DIFFERENT for n in pair] + ["  丁　公司 ", "有限公司"]
    assert _name_keys(pa.array(names)).to_pylist() == [name_key(n) for n in names]   # the columnar twin agrees


def test_new_directory_is_matched_against_the_graph(store, tmp_path):
    code_a, code_b, code_c, code_x = random_codes(4, seed=9)
    load_paths(store, [enterprises(tmp_path / "first", [
        ("ent_a", "甲科技有限公司", "true", code_a), ("ent_b", "乙能源股份有限公司", "true", "")])])
    # Two same-named firms from before matching existed (a load now refuses the second one).
    store.write(lambda tx: store.upsert_nodes(tx, "Enterprise", [
        {"id": "ent_c1", "name": "丙材料有限公司", "in_zone": True, "credit_code": None},
        {"id": "ent_c2", "name": "丙材料有限责任公司", "in_zone": False, "credit_code": code_c}]))
    second = enterprises(tmp_path / "second", [
        ("x1", "甲科技（内蒙古）有限公司", "true", code_a),     # code match, though the name changed
        ("x2", "乙能源有限公司", "true", code_b),               # name match (the stored firm had no code)
        ("x3", "丙材料股份有限公司", "true", ""),               # two stored firms with that name: ambiguous
        ("x4", "丁新材料有限公司", "true", code_x),             # new
        ("x5", "丁新材料股份有限公司", "true", ""),             # same name as x4 in the same file: ambiguous
    ])
    (second / "SUPPLIES.csv").write_text("from,to\nx4,x1\nx2,x1\n", encoding="utf-8")
    summary = load_paths(store, [second], skip_invalid=True, rejects_dir=tmp_path / "rj")
    report = {m.id: (m.status, m.how, m.existing.split(" ")[0]) for m in summary.matches}
    assert report == {"x1": ("matched", "credit_code", "ent_a"), "x2": ("matched", "name", "ent_b"),
                      "x3": ("ambiguous", "name", "ent_c1"), "x4": ("new", "", ""),
                      "x5": ("ambiguous", "name", "x4")}
    firms = {r["id"]: (r["n"], r["c"]) for r in store.read(
        "MATCH (e:Enterprise) RETURN e.id AS id, e.name AS n, e.credit_code AS c")}
    assert firms == {"ent_a": ("甲科技（内蒙古）有限公司", code_a), "ent_b": ("乙能源有限公司", code_b),
                     "ent_c1": ("丙材料有限公司", None), "ent_c2": ("丙材料有限责任公司", code_c),
                     "x4": ("丁新材料有限公司", code_x)}
    # The ties of matched rows attach to the stored firms.
    ties = {(r["a"], r["b"]) for r in store.read("MATCH (a)-[:SUPPLIES]->(b) RETURN a.id AS a, b.id AS b")}
    assert ties == {("x4", "ent_a"), ("ent_b", "ent_a")}
    rejected = [str(p) for p in summary.rejected]
    assert any(p.startswith("Enterprise.csv:4:name: a firm named like '丙材料股份有限公司' already exists") for p in rejected)


def test_name_match_with_a_different_credit_code_is_ambiguous(store, tmp_path):
    code_a, code_b = random_codes(2, seed=11)
    load_paths(store, [enterprises(tmp_path / "first", [("a", "甲有限公司", "true", code_a)])])
    with pytest.raises(LoadRejected, match=r"Enterprise.csv:2:name: a firm named like '甲股份有限公司' already exists: "
                                           r"a \(甲有限公司, 统一社会信用代码"):
        load_paths(store, [enterprises(tmp_path / "second", [("b", "甲股份有限公司", "true", code_b)])])


def test_a_firm_cannot_supply_itself(store, tmp_path):
    folder = enterprises(tmp_path / "in", [("e1", "甲", "true", ""), ("e2", "乙", "true", "")])
    (folder / "SUPPLIES.csv").write_text("from,to\ne1,e1\ne1,e2\n", encoding="utf-8")
    with pytest.raises(LoadRejected) as info:
        load_paths(store, [folder])
    assert [str(p).split(" / ")[0] for p in info.value.problems] == [
        "SUPPLIES.csv:2:to: 'e1' cannot be its own SUPPLIES partner (from = to)"]


def test_valid_codes_keep_the_fast_path(tmp_path):
    from graph.embedded import EmbeddedStore
    codes = random_codes(50, seed=5)
    folder = enterprises(tmp_path / "in", [(f"e{i}", f"企业{i}", "true", c) for i, c in enumerate(codes)])
    with EmbeddedStore(tmp_path / "db") as store:
        assert type(validate_paths(store, [folder])).__name__ == "ColumnarPlan"
        (folder / "Enterprise.csv").write_text((folder / "Enterprise.csv").read_text(encoding="utf-8")
                                               .replace(codes[7], codes[7].lower()), encoding="utf-8")
        plan = validate_paths(store, [folder])
        assert type(plan).__name__ == "LoadPlan" and [n.row for n in plan.notes] == [9]
