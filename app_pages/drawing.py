"""Positions computed in Python, drawn without live physics.

Measured on this machine kind (headless Chromium, 2 cores): pyvis with physics never settles 1,000
nodes in 60 s, but draws them in 0.8 s from precomputed positions; Cytoscape.js force layouts take
19 s for 1,000 nodes, 2.4 s with preset positions.  So: a layered upstream→downstream layout for
chains, a seeded spring layout for neighbourhoods, both computed here and cached; physics only on
request for small views.  streamlit-cytoscape draws in the app (it sends clicks and "expand" back
to Python); pyvis writes the standalone interactive HTML export; matplotlib the PNG export.
"""
from __future__ import annotations

import hashlib
import html
import io
import math

import networkx as nx

from graph import schema
from queries.registry import Subgraph

COLOURS = {"Alliance": "#c0392b", "Chain": "#8e44ad", "Segment": "#2980b9", "Enterprise": "#27ae60",
           "PartyOrg": "#e84393", "Institute": "#f39c12", "TalentStation": "#d35400", "Project": "#16a085",
           "Demand": "#7f8c8d", "Product": "#2c3e50"}
STATUS_COLOURS = {"缺": "#e74c3c", "弱": "#f1c40f", "强": "#27ae60"}
OUT_OF_ZONE = "#95a5a6"


def colour(node: dict) -> str:
    if node.get("status") in STATUS_COLOURS:
        return STATUS_COLOURS[node["status"]]
    if node.get("label") == "Enterprise" and node.get("in_zone") is False:
        return OUT_OF_ZONE
    return COLOURS.get(node.get("label"), "#34495e")


def layered_positions(graph: Subgraph, spacing_x: float = 220, spacing_y: float = 110) -> dict[str, tuple[float, float]]:
    """Upstream→downstream, left→right: a node's column is its longest FEEDS distance from a source."""
    g = nx.DiGraph()
    g.add_nodes_from(graph.nodes)
    g.add_edges_from((e["from"], e["to"]) for e in graph.edges if e["from"] in graph.nodes and e["to"] in graph.nodes)
    column: dict[str, int] = {}
    if nx.is_directed_acyclic_graph(g):
        for node in nx.topological_sort(g):
            column[node] = max((column[p] + 1 for p in g.predecessors(node)), default=0)
    else:  # a cycle in bad data: fall back to the given position or order
        for i, node in enumerate(sorted(g, key=lambda n: graph.nodes[n].get("position", 0))):
            column[node] = i
    rows: dict[int, int] = {}
    positions = {}
    for node in sorted(g, key=lambda n: (column[n], graph.nodes[n].get("position", 0), n)):
        row = rows.get(column[node], 0)
        rows[column[node]] = row + 1
        positions[node] = (column[node] * spacing_x, row * spacing_y)
    return positions


# Ties between a node and what it makes or includes: the two stand at the same stage of the chain.
SAME_STAGE = {"MAKES", "INCLUDES"}


def stage_tree(graph: Subgraph, starts: list[str]) -> tuple[dict[str, int], dict[str, str | None], dict[str, list[str]]]:
    """(column, parent, attached) of a view around a start: a node's column is its signed distance from the
    start (an upstream tie a→b puts a one column left of b; a firm and the product it makes share a
    column), found breadth-first so each node keeps its nearest place; ``parent`` is the node it was
    reached from, ``attached`` the same-column nodes reached from a node (what it makes, its makers)."""
    adjacent: dict[str, list[tuple[str, int]]] = {n: [] for n in graph.nodes}
    for e in graph.edges:
        a, b = e["from"], e["to"]
        if a in adjacent and b in adjacent and a != b:
            step = 0 if e["type"] in SAME_STAGE else 1
            adjacent[a].append((b, step))
            adjacent[b].append((a, -step))
    column: dict[str, int] = {}
    parent: dict[str, str | None] = {}
    attached: dict[str, list[str]] = {}
    queue = [s for s in dict.fromkeys(starts) if s in adjacent]
    for s in queue:
        column[s], parent[s] = 0, None
    for node in queue:                           # the list grows as it goes
        for other, step in sorted(adjacent[node], key=lambda t: (abs(t[1]) != 0, t[0])):
            if other in column:
                continue
            column[other] = column[node] + step
            parent[other] = node
            if step == 0:
                attached.setdefault(node, []).append(other)
            queue.append(other)
    spare = max((abs(c) for c in column.values()), default=0) + 1
    for node in sorted(set(adjacent) - set(column)):   # not reached from a start: a last column
        column[node], parent[node] = spare, None
    return column, parent, attached


def stage_positions(graph: Subgraph, starts: list[str], spacing_x: float = 240, spacing_y: float = 70,
                    max_rows: int = 12, sub_spacing: float = 190) -> dict[str, tuple[float, float]]:
    """Upstream→downstream left→right around a start, in the columns of ``stage_tree``.  In a column,
    nodes follow the height of the node they were reached from (fewer crossings), a product's makers
    right below it; a column of more than ``max_rows`` nodes wraps into side-by-side sub-columns
    (``sub_spacing`` apart, the first nearest the start), so a hub's hundred suppliers make a block, not
    a strip too tall to read.  Each column is centred on the start's row."""
    column, parent, attached = stage_tree(graph, starts)
    name = lambda n: (graph.nodes[n].get("name") or n, n)  # noqa: E731
    order: dict[int, list[str]] = {}
    height: dict[str, float] = {}
    for col in sorted(set(column.values()), key=lambda c: (abs(c), c)):
        heads = [n for n in column if column[n] == col and (parent[n] is None or column[parent[n]] != col)]
        heads.sort(key=lambda n: (height.get(parent[n], -math.inf) if parent[n] else -math.inf, *name(n)))
        ordered = order.setdefault(col, [])

        def place(n: str) -> None:
            ordered.append(n)
            for m in sorted(attached.get(n, []), key=name):
                if column[m] == col:
                    place(m)
        for n in heads:
            place(n)
        for i, n in enumerate(ordered):
            height[n] = float(i % max_rows if len(ordered) > max_rows else i)
    subs = {col: math.ceil(len(nodes) / max_rows) for col, nodes in order.items()}
    # x of each column's first sub-column: column 0 centred on 0, the others outwards from it
    first = {0: -(subs.get(0, 1) - 1) / 2 * sub_spacing}
    for side in (1, -1):
        edge = (subs.get(0, 1) - 1) / 2 * sub_spacing
        for col in sorted((c for c in order if c * side > 0), key=abs):
            first[col] = side * (edge + spacing_x)
            edge += spacing_x + (subs[col] - 1) * sub_spacing
    positions = {}
    for col, nodes in order.items():
        rows = min(len(nodes), max_rows)
        side = -1 if col < 0 else 1
        for i, n in enumerate(nodes):
            positions[n] = (first[col] + side * (i // max_rows) * sub_spacing, (i % max_rows - (rows - 1) / 2) * spacing_y)
    return positions


SPRING_MAX = 300   # nodes; a spring layout costs 0.16 s here at 300, 0.5 s at 500, and needs scipy above


def spring_positions(graph: Subgraph, scale: float = 60.0, seed: int = 7,
                     centres: list[str] | None = None) -> dict[str, tuple[float, float]]:
    """A seeded spring layout; above SPRING_MAX nodes, the radial tree instead (milliseconds, no scipy)."""
    if len(graph.nodes) > SPRING_MAX:
        return radial_positions(graph, centres or [])
    g = nx.Graph()
    g.add_nodes_from(graph.nodes)
    g.add_edges_from((e["from"], e["to"]) for e in graph.edges)
    if len(g) == 0:
        return {}
    k = 2.0 / math.sqrt(len(g))
    pos = nx.spring_layout(g, k=k, seed=seed, iterations=50)
    size = scale * math.sqrt(len(g)) * 1.5
    return {n: (float(x) * size, float(y) * size) for n, (x, y) in pos.items()}


def radial_positions(graph: Subgraph, centres: list[str], gap: float = 40.0) -> dict[str, tuple[float, float]]:
    """Breadth-first rings around the centres: each node sits in its parent's sector, sectors sized by the
    leaves below them, each ring wide enough for its nodes.  Linear time: for views of 1,000+ nodes."""
    adjacent: dict[str, list[str]] = {n: [] for n in graph.nodes}
    for e in graph.edges:
        if e["from"] in adjacent and e["to"] in adjacent:
            adjacent[e["from"]].append(e["to"])
            adjacent[e["to"]].append(e["from"])
    roots = [c for c in dict.fromkeys(centres) if c in adjacent]
    # components without a centre hang from their best-connected node
    by_degree = sorted(adjacent, key=lambda n: (-len(adjacent[n]), n))
    children: dict[str, list[str]] = {"": []}
    depth = {}
    order = []
    for start in roots + by_degree:
        if start in depth:
            continue
        depth[start] = 1 if len(roots) != 1 or start not in roots else 0
        children[""].append(start)
        queue = [start]
        for node in queue:          # a breadth-first walk; the list grows as it goes
            order.append(node)
            children[node] = []
            for other in sorted(set(adjacent[node])):
                if other not in depth:
                    depth[other] = depth[node] + 1
                    children[node].append(other)
                    queue.append(other)
    leaves = {}
    for node in reversed(order):
        leaves[node] = sum(leaves[c] for c in children[node]) or 1
    rings: dict[int, list[str]] = {}
    for node in order:
        rings.setdefault(depth[node], []).append(node)
    # ring radii first: a crowded ring becomes a band of rows (siblings alternate rows), not one huge circle
    inner, rows, base = {}, {}, 0.0
    for d in sorted(rings):
        base += gap * 3 if d else 0.0
        rows[d] = 1
        while d and 2 * math.pi * (rows[d] * base + gap * rows[d] * (rows[d] - 1) / 2) < len(rings[d]) * gap:
            rows[d] += 1
        inner[d] = base
        base += (rows[d] - 1) * gap

    def split(parent: str, low: float, high: float) -> list[tuple[str, float, float]]:
        """Children's sectors: by the leaves below them, but never narrower than one node (a segment
        beside an alliance of 900 members still gets its own place)."""
        kids = children[parent]
        floor = [min(gap / max(inner[depth[c]], gap), (high - low) / len(kids)) for c in kids]
        widths = [max((high - low) * leaves[c] / leaves[parent], f) for c, f in zip(kids, floor)]
        scale, at, out = (high - low) / sum(widths), low, []
        for c, w in zip(kids, widths):
            out.append((c, at, at + w * scale))
            at += w * scale
        return out

    angle = {}
    leaves[""] = sum(leaves[c] for c in children[""])
    todo = split("", 0.0, 2 * math.pi)
    while todo:
        node, low, high = todo.pop()
        angle[node] = (low + high) / 2
        todo += split(node, low, high) if children[node] else []
    positions = {}
    for d in sorted(rings):
        for i, node in enumerate(sorted(rings[d], key=angle.get)):
            r = inner[d] + (i % rows[d]) * gap
            positions[node] = (r * math.cos(angle[node]), r * math.sin(angle[node]))
    return positions


def cytoscape_elements(graph: Subgraph, positions: dict[str, tuple[float, float]]) -> dict:
    """Nodes and edges as Cytoscape data, labels and types in the user's language.  Drawing attributes
    start with "_", which the component's info panel does not list (a click shows the node, not its colour);
    the one listed name is keyed in the user's language (名称 / name), the caption reads its twin ``_name``.
    A start node (``start``) gets a dark ring; an ``inferred`` edge is dashed."""
    from app_pages.common import label_name, tr
    name_key = tr("名称", "name")
    nodes = []
    for node_id, node in graph.nodes.items():
        name = node.get("name") or node_id
        data = {"id": node_id, "label": label_name(node["label"]), name_key: name, "_name": name,
                "_colour": colour(node), "_size": 18 + 4 * min(int(node.get("firms") or 0), 10),
                "_ring": 3 if node.get("start") else 0}
        entry = {"data": data}
        if node_id in positions:
            x, y = positions[node_id]
            entry["position"] = {"x": x, "y": y}
        nodes.append(entry)
    # Cytoscape drops an edge whose id is also a node's (the generated firms are e0, e1, …).
    prefix = "e"
    while any(n.startswith(prefix) for n in graph.nodes):
        prefix = "_" + prefix
    edges = [{"data": {"id": f"{prefix}{i}", "source": e["from"], "target": e["to"], "label": label_name(e["type"]),
                       "_line": "dashed" if e.get("inferred") else "solid"}}
             for i, e in enumerate(graph.edges) if e["from"] in graph.nodes and e["to"] in graph.nodes]
    return {"nodes": nodes, "edges": edges}


def legend_html(labels: set[str]) -> str:
    from app_pages.common import label_name
    items = [f'<span style="display:inline-block;margin-right:12px"><span style="display:inline-block;width:12px;'
             f'height:12px;border-radius:6px;background:{COLOURS[l]};margin-right:4px"></span>{label_name(l)}</span>'
             for l in sorted(labels) if l in COLOURS]
    return "".join(items)


def pyvis_html(graph: Subgraph, positions: dict[str, tuple[float, float]], physics: bool = False) -> str:
    """A standalone interactive HTML page (vis-network inlined: it works offline).  Data reaches it as
    JSON (pyvis's tojson escapes < > & ' there); a title can be shown as HTML, so it is escaped."""
    from pyvis.network import Network
    net = Network(height="750px", width="100%", directed=True, cdn_resources="in_line")
    for node_id, node in graph.nodes.items():
        x, y = positions.get(node_id, (0, 0))
        net.add_node(node_id, label=node.get("name") or node_id, title=html.escape(f"{node['label']} {node_id}"),
                     color=colour(node), x=x, y=y, physics=physics)
    for e in graph.edges:
        if e["from"] in graph.nodes and e["to"] in graph.nodes:
            net.add_edge(e["from"], e["to"], title=html.escape(e["type"]), label=e["type"])
    net.toggle_physics(physics)
    # pyvis adds bootstrap from a CDN even when vis-network is inlined: drop it so the page is offline.
    # split("\n"), not splitlines(): vis-network's JS holds U+0085 inside string literals, which
    # splitlines() would turn into line breaks (a blank page: "Invalid or unexpected token").
    page = net.generate_html()
    return "\n".join(line for line in page.split("\n") if "cdn.jsdelivr.net/npm/bootstrap" not in line)


def cjk_font() -> str:
    """A font family with Chinese glyphs (the one reports/fonts.py picks: Simplified Chinese first), or
    matplotlib's default."""
    from reports.fonts import cjk_family
    return cjk_family() or "sans-serif"


def png_bytes(graph: Subgraph, positions: dict[str, tuple[float, float]]) -> bytes:
    """A static picture of the view (matplotlib, CJK font when the machine has one)."""
    import matplotlib.pyplot as plt
    fig = png_figure(graph, positions)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def png_figure(graph: Subgraph, positions: dict[str, tuple[float, float]]):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    font = cjk_font()
    g = nx.DiGraph()
    g.add_nodes_from(graph.nodes)
    g.add_edges_from((e["from"], e["to"]) for e in graph.edges if e["from"] in graph.nodes and e["to"] in graph.nodes)
    pos = {n: (positions.get(n, (0, 0))[0], -positions.get(n, (0, 0))[1]) for n in g}
    fig, ax = plt.subplots(figsize=(12, 8), dpi=110)
    nx.draw_networkx_edges(g, pos, ax=ax, alpha=0.4, arrows=True, arrowsize=8)
    nx.draw_networkx_nodes(g, pos, ax=ax, node_size=160, node_color=[colour(graph.nodes[n]) for n in g])
    # font_family explicitly: draw_networkx_labels defaults to "sans-serif", which would override
    # rcParams and draw every Chinese character as a box.
    nx.draw_networkx_labels(g, pos, ax=ax, font_size=7, font_family=font,
                            labels={n: (graph.nodes[n].get("name") or n)[:14] for n in g})
    ax.axis("off")
    return fig


def show(graph: Subgraph, positions: dict[str, tuple[float, float]], *, key: str, height: int = 560,
         expand: bool = False, physics: bool = False, roomy: bool = False):
    """Draw in the page with streamlit-cytoscape; returns its event (a click or an expand request).
    Clicking a node opens a panel with a 企业画像 button: for a firm it opens the firm's profile
    (follow_firm), so every drawing in the app leads to the firms in it.  ``roomy`` (small views in
    columns): a wider margin, so the outer names are not cut by the canvas's edge or its side panel,
    and names and captions on a white ground, level, so a tie crossing a name leaves it readable."""
    from streamlit_cytoscape import EdgeStyle, InfopanelAction, NodeStyle, streamlit_cytoscape
    from app_pages import cytoscape_zh
    from app_pages.common import label_name, tr
    cytoscape_zh.install()        # its side panel and tooltips in Chinese in Chinese mode
    labels = {n["label"] for n in graph.nodes.values()}
    types = {e["type"] for e in graph.edges}
    # Labels too small to read are not painted (they appear on zooming in); large views also get straight,
    # uncaptioned edges.  Together about 0.5 s less to the first paint of 1,000 nodes here (noisy machine).
    small = {"min-zoomed-font-size": 7}
    node_styles = [NodeStyle(label_name(label), color=COLOURS.get(label), caption="_name",
                             custom_styles={"background-color": "data(_colour)", "width": "data(_size)",
                                            "height": "data(_size)", "font-size": 13 if roomy else 11, "border-width": "data(_ring)",
                                            "border-color": "#222", **small, **(ON_WHITE if roomy else {})})
                   for label in sorted(labels)]
    large = len(graph.nodes) > SPRING_MAX
    edge_styles = [EdgeStyle(label_name(t), caption=None if large else "label", directed=True, curve_style="straight" if large else None,
                             custom_styles={"font-size": 9 if roomy else 8, "line-style": "data(_line)", **small,
                                            **({**ON_WHITE, "text-rotation": "none"} if roomy else {})})
                   for t in sorted(types)]
    padding = 70 if roomy else 20
    layout = ({"name": "cose", "animate": False, "fit": True, "padding": padding} if physics
              else {"name": "preset", "fit": True, "padding": padding, "animate": False})
    # The component re-runs its layout (and so re-fits the view) only when the layout changes: naming the
    # drawn nodes in it makes every new view — an expand, a filter — fit the canvas again.
    layout["view"] = hashlib.sha1("\n".join(sorted(graph.nodes)).encode("utf-8")).hexdigest()[:12]
    elements = cytoscape_elements(graph, positions)
    if roomy and positions:
        # The component fits the view to the elements without a margin (its own resize handler), under
        # its side panel and zoom bar: two invisible, unclickable points widen what it fits.
        xs, ys = [p[0] for p in positions.values()], [p[1] for p in positions.values()]
        for i, x in enumerate((min(xs) - MARGIN, max(xs) + MARGIN)):
            elements["nodes"].append({"data": {"id": f"_margin{i}", "label": MARGIN_LABEL}, "position": {"x": x, "y": min(ys)}})
        node_styles.append(NodeStyle(MARGIN_LABEL, custom_styles={"opacity": 0, "events": "no", "width": 1, "height": 1}))
    event = streamlit_cytoscape(elements, layout=layout, node_styles=node_styles,
                                edge_styles=edge_styles, key=key, height=height,
                                node_actions=["expand"] if expand else [],
                                infopanel_actions=[InfopanelAction(FIRM_ACTION, tr("企业画像", "Firm profile"),
                                                                   icon="business")])
    follow_firm(event, graph, key)
    return event


FIRM_ACTION = "firm_profile"
MARGIN, MARGIN_LABEL = 110, "_margin"
ON_WHITE = {"text-background-color": "#ffffff", "text-background-opacity": 0.85, "text-background-padding": 1}


def follow_firm(event, graph: Subgraph, key: str) -> None:
    """The panel's 企业画像 button: a firm opens its profile (/firm?id=…); any other node says so and
    offers the Explore page around it.  An event is handled once (the component repeats its last value
    on every rerun)."""
    import streamlit as st
    from app_pages import nav
    from app_pages.common import md, tr
    if not event or event.get("action") != FIRM_ACTION:
        return
    stamp = (key, event.get("timestamp"))
    if st.session_state.get("_drawing_followed") == stamp:
        return
    st.session_state["_drawing_followed"] = stamp
    node_id = (event.get("data") or {}).get("element_id")
    node = graph.nodes.get(node_id)
    if node is None:
        return
    if node["label"] == "Enterprise":
        st.switch_page(nav.PAGES["firm"], query_params={"id": node_id})
    st.info(tr(f"“{md(node.get('name') or node_id)}”不是企业，没有企业画像。",
               f"{md(node.get('name') or node_id)} is not an enterprise: it has no firm profile."))
    st.page_link(nav.PAGES["explore"], label=tr("在图谱浏览中查看 →", "See it in Explore →"),
                 query_params={"node": node_id})
