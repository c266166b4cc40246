"""以商招商 leads: out-of-zone firms tied to in-zone ones, ranked by an explained score, each with the
paths that explain it ("A 供应 B，B 在园区，B 属于 智造先锋 联合体，B 设有党组织").

A hub lead has hundreds of ties: the score counts them all, but a lead lists (and draws) only its
``max_paths`` strongest (queries/lead_scoring.py: strongest), then "…及另外 K 条关系"; its partners
column likewise names the partners of those paths and the total.

Ranking without reading every tie into Python: the engine aggregates, per lead, an upper bound of
its score (tie points + the largest partner bonus per tie + the largest gap bonus) and returns the
best bounds first (ORDER BY … LIMIT).  Those leads are scored exactly (queries/lead_scoring.py,
primary-key reads of their own ties only); a lead left out has a bound below the k-th exact score,
so it cannot be in the top k.  If it could, the next query asks for more: the answer is always
the exact top k, with ties in score broken by lead id as before.
"""
from __future__ import annotations

import pandas as pd

from graph.store import Store
from queries.lead_scoring import (MAX_GAP_BONUS, MAX_PARTNER_BONUS, TIES, LeadData, check_kinds, passes,
                                  read_leads, read_partners, score, segment_by_products, strongest)
from queries import lead_ranking
from queries.registry import QueryResult, Subgraph, query

REL_OF = {"supply": "SUPPLIES", "group": "SUBSIDIARY_OF", "research": "COOPERATES_WITH"}
# Points of one tie; r.weight only when SUPPLIES is in the pattern (LadybugDB refuses a property
# that none of the pattern's relationship types has).
POINTS = {"supply": "WHEN 'SUPPLIES' THEN 1 + coalesce(r.weight, 0.5)", "group": "WHEN 'SUBSIDIARY_OF' THEN 2.0",
          "research": "WHEN 'COOPERATES_WITH' THEN 1.0"}
# Firm ties (both directions of SUPPLIES / SUBSIDIARY_OF, one undirected pattern) and the
# institutes' research ties are ranked by two queries: a labelled partner lets LadybugDB read one
# node table; an unlabelled one (Enterprise or Institute) cost 1.7x over all ties and 9x from a
# segment (1M firms: 1,040 vs 590 ms; 91 vs 10 ms).
TIE_PATTERN = {"firm": "(o:Enterprise)-[r:{rels}]-(i:Enterprise)", "research": "(o:Enterprise)<-[r:{rels}]-(i:Institute)"}
START = {"all": "MATCH ", "segment": "MATCH (:Segment {id: $segment})<-[:IN_SEGMENT]-", "ids": "UNWIND $ids AS x MATCH "}
RANK = """{start}
WHERE o.in_zone = false AND i.in_zone = true
WITH o, count(r) AS n, sum({points}) AS points
WITH o, points + $per_tie * n AS bound WHERE bound >= $floor
RETURN o.id AS lead, bound ORDER BY bound DESC, lead LIMIT $n"""
MAX_RESEARCH_LEADS = 1_000_000   # a bound on the result, far above any zone's research ties

# Candidate leads for the chain and alliance filters (the exact filter is applied after scoring).
# A firm is in a chain through one of its segments (IN_SEGMENT, or making a product a segment
# INCLUDES), or placed on the chain itself (Enterprise-[:IN_SEGMENT]->Chain, which the model
# allows): one query for each way.
CHAIN_OWN = ["""
MATCH (:Chain {id: $chain})<-[:PART_OF]-(:Segment)<-[:IN_SEGMENT]-(o:Enterprise) WHERE o.in_zone = false
RETURN DISTINCT o.id AS id""", """
MATCH (:Chain {id: $chain})<-[:IN_SEGMENT]-(o:Enterprise) WHERE o.in_zone = false RETURN DISTINCT o.id AS id""", """
MATCH (:Chain {id: $chain})<-[:PART_OF]-(:Segment)-[:INCLUDES]->(:Product)<-[:MAKES]-(o:Enterprise)
WHERE o.in_zone = false RETURN DISTINCT o.id AS id"""]
CHAIN_PARTNER = ["""
MATCH (:Chain {{id: $chain}})<-[:PART_OF]-(:Segment)<-[:IN_SEGMENT]-(i:Enterprise)-[r:{rels}]-(o:Enterprise)
WHERE i.in_zone = true AND o.in_zone = false RETURN DISTINCT o.id AS id""", """
MATCH (:Chain {{id: $chain}})<-[:IN_SEGMENT]-(i:Enterprise)-[r:{rels}]-(o:Enterprise)
WHERE i.in_zone = true AND o.in_zone = false RETURN DISTINCT o.id AS id""", """
MATCH (:Chain {{id: $chain}})<-[:PART_OF]-(:Segment)-[:INCLUDES]->(:Product)<-[:MAKES]-(i:Enterprise)-[r:{rels}]-(o:Enterprise)
WHERE i.in_zone = true AND o.in_zone = false RETURN DISTINCT o.id AS id"""]
ALLIANCE_PARTNER = """
MATCH (:Alliance {{id: $alliance}})<-[:MEMBER_OF]-(i)-[r:{rels}]-(o:Enterprise)
WHERE i.in_zone = true AND o.in_zone = false RETURN DISTINCT o.id AS id"""

# Slack between the engine's float sums (the bounds) and Python's exact scores.
EPS = 0.001
COLUMNS = ["rank", "lead", "name", "region", "segments", "gap", "ties", "partners", "score", "explanation_zh",
           "explanation_en", "paths", "paths_en", "partners_en"]
# The explaining sentences in English, by (relationship type, whether the lead is its source): the
# Chinese ones are lead_scoring.TIES'.
SENTENCES_EN = {("SUPPLIES", True): "{lead} supplies {partner}", ("SUPPLIES", False): "{partner} supplies {lead}",
                ("SUBSIDIARY_OF", False): "{partner} is a subsidiary of {lead}",
                ("SUBSIDIARY_OF", True): "{lead} is a subsidiary of {partner}",
                ("COOPERATES_WITH", False): "{partner} cooperates with {lead} in research",
                ("COOPERATES_WITH", True): "{lead} cooperates with {partner} in research"}


def _candidates(store: Store, kinds: list[str], chain: str, alliance: str) -> list[str] | None:
    """Leads that may pass the chain / alliance filters (None: no such filter)."""
    rels = "|".join(REL_OF[k] for k in kinds)
    firm_rels = "|".join(REL_OF[k] for k in kinds if k != "research")
    sets = []
    if chain:
        ids = {r["id"] for cypher in CHAIN_OWN for r in store.read(cypher, {"chain": chain})}
        if firm_rels:
            ids |= {r["id"] for cypher in CHAIN_PARTNER
                    for r in store.read(cypher.format(rels=firm_rels), {"chain": chain})}
        sets.append(ids)
    if alliance:
        sets.append({r["id"] for r in store.read(ALLIANCE_PARTNER.format(rels=rels), {"alliance": alliance})})
    return sorted(set.intersection(*sets)) if sets else None


def _bounds(store: Store, kinds: list[str], start: str, params: dict, floor: float, n: int):
    """Upper bounds of lead scores, ([{lead, bound}], rest): every lead left out has a bound ≤ rest,
    or below ``floor`` when rest is None.  A lead's bound = firm-tie bound + research-tie bound +
    the largest gap bonus; the firm ties' top n come from the engine, every research lead too (few)."""
    def rank(part: str, rels: list[str], floor_: float, n_: int) -> list[dict]:
        pattern = TIE_PATTERN[part].format(rels="|".join(rels))
        if start == "ids":
            pattern = pattern.replace("(o:Enterprise)", "(o:Enterprise {id: x})")
        points = f"CASE {store.type_of('r')} {' '.join(POINTS[k] for k in kinds if REL_OF[k] in rels)} END"
        return store.read(RANK.format(start=START[start] + pattern, points=points), {**params, "floor": floor_, "n": n_})
    firm_rels = [REL_OF[k] for k in kinds if k != "research"]
    research = ({r["lead"]: r["bound"] for r in rank("research", ["COOPERATES_WITH"], 0.0, MAX_RESEARCH_LEADS)}
                if "research" in kinds else {})
    # A lead's firm bound must reach the floor less the most any research ties add.
    floor_firm = floor - MAX_GAP_BONUS - max(research.values(), default=0.0) - EPS
    firm = rank("firm", firm_rels, floor_firm, n) if firm_rels else []
    full = len(firm) == n                      # firm leads beyond the n-th have a firm bound ≤ its
    cut = firm[-1]["bound"] if full else 0.0
    total = {r["lead"]: r["bound"] for r in firm}
    for lead, bound in research.items():       # a research lead outside the firm top n: bound it by the n-th
        total[lead] = total.get(lead, cut) + bound
    bounds = sorted(({"lead": lead, "bound": b + MAX_GAP_BONUS} for lead, b in total.items()
                     if b + MAX_GAP_BONUS >= floor - EPS), key=lambda b: (-b["bound"], b["lead"]))
    return bounds, (cut + MAX_GAP_BONUS if full else None)


def top_leads(store: Store, *, chain: str = "", segment: str = "", alliance: str = "",
              tie_types: list[str] | None = None, weak_threshold: int = 2, min_score: float = 0.0,
              limit: int = 100) -> tuple[list[dict], LeadData]:
    """The exact top ``limit`` leads (score ≥ min_score), best first, with what describes them."""
    kinds = check_kinds(tie_types)
    ids = _candidates(store, kinds, chain, alliance)
    if ids is None and segment:
        ids = segment_by_products(store, segment)
    start = "ids" if ids is not None else "segment" if segment else "all"
    params = {"per_tie": MAX_PARTNER_BONUS, **({"ids": ids} if start == "ids" else {}),
              **({"segment": segment} if start == "segment" else {})}
    # Twice what is asked: usually enough for the stopping rule below to hold at the first round.
    data, rows, floor, n = LeadData(), {}, min_score, 2 * limit + 10
    while True:
        bounds, rest = _bounds(store, kinds, start, params, floor, n)
        new = [b["lead"] for b in bounds if b["lead"] not in data.ties]
        if new:   # read again with the earlier leads: one consistent LeadData (rarely more than one round)
            data = read_leads(store, list(data.ties) + new, kinds, partner_segments=bool(chain),
                              segment=segment if start == "segment" else "")
            if alliance:   # the filter needs every partner's alliances
                read_partners(store, data, [t["partner"] for ts in data.ties.values() for t in ts])
            rows = {lead: score(lead, data, weak_threshold) for lead in data.ties}
        kept = sorted((r for r in rows.values() if r["score"] >= min_score and passes(r, data, segment, alliance, chain)),
                      key=lambda r: (-r["_exact"], r["lead"]))
        if rest is None:
            break                                   # every lead with a high enough bound was read
        kth = kept[limit - 1]["score"] if len(kept) >= limit else min_score
        if rest < kth - EPS:
            break                                   # no lead left out can beat the k-th exact score
        floor, n = max(floor, kth), n * 2
    return kept[:limit], data


def describe(row: dict, data: LeadData) -> None:
    """Names and the explaining sentences of the strongest ties, ``row["_paths"]`` (their partners
    read by read_partners first)."""
    names, alliances, party = data.names, data.alliances, data.party
    lead_name = names.get(row["lead"], {}).get("name") or row["lead"]
    shown = row["_paths"]
    partner_name = lambda p: names.get(p, {}).get("name") or p  # noqa: E731
    sentences, sentences_en = [], []
    for t in shown:
        name = partner_name(t["partner"])
        sentence = t["sentence"].format(lead=lead_name, partner=name) + f"，{name} 在园区"
        english = SENTENCES_EN[(t["rel"], t["lead_is_source"])].format(lead=lead_name, partner=name) + \
            f"; {name} is in the zone"
        for a in alliances[t["partner"]]:
            sentence += f"，{name} 属于 {a['name']} 联合体"
            english += f"; {name} belongs to the {a['name']} alliance"
        if t["partner"] in party:
            sentence += f"，{name} 设有党组织"
            english += f"; {name} has a party organisation"
        sentences.append(sentence)
        sentences_en.append(english)
    more = row["ties"] - len(shown)
    if more:
        sentences.append(f"…及另外 {more} 条关系 / and {more} more ties")
        sentences_en.append(f"… and {more} more ties")
    shown_partners = list(dict.fromkeys(t["partner"] for t in shown))
    partners = "、".join(partner_name(p) for p in shown_partners)
    partners_en = ", ".join(partner_name(p) for p in shown_partners)
    if row["_partner_count"] > len(shown_partners):
        partners += f" 等 {row['_partner_count']} 家"
        partners_en += f" ({row['_partner_count']} in all)"
    row.update({"name": lead_name, "region": names.get(row["lead"], {}).get("region"),
                "segments": "、".join(data.segment_names[s] for s in row["_segments"] if s in data.segment_names),
                "partners": partners, "partners_en": partners_en, "paths": "\n".join(sentences), "paths_en": "\n".join(sentences_en),
                "_alliances": {p: alliances[p] for p in shown_partners},
                "_names": {k: names[k] for k in [row["lead"], *shown_partners] if k in names}})
    row.pop("_ties", None)     # every tie of a hub lead: counted in the score, not carried to the app


def lead_graph(row: dict) -> Subgraph:
    """The explaining paths of one lead (the same capped ones as its text) as a small graph."""
    graph = Subgraph()
    names = row["_names"]
    graph.add_node(row["lead"], "Enterprise", row["name"], in_zone=False)
    for t in row["_paths"]:
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
       "or making a product up/downstream of what in-zone firms make (product, inferred, 0.5 per product path), "
       "ranked by an explained score (every tie counts), each with its max_paths strongest explaining paths; "
       "filter by chain, gap segment or alliance.",
       chain="", segment="", alliance="", tie_types=["supply", "group", "research", "product"], min_score=0.0, limit=100,
       weak_threshold=2, max_paths=5)
def leads(store: Store, chain: str, segment: str, alliance: str, tie_types: list, min_score: float, limit: int,
          weak_threshold: int, max_paths: int = 5) -> QueryResult:
    limit = max(1, min(int(limit), 10_000))
    max_paths = max(1, min(int(max_paths), 1_000))
    recorded = [k for k in tie_types if k != "product"]     # product ties: queries/product_leads.py
    products = "product" in tie_types
    fast = (lead_ranking.applies(check_kinds(recorded or None), chain, alliance) and bool(recorded or not tie_types)
            and (not products or max_paths <= lead_ranking.PATHS_KEPT))   # product paths: the first few are kept
    if fast:
        rows, data = lead_ranking.top_leads(store, segment=segment, weak_threshold=weak_threshold, min_score=min_score,
                                            limit=limit, max_paths=max_paths, products=products)
    else:
        rows, data = (top_leads(store, chain=chain, segment=segment, alliance=alliance, tie_types=recorded,
                                weak_threshold=weak_threshold, min_score=min_score, limit=limit)
                      if recorded or not tie_types else ([], LeadData()))
        for r in rows:
            r["_paths"] = strongest(r["_ties"], data, max_paths)
    read_partners(store, data, [t["partner"] for r in rows for t in r["_paths"]])
    for r in rows:
        describe(r, data)
    from queries.product_leads import add_kept_product_paths, add_product_leads
    if products and fast:
        rows = add_kept_product_paths(store, rows, max_paths)
    elif products:
        rows = add_product_leads(store, rows, recorded, chain=chain, segment=segment, alliance=alliance,
                                 weak_threshold=weak_threshold, min_score=min_score, limit=limit, max_paths=max_paths)
    for rank, r in enumerate(rows, start=1):
        r["rank"] = rank
    graph = Subgraph()
    from queries.product_leads import product_graph
    for r in rows[:20]:
        graph.merge(lead_graph(r))
        graph.merge(product_graph(r))
    table = pd.DataFrame([{k: r[k] for k in COLUMNS} for r in rows], columns=COLUMNS)
    return QueryResult(table, graph, extra={"rows": rows})


@query("gap_leads", "补链线索", "Leads that would fill one gap segment (gap → leads in one call).",
       segment="seg_pv_1", limit=50, weak_threshold=2, max_paths=5)
def gap_leads(store: Store, segment: str, limit: int, weak_threshold: int, max_paths: int = 5) -> QueryResult:
    return leads(store, chain="", segment=segment, alliance="", tie_types=[*TIES, "product"], min_score=0.0, limit=limit,
                 weak_threshold=weak_threshold, max_paths=max_paths)


SEGMENT_LEADS = """
MATCH (:Segment {{id: $segment}})<-[:IN_SEGMENT]-{pattern}
WHERE o.in_zone = false AND i.in_zone = true RETURN DISTINCT o.id AS id LIMIT $cap"""
MAX_SEGMENT_LEADS = 1_000_000   # a bound on the result, far above any segment's firms


def changed_leads(store: Store, segment: str, extra: dict[str, int], weak_threshold: int,
                  inside: int) -> list[dict]:
    """Leads whose score the hypothetical firms change (what-if).  Only the gap bonus can change, and
    only for leads in ``segment``, and only if that segment's status changes: those leads are read
    once and scored twice.  ``inside``: the segment's in-zone firms (the caller has just counted them).
    Scores are the leads' own: a lead's product paths add their points, and a lead with product paths
    only is listed as well (queries/product_leads.py)."""
    from queries.product_leads import changed_product_only, segment_product_paths, with_product_points
    kinds = check_kinds(None)
    counts = LeadData(inside={segment: inside})
    if counts.status(segment, weak_threshold) == counts.status(segment, weak_threshold, extra):
        return []
    by_products = segment_by_products(store, segment)
    if by_products is not None:     # read_leads keeps the ones with ties
        ids = by_products
    else:
        ids = sorted({r["id"] for part, rels in (("firm", "SUPPLIES|SUBSIDIARY_OF"), ("research", "COOPERATES_WITH"))
                      for r in store.read(SEGMENT_LEADS.format(pattern=TIE_PATTERN[part].format(rels=rels)),
                                          {"segment": segment, "cap": MAX_SEGMENT_LEADS})})
    data = read_leads(store, ids, kinds, segment="" if by_products is not None else segment)
    paths = segment_product_paths(store, segment)
    out = []
    for lead in data.ties:
        before, after = score(lead, data, weak_threshold), score(lead, data, weak_threshold, extra)
        if after["_exact"] != before["_exact"]:
            # gap: the bonus's status (缺/弱, "" for none), so a lead losing its bonus shows 缺 → "".
            exact = with_product_points(before["_exact"], paths.get(lead, 0))
            out.append({"lead": lead, "name": data.names.get(lead, {}).get("name") or lead,
                        "gap_before": before["gap"], "gap_after": after["gap"], "score_before": float(exact),
                        "score_after": float(with_product_points(after["_exact"], paths.get(lead, 0))),
                        "_exact": exact})
    only = sorted(set(paths) - set(data.ties))
    out += changed_product_only(store, only, paths, extra, weak_threshold) if only else []
    out.sort(key=lambda r: (-r["_exact"], r["lead"]))
    return [{k: v for k, v in r.items() if k != "_exact"} for r in out]
