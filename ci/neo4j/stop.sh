#!/usr/bin/env bash
# Stops the Neo4j test server that start.sh started on PORT and removes its working directory.
here="$(cd "$(dirname "$0")" && pwd)"
suffix="${1:+.$1}"
pid_file="$here/target/neo4j$suffix.pid"
work_file="$here/target/neo4j$suffix.work"
if [ -f "$pid_file" ]; then
  pid="$(cat "$pid_file")"
  # Only ever our server: a stale file's PID may since belong to another process.
  if ! tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q 'chaingraph.TestServer'; then
    rm -f "$pid_file"; pid=""
  fi
fi
if [ -n "${pid:-}" ]; then
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pid_file"
fi
if [ -f "$work_file" ]; then rm -rf "$(cat "$work_file")" "$work_file"; fi
