"""Why an analysis came back empty, in Chinese and English: an empty table never stands alone
(the CLI prints the reason on stderr, the app under the table).  Only cheap checks, run only when the
answer is empty."""
from __future__ import annotations

from graph.store import Store

ZONE = "MATCH (e:Enterprise) WHERE e.in_zone = true RETURN e.id AS id LIMIT 1"
CHAIN_SEGMENTS = "MATCH (c:Chain {id: $id})<-[:PART_OF]-(s:Segment) RETURN s.id AS id LIMIT 1"
ANY_SEGMENT = "MATCH (s:Segment)-[:PART_OF]->(c:Chain) RETURN s.id AS id LIMIT 1"
TIES = {"Enterprise": "MATCH (n:Enterprise {id: $id})-[:SUPPLIES|MAKES]-(m) RETURN m.id AS id LIMIT 1",
        "Segment": "MATCH (n:Segment {id: $id})-[:FEEDS|INCLUDES]-(m) RETURN m.id AS id LIMIT 1",
        "Product": "MATCH (n:Product {id: $id})-[:FEEDS]-(m:Product) RETURN m.id AS id LIMIT 1"}

NO_ZONE = ("没有企业被标记为园区企业（用 chaingraph zone set --file 名单.csv 或“设置”页指定）"
           " / no firm is marked in-zone (chaingraph zone set --file ours.csv, or the Settings page)")
NO_CHAIN_DATA = "该产业链没有环节或产品数据 / the chain has no segments or product data"
ZONE_ANALYSES = {"panorama", "gaps", "leads", "gap_leads", "what_if"}


def why_empty(store: Store, analysis: str, params: dict) -> str:
    """One sentence "中文 / English" saying why ``analysis`` with ``params`` has no rows."""
    if analysis == "panorama":
        return NO_CHAIN_DATA
    chains = params.get("chains") or []
    if analysis == "gaps" and chains and all(not store.read(CHAIN_SEGMENTS, {"id": c}) for c in chains):
        from queries.products import chain_products
        if not any(chain_products(store, c)[0] for c in chains):
            return NO_CHAIN_DATA
    if analysis in ZONE_ANALYSES and not store.read(ZONE):
        return NO_ZONE
    if analysis == "gaps":
        if not chains and not store.read(ANY_SEGMENT):
            from queries.products import product_chains
            if not product_chains(store):
                return ("没有产业链环节，也没有园区企业所在的产品型产业链 / no chain has segments, and no chain given "
                        "as products holds an in-zone firm")
        return ("所有环节/产品都已有足够的园区企业（强），没有缺链或弱链 / every segment and product has enough "
                f"in-zone firms (weak_threshold={params.get('weak_threshold')}): no gap")
    if analysis in ("leads", "gap_leads"):
        filters = [f"{k}={params[k]}" for k in ("chain", "segment", "alliance") if params.get(k)]
        if params.get("min_score"):
            filters.append(f"min_score={params['min_score']}")
        where = f"（筛选 / filters: {', '.join(filters)}）" if filters else ""
        return ("没有园区外企业与园区企业存在供应、集团、产学研或产品上下游关系" + where +
                " / no out-of-zone firm is tied to an in-zone firm by supply, group, research or product")
    if analysis == "what_if":
        return "该假设不改变任何缺链、弱链 / the hypothesis changes no gap"
    if analysis == "updown":
        from queries.paths import _label_of
        label = _label_of(store, params["id"])
        if label in TIES and not store.read(TIES[label], {"id": params["id"]}):
            return ("该节点没有上下游关系（供应、环节供给或产品上下游）/ the node has no upstream or downstream ties "
                    "(SUPPLIES, FEEDS, MAKES/INCLUDES)")
        return (f"在 {params.get('depth')} 层内没有{'上游' if params.get('direction') == 'up' else '下游' if params.get('direction') == 'down' else '上下游'}"
                f" / nothing {params.get('direction')} within depth {params.get('depth')}")
    if analysis == "search":
        return f"没有名称包含“{params.get('q')}”的节点 / no node's name contains {params.get('q')!r}"
    return "图中没有相关数据 / the graph holds no data for this analysis"
