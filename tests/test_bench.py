"""The benchmark runs end to end (a smoke test at a small scale: timings are not asserted here;
they are measured and published by `python -m bench`, see BENCHMARKS.md)."""
from __future__ import annotations

import os

from bench.report import markdown, plot
from bench.run import run
from tests.conftest import IN_CI


def test_bench_quick_smoke(tmp_path):
    assert os.environ.get("NEO4J_URI") or not IN_CI, "CI must benchmark the Neo4j store too"
    stores = ["embedded", "neo4j"] if os.environ.get("NEO4J_URI") else ["embedded"]
    results = run([1500], stores, repeat=2)
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
