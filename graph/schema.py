"""The one schema registry: every label, relationship type and property of the ChainGraph model.

Both stores' schemas (LadybugDB DDL, Neo4j constraints and indexes), the loaders' validation
and the native file templates are all generated from the declarations below, so the model is
written once.  docs/model.md is the human-readable view of the same registry.

Portability choices (LadybugDB's Cypher is narrower than Neo4j's):
- every node has a string ``id`` that is unique across the whole graph (not only per label),
  so a relationship file needs only ``from``/``to`` ids;
- dates are stored as ISO ``YYYY-MM-DD`` strings (they sort and compare the same in both
  engines; LadybugDB has no ``date().year``), and where analyses group by year the year is
  stored too, derived by the loader from the date (``derived_from``);
- lists are ``STRING[]`` in LadybugDB and string lists in Neo4j.
"""
from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

# Property kinds -> LadybugDB column type.
LADYBUG_TYPES = {"str": "STRING", "int": "INT64", "float": "DOUBLE", "bool": "BOOLEAN",
                 "date": "STRING", "list": "STRING[]"}
# Property kinds -> Arrow type, for LadybugDB's bulk COPY FROM an Arrow table.
ARROW_TYPES = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(),
               "date": pa.string(), "list": pa.list_(pa.string())}


@dataclass(frozen=True)
class Prop:
    name: str
    kind: str = "str"                     # str | int | float | bool | date | list
    required: bool = False
    allowed: tuple[str, ...] | None = None  # allowed values (for str, or each list item)
    minimum: float | None = None
    maximum: float | None = None
    zh: str = ""                          # Chinese column header, also accepted on input
    aliases: tuple[str, ...] = ()         # further accepted headers
    derived_from: str | None = None       # e.g. signed_year derived from signed_date
    index: bool = False                   # Neo4j: a range index on it (the analyses filter on it)

    def __post_init__(self):
        if self.kind not in LADYBUG_TYPES:
            raise ValueError(f"unknown property kind {self.kind!r} for {self.name}")


@dataclass(frozen=True)
class NodeLabel:
    name: str
    zh: str
    props: tuple[Prop, ...]
    description: str = ""

    def prop(self, name: str) -> Prop | None:
        return next((p for p in self.props if p.name == name), None)


@dataclass(frozen=True)
class RelType:
    name: str
    zh: str
    pairs: tuple[tuple[str, str], ...]    # allowed (from label, to label)
    props: tuple[Prop, ...] = ()
    description: str = ""

    def prop(self, name: str) -> Prop | None:
        return next((p for p in self.props if p.name == name), None)


ID = Prop("id", required=True, zh="编号", aliases=("ID", "编码", "标识"))
NAME = Prop("name", required=True, zh="名称",
            aliases=("企业名称", "单位名称", "机构名称", "项目名称", "组织名称", "诉求", "名字"))
SAMPLE = Prop("sample", "bool", zh="示例",
              aliases=("是否示例",))  # true for illustrative entities that stand for article totals
SOURCE = Prop("source", zh="来源")
COMMON = (ID, NAME, SAMPLE, SOURCE)

# The model's fixed vocabularies (a property's ``allowed`` values), each word with its English name:
# the data keeps the Chinese; English mode shows the English (english_value).  Declared here only.
STAGES_EN = {"上游": "upstream", "中游": "midstream", "下游": "downstream"}
ENTERPRISE_KINDS_EN = {"链主": "chain leader", "龙头": "leading firm", "专精特新": "specialised SME",
                       "高新技术企业": "high-tech enterprise", "科技型中小企业": "tech SME", "一般": "ordinary",
                       "上市公司": "listed company"}
PROJECT_STATUSES_EN = {"签约": "signed", "落地": "landed", "在建": "under construction", "投产": "in production"}
DEMAND_STATUSES_EN = {"待办": "to do", "办理中": "in progress", "已解决": "resolved"}
DEMAND_CATEGORIES_EN = {"用工": "staffing", "融资": "financing", "审批": "approvals", "土地": "land",
                        "能耗": "energy quota", "子女入学": "school places", "政务服务": "government services",
                        "物流": "logistics", "人才": "talent", "其他": "other"}
LEVELS_EN = {"国家级": "national", "自治区级": "autonomous region", "市级": "city", "园区级": "park"}
ORG_TYPES_EN = {"党委": "party committee", "党总支": "general party branch", "党支部": "party branch",
                "联合党支部": "joint party branch", "功能型党支部": "functional party branch"}
ORG_FORMS_EN = {"单独组建": "own organisation", "联合组建": "joint organisation"}
SECTORS_EN = {"机关": "government body", "非公企业": "private enterprise", "国有企业": "state-owned enterprise",
              "事业单位": "public institution", "科研院所": "research academy"}
INSTITUTE_KINDS_EN = {"科研机构": "research institute", "高校": "university", "科创平台": "innovation platform",
                      "孵化基地": "incubator", "新型研发机构": "new R&D institute", "重点实验室": "key laboratory",
                      "工程技术研究中心": "engineering research centre"}
STATION_KINDS_EN = {"院士专家工作站": "academician workstation", "博士创新实践基地": "doctoral innovation base",
                    "科普示范基地": "science outreach base", "博士后科研工作站": "postdoctoral workstation"}
MEMBER_ROLES_EN = {"牵头单位": "lead member", "成员单位": "member"}
STAGES, ENTERPRISE_KINDS = tuple(STAGES_EN), tuple(ENTERPRISE_KINDS_EN)
PROJECT_STATUSES, DEMAND_STATUSES = tuple(PROJECT_STATUSES_EN), tuple(DEMAND_STATUSES_EN)
DEMAND_CATEGORIES, LEVELS = tuple(DEMAND_CATEGORIES_EN), tuple(LEVELS_EN)
VOCABULARY_EN = {**STAGES_EN, **ENTERPRISE_KINDS_EN, **PROJECT_STATUSES_EN, **DEMAND_STATUSES_EN,
                 **DEMAND_CATEGORIES_EN, **LEVELS_EN, **ORG_TYPES_EN, **ORG_FORMS_EN, **SECTORS_EN,
                 **INSTITUTE_KINDS_EN, **STATION_KINDS_EN, **MEMBER_ROLES_EN}


def english_value(value):
    """A vocabulary word's English name (each item of a list); anything else (names, free text,
    numbers) as it is."""
    if isinstance(value, list):
        return [english_value(v) for v in value]
    return VOCABULARY_EN.get(value, value) if isinstance(value, str) else value

NODE_LABELS: tuple[NodeLabel, ...] = (
    NodeLabel("Alliance", "产业链党建联合体", COMMON + (
        Prop("name_en", zh="英文名"),
        Prop("theme", zh="主题"),
        Prop("founded_year", "int", minimum=1949, maximum=2100, zh="组建年份"),
        Prop("description", zh="说明"),
    )),
    NodeLabel("Chain", "产业链", COMMON + (
        Prop("name_en", zh="英文名"),
        Prop("category", zh="门类"),
        Prop("description", zh="说明"),
    )),
    NodeLabel("Segment", "产业链环节", COMMON + (
        Prop("stage", allowed=STAGES, zh="环节位置", aliases=("上中下游",)),
        Prop("order", "int", minimum=0, maximum=1000, zh="顺序"),
        Prop("description", zh="说明"),
    )),
    NodeLabel("Enterprise", "企业", COMMON + (
        Prop("in_zone", "bool", required=True, zh="是否园区企业", aliases=("园区内",), index=True),
        Prop("short_name", zh="简称"),
        Prop("park", zh="所在园区"),
        Prop("region", zh="所在地区"),
        Prop("credit_code", zh="统一社会信用代码", aliases=("信用代码",)),
        Prop("listed_code", zh="股票代码"),
        Prop("kind", allowed=ENTERPRISE_KINDS, zh="企业类型"),
        Prop("chain_enterprise", "bool", zh="链上企业"),
        Prop("staff", "int", minimum=0, maximum=10_000_000, zh="员工人数"),
        Prop("party_members", "int", minimum=0, maximum=10_000_000, zh="党员人数"),
        Prop("rd_investment", "float", minimum=0, maximum=100_000, zh="研发投入(亿元)"),
        Prop("honours", "list", zh="荣誉"),
        Prop("founded", "date", zh="成立日期"),
        Prop("description", zh="说明"),
    )),
    NodeLabel("PartyOrg", "党组织", COMMON + (
        Prop("org_type", allowed=tuple(ORG_TYPES_EN), zh="组织类型"),
        Prop("form", allowed=tuple(ORG_FORMS_EN), zh="组建方式"),
        Prop("sector", allowed=tuple(SECTORS_EN), zh="领域"),
        Prop("members", "int", minimum=0, maximum=1_000_000, zh="党员人数"),
        Prop("honour", zh="荣誉称号"),
        Prop("honour_level", allowed=LEVELS, zh="荣誉级别"),
        Prop("honour_year", "int", minimum=1949, maximum=2100, zh="荣誉年份"),
        Prop("model_branch", "bool", zh="模范支部示范点"),
    )),
    NodeLabel("Institute", "科研机构/平台", COMMON + (
        Prop("kind", allowed=tuple(INSTITUTE_KINDS_EN), zh="类型"),
        Prop("level", allowed=LEVELS, zh="级别"),
        Prop("in_zone", "bool", zh="是否园区内"),
        Prop("description", zh="说明"),
    )),
    NodeLabel("TalentStation", "人才站点", COMMON + (
        Prop("kind", required=True, allowed=tuple(STATION_KINDS_EN), zh="类型"),
        Prop("level", allowed=LEVELS, zh="级别"),
        Prop("established_year", "int", minimum=1949, maximum=2100, zh="建成年份"),
    )),
    NodeLabel("Project", "投资项目", COMMON + (
        Prop("status", required=True, allowed=PROJECT_STATUSES, zh="状态"),
        Prop("investment", "float", minimum=0, maximum=100_000, zh="协议投资额(亿元)", aliases=("投资额",)),
        Prop("signed_date", "date", zh="签约日期"),
        Prop("signed_year", "int", minimum=1949, maximum=2100, zh="签约年份", derived_from="signed_date"),
        Prop("landed_date", "date", zh="落地日期"),
        Prop("landed_year", "int", minimum=1949, maximum=2100, zh="落地年份", derived_from="landed_date"),
        Prop("key_project", "bool", zh="重点项目"),
    )),
    NodeLabel("Demand", "企业诉求", COMMON + (
        Prop("category", required=True, allowed=DEMAND_CATEGORIES, zh="类别"),
        Prop("status", required=True, allowed=DEMAND_STATUSES, zh="状态"),
        Prop("raised_date", "date", zh="提出日期"),
        Prop("resolved_date", "date", zh="办结日期"),
        Prop("days_to_close", "int", minimum=0, maximum=100_000, zh="办结天数",
             derived_from="raised_date..resolved_date"),
    )),
    NodeLabel("Product", "产品", COMMON + (
        Prop("category", zh="门类"),
    ), "Products of the public ChainKnowledgeGraph dataset (产品), finer than a chain segment."),
)

REL_TYPES: tuple[RelType, ...] = (
    RelType("MEMBER_OF", "成员", (("Enterprise", "Alliance"), ("Institute", "Alliance")),
            (Prop("role", allowed=tuple(MEMBER_ROLES_EN), zh="角色"),)),
    RelType("COVERS", "覆盖", (("Alliance", "Chain"),)),
    RelType("PART_OF", "属于", (("Segment", "Chain"), ("Chain", "Chain"))),
    RelType("FEEDS", "供给(上游→下游)", (("Segment", "Segment"), ("Product", "Product"))),
    RelType("IN_SEGMENT", "所处环节", (("Enterprise", "Segment"), ("Project", "Segment"),
                                      ("Enterprise", "Chain"))),
    RelType("SUPPLIES", "供应", (("Enterprise", "Enterprise"),),
            (Prop("product", zh="产品"), Prop("weight", "float", minimum=0, maximum=1, zh="权重"))),
    RelType("SUBSIDIARY_OF", "子公司", (("Enterprise", "Enterprise"),),
            (Prop("share", "float", minimum=0, maximum=1, zh="持股比例"),)),
    RelType("BASED_IN", "设在", (("PartyOrg", "Enterprise"), ("PartyOrg", "Institute"))),
    RelType("COOPERATES_WITH", "产学研合作", (("Institute", "Enterprise"),), (Prop("topic", zh="合作内容"),)),
    RelType("HOSTED_BY", "依托", (("TalentStation", "Enterprise"), ("TalentStation", "Institute"))),
    RelType("SERVES", "服务", (("Institute", "Chain"), ("TalentStation", "Chain"), ("Institute", "Segment"))),
    RelType("INVESTED_BY", "投资方", (("Project", "Enterprise"),)),
    RelType("REFERRED_BY", "以商招商引荐", (("Project", "Enterprise"),)),
    RelType("RAISED_BY", "提出", (("Demand", "Enterprise"),)),
    RelType("MAKES", "主营产品", (("Enterprise", "Product"),),
            (Prop("weight", "float", minimum=0, maximum=1, zh="收入占比"),)),
    RelType("SUBTYPE_OF", "产品小类", (("Product", "Product"),)),
    RelType("INCLUDES", "包含产品", (("Segment", "Product"), ("Chain", "Product")),
            description="A segment's products, or a chain's when it is given only as products (no segments). "
                        "A firm that MAKES an included product is in that segment (or chain) as if by IN_SEGMENT."),
)

# Derived properties every write keeps (queries/lead_aggregates.py): declared so LadybugDB has the
# columns, but never loaded, exported or shown as data (they are not in ``props``).
_PARTNER_FLAGS = (Prop("lead_alliance", "bool"), Prop("lead_party", "bool"))
MAINTAINED: dict[str, tuple[Prop, ...]] = {
    "Enterprise": _PARTNER_FLAGS + (Prop("lead_ties", "int"), Prop("lead_product_paths", "int"),
                                    Prop("lead_score", "float"), Prop("lead_gap_min", "int"), Prop("lead_figures"),
                                    Prop("lead_shown", "list")),
    "Institute": _PARTNER_FLAGS,
    "Segment": (Prop("lead_inside", "int"),),
}

# Derived nodes every write keeps (queries/zone_figures.py: the zone's figures, one node): declared
# so both stores have them, but not part of the model (never loaded, exported, searched or shown).
DERIVED: dict[str, tuple[Prop, ...]] = {"ZoneFigures": (Prop("figures"),)}

LABELS = {n.name: n for n in NODE_LABELS}
RELS = {r.name: r for r in REL_TYPES}


def check_label(name: str) -> NodeLabel:
    """Labels and types that come from users are checked against the model before use in Cypher."""
    if not isinstance(name, str) or name not in LABELS:
        raise ValueError(f"unknown label {name!r}; known: {', '.join(LABELS)}")
    return LABELS[name]


def check_rel_type(name: str) -> RelType:
    if not isinstance(name, str) or name not in RELS:
        raise ValueError(f"unknown relationship type {name!r}; known: {', '.join(RELS)}")
    return RELS[name]


def ladybug_ddl() -> list[str]:
    """LadybugDB needs a declared schema: a node table per label, a rel table per type."""
    stmts = []
    for label in NODE_LABELS:
        cols = ", ".join(f"{_quote(p.name)} {LADYBUG_TYPES[p.kind]}" for p in label.props if p.name != "id")
        stmts.append(f"CREATE NODE TABLE IF NOT EXISTS {label.name}(id STRING PRIMARY KEY, {cols})")
        # ADD rather than in CREATE: a store made before these columns existed gains them too.
        stmts += [f"ALTER TABLE {label.name} ADD IF NOT EXISTS {p.name} {LADYBUG_TYPES[p.kind]}"
                  for p in MAINTAINED.get(label.name, ())]
    for name, props in DERIVED.items():
        cols = "".join(f", {_quote(p.name)} {LADYBUG_TYPES[p.kind]}" for p in props)
        stmts.append(f"CREATE NODE TABLE IF NOT EXISTS {name}(id STRING PRIMARY KEY{cols})")
    for rel in REL_TYPES:
        parts = [f"FROM {a} TO {b}" for a, b in rel.pairs]
        parts += [f"{_quote(p.name)} {LADYBUG_TYPES[p.kind]}" for p in rel.props]
        stmts.append(f"CREATE REL TABLE IF NOT EXISTS {rel.name}({', '.join(parts)})")
    return stmts


def neo4j_ddl() -> list[str]:
    """Neo4j: a uniqueness constraint on id and a range and a text index on name for every label, and
    an index on each property declared ``index`` (Enterprise.in_zone: the in-zone firms are found by an
    index seek and joined, never by reading every firm's properties; docs/neo4j-plans.md)."""
    stmts = []
    for label in NODE_LABELS:
        low = label.name.lower()
        stmts.append(f"CREATE CONSTRAINT {low}_id IF NOT EXISTS FOR (n:{label.name}) REQUIRE n.id IS UNIQUE")
        stmts.append(f"CREATE INDEX {low}_name IF NOT EXISTS FOR (n:{label.name}) ON (n.name)")
        # search's CONTAINS on a name (queries/explore.py), which the range index above cannot answer
        stmts.append(f"CREATE TEXT INDEX {low}_name_text IF NOT EXISTS FOR (n:{label.name}) ON (n.name)")
        for prop in label.props:
            if prop.index:
                stmts.append(f"CREATE INDEX {low}_{prop.name} IF NOT EXISTS FOR (n:{label.name}) ON (n.{_quote(prop.name)})")
    stmts += [f"CREATE CONSTRAINT {name.lower()}_id IF NOT EXISTS FOR (n:{name}) REQUIRE n.id IS UNIQUE"
              for name in DERIVED]
    # The leads ranking scans the firms that are leads, those whose stored score can make the top k
    # first (queries/lead_ranking.py).
    stmts.append("CREATE INDEX enterprise_lead_ties IF NOT EXISTS FOR (n:Enterprise) ON (n.lead_ties)")
    stmts.append("CREATE INDEX enterprise_lead_score IF NOT EXISTS FOR (n:Enterprise) ON (n.lead_score)")
    return stmts


RESERVED = {"order", "kind", "level", "from", "to"}


def _quote(name: str) -> str:
    # `order` is a keyword in both dialects; backticks are accepted by both.
    return f"`{name}`" if name in RESERVED else name
