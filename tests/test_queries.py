"""Every analysis on both stores, on the bundled dataset, a generated zone and an edge-case graph,
compared with answers computed independently from the same files (tests/reference.py)."""
from __future__ import annotations

import pytest

from loaders.generate import generate_zone
from loaders.load import load_paths
from queries import registry
from queries.leads import lead_graph
from tests import reference as ref
from tests.conftest import BUNDLED, neo4j_or_skip

EDGE_FILES = {
    "Alliance.csv": "id,name\nal1,测试联合体\n",
    "Chain.csv": "id,name\nch_x,测试链 Mixed-Script\nch_empty,空链\n",
    "Segment.csv": "id,name,stage,order\nsA,Ａ环节,上游,1\nsB,B 环节,中游,2\nsC,C环节,下游,3\nsD,孤立环节 D,下游,4\n",
    "PART_OF.csv": "from,to\nsA,ch_x\nsB,ch_x\nsC,ch_x\nsD,ch_x\n",
    "FEEDS.csv": "from,to\nsA,sB\nsB,sC\n",
    "Enterprise.csv": "id,name,in_zone,chain_enterprise,kind\n"
                      "e1,ABC科技 Ltd,true,true,链主\ne2,晶体 Crystal,true,true,一般\ne3,孤立企业,true,true,一般\n"
                      "e4,丁 Co.,true,true,龙头\ne5,Second Firm in B,true,true,一般\n"
                      "o1,Ωmega 光电,false,false,一般\no2,园外乙,false,false,一般\no3,无关系园外,false,false,一般\n",
    "IN_SEGMENT.csv": "from,to\ne1,sA\ne2,sB\ne5,sB\ne4,sC\no1,sD\no2,sA\npr1,sD\n",
    "SUPPLIES.csv": "from,to,weight\ne1,e2,0.5\ne2,e4,0.25\ne4,e1,0.75\no1,e1,0.9\ne1,o1,\no2,e2,0.1\n",
    "SUBSIDIARY_OF.csv": "from,to,share\ne2,o2,0.6\n",
    "MEMBER_OF.csv": "from,to\ne1,al1\n",
    "PartyOrg.csv": "id,name,form\np1,乙党支部,单独组建\n",
    "BASED_IN.csv": "from,to\np1,e2\n",
    "Project.csv": "id,name,status,investment,signed_date\npr1,补链项目,签约,12.5,2025-02-01\n",
    "Institute.csv": "id,name,kind,in_zone\ni1,测试研究院,科研机构,true\n",
    "COOPERATES_WITH.csv": "from,to\ni1,o1\n",
    "Demand.csv": "id,name,category,status,raised_date,resolved_date\nd1,招工难,用工,已解决,2025-01-01,2025-01-05\n"
                  "d2,贷款,融资,待办,2025-02-01,\n",
    "RAISED_BY.csv": "from,to\nd1,e1\nd2,e3\n",
}


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    generated = tmp_path_factory.mktemp("generated")
    generate_zone(generated, enterprises=1500, seed=11)
    edge = tmp_path_factory.mktemp("edge")
    for name, text in EDGE_FILES.items():
        (edge / name).write_text(text, encoding="utf-8")
    return {"bundled": BUNDLED, "generated": generated, "edge": edge}


@pytest.fixture(scope="module", params=[(d, b) for b in ("embedded", "neo4j") for d in ("bundled", "generated", "edge")],
                ids=lambda p: f"{p[0]}-{p[1]}")
def loaded(request, folders, tmp_path_factory):
    dataset, backend = request.param
    if backend == "embedded":
        from graph.embedded import EmbeddedStore
        store = EmbeddedStore(tmp_path_factory.mktemp(f"q-{dataset}"))
    else:
        neo4j_or_skip()
        store = request.getfixturevalue("neo4j_session_store")
        store.clear()
    load_paths(store, [folders[dataset]])
    yield store, ref.read_graph(folders[dataset]), dataset
    if backend == "embedded":
        store.close()
    else:
        store.clear()


def run(store, name, **params):
    return registry.get(name).run(store, **params)


def test_panorama(loaded):
    store, g, _ = loaded
    for chain in ref.nodes(g, "Chain"):
        table = run(store, "panorama", chain=chain).table
        got = list(zip(table["segment"], table["in_zone_firms"], table["status"]))
        assert got == ref.panorama(g, chain), chain


def test_gaps(loaded):
    store, g, _ = loaded
    table = run(store, "gaps").table
    got = {r.segment: (r.status, r.strong_neighbours, r.score) for r in table.itertuples()}
    assert got == ref.gaps(g)
    assert list(table["score"]) == sorted(table["score"], reverse=True)
    assert all(r.reason_zh and r.reason_en for r in table.itertuples())


def test_updown(loaded):
    store, g, _ = loaded
    firms = ref.nodes(g, "Enterprise")
    hub = max(firms, key=lambda n: (g.degree(n), n))
    segment = sorted(ref.nodes(g, "Segment"))[1]
    for start in (hub, segment):
        for depth in (1, 3):
            table = run(store, "updown", id=start, direction="both", depth=depth, cap=100000).table
            got = {(r.direction, r.id): r.distance for r in table.itertuples()}
            assert got == ref.updown(g, start, "both", depth), (start, depth)
    with pytest.raises(ValueError, match="depth"):
        run(store, "updown", id=hub, depth=7)


def test_updown_cap_is_deterministic(loaded):
    """Where the cap bites, the nodes kept and each node's path follow the documented rule (nearest
    first, ties by id; path through the smallest-id parent), not the engine's row order: the same
    answer on every run and on both stores."""
    store, g, _ = loaded
    name = lambda n: g.nodes[n].get("name") or n  # noqa: E731
    firms = ref.nodes(g, "Enterprise")
    hub = max(firms, key=lambda n: (g.degree(n), n))
    starts = [hub, *sorted(ref.nodes(g, "Segment"))[:2]]
    for start in starts:
        for depth, cap in ((3, 3), (3, 40), (2, 100000)):
            expected, cut = {}, False
            for side in ("up", "down"):
                nodes, side_cut = ref.updown_capped(g, start, side, depth, cap)
                cut |= side_cut
                expected.update({(side, n): (k, " → ".join(map(name, path))) for n, k, path in nodes})
            for _ in range(2):
                result = run(store, "updown", id=start, direction="both", depth=depth, cap=cap)
                got = {(r.direction, r.id): (r.distance, r.path) for r in result.table.itertuples()}
                assert got == expected, (start, depth, cap)
                assert result.extra["truncated"] == cut, (start, depth, cap)


def test_leads_and_gap_leads(loaded):
    store, g, _ = loaded
    table = run(store, "leads", limit=10000).table
    assert dict(zip(table["lead"], table["score"])) == ref.leads(g)
    assert list(table["rank"]) == list(range(1, len(table) + 1))
    assert all(p for p in table["paths"]) and all("在园区" in p.splitlines()[0] for p in table["paths"])
    gap_table = run(store, "gaps").table
    for segment in list(gap_table["segment"])[:5]:
        got = run(store, "gap_leads", segment=segment, limit=10000).table
        assert dict(zip(got["lead"], got["score"])) == ref.leads(g, segment=segment)


def test_leads_list_their_strongest_paths(loaded):
    """Every tie counts in the score, but a lead lists and draws only its max_paths strongest ties
    (by what each adds to the score, then partner id), then how many more it has."""
    store, g, _ = loaded
    for max_paths in (1, 2, 5):
        expected = ref.lead_paths(g, max_paths)
        result = run(store, "leads", limit=10000, max_paths=max_paths)
        assert dict(zip(result.table["lead"], result.table["score"])) == ref.leads(g)
        for row in result.extra["rows"]:
            shown, more = expected[row["lead"]]
            assert [(t["partner"], t["rel"], t["lead_is_source"]) for t in row["_paths"]] == shown, row["lead"]
            lines = row["paths"].splitlines()
            assert len(lines) == len(shown) + (1 if more else 0)
            assert (f"及另外 {more} 条关系" in lines[-1]) if more else all("在园区" in line for line in lines)
            drawn = {(e["from"], e["to"], e["type"]) for e in lead_graph(row).edges if e["type"] != "MEMBER_OF"}
            assert drawn == {(row["lead"], p, rel) if src else (p, row["lead"], rel) for p, rel, src in shown}


def test_leads_top_k_is_the_head_of_the_full_ranking(loaded):
    """leads reads only the best-bounded leads: a small limit must still give the exact head of the
    ranking (ties in score broken by lead id), with min_score applied before the limit."""
    store, g, _ = loaded
    full = run(store, "leads", limit=10000).table
    pairs = list(zip(full["score"], full["lead"]))
    assert pairs == sorted(pairs, key=lambda p: (-p[0], p[1]))
    for k in (1, 2, 3, 7, 25):
        top = run(store, "leads", limit=k).table
        assert list(zip(top["score"], top["lead"])) == pairs[:k], k
    if pairs:
        floor = sorted({score for score, _ in pairs})[len({score for score, _ in pairs}) // 2]
        got = run(store, "leads", limit=3, min_score=floor).table
        assert list(zip(got["score"], got["lead"])) == [p for p in pairs if p[0] >= floor][:3]
    for segment in sorted(ref.gaps(g))[:3]:
        expected = sorted(ref.leads(g, segment=segment).items(), key=lambda kv: (-kv[1], kv[0]))[:2]
        got = run(store, "gap_leads", segment=segment, limit=2).table
        assert list(zip(got["lead"], got["score"])) == expected, segment


def test_what_if_leads_changed_match_reference(loaded):
    store, g, _ = loaded
    before = ref.leads(g)
    for segment in (sorted(ref.gaps(g)) + sorted(ref.nodes(g, "Segment")))[:3]:
        after = ref.leads(g, extra={segment: 2})
        changed = run(store, "what_if", segment=segment, firms=2).extra["leads_changed"]
        got = {r.lead: (r.score_before, r.score_after) for r in changed.itertuples()}
        assert got == {k: (v, after[k]) for k, v in before.items() if after[k] != v}, segment
        assert list(changed["score_before"]) == sorted(changed["score_before"], reverse=True)


def test_what_if_changes_nothing_and_matches_reference(loaded):
    store, g, _ = loaded
    before = store.counts()
    gaps = ref.gaps(g)
    segment = sorted(gaps)[0] if gaps else sorted(ref.nodes(g, "Segment"))[0]
    table = run(store, "what_if", segment=segment, firms=2).table
    after = ref.gaps(g, extra={segment: 2})
    for r in table.itertuples():
        assert (r.after == "强") == (r.segment not in after)
        if r.segment in after:
            assert r.score_after == after[r.segment][2]
    assert store.counts() == before


def test_search(loaded):
    store, g, dataset = loaded
    queries = {"bundled": ["晶", "久科", "光伏", "xyz不存在"], "generated": ["企业000001", "光伏"],
               "edge": ["abc", "ltd", "crystal", "Ω", "环节"]}[dataset]
    for q in queries:
        table = run(store, "search", q=q, limit=500).table
        assert set(table["id"]) == ref.search(g, q), q
        assert list(table["match"]) == sorted(table["match"])


def test_neighbourhood(loaded):
    store, g, _ = loaded
    hub = max(ref.nodes(g, "Enterprise"), key=lambda n: (g.degree(n), n))
    result = run(store, "neighbourhood", ids=[hub], cap=100000)
    got = {(r.type, r.direction, r.id) for r in result.table.itertuples()}
    assert got == ref.neighbourhood(g, hub)
    capped = run(store, "neighbourhood", ids=[hub], cap=2)
    assert len(capped.table) == min(2, len(got))
    assert capped.extra["cut"] == len(got) - len(capped.table)
    only = run(store, "neighbourhood", ids=[hub], rel_types=["SUPPLIES"], cap=100000).table
    assert set(only["type"]) <= {"SUPPLIES"}
    with pytest.raises(ValueError, match="unknown relationship type"):
        run(store, "neighbourhood", ids=[hub], rel_types=["SUPPLIES]->() DETACH DELETE x//"])


def test_alliances_demands_pipeline(loaded):
    store, g, _ = loaded
    table = run(store, "alliances").table
    got = {r.alliance: {"enterprises": r.enterprises, "institutes": r.institutes, "with_party_org": r.with_party_org}
           for r in table.itertuples()}
    assert got == ref.alliances(g)
    demands = run(store, "demands").table
    assert {(r.category, r.status): r.demands for r in demands.itertuples()} == ref.demands(g)
    pipeline = run(store, "pipeline").table
    assert {(r.chain, r.status): r.projects for r in pipeline.itertuples()} == ref.pipeline(g)


def test_research(loaded):
    store, g, _ = loaded
    table = run(store, "research").table
    got = {r.chain: (r.institutes, r.firms_without_research_tie) for r in table.itertuples()}
    assert got == ref.research(g)


def test_overview_counts(loaded):
    store, g, _ = loaded
    figures = dict(zip(*[run(store, "overview").table[c] for c in ("metric", "value")]))
    expected = ref.overview(g)
    assert figures["chain_enterprises"] == expected["chain_enterprises"]
    assert figures["chain_enterprises_with_party_org"] == expected["chain_enterprises_with_party_org"]


def test_unknown_parameters_and_chains_are_refused(loaded):
    store, _, _ = loaded
    with pytest.raises(ValueError, match="unknown parameter"):
        registry.get("panorama").coerce({"chian": "x"})
    with pytest.raises(ValueError, match="unknown chain"):
        run(store, "panorama", chain="no-such-chain")
    with pytest.raises(ValueError, match="unknown label"):
        run(store, "search", q="x", labels=["Enterprise) DETACH DELETE (n"])


def test_search_finds_an_exact_match_past_its_labels_cap(store):
    """The cap per label (5 × limit) can cut a label's matches before its exact one: that one is still
    read and ranked first, whether the fragment has letters with a case or not."""
    many = [{"id": f"m{i:02d}", "name": f"晶{i:02d}科技", "in_zone": True} for i in range(12)]
    latin = [{"id": f"l{i:02d}", "name": f"ABC{i:02d} Ltd", "in_zone": True} for i in range(12)]
    exact = [{"id": "z_exact", "name": "晶", "in_zone": True}, {"id": "z_latin", "name": "Abc", "in_zone": False}]
    for rows in (many, latin, exact):       # the exact ones written last: last in a scan
        store.write(lambda tx, rows=rows: store.upsert_nodes(tx, "Enterprise", rows))
    for q, first in (("晶", "z_exact"), ("abc", "z_latin"), ("ABC", "z_latin")):
        table = run(store, "search", q=q, limit=1).table
        assert list(table["id"]) == [first], q
        assert list(table["match"]) == [0]
    # no cut (limit 20: cap 100): every match, the exact one first
    table = run(store, "search", q="晶", limit=20).table
    assert list(table["id"])[:2] == ["z_exact", "m00"] and len(table) == 13


def test_search_finds_prefix_matches_past_its_labels_cap(store):
    """Matches inside the name fill the cap (5 × limit) before two that start with the fragment: those
    are still read and ranked first, the shorter first, caseless or not."""
    inside = [{"id": f"c{i:02d}", "name": f"鄂{i:02d}光伏组件", "in_zone": True} for i in range(12)]
    latin = [{"id": f"k{i:02d}", "name": f"Zen{i:02d} Solar Ltd", "in_zone": True} for i in range(12)]
    leading = [{"id": "p_long", "name": "光伏组件研究院有限公司", "in_zone": True},
               {"id": "p_short", "name": "光伏组件厂", "in_zone": True},
               {"id": "p_latin", "name": "Solar Works", "in_zone": False}]
    for rows in (inside, latin, leading):       # the prefix ones written last: last in a scan
        store.write(lambda tx, rows=rows: store.upsert_nodes(tx, "Enterprise", rows))
    table = run(store, "search", q="光伏组件", limit=2).table
    assert list(table["id"]) == ["p_short", "p_long"] and list(table["match"]) == [1, 1]
    table = run(store, "search", q="solar", limit=1).table
    assert list(table["id"]) == ["p_latin"] and list(table["match"]) == [1]


def test_embedded_search_ranks_every_match_before_its_cap(tmp_path):
    """On the embedded store each label's matches are ranked before its cap (queries/explore.RANKED):
    the shortest match inside a name comes first even when it is read last."""
    from graph.embedded import EmbeddedStore
    store = EmbeddedStore(tmp_path / "db")
    try:
        long = [{"id": f"m{i:02d}", "name": f"某某晶{'长' * (i + 3)}", "in_zone": True} for i in range(12)]
        store.write(lambda tx: store.upsert_nodes(tx, "Enterprise", long))
        store.write(lambda tx: store.upsert_nodes(tx, "Enterprise", [{"id": "short", "name": "某晶", "in_zone": True}]))
        assert list(run(store, "search", q="晶", limit=1).table["id"]) == ["short"]
    finally:
        store.close()


def test_latin_fragments_match_every_spelling_as_lower_does(store):
    """A fragment with Latin letters matches what lower() matches, on Neo4j through the spellings of its
    head (queries/explore.spellings): mixed case, the Kelvin sign (lowers to k), a match past the head
    (solarworks: the head is solar), and an id in any case.  (İ is left out: LadybugDB lowers it to i,
    Python and Neo4j to i and a combining dot.)"""
    names = {"x1": "aBc Ltd", "x2": "ABC", "x3": "\u212aEY Works", "x4": "MonKey Co", "x5": "\u0130nc Holdings",
             "x6": "SolarWorks Ltd", "x7": "Solar Farm", "x8": "晶Abc科技", "Ent_Mixed": "某企业"}
    store.write(lambda tx: store.upsert_nodes(tx, "Enterprise", [{"id": i, "name": n, "in_zone": True}
                                                                 for i, n in names.items()]))
    for q in ("abc", "key", "KEY", "holdings", "solarworks", "solar", "ent_mixed", "works ltd"):
        want = {i for i, n in names.items() if q.lower() in n.lower() or i.lower() == q.lower()}
        got = set(run(store, "search", q=q, labels=["Enterprise"], limit=50).table["id"])
        assert got == want and want, q


def test_the_spellings_table_holds_every_character_that_lowers_to_ascii():
    import sys
    from queries.explore import spellings
    for cp in range(sys.maxunicode + 1):
        lowered = chr(cp).lower()
        if lowered and lowered[0].isascii() and lowered[0] != chr(cp):
            assert chr(cp) in "".join(spellings(lowered[0])), hex(cp)
    assert spellings("solarworks") == [h for h in spellings("solar")] and len(spellings("solar")) == 32
    assert spellings("晶a") is None and spellings("a_1") == ["a_1", "A_1"]


def test_caseless_fragments_match_names_as_stored():
    from queries.explore import caseless
    assert caseless("晶澳") and caseless("企业00001") and caseless("（光伏）-2")
    assert not caseless("abc") and not caseless("晶A") and not caseless("Ω") and not caseless("\u0307")
