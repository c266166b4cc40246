"""产业链全景图 and the chain briefing (一链一图多清单): the cards say what the source files say, every
card's text stays inside its card at 1440×900 with a font that has the glyphs, and the Word and PDF
briefings of every bundled chain hold the chain's gaps and top leads (read back with pdftotext and
python-docx; the PDF also rendered to PNG with pdftoppm)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner

from tests.conftest import BUNDLED, IN_CI

POPPLER = shutil.which("pdftotext") and shutil.which("pdftoppm")
needs_poppler = pytest.mark.skipif(not POPPLER and not IN_CI,
                                   reason="poppler-utils (pdftotext, pdftoppm) is not installed")


def read_csv(name: str) -> list[dict]:
    with open(BUNDLED / name, encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def reference_firms() -> dict[str, set[str]]:
    """Segment id -> names of in-zone firms placed on it, straight from the bundled files."""
    firms = {r["id"]: r for r in read_csv("Enterprise.csv")}
    out: dict[str, set[str]] = {}
    for r in read_csv("IN_SEGMENT.csv"):
        firm = firms.get(r["from"])
        if firm and firm["in_zone"] == "true" and r["to"].startswith("seg_"):
            out.setdefault(r["to"], set()).add(firm["name"])
    return out


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_cards_follow_the_source_files(bundled_store):
    from reports.panorama_cards import panorama_cards
    expected = reference_firms()
    segments = {r["id"]: r for r in read_csv("Segment.csv")}
    for chain in ("ch_pv", "ch_cashmere", "ch_h2"):
        p = panorama_cards(bundled_store, chain)
        assert p.cards, chain
        for card in p.cards:
            names = {f["name"] for f in card.firms}
            assert names == expected.get(card.segment, set()), card.segment
            assert card.in_zone == len(names)
            assert card.status == ("缺" if not names else "弱" if len(names) < 2 else "强")
            assert card.column == {"上游": 0, "中游": 1, "下游": 2}[segments[card.segment]["stage"]]
            kinds = [f["kind"] in ("链主", "龙头") for f in card.firms]
            assert kinds == sorted(kinds, reverse=True), "链主/龙头 come first"


def _crowded_chain():
    from reports.panorama_cards import Card, Panorama
    cards = []
    for i in range(15):      # the bound: 15 segments, 10 firms per card, long names
        firms = [{"id": f"f{i}_{j}", "name": f"鄂尔多斯市{'绿色' * (j % 3)}新能源科技有限公司{j}",
                  "kind": "链主" if j == 0 else None} for j in range(10)]
        cards.append(Card(f"s{i}", f"环节{i}·{'多晶硅材料' * (i % 3)}", "缺弱强"[i % 3], min(2, i // 6), firms,
                          10 + i, i, i % 4, i % 2))
    return Panorama("c", "测试链", cards, [(f"s{i}", f"s{i + 1}") for i in range(14)])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_crowded_panorama_stays_readable_at_1440x900(lang):
    """Every text inside its own card and inside the picture, at a legible size, with glyphs for it."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch
    from reports.fonts import has_glyphs
    from reports.panorama_cards import MIN_FONT, draw
    fig = draw(_crowded_chain(), lang)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    assert tuple(round(v) for v in fig.get_size_inches() * fig.dpi) == (1440, 900)
    figure_box = fig.bbox
    cards = {p.get_gid()[5:]: p.get_window_extent(renderer) for p in fig.axes[0].patches
             if isinstance(p, FancyBboxPatch) and (p.get_gid() or "").startswith("card:")}
    assert len(cards) == 15
    for box in cards.values():          # the first and the last card too: nothing under a panel or clipped
        assert box.x0 >= figure_box.x0 and box.x1 <= figure_box.x1 and box.y0 >= figure_box.y0 \
            and box.y1 <= figure_box.y1
    texts = [t for t in fig.axes[0].texts if (t.get_gid() or "").startswith("text:")]
    assert len(texts) >= 15 * 3
    for t in texts:
        box, card = t.get_window_extent(renderer), cards[t.get_gid()[5:]]
        assert t.get_fontsize() >= MIN_FONT
        assert card.x0 - 0.5 <= box.x0 and box.x1 <= card.x1 + 0.5, t.get_text()
        assert card.y0 - 0.5 <= box.y0 and box.y1 <= card.y1 + 0.5, t.get_text()
        assert has_glyphs(t.get_text()), t.get_text()
    shown = " ".join(t.get_text() for t in texts)
    assert ("等" in shown) if lang == "zh" else ("more" in shown), "firms that do not fit are counted, not dropped"
    plt.close(fig)


def test_fonts_have_chinese_glyphs():
    from reports.fonts import cjk_family, has_glyphs
    if not cjk_family() and not IN_CI:
        pytest.skip("no CJK font on this machine (apt-get install fonts-noto-cjk)")
    assert has_glyphs("产业链全景图缺链弱链强链园外候选")


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "b.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return squash(out)


def docx_text(data: bytes) -> str:
    from docx import Document
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return squash("\n".join(parts))


def expected_content(store, chain: str) -> list[str]:
    """What a reader must find: the chain, every gap, the three strongest leads (from the analyses)."""
    from queries import registry
    gaps = registry.get("gaps").run(store, chains=[chain]).table
    leads = registry.get("leads").run(store, chain=chain, limit=3).table
    return [*gaps["name"], *leads["name"]]


@needs_poppler
def test_briefing_of_every_bundled_chain_in_word_and_pdf(bundled_store, tmp_path):
    from reports.briefing import build
    from reports.docx_writer import to_docx
    from reports.pdf_writer import to_pdf
    chains = [r["id"] for r in read_csv("Chain.csv")]
    if bundled_store.describe().startswith("Neo4j"):
        chains = ["ch_pv"]          # the writers do not depend on the store: one chain shows Neo4j feeds them
    day = dt.date(2026, 12, 5)
    for chain in chains:
        b = build(bundled_store, chain, date=day)
        needed = [squash(x) for x in [b.chain_name, "2026-12-05", "数据来源", *expected_content(bundled_store, chain)]]
        text = pdf_text(to_pdf(b), tmp_path)
        missing = [x for x in needed if x not in text]
        assert not missing, (chain, missing)
        words = docx_text(to_docx(b))
        assert not [x for x in needed if x not in words], chain
        assert "链上党建" in text, "the cover names the data source"
    # the PDF draws: its first pages rendered to PNG have ink on them
    (tmp_path / "b.pdf").write_bytes(to_pdf(build(bundled_store, "ch_pv", date=day)))
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "2", str(tmp_path / "b.pdf"),
                    str(tmp_path / "page")], check=True, capture_output=True)
    from PIL import Image
    for png in sorted(tmp_path.glob("page-*.png")):
        image = Image.open(png).convert("L")
        dark = int((np.asarray(image) < 128).sum())
        assert dark > 500, png.name


def test_empty_lists_say_why(store, tmp_path):
    """A chain with segments but no firm, lead, project or demand: every list explains its emptiness."""
    from loaders.load import load_paths
    from reports.briefing import build
    (tmp_path / "Chain.csv").write_text("id,name\nch_x,空链\n", encoding="utf-8")
    (tmp_path / "Segment.csv").write_text("id,name,stage\nseg_x1,空链·甲,上游\n", encoding="utf-8")
    (tmp_path / "PART_OF.csv").write_text("from,to\nseg_x1,ch_x\n", encoding="utf-8")
    load_paths(store, [tmp_path])
    b = build(store, "ch_x")
    empties = {s.title: s.empty for s in b.sections if not s.rows}
    assert len(empties) == 4 and all(empties.values())       # firms, leads, projects, demands
    gaps = next(s for s in b.sections if s.title.startswith("缺链"))
    assert gaps.rows and gaps.rows[0][1] == "缺"


def test_cli_briefing(tmp_path, monkeypatch):
    from cli import main
    from loaders.load import load_paths
    from graph.embedded import EmbeddedStore
    data = tmp_path / "data"
    with EmbeddedStore(data) as s:
        load_paths(s, [BUNDLED])
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(main, ["--store", "embedded", "--data-dir", str(data), "briefing", "光伏", "--out",
                                  str(out), "--format", "png", "--format", "docx"])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 2 and all(f.startswith("briefing-ch_pv-") for f in files)
    assert (out / files[1]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = runner.invoke(main, ["--store", "embedded", "--data-dir", str(data), "briefing", "没有这条链",
                                  "--out", str(out)])
    assert result.exit_code == 2 and "ch_pv (光伏)" in result.output


def test_panorama_page_draws_the_cards_and_tells_a_gap_story(monkeypatch, tmp_path):
    from tests.test_app import ok, open_page
    monkeypatch.setenv("CHAINGRAPH_STORE", "embedded")
    monkeypatch.setenv("CHAINGRAPH_DATA_DIR", str(tmp_path / "data"))
    at = ok(open_page(monkeypatch, "panorama", chain="ch_pv"))
    charts = at.get("vega_lite_chart")                  # the 全景图 picture, its cards clickable
    assert charts and '"type": "image"' in charts[0].proto.spec, "the 全景图 picture is on the page"
    at.selectbox(key="panorama_segment").set_value("seg_pv_1").run()   # 光伏·工业硅: missing, one candidate
    ok(at)
    assert any("缺链" in w.value for w in at.warning)
    assert any("得分说明" in d.value.columns for d in at.dataframe)
    from app_pages.common import _store
    _store.clear()


def test_a_chain_given_only_as_products(store, tmp_path):
    """No segments, only products (as in ChainKG): one card per product with its in-zone makers."""
    from loaders.load import load_paths
    from reports.briefing import build
    from reports.panorama_cards import panorama_cards
    files = {"Chain.csv": "id,name\nch_p,产品链\n",
             "Product.csv": "id,name\np0,硅料\np1,硅片\np2,组件\n",
             "INCLUDES.csv": "from,to\nch_p,p0\nch_p,p1\nch_p,p2\n",
             "FEEDS.csv": "from,to\np0,p1\np1,p2\n",
             "Enterprise.csv": "id,name,in_zone\nA,甲公司,true\nB,乙公司,false\nC,丙公司,true\n",
             "MAKES.csv": "from,to\nA,p1\nB,p0\nC,p2\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    load_paths(store, [tmp_path])
    p = panorama_cards(store, "ch_p")
    assert p.by_products
    assert {c.name: ([f["name"] for f in c.firms], c.status) for c in p.cards} == {
        "硅料": ([], "缺"), "硅片": (["甲公司"], "弱"), "组件": (["丙公司"], "弱")}
    assert [c.column for c in p.cards] == [0, 1, 2]          # upstream → downstream by FEEDS order
    firms = next(s for s in build(store, "ch_p").sections if s.title.startswith("重点企业"))
    assert sorted(r[0] for r in firms.rows) == ["丙公司", "甲公司"]
