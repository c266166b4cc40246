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
from queries.lead_aggregates import (EPS, PATHS_KEPT, PRODUCT_MARK, decode_path, decode_product_path, strongest_ties,
                                     unpack_figures)
from queries.lead_scoring import (ALLIANCE_BONUS, GAP_BONUS, GROUP_WEIGHT, MAX_GAP_BONUS, PARTY_BONUS, RESEARCH_WEIGHT,
                                  TIES, LeadData, explain, segment_by_products)
from queries.products import PRODUCT_POINTS, by_ids, has_includes, has_products

# A segment's leads: from its IN_SEGMENT ties, or, when some are in it by what they make only, by id.
START = {"all": "MATCH (o:Enterprise)", "segment": "MATCH (:Segment {id: $segment})<-[:IN_SEGMENT]-(o:Enterprise)",
         "ids": "UNWIND $ids AS x MATCH (o:Enterprise {id: x})"}
GAP = (f"CASE WHEN o.lead_gap_min = 0 THEN {float(GAP_BONUS['缺'])} "
       f"WHEN o.lead_gap_min < $weak THEN {float(GAP_BONUS['弱'])} ELSE 0.0 END")
# With product paths (inferred, PRODUCT_POINTS each) or recorded ties only.
IS_LEAD = {True: "(o.lead_ties > 0 OR o.lead_product_paths > 0)", False: "o.lead_ties > 0"}
SCORE = {True: f"o.lead_score + {PRODUCT_POINTS} * o.lead_product_paths", False: "o.lead_score"}
LEADS_ABOVE = "{start} WHERE o.in_zone = false AND {is_lead} AND {score} + " + GAP + " >= $floor{bound}"
# Neo4j, every lead, recorded ties only: the leads whose stored score can reach the k-th, found by its
# range index on lead_score instead of reading every firm's properties (0.6 s a query at 100k firms).
# The k-th score is at least the lowest of the k best stored scores with their gap bonus, and a gap adds
# at most MAX_GAP_BONUS (the bound is an inequality on the stored value: the answer is the same).
# The hint: with $low a parameter the planner guessed the lead_ties index better (46,798 rows read
# against ~100 by lead_score; 1.2 s against 0.2 s a query at 100k firms).
BOUND = " AND o.lead_score >= $low"
BOUND_HINT = " USING INDEX o:Enterprise(lead_score)"
BEST_STORED = """
MATCH (o:Enterprise)""" + BOUND_HINT + """ WHERE o.lead_score >= 0.0 AND o.in_zone = false AND {is_lead}
RETURN {score} + """ + GAP + """ AS s ORDER BY o.lead_score DESC LIMIT $n"""
# Two steps: the order from two stored values of every lead, then the rest of the ones kept, by id
# (reading every value of every lead before the top-k cost 1.8x).
RANK = LEADS_ABOVE + """
RETURN o.id AS lead, {score} + """ + GAP + """ AS s ORDER BY s DESC, lead LIMIT $n"""
FIGURES = """
UNWIND $ids AS x MATCH (o:Enterprise {id: x})
RETURN o.id AS lead, o.name AS name, o.region AS region, o.lead_gap_min AS gap_min, o.lead_figures AS figures,
       o.lead_product_paths AS product_paths, o.lead_shown AS shown"""
SEGMENTS = LEADS_ABOVE + """
MATCH (o)-[:IN_SEGMENT]->(seg:Segment)
RETURN o.id AS lead, seg.id AS segment, seg.name AS name, seg.lead_inside AS inside"""
# The segments that include a product a lead makes (queries/products.product_segments), with the same columns.
PRODUCT_SEGMENTS = """
MATCH (o:Enterprise {id: $x})-[:MAKES]->(:Product)<-[:INCLUDES]-(seg:Segment)
RETURN DISTINCT o.id AS lead, seg.id AS segment, seg.name AS name, seg.lead_inside AS inside"""

def applies(kinds: list[str], chain: str, alliance: str) -> bool:
    """The default tie kinds (in their order: it orders the explanation), no chain or alliance filter."""
    return kinds == list(TIES) and not chain and not alliance


def _exact(r: dict, gap: Decimal) -> Decimal:
    return (r["supply_exact"] + GROUP_WEIGHT * r["group_ties"] + RESEARCH_WEIGHT * r["research_ties"] +
            ALLIANCE_BONUS * r["alliance_n"] + PARTY_BONUS * r["party_n"] + gap)


def _gap(gap_min: int | None, weak_threshold: int) -> str:
    return "" if gap_min is None else "缺" if gap_min == 0 else "弱" if gap_min < weak_threshold else ""


def _text(cypher: str, start: str, products: bool, bound: bool = False) -> str:
    return cypher.format(start=START[start] + (BOUND_HINT if bound else ""), is_lead=IS_LEAD[products],
                         score=SCORE[products], bound=BOUND if bound else "")


def _bounded(store: Store, start: str, products: bool) -> bool:
    """Whether BOUND applies: Neo4j (LadybugDB has no index to seek it by), every lead, and a score that
    is the stored one plus the gap: recorded ties only, or no firm makes any product (no product path)."""
    return store.backend == "neo4j" and start == "all" and (not products or not has_products(store))


def _low(store: Store, params: dict, limit: int, floor: float, products: bool) -> float:
    """BOUND's value: no lead with a lower stored score can be in the top ``limit`` at or above ``floor``."""
    best = store.read(_text(BEST_STORED, "all", products), {**params, "n": limit})
    kth = min(r["s"] for r in best) if len(best) >= limit else floor
    return max(floor, kth) - MAX_GAP_BONUS - EPS


def _ranked(store: Store, start: str, params: dict, limit: int, min_score: float, products: bool) -> list[dict]:
    """The leads that can be in the exact top ``limit`` (score ≥ min_score), with their exact scores
    (``_exact``: recorded ties and gap; ``_rank``: with the product paths, the order)."""
    n = limit + 10
    bound = _bounded(store, start, products)
    if bound:
        params = {**params, "low": _low(store, params, limit, min_score, products)}
    while True:
        rows = store.read(_text(RANK, start, products, bound), {**params, "floor": min_score - EPS, "n": n})
        kth = rows[limit - 1]["s"] if len(rows) >= limit else None
        if len(rows) < n or kth is None or rows[-1]["s"] < kth - EPS:
            break          # every lead within EPS of the k-th is in hand
        n *= 2
    figures = {r["lead"]: r for r in store.read(FIGURES, {"ids": [r["lead"] for r in rows]})} if rows else {}
    for r in rows:
        r.update(figures[r["lead"]])
        r.update(unpack_figures(r["figures"]))
        r["_gap"] = _gap(r["gap_min"], params["weak"])
        r["_exact"] = _exact(r, GAP_BONUS.get(r["_gap"], Decimal(0)))
        r["_rank"] = r["_exact"] + (Decimal(repr(PRODUCT_POINTS)) * r["product_paths"] if products else 0)
    kept = sorted((r for r in rows if r["_rank"] >= Decimal(repr(float(min_score)))),
                  key=lambda r: (-r["_rank"], r["lead"]))
    return kept[:limit]


def top_leads(store: Store, *, segment: str, weak_threshold: int, min_score: float, limit: int,
              max_paths: int, products: bool) -> tuple[list[dict], LeadData]:
    """Rows as queries/lead_scoring.score makes them, with ``_paths`` (the strongest ties) filled in;
    with ``products``, ranked with their product paths too (queries/product_leads.add_kept_product_paths
    adds them to the rows)."""
    members = segment_by_products(store, segment) if segment else None
    start = "ids" if members is not None else "segment" if segment else "all"
    params = {"weak": int(weak_threshold), **({"segment": segment} if start == "segment" else {}),
              **({"ids": members} if start == "ids" else {})}
    rows = _ranked(store, start, params, limit, min_score, products)
    data = LeadData()
    if not rows:
        return [], data
    ids = {r["lead"] for r in rows}
    cut = min(r["s"] for r in rows) - EPS
    data.names = {r["lead"]: {"id": r["lead"], "name": r["name"], "region": r["region"]} for r in rows}
    inside = {}
    bound = _bounded(store, start, products)
    if bound:    # every lead at or above the cut: its stored score is at most a gap bonus below it
        params = {**params, "low": cut - MAX_GAP_BONUS}
    placed = store.read(_text(SEGMENTS, start, products, bound), {**params, "floor": cut})
    if has_includes(store):
        placed += by_ids(store, PRODUCT_SEGMENTS, ids)
    for r in placed:
        if r["lead"] in ids:
            data.segments_of[r["lead"]].add(r["segment"])
            if r["inside"] is not None:          # a segment of a chain
                data.segment_names[r["segment"]] = r["name"]
                inside[r["segment"]] = r["inside"]
    data.inside = inside
    if max_paths <= PATHS_KEPT:     # the stored strongest ties: a prefix of the exact order
        paths = {r["lead"]: [decode_path(p) for p in r["shown"] if not p.startswith(PRODUCT_MARK)][:max_paths]
                 for r in rows}
    else:
        leads = _text(LEADS_ABOVE, start, products, bound)
        paths = strongest_ties(store, leads, {**params, "floor": cut}, max_paths, any(r["research_ties"] for r in rows))
    for t in (t for ts in paths.values() for t in ts):
        if t["in_alliance"]:
            data.in_alliance.add(t["partner"])
        if t["party"]:
            data.party.add(t["partner"])
    return [_row(r, data, paths.get(r["lead"], []), weak_threshold) for r in rows], data


def _row(r: dict, data: LeadData, paths: list[dict], weak_threshold: int) -> dict:
    """One lead's row, its explanation worded as queries/lead_scoring.score words it."""
    kinds = [("supply", r["supply_ties"], r["supply_exact"]), ("group", r["group_ties"], GROUP_WEIGHT * r["group_ties"]),
             ("research", r["research_ties"], RESEARCH_WEIGHT * r["research_ties"])]
    segments = sorted(data.segments_of[r["lead"]])
    gap, gap_name = r["_gap"], ""
    if gap:    # the first segment (by id) with the gap's status, as score() names it
        gap_name = data.segment_names[next(s for s in segments if s in data.segment_names and
                                           data.status(s, weak_threshold) == gap)]
    explanation_zh, explanation_en = explain(kinds, gap, gap_name, r["alliance_n"], r["party_n"])
    return {"lead": r["lead"], "score": float(r["_exact"]), "_exact": r["_exact"], "gap": gap,
            "ties": r["supply_ties"] + r["group_ties"] + r["research_ties"], "explanation_zh": explanation_zh,
            "explanation_en": explanation_en, "_segments": segments, "_partner_count": r["partners"],
            "_paths": paths, "_product_paths_n": r["product_paths"], "_product_partners_n": r["product_partners"],
            "_product_shown": [decode_product_path(p) for p in r["shown"] if p.startswith(PRODUCT_MARK)]}
