"""上下游 Upstream & downstream: the ``updown`` analysis (queries/paths.py) as a planner reads it.

From a firm, a segment, a project or a product named as people know it (queries/resolve.py; the
candidates when a name is ambiguous or unknown): recorded ties (SUPPLIES between firms, FEEDS between
segments) and firms inferred from products (FEEDS between what they make), drawn left→right from
upstream to downstream with positions computed here (drawing.stage_positions, no physics), inferred
ties dashed; the answers in a table with the explaining path; what the cap left out is counted.
The view is in the URL (/updown?id=…&direction=…&depth=…&cap=…), so it can be linked and shared.
"""
from __future__ import annotations

import html

import streamlit as st

from app_pages import drawing, nav
from app_pages.common import (cached_query, english, get_store, int_param, label_name, localise, md, store_key, tr,
                              why_empty)
from app_pages.firm import firm_link
from queries.paths import MAX_DEPTH
from queries.registry import Subgraph
from queries.resolve import ID_LABELS, candidates

DIRECTIONS = {"up": ("上游", "Upstream"), "down": ("下游", "Downstream"), "both": ("双向", "Both")}
DEFAULT_DEPTH = 3
DEFAULT_CAP = 100          # per direction: a drawing a planner can still read
MAX_CAP = 2000             # per direction: a table a planner can still page through
DRAW_MAX = 60              # answers drawn (the nearest; the table lists them all): a picture stays legible
ROW_GAP = 90               # pixels between rows: room for a name below a node and a level caption on a tie


@st.cache_data(show_spinner=False, max_entries=256)
def _candidates(store: str, text: str) -> tuple[list[dict], bool]:
    return candidates(get_store(), text, ID_LABELS["updown"])


def _pick_start() -> tuple[str, str | None]:
    """(text typed, the start's id): the text as an id or an exact name; among several, or near ones, the
    user picks (None until then)."""
    text = st.text_input(tr("企业、环节或产品（名称、简称、信用代码或编号）",
                            "Firm, segment or product (name, short name, credit code or id)"), key="updown_q").strip()
    if not text:
        return text, None
    rows, exact = _candidates(store_key(), text)
    if exact and len(rows) == 1:
        return text, rows[0]["id"]
    if not rows:
        st.error(tr(f"未找到“{md(text)}”：没有该名称或编号的企业、环节、项目或产品。",
                    f"{md(text)}: no firm, segment, project or product has this name or id."))
        return text, None
    shown = {r["id"]: f"{r['name']} · {label_name(r['label'])} ({r['id']})" for r in rows}
    question = (tr(f"“{md(text)}”对应 {len(rows)} 个节点，请选择：", f"{md(text)} matches {len(rows)} nodes: pick one")
                if exact else tr(f"未找到“{md(text)}”，是否指：", f"No exact match for {md(text)}: did you mean"))
    return text, st.selectbox(question, list(shown), index=None, format_func=shown.get, key="updown_pick",
                              placeholder=tr("请选择…", "Choose…"))


def marked_graph(graph: Subgraph) -> Subgraph:
    """A copy to draw: the ties through products (what a firm makes, product FEEDS) are the inferred
    part of the answer, drawn dashed; SUPPLIES and segment FEEDS are recorded, drawn solid."""
    copy = Subgraph({k: dict(v) for k, v in graph.nodes.items()})
    for e in graph.edges:
        through_products = "Product" in (graph.nodes.get(e["from"], {}).get("label"), graph.nodes.get(e["to"], {}).get("label"))
        extra = {k: v for k, v in e.items() if k not in ("from", "to", "type", "inferred")}
        copy.add_edge(e["from"], e["to"], e["type"], inferred=bool(e.get("inferred") or through_products), **extra)
    return copy


def nearest_part(graph: Subgraph, table, starts: list[str], limit: int = DRAW_MAX) -> Subgraph:
    """The drawing of the ``limit`` nearest answers (recorded before inferred, then by id), each with the
    nodes on its path back to the start (drawing.stage_tree's parents); the whole graph when it is small."""
    if len(table) <= limit:
        return graph
    _, parent, _ = drawing.stage_tree(graph, starts)
    nearest = table.assign(_b=table["basis"].map({"recorded": 0, "inferred": 1})).sort_values(["distance", "_b", "id"])
    keep = set(starts)
    for node in nearest["id"].head(limit):
        while node is not None and node not in keep:
            keep.add(node)
            node = parent.get(node)
    part = Subgraph({k: v for k, v in graph.nodes.items() if k in keep})
    for e in graph.edges:
        if e["from"] in keep and e["to"] in keep:
            part.add_edge(e["from"], e["to"], e["type"], **{k: v for k, v in e.items() if k not in ("from", "to", "type")})
    return part


def legend(graph: Subgraph) -> str:
    """Colours of the labels drawn, then what the lines, the grey and the ring mean (HTML, escaped)."""
    e = html.escape
    line = ('<span style="display:inline-block;margin-right:12px"><svg width="28" height="8" style="vertical-align:middle;'
            'margin-right:4px"><line x1="0" y1="4" x2="28" y2="4" stroke="#888" stroke-width="2"{dash}/></svg>{text}</span>')
    parts = [drawing.legend_html({n["label"] for n in graph.nodes.values()}),
             line.format(dash="", text=e(tr("记录的关系", "recorded tie")))]
    if any(edge.get("inferred") for edge in graph.edges):
        parts.append(line.format(dash=' stroke-dasharray="5,4"', text=e(tr("经产品推断", "inferred from products"))))
    if any(n["label"] == "Enterprise" and n.get("in_zone") is False for n in graph.nodes.values()):
        parts.append('<span style="display:inline-block;margin-right:12px"><span style="display:inline-block;width:12px;'
                     f'height:12px;border-radius:6px;background:{drawing.OUT_OF_ZONE};margin-right:4px"></span>'
                     f'{e(tr("园区外企业", "firm outside the zone"))}</span>')
    parts.append('<span style="display:inline-block;margin-right:12px"><span style="display:inline-block;width:10px;'
                 'height:10px;border-radius:6px;border:2px solid #222;margin-right:4px"></span>'
                 f'{e(tr("起点", "start"))}</span>')
    return "".join(parts)


def _not_shown(result, count_key: str) -> None:
    """When the cap cut a side: how many answers are left out, or a button that counts them (a walk over
    everything within the depth: ten times the capped view on a hub), or that the product part is not
    counted."""
    extra = result.extra
    if not extra.get("truncated"):
        return
    if extra.get("countable"):
        left, right = st.columns([4, 1])
        left.warning(tr(f"另有更多未显示（每个方向最多 {extra['cap']} 条）。",
                        f"More not shown (at most {extra['cap']} per direction)."))
        if right.button(tr("统计全部", "Count them all"), key="updown_count",
                        help=tr("统计深度内的全部上下游数量（大型枢纽企业需要数秒）",
                                "Count everything within the depth (a few seconds from a large hub)")):
            st.session_state["updown_count_all"] = count_key
            st.rerun()
        return
    if extra.get("total") is None:
        st.warning(tr(f"另有更多未显示（每个方向最多 {extra['cap']} 条；经产品推断的部分未计总数）。",
                      f"More not shown (at most {extra['cap']} per direction; the inferred part is not counted)."))
        return
    more = extra["total"] - len(result.table)
    st.warning(tr(f"另有 {more} 条未显示（每个方向最多 {extra['cap']} 条，共 {extra['total']} 条）。",
                  f"{more} more not shown (at most {extra['cap']} per direction, {extra['total']} in all)."))


def _answers(result) -> None:
    table = result.table.copy()
    nodes = result.graph.nodes if result.graph else {}
    columns = ["direction", "name", "distance", "in_zone", "basis", "path", "path_en"]   # localise keeps one
    if table["in_zone"].isna().all():        # segments and products: no zone
        columns.remove("in_zone")
    shown = localise(table[columns].copy())
    config = {}
    firms = [nodes.get(i, {}).get("label") == "Enterprise" for i in table["id"]]
    if any(firms):       # after the name, so the path (last) gets the rest of the width
        profile = tr("画像", "Profile")
        shown.insert(2, profile, [firm_link(i) if firm else None for i, firm in zip(table["id"], firms)])
        config[profile] = st.column_config.LinkColumn(display_text=tr("企业画像", "Profile"))
    config[tr("路径", "path")] = st.column_config.TextColumn(width="large")
    event = st.dataframe(shown, hide_index=True, width="stretch", column_config=config, key="updown_table",
                         on_select="rerun", selection_mode="single-row")
    picked = event.selection.rows if event and event.selection else []
    if not picked:
        st.caption(tr("选中一行查看完整路径。", "Select a row to read its whole path."))
        return
    row = table.iloc[picked[0]]
    st.markdown(f"**{md(row['name'])}**{tr('：', ': ')}{md(row['path_en' if english() else 'path'])}")
    if firms[picked[0]]:
        st.page_link(nav.PAGES["firm"], label=tr("企业画像 →", "Firm profile →"), query_params={"id": row["id"]})
    st.page_link(nav.PAGES["updown"], label=tr("以它为起点查看上下游 →", "Its own upstream & downstream →"),
                 query_params={"id": row["id"], **{k: str(st.session_state[f"updown_{k}"]) for k in ("direction", "depth", "cap")}})


def _segment_firms(result) -> None:
    """From a segment or project: the firms in the segments reached, each linked to its profile."""
    firms = result.extra.get("firms")
    if firms is None or firms.empty:
        return
    names = dict(zip(result.table["id"], result.table["name"]))
    names.update({k: v.get("name") for k, v in (result.graph.nodes if result.graph else {}).items()})
    with st.expander(tr(f"这些环节中的企业（{len(firms)}）", f"Firms in these segments ({len(firms)})")):
        frame = firms.assign(segment=firms["segment"].map(lambda s: names.get(s) or s))
        shown = localise(frame[["segment", "name", "in_zone"]]).rename(columns={"环节编号": tr("环节", "segment")})
        shown[tr("画像", "Profile")] = [firm_link(i) for i in firms["id"]]
        st.dataframe(shown, hide_index=True, width="stretch", column_config={tr("画像", "Profile"):
                     st.column_config.LinkColumn(display_text=tr("企业画像", "Profile"))})


def _from_link() -> None:
    """The widgets' values from the URL: on arrival, and again when a link (the firm page, a re-centred row)
    brings another start than this page last wrote there; otherwise the widgets keep what the user set."""
    given = st.query_params.get("id", "")
    if "updown_q" in st.session_state and (not given or given == st.session_state.get("updown_written")):
        return
    direction = st.query_params.get("direction", "both")
    st.session_state.update({"updown_q": given, "updown_direction": direction if direction in DIRECTIONS else "both",
                             "updown_depth": int_param("depth", DEFAULT_DEPTH, 1, MAX_DEPTH),
                             "updown_cap": int_param("cap", DEFAULT_CAP, 1, MAX_CAP)})


def page() -> None:
    st.title(tr("上下游", "Upstream & downstream"))
    if get_store() is None:
        return
    _from_link()
    left, middle, right, far = st.columns([4, 3, 1, 1])
    with left:
        text, start = _pick_start()
    direction = middle.radio(tr("方向", "Direction"), list(DIRECTIONS), horizontal=True,
                             format_func=lambda d: tr(*DIRECTIONS[d]), key="updown_direction")
    depth = right.number_input(tr("层数", "Depth"), 1, MAX_DEPTH, key="updown_depth")
    cap = far.number_input(tr("每方向最多", "Max per direction"), 1, MAX_CAP, key="updown_cap")
    if not start:
        if not text:
            st.info(tr("输入企业、环节或产品的名称（或编号）：沿记录的供应、环节供给关系和产品上下游，查看它的上游与下游。",
                       "Type the name (or id) of a firm, segment or product to see what lies upstream and downstream "
                       "of it, along recorded supply and segment ties and through products."))
        return
    st.query_params.update({"id": start, "direction": direction, "depth": str(int(depth)), "cap": str(int(cap))})
    st.session_state["updown_written"] = start
    view = f"{start}|{direction}|{int(depth)}|{int(cap)}"   # the count, once asked, holds for this view only
    try:
        result = cached_query("updown", id=start, direction=direction, depth=int(depth), cap=int(cap),
                              count_all=st.session_state.get("updown_count_all") == view)
    except ValueError as exc:
        st.error(md(exc))
        return
    table = result.table
    counts = {d: int((table["direction"] == d).sum()) for d in ("up", "down")}
    inferred = int((table["basis"] == "inferred").sum())
    st.caption(tr(f"上游 {counts['up']} 个，下游 {counts['down']} 个；其中经产品推断 {inferred} 个。",
                  f"{counts['up']} upstream, {counts['down']} downstream; {inferred} of them inferred from products."))
    _not_shown(result, view)
    why_empty(result)
    if table.empty:
        return
    graph = marked_graph(result.graph)
    starts = [n for n, v in graph.nodes.items() if v.get("start")]
    graph = nearest_part(graph, table, starts)
    positions = drawing.stage_positions(graph, starts, spacing_y=ROW_GAP)
    if len(table) > DRAW_MAX:
        st.caption(tr(f"图中画出最近的 {DRAW_MAX} 个，下表列出全部 {len(table)} 个。",
                      f"The drawing shows the nearest {DRAW_MAX}; the table lists all {len(table)}."))
    st.markdown(legend(graph), unsafe_allow_html=True)
    if any(n["label"] == "Enterprise" for n in graph.nodes.values()):
        st.caption(tr("左为上游，右为下游。点击节点，再点“企业画像”打开该企业。",
                      "Upstream on the left, downstream on the right. Click a node, then “Firm profile” to open a firm."))
    else:
        st.caption(tr("左为上游，右为下游。", "Upstream on the left, downstream on the right."))
    rows = max((sum(1 for p in positions.values() if p[0] == x) for x in {p[0] for p in positions.values()}), default=1)
    drawing.show(graph, positions, key=f"updown-{start}-{direction}", height=min(900, max(400, 90 * rows + 160)),
                 roomy=True)
    st.markdown(f"**{tr('上下游清单', 'Answers')}**")
    _answers(result)
    _segment_firms(result)
