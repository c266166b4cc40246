"""The read-only console on both stores: every attempt to write or escape is refused and the graph
is unchanged; reads work, with a row cap."""
from __future__ import annotations

import subprocess
import sys

import pytest

from loaders.export import export_rows
from queries.console import ConsoleRefused, check_read_only, run_console
from tests.conftest import ROOT

ATTEMPTS = [
    "CREATE (n:Enterprise {id: 'x', name: 'x', in_zone: true})",
    "MERGE (n:Enterprise {id: 'x'})",
    "MATCH (n:Enterprise) SET n.name = 'pwned'",
    "MATCH (n:Enterprise) DELETE n",
    "MATCH (n:Enterprise) DETACH DELETE n",
    "MATCH (n:Enterprise) REMOVE n.name",
    "DROP TABLE Enterprise",
    "DROP CONSTRAINT enterprise_id",
    "DROP INDEX enterprise_name",
    "CREATE INDEX foo FOR (n:Enterprise) ON (n.staff)",
    "CREATE CONSTRAINT foo FOR (n:Enterprise) REQUIRE n.name IS UNIQUE",
    "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
    "LOAD CSV WITH HEADERS FROM 'http://example.com/x.csv' AS r CREATE (:Enterprise {id: r.id})",
    "CALL dbms.security.createUser('eve', 'pw', false)",
    "CALL dbms.killQueries(['q'])",
    "CALL apoc.load.json('file:///etc/passwd')",
    "CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DETACH DELETE n', {})",
    "CALL apoc.export.csv.all('/tmp/x.csv', {})",
    "CALL db.createLabel('Evil')",
    "CALL db.index.fulltext.createNodeIndex('x', ['Enterprise'], ['name'])",
    "USE system SHOW USERS",
    "SHOW USERS",
    "SHOW DATABASES",
    "MATCH (n) RETURN n; MATCH (n) DETACH DELETE n",
    "RETURN 1;CREATE (n:Enterprise {id: 'y'})",
    "/* harmless */ cReAtE (n:Enterprise {id: 'x'})",
    "MATCH (n) // comment\n DETACH\n\tDELETE n",
    "match (n:Enterprise) set n.name = 'x'",
    "MATCH (n:Enterprise)\u00a0SET n.name = 'x'",
    "ＣＲＥＡＴＥ (n:Enterprise {id: 'x'})",                   # full-width letters fold to CREATE
    "CRЕATE (n:Enterprise {id: 'x'})",                          # Cyrillic Е
    "MATCH (n) WITH n CALL { WITH n DETACH DELETE n } RETURN 1",
    "FOREACH (x IN [1] | CREATE (:Enterprise {id: 'z'}))",
    "COPY Enterprise FROM '/tmp/x.csv'",
    "EXPORT DATABASE '/tmp/dump'",
    "IMPORT DATABASE '/tmp/dump'",
    "INSTALL httpfs",
    "LOAD EXTENSION httpfs",
    "ATTACH '/tmp/other.lbdb' AS other",
    "BEGIN TRANSACTION",
    "CHECKPOINT",
    "ALTER TABLE Enterprise ADD evil STRING",
    "GRANT ALL ON DATABASE * TO PUBLIC",
    "START DATABASE neo4j",
    "TERMINATE TRANSACTIONS 'neo4j-transaction-1'",
    "",
    "   /* only a comment */   ",
]


def test_corpus_is_large_enough():
    assert len(ATTEMPTS) >= 40


@pytest.mark.parametrize("text", ATTEMPTS)
def test_guard_refuses(text):
    with pytest.raises(ConsoleRefused):
        check_read_only(text)


def test_every_attempt_leaves_the_graph_unchanged(bundled_store):
    before = export_rows(bundled_store)
    for text in ATTEMPTS:
        with pytest.raises(ConsoleRefused):
            run_console(bundled_store, text)
    assert export_rows(bundled_store) == before


def test_parameters_carrying_cypher_are_just_values(bundled_store):
    before = export_rows(bundled_store)
    evil = "x'}) DETACH DELETE n //"
    result = run_console(bundled_store, "MATCH (e:Enterprise) WHERE e.name = $name RETURN e.id AS id", {"name": evil})
    assert result.rows == []
    assert export_rows(bundled_store) == before


def test_store_read_only_mode_refuses_a_write_that_passes_the_text_guard(bundled_store):
    """Second layer: with the text guard bypassed, the engine's read-only mode still refuses."""
    from graph.store import StoreError
    before = export_rows(bundled_store)
    with bundled_store.read_only_view() as view:
        with pytest.raises(StoreError):
            view.read("CREATE (n:Enterprise {id: 'bypass', name: 'b', in_zone: true}) RETURN n.id")
    assert export_rows(bundled_store) == before


def test_strings_and_comments_do_not_cause_false_refusals(bundled_store):
    text = ("// find the firms that CREATE value\nMATCH (e:Enterprise) WHERE e.name CONTAINS 'DELETE;SET' "
            "OR e.name = '晶澳' RETURN e.name AS name /* SET */")
    assert run_console(bundled_store, text).rows == [{"name": "晶澳"}]


def test_catalogue_calls_are_refused_too(bundled_store):
    """The console refuses CALL of anything (issue #11): even the catalogue procedures."""
    text = "CALL db.labels() YIELD label RETURN label" if bundled_store.backend == "neo4j" \
        else "CALL show_tables() RETURN name"
    with pytest.raises(ConsoleRefused, match="CALL"):
        run_console(bundled_store, text)


def test_row_cap(bundled_store):
    result = run_console(bundled_store, "MATCH (e:Enterprise) RETURN e.id AS id", row_cap=10)
    assert len(result.rows) == 10 and result.truncated
    result = run_console(bundled_store, "MATCH (a:Alliance) RETURN a.name AS name", row_cap=10)
    assert len(result.rows) == 4 and not result.truncated


def test_cli_cypher_refuses_with_exit_code_3(tmp_path):
    out = subprocess.run([sys.executable, "-m", "cli", "--data-dir", str(tmp_path), "cypher",
                          "MATCH (n) DETACH DELETE n"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 3
    assert "DETACH" in out.stderr and "read-only" in out.stderr


def test_saved_examples_run_read_only_on_both_stores(bundled_store):
    from queries.examples import EXAMPLES
    for zh, en, cypher, params in EXAMPLES:
        result = run_console(bundled_store, cypher, params)
        assert result.rows, zh


def test_results_with_nodes_and_relationships_become_a_graph(bundled_store):
    from queries.console import graph_from_rows
    rows = run_console(bundled_store, "MATCH (a:Segment)-[r:FEEDS]->(b:Segment)-[:PART_OF]->(c:Chain {id: 'ch_pv'}) "
                                      "RETURN a, r, b").rows
    graph = graph_from_rows(rows)
    names = {n["name"] for n in graph.nodes.values()}
    assert len(graph.nodes) == 7 and len(graph.edges) == 6
    assert "光伏·工业硅" in names and all(e["type"] == "FEEDS" for e in graph.edges)
    assert graph_from_rows(run_console(bundled_store, "MATCH (a:Alliance) RETURN a.name AS n").rows) is None


def test_unaliased_columns_are_named_as_written(store):
    """LadybugDB names an unaliased ``label(r)`` after its internal form (LABEL(r._ID,[…])); the
    console shows what the user wrote, on both stores, and keeps aliases."""
    from queries.console import run_console
    result = run_console(store, "RETURN toUpper('a'), 1 + 1 AS two, size([1, 2])")
    assert result.columns == ["toUpper('a')", "two", "size([1, 2])"]
    assert result.rows == [{"toUpper('a')": "A", "two": 2, "size([1, 2])": 2}]
