"""BENCHMARKS.md and its plots from a results dict."""
from __future__ import annotations

from pathlib import Path

from bench.run import WARMUP_FULL_MAX, WARMUP_SAMPLE

NOTES = Path(__file__).resolve().parent / "NOTES.md"
RESULTS = Path(__file__).resolve().parent / "results"
CHAINKG = Path(__file__).resolve().parent / "CHAINKG.md"     # hand-written: measured outside the harness

# "Slower than before" only beyond the noise of these machines: more than 10 % above the earlier p50
# and by more than 1 ms (a 5 ms lookup moves by 0.5 ms between runs on its own).
SLOWER_MARGIN = 0.10
SLOWER_FLOOR_MS = 1.0

# The ChainKG load with its mapping (issue #12) is measured by hand, not by this harness (the data is
# not in the repository): bench/CHAINKG.md has the method; these are its figures.
CHAINKG_RUN = {"date": "2026-12-05", "commit": "7239824", "load_average": "0.0–0.6", "rows": 267_594,
               "wall_s": [14.64, 13.07, 13.13], "cpu_s": [13.68, 13.24, 13.28], "target_s": 15}


def p50(entry: dict, store: str, name: str) -> float | None:
    """An analysis's p50 in ms at one scale on one store; None when not measured or it failed."""
    return (entry["stores"].get(store, {}).get("queries", {}).get(name) or {}).get("p50_ms")


def warm_p50(entry: dict, store: str, name: str) -> float | None:
    """Its p50 in the warm pass (bench/run.warm_pass); None when not measured (runs before 2026-12-06)."""
    return (entry["stores"].get(store, {}).get("queries", {}).get(name) or {}).get("warm_p50_ms")


def queried(entry: dict) -> list[str]:
    """The stores whose analyses ran at this scale."""
    return [s for s, r in entry["stores"].items() if r.get("queries")]


def before_from(old: dict) -> dict:
    """The p50s of an earlier run (a results dict), kept inside the new results so the report can be
    regenerated from latest.json alone."""
    return {"source": old.get("_source") or old.get("before_source") or "earlier results",
            "date": old.get("machine", {}).get("date"),
            "p50_ms": {scale: {store: {name: q["p50_ms"] for name, q in r.get("queries", {}).items()
                                       if q.get("p50_ms") is not None}
                               for store, r in entry["stores"].items()}
                       for scale, entry in old.get("scales", {}).items()},
            "networkx_ms": {scale: {name: q["p50_ms"] for name, q in entry.get("networkx", {}).items()
                                    if q.get("p50_ms") is not None}
                            for scale, entry in old.get("scales", {}).items()}}


def machine_factor(results: dict, scale: str) -> float | None:
    """How much slower this run's networkx baseline (the same pure-Python work both times) was than the
    earlier run's: the median ratio over the analyses of 1 ms or more; a gauge of the machine's load."""
    import statistics
    old = results.get("before", {}).get("networkx_ms", {}).get(scale, {})
    new = results["scales"].get(scale, {}).get("networkx", {})
    ratios = [new[k]["p50_ms"] / v for k, v in old.items()
              if k != "_build" and v >= 1 and new.get(k, {}).get("p50_ms")]
    return statistics.median(ratios) if ratios else None


def before_p50(results: dict, scale: str, store: str, name: str) -> float | None:
    return results.get("before", {}).get("p50_ms", {}).get(scale, {}).get(store, {}).get(name)


def slower(after: float | None, before: float | None) -> bool:
    return after is not None and before is not None and \
        after > before * (1 + SLOWER_MARGIN) and after - before > SLOWER_FLOOR_MS


def change(after: float | None, before: float | None) -> str:
    """after / before as "0.52×", bold when slower beyond the noise margin."""
    if after is None or not before:
        return "–"
    text = f"{after / before:.2f}×"
    return f"**{text}**" if slower(after, before) else text


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = ["# Benchmarks", "",
             f"Run on {m['date']}: {m['cores']} cores, {m['ram_gib']} GiB, Python {m['python']}, "
             f"LadybugDB {m['ladybug']}, neo4j driver {m['neo4j_driver']} ({m['platform']})"
             + (f"; load average {'/'.join(map(str, m['load_average']))} at the start, "
                f"{'/'.join(map(str, m.get('load_average_end') or ['?']))} at the end (1/5/15 min)"
                if m.get("load_average") else "") + ".",
             "Re-run: `python -m bench` (all scales) or `python -m bench --quick` (10k). Every figure below comes "
             "from one run; compare ratios, not times across runs (these machines are noisy).", "",
             f"Neo4j is the Community 5.26 test server of `ci/neo4j/` on loopback (default settings, "
             f"{m.get('neo4j_heap') or '2g'} heap: `NEO4J_HEAP` of `ci/neo4j/start.sh`; page cache "
             f"{m.get('neo4j_pagecache') or 'not recorded (8 MiB before 2026-12-05 evening)'}: "
             "`NEO4J_PAGECACHE_MIB`). Before its timed raw write "
             f"Neo4j is warmed up by one untimed write: of the same rows up to {WARMUP_FULL_MAX:,} enterprises, of a "
             f"{WARMUP_SAMPLE:,}-enterprise sample above (a second full write at 1M would add many minutes; the "
             "server is warm from the smaller scales by then).",
             "The networkx baseline (`bench/baseline.py`) computes each analysis's graph work from the same CSV "
             "files with prebuilt indexes; it does not build the explanations and sentences the library returns.",
             "", "## Load", "",
             "| enterprises | store | rows | loader s | of which validate s | of which write s | raw write s | "
             "loader/raw | loader rows/s | loader peak RSS MiB | validator |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    failed = []
    for scale, entry in results["scales"].items():
        for store, r in entry["stores"].items():
            if "load" not in r:
                b = r.get("batched_load")
                failed.append(f"{int(scale):,} on {store}: {r.get('error', 'not measured')}" + (
                    f" — its analyses were measured after writing the same {b['rows']:,} rows in {b['transactions']:,} "
                    f"transactions of ≤ {b['rows_per_transaction']:,} rows ({b['s']} s"
                    + (f", of which {b['aggregates_s']} s the lead aggregates recomputed in batches of firms"
                       if b.get("aggregates_s") is not None else "")
                    + "; not a load figure: not all-or-nothing)" if b else " — its analyses were not run"))
                continue
            load = r["load"]
            lines.append(f"| {int(scale):,} | {store} | {load['rows']:,} | {load['loader_s']} | "
                         f"{load.get('validate_s', '–')} | {load.get('write_s', '–')} | {load['raw_s']} | "
                         f"{load['loader_over_raw']} | {load['loader_rows_per_s']:,} | {load['loader_peak_rss_mib']} | "
                         f"{load.get('validator') or '–'} |")
    lines += ["", "Loader = `chaingraph load` end to end in a fresh process (start-up, read, validate, write); the "
              "validate and write columns are the phases it reports itself (the rest is start-up and opening the "
              "store). "
              "Raw write = the engine's bulk write of exactly the same typed rows, prepared outside the timing: "
              "LadybugDB `COPY FROM` Arrow tables (faster here than its own `COPY FROM` CSV files), Neo4j batched "
              "UNWIND/MERGE on the indexed id. Since 2026-12-05 the loader's write also recomputes the maintained "
              "lead aggregates in the same transaction (`queries/lead_aggregates.py`); the raw write does not, so "
              "loader/raw includes that cost.", ""]
    lines += [f"Load failed: {f}." for f in failed] + ([""] if failed else [])
    lines += small_writes(results)
    lines += ["## Queries (ms)", ""] + passes_note(results) + before_note(results)
    for scale, entry in results["scales"].items():
        stores = queried(entry)
        if not stores:
            continue
        has_before = {s: any(before_p50(results, scale, s, n) is not None for n in entry["stores"][s]["queries"])
                      for s in stores}
        has_warm = {s: any(warm_p50(entry, s, n) is not None for n in entry["stores"][s]["queries"]) for s in stores}
        header = "| analysis | " + " | ".join(
            f"{s} p50 | {s} p95 | {s} cold" + (f" | {s} warm p50" if has_warm[s] else "")
            + (f" | {s} before p50 | {s} change" if has_before[s] else "")
            for s in stores) + " | networkx p50 | " + " | ".join(f"{s}/networkx" for s in stores) + " |"
        columns = sum(3 + has_warm[s] + 2 * has_before[s] for s in stores) + 1 + len(stores)
        lines += [f"### {int(scale):,} enterprises", "", header, "|---|" + "---:|" * columns]
        for name in entry["stores"][stores[0]]["queries"]:
            cells = []
            for s in stores:
                q = entry["stores"][s]["queries"].get(name) or {"error": "not run"}
                cells += [str(q["p50_ms"]), str(q["p95_ms"]), str(q["cold_ms"])] if "p50_ms" in q else \
                    [f"failed: {q['error'][:60]}", "–", "–"]
                if has_warm[s]:
                    cells.append(str(q.get("warm_p50_ms", "failed" if "warm_error" in q else "–")))
                if has_before[s]:
                    old = before_p50(results, scale, s, name)
                    cells += ["–" if old is None else str(old), change(q.get("p50_ms"), old)]
            base = entry["networkx"].get(name, {}).get("p50_ms")
            ratios = [f"{p50(entry, s, name) / base:.1f}" if base and p50(entry, s, name) is not None else "–"
                      for s in stores]
            lines.append(f"| {name} | " + " | ".join(cells) + f" | {base} | " + " | ".join(ratios) + " |")
        lines += ["", f"networkx index build: {entry['networkx']['_build']['p50_ms']} ms.", ""]
        for s in stores:
            if entry["stores"][s].get("server_rss_mib"):
                lines += [f"Neo4j server RSS after the run: {entry['stores'][s]['server_rss_mib']} MiB.", ""]
    lines += ["![latency by scale](bench/results/latency.png)", "",
              "Embedded and Neo4j side by side, p50 per analysis at each scale (log scale):", "",
              "![embedded vs Neo4j per analysis](bench/results/stores.png)", ""]
    lines += side_by_side(results)
    lines += app(results)
    if CHAINKG.exists():   # hand-written: the ChainKG load is measured by hand (dated inside)
        lines += [CHAINKG.read_text(encoding="utf-8").strip(), ""]
    lines += targets(results)
    if NOTES.exists():   # hand-written: why a target is missed, from profiling (dated inside)
        lines += [NOTES.read_text(encoding="utf-8").strip(), ""]
    return "\n".join(lines)


def small_writes(results: dict) -> list[str]:
    """A small import into the loaded store against the whole recomputation of the lead aggregates."""
    rows = [(scale, store, r["small_write"]) for scale, entry in results["scales"].items()
            for store, r in entry["stores"].items() if r.get("small_write")]
    if not rows:
        return []
    lines = ["## A small import into the loaded store", "",
             "| enterprises | store | small import p50 (ms) | whole recomputation (ms) |", "|---:|---|---:|---:|"]
    lines += [f"| {int(scale):,} | {store} | {w['small_load_ms']:,} | "
              + (f"{w['whole_refresh_ms']:,}" if "whole_refresh_ms" in w else f"failed: {w.get('whole_refresh_error', '?')[:90]}")
              + " |" for scale, store, w in rows]
    return lines + ["", "Small import = `load_paths` of one new out-of-zone firm, its tie to the busiest in-zone firm "
                    "and its segment (p50 of 3): validation, the diff against the stored values, the write, and the "
                    "lead aggregates recomputed for the firms it can change (`queries/lead_aggregates.scope`). "
                    "Whole recomputation = what every write paid before that scope existed (a write of nothing).", ""]


def passes_note(results: dict) -> list[str]:
    """What p50 and warm p50 are, when this run has a warm pass."""
    if not any(warm_p50(entry, s, n) is not None for entry in results["scales"].values()
               for s in queried(entry) for n in entry["stores"][s]["queries"]):
        return []
    return ["p50, p95 = the first pass: one cold run, then up to the repeat count of runs, each analysis in turn, "
            "starting right after the load. Warm p50 = a second pass over every analysis once the first is done "
            "(`bench/run.warm_pass`), the same for both stores: a server that has been running, as users meet "
            "it. Before/after and the targets use the first pass's p50 unless a row says warm pass.", ""]


def before_note(results: dict) -> list[str]:
    b = results.get("before")
    if not b:
        return []
    gauges = [(scale, machine_factor(results, scale)) for scale in sorted(results["scales"], key=int)]
    gauges = [f"{int(scale):,}: {f:.2f}×" for scale, f in gauges if f]
    factors = [f"The networkx baseline, the same Python work in both runs, took this run / before (median over "
               f"its analyses): {', '.join(gauges)} — above 1 means this run's machine was the busier (a lower "
               "bound for the stores: they use both cores, the baseline one)."] if gauges else []
    return [f"Before = the p50 of the same analysis on the same store in `{b['source']}` (run on {b['date']}); "
            f"change = this run's p50 / before (below 1 is faster). **Bold** = slower beyond the noise margin "
            f"(more than {SLOWER_MARGIN:.0%} and more than {SLOWER_FLOOR_MS:g} ms). Runs on different days share "
            "the machine kind, not its load: read small changes as noise."] + factors + [""]


def side_by_side(results: dict) -> list[str]:
    """The latest ``python -m bench.side_by_side`` run (bench/results/side-by-side.json), when there is one."""
    sbs = results.get("side_by_side")
    if not sbs:
        return []
    b, a = sbs["before"], sbs["after"]
    lines = ["## Before and after, side by side on one machine", "",
             f"`python -m bench.side_by_side {b['commit']}`, run {sbs['date']} (load average "
             f"{'/'.join(f'{x:.1f}' for x in sbs['load_average'])} at the start): the code of {b['commit']} "
             f"(\"{b['subject'][:70]}…\") and of {a['commit']}{' with uncommitted changes' if a['modified'] else ''}, "
             f"each generating, loading and timing its zone with its own code; {sbs['rounds']} alternating rounds "
             f"of {sbs['repeat']} timed runs per analysis after a cold one, with each side's own parameters for it "
             "(`representative()`). p50 ms over all runs (each round's p50 in brackets); an analysis only one side "
             "has is not listed. This, not the columns above, says whether an analysis got slower: the machine's speed "
             "drifts between days."] + ([f"Note: {sbs['note']}."] if sbs.get("note") else []) + [""]
    for scale, entry in sbs["scales"].items():
        for store, rows in entry["stores"].items():
            lines += [f"### {int(scale):,} enterprises, {store}" + ("" if entry["same_zone_files"] else
                      " (the two generators wrote different files)"), "",
                      "| analysis | before p50 | after p50 | after/before |", "|---|---:|---:|---:|"]
            for name, r in rows.items():
                note = "" if r["same_params"] else " (other parameters)"
                lines.append(f"| {name}{note} | {r['before_p50']:g} ({', '.join(f'{x:g}' for x in r['before_rounds'])}) | "
                             f"{r['after_p50']:g} ({', '.join(f'{x:g}' for x in r['after_rounds'])}) | "
                             f"{change(r['after_p50'], r['before_p50'])} |")
            lines.append("")
    return lines


def rendered(results: dict) -> tuple[str, dict] | None:
    """The scale and figures of the Explore render benchmark, when this run measured it."""
    return next(((s, e["render"]) for s, e in results["scales"].items() if e.get("render")), None)


def light(results: dict) -> tuple[str, dict] | None:
    """The scale and per-size figures of the light page for large views, when this run measured it."""
    return next(((s, e["render_light"]) for s, e in results["scales"].items() if e.get("render_light")), None)


def app(results: dict) -> list[str]:
    found, pages = rendered(results), light(results)
    if not found and not pages:
        return []
    lines = ["## App", ""]
    if found:
        scale, r = found
        lines += [f"The Explore page (`/explore?node={r['centre']}&depth=2&cap={r['cap']}`, {int(scale):,} enterprises, "
                  "embedded store) in headless Chromium, from the navigation request to the first frame Cytoscape "
                  "paints with every node of the view (`bench/render.py`).  Cold = the first request to a freshly "
                  "started app; warm = later requests from new browser pages.", "",
                  "| nodes drawn | edges drawn | cold s | warm p50 s | runs |", "|---:|---:|---:|---:|---:|",
                  f"| {r['nodes']:,} | {r['edges']:,} | {r['cold_s']} | {r['p50_s']} | {r['runs']} |", "",
                  f"![the {r['nodes']:,}-node view](bench/results/render-1000.png)", ""]
    if pages:
        scale, sizes = pages
        lines += [f"The light page for large views (the Explore view of the same chain at depth 2 with the cap "
                  f"asked for, {int(scale):,} enterprises, embedded store, headless Chromium, `bench/render.py`): "
                  "from the navigation request to the page's first frame with every node.  Cold = its first load "
                  "in a fresh browser profile; warm = later loads.  Link s = the Explore page from its request "
                  "until the link to the light page shows (the step before the user's click).", "",
                  "| view size | nodes drawn | edges drawn | cold s | warm p50 s | link s | runs |",
                  "|---:|---:|---:|---:|---:|---:|---:|"]
        for cap, r in sorted(sizes.items(), key=lambda kv: int(kv[0])):
            if "error" in r:
                lines.append(f"| {int(cap):,} | failed: {r['error'][:80]} | | | | | |")
                continue
            lines.append(f"| {int(cap):,} | {fmt_int(r.get('nodes'))} | {fmt_int(r.get('edges'))} | "
                         f"{r.get('cold_s', '–')} | {r.get('p50_s', '–')} | {r.get('link_s', '–')} | "
                         f"{r.get('runs', '–')} |")
        lines.append("")
        shots = [c for c in sorted(sizes, key=int) if (RESULTS / f"light-{c}.png").exists() and "error" not in sizes[c]]
        lines += [f"![the light page, {int(c):,}-node view](bench/results/light-{c}.png)" for c in shots[-1:]]
        lines += [""] if shots else []
    return lines


def fmt_int(value) -> str:
    return f"{value:,}" if isinstance(value, int) else "–"


def view_times(results: dict, size: int) -> tuple[str, dict] | None:
    """(where, figures) of the drawn view of ``size`` nodes: the light page when this run measured it
    (it is what large views use), else the Explore page for the 1,000-node view."""
    pages = light(results)
    r = (pages[1] if pages else {}).get(str(size))
    if r and "p50_s" in r:
        return f"{int(pages[0]):,}, light page", r
    found = rendered(results)
    if size == 1000 and found:
        return f"{int(found[0]):,}, Explore page", found[1]
    return None


def targets(results: dict) -> list[str]:
    """The issues' targets, each met or missed by this run's figures."""
    lines = ["## Targets", "", "| target | measured | met |", "|---|---|---|"]
    missing: list[str] = []

    def row(target: str, measured: str, met: bool) -> None:
        lines.append(f"| {target} | {measured} | {'yes' if met else '**no**'} |")
    scales = sorted(results["scales"].items(), key=lambda kv: int(kv[0]))
    for scale, entry in scales:
        n = f"{int(scale):,}"
        for store, limit in (("embedded", 1.5), ("neo4j", 1.25)):
            load = entry["stores"].get(store, {}).get("load")
            if load:
                ratio = load["loader_over_raw"]
                row(f"{n}: loader ≤ {limit}× raw write ({store})", f"{ratio}×", ratio <= limit)
        load = entry["stores"].get("embedded", {}).get("load")
        if scale == "1000000" and load:
            row(f"{n}: load ≤ 60 s on 2 cores (embedded, {load['rows']:,} rows)", f"{load['loader_s']} s",
                load["loader_s"] <= 60)
            row(f"{n}: loader peak RSS ≤ 4 GiB", f"{load['loader_peak_rss_mib']:,} MiB",
                load["loader_peak_rss_mib"] <= 4096)
        queries = entry["stores"].get("embedded", {}).get("queries", {})
        budget = {"100000": 50, "1000000": 500}.get(scale)
        if budget and queries:
            slow = {k: p50(entry, "embedded", k) for k in queries
                    if p50(entry, "embedded", k) is None or p50(entry, "embedded", k) > budget}
            row(f"{n}: every analysis p50 ≤ {budget} ms (embedded)",
                ", ".join(f"{k} {'failed' if v is None else f'{v:g} ms'}" for k, v in slow.items()) or "all within",
                not slow)
        if queries:
            base = entry["networkx"]
            slower_ = [k for k in queries if base.get(k, {}).get("p50_ms") and
                       (p50(entry, "embedded", k) or float("inf")) > base[k]["p50_ms"]]
            row(f"{n}: every analysis faster than networkx (embedded, p50; networkx index build excluded)",
                f"slower: {', '.join(slower_)}" if slower_ else "all faster", not slower_)
    chainkg(row)
    found = rendered(results)
    if found:
        r = found[1]
        row(f"{int(found[0]):,}: 1,000-node view drawn in ≤ 2 s (Explore, Chromium, warm p50)",
            f"{r['p50_s']} s ({r['nodes']:,} nodes; cold {r['cold_s']} s)", r["p50_s"] <= 2)
    if "1000000" not in results["scales"]:
        missing.append("1M enterprises")
    elif "neo4j" not in queried(results["scales"]["1000000"]):
        missing.append("Neo4j at 1M")
    if not found:
        missing.append("the time to draw a 1,000-node view on the Explore page")
    lines += ["", "### Speed where users feel it (issue #14)", "",
              "| target | measured | met |", "|---|---|---|"]
    missing += speed_targets(results, row)
    lines += ["", f"Not measured in this run: {', '.join(missing)}.", ""] if missing else [""]
    return lines


def chainkg(row) -> None:
    """The ChainKG row from the hand-taken figures (bench/CHAINKG.md), dated: not this run's."""
    c = CHAINKG_RUN
    walls, cpus = c["wall_s"], c["cpu_s"]
    row(f"ChainKG with its mapping ≤ {c['target_s']} s on 2 cores ({c['rows']:,} rows, `--skip-invalid`; "
        f"by hand on {c['date']}, main {c['commit']}, idle machine: load average {c['load_average']})",
        f"wall {' / '.join(f'{w:g}' for w in walls)} s (first with a cold file cache); "
        f"user + sys {' / '.join(f'{t:g}' for t in cpus)} s", max(walls) <= c["target_s"])


def speed_targets(results: dict, row) -> list[str]:
    """Issue #14's targets; returns what this run could not measure for them."""
    missing = []
    big, huge = results["scales"].get("100000"), results["scales"].get("1000000")
    if big and {"embedded", "neo4j"} <= set(queried(big)):
        names = big["stores"]["neo4j"]["queries"]
        passes = [("", p50)] + ([(" (warm pass)", warm_p50)]
                                if any(warm_p50(big, "neo4j", k) is not None for k in names) else [])
        for which, of in passes:
            ratios = {k: (of(big, "neo4j", k), of(big, "embedded", k)) for k in names}
            over = {k: a / b for k, (a, b) in ratios.items() if a is not None and b and a > 2 * b}
            failed = [k for k, (a, b) in ratios.items() if a is None or b is None]
            worst = max(((a / b, k) for k, (a, b) in ratios.items() if a is not None and b), default=None)
            row(f"100,000: Neo4j p50 ≤ 2× embedded, every analysis{which}",
                ", ".join(f"{k} {r:.1f}×" for k, r in over.items()) + (f"; failed: {', '.join(failed)}" if failed else "")
                if over or failed else f"all within (highest: {worst[1]} {worst[0]:.2f}×)" if worst else "–",
                not over and not failed)
        limits = {k: 500 if k == "leads" else 200 for k in names}
        out = {k: p50(big, "neo4j", k) for k in names
               if p50(big, "neo4j", k) is None or p50(big, "neo4j", k) > limits[k]}
        row("100,000: Neo4j p50 ≤ 200 ms, every analysis but leads (leads ≤ 500 ms)",
            ", ".join(f"{k} {'failed' if v is None else f'{v:g} ms'}" for k, v in out.items())
            or f"all within (leads {p50(big, 'neo4j', 'leads')} ms)", not out)
    else:
        missing.append("Neo4j beside embedded at 100k")
    for entry, scale, name, limit in ((big, "100,000", "leads", 50), (huge, "1,000,000", "leads", 500),
                                      (big, "100,000", "gap_leads", 50)):
        if entry and "embedded" in queried(entry):
            value = p50(entry, "embedded", name)
            row(f"{scale}: embedded {name} p50 ≤ {limit} ms", "failed" if value is None else f"{value:g} ms",
                value is not None and value <= limit)
        elif f"embedded at {scale}" not in missing:
            missing.append(f"embedded at {scale}")
    for size, warm, cold in ((1000, 2, 3), (5000, 4, None)):
        found = view_times(results, size)
        if not found:
            missing.append(f"the time to draw a {size:,}-node view")
            continue
        where, r = found
        limits = f"≤ {warm} s warm" + (f", ≤ {cold} s cold" if cold else " (warm p50)")
        link = f"; its Explore page showed the link in {r['link_s']} s" if r.get("link_s") is not None else ""
        row(f"{size:,}-node view drawn {limits} ({where})",
            f"warm p50 {r['p50_s']} s, cold {r['cold_s']} s ({fmt_int(r.get('nodes'))} nodes{link})",
            r["p50_s"] <= warm and (cold is None or r["cold_s"] <= cold))
    sbs = results.get("side_by_side")
    for scale, entry in sorted((sbs or {}).get("scales", {}).items(), key=lambda kv: int(kv[0])):
        for store, rows in entry["stores"].items():
            worse = {k: r for k, r in rows.items() if slower(r["after_p50"], r["before_p50"])}
            row(f"{int(scale):,}: no analysis slower than before, side by side ({store}; {sbs['before']['commit']} → "
                f"{sbs['after']['commit']}, {sbs['date'][:10]})",
                ", ".join(f"{k} {r['before_p50']:g} → {r['after_p50']:g} ms" for k, r in worse.items())
                or f"none slower ({len(rows)} compared)", not worse)
    if results.get("before"):
        b = results["before"]
        for scale, entry in sorted(results["scales"].items(), key=lambda kv: int(kv[0])):
            for store in queried(entry):
                pairs = {k: (p50(entry, store, k), before_p50(results, scale, store, k))
                         for k in entry["stores"][store]["queries"]}
                compared = {k: v for k, v in pairs.items() if v[1] is not None}
                if not compared:
                    continue
                worse = {k: v for k, v in compared.items() if v[0] is None or slower(*v)}
                row(f"{int(scale):,}: no analysis slower than before ({store}; p50 vs {b['date']}, "
                    f"margin {SLOWER_MARGIN:.0%} and {SLOWER_FLOOR_MS:g} ms)",
                    ", ".join(f"{k} {'failed' if a is None else f'{bb:g} → {a:g} ms'}" for k, (a, bb) in worse.items())
                    or f"none slower ({len(compared)} compared)", not worse)
    else:
        missing.append("before/after (no earlier results given)")
    return missing


def plot(results: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    scales = sorted(int(s) for s in results["scales"])
    first = results["scales"][str(scales[0])]
    stores = queried(first)
    fig, axes = plt.subplots(1, len(stores), figsize=(7 * len(stores), 5), squeeze=False)
    for ax, store in zip(axes[0], stores):
        colours = plt.get_cmap("tab20")
        for i, name in enumerate(first["stores"][store]["queries"]):
            ys = [p50(results["scales"][str(s)], store, name) for s in scales]
            ax.plot(scales, [float("nan") if y is None else y for y in ys],
                    marker="os^D"[i % 4], color=colours(i % 20), label=name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"{store}: p50 latency per analysis")
        ax.set_xlabel("enterprises")
        ax.set_ylabel("ms")
        ax.grid(True, which="both", alpha=0.3)
    axes[0][-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1, 1))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


STORE_COLOURS = {"embedded": "#1f77b4", "neo4j": "#d62728"}


def plot_stores(results: dict, path: Path) -> None:
    """Embedded vs Neo4j side by side: one panel per scale, grouped bars of each analysis's p50 (log
    scale, value on each bar); a store not run at a scale has no bars there."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    scales = [s for s in sorted(results["scales"], key=int) if queried(results["scales"][s])]
    stores = [s for s in STORE_COLOURS if any(s in queried(results["scales"][sc]) for sc in scales)]
    stores += sorted({s for sc in scales for s in queried(results["scales"][sc])} - set(stores))
    names = list(dict.fromkeys(n for sc in scales for s in queried(results["scales"][sc])
                               for n in results["scales"][sc]["stores"][s]["queries"]))
    fig, axes = plt.subplots(len(scales), 1, figsize=(max(10, 0.85 * len(names) + 2), 4.2 * len(scales)),
                             squeeze=False)
    width = 0.8 / max(1, len(stores))
    for ax, scale in zip(axes[:, 0], scales):
        entry = results["scales"][scale]
        for i, store in enumerate(stores):
            xs, ys = [], []
            for j, name in enumerate(names):
                value = p50(entry, store, name)
                if value is not None and value > 0:
                    xs.append(j + (i - (len(stores) - 1) / 2) * width)
                    ys.append(value)
            if not xs:
                continue
            bars = ax.bar(xs, ys, width, label=store, color=STORE_COLOURS.get(store))
            ax.bar_label(bars, labels=[f"{y:.0f}" if y >= 10 else f"{y:.1f}" for y in ys], fontsize=7,
                         rotation=90, padding=2)
        ax.set_yscale("log")
        ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=9)
        ax.set_ylabel("p50 ms (log)")
        ax.set_title(f"{int(scale):,} enterprises" + ("" if len(queried(entry)) == len(stores) else
                                                    f" ({', '.join(queried(entry))} only)"))
        ax.grid(True, axis="y", which="both", alpha=0.3)
        top = ax.get_ylim()[1]
        ax.set_ylim(top=top * 4)          # room for the rotated value labels
        ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
