"""Fixtures: every store-level test runs on both backends, the embedded LadybugDB and a real Neo4j.

The Neo4j half needs NEO4J_URI (``make test`` starts a Neo4j test server when Java and Maven are
present).  Without it the Neo4j half is skipped with a one-line reason, except under CI=true,
where a missing Neo4j fails the run.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "data" / "ordos_hightech"
SHARED = ROOT.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_report_header(config):
    uri = os.environ.get("NEO4J_URI")
    return f"chaingraph: Neo4j half {'at ' + uri if uri else 'NOT AVAILABLE (NEO4J_URI unset): skipped'}"


def neo4j_or_skip():
    if not os.environ.get("NEO4J_URI"):
        message = "NEO4J_URI is not set: Neo4j tests cannot run (use `make test`, which starts one)"
        if IN_CI:
            pytest.fail("CI=true and " + message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def neo4j_session_store():
    neo4j_or_skip()
    from graph.neo4j_store import Neo4jStore
    from graph.store import StoreUnavailable
    deadline = time.monotonic() + 60          # bounded wait for a server that is still starting
    while True:
        try:
            store = Neo4jStore()
            break
        except StoreUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    yield store
    store.close()


def _clean_neo4j(request):
    store = request.getfixturevalue("neo4j_session_store")
    store.clear()
    return store


@pytest.fixture(params=["embedded", "neo4j"])
def store(request, tmp_path):
    """An empty store of each backend."""
    if request.param == "embedded":
        s = EmbeddedStore(tmp_path / "db")
        yield s
        s.close()
    else:
        s = _clean_neo4j(request)
        yield s
        s.clear()


@pytest.fixture(params=["embedded", "neo4j"])
def bundled_store(request, tmp_path_factory):
    """A store of each backend holding the bundled 鄂尔多斯高新区 dataset."""
    from loaders.load import load_paths
    if request.param == "embedded":
        s = EmbeddedStore(tmp_path_factory.mktemp("bundled"))
        load_paths(s, [BUNDLED])
        yield s
        s.close()
    else:
        s = _clean_neo4j(request)
        load_paths(s, [BUNDLED])
        yield s
        s.clear()
