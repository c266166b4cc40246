"""Upstream / downstream of an enterprise, a segment or a project, to depth N (default 3, max 6).

Enterprises follow SUPPLIES, segments follow FEEDS; a project starts from its segment(s).  Depth is
an integer checked here (1..6) before it goes into the pattern (Cypher takes no parameter for a
variable-length bound).  LadybugDB's variable-length matches may repeat a relationship, so we ask
for DISTINCT endpoints with their shortest distance and rebuild one shortest path per endpoint in
Python from the edges between the nodes found — never counting paths.
"""
from __future__ import annotations

import networkx as nx
import pandas as pd

from graph.store import Store
from queries.registry import QueryResult, Subgraph, query

MAX_DEPTH = 6
REL_OF = {"Enterprise": "SUPPLIES", "Segment": "FEEDS"}
LABEL_OF_ID = """
MATCH (n:{label} {{id: $id}}) RETURN n.id AS id, n.name AS name"""
PROJECT_SEGMENTS = "MATCH (p:Project {id: $id})-[:IN_SEGMENT]->(s:Segment) RETURN s.id AS id"
REACH = {
    "up": "MATCH (a:{label})-[:{rel}*1..{depth}]->(b:{label}) WHERE b.id IN $ids "
          "RETURN DISTINCT a.id AS id, a.name AS name{extra}",
    "down": "MATCH (b:{label})-[:{rel}*1..{depth}]->(a:{label}) WHERE b.id IN $ids "
            "RETURN DISTINCT a.id AS id, a.name AS name{extra}",
}
EDGES = "MATCH (a:{label})-[:{rel}]->(b:{label}) WHERE a.id IN $ids AND b.id IN $ids RETURN a.id AS a, b.id AS b"
FIRMS_IN = """
MATCH (e:Enterprise)-[:IN_SEGMENT]->(s:Segment) WHERE s.id IN $ids
RETURN s.id AS segment, e.id AS id, e.name AS name, e.in_zone AS in_zone"""


def _label_of(store: Store, node_id: str) -> str:
    found = store.existing_ids([node_id])
    if node_id not in found:
        raise ValueError(f"no node with id {node_id!r}")
    label = found[node_id]
    if label not in ("Enterprise", "Segment", "Project"):
        raise ValueError(f"{node_id!r} is a {label}: upstream/downstream works from an enterprise, segment or project")
    return label


@query("updown", "上下游", "Upstream/downstream of an enterprise (SUPPLIES), segment (FEEDS) or project (its "
       "segments) to depth 1..6, as shortest paths with direction kept.", id="ent_jingao", direction="both",
       depth=3, cap=500)
def updown(store: Store, id: str, direction: str, depth: int, cap: int) -> QueryResult:
    if direction not in ("up", "down", "both"):
        raise ValueError("direction must be up, down or both")
    depth = int(depth)
    if not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must be between 1 and {MAX_DEPTH}")
    cap = max(1, min(int(cap), 5000))
    label = _label_of(store, id)
    starts = [id] if label != "Project" else [r["id"] for r in store.read(PROJECT_SEGMENTS, {"id": id})]
    walk_label = "Segment" if label == "Project" else label
    rel = REL_OF[walk_label]
    extra = ", a.in_zone AS in_zone" if walk_label == "Enterprise" else ""
    found: dict[str, dict] = {}
    sides = ["up", "down"] if direction == "both" else [direction]
    for side in sides:
        cypher = REACH[side].format(label=walk_label, rel=rel, depth=depth, extra=extra)
        for r in store.read(cypher, {"ids": starts}, limit=cap + 1):
            if r["id"] in starts:
                continue  # reached again through a supply cycle: the start is not its own neighbour
            r["side"] = side
            found.setdefault(f"{side}:{r['id']}", r)
    truncated = len(found) > cap * len(sides)
    ids = sorted({r["id"] for r in found.values()} | set(starts))
    edges = store.read(EDGES.format(label=walk_label, rel=rel), {"ids": ids})
    g = nx.DiGraph()
    g.add_nodes_from(ids)
    g.add_edges_from((e["a"], e["b"]) for e in edges)
    names = {r["id"]: r["name"] for r in found.values()}
    names.update({r["id"]: r["name"] for s in starts for r in store.read(LABEL_OF_ID.format(label=walk_label), {"id": s})})
    rows, graph = [], Subgraph()
    for s in starts:
        graph.add_node(s, walk_label, names.get(s, s), start=True)
    for key, r in sorted(found.items()):
        path = _shortest(g, starts, r["id"], r["side"])
        if path is None or len(path) - 1 > depth:
            continue
        rows.append({"direction": r["side"], "id": r["id"], "name": r["name"], "distance": len(path) - 1,
                     "in_zone": r.get("in_zone"), "path": " → ".join(names.get(p, p) for p in path)})
        for a, b in zip(path, path[1:]):
            graph.add_node(a, walk_label, names.get(a, a))
            graph.add_node(b, walk_label, names.get(b, b))
            graph.add_edge(a, b, rel)
    table = pd.DataFrame(rows, columns=["direction", "id", "name", "distance", "in_zone", "path"])
    table = table.sort_values(["direction", "distance", "id"]).reset_index(drop=True)
    extra_info = {"truncated": truncated}
    if walk_label == "Segment":
        firms = pd.DataFrame(store.read(FIRMS_IN, {"ids": ids}), columns=["segment", "id", "name", "in_zone"])
        extra_info["firms"] = firms
    return QueryResult(table, graph, extra=extra_info)


def _shortest(g: nx.DiGraph, starts: list[str], target: str, side: str) -> list[str] | None:
    best = None
    for s in starts:
        try:
            path = nx.shortest_path(g, target, s) if side == "up" else nx.shortest_path(g, s, target)
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            continue
        if best is None or len(path) < len(best):
            best = path
    return best
