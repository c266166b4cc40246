"""Chain panorama (产业链全景), gap analysis (缺链/弱链) and what-if.

The graph part is plain portable Cypher (one query per aspect, so aggregates never multiply each
other), aggregated per segment by the engine and read only for the chains asked for (see
queries/segments.py); ordering segments upstream→downstream and scoring gaps is done here in Python.
"""
from __future__ import annotations

from collections import defaultdict

import pandas as pd

from graph.store import Store
from queries.registry import QueryResult, Subgraph, query
from queries.segments import ChainState, check_chain, read_state

# Segments picked by `s.id IN $ids` (a scan of the small Segment table; see queries/segments.py).
KEY_FIRMS = """
MATCH (s:Segment)<-[:IN_SEGMENT]-(e:Enterprise) WHERE s.id IN $ids AND e.in_zone = true AND e.kind IN $kinds
RETURN s.id AS segment, e.name AS name"""

SEGMENT_INSTITUTES = """
MATCH (i:Institute)-[:SERVES]->(s:Segment) WHERE s.id IN $ids RETURN DISTINCT s.id AS segment, i.name AS name"""

COOPERATING = """
MATCH (s:Segment)<-[:IN_SEGMENT]-(e:Enterprise)<-[:COOPERATES_WITH]-(i:Institute)
WHERE s.id IN $ids AND e.in_zone = true RETURN DISTINCT s.id AS segment, i.name AS name"""

CHAIN_SUPPORT = """
MATCH (i:Institute)-[:SERVES]->(c:Chain {id: $chain}) RETURN DISTINCT i.name AS name"""
CHAIN_STATIONS = """
MATCH (t:TalentStation)-[:SERVES]->(c:Chain {id: $chain}) RETURN DISTINCT t.name AS name"""

KEY_KINDS = ("链主", "龙头")
STATUS_EN = {"缺": "missing", "弱": "weak", "强": "strong"}


def _names_by_segment(store: Store, cypher: str, ids: list[str], **params) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for r in store.read(cypher, {"ids": ids, **params}):
        out[r["segment"]].add(r["name"])
    return out


@query("panorama", "产业链全景", "A chain's segments upstream→downstream with in-zone firms, key firms, projects, "
       "institutes and coverage (缺/弱/强).", chain="ch_pv", weak_threshold=2)
def panorama(store: Store, chain: str, weak_threshold: int) -> QueryResult:
    state = read_state(store, [chain])
    check_chain(state, chain)
    order = state.ordered(chain)
    if not order:   # a chain given only as products (queries/products.py)
        from queries.products import panorama_result
        return panorama_result(store, chain, state.chains[chain], weak_threshold)
    key_firms: dict[str, list[str]] = defaultdict(list)
    for r in store.read(KEY_FIRMS, {"ids": order, "kinds": list(KEY_KINDS)}):
        key_firms[r["segment"]].append(r["name"])
    institutes = _names_by_segment(store, SEGMENT_INSTITUTES, order)
    for seg, names in _names_by_segment(store, COOPERATING, order).items():
        institutes[seg] |= names
    support = {r["name"] for c in (CHAIN_SUPPORT, CHAIN_STATIONS) for r in store.read(c, {"chain": chain})}
    rows, graph = [], Subgraph()
    for position, seg in enumerate(order, start=1):
        info = state.segments[seg]
        firms = state.in_zone(seg)
        project = state.projects.get(seg, {})
        status = state.status(seg, weak_threshold)
        rows.append({"position": position, "segment": seg, "name": info["name"], "stage": info["stage"],
                     "in_zone_firms": firms, "key_firms": "、".join(sorted(key_firms[seg])),
                     "out_of_zone_firms": state.out_of_zone(seg),
                     "projects": int(project.get("n") or 0),
                     "investment": round(float(project.get("investment") or 0), 2),
                     "institutes": len(institutes[seg]),
                     "status": status, "status_en": STATUS_EN[status], "kind": "segment"})
        graph.add_node(seg, "Segment", info["name"], status=status, firms=firms, stage=info["stage"],
                       position=position)
    for a, b in state.feeds.edges:
        if a in graph.nodes and b in graph.nodes:
            graph.add_edge(a, b, "FEEDS")
    table = pd.DataFrame(rows, columns=["position", "segment", "name", "stage", "in_zone_firms", "key_firms",
                                        "out_of_zone_firms", "projects", "investment", "institutes", "status",
                                        "status_en", "kind"])
    return QueryResult(table, graph, extra={"chain_support": sorted(support), "chain_name": state.chains[chain]})


def gap_rows(state: ChainState, chains: list[str], weak_threshold: int,
             extra: dict[str, int] | None = None) -> list[dict]:
    """Missing and weak segments with neighbours and an explained priority score."""
    out = []
    for chain in chains:
        for seg in state.ordered(chain):
            status = state.status(seg, weak_threshold, extra)
            if status == "强":
                continue
            ups, downs = state.upstream(seg), state.downstream(seg)
            # Each neighbour once: one that both feeds and is fed by the gap (a FEEDS 2-cycle) is
            # one strong segment depending on it, not two.
            strong = [s for s in sorted(set(ups) | set(downs)) if state.status(s, weak_threshold, extra) == "强"]
            waiting = int((state.projects.get(seg) or {}).get("n") or 0)
            candidates = state.out_of_zone(seg)
            firms = state.in_zone(seg, extra)
            score = (3 if status == "缺" else 1) + 2 * len(strong) + waiting + 0.5 * candidates

            def names(ids):
                return "、".join(f"{state.name(s)}({state.in_zone(s, extra)}家)" for s in ids) or "无"
            reason_zh = (f"{'缺链' if status == '缺' else '弱链'}：园区内{firms}家企业；"
                         f"上游 {names(ups)}；下游 {names(downs)}；{len(strong)}个强环节依赖它；"
                         f"{waiting}个项目在此环节；园外候选企业{candidates}家")
            reason_en = (f"{STATUS_EN[status]} segment: {firms} in-zone firm(s); "
                         f"{len(strong)} strong neighbour(s) depend on it; {waiting} project(s) here; "
                         f"{candidates} out-of-zone candidate(s)")
            out.append({"chain": chain, "chain_name": state.chains[chain], "segment": seg,
                        "name": state.segments[seg]["name"], "status": status, "status_en": STATUS_EN[status],
                        "in_zone_firms": firms,
                        "upstream": "、".join(state.name(s) for s in ups),
                        "downstream": "、".join(state.name(s) for s in downs),
                        "strong_neighbours": len(strong), "projects": waiting, "candidates": candidates,
                        "score": score, "reason_zh": reason_zh, "reason_en": reason_en})
    out.sort(key=lambda r: (-r["score"], r["chain"], r["segment"]))
    return out


GAP_COLUMNS = ["chain", "chain_name", "segment", "name", "status", "status_en", "in_zone_firms", "upstream",
               "downstream", "strong_neighbours", "projects", "candidates", "score", "reason_zh", "reason_en", "kind"]


@query("gaps", "缺链补链", "Missing (缺) and weak (弱) segments across chains with neighbours and an explained "
       "priority score (3 if missing else 1, +2 per strong neighbour, +1 per project, +0.5 per out-of-zone "
       "candidate).", chains=[], weak_threshold=2)
def gaps(store: Store, chains: list, weak_threshold: int) -> QueryResult:
    state = read_state(store, list(chains) or None)
    for chain in chains:
        check_chain(state, chain)
    rows = gap_rows(state, list(chains) or sorted(state.chains), weak_threshold)
    for r in rows:
        r["kind"] = "segment"
    # Chains given only as products: their missing and weak products (queries/products.py).
    from queries.products import product_gaps
    with_segments = {row["chain"] for row in state.segments.values()}
    rows += product_gaps(store, list(chains) or None, with_segments, state.chains, weak_threshold)
    rows.sort(key=lambda r: (-r["score"], r["chain"], r["segment"]))
    return QueryResult(pd.DataFrame(rows, columns=GAP_COLUMNS))


LEADS_CHANGED_COLUMNS = ["lead", "name", "gap_before", "gap_after", "score_before", "score_after"]
SEGMENT_CHAIN = "MATCH (s:Segment {id: $segment})-[:PART_OF]->(c:Chain) RETURN c.id AS chain ORDER BY chain"


@query("what_if", "假设分析", "A hypothetical new in-zone firm in a segment (nothing is written): which gaps "
       "close and which leads lose their gap bonus.", segment="seg_pv_1", firms=1, weak_threshold=2)
def what_if(store: Store, segment: str, firms: int, weak_threshold: int) -> QueryResult:
    found = store.read(SEGMENT_CHAIN, {"segment": segment})
    if not found:
        raise ValueError(f"unknown segment {segment!r}")
    chain = found[-1]["chain"]
    # One read of the chain's figures; the hypothesis only adds to one count, so "after" is the same
    # figures with ``extra`` applied, computed here rather than read again.
    state = read_state(store, [chain])
    extra = {segment: firms}
    before = {r["segment"]: r for r in gap_rows(state, [chain], weak_threshold)}
    after = {r["segment"]: r for r in gap_rows(state, [chain], weak_threshold, extra)}
    rows = []
    for seg in state.ordered(chain):
        old = before.get(seg, {}).get("status", "强")
        new = after.get(seg, {}).get("status", "强")
        if seg in before or seg in after:
            rows.append({"segment": seg, "name": state.segments[seg]["name"], "before": old, "after": new,
                         "score_before": before.get(seg, {}).get("score"),
                         "score_after": after.get(seg, {}).get("score"),
                         "change": "补齐" if old != "强" and new == "强" else "改善" if old != new else
                         ("优先级变化" if before.get(seg, {}).get("score") != after.get(seg, {}).get("score") else "不变")})
    from queries.leads import changed_leads
    changed = changed_leads(store, segment, extra, weak_threshold, state.in_zone(segment))
    return QueryResult(pd.DataFrame(rows, columns=["segment", "name", "before", "after", "score_before",
                                                    "score_after", "change"]),
                       extra={"leads_changed": pd.DataFrame(changed, columns=LEADS_CHANGED_COLUMNS)},
                       sections=["leads_changed"])


CHAIN_LIST = """
MATCH (c:Chain) OPTIONAL MATCH (s:Segment)-[:PART_OF]->(c)
RETURN c.id AS id, c.name AS name, count(s) AS segments ORDER BY c.id"""


@query("chains", "产业链列表", "All chains with their number of segments.")
def chains(store: Store) -> QueryResult:
    return QueryResult(pd.DataFrame(store.read(CHAIN_LIST), columns=["id", "name", "segments"]))
