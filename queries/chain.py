"""Chain panorama (产业链全景), gap analysis (缺链/弱链) and what-if.

The graph part is plain portable Cypher (one query per aspect, so aggregates never multiply each
other); ordering segments upstream→downstream and scoring gaps is done here in Python.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx
import pandas as pd

from graph.store import Store
from queries.registry import QueryResult, Subgraph, query

SEGMENTS = """
MATCH (s:Segment)-[:PART_OF]->(c:Chain)
RETURN c.id AS chain, c.name AS chain_name, s.id AS id, s.name AS name, s.stage AS stage, s.`order` AS ord"""

FEEDS = """
MATCH (a:Segment)-[:FEEDS]->(b:Segment) RETURN DISTINCT a.id AS a, b.id AS b"""

FIRMS = """
MATCH (e:Enterprise)-[:IN_SEGMENT]->(s:Segment)
RETURN s.id AS segment, e.id AS id, e.name AS name, e.in_zone AS in_zone, e.kind AS kind"""

PROJECTS = """
MATCH (p:Project)-[:IN_SEGMENT]->(s:Segment)
RETURN s.id AS segment, count(DISTINCT p) AS n, sum(p.investment) AS investment"""

SEGMENT_INSTITUTES = """
MATCH (i:Institute)-[:SERVES]->(s:Segment) RETURN s.id AS segment, i.name AS name"""

CHAIN_INSTITUTES = """
MATCH (i:Institute)-[:SERVES]->(c:Chain) RETURN c.id AS chain, i.name AS name"""

CHAIN_STATIONS = """
MATCH (t:TalentStation)-[:SERVES]->(c:Chain) RETURN c.id AS chain, t.name AS name"""

COOPERATING = """
MATCH (i:Institute)-[:COOPERATES_WITH]->(e:Enterprise)-[:IN_SEGMENT]->(s:Segment)
WHERE e.in_zone = true RETURN DISTINCT s.id AS segment, i.name AS name"""

CHAINS = "MATCH (c:Chain) RETURN c.id AS id, c.name AS name ORDER BY c.id"

KEY_KINDS = ("链主", "龙头")
STATUS_EN = {"缺": "missing", "弱": "weak", "强": "strong"}


@dataclass
class ChainState:
    """Everything the chain analyses need, read once."""
    chains: dict[str, str]                                        # id -> name
    segments: dict[str, dict] = field(default_factory=dict)       # id -> row (+ chain)
    feeds: nx.DiGraph = field(default_factory=nx.DiGraph)
    firms: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    projects: dict[str, dict] = field(default_factory=dict)
    institutes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    chain_support: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def in_zone(self, segment: str) -> list[dict]:
        return [f for f in self.firms[segment] if f["in_zone"]]

    def out_of_zone(self, segment: str) -> list[dict]:
        return [f for f in self.firms[segment] if not f["in_zone"]]

    def status(self, segment: str, weak_threshold: int, extra: dict[str, int] | None = None) -> str:
        n = len(self.in_zone(segment)) + (extra or {}).get(segment, 0)
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


def read_state(store: Store) -> ChainState:
    state = ChainState({r["id"]: r["name"] for r in store.read(CHAINS)})
    for r in store.read(SEGMENTS):
        state.segments[r["id"]] = r
    for r in store.read(FEEDS):
        state.feeds.add_edge(r["a"], r["b"])
    for r in store.read(FIRMS):
        state.firms[r["segment"]].append(r)
    state.projects = {r["segment"]: r for r in store.read(PROJECTS)}
    for query_text in (SEGMENT_INSTITUTES, COOPERATING):
        for r in store.read(query_text):
            state.institutes[r["segment"]].add(r["name"])
    for query_text in (CHAIN_INSTITUTES, CHAIN_STATIONS):
        for r in store.read(query_text):
            state.chain_support[r["chain"]].add(r["name"])
    return state


def _check_chain(state: ChainState, chain: str) -> None:
    if chain not in state.chains:
        raise ValueError(f"unknown chain {chain!r}; known: {', '.join(sorted(state.chains))}")


@query("panorama", "产业链全景", "A chain's segments upstream→downstream with in-zone firms, key firms, projects, "
       "institutes and coverage (缺/弱/强).", chain="ch_pv", weak_threshold=2)
def panorama(store: Store, chain: str, weak_threshold: int) -> QueryResult:
    state = read_state(store)
    _check_chain(state, chain)
    rows, graph = [], Subgraph()
    order = state.ordered(chain)
    for position, seg in enumerate(order, start=1):
        info = state.segments[seg]
        firms = state.in_zone(seg)
        project = state.projects.get(seg, {})
        status = state.status(seg, weak_threshold)
        rows.append({"position": position, "segment": seg, "name": info["name"], "stage": info["stage"],
                     "in_zone_firms": len(firms),
                     "key_firms": "、".join(sorted(f["name"] for f in firms if f["kind"] in KEY_KINDS)),
                     "out_of_zone_firms": len(state.out_of_zone(seg)),
                     "projects": int(project.get("n") or 0),
                     "investment": round(float(project.get("investment") or 0), 2),
                     "institutes": len(state.institutes[seg]),
                     "status": status, "status_en": STATUS_EN[status]})
        graph.add_node(seg, "Segment", info["name"], status=status, firms=len(firms), stage=info["stage"],
                       position=position)
    for a, b in state.feeds.edges:
        if a in graph.nodes and b in graph.nodes:
            graph.add_edge(a, b, "FEEDS")
    table = pd.DataFrame(rows, columns=["position", "segment", "name", "stage", "in_zone_firms", "key_firms",
                                        "out_of_zone_firms", "projects", "investment", "institutes", "status",
                                        "status_en"])
    return QueryResult(table, graph, extra={"chain_support": sorted(state.chain_support[chain]),
                                            "chain_name": state.chains[chain]})


def gap_rows(state: ChainState, chains: list[str], weak_threshold: int,
             extra: dict[str, int] | None = None) -> list[dict]:
    """Missing and weak segments with neighbours and an explained priority score."""
    out = []
    for chain in chains:
        for seg in state.ordered(chain):
            status = state.status(seg, weak_threshold, extra)
            if status == "强":
                continue
            ups = [s for s in state.feeds.predecessors(seg)] if seg in state.feeds else []
            downs = [s for s in state.feeds.successors(seg)] if seg in state.feeds else []
            neighbours = ups + downs
            strong = [s for s in neighbours if state.status(s, weak_threshold, extra) == "强"]
            waiting = int((state.projects.get(seg) or {}).get("n") or 0)
            candidates = len(state.out_of_zone(seg))
            base = 3 if status == "缺" else 1
            score = base + 2 * len(strong) + waiting + 0.5 * candidates

            def names(ids):
                return "、".join(f"{state.segments[s]['name']}({len(state.in_zone(s)) + (extra or {}).get(s, 0)}家)"
                                for s in ids) or "无"
            reason_zh = (f"{'缺链' if status == '缺' else '弱链'}：园区内{len(state.in_zone(seg)) + (extra or {}).get(seg, 0)}家企业；"
                         f"上游 {names(ups)}；下游 {names(downs)}；{len(strong)}个强环节依赖它；"
                         f"{waiting}个项目在此环节；园外候选企业{candidates}家")
            reason_en = (f"{STATUS_EN[status]} segment: {len(state.in_zone(seg)) + (extra or {}).get(seg, 0)} in-zone firm(s); "
                         f"{len(strong)} strong neighbour(s) depend on it; {waiting} project(s) here; "
                         f"{candidates} out-of-zone candidate(s)")
            out.append({"chain": chain, "chain_name": state.chains[chain], "segment": seg,
                        "name": state.segments[seg]["name"], "status": status, "status_en": STATUS_EN[status],
                        "in_zone_firms": len(state.in_zone(seg)) + (extra or {}).get(seg, 0),
                        "upstream": "、".join(state.segments[s]["name"] for s in ups),
                        "downstream": "、".join(state.segments[s]["name"] for s in downs),
                        "strong_neighbours": len(strong), "projects": waiting, "candidates": candidates,
                        "score": score, "reason_zh": reason_zh, "reason_en": reason_en})
    out.sort(key=lambda r: (-r["score"], r["chain"], r["segment"]))
    return out


GAP_COLUMNS = ["chain", "chain_name", "segment", "name", "status", "status_en", "in_zone_firms", "upstream",
               "downstream", "strong_neighbours", "projects", "candidates", "score", "reason_zh", "reason_en"]


@query("gaps", "缺链补链", "Missing (缺) and weak (弱) segments across chains with neighbours and an explained "
       "priority score (3 if missing else 1, +2 per strong neighbour, +1 per project, +0.5 per out-of-zone "
       "candidate).", chains=[], weak_threshold=2)
def gaps(store: Store, chains: list, weak_threshold: int) -> QueryResult:
    state = read_state(store)
    for chain in chains:
        _check_chain(state, chain)
    rows = gap_rows(state, list(chains) or sorted(state.chains), weak_threshold)
    return QueryResult(pd.DataFrame(rows, columns=GAP_COLUMNS))


@query("what_if", "假设分析", "A hypothetical new in-zone firm in a segment (nothing is written): which gaps "
       "close and which leads lose their gap bonus.", segment="seg_pv_1", firms=1, weak_threshold=2)
def what_if(store: Store, segment: str, firms: int, weak_threshold: int) -> QueryResult:
    state = read_state(store)
    if segment not in state.segments:
        raise ValueError(f"unknown segment {segment!r}")
    chain = state.segments[segment]["chain"]
    before = {r["segment"]: r for r in gap_rows(state, [chain], weak_threshold)}
    after = {r["segment"]: r for r in gap_rows(state, [chain], weak_threshold, {segment: firms})}
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
    from queries.leads import lead_rows, read_context
    context = read_context(store, state)
    leads_before = {r["lead"]: r for r in lead_rows(store, state, weak_threshold=weak_threshold, context=context,
                                                    describe=False)}
    leads_after = {r["lead"]: r for r in lead_rows(store, state, weak_threshold=weak_threshold,
                                                   extra={segment: firms}, context=context, describe=False)}
    changed = [{"lead": k, "name": context.names.get(k, {}).get("name") or k, "score_before": v["score"],
                "score_after": leads_after[k]["score"]}
               for k, v in leads_before.items() if leads_after[k]["score"] != v["score"]]
    return QueryResult(pd.DataFrame(rows, columns=["segment", "name", "before", "after", "score_before",
                                                    "score_after", "change"]),
                       extra={"leads_changed": pd.DataFrame(changed, columns=["lead", "name", "score_before",
                                                                              "score_after"])})


CHAIN_LIST = """
MATCH (c:Chain) OPTIONAL MATCH (s:Segment)-[:PART_OF]->(c)
RETURN c.id AS id, c.name AS name, count(s) AS segments ORDER BY c.id"""


@query("chains", "产业链列表", "All chains with their number of segments.")
def chains(store: Store) -> QueryResult:
    return QueryResult(pd.DataFrame(store.read(CHAIN_LIST), columns=["id", "name", "segments"]))
