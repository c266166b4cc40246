"""The columnar fast path (loaders/columnar.py) against the row-by-row reference (loaders/plan.py).

Property: whenever the fast path accepts a set of files, the reference accepts them too, with the
same typed rows; and a load through the bulk path leaves the same graph as one through MERGE.
"""
from __future__ import annotations

import re
import sys

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from graph.embedded import EmbeddedStore
from loaders.columnar import EDGE_SPACE, ColumnarPlan, Declined, plan_files
from loaders.export import export_graph
from loaders.generate import generate_zone
from loaders.load import expand_paths, load_paths, validate_paths
from loaders.plan import LoadPlan
from tests.conftest import BUNDLED


def rows_of(plan) -> tuple[dict, dict]:
    norm = lambda rows: sorted(repr(sorted(r.items())) for r in rows)  # noqa: E731
    return ({k: norm(v) for k, v in plan.nodes().items()}, {k: norm(v) for k, v in plan.rels().items()})


def no_store(ids: pa.Array):
    return pa.array([], pa.string()), pa.array([], pa.string())


def test_space_pattern_matches_python_strip():
    """A value with any character Python's strip() removes at either end is not canonical."""
    chars = [chr(c) for c in range(1, 0x3100) if not 0xD800 <= c <= 0xDFFF]
    flagged = pc.match_substring_regex(pa.array(chars), EDGE_SPACE).to_pylist()
    assert [c for c, f in zip(chars, flagged) if f] == [c for c in chars if c.isspace()]


def test_generated_zone_takes_the_fast_path_with_the_reference_rows(tmp_path):
    generate_zone(tmp_path / "zone", enterprises=2000, seed=3)
    fast = plan_files(expand_paths([tmp_path / "zone"]), no_store)
    store = EmbeddedStore(tmp_path / "db")
    try:
        reference = validate_paths(store, [tmp_path / "zone"], columnar=False)
    finally:
        store.close()
    assert isinstance(reference, LoadPlan) and not reference.all_problems()
    assert rows_of(fast) == rows_of(reference)


def test_bundled_dataset_gives_the_same_rows_either_way(tmp_path):
    store = EmbeddedStore(tmp_path / "db")
    try:
        chosen = validate_paths(store, [BUNDLED])
        reference = validate_paths(store, [BUNDLED], columnar=False)
    finally:
        store.close()
    assert rows_of(chosen) == rows_of(reference)


# Cells drawn to hit every boundary of "canonical": padding with each kind of space, blanks,
# non-ASCII digits, signs, exponents, out-of-range values, bad dates, mixed-case booleans.  Most
# cells are canonical so that many examples pass the fast path and get compared row by row.
SPACES = [" ", "\t", "\u3000", "\xa0", "\x1c", "\x85", "\u2028"]
TEXT = (["企业甲", "A&B Co.", "x", "Ünïcode", "a;b"], ["e1", "a、b"])
KIND = (["链主", "龙头", "一般"], ["其它"])
INT = (["12", "007", "0", "4096"], ["-4", "+3", "1,000", "١٢", "3.0", "3.5", "9" * 25, "abc"])
FLOAT = (["0.5", "0.25", ".5", "5.", "1e-3", "-0", "0", "2E2"], ["inf", "nan", "1,5", "1e400", "0x10", "1_0", "-1"])
BOOL = (["true", "FALSE", "是", "否", "1", "0", "yes", "T"], ["maybe", "ture"])
DATE = (["2025-03-31", "2024-02-29", "1999-12-01"],
        ["2025-02-30", "2025/3/31", "2025-3-1", "0000-01-01", "2025-03-31 00:00:00", "99999-01-01"])
LIST = (["国家级;市级", "a、b", "x| y", " ;", "单项冠军", "a；；b"], [])


def cell(values, clean: bool, required: bool = False):
    canonical, odd = (st.sampled_from(v) if v else st.nothing() for v in values)
    if clean:
        return canonical if required else st.one_of(st.just(""), canonical)
    padded = st.tuples(st.sampled_from(SPACES), canonical).map("".join)
    return st.one_of(st.just(""), canonical, odd, padded)


COLUMNS = (TEXT, KIND, BOOL, INT, FLOAT, DATE, LIST)


def enterprise_rows(clean: bool):
    # Clean rows have their required cells (name, in_zone), so they pass the fast path and get compared.
    row = st.tuples(*(cell(v, clean, required=i in (0, 2)) for i, v in enumerate(COLUMNS)))
    return st.lists(row, min_size=2, max_size=4)


@st.composite
def clean_rows_with_one_odd_cell(draw):
    """The sharpest probe: everything canonical but one cell, which the fast path must not let through
    unless the reference reads it the same way."""
    rows = [list(r) for r in draw(enterprise_rows(True))]
    i, j = draw(st.integers(0, len(rows) - 1)), draw(st.integers(0, len(COLUMNS) - 1))
    rows[i][j] = draw(cell(COLUMNS[j], False))
    return [tuple(r) for r in rows]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.one_of(enterprise_rows(True), clean_rows_with_one_odd_cell(), enterprise_rows(False)), supplies=st.lists(
    st.tuples(st.integers(0, 1), st.integers(0, 1), st.one_of(cell(FLOAT, True), cell(FLOAT, True), cell(FLOAT, False))), max_size=3), blank_row=st.booleans())
def test_fast_path_accepts_only_what_the_reference_accepts_identically(tmp_path_factory, rows, supplies, blank_row):
    folder = tmp_path_factory.mktemp("in")
    lines = ["id,name,kind,in_zone,staff,rd_investment,founded,honours"]
    for i, (name, kind, in_zone, staff, rd, date, honours) in enumerate(rows):
        lines.append(f"e{i},{name},{kind},{in_zone},{staff},{rd},{date},{honours}")
        if blank_row and i == 0:
            lines.append(",,,,,,,")
    (folder / "Enterprise.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rels = ["from,to,weight"] + [f"e{a},e{b},{w}" for a, b, w in supplies]
    (folder / "SUPPLIES.csv").write_text("\n".join(rels) + "\n", encoding="utf-8")
    store = EmbeddedStore(folder / "db")
    try:
        reference = validate_paths(store, [folder / "Enterprise.csv", folder / "SUPPLIES.csv"], columnar=False)
    finally:
        store.close()
    try:
        fast = plan_files([folder / "Enterprise.csv", folder / "SUPPLIES.csv"], no_store)
    except Declined as exc:
        event(f"declined: {str(exc).split(': ')[-1]}")
        return
    event("accepted")
    assert not reference.all_problems(), [str(p) for p in reference.all_problems()]
    assert rows_of(fast) == rows_of(reference)


def test_fast_path_declines_what_needs_an_explanation(tmp_path):
    """Each of these is refused (or merely written differently) by the reference: the fast path must
    hand them over rather than guess."""
    ok_firms, ok_ties = "id,name,in_zone\ne1,a,true\ne2,b,false\n", "from,to,weight\ne1,e2,0.5\n"
    cases = {
        "duplicate id": ("id,name,in_zone\ne1,a,true\ne1,b,true\n", None),
        "quoted cell": ('id,name,in_zone\ne1,"a, b",true\n', None),
        "missing name": ("id,name,in_zone\ne1,,true\n", None),
        "missing in_zone": ("id,name,in_zone\ne1,a,\n", None),
        "short row": ("id,name,in_zone,staff\ne1,a,true\n", None),
        "long row": ("id,name,in_zone\ne1,a,true,extra\n", None),
        "unknown column": ("id,name,in_zone,colour\ne1,a,true,red\n", None),
        "gbk file": ("id,name,in_zone\ne1,企业,true\n".encode("gb18030"), None),
        "padded name": ("id,name,in_zone\ne1,a\u3000,true\n", None),
        "month 13": ("id,name,in_zone,founded\ne1,a,true,2025-13-01\n", None),
        "february 30": ("id,name,in_zone,founded\ne1,a,true,2025-02-30\n", None),
        "year zero": ("id,name,in_zone,founded\ne1,a,true,0000-01-01\n", None),
        "kind not allowed": ("id,name,in_zone,kind\ne1,a,true,巨头\n", None),
        "unknown endpoint": (ok_firms, "from,to\ne1,e9\n"),
        "duplicate tie": (ok_firms, "from,to\ne1,e2\ne1,e2\n"),
        "padded endpoint": (ok_firms, "from,to\ne1, e2\n"),
        "weight out of range": (ok_firms, "from,to,weight\ne1,e2,1.5\n"),
    }
    control = tmp_path / "control"
    control.mkdir()
    (control / "Enterprise.csv").write_text(ok_firms, encoding="utf-8")
    (control / "SUPPLIES.csv").write_text(ok_ties, encoding="utf-8")
    assert plan_files([control / "Enterprise.csv", control / "SUPPLIES.csv"], no_store).row_counts() == \
        {"Enterprise": 2, "SUPPLIES": 1}
    for why, (enterprises, supplies) in cases.items():
        folder = tmp_path / why.replace(" ", "_")
        folder.mkdir()
        path = folder / "Enterprise.csv"
        path.write_bytes(enterprises if isinstance(enterprises, bytes) else enterprises.encode())
        files = [path]
        if supplies:
            (folder / "SUPPLIES.csv").write_text(supplies, encoding="utf-8")
            files.append(folder / "SUPPLIES.csv")
        with pytest.raises(Declined):
            plan_files(files, no_store)
        assert why


def test_bulk_path_over_an_existing_graph_equals_merging_everything(store, tmp_path):
    """Half the zone first, then all of it: new ids are copied, known ones merged, ties between known
    firms merged; the graph equals one loaded row by row through MERGE alone, and a re-run changes nothing."""
    generate_zone(tmp_path / "zone", enterprises=3000, seed=11)
    half = tmp_path / "half"
    half.mkdir()
    for path in (tmp_path / "zone").iterdir():
        lines = path.read_text(encoding="utf-8").splitlines()
        keep = lines[:1] + lines[1:len(lines) // 2 + 1]
        if path.stem.isupper():
            keep = lines[:1]     # relationships come with the full load: some between stored nodes
        (half / path.name).write_text("\n".join(keep) + "\n", encoding="utf-8")
    load_paths(store, [half])
    assert isinstance(validate_paths(store, [tmp_path / "zone"]), ColumnarPlan)
    load_paths(store, [tmp_path / "zone"])
    export_graph(store, tmp_path / "bulk")

    reference = EmbeddedStore(tmp_path / "reference")
    try:
        plan = validate_paths(reference, [tmp_path / "zone"], columnar=False)
        assert isinstance(plan, LoadPlan)
        from loaders.load import write_plan
        write_plan(reference, plan)
        export_graph(reference, tmp_path / "merged")
    finally:
        reference.close()
    for path in sorted((tmp_path / "merged").iterdir()):
        assert sorted((tmp_path / "bulk" / path.name).read_text(encoding="utf-8").splitlines()) == \
            sorted(path.read_text(encoding="utf-8").splitlines()), path.name

    before = store.counts()
    summary = load_paths(store, [tmp_path / "zone"])
    assert store.counts() == before and summary.before == summary.after


def test_bulk_load_that_fails_half_way_writes_nothing(tmp_path, monkeypatch):
    """COPY runs inside the load's transaction: a failure after the nodes were copied rolls them back."""
    generate_zone(tmp_path / "zone", enterprises=500, seed=2)
    store = EmbeddedStore(tmp_path / "db")
    try:
        def broken(*args, **kwargs):
            raise RuntimeError("disk full (simulated)")
        monkeypatch.setattr(store, "copy_rels", broken)
        with pytest.raises(Exception, match="disk full"):
            load_paths(store, [tmp_path / "zone"])
        assert not any(store.counts()["nodes"].values())
        monkeypatch.undo()
        load_paths(store, [tmp_path / "zone"])
        assert store.counts()["nodes"]["Enterprise"] == 500
    finally:
        store.close()


def test_cli_load_reports_the_fast_path(tmp_path):
    import subprocess
    generate_zone(tmp_path / "zone", enterprises=300, seed=4)
    out = subprocess.run([sys.executable, "-m", "cli", "load", str(tmp_path / "zone"), "--format", "json"],
                         cwd=BUNDLED.parent.parent, capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "CHAINGRAPH_DATA_DIR": str(tmp_path / "db"),
                              "CHAINGRAPH_STORE": "embedded"})
    assert out.returncode == 0, out.stderr
    assert re.search(r"columnar", out.stderr), out.stderr
