"""产业链全景 Chain panorama: segments left→right (upstream→downstream), coloured by coverage."""
from __future__ import annotations

import streamlit as st

from app_pages import drawing
from app_pages.common import localise, cached_query, get_store, md, tr


def page() -> None:
    st.title(tr("产业链全景", "Chain panorama"))
    store = get_store()
    if store is None:
        return
    chain_rows = cached_query("chains").table.to_dict("records")
    if not chain_rows:
        st.info(tr("图谱中还没有产业链。", "No chains in the graph yet."))
        return
    names = {r["id"]: r["name"] for r in chain_rows}
    default = st.query_params.get("chain", "ch_pv" if "ch_pv" in names else chain_rows[0]["id"])
    chain = st.selectbox(tr("产业链", "Chain"), list(names), index=list(names).index(default) if default in names else 0,
                         format_func=lambda c: f"{names[c]} ({c})")
    st.query_params["chain"] = chain
    threshold = st.number_input(tr("弱链阈值（园区企业少于）", "Weak below (in-zone firms)"), 1, 50, 2)
    result = cached_query("panorama", chain=chain, weak_threshold=int(threshold))
    st.markdown(" ".join(f'<span style="color:{c}">●</span> {s} ' for s, c in drawing.STATUS_COLOURS.items()) +
                tr("（节点大小＝园区企业数）", " (node size = in-zone firms)"), unsafe_allow_html=True)
    drawing.show(result.graph, drawing.layered_positions(result.graph), key=f"panorama-{chain}", height=420)
    st.dataframe(localise(result.table), hide_index=True, width="stretch")
    if result.extra["chain_support"]:
        st.caption(tr("服务本链的科研机构与人才站点：", "Institutes and talent stations serving this chain: ") +
                   md("、".join(result.extra["chain_support"])))
    segment = st.selectbox(tr("查看环节", "Segment details"), list(result.table["segment"]),
                           format_func=lambda s: result.table.set_index("segment").loc[s, "name"])
    if segment:
        near = cached_query("neighbourhood", ids=[segment], cap=300)
        st.dataframe(localise(near.table[["direction", "type", "name", "label"]]), hide_index=True, width="stretch")
