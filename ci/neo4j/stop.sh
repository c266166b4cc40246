#!/usr/bin/env bash
# Stops the Neo4j test server started by start.sh and removes its working directory.
here="$(cd "$(dirname "$0")" && pwd)"
if [ -f "$here/target/neo4j.pid" ]; then
  pid="$(cat "$here/target/neo4j.pid")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$here/target/neo4j.pid"
fi
if [ -f "$here/target/neo4j.work" ]; then rm -rf "$(cat "$here/target/neo4j.work")" "$here/target/neo4j.work"; fi
