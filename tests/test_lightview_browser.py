"""The light view in headless Chromium: the Explore page of a view over the threshold links to it; the
static page draws every node inside its canvas, in Chinese; a click leads back into the app (企业画像,
Explore re-centred); a firm named ``</script><script>alert(1)</script>`` runs nothing.  The app runs on
the embedded store (the light page reads no store; the Explore page's part is tested on both stores
in tests/test_lightview.py)."""
from __future__ import annotations

import os
import urllib.parse

import pytest

from tests.conftest import IN_CI, ROOT
from tests.test_lightview import XSS, xss_zone

playwright = pytest.importorskip("playwright.sync_api") if not IN_CI else __import__("playwright.sync_api").sync_api
from bench import render  # noqa: E402  (after the skip: it needs nothing, but reads like the others)

pytestmark = pytest.mark.skipif(not os.path.exists(render.CHROMIUM) and not IN_CI,
                                reason="Debian chromium is not installed (apt-get install chromium fonts-noto-cjk)")
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def zone_app(tmp_path_factory):
    from graph.embedded import EmbeddedStore
    from loaders.load import load_paths
    folder = tmp_path_factory.mktemp("light")
    victim = xss_zone(folder / "zone")
    store = EmbeddedStore(folder / "data")
    load_paths(store, [folder / "zone"])
    store.close()
    port = render.free_port()
    proc = render.start_app(folder / "data", port)
    yield f"http://127.0.0.1:{port}", victim
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture
def context():
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=render.CHROMIUM, args=render.ARGS)
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        ctx.set_default_timeout(90000)
        dialogs = []
        ctx.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        ctx.dialogs = dialogs
        yield ctx
        browser.close()


def node_on_screen(page, index: int) -> tuple[float, float]:
    """Zoom onto one node and return its position in the page (vis draws on a canvas: no DOM per node)."""
    return tuple(page.evaluate("""(i) => {
        const net = window.__lightNetwork;
        net.focus(i, {scale: 2.5, animation: false});
        const p = net.canvasToDOM(net.getPositions([i])[i]);
        const box = document.getElementById("graph").getBoundingClientRect();
        return [box.left + p.x, box.top + p.y];
    }""", index))


def test_big_view_opens_in_the_light_page_and_clicks_lead_back(zone_app, context):
    app, victim = zone_app
    explore = context.new_page()
    explore.goto(app + "/explore?node=a0&depth=2&cap=600")
    caption = explore.get_by_text("个节点，").first
    caption.wait_for()
    expected = int(caption.inner_text().split(" 个节点")[0].split()[-1])
    assert expected > 300
    with context.expect_page() as opened:
        explore.get_by_role("link", name="在轻量视图中打开（大视图更快）").click()
    light = opened.value
    drawn = light.wait_for_function("() => window.__lightDrawn").json_value()
    assert drawn["n"] == expected
    light.screenshot(path=str(ARTIFACTS / "lightview.png"))
    # every node drawn inside the canvas (the view is fitted), and with its own place
    inside = light.evaluate("""() => {
        const net = window.__lightNetwork, box = document.getElementById("graph").getBoundingClientRect();
        const pos = net.getPositions();
        return Object.keys(pos).filter(k => { const p = net.canvasToDOM(pos[k]);
            return p.x >= 0 && p.y >= 0 && p.x <= box.width && p.y <= box.height; }).length;
    }""")
    assert inside == expected
    # Chinese: the page's words, the legend, the node labels, and a CJK font that has the glyphs
    header = light.inner_text("header")
    assert "轻量视图" in header and f"{expected} 个节点" in header and "企业" in header and "返回图谱浏览" in header
    labels = light.evaluate("() => window.__lightNetwork.body.data.nodes.get().map(n => n.label)")
    assert len(labels) == expected and sum("企业" in l for l in labels) > expected / 2
    assert light.evaluate("""() => document.fonts.check('11px "Noto Sans CJK SC"', '企业产业链')""")
    # the XSS firm: nothing ran, the page has only its own scripts, and its name is shown as text
    assert context.dialogs == [] and light.evaluate("() => document.scripts.length") == 5
    index = light.evaluate(f"() => JSON.parse(document.getElementById('view-data').textContent)"
                           f".nodes.findIndex(n => n[0] === {victim!r})")
    assert index >= 0
    x, y = node_on_screen(light, index)
    light.mouse.click(x, y)
    info = light.locator("#info")
    info.wait_for(state="visible")
    assert light.inner_text("#info-name") == XSS and context.dialogs == []
    centre = light.get_by_role("link", name="以此节点为中心浏览 →").get_attribute("href")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(centre).query)["node"] == [victim]
    # click-back: 企业画像 of that firm, in the app
    light.get_by_role("link", name="企业画像 →").click()
    light.wait_for_url(lambda url: "/firm?" in url)
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(light.url).query)["id"] == [victim]
    light.get_by_text(XSS).first.wait_for()
    assert context.dialogs == []


def test_light_page_re_centres_explore(zone_app, context):
    """From the light page back into Explore, re-centred on a clicked segment (not a firm: no 企业画像)."""
    app, _ = zone_app
    explore = context.new_page()
    explore.goto(app + "/explore?node=a0&depth=2&cap=600")
    url = explore.get_by_role("link", name="在轻量视图中打开（大视图更快）").get_attribute("href")
    light = context.new_page()
    light.goto(urllib.parse.urljoin(app + "/explore", url))
    light.wait_for_function("() => window.__lightDrawn")
    index, node_id = light.evaluate("""() => {
        const nodes = JSON.parse(document.getElementById('view-data').textContent).nodes;
        const i = nodes.findIndex(n => n[2] === '产业链环节');
        return [i, nodes[i][0]];
    }""")
    light.mouse.click(*node_on_screen(light, index))
    light.locator("#info").wait_for(state="visible")
    assert light.get_by_role("link", name="企业画像 →").count() == 0
    expand = light.get_by_role("link", name="在图谱浏览中展开此节点 →").get_attribute("href")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(expand).query)
    assert query["node"] == [f"a0,{node_id}"] and query["depth"] == ["2"] and query["cap"] == ["600"]
    light.get_by_role("link", name="以此节点为中心浏览 →").click()
    light.wait_for_url(lambda u: "/explore?" in u)
    light.get_by_text("个节点，").first.wait_for()
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(light.url).query)["node"] == [node_id]


def test_bench_measures_the_light_view(tmp_path):
    """bench/render.measure_light end to end on a small zone: it finds the light view through the Explore
    page and times a page that drew every node of the view."""
    from graph.embedded import EmbeddedStore
    from loaders.load import load_paths
    from queries.registry import get
    xss_zone(tmp_path / "zone")
    store = EmbeddedStore(tmp_path / "data")
    load_paths(store, [tmp_path / "zone"])
    first = get("neighbourhood").run(store, ids=["a0"], labels=[], rel_types=[], cap=600)
    store.close()
    out = render.measure_light(tmp_path / "data", "a0", caps=(600,), runs=2, screenshot_dir=tmp_path)
    r = out["caps"][600]
    assert 300 < r["nodes"] <= 600 and r["nodes"] > len(first.graph.nodes) and r["edges"] >= r["nodes"] - 1
    assert r["runs"] == 2 and 0 < r["cold_s"] < 60 and 0 < r["p50_s"] < 60 and r["link_s"] > 0
    assert (tmp_path / "light-600.png").stat().st_size > 10_000
