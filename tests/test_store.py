"""The store layer on both backends: schema, constraints, transactions, persistence, locking."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from graph import schema
from graph.embedded import EmbeddedStore
from graph.store import ConstraintViolation, StoreError, StoreLocked

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _enterprises(n, prefix="e"):
    return [{"id": f"{prefix}{i}", "name": f"企业{i}", "in_zone": i % 2 == 0} for i in range(n)]


def test_schema_registry_generates_both_dialects():
    lady = schema.ladybug_ddl()
    neo = schema.neo4j_ddl()
    for label in schema.NODE_LABELS:
        assert any(s.startswith(f"CREATE NODE TABLE IF NOT EXISTS {label.name}(id STRING PRIMARY KEY") for s in lady)
        assert any(f"FOR (n:{label.name}) REQUIRE n.id IS UNIQUE" in s for s in neo)
        assert any(f"FOR (n:{label.name}) ON (n.name)" in s for s in neo)
    for rel in schema.REL_TYPES:
        stmt = next(s for s in lady if s.startswith(f"CREATE REL TABLE IF NOT EXISTS {rel.name}("))
        for a, b in rel.pairs:
            assert f"FROM {a} TO {b}" in stmt


def test_unknown_label_is_refused_before_cypher():
    with pytest.raises(ValueError, match="unknown label"):
        schema.check_label("Enterprise) DETACH DELETE (n")


def test_upsert_and_counts(store):
    store.write(lambda tx: store.upsert_nodes(tx, "Enterprise", _enterprises(10)))
    store.write(lambda tx: store.upsert_nodes(tx, "Segment", [{"id": "s1", "name": "多晶硅", "order": 2}]))
    store.write(lambda tx: store.upsert_rels(tx, "IN_SEGMENT", "Enterprise", "Segment",
                                             [{"from": "e1", "to": "s1"}, {"from": "e2", "to": "s1"}]))
    counts = store.counts()
    assert counts["nodes"]["Enterprise"] == 10
    assert counts["nodes"]["Segment"] == 1
    assert counts["relationships"]["IN_SEGMENT"] == 2
    # upserting again changes nothing
    store.write(lambda tx: store.upsert_nodes(tx, "Enterprise", _enterprises(10)))
    assert store.counts() == counts
    rows = store.read("MATCH (s:Segment {id: $id}) RETURN s.`order` AS o, s.name AS name", {"id": "s1"})
    assert rows == [{"o": 2, "name": "多晶硅"}]


def test_constraint_rejects_duplicate_id(store):
    store.write(lambda tx: tx.run("CREATE (n:Enterprise {id: 'dup', name: 'A', in_zone: true})"))
    with pytest.raises(ConstraintViolation):
        store.write(lambda tx: tx.run("CREATE (n:Enterprise {id: 'dup', name: 'B', in_zone: false})"))
    assert store.read("MATCH (n:Enterprise) RETURN n.name AS name") == [{"name": "A"}]


def test_failure_mid_batch_rolls_back_everything(store):
    store.write(lambda tx: store.upsert_nodes(tx, "Enterprise", _enterprises(3, "keep")))
    before = store.counts()

    def work(tx):
        store.upsert_nodes(tx, "Enterprise", _enterprises(500, "new"))       # first batch succeeds…
        store.upsert_nodes(tx, "Alliance", [{"id": "a1", "name": "智造先锋"}])
        tx.run("CREATE (n:Enterprise {id: 'keep0', name: 'clash', in_zone: true})")  # …then one fails
    with pytest.raises(ConstraintViolation):
        store.write(work)
    assert store.counts() == before
    assert store.read("MATCH (n:Enterprise {id: 'keep0'}) RETURN n.name AS name") == [{"name": "企业0"}]


def test_python_error_mid_write_rolls_back(store):
    def work(tx):
        store.upsert_nodes(tx, "Enterprise", _enterprises(50))
        raise RuntimeError("loader bug half-way")
    with pytest.raises(RuntimeError, match="half-way"):
        store.write(work)
    assert store.counts()["nodes"]["Enterprise"] == 0


# Over the test server's 1 GiB db.memory.transaction.max (ci/neo4j) within a few seconds.
OVER_THE_MEMORY_CAP = "UNWIND range(1, 400000000) AS i WITH collect(i) AS xs RETURN size(xs) AS n"


def test_neo4j_refusing_a_transaction_for_memory_is_not_retried(neo4j_session_store):
    store = neo4j_session_store
    attempts = []

    def work(tx):
        attempts.append(1)
        return tx.run(OVER_THE_MEMORY_CAP)
    with pytest.raises(StoreError, match="memory.*内存不足"):
        store.write(work, maintain=False)
    assert len(attempts) == 1          # the driver would have run it again (a "transient" error to it)
    runs = []
    with pytest.raises(StoreError, match="memory"):
        store.read_together(lambda: runs.append(1) or store.read(OVER_THE_MEMORY_CAP))
    assert len(runs) == 1
    assert store.read("RETURN 1 AS x") == [{"x": 1}]      # the store goes on


def test_stats_json_on_both_stores(store, tmp_path):
    store.write(lambda tx: store.upsert_nodes(tx, "Enterprise", _enterprises(4)))
    env = dict(os.environ, CHAINGRAPH_STORE=store.backend)
    if store.backend == "embedded":
        store.close()
        env["CHAINGRAPH_DATA_DIR"] = str(tmp_path / "db")
    out = subprocess.run([sys.executable, "-m", "cli", "stats", "--format", "json"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["nodes"]["Enterprise"] == 4
    assert set(data["nodes"]) == set(schema.LABELS)
    assert set(data["relationships"]) == set(schema.RELS)
    assert "password" not in out.stdout.lower()


# --- embedded only: durability and the one-writer lock --------------------------------------

def test_embedded_data_survives_restart(tmp_path):
    with EmbeddedStore(tmp_path) as s:
        s.write(lambda tx: s.upsert_nodes(tx, "Enterprise", _enterprises(20)))
    with EmbeddedStore(tmp_path) as s:
        assert s.counts()["nodes"]["Enterprise"] == 20


WRITER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from graph.embedded import EmbeddedStore
    s = EmbeddedStore({path!r})
    s.write(lambda tx: s.upsert_nodes(tx, "Enterprise",
            [{{"id": f"c{{i}}", "name": "committed", "in_zone": True}} for i in range(100)]))
    def endless(tx):
        s.upsert_nodes(tx, "Enterprise", [{{"id": f"u{{i}}", "name": "uncommitted", "in_zone": True}} for i in range(2000)])
        print("in-transaction", flush=True)
        time.sleep(60)
    s.write(endless)
""")


def test_embedded_killed_writer_loses_only_its_open_transaction(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", WRITER.format(root=ROOT, path=str(tmp_path))],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "in-transaction"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    with EmbeddedStore(tmp_path) as s:
        names = s.read("MATCH (n:Enterprise) RETURN n.name AS name, count(*) AS c")
        assert names == [{"name": "committed", "c": 100}]
        s.write(lambda tx: s.upsert_nodes(tx, "Enterprise", _enterprises(5)))   # still writable
        assert s.counts()["nodes"]["Enterprise"] == 105


HOLDER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from graph.embedded import EmbeddedStore
    s = EmbeddedStore({path!r})
    print("holding", flush=True)
    sys.stdin.readline()
    s.write(lambda tx: s.upsert_nodes(tx, "Enterprise", [{{"id": "late", "name": "late", "in_zone": True}}]))
    s.close()
""")


def test_embedded_second_writer_gets_clear_message_and_nothing_is_corrupted(tmp_path):
    with EmbeddedStore(tmp_path) as s:
        s.write(lambda tx: s.upsert_nodes(tx, "Enterprise", _enterprises(7)))
    proc = subprocess.Popen([sys.executable, "-c", HOLDER.format(root=ROOT, path=str(tmp_path))],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "holding"
        started = time.monotonic()
        with pytest.raises(StoreLocked) as info:
            EmbeddedStore(tmp_path, lock_wait=1.0)
        assert time.monotonic() - started >= 1.0        # it waited before giving up
        message = str(info.value)
        assert f"process {proc.pid}" in message and "graph.lbdb" in message
        proc.stdin.write("go\n")
        proc.stdin.flush()
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()
    with EmbeddedStore(tmp_path, lock_wait=5) as s:     # free again; the holder's write landed
        assert s.counts()["nodes"]["Enterprise"] == 8


def test_embedded_waiting_writer_proceeds_when_lock_is_freed(tmp_path):
    EmbeddedStore(tmp_path).close()
    proc = subprocess.Popen([sys.executable, "-c", HOLDER.format(root=ROOT, path=str(tmp_path))],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding"
    proc.stdin.write("go\n")
    proc.stdin.flush()
    with EmbeddedStore(tmp_path, lock_wait=30) as s:     # waits for the holder to finish
        assert s.read("MATCH (n:Enterprise {id: 'late'}) RETURN n.name AS n") == [{"n": "late"}]
    proc.wait(timeout=30)


def test_embedded_read_only_open_refuses_writes(tmp_path):
    EmbeddedStore(tmp_path).close()
    with EmbeddedStore(tmp_path, read_only=True) as ro:
        with pytest.raises(StoreError):
            ro.read("CREATE (n:Enterprise {id: 'x', name: 'x', in_zone: true})")
    with EmbeddedStore(tmp_path) as s:
        assert s.counts()["nodes"]["Enterprise"] == 0
