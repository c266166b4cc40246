#!/usr/bin/env bash
# Builds (once; Maven caches in ~/.m2) and starts the Neo4j test server on a loopback port
# (a free one, or the one given as the first argument).
# Prints the Bolt URI on stdout once the server answers; writes its PID to target/neo4j.PORT.pid, so
# several servers (a test run and a benchmark) can run side by side.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
# NEO4J_HEAP: the server's Java heap (default 2g, as in every test run); a benchmark at 1M enterprises
# takes more, e.g. NEO4J_HEAP=8g bash ci/neo4j/with-neo4j.sh python -m bench.
heap="${NEO4J_HEAP:-2g}"
if ! [[ "$heap" =~ ^[0-9]+[kKmMgG]?$ ]]; then
  echo "NEO4J_HEAP must be a Java heap size such as 2g or 8192m, not '$heap'" >&2
  exit 2
fi
# NEO4J_TX_MAX_MIB / NEO4J_TX_TIMEOUT_S: one transaction's memory cap and time limit (defaults 1024 MiB,
# 120 s); a 1M benchmark's all-or-nothing load needs more, e.g. NEO4J_TX_MAX_MIB=8192 NEO4J_TX_TIMEOUT_S=3600.
tx_opts=()
# NEO4J_PAGECACHE_MIB: the page cache (default 512 MiB; the benchmark sizes it to the store, as a
# production server does).
for pair in "NEO4J_TX_MAX_MIB:txMaxMiB" "NEO4J_TX_TIMEOUT_S:txTimeoutS" "NEO4J_PAGECACHE_MIB:pagecacheMiB"; do
  var="${pair%%:*}"; prop="${pair##*:}"; value="${!var:-}"
  if [ -n "$value" ]; then
    if ! [[ "$value" =~ ^[0-9]+$ ]]; then echo "$var must be a whole number, not '$value'" >&2; exit 2; fi
    tx_opts+=("-Dchaingraph.$prop=$value")
  fi
done
mkdir -p target
if [ ! -s target/classpath.txt ] || [ pom.xml -nt target/classpath.txt ] || \
   [ src/main/java/chaingraph/TestServer.java -nt target/classes/chaingraph/TestServer.class ]; then
  mvn -q -B compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >&2
fi
# PORT (optional first argument) and DATA_DIR (optional second) let a fault test restart a server
# where it was, with the database it had.
port="${1:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"
work="$(mktemp -d "${TMPDIR:-/tmp}/chaingraph-neo4j.XXXXXX")"
data_dir="${2:-}"
# Empty the log before the server starts: the background redirection truncates it only when the
# subshell runs, and a restart on the same port must not see the previous server's URI line.
: > "target/neo4j.$port.log"
nohup java "-Xmx$heap" ${tx_opts[@]+"${tx_opts[@]}"} -cp "target/classes:$(cat target/classpath.txt)" chaingraph.TestServer "$port" "$work" ${data_dir:+"$data_dir"} \
  >> "target/neo4j.$port.log" 2>&1 &
echo $! > "target/neo4j.$port.pid"
echo "$work" > "target/neo4j.$port.work"
# Bounded wait: the server prints its URI once Bolt is listening.
for _ in $(seq 1 240); do
  if grep -q '^NEO4J_URI=' "target/neo4j.$port.log"; then
    echo "bolt://127.0.0.1:$port"
    exit 0
  fi
  if ! kill -0 "$(cat "target/neo4j.$port.pid")" 2>/dev/null; then
    echo "Neo4j test server exited; its log:" >&2; tail -40 "target/neo4j.$port.log" >&2; exit 1
  fi
  sleep 0.5
done
echo "Neo4j test server did not start within 120 s; its log:" >&2; tail -40 "target/neo4j.$port.log" >&2
bash "$here/stop.sh" "$port"
exit 1
