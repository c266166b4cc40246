"""The light view of big Explore views (app_pages/lightview.py): the HTML builder, its escaping, the
bounded cache, and the Explore page offering it for a view over the threshold, on both stores.
The page itself in Chromium: tests/test_lightview_browser.py."""
from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from app_pages import drawing, lightview
from queries.registry import Subgraph
from tests.conftest import ROOT
from tests.test_app import app_over

XSS = "</script><script>alert(1)</script>"
CJK = re.compile(r"[\u3400-\u9fff]")


def xss_zone(folder: Path, enterprises: int = 1500) -> str:
    """A generated zone in which one member of alliance a0 is named XSS; returns that firm's id."""
    from loaders.generate import generate_zone
    generate_zone(folder, enterprises=enterprises, seed=3)
    with open(folder / "MEMBER_OF.csv", encoding="utf-8") as f:
        victim = next(r["from"] for r in csv.DictReader(f) if r["to"] == "a0")
    path = folder / "Enterprise.csv"
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    for row in rows:
        if row["id"] == victim:
            row["name"] = XSS
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return victim


class Scripts(HTMLParser):
    """The page as a browser's tokenizer sees it: every <script> element and its text, every link."""

    def __init__(self):
        super().__init__()
        self.scripts: list[tuple[dict, str]] = []
        self.links: list[str] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._open = dict(attrs)
            self.scripts.append((self._open, ""))
        elif tag == "a":
            self.links.append(dict(attrs).get("href"))

    def handle_data(self, data):
        if self._open is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._open = None


def parse(page: str) -> Scripts:
    parser = Scripts()
    parser.feed(page)
    return parser


def data_of(page: str, element: str = "view-data"):
    return json.loads(next(text for attrs, text in parse(page).scripts if attrs.get("id") == element))


def small_graph(name: str = "甲企业", chain: str = "光伏", segment: str = "硅料") -> tuple[Subgraph, dict]:
    g = Subgraph()
    g.add_node("c0", "Chain", chain)
    g.add_node("s0", "Segment", segment)
    g.add_node("f1", "Enterprise", name)
    g.add_edge("s0", "c0", "PART_OF")
    g.add_edge("f1", "s0", "IN_SEGMENT")
    return g, drawing.spring_positions(g, centres=["c0"])


def test_script_json_cannot_close_or_change_its_script_element():
    value = {"a": XSS + "<!--&\u2028\u2029"}
    text = lightview.script_json(value)
    assert not set("<>&") & set(text) and "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == value


def test_a_firm_named_like_a_script_stays_data():
    """The name reaches the page only as JSON inside a data script: the tokenizer finds exactly the
    page's own five scripts, none holds the name's raw text, and the data decodes back to the name."""
    g, pos = small_graph(XSS)
    page = lightview.page_html(g, pos, centres=['c0"><script>alert(2)</script>'], depth=2, cap=500)
    assert XSS not in page and "<script>alert" not in page
    scripts = parse(page).scripts
    assert [a.get("id") or a.get("src") for a, _ in scripts] == [
        "view-data", "view-base", "view-texts", lightview.VIS_JS, None]
    assert not any("alert" in text for attrs, text in scripts if attrs.get("type") != "application/json")
    assert [n[1] for n in data_of(page)["nodes"]] == ["光伏", "硅料", XSS]
    assert data_of(page, "view-base")["centres"] == ['c0"><script>alert(2)</script>']
    # the back link carries the centre URL-encoded inside an escaped attribute
    back = parse(page).links[0]
    assert back.startswith("../../../explore?node=c0%22%3E%3Cscript%3E") and "<" not in back


def test_every_node_and_edge_goes_in_with_its_position():
    g, pos = small_graph()
    data = data_of(lightview.page_html(g, pos, centres=["c0"], depth=1, cap=300))
    assert [n[0] for n in data["nodes"]] == list(g.nodes)
    for node_id, name, _, firm, colour, x, y, _ in data["nodes"]:
        assert (x, y) == tuple(round(v, 1) for v in pos[node_id])
        assert colour == drawing.colour(g.nodes[node_id]) and firm == (node_id == "f1")
    ids = [n[0] for n in data["nodes"]]
    assert [(ids[a], ids[b]) for a, b in data["edges"]] == [("s0", "c0"), ("f1", "s0")]


def test_chinese_page_is_chinese_and_english_page_english():
    g, pos = small_graph("Acme Solar", "Solar", "Silicon")
    zh = lightview.page_html(g, pos, centres=["c0"], depth=1, cap=300, en=False)
    en = lightview.page_html(g, pos, centres=["c0"], depth=1, cap=300, en=True)
    assert 'lang="zh-CN"' in zh and "轻量视图" in zh and "返回图谱浏览" in zh and "企业画像" in zh
    assert [n[2] for n in data_of(zh)["nodes"]] == ["产业链", "产业链环节", "企业"]
    assert data_of(zh, "view-texts")["firm"] == "企业画像 →"
    visible_zh = re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", " ", zh, flags=re.S)
    assert not re.search(r"\b(nodes|relationships|Back|Explore|Firm|Click)\b", visible_zh)
    # English: the node names are data (here English anyway); no other Chinese anywhere on the page
    assert 'lang="en"' in en and "Light view" in en and not CJK.search(en) and "：" not in en
    assert [n[2] for n in data_of(en)["nodes"]] == ["Chain", "Segment", "Enterprise"]


def test_publish_writes_once_and_keeps_the_cache_bounded(tmp_path):
    cache = tmp_path / "lightview-cache"
    g, pos = small_graph()
    page = lightview.page_html(g, pos, centres=["c0"], depth=1, cap=300)
    url = lightview.publish(page, cache)
    assert url.startswith(lightview.URL_PREFIX) and re.fullmatch(r"[0-9a-f]{32}\.html", url.rsplit("/", 1)[1])
    assert (cache / url.rsplit("/", 1)[1]).read_text(encoding="utf-8") == page
    assert (cache / lightview.VIS_JS).read_bytes() == lightview.vis_source().read_bytes()
    assert lightview.publish(page, cache) == url and len(list(cache.glob("*.html"))) == 1
    # a name is not the plain hash of the page: it cannot be derived without the process's key
    import hashlib
    assert hashlib.sha256(page.encode()).hexdigest()[:32] not in url
    urls = [lightview.publish(lightview.page_html(g, pos, centres=["c0"], depth=1, cap=400 + i), cache)
            for i in range(5)]
    dropped = lightview.prune(cache, max_files=3)
    assert len(dropped) == 3 and sorted(p.name for p in cache.glob("*.html")) == sorted(u.rsplit("/", 1)[1] for u in urls[-3:])
    lightview.prune(cache, max_files=100, max_bytes=1)      # over the byte bound: everything goes
    assert not list(cache.glob("*.html"))


def test_cache_folder_is_gitignored_and_served_statically():
    assert "static/lightview-cache/" in (ROOT / ".gitignore").read_text(encoding="utf-8").split("\n")
    import tomllib
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["enableStaticServing"] is True
    assert lightview.CACHE == ROOT / "static" / "lightview-cache"


@pytest.fixture(params=["embedded", "neo4j"])
def big_zone(request, tmp_path, monkeypatch):
    """A loaded zone with more than THRESHOLD nodes around alliance a0, on each store."""
    victim = xss_zone(tmp_path / "zone")
    with app_over(request, tmp_path, monkeypatch, [tmp_path / "zone"]):
        yield victim


def test_explore_offers_the_light_view_for_a_big_view(big_zone, monkeypatch):
    """On each store: the Explore page for a view over the threshold publishes a light page holding
    every node of the view, the XSS firm among them as data, and links to it."""
    from streamlit.testing.v1 import AppTest
    monkeypatch.setenv("CHAINGRAPH_DEFAULT_PAGE", "explore")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params.update({"node": "a0", "depth": "2", "cap": "600"})
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    caption = next(c.value for c in at.caption if "个节点" in c.value)
    shown = int(caption.split(" 个节点")[0])
    assert lightview.THRESHOLD < shown <= 600
    buttons = at.get("link_button")
    assert len(buttons) == 1
    button = buttons[0].proto
    assert button.label.startswith("在轻量视图中打开") and button.url.startswith(lightview.URL_PREFIX)
    page = (lightview.CACHE / button.url.rsplit("/", 1)[1]).read_text(encoding="utf-8")
    nodes = data_of(page)["nodes"]
    assert len(nodes) == shown and len({n[0] for n in nodes}) == shown
    assert [n[1] for n in nodes if n[0] == big_zone] == [XSS] and XSS not in page
    assert data_of(page, "view-base")["centres"] == ["a0"]
    assert len(at.get("component_instance")) == 1             # drawn in the page as well (Cytoscape)
    # in English, an English button and page (a new session: AppTest cannot switch a radio's labels)
    en = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    en.query_params.update({"node": "a0", "depth": "2", "cap": "600"})
    en.session_state["lang"] = "en"
    en.run()
    assert not en.exception, [e.message for e in en.exception]
    button = en.get("link_button")[0].proto
    assert button.label == "Open in the light view (faster for big views)"
    page = (lightview.CACHE / button.url.rsplit("/", 1)[1]).read_text(encoding="utf-8")
    assert 'lang="en"' in page and data_of(page, "view-texts")["firm"] == "Firm profile →"
    assert {n[2] for n in data_of(page)["nodes"]} <= {"Alliance", "Chain", "Segment", "Enterprise", "PartyOrg",
                                                       "Project", "Demand"}
    # over the in-page limit: only the light view draws it
    from app_pages import explore
    monkeypatch.setattr(explore, "IN_PAGE_MAX", lightview.THRESHOLD)
    at.run()
    assert not at.exception and len(at.get("link_button")) == 1 and not at.get("component_instance")
    assert any("请在轻量视图中查看" in i.value for i in at.info)
