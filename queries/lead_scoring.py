"""Exact lead scores for a given set of out-of-zone firms: their ties, partners and segments, read
by primary key (``UNWIND $ids AS i MATCH (e:Enterprise {id: i})``), so the cost follows the ties
of the firms asked about, never the size of the graph.  queries/leads.py decides which firms.

Score (documented in the leads analysis): per supply tie 1 + weight (0.5 when unknown), per group
tie 2, per research tie 1; + 3 / 2 when the lead sits in a missing / weak segment; + 1 per distinct
in-zone partner in an alliance, + 0.5 per distinct partner with a party organisation of its own
(单独组建, OWN_ORG_FORM: the one definition the overview and the alliances use too).

A tie's strength is what it adds to the score: its points + its partner's alliance and party
bonuses.  Scores are summed exactly (decimal, each weight as written) and ranked on that sum;
the table shows it as a float.  The explanation lists a lead's ``max_paths`` strongest ties (ties in strength by partner
id); the score still counts every tie.  So whether a partner is in an alliance or has a party
organisation comes with each tie (EXISTS in the ties query), and names, regions and alliance names
are read only for the leads and the partners shown.
"""
from __future__ import annotations

import heapq
from decimal import Decimal
from collections import defaultdict
from dataclasses import dataclass, field

from graph.store import Store
from queries.products import product_segments, segment_outside_makers
from queries.segments import count_firms

# tie kind -> [(relationship type, whether the lead is its source, sentence with the lead first)]
TIES = {
    "supply": [("SUPPLIES", True, "{lead} 供应 {partner}"), ("SUPPLIES", False, "{partner} 供应 {lead}")],
    "group": [("SUBSIDIARY_OF", False, "{partner} 是 {lead} 的子公司"),
              ("SUBSIDIARY_OF", True, "{lead} 是 {partner} 的子公司")],
    "research": [("COOPERATES_WITH", False, "{partner} 与 {lead} 产学研合作")],
}
# The ties of the leads in $ids, one query per direction for every kind asked (each query over a
# list of ids costs LadybugDB a scan of the relationship table, so fewer queries matter more than
# narrower ones).  The partner's label follows from the relationship type.
# EXISTS instead of reading every partner's alliances and party organisations (20k partners for
# the top 100 leads at 100k firms): only the partners shown need their names.
TIES_OUT = """
{leads}-[r:{rels}]->(i:Enterprise)
WHERE o.in_zone = false AND i.in_zone = true
RETURN o.id AS lead, i.id AS partner, {type_r} AS rel, {weight} AS weight,
       EXISTS {{ MATCH (i)-[:MEMBER_OF]->(:Alliance) }} AS in_alliance, EXISTS {{ MATCH (i)<-[:BASED_IN]-(p:PartyOrg) WHERE p.form = $own_form }} AS party"""
TIES_IN = """
{leads}<-[r:{rels}]-(i:{partner})
WHERE o.in_zone = false AND i.in_zone = true
RETURN o.id AS lead, i.id AS partner, {type_r} AS rel, {weight} AS weight,
       EXISTS {{ MATCH (i)-[:MEMBER_OF]->(:Alliance) }} AS in_alliance, EXISTS {{ MATCH (i)<-[:BASED_IN]-(p:PartyOrg) WHERE p.form = $own_form }} AS party"""
# The leads (o) of the reads above: by id, or, when they all sit in one segment (gap_leads,
# what-if), every firm of that segment, filtered to the ids in Python.  LadybugDB plans the list of
# ids as a hash join over the whole relationship table (50-80 ms a query at 100k firms); from the
# segment it follows adjacency lists, bounded by that segment's ties.
LEADS = {"ids": "UNWIND $ids AS x MATCH (o:Enterprise {id: x})",
         "segment": "MATCH (:Segment {id: $segment})<-[:IN_SEGMENT]-(o:Enterprise)"}
TIE_ZH = {"supply": "供应", "group": "同一集团", "research": "产学研合作"}

ENTERPRISE_INFO = """
UNWIND $ids AS i MATCH (e:Enterprise {id: i}) RETURN e.id AS id, e.name AS name, e.region AS region"""
INSTITUTE_INFO = "UNWIND $ids AS i MATCH (e:Institute {id: i}) RETURN e.id AS id, e.name AS name"
ALLIANCES = """
UNWIND $ids AS i MATCH (e:{label} {{id: i}})-[:MEMBER_OF]->(a:Alliance) RETURN e.id AS id, a.id AS alliance, a.name AS name"""
FIRM_SEGMENTS = """
UNWIND $ids AS x MATCH (e:Enterprise {id: x})-[:IN_SEGMENT]->(s:Segment) RETURN e.id AS id, s.id AS segment"""
# Every lead's other segments (see the anchor's note in read_leads).
SEGMENT_FIRM_SEGMENTS = """
MATCH (:Segment {id: $segment})<-[:IN_SEGMENT]-(e:Enterprise)-[:IN_SEGMENT]->(s:Segment) WHERE e.in_zone = false
RETURN e.id AS id, s.id AS segment"""
SEGMENT_OUTSIDE_FIRMS = """
MATCH (:Segment {id: $segment})<-[:IN_SEGMENT]-(e:Enterprise) WHERE e.in_zone = false RETURN e.id AS id"""
FIRM_CHAINS = """
UNWIND $ids AS x MATCH (e:Enterprise {id: x})-[:IN_SEGMENT]->(c:Chain) RETURN e.id AS id, c.id AS chain"""
SEGMENT_CHAINS = """
UNWIND $ids AS x MATCH (s:Segment {id: x})-[:PART_OF]->(c:Chain) RETURN s.id AS id, s.name AS name, c.id AS chain"""

# "Has a party organisation" = an organisation of its own (单独组建), everywhere; a firm reached only
# by a joint branch (联合组建) counts in 党的工作覆盖 (overview), not here.
OWN_ORG_FORM = "单独组建"
GAP_BONUS = {"缺": Decimal(3), "弱": Decimal(2)}
GROUP_WEIGHT, RESEARCH_WEIGHT, ALLIANCE_BONUS, PARTY_BONUS = Decimal(2), Decimal(1), Decimal(1), Decimal("0.5")
UNKNOWN_WEIGHT = Decimal("0.5")
# What one tie can add at most, partner bonuses included, and the largest gap bonus: the ranking
# query's upper bound (queries/leads.py) is built from these.
MAX_PARTNER_BONUS, MAX_GAP_BONUS = float(ALLIANCE_BONUS + PARTY_BONUS), float(max(GAP_BONUS.values()))


def check_kinds(tie_types: list[str] | None) -> list[str]:
    kinds = list(dict.fromkeys(tie_types or TIES))   # each kind once, in the order given
    unknown = set(kinds) - set(TIES)
    if unknown:
        raise ValueError(f"unknown tie type(s) {', '.join(sorted(unknown))}; known: {', '.join(TIES)}")
    return kinds


@dataclass
class LeadData:
    """Ties, partners and segments of some leads, read once (what-if scores them twice)."""
    ties: dict[str, list[dict]] = field(default_factory=dict)
    names: dict[str, dict] = field(default_factory=dict)          # leads; partners once read_partners
    alliances: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))   # read_partners
    in_alliance: set[str] = field(default_factory=set)             # partners in an alliance
    party: set[str] = field(default_factory=set)                   # partners with a party organisation
    segments_of: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    segment_names: dict[str, str] = field(default_factory=dict)        # segments that are in a chain
    segment_chains: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    chains_of: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))   # placed on a chain directly
    inside: dict[str, int] = field(default_factory=dict)               # in-zone firms per segment

    def status(self, segment: str, weak_threshold: int, extra: dict[str, int] | None = None) -> str:
        n = self.inside.get(segment, 0) + (extra or {}).get(segment, 0)
        return "缺" if n == 0 else "弱" if n < weak_threshold else "强"


def read_leads(store: Store, ids: list[str], kinds: list[str], *, partner_segments: bool = False,
               segment: str = "") -> LeadData:
    """Everything exact scoring needs for these leads; ``partner_segments`` also reads the partners'
    segments (only the chain filter needs them); ``segment``: every lead is in it by IN_SEGMENT (see
    LEADS; segment_by_products says when some are in it by what they make only)."""
    data = LeadData()
    ties: dict[str, list[tuple]] = defaultdict(list)
    ids = sorted(set(ids))
    wanted = set(ids)
    by = {"leads": LEADS["segment" if segment else "ids"]}
    params = {"segment": segment} if segment else {"ids": ids}
    tie_params = {**params, "own_form": OWN_ORG_FORM}
    entries = {(rel, source): (position, kind, sentence) for position, (kind, rel, source, sentence) in
               enumerate((k, *e) for k in kinds for e in TIES[k])}
    # One query per direction and partner label: a labelled partner lets LadybugDB scan one table
    # (an unlabelled one cost 4x here).
    for source, cypher, partner in ((True, TIES_OUT, "Enterprise"), (False, TIES_IN, "Enterprise"),
                                    (False, TIES_IN, "Institute")):
        rels = sorted({rel for rel, s in entries if s == source and (rel == "COOPERATES_WITH") == (partner == "Institute")})
        if not rels:
            continue
        weight = "r.weight" if "SUPPLIES" in rels else "1.0"    # no weight on the other types
        text = cypher.format(rels="|".join(rels), type_r=store.type_of("r"), weight=weight, partner=partner, **by)
        for r in store.read(text, tie_params):
            if r["lead"] not in wanted:
                continue
            position, kind, sentence = entries[(r["rel"], source)]
            weight = r["weight"] if r["rel"] == "SUPPLIES" else 1.0
            points = _points(kind, weight)
            # A partner's bonuses are the same on each of its ties: the strength is known row by row.
            bonus = ALLIANCE_BONUS * bool(r["in_alliance"]) + PARTY_BONUS * bool(r["party"])
            ties[r["lead"]].append((position, r["partner"], {
                "kind": kind, "partner": r["partner"], "weight": weight, "sentence": sentence, "rel": r["rel"],
                "lead_is_source": source, "points": points, "strength": points + bonus}))
            if r["in_alliance"]:
                data.in_alliance.add(r["partner"])
            if r["party"]:
                data.party.add(r["partner"])
    # In the order of the kinds asked, then as TIES lists them, then by partner: the explanation
    # lists kinds in this order.
    ties = {lead: [t for _, _, t in sorted(ts, key=lambda x: x[:2])] for lead, ts in ties.items()}
    data.ties = dict(ties)
    firms = sorted({t["partner"] for ts in ties.values() for t in ts if t["kind"] != "research"})
    data.names = {r["id"]: r for r in store.read(ENTERPRISE_INFO, {"ids": sorted(data.ties)})}
    placed = sorted(set(data.ties) | (set(firms) if partner_segments else set()))
    rows = (store.read(SEGMENT_FIRM_SEGMENTS, params) + product_segments(store, placed)
            if segment and not partner_segments else firm_segments(store, placed))
    for r in rows:
        if r["id"] in data.ties or partner_segments:
            data.segments_of[r["id"]].add(r["segment"])
    if segment:   # Neo4j does not match one relationship twice in a pattern: the anchor comes back on LadybugDB only
        for lead in data.ties:
            data.segments_of[lead].add(segment)
    segments = sorted({s for lead in data.ties for s in data.segments_of[lead]} |
                      ({s for p in firms for s in data.segments_of[p]} if partner_segments else set()))
    if partner_segments:    # the chain filter: firms placed on a chain directly count as in it
        for r in store.read(FIRM_CHAINS, {"ids": sorted(set(data.ties) | set(firms))}):
            data.chains_of[r["id"]].add(r["chain"])
    for r in store.read(SEGMENT_CHAINS, {"ids": segments}) if segments else []:
        data.segment_names[r["id"]] = r["name"]
        data.segment_chains[r["id"]].add(r["chain"])
    # Firm counts only for the leads' own chain segments: they decide the gap bonus.
    own = sorted({s for lead in data.ties for s in data.segments_of[lead] if s in data.segment_names})
    data.inside = count_firms(store, own)[0] if own else {}
    return data


def firm_segments(store: Store, firms: list[str]) -> list[dict]:
    """(id, segment) rows of these firms' segments: IN_SEGMENT, and the segments that include a
    product a firm makes (README: a firm's place in a chain follows from what it makes too)."""
    return (store.read(FIRM_SEGMENTS, {"ids": firms}) + product_segments(store, firms)) if firms else []


def segment_by_products(store: Store, segment: str) -> list[str] | None:
    """The out-of-zone firms of ``segment`` when some are in it only by what they make (a start from
    the segment's IN_SEGMENT ties would miss them); None when IN_SEGMENT finds them all."""
    makers = segment_outside_makers(store, segment)
    if not makers:
        return None
    members = {r["id"] for r in store.read(SEGMENT_OUTSIDE_FIRMS, {"segment": segment})}
    return sorted(makers | members) if makers - members else None


def read_partners(store: Store, data: LeadData, partners: list[str]) -> None:
    """Names and alliances of these partners (the ones shown, or all for the alliance filter)."""
    partners = sorted(set(partners) - set(data.alliances))
    firms = [p for p in partners if p not in data.names]
    for info in (ENTERPRISE_INFO, INSTITUTE_INFO):
        if firms:
            data.names.update({r["id"]: r for r in store.read(info, {"ids": firms})})
        firms = [p for p in firms if p not in data.names]
    members = [p for p in partners if p in data.in_alliance]
    for label in ("Enterprise", "Institute"):
        if members:
            for r in store.read(ALLIANCES.format(label=label), {"ids": members}):
                data.alliances[r["id"]].append(r)
    for p in partners:
        data.alliances[p] = sorted(data.alliances[p], key=lambda a: a["alliance"])


def exact(weight: float) -> Decimal:
    """A stored weight as the decimal it was written as (repr gives the shortest round-trip text), so
    sums are exact: 0.1 + 0.2 ties with 0.3, and 0.1231 stays below 0.1234."""
    return Decimal(repr(float(weight)))


def _points(kind: str, weight: float | None) -> Decimal:
    """The points of one tie (without its partner's bonuses), exact."""
    return ((1 + (exact(weight) if weight is not None else UNKNOWN_WEIGHT)) if kind == "supply"
            else GROUP_WEIGHT if kind == "group" else RESEARCH_WEIGHT)


def strength(t: dict, data: LeadData) -> Decimal:
    """What one tie adds to its lead's score, its partner's bonuses included (exact); read_leads
    stores it with each tie."""
    bonus = ALLIANCE_BONUS * (t["partner"] in data.in_alliance) + PARTY_BONUS * (t["partner"] in data.party)
    return _points(t["kind"], t["weight"]) + bonus


def shown(value: Decimal) -> str:
    """A score part for the explanation (display only)."""
    return f"{float(value):g}"


def strongest(lead_ties: list[dict], data: LeadData, n: int) -> list[dict]:
    """The ``n`` strongest ties: by strength, then partner id, then in the order the kinds were asked."""
    if len(lead_ties) <= n:
        order = sorted(range(len(lead_ties)), key=lambda i: (-lead_ties[i]["strength"], lead_ties[i]["partner"], i))
        return [lead_ties[i] for i in order]
    ranked = heapq.nsmallest(n, enumerate(lead_ties), key=lambda it: (-it[1]["strength"], it[1]["partner"], it[0]))
    return [t for _, t in ranked]


def explain(kinds: list[tuple[str, int, Decimal]], gap: str, gap_name: str, alliance_n: int,
            party_n: int) -> tuple[str, str]:
    """A score's parts in words (zh, en): each tie kind with its count and points (kinds without ties
    left out), the gap bonus, the partners' alliance and party bonuses."""
    parts_zh, parts_en = [], []
    for kind, n, points in kinds:
        if n:
            parts_zh.append(f"{TIE_ZH[kind]}关系×{n}(+{shown(points)})")
            parts_en.append(f"{kind} tie×{n} (+{shown(points)})")
    if gap:
        parts_zh.append(f"填补{'缺链' if gap == '缺' else '弱链'} {gap_name}(+{shown(GAP_BONUS[gap])})")
        parts_en.append(f"fills {'missing' if gap == '缺' else 'weak'} segment {gap_name} (+{shown(GAP_BONUS[gap])})")
    if alliance_n:
        parts_zh.append(f"园区伙伴属产业链党建联合体×{alliance_n}(+{shown(ALLIANCE_BONUS * alliance_n)})")
        parts_en.append(f"partner in an alliance×{alliance_n} (+{shown(ALLIANCE_BONUS * alliance_n)})")
    if party_n:
        parts_zh.append(f"园区伙伴设有党组织×{party_n}(+{shown(PARTY_BONUS * party_n)})")
        parts_en.append(f"partner has a party organisation×{party_n} (+{shown(PARTY_BONUS * party_n)})")
    return "；".join(parts_zh), "; ".join(parts_en)


def score(lead: str, data: LeadData, weak_threshold: int, extra: dict[str, int] | None = None) -> dict:
    """One lead's score with its explanation, as the leads table shows it."""
    lead_ties = data.ties[lead]
    lead_segments = sorted(data.segments_of[lead])
    partner_ids = sorted({t["partner"] for t in lead_ties})
    total, kinds = Decimal(0), []
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for t in lead_ties:
        by_kind[t["kind"]].append(t)
    for kind, kind_ties in by_kind.items():
        if kind == "supply":
            points = sum(t["points"] for t in kind_ties)
        else:
            points = (GROUP_WEIGHT if kind == "group" else RESEARCH_WEIGHT) * len(kind_ties)
        total += points
        kinds.append((kind, len(kind_ties), points))
    gap_status, gap_segment = "", ""
    for seg in lead_segments:
        if seg in data.segment_names:
            status = data.status(seg, weak_threshold, extra)
            if status in GAP_BONUS and GAP_BONUS[status] > GAP_BONUS.get(gap_status, 0):
                gap_status, gap_segment = status, seg
    if gap_status:
        total += GAP_BONUS[gap_status]
    in_alliance = [p for p in partner_ids if p in data.in_alliance]
    with_party = [p for p in partner_ids if p in data.party]
    total += ALLIANCE_BONUS * len(in_alliance) + PARTY_BONUS * len(with_party)
    explanation_zh, explanation_en = explain(kinds, gap_status, data.segment_names.get(gap_segment, ""),
                                             len(in_alliance), len(with_party))
    # "score" is the exact sum as a float (the table's); "_exact" the decimal the ranking compares.
    return {"lead": lead, "score": float(total), "_exact": total, "gap": gap_status, "ties": len(lead_ties),
            "explanation_zh": explanation_zh, "explanation_en": explanation_en,
            "_segments": lead_segments, "_partners": partner_ids, "_partner_count": len(partner_ids), "_ties": lead_ties}


def passes(row: dict, data: LeadData, segment: str, alliance: str, chain: str) -> bool:
    """The leads filters: in the segment; a partner in the alliance; the lead or a partner in the chain."""
    if segment and segment not in row["_segments"]:
        return False
    if alliance and not any(a["alliance"] == alliance for p in row["_partners"] for a in data.alliances.get(p, ())):
        return False
    if chain:
        firms = [row["lead"], *row["_partners"]]
        touched = {c for f in firms for s in data.segments_of.get(f, ()) for c in data.segment_chains.get(s, ())}
        touched |= {c for f in firms for c in data.chains_of.get(f, ())}
        if chain not in touched:
            return False
    return True
