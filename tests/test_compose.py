"""docker-compose.yml cannot run here (no Docker engine): check it against the code instead."""
from __future__ import annotations

import re

import yaml

from tests.conftest import ROOT


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_services_and_wiring():
    doc = compose()
    assert set(doc["services"]) == {"neo4j", "app"}
    neo4j, app = doc["services"]["neo4j"], doc["services"]["app"]
    assert re.fullmatch(r"neo4j:5\.26(\.\d+)?-community", neo4j["image"])
    assert neo4j["environment"]["NEO4J_PLUGINS"] == '["apoc"]'
    assert neo4j["environment"]["NEO4J_AUTH"].startswith("neo4j/${NEO4J_PASSWORD")
    assert "CMD" in neo4j["healthcheck"]["test"][0] and neo4j["healthcheck"]["retries"] > 0
    assert any(v.endswith(":/data") for v in neo4j["volumes"])
    assert app["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert app["environment"]["CHAINGRAPH_STORE"] == "neo4j"
    assert app["environment"]["NEO4J_URI"] == "bolt://neo4j:7687"
    assert app["build"] == "."


def test_environment_names_match_what_the_code_reads():
    code = (ROOT / "graph" / "neo4j_store.py").read_text(encoding="utf-8")
    for name in compose()["services"]["app"]["environment"]:
        if name.startswith("NEO4J_"):
            assert f'"{name}"' in code, f"{name} is set in docker-compose.yml but never read"
    assert "CHAINGRAPH_STORE" in (ROOT / "graph" / "__init__.py").read_text(encoding="utf-8")


def test_password_comes_from_an_ignored_env_file():
    doc = compose()
    assert all(s.get("env_file") == ".env" for s in doc["services"].values())
    assert ".env" in (ROOT / ".gitignore").read_text().split()
    assert "NEO4J_PASSWORD=" in (ROOT / ".env.example").read_text()
    assert "password" not in str(doc["services"]["app"]["environment"]).lower()


def test_dockerfile_copies_every_package_the_app_imports():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("graph", "loaders", "queries", "app_pages", "data"):
        assert f"COPY {package} " in dockerfile
    assert "app.py" in dockerfile and "streamlit" in dockerfile


def test_neo4j_refuses_file_urls_and_caps_transaction_memory_like_the_test_server():
    """Issue #11: LOAD CSV FROM 'file:///proc/…/environ' printed the password; a query ran the heap out."""
    env = compose()["services"]["neo4j"]["environment"]
    assert env["NEO4J_dbms_security_allow__csv__import__from__file__urls"] == "false"
    assert re.fullmatch(r"\d+[mg]", env["NEO4J_db_memory_transaction_max"])
    assert re.fullmatch(r"\d+[mg]", env["NEO4J_dbms_memory_transaction_total_max"])
    assert not any(":/import" in v or ":/var/lib/neo4j/import" in v
                   for v in compose()["services"]["neo4j"].get("volumes", []))
    server = (ROOT / "ci" / "neo4j" / "src" / "main" / "java" / "chaingraph" / "TestServer.java").read_text()
    assert "GraphDatabaseSettings.allow_file_urls, false" in server
    assert "GraphDatabaseSettings.memory_transaction_max_size" in server
