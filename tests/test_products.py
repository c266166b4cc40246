"""Products in the analyses, on real data: a subset of the public ChainKnowledgeGraph dataset (the
firms and products within 2 product FEEDS hops of what 比亚迪 and 宁德时代 make), written to a temporary
folder in the source's own JSON Lines format and loaded with mappings/chainkg.yaml, on both stores.

A 50-firm zone is chosen by a file (ids, stock codes and names mixed).  Every answer is compared with
one computed here with networkx straight from the subset's SOURCE FILES (never through the loaders or
a store), applying the rules of queries/products.py's docstring and the README.
"""
from __future__ import annotations

import json
import re
import shutil
from collections import defaultdict

import networkx as nx
import pytest
from click.testing import CliRunner

from graph.embedded import EmbeddedStore
from loaders.load import load_paths
from loaders.zone import match, read_entries, set_zone, show_zone
from queries import registry
from tests.conftest import IN_CI, ROOT, SHARED, neo4j_or_skip

DATA = SHARED / "data" / "chainkg"
MAPPING = ROOT / "mappings" / "chainkg.yaml"
SEEDS = ("002594", "300750")          # 比亚迪, 宁德时代
INDUSTRY = "电动乘用车"                # 比亚迪's Shenwan industry: a chain with no segments, only firms and products

pytestmark = pytest.mark.skipif(not DATA.exists() and not IN_CI,
                                reason=f"ChainKnowledgeGraph data not found at {DATA}")


def source_rows(folder, name):
    with open(folder / name, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def code(text):
    return re.match(r"\d{6}", text.strip()).group(0)


def write_subset(out):
    """The subset, in the source's format: products within 2 FEEDS hops of the seeds' products, the
    firms making one of them (only those MAKES rows), every industry."""
    makes = defaultdict(set)
    for r in source_rows(DATA, "company_product.reconstructed.jsonl"):
        makes[code(r["company_code"])].add(r["product_name"].strip())
    near = defaultdict(set)
    pairs = source_rows(DATA, "product_product.reconstructed.jsonl")
    for r in pairs:
        if r["rel"] in ("上游材料", "下游产品"):
            a, b = r["from_entity"].strip(), r["to_entity"].strip()
            near[a].add(b)
            near[b].add(a)
    products = set().union(*(makes[s] for s in SEEDS))
    frontier = set(products)
    for _ in range(2):
        frontier = {b for a in frontier for b in near[a]} - products
        products |= frontier
    firms = {c for c, made in makes.items() if made & products}

    def write(name, keep):
        with open(out / name, "w", encoding="utf-8") as fh:
            for r in source_rows(DATA, name):
                if keep(r):
                    fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    write("company.json", lambda r: code(r["code"]) in firms)
    write("industry.json", lambda r: True)
    write("industry_industry.json", lambda r: True)
    write("company_industry.json", lambda r: code(r["company_code"]) in firms)
    write("product.json", lambda r: r["name"].strip() in products)
    write("company_product.reconstructed.jsonl",
          lambda r: code(r["company_code"]) in firms and r["product_name"].strip() in products)
    write("product_product.reconstructed.jsonl",
          lambda r: r["from_entity"].strip() in products and r["to_entity"].strip() in products)
    return out


class Source:
    """The subset read as the mapping documents it (mappings/chainkg.yaml), without the loader."""

    def __init__(self, folder):
        rows = lambda name: [{k: v.strip() if isinstance(v, str) else v for k, v in r.items()}  # noqa: E731
                             for r in source_rows(folder, name)]
        self.firms = {}
        for r in rows("company.json"):                    # a stock code listed twice: the first row stays
            self.firms.setdefault("co:" + code(r["code"]), r)
        self.products = {"prod:" + r["name"] for r in rows("product.json")}
        industries = {"ind:" + r["name"] for r in rows("industry.json")}
        self.tree = nx.DiGraph((("ind:" + r["from_industry"], "ind:" + r["to_industry"])
                                for r in rows("industry_industry.json") if r["rel"] == "上级行业"))
        self.in_chain = defaultdict(set)                 # chain -> firms (IN_SEGMENT to the chain)
        for r in rows("company_industry.json"):
            firm, chain = "co:" + code(r["company_code"]), "ind:" + r["industry_name"]
            if firm in self.firms and chain in industries:
                self.in_chain[chain].add(firm)
        self.makes = defaultdict(set)                     # firm -> products
        self.makers = defaultdict(set)                    # product -> firms
        for r in rows("company_product.reconstructed.jsonl"):
            firm, product = "co:" + code(r["company_code"]), "prod:" + r["product_name"]
            if 0 <= r["rel_weight"] <= 1 and firm in self.firms and product in self.products:
                self.makes[firm].add(product)
                self.makers[product].add(firm)
        self.feeds = nx.DiGraph()                         # product FEEDS, upstream -> downstream
        for r in rows("product_product.reconstructed.jsonl"):
            a, b = "prod:" + r["from_entity"], "prod:" + r["to_entity"]
            if a in self.products and b in self.products and a != b:
                if r["rel"] == "上游材料":
                    self.feeds.add_edge(b, a)
                elif r["rel"] == "下游产品":
                    self.feeds.add_edge(a, b)

    def name(self, firm):
        return self.firms[firm]["fullname"]

    @staticmethod
    def pname(product):
        return product.removeprefix("prod:")


def zone_entries(src):
    """50 firms: the two seeds by name, 30 by id, 10 by stock code, 8 by unique short name."""
    short = defaultdict(list)
    for firm, r in src.firms.items():
        short[r["name"]].append(firm)
    others = [f for f in sorted(src.firms) if f not in ("co:002594", "co:300750")]
    chosen = ["co:002594", "co:300750"] + others[:48]
    lines = ["企业", "比亚迪", src.name("co:300750")]
    lines += others[:30]
    lines += [f.removeprefix("co:") for f in others[30:40]]
    lines += [src.firms[f]["name"] if len(short[src.firms[f]["name"]]) == 1 else f for f in others[40:48]]
    return chosen, "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def subset(tmp_path_factory):
    folder = write_subset(tmp_path_factory.mktemp("chainkg_subset"))
    src = Source(folder)
    zone, text = zone_entries(src)
    (folder.parent / "ours.csv").write_text(text, encoding="utf-8")
    return folder, src, zone, folder.parent / "ours.csv"


def _load(store, folder, rejects, ours):
    load_paths(store, [folder], mapping=MAPPING, skip_invalid=True, rejects_dir=rejects)
    found = match(store, read_entries(ours))
    assert not found.unmatched and not found.ambiguous, found.report()
    set_zone(store, found.ids)


@pytest.fixture(scope="module", params=["embedded", "neo4j"])
def loaded(request, subset, tmp_path_factory):
    folder, src, zone, ours = subset
    rejects = tmp_path_factory.mktemp("rejects")
    if request.param == "embedded":
        store = EmbeddedStore(tmp_path_factory.mktemp("db"))
        _load(store, folder, rejects, ours)
        yield store, src, zone
        store.close()
    else:
        neo4j_or_skip()
        store = request.getfixturevalue("neo4j_session_store")
        store.clear()
        _load(store, folder, rejects, ours)
        yield store, src, zone
        store.clear()


def run(store, name, **params):
    return registry.get(name).run(store, **params)


# --- the zone ----------------------------------------------------------------------------------------

def test_zone_file_sets_exactly_the_listed_firms(loaded):
    store, src, zone = loaded
    assert sorted(r["id"] for r in show_zone(store)) == sorted(zone)
    assert len(zone) == 50


# --- updown through products -------------------------------------------------------------------------

def reference_updown(src, start, side, depth):
    """{firm: (distance, sentence)}: the start's products, BFS over FEEDS (reversed for up), each
    product's path through its smallest-id parent, each firm through its nearest product (by id)."""
    walk = src.feeds.reverse() if side == "up" else src.feeds
    starts = sorted(src.makes[start])
    walk = walk.copy()
    walk.add_nodes_from(starts)
    dist = nx.multi_source_dijkstra_path_length(walk, set(starts), cutoff=depth)
    best = {}
    for product, d in dist.items():
        if d == 0:
            continue
        for firm in src.makers[product]:
            if firm != start and (firm not in best or (d, product) < best[firm]):
                best[firm] = (d, product)
    word = "的上游材料" if side == "up" else "的下游产品"
    out = {}
    for firm, (d, product) in best.items():
        chain = [product]
        while dist[chain[-1]] > 0:
            chain.append(min(p for p in walk.predecessors(chain[-1]) if dist.get(p) == dist[chain[-1]] - 1))
        chain.reverse()
        parts = [f"{src.name(start)} 造 {src.pname(chain[0])}"]
        parts += [f"{src.pname(a)} {word} {src.pname(b)}" for a, b in zip(chain, chain[1:])]
        parts.append(f"{src.name(firm)} 造 {src.pname(chain[-1])}")
        out[firm] = (d, "；".join(parts))
    return out


@pytest.mark.parametrize("side", ["up", "down"])
def test_updown_of_byd_lists_firms_through_products_with_paths(loaded, side):
    store, src, _ = loaded
    table = run(store, "updown", id="比亚迪", direction=side, depth=2, cap=100000).table
    inferred = table[table["basis"] == "inferred"]
    got = {r["id"]: (r["distance"], r["path"]) for r in inferred.to_dict("records")}
    expected = reference_updown(src, "co:002594", side, 2)
    assert got == expected
    if side == "up":
        assert len(got) > 10                 # suppliers through products: real answers, not a handful
        assert any("汽车 的上游材料" in path for _, path in got.values())
    assert set(table["basis"]) <= {"recorded", "inferred"}


def test_updown_cap_keeps_the_nearest_firms_by_id(loaded):
    store, src, _ = loaded
    full = reference_updown(src, "co:300750", "up", 2)
    result = run(store, "updown", id="co:300750", direction="up", depth=2, cap=5)
    kept = sorted(full, key=lambda f: (full[f][0], f))[:5]
    assert list(result.table["id"]) == kept
    assert result.extra["truncated"] is (len(full) > 5)


# --- a chain given as products -----------------------------------------------------------------------

def reference_product_gaps(src, products, zone, threshold=2):
    """{product: (status, in-zone makers, out-of-zone makers, strong neighbours, score)} for 缺/弱."""
    inside = {p: len(src.makers[p] & zone) for p in products}
    status = {p: "缺" if inside[p] == 0 else "弱" if inside[p] < threshold else "强" for p in products}
    sub = src.feeds.subgraph(products)
    out = {}
    for p in products:
        if status[p] == "强":
            continue
        neighbours = (set(sub.predecessors(p)) | set(sub.successors(p))) if p in sub else set()
        strong = sum(1 for q in neighbours if status[q] == "强")
        outside = len(src.makers[p] - zone)
        out[p] = (status[p], inside[p], outside, strong, (3 if status[p] == "缺" else 1) + 2 * strong + 0.5 * outside)
    return out


def industry_products(src, industry):
    chains = {industry} | nx.ancestors(src.tree, industry)
    return {p for c in chains for f in src.in_chain[c] for p in src.makes[f]}


def test_gaps_on_a_shenwan_industry_given_by_its_firms_products(loaded):
    store, src, zone = loaded
    chain = "ind:" + INDUSTRY
    table = run(store, "gaps", chains=[INDUSTRY]).table            # by name
    got = {r["segment"]: (r["status"], r["in_zone_firms"], r["candidates"], r["strong_neighbours"], r["score"])
           for r in table.to_dict("records")}
    expected = reference_product_gaps(src, industry_products(src, chain), set(zone))
    assert got and got == expected
    assert set(table["kind"]) == {"product"} and all(table["reason_zh"].str.contains("园外生产企业"))
    panorama = run(store, "panorama", chain=chain).table
    assert set(panorama["segment"]) == industry_products(src, chain)
    made = {p for f in zone for p in src.makes[f]}
    assert {r["segment"] for r in panorama.to_dict("records") if r["status"] != "缺"} == made & set(panorama["segment"])


def test_a_chain_listed_as_products_in_a_native_file(loaded, tmp_path):
    """A chain given only as products (Chain + INCLUDES, native format) over the loaded ChainKG."""
    store, src, zone = loaded
    made = src.makes["co:300750"]
    listed = sorted(made | {q for p in made if p in src.feeds for q in src.feeds.predecessors(p)})[:40]
    (tmp_path / "Chain.csv").write_text("id,name\nch_battery,动力电池产业链\n", encoding="utf-8")
    (tmp_path / "INCLUDES.csv").write_text("from,to\n" + "".join(f"ch_battery,{p}\n" for p in listed), encoding="utf-8")
    load_paths(store, [tmp_path / "Chain.csv", tmp_path / "INCLUDES.csv"])
    table = run(store, "gaps", chains=["动力电池产业链"]).table
    got = {r["segment"]: (r["status"], r["in_zone_firms"], r["candidates"], r["strong_neighbours"], r["score"])
           for r in table.to_dict("records")}
    assert got and got == reference_product_gaps(src, set(listed), set(zone))
    panorama = run(store, "panorama", chain="ch_battery")
    assert list(panorama.table["segment"]) and set(panorama.table["segment"]) == set(listed)
    order = list(panorama.table["segment"])
    assert all(order.index(a) < order.index(b) for a, b in src.feeds.subgraph(listed).edges
               if nx.is_directed_acyclic_graph(src.feeds.subgraph(listed)))


# --- leads through products --------------------------------------------------------------------------

def reference_product_leads(src, zone):
    """{lead: sorted [(partner, product, partner product, side)]} by the rule in queries/products.py."""
    ties = defaultdict(list)
    for lead in set(src.firms) - zone:
        for p in src.makes[lead]:
            for partner in zone:
                for q in src.makes[partner]:
                    if p == q:
                        continue
                    if src.feeds.has_edge(p, q):
                        ties[lead].append((partner, p, q, "up"))
                    if src.feeds.has_edge(q, p):
                        ties[lead].append((partner, p, q, "down"))
    return {lead: sorted(ts) for lead, ts in ties.items()}


def test_leads_through_products_match_the_reference_and_print_paths(loaded):
    store, src, zone = loaded
    expected = reference_product_leads(src, set(zone))
    result = run(store, "leads", limit=10000)
    rows = result.extra["rows"]
    assert rows and {r["lead"]: r["score"] for r in rows} == {lead: 0.5 * len(ts) for lead, ts in expected.items()}
    ranked = sorted(expected, key=lambda lead: (-len(expected[lead]), lead))
    assert [r["lead"] for r in rows] == ranked
    for r in rows:
        ts = expected[r["lead"]]
        assert r["ties"] == len(ts)
        partner, p, q, side = ts[0]
        relation = f"{src.pname(q)} 的上游材料 {src.pname(p)}" if side == "up" else f"{src.pname(q)} 的下游产品 {src.pname(p)}"
        first = r["paths"].split("\n")[0]
        assert first.startswith(f"{src.name(r['lead'])} 造 {src.pname(p)}；{relation}；{src.name(partner)} 造 {src.pname(q)}")
        assert "推断" in first and "inferred" in r["explanation_en"]
        if len(ts) > 5:
            assert r["paths"].split("\n")[-1] == f"…及另外 {len(ts) - 5} 条关系 / and {len(ts) - 5} more ties"
    top = run(store, "leads", limit=3).extra["rows"]
    assert [r["lead"] for r in top] == ranked[:3]


@pytest.mark.parametrize("params", [{"limit": 10000}, {"limit": 7}, {"limit": 30, "max_paths": 2},
                                    {"limit": 30, "min_score": 2.0}])
def test_product_leads_from_aggregates_equal_the_bound_path(loaded, monkeypatch, params):
    """The product paths kept with each lead (queries/lead_aggregates.py) give the table that
    computing every product path at query time gives."""
    from queries import lead_ranking
    store, _, _ = loaded
    fast = run(store, "leads", **params).table
    monkeypatch.setattr(lead_ranking, "applies", lambda *a: False)
    slow = run(store, "leads", **params).table
    assert len(fast) > 0 and fast.to_dict("records") == slow.to_dict("records")


def test_gaps_over_every_chain_cover_the_industries_of_the_zone(loaded):
    """Without chains: every segment-less chain an in-zone firm is in, each by its firms' products."""
    store, src, zone = loaded
    everything = run(store, "gaps").table
    assert list(everything["score"]) == sorted(everything["score"], reverse=True)
    # (the native-file test may have added ch_battery, a chain listed as products: checked there)
    table = everything[everything["chain"].str.startswith("ind:")]
    chains = sorted(c for c, firms in src.in_chain.items() if firms & set(zone))
    assert sorted(set(table["chain"])) == [c for c in chains if reference_product_gaps(src, industry_products(src, c), set(zone))]
    for chain in chains:
        got = {r["segment"]: (r["status"], r["in_zone_firms"], r["candidates"], r["strong_neighbours"], r["score"])
               for r in table[table["chain"] == chain].to_dict("records")}
        assert got == reference_product_gaps(src, industry_products(src, chain), set(zone)), chain


# --- names, bad values and empty answers (CLI, embedded) ------------------------------------------------

@pytest.fixture(scope="module")
def cli_store(subset, tmp_path_factory):
    folder, _, _, ours = subset
    data_dir = tmp_path_factory.mktemp("cli")
    with EmbeddedStore(data_dir) as store:
        load_paths(store, [folder], mapping=MAPPING, skip_invalid=True, rejects_dir=data_dir / "rejects")
    return data_dir, ours


def cli(data_dir, *args, columns: int | None = None):
    from cli import main
    env = {"COLUMNS": str(columns)} if columns else None     # the table's width (default 100: cells wrap)
    return CliRunner().invoke(main, ["--store", "embedded", "--data-dir", str(data_dir), *args], env=env)


def test_cli_zone_then_leads_print_their_paths(cli_store, subset):
    data_dir, ours = cli_store
    _, src, zone, _ = subset
    empty = cli(data_dir, "query", "leads", "--format", "json")
    assert empty.exit_code == 0 and json.loads(empty.stdout)["rows"] == []
    assert "no firm is marked in-zone" in empty.stderr and "没有企业被标记为园区企业" in empty.stderr
    bad = data_dir.parent / "bad.csv"
    bad.write_text("名称\n比亚迪\n没有这家公司\n", encoding="utf-8")
    refused = cli(data_dir, "zone", "set", "--file", str(bad))
    assert refused.exit_code == 2 and "没有这家公司" in refused.stderr and "nothing was written" in refused.stderr
    assert cli(data_dir, "zone", "show", "--format", "json").stdout.strip() == "[]"
    done = cli(data_dir, "zone", "set", "--file", str(ours))
    assert done.exit_code == 0, done.stderr
    shown = json.loads(cli(data_dir, "zone", "show", "--format", "json").stdout)
    assert sorted(r["id"] for r in shown) == sorted(zone)
    leads = cli(data_dir, "query", "leads", "--param", "limit=5", "--format", "json")
    rows = json.loads(leads.stdout)["rows"]
    assert len(rows) == 5 and all(" 造 " in r["paths"] for r in rows)
    table = cli(data_dir, "query", "updown", "--param", "id=比亚迪", "--param", "direction=up", "--param", "depth=1",
                "--format", "json")
    assert table.exit_code == 0
    assert any(r["path"].startswith("比亚迪股份有限公司 造 汽车；汽车 的上游材料") for r in json.loads(table.stdout)["rows"])


@pytest.mark.parametrize("params,needle", [
    (["id=比亚"], "did you mean"),
    (["id=co:999999"], "unknown"),
    (["id=比亚迪", "depth=0"], "depth"),
    (["id=比亚迪", "depth=7"], "depth"),
    (["id=比亚迪", "direction=sideways"], "direction"),
])
def test_cli_bad_values_exit_2_with_a_message(cli_store, params, needle):
    data_dir, _ = cli_store
    out = cli(data_dir, "query", "updown", *[a for p in params for a in ("--param", p)])
    assert out.exit_code == 2, out.output
    assert needle in out.stderr and "Traceback" not in out.output


def test_cli_other_bad_values(cli_store):
    data_dir, _ = cli_store
    out = cli(data_dir, "query", "what_if", "--param", "segment=x", "--param", "firms=-5")
    assert out.exit_code == 2 and "firms" in out.stderr
    out = cli(data_dir, "query", "panorama", "--param", "chain=no such chain")
    assert out.exit_code == 2 and "unknown chain" in out.stderr
    out = cli(data_dir, "query", "panorama", "--param", "chain=乘用")      # several chains contain it
    assert out.exit_code == 2 and "did you mean" in out.stderr and "乘用车" in out.stderr


def test_a_chain_with_nothing_says_so(cli_store, subset):
    data_dir, _ = cli_store
    src = subset[1]
    bare = min(c for c in src.tree if not industry_products(src, c))     # no firm of the subset in it
    out = cli(data_dir, "query", "gaps", "--param", f"chains={bare}", "--format", "json")
    assert out.exit_code == 0 and json.loads(out.stdout)["rows"] == []
    assert "该产业链没有环节或产品数据" in out.stderr


def test_zone_clear(cli_store, tmp_path):
    data_dir, _ = cli_store
    copy = tmp_path / "copy"
    shutil.copytree(data_dir, copy)
    assert cli(copy, "zone", "clear").exit_code == 2
    assert cli(copy, "zone", "clear", "--yes").exit_code == 0
    assert json.loads(cli(copy, "zone", "show", "--format", "json").stdout) == []


# --- a segment that includes products (native format, both stores) -------------------------------------

SEGMENT_FILES = {
    "Chain.csv": "id,name\nch,测试链\n",
    "Segment.csv": "id,name,stage,order\ns1,材料环节,上游,1\ns2,整机环节,下游,2\n",
    "PART_OF.csv": "from,to\ns1,ch\ns2,ch\n",
    "FEEDS.csv": "from,to\ns1,s2\np1,p2\n",
    "Product.csv": "id,name\np1,铝材\np2,汽车\n",
    "INCLUDES.csv": "from,to\ns1,p1\ns2,p2\n",
    "Enterprise.csv": "id,name,in_zone\ne1,甲铝业,true\ne2,乙材料,true\no1,丙汽车,false\n",
    "IN_SEGMENT.csv": "from,to\ne2,s1\n",
    "MAKES.csv": "from,to\ne1,p1\ne2,p1\no1,p2\n",
}


def test_a_firm_is_in_the_segment_that_includes_what_it_makes(store, tmp_path):
    from tests import reference as ref
    for name, text in SEGMENT_FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    load_paths(store, [tmp_path])
    g = ref.read_graph(tmp_path)
    panorama = run(store, "panorama", chain="测试链").table
    assert [(r["segment"], r["in_zone_firms"], r["status"]) for r in panorama.to_dict("records")] == \
        [(s, n, st) for s, n, st in ref.panorama(g, "ch")]
    assert list(panorama["in_zone_firms"]) == [2, 0]            # e2 counted once (IN_SEGMENT and MAKES)
    gaps = run(store, "gaps").table
    assert {r["segment"]: (r["status"], r["candidates"], r["score"]) for r in gaps.to_dict("records")} == \
        {s: (st, len(ref.out_zone_firms(g, s)), score) for s, (st, _, score) in ref.gaps(g).items()}
    down = run(store, "updown", id="材料环节", direction="down", depth=2).table
    inferred = down[down["basis"] == "inferred"].to_dict("records")
    assert [(r["id"], r["path"]) for r in inferred] == [("o1", "材料环节 包含 铝材；铝材 的下游产品 汽车；丙汽车 造 汽车")]
    recorded = down[down["basis"] == "recorded"]
    assert list(recorded["id"]) == ["s2"]
    from_product = run(store, "updown", id="汽车", direction="up", depth=1).table
    assert sorted(from_product["id"]) == ["e1", "e2"]
    assert set(from_product["path"]) == {"汽车 的上游材料 铝材；甲铝业 造 铝材", "汽车 的上游材料 铝材；乙材料 造 铝材"}
    leads = run(store, "leads").extra["rows"]
    # o1: two product paths (0.5 each), and in the missing segment s2 by what it makes (+3).
    assert [(r["lead"], r["score"], r["ties"], r["gap"]) for r in leads] == [("o1", 4.0, 2, "缺")]


# --- the app on real data ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def app_data(subset, tmp_path_factory):
    folder, _, _, ours = subset
    data = tmp_path_factory.mktemp("app") / "data"
    with EmbeddedStore(data) as store:
        _load(store, folder, data.parent / "rejects", ours)
    return data


@pytest.mark.parametrize("page,query", [("panorama", {"chain": "ind:" + INDUSTRY}), ("gaps", {}), ("leads", {}),
                                        ("overview", {}), ("explore", {"node": "co:002594"})])
def test_app_pages_on_chainkg_with_a_zone(app_data, tmp_path, monkeypatch, page, query):
    """Pages that assumed the bundled data's shape (alliances, segments) answer on ChainKG."""
    from streamlit.testing.v1 import AppTest
    shutil.copytree(app_data, tmp_path / "data")        # each app run opens (and may lock) its own copy
    monkeypatch.setenv("CHAINGRAPH_STORE", "embedded")
    monkeypatch.setenv("CHAINGRAPH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CHAINGRAPH_AUTOLOAD", "0")
    monkeypatch.setenv("CHAINGRAPH_DEFAULT_PAGE", page)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    try:
        assert not at.exception, [e.message for e in at.exception]
        assert not at.error, [e.value for e in at.error]
        if page in ("panorama", "gaps", "leads"):
            assert len(at.dataframe[0].value) > 0
    finally:
        from app_pages.common import _store
        _store.clear()
