"""The benchmark runs end to end (a smoke test at a small scale: timings are not asserted here;
they are measured and published by `python -m bench`, see BENCHMARKS.md)."""
from __future__ import annotations

import os

from bench.report import app, markdown, plot, targets
from bench.run import run
from tests.conftest import IN_CI


def test_bench_quick_smoke(tmp_path):
    assert os.environ.get("NEO4J_URI") or not IN_CI, "CI must benchmark the Neo4j store too"
    stores = ["embedded", "neo4j"] if os.environ.get("NEO4J_URI") else ["embedded"]
    results = run([1500], stores, repeat=2, render=False)     # render: its own test below
    entry = results["scales"]["1500"]
    for store in stores:
        load = entry["stores"][store]["load"]
        assert load["rows"] > 1500 and load["loader_s"] > 0 and load["raw_s"] > 0
        assert load["loader_peak_rss_mib"] > 0
        assert set(entry["stores"][store]["queries"]) >= {"panorama", "gaps", "leads", "updown", "search"}
    assert entry["networkx"]["panorama"]["p50_ms"] >= 0
    text = markdown(results)
    assert "## Load" in text and "networkx" in text
    plot(results, tmp_path / "latency.png")
    assert (tmp_path / "latency.png").stat().st_size > 1000


def depth_two(store, centre: str, cap: int) -> int:
    """Nodes in the Explore view of ``centre`` at depth 2, straight from the query library."""
    from queries import registry
    first = registry.get("neighbourhood").run(store, ids=[centre], labels=[], rel_types=[], cap=cap).graph.nodes
    frontier = [n for n in first if n != centre]
    room = cap - len(first)
    second = registry.get("neighbourhood").run(store, ids=frontier, labels=[], rel_types=[], cap=room).graph.nodes \
        if frontier and room > 0 else {}
    return len(set(first) | set(second))


def test_render_explore_in_chromium(tmp_path):
    """The app benchmark end to end on a small zone: the drawn view holds what the store returns."""
    import pytest
    from bench import render
    from bench.run import representative
    from graph import open_store
    from loaders.generate import generate_zone
    from loaders.load import load_paths
    why = render.available()
    if why:
        assert not IN_CI, why
        pytest.skip(why)
    generate_zone(tmp_path / "zone", enterprises=1500, seed=3)
    store = open_store("embedded", data_dir=tmp_path / "store")
    load_paths(store, [tmp_path / "zone"])
    chain = representative(store)["panorama"]["chain"]
    expected = depth_two(store, chain, 1000)
    store.close()
    shot = tmp_path / "render.png"
    r = render.measure(tmp_path / "store", chain, runs=2, screenshot=shot)
    assert r["nodes"] == r["expected_nodes"] == expected > 100
    assert r["edges"] >= r["nodes"] - 1                       # a connected view: every edge drawn too
    assert r["cold_s"] > 0 and r["p50_s"] > 0 and r["runs"] == 2
    assert shot.stat().st_size > 10_000
    results = {"scales": {"1500": {"stores": {}, "networkx": {}, "render": r}}}
    assert "## App" in "\n".join(app(results))
    assert any("1,000-node view drawn in ≤ 2 s" in line for line in targets(results))
