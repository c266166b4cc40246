"""streamlit-cytoscape in Chinese.  The component's side panel ("No selected elements", the property
names id/name/source/target), its buttons' tooltips and its export dialog are English in its
index.html and offer no option to change them.  So in Chinese mode the drawings use a copy of the
component's frontend whose index.html is translated (a few words, and a small script that renames the
panel's property names as it fills them); the JavaScript is the package's own, copied unchanged.
English mode uses the package as installed."""
from __future__ import annotations

import html
import json
import re
import shutil
import tempfile
import threading
from pathlib import Path

# The component's English words -> Chinese (the longest first: "Download" is inside "Download as JSON").
WORDS = {
    "No selected elements": "点击节点或关系查看详情",
    "Download as JSON": "下载 JSON",
    "Include visual styles": "包含样式",
    "Refresh Layout": "重新布局",
    "Fit to Screen": "适应画布",
    "Recenter Veiw": "居中",            # sic: the package's spelling
    "Recenter View": "居中",
    "Remove Nodes": "移除节点",
    "Expand Node": "展开节点",
    "Export Graph": "导出图",
    "Fullscreen": "全屏",
    "File name": "文件名",
    "Zoom In": "放大",
    "Zoom Out": "缩小",
    "Cancel": "取消",
    "Download": "下载",
}
# The panel lists a node's or edge's data under its keys (drawing.cytoscape_elements sets them).
KEYS = {"id": "编号", "name": "名称", "source": "起点", "target": "终点"}

_lock = threading.Lock()
_chinese = None


def translate(page: str) -> str:
    """The component's index.html with its interface words in Chinese and the panel's keys renamed."""
    for en, zh in WORDS.items():
        page = page.replace(f'title="{en}"', f'title="{html.escape(zh)}"')
        page = re.sub(rf">(\s*){re.escape(en)}(\s*)<", lambda m: f">{m[1]}{html.escape(zh)}{m[2]}<", page)
    # The names travel in an attribute, not in the script's text: a frame not yet laid out reports its
    # textContent (scripts included) as its innerText, and the names would read as English on the page.
    keys = html.escape(json.dumps(KEYS, ensure_ascii=False), quote=True)
    script = (f'<script data-keys="{keys}">(function(){{const K=JSON.parse(document.currentScript.dataset.keys);'
              "const rename=()=>document.querySelectorAll('.infopanel__key').forEach(p=>{if(K[p.textContent])"
              "p.textContent=K[p.textContent];});new MutationObserver(rename).observe("
              "document.getElementById('infopanelProps'),{childList:true,subtree:true});})();</script>")
    return page.replace("</body>", script + "</body>")


def _build() -> Path:
    """A private copy of the component's frontend with the translated index.html (Streamlit serves a
    component's files from its own folder only, so the bundles are copied, not linked: 1.5 MB)."""
    import streamlit_cytoscape
    source = Path(streamlit_cytoscape.__file__).parent / "frontend" / "build"
    folder = Path(tempfile.mkdtemp(prefix="chaingraph-cytoscape-zh-")) / "build"
    shutil.copytree(source, folder)
    index = folder / "index.html"
    index.write_text(translate(index.read_text(encoding="utf-8")), encoding="utf-8")
    return folder


class _ByLanguage:
    """Stands in for the package's component function: the Chinese copy in Chinese mode."""

    def __init__(self, english):
        self.english = english

    def __call__(self, *args, **kwargs):
        from app_pages.common import english
        return (self.english if english() else chinese_component())(*args, **kwargs)


def chinese_component():
    global _chinese
    with _lock:
        if _chinese is None:
            import streamlit.components.v1 as components
            _chinese = components.declare_component("streamlit_cytoscape_zh", path=str(_build()))
        return _chinese


def install() -> None:
    """Route the package's drawings through _ByLanguage (once per process; the package calls its
    module-level ``_component_func``)."""
    from streamlit_cytoscape import component
    with _lock:
        if not isinstance(component._component_func, _ByLanguage):
            component._component_func = _ByLanguage(component._component_func)
