"""The exact top-k 以商招商 leads from the maintained aggregates (queries/lead_aggregates.py): a scan of
the firms that are leads ordered by their stored score, then, for the k shown, only their strongest
ties, chosen inside the engine.  Nothing here reads every tie of a hub.

Exactness: the engine orders by a float (the stored score plus the gap bonus); every lead whose
float is within EPS of the k-th is read, and their exact decimal scores (from the stored decimal
supply points and the counts) decide, ties by lead id, as queries/lead_scoring.score does.  A
lead's shown ties are the strongest ties stored with it (queries/lead_aggregates.py), or, when more
are asked for, read as lead_aggregates.strongest_ties reads them.

Used for the default tie kinds without a chain or alliance filter (leads, gap_leads); the other
cases take queries/leads.py's bound-and-read path.
"""
from __future__ import annotations

from decimal import Decimal

from graph.store import Store
from queries.lead_aggregates import EPS, PATHS_KEPT, decode_path, strongest_ties
from queries.lead_scoring import (ALLIANCE_BONUS, GAP_BONUS, GROUP_WEIGHT, PARTY_BONUS, RESEARCH_WEIGHT, TIE_ZH,
                                  TIES, LeadData, shown)

START = {"all": "MATCH (o:Enterprise)", "segment": "MATCH (:Segment {id: $segment})<-[:IN_SEGMENT]-(o:Enterprise)"}
GAP = (f"CASE WHEN o.lead_gap_min = 0 THEN {float(GAP_BONUS['缺'])} "
       f"WHEN o.lead_gap_min < $weak THEN {float(GAP_BONUS['弱'])} ELSE 0.0 END")
LEADS_ABOVE = "{start} WHERE o.in_zone = false AND o.lead_ties > 0 AND o.lead_score + " + GAP + " >= $floor"
# Two steps: the order from two stored values of every lead, then the rest of the ones kept, by id
# (reading every value of every lead before the top-k cost 1.8x).
RANK = LEADS_ABOVE + """
RETURN o.id AS lead, o.lead_score + """ + GAP + """ AS s ORDER BY s DESC, lead LIMIT $n"""
FIGURES = """
UNWIND $ids AS x MATCH (o:Enterprise {id: x})
RETURN o.id AS lead, o.name AS name, o.region AS region, o.lead_supply_ties AS supply,
       o.lead_supply_exact AS supply_exact, o.lead_group_ties AS grp, o.lead_research_ties AS research,
       o.lead_partners AS partners, o.lead_alliance_n AS alliance, o.lead_party_n AS party, o.lead_gap_min AS gap_min,
       o.lead_paths AS paths"""
SEGMENTS = LEADS_ABOVE + """
MATCH (o)-[:IN_SEGMENT]->(seg:Segment)
RETURN o.id AS lead, seg.id AS segment, seg.name AS name, seg.lead_inside AS inside"""

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
    figures = {r["lead"]: r for r in store.read(FIGURES, {"ids": [r["lead"] for r in rows]})} if rows else {}
    for r in rows:
        r.update(figures[r["lead"]])
        r["_gap"] = _gap(r["gap_min"], params["weak"])
        r["_exact"] = _exact(r, GAP_BONUS.get(r["_gap"], Decimal(0)))
    kept = sorted((r for r in rows if r["_exact"] >= Decimal(repr(float(min_score)))),
                  key=lambda r: (-r["_exact"], r["lead"]))
    return kept[:limit]


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
    if max_paths <= PATHS_KEPT:     # the stored strongest ties: a prefix of the exact order
        paths = {r["lead"]: [decode_path(p) for p in (r["paths"] or [])[:max_paths]] for r in rows}
    else:
        leads = LEADS_ABOVE.format(start=START[start])
        paths = strongest_ties(store, leads, {**params, "floor": cut}, max_paths, any(r["research"] for r in rows))
    for t in (t for ts in paths.values() for t in ts):
        if t["in_alliance"]:
            data.in_alliance.add(t["partner"])
        if t["party"]:
            data.party.add(t["partner"])
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
