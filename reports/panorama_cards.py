"""产业链全景图: the picture every 链长制 briefing shows — upstream | midstream | downstream columns,
each segment a card in its status colour (缺/弱/强) listing the zone's firms in it (链主/龙头 first)
with counts of out-of-zone candidates, projects and institutes, and FEEDS arrows between cards.

Laid out in pixels for a 1440×900 picture: each column splits into as many sub-columns as its cards
need, and each card's text takes the largest font (down to MIN_FONT) at which it fits; what still
does not fit is cut with "等 N 家" rather than drawn outside the card.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

from graph import schema
from graph.store import Store
from queries import registry
from queries.chain_lists import KEY_KINDS, firms_by_segment
from reports.fonts import use_cjk

STATUS_COLOURS = {"缺": "#e74c3c", "弱": "#f1c40f", "强": "#27ae60"}
STATUS_WORDS = {"zh": {"缺": "缺链", "弱": "弱链", "强": "强链"},
                "en": {"缺": "missing", "弱": "weak", "强": "strong"}}
STAGES = {"zh": schema.STAGES, "en": tuple(schema.STAGES_EN[s].capitalize() for s in schema.STAGES)}
STAGE_COLUMN = {"上游": 0, "中游": 1, "下游": 2, "upstream": 0, "midstream": 1, "downstream": 2}
FIRMS_PER_CARD = 10
MIN_FONT, MAX_FONT = 7.0, 11.0     # points; 7 pt at 100 dpi is the smallest that stays legible
PAD = 6                            # pixels inside a card


@dataclass
class Card:
    segment: str
    name: str
    status: str
    column: int                                  # 0 upstream, 1 midstream, 2 downstream
    firms: list[dict] = field(default_factory=list)
    in_zone: int = 0
    candidates: int = 0
    projects: int = 0
    institutes: int = 0


@dataclass
class Panorama:
    chain: str
    chain_name: str
    cards: list[Card]
    feeds: list[tuple[str, str]]
    by_products: bool = False        # a chain given only as products: each card is a product


def panorama_cards(store: Store, chain: str, weak_threshold: int = 2) -> Panorama:
    """The cards of one chain, from the panorama analysis plus the zone's firms per segment."""
    result = registry.get("panorama").run(store, chain=chain, weak_threshold=weak_threshold)
    firms = firms_by_segment(store, chain)
    rows = result.table.to_dict("records")
    cards = []
    for i, r in enumerate(rows):
        column = STAGE_COLUMN.get(str(r["stage"] or "").strip().lower())
        if column is None:   # no stage given: place by position upstream→downstream, in thirds
            column = min(2, i * 3 // max(1, len(rows)))
        makers = firms.get(r["segment"], [])
        if r.get("kind") == "product":   # a product card: its in-zone makers, as the panorama lists them
            makers = [{"id": n, "name": n, "kind": None} for n in str(r["key_firms"] or "").split("、") if n]
        cards.append(Card(r["segment"], r["name"], r["status"], column, makers,
                          int(r["in_zone_firms"]), int(r["out_of_zone_firms"]), int(r["projects"]),
                          int(r["institutes"])))
    feeds = [(e["from"], e["to"]) for e in result.graph.edges if e["type"] == "FEEDS"]
    return Panorama(chain, result.extra.get("chain_name") or chain, cards, feeds,
                    by_products="products_from" in result.extra)


def _card_lines(card: Card, lang: str, fits, limit: int = FIRMS_PER_CARD) -> list[str]:
    """The body lines of a card: firm names wrapped at item boundaries, cut with 等 N 家 when they do not fit."""
    shown = card.firms[:limit]
    names = [("★" if f["kind"] in KEY_KINDS else "") + (f["name"] or f["id"]) for f in shown]
    rest = card.in_zone - len(shown)
    if rest > 0:
        names.append(f"等{rest}家" if lang == "zh" else f"+{rest} more")
    if not names:
        return ["园区暂无企业" if lang == "zh" else "no in-zone firm"]
    sep = "、" if lang == "zh" else ", "
    lines, current = [], ""
    for name in names:
        candidate = current + sep + name if current else name
        if fits(candidate):
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for ch in name:                       # a name wider than the card: break inside it
            if current and not fits(current + ch):
                lines.append(current)
                current = ""
            current += ch
    if current:
        lines.append(current)
    return lines


ROWS_PER_SUBCOLUMN = 5   # more cards than this in one stage column: split it into side-by-side sub-columns
GAP = 22                 # pixels between cards: room for the FEEDS arrows


@dataclass
class _Layout:
    """One card's text at one font size: what is drawn and how tall the card must be."""
    title: str
    lines: list[str]
    footer: str
    size: float
    line: float
    head: float

    @property
    def height(self) -> float:
        return self.head + PAD + (len(self.lines) + 1) * self.line + PAD


def _layout(card: Card, lang: str, size: float, inner: float, text_width, px: float,
            max_lines: int | None = None) -> _Layout:
    line = size * px * 1.35
    status = STATUS_WORDS[lang][card.status]
    title = f"{card.name} {status}"
    if text_width(title, size) > inner:           # a long segment name: cut with …
        name = card.name
        while name and text_width(f"{name}… {status}", size) > inner:
            name = name[:-1]
        title = f"{name}… {status}"
    fits = lambda s: text_width(s, size) <= inner  # noqa: E731
    lines = _card_lines(card, lang, fits)
    if max_lines is not None and len(lines) > max_lines:   # show fewer firms, and say how many more
        for limit in range(FIRMS_PER_CARD - 1, -1, -1):
            lines = _card_lines(card, lang, fits, limit)
            if len(lines) <= max_lines:
                break
        lines = lines[:max(max_lines, 1)]
    footer = (f"园外候选{card.candidates} · 项目{card.projects} · 院所{card.institutes}" if lang == "zh" else
              f"candidates {card.candidates} · projects {card.projects} · institutes {card.institutes}")
    if not fits(footer):
        footer = (f"候选{card.candidates}·项目{card.projects}·院所{card.institutes}" if lang == "zh" else
                  f"cand. {card.candidates} · proj. {card.projects} · inst. {card.institutes}")
    return _Layout(title, lines, footer, size, line, line + 4)


def _stack_height(layouts: list[_Layout], k: int) -> float:
    rows = [layouts[i:i + k] for i in range(0, len(layouts), k)]
    return sum(max(l.height for l in row) for row in rows) + GAP * max(0, len(rows) - 1)


def draw(p: Panorama, lang: str = "zh", width: int = 1440, height: int = 900, dpi: int = 100,
         fit_height: bool = False, boxes: dict | None = None):
    """The 全景图 as a matplotlib Figure of ``width``×``height`` pixels (zh or en).  ``boxes``, when
    given, receives each card's (x0, y0, x1, y1) in pixels from the top left: the app makes the cards
    clickable with them."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import FancyArrowPatch, Rectangle
    use_cjk(matplotlib)
    fig = plt.figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    renderer = fig.canvas.get_renderer()
    px = dpi / 72.0
    family = matplotlib.rcParams["font.family"]

    def text_width(s: str, size: float, weight: str = "normal") -> float:
        prop = FontProperties(family=family, size=size, weight=weight)
        return renderer.get_text_width_height_descent(s, prop, ismath=False)[0]

    title = (f"{p.chain_name} 产业链全景图" if lang == "zh" else f"{p.chain_name}: chain panorama")
    ax.text(16, 30, title, fontsize=16, va="center")
    x = width - 16
    for status in ("强", "弱", "缺"):          # legend, right-aligned
        word = STATUS_WORDS[lang][status]
        ax.text(x, 30, word, fontsize=10, va="center", ha="right")
        x -= text_width(word, 10) + 4
        ax.add_patch(Rectangle((x - 14, 23), 14, 14, color=STATUS_COLOURS[status]))
        x -= 26
    star = "★ 链主/龙头" if lang == "zh" else f"★ {schema.ENTERPRISE_KINDS_EN['链主']} / {schema.ENTERPRISE_KINDS_EN['龙头']}"
    ax.text(x, 30, star, fontsize=10, va="center", ha="right")

    top, bottom, margin, band_gap, header = 60, height - 12, 16, 36, 30
    columns = [[c for c in p.cards if c.column == i] for i in range(3)]
    subs = [max(1, math.ceil(len(c) / ROWS_PER_SUBCOLUMN)) for c in columns]
    usable = width - 2 * margin - 2 * band_gap
    band_widths = [usable * k / sum(subs) for k in subs]
    card_widths = [(bw - 2 * 8 - (k - 1) * GAP) / k for bw, k in zip(band_widths, subs)]
    room = bottom - top - header - 8
    size = MAX_FONT
    while True:   # one font for the whole picture: the largest at which every column fits
        layouts = [[_layout(c, lang, size, cw - 2 * PAD, text_width, px) for c in cards]
                   for cards, cw in zip(columns, card_widths)]
        if size <= MIN_FONT or all(_stack_height(ls, k) <= room for ls, k in zip(layouts, subs)):
            break
        size -= 0.5
    for i, (cards, k) in enumerate(zip(columns, subs)):   # still too tall at the smallest font: cut firm lists
        rows = math.ceil(len(cards) / k) if cards else 0
        if rows and _stack_height(layouts[i], k) > room:
            line = size * px * 1.35
            per_card = (room - GAP * (rows - 1)) / rows
            max_lines = max(1, int((per_card - (line + 4) - 2 * PAD - line) // line))
            layouts[i] = [_layout(c, lang, size, card_widths[i] - 2 * PAD, text_width, px, max_lines)
                          for c in cards]

    if fit_height:   # a short chain: a shorter picture rather than a tall empty one
        needed = max([_stack_height(ls, k) for ls, k in zip(layouts, subs) if ls] or [60])
        bottom = min(bottom, top + header + 8 + needed + 16)
        height = bottom + 12
        fig.set_size_inches(width / dpi, height / dpi)
        ax.set_ylim(height, 0)
    x0, patches = margin, {}
    for i, cards in enumerate(columns):
        band_w, k = band_widths[i], subs[i]
        ax.add_patch(Rectangle((x0, top), band_w, bottom - top, color="#f4f6f8", zorder=0))
        ax.text(x0 + band_w / 2, top + header / 2, STAGES[lang][i], fontsize=12,
                ha="center", va="center", color="#34495e")
        if not cards:
            ax.text(x0 + band_w / 2, top + header + 30, "（本段无环节）" if lang == "zh" else "(no segment)",
                    fontsize=9, ha="center", color="#7f8c8d")
        y = top + header + 8
        for r in range(0, len(cards), k):
            row_h = max(l.height for l in layouts[i][r:r + k])
            for j, card in enumerate(cards[r:r + k]):
                cx = x0 + 8 + j * (card_widths[i] + GAP)
                patches[card.segment] = (cx, y, cx + card_widths[i], y + row_h)
                _draw_card(ax, card, layouts[i][r + j], cx, y, card_widths[i], row_h)
            y += row_h + GAP
        x0 += band_w + band_gap
    if boxes is not None:
        boxes.update(patches)
    for a, b in p.feeds:   # edge to edge through the gaps, under the cards so no arrow hides a card's text
        if a in patches and b in patches:
            ax.add_patch(FancyArrowPatch(*_ends(patches[a], patches[b]), arrowstyle="-|>", mutation_scale=16,
                                         color="#34495e", alpha=0.8, lw=1.4, zorder=1.5, shrinkA=1, shrinkB=1))
    return fig


def _ends(a: tuple, b: tuple) -> tuple[tuple[float, float], tuple[float, float]]:
    """Arrow ends for boxes (x0, y0, x1, y1): side to side across columns, bottom to top within one."""
    ay, by = (a[1] + a[3]) / 2, (b[1] + b[3]) / 2
    if a[2] <= b[0]:
        return (a[2], ay), (b[0], by)
    if b[2] <= a[0]:
        return (a[0], ay), (b[2], by)
    ax_, bx = (a[0] + a[2]) / 2, (b[0] + b[2]) / 2
    return ((ax_, a[3]), (bx, b[1])) if a[3] <= b[1] else ((ax_, a[1]), (bx, b[3]))


def _draw_card(ax, card: Card, layout: _Layout, x: float, y: float, w: float, h: float):
    from matplotlib.patches import FancyBboxPatch, Rectangle
    colour = STATUS_COLOURS[card.status]
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=6", facecolor="white",
                                edgecolor=colour, lw=2, zorder=2, gid=f"card:{card.segment}"))
    size, line, head = layout.size, layout.line, layout.head
    ax.add_patch(Rectangle((x, y), w, head, facecolor=colour, edgecolor=colour, zorder=3))
    ax.text(x + PAD, y + head / 2, layout.title, fontsize=size, va="center", zorder=4,
            color="#222222" if card.status == "弱" else "white", gid=f"text:{card.segment}")
    for n, text in enumerate(layout.lines):
        ax.text(x + PAD, y + head + PAD + (n + 0.5) * line, text, fontsize=size, va="center", zorder=4,
                gid=f"text:{card.segment}")
    ax.text(x + PAD, y + h - PAD - line / 2, layout.footer, fontsize=size, va="center", color="#566573",
            zorder=4, gid=f"text:{card.segment}")


def png_bytes(p: Panorama, lang: str = "zh", width: int = 1440, height: int = 900,
              fit_height: bool = True, boxes: dict | None = None) -> bytes:
    import matplotlib.pyplot as plt
    fig = draw(p, lang, width, height, fit_height=fit_height, boxes=boxes)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return buf.getvalue()
