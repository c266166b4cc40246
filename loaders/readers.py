"""Read CSV, TSV, XLSX and JSON Lines into one shape: a header and numbered rows.

Row numbers are the ones a spreadsheet user sees: the header is row 1, the first data row is
row 2 (for JSON Lines, the line number).  Problems that make a whole file unreadable raise
``ReadError`` naming the file (and row/column when there is one).
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loaders.limits import env_name, limit
from loaders.problems import Problem

TEXT_SUFFIXES = {".csv": ",", ".tsv": "\t", ".txt": "\t"}
JSONL_SUFFIXES = {".jsonl", ".json", ".ndjson"}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}
SUPPORTED = set(TEXT_SUFFIXES) | JSONL_SUFFIXES | XLSX_SUFFIXES
# Tried in order when no encoding is given: a BOM wins, then strict UTF-8, then what Excel on
# Chinese Windows writes (GB18030 is a superset of GBK and GB2312).
ENCODINGS = ("utf-8-sig", "gb18030")


class ReadError(Exception):
    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class Table:
    source: str                      # file name, with ``[sheet]`` for a workbook sheet
    header: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)  # (row number, cells)
    encoding: str | None = None


def read_tables(path: str | Path, *, sheet: str | None = None, encoding: str | None = None) -> list[Table]:
    """All tables in a file: one for CSV/TSV/JSONL, one per sheet (or the named sheet) for XLSX."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise ReadError(Problem(str(path), None, None, "file not found / 文件不存在"))
    if suffix in TEXT_SUFFIXES:
        return [_read_delimited(path, TEXT_SUFFIXES[suffix], encoding)]
    if suffix in JSONL_SUFFIXES:
        return [_read_jsonl(path, encoding)]
    if suffix in XLSX_SUFFIXES:
        return _read_xlsx(path, sheet)
    raise ReadError(Problem(str(path), None, None,
                            f"unsupported file type {suffix or '(none)'}; use one of {', '.join(sorted(SUPPORTED))}"))


def decode(path: Path, raw: bytes, encoding: str | None) -> tuple[str, str]:
    if not encoding and raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding = "utf-16"  # Excel's "Unicode Text" export: UTF-16 with a BOM, tab-separated
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise ReadError(Problem(path.name, _line_of(raw, getattr(exc, "start", 0)), None,
                                    f"cannot decode as {encoding}: {exc}")) from exc
    for enc in ENCODINGS:
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            continue
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReadError(Problem(path.name, _line_of(raw, exc.start), None,
                                "unknown text encoding (not UTF-8 nor GBK/GB18030); "
                                "save as UTF-8 or pass --encoding")) from exc
    raise AssertionError("unreachable")


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def _read_delimited(path: Path, delimiter: str, encoding: str | None) -> Table:
    text, used = decode(path, path.read_bytes(), encoding)
    if "\x00" in text:
        raise ReadError(Problem(path.name, None, None,
                                "file contains NUL bytes: it is binary or UTF-16; save it as UTF-8 CSV"))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table = Table(path.name, [], encoding=used)
    max_columns, max_chars = limit("columns"), limit("cell_chars")
    check_cells = len(text) > max_chars     # a shorter file cannot hold a cell past the limit
    try:
        for row in reader:
            line = reader.line_num
            if len(row) > max_columns:
                raise ReadError(Problem(path.name, line, None, too_many_columns(len(row), max_columns)))
            if check_cells and max(map(len, row), default=0) > max_chars:
                raise ReadError(Problem(path.name, line, None, cell_too_long(max(map(len, row)), max_chars)))
            if not table.header:
                if not any(cell.strip() for cell in row):
                    continue  # blank lines before the header
                table.header = [cell.strip() for cell in row]
                continue
            table.rows.append((line, row))
    except csv.Error as exc:
        reason = (f"a cell longer than {csv.field_size_limit()} characters / 单元格内容过长"
                  if "field limit" in str(exc) else f"malformed CSV: {exc}")
        raise ReadError(Problem(path.name, reader.line_num, None, reason)) from exc
    if not table.header:
        raise ReadError(Problem(path.name, None, None, "empty file: no header row / 空文件"))
    _drop_trailing_blank_rows(table)
    return table


def _read_jsonl(path: Path, encoding: str | None) -> Table:
    text, used = decode(path, path.read_bytes(), encoding)
    table = Table(path.name, [], encoding=used)
    keys: dict[str, None] = {}
    objects = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ReadError(Problem(path.name, number, None, f"invalid JSON: {exc.msg}")) from exc
        except RecursionError:
            raise ReadError(Problem(path.name, number, None, "JSON nested too deeply / JSON 嵌套过深")) from None
        if not isinstance(obj, dict):
            raise ReadError(Problem(path.name, number, None, "each line must be a JSON object"))
        keys.update(dict.fromkeys(obj))
        if len(keys) > limit("columns"):
            raise ReadError(Problem(path.name, number, None, too_many_columns(len(keys), limit("columns"))))
        objects.append((number, obj))
    if not objects:
        raise ReadError(Problem(path.name, None, None, "empty file: no JSON objects / 空文件"))
    table.header = list(keys)
    table.rows = [(n, [obj.get(k) for k in table.header]) for n, obj in objects]
    return table


def _read_xlsx(path: Path, sheet: str | None) -> list[Table]:
    import openpyxl
    from loaders.workbook import check_archive, read_sheet
    check_archive(path)     # a zip bomb is refused before anything is unzipped
    try:
        # data_only: formula cells give the value Excel cached when it last saved the file.
        # read_only: sheets are streamed by read_sheet, which reads only the cells holding a value.
        book = openpyxl.load_workbook(path, data_only=True, read_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException…
        raise ReadError(Problem(path.name, None, None, f"not a readable XLSX workbook: {exc}")) from exc
    names = book.sheetnames
    if sheet is not None:
        if sheet not in names:
            raise ReadError(Problem(path.name, None, None, f"no sheet {sheet!r}; sheets: {', '.join(names)}"))
        names = [sheet]
    tables = []
    for name in names:
        source = f"{path.name}[{name}]"
        sheet_cells = read_sheet(book, name, source)
        rows = sheet_cells.rows
        header_at = next((i for i, r in enumerate(rows) if any(_cell_text(c) for c in r)), None)
        if header_at is None:
            if sheet is not None or len(names) == 1:
                raise ReadError(Problem(source, None, None, "empty sheet: no header row / 空工作表"))
            continue
        for merged in sheet_cells.merged:
            if merged.min_row <= header_at + 1 <= merged.max_row:
                raise ReadError(Problem(source, header_at + 1, merged.coord,
                                        "merged cells in the header row: unmerge them so each column has its own header"))
        table = Table(source, [_cell_text(c) for c in rows[header_at]])
        while table.header and not table.header[-1]:
            table.header.pop()
        width = len(table.header)
        for i, row in enumerate(rows[header_at + 1:], start=header_at + 2):
            cells = list(row[:width]) + [None] * (width - len(row))
            for j, value in enumerate(cells):
                if value is None:
                    raw = sheet_cells.formulas.get((i, j + 1))
                    if isinstance(raw, str) and raw.startswith("="):
                        cells[j] = FormulaWithoutValue(
                            f"formula {raw} has no computed value in the file: open and save it in Excel, "
                            f"or paste values / 公式单元格没有计算结果")
            table.rows.append((i, cells))
        _drop_trailing_blank_rows(table)
        tables.append(table)
    return tables


def cell_too_long(found: int, cap: int) -> str:
    return (f"a cell of {found} characters, over the limit of {cap} ({env_name('cell_chars')}) "
            f"/ 单元格字符数超过上限 {cap}")


def too_many_columns(found: int, cap: int) -> str:
    return (f"{found} columns, over the limit of {cap} columns ({env_name('columns')}) "
            f"/ 列数 {found} 超过上限 {cap}")


class CellError(str):
    """A cell that cannot become a value; the string is the reason, reported at its row and column."""


class FormulaWithoutValue(CellError):
    """A formula cell the workbook holds no computed value for (saved by a tool that does not compute)."""


def _cell_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _drop_trailing_blank_rows(table: Table) -> None:
    while table.rows and not any(_cell_text(c) for c in table.rows[-1][1]):
        table.rows.pop()
