"""Cypher 控制台 Console: read-only on both stores (guard first, then the engine's read-only mode)."""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from app_pages.common import get_store, tr
from graph.store import StoreError
from queries.console import ConsoleRefused, run_console

EXAMPLE = "MATCH (e:Enterprise)-[:IN_SEGMENT]->(s:Segment)\nWHERE e.in_zone = true\nRETURN s.name AS segment, count(e) AS firms\nORDER BY firms DESC LIMIT 10"
ROW_CAP, TIMEOUT = 1000, 30.0


def page() -> None:
    st.title(tr("Cypher 控制台（只读）", "Cypher console (read-only)"))
    st.caption(tr(f"最多返回 {ROW_CAP} 行，超时 {TIMEOUT:.0f} 秒；写入语句会被拒绝。",
                  f"At most {ROW_CAP} rows, {TIMEOUT:.0f} s timeout; writes are refused."))
    store = get_store()
    if store is None:
        return
    text = st.text_area("Cypher", EXAMPLE, height=160, key="console_query")
    params_text = st.text_area(tr("参数 (JSON)", "Parameters (JSON)"), "{}", height=68, key="console_params")
    if not st.button(tr("运行", "Run"), key="console_run"):
        return
    try:
        params = json.loads(params_text or "{}")
    except json.JSONDecodeError as exc:
        st.error(tr("参数不是合法的 JSON：", "Parameters are not valid JSON: ") + str(exc))
        return
    try:
        result = run_console(store, text, params, row_cap=ROW_CAP, timeout=TIMEOUT)
    except ConsoleRefused as exc:
        st.error(tr("已拒绝：", "Refused: ") + str(exc))
        return
    except StoreError as exc:
        st.error(tr("查询失败：", "Query failed: ") + str(exc))
        return
    st.dataframe(pd.DataFrame(result.rows, columns=result.columns).astype(str), width="stretch")
    if result.truncated:
        st.warning(tr(f"结果超过 {ROW_CAP} 行，仅显示前 {ROW_CAP} 行。", f"More than {ROW_CAP} rows: first {ROW_CAP} shown."))
