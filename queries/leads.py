"""以商招商 leads: out-of-zone firms tied to in-zone ones, ranked by an explained score, each with the
paths that explain it ("A 供应 B，B 在园区，B 属于 智造先锋 联合体，B 设有党组织")."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from graph.store import Store
from queries.chain import ChainState, read_state
from queries.registry import QueryResult, Subgraph, query

TIES = {
    # tie kind -> (Cypher returning lead, partner, partner label, weight; Chinese verb with lead first)
    "supply": [
        ("""MATCH (o:Enterprise)-[r:SUPPLIES]->(i:Enterprise) WHERE o.in_zone = false AND i.in_zone = true
            RETURN o.id AS lead, i.id AS partner, r.weight AS weight""", "{lead} 供应 {partner}", "SUPPLIES", True),
        ("""MATCH (i:Enterprise)-[r:SUPPLIES]->(o:Enterprise) WHERE o.in_zone = false AND i.in_zone = true
            RETURN o.id AS lead, i.id AS partner, r.weight AS weight""", "{partner} 供应 {lead}", "SUPPLIES", False),
    ],
    "group": [
        ("""MATCH (i:Enterprise)-[:SUBSIDIARY_OF]->(o:Enterprise) WHERE o.in_zone = false AND i.in_zone = true
            RETURN o.id AS lead, i.id AS partner, 1.0 AS weight""", "{partner} 是 {lead} 的子公司", "SUBSIDIARY_OF", False),
        ("""MATCH (o:Enterprise)-[:SUBSIDIARY_OF]->(i:Enterprise) WHERE o.in_zone = false AND i.in_zone = true
            RETURN o.id AS lead, i.id AS partner, 1.0 AS weight""", "{lead} 是 {partner} 的子公司", "SUBSIDIARY_OF", True),
    ],
    "research": [
        ("""MATCH (i:Institute)-[:COOPERATES_WITH]->(o:Enterprise) WHERE o.in_zone = false AND i.in_zone = true
            RETURN o.id AS lead, i.id AS partner, 1.0 AS weight""", "{partner} 与 {lead} 产学研合作", "COOPERATES_WITH", False),
    ],
}
TIE_ZH = {"supply": "供应", "group": "同一集团", "research": "产学研合作"}

# Lookups by primary key (UNWIND + MATCH on id): `WHERE e.id IN $ids` scans every node against the
# whole list, which LadybugDB does not turn into an index lookup (measured: minutes at 100k firms).
ENTERPRISE_INFO = """
UNWIND $ids AS i MATCH (e:Enterprise {id: i})
RETURN e.id AS id, e.name AS name, e.region AS region, e.kind AS kind"""
INSTITUTE_INFO = "UNWIND $ids AS i MATCH (e:Institute {id: i}) RETURN e.id AS id, e.name AS name"
ENTERPRISE_ALLIANCES = """
UNWIND $ids AS i MATCH (e:Enterprise {id: i})-[:MEMBER_OF]->(a:Alliance) RETURN e.id AS id, a.id AS alliance, a.name AS name"""
INSTITUTE_ALLIANCES = """
UNWIND $ids AS i MATCH (e:Institute {id: i})-[:MEMBER_OF]->(a:Alliance) RETURN e.id AS id, a.id AS alliance, a.name AS name"""
ENTERPRISE_PARTY = """
UNWIND $ids AS i MATCH (p:PartyOrg)-[:BASED_IN]->(e:Enterprise {id: i}) RETURN DISTINCT e.id AS id"""
INSTITUTE_PARTY = """
UNWIND $ids AS i MATCH (p:PartyOrg)-[:BASED_IN]->(e:Institute {id: i}) RETURN DISTINCT e.id AS id"""

GAP_BONUS = {"缺": 3.0, "弱": 2.0}
GROUP_WEIGHT, RESEARCH_WEIGHT, ALLIANCE_BONUS, PARTY_BONUS = 2.0, 1.0, 1.0, 0.5
COLUMNS = ["rank", "lead", "name", "region", "segments", "gap", "ties", "partners", "score", "explanation_zh",
           "explanation_en", "paths"]


@dataclass
class LeadContext:
    """What scoring needs, read once from the store (what-if scores the same context twice)."""
    ties: dict[str, list[dict]]
    names: dict[str, dict]
    alliances: dict[str, list[dict]]
    party: set[str]
    segments_of: dict[str, set[str]]


def read_context(store: Store, state: ChainState, tie_types: list[str] | None = None) -> LeadContext:
    kinds = tie_types or list(TIES)
    unknown = set(kinds) - set(TIES)
    if unknown:
        raise ValueError(f"unknown tie type(s) {', '.join(sorted(unknown))}; known: {', '.join(TIES)}")
    ties: dict[str, list[dict]] = defaultdict(list)
    for kind in kinds:
        for cypher, sentence, rel_type, lead_is_source in TIES[kind]:
            for r in store.read(cypher):
                ties[r["lead"]].append({"kind": kind, "partner": r["partner"], "weight": r["weight"],
                                        "sentence": sentence, "rel": rel_type, "lead_is_source": lead_is_source})
    partners = sorted({t["partner"] for ts in ties.values() for t in ts})
    names = {r["id"]: r for r in store.read(ENTERPRISE_INFO, {"ids": sorted(ties) + partners})}
    names.update({r["id"]: r for r in store.read(INSTITUTE_INFO, {"ids": partners})})
    alliances: dict[str, list[dict]] = defaultdict(list)
    for cypher in (ENTERPRISE_ALLIANCES, INSTITUTE_ALLIANCES):
        for r in store.read(cypher, {"ids": partners}):
            alliances[r["id"]].append(r)
    party = {r["id"] for c in (ENTERPRISE_PARTY, INSTITUTE_PARTY) for r in store.read(c, {"ids": partners})}
    segments_of: dict[str, set[str]] = defaultdict(set)
    for seg, firms in state.firms.items():
        for f in firms:
            segments_of[f["id"]].add(seg)
    return LeadContext(dict(ties), names, alliances, party, segments_of)


def lead_rows(store: Store, state: ChainState | None = None, *, chain: str = "", segment: str = "",
              alliance: str = "", tie_types: list[str] | None = None, weak_threshold: int = 2,
              extra: dict[str, int] | None = None, context: LeadContext | None = None,
              min_score: float = 0.0, limit: int | None = None, describe: bool = True) -> list[dict]:
    """Scored leads, best first; ``describe`` adds names and explaining sentences (skipped by what-if)."""
    state = state or read_state(store)
    context = context or read_context(store, state, tie_types)
    alliances, party, segments_of = context.alliances, context.party, context.segments_of
    rows = []
    for lead, lead_ties in context.ties.items():
        lead_segments = sorted(segments_of[lead])
        if segment and segment not in lead_segments:
            continue
        partner_ids = sorted({t["partner"] for t in lead_ties})
        if alliance and not any(a["alliance"] == alliance for p in partner_ids for a in alliances[p]):
            continue
        if chain:
            touched = {state.segments[s]["chain"] for s in lead_segments if s in state.segments}
            touched |= {state.segments[s]["chain"] for p in partner_ids for s in segments_of[p] if s in state.segments}
            if chain not in touched:
                continue
        score, parts_zh, parts_en = 0.0, [], []
        by_kind: dict[str, list[dict]] = defaultdict(list)
        for t in lead_ties:
            by_kind[t["kind"]].append(t)
        for kind, kind_ties in by_kind.items():
            if kind == "supply":
                points = sum(1 + (t["weight"] if t["weight"] is not None else 0.5) for t in kind_ties)
            else:
                points = (GROUP_WEIGHT if kind == "group" else RESEARCH_WEIGHT) * len(kind_ties)
            score += points
            parts_zh.append(f"{TIE_ZH[kind]}关系×{len(kind_ties)}(+{points:g})")
            parts_en.append(f"{kind} tie×{len(kind_ties)} (+{points:g})")
        gap_status, gap_segment = "", ""
        for seg in lead_segments:
            if seg in state.segments:
                status = state.status(seg, weak_threshold, extra)
                if status in GAP_BONUS and GAP_BONUS[status] > GAP_BONUS.get(gap_status, 0):
                    gap_status, gap_segment = status, seg
        if gap_status:
            score += GAP_BONUS[gap_status]
            seg_name = state.segments[gap_segment]["name"]
            parts_zh.append(f"填补{'缺链' if gap_status == '缺' else '弱链'} {seg_name}(+{GAP_BONUS[gap_status]:g})")
            parts_en.append(f"fills {'missing' if gap_status == '缺' else 'weak'} segment {seg_name} "
                            f"(+{GAP_BONUS[gap_status]:g})")
        in_alliance = [p for p in partner_ids if alliances[p]]
        with_party = [p for p in partner_ids if p in party]
        if in_alliance:
            score += ALLIANCE_BONUS * len(in_alliance)
            parts_zh.append(f"园区伙伴属产业链党建联合体×{len(in_alliance)}(+{ALLIANCE_BONUS * len(in_alliance):g})")
            parts_en.append(f"partner in an alliance×{len(in_alliance)} (+{ALLIANCE_BONUS * len(in_alliance):g})")
        if with_party:
            score += PARTY_BONUS * len(with_party)
            parts_zh.append(f"园区伙伴设有党组织×{len(with_party)}(+{PARTY_BONUS * len(with_party):g})")
            parts_en.append(f"partner has a party organisation×{len(with_party)} (+{PARTY_BONUS * len(with_party):g})")
        rows.append({"lead": lead, "score": round(score, 3), "gap": gap_status, "ties": len(lead_ties),
                     "explanation_zh": "；".join(parts_zh), "explanation_en": "; ".join(parts_en),
                     "_segments": lead_segments, "_partners": partner_ids, "_ties": lead_ties})
    rows = sorted((r for r in rows if r["score"] >= min_score), key=lambda r: (-r["score"], r["lead"]))
    rows = rows[:limit] if limit is not None else rows
    for rank, r in enumerate(rows, start=1):
        r["rank"] = rank
        if describe:
            _describe(r, context, state)   # names and sentences only for the rows returned
    return rows


def _describe(row: dict, context: LeadContext, state: ChainState) -> None:
    names, alliances, party = context.names, context.alliances, context.party
    lead_name = names.get(row["lead"], {}).get("name") or row["lead"]
    sentences = []
    for t in row["_ties"]:
        partner_name = names.get(t["partner"], {}).get("name") or t["partner"]
        sentence = t["sentence"].format(lead=lead_name, partner=partner_name) + f"，{partner_name} 在园区"
        for a in alliances[t["partner"]]:
            sentence += f"，{partner_name} 属于 {a['name']} 联合体"
        if t["partner"] in party:
            sentence += f"，{partner_name} 设有党组织"
        sentences.append(sentence)
    row.update({"name": lead_name, "region": names.get(row["lead"], {}).get("region"),
                "segments": "、".join(state.segments[s]["name"] for s in row["_segments"] if s in state.segments),
                "partners": "、".join(names.get(p, {}).get("name") or p for p in row["_partners"]),
                "paths": "\n".join(sorted(set(sentences))),
                "_alliances": {p: alliances[p] for p in row["_partners"]}, "_names": names})


def lead_graph(row: dict) -> Subgraph:
    """The explaining paths of one lead as a small graph."""
    graph = Subgraph()
    names = row["_names"]
    graph.add_node(row["lead"], "Enterprise", row["name"], in_zone=False)
    for t in row["_ties"]:
        partner = t["partner"]
        label = "Institute" if t["kind"] == "research" else "Enterprise"
        graph.add_node(partner, label, names.get(partner, {}).get("name") or partner, in_zone=True)
        a, b = (row["lead"], partner) if t["lead_is_source"] else (partner, row["lead"])
        graph.add_edge(a, b, t["rel"])
        for alliance in row["_alliances"].get(partner, []):
            graph.add_node(alliance["alliance"], "Alliance", alliance["name"])
            graph.add_edge(partner, alliance["alliance"], "MEMBER_OF")
    return graph


@query("leads", "招商线索", "以商招商 leads: out-of-zone firms tied to in-zone ones by supply, group or research, "
       "ranked by an explained score, with explaining paths; filter by chain, gap segment or alliance.",
       chain="", segment="", alliance="", tie_types=["supply", "group", "research"], min_score=0.0, limit=100,
       weak_threshold=2)
def leads(store: Store, chain: str, segment: str, alliance: str, tie_types: list, min_score: float, limit: int,
          weak_threshold: int) -> QueryResult:
    limit = max(1, min(int(limit), 10_000))
    rows = lead_rows(store, chain=chain, segment=segment, alliance=alliance, tie_types=list(tie_types),
                     weak_threshold=weak_threshold, min_score=min_score, limit=limit)
    graph = Subgraph()
    for r in rows[:20]:
        graph.merge(lead_graph(r))
    table = pd.DataFrame([{k: r[k] for k in COLUMNS} for r in rows], columns=COLUMNS)
    return QueryResult(table, graph, extra={"rows": rows})


@query("gap_leads", "补链线索", "Leads that would fill one gap segment (gap → leads in one call).",
       segment="seg_pv_1", limit=50, weak_threshold=2)
def gap_leads(store: Store, segment: str, limit: int, weak_threshold: int) -> QueryResult:
    return leads(store, chain="", segment=segment, alliance="", tie_types=list(TIES), min_score=0.0, limit=limit,
                 weak_threshold=weak_threshold)
