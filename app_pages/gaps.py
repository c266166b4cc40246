"""缺链补链 Gaps: missing and weak segments with priorities and reasons; one click to the leads."""
from __future__ import annotations

import streamlit as st

from app_pages import nav
from app_pages.firm import firm_link
from app_pages.common import localise, cached_query, get_store, tr, why_empty, multiselect, md


def page() -> None:
    st.title(tr("缺链补链", "Gaps"))
    store = get_store()
    if store is None:
        return
    chains = cached_query("chains").table
    names = dict(zip(chains["id"], chains["name"]))
    chosen = multiselect(tr("产业链（不选＝全部）", "Chains (none = all)"), list(names), format_func=names.get)
    threshold = st.number_input(tr("弱链阈值", "Weak below"), 1, 50, 2)
    result = cached_query("gaps", chains=chosen, weak_threshold=int(threshold))
    why_empty(result)
    table = result.table
    reason = "reason_en" if st.session_state.get("lang") == "en" else "reason_zh"
    shown = table[["chain_name", "name", "status", "in_zone_firms", "strong_neighbours", "projects", "candidates",
                   "score", reason]]
    event = st.dataframe(localise(shown), hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                         key="gap_table")
    st.caption(tr("优先级＝缺链3分/弱链1分＋每个依赖它的强环节2分＋每个项目1分＋每家园外候选企业0.5分。",
                  "Priority = 3 if missing / 1 if weak, +2 per strong neighbour, +1 per project, +0.5 per "
                  "out-of-zone candidate."))
    rows = event.selection.rows if event and event.selection else []
    if not rows:
        st.info(tr("选中一行查看可补链的招商线索。", "Select a row to see the leads that would fill it."))
        return
    gap = table.iloc[rows[0]]
    st.subheader(tr(f"补链线索：{md(gap['name'])}", f"Leads for {md(gap['name'])}"))
    if gap.get("kind") == "product":    # a chain given as products: who makes the missing product
        makers = cached_query("product_makers", product=gap["segment"]).table
        st.dataframe(localise(makers), hide_index=True, width="stretch")
        return
    leads = cached_query("gap_leads", segment=gap["segment"], weak_threshold=int(threshold)).table
    if leads.empty:
        st.warning(tr("图谱中没有与园区企业相连、位于该环节的园外企业。",
                      "No out-of-zone firm in this segment is tied to an in-zone firm."))
    else:
        why = "explanation_en" if st.session_state.get("lang") == "en" else "explanation_zh"
        shown = localise(leads[["rank", "name", "region", "score", why, "paths", "paths_en"]])
        shown[tr("画像", "Profile")] = [firm_link(i) for i in leads["lead"]]
        st.dataframe(shown, hide_index=True, width="stretch", column_config={tr("画像", "Profile"):
                     st.column_config.LinkColumn(display_text=tr("企业画像", "Profile"))})
    st.page_link(nav.PAGES["leads"], label=tr("在招商线索页打开 →", "Open in Leads →"),
                 query_params={"segment": gap["segment"]})
