"""The chain briefing as a PDF, drawn with matplotlib (no extra engine to install): a cover page, the
全景图 on a landscape page, then the lists flowed over A4 pages with wrapped cells and repeated
headers.  The CJK font is embedded as TrueType (reports/fonts.py) so the text can be searched and
extracted (pdftotext) — the briefing's tests read it back that way."""
from __future__ import annotations

import io
from functools import lru_cache

from reports.briefing import Briefing, Section
from reports.fonts import use_cjk
from reports.panorama_cards import draw as draw_panorama

A4 = (8.27, 11.69)          # inches
DPI = 72                     # 1 unit = 1 point, so sizes below read as points
MARGIN = 48
BODY, SMALL = 9.5, 8.5
HEADING = "#1f3a5f"    # headings by colour and size, not bold: each embedded weight of a CJK font costs seconds


class _Pages:
    """A cursor over A4 pages: text is placed top-down and a new page starts when one is full."""

    def __init__(self, pdf, plt, lang: str):
        self.pdf, self.plt, self.lang = pdf, plt, lang
        self.width, self.height = A4[0] * DPI, A4[1] * DPI
        self.fig = None

    def new_page(self) -> None:
        self.finish()
        self.fig = self.plt.figure(figsize=A4, dpi=DPI)
        self.ax = self.fig.add_axes((0, 0, 1, 1))
        self.ax.set_xlim(0, self.width)
        self.ax.set_ylim(self.height, 0)
        self.ax.axis("off")
        self.renderer = self.fig.canvas.get_renderer()
        self.y = MARGIN

    def finish(self) -> None:
        if self.fig is not None:
            self.pdf.savefig(self.fig)
            self.plt.close(self.fig)
            self.fig = None

    def text_width(self, text: str, size: float) -> float:
        # Sum of per-character advances (cached): wrapping measures every prefix, and measuring each one
        # whole made a briefing take seconds.  CJK has no kerning; Latin kerning is within the slack.
        return sum(_advance(ch, size) for ch in text)

    def wrap(self, text: str, width: float, size: float) -> list[str]:
        lines = []
        for paragraph in str(text).split("\n"):
            current = ""
            for ch in paragraph:
                if current and self.text_width(current + ch, size) > width:
                    cut = current.rfind(" ") if self.lang == "en" and " " in current else -1
                    if cut > 0:
                        lines.append(current[:cut])
                        current = current[cut + 1:] + ch
                    else:
                        lines.append(current)
                        current = ch
                else:
                    current += ch
            lines.append(current)
        return lines

    def room(self, height: float) -> None:
        if self.fig is None or self.y + height > self.height - MARGIN:
            self.new_page()

    def paragraph(self, text: str, size: float = BODY, colour: str = "black", gap: float = 6) -> None:
        line = size * 1.45
        for piece in self.wrap(text, self.width - 2 * MARGIN, size):
            self.room(line)
            self.ax.text(MARGIN, self.y + line / 2, piece, fontsize=size, color=colour, va="center")
            self.y += line
        self.y += gap

    def table(self, part: Section) -> None:
        total = self.width - 2 * MARGIN
        size, line = SMALL, SMALL * 1.4
        widths = _column_widths(part, total, lambda t: max(self.text_width(x, size) for x in t.split("\n")))

        def row_lines(cells):
            return [self.wrap(str(c), w - 6, size) for c, w in zip(cells, widths)]

        def draw_row(cells_lines, header=False):
            height = max(len(c) for c in cells_lines) * line + 6
            self.room(height)
            if header:
                self.ax.add_patch(self.plt.Rectangle((MARGIN, self.y), total, height, color="#e8ecef", zorder=0))
            x = MARGIN
            for lines, w in zip(cells_lines, widths):
                for n, piece in enumerate(lines):
                    self.ax.text(x + 3, self.y + 3 + (n + 0.5) * line, piece, fontsize=size, va="center",
                                 color=HEADING if header else "black")
                x += w
            self.y += height
            self.ax.plot([MARGIN, MARGIN + total], [self.y, self.y], color="#c8ced3", lw=0.5)

        header = row_lines(part.columns)
        self.room(len(max(header, key=len)) * line * 3)          # never a header alone at a page's foot
        draw_row(header, header=True)
        for cells in part.rows:
            lines = row_lines(cells)
            height = max(len(c) for c in lines) * line + 6
            if self.y + height > self.height - MARGIN:              # repeat the header on the next page
                self.new_page()
                draw_row(header, header=True)
            draw_row(lines)
        self.y += 8


@lru_cache(maxsize=20000)
def _advance(ch: str, size: float) -> float:
    import matplotlib
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath
    prop = FontProperties(family=matplotlib.rcParams["font.family"], size=size)
    return TextToPath().get_text_width_height_descent(ch, prop, ismath=False)[0] * DPI / 72


def _column_widths(part: Section, total: float, measure) -> list[float]:
    """Each column gets at least its header and its short values (numbers, statuses) unbroken; the room
    left goes to the columns with long text, in proportion to how much longer they are."""
    columns = list(zip(part.columns, *part.rows))
    natural = [max(measure(str(c)) for c in col) + 8 for col in columns]
    minimum = [max(measure(str(c)) for c in col if len(str(c)) <= 8 or c is col[0]) + 8 for col in columns]
    if sum(natural) <= total:
        return [w * total / sum(natural) for w in natural]
    if sum(minimum) >= total:
        return [w * total / sum(minimum) for w in minimum]
    spare, extra = total - sum(minimum), [n - m for n, m in zip(natural, minimum)]
    return [m + spare * e / sum(extra) for m, e in zip(minimum, extra)]


def to_pdf(b: Briefing) -> bytes:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages
    use_cjk(matplotlib)
    buf = io.BytesIO()
    with PdfPages(buf, metadata={"Title": b.title, "Creator": "ChainGraph"}) as pdf:
        pages = _Pages(pdf, plt, b.lang)
        pages.new_page()
        pages.y = pages.height * 0.3
        pages.paragraph(b.title, size=24, colour=HEADING, gap=14)
        pages.paragraph("一链一图多清单" if b.lang == "zh" else "One chain, one picture, the lists", size=14, gap=20)
        pages.paragraph(("日期：" if b.lang == "zh" else "Date: ") + b.date.isoformat(), size=11)
        pages.paragraph(b.source, size=11, gap=20)
        for line in b.summary:
            pages.paragraph(line, size=11)
        pages.finish()
        figure = draw_panorama(b.panorama, b.lang, fit_height=True)
        pdf.savefig(figure)
        plt.close(figure)
        pages.new_page()
        for part in b.sections:
            pages.room(60)
            pages.paragraph(part.title, size=13, colour=HEADING, gap=4)
            if part.rows:
                pages.table(part)
            else:
                pages.paragraph(part.empty)
            if part.note:
                pages.paragraph(part.note, size=SMALL)
        pages.finish()
    return buf.getvalue()
