"""图谱浏览 Explore: search, draw a node and its neighbours, expand, filter, share by URL, export."""
from __future__ import annotations

import streamlit as st

from app_pages import drawing, lightview, nav
from app_pages.common import localise, cached_query, get_store, tr, multiselect, label_name, md, english, int_param
from graph import schema
from queries.registry import Subgraph

DEFAULT_CAP = 300
MAX_CAP = 10000
IN_PAGE_MAX = 3000        # nodes; bigger views are drawn by the light view only (Cytoscape here: many seconds)
TYPEAHEAD_LIMIT = 20000   # nodes; above this the search box asks the store (search query) instead


def _list_param(name: str) -> list[str]:
    value = st.query_params.get(name, "")
    return [v for v in value.split(",") if v]


def page() -> None:
    st.title(tr("图谱浏览", "Explore"))
    store = get_store()
    if store is None:
        return
    # The URL's view on arrival, and again when a link from another page (a drawing's panel, the firm page)
    # brings other nodes than this page last wrote there.
    given = _list_param("node")
    if "explore_ids" not in st.session_state or (given and ",".join(given) != st.session_state.get("explore_written")):
        st.session_state["explore_ids"] = given
    catalogue = cached_query("catalogue", limit=TYPEAHEAD_LIMIT)
    if catalogue.extra["complete"]:
        # Small enough to send to the browser: the select box filters as the user types.
        table = catalogue.table
        labels = dict(zip(table["id"], table["name"] + " · " + table["label"].map(label_name)))
        choice = st.selectbox(tr("搜索（输入名称片段，任意类型）", "Search (type a name fragment, any label)"),
                              list(table["id"]), index=None, format_func=labels.get, key="explore_typeahead",
                              placeholder=tr("输入以筛选…", "Type to filter…"))
        if choice and choice != st.session_state.get("explore_last_pick"):
            st.session_state["explore_last_pick"] = choice
            st.session_state["explore_ids"] = [choice]
        query_text = ""
    else:
        query_text = st.text_input(tr("搜索（名称片段，任意类型）", "Search (name fragment, any label)"), key="explore_q")
    if query_text.strip():
        hits = cached_query("search", q=query_text, limit=20).table
        if hits.empty:
            st.info(tr("没有匹配的节点。", "No match."))
        else:
            options = list(hits["id"])
            labels = dict(zip(hits["id"], hits["name"] + " · " + hits["label"].map(label_name)))
            choice = st.selectbox(tr("候选", "Suggestions"), options, format_func=labels.get, key="explore_pick")
            if st.button(tr("查看", "Show"), key="explore_show"):
                st.session_state["explore_ids"] = [choice]
    ids = st.session_state["explore_ids"]
    with st.sidebar:
        st.subheader(tr("视图", "View"))
        label_filter = multiselect(tr("节点类型", "Labels"), [n.name for n in schema.NODE_LABELS],
                                      default=_list_param("labels"), format_func=label_name)
        rel_filter = multiselect(tr("关系类型", "Relationship types"), [r.name for r in schema.REL_TYPES],
                                    default=_list_param("types"), format_func=label_name)
        depth = st.radio(tr("深度", "Depth"), [1, 2], index=1 if st.query_params.get("depth") == "2" else 0,
                         horizontal=True)
        cap = st.number_input(tr("最多显示节点", "Max nodes drawn"), 10, MAX_CAP, int_param("cap", DEFAULT_CAP, 10, MAX_CAP))
        layout = st.radio(tr("布局", "Layout"), ["spring", "hierarchical"],
                          format_func=lambda l: tr("力导向(预计算)", "force (precomputed)") if l == "spring"
                          else tr("分层", "hierarchical"), horizontal=True)
        physics = st.checkbox(tr("物理模拟（仅小视图）", "Physics (small views only)"), value=False)
        if st.button(tr("清空视图", "Clear view")):
            st.session_state["explore_ids"] = []
            ids = []
    if not ids:
        st.info(tr("搜索并选择一个节点开始浏览。", "Search and pick a node to start."))
        return
    st.query_params.update({"node": ",".join(ids), "depth": str(depth), "labels": ",".join(label_filter),
                            "types": ",".join(rel_filter), "cap": str(int(cap))})
    st.session_state["explore_written"] = ",".join(ids)
    try:
        graph, cut = build_view(ids, depth, label_filter, rel_filter, int(cap))
    except ValueError as exc:
        st.error(md(exc))
        return
    if cut:
        st.warning(tr(f"还有 {cut} 个邻居未显示（上限 {int(cap)}）。", f"{cut} more not shown (cap {int(cap)})."))
    positions = (drawing.layered_positions(graph) if layout == "hierarchical"
                 else drawing.spring_positions(graph, centres=ids))
    if len(graph.nodes) > lightview.THRESHOLD:
        light_link(graph, positions, ids, depth, int(cap), label_filter, rel_filter)
    st.markdown(drawing.legend_html({n["label"] for n in graph.nodes.values()}), unsafe_allow_html=True)
    if len(graph.nodes) > IN_PAGE_MAX:
        st.info(tr(f"视图有 {len(graph.nodes)} 个节点，超过页面内绘制上限 {IN_PAGE_MAX}：请在轻量视图中查看。",
                   f"The view has {len(graph.nodes)} nodes, over the in-page limit of {IN_PAGE_MAX}: "
                   "see it in the light view."))
        event = None
    else:
        event = drawing.show(graph, positions, key="explore-graph", height=600, expand=True,
                             physics=physics and len(graph.nodes) <= 150)
    if event and event.get("action") == "expand":
        new = [i for i in event.get("data", {}).get("node_ids", []) if i not in ids]
        if new:
            st.session_state["explore_ids"] = ids + new
            st.rerun()
    drawn_here = len(graph.nodes) <= IN_PAGE_MAX
    st.caption(tr(f"{len(graph.nodes)} 个节点，{len(graph.edges)} 条关系。" + ("双击节点展开。" if drawn_here else ""),
                  f"{len(graph.nodes)} nodes, {len(graph.edges)} relationships." +
                  (" Double-click a node to expand." if drawn_here else "")))
    left, right = st.columns([2, 1])
    with right:
        selected = st.selectbox(tr("节点详情", "Node details"), list(graph.nodes),
                                format_func=lambda n: graph.nodes[n].get("name") or n, key="explore_detail")
        details = cached_query("node", id=selected)
        st.dataframe(localise(details.table), hide_index=True, width="stretch")
        if graph.nodes[selected].get("label") == "Enterprise":
            st.page_link(nav.PAGES["firm"], label=tr("企业画像 →", "Firm profile →"), query_params={"id": selected})
        if st.button(tr("展开此节点", "Expand this node"), key="explore_expand") and selected not in ids:
            st.session_state["explore_ids"] = ids + [selected]
            st.rerun()
    with left:
        # Built on click, not on every run: the PNG of a 1,000-node view takes ~9 s of matplotlib.
        st.download_button(tr("导出 HTML（可交互）", "Export HTML (interactive)"),
                           lambda: drawing.pyvis_html(graph, positions).encode("utf-8"),
                           file_name="chaingraph-view.html", mime="text/html", key="explore_html")
        st.download_button(tr("导出 PNG", "Export PNG"), lambda: drawing.png_bytes(graph, positions),
                           file_name="chaingraph-view.png", mime="image/png", key="explore_png")


def light_link(graph: Subgraph, positions: dict, ids: list[str], depth: int, cap: int, labels: list[str],
               rel_types: list[str]) -> None:
    """A big view also gets the light view (app_pages/lightview.py): a static page, drawn in about a
    second, which links back here and to the firm pages."""
    if not st.get_option("server.enableStaticServing"):
        st.caption(tr("轻量视图需要 server.enableStaticServing = true（.streamlit/config.toml）。",
                      "The light view needs server.enableStaticServing = true (.streamlit/config.toml)."))
        return
    page = lightview.page_html(graph, positions, centres=ids, depth=depth, cap=cap, labels=labels,
                               rel_types=rel_types, en=english())
    url = lightview.publish(page)
    st.link_button(tr("在轻量视图中打开（大视图更快）", "Open in the light view (faster for big views)"), url,
                   type="primary", icon=":material/open_in_new:")


def build_view(ids: list[str], depth: int, labels: list[str], rel_types: list[str], cap: int) -> tuple[Subgraph, int]:
    result = cached_query("neighbourhood", ids=ids, labels=labels, rel_types=rel_types, cap=cap)
    # copies: the cached result must not change under later views
    graph = Subgraph({k: dict(v) for k, v in result.graph.nodes.items()}, list(result.graph.edges))
    cut = result.extra["cut"]
    if depth == 2:
        frontier = [n for n in graph.nodes if n not in ids]
        room = cap - len(graph.nodes)
        if frontier and room > 0:
            second = cached_query("neighbourhood", ids=frontier, labels=labels, rel_types=rel_types, cap=room)
            for node_id, node in second.graph.nodes.items():
                graph.nodes.setdefault(node_id, {k: v for k, v in node.items() if k != "centre"})
            for edge in second.graph.edges:
                graph.add_edge(edge["from"], edge["to"], edge["type"])
            cut += second.extra["cut"]
    return graph, cut
