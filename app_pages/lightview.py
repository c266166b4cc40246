"""The light view: a big view (over THRESHOLD nodes) drawn by a static page outside Streamlit's rerun cycle.

Why: in the Explore page a 1,000-node view takes 2.4 s warm / 4.1 s cold to draw (bench/render.py),
almost all of it Streamlit starting the page, mounting the component frame and Cytoscape styling; the
Python part is under 0.1 s.  A static page with the positions already computed here (the same layered
or ring layouts as the Explore page, no physics) and vis-network drawing on one canvas skips all that.

How it is served: Streamlit's static file serving (``server.enableStaticServing`` in
.streamlit/config.toml: files under ./static are served at /app/static/, HTML as text/html since 1.5x).
Pages are written to static/lightview-cache/ (gitignored, at most CACHE_MAX_FILES pages and
CACHE_MAX_BYTES, oldest dropped first), beside one copy of vis-network taken from the installed pyvis
package, so the page needs no internet.  A page's name is an HMAC of its content under a key made at
process start: a new view gets a new file, and nobody can guess the name of a view they were not shown
(the app may require a login; the static files do not ask for one).  Measured in headless Chromium at
1,000 nodes: served this way the page draws as soon as a self-contained file with vis-network inlined
opened from disk (warm p50 0.74 s vs 0.85 s), and its links back into the app are plain relative URLs.

Clicking a node shows its name and links back into the app: 企业画像 (/firm?id=…) for a firm, and
the Explore page re-centred on the node or expanded by it (/explore?node=…).
"""
from __future__ import annotations

import hashlib
import hmac
import html
import json
import os
import secrets
import shutil
import tempfile
import urllib.parse
from pathlib import Path

from app_pages import drawing
from app_pages.common import label_name
from queries.registry import Subgraph

THRESHOLD = 300          # nodes: views above this get the light view (the Explore page links to it)
ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"                  # Streamlit serves ./static (next to app.py) at /app/static/
CACHE = STATIC / "lightview-cache"
URL_PREFIX = "app/static/lightview-cache/"  # relative to the app's root (works under a baseUrlPath too)
CACHE_MAX_FILES = 200
CACHE_MAX_BYTES = 200 * 2**20
VIS_JS = "vis-network-9.1.2.min.js"
_KEY = secrets.token_bytes(32)            # per process: names cannot be guessed, a restart renames


def vis_source() -> Path:
    """vis-network as pyvis ships it (the same library the HTML export inlines)."""
    import pyvis
    return Path(pyvis.__file__).resolve().parent / "templates" / "lib" / "vis-9.1.2" / "vis-network.min.js"


TEXTS = {
    "title": ("轻量视图", "Light view"),
    "summary": ("{n} 个节点，{e} 条关系", "{n} nodes, {e} relationships"),
    "hint": ("点击节点查看并返回应用；滚轮缩放，拖动平移。", "Click a node to see it and go back into the app; wheel to zoom, drag to pan."),
    "back": ("返回图谱浏览", "Back to Explore"),
    "firm": ("企业画像 →", "Firm profile →"),
    "centre": ("以此节点为中心浏览 →", "Explore around this node →"),
    "expand": ("在图谱浏览中展开此节点 →", "Expand this node in Explore →"),
    "id": ("编号：", "id: "),
    "type": ("类型：", "type: "),
    "loading": ("正在绘制…", "Drawing…"),
}


def _text(key: str, en: bool) -> str:
    return TEXTS[key][1 if en else 0]


def script_json(value) -> str:
    """JSON safe inside a <script> element: no "<", ">" or "&" (so no "</script>" or "<!--" can end or
    change the element), and no U+2028/2029 (line breaks in older JS parsers)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


def explore_query(centres: list[str], depth: int, cap: int, labels: list[str], rel_types: list[str]) -> str:
    """The Explore page's URL parameters for a view (the same ones the page writes to its own URL)."""
    return urllib.parse.urlencode({"node": ",".join(centres), "depth": str(depth), "labels": ",".join(labels),
                                   "types": ",".join(rel_types), "cap": str(cap)})


def view_data(graph: Subgraph, positions: dict[str, tuple[float, float]], en: bool) -> dict:
    """Compact arrays for the page: nodes [id, name, type shown, is a firm, colour, x, y, size]; edges as
    pairs of node indexes (relationship captions are not drawn in views this big)."""
    index, nodes = {}, []
    for node_id, node in graph.nodes.items():
        index[node_id] = len(nodes)
        x, y = positions.get(node_id, (0.0, 0.0))
        nodes.append([node_id, str(node.get("name") or node_id), label_name(node["label"], en),
                      1 if node["label"] == "Enterprise" else 0, drawing.colour(node), round(x, 1), round(y, 1),
                      10 + 2 * min(int(node.get("firms") or 0), 10)])
    edges = [[index[e["from"]], index[e["to"]]] for e in graph.edges if e["from"] in index and e["to"] in index]
    return {"nodes": nodes, "edges": edges}


def page_html(graph: Subgraph, positions: dict[str, tuple[float, float]], *, centres: list[str], depth: int,
              cap: int, labels: list[str] = (), rel_types: list[str] = (), en: bool = False,
              vis_src: str = VIS_JS, app_root: str = "../../../") -> str:
    """The whole page.  Data goes in as script-safe JSON and reaches the page's text only through
    textContent; every other value in the HTML goes through html.escape.  ``app_root`` is the app's
    root seen from the page (the cache folder is app/static/lightview-cache/)."""
    data = view_data(graph, positions, en)
    texts = {k: _text(k, en) for k in ("firm", "centre", "expand", "id", "type")}
    base = {"root": app_root, "centres": list(centres), "depth": int(depth), "cap": int(cap),
            "labels": ",".join(labels), "types": ",".join(rel_types)}
    back = app_root + "explore?" + explore_query(list(centres), depth, cap, list(labels), list(rel_types))
    shown = {n["label"] for n in graph.nodes.values()}
    legend = "".join(f'<span class="key"><i style="background:{drawing.COLOURS[l]}"></i>{html.escape(label_name(l, en))}</span>'
                     for l in sorted(shown) if l in drawing.COLOURS)
    e = html.escape
    summary = _text("summary", en).format(n=len(data["nodes"]), e=len(data["edges"]))
    return f"""<!DOCTYPE html>
<html lang="{'en' if en else 'zh-CN'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(_text('title', en))} · ChainGraph</title>
<style>
html{{height:100%}} body{{margin:0;height:100%;display:flex;flex-direction:column;font-family:"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC",sans-serif;font-size:14px;color:#222}}
header{{padding:6px 12px;border-bottom:1px solid #ddd;display:flex;gap:16px;align-items:center;flex-wrap:wrap}}
header a{{color:#1a5fb4}} .key{{margin-right:10px;white-space:nowrap}}
.key i{{display:inline-block;width:11px;height:11px;border-radius:6px;margin-right:4px;vertical-align:-1px}}
#graph{{flex:1;min-height:0;position:relative}}
#info{{position:fixed;right:12px;top:76px;max-width:320px;background:#fff;border:1px solid #ccc;border-radius:6px;
padding:8px 12px;box-shadow:0 2px 6px rgba(0,0,0,.15);display:none}}
#info b{{display:block;margin-bottom:4px;word-break:break-all}} #info a{{display:block;margin-top:4px;color:#1a5fb4}}
#info small{{color:#666;word-break:break-all}}
</style></head><body>
<header><strong>{e(_text('title', en))}</strong><span id="summary">{e(summary)}</span>
<a id="back" href="{e(back, quote=True)}">{e(_text('back', en))}</a><span>{legend}</span>
<span style="color:#666">{e(_text('hint', en))}</span></header>
<div id="graph"><p style="padding:12px">{e(_text('loading', en))}</p></div>
<div id="info"><b id="info-name"></b><small id="info-meta"></small><div id="info-links"></div></div>
<script id="view-data" type="application/json">{script_json(data)}</script>
<script id="view-base" type="application/json">{script_json(base)}</script>
<script id="view-texts" type="application/json">{script_json(texts)}</script>
<script src="{e(vis_src, quote=True)}"></script>
<script>
(() => {{
  const read = (id) => JSON.parse(document.getElementById(id).textContent);
  const data = read("view-data"), base = read("view-base"), texts = read("view-texts");
  const font = '"Noto Sans CJK SC","Noto Sans SC",sans-serif';
  // One vis "group" per colour, not options per node: vis merges each node's own options one by one
  // (about half the time to the first frame at 1,000 nodes).
  const groups = {{}};
  data.nodes.forEach((n) => {{ groups[n[4]] = {{color: {{background: n[4], border: n[4]}}}}; }});
  const nodes = data.nodes.map((n, i) => ({{id: i, label: n[1], x: n[5], y: n[6], size: n[7], group: n[4]}}));
  const edges = data.edges.map((p, i) => ({{id: i, from: p[0], to: p[1]}}));
  const container = document.getElementById("graph");
  container.textContent = "";
  const network = new vis.Network(container, {{nodes, edges}}, {{
    physics: false, layout: {{improvedLayout: false}},
    interaction: {{hideEdgesOnDrag: true, hideEdgesOnZoom: true, tooltipDelay: 3600000}},
    groups, nodes: {{shape: "dot", font: {{face: font, size: 11}}, scaling: {{label: {{drawThreshold: 7}}}}}},
    edges: {{arrows: {{to: {{enabled: true, scaleFactor: 0.4}}}}, smooth: false, width: 0.5,
             color: {{color: "#b0b0b0", highlight: "#555"}}}}}});
  network.once("afterDrawing", () => {{
    // For the tests and bench/render.py: when the first frame with every node was painted.
    window.__lightDrawn = {{t: performance.timeOrigin + performance.now(), n: nodes.length, e: edges.length}};
  }});
  const link = (href, text) => {{
    const a = document.createElement("a");
    a.href = href; a.textContent = text; a.target = "_top";
    return a;
  }};
  const explore = (ids) => base.root + "explore?" + new URLSearchParams({{node: ids.join(","),
    depth: String(base.depth), labels: base.labels, types: base.types, cap: String(base.cap)}}).toString();
  network.on("click", (event) => {{
    const info = document.getElementById("info");
    if (!event.nodes.length) {{ info.style.display = "none"; return; }}
    const n = data.nodes[event.nodes[0]];
    document.getElementById("info-name").textContent = n[1];
    document.getElementById("info-meta").textContent = texts.type + n[2] + " · " + texts.id + n[0];
    const links = document.getElementById("info-links");
    links.textContent = "";
    if (n[3]) links.appendChild(link(base.root + "firm?" + new URLSearchParams({{id: n[0]}}).toString(), texts.firm));
    links.appendChild(link(explore([n[0]]), texts.centre));
    if (!base.centres.includes(n[0])) links.appendChild(link(explore(base.centres.concat([n[0]])), texts.expand));
    info.style.display = "block";
  }});
  window.__lightNetwork = network;
}})();
</script></body></html>
"""


def publish(page: str, cache: Path = CACHE) -> str:
    """Write the page into the cache folder (once per distinct page) and return its URL relative to the
    app's root.  The folder is bounded: the oldest pages go first."""
    cache.mkdir(parents=True, exist_ok=True)
    js = cache / VIS_JS
    if not js.exists():
        _write_atomic(js, vis_source().read_bytes())
    body = page.encode("utf-8")
    name = hmac.new(_KEY, body, hashlib.sha256).hexdigest()[:32] + ".html"
    target = cache / name
    if target.exists():
        os.utime(target)          # recently used: kept longest
    else:
        _write_atomic(target, body)
        prune(cache, keep=target)
    return URL_PREFIX + name


def _write_atomic(path: Path, body: bytes) -> None:
    """Another session may read the file at the same moment: it sees the whole page or none."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as out:
        out.write(body)
    os.replace(tmp, path)


def prune(cache: Path = CACHE, keep: Path | None = None, max_files: int = CACHE_MAX_FILES,
          max_bytes: int = CACHE_MAX_BYTES) -> list[Path]:
    """Drop the least recently used pages until at most ``max_files`` pages and ``max_bytes`` remain."""
    pages = []
    for path in cache.glob("*.html"):
        try:
            stat = path.stat()
        except FileNotFoundError:   # pruned by another session meanwhile
            continue
        pages.append((stat.st_mtime, stat.st_size, path))
    pages.sort()
    total = sum(size for _, size, _ in pages)
    dropped = []
    for _, size, path in pages:
        if len(pages) - len(dropped) <= max_files and total <= max_bytes:
            break
        if path == keep:
            continue
        path.unlink(missing_ok=True)
        dropped.append(path)
        total -= size
    return dropped


def clear(cache: Path = CACHE) -> None:
    shutil.rmtree(cache, ignore_errors=True)
