"""以商招商 leads through products: an out-of-zone firm that makes a product upstream (or downstream) of
what an in-zone firm makes is a lead, explained by its product path and marked inferred
(queries/products.py: product_ties).  Each product path adds PRODUCT_POINTS (0.5), less than any
recorded tie; product partners add no alliance or party bonus (the tie is inferred, not a channel).

Ranking stays exact: the recorded leads come as the exact top k of their own scores
(queries/leads.py: top_leads); a lead with no product path scores the same as before, so it can only
be in the combined top k if it is in that list.  Every lead with a product path is scored here in
full (its recorded ties read by primary key, queries/lead_scoring.py), then both lists are merged.
"""
from __future__ import annotations

from decimal import Decimal

from graph.store import Store
from queries.lead_scoring import (ENTERPRISE_INFO, GAP_BONUS, SEGMENT_CHAINS, SEGMENT_OUTSIDE_FIRMS, LeadData, explain,
                                  firm_segments, read_leads, read_partners, score, strongest)
from queries.products import (PRODUCT_NAMES, PRODUCT_POINTS, chain_products, has_products, names_of,
                              product_sentence, product_sentence_en, product_ties, segment_outside_makers)
from queries.registry import Subgraph
from queries.segments import count_firms

CHAIN_OF_FIRMS = """
UNWIND $ids AS x MATCH (e:Enterprise {id: x})-[:IN_SEGMENT]->(c:Chain) RETURN e.id AS id, c.id AS chain"""


def _product_only(store: Store, leads: list[str], weak_threshold: int) -> tuple[LeadData, dict[str, dict]]:
    """Rows for leads with product paths only: their segments and gap bonus, as score() computes them."""
    data = LeadData()
    for r in firm_segments(store, leads):
        data.segments_of[r["id"]].add(r["segment"])
    segments = sorted({s for lead in leads for s in data.segments_of[lead]})
    for r in store.read(SEGMENT_CHAINS, {"ids": segments}) if segments else []:
        data.segment_names[r["id"]] = r["name"]
        data.segment_chains[r["id"]].add(r["chain"])
    own = sorted({s for lead in leads for s in data.segments_of[lead] if s in data.segment_names})
    data.inside = count_firms(store, own)[0] if own else {}
    data.names = names_of(store, ENTERPRISE_INFO, leads)
    rows = {}
    for lead in leads:
        gap, gap_segment = best_gap(data, lead, weak_threshold)
        total = GAP_BONUS[gap] if gap else Decimal(0)
        explanation_zh, explanation_en = explain([], gap, data.segment_names.get(gap_segment, ""), 0, 0)
        info = data.names.get(lead, {})
        rows[lead] = {"lead": lead, "name": info.get("name") or lead, "region": info.get("region"),
                      "segments": "、".join(data.segment_names[s] for s in sorted(data.segments_of[lead])
                                           if s in data.segment_names),
                      "gap": gap, "ties": 0, "partners": "", "score": float(total), "_exact": total,
                      "explanation_zh": explanation_zh, "explanation_en": explanation_en, "paths": "", "paths_en": "", "partners_en": "",
                      "_segments": sorted(data.segments_of[lead]), "_partners": [], "_paths": [], "_names": {},
                      "_alliances": {}}
    return data, rows


def best_gap(data: LeadData, lead: str, weak_threshold: int, extra: dict[str, int] | None = None) -> tuple[str, str]:
    """(status, segment) of the lead's chain segment with the biggest gap bonus ("" when none), as
    score() picks it; ``extra``: hypothetical in-zone firms (what-if)."""
    gap, gap_segment = "", ""
    for seg in sorted(data.segments_of[lead]):
        if seg in data.segment_names:
            status = data.status(seg, weak_threshold, extra)
            if status in GAP_BONUS and GAP_BONUS[status] > GAP_BONUS.get(gap, 0):
                gap, gap_segment = status, seg
    return gap, gap_segment


def with_product_points(exact: Decimal, n: int) -> Decimal:
    """A score with ``n`` product paths added, exactly as the leads add them."""
    return exact + Decimal(repr(float(PRODUCT_POINTS * n)))


def segment_product_paths(store: Store, segment: str) -> dict[str, int]:
    """{lead: its number of product paths} for the leads in ``segment`` that have any (by IN_SEGMENT
    or by what they make); empty when the zone has no products."""
    if not has_products(store):
        return {}
    ties = product_ties(store)
    return {lead: len(ties[lead]) for lead in sorted(_segment_leads(store, segment, list(ties)))} if ties else {}


def changed_product_only(store: Store, leads: list[str], paths: dict[str, int], extra: dict[str, int],
                         weak_threshold: int) -> list[dict]:
    """What-if for leads with product paths only: those whose gap bonus the hypothetical firms change,
    each with its gap and score before and after (the leads' scores: bonus + product points)."""
    data, rows = _product_only(store, leads, weak_threshold)
    out = []
    for lead in leads:
        gap = best_gap(data, lead, weak_threshold, extra)[0]
        if gap == rows[lead]["gap"]:
            continue
        after = GAP_BONUS[gap] if gap else Decimal(0)
        before_exact = with_product_points(rows[lead]["_exact"], paths[lead])
        after_exact = with_product_points(after, paths[lead])
        out.append({"lead": lead, "name": rows[lead]["name"], "gap_before": rows[lead]["gap"], "gap_after": gap,
                    "score_before": float(before_exact), "score_after": float(after_exact), "_exact": before_exact})
    return out


def _in_chain(store: Store, chain: str, leads: list[str], data: LeadData) -> set[str]:
    """Leads in the chain by their own segments or an IN_SEGMENT to the chain itself."""
    inside = {lead for lead in leads for s in data.segments_of.get(lead, ()) if chain in data.segment_chains.get(s, ())}
    inside |= {r["id"] for r in store.read(CHAIN_OF_FIRMS, {"ids": leads}) if r["chain"] == chain} if leads else set()
    return inside


def add_product_leads(store: Store, rows: list[dict], recorded_kinds: list[str], *, chain: str, segment: str,
                      alliance: str, weak_threshold: int, min_score: float, limit: int, max_paths: int) -> list[dict]:
    """The exact top ``limit`` of recorded rows (described) merged with every lead that has product
    paths; rows come back best first, described, with their product paths in text and ``_product_paths``."""
    if not has_products(store):
        return rows
    ties = product_ties(store)
    if segment:
        ties = {lead: ts for lead, ts in ties.items() if lead in _segment_leads(store, segment, list(ties))}
    if alliance:         # product partners are not a channel: only recorded ties pass the alliance filter
        ties = {}
    if chain and ties:
        products, _ = chain_products(store, chain)
        wanted = set(products)
        by_product = {lead for lead, ts in ties.items()
                      if any(t["product"] in wanted or t["partner_product"] in wanted for t in ts)}
        data0 = LeadData()
        for r in firm_segments(store, sorted(ties)):
            data0.segments_of[r["id"]].add(r["segment"])
        segs = sorted({s for ss in data0.segments_of.values() for s in ss})
        for r in store.read(SEGMENT_CHAINS, {"ids": segs}) if segs else []:
            data0.segment_chains[r["id"]].add(r["chain"])
        keep = by_product | _in_chain(store, chain, sorted(ties), data0)
        ties = {lead: ts for lead, ts in ties.items() if lead in keep}
    if not ties:
        return rows
    by_lead = {r["lead"]: r for r in rows}
    missing = sorted(set(ties) - set(by_lead))
    # Leads with product paths outside the recorded top k: their recorded part scored exactly.
    if missing and recorded_kinds:
        data = read_leads(store, missing, recorded_kinds)
        scored = [score(lead, data, weak_threshold) for lead in data.ties]
        for r in scored:
            r["_paths"] = strongest(r["_ties"], data, max_paths)
        read_partners(store, data, [t["partner"] for r in scored for t in r["_paths"]])
        from queries.leads import describe
        for r in scored:
            describe(r, data)     # its product paths passed the filters: the lead is in
            by_lead[r["lead"]] = r
    only = sorted(set(ties) - set(by_lead))
    data_only, only_rows = _product_only(store, only, weak_threshold)
    by_lead.update(only_rows)
    partners = {t["partner"] for ts in ties.values() for t in ts}
    firm_names = names_of(store, ENTERPRISE_INFO, partners | set(ties))
    product_names = {k: v["name"] for k, v in
                     names_of(store, PRODUCT_NAMES, {p for ts in ties.values() for t in ts
                                                     for p in (t["product"], t["partner_product"])}).items()}
    pname = lambda p: product_names.get(p) or p  # noqa: E731
    fname = lambda f: (firm_names.get(f) or {}).get("name") or f  # noqa: E731
    for lead, ts in ties.items():
        _merge(by_lead[lead], ts, max_paths, fname, pname)
    kept = [r for r in by_lead.values() if r["score"] >= min_score]
    kept.sort(key=lambda r: (-_exact(r), r["lead"]))     # exact scores rank (queries/lead_scoring.py)
    return kept[:limit]


def _exact(row: dict) -> Decimal:
    return row["_exact"] if "_exact" in row else Decimal(repr(float(row["score"])))


def _segment_leads(store: Store, segment: str, leads: list[str]) -> set[str]:
    """These leads that are in ``segment``: by IN_SEGMENT or by what they make."""
    members = {r["id"] for r in store.read(SEGMENT_OUTSIDE_FIRMS, {"segment": segment})}
    return (members | segment_outside_makers(store, segment)) & set(leads)


def add_kept_product_paths(store: Store, rows: list[dict], max_paths: int) -> list[dict]:
    """The product paths kept with each lead (queries/lead_aggregates.py: their count, partners and
    the first few) added to rows ranked from the aggregates (queries/lead_ranking.py)."""
    kept = {r["lead"]: r for r in rows if r.get("_product_paths_n")}
    if not kept:
        return rows
    ties = {lead: r["_product_shown"] for lead, r in kept.items()}
    firm_names = names_of(store, ENTERPRISE_INFO, {t["partner"] for ts in ties.values() for t in ts})
    product_names = {k: v["name"] for k, v in names_of(store, PRODUCT_NAMES, {
        p for ts in ties.values() for t in ts for p in (t["product"], t["partner_product"])}).items()}
    pname = lambda p: product_names.get(p) or p  # noqa: E731
    fname = lambda f: (firm_names.get(f) or {}).get("name") or f  # noqa: E731
    for lead, row in kept.items():
        _merge(row, ties[lead], max_paths, fname, pname, n=row["_product_paths_n"],
               partners_total=row["_product_partners_n"])
    return sorted(rows, key=lambda r: (-_exact(r), r["lead"]))


def _merge(row: dict, ts: list[dict], max_paths: int, fname, pname, *, n: int | None = None,
           partners_total: int | None = None) -> None:
    """Adds a lead's product paths to its row: points, explanation, shown paths (after the recorded
    ones, which are stronger), "and K more", partners.  ``ts``: every product path, or the first
    ones when ``n`` and ``partners_total`` give the whole."""
    n = len(ts) if n is None else n
    points = PRODUCT_POINTS * n
    row["_exact"] = with_product_points(_exact(row), n)
    row["score"] = float(row["_exact"])
    row["explanation_zh"] = "；".join(x for x in (row["explanation_zh"], f"产品上下游关系×{n}(+{points:g}，推断)") if x)
    row["explanation_en"] = "; ".join(x for x in (row["explanation_en"], f"product tie×{n} (+{points:g}, inferred)") if x)
    lines = [line for line in (row["paths"] or "").split("\n") if line and not line.startswith("…及另外")]
    lines_en = [line for line in (row.get("paths_en") or "").split("\n") if line and not line.startswith("… and ")]
    recorded_more = row["ties"] - len(row["_paths"])
    room = max(0, max_paths - len(row["_paths"]))
    shown = ts[:room]
    lead_name = row["name"]
    lines += [product_sentence(t, lead_name, fname(t["partner"]), pname) for t in shown]
    lines_en += [product_sentence_en(t, lead_name, fname(t["partner"]), pname) for t in shown]
    more = recorded_more + n - len(shown)
    if more:
        lines.append(f"…及另外 {more} 条关系 / and {more} more ties")
        lines_en.append(f"… and {more} more ties")
    row["paths"] = "\n".join(lines)
    row["paths_en"] = "\n".join(lines_en)
    row["ties"] += n
    if not row["partners"]:
        shown_partners = list(dict.fromkeys(t["partner"] for t in shown))
        total = len({t["partner"] for t in ts}) if partners_total is None else partners_total
        row["partners"] = "、".join(fname(p) for p in shown_partners) + (f" 等 {total} 家" if total > len(shown_partners) else "")
        row["partners_en"] = ", ".join(fname(p) for p in shown_partners) + (f" ({total} in all)" if total > len(shown_partners) else "")
    row["_product_paths"] = [dict(t, lead_name=lead_name, partner_name=fname(t["partner"]),
                                  product_name=pname(t["product"]), partner_product_name=pname(t["partner_product"]))
                             for t in shown]


def product_graph(row: dict) -> Subgraph:
    """A lead's shown product paths: lead -MAKES-> p -FEEDS- q <-MAKES- partner."""
    graph = Subgraph()
    for t in row.get("_product_paths", []):
        graph.add_node(row["lead"], "Enterprise", row["name"], in_zone=False)
        graph.add_node(t["product"], "Product", t["product_name"])
        graph.add_node(t["partner_product"], "Product", t["partner_product_name"])
        graph.add_node(t["partner"], "Enterprise", t["partner_name"], in_zone=True)
        graph.add_edge(row["lead"], t["product"], "MAKES")
        graph.add_edge(t["partner"], t["partner_product"], "MAKES")
        a, b = (t["product"], t["partner_product"]) if t["side"] == "up" else (t["partner_product"], t["product"])
        graph.add_edge(a, b, "FEEDS", inferred=True)
    return graph
