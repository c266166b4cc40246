"""Overview (总览): the zone's KPI figures in one result — what the Overview page shows and what the
seed article's figures are checked against."""
from __future__ import annotations

import pandas as pd

from graph.store import Store
from queries import zone_figures
from queries.registry import QueryResult, query

RESEARCH_KINDS = ("科研机构", "重点实验室", "工程技术研究中心", "新型研发机构")


@query("overview", "总览", "Zone KPI figures: party-organisation coverage, honours, projects, institutes, "
       "talent stations, demands, R&D.", since=2023, year=2025)
def overview(store: Store, since: int, year: int) -> QueryResult:
    figures = zone_figures.current(store)
    total, own, work, joint_only = (figures[k] for k in ("chain_enterprises", "own", "work", "joint_only"))
    year_at = zone_figures.COLUMNS["honours"].index("year")
    figures["honours"] = [row for row in figures["honours"] if row[year_at] is not None and row[year_at] >= since]
    tables = {name: pd.DataFrame(figures[name], columns=columns) for name, columns in zone_figures.COLUMNS.items()}
    honours = tables["honours"]
    signed, landed = tables["projects_signed"], tables["projects_landed"]
    institutes, stations, demands = tables["institutes"], tables["stations"], tables["demands"]
    award = figures["science_award_firms"]

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
        ("rd_investment", "链上企业研发投入(亿元)", round(float(figures["rd_investment"] or 0), 1)),
        ("science_award_firms", "获自治区科学技术奖企业", award),
    ]
    table = pd.DataFrame(metrics, columns=["metric", "指标", "value"], dtype=object)
    return QueryResult(table, extra={"honours": honours, "projects_signed": signed, "projects_landed": landed,
                                     "institutes": institutes, "stations": stations, "demands": demands})
