"""One side of ``python -m bench.side_by_side``: run as a script with a tree's code (ROOT: this one, or
an earlier commit's files) first on sys.path, so it imports nothing of the tree it sits in.

    generate ROOT ZONE ENTERPRISES SEED      ROOT's generator writes the zone's files into ZONE
    load ROOT STORE DATA_DIR ZONE             ROOT's loader loads them into a fresh store
    time ROOT STORE DATA_DIR REPEAT OUT       ROOT's analyses, ROOT's representative parameters:
                                              one cold run, then REPEAT timed ones each, into OUT (JSON)

Only the interfaces every version since 2026-11-26 has are used (graph.open_store, load_paths,
generate_zone, bench.run.representative, the query registry)."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def open_side_store(backend: str, data_dir: str, read_only: bool = False):
    from graph import open_store
    if backend == "embedded":
        return open_store("embedded", data_dir=data_dir, read_only=read_only)
    return open_store("neo4j", read_only=read_only)      # NEO4J_URI: this side's own server


def generate(zone: str, enterprises: str, seed: str) -> None:
    from loaders.generate import generate_zone
    generate_zone(Path(zone), enterprises=int(enterprises), seed=int(seed))


def load(backend: str, data_dir: str, zone: str) -> None:
    from loaders.load import load_paths
    store = open_side_store(backend, data_dir)
    try:
        store.clear()
        load_paths(store, [Path(zone)])
    finally:
        store.close()


def timings(backend: str, data_dir: str, repeat: str, out: str) -> None:
    from bench import run as bench_run
    from queries import registry
    store = open_side_store(backend, data_dir, read_only=True)
    try:
        params = bench_run.representative(store)
        analysis_of = getattr(bench_run, "ANALYSIS_OF", {})   # a benchmark entry that runs another analysis
        result = {}
        for name, p in params.items():
            spec = registry.get(analysis_of.get(name, name))
            spec.run(store, **p)                              # cold, untimed
            runs = []
            for _ in range(int(repeat)):
                started = time.perf_counter()
                spec.run(store, **p)
                runs.append((time.perf_counter() - started) * 1000)
            result[name] = {"params": p, "ms": runs}
    finally:
        store.close()
    Path(out).write_text(json.dumps(result, ensure_ascii=False, default=str), encoding="utf-8")


def main(argv: list[str]) -> None:
    mode, root, *rest = argv
    sys.path[0] = str(Path(root).resolve())       # in place of this script's folder
    {"generate": generate, "load": load, "time": timings}[mode](*rest)


if __name__ == "__main__":
    main(sys.argv[1:])
