"""Alliance overview, research and talent, project pipeline and the demands ledger (诉求台账)."""
from __future__ import annotations

from collections import defaultdict

import pandas as pd

from graph.store import Store
from queries.registry import QueryResult, query

ALLIANCES = "MATCH (a:Alliance) RETURN a.id AS id, a.name AS name ORDER BY a.id"
MEMBERS = """
MATCH (e:Enterprise)-[:MEMBER_OF]->(a:Alliance) RETURN a.id AS alliance, e.id AS id"""
INSTITUTE_MEMBERS = """
MATCH (i:Institute)-[:MEMBER_OF]->(a:Alliance) RETURN a.id AS alliance, count(DISTINCT i) AS n"""
COVERED = "MATCH (a:Alliance)-[:COVERS]->(c:Chain) RETURN a.id AS alliance, c.name AS chain"
WITH_ORG = """
MATCH (p:PartyOrg)-[:BASED_IN]->(e:Enterprise) WHERE p.form = '单独组建' RETURN DISTINCT e.id AS id"""
MEMBER_HONOURS = """
MATCH (p:PartyOrg)-[:BASED_IN]->(e:Enterprise)-[:MEMBER_OF]->(a:Alliance) WHERE p.honour IS NOT NULL
RETURN a.id AS alliance, p.id AS org, p.honour AS honour, p.honour_level AS level, p.honour_year AS year"""
ALLIANCE_PROJECTS = """
MATCH (a:Alliance)-[:COVERS]->(c:Chain)<-[:PART_OF]-(s:Segment)<-[:IN_SEGMENT]-(p:Project)
RETURN DISTINCT a.id AS alliance, p.id AS id, p.status AS status, p.investment AS investment,
       p.signed_year AS signed_year, p.landed_year AS landed_year"""
MEMBER_DEMANDS = """
MATCH (d:Demand)-[:RAISED_BY]->(e:Enterprise)-[:MEMBER_OF]->(a:Alliance)
RETURN DISTINCT a.id AS alliance, d.id AS id, d.status AS status"""


@query("alliances", "联合体概览", "Per alliance: member enterprises and institutes, chains covered, party-organisation "
       "coverage, honours, projects and investment, demands raised/resolved.")
def alliances(store: Store) -> QueryResult:
    members: dict[str, set[str]] = defaultdict(set)
    for r in store.read(MEMBERS):
        members[r["alliance"]].add(r["id"])
    institutes = {r["alliance"]: r["n"] for r in store.read(INSTITUTE_MEMBERS)}
    chains: dict[str, list[str]] = defaultdict(list)
    for r in store.read(COVERED):
        chains[r["alliance"]].append(r["chain"])
    with_org = {r["id"] for r in store.read(WITH_ORG)}
    honours: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for r in store.read(MEMBER_HONOURS):
        honours[r["alliance"]][f"{r['level'] or ''}{r['honour']}"].add(r["org"])
    projects: dict[str, list[dict]] = defaultdict(list)
    for r in store.read(ALLIANCE_PROJECTS):
        projects[r["alliance"]].append(r)
    demands: dict[str, list[dict]] = defaultdict(list)
    for r in store.read(MEMBER_DEMANDS):
        demands[r["alliance"]].append(r)
    rows = []
    for a in store.read(ALLIANCES):
        aid, firms = a["id"], members[a["id"]]
        organised = len(firms & with_org)
        plist = projects[aid]
        rows.append({
            "alliance": aid, "name": a["name"], "enterprises": len(firms), "institutes": institutes.get(aid, 0),
            "chains": "、".join(sorted(chains[aid])),
            "with_party_org": organised, "party_org_coverage_pct": round(100 * organised / len(firms), 1) if firms else 0,
            "honours": "；".join(f"{k}×{len(v)}" for k, v in sorted(honours[aid].items())),
            "projects": len(plist), "projects_landed": sum(1 for p in plist if p["landed_year"] is not None),
            "investment": round(sum(p["investment"] or 0 for p in plist), 1),
            "demands": len(demands[aid]), "demands_resolved": sum(1 for d in demands[aid] if d["status"] == "已解决"),
        })
    return QueryResult(pd.DataFrame(rows))


RESEARCH_BY_CHAIN = """
MATCH (i:Institute)-[:SERVES]->(c:Chain) RETURN c.id AS chain, c.name AS chain_name, count(DISTINCT i) AS n"""
STATIONS_BY_CHAIN = """
MATCH (t:TalentStation)-[:SERVES]->(c:Chain) RETURN c.id AS chain, count(DISTINCT t) AS n"""
COOPERATION = """
MATCH (i:Institute)-[r:COOPERATES_WITH]->(e:Enterprise)
RETURN i.id AS institute, i.name AS institute_name, e.id AS enterprise, e.name AS enterprise_name,
       e.in_zone AS in_zone, r.topic AS topic ORDER BY institute, enterprise"""
CHAIN_FIRMS = """
MATCH (e:Enterprise)-[:IN_SEGMENT]->(s:Segment)-[:PART_OF]->(c:Chain) WHERE e.in_zone = true
RETURN DISTINCT c.id AS chain, e.id AS id, e.name AS name"""


@query("research", "科研与人才", "Institutes and talent stations per chain, who cooperates with whom, and in-zone "
       "firms with no research tie in chains that have institutes.")
def research(store: Store) -> QueryResult:
    per_chain = {r["chain"]: r for r in store.read(RESEARCH_BY_CHAIN)}
    stations = {r["chain"]: r["n"] for r in store.read(STATIONS_BY_CHAIN)}
    cooperation = pd.DataFrame(store.read(COOPERATION), columns=["institute", "institute_name", "enterprise",
                                                                 "enterprise_name", "in_zone", "topic"])
    tied = set(cooperation["enterprise"])
    untied = [r for r in store.read(CHAIN_FIRMS) if r["chain"] in per_chain and r["id"] not in tied]
    table = pd.DataFrame([{"chain": c, "chain_name": r["chain_name"], "institutes": r["n"],
                           "talent_stations": stations.get(c, 0),
                           "firms_without_research_tie": sum(1 for u in untied if u["chain"] == c)}
                          for c, r in sorted(per_chain.items())])
    return QueryResult(table, extra={"cooperation": cooperation,
                                     "untied": pd.DataFrame(untied, columns=["chain", "id", "name"])})


PIPELINE = """
MATCH (p:Project)-[:IN_SEGMENT]->(s:Segment)-[:PART_OF]->(c:Chain)
RETURN DISTINCT p.id AS id, p.name AS name, p.status AS status, p.investment AS investment,
       p.signed_year AS signed_year, p.landed_year AS landed_year, c.name AS chain"""
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


DEMANDS = """
MATCH (d:Demand) RETURN d.id AS id, d.category AS category, d.status AS status, d.days_to_close AS days"""


@query("demands", "诉求台账", "Demands by category and status, with the average and longest time to close.")
def demands(store: Store) -> QueryResult:
    frame = pd.DataFrame(store.read(DEMANDS), columns=["id", "category", "status", "days"])
    table = (frame.groupby(["category", "status"], as_index=False)
             .agg(demands=("id", "count"), avg_days=("days", "mean"), max_days=("days", "max"))
             .sort_values(["category", "status"]).reset_index(drop=True))
    table["avg_days"] = table["avg_days"].round(1)
    return QueryResult(table)
