"""App benchmark: the Explore page drawing a ~1,000-node view in headless Chromium.

The view is requested the way a user shares it, by URL (``/explore?node=…&depth=2&cap=1000``), on
the app started against a store the bench has already loaded.  "Drawn" means the Cytoscape instance
inside the component iframe has painted a frame holding every node the page says it shows; the time
is from the navigation request to that paint (taken inside the frame, on the same wall clock).

measure_light() times the light view of the same kind of view (app_pages/lightview.py: the static page
a view over 300 nodes also gets), at 1,000 and 5,000 nodes: from the navigation request to the page's
first vis-network frame with every node (``window.__lightDrawn``, recorded by the page itself).
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Runs in every frame at document start.  Cytoscape registers itself on its container as
# ``container._cyreg = {cy}``; a setter on the element prototype catches that assignment, and the
# render listener is attached in a microtask, i.e. before any frame can be painted.  It records the
# first painted frame (the "render" event) for each node count.
DRAWN_HOOK = """
(() => {
  if (window.top === window || window.__cgDrawn) return;
  window.__cgDrawn = [];
  const record = (cy) => {
    const seen = new Set();
    cy.on('render', () => {
      const n = cy.nodes().length;
      if (n && !seen.has(n)) {
        seen.add(n);
        window.__cgDrawn.push({t: performance.timeOrigin + performance.now(), n, e: cy.edges().length});
      }
    });
  };
  Object.defineProperty(HTMLElement.prototype, '_cyreg', {
    configurable: true,
    get() { return undefined; },
    set(reg) {
      Object.defineProperty(this, '_cyreg', {value: reg, writable: true, configurable: true});
      if (reg) queueMicrotask(() => reg.cy && record(reg.cy));
    },
  });
})();
"""


def available() -> str | None:
    """Why the render benchmark cannot run here, or None when it can."""
    if not os.path.exists(CHROMIUM):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(data_dir: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ, CHAINGRAPH_STORE="embedded", CHAINGRAPH_DATA_DIR=str(data_dir), CHAINGRAPH_AUTOLOAD="0")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.headless", "true", "--server.address", "127.0.0.1",
                             "--browser.gatherUsageStats", "false"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
            return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)   # waiting for the server to listen, not part of any measurement
    proc.kill()
    raise RuntimeError("the app did not start within 90 s")


def draw_once(page, url: str, timeout_s: float) -> dict:
    """Navigate and wait until the component frame has painted all the nodes the caption announces."""
    started = time.time() * 1000
    page.goto(url, wait_until="commit")
    caption = page.get_by_text("个节点，").first
    caption.wait_for(timeout=timeout_s * 1000)
    expected = int(caption.inner_text().split(" 个节点")[0].split()[-1])
    frame = page.frame_locator("iframe").first.locator("#cy")
    frame.wait_for(state="attached", timeout=timeout_s * 1000)
    handle = frame.element_handle().owner_frame()
    drawn = handle.wait_for_function(f"() => (window.__cgDrawn || []).find(d => d.n === {expected})",
                                     timeout=timeout_s * 1000).json_value()
    return {"s": (drawn["t"] - started) / 1000, "nodes": drawn["n"], "edges": drawn["e"], "expected": expected}


def measure(data_dir: Path, centre: str, *, cap: int = 1000, runs: int = 5, screenshot: Path | None = None,
            timeout_s: float = 120) -> dict:
    """Cold (first request on a fresh app) then warm runs (new browser page each time, same app)."""
    from playwright.sync_api import sync_playwright
    port = free_port()
    proc = start_app(data_dir, port)
    url = f"http://127.0.0.1:{port}/explore?node={urllib.parse.quote(centre)}&depth=2&cap={int(cap)}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.add_init_script(DRAWN_HOOK)
            results = []
            for i in range(runs):
                page = context.new_page()
                results.append(draw_once(page, url, timeout_s))
                if i == runs - 1 and screenshot:
                    screenshot.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(screenshot), full_page=True)
                page.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    warm = [r["s"] for r in results[1:]] or [results[0]["s"]]
    last = results[-1]
    return {"centre": centre, "cap": cap, "nodes": last["nodes"], "edges": last["edges"],
            "expected_nodes": last["expected"], "cold_s": round(results[0]["s"], 3),
            "p50_s": round(statistics.median(warm), 3), "runs": len(results),
            "all_s": [round(r["s"], 3) for r in results]}


# The light view (app_pages/lightview.py): a static page that records its own first frame with every node.
LIGHT_LINK = "轻量视图"


def light_url(page, explore_url: str, timeout_s: float) -> tuple[str, float]:
    """Open the Explore page for a view and take its light-view link; also how long until the link showed
    (Streamlit starting the page and Python building and writing the light page)."""
    started = time.perf_counter()
    page.goto(explore_url, wait_until="commit")
    link = page.get_by_role("link", name=re.compile(LIGHT_LINK)).first
    link.wait_for(timeout=timeout_s * 1000)
    return link.evaluate("a => a.href"), time.perf_counter() - started


def draw_light_once(page, url: str, timeout_s: float) -> dict:
    """Navigate to a light page and wait for its first frame with every node (window.__lightDrawn)."""
    started = time.time() * 1000
    page.goto(url, wait_until="commit")
    drawn = page.wait_for_function("() => window.__lightDrawn", timeout=timeout_s * 1000).json_value()
    return {"s": (drawn["t"] - started) / 1000, "nodes": drawn["n"], "edges": drawn["e"]}


def measure_light(data_dir: Path, centre: str, *, caps: tuple[int, ...] = (1000, 5000), runs: int = 5,
                  screenshot_dir: Path | None = None, timeout_s: float = 120) -> dict:
    """The light view of ``/explore?node=centre&depth=2&cap=N`` for each cap, on one freshly started app.
    Per cap: ``link_s`` is the Explore page until its light-view link shows; ``cold_s`` the first load of
    the light page in a fresh browser profile (nothing cached: the page and vis-network both fetched);
    ``p50_s`` the median of the further loads (new page each time, same profile).  Returns
    ``{"caps": {cap: figures}}`` with the same figure names as measure()."""
    from playwright.sync_api import sync_playwright
    port = free_port()
    proc = start_app(data_dir, port)
    out = {"centre": centre, "caps": {}}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for cap in caps:
                explore = f"http://127.0.0.1:{port}/explore?node={urllib.parse.quote(centre)}&depth=2&cap={int(cap)}"
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = context.new_page()
                url, link_s = light_url(page, explore, timeout_s)
                context.close()
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                results = []
                for i in range(runs):
                    page = context.new_page()
                    results.append(draw_light_once(page, url, timeout_s))
                    if i == runs - 1 and screenshot_dir:
                        screenshot_dir.mkdir(parents=True, exist_ok=True)
                        page.screenshot(path=str(screenshot_dir / f"light-{cap}.png"))
                    page.close()
                context.close()
                warm = [r["s"] for r in results[1:]] or [results[0]["s"]]
                out["caps"][cap] = {"nodes": results[-1]["nodes"], "edges": results[-1]["edges"],
                                    "link_s": round(link_s, 3), "cold_s": round(results[0]["s"], 3),
                                    "p50_s": round(statistics.median(warm), 3), "runs": len(results),
                                    "all_s": [round(r["s"], 3) for r in results]}
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return out
