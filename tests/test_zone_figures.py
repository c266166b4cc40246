"""The zone's figures (queries/zone_figures.py): every write keeps the stored ones equal to a
recomputation, the overview reads them, ``chaingraph check`` finds a difference and --repair mends it,
and a store without them (an older version's) still answers and gains them when opened; both stores."""
from __future__ import annotations

import pytest

from graph.embedded import EmbeddedStore
from queries import registry, zone_figures
from queries.lead_aggregates import check, ensure
from tests.conftest import cli_check_then_repair


@pytest.fixture
def loaded(bundled_store):
    """The bundled zone on each store (a fresh load per test)."""
    return bundled_store


def figure(store, metric: str, **params):
    table = registry.get("overview").run(store, **params).table
    return table.loc[table["metric"] == metric, "value"].iloc[0]


def tamper(store, **changes) -> None:
    """Stored figures that no longer match the graph, written past the maintenance (as a bug would)."""
    figures = {**zone_figures.stored(store), **changes}
    store.write(lambda tx: tx.run(zone_figures.STORE, {"id": zone_figures.ID, "figures": zone_figures.pack(figures)}),
                maintain=False)


def test_a_load_stores_them_and_the_overview_reads_them(loaded):
    kept = zone_figures.stored(loaded)
    assert kept is not None and zone_figures.same(kept, zone_figures.compute(loaded)) and check(loaded) == []
    assert figure(loaded, "chain_enterprises") == kept["chain_enterprises"] == 114
    # The overview answers from the stored node, not from the graph: a stored value it shows as it is.
    tamper(loaded, chain_enterprises=999)
    assert figure(loaded, "chain_enterprises") == 999


def test_every_kind_of_write_keeps_them(loaded):
    from loaders.zone import set_zone
    resolved = figure(loaded, "demands_resolved")
    open_demand = loaded.read("MATCH (d:Demand) WHERE d.status <> '已解决' RETURN d.id AS id ORDER BY d.id LIMIT 1")[0]["id"]
    loaded.write(lambda tx: loaded.set_properties(tx, "Demand", [{"id": open_demand, "status": "已解决"}]))
    assert figure(loaded, "demands_resolved") == resolved + 1 and check(loaded) == []
    # a firm leaves the zone: one chain firm fewer, the coverage figures recomputed
    zone = sorted(r["id"] for r in loaded.read("MATCH (e:Enterprise) WHERE e.in_zone = true RETURN e.id AS id"))
    set_zone(loaded, zone[1:])
    assert figure(loaded, "chain_enterprises") == 113 and check(loaded) == []
    # an organisation's honour: the honours since its year count it, those after do not
    org = loaded.read("MATCH (p:PartyOrg) WHERE p.honour IS NULL RETURN p.id AS id ORDER BY p.id LIMIT 1")[0]["id"]
    before = figure(loaded, "bastion_branches", since=2023, year=2025)
    loaded.write(lambda tx: loaded.set_properties(tx, "PartyOrg", [{"id": org, "honour": "堡垒支部", "honour_year": 2024}]))
    assert figure(loaded, "bastion_branches", since=2023, year=2025) == before + 1
    assert check(loaded) == []
    # a refused write leaves them as they were
    kept = zone_figures.stored(loaded)

    def refused(tx):
        loaded.set_properties(tx, "Demand", [{"id": open_demand, "status": "待办"}])
        raise RuntimeError("refused half-way")
    with pytest.raises(RuntimeError):
        loaded.write(refused)
    assert zone_figures.stored(loaded) == kept


def test_a_write_that_says_what_it_touched_recomputes_what_that_can_change(loaded):
    """A write that touched no firm and no party organisation keeps the stored firm figures and
    recomputes the rest; one that touched a firm recomputes them all."""
    from graph.store import Touched
    demand = loaded.read("MATCH (d:Demand) WHERE d.status <> '已解决' RETURN d.id AS id ORDER BY d.id LIMIT 1")[0]["id"]
    resolved = figure(loaded, "demands_resolved")
    tamper(loaded, rd_investment=1.5)            # a firm figure the scoped write must keep as it is
    loaded.write(lambda tx: loaded.set_properties(tx, "Demand", [{"id": demand, "status": "已解决"}]),
                 touched=Touched(nodes={demand}))
    assert figure(loaded, "demands_resolved") == resolved + 1 and figure(loaded, "rd_investment") == 1.5
    # a supply tie between two firms: their relationship, not their figures
    firms = [r["id"] for r in loaded.read("MATCH (e:Enterprise) RETURN e.id AS id ORDER BY e.id LIMIT 2")]
    loaded.write(lambda tx: loaded.upsert_rels(tx, "SUPPLIES", "Enterprise", "Enterprise",
                                               [{"from": firms[0], "to": firms[1], "weight": 0.5}]),
                 touched=Touched(ends=set(firms)))
    assert figure(loaded, "rd_investment") == 1.5
    # a firm touched: every figure recomputed (the tampered one mended), the firm's leaving counted
    firm = loaded.read("MATCH (e:Enterprise) WHERE e.in_zone = true RETURN e.id AS id ORDER BY e.id LIMIT 1")[0]["id"]
    loaded.write(lambda tx: loaded.set_properties(tx, "Enterprise", [{"id": firm, "in_zone": False}]),
                 touched=Touched(nodes={firm}))
    assert figure(loaded, "chain_enterprises") == 113 and check(loaded) == []
    # an organisation of its own for a firm only a joint branch covered: only the relationship's ends
    # are touched, one of them an organisation, so the coverage is recomputed
    joint_only = sorted({r["id"] for r in loaded.read(
        "MATCH (p:PartyOrg)-[:BASED_IN]->(e:Enterprise) WHERE e.in_zone = true AND e.chain_enterprise = true "
        "AND p.form = '联合组建' RETURN e.id AS id")} - {r["id"] for r in loaded.read(
        "MATCH (p:PartyOrg)-[:BASED_IN]->(e:Enterprise) WHERE p.form = '单独组建' RETURN e.id AS id")})
    own = figure(loaded, "chain_enterprises_with_party_org")

    loaded.write(lambda tx: loaded.upsert_nodes(tx, "PartyOrg", [{"id": "org_new", "name": "新党支部", "form": "单独组建"}]),
                 touched=Touched(nodes={"org_new"}))
    assert figure(loaded, "chain_enterprises_with_party_org") == own       # based nowhere yet
    loaded.write(lambda tx: loaded.upsert_rels(tx, "BASED_IN", "PartyOrg", "Enterprise",
                                               [{"from": "org_new", "to": joint_only[0]}]),
                 touched=Touched(ends={"org_new", joint_only[0]}))
    assert figure(loaded, "chain_enterprises_with_party_org") == own + 1 and check(loaded) == []


def test_honours_since_a_year_count_only_that_year_and_after(loaded):
    every = zone_figures.stored(loaded)["honours"]
    year = zone_figures.COLUMNS["honours"].index("year")
    for since in (2023, 2024, 2025, 2026):
        honours = registry.get("overview").run(loaded, since=since, year=2025).extra["honours"]
        assert sorted(honours["year"].tolist()) == sorted(r[year] for r in every if r[year] is not None and r[year] >= since)


def test_check_names_a_tampered_figure_and_repair_fixes_it(loaded, monkeypatch):
    tamper(loaded, own=1)
    problems = check(loaded)
    assert problems == ["ZoneFigures own: stored 1, recomputed 91"]
    if loaded.backend != "embedded":
        from queries.lead_aggregates import recompute_all
        recompute_all(loaded)
        assert check(loaded) == [] and figure(loaded, "chain_enterprises_with_party_org") == 91
        return
    bad, fixed, after = cli_check_then_repair(loaded, monkeypatch)
    assert bad.exit_code == 1 and "ZoneFigures own: stored 1, recomputed 91" in bad.output
    assert fixed.exit_code == 0, fixed.output
    assert after.exit_code == 0


def test_a_store_without_them_answers_the_same_and_gains_them_when_opened(loaded):
    answer = registry.get("overview").run(loaded).table
    loaded.write(lambda tx: tx.run("MATCH (z:ZoneFigures) DELETE z"), maintain=False)   # as an older version left it
    assert zone_figures.stored(loaded) is None
    assert check(loaded) == ["ZoneFigures: none stored (chaingraph check --repair computes them)"]
    assert registry.get("overview").run(loaded).table.equals(answer)
    ensure(loaded)              # what opening a store for writing does (graph.open_store)
    assert check(loaded) == [] and registry.get("overview").run(loaded).table.equals(answer)


def test_an_empty_store_shows_zeros(tmp_path):
    store = EmbeddedStore(tmp_path / "db")
    try:
        assert zone_figures.stored(store) is None
        assert figure(store, "chain_enterprises") == 0 and figure(store, "party_org_coverage_pct") == 0
    finally:
        store.close()
