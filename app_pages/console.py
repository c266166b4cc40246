"""Cypher 控制台 Console: read-only on both stores (an allow-list guard first, then the engine's
read-only mode in a child process bounded in time, memory and result size, see queries.console);
results as a table, and as a graph when nodes or relationships come back."""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from app_pages import drawing
from app_pages.common import get_store, md, tr
from graph.store import StoreError, redact
from queries.console import ConsoleRefused, graph_from_rows, run_console
from queries.examples import EXAMPLES

import os


def _limits() -> tuple[int, float, int, float]:
    """Row cap, timeout (s), memory (MB), result size (MB): read at each run, so a changed setting applies."""
    env = os.environ.get
    return (int(env("CHAINGRAPH_CONSOLE_ROWS", "1000")), float(env("CHAINGRAPH_CONSOLE_TIMEOUT", "30")),
            int(env("CHAINGRAPH_CONSOLE_MEMORY_MB", "1024")), float(env("CHAINGRAPH_CONSOLE_RESULT_MB", "5")))


def _load_example() -> None:
    zh, en, cypher, params = EXAMPLES[st.session_state["console_example"]]
    st.session_state["console_query"] = cypher
    st.session_state["console_params"] = json.dumps(params, ensure_ascii=False)


def page() -> None:
    st.title(tr("Cypher 控制台（只读）", "Cypher console (read-only)"))
    row_cap, timeout, memory_mb, result_mb = _limits()
    st.caption(tr(f"只读：只接受 MATCH、OPTIONAL MATCH、WHERE、WITH、UNWIND、RETURN、ORDER BY、SKIP、LIMIT、UNION；"
                  f"最多返回 {row_cap} 行（及 {result_mb:g} MB），超时 {timeout:.0f} 秒，内存上限 {memory_mb} MB。",
                  f"Read-only: only MATCH, OPTIONAL MATCH, WHERE, WITH, UNWIND, RETURN, ORDER BY, SKIP, LIMIT, UNION; "
                  f"at most {row_cap} rows ({result_mb:g} MB), {timeout:.0f} s timeout, {memory_mb} MB memory."))
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
        result = run_console(store, text, params, row_cap=row_cap, timeout=timeout, memory_mb=memory_mb,
                             result_mb=result_mb)
    except ConsoleRefused as exc:
        st.error(tr("已拒绝：", "Refused: ") + md(exc))
        return
    except StoreError as exc:
        st.error(tr("查询失败：", "Query failed: ") + md(redact(str(exc))))
        return
    table = pd.DataFrame([{k: _cell(v) for k, v in row.items()} for row in result.rows], columns=result.columns)
    st.dataframe(table, width="stretch")
    if result.cut == "bytes":
        st.warning(tr(f"结果超过 {result_mb:g} MB，仅显示前 {len(result.rows)} 行。",
                      f"Result larger than {result_mb:g} MB: first {len(result.rows)} rows shown."))
    elif result.truncated:
        st.warning(tr(f"结果超过 {row_cap} 行，仅显示前 {row_cap} 行。", f"More than {row_cap} rows: first {row_cap} shown."))
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
