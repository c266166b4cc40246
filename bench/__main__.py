"""python -m bench [--quick] [--scales 10000,100000,1000000] [--stores embedded,neo4j] [--repeat 20] [--no-render]
[--neo4j-max N] [--before bench/results/<earlier>.json | --before none] [--report-only]"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

from bench.run import RESULTS, log, run, write_outputs, write_report


def read_before(arg: str | None) -> tuple[dict | None, str | None]:
    """The earlier results to compare with: the given file, else the latest.json this run is about to
    replace; ``none`` for no comparison."""
    if arg and arg.lower() == "none":
        return None, None
    path = Path(arg) if arg else RESULTS / "latest.json"
    if not path.exists():
        if arg:
            raise SystemExit(f"--before: no such file: {path}")
        return None, None
    try:
        return json.loads(path.read_text(encoding="utf-8")), str(path)
    except (OSError, ValueError) as exc:
        raise SystemExit(f"--before: cannot read {path}: {exc}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10k enterprises only, few repeats")
    parser.add_argument("--scales", default="10000,100000,1000000")
    parser.add_argument("--stores", default=None, help="default: embedded, plus neo4j when NEO4J_URI is set")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--neo4j-max", type=int, default=1_000_000,
                        help="largest scale to run on Neo4j (its load at 1M takes many minutes; "
                             "start the server with NEO4J_HEAP=8g for it)")
    parser.add_argument("--before", default=None,
                        help="earlier results JSON for the before/after columns (default: bench/results/latest.json "
                             "as it was before this run; 'none' for no comparison)")
    parser.add_argument("--no-write", action="store_true", help="print the results, do not rewrite BENCHMARKS.md")
    parser.add_argument("--no-render", action="store_true", help="skip the app benchmark (Explore in Chromium)")
    parser.add_argument("--report-only", action="store_true",
                        help="run nothing: rewrite BENCHMARKS.md and the plots from bench/results/latest.json")
    args = parser.parse_args(argv)
    if args.report_only:
        write_report(json.loads((RESULTS / "latest.json").read_text(encoding="utf-8")))
        log("rewrote BENCHMARKS.md and the plots from bench/results/latest.json")
        return
    scales = [10000] if args.quick else [int(s) for s in args.scales.split(",")]
    stores = args.stores.split(",") if args.stores else ["embedded"] + (["neo4j"] if os.environ.get("NEO4J_URI") else [])
    before, source = read_before(args.before)   # read now: write_outputs replaces latest.json
    if before is not None:
        before["_source"] = os.path.relpath(source, RESULTS.parent.parent)
        log(f"comparing with {source} (run on {before.get('machine', {}).get('date', '?')})")
    if args.no_write:            # nothing in the repository changes, screenshots included
        with tempfile.TemporaryDirectory(prefix="chaingraph-bench-shots-") as shots:
            results = run(scales, stores, repeat=5 if args.quick else args.repeat, neo4j_max=args.neo4j_max,
                          render=not args.no_render, before=before, shots=Path(shots))
        print(json.dumps(results, ensure_ascii=False, indent=1))
    else:
        results = run(scales, stores, repeat=5 if args.quick else args.repeat, neo4j_max=args.neo4j_max,
                      render=not args.no_render, before=before)
        log(f"wrote {write_outputs(results)} and BENCHMARKS.md")


if __name__ == "__main__":
    main()
