"""总览 Overview: the zone at a glance — the seed article's figures on the bundled dataset."""
from __future__ import annotations

import re

import streamlit as st

from graph import schema
from app_pages.common import english, get_store, localise, tr
from queries import registry

CARDS = [("chain_enterprises", "链上企业", "Chain enterprises"),
         ("party_org_coverage_pct", "党组织覆盖率", "Party-org coverage"),
         ("party_work_coverage_pct", "党的工作覆盖率", "Party-work coverage"),
         ("bastion_branches", "堡垒支部", "Bastion branches"),
         ("city_strong_bastion_branches", "市级坚强堡垒支部", "City-level strong branches"),
         ("projects_signed", "新签约重点项目", "Key projects signed"),
         ("projects_signed_investment", "协议总投资(亿元)", "Investment (100M CNY)"),
         ("projects_landed", "落地项目", "Projects landed"),
         ("regional_research_institutes", "自治区级科研机构", "Regional research institutes"),
         ("academician_stations", "院士专家工作站", "Academician stations"),
         ("demands_resolved", "解决企业诉求", "Demands resolved"),
         ("rd_investment", "研发投入(亿元)", "R&D (100M CNY)")]


# The "all figures" table in English: each metric's words (its Chinese name is queries/overview.py's);
# {year} is the year the Chinese name states (the overview's reporting year or the honours' start).
FIGURES_EN = {
    "chain_enterprises": "Chain enterprises (in the zone)",
    "chain_enterprises_with_party_org": "Chain enterprises with their own party organisation",
    "chain_enterprises_joint_org_only": "Chain enterprises covered only by a joint party organisation",
    "party_org_coverage_pct": "Party-organisation coverage (%)",
    "party_work_coverage_pct": "Party-work coverage (%)",
    "bastion_branches": "Bastion branches since {year}",
    "city_strong_bastion_branches": "City-level strong bastion branches since {year}",
    "model_branches": "City-level model strong bastion branches",
    "honoured_this_year": "Branches named strong bastion in {year}",
    "honoured_this_year_government": "Government branches named in {year}",
    "honoured_this_year_private": "Private-enterprise branches named in {year}",
    "projects_signed": "Key chain projects signed in {year}",
    "projects_signed_investment": "Investment signed in {year} (100M CNY)",
    "projects_landed": "Projects landed in {year}",
    "regional_research_institutes": "Regional (autonomous-region) research institutes",
    "academician_stations": "Academician expert workstations",
    "regional_science_bases": "Regional popular-science bases",
    "city_doctoral_bases": "City-level doctoral innovation bases",
    "demands_resolved": "Enterprise demands resolved (to date)",
    "demands_open": "Enterprise demands open or in progress",
    "rd_investment": "R&D investment of chain enterprises (100M CNY)",
    "science_award_firms": "Firms with the autonomous region's science and technology award",
}


def figures_en(table):
    """The figures table with an English name per metric beside the code (``figure_en``, shown as
    "figure" in English); a metric without one keeps its code."""
    def name(code: str, zh: str) -> str:
        year = re.match(r"(\d{4})年", zh or "")
        return FIGURES_EN.get(code, code).format(year=year.group(1) if year else "")
    table = table.copy()
    table.insert(1, "figure_en", [name(c, z) for c, z in zip(table["metric"], table["指标"])])
    return table


def _coverage_help(values: dict) -> str:
    """单独组建 and 联合组建 apart, as coverage is reported in practice."""
    own, joint = values["chain_enterprises_with_party_org"], values["chain_enterprises_joint_org_only"]
    return tr(f"单独组建党组织的链上企业 {own} 家；仅由联合党组织覆盖的 {joint} 家计入党的工作覆盖率。",
              f"{own} chain enterprises with their own organisation (单独组建); {joint} covered only by a "
              "joint branch (联合组建) count in party-work coverage.")


def page() -> None:
    st.title(tr("总览", "Overview"))
    store = get_store()
    if store is None:
        return
    result = registry.get("overview").run(store)
    values = dict(zip(result.table["metric"], result.table["value"]))
    columns = st.columns(4)
    for i, (key, zh, en) in enumerate(CARDS):
        value = values[key]
        shown = f"{value:g}%" if key.endswith("_pct") else f"{value:g}"
        columns[i % 4].metric(tr(zh, en), shown, help=_coverage_help(values) if key == "party_org_coverage_pct" else None)
    st.subheader(tr("全部指标", "All figures"))
    figures = figures_en(result.table)
    if english():      # the words, not the metric codes (nor the Chinese names)
        figures = figures.drop(columns=["metric", "指标"])
    st.dataframe(localise(figures), hide_index=True, width="stretch")
    alliances = registry.get("alliances").run(store).table
    pipeline = registry.get("pipeline").run(store).table
    if alliances.empty:
        st.info(tr("图谱为空：请在“数据导入”页导入数据。", "The graph is empty: import data on the Import page."))
        return
    left, right = st.columns(2)
    with left:
        st.caption(tr("各联合体成员企业与党组织覆盖", "Members and party-organisation coverage by alliance"))
        # the name column only: in English "name" becomes "alliance", which is also the id column's name
        st.bar_chart(alliances[["name", "enterprises", "with_party_org"]].rename(columns={"enterprises": tr("成员企业", "members"),
                                               "with_party_org": tr("有党组织", "with party org"),
                                               "name": tr("联合体", "alliance")}),
                     x=tr("联合体", "alliance"), y=[tr("成员企业", "members"), tr("有党组织", "with party org")],
                     stack=False)
    with right:
        st.caption(tr("各产业链项目投资（亿元）", "Project investment by chain (100M CNY)"))
        by_chain = pipeline.groupby("chain", as_index=False)["investment"].sum()
        chain, money = tr("产业链", "chain"), tr("投资(亿元)", "investment (100M CNY)")
        st.bar_chart(by_chain.rename(columns={"chain": chain, "investment": money}), x=chain, y=money)
    left, right = st.columns(2)
    with left:
        st.caption(tr("项目签约（按年）", "Projects signed by year"))
        year, count = tr("年份", "year"), tr("项目数", "projects")
        st.bar_chart(result.extra["projects_signed"].rename(columns={"year": year, "n": count}), x=year, y=count)
    with right:
        st.caption(tr("诉求状态", "Demands by status"))
        status, count = tr("状态", "status"), tr("诉求数", "demands")
        demands = result.extra["demands"]
        if english():   # the schema's statuses (待办/办理中/已解决) are words of the interface, not data
            demands = demands.assign(status=demands["status"].map(schema.english_value))
        st.bar_chart(demands.rename(columns={"status": status, "n": count}), x=status, y=count)
