"""The Explore page's exports and the overview's own URL, as a user opens them (issue #13, Broken
1, 2, 5): the HTML export in Chromium (no script error, every node drawn), the PNG export's Chinese
labels in a font that has their glyphs, and /overview in the browser."""
from __future__ import annotations

from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from app_pages import drawing
from queries.registry import Subgraph
from tests.test_browser import app_url, browser, data_dir, page  # noqa: F401  (fixtures: the app, Chromium)


def view() -> Subgraph:
    graph = Subgraph()
    for node_id, label, name in (("e1", "Enterprise", "鄂尔多斯晶澳光伏"), ("e2", "Enterprise", "隆基绿能 Longi"),
                                 ("s1", "Segment", "光伏·工业硅"), ("a1", "Alliance", "智造先锋联合体")):
        graph.add_node(node_id, label, name)
    for a, b, rel in (("e1", "e2", "SUPPLIES"), ("e1", "s1", "IN_SEGMENT"), ("e1", "a1", "MEMBER_OF")):
        graph.add_edge(a, b, rel)
    return graph


def test_html_export_draws_its_nodes_in_chromium(browser, tmp_path):  # noqa: F811
    graph = view()
    path = tmp_path / "chaingraph-view.html"
    path.write_text(drawing.pyvis_html(graph, drawing.spring_positions(graph)), encoding="utf-8")
    context = browser.new_context()
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.goto(path.as_uri())
    tab.wait_for_function("typeof network !== 'undefined' && network.body.data.nodes.length > 0", timeout=30000)
    drawn = tab.evaluate("network.body.data.nodes.length")
    edges = tab.evaluate("network.body.data.edges.length")
    context.close()
    assert not errors, errors
    assert (drawn, edges) == (len(graph.nodes), len(graph.edges))


def test_png_export_labels_use_a_font_with_their_glyphs():
    graph = view()
    fig = drawing.png_figure(graph, drawing.spring_positions(graph))
    labels = [t for t in fig.axes[0].texts if t.get_text()]
    assert {t.get_text() for t in labels} == {n["name"][:14] for n in graph.nodes.values()}
    for text in labels:
        font = FT2Font(font_manager.findfont(text.get_fontproperties(), fallback_to_default=False))
        covered = font.get_charmap()
        missing = [c for c in text.get_text() if not c.isspace() and ord(c) not in covered]
        assert not missing, (text.get_text(), font.fname, missing)


def test_overview_has_its_own_url(page, app_url):  # noqa: F811
    page.goto(app_url + "/overview")
    page.get_by_text("党组织覆盖率").first.wait_for()
    text = page.inner_text("body")
    assert "Page not found" not in text and "114" in text
    page.goto(app_url + "/")                     # "/" still opens the overview
    page.get_by_text("党组织覆盖率").first.wait_for()
