"""Issue #13 "Exactly right": each answer checked against the README's definitions, on both stores.

One small graph holds every case: two leads whose weights differ only in the 4th decimal, a gap fed
by and feeding the same strong segment (a FEEDS 2-cycle), firms placed directly on a chain, a
partner reached only by a joint party branch (联合组建), a hub cut by updown's cap, and long Chinese
names for the terminal table.  Expected values come from tests/reference.py (networkx, from the
files) and from the definitions written out here.
"""
from __future__ import annotations

import json
import re

import pytest
from wcwidth import wcswidth

from queries import registry
from tests import reference as ref
from tests.loaded_zone import load_zone, write_folder
from tests.conftest import BUNDLED, ROOT

LONG = "内蒙古鄂尔多斯市示例新能源材料科技有限公司"
FILES = {
    "Chain.csv": "id,name\nch_a,甲产业链\nch_b,乙产业链\n",
    "Segment.csv": "id,name,stage,order\nsg,甲·缺口环节,上游,1\nss,甲·强环节,中游,2\nsb,乙·环节,上游,1\n",
    "PART_OF.csv": "from,to\nsg,ch_a\nss,ch_a\nsb,ch_b\n",
    # sg and ss feed each other: ss is ONE strong segment next to the gap sg.
    "FEEDS.csv": "from,to\nsg,ss\nss,sg\n",
    "Enterprise.csv": "id,name,in_zone,chain_enterprise,kind\n"
                      f"e1,{LONG}甲,true,true,链主\ne2,乙企业,true,true,一般\ne3,丙企业,true,true,一般\n"
                      "e4,丁企业(直接在链上),true,true,一般\nj1,联建企业,true,true,一般\n"
                      f"x1,{LONG}园外一,false,false,一般\nx2,{LONG}园外二,false,false,一般\n"
                      "x3,园外三,false,false,一般\nx4,园外四,false,false,一般\n"
                      "d1,直接在甲链的园外企业,false,false,一般\nd2,伙伴在甲链的园外企业,false,false,一般\n"
                      "g1,缺口环节园外企业,false,false,一般\ny1,联建伙伴的园外企业,false,false,一般\n",
    # e4 and d1 sit on the chain itself (Enterprise-[:IN_SEGMENT]->Chain), no segment.
    "IN_SEGMENT.csv": "from,to\ne1,ss\ne2,ss\ne3,sb\nj1,sb\ne4,ch_a\nd1,ch_a\ng1,sg\n",
    # x1 (0.1231) and x2 (0.1234): 1.1231 < 1.1234, so x2 ranks first although its id is later.
    # x3 (0.1 + 0.2) and x4 (0.3 + 0): equal exact scores, so the id decides.
    "SUPPLIES.csv": "from,to,weight\nx1,e1,0.1231\nx2,e1,0.1234\nx3,e2,0.1\nx3,e3,0.2\nx4,e2,0.3\nx4,e3,0\n"
                    "d1,e3,0.5\nd2,e4,0.5\ng1,e1,0.25\ny1,j1,0\n",
    "PartyOrg.csv": "id,name,form\npo1,甲企业党支部,单独组建\npj,联合党支部,联合组建\n",
    "BASED_IN.csv": "from,to\npo1,e1\npj,j1\n",
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return write_folder(tmp_path_factory.mktemp("exact-files"), FILES)


@pytest.fixture(params=["embedded", "neo4j"])    # per test: the Neo4j server holds one graph at a time
def bundled(request, tmp_path_factory):
    yield load_zone(request, tmp_path_factory, BUNDLED)


def strict(text: str):
    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")
    return json.loads(text, parse_constant=refuse)


# Parameters that reach the cases where a value is missing (what_if closing a gap: no score after).
NO_DATA = {"product_makers"}     # the bundled dataset has no products
CASES = {"what_if": [["--param", "firms=5"], []], "updown": [["--param", "cap=2"], []]}


def test_every_analysis_prints_strict_json(bundled):
    """Every analysis's JSON parses with a strict parser (no NaN), and what_if's closes a gap."""
    for spec in registry.all_queries():
        if spec.name in NO_DATA:       # nothing to ask about in this dataset: refused, exit 2
            bundled.cli("query", spec.name, "--format", "json", expect=2)
            continue
        for extra in CASES.get(spec.name, [[]]):
            out = bundled.cli("query", spec.name, *extra, "--format", "json")
            parsed = strict(out)
            assert isinstance(parsed["rows"], list), spec.name
    closed = strict(bundled.cli("query", "what_if", "--param", "firms=5", "--format", "json"))
    assert any(r["score_after"] is None and r["after"] == "强" for r in closed["rows"])


def test_what_if_lists_leads_that_lose_their_gap_bonus(zone, folder):
    g = ref.read_graph(folder)
    for firms, gap_after in ((1, "弱"), (2, "")):
        before = ref.leads(g, gaps=True)
        after = ref.leads(g, extra={"sg": firms}, gaps=True)
        expected = {k: (before[k][1], after[k][1], before[k][0], after[k][0]) for k in before if after[k] != before[k]}
        assert expected == {"g1": ("缺", gap_after, before["g1"][0], after["g1"][0])}
        out = strict(zone.cli("query", "what_if", "--param", "segment=sg", "--param", f"firms={firms}", "--format", "json"))
        got = {r["lead"]: (r["gap_before"], r["gap_after"], r["score_before"], r["score_after"])
               for r in out["leads_changed"]}
        assert got == expected
        table = zone.cli("query", "what_if", "--param", "segment=sg", "--param", f"firms={firms}")
        assert "leads_changed" in table and "缺口环节园外企业" in table


def test_leads_rank_on_exact_scores(zone, folder):
    g = ref.read_graph(folder)
    table = zone.run("leads", limit=100).table
    scores = dict(zip(table["lead"], table["score"]))
    assert scores == ref.leads(g)
    assert scores["x1"] == pytest.approx(1.1231 + 0.5) and scores["x2"] == pytest.approx(1.1234 + 0.5)
    order = list(table["lead"])
    assert order.index("x2") < order.index("x1")               # 1.6234 > 1.6231: not a tie
    assert order.index("x3") + 1 == order.index("x4")          # 0.1 + 0.2 == 0.3 + 0: a tie, id decides
    exact = ref.leads(g, exact=True)
    assert order == sorted(exact, key=lambda k: (-exact[k], k))
    top = zone.run("leads", limit=1).table
    assert list(top["lead"]) == [order[0]]


def test_a_feeds_two_cycle_counts_the_strong_segment_once(zone, folder):
    g = ref.read_graph(folder)
    row = zone.run("gaps").table.set_index("segment").loc["sg"]
    assert row["strong_neighbours"] == 1
    assert row["score"] == 3 + 2 * 1 + 0 + 0.5 * 1             # missing, one strong neighbour, g1 out of zone
    assert ref.gaps(g)["sg"] == ("缺", 1, row["score"])
    assert "1个强环节依赖它" in row["reason_zh"]


def test_chain_filter_includes_firms_placed_on_the_chain(zone, folder):
    g = ref.read_graph(folder)
    got = dict(zip(*[zone.run("leads", chain="ch_a", limit=100).table[c] for c in ("lead", "score")]))
    assert {"d1", "d2"} <= set(got)                  # d1 on ch_a itself; d2's partner e4 on ch_a itself
    assert got == ref.leads(g, chain="ch_a")
    assert "y1" not in got                           # y1 and its partner j1 are in ch_b only


def test_party_organisation_means_the_firms_own(zone, folder):
    """One definition: a firm's own organisation (单独组建).  j1 has only a joint branch (联合组建): no
    lead bonus for its partner, not in 党组织覆盖, counted apart in the overview."""
    g = ref.read_graph(folder)
    leads = zone.run("leads", limit=100).table.set_index("lead")
    assert leads.loc["y1", "score"] == 1.0 + 0             # 1 + weight 0, no party bonus through j1
    assert "党组织" not in leads.loc["y1", "explanation_zh"]
    assert leads.loc["x1", "score"] == pytest.approx(1.1231 + 0.5)   # e1 has its own: +0.5
    figures = dict(zip(*[zone.run("overview").table[c] for c in ("metric", "value")]))
    expected = ref.overview(g)
    assert figures["chain_enterprises_with_party_org"] == expected["chain_enterprises_with_party_org"] == 1
    assert figures["chain_enterprises_joint_org_only"] == expected["chain_enterprises_joint_org_only"] == 1


def test_updown_says_how_many_rows_the_cap_left_out(zone, folder):
    g = ref.read_graph(folder)
    everything = ref.updown(g, "e1", "up", 1)
    assert len(everything) == 3                                # x1, x2, g1 supply e1
    # The count of what the cap left out is a second walk: only when asked for.
    quick = zone.run("updown", id="e1", direction="up", depth=1, cap=2)
    assert (quick.extra["truncated"], quick.extra["total"], quick.extra["countable"]) == (True, None, True)
    result = zone.run("updown", id="e1", direction="up", depth=1, cap=2, count_all=True)
    assert len(result.table) == 2 and result.table.equals(quick.table)
    assert (result.extra["truncated"], result.extra["total"], result.extra["cap"]) == (True, 3, 2)
    assert result.extra["countable"] is False
    asked = ("query", "updown", "--param", "id=e1", "--param", "direction=up", "--param", "depth=1", "--param", "cap=2")
    out = strict(zone.cli(*asked, "--param", "count_all=true", "--format", "json"))
    assert (out["truncated"], out["total"], out["cap"], len(out["rows"])) == (True, 3, 2, 2)
    assert "另有 1 条未显示" in zone.cli(*asked, "--param", "count_all=true")
    assert "count_all=true" in zone.cli(*asked)
    whole = zone.run("updown", id="e1", direction="both", depth=2, cap=100)
    assert (whole.extra["truncated"], whole.extra["total"]) == (False, len(whole.table))


def _columns_line_up(text: str, width: int) -> None:
    """Every line fits ``width`` display columns and every cell starts under its header."""
    lines = text.splitlines()
    rule = next(i for i, line in enumerate(lines) if re.fullmatch(r"[- ]+", line))
    starts = [m.start() for m in re.finditer(r"-+", lines[rule])]
    for line in lines[:rule] + lines[rule + 1:]:
        if not line.strip():
            break                                             # the end of this table
        assert wcswidth(line) <= width, line
        boundaries, position = {0: 0}, 0                       # display column -> character index
        for i, c in enumerate(line):
            position += wcswidth(c)
            boundaries[position] = i + 1
        for start in starts[1:]:                               # each column starts after two spaces
            if start >= position:
                continue                                       # empty trailing cells (stripped)
            assert start in boundaries, (line, start)
            assert line[boundaries[start] - 2:boundaries[start]] == "  ", (line, start)


def test_cli_table_fits_100_columns_with_cjk_aligned(zone):
    text = zone.cli("query", "leads", columns=100)
    assert LONG[:4] in text
    _columns_line_up(text, 100)
    listing = zone.cli("query", "--list", columns=100)
    assert all(wcswidth(line) <= 100 for line in listing.splitlines())
    for spec in registry.all_queries():
        assert re.search(rf"^{spec.name}\b", listing, re.M), spec.name


def test_readme_says_how_to_run_the_cli_after_make_run():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ".venv/bin/chaingraph" in readme


CYCLE = {"Enterprise.csv": "id,name,in_zone\na,甲,true\nb,乙,true\nc,丙,true\nd,丁,false\ne,戊,false\n",
         # a → b → c → a (a cycle back to the start), c → d → e
         "SUPPLIES.csv": "from,to,weight\na,b,0.5\nb,c,0.5\nc,a,0.5\nc,d,0.5\nd,e,0.5\n"}


@pytest.fixture(params=["embedded", "neo4j"])
def cyclic(request, tmp_path_factory):
    yield load_zone(request, tmp_path_factory, write_folder(tmp_path_factory.mktemp("cycle-files"), CYCLE))


def test_updown_counts_each_firm_once_and_never_the_start(cyclic):
    """The count of a cut walk (each store's one-query form) counts each firm reached once, at any
    number of paths to it, and not the start a cycle leads back to."""
    for depth, total in ((1, 1), (2, 2), (3, 3), (4, 4), (6, 4)):
        result = cyclic.run("updown", id="a", direction="down", depth=depth, cap=1, count_all=True)
        assert (result.extra["truncated"], result.extra["total"]) == (depth > 1, total), depth
