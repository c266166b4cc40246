"""Before and after on one machine: an earlier commit's code and this tree's, each generating, loading and
timing the same zone, the timings taken in alternating rounds (before, after, before, after …).

    python -m bench.side_by_side 14862a6 [--scales 10000,100000] [--stores embedded,neo4j]
                                         [--rounds 2] [--repeat 15]

The main benchmark's before/after columns compare with a results file from another day, and this
machine's speed drifts from day to day (the unchanged networkx baseline ran 1.3-2.8× slower on one day
than on another): only a side-by-side run says whether an analysis got slower.  Each side runs its own
code end to end (bench/side_by_side_worker.py: its generator, loader, representative parameters and
analyses); the results say when the two generators wrote different files or the two sides chose
different parameters.  On Neo4j each side has its own test server (ci/neo4j/start.sh), both loaded
once.  Results: bench/results/side-by-side.json (and a dated copy); BENCHMARKS.md shows them
(``python -m bench --report-only``).
"""
from __future__ import annotations

import argparse
import datetime as dt
import filecmp
import json
import os
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator

from bench.run import RESULTS, ROOT, log

WORKER = Path(__file__).resolve().parent / "side_by_side_worker.py"
SIDES = ("before", "after")
# A side's Neo4j server: a page cache that holds a 100k store, and a transaction big enough for the
# all-or-nothing load of a 100k zone (the test server's 1 GiB cap is not).
SERVER_ENV = {"NEO4J_HEAP": "4g", "NEO4J_PAGECACHE_MIB": "2048", "NEO4J_TX_MAX_MIB": "3072", "NEO4J_TX_TIMEOUT_S": "3600"}


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def export_commit(commit: str, into: Path) -> Path:
    """The commit's files (git archive), without touching this working tree."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=ROOT, check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def worker(root: Path, *args: str, env: dict[str, str] | None = None) -> None:
    done = subprocess.run([sys.executable, str(WORKER), args[0], str(root), *args[1:]], cwd=root,
                          env={**os.environ, **(env or {})}, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{root.name}: {' '.join(args[:1])} failed:\n{done.stderr[-3000:]}")


@contextmanager
def neo4j_server() -> Iterator[dict[str, str]]:
    """A Neo4j test server of its own (ci/neo4j/start.sh), stopped on exit: the environment to reach it."""
    start = ROOT / "ci" / "neo4j" / "start.sh"
    uri = subprocess.run(["bash", str(start)], check=True, capture_output=True, text=True,
                         env={**os.environ, **SERVER_ENV}).stdout.strip().splitlines()[-1]
    try:
        yield {"NEO4J_URI": uri, "NEO4J_USER": "neo4j", "NEO4J_PASSWORD": ""}
    finally:
        subprocess.run(["bash", str(ROOT / "ci" / "neo4j" / "stop.sh"), uri.rsplit(":", 1)[1]], check=False)


def same_files(a: Path, b: Path) -> bool:
    """Whether two generated zones are byte for byte the same files."""
    names = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    if names != sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file()):
        return False
    return all(filecmp.cmp(a / n, b / n, shallow=False) for n in names)


def compare(runs: dict[str, list[dict]]) -> dict[str, dict]:
    """Per analysis both sides have: each side's p50 over all its runs and per round, and whether the
    parameters agree.  An entry only one side has (one added since) has nothing to compare with."""
    out = {}
    for name in runs["after"][0]:
        if name not in runs["before"][0]:
            continue
        rounds = {side: [r[name]["ms"] for r in runs[side]] for side in SIDES}
        out[name] = {**{f"{side}_p50": round(statistics.median(sum(rounds[side], [])), 1) for side in SIDES},
                     **{f"{side}_rounds": [round(statistics.median(ms), 1) for ms in rounds[side]] for side in SIDES},
                     "same_params": runs["before"][0][name]["params"] == runs["after"][0][name]["params"]}
    return out


def measure(roots: dict[str, Path], zones: dict[str, Path], backend: str, rounds: int, repeat: int,
            work: Path) -> dict[str, dict]:
    with ExitStack() as stack:
        envs = {side: stack.enter_context(neo4j_server()) if backend == "neo4j" else {} for side in SIDES}
        for side in SIDES:
            log(f"{backend}: {side} loads its zone")
            worker(roots[side], "load", backend, str(work / f"{side}-{zones[side].name}-db"), str(zones[side]),
                   env=envs[side])
        runs: dict[str, list[dict]] = {side: [] for side in SIDES}
        for n in range(rounds):
            for side in SIDES:
                log(f"{backend}: round {n + 1} of {rounds}, {side}")
                out = work / f"{side}-{backend}-{n}.json"
                worker(roots[side], "time", backend, str(work / f"{side}-{zones[side].name}-db"), str(repeat), str(out),
                       env=envs[side])
                runs[side].append(json.loads(out.read_text(encoding="utf-8")))
    return compare(runs)


def run(commit: str, scales: list[int], backends: list[str], rounds: int, repeat: int, seed: int = 1) -> dict:
    results = {"date": dt.datetime.now().isoformat(timespec="minutes"), "rounds": rounds, "repeat": repeat,
               "before": {"commit": git("rev-parse", "--short", commit), "subject": git("log", "-1", "--format=%s", commit)[:120]},
               "after": {"commit": git("rev-parse", "--short", "HEAD"), "modified": bool(git("status", "--porcelain"))},
               "load_average": list(os.getloadavg()), "scales": {}}
    with tempfile.TemporaryDirectory(prefix="chaingraph-side-by-side-") as tmp:
        work = Path(tmp)
        roots = {"before": export_commit(commit, work / "before"), "after": ROOT}
        for scale in scales:
            zones = {side: work / f"{side}-zone-{scale}" for side in SIDES}
            for side in SIDES:
                log(f"{scale:,}: {side} generates its zone")
                worker(roots[side], "generate", str(zones[side]), str(scale), str(seed))
            entry = results["scales"][str(scale)] = {"same_zone_files": same_files(*zones.values()), "stores": {}}
            for backend in backends:
                entry["stores"][backend] = measure(roots, zones, backend, rounds, repeat, work)
    results["load_average_end"] = list(os.getloadavg())
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.side_by_side", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("commit", help="the earlier code to compare with (any commit of this repository)")
    parser.add_argument("--scales", default="10000,100000")
    parser.add_argument("--stores", default="embedded,neo4j")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per side")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per analysis and round")
    args = parser.parse_args(argv)
    results = run(args.commit, [int(s) for s in args.scales.split(",")], args.stores.split(","), args.rounds, args.repeat)
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, ensure_ascii=False, indent=1)
    (RESULTS / "side-by-side.json").write_text(text, encoding="utf-8")
    (RESULTS / f"side-by-side-{dt.datetime.now():%Y%m%d-%H%M%S}.json").write_text(text, encoding="utf-8")
    log("wrote bench/results/side-by-side.json; python -m bench --report-only shows it in BENCHMARKS.md")


if __name__ == "__main__":
    main()
