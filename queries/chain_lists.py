"""The lists a chain briefing holds beside its panorama: the zone's firms per segment, the chain's
projects and its firms' open demands (一链一图多清单).  Portable Cypher; ordering here in Python."""
from __future__ import annotations

from graph.store import Store
from queries.chain import KEY_KINDS

CHAIN_FIRMS = """
MATCH (e:Enterprise)-[:IN_SEGMENT]->(s:Segment)-[:PART_OF]->(c:Chain {id: $chain})
WHERE e.in_zone = true
RETURN DISTINCT e.id AS id, e.name AS name, e.kind AS kind, s.id AS segment, s.name AS segment_name"""

# A segment's firms also include the makers of the products it INCLUDES (queries/products.py).
CHAIN_PRODUCT_FIRMS = """
MATCH (e:Enterprise)-[:MAKES]->(:Product)<-[:INCLUDES]-(s:Segment)-[:PART_OF]->(c:Chain {id: $chain})
WHERE e.in_zone = true
RETURN DISTINCT e.id AS id, e.name AS name, e.kind AS kind, s.id AS segment, s.name AS segment_name"""

CHAIN_PROJECTS = """
MATCH (p:Project)-[:IN_SEGMENT]->(s:Segment)-[:PART_OF]->(c:Chain {id: $chain})
RETURN DISTINCT p.id AS id, p.name AS name, p.status AS status, p.investment AS investment,
       p.signed_year AS signed_year, s.name AS segment_name"""

CHAIN_OPEN_DEMANDS = """
MATCH (d:Demand)-[:RAISED_BY]->(e:Enterprise)-[:IN_SEGMENT]->(s:Segment)-[:PART_OF]->(c:Chain {id: $chain})
WHERE d.status IS NULL OR d.status <> $resolved
RETURN DISTINCT d.id AS id, d.name AS name, d.category AS category, d.status AS status, e.name AS firm"""

RESOLVED = "已解决"


def _key_first(kind: str | None) -> int:
    return KEY_KINDS.index(kind) if kind in KEY_KINDS else len(KEY_KINDS)


def _placed(store: Store, chain: str) -> list[dict]:
    """(firm, segment) pairs of a chain's in-zone firms: placed by IN_SEGMENT or making an INCLUDES product."""
    return store.read(CHAIN_FIRMS, {"chain": chain}) + store.read(CHAIN_PRODUCT_FIRMS, {"chain": chain})


def chain_firms(store: Store, chain: str) -> list[dict]:
    """In-zone firms of a chain, one row per firm (its segments joined), 链主 then 龙头 then the rest."""
    firms: dict[str, dict] = {}
    for r in _placed(store, chain):
        row = firms.setdefault(r["id"], {"id": r["id"], "name": r["name"], "kind": r["kind"], "segments": []})
        row["segments"].append(r["segment_name"])
    for row in firms.values():
        row["segments"] = "、".join(sorted(set(row["segments"])))
    return sorted(firms.values(), key=lambda r: (_key_first(r["kind"]), r["name"] or "", r["id"]))


def firms_by_segment(store: Store, chain: str) -> dict[str, list[dict]]:
    """Segment id -> its in-zone firms, key firms first (for the panorama cards)."""
    out: dict[str, dict[str, dict]] = {}
    for r in _placed(store, chain):
        out.setdefault(r["segment"], {})[r["id"]] = {"id": r["id"], "name": r["name"], "kind": r["kind"]}
    return {seg: sorted(rows.values(), key=lambda r: (_key_first(r["kind"]), r["name"] or "", r["id"]))
            for seg, rows in out.items()}


def chain_projects(store: Store, chain: str) -> list[dict]:
    """A chain's projects (one row per project, its segments joined), largest investment first."""
    projects: dict[str, dict] = {}
    for r in store.read(CHAIN_PROJECTS, {"chain": chain}):
        row = projects.setdefault(r["id"], {**r, "segment_name": []})
        row["segment_name"].append(r["segment_name"])
    for row in projects.values():
        row["segment_name"] = "、".join(sorted(set(row["segment_name"])))
    return sorted(projects.values(), key=lambda r: (-(r["investment"] or 0), r["id"]))


def chain_open_demands(store: Store, chain: str) -> list[dict]:
    """Demands not yet resolved, raised by firms of the chain."""
    rows = {r["id"]: r for r in store.read(CHAIN_OPEN_DEMANDS, {"chain": chain, "resolved": RESOLVED})}
    return sorted(rows.values(), key=lambda r: (r["category"] or "", r["id"]))
