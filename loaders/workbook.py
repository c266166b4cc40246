"""Read an XLSX sheet by its real cells, within limits (loaders/limits.py).

openpyxl fills a sheet up to its declared size: a 4.8 KB workbook whose one cell is XFD1048576
made it build 17 billion empty cells (the app was OOM-killed).  Here the sheet's XML is streamed
and only cells holding a value count; the workbook is refused before parsing when its parts unzip
too large (a zip bomb), and reading stops with a problem naming the cell at the first limit crossed:
columns, cells, characters in one cell.  Cell values are decoded by openpyxl's own parser (shared
strings, dates, booleans), so values are the same as the previous full read.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange

from loaders.limits import env_name, limit
from loaders.problems import Problem

MAX_ROW = 1_048_576          # Excel's last row
MAX_PARTS = 10_000           # members of the zip
MAX_CELL_ELEMENTS = 1_000    # XML elements inside one cell (rich-text runs…)


@dataclass
class SheetCells:
    rows: list[tuple[Any, ...]] = field(default_factory=list)   # rows[i] is sheet row i + 1
    merged: list[CellRange] = field(default_factory=list)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column): formula with no cached value


def check_archive(path: Path) -> None:
    """Refuse a workbook whose parts unzip past the limits, before anything is parsed."""
    from loaders.readers import ReadError
    cap = limit("unzipped_mb") * 1024 * 1024
    whole = cap // 5     # parts openpyxl parses whole (shared strings, styles): they cost memory
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ReadError(Problem(path.name, None, None, f"not a readable XLSX workbook: {exc}")) from exc
    if len(parts) > MAX_PARTS:
        raise ReadError(Problem(path.name, None, None, f"the workbook has {len(parts)} parts, over {MAX_PARTS} "
                                "/ 工作簿结构异常"))
    total = sum(p.file_size for p in parts)
    big = max(parts, key=lambda p: p.file_size, default=None)
    over_whole = [p for p in parts if not p.filename.startswith("xl/worksheets/") and p.file_size > whole]
    if total > cap or over_whole:
        part = over_whole[0] if over_whole else big
        raise ReadError(Problem(path.name, None, None,
                                f"the workbook unzips to {total / 2**20:.0f} MB ({part.filename}: "
                                f"{part.file_size / 2**20:.0f} MB), over the limit of {cap / 2**20:.0f} MB "
                                f"({env_name('unzipped_mb')}; one part at most {whole / 2**20:.0f} MB): "
                                f"a zip bomb or a workbook too large to import / 工作簿解压后过大"))


def read_sheet(book, name: str, source: str) -> SheetCells:
    """The sheet's rows from row 1 (a row without values is ``()``, rows end at their last value),
    its merged ranges and its formulas that have no computed value.  ``book``: an openpyxl workbook
    opened with read_only=True, data_only=True (values as Excel last computed them)."""
    from loaders.readers import ReadError
    try:
        return _read_sheet(book, name, source)
    except ReadError:
        raise
    except Exception as exc:   # malformed XML, a bad cell reference, entities refused by defusedxml…
        raise ReadError(Problem(source, None, None, f"not a readable XLSX sheet: {exc!r}")) from exc


def _read_sheet(book, name: str, source: str) -> SheetCells:
    from openpyxl.worksheet._reader import CELL_TAG, FORMULA_TAG, ROW_TAG, SHEET_MAIN_NS, WorkSheetParser
    from openpyxl.xml.functions import iterparse   # defusedxml's when installed: no entity expansion

    from loaders.readers import ReadError
    merge_tag = f"{{{SHEET_MAIN_NS}}}mergeCell"
    max_columns, max_cells, max_chars = limit("columns"), limit("cells"), limit("cell_chars")

    def refuse(row: int | None, column: str | None, reason: str):
        return ReadError(Problem(source, row, column, reason))

    ws = book[name]
    out = SheetCells()
    parser = WorkSheetParser(None, ws._shared_strings, data_only=True, epoch=book.epoch,
                             date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
    cells_seen = slots = 0
    row_values: dict[int, Any] = {}
    row_formulas = False
    in_cell = 0           # elements opened inside the current <c>
    stack: list[Any] = []
    with _Capped(ws._get_source(), limit("unzipped_mb") * 1024 * 1024) as src:
        for event, element in iterparse(src, events=("start", "end")):
            if event == "start":
                stack.append(element)
                if in_cell:
                    in_cell += 1
                    if in_cell > MAX_CELL_ELEMENTS:
                        raise refuse(parser.row_counter, None, "a cell with too many parts / 单元格结构异常")
                elif element.tag == CELL_TAG:
                    in_cell = 1
                elif element.tag == ROW_TAG:
                    number = element.get("r")
                    parser.row_counter = int(number) if number and number.isdigit() else parser.row_counter + 1
                    parser.col_counter = 0
                    row_values, row_formulas = {}, False
                continue
            stack.pop()
            if in_cell > 1:
                in_cell -= 1
                continue          # part of a cell: kept until the cell ends
            if element.tag == CELL_TAG:
                in_cell = 0
                cells_seen += 1
                if cells_seen > max_cells:
                    raise refuse(parser.row_counter, None, _over("cells", max_cells))
                cell = parser.parse_cell(element)
                value = cell["value"]
                formula = element.find(FORMULA_TAG)
                if formula is not None and (value is None or (formula.get("t") == "shared" and formula.text)):
                    text = parser.parse_formula(element)     # also records shared formulas for later cells
                    if value is None and isinstance(text, str) and cell["column"] <= max_columns:
                        out.formulas[(parser.row_counter, cell["column"])] = text
                        row_formulas = True
                if value is not None and value != "":
                    column = cell["column"]
                    where = f"{get_column_letter(min(column, 18278))}{cell['row']}"
                    if column > max_columns:
                        raise refuse(cell["row"], where, _over("columns", max_columns, f"a value in column {column}"))
                    if isinstance(value, str) and len(value) > max_chars:
                        raise refuse(cell["row"], where, _over("cell_chars", max_chars, f"{len(value)} characters"))
                    row_values[column] = value
            elif element.tag == ROW_TAG:
                number = parser.row_counter
                if number > MAX_ROW or number <= len(out.rows):
                    raise refuse(number, None, f"row number {number} is out of order or past Excel's last row "
                                 f"/ 行号异常")
                if row_values or row_formulas:
                    width = max(row_values, default=0)
                    slots += width
                    if slots > max_cells:
                        raise refuse(number, None, _over("cells", max_cells))
                    out.rows.extend([()] * (number - 1 - len(out.rows)))
                    values = [None] * width
                    for column, value in row_values.items():
                        values[column - 1] = value
                    out.rows.append(tuple(values))
            elif element.tag == merge_tag:
                if len(out.merged) >= max_cells:
                    raise refuse(None, None, _over("cells", max_cells))
                try:
                    out.merged.append(CellRange(element.get("ref")))
                except (TypeError, ValueError):
                    pass          # a malformed range merges nothing
            if stack:
                stack[-1].remove(element)    # done with it: memory stays one cell deep
    return out


def _over(name: str, cap: int, what: str | None = None) -> str:
    kind = {"columns": ("columns", "列数"), "cells": ("cells", "单元格数"), "cell_chars": ("characters in a cell", "单元格字符数")}[name]
    found = f"{what}: " if what else ""
    return f"{found}over the limit of {cap} {kind[0]} ({env_name(name)}) / 超过{kind[1]}上限 {cap}"


class _Capped:
    """A zip member read at most ``cap`` bytes, whatever its header claims."""

    def __init__(self, raw, cap: int):
        self.raw, self.left = raw, cap

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size if size >= 0 else self.left + 1)
        self.left -= len(data)
        if self.left < 0:
            raise ValueError("worksheet larger than the unzipped limit")
        return data

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.raw.close()
