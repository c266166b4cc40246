"""企业画像 Firm profile: one enterprise — what it makes, its segments, recorded and inferred partners,
party organisation and alliance, projects and demands, and the leads that run through it.  Opened
from other pages with ``/firm?id=…``; every firm named on the page links to its own profile."""
from __future__ import annotations

import streamlit as st

from app_pages import drawing, nav
from app_pages.common import cached_query, get_store, md, tr, yes_no

FIRM_LINKED = {"supplier", "customer", "parent", "subsidiary", "supplier_inferred", "customer_inferred", "lead"}


def firm_link(firm_id: str) -> str:
    """The profile's address, relative to the app, for LinkColumns on any page."""
    return f"firm?id={firm_id}"


def _pick_firm() -> str | None:
    catalogue = cached_query("catalogue", limit=20000)
    given = st.query_params.get("id", "")
    if catalogue.extra["complete"]:
        firms = catalogue.table[catalogue.table["label"] == "Enterprise"]
        labels = dict(zip(firms["id"], firms["name"]))
        options = list(firms["id"])
        chosen = st.selectbox(tr("企业（输入名称筛选）", "Enterprise (type to filter)"), options,
                              index=options.index(given) if given in labels else None,
                              format_func=lambda i: f"{labels[i]} ({i})", placeholder=tr("输入以筛选…", "Type to filter…"),
                              key="firm_pick")
    else:
        chosen = st.text_input(tr("企业编号或名称", "Enterprise id or name"), value=given, key="firm_text").strip() or None
    if chosen:
        st.query_params["id"] = chosen
    return chosen


def page() -> None:
    st.title(tr("企业画像", "Firm profile"))
    if get_store() is None:
        return
    chosen = _pick_firm()
    if not chosen:
        st.info(tr("选择一家企业查看画像；也可从招商线索、缺链补链等页面的表格打开。",
                   "Pick an enterprise; profiles also open from the tables on the Leads and Gaps pages."))
        return
    try:
        result = cached_query("firm", id=chosen, cap=50)
    except ValueError as exc:
        st.error(md(exc))
        return
    me, table = result.extra["firm"], result.table
    st.subheader(md(me["name"]))
    st.caption((tr("园区内企业", "In the zone") if me["in_zone"] else tr("园区外企业", "Outside the zone")) + f" · {md(me['id'])}")
    st.page_link(nav.PAGES["updown"], label=tr("上下游（供应商、客户，含经产品推断）→",
                                               "Upstream & downstream (suppliers, customers, also inferred from products) →"),
                 query_params={"id": me["id"]})
    details = cached_query("node", id=me["id"]).table
    with st.expander(tr("基本信息", "Details"), expanded=False):
        value = "value_en" if st.session_state.get("lang") == "en" else "value"      # 链主 → chain leader
        shown = details.assign(value=details[value].map(lambda v: str(yes_no(v))))
        st.dataframe(shown[["中文名" if st.session_state.get("lang") != "en" else "property", "value"]]
                     .rename(columns={"中文名": "属性", "value": tr("值", "value"), "property": "property"}),
                     hide_index=True, width="stretch")
    english = st.session_state.get("lang") == "en"
    for section, (zh, en) in result.extra["sections"].items():
        rows = table[table["section"] == section]
        hidden = result.extra["hidden"].get(section, 0)
        if rows.empty:
            continue
        st.markdown(f"**{en if english else zh}**" + tr(f"（{len(rows) + hidden}）", f" ({len(rows) + hidden})"))
        frame = rows[["name", "in_zone", "detail_en" if english else "detail_zh"]].copy()
        frame["in_zone"] = frame["in_zone"].map(yes_no)
        frame.columns = [tr("名称", "Name"), tr("园区内", "In zone"), tr("说明", "Detail")]
        column_config = {}
        if section in FIRM_LINKED:
            frame[tr("画像", "Profile")] = [firm_link(i) for i in rows["id"]]
            column_config[tr("画像", "Profile")] = st.column_config.LinkColumn(display_text=tr("打开画像", "Open"))
        st.dataframe(frame, hide_index=True, width="stretch", column_config=column_config)
        if hidden:
            st.caption(tr(f"另有 {hidden} 条未显示", f"{hidden} more not shown"))
    if table.empty:
        st.info(tr("图谱中没有与该企业相连的产品、环节、伙伴或台账。",
                   "Nothing in the graph is connected to this enterprise yet."))
    elif result.graph and len(result.graph.nodes) > 1:
        st.markdown(f"**{tr('关系图', 'Graph')}**")
        drawing.show(result.graph, drawing.spring_positions(result.graph, centres=[me["id"]]), key=f"firm-{me['id']}",
                     height=420)
