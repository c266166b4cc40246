"""企业画像: one enterprise as a planner asks about it — what it makes, where it sits in the chains,
its recorded partners (supply, group, research) and the partners inferred from products (it makes
p; q feeds p; a firm makes q), its party organisation and alliances, its projects and demands, and
the leads that run through it (通过本企业可招引: out-of-zone firms tied to it, scored as the leads
analysis scores them).

One long table, one row per fact, ``section`` saying which list it belongs to, so the CLI prints it
and the app groups it; each list is capped (``cap``) and says how many it did not show.
"""
from __future__ import annotations

import pandas as pd

from graph.schema import english_value
from graph.store import Store
from queries.lead_scoring import check_kinds, read_leads, score
from queries.registry import QueryResult, Subgraph, query

# section -> (Chinese title, English title)
SECTIONS = {
    "product": ("主营产品", "Products it makes"),
    "segment": ("所在产业链环节", "Chain segments"),
    "supplier": ("供应商（记录）", "Suppliers (recorded)"),
    "customer": ("客户（记录）", "Customers (recorded)"),
    "parent": ("母公司", "Parent company"),
    "subsidiary": ("子公司", "Subsidiaries"),
    "research": ("产学研合作机构", "Research partners"),
    "supplier_inferred": ("潜在供应商（经产品推断）", "Possible suppliers (inferred from products)"),
    "customer_inferred": ("潜在客户（经产品推断）", "Possible customers (inferred from products)"),
    "party": ("党组织", "Party organisation"),
    "alliance": ("产业链党建联合体", "Alliances"),
    "project_invested": ("投资的项目", "Projects it invests in"),
    "project_referred": ("引荐的项目（以商招商）", "Projects it referred"),
    "demand": ("诉求", "Demands"),
    "lead": ("通过本企业可招引", "Leads through this firm"),
    "as_lead": ("作为招商线索", "As a lead itself"),
}
COLUMNS = ["section", "section_zh", "id", "name", "in_zone", "detail_zh", "detail_en"]

FIRM = "MATCH (e:Enterprise {id: $id}) RETURN e.id AS id, e.name AS name, e.in_zone AS in_zone"
BY_NAME = "MATCH (e:Enterprise) WHERE e.name = $name RETURN e.id AS id ORDER BY id LIMIT 10"
# Each list: rows (capped) and, in a second query, how many there are.
LISTS = {
    "product": "MATCH (e:Enterprise {id: $id})-[:MAKES]->(n:Product) RETURN n.id AS id, n.name AS name",
    "segment": ("MATCH (e:Enterprise {id: $id})-[:IN_SEGMENT]->(n:Segment) OPTIONAL MATCH (n)-[:PART_OF]->(c:Chain) "
                "RETURN n.id AS id, n.name AS name, n.stage AS a, c.name AS b"),
    "chain": "MATCH (e:Enterprise {id: $id})-[:IN_SEGMENT]->(n:Chain) RETURN n.id AS id, n.name AS name",
    "supplier": ("MATCH (n:Enterprise)-[r:SUPPLIES]->(e:Enterprise {id: $id}) "
                 "RETURN n.id AS id, n.name AS name, n.in_zone AS in_zone, r.product AS a, r.weight AS b"),
    "customer": ("MATCH (e:Enterprise {id: $id})-[r:SUPPLIES]->(n:Enterprise) "
                 "RETURN n.id AS id, n.name AS name, n.in_zone AS in_zone, r.product AS a, r.weight AS b"),
    "parent": ("MATCH (e:Enterprise {id: $id})-[:SUBSIDIARY_OF]->(n:Enterprise) "
               "RETURN n.id AS id, n.name AS name, n.in_zone AS in_zone"),
    "subsidiary": ("MATCH (n:Enterprise)-[:SUBSIDIARY_OF]->(e:Enterprise {id: $id}) "
                   "RETURN n.id AS id, n.name AS name, n.in_zone AS in_zone"),
    "research": ("MATCH (n:Institute)-[:COOPERATES_WITH]->(e:Enterprise {id: $id}) "
                 "RETURN n.id AS id, n.name AS name, n.in_zone AS in_zone, n.kind AS a"),
    # it makes p; q feeds p; another firm makes q (and the mirror image downstream)
    "supplier_inferred": ("MATCH (e:Enterprise {id: $id})-[:MAKES]->(p:Product)<-[:FEEDS]-(q:Product)"
                          "<-[:MAKES]-(n:Enterprise) WHERE n.id <> $id "
                          "RETURN DISTINCT n.id AS id, n.name AS name, n.in_zone AS in_zone, q.name AS a, p.name AS b"),
    "customer_inferred": ("MATCH (e:Enterprise {id: $id})-[:MAKES]->(p:Product)-[:FEEDS]->(q:Product)"
                          "<-[:MAKES]-(n:Enterprise) WHERE n.id <> $id "
                          "RETURN DISTINCT n.id AS id, n.name AS name, n.in_zone AS in_zone, q.name AS a, p.name AS b"),
    "party": ("MATCH (n:PartyOrg)-[:BASED_IN]->(e:Enterprise {id: $id}) "
              "RETURN n.id AS id, n.name AS name, n.form AS a, n.honour AS b"),
    "alliance": "MATCH (e:Enterprise {id: $id})-[:MEMBER_OF]->(n:Alliance) RETURN n.id AS id, n.name AS name",
    "project_invested": ("MATCH (n:Project)-[:INVESTED_BY]->(e:Enterprise {id: $id}) "
                         "RETURN n.id AS id, n.name AS name, n.status AS a, n.investment AS b"),
    "project_referred": ("MATCH (n:Project)-[:REFERRED_BY]->(e:Enterprise {id: $id}) "
                         "RETURN n.id AS id, n.name AS name, n.status AS a, n.investment AS b"),
    "demand": ("MATCH (n:Demand)-[:RAISED_BY]->(e:Enterprise {id: $id}) "
               "RETURN n.id AS id, n.name AS name, n.category AS a, n.status AS b"),
}
# Sections whose ``a`` is a vocabulary word (stage, institute kind, party form, project status, demand
# category); a demand's ``b`` is its status.  (A party organisation's honour, ``b``, is free text.)
VOCABULARY_A = {"segment", "research", "party", "project_invested", "project_referred", "demand"}
LABEL_OF = {"product": "Product", "segment": "Segment", "chain": "Chain", "research": "Institute",
            "party": "PartyOrg", "alliance": "Alliance", "project_invested": "Project",
            "project_referred": "Project", "demand": "Demand"}
# Out-of-zone firms tied to an in-zone firm by supply or group: the leads that run through it.
TIED_OUT_OF_ZONE = """
MATCH (e:Enterprise {id: $id})-[:SUPPLIES|SUBSIDIARY_OF]-(n:Enterprise) WHERE n.in_zone = false
RETURN DISTINCT n.id AS id ORDER BY id"""
MAX_LEAD_CANDIDATES = 100_000    # a bound on the result, far above any firm's ties


def resolve_firm(store: Store, given: str) -> str:
    """An enterprise id from an id or an exact name; a clear error otherwise."""
    given = str(given).strip()
    if store.read(FIRM, {"id": given}):
        return given
    found = [r["id"] for r in store.read(BY_NAME, {"name": given})]
    if len(found) == 1:
        return found[0]
    if found:
        raise ValueError(f"{given!r} names {len(found)} enterprises: {', '.join(found)} — give the id / 同名企业有多家，请用编号")
    raise ValueError(f"no enterprise with id or name {given!r} / 没有编号或名称为 {given!r} 的企业")


def _detail(section: str, r: dict, firm: str) -> tuple[str, str]:
    """(Chinese, English) detail of a row; the schema's vocabulary words (a stage, a kind, a status,
    a category, a party organisation's form) in English in the English one; names as the data has them."""
    a, b = r.get("a"), r.get("b")
    a_en = english_value(a) if section in VOCABULARY_A else a
    b_en = english_value(b) if section == "demand" else b
    if section == "segment":
        return f"{b or ''}·{a or ''}".strip("·"), f"{b or ''} · {a_en or ''}".strip(" ·")
    if section in ("supplier", "customer"):
        weight = f"，权重 {b:g}" if isinstance(b, (int, float)) else ""
        return f"产品 {a or '未注明'}{weight}", f"product {a or 'not stated'}" + (f", weight {b:g}" if weight else "")
    if section == "supplier_inferred":
        return (f"{r['name']} 造 {a}；{a} 是 {b} 的上游；{firm} 造 {b}",
                f"{r['name']} makes {a}; {a} feeds {b}; {firm} makes {b}")
    if section == "customer_inferred":
        return (f"{firm} 造 {b}；{b} 是 {a} 的上游；{r['name']} 造 {a}",
                f"{firm} makes {b}; {b} feeds {a}; {r['name']} makes {a}")
    if section in ("project_invested", "project_referred"):
        money = f"，{b:g} 亿元" if isinstance(b, (int, float)) else ""
        return f"{a or ''}{money}", f"{a_en or ''}" + (f", {b:g} 100M yuan" if money else "")
    parts = [str(x) for x in (a, b) if x not in (None, "")]
    return "，".join(parts), ", ".join(str(x) for x in (a_en, b_en) if x not in (None, ""))


def _leads_through(store: Store, firm: str, weak_threshold: int, cap: int) -> tuple[list[dict], int]:
    """Out-of-zone firms tied to ``firm``, with their full lead scores (every tie, not only this one)."""
    ids = [r["id"] for r in store.read(TIED_OUT_OF_ZONE + " LIMIT $cap", {"id": firm, "cap": MAX_LEAD_CANDIDATES})]
    if not ids:
        return [], 0
    data = read_leads(store, ids, check_kinds(None))
    scored = sorted((score(lead, data, weak_threshold) for lead in data.ties), key=lambda r: (-r["score"], r["lead"]))
    rows = []
    for r in scored[:cap]:
        via = [t for t in r["_ties"] if t["partner"] == firm]
        names = data.names.get(r["lead"], {})
        rows.append({"id": r["lead"], "name": names.get("name") or r["lead"], "in_zone": False,
                     "score": r["score"],
                     "detail_zh": f"得分 {r['score']:g}：{r['explanation_zh']}；经本企业的关系 {len(via)} 条",
                     "detail_en": f"score {r['score']:g}: {r['explanation_en']}; {len(via)} tie(s) through this firm"})
    return rows, len(scored)


@query("firm", "企业画像", "One enterprise (id or exact name): products, segments, recorded and product-inferred "
       "upstream/downstream partners, party organisation, alliances, projects, demands, and the leads that run "
       "through it (通过本企业可招引); each list capped at ``cap`` with a count of the rest.",
       id="ent_jingao", cap=50, weak_threshold=2)
def firm(store: Store, id: str, cap: int, weak_threshold: int) -> QueryResult:
    if not 1 <= int(cap) <= 1000:
        raise ValueError(f"cap must be 1…1000, not {cap} / cap 取值 1…1000")
    cap = int(cap)
    firm_id = resolve_firm(store, id)
    me = store.read(FIRM, {"id": firm_id})[0]
    rows, hidden = [], {}
    graph = Subgraph()
    graph.add_node(firm_id, "Enterprise", me["name"], in_zone=me["in_zone"])
    for section, cypher in LISTS.items():
        found = store.read(cypher + " ORDER BY id LIMIT $cap", {"id": firm_id, "cap": cap + 1})
        shown_section = "segment" if section == "chain" else section
        if len(found) > cap:
            total = store.read(f"{cypher.split(' RETURN ')[0]} RETURN count(DISTINCT n) AS n", {"id": firm_id})[0]["n"]
            hidden[shown_section] = hidden.get(shown_section, 0) + total - cap
            found = found[:cap]
        for r in found:
            zh, en = _detail(section, r, me["name"])
            rows.append({"section": shown_section, "id": r["id"], "name": r["name"], "in_zone": r.get("in_zone"),
                         "detail_zh": zh, "detail_en": en})
            label = LABEL_OF.get(section, "Enterprise")
            graph.add_node(r["id"], label, r["name"], in_zone=r.get("in_zone"))
            a, b = (r["id"], firm_id) if section in ("supplier", "subsidiary", "research", "party", "supplier_inferred",
                                                     "project_invested", "project_referred", "demand") else (firm_id, r["id"])
            graph.add_edge(a, b, _rel(section))
    if me["in_zone"]:
        leads, total = _leads_through(store, firm_id, weak_threshold, cap)
        rows += [{"section": "lead", **{k: r[k] for k in ("id", "name", "in_zone", "detail_zh", "detail_en")}}
                 for r in leads]
        if total > cap:
            hidden["lead"] = total - cap
    else:
        data = read_leads(store, [firm_id], check_kinds(None))
        if firm_id in data.ties:
            r = score(firm_id, data, weak_threshold)
            rows.append({"section": "as_lead", "id": firm_id, "name": me["name"], "in_zone": False,
                         "detail_zh": f"得分 {r['score']:g}：{r['explanation_zh']}",
                         "detail_en": f"score {r['score']:g}: {r['explanation_en']}"})
    for row in rows:
        row["section_zh"] = SECTIONS[row["section"]][0]
    table = pd.DataFrame(rows, columns=COLUMNS)
    return QueryResult(table, graph, extra={"firm": me, "hidden": hidden, "sections": SECTIONS})


def _rel(section: str) -> str:
    return {"product": "MAKES", "segment": "IN_SEGMENT", "chain": "IN_SEGMENT", "supplier": "SUPPLIES",
            "customer": "SUPPLIES", "parent": "SUBSIDIARY_OF", "subsidiary": "SUBSIDIARY_OF",
            "research": "COOPERATES_WITH", "party": "BASED_IN", "alliance": "MEMBER_OF",
            "project_invested": "INVESTED_BY", "project_referred": "REFERRED_BY", "demand": "RAISED_BY",
            "supplier_inferred": "FEEDS", "customer_inferred": "FEEDS"}[section]
