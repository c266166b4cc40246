"""Upstream / downstream of an enterprise, a segment or a project, to depth N (default 3, max 6).

Enterprises follow SUPPLIES, segments follow FEEDS; a project starts from its segment(s).  The walk
is a breadth-first search, one query per hop, so it finds each node once at its shortest distance
and never enumerates paths — a variable-length pattern would enumerate every walk (LadybugDB's may
even repeat relationships), measured at 30 s from a hub firm at 100k firms.

The answer does not depend on the order the engine returns rows in (documented rule):
- per side, at most ``cap`` nodes: the nearest first, ties in distance broken by id (a hop's
  candidates are sorted by id in the query, before its LIMIT);
- each node's path runs through its smallest-id neighbour one hop nearer the start.
When a side is cut at ``cap``, the answer says so: ``extra`` holds truncated, cap and total.  Counting
what the cap left out is a second walk over everything within depth (from the benchmark's hub at 100k
firms: 65,406 firms, ~80 ms on Neo4j and ~25 ms on LadybugDB, as much again as the capped view
itself, and it grows with the graph where the view does not), so it runs only when asked
(``count_all``; the app's 统计全部 button, the CLI's ``--param count_all=true``); otherwise a cut
answer's total is None and ``countable`` says the count can be asked for.
"""
from __future__ import annotations

import pandas as pd

from graph.store import Store
from queries.dialect import Dialect
from queries.registry import QueryResult, Subgraph, query
from queries.resolve import resolved_label

MAX_DEPTH = 6
REL_OF = {"Enterprise": "SUPPLIES", "Segment": "FEEDS"}
PROJECT_SEGMENTS = "MATCH (p:Project {id: $id})-[:IN_SEGMENT]->(s:Segment) RETURN s.id AS id"
# Names last, for the nodes kept only: a node-only pattern over a list of ids is a primary-key
# lookup on both engines (2 ms for 500 ids at 1M firms), cheaper than carrying names through a hop.
NAMES = "UNWIND $ids AS i MATCH (n:{label} {{id: i}}) RETURN n.id AS id, n.name AS name{extra}"
# (a) is the reached side, (b) the next node away from the start: down a→b, up b→a.
ARROWS = {"down": ("-", "->"), "up": ("<-", "-")}
# One hop: the candidates sorted by id before the LIMIT, each with its smallest-id parent.
RETURN_HOP = " WITH b.id AS node, min(a.id) AS parent RETURN node, parent ORDER BY node LIMIT $n"
# From one start: a primary-key lookup, then the adjacency list (both engines).
FROM_START = ("MATCH (a:{label} {{id: $start}}){l}[:{rel}]{r}(b:{label}) "
              "RETURN DISTINCT b.id AS node, $start AS parent ORDER BY node LIMIT $n")
# From a frontier of ids (portable): Neo4j looks each id up in its index.  LadybugDB 0.22 plans this
# as a hash join over the whole relationship table (50 ms per hop at 100k firms, 10x at 1M).
FROM_FRONTIER = "UNWIND $ids AS i MATCH (a:{label} {{id: i}}){l}[:{rel}]{r}(b:{label})" + RETURN_HOP
# LadybugDB only, from one start: the frontier is "the nodes at distance d-1", found by the engine's
# own breadth-first search (SHORTEST keeps one distance per node, no walks) and then expanded through
# the adjacency lists: 2-10 ms per hop at 100k.  The depth must be a literal in both dialects; it is an
# int checked against MAX_DEPTH.  Neo4j has no such syntax (its SHORTEST is GQL's), hence the variant.
LEVEL_LADYBUG = ("MATCH (s:{label} {{id: $start}}){l}[e:{rel}* SHORTEST 1..{level}]{r}(a:{label}){l}[:{rel}]{r}(b:{label})"
                 " WHERE length(e) = {level}" + RETURN_HOP)
FIRMS_IN = """
MATCH (e:Enterprise)-[:IN_SEGMENT]->(s:Segment) WHERE s.id IN $ids
RETURN s.id AS segment, e.id AS id, e.name AS name, e.in_zone AS in_zone ORDER BY segment, id LIMIT $cap"""
MAX_FIRMS = 100_000     # firms listed for the segments reached (a bound on the result, not a sample)


def _label_of(store: Store, node_id: str) -> str:
    # A primary-key lookup per label walked (Store.existing_ids scans every node table on LadybugDB);
    # that scan only to say what an id that cannot be walked is.
    walkable, known = ("Enterprise", "Segment", "Project", "Product"), resolved_label(node_id)
    if known in walkable:
        return known
    for label in walkable:
        if store.read(f"MATCH (n:{label} {{id: $id}}) RETURN n.id AS id", {"id": node_id}):
            return label
    found = store.existing_ids([node_id])
    if node_id not in found:
        raise ValueError(f"no node with id {node_id!r}")
    raise ValueError(f"{node_id!r} is a {found[node_id]}: upstream/downstream works from an enterprise, segment, "
                     "project or product / 上下游分析只适用于企业、环节、项目或产品")


def _hop(store: Store, label: str, rel: str, starts: list[str], frontier: list[str], distance: int, side: str,
         n: int) -> list[dict]:
    """The first ``n`` nodes (by id) one hop past the frontier, each with its smallest-id parent there."""
    l, r = ARROWS[side]
    fmt = dict(label=label, rel=rel, l=l, r=r)
    if len(starts) == 1 and distance == 1:
        return store.read(FROM_START.format(**fmt), {"start": starts[0], "n": n})
    if len(starts) == 1 and store.backend == "embedded":
        return store.read(LEVEL_LADYBUG.format(level=distance - 1, **fmt), {"start": starts[0], "n": n})
    return store.read(FROM_FRONTIER.format(**fmt), {"ids": frontier, "n": n})


def _reach_pruned(depth: int) -> str:
    """Neo4j, from one start: a variable-length pattern whose ends are counted DISTINCT, which Neo4j 5
    plans as a breadth-first pruning expand (``VarLengthExpand(Pruning,BFS)``: each node visited once,
    no path enumerated): 77 ms from the benchmark's hub at 100k firms (65,406 reached) against 148 ms
    for the level-by-level collect it replaces.  Without the DISTINCT (``count(*)``) it enumerates
    paths (seconds).  The depth is an int checked against MAX_DEPTH."""
    return ("MATCH (s:{label} {{id: $start}}){l}[:{rel}*1.." + str(depth) + "]{r}(b:{label}) "
            "WHERE b <> s RETURN count(DISTINCT b) AS n")


def _reach_shortest(depth: int) -> str:
    """LadybugDB, from one start: the same count by the engine's own breadth-first search (SHORTEST
    keeps one path per node reached, so count(*) counts nodes; nothing is enumerated and no id comes
    back to Python): ~0.1 s against 0.45 s for the hop-by-hop walk from the benchmark's hub at 100k
    firms (65,406 reached).  Only from a primary-key lookup: a start given by a list (`IN $starts`,
    or UNWIND) made it scan every source (0.7 s; UNWIND 43 s)."""
    return ("MATCH (s:{label} {{id: $start}}){l}[e:{rel}* SHORTEST 1.." + str(depth) + "]{r}(b:{label}) "
            "WHERE b.id <> $start RETURN count(*) AS n")


# Each store counts from one start in one query its own way; the portable count (and the count from
# several starts: a project's segments, hundreds of nodes at most) is reachable's hop-by-hop walk.
REACH_COUNT = {depth: Dialect(None, neo4j=_reach_pruned(depth), embedded=_reach_shortest(depth),
                              name=f"paths.REACH_COUNT[{depth}]")
               for depth in range(1, MAX_DEPTH + 1)}


def reachable(store: Store, label: str, rel: str, starts: list[str], side: str, depth: int) -> int:
    """How many nodes one side reaches within ``depth`` (the same hops as walk, without the cap)."""
    counted = REACH_COUNT[depth].text(store)
    if counted and len(starts) == 1:
        l, r = ARROWS[side]
        rows = store.read(counted.format(label=label, rel=rel, l=l, r=r), {"start": starts[0]})
        return rows[0]["n"]
    frontier, seen, found = sorted(starts), set(starts), 0
    for distance in range(1, depth + 1):
        if not frontier:
            break
        rows = _hop(store, label, rel, starts, frontier, distance, side, MAX_REACHABLE)
        frontier = sorted({r["node"] for r in rows} - seen)
        seen.update(frontier)
        found += len(frontier)
    return found


MAX_REACHABLE = 100_000_000   # a bound on one hop's result for the count, far above any graph here


def walk(store: Store, label: str, rel: str, starts: list[str], side: str, depth: int, cap: int):
    """Breadth-first: ({node: (distance, parent)}, truncated) for at most ``cap`` nodes within
    ``depth``, by the rule in the module docstring."""
    reached: dict[str, tuple[int, str]] = {}
    frontier, seen = sorted(starts), set(starts)
    for distance in range(1, depth + 1):
        if not frontier:
            break
        room = cap - len(reached)
        # Of the first room + 1 + len(seen) candidates by id at most len(seen) are already seen, so
        # these hold the first room + 1 new ones: enough to fill the room and to tell it overflows.
        rows = _hop(store, label, rel, starts, frontier, distance, side, room + 1 + len(seen))
        new = [r for r in rows if r["node"] not in seen]
        truncated = len(new) > room
        new = new[:room]
        for r in new:
            reached[r["node"]] = (distance, r["parent"])
        seen.update(r["node"] for r in new)
        frontier = [r["node"] for r in new]
        if truncated:
            return reached, True
    return reached, False


@query("updown", "上下游", "Upstream/downstream of an enterprise (SUPPLIES), segment (FEEDS), project (its "
       "segments) or product to depth 1..6, as shortest paths with direction kept (basis: recorded); plus the "
       "firms making products up/downstream of what it makes or includes (product FEEDS; basis: inferred, "
       "with the explaining path).", id="ent_jingao", direction="both",
       depth=3, cap=500, count_all=False)
def updown(store: Store, id: str, direction: str, depth: int, cap: int, count_all: bool = False) -> QueryResult:
    if direction not in ("up", "down", "both"):
        raise ValueError("direction must be up, down or both")
    depth = int(depth)
    if not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must be between 1 and {MAX_DEPTH}")
    cap = max(1, min(int(cap), 100_000))
    label = _label_of(store, id)
    starts = [id] if label != "Project" else sorted({r["id"] for r in store.read(PROJECT_SEGMENTS, {"id": id})})
    walk_label = "Segment" if label == "Project" else label
    rel = REL_OF.get(walk_label)
    sides = ["up", "down"] if direction == "both" else [direction]
    found, truncated, uncounted, total = {}, False, False, 0
    for side in sides:
        found[side], cut = walk(store, walk_label, rel, starts, side, depth, cap) if rel else ({}, False)
        truncated |= cut
        uncounted |= cut and not count_all
        total += reachable(store, walk_label, rel, starts, side, depth) if cut and count_all else len(found[side])
    ids = sorted({n for side in found.values() for n in side} | set(starts))
    extra = ", n.in_zone AS in_zone" if walk_label == "Enterprise" else ""
    info = {r["id"]: r for r in store.read(NAMES.format(label=walk_label, extra=extra), {"ids": ids})}
    name = lambda n: info.get(n, {}).get("name") or n  # noqa: E731
    rows, graph = [], Subgraph()
    for s in starts:
        graph.add_node(s, walk_label, name(s), start=True)
    for side, reached in found.items():
        for node, (distance, _) in reached.items():
            path = [node]
            while path[-1] not in starts:
                path.append(reached[path[-1]][1])
            path = path if side == "up" else path[::-1]     # always upstream → downstream
            names = " → ".join(name(p) for p in path)       # names only: the same in both languages
            rows.append({"direction": side, "id": node, "name": name(node), "distance": distance,
                         "in_zone": info.get(node, {}).get("in_zone"), "path": names, "basis": "recorded",
                         "path_en": names})
            for a, b in zip(path, path[1:]):
                graph.add_node(a, walk_label, name(a))
                graph.add_node(b, walk_label, name(b))
                graph.add_edge(a, b, rel)
    # Firms up/downstream through products (FEEDS between what they make), marked inferred.
    from queries.products import add_inferred_updown
    recorded = len(rows)
    inferred_cut = add_inferred_updown(store, id, label, name(id) if label != "Product" else None, sides, depth,
                                       cap, rows, graph)
    truncated |= inferred_cut
    table = pd.DataFrame(rows, columns=["direction", "id", "name", "distance", "in_zone", "path", "basis", "path_en"])
    table = table.sort_values(["direction", "basis", "distance", "id"],
                              key=lambda c: c.map({"recorded": 0, "inferred": 1}) if c.name == "basis" else c
                              ).reset_index(drop=True)
    # total: rows there would be without the cap (per side at most cap are listed); None when a cut
    # recorded side was not counted (count_all) or the inferred (product) walk was cut, whose full
    # size is never counted.
    total = None if inferred_cut or uncounted else total + len(rows) - recorded
    extra_info = {"truncated": truncated, "total": total, "cap": cap, "countable": uncounted and not inferred_cut}
    if walk_label == "Segment":
        extra_info["firms"] = pd.DataFrame(store.read(FIRMS_IN, {"ids": ids, "cap": MAX_FIRMS}),
                                           columns=["segment", "id", "name", "in_zone"])
    return QueryResult(table, graph, extra=extra_info)
