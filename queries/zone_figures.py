"""The zone's figures (总览): what the Overview shows, computed from the graph and kept by every write.

Computing them reads every in-zone firm and every party organisation: 70 ms on Neo4j at 100k firms,
955 ms at 1M (the first page a user opens).  So they are maintained as the lead aggregates are
(queries/lead_aggregates.py): ``refresh`` recomputes them inside every write transaction and stores
them, packed, on one derived ZoneFigures node (graph/schema.py: DERIVED); the overview reads that
node, or computes them when a store has none yet; ``chaingraph check`` recomputes and compares.

The figures hold every year's honours (the overview picks its ``since``), the projects per year, the
institutes, talent stations and demands per kind, and the firm counts behind the coverage rates.
"""
from __future__ import annotations

import json
import math
from typing import Any

from queries.dialect import Dialect

ID = "zone"
CHAIN_ENTERPRISES = """
MATCH (e:Enterprise) WHERE e.in_zone = true AND e.chain_enterprise = true
RETURN count(e) AS n, sum(e.rd_investment) AS rd"""

# The three coverage figures in one pass over the in-zone chain firms' organisations, each firm's
# organisation forms collected once:
# - 党组织覆盖 (own): a firm with an organisation of its own (单独组建);
# - 党的工作覆盖 (work): reached by any organisation, its own or a joint branch (联合党支部);
# - covered only by a joint branch (联合组建): in 党的工作覆盖, not in 党组织覆盖, reported apart.
# One query instead of three: LadybugDB 81 → 45 ms at 100k firms.  Neo4j's own: the in-zone chain firms
# from the in_zone index hash-joined (``USING JOIN ON e``) with the organisations' firms
# (docs/neo4j-plans.md; 100k firms: 党的工作覆盖 alone 439 → 128 ms).
_COVERAGE = """
MATCH (p:PartyOrg)-[:BASED_IN]->(e:Enterprise){hint}
WHERE e.in_zone = true AND e.chain_enterprise = true
WITH e, collect(p.form) AS forms
RETURN count(CASE WHEN '单独组建' IN forms THEN 1 END) AS own, count(e) AS work,
       count(CASE WHEN '联合组建' IN forms AND NOT '单独组建' IN forms THEN 1 END) AS joint_only"""
COVERAGE = Dialect(_COVERAGE.format(hint=""), neo4j=_COVERAGE.format(hint=" USING JOIN ON e"),
                   name="zone_figures.COVERAGE")

# Every year's honours: the overview keeps those since the year it is asked for.
HONOURS = """
MATCH (p:PartyOrg) WHERE p.honour IS NOT NULL
RETURN p.honour AS honour, p.honour_level AS level, p.honour_year AS year, p.sector AS sector,
       p.model_branch AS model, count(p) AS n
ORDER BY year, honour, level, sector, model"""

PROJECTS_SIGNED = """
MATCH (p:Project) WHERE p.signed_year IS NOT NULL
RETURN p.signed_year AS year, count(p) AS n, sum(p.investment) AS investment ORDER BY year"""

PROJECTS_LANDED = """
MATCH (p:Project) WHERE p.landed_year IS NOT NULL
RETURN p.landed_year AS year, count(p) AS n, sum(p.investment) AS investment ORDER BY year"""

INSTITUTES = """
MATCH (i:Institute) RETURN i.level AS level, i.kind AS kind, count(i) AS n ORDER BY level, kind"""

STATIONS = """
MATCH (t:TalentStation) RETURN t.kind AS kind, t.level AS level, count(t) AS n ORDER BY kind, level"""

DEMANDS = """
MATCH (d:Demand) RETURN d.status AS status, count(d) AS n ORDER BY status"""

HONOURED_FIRMS = """
MATCH (e:Enterprise) WHERE e.in_zone = true AND $honour IN e.honours RETURN count(e) AS n"""
SCIENCE_AWARD = "内蒙古自治区科学技术奖"

# Each table's rows as lists, in its columns' order (the overview's DataFrames).
TABLES = {"honours": (HONOURS, ["honour", "level", "year", "sector", "model", "n"]),
          "projects_signed": (PROJECTS_SIGNED, ["year", "n", "investment"]),
          "projects_landed": (PROJECTS_LANDED, ["year", "n", "investment"]),
          "institutes": (INSTITUTES, ["level", "kind", "n"]),
          "stations": (STATIONS, ["kind", "level", "n"]),
          "demands": (DEMANDS, ["status", "n"])}
COLUMNS = {name: columns for name, (_, columns) in TABLES.items()}

FIRM_KEYS = ("chain_enterprises", "rd_investment", "own", "work", "joint_only", "science_award_firms")

STORED = "MATCH (z:ZoneFigures) WHERE z.id = $id RETURN z.figures AS figures"
STORE = "MERGE (z:ZoneFigures {id: $id}) SET z.figures = $figures"


def compute(reader) -> dict[str, Any]:
    """The figures, read from the graph (``reader``: a store, or a write transaction's reader)."""
    return {**firm_figures(reader), **tables(reader)}


def firm_figures(reader) -> dict[str, Any]:
    """The figures that read every in-zone firm and party organisation (most of the time)."""
    chain = reader.read(CHAIN_ENTERPRISES)[0]
    coverage = reader.read(COVERAGE.text(reader))[0]
    award = reader.read(HONOURED_FIRMS, {"honour": SCIENCE_AWARD})[0]["n"]
    return dict(zip(FIRM_KEYS, (chain["n"], chain["rd"], coverage["own"], coverage["work"], coverage["joint_only"],
                                award)))


def tables(reader) -> dict[str, Any]:
    return {name: [[row[c] for c in columns] for row in reader.read(cypher)] for name, (cypher, columns) in TABLES.items()}


def stored(reader) -> dict[str, Any] | None:
    """The stored figures; None when the store has none (made before they were kept, or never written)."""
    rows = reader.read(STORED, {"id": ID})
    return json.loads(rows[0]["figures"]) if rows and rows[0]["figures"] else None


def current(reader) -> dict[str, Any]:
    """What the overview shows: the stored figures, else computed."""
    return stored(reader) or compute(reader)


def pack(figures: dict[str, Any]) -> str:
    return json.dumps(figures, ensure_ascii=False, sort_keys=True)


# What the firm figures read: firms' and organisations' properties (a touched node of either label),
# and BASED_IN (a relationship whose end is an organisation); other relationships change none of them.
TOUCHES = "MATCH (n:{label}) WHERE n.id IN $ids RETURN n.id AS id LIMIT 1"
# Past this many touched ids, recompute all: LadybugDB filters ``id IN $list`` by a scan of the list
# per row (queries/lead_aggregates.py: SCOPE_MAX).
SCOPE_MAX = 500


def touches_firm_figures(reader, touched) -> bool:
    """Whether a write that touched these can have changed the firm figures (None: it may have)."""
    if touched is None or len(touched) > SCOPE_MAX:
        return True
    nodes, ends = sorted(touched.nodes), sorted(touched.ends)
    return any(reader.read(TOUCHES.format(label=label), {"ids": ids})
               for label, ids in (("Enterprise", nodes), ("PartyOrg", nodes), ("PartyOrg", ends)) if ids)


def refresh(reader, tx, touched=None) -> bool:
    """Recompute inside ``tx`` (after a write's own work) and store what changed; True: written.
    ``touched`` (graph/store.Touched, None: anything may have changed): a write that touched no firm,
    no party organisation and no organisation's relationship keeps the stored firm figures (a demand's
    status, a new supply tie: ~5 ms at 100k firms, not 25-70; ~1 s at 1M on Neo4j)."""
    kept = stored(reader)
    if kept is not None and all(key in kept for key in FIRM_KEYS) and not touches_firm_figures(reader, touched):
        figures = {**{key: kept[key] for key in FIRM_KEYS}, **tables(reader)}
    else:
        figures = compute(reader)
    if same(kept, figures):
        return False
    tx.run(STORE, {"id": ID, "figures": pack(figures)})
    return True


def same(a: Any, b: Any) -> bool:
    """Equal, floats within their rounding: a sum's last bits depend on the order the engine reads in."""
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and math.isclose(a, b, rel_tol=1e-9,
                                                                                           abs_tol=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b and type(a) is type(b)


def check(store) -> list[str]:
    """Differences between the stored figures and a recomputation (empty: consistent)."""
    kept, want = stored(store), compute(store)
    if kept is None:
        return ["ZoneFigures: none stored (chaingraph check --repair computes them)"]
    return [f"ZoneFigures {key}: stored {kept.get(key)!r}, recomputed {want.get(key)!r}"
            for key in sorted(set(kept) | set(want)) if not same(kept.get(key), want.get(key))]
