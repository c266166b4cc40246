"""Alliance overview, research and talent, project pipeline and the demands ledger (诉求台账)."""
from __future__ import annotations

from collections import defaultdict

import pandas as pd

from graph.store import Store
from queries.dialect import Dialect, neo4j_degree_count
from queries.registry import QueryResult, query

ALLIANCES = "MATCH (a:Alliance) RETURN a.id AS id, a.name AS name ORDER BY a.id"
# Counted per alliance by the engine: no per-member rows reach Python.  count(*), not
# count(DISTINCT e): a relationship is stored once per (from, type, to) (the loader refuses
# duplicates and MERGEs across loads), and LadybugDB then counts from the adjacency lists without
# reading a member (4 ms at 1M firms, against 80 ms).
MEMBERS = Dialect("""
MATCH (e:Enterprise)-[:MEMBER_OF]->(a:Alliance) WITH a, count(*) AS n RETURN a.id AS alliance, n""",
                  neo4j=neo4j_degree_count("MEMBER_OF", "Enterprise", "Alliance", "alliance"), name="ledgers.MEMBERS")
INSTITUTE_MEMBERS = """
MATCH (i:Institute)-[:MEMBER_OF]->(a:Alliance) WITH a, count(*) AS n RETURN a.id AS alliance, n"""
COVERED = "MATCH (a:Alliance)-[:COVERS]->(c:Chain) RETURN a.id AS alliance, c.name AS chain"
# Neo4j's own: the planner walks from each PartyOrg (or Demand) through the firm's whole relationship
# chain to its alliance (a firm with under 50 relationships keeps them in one list, read in full);
# ``USING JOIN ON e`` meets the two sides at the firm instead: the party organisations' (or demands')
# firms hash-joined with the alliances' members (docs/neo4j-plans.md; 100k firms: 375 → 84 ms,
# 536 → 7 ms, 40 → 19 ms).
MEMBERS_WITH_ORG = Dialect("""
MATCH (p:PartyOrg)-[:BASED_IN]->(e:Enterprise)-[:MEMBER_OF]->(a:Alliance) WHERE p.form = '单独组建'
RETURN a.id AS alliance, count(DISTINCT e) AS n""", neo4j="""
MATCH (p:PartyOrg)-[:BASED_IN]->(e:Enterprise)-[:MEMBER_OF]->(a:Alliance) USING JOIN ON e WHERE p.form = '单独组建'
RETURN a.id AS alliance, count(DISTINCT e) AS n""", name="ledgers.MEMBERS_WITH_ORG")
MEMBER_HONOURS = Dialect("""
MATCH (p:PartyOrg)-[:BASED_IN]->(e:Enterprise)-[:MEMBER_OF]->(a:Alliance) WHERE p.honour IS NOT NULL
RETURN a.id AS alliance, p.id AS org, p.honour AS honour, p.honour_level AS level, p.honour_year AS year""", neo4j="""
MATCH (p:PartyOrg)-[:BASED_IN]->(e:Enterprise)-[:MEMBER_OF]->(a:Alliance) USING JOIN ON e WHERE p.honour IS NOT NULL
RETURN a.id AS alliance, p.id AS org, p.honour AS honour, p.honour_level AS level, p.honour_year AS year""",
                         name="ledgers.MEMBER_HONOURS")
# WITH DISTINCT first: a project reached through two chains of one alliance counts once.
ALLIANCE_PROJECTS = """
MATCH (a:Alliance)-[:COVERS]->(c:Chain)<-[:PART_OF]-(s:Segment)<-[:IN_SEGMENT]-(p:Project)
WITH DISTINCT a, p
RETURN a.id AS alliance, count(p) AS n, count(p.landed_year) AS landed, sum(coalesce(p.investment, 0.0)) AS investment"""
MEMBER_DEMANDS = Dialect("""
MATCH (d:Demand)-[:RAISED_BY]->(e:Enterprise)-[:MEMBER_OF]->(a:Alliance)
WITH DISTINCT a, d
RETURN a.id AS alliance, count(d) AS n, count(CASE WHEN d.status = '已解决' THEN 1 END) AS resolved""", neo4j="""
MATCH (d:Demand)-[:RAISED_BY]->(e:Enterprise)-[:MEMBER_OF]->(a:Alliance) USING JOIN ON e
WITH DISTINCT a, d
RETURN a.id AS alliance, count(d) AS n, count(CASE WHEN d.status = '已解决' THEN 1 END) AS resolved""",
                         name="ledgers.MEMBER_DEMANDS")


@query("alliances", "联合体概览", "Per alliance: member enterprises and institutes, chains covered, party-organisation "
       "coverage, honours, projects and investment, demands raised/resolved.")
def alliances(store: Store) -> QueryResult:
    members = {r["alliance"]: r["n"] for r in store.read(MEMBERS.text(store))}
    institutes = {r["alliance"]: r["n"] for r in store.read(INSTITUTE_MEMBERS)}
    chains: dict[str, list[str]] = defaultdict(list)
    for r in store.read(COVERED):
        chains[r["alliance"]].append(r["chain"])
    with_org = {r["alliance"]: r["n"] for r in store.read(MEMBERS_WITH_ORG.text(store))}
    honours: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for r in store.read(MEMBER_HONOURS.text(store)):
        honours[r["alliance"]][f"{r['level'] or ''}{r['honour']}"].add(r["org"])
    projects = {r["alliance"]: r for r in store.read(ALLIANCE_PROJECTS)}
    demands = {r["alliance"]: r for r in store.read(MEMBER_DEMANDS.text(store))}
    rows = []
    for a in store.read(ALLIANCES):
        aid, firms = a["id"], members.get(a["id"], 0)
        organised = with_org.get(aid, 0)
        plist, dlist = projects.get(aid, {}), demands.get(aid, {})
        rows.append({
            "alliance": aid, "name": a["name"], "enterprises": firms, "institutes": institutes.get(aid, 0),
            "chains": "、".join(sorted(chains[aid])),
            "with_party_org": organised, "party_org_coverage_pct": round(100 * organised / firms, 1) if firms else 0,
            "honours": "；".join(f"{k}×{len(v)}" for k, v in sorted(honours[aid].items())),
            "projects": plist.get("n", 0), "projects_landed": plist.get("landed", 0),
            "investment": round(float(plist["investment"] or 0), 1) if plist else 0,
            "demands": dlist.get("n", 0), "demands_resolved": dlist.get("resolved", 0),
        })
    # Columns even without alliances (real datasets have none): pages select them by name.
    return QueryResult(pd.DataFrame(rows, columns=["alliance", "name", "enterprises", "institutes", "chains",
                                                   "with_party_org", "party_org_coverage_pct", "honours", "projects",
                                                   "projects_landed", "investment", "demands", "demands_resolved"]))


RESEARCH_BY_CHAIN = """
MATCH (i:Institute)-[:SERVES]->(c:Chain) RETURN c.id AS chain, c.name AS chain_name, count(DISTINCT i) AS n"""
STATIONS_BY_CHAIN = """
MATCH (t:TalentStation)-[:SERVES]->(c:Chain) RETURN c.id AS chain, count(DISTINCT t) AS n"""
COOPERATION = """
MATCH (i:Institute)-[r:COOPERATES_WITH]->(e:Enterprise)
RETURN i.id AS institute, i.name AS institute_name, e.id AS enterprise, e.name AS enterprise_name,
       e.in_zone AS in_zone, r.topic AS topic ORDER BY institute, enterprise"""
# Only the chains that have institutes (the others are not reported): `c.id IN $chains` scans the
# small Chain table, then the engine expands from those chains alone.
CHAIN_FIRMS = """
MATCH (e:Enterprise)-[:IN_SEGMENT]->(s:Segment)-[:PART_OF]->(c:Chain) WHERE c.id IN $chains AND e.in_zone = true
RETURN DISTINCT c.id AS chain, e.id AS id, e.name AS name ORDER BY chain, id"""


@query("research", "科研与人才", "Institutes and talent stations per chain, who cooperates with whom, and in-zone "
       "firms with no research tie in chains that have institutes.")
def research(store: Store) -> QueryResult:
    per_chain = {r["chain"]: r for r in store.read(RESEARCH_BY_CHAIN)}
    stations = {r["chain"]: r["n"] for r in store.read(STATIONS_BY_CHAIN)}
    cooperation = pd.DataFrame(store.read(COOPERATION), columns=["institute", "institute_name", "enterprise",
                                                                 "enterprise_name", "in_zone", "topic"])
    tied = set(cooperation["enterprise"])
    firms = store.read(CHAIN_FIRMS, {"chains": sorted(per_chain)}) if per_chain else []
    untied = [r for r in firms if r["id"] not in tied]
    table = pd.DataFrame([{"chain": c, "chain_name": r["chain_name"], "institutes": r["n"],
                           "talent_stations": stations.get(c, 0),
                           "firms_without_research_tie": sum(1 for u in untied if u["chain"] == c)}
                          for c, r in sorted(per_chain.items())])
    return QueryResult(table, extra={"cooperation": cooperation,
                                     "untied": pd.DataFrame(untied, columns=["chain", "id", "name"])})


PIPELINE = """
MATCH (p:Project)-[:IN_SEGMENT]->(s:Segment)-[:PART_OF]->(c:Chain)
RETURN DISTINCT p.id AS id, p.name AS name, p.status AS status, p.investment AS investment,
       p.signed_year AS signed_year, p.landed_year AS landed_year, c.name AS chain ORDER BY id, chain"""
REFERRALS = """
MATCH (p:Project)-[:REFERRED_BY]->(e:Enterprise)
RETURN e.id AS referrer, e.name AS referrer_name, count(p) AS projects, sum(p.investment) AS investment
ORDER BY projects DESC, referrer"""


@query("pipeline", "项目管道", "Projects by status, chain and year with investment; projects attributed to "
       "以商招商 (REFERRED_BY) and by which in-zone firm.", year=0)
def pipeline(store: Store, year: int) -> QueryResult:
    projects = pd.DataFrame(store.read(PIPELINE), columns=["id", "name", "status", "investment", "signed_year",
                                                           "landed_year", "chain"])
    if year:
        projects = projects[projects["signed_year"] == year]
    table = (projects.groupby(["chain", "status"], as_index=False)
             .agg(projects=("id", "nunique"), investment=("investment", "sum"))
             .sort_values(["chain", "status"]).reset_index(drop=True))
    table["investment"] = table["investment"].round(1)
    referrals = pd.DataFrame(store.read(REFERRALS), columns=["referrer", "referrer_name", "projects", "investment"])
    return QueryResult(table, extra={"projects": projects, "referrals": referrals})


# Grouped by the engine: a few dozen rows, not one per demand (1,673 at 100k: Neo4j ~45 → ~10 ms).
# category and status are required (graph/schema.py), so no group has a null key.
DEMANDS = """
MATCH (d:Demand)
RETURN d.category AS category, d.status AS status, count(d) AS demands, sum(d.days_to_close) AS total_days,
       count(d.days_to_close) AS timed, max(d.days_to_close) AS max_days"""


@query("demands", "诉求台账", "Demands by category and status, with the average and longest time to close.")
def demands(store: Store) -> QueryResult:
    frame = pd.DataFrame(store.read(DEMANDS), columns=["category", "status", "demands", "total_days", "timed",
                                                      "max_days"])
    # the mean of the days given (none: NaN), as pandas' mean of the same values is: their sum over their count
    frame["avg_days"] = (frame["total_days"].astype(float) / frame["timed"].where(frame["timed"] > 0)).round(1)
    table = (frame[["category", "status", "demands", "avg_days", "max_days"]]
             .sort_values(["category", "status"]).reset_index(drop=True))
    return QueryResult(table)
