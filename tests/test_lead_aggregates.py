"""Maintained lead aggregates (queries/lead_aggregates.py): every write path keeps them equal to a
recomputation, ``chaingraph check`` finds any difference, and the leads ranked from them
(queries/lead_ranking.py) are exactly the leads of the bound-and-read path (queries/leads.py), on
both stores."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from graph.embedded import EmbeddedStore
from loaders.generate import generate_zone
from loaders.load import load_paths
from queries import lead_ranking, registry
from queries.lead_aggregates import check
from tests.conftest import BUNDLED, _clean_neo4j


@pytest.fixture(params=["embedded", "neo4j"])
def loaded(request, tmp_path):
    """The bundled zone on each store."""
    store = EmbeddedStore(tmp_path / "db") if request.param == "embedded" else _clean_neo4j(request)
    load_paths(store, [BUNDLED])
    yield store
    store.clear() if request.param == "neo4j" else store.close()


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gen")
    generate_zone(folder, enterprises=3000, seed=7)
    return folder


@pytest.fixture(params=["embedded", "neo4j"])
def big(request, tmp_path, generated):
    store = EmbeddedStore(tmp_path / "db") if request.param == "embedded" else _clean_neo4j(request)
    load_paths(store, [generated])
    yield store
    store.clear() if request.param == "neo4j" else store.close()


def stored(store, firm: str) -> dict:
    return store.read("MATCH (o:Enterprise {id: $id}) RETURN o.lead_ties AS ties, o.lead_alliance_n AS alliance, "
                      "o.lead_party_n AS party, o.lead_score AS score", {"id": firm})[0]


def test_a_load_leaves_them_consistent_and_a_lead_scored(loaded):
    assert check(loaded) == []
    # ext_s10: a group tie with ent_s040 (in an alliance, own party organisation) and a supply tie.
    got = stored(loaded, "ext_s10")
    assert got["ties"] >= 2 and got["alliance"] >= 1 and got["party"] >= 1


def test_every_kind_of_write_keeps_them(loaded, tmp_path):
    from loaders.zone import clear_zone, set_zone
    before = stored(loaded, "ext_s10")
    # a new tie, written directly
    loaded.write(lambda tx: loaded.upsert_rels(tx, "SUPPLIES", "Enterprise", "Enterprise",
                                               [{"from": "ext_s10", "to": "ent_s002", "weight": 0.5}]))
    assert check(loaded) == []
    assert stored(loaded, "ext_s10")["ties"] == before["ties"] + 1
    # a partner leaves its alliance: the lead's alliance count and score drop
    loaded.write(lambda tx: tx.run("MATCH (:Enterprise {id: 'ent_s040'})-[m:MEMBER_OF]->() DELETE m"))
    assert check(loaded) == []
    assert stored(loaded, "ext_s10")["alliance"] < before["alliance"] + 1
    # the zone changes: a lead joins it and stops being a lead; ties of others change
    zone = [r["id"] for r in loaded.read("MATCH (e:Enterprise) WHERE e.in_zone = true RETURN e.id AS id")]
    set_zone(loaded, zone + ["ext_s10"])
    assert check(loaded) == []
    assert stored(loaded, "ext_s10")["ties"] is None
    clear_zone(loaded)
    assert check(loaded) == []
    # no firm in the zone: ties to in-zone institutes are all that is left
    assert loaded.read("MATCH (o:Enterprise) WHERE o.lead_ties <> o.lead_research_ties RETURN count(*) AS n")[0]["n"] == 0
    set_zone(loaded, zone)
    assert check(loaded) == []
    assert stored(loaded, "ext_s10")["ties"] == before["ties"] + 1


def test_a_refused_write_leaves_them_as_they_were(loaded):
    before = stored(loaded, "ext_s10")

    def work(tx):
        loaded.upsert_rels(tx, "SUPPLIES", "Enterprise", "Enterprise", [{"from": "ext_s10", "to": "ent_s002", "weight": 0.5}])
        raise RuntimeError("refused half-way")
    with pytest.raises(RuntimeError):
        loaded.write(work)
    assert stored(loaded, "ext_s10") == before and check(loaded) == []


def test_check_names_a_tampered_value_and_repair_fixes_it(loaded, tmp_path, monkeypatch):
    loaded.write(lambda tx: tx.run("MATCH (o:Enterprise {id: 'ext_s10'}) SET o.lead_score = 999.0"), maintain=False)
    problems = check(loaded)
    assert len(problems) == 1 and "ext_s10" in problems[0] and "lead_score stored 999.0" in problems[0]
    if loaded.backend != "embedded":
        return
    # the command line: exit 1 naming the firm, --repair recomputes (audited) and exits 0
    from cli import main
    loaded.close()
    monkeypatch.setenv("CHAINGRAPH_DATA_DIR", str(tmp_path / "db"))
    monkeypatch.setenv("CHAINGRAPH_STORE", "embedded")
    runner = CliRunner()
    bad = runner.invoke(main, ["check"])
    assert bad.exit_code == 1 and "ext_s10" in bad.output and "lead_score" in bad.output
    fixed = runner.invoke(main, ["check", "--repair"])
    assert fixed.exit_code == 0, fixed.output
    assert runner.invoke(main, ["check"]).exit_code == 0
    entries = [json.loads(line) for line in (tmp_path / "db" / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    assert entries[-1]["action"] == "refresh_aggregates" and "ext_s10" in entries[-1]["differences"][0]


def test_a_store_without_them_gains_them_when_opened(tmp_path):
    from graph import open_store
    store = EmbeddedStore(tmp_path / "db")
    load_paths(store, [BUNDLED])
    props = ", ".join(f"o.{p} = NULL" for p in ("lead_ties", "lead_score"))
    store.write(lambda tx: tx.run(f"MATCH (o:Enterprise) SET {props}"), maintain=False)   # as an older version left it
    store.close()
    store = open_store("embedded", data_dir=tmp_path / "db")
    try:
        assert check(store) == []
        assert store.read("MATCH (o:Enterprise) WHERE o.lead_ties > 0 RETURN count(*) AS n")[0]["n"] > 0
    finally:
        store.close()


CASES = [("leads", {"limit": 100}), ("leads", {"limit": 7, "weak_threshold": 3}),
         ("leads", {"limit": 40, "min_score": 4.5}), ("leads", {"limit": 25, "max_paths": 2}),
         ("leads", {"limit": 10, "max_paths": 12}), ("leads", {"limit": 1})]


@pytest.mark.parametrize("name,params", CASES)
def test_ranked_from_aggregates_equals_the_bound_path(big, monkeypatch, name, params):
    fast = registry.get(name).run(big, **params).table
    monkeypatch.setattr(lead_ranking, "applies", lambda *a: False)
    slow = registry.get(name).run(big, **params).table
    assert len(fast) == min(params["limit"], len(slow)) and len(fast) > 0
    assert fast.to_dict("records") == slow.to_dict("records")


def test_gap_leads_from_aggregates_equal_the_bound_path(big, monkeypatch):
    segments = [r["id"] for r in big.read(
        "MATCH (s:Segment)<-[:IN_SEGMENT]-(o:Enterprise) WHERE o.lead_ties > 0 "
        "WITH s, count(o) AS n RETURN s.id AS id, n ORDER BY n DESC, id LIMIT 3")]
    assert len(segments) == 3
    for segment in segments:
        fast = registry.get("gap_leads").run(big, segment=segment, limit=30).table
        monkeypatch.setattr(lead_ranking, "applies", lambda *a: False)
        slow = registry.get("gap_leads").run(big, segment=segment, limit=30).table
        monkeypatch.undo()
        assert len(fast) > 0 and fast.to_dict("records") == slow.to_dict("records")
