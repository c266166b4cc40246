"""Search by name fragment across labels, and the capped neighbourhood of a set of nodes — the two
queries behind the app's interactive explorer."""
from __future__ import annotations

import unicodedata
from collections import Counter

import pandas as pd

from graph import schema
from graph.store import Store
from queries.dialect import Dialect
from queries.registry import QueryResult, Subgraph, query
from queries.resolve import resolved_label

# Every label in one query (UNION ALL, a LIMIT per label): one round trip instead of one per label,
# which on Neo4j was most of the search (10 labels × 3-4 ms).  The label names come from the schema.
SEARCH = """
MATCH (n:{label}) WHERE {match}
RETURN n.id AS id, n.name AS name, '{label}' AS label LIMIT $cap"""
# A fragment without letters that have a case (Chinese, digits) matches the name as stored, which
# Neo4j's text index on name answers (graph/schema.py; 100k firms, no match: 72 → 4 ms); lower() would
# read every name.  The same matches: lowering changes only cased letters, and a cased letter never
# lowers to caseless ones (combining marks aside, refused by ``caseless``).
CONTAINS = {True: "n.name CONTAINS $q OR n.id = $q", False: "lower(n.name) CONTAINS $q OR lower(n.id) = $q"}
# Neo4j: a label whose matches the LIMIT cut may hold exact and prefix matches past it: its exact
# matches are read too, and, when fewer than ``limit`` of the matches read start with the fragment,
# its first prefix matches by name, so prefix matches rank ahead of the matches inside a name (the
# shorter first among those read).  Ordered by name, a caseless prefix is a range-index seek that
# stops at the LIMIT (~1 ms for a prefix every firm has; ordered by length: 70 ms).
EXACT = {True: "n.name = $q OR n.id = $q", False: "lower(n.name) = $q OR lower(n.id) = $q"}
PREFIX = {True: "n.name STARTS WITH $q", False: "lower(n.name) STARTS WITH $q"}
BY_NAME = """
MATCH (n:{label}) WHERE {match}
RETURN n.id AS id, n.name AS name, '{label}' AS label ORDER BY name LIMIT $cap"""
SEARCHABLE = [n.name for n in schema.NODE_LABELS]
# LadybugDB reads all of a label's names when its matches are sparse, LIMIT or not (100 of 100k firms:
# 6 ms, as a whole scan), so there each label's matches come ranked in the search's own order, its
# first ``cap`` kept: exact, then prefix, then the rest, the shorter first, by name, by id — the exact
# ranking, in one scan (the second query above cost it ~5 ms more).  100k firms, by hand: 企业00001
# 17 → 13 ms; 企业, which every name holds, 11 → 24; a fragment nothing holds 9-11 → 13.  The keys
# are computed before the ORDER BY (as expressions in it: 27 ms for 企业).  Neo4j ends its index scan
# at the LIMIT; ranking every match would read them all.
RANKED = """
MATCH (n:{label}) WHERE {match}
WITH n, CASE WHEN {exact} THEN 0 WHEN {prefix} THEN 1 ELSE 2 END AS rank, size(n.name) AS length
ORDER BY rank, length, n.name, n.id LIMIT $cap
RETURN n.id AS id, n.name AS name, '{label}' AS label"""
RANK = {True: ("n.name = $q OR n.id = $q", "n.name STARTS WITH $q"),
        False: ("lower(n.name) = $q OR lower(n.id) = $q", "lower(n.name) STARTS WITH $q")}

# Neo4j has no index for lower(name): a fragment with Latin letters read every name (75 ms at 100k
# firms).  Its text index finds the names that contain a spelling of the fragment's head, one
# NodeIndexContainsScan each, and lower() then checks only those (the search: 72 → 2 ms).  A spelling
# is any string whose lowering is the head: every character whose lowering is that ASCII character
# (tests check the table against every code point; İ lowers to i + a combining dot, so it may stand
# for an i).
SPELLINGS = {"i": "iI\u0130", "k": "kK\u212a"}
MOST_SPELLINGS = 32


def spellings(text: str) -> list[str] | None:
    """The spellings of the longest head of ``text`` that has at most MOST_SPELLINGS of them; None
    when ``text`` is not ASCII (lowered)."""
    if not text.isascii():
        return None
    found = [""]
    for ch in text:
        forms = SPELLINGS.get(ch) or (ch + ch.upper() if ch.upper() != ch else ch)
        if len(found) * len(forms) > MOST_SPELLINGS:
            break
        found = [head + form for head in found for form in forms]
    return found


def _any(prop: str, test: str, count: int) -> str:
    return "(" + " OR ".join(f"n.{prop} {test} $s{i}" for i in range(count)) + ")"


def matching(text: str) -> tuple[str, str, str, dict]:
    """Neo4j's (contains, exact, prefix) WHERE texts for ``text`` (lowered), and their parameters."""
    plain = caseless(text)
    heads = None if plain else spellings(text)
    if not heads:
        return CONTAINS[plain], EXACT[plain], PREFIX[plain], {}
    n = len(heads)
    by_id = f"({_any('id', 'STARTS WITH', n)} AND lower(n.id) = $q)"
    return (f"({_any('name', 'CONTAINS', n)} AND lower(n.name) CONTAINS $q) OR {by_id}",
            f"({_any('name', 'STARTS WITH', n)} AND lower(n.name) = $q) OR {by_id}",
            f"{_any('name', 'STARTS WITH', n)} AND lower(n.name) STARTS WITH $q",
            {f"s{i}": head for i, head in enumerate(heads)})


def caseless(text: str) -> bool:
    """Whether no character of ``text`` has a case (nor is a combining mark, which lowering can add)."""
    return all(c.lower() == c == c.upper() and not unicodedata.combining(c) for c in text)


def _union(labels: list[str], match: str) -> str:
    return " UNION ALL ".join(SEARCH.format(label=label, match=match) for label in labels)


def _ranked(labels: list[str], plain: bool) -> str:
    exact, prefix = RANK[plain]
    return " UNION ALL ".join(RANKED.format(label=label, match=CONTAINS[plain], exact=exact, prefix=prefix)
                              for label in labels)


def _leading(exact: list[str], prefix: list[str], exact_match: str, prefix_match: str) -> str:
    return " UNION ALL ".join([SEARCH.format(label=label, match=exact_match) for label in exact]
                              + [BY_NAME.format(label=label, match=prefix_match) for label in prefix])


def _first_then_leading(store: Store, labels: list[str], text: str, limit: int, params: dict) -> list[dict]:
    """Neo4j: each label's first ``cap`` matches, then, for a label they filled, its exact matches and,
    when fewer than ``limit`` of those read start with ``text``, its first prefix matches by name."""
    contains, exact, prefix, heads = matching(text)
    params = {**params, **heads}
    found = store.read(_union(labels, contains), params)
    per_label = Counter(r["label"] for r in found)
    cut = [label for label in labels if per_label[label] >= params["cap"]]
    if cut:
        seen = {(r["label"], r["id"]) for r in found}
        leading = Counter(r["label"] for r in found if (r["name"] or "").lower().startswith(text))
        short = [label for label in cut if leading[label] < limit]
        for r in store.read(_leading(cut, short, exact, prefix), params):
            if (r["label"], r["id"]) not in seen:
                seen.add((r["label"], r["id"]))
                found.append(r)
    return found


@query("search", "搜索", "Entities whose name contains a fragment (Chinese substring; Latin case-insensitive), "
       "ranked exact > prefix > contains, shorter names first.", q="晶", labels=[], limit=20)
def search(store: Store, q: str, labels: list, limit: int) -> QueryResult:
    text = str(q).strip().lower()
    limit = max(1, min(int(limit), 500))
    wanted = list(dict.fromkeys(schema.check_label(label).name for label in labels)) or SEARCHABLE
    rows = []
    if text:
        params = {"q": text, "cap": limit * 5}
        if store.backend == "embedded":
            found = store.read(_ranked(wanted, caseless(text)), params)
        else:
            found = _first_then_leading(store, wanted, text, limit, params)
        for r in found:
            name = (r["name"] or "").lower()
            rank = 0 if name == text or r["id"].lower() == text else 1 if name.startswith(text) else 2
            rows.append({"id": r["id"], "name": r["name"], "label": r["label"],
                         "label_zh": schema.LABELS[r["label"]].zh, "match": rank})
    rows.sort(key=lambda r: (r["match"], len(r["name"] or ""), r["name"] or "", r["id"]))
    return QueryResult(pd.DataFrame(rows[:limit], columns=["id", "name", "label", "label_zh", "match"]))


NEIGHBOURS = {
    "out": "MATCH (a:{a} {{id: $id}})-[r:{rel}]->(b:{b}) RETURN b.id AS id, b.name AS name LIMIT $cap",
    "in": "MATCH (b:{b})-[r:{rel}]->(a:{a} {{id: $id}}) RETURN b.id AS id, b.name AS name LIMIT $cap",
}
COUNT = {
    "out": "MATCH (a:{a} {{id: $id}})-[r:{rel}]->(b:{b}) RETURN count(b) AS n",
    "in": "MATCH (b:{b})-[r:{rel}]->(a:{a} {{id: $id}}) RETURN count(b) AS n",
}


# Neo4j counts every (type, direction, label) at once, one COUNT { } each: one round trip, not one
# query per combination (an Enterprise has 20: 60-100 ms of round trips on 2 busy cores).
NEIGHBOUR_COUNTS = Dialect(None, neo4j="MATCH (a:{a} {{id: $id}}) RETURN {counts}", name="explore.NEIGHBOUR_COUNTS")
COUNT_PATTERN = {"out": "(a)-[:{rel}]->(:{b})", "in": "(a)<-[:{rel}]-(:{b})"}


def _neighbour_counts(store: Store, label: str, node_id: str, combos: list[tuple[str, str, str]]) -> list[int]:
    """How many neighbours the node has per (relationship type, direction, other label)."""
    one_query = NEIGHBOUR_COUNTS.text(store)
    if one_query and combos:
        counts = ", ".join(f"COUNT {{ {COUNT_PATTERN[d].format(rel=rel, b=other)} }} AS c{i}"
                           for i, (rel, d, other) in enumerate(combos))
        row = store.read(one_query.format(a=label, counts=counts), {"id": node_id})[0]
        return [row[f"c{i}"] for i in range(len(combos))]
    return [store.read(COUNT[d].format(a=label, b=other, rel=rel), {"id": node_id})[0]["n"]
            for rel, d, other in combos]


@query("neighbourhood", "邻居", "Neighbours of a set of nodes, filtered by labels and relationship types, capped "
       "(default 200) with a count of what was cut.", ids=["ent_jingao"], labels=[], rel_types=[], cap=200)
def neighbourhood(store: Store, ids: list, labels: list, rel_types: list, cap: int) -> QueryResult:
    cap = max(1, min(int(cap), 5000))
    label_filter = {schema.check_label(label).name for label in labels}
    rel_filter = {schema.check_rel_type(t).name for t in rel_types}
    ids = list(ids) if not isinstance(ids, str) else [i for i in ids.split(",") if i]
    known = store.existing_ids(ids)
    missing = [i for i in ids if i not in known]
    if missing:
        raise ValueError(f"no node with id {', '.join(missing)}")
    graph = Subgraph()
    rows, total = [], 0
    for node_id in ids:
        label = known[node_id]
        name = store.read(f"MATCH (n:{label} {{id: $id}}) RETURN n.name AS name", {"id": node_id})[0]["name"]
        graph.add_node(node_id, label, name, centre=True)
        combos = [(rel.name, direction, other) for rel in schema.REL_TYPES if not rel_filter or rel.name in rel_filter
                  for a, b in rel.pairs
                  for direction, other in (("out", b if a == label else None), ("in", a if b == label else None))
                  if other is not None and (not label_filter or other in label_filter)]
        for (rel, direction, other), n in zip(combos, _neighbour_counts(store, label, node_id, combos)):
            if not n:
                continue
            total += n
            room = cap - len(rows)
            if room <= 0:
                continue
            fmt = {"a": label, "b": other, "rel": rel}
            for r in store.read(NEIGHBOURS[direction].format(**fmt), {"id": node_id, "cap": room}):
                rows.append({"from": node_id, "direction": direction, "type": rel, "id": r["id"],
                             "name": r["name"], "label": other})
                graph.add_node(r["id"], other, r["name"])
                src, dst = (node_id, r["id"]) if direction == "out" else (r["id"], node_id)
                graph.add_edge(src, dst, rel)
    table = pd.DataFrame(rows, columns=["from", "direction", "type", "id", "name", "label"])
    return QueryResult(table, graph, extra={"total": total, "cut": max(0, total - len(rows))})


@query("node", "节点详情", "All properties of one node, by id.", id="ent_jingao")
def node(store: Store, id: str) -> QueryResult:
    known = resolved_label(id)
    found = {id: known} if known else store.existing_ids([id])
    if id not in found:
        raise ValueError(f"no node with id {id!r}")
    label = schema.LABELS[found[id]]
    cols = ", ".join(f"n.{schema._quote(p.name)} AS {schema._quote(p.name)}" for p in label.props)
    row = store.read(f"MATCH (n:{label.name} {{id: $id}}) RETURN {cols}", {"id": id})[0]
    # value_en: a vocabulary word (链主, 中游 …) by its English name; data (names, numbers) as it is
    table = pd.DataFrame([{"property": p.name, "中文名": p.zh, "value": row[p.name],
                           "value_en": schema.english_value(row[p.name]) if p.allowed else row[p.name]}
                          for p in label.props if row[p.name] is not None],
                         columns=["property", "中文名", "value", "value_en"], dtype=object)
    return QueryResult(table, extra={"label": label.name})


NAMES = "MATCH (n:{label}) RETURN n.id AS id, n.name AS name ORDER BY n.name LIMIT $cap"


@query("catalogue", "名录", "Every node's id, name and label (at most ``limit``): the explorer's type-ahead list "
       "on graphs small enough to send to the browser.", limit=20000)
def catalogue(store: Store, limit: int) -> QueryResult:
    limit = max(1, min(int(limit), 200_000))
    rows = []
    for label in SEARCHABLE:
        for r in store.read(NAMES.format(label=label), {"cap": limit - len(rows) + 1}):
            rows.append({"id": r["id"], "name": r["name"], "label": label, "label_zh": schema.LABELS[label].zh})
        if len(rows) > limit:
            break
    return QueryResult(pd.DataFrame(rows[:limit], columns=["id", "name", "label", "label_zh"]),
                       extra={"complete": len(rows) <= limit})
