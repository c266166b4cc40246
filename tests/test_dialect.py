"""Each store's own query variants (queries/dialect.py) answer exactly as the common text does, and the
Neo4j store's packed reads return exactly the rows, in the order, of a plain read.

Every analysis that runs a variant is run on each store (a real Neo4j, the embedded engine) twice, with
the variants and with the common text alone (``common_only``), and the answers compared whole; every
variant declared for that store must have run.
"""
from __future__ import annotations

import pandas as pd
import pytest

from queries import registry
from queries.dialect import DECLARED, RUN, Dialect, common_only
from tests.conftest import BUNDLED


@pytest.fixture(scope="module")
def neo4j_bundled(neo4j_session_store):
    from loaders.load import load_paths
    neo4j_session_store.clear()
    load_paths(neo4j_session_store, [BUNDLED])
    yield neo4j_session_store
    neo4j_session_store.clear()


def _hub(store) -> str:
    return store.read("MATCH (a:Enterprise)-[r:SUPPLIES]-(b:Enterprise) RETURN a.id AS id, count(r) AS n "
                      "ORDER BY n DESC, id LIMIT 1")[0]["id"]


def _cases(store) -> list[tuple[str, dict]]:
    hub = _hub(store)
    chain = store.read("MATCH (s:Segment)-[:PART_OF]->(c:Chain) RETURN c.id AS id, count(s) AS n "
                       "ORDER BY n DESC, id LIMIT 1")[0]["id"]
    cases = [("overview", {}), ("gaps", {}), ("gaps", {"chains": [chain]}), ("panorama", {"chain": chain}),
             ("alliances", {}), ("pipeline", {}), ("research", {}), ("demands", {}),
             ("neighbourhood", {"ids": [hub]}), ("search", {"q": "能源"}), ("node", {"id": hub})]
    # cap=1 cuts the walk and count_all counts it, so the reachable count (one query per depth on Neo4j)
    # runs at every depth.
    cases += [("updown", {"id": hub, "depth": depth, "cap": 1, "direction": direction, "count_all": True})
              for depth in range(1, 7) for direction in ("up", "down", "both")]
    # A project walks from all its segments at once (several starts).
    project = store.read("MATCH (p:Project)-[:IN_SEGMENT]->(s:Segment) WITH p, count(s) AS n "
                         "RETURN p.id AS id ORDER BY n DESC, id LIMIT 1")[0]["id"]
    cases += [("updown", {"id": project, "depth": depth, "cap": 1, "direction": "both", "count_all": True})
              for depth in (1, 3, 6)]
    return cases


def _same(a, b, where: str) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, obj=where)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _same(a[key], b[key], f"{where}[{key}]")
    else:
        assert a == b, where


def test_every_variant_answers_as_the_common_text(bundled_store):
    RUN.clear()
    for name, params in _cases(bundled_store):
        spec = registry.get(name)
        with common_only():
            expected = spec.run(bundled_store, **params)
        got = spec.run(bundled_store, **params)
        where = f"{bundled_store.backend}: {name}({params})"
        _same(got.table, expected.table, where)
        _same(got.extra, expected.extra, where)
        if expected.graph is not None:
            assert got.graph.nodes == expected.graph.nodes and got.graph.edges == expected.graph.edges, where
    # Every segment's in-zone count, as every write recomputes it for the aggregates (the gaps read it kept).
    from queries.lead_aggregates import segment_counts
    with common_only():
        expected_counts = segment_counts(bundled_store)
    assert segment_counts(bundled_store) == expected_counts and any(expected_counts.values())
    # The zone's figures, as every write recomputes them (the overview reads them kept).
    from queries import zone_figures
    with common_only():
        expected_figures = zone_figures.compute(bundled_store)
    assert zone_figures.compute(bundled_store) == expected_figures and expected_figures["work"] > 0
    variants = [d for d in DECLARED if d.own.get(bundled_store.backend)]
    assert variants, f"no {bundled_store.backend} variant declared"
    missed = [d.name for d in variants if id(d) not in RUN]
    assert not missed, f"variants no analysis here ran (add a case): {missed}"


def test_the_cut_walk_counts_what_it_did_not_list(bundled_store):
    """The one-query count (each store's own) equals the hop-by-hop count and is more than the cap listed."""
    hub = _hub(bundled_store)
    full = registry.get("updown").run(bundled_store, id=hub, depth=6, cap=100_000, direction="both")
    cut = registry.get("updown").run(bundled_store, id=hub, depth=6, cap=1, direction="both", count_all=True)
    assert cut.extra["truncated"] and cut.extra["total"] == len(full.table) > len(cut.table)


def test_the_embedded_store_runs_the_common_text(tmp_path):
    from graph.embedded import EmbeddedStore
    store = EmbeddedStore(tmp_path / "db")
    try:
        for d in DECLARED:
            if d.own.get("embedded") is None:
                assert d.text(store) == d.common
    finally:
        store.close()


def test_a_dialect_without_a_variant_for_the_store_gives_the_common_text(neo4j_session_store):
    plain = Dialect("RETURN 1 AS x", name="test.plain")
    DECLARED.remove(plain)
    assert plain.text(neo4j_session_store) == "RETURN 1 AS x"
    own = Dialect("RETURN 1 AS x", neo4j="RETURN 2 AS x", name="test.own")
    DECLARED.remove(own)
    assert own.text(neo4j_session_store) == "RETURN 2 AS x"
    with common_only():
        assert own.text(neo4j_session_store) == "RETURN 1 AS x"


# --- packed reads ------------------------------------------------------------------------------------

ORDERED = "UNWIND range(1, $n) AS i RETURN i AS `the i`, toString(i) AS s ORDER BY i DESC"


def _records(store, cypher, params, limit=None):
    """The rows as the driver gives them, record by record (no packing)."""
    with store._driver.session(database=store.database) as session:
        rows = [dict(record) for record in session.run(cypher, params)]
    return rows if limit is None else rows[:limit]


def test_packed_reads_keep_rows_and_order(neo4j_session_store):
    store = neo4j_session_store
    params = {"n": 5000}
    rows = store.read(ORDERED, params)
    assert rows == _records(store, ORDERED, params)
    assert rows[0] == {"the i": 5000, "s": "5000"} and len(rows) == 5000
    assert store._columns[ORDERED] == ("the i", "s")          # it was read packed
    assert store.read(ORDERED, params, limit=7) == rows[:7]
    assert store.read("MATCH (n:Nothing) RETURN n.id AS id", {}) == []


def test_a_large_result_is_read_packed_and_whole(neo4j_session_store):
    """No row bound of the store's own (a result read as records costs ~57 µs a row): 150,000 rows
    come back packed, in order; a caller's limit still bounds them."""
    store = neo4j_session_store
    rows = store.read(ORDERED, {"n": 150_000})
    assert len(rows) == 150_000 and [r["the i"] for r in rows[:3]] == [150_000, 149_999, 149_998]
    assert rows[-1] == {"the i": 1, "s": "1"} and store._columns[ORDERED] == ("the i", "s")
    assert len(store.read(ORDERED, {"n": 250}, limit=120)) == 120


def test_texts_a_call_cannot_enclose_run_as_they_are(neo4j_session_store):
    store = neo4j_session_store
    assert store.read("CALL db.labels()") == _records(store, "CALL db.labels()", {})
    assert store._columns["CALL db.labels()"] is None
    from graph.store import StoreError
    with pytest.raises(StoreError, match="SyntaxError|Invalid input"):
        store.read("MATCH (n RETURN n")


def _count_sessions(store, monkeypatch) -> list:
    opened = []
    real = store._session
    monkeypatch.setattr(store, "_session", lambda access: opened.append(access) or real(access))
    return opened


def test_reads_together_share_one_transaction_and_answer_as_alone(neo4j_session_store, monkeypatch):
    store = neo4j_session_store
    texts = [(ORDERED, {"n": 30}), ("UNWIND [3, 1, 2] AS x RETURN x ORDER BY x", {}), ("CALL db.labels()", {})]
    alone = [store.read(text, params) for text, params in texts]     # also learns which texts pack
    opened = _count_sessions(store, monkeypatch)
    together = store.read_together(lambda: [store.read(text, params) for text, params in texts])
    assert together == alone
    assert len(opened) == 1                     # one transaction for the three reads, not three
    assert store.read_together(lambda: store.read(ORDERED, {"n": 30}, limit=2)) == alone[0][:2]


def test_a_new_text_in_reads_together_is_probed_apart_and_errors_are_the_stores(neo4j_session_store):
    from graph.store import StoreError
    store = neo4j_session_store
    fresh = "CALL db.propertyKeys() YIELD propertyKey RETURN count(*) > 0 AS some"
    unpackable = "CALL db.relationshipTypes()"   # CALL { } cannot enclose it: the probe finds out
    rows = store.read_together(lambda: (store.read(unpackable), store.read(fresh)))
    assert rows[1] == [{"some": True}] and store._columns[unpackable] is None
    with pytest.raises(StoreError, match="SyntaxError|Invalid input"):
        store.read_together(lambda: store.read("MATCH (n RETURN n"))
    with pytest.raises(ValueError, match="the caller's own"):    # not the store's: as it was
        store.read_together(lambda: (store.read(fresh), (_ for _ in ()).throw(ValueError("the caller's own"))))


def test_existing_ids_in_one_query_answers_as_one_query_per_label(neo4j_bundled):
    from graph.store import Store
    ids = [r["id"] for r in neo4j_bundled.read("MATCH (n) RETURN n.id AS id ORDER BY id LIMIT 300")] + ["no-such-id"]
    assert neo4j_bundled.existing_ids(ids) == Store.existing_ids(neo4j_bundled, ids)
    assert len(neo4j_bundled.existing_ids(ids)) == 300


def test_neo4j_has_the_in_zone_index_the_variants_join_on(neo4j_session_store):
    from graph import schema
    assert any("FOR (n:Enterprise) ON (n.in_zone)" in s for s in schema.neo4j_ddl())
    found = neo4j_session_store.read("SHOW INDEXES YIELD labelsOrTypes, properties, state "
                                     "WHERE labelsOrTypes = ['Enterprise'] AND properties = ['in_zone'] RETURN state")
    assert [r["state"] for r in found] == ["ONLINE"]


def test_neo4j_search_of_a_caseless_fragment_reads_the_text_index_not_every_name(neo4j_session_store):
    """search's CONTAINS on names (queries/explore.py) is answered by each label's text index; lower()
    of every name, which a fragment with cased letters still needs, is a scan."""
    from graph import schema
    from queries.explore import CONTAINS, SEARCH, matching
    store = neo4j_session_store
    found = store.read("SHOW INDEXES YIELD type, labelsOrTypes, properties, state WHERE type = 'TEXT' "
                       "RETURN labelsOrTypes[0] AS label, properties AS props, state")
    assert {r["label"] for r in found if r["props"] == ["name"]} == set(schema.LABELS)
    store._driver.execute_query("CALL db.awaitIndexes(300)")

    def operators(cypher: str, params: dict | None = None) -> set[str]:
        plan = store._driver.execute_query("EXPLAIN " + cypher, params or {"q": "晶", "cap": 5}).summary.plan
        out, todo = set(), [plan]
        while todo:
            op = todo.pop()
            out.add(op["operatorType"].split("@")[0])
            todo += op.get("children", [])
        return out
    assert "NodeIndexContainsScan" in operators(SEARCH.format(label="Enterprise", match=CONTAINS[True]))
    assert "NodeIndexContainsScan" not in operators(SEARCH.format(label="Enterprise", match=CONTAINS[False]))
    # A Latin fragment: the text index finds each spelling of its head, lower() checks only those.
    contains, exact, prefix, heads = matching("solarworks")
    for match in (contains, exact, prefix):
        ops = operators(SEARCH.format(label="Enterprise", match=match), {"q": "solarworks", "cap": 5, **heads})
        assert "NodeByLabelScan" not in ops and "AllNodesScan" not in ops, match
    assert "NodeIndexContainsScan" in operators(SEARCH.format(label="Enterprise", match=contains),
                                                {"q": "solarworks", "cap": 5, **heads})
