"""python -m bench [--quick] [--scales 10000,100000,1000000] [--stores embedded,neo4j] [--repeat 20] [--no-render]"""
from __future__ import annotations

import argparse
import os

from bench.run import log, run, write_outputs


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10k enterprises only, few repeats")
    parser.add_argument("--scales", default="10000,100000,1000000")
    parser.add_argument("--stores", default=None, help="default: embedded, plus neo4j when NEO4J_URI is set")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--neo4j-max", type=int, default=100_000,
                        help="largest scale to run on Neo4j (its load at 1M takes many minutes)")
    parser.add_argument("--no-write", action="store_true", help="print the results, do not rewrite BENCHMARKS.md")
    parser.add_argument("--no-render", action="store_true", help="skip the app benchmark (Explore in Chromium)")
    args = parser.parse_args(argv)
    scales = [10000] if args.quick else [int(s) for s in args.scales.split(",")]
    stores = args.stores.split(",") if args.stores else ["embedded"] + (["neo4j"] if os.environ.get("NEO4J_URI") else [])
    results = run(scales, stores, repeat=5 if args.quick else args.repeat, neo4j_max=args.neo4j_max,
                  render=not args.no_render)
    if args.no_write:
        import json
        print(json.dumps(results, ensure_ascii=False, indent=1))
    else:
        log(f"wrote {write_outputs(results)} and BENCHMARKS.md")


if __name__ == "__main__":
    main()
