"""Streamlit AppTest: the pages render on the embedded store with the bundled data loaded on first run."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "app.py")


@pytest.fixture
def app_env(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINGRAPH_STORE", "embedded")
    monkeypatch.setenv("CHAINGRAPH_DATA_DIR", str(tmp_path / "data"))
    yield
    from app_pages.common import _store
    _store.clear()


def test_overview_shows_the_article_figures_on_first_run(app_env):
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["链上企业"] == "114"
    assert metrics["党组织覆盖率"] == "80%"
    assert metrics["党的工作覆盖率"] == "100%"
    assert metrics["协议总投资(亿元)"] == "554"
    assert metrics["解决企业诉求"] == "114"
