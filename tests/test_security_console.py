"""Issue #11 items 1-3 and 14, on both stores: the console cannot read or write files or run admin
commands, whatever comments, strings, escapes or Unicode hide them; a memory bomb is stopped and the
caller keeps answering; a URI's ``user:password@`` never reaches a message."""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

import psutil
import pytest

from graph.store import StoreError
from loaders.export import export_rows
from queries.console import ConsoleRefused, check_read_only, run_console
from tests.conftest import ROOT, neo4j_or_skip

CANARY = "CANARY-7f3e-not-for-your-eyes"

# {secret}: a file holding CANARY that must never be read; {out}: a path that must never be written.
ATTEMPTS = [
    # -- comments and strings hiding a clause (the reported bypasses and their cousins) --
    'UNWIND [1] AS i /* \' */ LOAD FROM "{secret}" (file_format="csv", header=false, delim=":") RETURN * /* \' */',
    '/* \' */ COPY (RETURN $p AS x) TO /* \' */ "{out}" (header=true)',
    'UNWIND [1] AS i /* ＇ */ LOAD FROM "{secret}" (file_format="csv", header=false) RETURN * /* ＇ */',
    '/* ＇ */ COPY (RETURN 1 AS x) TO /* ＇ */ "{out}"',
    'UNWIND [1] AS i /* " */ LOAD FROM "{secret}" RETURN * /* " */',
    "UNWIND [1] AS i // '\nLOAD FROM \"{secret}\" RETURN *",
    "RETURN 1 AS x // \"\nUNION LOAD FROM '{secret}' RETURN *",
    "RETURN '/*' AS a LOAD FROM '{secret}' RETURN * // */",
    "RETURN \"*/\" AS a, '/*' AS b COPY (RETURN 1) TO '{out}'",
    "RETURN 'it\\'s' AS q LOAD FROM '{secret}' RETURN *",
    "RETURN \"a\\\"\" AS q /* \" */ LOAD FROM '{secret}' RETURN *",
    "RETURN 'a\\\\' AS q LOAD FROM '{secret}' RETURN *",
    "RETURN 'a\\x27' AS q LOAD FROM '{secret}' RETURN *",
    "RETURN '\\u0027' AS q LOAD FROM '{secret}' RETURN *",
    "RETURN 'abc LOAD FROM \"{secret}\" RETURN *",
    "RETURN 1 /* never closed LOAD FROM '{secret}' RETURN *",
    "RETURN 1 AS `x` LOAD FROM '{secret}' RETURN *",
    "RETURN 1 AS `x``y` LOAD FROM '{secret}' RETURN *",
    "RETURN 1 AS `x LOAD FROM '{secret}' RETURN *",
    "MATCH (LOAD) LOAD FROM '{secret}' RETURN *",
    "WITH 1 AS COPY COPY (RETURN 1) TO '{out}'",
    "RETURN 1LOAD FROM '{secret}' RETURN *",
    "// only\r\nLOAD FROM '{secret}' RETURN *",
    "// only\rLOAD FROM '{secret}' RETURN *",
    # -- Unicode: look-alikes, other spaces, invisible characters --
    "ＬＯＡＤ FROM '{secret}' RETURN *",
    "UNWIND [1] AS i LOAD\u00a0FROM '{secret}' RETURN *",
    "UNWIND [1] AS i\u2003LOAD FROM '{secret}' RETURN *",
    "UNWIND [1] AS i LO\u200bAD FROM '{secret}' RETURN *",
    "UNWIND [1] AS i LОAD FROM '{secret}' RETURN *",                     # Cyrillic О
    "UNWIND [1] AS i\u2028LOAD FROM '{secret}' RETURN *",
    "RETURN 1 // x\u2028LOAD FROM '{secret}' RETURN *",
    "RETURN 1 /* \u2029 */ COPY (RETURN 1) TO '{out}'",
    "ＣＯＰＹ (RETURN 1) TO '{out}'",
    "RETURN 1 AS x\ufeffCOPY (RETURN 1) TO '{out}'",
    "MATCH (n:Enterprise)\u00a0SET n.name = 'x'",
    "CRЕATE (n:Enterprise {{id: 'x'}})",                                  # Cyrillic Е
    "RETURN ＇x＇ AS y",
    "RETURN 1 AS x\x0bLOAD FROM '{secret}' RETURN *",
    # -- LOAD FROM / COPY TO / other engine file access (embedded) --
    "LOAD FROM '{secret}' RETURN *",
    "lOaD fRoM '{secret}' (header=false) RETURN *",
    "LOAD WITH HEADERS (a STRING) FROM '{secret}' RETURN *",
    "UNWIND [1] AS i LOAD FROM '{secret}' RETURN *",
    "MATCH (e:Enterprise) WITH e LIMIT 1 LOAD FROM '{secret}' RETURN *",
    "COPY (MATCH (e:Enterprise) RETURN e.id) TO '{out}'",
    "COPY (RETURN 1 AS x) TO '{out}' (header=true)",
    "COPY Enterprise FROM '{secret}'",
    "EXPORT DATABASE '{out}'",
    "IMPORT DATABASE '{secret}'",
    "ATTACH '{out}' AS other (dbtype lbug)",
    "INSTALL httpfs",
    "LOAD EXTENSION httpfs",
    "LOAD httpfs",
    "CHECKPOINT",
    "BEGIN TRANSACTION",
    "RETURN 1 AS x UNION LOAD FROM '{secret}' RETURN *",
    # -- LOAD CSV (Neo4j): file and http URLs --
    "LOAD CSV FROM 'file://{secret}' AS l RETURN l",
    "LOAD CSV FROM 'file:///proc/self/environ' AS l RETURN l",
    "LOAD CSV FROM 'file:///proc/1/environ' AS l RETURN l",
    "LOAD CSV WITH HEADERS FROM 'http://127.0.0.1:9/x.csv' AS r RETURN r",
    "LOAD CSV FROM 'https://example.com/x.csv' AS l RETURN l",
    "load csv from 'file://{secret}' as l return l",
    "WITH 'file://{secret}' AS u LOAD CSV FROM u AS l RETURN l",
    "MATCH (n) WITH n LIMIT 1 LOAD CSV FROM 'file://{secret}' AS l RETURN l",
    "/* ' */ LOAD CSV FROM 'file://{secret}' AS l RETURN l /* ' */",
    "USING PERIODIC COMMIT LOAD CSV FROM 'file://{secret}' AS l RETURN l",
    "EXPLAIN LOAD CSV FROM 'file://{secret}' AS l RETURN l",
    "MATCH (n) WHERE EXISTS {{ LOAD CSV FROM 'file://{secret}' AS l RETURN l }} RETURN n",
    # -- SHOW / TERMINATE / USE / admin --
    "SHOW USERS",
    "show users",
    "SHOW SETTINGS",
    "SHOW SETTINGS YIELD name, value RETURN name, value",
    "SHOW TRANSACTIONS",
    "SHOW DATABASES",
    "SHOW CURRENT USER",
    "SHOW PRIVILEGES",
    "SHOW FUNCTIONS",
    "SHOW PROCEDURES",
    "SHOW INDEXES",
    "/* ' */ SHOW USERS",
    "USE system SHOW USERS",
    "USE system MATCH (n) RETURN n",
    "TERMINATE TRANSACTIONS 'neo4j-transaction-1'",
    "terminate transaction 'neo4j-transaction-1'",
    "SHOW TRANSACTIONS YIELD transactionId TERMINATE TRANSACTIONS transactionId",
    "MATCH (n) RETURN n LIMIT 1 TERMINATE TRANSACTIONS 'x'",
    "CREATE USER eve SET PASSWORD 'pw' CHANGE NOT REQUIRED",
    "ALTER USER neo4j SET PASSWORD 'pw'",
    "GRANT ROLE admin TO eve",
    "STOP DATABASE neo4j",
    "CREATE DATABASE evil",
    "PROFILE MATCH (n) RETURN n",
    "CYPHER runtime=slotted MATCH (n) RETURN n",
    # -- CALL of anything, namespaced functions, subqueries --
    "CALL dbms.listConfig()",
    "CALL dbms.listConnections()",
    "CALL dbms.queryJmx('*:*')",
    "CALL db.clearQueryCaches()",
    "CALL db.labels()",
    "call db.labels() yield label return label",
    "CALL show_tables() RETURN *",
    "CALL table_info('Enterprise') RETURN *",
    "CALL current_setting('threads') RETURN *",
    "CALL threads=1",
    "RETURN 1 AS x CALL db.labels() YIELD label RETURN label",
    "MATCH (n) CALL {{ WITH n RETURN n AS m }} RETURN m",
    "CALL {{ RETURN 1 AS x }} RETURN x",
    "RETURN COUNT {{ MATCH (n) RETURN n }} AS c",
    "RETURN COLLECT {{ MATCH (n) RETURN n.name }} AS c",
    "RETURN apoc.load.json('file://{secret}') AS j",
    "RETURN `apoc.load.json`('file://{secret}') AS j",
    "RETURN apoc.util.sleep(1) AS s",
    "RETURN dbms.queryJmx('*:*') AS j",
    "RETURN load_from('{secret}') AS x",
    # -- several statements, writes --
    "RETURN 1; LOAD FROM '{secret}' RETURN *",
    "RETURN 1;\nCOPY (RETURN 1) TO '{out}'",
    "RETURN 1 ;; RETURN 2",
    "MATCH (n) DETACH DELETE n",
    "MATCH (n:Enterprise) SET n.name = 'pwned'",
    "MATCH (SET) SET SET.name = 'x'",
    "MATCH (n:Enterprise) WITH n REMOVE n.name",
    "FOREACH (x IN [1] | CREATE (:Enterprise {{id: 'z'}}))",
    "UNWIND [1] AS i MERGE (n:Enterprise {{id: 'x'}})",
    "MATCH (n) WHERE n.id = 'x' /* */ DELETE n",
    "",
    "   /* only a comment */   ",
]


def fill(text: str, secret, out) -> str:
    return text.replace("{{", "\x00").replace("}}", "\x01").replace("{secret}", str(secret)) \
        .replace("{out}", str(out)).replace("\x00", "{").replace("\x01", "}")


@pytest.fixture
def targets(tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text(f"{CANARY}:x:0\n")
    return secret, tmp_path / "out.csv"


def test_corpus_is_at_least_100_attempts():
    assert len(ATTEMPTS) >= 100 and len(set(ATTEMPTS)) == len(ATTEMPTS)


@pytest.mark.parametrize("text", ATTEMPTS)
def test_guard_refuses(text, targets):
    with pytest.raises(ConsoleRefused):
        check_read_only(fill(text, *targets))


def test_every_attempt_is_refused_on_the_store_and_nothing_is_read_or_written(bundled_store, targets):
    secret, out = targets
    before, secret_stat = export_rows(bundled_store), secret.stat()
    for text in ATTEMPTS:
        with pytest.raises(ConsoleRefused) as refused:
            run_console(bundled_store, fill(text, secret, out))
        assert CANARY not in str(refused.value)
        assert not out.exists(), text
    assert export_rows(bundled_store) == before
    assert secret.stat().st_mtime_ns == secret_stat.st_mtime_ns and secret.read_text().startswith(CANARY)


CLI_SAMPLE = [ATTEMPTS[i] for i in (0, 1, 2, 5, 25, 44, 57, 58, 68, 81, 92, 113)]


@pytest.mark.parametrize("backend", ["embedded", "neo4j"])
def test_cli_refuses_a_sample_with_exit_code_3(backend, targets, tmp_path):
    if backend == "neo4j":
        neo4j_or_skip()
    secret, out = targets
    for text in CLI_SAMPLE:
        result = subprocess.run([sys.executable, "-m", "cli", "--store", backend, "--data-dir", str(tmp_path / "db"),
                                 "cypher", fill(text, secret, out)], cwd=ROOT, capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 3, (text, result.stderr)
        assert "refused" in result.stderr and CANARY not in result.stdout + result.stderr
        assert not out.exists()


# --- reads that must keep working --------------------------------------------------------------

def test_read_queries_still_work(bundled_store):
    from queries.console import graph_from_rows
    from queries.examples import EXAMPLES
    for zh, en, cypher, params in EXAMPLES:
        assert run_console(bundled_store, cypher, params).rows, zh
    rows = run_console(bundled_store, "MATCH (e:Enterprise) WHERE e.name = $name RETURN e.name AS `名称`, "
                                      "'晶澳' AS `中文`, e.id AS id;", {"name": "晶澳"}).rows
    assert rows and rows[0]["名称"] == "晶澳" and rows[0]["中文"] == "晶澳"
    rows = run_console(bundled_store, "// paths, CASE, STARTS WITH\nMATCH p = (a:Segment)-[:FEEDS]->(b:Segment) "
                                      "WHERE a.name STARTS WITH '光伏' AND NOT b.name IS NULL "
                                      "RETURN p, CASE WHEN a.name CONTAINS '硅' THEN 'si' ELSE 'other' END AS kind "
                                      "ORDER BY kind DESC SKIP 0 LIMIT 3").rows
    assert len(rows) == 3 and graph_from_rows(rows) is not None
    rows = run_console(bundled_store, "UNWIND $ids AS i OPTIONAL MATCH (a:Alliance {id: i}) WITH DISTINCT a "
                                      "RETURN count(a) AS n UNION ALL MATCH (a:Alliance) RETURN count(a) AS n",
                       {"ids": ["nope"]}).rows
    assert sorted(r["n"] for r in rows) == [0, 4]


def test_what_looks_like_an_attack_inside_a_string_is_just_text(bundled_store, targets):
    """The guard agrees with the engine: an escaped quote keeps the string going, so the engine returns
    the text itself; nothing is read."""
    secret, out = targets
    text = "RETURN 'a\\' LOAD FROM \"" + str(secret) + "\" RETURN * //' AS s"
    rows = run_console(bundled_store, text).rows
    assert rows == [{"s": "a' LOAD FROM \"" + str(secret) + "\" RETURN * //"}]


# --- memory and result size ----------------------------------------------------------------------

BOMBS = [
    "UNWIND range(1, 10000000000) AS x RETURN x",
    "RETURN range(1, 20000000) AS r",
    "UNWIND range(1, 10000000) AS x RETURN collect(toString(x))[0] AS y",
    "RETURN size(reduce(s = 'a', x IN range(1, 34) | s + s)) AS n",
]
GiB = 1 << 30
@contextmanager
def rss_growth():
    """{"bytes": how far this process's resident memory rose above where it started, "children": the
    largest resident memory of any process it started (the console's worker)} while the block ran,
    sampled every 10 ms.  Not ru_maxrss: for this process and for its children alike that is a lifetime
    peak, which an earlier test in the same pytest process may have set (a ChainKG load, a browser),
    whatever the block does."""
    me = psutil.Process()

    def rss() -> int:
        return me.memory_info().rss

    def children() -> int:
        sizes = [0]
        for child in me.children(recursive=True):
            try:
                sizes.append(child.memory_info().rss)
            except psutil.Error:     # ended between the listing and the read
                pass
        return max(sizes)
    start, peak, child_peak, done, out = rss(), [0], [0], threading.Event(), {}

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss())
            child_peak[0] = max(child_peak[0], children())
            done.wait(0.01)
    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    try:
        yield out
    finally:
        done.set()
        watcher.join()
        out["bytes"] = max(peak[0], rss()) - start
        out["children"] = child_peak[0]


@pytest.mark.parametrize("bomb", BOMBS, ids=["unwind-1e10", "range-2e7", "collect-1e7", "reduce-2^34"])
def test_memory_bomb_is_stopped_and_the_store_keeps_answering(bundled_store, bomb):
    started = time.monotonic()
    with rss_growth() as growth:
        try:
            result = run_console(bundled_store, bomb, timeout=5, memory_mb=768, result_mb=2)
        except StoreError as exc:
            assert "CANARY" not in str(exc)
        else:   # an engine may also answer within its limits: then the answer itself is capped
            assert len(pickle.dumps(result.rows)) <= 2.2 * (1 << 20)
    assert time.monotonic() - started < 60
    assert run_console(bundled_store, "MATCH (a:Alliance) RETURN count(a) AS n").rows == [{"n": 4}]
    assert growth["bytes"] < 1 * GiB
    assert 0 < growth["children"] < 2 * GiB          # the worker was seen, and stopped well below 2 GiB


def test_result_is_capped_in_bytes(bundled_store):
    text = "UNWIND range(1, 100000) AS x RETURN x, '" + "字" * 100 + "' AS s"
    result = run_console(bundled_store, text, row_cap=100000, result_mb=1)
    assert result.truncated and result.cut == "bytes"
    assert 1000 < len(result.rows) < 100000
    assert len(pickle.dumps(result.rows)) <= 1.1 * (1 << 20)


def test_a_crashing_worker_is_an_error_not_a_crash(bundled_store, monkeypatch):
    """The worker is killed over its memory cap; the caller gets a StoreError and answers next."""
    # On Neo4j the server's transaction memory cap may stop it first; on a loaded machine, the deadline.
    reason = "memory|内存" if bundled_store.backend == "embedded" else "memory|内存|timeout|超时"
    with pytest.raises(StoreError, match=reason):
        run_console(bundled_store, "UNWIND range(1, 30000000) AS x RETURN collect(x) AS c", timeout=30, memory_mb=200)
    assert run_console(bundled_store, "RETURN 1 AS one").rows == [{"one": 1}]


def test_neo4j_memory_refusal_is_not_retried(monkeypatch):
    """The server's transaction memory cap stops the query (a TransientError the driver would retry in a
    managed transaction): the console's auto-commit run tries it once."""
    neo4j_or_skip()
    import neo4j
    from graph.neo4j_store import Neo4jStore
    calls = []
    real_run = neo4j.Session.run
    monkeypatch.setattr(neo4j.Session, "run", lambda self, *a, **k: calls.append(1) or real_run(self, *a, **k))
    with Neo4jStore(read_only=True) as store:
        started = time.monotonic()
        with pytest.raises(StoreError, match="MemoryPool|memory"):
            list(store.stream("UNWIND range(1, 40000000) AS x RETURN collect(toString(x))[0] AS y", timeout=60))
        assert len(calls) == 1 and time.monotonic() - started < 60


def test_app_survives_a_memory_bomb_and_answers_the_next_query(monkeypatch, tmp_path):
    from tests.test_app import ok, open_page
    monkeypatch.setenv("CHAINGRAPH_STORE", "embedded")
    monkeypatch.setenv("CHAINGRAPH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CHAINGRAPH_CONSOLE_MEMORY_MB", "512")
    monkeypatch.setenv("CHAINGRAPH_CONSOLE_TIMEOUT", "5")
    at = ok(open_page(monkeypatch, "console"))
    at.text_area(key="console_query").set_value("UNWIND range(1, 10000000000) AS x RETURN x")
    with rss_growth() as growth:
        at.button(key="console_run").click().run()
    assert not at.exception and at.error and growth["bytes"] < 1 * GiB and 0 < growth["children"] < 2 * GiB
    at.text_area(key="console_query").set_value("MATCH (a:Alliance) RETURN count(a) AS n")
    at.button(key="console_run").click().run()
    assert not at.error and at.dataframe[0].value["n"][0] == 4
    from app_pages.common import _store
    _store.clear()


# --- item 14: no user:password@ in any message -----------------------------------------------------

def test_uri_userinfo_never_in_messages(monkeypatch):
    from graph.neo4j_store import Neo4jStore, split_userinfo
    from graph.store import redact
    assert split_userinfo("bolt://eve:s3cr%40t@db:7687") == ("bolt://db:7687", "eve", "s3cr@t")
    assert redact("cannot reach 'neo4j+s://eve:s3cret@x.io' / bolt://a@b") == "cannot reach 'neo4j+s://***@x.io' / bolt://***@b"
    with pytest.raises(StoreError) as caught:
        Neo4jStore("bolt://eve:s3cret@127.0.0.1:1")
    assert "s3cret" not in str(caught.value) and "eve:" not in str(caught.value)
    env = dict(os.environ, NEO4J_URI="bolt://eve:s3cret@127.0.0.1:1", CHAINGRAPH_STORE="neo4j")
    for args in (["stats"], ["cypher", "RETURN 1 AS x"], ["query", "overview"]):
        out = subprocess.run([sys.executable, "-m", "cli", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=120)
        assert out.returncode == 1, (args, out.stderr)
        assert "s3cret" not in out.stdout + out.stderr and "eve:" not in out.stdout + out.stderr


def test_settings_page_shows_the_uri_without_userinfo(monkeypatch):
    neo4j_or_skip()
    from tests.test_app import ok, open_page
    uri = os.environ["NEO4J_URI"]
    scheme, rest = uri.split("://", 1)
    monkeypatch.setenv("CHAINGRAPH_STORE", "neo4j")
    monkeypatch.setenv("NEO4J_URI", f"{scheme}://neo4j:s3cret@{rest}")
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    from app_pages.common import _store
    _store.clear()
    try:
        at = ok(open_page(monkeypatch, "settings"))
        shown = " ".join(str(getattr(e, "value", "")) for e in at.markdown) + " ".join(e.value for e in at.error)
        shown = shown.replace("\\", "")          # markdown escapes (bolt\://…)
        assert "s3cret" not in shown and f"{scheme}://{rest}" in shown
    finally:
        _store.clear()


def test_neo4j_server_refuses_file_urls_even_past_the_guard(targets):
    """Second layer on Neo4j: the server's own setting (test server and docker-compose alike)."""
    neo4j_or_skip()
    from graph.neo4j_store import Neo4jStore
    secret, _ = targets
    with Neo4jStore(read_only=True) as store:
        with pytest.raises(StoreError, match="allow_csv_import_from_file_urls") as caught:
            list(store.stream(f"LOAD CSV FROM 'file://{secret}' AS l RETURN l"))
    assert CANARY not in str(caught.value)
