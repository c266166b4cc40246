"""Issue #12: a firm's place in a chain follows from what it makes as well as from IN_SEGMENT, in the
leads too: a lead that makes a product a gap segment includes gets that segment's gap bonus, is
among that segment's leads (gap_leads, what_if), and passes that chain's filter; so does a lead
whose partner is in the chain by what it makes.  Both stores, every lead path (the ranking from the
maintained aggregates, the bound-and-read path, product-only leads), against tests/reference.py.
"""
from __future__ import annotations

import pytest

from loaders.load import load_paths
from queries import lead_aggregates, lead_ranking
from queries.lead_aggregates import check
from tests import reference as ref
from tests.loaded_zone import write_folder

RECORDED = ["supply", "group", "research"]
FILES = {
    "Chain.csv": "id,name\nch,甲产业链\nch2,乙产业链\n",
    "Segment.csv": "id,name,stage,order\nsg,甲·缺口环节,上游,1\nss,甲·强环节,中游,2\nsw,甲·弱环节,下游,3\n"
                   "sb,乙·环节,上游,1\n",
    "PART_OF.csv": "from,to\nsg,ch\nss,ch\nsw,ch\nsb,ch2\n",
    "FEEDS.csv": "from,to\nsg,ss\npq,pw\n",
    "Product.csv": "id,name\npg,缺口产品\npq,缺口上游品\npw,弱环节产品\npz,其他产品\npb,乙产品\n",
    "INCLUDES.csv": "from,to\nsg,pg\nsg,pq\nsw,pw\nsb,pb\n",
    "Enterprise.csv": "id,name,in_zone\ne1,甲企业,true\ne2,乙企业,true\ne3,丙企业,true\ne5,戊企业,true\n"
                      "m1,只造缺口产品,false\nm2,只造弱环节产品,false\nm3,缺口环节且造弱环节产品,false\n"
                      "m4,造其他产品,false\nk1,强环节园外,false\nn1,伙伴在乙链,false\nq1,只有产品路径,false\n",
    # e3 is in sw and e5 in sb by what they make alone; m3 is in sg by IN_SEGMENT and in sw by pw.
    "IN_SEGMENT.csv": "from,to\ne1,ss\ne2,ss\nm3,sg\nk1,ss\n",
    "MAKES.csv": "from,to\ne3,pw\ne5,pb\nm1,pg\nm2,pw\nm3,pw\nm4,pz\nq1,pq\n",
    "SUPPLIES.csv": "from,to,weight\nm1,e1,0.2\nm2,e2,0.3\nm3,e1,0.1\nm4,e1,0.4\nk1,e2,0.5\nn1,e5,0.6\n",
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return write_folder(tmp_path_factory.mktemp("product-segments"), FILES)


def scores(result) -> dict:
    return dict(zip(result.table["lead"], result.table["score"]))


@pytest.fixture(params=["aggregates", "bound-and-read"])
def path(request, monkeypatch):
    """Each way the leads are ranked: from the maintained aggregates, or reading every tie."""
    if request.param == "bound-and-read":
        monkeypatch.setattr(lead_ranking, "applies", lambda *a: False)
    return request.param


def test_the_gap_bonus_counts_segments_a_lead_is_in_by_what_it_makes(zone, folder, path):
    g = ref.read_graph(folder)
    expected = ref.leads(g, gaps=True)
    assert expected["m1"][1] == "缺" and expected["m2"][1] == "弱" and expected["m3"][1] == "缺"
    result = zone.run("leads", tie_types=RECORDED, limit=100)
    assert scores(result) == {lead: s for lead, (s, _) in expected.items()}
    assert dict(zip(result.table["lead"], result.table["gap"])) == {lead: gap for lead, (_, gap) in expected.items()}
    row = result.table.set_index("lead").loc["m1"]
    assert "甲·缺口环节" in row["segments"] and "填补缺链 甲·缺口环节(+3)" in row["explanation_zh"]


def test_a_product_only_lead_gets_its_segment_gap_bonus(zone, path):
    rows = {r["lead"]: r for r in zone.run("leads", limit=100).extra["rows"]}
    assert rows["q1"]["score"] == 0.5 + 3 and rows["q1"]["gap"] == "缺"
    assert rows["m1"]["score"] == 1.2 + 3              # no product path: the recorded score


@pytest.mark.parametrize("segment", ["sg", "sw", "ss"])
def test_gap_leads_list_the_firms_in_the_segment_by_what_they_make(zone, folder, path, segment):
    g = ref.read_graph(folder)
    expected = ref.leads(g, segment=segment)
    if segment == "sg":                                # q1: in sg by pq, one product path
        expected["q1"] = 0.5 + 3
    assert scores(zone.run("gap_leads", segment=segment)) == expected
    assert scores(zone.run("leads", segment=segment, tie_types=RECORDED)) == ref.leads(g, segment=segment)


@pytest.mark.parametrize("chain", ["ch", "ch2"])
def test_the_chain_filter_follows_products_of_the_lead_and_of_its_partners(zone, folder, chain):
    g = ref.read_graph(folder)
    expected = ref.leads(g, chain=chain)
    assert ("n1" in expected) == (chain == "ch2") and ("m1" in expected) == (chain == "ch")
    assert scores(zone.run("leads", chain=chain, tie_types=RECORDED)) == expected


@pytest.mark.parametrize("firms", [1, 2])
def test_what_if_names_the_leads_in_the_segment_by_what_they_make(zone, folder, firms):
    g = ref.read_graph(folder)
    before, after = ref.leads(g, gaps=True), ref.leads(g, extra={"sg": firms}, gaps=True)
    expected = {k: (before[k][1], after[k][1]) for k in before if after[k] != before[k]}
    assert "m1" in expected
    expected["q1"] = ("缺", "弱" if firms == 1 else "")      # product paths only: in sg by pq
    got = zone.run("what_if", segment="sg", firms=firms).extra["leads_changed"]
    assert {r["lead"]: (r["gap_before"], r["gap_after"]) for r in got.to_dict("records")} == expected
    # The leads' own scores: q1 is one product path (0.5) plus the gap bonus (3 for 缺, 2 for 弱).
    q1 = got.set_index("lead").loc["q1"]
    assert (q1["score_before"], q1["score_after"]) == (0.5 + 3, 0.5 + (2 if firms == 1 else 0))
    leads = {r["lead"]: r["score"] for r in zone.run("leads", limit=100).extra["rows"]}
    assert {lead: leads[lead] for lead in got["lead"]} == dict(zip(got["lead"], got["score_before"]))
    assert list(got["score_before"]) == sorted(got["score_before"], reverse=True)


# Two small imports, each scoped: `sw INCLUDES pz` puts m4 (maker of pz) in the weak segment sw; a new
# in-zone firm e4 in sg makes the gap weak for m1 and q1, in sg only by what they make.
STEPS = [({"INCLUDES.csv": "sw,pz\n"}, {"m4"}),
         ({"Enterprise.csv": "e4,新入园企业,true\n", "IN_SEGMENT.csv": "e4,sg\n"}, {"m1", "q1", "m3"})]


def test_small_writes_rescore_the_firms_in_a_segment_by_what_they_make(store, folder, tmp_path, monkeypatch):
    """The scoped refresh of the aggregates (queries/lead_aggregates.scope) reaches the leads whose
    segments a write changed by products, and stays equal to a whole recomputation and the reference."""
    from queries import registry
    load_paths(store, [folder])
    scopes, real_scope = [], lead_aggregates.scope
    monkeypatch.setattr(lead_aggregates, "scope", lambda *a: scopes.append(real_scope(*a)) or scopes[-1])
    files = dict(FILES)
    for step, (added, rescored) in enumerate(STEPS):
        header = {name: FILES[name].split("\n")[0] + "\n" for name in added}
        load_paths(store, [write_folder(tmp_path / f"step{step}", {n: header[n] + rows for n, rows in added.items()})])
        files.update({name: files[name] + rows for name, rows in added.items()})
        assert scopes and scopes[-1] is not None and rescored <= scopes[-1], step
        assert check(store) == [], step
        expected = ref.leads(ref.read_graph(write_folder(tmp_path / f"whole{step}", files)), gaps=True)
        result = registry.get("leads").run(store, tie_types=RECORDED, limit=100)
        assert dict(zip(result.table["lead"], zip(result.table["score"], result.table["gap"]))) == expected, step
    assert expected["m4"] == (1.4 + 2, "弱") and expected["m1"] == (1.2 + 2, "弱")
    assert {r["lead"]: r["score"] for r in registry.get("leads").run(store).extra["rows"]}["q1"] == 0.5 + 2
