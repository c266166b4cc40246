"""Chinese mode speaks Chinese: every table the app shows (drawn on a canvas, so checked here through
AppTest rather than the browser) has Chinese column names and no English codes or booleans; the
drawings name labels and relationship types in Chinese; English mode shows the English twins."""
from __future__ import annotations

import re

import pytest

from tests.test_app import ok, open_page

ENGLISH = re.compile(r"^(True|False|missing|weak|strong|out|in|SUPPLIES|MEMBER_OF|RAISED_BY|PART_OF|IN_SEGMENT|"
                     r"Enterprise|Segment|Alliance|PartyOrg)$")
ENGLISH_HEADER = re.compile(r"^[A-Za-z_ ]+$")
PAGES = [("overview", {}), ("panorama", {"chain": "ch_pv"}), ("gaps", {}), ("leads", {}),
         ("firm", {"id": "ent_jingao"}), ("updown", {"id": "ent_zhuzhou"}), ("explore", {"node": "ent_jingao"}),
         ("settings", {})]


@pytest.fixture
def embedded_app(monkeypatch, tmp_path):
    monkeypatch.setenv("CHAINGRAPH_STORE", "embedded")
    monkeypatch.setenv("CHAINGRAPH_DATA_DIR", str(tmp_path / "data"))
    yield
    from app_pages.common import _store
    _store.clear()


@pytest.mark.parametrize("name,query", PAGES)
def test_tables_in_chinese_mode(embedded_app, monkeypatch, name, query):
    at = ok(open_page(monkeypatch, name, **query))
    assert at.dataframe, name
    for frame in (d.value for d in at.dataframe):
        english_headers = [c for c in frame.columns if ENGLISH_HEADER.match(str(c)) and c not in ("Cypher",)]
        assert not english_headers, (name, english_headers)
        for column in frame.columns:
            values = {str(v) for v in frame[column].dropna().unique()}
            assert not [v for v in values if ENGLISH.match(v)], (name, column, sorted(values)[:10])


def test_english_mode_keeps_english(embedded_app, monkeypatch):
    from streamlit.testing.v1 import AppTest
    from tests.test_app import APP
    monkeypatch.setenv("CHAINGRAPH_DEFAULT_PAGE", "gaps")
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = "en"
    frame = ok(at.run()).dataframe[0].value
    assert "status" in frame.columns and "状态" not in frame.columns
    assert set(frame["status"]) <= {"缺", "弱"} and "reason_en" in frame.columns and "reason_zh" not in frame.columns


def test_drawings_name_labels_and_types_in_chinese(monkeypatch):
    import streamlit as st
    from app_pages.drawing import cytoscape_elements
    from queries.registry import Subgraph
    graph = Subgraph()
    graph.add_node("a", "Enterprise", "甲")
    graph.add_node("b", "Alliance", "智造先锋")
    graph.add_edge("a", "b", "MEMBER_OF")
    st.session_state["lang"] = "zh"
    elements = cytoscape_elements(graph, {})
    assert [n["data"]["label"] for n in elements["nodes"]] == ["企业", "产业链党建联合体"]
    assert elements["edges"][0]["data"]["label"] == "成员"
    assert not [k for n in elements["nodes"] for k in n["data"] if k in ("colour", "size")], \
        "drawing attributes are hidden from the info panel"
    from app_pages.drawing import COLOURS
    assert len(set(COLOURS.values())) == len(COLOURS), "each label its own colour"
