"""Builds data/ordos_hightech/ (native format) from the public article in shared/seed/.

Every entity the article names is here with what the article says of it.  Where the article
gives only totals (91 enterprises with party organisations, 45 signed projects worth 554 亿元,
76 institutes, 114 resolved demands…), illustrative entities stand in for the rest: they carry
``sample = true`` and 示例 in their name, so nobody mistakes them for real firms.  The figures
are reproduced exactly by the ``overview`` query (tests/test_article_figures.py checks each).

Deterministic: run ``python data/build_ordos_hightech.py`` to rewrite the CSV files.
"""
from __future__ import annotations

import csv
import random
from pathlib import Path

OUT = Path(__file__).with_name("ordos_hightech")
SOURCE = "《鄂尔多斯高新区“链上党建”聚合发展新动能》"
rng = random.Random(2025)

nodes: dict[str, list[dict]] = {}
rels: dict[str, list[dict]] = {}


def node(label: str, **props) -> str:
    props.setdefault("sample", "false")
    nodes.setdefault(label, []).append(props)
    return props["id"]


def rel(rel_type: str, a: str, b: str, **props) -> None:
    rels.setdefault(rel_type, []).append({"from": a, "to": b, **props})


# --- Alliances and the chains they cover (article: 四大产业链党建联合体) -------------------------
ALLIANCES = {
    "all_zhizao": ("智造先锋", "Smart Manufacturing Pioneers", "新能源、新材料、先进装备制造及配套企业"),
    "all_zhisuan": ("智算未来", "Intelligent Computing Future", "大数据、5G算力、人工智能及未来产业"),
    "all_rongyao": ("绒耀世界", "Cashmere Glory", "轻纺绒纺全产业链上下游企业"),
    "all_chuangying": ("创赢天下", "Innovation Wins", "科研院所、科创平台与研发企业"),
}
for aid, (name, en, theme) in ALLIANCES.items():
    node("Alliance", id=aid, name=name, name_en=en, theme=theme, founded_year=2024, source=SOURCE,
         description=f"“{name}”产业链党建联合体：{theme}")

# chain id -> (name, English, alliance, [(segment name, stage)] upstream -> downstream)
CHAINS = {
    "ch_pv": ("光伏", "Photovoltaics", "all_zhizao", [
        ("工业硅", "上游"), ("多晶硅", "上游"), ("单晶硅棒/硅片", "中游"), ("电池片", "中游"),
        ("组件", "中游"), ("逆变器/支架", "下游"), ("光伏电站", "下游")]),
    "ch_wind": ("风电", "Wind power", "all_zhizao", [
        ("风电原材料", "上游"), ("叶片", "中游"), ("塔筒/主轴承", "中游"), ("风电整机", "中游"),
        ("风电场运维", "下游")]),
    "ch_h2": ("氢能", "Hydrogen", "all_zhizao", [
        ("绿电制氢", "上游"), ("储运", "中游"), ("加氢站", "中游"), ("燃料电池", "下游"),
        ("氢能重卡", "下游")]),
    "ch_newmat": ("新材料", "New materials", "all_zhizao", [
        ("煤基/硅基原料", "上游"), ("基础化工", "上游"), ("高端新材料", "中游"), ("新材料制品", "下游"),
        ("资源化利用", "下游")]),
    "ch_equip": ("先进装备制造", "Advanced equipment", "all_zhizao", [
        ("钢材与铸锻件", "上游"), ("关键零部件", "中游"), ("整车/整机", "中游"), ("后市场服务", "下游")]),
    "ch_bigdata": ("大数据", "Big data", "all_zhisuan", [
        ("数据采集", "上游"), ("数据存储", "中游"), ("数据处理", "中游"), ("数据应用", "下游")]),
    "ch_5g": ("5G算力", "5G and computing power", "all_zhisuan", [
        ("绿电供应", "上游"), ("数据中心建设", "中游"), ("算力服务", "中游"), ("5G行业应用", "下游")]),
    "ch_ai": ("人工智能", "Artificial intelligence", "all_zhisuan", [
        ("智算基础设施", "上游"), ("算法模型", "中游"), ("AI行业应用", "下游")]),
    "ch_future": ("未来产业", "Future industries", "all_zhisuan", [
        ("前沿技术研发", "上游"), ("中试孵化", "中游"), ("产业化应用", "下游")]),
    "ch_cashmere": ("轻纺绒纺", "Cashmere and textiles", "all_rongyao", [
        ("原绒收购", "上游"), ("分梳", "上游"), ("纺纱", "中游"), ("织造", "中游"), ("成衣制造", "下游"),
        ("品牌销售", "下游")]),
    "ch_rd": ("科技研发服务", "R&D services", "all_chuangying", [
        ("基础研究", "上游"), ("技术开发", "中游"), ("中试验证", "中游"), ("成果转化", "下游"),
        ("孵化加速", "下游")]),
}
segments: dict[str, list[str]] = {}
for cid, (name, en, aid, segs) in CHAINS.items():
    node("Chain", id=cid, name=name, name_en=en, category=ALLIANCES[aid][0], source=SOURCE)
    rel("COVERS", aid, cid)
    ids = []
    for order, (seg, stage) in enumerate(segs, start=1):
        sid = f"seg_{cid[3:]}_{order}"
        node("Segment", id=sid, name=f"{name}·{seg}", stage=stage, order=order)
        rel("PART_OF", sid, cid)
        ids.append(sid)
    for up, down in zip(ids, ids[1:]):
        rel("FEEDS", up, down)
    segments[cid] = ids

# --- In-zone chain enterprises -----------------------------------------------------------------
# Named in the article: (id, name, chain, segment index, kind, extra properties)
NAMED = [
    ("ent_jingao", "晶澳", "ch_pv", 3, "链主", {"description": "装备制造产业园集聚的新能源龙头企业"}),
    ("ent_yili", "亿利", "ch_pv", 7, "龙头", {"description": "装备制造产业园集聚的新能源龙头企业"}),
    ("ent_jingxu", "晶旭", "ch_pv", 4, "龙头", {"description": "装备制造产业园集聚的新能源龙头企业"}),
    ("ent_crrc", "中车", "ch_wind", 4, "链主", {"description": "装备制造产业园集聚的新能源龙头企业"}),
    ("ent_zhuzhou", "株洲时代", "ch_wind", 2, "龙头", {"description": "装备制造产业园集聚的新能源龙头企业"}),
    ("ent_mengkai", "内蒙古蒙凯汽车有限公司", "ch_equip", 3, "一般",
     {"short_name": "蒙凯汽车", "description": "党支部获鄂尔多斯市“坚强堡垒支部”称号"}),
    ("ent_jiuke", "内蒙古久科康瑞环保科技有限公司", "ch_newmat", 5, "高新技术企业",
     {"short_name": "久科康瑞环保", "staff": "38", "party_members": "6", "honours": "全国工人先锋号",
      "description": "压裂返排液处理：破胶除油、化学软化、膜浓缩和分离、蒸发结晶；压裂返排液资源化利用技术。"
                     "车间团队38人、党员6名，荣膺“全国工人先锋号”"}),
    ("ent_yuansheng", "鄂尔多斯市源盛光电有限责任公司", "ch_pv", 6, "高新技术企业",
     {"short_name": "源盛光电", "honours": "内蒙古自治区科学技术奖", "description": "自主研发核心技术成果获自治区科学技术奖"}),
    ("ent_guanghe", "鄂尔多斯市广和环境科技有限公司", "ch_newmat", 5, "一般",
     {"short_name": "广和环境", "description": "迁移手续由工作人员上门全程代办，一天办结"}),
]
PARK = "装备制造产业园"
in_zone: dict[str, list[str]] = {cid: [] for cid in CHAINS}
seg_of: dict[str, str] = {}
for eid, name, cid, seg_index, kind, extra in NAMED:
    node("Enterprise", id=eid, name=name, in_zone="true", chain_enterprise="true", kind=kind,
         park=PARK if cid in ("ch_pv", "ch_wind", "ch_equip") else "", region="鄂尔多斯市", source=SOURCE, **extra)
    seg = segments[cid][seg_index - 1]
    rel("IN_SEGMENT", eid, seg)
    in_zone[cid].append(eid)
    seg_of[eid] = seg

# Segments the zone lacks (缺) or holds weakly (弱): sample firms skip the first, put one in the second.
MISSING = {"seg_pv_1", "seg_wind_3", "seg_h2_2", "seg_bigdata_1", "seg_cashmere_1"}
WEAK = {"seg_pv_2", "seg_h2_3", "seg_ai_2", "seg_cashmere_6", "seg_equip_1"}
# How many sample chain enterprises each chain gets: 114 chain enterprises in all.
SAMPLE_COUNTS = {"ch_pv": 12, "ch_wind": 8, "ch_h2": 6, "ch_newmat": 9, "ch_equip": 8, "ch_bigdata": 9,
                 "ch_5g": 9, "ch_ai": 7, "ch_future": 5, "ch_cashmere": 18, "ch_rd": 14}
KINDS = ["专精特新", "高新技术企业", "科技型中小企业", "一般", "一般"]
weak_used: set[str] = set()
counter = 0
for cid, count in SAMPLE_COUNTS.items():
    chain_name = CHAINS[cid][0]
    # candidate segments: not missing; weak ones take exactly one firm (named firms count too)
    for _ in range(count):
        candidates = [s for s in segments[cid] if s not in MISSING
                      and not (s in WEAK and (s in weak_used or s in seg_of.values()))]
        seg = candidates[counter % len(candidates)]
        if seg in WEAK:
            weak_used.add(seg)
        counter += 1
        eid = f"ent_s{counter:03d}"
        node("Enterprise", id=eid, name=f"示例{chain_name}企业{counter:03d}", in_zone="true", chain_enterprise="true",
             kind=KINDS[counter % len(KINDS)], park="示例园区", region="鄂尔多斯市", sample="true",
             staff=str(rng.randint(20, 800)))
        rel("IN_SEGMENT", eid, seg)
        in_zone[cid].append(eid)
        seg_of[eid] = seg

chain_enterprises = [eid for ids in in_zone.values() for eid in ids]
assert len(chain_enterprises) == 114, len(chain_enterprises)
# Two more firms hold the 自治区科学技术奖 beside 源盛光电 (article: 源盛光电等3家企业).
for row in nodes["Enterprise"]:
    if row["id"] in ("ent_s001", "ent_s050"):
        row["honours"] = "内蒙古自治区科学技术奖"

# R&D investment: 全社会研发投入突破13亿元 — spread over in-zone firms, 13.2 亿元 in all (tenths of 亿).
tenths = [1] * len(chain_enterprises)          # 0.1 亿元 each…
for i in range(len(NAMED)):                     # …and 0.2 more for each firm the article names
    tenths[i] += 2
assert sum(tenths) == 132
for row, t in zip((r for r in nodes["Enterprise"] if r["id"] in chain_enterprises), tenths):
    row["rd_investment"] = f"{t / 10:.1f}"

# Alliance membership: every chain enterprise joins the alliance covering its chain.
for cid, ids in in_zone.items():
    for i, eid in enumerate(ids):
        rel("MEMBER_OF", eid, CHAINS[cid][2], role="牵头单位" if i == 0 else "成员单位")

# --- Party organisations ---------------------------------------------------------------------
# 91 chain enterprises have their own organisation (80% of 114); the other 23 are covered by
# joint branches, so party work reaches 100%.
# 23 firms spread over all chains have no organisation of their own: every third sample firm from
# ent_s021 on (the named firms and ent_s001–ent_s020 keep theirs: the honours below need them).
candidates = [e for e in chain_enterprises if e.startswith("ent_s") and int(e[5:]) > 20]
without_org = candidates[::3][:23]
with_own_org = [e for e in chain_enterprises if e not in without_org]
assert len(with_own_org) == 91 and len(without_org) == 23
alliance_of = {eid: CHAINS[cid][2] for cid, ids in in_zone.items() for eid in ids}
orgs = []
for eid in with_own_org:
    ename = next(r["name"] for r in nodes["Enterprise"] if r["id"] == eid)
    oid = f"po_{eid[4:]}"
    sample = "false" if eid in {n[0] for n in NAMED} else "true"
    node("PartyOrg", id=oid, name=f"{ename}党支部", org_type="党支部", form="单独组建", sector="非公企业",
         members=str(rng.randint(3, 40)), sample=sample)
    rel("BASED_IN", oid, eid)
    orgs.append(oid)
for n, aid in enumerate(ALLIANCES, start=1):
    oid = f"po_joint_{n}"
    node("PartyOrg", id=oid, name=f"示例{ALLIANCES[aid][0]}联合党支部", org_type="联合党支部", form="联合组建",
         sector="非公企业", members=str(rng.randint(5, 15)), sample="true")
    for eid in without_org:
        if alliance_of[eid] == aid:
            rel("BASED_IN", oid, eid)
# The article's 3 机关党支部 honoured recently (one named) — not enterprise organisations.
GOV = [("po_gov_plan", "鄂尔多斯高新区发展规划局党支部", "false"),
       ("po_gov_s1", "示例高新区机关党支部一", "true"), ("po_gov_s2", "示例高新区机关党支部二", "true")]
for oid, name, sample in GOV:
    node("PartyOrg", id=oid, name=name, org_type="党支部", form="单独组建", sector="机关", sample=sample,
         members=str(rng.randint(8, 30)))

# Honours since 2023: 69 堡垒支部; 19 市级坚强堡垒支部 of which 7 honoured in 2025 (3 机关 + 4 非公,
# 蒙凯汽车 among them) and 1 市级坚强堡垒模范支部示范点.
by_id = {r["id"]: r for r in nodes["PartyOrg"]}
city_2025 = ["po_gov_plan", "po_gov_s1", "po_gov_s2", "po_mengkai", "po_s003", "po_s004", "po_s005"]
city_earlier = ["po_jingao", "po_crrc", "po_jiuke", "po_s006", "po_s007", "po_s008", "po_s009", "po_s010",
                "po_s011", "po_s012", "po_s013", "po_s014"]
for oid in city_2025:
    by_id[oid].update(honour="坚强堡垒支部", honour_level="市级", honour_year="2025")
for i, oid in enumerate(city_earlier):
    by_id[oid].update(honour="坚强堡垒支部", honour_level="市级", honour_year=str(2023 + i % 2))
by_id["po_jingao"]["model_branch"] = "true"
bastion_candidates = [o for o in orgs if "honour" not in by_id[o]] + ["po_joint_1", "po_joint_2"]
for i, oid in enumerate(bastion_candidates[:69]):
    by_id[oid].update(honour="堡垒支部", honour_level="园区级", honour_year=str(2023 + i % 3))
assert sum(1 for r in nodes["PartyOrg"] if r.get("honour") == "堡垒支部") == 69

# --- Research institutes and platforms -----------------------------------------------------------
PLATFORMS = [("inst_nengchuanggu", "鄂尔多斯“能创谷”", "科创平台", "市级"),
             ("inst_transfer", "鄂尔多斯高新区科技成果转化基地", "科创平台", "市级"),
             ("inst_jingmeng", "京蒙飞地孵化基地", "孵化基地", "市级"),
             ("inst_gaoyan", "高等研究院（文章所述精准招引落地）", "新型研发机构", "市级")]
for iid, name, kind, level in PLATFORMS:
    node("Institute", id=iid, name=name, kind=kind, level=level, in_zone="true", source=SOURCE)
    rel("MEMBER_OF", iid, "all_chuangying", role="成员单位")
    rel("SERVES", iid, "ch_rd")
research_kinds = ["工程技术研究中心", "重点实验室", "科研机构", "新型研发机构"]
chain_ids = list(CHAINS)
for n in range(1, 77):   # 76 自治区级科研机构
    iid = f"inst_s{n:02d}"
    cid = chain_ids[n % len(chain_ids)]
    node("Institute", id=iid, name=f"示例{CHAINS[cid][0]}自治区级研发机构{n:02d}", kind=research_kinds[n % 4],
         level="自治区级", in_zone="true", sample="true")
    rel("MEMBER_OF", iid, "all_chuangying", role="成员单位")
    rel("SERVES", iid, cid)
    partner = in_zone[cid][n % len(in_zone[cid])]
    rel("COOPERATES_WITH", iid, partner, topic="联合技术攻关")

# --- Talent stations: 5 院士专家工作站, 1 自治区级科普示范基地, 1 市级博士创新实践基地 ---------------------
STATIONS = [("ts_ys1", "示例院士专家工作站（晶澳）", "院士专家工作站", "自治区级", "ent_jingao", "ch_pv"),
            ("ts_ys2", "示例院士专家工作站（中车）", "院士专家工作站", "自治区级", "ent_crrc", "ch_wind"),
            ("ts_ys3", "示例院士专家工作站（久科康瑞环保）", "院士专家工作站", "自治区级", "ent_jiuke", "ch_newmat"),
            ("ts_ys4", "示例院士专家工作站（能创谷）", "院士专家工作站", "市级", "inst_nengchuanggu", "ch_rd"),
            ("ts_ys5", "示例院士专家工作站（高等研究院）", "院士专家工作站", "市级", "inst_gaoyan", "ch_ai"),
            ("ts_kp1", "示例自治区级科普示范基地", "科普示范基地", "自治区级", "inst_transfer", "ch_rd"),
            ("ts_bs1", "示例市级博士创新实践基地", "博士创新实践基地", "市级", "ent_yuansheng", "ch_pv")]
for tid, name, kind, level, host, cid in STATIONS:
    node("TalentStation", id=tid, name=name, kind=kind, level=level, established_year=str(rng.randint(2020, 2025)),
         sample="true")
    rel("HOSTED_BY", tid, host)
    rel("SERVES", tid, cid)

# --- Out-of-zone firms tied to in-zone ones (leads for 以商招商; fill the gaps) -------------------
out_zone = []
REGIONS = ["包头市", "呼和浩特市", "银川市", "西安市", "北京市", "天津市", "无锡市", "常州市", "宁波市", "成都市"]
for n in range(1, 41):
    cid = chain_ids[n % len(chain_ids)]
    gap_segs = [s for s in segments[cid] if s in MISSING or s in WEAK]
    seg = gap_segs[n % len(gap_segs)] if gap_segs and n % 3 != 0 else segments[cid][n % len(segments[cid])]
    eid = f"ext_s{n:02d}"
    node("Enterprise", id=eid, name=f"示例园外{CHAINS[cid][0]}企业{n:02d}", in_zone="false", chain_enterprise="false",
         kind=["龙头", "专精特新", "一般"][n % 3], region=REGIONS[n % len(REGIONS)], sample="true")
    rel("IN_SEGMENT", eid, seg)
    out_zone.append(eid)
    seg_of[eid] = seg
    partner = in_zone[cid][n % len(in_zone[cid])]
    # direction follows the chain: a firm upstream of its partner supplies it, otherwise it buys
    seg_order = segments[cid].index(seg)
    partner_order = segments[cid].index(seg_of[partner])
    if seg_order <= partner_order:
        rel("SUPPLIES", eid, partner, product=seg.split("_")[1], weight=f"{rng.uniform(0.1, 0.9):.2f}")
    else:
        rel("SUPPLIES", partner, eid, product=seg.split("_")[1], weight=f"{rng.uniform(0.1, 0.9):.2f}")
# group ties: two out-of-zone parents of in-zone subsidiaries
rel("SUBSIDIARY_OF", "ent_s002", "ext_s03", share="0.65")
rel("SUBSIDIARY_OF", "ent_s040", "ext_s10", share="1.0")
# research cooperation with an out-of-zone firm
rel("COOPERATES_WITH", "inst_gaoyan", "ext_s05", topic="算法模型联合研发")

# Supplies inside the zone, along each chain's FEEDS order.
for cid, ids in in_zone.items():
    ordered = sorted(ids, key=lambda e: segments[cid].index(seg_of[e]))
    for a, b in zip(ordered, ordered[1:]):
        if seg_of[a] != seg_of[b]:
            rel("SUPPLIES", a, b, product=CHAINS[cid][0], weight=f"{rng.uniform(0.1, 0.9):.2f}")

# --- Projects: 45 signed in 2025 (554 亿元 in all), 40 landed in 2025 ---------------------------------
investments = [rng.randint(30, 250) for _ in range(45)]          # tenths of 亿元
scale = 5540 / sum(investments)
investments = [max(10, round(v * scale)) for v in investments]
investments[-1] += 5540 - sum(investments)
project_chains = [c for c in chain_ids if c != "ch_rd"]
for n in range(1, 66):
    signed_2025 = n <= 45
    landed_2025 = n <= 25 or 46 <= n <= 60
    cid = project_chains[n % len(project_chains)]
    seg = segments[cid][n % len(segments[cid])]
    pid = f"prj_s{n:02d}"
    signed = f"2025-{(n % 9) + 1:02d}-{(n % 27) + 1:02d}" if signed_2025 else f"2024-{(n % 12) + 1:02d}-{(n % 27) + 1:02d}"
    landed = f"2025-{(n % 3) + 10:02d}-{(n % 27) + 1:02d}" if landed_2025 else ""
    status = ["落地", "在建", "投产"][n % 3] if landed else "签约"
    invest = investments[n - 1] / 10 if signed_2025 else rng.randint(10, 120) / 10
    node("Project", id=pid, name=f"示例{CHAINS[cid][0]}项目{n:02d}", status=status, investment=f"{invest:.1f}",
         signed_date=signed, landed_date=landed, key_project="true", sample="true")
    rel("IN_SEGMENT", pid, seg)
    investor = out_zone[n % len(out_zone)] if n % 2 else in_zone[cid][n % len(in_zone[cid])]
    rel("INVESTED_BY", pid, investor)
    if n % 2:  # an out-of-zone investor recruited through an in-zone firm (以商招商)
        rel("REFERRED_BY", pid, in_zone[cid][0])

# --- Demands: 114 resolved, 12 still open ---------------------------------------------------------
CATS = ["用工", "融资", "审批", "土地", "能耗", "子女入学", "政务服务"]
node("Demand", id="dem_guanghe", name="企业迁移手续办理", category="政务服务", status="已解决",
     raised_date="2025-05-12", resolved_date="2025-05-13", source=SOURCE)
rel("RAISED_BY", "dem_guanghe", "ent_guanghe")
for n in range(1, 126):
    resolved = n <= 113
    raised_month = (n % 12) + 1
    raised = f"2024-{raised_month:02d}-{(n % 27) + 1:02d}" if n % 2 else f"2025-{(n % 6) + 1:02d}-{(n % 27) + 1:02d}"
    closed = ""
    if resolved:
        y, m, d = (int(x) for x in raised.split("-"))
        m2 = m + (n % 3) + 1
        y2 = y + (m2 - 1) // 12
        m2 = (m2 - 1) % 12 + 1
        closed = f"{y2}-{m2:02d}-{min(d, 28):02d}"
    did = f"dem_s{n:03d}"
    node("Demand", id=did, name=f"示例{CATS[n % len(CATS)]}诉求{n:03d}", category=CATS[n % len(CATS)],
         status="已解决" if resolved else ["待办", "办理中"][n % 2], raised_date=raised, resolved_date=closed,
         sample="true")
    rel("RAISED_BY", did, chain_enterprises[n % len(chain_enterprises)])


def write() -> None:
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*.csv"):
        old.unlink()
    for name, rows in list(nodes.items()) + list(rels.items()):
        columns = list(dict.fromkeys(k for r in rows for k in r))
        with (OUT / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, columns)
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    write()
    print({k: len(v) for k, v in nodes.items()}, {k: len(v) for k, v in rels.items()})
