"""The exact top-k 以商招商 leads from the maintained aggregates (queries/lead_aggregates.py): a scan of
the firms that are leads ordered by their stored score, then, for the k shown, only their strongest
ties, chosen inside the engine.  Nothing here reads every tie of a hub.

Exactness: the engine orders by a float (the stored score plus the gap bonus); every lead whose
float is within EPS of the k-th is read, and their exact decimal scores (from the stored decimal
supply points and the counts) decide, ties by lead id, as queries/lead_scoring.score does.  A
lead's strongest ties likewise: each query returns, per lead, the ties whose float strength is
within EPS of its n-th strongest, and the exact strengths decide.

Used for the default tie kinds without a chain or alliance filter (leads, gap_leads); the other
cases take queries/leads.py's bound-and-read path.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from graph.store import Store
from queries.lead_aggregates import FIRM_POINTS, PATHS_KEPT, STRENGTH
from queries.lead_scoring import (ALLIANCE_BONUS, GAP_BONUS, GROUP_WEIGHT, PARTY_BONUS, RESEARCH_WEIGHT, TIE_ZH,
                                  TIES, LeadData, _points, shown)

EPS = 1e-6     # far above the float error of a score (sums of at most millions of terms below 10^4)
START = {"all": "MATCH (o:Enterprise)", "segment": "MATCH (:Segment {id: $segment})<-[:IN_SEGMENT]-(o:Enterprise)"}
GAP = (f"CASE WHEN o.lead_gap_min = 0 THEN {float(GAP_BONUS['缺'])} "
       f"WHEN o.lead_gap_min < $weak THEN {float(GAP_BONUS['弱'])} ELSE 0.0 END")
LEADS_ABOVE = "{start} WHERE o.in_zone = false AND o.lead_ties > 0 AND o.lead_score + " + GAP + " >= $floor"
RANK = LEADS_ABOVE + """
RETURN o.id AS lead, o.name AS name, o.region AS region, o.lead_score + """ + GAP + """ AS s,
       o.lead_supply_ties AS supply, o.lead_supply_exact AS supply_exact, o.lead_group_ties AS grp,
       o.lead_research_ties AS research, o.lead_partners AS partners, o.lead_alliance_n AS alliance,
       o.lead_party_n AS party, o.lead_gap_min AS gap_min
ORDER BY s DESC, lead LIMIT $n"""
SEGMENTS = LEADS_ABOVE + """
MATCH (o)-[:IN_SEGMENT]->(seg:Segment)
RETURN o.id AS lead, seg.id AS segment, seg.name AS name, seg.lead_inside AS inside"""

# A tie's float strength (points + the partner's bonuses), as lead_scoring.strength computes it exactly.
# (pattern, points, weight, lead is the source): one query per direction, as the sentence depends on
# it (LadybugDB's start_node() of an undirected match names the pattern's left node, not the source).
PATTERNS = {"out": ("(o)-[r:SUPPLIES|SUBSIDIARY_OF]->(i:Enterprise)", FIRM_POINTS, "r.weight", True),
            "in": ("(o)<-[r:SUPPLIES|SUBSIDIARY_OF]-(i:Enterprise)", FIRM_POINTS, "r.weight", False),
            "research": ("(o)<-[r:COOPERATES_WITH]-(i:Institute)", "1.0", "1.0", False)}
# Per lead, the ties within EPS of its n-th strongest (the n-th: LadybugDB sorts the list of
# strengths, Neo4j collects them in order), as rows.
STRONGEST = {
    # the default number of paths: the maintained cut makes it a filter
    "kept": LEADS_ABOVE + """
MATCH {pattern} WHERE i.in_zone = true
WITH o, r, i, {strength} AS s WHERE s >= o.lead_path_cut - $eps
RETURN o.id AS lead, i.id AS partner, {type_r} AS rel, {weight} AS weight, i.lead_alliance AS a, i.lead_party AS b""",
    "embedded": LEADS_ABOVE + """
MATCH {pattern} WHERE i.in_zone = true
WITH o, r, i, {strength} AS s
WITH o, list_sort(collect(s), 'DESC') AS ss,
     collect({{s: s, partner: i.id, rel: {type_r}, weight: {weight}, a: i.lead_alliance, b: i.lead_party}}) AS ts
WITH o, ts, list_min(list_slice(ss, 1, $paths)) - $eps AS cut
UNWIND ts AS t
WITH o, t, cut WHERE t.s >= cut
RETURN o.id AS lead, t.partner AS partner, t.rel AS rel, t.weight AS weight, t.a AS a, t.b AS b""",
    "neo4j": LEADS_ABOVE + """
MATCH {pattern} WHERE i.in_zone = true
WITH o, r, i, {strength} AS s ORDER BY s DESC
WITH o, collect({{s: s, partner: i.id, rel: {type_r}, weight: {weight}, a: i.lead_alliance, b: i.lead_party}}) AS ts
WITH o, ts, ts[..$paths][-1].s - $eps AS cut
UNWIND ts AS t
WITH o, t, cut WHERE t.s >= cut
RETURN o.id AS lead, t.partner AS partner, t.rel AS rel, t.weight AS weight, t.a AS a, t.b AS b"""}
# (relationship type, lead is its source) -> (position in TIES order, kind, sentence)
ENTRIES = {(rel, source): (position, kind, sentence) for position, (kind, rel, source, sentence) in
           enumerate((k, *e) for k in TIES for e in TIES[k])}


def applies(kinds: list[str], chain: str, alliance: str) -> bool:
    """The default tie kinds (in their order: it orders the explanation), no chain or alliance filter."""
    return kinds == list(TIES) and not chain and not alliance


def _exact(r: dict, gap: Decimal) -> Decimal:
    return (Decimal(r["supply_exact"]) + GROUP_WEIGHT * r["grp"] + RESEARCH_WEIGHT * r["research"] +
            ALLIANCE_BONUS * r["alliance"] + PARTY_BONUS * r["party"] + gap)


def _gap(gap_min: int | None, weak_threshold: int) -> str:
    return "" if gap_min is None else "缺" if gap_min == 0 else "弱" if gap_min < weak_threshold else ""


def _ranked(store: Store, start: str, params: dict, limit: int, min_score: float) -> list[dict]:
    """The leads that can be in the exact top ``limit`` (score ≥ min_score), with their exact scores."""
    n = limit + 10
    while True:
        rows = store.read(RANK.format(start=START[start]), {**params, "floor": min_score - EPS, "n": n})
        kth = rows[limit - 1]["s"] if len(rows) >= limit else None
        if len(rows) < n or kth is None or rows[-1]["s"] < kth - EPS:
            break          # every lead within EPS of the k-th is in hand
        n *= 2
    for r in rows:
        r["_gap"] = _gap(r["gap_min"], params["weak"])
        r["_exact"] = _exact(r, GAP_BONUS.get(r["_gap"], Decimal(0)))
    kept = sorted((r for r in rows if r["_exact"] >= Decimal(repr(float(min_score)))),
                  key=lambda r: (-r["_exact"], r["lead"]))
    return kept[:limit]


def _strongest(store: Store, start: str, params: dict, cut: float, ids: set[str], research: bool,
               max_paths: int, data: LeadData) -> dict[str, list[dict]]:
    """Each lead's ``max_paths`` strongest ties, exactly ordered (strength, partner, kind order)."""
    found: dict[str, list[tuple]] = defaultdict(list)
    for part, (pattern, points, weight, out) in PATTERNS.items():
        if part == "research" and not research:
            continue
        text = STRONGEST["kept" if max_paths == PATHS_KEPT else store.backend].format(
            start=START[start], pattern=pattern, type_r=store.type_of("r"), weight=weight,
            strength=STRENGTH.format(points=points.format(type_r=store.type_of("r"))))
        for t in store.read(text, {**params, "floor": cut, "paths": max_paths, "eps": EPS}):
            if t["lead"] in ids:
                position, kind, sentence = ENTRIES[(t["rel"], out)]
                weight_ = t["weight"] if t["rel"] == "SUPPLIES" else 1.0
                pts = _points(kind, weight_)
                in_alliance, party = bool(t["a"]), bool(t["b"])
                if in_alliance:
                    data.in_alliance.add(t["partner"])
                if party:
                    data.party.add(t["partner"])
                strength = pts + ALLIANCE_BONUS * in_alliance + PARTY_BONUS * party
                found[t["lead"]].append((-strength, t["partner"], position, {
                    "kind": kind, "partner": t["partner"], "weight": weight_, "sentence": sentence, "rel": t["rel"],
                    "lead_is_source": out, "points": pts, "strength": strength}))
    return {lead: [t for *_, t in sorted(ts, key=lambda x: x[:3])[:max_paths]] for lead, ts in found.items()}


def top_leads(store: Store, *, segment: str, weak_threshold: int, min_score: float, limit: int,
              max_paths: int) -> tuple[list[dict], LeadData]:
    """Rows as queries/lead_scoring.score makes them, with ``_paths`` (the strongest ties) filled in."""
    start = "segment" if segment else "all"
    params = {"weak": int(weak_threshold), **({"segment": segment} if segment else {})}
    rows = _ranked(store, start, params, limit, min_score)
    data = LeadData()
    if not rows:
        return [], data
    ids = {r["lead"] for r in rows}
    cut = min(r["s"] for r in rows) - EPS
    data.names = {r["lead"]: {"id": r["lead"], "name": r["name"], "region": r["region"]} for r in rows}
    inside = {}
    for r in store.read(SEGMENTS.format(start=START[start]), {**params, "floor": cut}):
        if r["lead"] in ids:
            data.segments_of[r["lead"]].add(r["segment"])
            if r["inside"] is not None:          # a segment of a chain
                data.segment_names[r["segment"]] = r["name"]
                inside[r["segment"]] = r["inside"]
    data.inside = inside
    paths = _strongest(store, start, params, cut, ids, any(r["research"] for r in rows), max_paths, data)
    return [_row(r, data, paths.get(r["lead"], []), weak_threshold) for r in rows], data


def _row(r: dict, data: LeadData, paths: list[dict], weak_threshold: int) -> dict:
    """One lead's row, its explanation worded as queries/lead_scoring.score words it."""
    parts_zh, parts_en = [], []
    supply = Decimal(r["supply_exact"])
    for kind, n, points in (("supply", r["supply"], supply), ("group", r["grp"], GROUP_WEIGHT * r["grp"]),
                            ("research", r["research"], RESEARCH_WEIGHT * r["research"])):
        if n:
            parts_zh.append(f"{TIE_ZH[kind]}关系×{n}(+{shown(points)})")
            parts_en.append(f"{kind} tie×{n} (+{shown(points)})")
    segments = sorted(data.segments_of[r["lead"]])
    gap, gap_segment = r["_gap"], ""
    if gap:    # the first segment (by id) with the gap's status, as score() names it
        gap_segment = next(s for s in segments if s in data.segment_names and
                           data.status(s, weak_threshold) == gap)
        name = data.segment_names[gap_segment]
        parts_zh.append(f"填补{'缺链' if gap == '缺' else '弱链'} {name}(+{shown(GAP_BONUS[gap])})")
        parts_en.append(f"fills {'missing' if gap == '缺' else 'weak'} segment {name} (+{shown(GAP_BONUS[gap])})")
    if r["alliance"]:
        parts_zh.append(f"园区伙伴属产业链党建联合体×{r['alliance']}(+{shown(ALLIANCE_BONUS * r['alliance'])})")
        parts_en.append(f"partner in an alliance×{r['alliance']} (+{shown(ALLIANCE_BONUS * r['alliance'])})")
    if r["party"]:
        parts_zh.append(f"园区伙伴设有党组织×{r['party']}(+{shown(PARTY_BONUS * r['party'])})")
        parts_en.append(f"partner has a party organisation×{r['party']} (+{shown(PARTY_BONUS * r['party'])})")
    return {"lead": r["lead"], "score": float(r["_exact"]), "_exact": r["_exact"], "gap": gap,
            "ties": r["supply"] + r["grp"] + r["research"], "explanation_zh": "；".join(parts_zh),
            "explanation_en": "; ".join(parts_en), "_segments": segments, "_partner_count": r["partners"],
            "_paths": paths}
