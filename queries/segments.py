"""Per-segment figures the chain analyses and lead scoring need, aggregated by the engine.

Only the segments asked for (a chain's, or every chain's) and their FEEDS neighbours are read, and
firms are counted per segment in Cypher: no query here returns one row per enterprise, so the
cost is a few small result sets whatever the number of firms.

Segments are picked with ``WHERE s.id IN $ids``: that scans the Segment table (hundreds of rows),
and LadybugDB then expands only from the matching segments.  ``UNWIND $ids AS x MATCH (s:Segment
{id: x})<-[:IN_SEGMENT]-(e)`` looks like a key lookup but LadybugDB 0.22 plans it as a hash join
over every IN_SEGMENT relationship (measured: 13 ms for 8 segments at 100k firms, 0.4 ms this way).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from graph.store import Store
from queries.dialect import Dialect, neo4j_degree_count

CHAINS = "MATCH (c:Chain) RETURN c.id AS id, c.name AS name ORDER BY c.id"

ALL_SEGMENTS = """
MATCH (s:Segment)-[:PART_OF]->(c:Chain)
RETURN c.id AS chain, s.id AS id, s.name AS name, s.stage AS stage, s.`order` AS ord ORDER BY chain, id"""

CHAIN_SEGMENTS = """
UNWIND $chains AS x MATCH (s:Segment)-[:PART_OF]->(c:Chain {id: x})
RETURN c.id AS chain, s.id AS id, s.name AS name, s.stage AS stage, s.`order` AS ord ORDER BY chain, id"""

# Segments outside the scope (FEEDS neighbours, a lead's segments): chain is null when it has none.
SEGMENT_INFO = """
MATCH (s:Segment) WHERE s.id IN $ids OPTIONAL MATCH (s)-[:PART_OF]->(c:Chain)
RETURN c.id AS chain, s.id AS id, s.name AS name, s.stage AS stage, s.`order` AS ord ORDER BY chain, id"""

FEEDS_OUT = """
MATCH (a:Segment)-[:FEEDS]->(b:Segment) WHERE a.id IN $ids RETURN DISTINCT a.id AS a, b.id AS b"""
FEEDS_IN = """
MATCH (a:Segment)-[:FEEDS]->(b:Segment) WHERE b.id IN $ids RETURN DISTINCT a.id AS a, b.id AS b"""

# `firms` counts every IN_SEGMENT row (as the firm lists did), `inside` those with in_zone = true;
# a segment with no firm has no row (no OPTIONAL MATCH: LadybugDB runs it 5-10× slower here).
# Two queries, not one with count(CASE …): LadybugDB counts rows per segment without reading any
# firm (8 ms at 1M firms) and reads in_zone only to filter (65 ms), against 180 ms for the CASE.
# Neo4j's own (docs/neo4j-plans.md): a segment's IN_SEGMENT degree is kept by the store, so firms =
# degree less the relationships from the schema's other labels (projects, read from their side); the
# in-zone firms come from the in_zone index and are hash-joined with the segments' firms, so no firm's
# properties or relationship chain is read (100k firms: 68 → 15 ms and 357 → 120 ms).
# For a chain's few segments the plain expansion is cheaper than the index join (8 segments: ~8 ms
# against 28): these stay common.
FIRM_COUNTS = """
MATCH (s:Segment)<-[:IN_SEGMENT]-(e:Enterprise) WHERE s.id IN $ids WITH s, count(*) AS n RETURN s.id AS id, n"""
INSIDE_COUNTS = """
MATCH (s:Segment)<-[:IN_SEGMENT]-(e:Enterprise) WHERE s.id IN $ids AND e.in_zone = true
WITH s, count(*) AS n RETURN s.id AS id, n"""

# Neo4j: both counts in one pass, each firm's in_zone read once (a chain's 8 segments at 100k firms:
# 17 → 11 ms, and a round trip less); LadybugDB runs the CASE slower than its two queries (above).
FIRM_AND_INSIDE_COUNTS = Dialect(None, neo4j="""
MATCH (s:Segment)<-[:IN_SEGMENT]-(e:Enterprise) WHERE s.id IN $ids
WITH s, count(*) AS n, count(CASE WHEN e.in_zone = true THEN 1 END) AS inside RETURN s.id AS id, n, inside""",
                                 name="segments.FIRM_AND_INSIDE_COUNTS")

# Every segment at once (the gaps over all chains): no id list to check per segment.
ALL_FIRM_COUNTS = Dialect("MATCH (s:Segment)<-[:IN_SEGMENT]-(e:Enterprise) WITH s, count(*) AS n RETURN s.id AS id, n",
                          neo4j=neo4j_degree_count("IN_SEGMENT", "Enterprise", "Segment", "id"),
                          name="segments.ALL_FIRM_COUNTS")
ALL_INSIDE_COUNTS = Dialect("""
MATCH (s:Segment)<-[:IN_SEGMENT]-(e:Enterprise) WHERE e.in_zone = true WITH s, count(*) AS n RETURN s.id AS id, n""",
                            neo4j="""
MATCH (s:Segment)<-[:IN_SEGMENT]-(e:Enterprise) USING JOIN ON e WHERE e.in_zone = true
WITH s, count(*) AS n RETURN s.id AS id, n""", name="segments.ALL_INSIDE_COUNTS")
ALL_FEEDS = "MATCH (a:Segment)-[:FEEDS]->(b:Segment) RETURN DISTINCT a.id AS a, b.id AS b"

PROJECTS = """
MATCH (s:Segment)<-[:IN_SEGMENT]-(p:Project) WHERE s.id IN $ids
RETURN s.id AS segment, count(DISTINCT p) AS n, sum(p.investment) AS investment"""


@dataclass
class ChainState:
    """The segments in scope (+ their FEEDS neighbours) with firm counts; ``extra`` adds hypothetical
    in-zone firms (what-if) without touching the store."""
    chains: dict[str, str]                                        # every chain: id -> name
    segments: dict[str, dict] = field(default_factory=dict)       # id -> row (+ chain)
    feeds: nx.DiGraph = field(default_factory=nx.DiGraph)         # FEEDS edges touching the scope
    inside: dict[str, int] = field(default_factory=dict)          # in-zone firms per segment
    firms: dict[str, int] = field(default_factory=dict)           # all firms per segment
    projects: dict[str, dict] = field(default_factory=dict)

    def in_zone(self, segment: str, extra: dict[str, int] | None = None) -> int:
        return self.inside.get(segment, 0) + (extra or {}).get(segment, 0)

    def out_of_zone(self, segment: str) -> int:
        return self.firms.get(segment, 0) - self.inside.get(segment, 0)

    def status(self, segment: str, weak_threshold: int, extra: dict[str, int] | None = None) -> str:
        n = self.in_zone(segment, extra)
        return "缺" if n == 0 else "弱" if n < weak_threshold else "强"

    def ordered(self, chain: str) -> list[str]:
        """Segments upstream→downstream: FEEDS order, ties broken by ``order`` then id; a FEEDS cycle
        (bad data) falls back to ``order`` alone."""
        ids = [s for s, row in self.segments.items() if row["chain"] == chain]
        sub = self.feeds.subgraph(ids).copy()
        sub.add_nodes_from(ids)
        key = lambda s: (self.segments[s]["ord"] if self.segments[s]["ord"] is not None else 10**6, s)  # noqa: E731
        try:
            return list(nx.lexicographical_topological_sort(sub, key=key))
        except nx.NetworkXUnfeasible:
            return sorted(ids, key=key)

    def upstream(self, segment: str) -> list[str]:
        return sorted(self.feeds.predecessors(segment)) if segment in self.feeds else []

    def downstream(self, segment: str) -> list[str]:
        return sorted(self.feeds.successors(segment)) if segment in self.feeds else []

    def name(self, segment: str) -> str:
        return (self.segments.get(segment) or {}).get("name") or segment


def count_firms(store: Store, ids: list[str] | None, *, stored: bool = False) -> tuple[dict[str, int], dict[str, int]]:
    """(in-zone, all) firm counts for these segments (every segment when None).  ``stored`` (every
    segment only): the chain segments' in-zone counts are read from the lead aggregates, which every
    write keeps equal to this count (queries/lead_aggregates.py: ``lead_inside``); the other segments,
    and every segment of a store without them, are counted here."""
    inside, firms = dict.fromkeys(ids or [], 0), dict.fromkeys(ids or [], 0)
    kept = read_stored_inside(store) if stored and ids is None else {}
    both = FIRM_AND_INSIDE_COUNTS.text(store) if ids is not None else None
    if both:
        for r in store.read(both, {"ids": ids}):
            firms[r["id"]], inside[r["id"]] = r["n"], r["inside"]
    else:
        for r in store.read(ALL_FIRM_COUNTS.text(store)) if ids is None else store.read(FIRM_COUNTS, {"ids": ids}):
            firms[r["id"]] = r["n"]
        # Where the chain segments' counts are kept, only the others (few: segments in no chain).
        for r in inside_counts(store, [s for s in firms if s not in kept] if kept else ids):
            inside[r["id"]] = r["n"]
    # A firm is also in a segment when it makes a product the segment includes (INCLUDES).
    from queries.products import firms_by_included
    for segment, extra in firms_by_included(store, ids).items():
        firms[segment] = firms.get(segment, 0) + len(extra)
        if segment not in kept:
            inside[segment] = inside.get(segment, 0) + sum(extra.values())
    inside.update(kept)
    for segment in firms:          # a segment with firms but none in the zone
        inside.setdefault(segment, 0)
    return inside, firms


# Read where gaps over every chain would count (on Neo4j the in-zone count of every segment is the
# biggest part of that analysis: 32 of 57 ms at 100k firms, against 1 ms to read what is kept).
STORED_INSIDE = "MATCH (s:Segment) WHERE s.lead_inside IS NOT NULL RETURN s.id AS id, s.lead_inside AS n"


def read_stored_inside(store: Store) -> dict[str, int]:
    return {r["id"]: r["n"] for r in store.read(STORED_INSIDE)}


def inside_counts(store: Store, ids: list[str] | None) -> list[dict]:
    """In-zone firms per segment by IN_SEGMENT: of ``ids`` (every segment when None)."""
    if ids is None:
        return store.read(ALL_INSIDE_COUNTS.text(store))
    return store.read(INSIDE_COUNTS, {"ids": ids}) if ids else []


def read_state(store: Store, chains: list[str] | None = None, *, projects: bool = True) -> ChainState:
    """Segments of ``chains`` (every chain when None) with neighbours, counts and projects."""
    state = ChainState({r["id"]: r["name"] for r in store.read(CHAINS)})
    rows = store.read(ALL_SEGMENTS) if chains is None else store.read(CHAIN_SEGMENTS, {"chains": list(chains)})
    for r in rows:
        state.segments[r["id"]] = r
    scope = sorted(state.segments)
    if chains is None:   # one read of every FEEDS (hundreds), kept where it touches the scope as below
        edges = [r for r in store.read(ALL_FEEDS) if r["a"] in state.segments or r["b"] in state.segments]
    else:
        edges = store.read(FEEDS_OUT, {"ids": scope}) + store.read(FEEDS_IN, {"ids": scope})
    # Sorted, so neighbour lists come out in one fixed order on both stores.
    state.feeds.add_edges_from(sorted({(r["a"], r["b"]) for r in edges}))
    outside = sorted(set(state.feeds) - set(state.segments))
    for r in store.read(SEGMENT_INFO, {"ids": outside}) if outside else []:
        state.segments.setdefault(r["id"], r)
    state.inside, state.firms = count_firms(store, None if chains is None else sorted(set(scope) | set(outside)),
                                             stored=chains is None)
    if projects:
        state.projects = {r["segment"]: r for r in store.read(PROJECTS, {"ids": scope})}
    return state


def check_chain(state: ChainState, chain: str) -> None:
    if chain not in state.chains:
        raise ValueError(f"unknown chain {chain!r}; known: {', '.join(sorted(state.chains))}")
