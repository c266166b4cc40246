"""Maintained lead aggregates (queries/lead_aggregates.py): every write path keeps them equal to a
recomputation, ``chaingraph check`` finds any difference, and the leads ranked from them
(queries/lead_ranking.py) are exactly the leads of the bound-and-read path (queries/leads.py), on
both stores."""
from __future__ import annotations

import json

import pytest

from graph.embedded import EmbeddedStore
from loaders.generate import generate_zone
from loaders.load import load_paths
from queries import lead_ranking, registry
from queries.lead_aggregates import check
from tests.conftest import BUNDLED, _clean_neo4j, cli_check_then_repair


@pytest.fixture
def loaded(bundled_store):
    """The bundled zone on each store (a fresh load per test)."""
    return bundled_store


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
    from queries.lead_aggregates import unpack_figures
    r = store.read("MATCH (o:Enterprise {id: $id}) RETURN o.lead_ties AS ties, o.lead_figures AS figures, "
                   "o.lead_score AS score", {"id": firm})[0]
    figures = unpack_figures(r["figures"]) if r["figures"] else {}
    return {"ties": r["ties"], "score": r["score"], "alliance": figures.get("alliance_n"), "party": figures.get("party_n"),
            "research": figures.get("research_ties")}


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
    leads = [r["id"] for r in loaded.read("MATCH (o:Enterprise) WHERE o.lead_ties > 0 RETURN o.id AS id")]
    assert all(stored(loaded, i)["ties"] == stored(loaded, i)["research"] for i in leads)
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


def test_check_names_a_tampered_value_and_repair_fixes_it(loaded, monkeypatch):
    loaded.write(lambda tx: tx.run("MATCH (o:Enterprise {id: 'ext_s10'}) SET o.lead_score = 999.0"), maintain=False)
    problems = check(loaded)
    assert len(problems) == 1 and "ext_s10" in problems[0] and "lead_score stored 999.0" in problems[0]
    if loaded.backend != "embedded":
        return
    # the command line: exit 1 naming the firm, --repair recomputes (audited) and exits 0
    bad, fixed, after = cli_check_then_repair(loaded, monkeypatch)
    assert bad.exit_code == 1 and "ext_s10" in bad.output and "lead_score" in bad.output
    assert fixed.exit_code == 0, fixed.output
    assert after.exit_code == 0
    entries = [json.loads(line) for line in (loaded.data_dir / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
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


def test_a_store_with_columns_of_another_version_still_bulk_loads(tmp_path):
    """COPY maps columns by position: a table that has a column this version does not declare (a
    maintained property since renamed) gets it empty, and the load goes through."""
    store = EmbeddedStore(tmp_path / "db")
    try:
        store._conn.execute("ALTER TABLE Enterprise ADD lead_renamed_since INT64")
        load_paths(store, [BUNDLED])
        assert store.counts()["nodes"]["Enterprise"] > 100 and check(store) == []
    finally:
        store.close()


def _load_files(store, folder, files: dict[str, str]) -> None:
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    load_paths(store, [folder])


def test_small_writes_recompute_only_what_they_can_change(big, tmp_path, monkeypatch):
    """Each small load (and zone edit) takes the scoped recomputation, and leaves the aggregates equal
    to a whole recomputation: ties, weights, alliance and party flags of a partner, segment counts
    (a firm leaving the zone), products (makes, feeds, a segment including one), institutes."""
    from loaders.zone import set_zone
    from queries import lead_aggregates
    scopes = []
    real_scope = lead_aggregates.scope
    monkeypatch.setattr(lead_aggregates, "scope", lambda *a: scopes.append(real_scope(*a)) or scopes[-1])
    row = lambda q: big.read(q)[0]       # noqa: E731
    inside = row("MATCH (i:Enterprise)<-[:SUPPLIES]-(o:Enterprise) WHERE i.in_zone = true AND o.in_zone = false "
                 "AND NOT EXISTS { MATCH (i)<-[:BASED_IN]-(:PartyOrg) } "
                 "RETURN i.id AS id, i.name AS name, o.id AS lead ORDER BY id LIMIT 1")
    tie = row("MATCH (o:Enterprise)-[r:SUPPLIES]->(i:Enterprise) WHERE o.in_zone = false AND i.in_zone = true "
              "RETURN o.id AS a, i.id AS b, r.weight AS w ORDER BY a, b LIMIT 1")
    segment = row("MATCH (e:Enterprise)-[:IN_SEGMENT]->(s:Segment)-[:PART_OF]->(:Chain) WHERE e.in_zone = true "
                  "WITH s, count(e) AS n RETURN s.id AS id ORDER BY n, id LIMIT 1")["id"]
    member = row(f"MATCH (e:Enterprise)-[:IN_SEGMENT]->(s:Segment {{id: '{segment}'}}) WHERE e.in_zone = true "
                 "RETURN e.id AS id, e.name AS name ORDER BY id LIMIT 1")
    other = big.read("MATCH (e:Enterprise) WHERE e.in_zone = true AND e.id <> $a AND e.id <> $b "
                     "RETURN e.id AS id ORDER BY id LIMIT 1", {"a": inside["id"], "b": member["id"]})[0]["id"]
    alliance = row("MATCH (a:Alliance) RETURN a.id AS id ORDER BY id LIMIT 1")["id"]
    steps = {
        "a new lead with a tie and a segment": {
            "Enterprise.csv": "id,name,in_zone\nnew1,新企业一,false\n",
            "SUPPLIES.csv": f"from,to,weight\nnew1,{inside['id']},0.4\n",
            "IN_SEGMENT.csv": f"from,to\nnew1,{segment}\n"},
        "a tie's weight changes": {"SUPPLIES.csv": f"from,to,weight\n{tie['a']},{tie['b']},{(tie['w'] or 0) / 2:.3f}\n"},
        "a new in-zone partner": {"Enterprise.csv": "id,name,in_zone\nnew2,新企业二,true\n",
                                  "SUPPLIES.csv": f"from,to,weight\n{tie['a']},new2,0.9\n"},
        "a partner joins an alliance": {"MEMBER_OF.csv": f"from,to,role\nnew2,{alliance},成员单位\n"},
        "a partner gains its own party organisation": {
            "PartyOrg.csv": "id,name,org_type,form\npnew,新党支部,党支部,单独组建\n",
            "BASED_IN.csv": f"from,to\npnew,{inside['id']}\n"},
        # only the organisation is touched: the partner's flag changes, and so its leads' scores
        "that organisation becomes a joint one": {"PartyOrg.csv": "id,name,org_type,form\npnew,新党支部,党支部,联合组建\n"},
        "an in-zone firm of the thinnest segment leaves the zone": {
            "Enterprise.csv": f"id,name,in_zone\n{member['id']},{member['name']},false\n"},
        "products: a lead makes what feeds an in-zone firm's product": {
            "Product.csv": "id,name\npa,材料甲\npb,部件乙\n",
            "MAKES.csv": f"from,to\nnew1,pa\n{inside['id']},pb\n",
            "FEEDS.csv": "from,to,from_label,to_label\npa,pb,Product,Product\n"},
        # only the in-zone maker and the product are touched: the lead making what feeds it is found
        "another in-zone firm makes the fed product": {"MAKES.csv": f"from,to\n{other},pb\n"},
        "a segment includes a product": {"INCLUDES.csv": f"from,to,from_label,to_label\n{segment},pb,Segment,Product\n"},
        "an institute cooperates with a lead": {
            "Institute.csv": "id,name,in_zone\ninst1,新研究院,true\n",
            "COOPERATES_WITH.csv": f"from,to\ninst1,{tie['a']}\n"},
    }
    for number, (what, files) in enumerate(steps.items()):
        scopes.clear()
        _load_files(big, tmp_path / f"step{number}", files)
        assert scopes and scopes[-1] is not None, f"{what}: not scoped"
        assert check(big) == [], what
    zone = [r["id"] for r in big.read("MATCH (e:Enterprise) WHERE e.in_zone = true RETURN e.id AS id")]
    scopes.clear()
    set_zone(big, [z for z in zone if z != inside["id"]] + ["new1"])
    assert scopes and scopes[-1] is not None and check(big) == []
    assert stored(big, inside["lead"])["ties"] is not None and stored(big, "new1")["ties"] is None


def test_a_repair_in_batches_of_firms_ends_where_one_transaction_does(big):
    """refresh_in_batches (check --repair on Neo4j; the benchmark's 1M store): stale flags, segment
    counts and lead values, left by writes that skipped the refresh, are all mended batch by batch,
    and a second run writes nothing."""
    from queries.lead_aggregates import refresh_in_batches
    lead = big.read("MATCH (o:Enterprise) WHERE o.lead_ties > 1 RETURN o.id AS id ORDER BY id LIMIT 1")[0]["id"]
    member = big.read("MATCH (e:Enterprise)-[:MEMBER_OF]->() WHERE e.lead_alliance = true "
                      "RETURN e.id AS id ORDER BY id LIMIT 1")[0]["id"]
    segment = big.read("MATCH (s:Segment) WHERE s.lead_inside > 0 RETURN s.id AS id ORDER BY id LIMIT 1")[0]["id"]

    def stale(tx):
        tx.run("MATCH (o:Enterprise {id: $id}) SET o.in_zone = true", {"id": lead})   # a lead joins the zone
        tx.run("MATCH (e:Enterprise {id: $id})-[m:MEMBER_OF]->() DELETE m", {"id": member})
        tx.run("MATCH (s:Segment {id: $id}) SET s.lead_inside = 99999", {"id": segment})
        tx.run("MATCH (o:Enterprise) WHERE o.lead_ties > 0 AND o.id <> $id WITH o ORDER BY o.id LIMIT 3 "
               "SET o.lead_score = -1.0", {"id": lead})
    big.write(stale, maintain=False)
    problems = check(big, limit=10_000)
    for expected in (f"Enterprise {lead}:", f"Enterprise {member}: partner flags", f"Segment {segment}:"):
        assert any(p.startswith(expected) for p in problems), expected
    firms = big.read("MATCH (o:Enterprise) RETURN count(o) AS n")[0]["n"]
    seen = []
    written = refresh_in_batches(big, firms=700, progress=lambda done, n: seen.append((done, n)))
    assert check(big) == []
    assert seen == [(min(d, firms), firms) for d in range(700, firms + 700, 700)]
    assert written >= len(problems)
    assert big.read("MATCH (o:Enterprise {id: $id}) RETURN o.lead_ties AS t", {"id": lead})[0]["t"] is None
    assert refresh_in_batches(big, firms=700) == 0


def test_gaps_over_every_chain_read_the_kept_counts_and_count_the_rest(big, monkeypatch):
    """Gaps over every chain read the chain segments' in-zone counts from the aggregates; a segment in
    no chain (a FEEDS neighbour) is counted, and so is every segment of a store without them."""
    from queries import segments
    every = {"weak_threshold": 10**6}     # every segment weak (the generated zone has no gap)
    gap = registry.get("gaps").run(big, **every).table.iloc[0]["segment"]
    inside = big.read("MATCH (e:Enterprise) WHERE e.in_zone = true RETURN e.id AS id ORDER BY id LIMIT 1")[0]["id"]

    def add_free_segment(tx):
        big.upsert_nodes(tx, "Segment", [{"id": "seg_free", "name": "链外环节"}])
        big.upsert_rels(tx, "FEEDS", "Segment", "Segment", [{"from": "seg_free", "to": gap}])
        big.upsert_rels(tx, "IN_SEGMENT", "Enterprise", "Segment", [{"from": inside, "to": "seg_free"}])
    big.write(add_free_segment)
    kept = registry.get("gaps").run(big, **every).table
    assert "链外环节(1家)" in kept[kept["segment"] == gap].iloc[0]["reason_zh"]
    with monkeypatch.context() as m:
        m.setattr(segments, "read_stored_inside", lambda store: {})
        counted = registry.get("gaps").run(big, **every).table
    assert kept.to_dict("records") == counted.to_dict("records")
    big.write(lambda tx: tx.run("MATCH (s:Segment) SET s.lead_inside = NULL"), maintain=False)
    assert registry.get("gaps").run(big, **every).table.to_dict("records") == counted.to_dict("records")
