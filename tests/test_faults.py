"""Faults: the Neo4j server stops under the running app and comes back; the CLI writes while the app
holds the embedded file."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import IN_CI, ROOT

APP = str(ROOT / "app.py")
SCRIPTS = ROOT / "ci" / "neo4j"
HAVE_JAVA = bool(shutil.which("java") and shutil.which("mvn"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(port: int, data_dir=None) -> str:
    args = [str(port)] + ([str(data_dir)] if data_dir else [])
    out = subprocess.run(["bash", str(SCRIPTS / "start.sh"), *args], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def stop(port: int) -> None:
    subprocess.run(["bash", str(SCRIPTS / "stop.sh"), str(port)], timeout=120, check=True)


@pytest.mark.skipif(not HAVE_JAVA and not IN_CI, reason="needs Java and Maven to run its own Neo4j server")
def test_neo4j_stopped_under_the_app_then_back(monkeypatch):
    port = free_port()
    uri = start(port)
    try:
        monkeypatch.setenv("CHAINGRAPH_STORE", "neo4j")
        monkeypatch.setenv("NEO4J_URI", uri)
        monkeypatch.setenv("CHAINGRAPH_DEFAULT_PAGE", "overview")
        at = AppTest.from_file(APP, default_timeout=120).run()
        assert not at.exception and {m.label: m.value for m in at.metric}["链上企业"] == "114"
        stop(port)
        at.run()
        assert not at.exception, "a stopped server must not give a stack trace"
        assert at.error and "无法连接图数据库" in at.error[0].value
        cli = subprocess.run([sys.executable, "-m", "cli", "stats"], cwd=ROOT, capture_output=True, text=True,
                             env=dict(os.environ), timeout=120)
        assert cli.returncode == 1 and "not reachable" in cli.stderr
        start(port)             # back, on the same port (a new test server: its database is empty)
        at.run()                # the driver reconnects by itself: no error, the page reads the new server
        assert not at.exception and not at.error
        assert {m.label: m.value for m in at.metric}["链上企业"] == "0"
        assert any("图谱为空" in i.value for i in at.info)
    finally:
        stop(port)
        from app_pages.common import _store
        _store.clear()


def test_cli_load_while_the_app_holds_the_embedded_file(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("CHAINGRAPH_STORE", "embedded")
    monkeypatch.setenv("CHAINGRAPH_DATA_DIR", str(data))
    monkeypatch.setenv("CHAINGRAPH_DEFAULT_PAGE", "overview")
    at = AppTest.from_file(APP, default_timeout=120).run()      # the app opens (and holds) the file
    before = {m.label: m.value for m in at.metric}
    extra = tmp_path / "more"
    extra.mkdir()
    (extra / "Enterprise.csv").write_text("id,name,in_zone,chain_enterprise\nnew1,新企业,true,true\n", encoding="utf-8")
    env = dict(os.environ, CHAINGRAPH_LOCK_WAIT="1")
    out = subprocess.run([sys.executable, "-m", "cli", "load", str(extra)], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 1
    assert f"held by process {os.getpid()}" in out.stderr and "数据导入" in out.stderr
    at.run()
    assert {m.label: m.value for m in at.metric} == before      # the app still reads the same, whole graph
    from app_pages.common import _store
    _store.clear()


@pytest.mark.skipif(not HAVE_JAVA and not IN_CI, reason="needs Java and Maven to run its own Neo4j server")
def test_neo4j_server_killed_mid_load_keeps_the_previous_graph(tmp_path):
    """kill -9 of the *server* while `chaingraph load` writes: after a restart on the same data, the graph
    is the one before the load, and the load then completes."""
    import signal
    import time

    from graph.neo4j_store import Neo4jStore
    from loaders.export import export_rows
    from loaders.generate import generate_zone
    from loaders.load import load_paths
    from tests.conftest import BUNDLED
    port, data = free_port(), tmp_path / "neo4j-data"
    uri = start(port, data)
    try:
        with Neo4jStore(uri=uri, password="") as store:
            load_paths(store, [BUNDLED])
            before = export_rows(store)
        generate_zone(tmp_path / "zone", enterprises=30000, seed=5)
        env = dict(os.environ, CHAINGRAPH_STORE="neo4j", NEO4J_URI=uri, NEO4J_PASSWORD="")
        proc = subprocess.Popen([sys.executable, "-m", "cli", "load", str(tmp_path / "zone")], cwd=ROOT, env=env,
                                stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        line = proc.stderr.readline()
        while line.startswith("reading"):
            line = proc.stderr.readline()
        assert line.startswith("writing"), line
        time.sleep(0.3)
        server_pid = int((SCRIPTS / "target" / f"neo4j.{port}.pid").read_text())
        os.kill(server_pid, signal.SIGKILL)
        assert proc.wait(timeout=120) == 1                    # the load fails cleanly: a store error
        stop(port)
        start(port, data)                                     # the same database, recovered
        with Neo4jStore(uri=uri, password="") as store:
            assert export_rows(store) == before
            load_paths(store, [tmp_path / "zone"])
            assert store.counts()["nodes"]["Enterprise"] == 30000 + 154
    finally:
        stop(port)
