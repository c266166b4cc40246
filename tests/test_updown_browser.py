"""The 上下游 page in headless Chromium, over the bundled dataset plus a few wind-power products
(tests/test_updown_view.py PRODUCTS): 株洲时代 has recorded and inferred partners on both sides.
The drawing shows its nodes in columns (upstream left), inferred ties dashed, every node inside the
canvas; the table has rows; Chinese mode shows no English word; clicking a firm in the drawing and
then 企业画像 opens its profile; English mode from the Settings page.  Screenshots go to
test-artifacts/ (updown.png is the README's docs/screenshots/updown.png)."""
from __future__ import annotations

import urllib.parse

import pytest

from tests.conftest import BUNDLED
from tests.test_browser import (ARTIFACTS, ENGLISH_WORDS, all_nodes_inside_the_canvas, browser, page,  # noqa: F401
                                running_app, visible_text)
from tests.test_updown_view import write_products

# 株洲时代 at depth 3: the start, 5 firms (2 up, 3 down) and the 4 products that explain the inferred ones.
NODES = 10
DASHED = 7      # what 株洲时代 and the inferred firms make (4) and the product FEEDS (3)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    from graph.embedded import EmbeddedStore
    from loaders.load import load_paths
    data = tmp_path_factory.mktemp("updown-app")
    products = write_products(tmp_path_factory.mktemp("products"))
    with EmbeddedStore(data) as store:
        load_paths(store, [BUNDLED, products])
    with running_app(data) as url:
        yield url


def drawing_frame(page):
    """The Cytoscape component's frame, once its nodes are drawn."""
    page.frame_locator("iframe").first.locator("canvas").first.wait_for(state="visible")
    page.wait_for_function("""() => [...document.querySelectorAll('iframe')].some(f => {
        const el = f.contentDocument && f.contentDocument.getElementById('cy');
        return el && el._cyreg && el._cyreg.cy.nodes().length > 0; })""")
    return next(f for f in page.frames if f.locator("#cy").count())


def drawn(frame) -> dict:
    return frame.evaluate("""() => {
        const cy = document.getElementById("cy")._cyreg.cy;
        const x = {}, nodes = cy.nodes("[label != '_margin']");
        nodes.forEach(n => { x[n.id()] = n.position().x; });
        return {nodes: nodes.length, x: x,
                dashed: cy.edges().filter(e => e.style("line-style") === "dashed").length,
                solid: cy.edges().filter(e => e.style("line-style") === "solid").length};
    }""")


def names_uncovered(frame) -> list[str]:
    """The nodes whose name (label included) is hidden under the side panel or the zoom bar, or cut by
    the canvas's edge: none should be."""
    return frame.evaluate("""() => {
        const cy = document.getElementById("cy")._cyreg.cy, box = document.getElementById("cy").getBoundingClientRect();
        const left = document.getElementById("infopanel").getBoundingClientRect().right - box.left;
        const right = document.getElementById("viewbar").getBoundingClientRect().left - box.left;
        return cy.nodes("[label != '_margin']").filter(n => {
            const b = n.renderedBoundingBox({includeLabels: true});
            return b.x1 < left || b.x2 > right || b.y1 < 0 || b.y2 > cy.height();
        }).map(n => n.id());
    }""")


def click_node(page, frame, node_id: str) -> None:
    """A real mouse click on a node: its rendered position inside the component's iframe."""
    point = frame.evaluate("""(id) => { const p = document.getElementById("cy")._cyreg.cy.getElementById(id)
        .renderedPosition(); const box = document.getElementById("cy").getBoundingClientRect();
        return {x: box.left + p.x, y: box.top + p.y}; }""", node_id)
    box = frame.frame_element().bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def test_updown_in_chinese_draws_lists_and_opens_a_firm(page, app_url):
    page.goto(app_url + "/updown?id=" + urllib.parse.quote("株洲时代"))
    page.locator("h1").first.wait_for()
    frame = drawing_frame(page)
    page.wait_for_timeout(1500)                                   # the layout fitted, the tables drawn
    view = drawn(frame)
    assert view["nodes"] == NODES and view["dashed"] == DASHED and view["solid"] == 2
    x = view["x"]
    assert x["ext_s23"] == x["ent_s017"] < x["ent_zhuzhou"] < x["ext_s01"] < x["ent_s019"]   # upstream → downstream
    assert all_nodes_inside_the_canvas(page) and names_uncovered(frame) == []
    page.get_by_text("示例风电企业019").first.wait_for(state="attached")   # a table cell (drawn on a canvas)
    rows = page.locator("[data-testid=stDataFrame]").first.locator("[role=row]").count()
    assert rows >= 1 + 5, rows                                   # the header and the five answers
    text = visible_text(page)
    assert "上游 2 个，下游 3 个" in text and "经产品推断" in text and "记录的关系" in text
    assert not ENGLISH_WORDS.findall(text), sorted(set(ENGLISH_WORDS.findall(text)))
    page.set_viewport_size({"width": 1400, "height": 1350})     # the drawing and the whole table in one picture
    page.wait_for_timeout(1500)
    assert names_uncovered(frame) == []
    page.screenshot(path=str(ARTIFACTS / "updown.png"), full_page=True)
    click_node(page, frame, "p_turbine")                         # a product has no profile: said so
    frame.get_by_role("button", name="企业画像").click()
    page.get_by_text("不是企业，没有企业画像").first.wait_for()
    assert "/updown?" in page.url
    frame = drawing_frame(page)
    click_node(page, frame, "ent_crrc")                          # a firm in the drawing → its profile
    frame.locator("#infopanelProps").get_by_text("中车", exact=True).wait_for()    # the panel shows the firm
    panel = frame.get_by_role("button", name="企业画像")
    text = visible_text(page)
    assert "中车" in text and not ENGLISH_WORDS.findall(text), sorted(set(ENGLISH_WORDS.findall(text)))
    panel.click()
    page.wait_for_url(lambda url: "/firm?" in url and "id=ent_crrc" in url)
    page.get_by_role("heading", name="中车").first.wait_for()
    page.get_by_role("link", name="上下游（供应商、客户，含经产品推断）→").click()    # and back to this view
    page.wait_for_url(lambda url: "/updown?" in url and "id=ent_crrc" in url)
    drawing_frame(page)


def test_updown_in_english(page, app_url):
    page.goto(app_url + "/settings")
    page.get_by_text("English").first.click()
    page.get_by_role("heading", name="Settings").first.wait_for()
    page.get_by_role("link", name="Upstream & downstream").first.click()       # same session: English kept
    box = page.get_by_role("textbox", name="Firm, segment or product (name, short name, credit code or id)")
    box.fill("株洲时代")
    box.press("Enter")
    frame = drawing_frame(page)
    page.wait_for_timeout(1500)
    assert drawn(frame)["nodes"] == NODES
    text = visible_text(page)
    assert "2 upstream, 3 downstream" in text and "recorded tie" in text and "inferred from products" in text
    assert "上游 2 个" not in text and "记录的关系" not in text
    page.get_by_text("示例风电企业019").first.wait_for(state="attached")
    page.screenshot(path=str(ARTIFACTS / "updown-en.png"), full_page=True)


def test_explore_drawing_opens_a_firm(page, app_url):
    """The same panel on the Explore page's drawing."""
    page.goto(app_url + "/explore?node=ent_zhuzhou")
    frame = drawing_frame(page)
    page.wait_for_timeout(1000)
    click_node(page, frame, "ext_s01")
    frame.get_by_role("button", name="企业画像").click()
    page.wait_for_url(lambda url: "/firm?" in url and "id=ext_s01" in url)
