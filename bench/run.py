"""Benchmarks: load and query speed on each store at several scales, side by side with the raw write
path and a networkx baseline, all in one run (machines here are noisy: compare ratios, not times
across runs).  ``python -m bench --quick`` (10k only) or ``chaingraph bench``.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from graph.store import StoreError

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def log(message: str) -> None:
    print(f"[bench {dt.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# Neo4j is warmed up before its timed raw write (JIT, page cache).  Up to this scale with the same rows
# (as in every run so far); above it with a 10k-enterprise sample: a second full write at 1M would add
# many minutes and the server is warm from the smaller scales by then anyway.
WARMUP_FULL_MAX = 100_000
WARMUP_SAMPLE = 10_000
HEARTBEAT_S = 30.0          # a log line at least this often during a long phase
SLOW_ANALYSIS_S = 120.0    # an analysis whose cold run takes longer gets one warm run, not three
QUERY_TIMEOUT_S = 900.0     # the store's 60 s default would cut a slow analysis at 1M short


def machine() -> dict:
    import ladybug
    import neo4j
    return {"cores": os.cpu_count(), "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "ladybug": ladybug.__version__, "neo4j_driver": neo4j.__version__,
            "platform": platform.platform(), "date": dt.date.today().isoformat(), "neo4j_heap": neo4j_server_heap(),
            "neo4j_pagecache": neo4j_pagecache(),
            "load_average": [round(x, 1) for x in os.getloadavg()]}


class Heartbeat:
    """Logs ``what``, the elapsed time and a detail when HEARTBEAT_S has passed since the last line."""

    def __init__(self, what: str):
        self.what, self.started = what, time.perf_counter()
        self.last = self.started

    def __call__(self, detail: str = "") -> None:
        now = time.perf_counter()
        if now - self.last >= HEARTBEAT_S:
            self.last = now
            log(f"{self.what}: {now - self.started:.0f} s{', ' + detail if detail else ''}")


def run_with_peak_rss(cmd: list[str], env: dict, what: str = "subprocess") -> tuple[float, int, str, str]:
    """Wall time, peak resident memory, stdout and stderr of a subprocess (memory sampled every 20 ms)."""
    started = time.perf_counter()
    beat = Heartbeat(what)
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out_f, tempfile.TemporaryFile("w+", encoding="utf-8") as err_f:
        # Files, not pipes: a long load's output must not fill a pipe nobody reads while we poll.
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out_f, stderr=err_f, text=True)
        ps, peak = psutil.Process(proc.pid), 0
        while proc.poll() is None:
            try:
                peak = max(peak, ps.memory_info().rss)
            except psutil.Error:
                pass
            beat(f"peak RSS {peak / 2**20:.0f} MiB")
            time.sleep(0.02)
        out_f.seek(0)
        err_f.seek(0)
        out, err = out_f.read(), err_f.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {err[-2000:]}")
    return time.perf_counter() - started, peak, out, err


def open_fresh(backend: str, folder: Path):
    from graph import open_store
    store = open_store(backend, data_dir=folder) if backend == "embedded" else open_store(backend)
    store.clear()
    return store


def bench_load(backend: str, data: Path, work: Path, warm_data: Path | None = None) -> dict:
    """End-to-end ``chaingraph load`` (a fresh process: read, validate, write) versus the engine's raw
    bulk write of exactly the same typed rows, prepared outside the timing.  Raw is, per engine, the
    fastest path measured here: LadybugDB ``COPY FROM`` an Arrow table (faster than its own CSV
    ``COPY FROM`` file: 1M firms 1.3 s vs 2.2 s, 3M ties 6.5 s vs 9.7 s); Neo4j batched UNWIND with
    MERGE on the indexed id.  ``warm_data``: the files Neo4j's untimed warm-up write uses (default:
    the same files)."""
    from loaders.load import validate_paths, write_plan
    rows = sum(sum(1 for _ in open(p, encoding="utf-8")) - 1 for p in data.glob("*.csv"))
    env = dict(os.environ, CHAINGRAPH_STORE=backend, CHAINGRAPH_DATA_DIR=str(work / "loader"))
    log(f"{backend}: clearing the store, validating {rows:,} rows (untimed)")
    store = open_fresh(backend, work / "raw")
    try:
        plan = validate_paths(store, [data])             # typed rows prepared outside the timing
        warmup = None
        if backend == "neo4j":
            # A server's first writes run cold (JIT, page cache): warm it with one untimed write, so
            # neither side of the ratio pays for it.
            same = warm_data is None or warm_data == data
            warmup = "same rows" if same else f"{warm_data.name} sample"
            log(f"{backend}: warm-up write ({warmup}, untimed)")
            write_plan(store, plan if same else validate_paths(store, [warm_data]), progress=write_progress("warm-up"),
                       maintain=False)
            store.clear()
        log(f"{backend}: raw write of {rows:,} rows")
        started = time.perf_counter()
        # the engine's write alone; the loader's figure adds the lead aggregates (queries/lead_aggregates.py)
        write_plan(store, plan, progress=write_progress("raw write"), maintain=False)
        raw_s = time.perf_counter() - started
        log(f"{backend}: raw write {raw_s:.1f} s")
    finally:
        store.close()
    del plan
    if backend == "neo4j":
        log(f"{backend}: clearing the store for the loader")
        open_fresh(backend, work).close()
    log(f"{backend}: chaingraph load (a fresh process)")
    loader_s, loader_rss, _, err = run_with_peak_rss(
        [sys.executable, "-m", "cli", "load", str(data), "--format", "json"], env, what=f"{backend} chaingraph load")
    log(f"{backend}: chaingraph load {loader_s:.1f} s, peak RSS {loader_rss / 2**20:.0f} MiB")
    # The CLI reports its own phases: "N rows validated columnar in X s, written in Y s".
    phases = re.search(r"validated (\w[\w ]*?) in ([\d.]+) s, written in ([\d.]+) s", err)
    return {"rows": rows, "loader_s": round(loader_s, 3), "raw_s": round(raw_s, 3),
            "loader_rows_per_s": round(rows / loader_s), "raw_rows_per_s": round(rows / raw_s),
            "loader_over_raw": round(loader_s / raw_s, 2), "loader_peak_rss_mib": round(loader_rss / 2**20),
            "validator": phases.group(1) if phases else None,
            "validate_s": float(phases.group(2)) if phases else None,
            "write_s": float(phases.group(3)) if phases else None, "warmup": warmup}


FALLBACK_ROWS = 50_000   # rows per transaction of the fallback below


def load_in_transactions(data: Path) -> dict:
    """Only so the analyses can still be measured when the server refuses the all-or-nothing load
    (the Neo4j test server caps one transaction's memory and time): the same validated rows, written
    MERGE by MERGE in transactions of FALLBACK_ROWS rows each.  Not a load figure: not all-or-nothing."""
    from loaders.columnar import ColumnarPlan
    from loaders.load import validate_paths
    from queries.lead_aggregates import refresh_in_batches
    store = open_fresh("neo4j", Path())
    try:
        plan = validate_paths(store, [data])
        if not isinstance(plan, ColumnarPlan):
            raise RuntimeError("the batched fallback writes the columnar plan only")
        steps = [(lambda tx, rows, label=label: store.upsert_nodes(tx, label, rows), t)
                 for label, tables in plan.node_tables.items() for t in tables]
        steps += [(lambda tx, rows, key=key: store.upsert_rels(tx, *key, rows), t)
                  for key, tables in plan.rel_tables.items() for t in tables]
        total, done, commits = sum(t.num_rows for _, t in steps), 0, 0
        beat, started = Heartbeat("batched load"), time.perf_counter()
        for upsert, table in steps:
            for start in range(0, table.num_rows, FALLBACK_ROWS):
                rows = table.slice(start, FALLBACK_ROWS).to_pylist()
                # the lead aggregates once at the end, not after every batch
                store.write(lambda tx, upsert=upsert, rows=rows: upsert(tx, rows), maintain=False)
                commits, done = commits + 1, done + len(rows)
                beat(f"{done:,} of {total:,} rows")
        refreshed = time.perf_counter()
        refresh_in_batches(store, progress=lambda done, n: beat(f"lead aggregates: {done:,} of {n:,} firms"))
        store.statistics_changed()        # as the loader does after a load (loaders/load.py: RESHAPED)
        return {"rows": total, "transactions": commits, "rows_per_transaction": FALLBACK_ROWS,
                "aggregates_s": round(time.perf_counter() - refreshed, 1), "s": round(time.perf_counter() - started, 1)}
    finally:
        store.close()


def bench_small_write(store, work: Path, repeat: int = 3) -> dict:
    """A small import into the loaded store (one new out-of-zone firm, its tie to the busiest in-zone
    firm, its segment), through ``load_paths``: the lead aggregates are recomputed for what it touches
    only.  Beside it, the whole recomputation every write paid before (``store.write`` of nothing)."""
    from loaders.load import load_paths
    hub = store.read("MATCH (o:Enterprise)-[r:SUPPLIES]-(i:Enterprise) WHERE i.in_zone = true "
                     "RETURN i.id AS id, count(r) AS n ORDER BY n DESC, id LIMIT 1")[0]["id"]
    segment = store.read("MATCH (s:Segment)-[:PART_OF]->(:Chain) RETURN s.id AS id ORDER BY id LIMIT 1")[0]["id"]
    times = []
    for n in range(repeat):
        folder = work / f"small-{n}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "Enterprise.csv").write_text(f"id,name,in_zone\nbench_new{n},基准新企业{n},false\n", encoding="utf-8")
        (folder / "SUPPLIES.csv").write_text(f"from,to,weight\nbench_new{n},{hub},0.5\n", encoding="utf-8")
        (folder / "IN_SEGMENT.csv").write_text(f"from,to\nbench_new{n},{segment}\n", encoding="utf-8")
        started = time.perf_counter()
        load_paths(store, [folder])
        times.append(time.perf_counter() - started)
    out = {"small_load_ms": round(statistics.median(times) * 1000, 1), "runs": repeat}
    started = time.perf_counter()
    try:
        store.write(lambda tx: None)
        out["whole_refresh_ms"] = round((time.perf_counter() - started) * 1000, 1)
    except StoreError as exc:        # Neo4j at 1M: one transaction over the server's memory cap
        out["whole_refresh_error"] = f"{type(exc).__name__}: {exc}"[:300]
    return out


def write_progress(what: str):
    """A write_plan progress callback that logs at most every HEARTBEAT_S."""
    beat = Heartbeat(what)
    return lambda name, done, total: beat(f"{done:,} of {total:,} rows ({name})")


def representative(store) -> dict[str, dict]:
    """Parameters that make each analysis work hard: the biggest chain, a hub firm, the widest gap."""
    from queries import registry
    chains = registry.get("chains").run(store).table
    big_chain = chains.sort_values(["segments", "id"], ascending=[False, True]).iloc[0]["id"]
    hub = store.read("MATCH (a:Enterprise)-[r:SUPPLIES]->(b:Enterprise) RETURN a.id AS id, count(r) AS n "
                     "ORDER BY n DESC, id LIMIT 1")[0]["id"]
    gaps = registry.get("gaps").run(store).table
    gap = gaps.sort_values(["candidates", "segment"], ascending=[False, True]).iloc[0]["segment"] if len(gaps) else ""
    segment = store.read("MATCH (s:Segment) RETURN s.id AS id ORDER BY id LIMIT 1")[0]["id"]
    return {"overview": {}, "panorama": {"chain": big_chain}, "gaps": {}, "leads": {"limit": 100},
            "gap_leads": {"segment": gap or segment}, "updown": {"id": hub, "depth": 3},
            # the same view with what its cap left out counted (the 统计全部 button; for some days before
            # the evening of 2026-12-05 every cut updown counted; the code of 2026-11-26 did not count)
            "updown_count": {"id": hub, "depth": 3, "count_all": True},
            "search": {"q": "企业00001"}, "neighbourhood": {"ids": [hub]}, "alliances": {}, "research": {},
            "pipeline": {}, "demands": {}, "what_if": {"segment": gap or segment}, "node": {"id": hub}}


ANALYSIS_OF = {"updown_count": "updown"}   # a benchmark entry that runs an analysis with other parameters


def bench_queries(store, repeat: int, params: dict[str, dict] | None = None) -> dict[str, dict]:
    """Cold then repeated runs of each analysis.  An analysis that fails is recorded with its error
    (and the run goes on): a long run must not lose every other figure to one timeout."""
    from queries import registry
    store.default_timeout = max(store.default_timeout, QUERY_TIMEOUT_S)
    out = {}
    for name, params in (params or representative(store)).items():
        try:
            out[name] = time_analysis(name, registry.get(ANALYSIS_OF.get(name, name)), store, params, repeat)
        except Exception as exc:   # noqa: BLE001 — recorded in the results and the report
            log(f"{name} failed: {exc}")
            out[name] = {"error": f"{type(exc).__name__}: {exc}"[:300], "params": dict(params)}
    return out


def warm_pass(store, queries: dict[str, dict], repeat: int) -> None:
    """A second pass over every analysis, after the first pass ran them all: ``warm_p50_ms`` beside each
    ``p50_ms``.  The first pass starts right after a load; this one says whether its figures are a
    transient of that (on 2026-12-06 they were not: that day's slow gaps on Neo4j were plans made on
    stale statistics, as slow in both passes; bench/NOTES.md).  Both stores get the same pass; failed
    and slow analyses none."""
    from queries import registry
    for name, q in queries.items():
        if "p50_ms" not in q or q["cold_ms"] > SLOW_ANALYSIS_S * 1000:
            continue
        spec = registry.get(ANALYSIS_OF.get(name, name))
        try:
            times = timed_runs(spec, store, q["params"], repeat, q["cold_ms"] / 1000)
        except Exception as exc:   # noqa: BLE001 — recorded, as in the first pass
            log(f"{name} failed in the warm pass: {exc}")
            q["warm_error"] = f"{type(exc).__name__}: {exc}"[:300]
            continue
        q["warm_p50_ms"] = round(statistics.median(times) * 1000, 2)


def timed_runs(spec, store, params: dict, repeat: int, cold: float) -> list[float]:
    """Up to ``repeat`` timed runs (s), fewer once past a budget of max(30 s, 3 cold runs), at least 3;
    an analysis whose cold run took minutes: one."""
    slow = cold > SLOW_ANALYSIS_S                        # minutes per run: one warm run is the figure
    budget = time.perf_counter() + (0 if slow else max(30.0, cold * 3))
    least, times = (1 if slow else 3), []
    for _ in range(repeat):
        started = time.perf_counter()
        spec.run(store, **params)
        times.append(time.perf_counter() - started)
        if len(times) >= least and started > budget:
            break
    return times


def time_analysis(name: str, spec, store, params: dict, repeat: int) -> dict:
    started = time.perf_counter()
    spec.run(store, **params)
    cold = time.perf_counter() - started
    if cold > HEARTBEAT_S:
        log(f"{name}: cold run {cold:.1f} s")
    times = sorted(timed_runs(spec, store, params, repeat, cold))
    return {"cold_ms": round(cold * 1000, 2), "p50_ms": round(statistics.median(times) * 1000, 2),
            "runs": len(times), "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))] * 1000, 2),
            "params": {k: v for k, v in params.items()}}


def bench_baseline(data: Path, params: dict[str, dict], repeat: int) -> dict[str, dict]:
    """The same analyses in pure Python with networkx, from the same files."""
    from bench import baseline
    started = time.perf_counter()
    model = baseline.Model(data)
    build = time.perf_counter() - started
    out = {"_build": {"p50_ms": round(build * 1000, 2)}}
    for name, fn in baseline.ANALYSES.items():
        times = []
        for _ in range(max(1, repeat // 4)):
            started = time.perf_counter()
            fn(model, params.get(name, {}))
            times.append(time.perf_counter() - started)
        out[name] = {"p50_ms": round(statistics.median(times) * 1000, 2)}
    return out


def neo4j_server_rss() -> int | None:
    """Resident memory of the local Neo4j test server serving NEO4J_URI, when it is one."""
    port = os.environ.get("NEO4J_URI", "").rsplit(":", 1)[-1].strip("/")
    pid_file = ROOT / "ci" / "neo4j" / "target" / f"neo4j.{port}.pid"
    try:
        return psutil.Process(int(pid_file.read_text())).memory_info().rss
    except (OSError, ValueError, psutil.Error):
        return None


def neo4j_server_heap() -> str | None:
    """The -Xmx of the local Neo4j test server serving NEO4J_URI (ci/neo4j/start.sh, NEO4J_HEAP)."""
    port = os.environ.get("NEO4J_URI", "").rsplit(":", 1)[-1].strip("/")
    pid_file = ROOT / "ci" / "neo4j" / "target" / f"neo4j.{port}.pid"
    try:
        args = psutil.Process(int(pid_file.read_text())).cmdline()
    except (OSError, ValueError, psutil.Error):
        return None
    return next((a[4:] for a in args if a.startswith("-Xmx")), None)


def neo4j_pagecache() -> str | None:
    """The page cache of the Neo4j server at NEO4J_URI, as it reports it (any server, not only ours):
    with the harness's 8 MiB every read of a 100k store went to the OS for its pages."""
    if not os.environ.get("NEO4J_URI"):
        return None
    from graph import open_store
    try:
        store = open_store("neo4j", read_only=True)
        try:
            rows = store.read("SHOW SETTINGS YIELD name, value WHERE name = 'server.memory.pagecache.size' "
                              "RETURN value")
        finally:
            store.close()
    except Exception:   # noqa: BLE001 — a figure for the report, never a reason to stop the run
        return None
    return str(rows[0]["value"]) if rows else None


def bench_light(folder: Path, chain: str, sizes: tuple[int, ...] = (1000, 5000), shots: Path = RESULTS) -> dict | None:
    """The light page for large views (``render.measure_light``, when bench/render.py has it): per view
    size, cold and warm draw times.  Skipped, with a log line, when it is not there or fails."""
    from bench import render
    measure = getattr(render, "measure_light", None)
    why = render.available() or (None if measure else "bench/render.py has no measure_light")
    if why:
        log(f"light-page benchmark skipped: {why}")
        return None
    log(f"light page: drawing {chain} at depth 2, caps {', '.join(f'{c:,}' for c in sizes)}, in Chromium")
    try:
        found = measure(folder, chain, caps=sizes, screenshot_dir=shots)
    except Exception as exc:   # noqa: BLE001 — logged; the rest of the run stands
        log(f"light-page benchmark failed: {type(exc).__name__}: {exc}")
        return {str(c): {"error": f"{type(exc).__name__}: {exc}"[:300]} for c in sizes}
    return {str(cap): figures for cap, figures in found.get("caps", found).items()}


def bench_render(folder: Path, chain: str, shots: Path = RESULTS) -> dict | None:
    """The Explore page drawing a ~1,000-node view in headless Chromium (bench/render.py)."""
    from bench import render
    why = render.available()
    if why:
        log(f"render benchmark skipped: {why}")
        return None
    log(f"Explore: drawing {chain} at depth 2, cap 1,000, in Chromium")
    return render.measure(folder, chain, screenshot=shots / "render-1000.png")


def run(scales: list[int], backends: list[str], repeat: int = 20, seed: int = 1,
        neo4j_max: int = 1_000_000, render: bool = True, before: dict | None = None, shots: Path = RESULTS) -> dict:
    """``before``: an earlier run's results; its p50s are kept beside this run's (see bench/report.py).
    ``shots``: where the app benchmarks' screenshots go."""
    from bench.report import before_from
    from graph import open_store
    from loaders.generate import generate_zone
    results = {"machine": machine(), "scales": {}}
    if before:
        results["before"] = before_from(before)
    # once, on the embedded store of the largest scale up to 100k
    render_scale = max((s for s in scales if s <= 100_000), default=None) if render and "embedded" in backends else None
    with tempfile.TemporaryDirectory(prefix="chaingraph-bench-") as tmp:
        for scale in scales:
            data = Path(tmp) / f"zone-{scale}"
            log(f"generating {scale} enterprises")
            counts = generate_zone(data, enterprises=scale, seed=seed)
            entry = {"generated": counts, "stores": {}}
            params = None
            for backend in backends:
                if backend == "neo4j" and scale > neo4j_max:
                    log(f"{scale}: neo4j skipped (above --neo4j-max {neo4j_max})")
                    continue
                log(f"{scale}: load on {backend}")
                work = Path(tmp) / f"{backend}-{scale}"
                warm = None
                if backend == "neo4j" and scale > WARMUP_FULL_MAX:
                    warm = Path(tmp) / f"zone-{WARMUP_SAMPLE}"
                    if not warm.exists():
                        generate_zone(warm, enterprises=WARMUP_SAMPLE, seed=seed)
                try:
                    entry["stores"][backend] = {"load": bench_load(backend, data, work, warm_data=warm)}
                except Exception as exc:   # noqa: BLE001 — e.g. the server refuses a 1M transaction
                    entry["stores"][backend] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
                # (outside the except block: its traceback would keep the failed load's rows in memory)
                if "error" in entry["stores"][backend]:
                    error = entry["stores"][backend]["error"]
                    if backend != "neo4j":
                        log(f"{scale}: load on {backend} failed, its queries skipped: {error}")
                        continue
                    log(f"{scale}: load on {backend} failed ({error}); loading in batches for its queries")
                    try:
                        entry["stores"][backend]["batched_load"] = load_in_transactions(data)
                    except Exception as exc2:   # noqa: BLE001
                        log(f"{scale}: batched load on {backend} failed too, its queries skipped: {exc2}")
                        continue
                store = open_store(backend, data_dir=work / "loader") if backend == "embedded" else open_store(backend)
                log(f"{scale}: queries on {backend}")
                store_params = representative(store)
                params = params or store_params
                entry["stores"][backend]["queries"] = bench_queries(store, repeat, store_params)
                log(f"{scale}: the warm pass on {backend}")
                warm_pass(store, entry["stores"][backend]["queries"], repeat)
                log(f"{scale}: a small import on {backend}")
                entry["stores"][backend]["small_write"] = bench_small_write(store, work)
                store.close()
                if backend == "neo4j":
                    rss = neo4j_server_rss()
                    entry["stores"][backend]["server_rss_mib"] = round(rss / 2**20) if rss else None
            if scale == render_scale and params:
                folder = Path(tmp) / f"embedded-{scale}" / "loader"
                entry["render"] = bench_render(folder, params["panorama"]["chain"], shots)
                light = bench_light(folder, params["panorama"]["chain"], shots=shots)
                if light:
                    entry["render_light"] = light
            log(f"{scale}: networkx baseline")
            entry["networkx"] = bench_baseline(data, params or {}, repeat)
            results["scales"][str(scale)] = entry
    results["machine"]["load_average_end"] = [round(x, 1) for x in os.getloadavg()]
    return results


def write_outputs(results: dict, out_dir: Path = RESULTS) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = out_dir / f"bench-{stamp}.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    (out_dir / "latest.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    write_report(results, out_dir)
    return path


def write_report(results: dict, out_dir: Path = RESULTS, doc: Path = ROOT / "BENCHMARKS.md") -> None:
    """BENCHMARKS.md and its plots from a results dict (also after editing the hand-written notes)."""
    from bench.report import markdown, plot, plot_stores
    out_dir.mkdir(parents=True, exist_ok=True)
    plot(results, out_dir / "latency.png")
    plot_stores(results, out_dir / "stores.png")
    side_by_side = out_dir / "side-by-side.json"      # python -m bench.side_by_side
    if side_by_side.exists():
        results = {**results, "side_by_side": json.loads(side_by_side.read_text(encoding="utf-8"))}
    doc.write_text(markdown(results), encoding="utf-8")
