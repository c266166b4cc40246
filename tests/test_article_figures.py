"""Every figure the seed article gives is reproduced by the overview query, on both stores."""
from __future__ import annotations

import pytest

from queries import registry

# metric -> the article's figure (shared/seed/ordos-hightech-chain-party-building.txt)
ARTICLE = {
    "chain_enterprises_with_party_org": 91,      # 91家链上企业完成党组织组建
    "party_org_coverage_pct": 80,                # 党组织覆盖率达80%
    "party_work_coverage_pct": 100,              # 党的工作覆盖率达100%
    "bastion_branches": 69,                      # 2023年以来累计建成堡垒支部69个
    "city_strong_bastion_branches": 19,          # 市级坚强堡垒支部19个
    "model_branches": 1,                         # 1个支部荣获…模范支部示范点
    "honoured_this_year": 7,                     # 发展规划局党支部等3个机关 + 蒙凯汽车等4个非公
    "honoured_this_year_government": 3,
    "honoured_this_year_private": 4,
    "projects_signed": 45,                       # 2025年新签约产业链重点项目45个
    "projects_signed_investment": 554,           # 协议总投资额554亿元
    "projects_landed": 40,                       # 2025年实现40个产业链重点项目落地见效
    "regional_research_institutes": 76,          # 自治区级科研机构76家
    "academician_stations": 5,                   # 院士专家工作站5家
    "regional_science_bases": 1,                 # 自治区级科普示范基地1个
    "city_doctoral_bases": 1,                    # 市级博士创新实践基地1个
    "demands_resolved": 114,                     # 累计解决…问题114项
    "science_award_firms": 3,                    # 源盛光电等3家企业…自治区科学技术奖
}


@pytest.fixture
def figures(bundled_store):
    table = registry.get("overview").run(bundled_store).table
    return dict(zip(table["metric"], table["value"]))


def test_every_article_figure(figures):
    mismatches = {k: (figures[k], v) for k, v in ARTICLE.items() if figures[k] != v}
    assert not mismatches, f"(graph, article): {mismatches}"


def test_rd_investment_passes_13_billion(figures):
    assert figures["rd_investment"] > 13                 # 全社会研发投入突破13亿元


def test_named_entities_carry_what_the_article_says(bundled_store):
    rows = bundled_store.read("MATCH (e:Enterprise {id: 'ent_jiuke'}) RETURN e.staff AS staff, "
                              "e.party_members AS members, e.honours AS honours, e.sample AS sample")
    assert rows == [{"staff": 38, "members": 6, "honours": ["全国工人先锋号"], "sample": False}]
    branch = bundled_store.read(
        "MATCH (p:PartyOrg)-[:BASED_IN]->(e:Enterprise {id: 'ent_mengkai'}) "
        "RETURN p.honour AS honour, p.honour_level AS level, p.honour_year AS year")
    assert branch == [{"honour": "坚强堡垒支部", "level": "市级", "year": 2025}]
    names = {r["name"] for r in bundled_store.read(
        "MATCH (a:Alliance)-[:COVERS]->(c:Chain) RETURN a.name AS name")}
    assert names == {"智造先锋", "智算未来", "绒耀世界", "创赢天下"}
    for name in ("鄂尔多斯“能创谷”", "京蒙飞地孵化基地"):
        assert bundled_store.read("MATCH (i:Institute {name: $n}) RETURN i.id AS id", {"n": name})


def test_illustrative_entities_are_marked(bundled_store):
    unmarked = bundled_store.read(
        "MATCH (e:Enterprise) WHERE e.name CONTAINS '示例' AND e.sample <> true RETURN e.id AS id")
    assert unmarked == []
    marked = bundled_store.read("MATCH (e:Enterprise) WHERE e.sample = true AND NOT e.name CONTAINS '示例' "
                                "RETURN e.id AS id")
    assert marked == []
