"""Products in the chain analyses: what firms make (MAKES), which products feed which (FEEDS between
products) and which products a segment or chain includes (INCLUDES).

Real 招商 data is an enterprise directory plus product-level upstream/downstream knowledge; direct
firm-to-firm supply ledgers are rare.  So a firm's suppliers and customers are also *inferred*:
"比亚迪 造 汽车；汽车 的上游材料 铝材；云铝股份 造 铝材".  Every inferred answer carries that path,
and is marked inferred, against *recorded* (a SUPPLIES tie).

Rules (README, "Products in the analyses"):
- updown through products: the start's products (a firm's MAKES, a segment's or chain's INCLUDES, or
  the product itself), then a breadth-first walk over product FEEDS to ``depth`` hops; every firm
  making a reached product is an answer at that product's distance.  Deterministic like
  queries/paths.py: each product's path runs through its smallest-id parent one hop nearer; a firm's
  path through its nearest product (ties by product id); per side the ``cap`` nearest firms, ties by id.
- product leads: an out-of-zone firm o making product p, with p FEEDS q (o is upstream) or q FEEDS p
  (o is downstream) for a product q an in-zone firm i makes (p ≠ q); each (p, q, i) is one product
  path worth PRODUCT_POINTS (0.5), below any recorded tie (≥ 1).
- a chain given as products: its INCLUDES products (its own and its segments'); a chain with neither
  segments nor included products (a Shenwan industry of ChainKG) has the products its firms make
  (firms IN_SEGMENT it or one of its sub-chains, PART_OF).  Per product: in-zone makers → 缺 (none),
  弱 (fewer than weak_threshold), 强.

Everything here runs only when the graph has products (``has_products``), so the bundled and
generated zones pay one tiny query.
"""
from __future__ import annotations

from collections import defaultdict

import networkx as nx
import pandas as pd

from graph.store import Store
from queries.registry import QueryResult, Subgraph, query

PRODUCT_POINTS = 0.5
MAX_PRODUCTS = 20_000        # products reached per side (a bound on the walk, far above a real chain)

HAS_MAKES = "MATCH (e:Enterprise)-[:MAKES]->(p:Product) RETURN p.id AS id LIMIT 1"
HAS_INCLUDES = "MATCH (s:Segment)-[:INCLUDES]->(p:Product) RETURN p.id AS id LIMIT 1"
PRODUCT_NAMES = "UNWIND $ids AS x MATCH (p:Product {id: x}) RETURN p.id AS id, p.name AS name"
FIRM_NAMES = "UNWIND $ids AS x MATCH (e:Enterprise {id: x}) RETURN e.id AS id, e.name AS name, e.in_zone AS in_zone"
FIRM_PRODUCTS = "MATCH (e:Enterprise {id: $id})-[:MAKES]->(p:Product) RETURN p.id AS id ORDER BY id"
SEGMENT_PRODUCTS = "MATCH (s:Segment {id: $id})-[:INCLUDES]->(p:Product) RETURN p.id AS id ORDER BY id"
# Queries over a list of products are written for one id ($x) and run by ``by_ids``.
MAKERS = """
MATCH (e:Enterprise)-[:MAKES]->(p:Product {id: $x}) RETURN p.id AS product, e.id AS firm, e.in_zone AS in_zone"""
# One FEEDS hop from a frontier of products: (a) the frontier side, (b) the next product away.
FEEDS_HOP = {
    "up": "MATCH (b:Product)-[:FEEDS]->(a:Product {id: $x}) RETURN DISTINCT a.id AS a, b.id AS b",
    "down": "MATCH (a:Product {id: $x})-[:FEEDS]->(b:Product) RETURN DISTINCT a.id AS a, b.id AS b",
}
ZONE_PRODUCTS = """
MATCH (i:Enterprise)-[:MAKES]->(q:Product) WHERE i.in_zone = true RETURN i.id AS firm, q.id AS product"""
OUTSIDE_MAKERS = """
MATCH (o:Enterprise)-[:MAKES]->(p:Product {id: $x}) WHERE o.in_zone = false RETURN o.id AS lead, p.id AS product"""
# Up to this many ids LadybugDB answers faster one scalar lookup at a time (~10 ms each on ChainKG's 57k
# FEEDS) than with ``UNWIND $ids`` (planned as a hash join over the whole relationship table: 1-2.5 s
# whatever the list's length) or ``WHERE a.id IN $ids`` (33 s for 2,000 ids).  Neo4j looks each id
# of an UNWIND up in its index.
SCALAR_MAX = 64


def by_ids(store: Store, cypher: str, ids, **params) -> list[dict]:
    """Rows of ``cypher`` (written for one id, ``$x``) for every id in ``ids``."""
    ids = sorted(set(ids))
    if not ids:
        return []
    if store.backend == "embedded" and len(ids) <= SCALAR_MAX:
        return [r for x in ids for r in store.read(cypher, {"x": x, **params})]
    return store.read("UNWIND $ids AS x " + cypher.replace("$x", "x"), {"ids": ids, **params})

# A product path's words, per language: what a firm does to a product, how two products are tied, the joint.
PATH_WORDS = {
    "zh": {"Enterprise": "造", "Segment": "包含", "up": "的上游材料", "down": "的下游产品", "joint": "；"},
    "en": {"Enterprise": "makes", "Segment": "includes", "up": "has upstream material",
           "down": "has downstream product", "joint": "; "},
}


def has_products(store: Store) -> bool:
    """Whether any firm makes any product: the product parts of the analyses are skipped otherwise."""
    return bool(store.read(HAS_MAKES))


def has_includes(store: Store) -> bool:
    """Whether any segment includes a product: only then is a firm in a segment by what it makes."""
    return bool(store.read(HAS_INCLUDES))


# A firm is in a segment when it makes a product the segment INCLUDES, as well as by IN_SEGMENT.
PRODUCT_SEGMENTS_OF = """
MATCH (e:Enterprise {id: $x})-[:MAKES]->(:Product)<-[:INCLUDES]-(s:Segment) RETURN DISTINCT e.id AS id, s.id AS segment"""
SEGMENT_OUTSIDE_MAKERS = """
MATCH (:Segment {id: $segment})-[:INCLUDES]->(:Product)<-[:MAKES]-(e:Enterprise) WHERE e.in_zone = false
RETURN DISTINCT e.id AS id"""


def product_segments(store: Store, firms) -> list[dict]:
    """(id, segment) rows: the segments that include a product one of these firms makes."""
    return by_ids(store, PRODUCT_SEGMENTS_OF, firms) if firms and has_includes(store) else []


def segment_outside_makers(store: Store, segment: str) -> set[str]:
    """The out-of-zone firms that make a product ``segment`` includes."""
    return {r["id"] for r in store.read(SEGMENT_OUTSIDE_MAKERS, {"segment": segment})} if has_includes(store) else set()


def names_of(store: Store, label_query: str, ids) -> dict[str, dict]:
    ids = sorted(set(ids))
    return {r["id"]: r for r in store.read(label_query, {"ids": ids})} if ids else {}


def walk_products(store: Store, starts: list[str], side: str, depth: int) -> dict[str, tuple[int, str | None]]:
    """Breadth-first over product FEEDS: {product: (distance, smallest-id parent one hop nearer)};
    the starts are at distance 0 with no parent."""
    reached: dict[str, tuple[int, str | None]] = {p: (0, None) for p in starts}
    frontier = sorted(starts)
    for distance in range(1, depth + 1):
        if not frontier or len(reached) >= MAX_PRODUCTS:
            break
        parents: dict[str, str] = {}
        for r in by_ids(store, FEEDS_HOP[side], frontier):
            if r["b"] not in reached and (r["b"] not in parents or r["a"] < parents[r["b"]]):
                parents[r["b"]] = r["a"]
        for b in sorted(parents)[:MAX_PRODUCTS - len(reached)]:
            reached[b] = (distance, parents[b])
        frontier = sorted(b for b in parents if b in reached)
    return reached


def product_chain(reached: dict[str, tuple[int, str | None]], product: str) -> list[str]:
    """Start product → … → product."""
    path = [product]
    while reached[path[-1]][1] is not None:
        path.append(reached[path[-1]][1])
    return path[::-1]


def start_products(store: Store, node_id: str, label: str) -> list[str]:
    if label == "Enterprise":
        return [r["id"] for r in store.read(FIRM_PRODUCTS, {"id": node_id})]
    if label == "Segment":
        return [r["id"] for r in store.read(SEGMENT_PRODUCTS, {"id": node_id})]
    if label == "Product":
        return [node_id]
    return []


def inferred_updown(store: Store, node_id: str, label: str, side: str, depth: int, cap: int,
                    skip: set[str] = frozenset()) -> tuple[list[dict], bool]:
    """Firms up- or downstream of ``node_id`` through products, by the rule in the module docstring.
    Rows: {firm, distance, products (start product → … → the firm's product)}; ``skip``: firms already
    answered (recorded ties), and the start itself, are left out.  Returns (rows, truncated)."""
    starts = start_products(store, node_id, label)
    if not starts:
        return [], False
    reached = walk_products(store, starts, side, depth)
    beyond = [p for p, (d, _) in reached.items() if d > 0]
    best: dict[str, tuple[int, str]] = {}
    for r in by_ids(store, MAKERS, beyond):
        firm, product = r["firm"], r["product"]
        if firm == node_id or firm in skip:
            continue
        key = (reached[product][0], product)
        if firm not in best or key < best[firm]:
            best[firm] = key
    kept = sorted(best, key=lambda f: (best[f][0], f))
    rows = [{"firm": f, "distance": best[f][0], "products": product_chain(reached, best[f][1])} for f in kept[:cap]]
    return rows, len(kept) > cap


def explain_path(start_name: str, start_label: str, products: list[str], firm_name: str, side: str,
                 pname, lang: str = "zh") -> str:
    """"比亚迪 造 汽车；汽车 的上游材料 铝材；云铝股份 造 铝材" (``lang="en"``: "比亚迪 makes 汽车; 汽车 has
    upstream material 铝材; 云铝股份 makes 铝材"; names as the data has them)."""
    words = PATH_WORDS[lang]
    head = [f"{start_name} {words[start_label]} {pname(products[0])}"] if start_label in ("Enterprise", "Segment") \
        else []                                              # a product starts the path itself
    parts = head + [f"{pname(a)} {words[side]} {pname(b)}" for a, b in zip(products, products[1:])]
    return words["joint"].join(parts + [f"{firm_name} {words['Enterprise']} {pname(products[-1])}"])


# --- leads through products --------------------------------------------------------------------------

def product_ties(store: Store) -> dict[str, list[dict]]:
    """Every product path of every out-of-zone lead: {lead: [{side, product, partner_product, partner}]},
    sorted by (partner, product, partner_product, side).  ``side`` is where the lead sits: up (it makes
    an upstream material of what the partner makes) or down."""
    zone_products: dict[str, set[str]] = defaultdict(set)          # product -> in-zone makers
    for r in store.read(ZONE_PRODUCTS):
        zone_products[r["product"]].add(r["firm"])
    if not zone_products:
        return {}
    ids = sorted(zone_products)
    neighbours: dict[str, list[tuple[str, str]]] = defaultdict(list)   # lead product p -> [(side, q)]
    for side in ("up", "down"):
        for r in by_ids(store, FEEDS_HOP[side], ids):
            if r["a"] != r["b"]:
                neighbours[r["b"]].append((side, r["a"]))
    ties: dict[str, list[dict]] = defaultdict(list)
    if not neighbours:
        return {}
    for r in by_ids(store, OUTSIDE_MAKERS, neighbours):
        for side, q in neighbours[r["product"]]:
            for partner in zone_products[q]:
                ties[r["lead"]].append({"side": side, "product": r["product"], "partner_product": q,
                                        "partner": partner})
    return {lead: sorted(ts, key=lambda t: (t["partner"], t["product"], t["partner_product"], t["side"]))
            for lead, ts in ties.items()}


def product_sentence(t: dict, lead_name: str, partner_name: str, pname) -> str:
    p, q = pname(t["product"]), pname(t["partner_product"])
    relation = f"{q} 的上游材料 {p}" if t["side"] == "up" else f"{q} 的下游产品 {p}"
    return f"{lead_name} 造 {p}；{relation}；{partner_name} 造 {q}，{partner_name} 在园区（经产品推断）"


def product_sentence_en(t: dict, lead_name: str, partner_name: str, pname) -> str:
    p, q = pname(t["product"]), pname(t["partner_product"])
    relation = f"{p} is an input to {q}" if t["side"] == "up" else f"{p} is made from {q}"
    return f"{lead_name} makes {p}; {relation}; {partner_name} makes {q}; {partner_name} is in the zone (inferred)"


# --- chains given as products ------------------------------------------------------------------------

CHAIN_INCLUDES = "MATCH (c:Chain {id: $chain})-[:INCLUDES]->(p:Product) RETURN p.id AS id"
CHAIN_SEGMENT_INCLUDES = """
MATCH (c:Chain {id: $chain})<-[:PART_OF]-(s:Segment)-[:INCLUDES]->(p:Product) RETURN p.id AS id"""
CHAIN_HAS_SEGMENTS = "MATCH (c:Chain {id: $chain})<-[:PART_OF]-(s:Segment) RETURN s.id AS id LIMIT 1"
CHAIN_TREE = "MATCH (a:Chain)-[:PART_OF]->(b:Chain) RETURN a.id AS a, b.id AS b"
CHAINS_FIRM_PRODUCTS = """
UNWIND $ids AS x MATCH (c:Chain {id: x})<-[:IN_SEGMENT]-(e:Enterprise)-[:MAKES]->(p:Product)
RETURN DISTINCT p.id AS id"""

ZONE_CHAINS = """
MATCH (e:Enterprise)-[:IN_SEGMENT]->(c:Chain) WHERE e.in_zone = true RETURN DISTINCT c.id AS id"""
INCLUDES_CHAINS = """
MATCH (c:Chain)-[:INCLUDES]->(p:Product) RETURN DISTINCT c.id AS id"""


def sub_chains(store: Store, chain: str) -> list[str]:
    tree = nx.DiGraph()
    tree.add_edges_from((r["a"], r["b"]) for r in store.read(CHAIN_TREE))
    return sorted({chain} | (nx.ancestors(tree, chain) if chain in tree else set()))


def chain_products(store: Store, chain: str) -> tuple[list[str], str]:
    """The chain's products and where they come from: 'includes' (INCLUDES of the chain or its
    segments), 'firms' (a chain with neither segments nor INCLUDES: what its firms make), '' (none)."""
    listed = {r["id"] for q in (CHAIN_INCLUDES, CHAIN_SEGMENT_INCLUDES) for r in store.read(q, {"chain": chain})}
    if listed:
        return sorted(listed), "includes"
    if store.read(CHAIN_HAS_SEGMENTS, {"chain": chain}):
        return [], ""
    made = {r["id"] for r in store.read(CHAINS_FIRM_PRODUCTS, {"ids": sub_chains(store, chain)})}
    return sorted(made), "firms" if made else ""


def product_chains(store: Store) -> list[str]:
    """Chains answered as products in gaps over every chain: those with INCLUDES, and the segment-less
    chains an in-zone firm is in (a Shenwan industry of ChainKG)."""
    if not has_products(store):
        return []
    ids = {r["id"] for r in store.read(INCLUDES_CHAINS)}
    for c in sorted(r["id"] for r in store.read(ZONE_CHAINS)):
        if not store.read(CHAIN_HAS_SEGMENTS, {"chain": c}):
            ids.add(c)
    return sorted(ids)


def product_state(store: Store, products: list[str]) -> dict:
    """Makers per product (in-zone ids, out-of-zone count), names, and FEEDS among these products."""
    inside: dict[str, set[str]] = {p: set() for p in products}
    outside: dict[str, int] = dict.fromkeys(products, 0)
    for r in by_ids(store, MAKERS, products):
        if r["in_zone"] is True:
            inside[r["product"]].add(r["firm"])
        else:
            outside[r["product"]] += 1
    wanted = set(products)
    feeds = nx.DiGraph()
    feeds.add_nodes_from(products)
    feeds.add_edges_from(sorted((r["a"], r["b"]) for r in by_ids(store, FEEDS_HOP["down"], products)
                                if r["b"] in wanted and r["a"] != r["b"]))
    names = {k: v["name"] for k, v in names_of(store, PRODUCT_NAMES, products).items()}
    firm_names = {k: v["name"] for k, v in names_of(store, FIRM_NAMES, {f for s in inside.values() for f in s}).items()}
    return {"inside": inside, "outside": outside, "feeds": feeds, "names": names, "firm_names": firm_names}


def status_of(n: int, weak_threshold: int) -> str:
    return "缺" if n == 0 else "弱" if n < weak_threshold else "强"


def ordered_products(state: dict) -> list[str]:
    """Upstream → downstream along FEEDS, ties by id; a FEEDS cycle falls back to id order."""
    try:
        return list(nx.lexicographical_topological_sort(state["feeds"]))
    except nx.NetworkXUnfeasible:
        return sorted(state["feeds"])


def product_gap_rows(store: Store, chain: str, chain_name: str, weak_threshold: int) -> list[dict]:
    """Missing (缺) and weak (弱) products of a chain given as products, with the gap score's rule:
    3 if missing else 1, +2 per strong FEEDS neighbour in the chain, +0.5 per out-of-zone maker."""
    products, source = chain_products(store, chain)
    if not products:
        return []
    state = product_state(store, products)
    out = []
    for p in ordered_products(state):
        firms = len(state["inside"][p])
        status = status_of(firms, weak_threshold)
        if status == "强":
            continue
        ups, downs = sorted(state["feeds"].predecessors(p)), sorted(state["feeds"].successors(p))
        strong = [q for q in ups + downs if status_of(len(state["inside"][q]), weak_threshold) == "强"]
        candidates = state["outside"][p]
        score = (3 if status == "缺" else 1) + 2 * len(strong) + 0.5 * candidates
        name = state["names"].get(p, p)

        def names(ids):
            return "、".join(f"{state['names'].get(q, q)}({len(state['inside'][q])}家)" for q in ids) or "无"
        makers = "、".join(sorted(state["firm_names"].get(f, f) for f in state["inside"][p])) or "无"
        reason_zh = (f"{'缺链' if status == '缺' else '弱链'}产品：园区内{firms}家企业生产（{makers}）；"
                     f"上游 {names(ups)}；下游 {names(downs)}；{len(strong)}个强产品依赖它；园外生产企业{candidates}家"
                     + ("；产品来自该产业链企业的主营产品" if source == "firms" else ""))
        reason_en = (f"{'missing' if status == '缺' else 'weak'} product: made by {firms} in-zone firm(s); "
                     f"{len(strong)} strong neighbour(s) depend on it; {candidates} out-of-zone maker(s)")
        out.append({"chain": chain, "chain_name": chain_name, "segment": p, "name": name, "status": status,
                    "status_en": "missing" if status == "缺" else "weak", "in_zone_firms": firms,
                    "upstream": "、".join(state["names"].get(q, q) for q in ups),
                    "downstream": "、".join(state["names"].get(q, q) for q in downs),
                    "strong_neighbours": len(strong), "projects": 0, "candidates": candidates, "score": score,
                    "reason_zh": reason_zh, "reason_en": reason_en, "kind": "product"})
    return out


def product_panorama(store: Store, chain: str, weak_threshold: int):
    """A chain given as products, upstream → downstream: (rows in the panorama's columns, FEEDS edges,
    source of the products)."""
    products, source = chain_products(store, chain)
    state = product_state(store, products)
    rows = []
    for position, p in enumerate(ordered_products(state), start=1):
        firms = len(state["inside"][p])
        status = status_of(firms, weak_threshold)
        rows.append({"position": position, "segment": p, "name": state["names"].get(p, p), "stage": None,
                     "in_zone_firms": firms,
                     "key_firms": "、".join(sorted(state["firm_names"].get(f, f) for f in state["inside"][p])),
                     "out_of_zone_firms": state["outside"][p], "projects": 0, "investment": 0.0, "institutes": 0,
                     "status": status, "status_en": {"缺": "missing", "弱": "weak", "强": "strong"}[status],
                     "kind": "product"})
    return rows, list(state["feeds"].edges), source


def panorama_result(store: Store, chain: str, chain_name: str, weak_threshold: int):
    """The panorama QueryResult of a chain without segments (its products in place of segments)."""
    rows, edges, source = product_panorama(store, chain, weak_threshold)
    graph = Subgraph()
    for r in rows:
        graph.add_node(r["segment"], "Product", r["name"], status=r["status"], firms=r["in_zone_firms"],
                       position=r["position"])
    for a, b in edges:
        graph.add_edge(a, b, "FEEDS")
    columns = ["position", "segment", "name", "stage", "in_zone_firms", "key_firms", "out_of_zone_firms", "projects",
               "investment", "institutes", "status", "status_en", "kind"]
    return QueryResult(pd.DataFrame(rows, columns=columns), graph,
                       extra={"chain_support": [], "chain_name": chain_name, "products_from": source})


def product_gaps(store: Store, chains: list[str] | None, with_segments: set[str], names: dict[str, str],
                 weak_threshold: int) -> list[dict]:
    """Gap rows of the chains given as products (asked for, or product_chains when None)."""
    if not has_products(store):
        return []
    wanted = product_chains(store) if chains is None else chains
    out = []
    for chain in wanted:
        if chain not in with_segments:
            out += product_gap_rows(store, chain, names.get(chain, chain), weak_threshold)
    return out


FIRMS_BY_INCLUDED = """
MATCH (s:Segment)-[:INCLUDES]->(p:Product)<-[:MAKES]-(e:Enterprise) WHERE s.id IN $ids
RETURN DISTINCT s.id AS segment, e.id AS firm, e.in_zone AS in_zone"""
ALL_FIRMS_BY_INCLUDED = """
MATCH (s:Segment)-[:INCLUDES]->(p:Product)<-[:MAKES]-(e:Enterprise)
RETURN DISTINCT s.id AS segment, e.id AS firm, e.in_zone AS in_zone"""
SEGMENT_MEMBERS = """
MATCH (s:Segment)<-[:IN_SEGMENT]-(e:Enterprise) WHERE s.id IN $ids RETURN s.id AS segment, e.id AS firm"""


def firms_by_included(store: Store, ids: list[str] | None) -> dict[str, dict[str, bool]]:
    """Firms in a segment because they make one of its INCLUDES products and have no IN_SEGMENT to it:
    {segment: {firm: in_zone}}.  Empty (one LIMIT 1 query) when no segment includes a product."""
    if not has_includes(store):
        return {}
    found: dict[str, dict[str, bool]] = defaultdict(dict)
    rows = store.read(ALL_FIRMS_BY_INCLUDED) if ids is None else store.read(FIRMS_BY_INCLUDED, {"ids": ids})
    for r in rows:
        found[r["segment"]][r["firm"]] = r["in_zone"] is True
    for r in store.read(SEGMENT_MEMBERS, {"ids": sorted(found)}) if found else []:
        found[r["segment"]].pop(r["firm"], None)
    return {s: f for s, f in found.items() if f}


def add_inferred_updown(store: Store, node_id: str, label: str, start_name: str | None, sides: list[str],
                        depth: int, cap: int, rows: list[dict], graph) -> bool:
    """updown's inferred rows (basis "inferred"), appended to ``rows`` and drawn into ``graph``: firms
    already answered on a side by a recorded tie are not repeated.  Returns whether a side was capped."""
    if label not in ("Enterprise", "Segment", "Product") or not has_products(store):
        return False
    truncated, found = False, {}
    for side in sides:
        recorded = {r["id"] for r in rows if r["direction"] == side}
        found[side], cut = inferred_updown(store, node_id, label, side, depth, cap, recorded)
        truncated |= cut
    products = {p for side in found.values() for r in side for p in r["products"]}
    pnames = {k: v["name"] for k, v in names_of(store, PRODUCT_NAMES, products | ({node_id} if label == "Product" else set())).items()}
    firms = names_of(store, FIRM_NAMES, {r["firm"] for side in found.values() for r in side})
    pname = lambda p: pnames.get(p) or p  # noqa: E731
    start = start_name if start_name is not None else pname(node_id)
    graph.add_node(node_id, label, start, start=True)
    for side, found_rows in found.items():
        for r in found_rows:
            firm = firms.get(r["firm"], {})
            firm_name = firm.get("name") or r["firm"]
            rows.append({"direction": side, "id": r["firm"], "name": firm_name, "distance": r["distance"],
                         "in_zone": firm.get("in_zone"), "basis": "inferred",
                         "path": explain_path(start, label, r["products"], firm_name, side, pname),
                         "path_en": explain_path(start, label, r["products"], firm_name, side, pname, "en")})
            chain = r["products"]
            if label != "Product":
                graph.add_node(chain[0], "Product", pname(chain[0]))
                graph.add_edge(node_id, chain[0], "MAKES" if label == "Enterprise" else "INCLUDES")
            for a, b in zip(chain, chain[1:]):
                graph.add_node(a, "Product", pname(a))
                graph.add_node(b, "Product", pname(b))
                graph.add_edge(*((b, a) if side == "up" else (a, b)), "FEEDS")
            graph.add_node(r["firm"], "Enterprise", firm_name, in_zone=firm.get("in_zone"))
            graph.add_edge(r["firm"], chain[-1], "MAKES", inferred=True)
    return truncated


MAKERS_OF = """
MATCH (e:Enterprise)-[m:MAKES]->(p:Product {id: $product})
RETURN e.id AS id, e.name AS name, e.in_zone AS in_zone, m.weight AS weight ORDER BY id LIMIT $cap"""


@query("product_makers", "产品生产企业", "The firms that make a product (in-zone first, then by revenue share): "
       "who could fill a missing or weak product.", product="", limit=200)
def product_makers(store: Store, product: str, limit: int) -> QueryResult:
    if not store.read("MATCH (p:Product {id: $id}) RETURN p.id AS id", {"id": product}):
        raise ValueError(f"unknown product {product!r} / 未找到该产品")
    rows = store.read(MAKERS_OF, {"product": product, "cap": 1_000_000})
    rows.sort(key=lambda r: (r["in_zone"] is not True, -(r["weight"] or 0), r["id"]))
    return QueryResult(pd.DataFrame(rows[:limit], columns=["id", "name", "in_zone", "weight"]))
