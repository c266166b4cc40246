"""招商线索 Leads: filters, ranked table, explaining paths drawn and written, XLSX/CSV export."""
from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from app_pages import drawing, nav
from app_pages.firm import firm_link
from app_pages.common import localise, cached_query, get_store, tr, why_empty, multiselect, md
from loaders.spreadsheet_safe import safe_frame
from queries.leads import lead_graph
from queries.product_leads import product_graph

TIE_LABELS = {"supply": ("供应", "supply"), "group": ("集团", "group"), "research": ("产学研", "research"),
              "product": ("产品上下游（推断）", "product (inferred)")}


def xlsx_bytes(table: pd.DataFrame) -> bytes:
    """The leads as a workbook: text that a spreadsheet would run as a formula is written as text."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        safe_frame(table).to_excel(writer, index=False, sheet_name="招商线索")
    return buf.getvalue()


def csv_bytes(table: pd.DataFrame) -> bytes:
    """The leads as CSV for Excel (BOM, formula-safe like xlsx_bytes)."""
    return safe_frame(table).to_csv(index=False).encode("utf-8-sig")


def page() -> None:
    st.title(tr("招商线索（以商招商）", "Leads (recruit via existing firms)"))
    store = get_store()
    if store is None:
        return
    chains = cached_query("chains").table
    chain_names = {"": tr("全部", "all"), **dict(zip(chains["id"], chains["name"]))}
    alliances = cached_query("alliances").table
    alliance_names = {"": tr("全部", "all"), **dict(zip(alliances["alliance"], alliances["name"]))}
    params = st.query_params
    left, middle, right = st.columns(3)
    chain = left.selectbox(tr("产业链", "Chain"), list(chain_names), format_func=chain_names.get,
                           index=list(chain_names).index(params.get("chain", "")) if params.get("chain", "") in chain_names else 0)
    alliance = middle.selectbox(tr("联合体", "Alliance"), list(alliance_names), format_func=alliance_names.get)
    segment = right.text_input(tr("缺口环节（编号或名称）", "Gap segment (id or name)"), params.get("segment", ""))
    ties = multiselect(tr("关系类型", "Tie types"), list(TIE_LABELS), default=list(TIE_LABELS),
                          format_func=lambda t: tr(*TIE_LABELS[t]))
    min_score = st.slider(tr("最低分", "Minimum score"), 0.0, 20.0, 0.0, 0.5)
    try:
        result = cached_query("leads", chain=chain, segment=segment.strip(), alliance=alliance, tie_types=ties or list(TIE_LABELS),
                              min_score=float(min_score), limit=500)
    except ValueError as exc:
        st.error(md(exc))
        return
    why_empty(result)
    table = result.table
    explanation = "explanation_en" if st.session_state.get("lang") == "en" else "explanation_zh"
    st.caption(tr(f"共 {len(table)} 条线索", f"{len(table)} leads"))
    shown = localise(table[["rank", "name", "region", "segments", "gap", "ties", "partners", "partners_en", "score",
                            explanation]])
    shown[tr("画像", "Profile")] = [firm_link(i) for i in table["lead"]]
    event = st.dataframe(shown, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                         key="lead_table", column_config={tr("画像", "Profile"): st.column_config.LinkColumn(
                             display_text=tr("企业画像", "Profile"))})
    c1, c2 = st.columns(2)
    c1.download_button(tr("导出 XLSX", "Export XLSX"), xlsx_bytes(table), file_name="leads.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="leads_xlsx")
    c2.download_button(tr("导出 CSV", "Export CSV"), csv_bytes(table),
                       file_name="leads.csv", mime="text/csv", key="leads_csv")
    rows = event.selection.rows if event and event.selection else []
    if not rows and len(table):
        rows = [0]
    if rows:
        row = result.extra["rows"][rows[0]]
        st.subheader(f"{row['rank']}. {md(row['name'])} — {row['score']:g}")
        st.markdown(md(row[explanation]))
        st.page_link(nav.PAGES["firm"], label=tr("企业画像 →", "Firm profile →"), query_params={"id": row["lead"]})
        for sentence in row["paths_en" if st.session_state.get("lang") == "en" else "paths"].splitlines():
            st.markdown(f"- {md(sentence)}")
        graph = lead_graph(row)
        graph.merge(product_graph(row))
        drawing.show(graph, drawing.spring_positions(graph), key=f"lead-{row['lead']}", height=320)
