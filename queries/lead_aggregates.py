"""Lead aggregates: per-firm tie counts, points and partner bonuses that every write keeps up to date,
so ranking the 以商招商 leads is a scan of the firms plus a top-k (queries/lead_ranking.py) instead of
reading every tie.

Consistency rule: ``Store.write`` recomputes them inside the same transaction as the write itself
(graph/store.py), so a reader never sees a graph and its aggregates disagree; ``chaingraph check``
recomputes them without writing and compares (``check``).  A refresh recomputes every lead but
writes only the values that changed (a small edit to a big graph writes little).  The properties
are declared in the schema registry (graph/schema.py: MAINTAINED), never loaded, exported or shown.

What is kept, by the score's definition (queries/lead_scoring.py), for every tie kind together:
- partners (every Enterprise and Institute): ``lead_alliance`` (member of an alliance),
  ``lead_party`` (has a party organisation of its own, 单独组建);
- Segment: ``lead_inside``, its in-zone firm count (queries/segments.count_firms: IN_SEGMENT and
  INCLUDES products), for segments that are part of a chain;
- leads (out-of-zone firms with a tie to an in-zone firm or institute, or a product path): columns the
  ranking filters and orders on: ``lead_ties`` (recorded ties), ``lead_product_paths`` (inferred,
  PRODUCT_POINTS each: queries/products.product_ties), ``lead_score`` (the score of the recorded ties
  without the gap bonus, as a float: the order the ranking scans in), ``lead_gap_min`` (the fewest
  in-zone firms among its chain segments, by IN_SEGMENT or by a product it makes, NULL: none: the
  gap bonus for any weak threshold); and, packed, what only the shown rows read: ``lead_figures``
  (ties per kind, distinct in-zone partners, of which in an alliance / with their own party
  organisation, product partners, and the exact decimal sum of the supply points) and ``lead_shown`` (its PATHS_KEPT strongest ties in the
  explanation's order, then its first PATHS_KEPT product paths), so showing a lead reads no tie.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from functools import lru_cache
from typing import Any

from graph.store import Touched

from queries import zone_figures
from queries.products import has_includes, product_ties
from queries.segments import read_stored_inside
from queries.lead_scoring import (ALLIANCE_BONUS, GROUP_WEIGHT, OWN_ORG_FORM, PARTY_BONUS, RESEARCH_WEIGHT, TIES,
                                  UNKNOWN_WEIGHT, _points, exact)

WHERE_TIE = "o.in_zone = false AND i.in_zone = true"
FIRM_PATTERN = "(o:Enterprise)-[r:SUPPLIES|SUBSIDIARY_OF]-(i:Enterprise)"
RESEARCH_PATTERN = "(o:Enterprise)<-[r:COOPERATES_WITH]-(i:Institute)"
# Stored: what the ranking filters and orders on, one column each; what only the shown rows read,
# packed (LadybugDB writes column by column: 47k leads cost ~0.1 s per column).
LEAD_PROPS = ["lead_ties", "lead_product_paths", "lead_score", "lead_gap_min", "lead_figures", "lead_shown"]
FIGURES = ["supply_ties", "group_ties", "research_ties", "partners", "alliance_n", "party_n", "product_partners",
           "supply_exact"]
# How many explaining paths a lead keeps (the leads analysis's default max_paths): its PATHS_KEPT
# strongest ties, in the exact order, are stored, so showing them reads no tie.
PATHS_KEPT = 5
# A tie's float strength: its points + its partner's bonuses (queries/lead_scoring.strength, exactly).
STRENGTH = ("{points} + CASE WHEN i.lead_alliance THEN " + str(float(ALLIANCE_BONUS)) + " ELSE 0.0 END"
            " + CASE WHEN i.lead_party THEN " + str(float(PARTY_BONUS)) + " ELSE 0.0 END")
FIRM_POINTS = "CASE {type_r} WHEN 'SUPPLIES' THEN 1 + coalesce(r.weight, 0.5) ELSE 2.0 END"
# (pattern, points, weight, lead is the source): one query per direction, as the sentence depends on
# it (LadybugDB's start_node() of an undirected match names the pattern's left node, not the source).
DIRECTED = {"out": ("(o)-[r:SUPPLIES|SUBSIDIARY_OF]->(i:Enterprise)", FIRM_POINTS, "r.weight", True),
            "in": ("(o)<-[r:SUPPLIES|SUBSIDIARY_OF]-(i:Enterprise)", FIRM_POINTS, "r.weight", False),
            "research": ("(o)<-[r:COOPERATES_WITH]-(i:Institute)", "1.0", "1.0", False)}
# Per lead (``{leads}`` binds o), the ties within EPS of its n-th strongest, as rows (the n-th:
# LadybugDB sorts the list of strengths, Neo4j collects them in order).
EPS = 1e-6     # far above the float error of a strength or a score
STRONGEST = {
    "embedded": """{leads}
MATCH {pattern} WHERE i.in_zone = true
WITH o, r, i, {strength} AS s
WITH o, list_sort(collect(s), 'DESC') AS ss,
     collect({{s: s, partner: i.id, rel: {type_r}, weight: {weight}, a: i.lead_alliance, b: i.lead_party}}) AS ts
WITH o, ts, list_min(list_slice(ss, 1, $paths)) - $eps AS cut
UNWIND ts AS t
WITH o, t, cut WHERE t.s >= cut
RETURN o.id AS lead, t.partner AS partner, t.rel AS rel, t.weight AS weight, t.a AS a, t.b AS b""",
    "neo4j": """{leads}
MATCH {pattern} WHERE i.in_zone = true
WITH o, r, i, {strength} AS s ORDER BY s DESC
WITH o, collect({{s: s, partner: i.id, rel: {type_r}, weight: {weight}, a: i.lead_alliance, b: i.lead_party}}) AS ts
WITH o, ts, ts[..$paths][-1].s - $eps AS cut
UNWIND ts AS t
WITH o, t, cut WHERE t.s >= cut
RETURN o.id AS lead, t.partner AS partner, t.rel AS rel, t.weight AS weight, t.a AS a, t.b AS b"""}
ALL_LEADS = "MATCH (o:Enterprise) WHERE o.in_zone = false"
# (relationship type, lead is its source) -> (position in TIES order, kind, sentence)
ENTRIES = {(rel, source): (position, kind, sentence) for position, (kind, rel, source, sentence) in
           enumerate((k, *e) for k in TIES for e in TIES[k])}


def strongest_ties(reader, leads: str, params: dict, n: int, research: bool = True) -> dict[str, list[dict]]:
    """Each lead's ``n`` strongest ties (as queries/lead_scoring.strongest orders them: exact strength,
    then partner, then kind order), for the leads the Cypher ``leads`` binds to o."""
    found: dict[str, list[tuple]] = defaultdict(list)
    type_r = reader.type_of("r")
    for part, (pattern, points, weight, out) in DIRECTED.items():
        if part == "research" and not research:
            continue
        text = STRONGEST[reader.backend].format(leads=leads, pattern=pattern, type_r=type_r, weight=weight,
                                                strength=STRENGTH.format(points=points.format(type_r=type_r)))
        for t in reader.read(text, {**params, "paths": n, "eps": EPS}):
            position, kind, sentence, points, strength = _tie(t["rel"], out, t["weight"], bool(t["a"]), bool(t["b"]))
            found[t["lead"]].append((-strength, t["partner"], position, {
                "kind": kind, "partner": t["partner"], "weight": t["weight"] if t["rel"] == "SUPPLIES" else 1.0,
                "sentence": sentence, "rel": t["rel"], "lead_is_source": out, "points": points, "strength": strength,
                "in_alliance": bool(t["a"]), "party": bool(t["b"])}))
    return {lead: [t for *_, t in sorted(ts, key=lambda x: x[:3])[:n]] for lead, ts in found.items()}


@lru_cache(maxsize=65_536)
def _tie(rel: str, out: bool, weight: float | None, in_alliance: bool, party: bool) -> tuple:
    """(position, kind, sentence, points, strength) of a tie (exact; cached: the same few values repeat)."""
    position, kind, sentence = ENTRIES[(rel, out)]
    points = _points(kind, weight if rel == "SUPPLIES" else 1.0)
    return position, kind, sentence, points, points + ALLIANCE_BONUS * in_alliance + PARTY_BONUS * party


def encode_path(t: dict) -> str:
    """A stored path: relationship type, direction, partner flags, partner id (last: ids may hold "|")."""
    return "|".join([t["rel"], str(int(t["lead_is_source"])), str(int(t["in_alliance"])), str(int(t["party"])),
                     t["partner"]])


# A stored product path: side, product, partner's product, partner (ids may hold any printable text),
# after the lead's own strongest ties in lead_shown, marked.
UNIT = "\x1f"
PRODUCT_MARK = "P" + UNIT


def encode_product_path(t: dict) -> str:
    return UNIT.join([t["side"], t["product"], t["partner_product"], t["partner"]])


def decode_product_path(text: str) -> dict:
    side, product, partner_product, partner = text[len(PRODUCT_MARK):].split(UNIT)
    return {"side": side, "product": product, "partner_product": partner_product, "partner": partner}


def decode_path(text: str) -> dict:
    rel, out, in_alliance, party, partner = text.split("|", 4)
    _, kind, sentence = ENTRIES[(rel, out == "1")]
    return {"kind": kind, "partner": partner, "sentence": sentence, "rel": rel, "lead_is_source": out == "1",
            "in_alliance": in_alliance == "1", "party": party == "1"}


# Partners in an alliance / with a party organisation of their own: few, read from those sides
# (not an EXISTS per firm); a flag is true or NULL, so the sums below read NULL as "no".
IN_ALLIANCE = "MATCH (i:{label})-[:MEMBER_OF]->(:Alliance){scope} RETURN DISTINCT i.id AS id"
WITH_PARTY = "MATCH (i:{label})<-[:BASED_IN]-(p:PartyOrg) WHERE p.form = $own_form{scope} RETURN DISTINCT i.id AS id"
STORED_FLAGS = """
MATCH (i:{label}) WHERE (i.lead_alliance IS NOT NULL OR i.lead_party IS NOT NULL){scope}
RETURN i.id AS id, i.lead_alliance AS lead_alliance, i.lead_party AS lead_party"""
FLAG_HOLDERS = "MATCH (p:PartyOrg)-[:BASED_IN]->(i) WHERE p.id IN $ids RETURN DISTINCT i.id AS id"
# Supply weights per lead, summed exactly in Python (decimal, as written); -1 stands for "unknown".
# Each per-lead query reads every lead, or (``{scope}``: SCOPED) only the leads a write can have changed.
SUPPLY_WEIGHTS = """
MATCH (o:Enterprise)-[r:SUPPLIES]-(i:Enterprise){hint} WHERE """ + WHERE_TIE + """{scope}
RETURN o.id AS lead, collect(coalesce(r.weight, -1.0)) AS weights"""
TIE_COUNTS = {"group_ties": "(o:Enterprise)-[r:SUBSIDIARY_OF]-(i:Enterprise)", "research_ties": RESEARCH_PATTERN}
TIE_COUNT = "MATCH {pattern}{hint} WHERE " + WHERE_TIE + "{scope} RETURN o.id AS lead, count(r) AS n"
PARTNERS = """
MATCH {pattern}{hint} WHERE """ + WHERE_TIE + """{scope} WITH DISTINCT o, i
RETURN o.id AS lead, count(i) AS n, sum(CASE WHEN i.lead_alliance THEN 1 ELSE 0 END) AS a,
       sum(CASE WHEN i.lead_party THEN 1 ELSE 0 END) AS b"""
# A lead's segments: IN_SEGMENT, and those that include a product it makes (queries/lead_scoring.firm_segments).
GAP_MIN = ["""
MATCH (o:Enterprise)-[:IN_SEGMENT]->(s:Segment){hint} WHERE o.in_zone = false AND s.lead_inside IS NOT NULL{scope}
RETURN o.id AS lead, min(s.lead_inside) AS m""", """
MATCH (o:Enterprise)-[:MAKES]->(:Product)<-[:INCLUDES]-(s:Segment){hint} WHERE o.in_zone = false AND s.lead_inside IS NOT NULL{scope}
RETURN o.id AS lead, min(s.lead_inside) AS m"""]
STORED = "MATCH (o:Enterprise) WHERE o.lead_ties IS NOT NULL{scope} RETURN o.id AS id, " + \
    ", ".join(f"o.{p} AS {p}" for p in LEAD_PROPS)
SCOPED = " AND o.id IN $scope"
# Neo4j starts a scoped query from the scope's ids (else its planner may start from the in-zone index
# and read every tie of the zone: 2 s a query at 100k firms); LadybugDB has no hints.
SCOPED_HINT = {"neo4j": " USING INDEX o:Enterprise(id)", "embedded": ""}
ALL_LEADS_SCOPED = "MATCH (o:Enterprise){hint} WHERE o.in_zone = false" + SCOPED
CHAIN_SEGMENTS = "MATCH (s:Segment)-[:PART_OF]->(:Chain) RETURN DISTINCT s.id AS id"


class TxReader:
    """A store whose reads run inside a write transaction (they see its uncommitted writes), for the
    library's read helpers (e.g. count_firms) during a refresh."""

    def __init__(self, store, tx):
        self._store, self._tx = store, tx
        self.backend = store.backend

    def read(self, cypher: str, params: dict | None = None, **_) -> list[dict[str, Any]]:
        packed = getattr(self._tx, "read_packed", None)     # Neo4j: one packed row, not a record per row
        return packed(cypher, params or {}) if packed else self._tx.run(cypher, params or {})

    def __getattr__(self, name: str):
        return getattr(self._store, name)


@lru_cache(maxsize=65_536)
def _supply_points(weight: float) -> Decimal:
    """One supply tie's points: 1 + its weight as written, 0.5 when unknown (-1); cached, as
    weights repeat (3 decimals: at most 1,001 values)."""
    return 1 + (exact(weight) if weight >= 0 else UNKNOWN_WEIGHT)


def pack_figures(row: dict) -> str:
    return " ".join(str(row[f]) for f in FIGURES)


def unpack_figures(text: str) -> dict:
    """lead_figures as a dict: the counts as ints, supply_exact as the Decimal."""
    *counts, supply_exact = text.split(" ")
    return {**dict(zip(FIGURES, map(int, counts))), "supply_exact": Decimal(supply_exact)}


def leads_of(reader, scope: set[str] | None = None, products: dict[str, list[dict]] | None = None) -> dict[str, dict]:
    """Every lead's aggregates as stored (LEAD_PROPS), computed from the graph (partner flags and
    segment counts as stored); only the firms in ``scope`` when given.  ``products``: every lead's
    product paths (queries/products.product_ties) when the caller has them already."""
    leads: dict[str, dict] = {}
    where = SCOPED if scope is not None else ""
    hint = SCOPED_HINT[reader.backend] if scope is not None else ""
    params = {"scope": sorted(scope)} if scope is not None else {}

    def lead(i: str) -> dict:
        if i not in leads:
            leads[i] = {"id": i, **dict.fromkeys(FIGURES, 0), "supply_exact": Decimal(0), "lead_gap_min": None,
                        "paths": [], "lead_product_paths": 0, "product_shown": []}
        return leads[i]
    for r in reader.read(SUPPLY_WEIGHTS.format(scope=where, hint=hint), params):
        row = lead(r["lead"])
        row["supply_ties"] = len(r["weights"])
        row["supply_exact"] = sum(map(_supply_points, r["weights"]), Decimal(0))
    for prop, pattern in TIE_COUNTS.items():
        for r in reader.read(TIE_COUNT.format(pattern=pattern, scope=where, hint=hint), params):
            lead(r["lead"])[prop] = int(r["n"])
    for pattern in (FIRM_PATTERN, RESEARCH_PATTERN):     # institutes and firms: never the same partner
        for r in reader.read(PARTNERS.format(pattern=pattern, scope=where, hint=hint), params):
            row = lead(r["lead"])
            row["partners"] += int(r["n"])
            row["alliance_n"] += int(r["a"])
            row["party_n"] += int(r["b"])
    leads_cypher = ALL_LEADS_SCOPED.format(hint=hint) if scope is not None else ALL_LEADS
    for i, ties in strongest_ties(reader, leads_cypher, params, PATHS_KEPT).items():
        lead(i)["paths"] = [encode_path(t) for t in ties]
    # Product paths (queries/products.product_ties, inferred): a lead may have only these.
    for i, ties in (product_ties(reader) if products is None else products).items():
        if scope is not None and i not in scope:
            continue
        row = lead(i)
        row["lead_product_paths"] = len(ties)
        row["product_partners"] = len({t["partner"] for t in ties})
        row["product_shown"] = [PRODUCT_MARK + encode_product_path(t) for t in ties[:PATHS_KEPT]]
    for cypher in GAP_MIN if has_includes(reader) else GAP_MIN[:1]:
        for r in reader.read(cypher.format(scope=where, hint=hint), params):
            if r["lead"] in leads:
                known = leads[r["lead"]]["lead_gap_min"]
                leads[r["lead"]]["lead_gap_min"] = int(r["m"]) if known is None else min(known, int(r["m"]))
    stored = {}
    for i, row in leads.items():
        exact_score = (row["supply_exact"] + GROUP_WEIGHT * row["group_ties"] + RESEARCH_WEIGHT * row["research_ties"] +
                       ALLIANCE_BONUS * row["alliance_n"] + PARTY_BONUS * row["party_n"])
        stored[i] = {"id": i, "lead_ties": row["supply_ties"] + row["group_ties"] + row["research_ties"],
                     "lead_product_paths": row["lead_product_paths"], "lead_score": float(exact_score),
                     "lead_gap_min": row["lead_gap_min"], "lead_figures": pack_figures(row),
                     "lead_shown": row["paths"] + row["product_shown"]}
    return stored


def segment_counts(reader) -> dict[str, int]:
    """In-zone firms of every chain segment, as the gaps count them."""
    from queries.segments import count_firms
    segments = sorted({r["id"] for r in reader.read(CHAIN_SEGMENTS)})
    # Every segment's count (each store's own one-query form: on Neo4j 0.1 s at 100k firms, against
    # 1.35 s for the same counts asked for the 423 chain segments by id), kept for the chain's ones.
    inside = count_firms(reader, None)[0] if segments else {}
    return {s: inside.get(s, 0) for s in segments}


def _changed(want: dict[str, dict], stored: dict[str, dict]) -> list[dict]:
    """Rows to write: new or changed leads, and firms that are leads no longer (every value NULL)."""
    rows = [row for i, row in want.items() if stored.get(i) != row]
    rows += [{"id": i, **dict.fromkeys(LEAD_PROPS)} for i in stored if i not in want]
    return rows


def partner_flags(reader, label: str, among: set[str] | None = None) -> dict[str, dict]:
    """{id: {lead_alliance, lead_party}} of the partners (``among`` these ids, when given) that have
    either (true, else None)."""
    where, params = ("", {}) if among is None else (" WHERE i.id IN $ids", {"ids": sorted(among)})
    alliance = {r["id"] for r in reader.read(IN_ALLIANCE.format(label=label, scope=where), params)}
    party = {r["id"] for r in reader.read(WITH_PARTY.format(label=label, scope=where.replace(" WHERE", " AND")),
                                          {"own_form": OWN_ORG_FORM, **params})}
    return {i: {"id": i, "lead_alliance": True if i in alliance else None, "lead_party": True if i in party else None}
            for i in alliance | party}


def flag_changes(reader, label: str, holders: set[str] | None = None) -> list[dict]:
    """The partner flags to write (``holders``: of these ids only): new or changed, and cleared where
    no longer held."""
    where, params = ("", {}) if holders is None else (" AND i.id IN $ids", {"ids": sorted(holders)})
    stored = {r["id"]: r for r in reader.read(STORED_FLAGS.format(label=label, scope=where), params)}
    want = partner_flags(reader, label, holders)
    rows = [row for i, row in want.items() if stored.get(i) != row]
    return rows + [{"id": i, "lead_alliance": None, "lead_party": None} for i in stored if i not in want]


def segment_changes(reader) -> list[dict]:
    """The chain segments' in-zone counts to write: new or changed, and cleared where no longer a chain's."""
    stored = read_stored_inside(reader)
    inside = segment_counts(reader)
    rows = [{"id": s, "lead_inside": n} for s, n in inside.items() if stored.get(s) != n]
    return rows + [{"id": s, "lead_inside": None} for s in stored if s not in inside]


def refresh(store, tx, touched: Touched | None = None) -> None:
    """Recompute the aggregates inside ``tx`` (after the write's own work); write what changed.
    ``touched`` (graph/store.py: a write that deleted nothing): only the leads it can have changed
    are recomputed (``scope``).  None: every lead."""
    reader = TxReader(store, tx)
    limit = SCOPE_MAX[store.backend]
    scoped = touched is not None and len(touched) <= limit
    # A partner's flags change with its own MEMBER_OF / BASED_IN (it is an end) or its organisation's form.
    holders = (touched.nodes | touched.ends | ids_of(reader, FLAG_HOLDERS, touched.nodes)) if scoped else None
    flagged = set()
    for label in ("Enterprise", "Institute"):
        rows = flag_changes(reader, label, holders)
        store.set_properties(tx, label, rows)
        flagged.update(row["id"] for row in rows)
    rows = segment_changes(reader)
    store.set_properties(tx, "Segment", rows)
    counted = {row["id"] for row in rows}
    leads = scope(reader, touched.nodes | flagged, touched.ends, counted, limit) if scoped else None
    where = "" if leads is None else SCOPED
    stored = {r["id"]: r for r in reader.read(STORED.format(scope=where), {"scope": sorted(leads or [])})}
    store.set_properties(tx, "Enterprise", _changed(leads_of(reader, leads), stored))


# Firms per transaction of refresh_in_batches: at 1M firms on Neo4j a batch reads ~0.1M ties.
FIRMS_PER_BATCH = 20_000
ALL_FIRMS = "MATCH (o:Enterprise) RETURN o.id AS id"


def refresh_in_batches(store, firms: int = FIRMS_PER_BATCH, progress=None) -> int:
    """The whole recomputation (what ``refresh`` does for every lead) in write transactions of
    ``firms`` firms each, for a graph whose one-transaction refresh is more than the server takes (1M
    firms on Neo4j: over a 4 GiB transaction cap).  Repairs only: between two batches a reader sees
    some firms recomputed and others not (``chaingraph check --repair`` mends values that already
    disagree; a load keeps its one transaction).  ``progress(done, total)`` after each batch.
    Returns the number of values written."""
    written = 0

    def write(label: str, rows: list[dict]) -> None:
        nonlocal written
        for start in range(0, len(rows), firms):
            store.write(lambda tx, part=rows[start:start + firms]: store.set_properties(tx, label, part), maintain=False)
        written += len(rows)
    # Partner flags and segment counts first: a lead's aggregates read them as stored.
    for label in ("Enterprise", "Institute"):
        write(label, flag_changes(store, label))
    write("Segment", segment_changes(store))
    products = product_ties(store)        # every lead's product paths: read once, not per batch
    ids = sorted(r["id"] for r in store.read(ALL_FIRMS, limit=None))
    for start in range(0, len(ids), firms):
        batch = set(ids[start:start + firms])

        def recompute(tx, batch=batch) -> int:
            reader = TxReader(store, tx)
            stored = {r["id"]: r for r in reader.read(STORED.format(scope=SCOPED), {"scope": sorted(batch)})}
            rows = _changed(leads_of(reader, batch, products), stored)
            store.set_properties(tx, "Enterprise", rows)
            return len(rows)
        written += store.write(recompute, maintain=False)
        if progress:
            progress(min(start + firms, len(ids)), len(ids))
    return written + store_zone_figures(store)


def store_zone_figures(store) -> int:
    """The zone's figures (queries/zone_figures.py) recomputed and stored in a transaction of their own
    (what every maintained write does in its own); 1 when they changed."""
    return int(store.write(lambda tx: zone_figures.refresh(TxReader(store, tx), tx), maintain=False))


def recompute_all(store, progress=None) -> None:
    """Every aggregate recomputed and the changes written (``chaingraph check --repair``, a store that
    has none): one transaction on LadybugDB (a batch's ``id IN $scope`` scans the list per row there),
    batches of firms on Neo4j (refresh_in_batches: a big graph's one transaction is over its cap)."""
    if store.backend == "neo4j":
        refresh_in_batches(store, progress=progress)
    else:
        store.write(lambda tx: None)      # every write refreshes them (graph/store.py)


# A write that names what it touched refreshes only the firms whose aggregates it can have changed,
# up to this many ids (else all): LadybugDB filters ``id IN $list`` by a scan of the list per row
# (2,000 ids: 0.9 s, 20,000: 25 s per query at 100k firms); Neo4j looks each one up in its index.
SCOPE_MAX = {"embedded": 500, "neo4j": 20_000}
SCOPE_FIRMS = "MATCH (o:Enterprise) WHERE o.id IN $ids RETURN o.id AS id"
SCOPE_TIED = ("MATCH (a:Enterprise)-[:SUPPLIES|SUBSIDIARY_OF]-(o:Enterprise) WHERE a.id IN $ids RETURN DISTINCT o.id AS id",
              "MATCH (a:Institute)-[:COOPERATES_WITH]->(o:Enterprise) WHERE a.id IN $ids RETURN DISTINCT o.id AS id")
SCOPE_IN_SEGMENTS = ("MATCH (o:Enterprise)-[:IN_SEGMENT]->(s:Segment) WHERE s.id IN $ids RETURN DISTINCT o.id AS id",
                     "MATCH (o:Enterprise)-[:MAKES]->(:Product)<-[:INCLUDES]-(s:Segment) WHERE s.id IN $ids "
                     "RETURN DISTINCT o.id AS id")
SCOPE_PRODUCTS = ("MATCH (e:Enterprise)-[:MAKES]->(p:Product) WHERE e.id IN $ids RETURN DISTINCT p.id AS id",
                  "MATCH (p:Product) WHERE p.id IN $ids RETURN p.id AS id")
SCOPE_NEXT_PRODUCTS = "MATCH (p:Product)-[:FEEDS]-(q:Product) WHERE p.id IN $ids RETURN DISTINCT q.id AS id"
SCOPE_MAKERS = "MATCH (o:Enterprise)-[:MAKES]->(q:Product) WHERE q.id IN $ids RETURN DISTINCT o.id AS id"


def scope(reader, nodes: set[str], ends: set[str], segments: set[str], limit: int) -> set[str] | None:
    """The firms whose aggregates can have changed by a write that touched ``nodes`` (created, updated
    or re-flagged: their zone or flags may differ) and relationships between ``ends``, and changed the
    in-zone counts of ``segments``; None when more than ``limit`` (recompute all).  By what a lead's
    aggregates read: its own ties, segments and products (it is touched), its partners' zone and
    flags (the firms tied to a touched node: a new tie of a hub changes its partner, not the hub's
    other partners), its segments' counts (the firms in a re-counted segment), and its product paths
    (a touched product, or one a touched firm makes, and the products next to it: their makers)."""
    found = ids_of(reader, SCOPE_FIRMS, nodes | ends)
    for cypher in SCOPE_TIED:
        found |= ids_of(reader, cypher, nodes)
    for cypher in SCOPE_IN_SEGMENTS:
        found |= ids_of(reader, cypher, segments)
    products = ids_of(reader, SCOPE_PRODUCTS[0], nodes) | ids_of(reader, SCOPE_PRODUCTS[1], nodes | ends)
    if len(found) > limit or len(products) > limit:
        return None
    found |= ids_of(reader, SCOPE_MAKERS, products | ids_of(reader, SCOPE_NEXT_PRODUCTS, products))
    return found if len(found) <= limit else None


def ids_of(reader, cypher: str, ids) -> set[str]:
    """The ids ``cypher`` (``$ids``, returning ``id``) finds for ``ids``."""
    return {r["id"] for r in reader.read(cypher, {"ids": sorted(ids)})} if ids else set()


def check(store, limit: int = 20) -> list[str]:
    """Differences between the stored aggregates and a recomputation (empty: consistent)."""
    problems = []
    for label in ("Enterprise", "Institute"):
        stored = {r["id"]: r for r in store.read(STORED_FLAGS.format(label=label, scope=""))}
        want = partner_flags(store, label)
        for i in sorted(set(stored) | set(want)):
            if stored.get(i) != want.get(i):
                problems.append(f"{label} {i}: partner flags stored {stored.get(i)}, recomputed {want.get(i)}")
    stored_inside = read_stored_inside(store)
    inside = segment_counts(store)
    for s in sorted(set(stored_inside) | set(inside)):
        if stored_inside.get(s) != inside.get(s):
            problems.append(f"Segment {s}: lead_inside stored {stored_inside.get(s)!r}, recomputed {inside.get(s)!r}")
    stored = {r["id"]: r for r in store.read(STORED.format(scope=""))}
    want = leads_of(store)
    for row in _changed(want, stored):
        got = stored.get(row["id"], dict.fromkeys(LEAD_PROPS))
        diffs = [f"{p} stored {got.get(p)!r}, recomputed {row[p]!r}" for p in LEAD_PROPS if got.get(p) != row[p]]
        problems.append(f"Enterprise {row['id']}: " + "; ".join(diffs))
    problems += zone_figures.check(store)
    return problems[:limit] + ([f"… and {len(problems) - limit} more"] if len(problems) > limit else [])


# A store written before the aggregates existed has leads but no aggregates: computed once on open.
HAS_AGGREGATES = "MATCH (o:Enterprise) WHERE o.lead_ties IS NOT NULL RETURN o.id AS id LIMIT 1"
HAS_LEAD = f"MATCH {FIRM_PATTERN} WHERE {WHERE_TIE} RETURN o.id AS id LIMIT 1"
HAS_RESEARCH_LEAD = f"MATCH {RESEARCH_PATTERN} WHERE {WHERE_TIE} RETURN o.id AS id LIMIT 1"


HAS_FIRM = "MATCH (e:Enterprise) RETURN e.id AS id LIMIT 1"


def ensure(store) -> None:
    """Compute the aggregates of a store that has leads but none stored, and the zone's figures of one
    that has firms but no figures (made by an older version)."""
    if not store.read(HAS_AGGREGATES) and (store.read(HAS_LEAD) or store.read(HAS_RESEARCH_LEAD)):
        recompute_all(store)
    if zone_figures.stored(store) is None and store.read(HAS_FIRM):
        store_zone_figures(store)
