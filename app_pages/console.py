"""Cypher 控制台 Console: read-only on both stores (guard first, then the engine's read-only mode);
results as a table, and as a graph when nodes or relationships come back."""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from app_pages import drawing
from app_pages.common import get_store, md, tr
from graph.store import StoreError
from queries.console import ConsoleRefused, graph_from_rows, run_console
from queries.examples import EXAMPLES

import os

ROW_CAP = int(os.environ.get("CHAINGRAPH_CONSOLE_ROWS", "1000"))
TIMEOUT = float(os.environ.get("CHAINGRAPH_CONSOLE_TIMEOUT", "30"))


def _load_example() -> None:
    zh, en, cypher, params = EXAMPLES[st.session_state["console_example"]]
    st.session_state["console_query"] = cypher
    st.session_state["console_params"] = json.dumps(params, ensure_ascii=False)


def page() -> None:
    st.title(tr("Cypher 控制台（只读）", "Cypher console (read-only)"))
    st.caption(tr(f"最多返回 {ROW_CAP} 行，超时 {TIMEOUT:.0f} 秒；写入语句会被拒绝。",
                  f"At most {ROW_CAP} rows, {TIMEOUT:.0f} s timeout; writes are refused."))
    store = get_store()
    if store is None:
        return
    st.session_state.setdefault("console_query", EXAMPLES[0][2])
    st.session_state.setdefault("console_params", json.dumps(EXAMPLES[0][3]))
    st.selectbox(tr("示例查询", "Example queries"), range(len(EXAMPLES)), key="console_example",
                 format_func=lambda i: tr(EXAMPLES[i][0], EXAMPLES[i][1]), on_change=_load_example)
    text = st.text_area("Cypher", height=160, key="console_query")
    params_text = st.text_area(tr("参数 (JSON)", "Parameters (JSON)"), height=68, key="console_params")
    if not st.button(tr("运行", "Run"), key="console_run"):
        return
    try:
        params = json.loads(params_text or "{}")
    except json.JSONDecodeError as exc:
        st.error(tr("参数不是合法的 JSON：", "Parameters are not valid JSON: ") + md(exc))
        return
    try:
        result = run_console(store, text, params, row_cap=ROW_CAP, timeout=TIMEOUT)
    except ConsoleRefused as exc:
        st.error(tr("已拒绝：", "Refused: ") + md(exc))
        return
    except StoreError as exc:
        st.error(tr("查询失败：", "Query failed: ") + md(exc))
        return
    table = pd.DataFrame([{k: _cell(v) for k, v in row.items()} for row in result.rows], columns=result.columns)
    st.dataframe(table, width="stretch")
    if result.truncated:
        st.warning(tr(f"结果超过 {ROW_CAP} 行，仅显示前 {ROW_CAP} 行。", f"More than {ROW_CAP} rows: first {ROW_CAP} shown."))
    graph = graph_from_rows(result.rows)
    if graph is not None:
        st.caption(tr(f"图中 {len(graph.nodes)} 个节点、{len(graph.edges)} 条关系",
                      f"{len(graph.nodes)} nodes and {len(graph.edges)} relationships in the graph"))
        drawing.show(graph, drawing.spring_positions(graph), key="console-graph", height=480)


def _cell(value):
    """Nodes and relationships as readable text in the table."""
    if isinstance(value, dict) and "_label" in value:
        return f"({value['_label']} {value.get('name') or value.get('id')})"
    if isinstance(value, dict) and "_type" in value:
        return f"[:{value['_type']}]"
    return value if isinstance(value, (int, float, str, bool, type(None))) else str(value)
