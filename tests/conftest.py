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


@pytest.fixture(autouse=True)
def _fresh_app_caches():
    """Every test starts with the app's caches empty.  They are keyed by the store (its URI for Neo4j),
    and tests load different data into the one Neo4j test server: a page would answer from an earlier
    test's graph (the app itself empties them after every import)."""
    import streamlit as st
    st.cache_data.clear()
    yield


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


@pytest.fixture(scope="module", params=["embedded", "neo4j"])
def zone(request, tmp_path_factory, folder):
    """The test module's ``folder`` of native files loaded into each backend (tests/loaded_zone.py)."""
    from tests.loaded_zone import load_zone      # it imports this module
    yield load_zone(request, tmp_path_factory, folder)


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


def cli_check_then_repair(store, monkeypatch):
    """``chaingraph check``, ``check --repair`` and ``check`` again on an embedded store (closed first:
    the command line opens it itself): their three results."""
    from click.testing import CliRunner
    from cli import main
    store.close()
    monkeypatch.setenv("CHAINGRAPH_DATA_DIR", str(store.data_dir))
    monkeypatch.setenv("CHAINGRAPH_STORE", "embedded")
    runner = CliRunner()
    return tuple(runner.invoke(main, args) for args in (["check"], ["check", "--repair"], ["check"]))


def valid_credit_code(first17: str) -> str:
    """A 统一社会信用代码 completed with its GB 32100-2015 check character, computed here from the
    standard (weights 3^i mod 31 over the 31-character set), independently of loaders/credit_code.py."""
    charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    total = sum(charset.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return first17 + charset[(31 - total % 31) % 31]


@pytest.fixture
def second_dataset(tmp_path):
    """The issue's "second dataset" shape: companies with a comma-separated product list, products
    with a comma-separated list of downstream products, company→company fund transfers."""
    folder = tmp_path / "second"
    folder.mkdir()
    (folder / "companies.csv").write_text(
        "company_id,company_name,credit_code,products\n"
        f"c1,甲汽车有限公司,{valid_credit_code('91150000MA0N00001')},\"汽车,电池\"\n"
        f"c2,乙铝业股份有限公司,{valid_credit_code('91150000MA0N00002')},铝材\n"
        f"c3,丙材料有限公司,{valid_credit_code('91150000MA0N00003')},\"铝材, 电池 ,\"\n", encoding="utf-8")
    (folder / "products.csv").write_text(
        "product,downstream\n铝材,\"汽车,电池\"\n电池,汽车\n汽车,\n", encoding="utf-8")
    (folder / "transfers.csv").write_text(
        "payer,payee,amount\nc1,c2,100\nc1,c3,50\n", encoding="utf-8")
    (tmp_path / "second.yaml").write_text("""
sources:
  - file: companies.csv
    label: Enterprise
    id: company_id
    properties: {name: company_name, credit_code: credit_code}
    constants: {in_zone: false}
  - file: products.csv
    label: Product
    id: {column: product, prefix: 'prod:'}
    properties: {name: product}
  - file: companies.csv
    relationship: MAKES
    from: company_id
    to: {column: products, split: ',', prefix: 'prod:'}
  - file: products.csv
    relationship: FEEDS
    from: {column: product, prefix: 'prod:'}
    to: {column: downstream, split: ',', prefix: 'prod:'}
  - file: transfers.csv
    relationship: SUPPLIES          # a fund transfer payee -> payer: the payee supplies the payer
    from: payee
    to: payer
""", encoding="utf-8")
    return folder, tmp_path / "second.yaml"
