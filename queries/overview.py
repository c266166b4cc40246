"""Overview (总览): the zone's KPI figures in one result — what the Overview page shows and what the
seed article's figures are checked against."""
from __future__ import annotations

import pandas as pd

from graph.store import Store
from queries.dialect import Dialect
from queries.registry import QueryResult, query

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
                   name="overview.COVERAGE")

HONOURS = """
MATCH (p:PartyOrg) WHERE p.honour IS NOT NULL AND p.honour_year >= $since
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

RESEARCH_KINDS = ("科研机构", "重点实验室", "工程技术研究中心", "新型研发机构")


@query("overview", "总览", "Zone KPI figures: party-organisation coverage, honours, projects, institutes, "
       "talent stations, demands, R&D.", since=2023, year=2025)
def overview(store: Store, since: int, year: int) -> QueryResult:
    chain = store.read(CHAIN_ENTERPRISES)[0]
    total = chain["n"]
    coverage = store.read(COVERAGE.text(store))[0]
    own, work, joint_only = coverage["own"], coverage["work"], coverage["joint_only"]
    honours = pd.DataFrame(store.read(HONOURS, {"since": since}),
                           columns=["honour", "level", "year", "sector", "model", "n"])
    signed = pd.DataFrame(store.read(PROJECTS_SIGNED), columns=["year", "n", "investment"])
    landed = pd.DataFrame(store.read(PROJECTS_LANDED), columns=["year", "n", "investment"])
    institutes = pd.DataFrame(store.read(INSTITUTES), columns=["level", "kind", "n"])
    stations = pd.DataFrame(store.read(STATIONS), columns=["kind", "level", "n"])
    demands = pd.DataFrame(store.read(DEMANDS), columns=["status", "n"])
    award = store.read(HONOURED_FIRMS, {"honour": "内蒙古自治区科学技术奖"})[0]["n"]

    def count(frame: pd.DataFrame, **match) -> int:
        mask = pd.Series(True, index=frame.index)
        for column, value in match.items():
            mask &= frame[column] == value
        return int(frame.loc[mask, "n"].sum())

    def of_year(frame: pd.DataFrame, column: str) -> float:
        hit = frame[frame["year"] == year]
        return float(hit[column].iloc[0]) if len(hit) else 0

    city = honours[(honours["honour"] == "坚强堡垒支部") & (honours["level"] == "市级")]
    metrics = [
        ("chain_enterprises", "链上企业（园区内）", total),
        ("chain_enterprises_with_party_org", "完成党组织组建的链上企业", own),
        ("chain_enterprises_joint_org_only", "仅由联合党组织覆盖的链上企业", joint_only),
        ("party_org_coverage_pct", "党组织覆盖率(%)", round(100 * own / total) if total else 0),
        ("party_work_coverage_pct", "党的工作覆盖率(%)", round(100 * work / total) if total else 0),
        ("bastion_branches", f"{since}年以来堡垒支部", count(honours, honour="堡垒支部")),
        ("city_strong_bastion_branches", f"{since}年以来市级坚强堡垒支部", int(city["n"].sum())),
        ("model_branches", "市级坚强堡垒模范支部示范点", int(city.loc[city["model"] == True, "n"].sum())),  # noqa: E712
        ("honoured_this_year", f"{year}年获坚强堡垒支部称号", int(city.loc[city["year"] == year, "n"].sum())),
        ("honoured_this_year_government", f"{year}年获称号的机关党支部",
         int(city.loc[(city["year"] == year) & (city["sector"] == "机关"), "n"].sum())),
        ("honoured_this_year_private", f"{year}年获称号的非公企业党支部",
         int(city.loc[(city["year"] == year) & (city["sector"] == "非公企业"), "n"].sum())),
        ("projects_signed", f"{year}年新签约产业链重点项目", int(of_year(signed, "n"))),
        ("projects_signed_investment", f"{year}年签约协议总投资(亿元)", round(of_year(signed, "investment"), 1)),
        ("projects_landed", f"{year}年落地见效项目", int(of_year(landed, "n"))),
        ("regional_research_institutes", "自治区级科研机构",
         int(institutes.loc[(institutes["level"] == "自治区级") & institutes["kind"].isin(RESEARCH_KINDS), "n"].sum())),
        ("academician_stations", "院士专家工作站", count(stations, kind="院士专家工作站")),
        ("regional_science_bases", "自治区级科普示范基地", count(stations, kind="科普示范基地", level="自治区级")),
        ("city_doctoral_bases", "市级博士创新实践基地", count(stations, kind="博士创新实践基地", level="市级")),
        ("demands_resolved", "累计解决企业诉求", count(demands, status="已解决")),
        ("demands_open", "办理中/待办诉求", int(demands.loc[demands["status"] != "已解决", "n"].sum())),
        ("rd_investment", "链上企业研发投入(亿元)", round(float(chain["rd"] or 0), 1)),
        ("science_award_firms", "获自治区科学技术奖企业", award),
    ]
    table = pd.DataFrame(metrics, columns=["metric", "指标", "value"], dtype=object)
    return QueryResult(table, extra={"honours": honours, "projects_signed": signed, "projects_landed": landed,
                                     "institutes": institutes, "stations": stations, "demands": demands})
