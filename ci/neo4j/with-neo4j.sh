#!/usr/bin/env bash
# Runs a command with NEO4J_URI pointing at a real Neo4j: the one already given in NEO4J_URI, or
# a Neo4j Community test server (neo4j-harness, test-time only, never shipped) started here on
# loopback when Java and Maven are present.  The server is stopped when the command ends.
# NEO4J_HEAP (e.g. 8g for a benchmark at 1M enterprises; default 2g) is passed to start.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ -n "${NEO4J_URI:-}" ]; then
  exec "$@"
fi
if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
  echo "with-neo4j: Java or Maven missing: the Neo4j half of the tests will be skipped (a failure under CI=true)" >&2
  exec "$@"
fi
uri="$(NEO4J_HEAP="${NEO4J_HEAP:-2g}" bash "$here/start.sh")"
port="${uri##*:}"
trap 'bash "$here/stop.sh" "$port"' EXIT
echo "with-neo4j: Neo4j test server at $uri (heap ${NEO4J_HEAP:-2g})" >&2
NEO4J_URI="$uri" NEO4J_USER=neo4j NEO4J_PASSWORD= "$@"
