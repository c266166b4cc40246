"""The chain briefing as a Word document (python-docx): cover, 全景图, then one table per list."""
from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from reports.briefing import Briefing
from reports.panorama_cards import png_bytes

FONT = "Noto Sans CJK SC"      # Word falls back to its own CJK font (e.g. 等线) where this is missing


def _east_asian_font(document: Document) -> None:
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(10)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)


def to_docx(b: Briefing) -> bytes:
    document = Document()
    _east_asian_font(document)
    section = document.sections[0]
    section.left_margin = section.right_margin = Cm(1.8)
    cover = document.add_heading(b.title, level=0)
    cover.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in (("一链一图多清单" if b.lang == "zh" else "One chain, one picture, the lists"),
                 ("日期：" if b.lang == "zh" else "Date: ") + b.date.isoformat(), b.source):
        document.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in b.summary:
        document.add_paragraph(line)
    document.add_heading("产业链全景图" if b.lang == "zh" else "Chain panorama", level=1)
    document.add_picture(io.BytesIO(png_bytes(b.panorama, b.lang)), width=section.page_width - Cm(3.6))
    for part in b.sections:
        document.add_heading(part.title, level=1)
        if not part.rows:
            document.add_paragraph(part.empty)
            continue
        table = document.add_table(rows=1, cols=len(part.columns))
        table.style = "Light Grid Accent 1"
        for cell, text in zip(table.rows[0].cells, part.columns):
            cell.text = text
        for row in part.rows:
            for cell, text in zip(table.add_row().cells, row):
                cell.text = str(text)
        if part.note:
            document.add_paragraph(part.note)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()
