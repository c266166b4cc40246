"""Hardening: bounded queries, fuzzed loader input, secrets kept out of output, input limits."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.store import QueryTimeout
from loaders.export import export_rows
from loaders.generate import generate_zone
from loaders.load import load_paths
from loaders.problems import LoadRejected
from queries.console import run_console
from tests.conftest import ROOT

PATHOLOGICAL = [
    # a cartesian product the engine has to walk
    "MATCH (a:Enterprise), (b:Enterprise), (c:Enterprise) WHERE a.staff + b.staff + c.staff = 7 RETURN count(*) AS n",
    # an unbounded-ish variable-length path on a dense supply graph
    "MATCH (a:Enterprise)-[:SUPPLIES*1..12]->(b:Enterprise) RETURN count(*) AS n",
]


@pytest.fixture
def dense_store(store, tmp_path):
    generate_zone(tmp_path / "zone", enterprises=3000, seed=3, supplies_per_enterprise=6)
    load_paths(store, [tmp_path / "zone"])
    return store


@pytest.mark.parametrize("text", PATHOLOGICAL, ids=["cartesian", "var-length"])
def test_pathological_query_is_stopped_by_the_timeout(dense_store, text):
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="timeout"):
        run_console(dense_store, text, timeout=1.0)
    assert time.monotonic() - started < 30            # stopped, not run to completion
    # and the store still answers
    assert run_console(dense_store, "MATCH (a:Alliance) RETURN count(a) AS n").rows == [{"n": 4}]


# --- fuzzed loader input ---------------------------------------------------------------------

HEADERS = ["id", "name", "in_zone", "staff", "founded", "weight", "from", "to", "名称", "是否园区企业", "", "colour",
           "id", "kind", "rd_investment"]
FILE_NAMES = ["Enterprise.csv", "SUPPLIES.csv", "企业.csv", "Segment.tsv", "Unknown.csv", "Enterprise.jsonl",
              "Enterprise.xlsx"]
CELLS = st.one_of(st.text(max_size=12), st.sampled_from(["true", "否", "1e309", "nan", "-1", "2025-02-30", "e1", "e2",
                                                          "=SUM(A1)", "\x00", "\ufeff", "一,二", '"', "\n"]),
                  st.integers(-10**12, 10**12).map(str), st.floats(allow_nan=True).map(str))


@st.composite
def files(draw):
    out = {}
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(FILE_NAMES))
        header = draw(st.lists(st.sampled_from(HEADERS), min_size=0, max_size=6))
        rows = draw(st.lists(st.lists(CELLS, min_size=0, max_size=7), max_size=6))
        out[name] = (header, rows)
    return out


def write_fuzz(folder, spec) -> None:
    import csv
    import json

    import openpyxl
    for name, (header, rows) in spec.items():
        path = folder / name
        if name.endswith(".jsonl"):
            path.write_text("\n".join(json.dumps(dict(zip(header, r)), ensure_ascii=False) for r in rows),
                            encoding="utf-8")
        elif name.endswith(".xlsx"):
            book = openpyxl.Workbook()
            sheet = book.active
            sheet.title = "Enterprise"
            from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
            for r in [header] + rows:          # a workbook cannot hold control characters at all
                sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c) for c in r])
            book.save(path)
        else:
            with path.open("w", newline="", encoding="utf-8") as fh:
                csv.writer(fh, delimiter="\t" if name.endswith(".tsv") else ",").writerows([header] + rows)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(spec=files())
def test_fuzzed_input_never_crashes_and_a_rejected_load_changes_nothing(store, tmp_path_factory, spec):
    folder = tmp_path_factory.mktemp("fuzz")
    write_fuzz(folder, spec)
    before = export_rows(store)
    try:
        load_paths(store, [folder])
    except LoadRejected as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file and problem.reason
            assert any(problem.file.startswith(n) for n in spec) or problem.file == str(folder)
        assert export_rows(store) == before
    store.clear()


# --- secrets and limits ----------------------------------------------------------------------

def test_password_never_reaches_output(tmp_path):
    env = dict(os.environ, CHAINGRAPH_STORE="neo4j", NEO4J_URI="bolt://127.0.0.1:1", NEO4J_PASSWORD="hunter2-secret")
    for args in (["stats"], ["query", "overview"], ["cypher", "RETURN 1"], ["load", str(tmp_path)]):
        out = subprocess.run([sys.executable, "-m", "cli", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 1, (args, out.stderr)
        assert "hunter2" not in out.stdout + out.stderr
        assert "not reachable" in out.stderr


def test_max_rows_per_load(store, tmp_path, monkeypatch):
    (tmp_path / "Enterprise.csv").write_text("id,name,in_zone\n" + "".join(f"e{i},企业{i},true\n" for i in range(30)),
                                             encoding="utf-8")
    monkeypatch.setenv("CHAINGRAPH_MAX_ROWS", "20")
    with pytest.raises(LoadRejected, match="30 rows is over the limit of 20"):
        load_paths(store, [tmp_path])
    assert store.counts()["nodes"]["Enterprise"] == 0


MAPPING_KEYS = st.sampled_from(["file", "label", "relationship", "id", "from", "to", "properties", "constants",
                                "where", "sheet", "bogus"])
MAPPING_VALUES = st.one_of(st.sampled_from(["Enterprise", "SUPPLIES", "Nope", "data.csv", "missing.csv", "a", "b"]),
                           st.dictionaries(st.sampled_from(["column", "regex", "map", "split", "prefix", "name",
                                                            "in_zone", "x"]),
                                           st.one_of(st.text(max_size=5), st.sampled_from(["(", "a", "\\d+"])),
                                           max_size=3),
                           st.integers(), st.none(), st.lists(st.text(max_size=3), max_size=2))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sources=st.one_of(st.none(), st.text(max_size=10),
                         st.lists(st.dictionaries(MAPPING_KEYS, MAPPING_VALUES, max_size=6), max_size=3)))
def test_fuzzed_mappings_never_crash(tmp_path_factory, sources):
    import yaml

    from graph.embedded import EmbeddedStore
    folder = tmp_path_factory.mktemp("map")
    (folder / "data.csv").write_text("a,b\n1,2\nx,\n", encoding="utf-8")
    (folder / "m.yaml").write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True), encoding="utf-8")
    with EmbeddedStore(folder / "db") as store:
        try:
            load_paths(store, [folder / "data.csv"], mapping=folder / "m.yaml")
        except LoadRejected as exc:
            assert all(p.file and p.reason for p in exc.problems)
        assert store.counts()["nodes"]["Enterprise"] <= 2
