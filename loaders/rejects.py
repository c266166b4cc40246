"""Reject files a user can fix and load again.

One file per source file, named and shaped like the source (CSV stays CSV with its delimiter, JSON
Lines stays JSON Lines, a workbook keeps its sheets and any title rows above the header), holding
the rejected rows exactly as the source had them, plus two columns: ``_row`` (the row number in the
source) and ``_problems`` (every problem of that row, in one cell).  Loaders ignore those two
columns, so after fixing the values the folder loads as it is, with the same mapping: a marker file
tells the mapping loader that sources absent from the folder had no rejected rows.

They are written to the folder the user names, or a fresh ``rejects-<timestamp>`` folder in the
current directory — never into an input folder.
"""
from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import Any

from loaders.mapping import REJECTS_MARKER
from loaders.plan import Row
from loaders.readers import JSONL_SUFFIXES, TEXT_SUFFIXES, CellError, Table
from loaders.spreadsheet_safe import neutralise

ROW, PROBLEMS = "_row", "_problems"


def default_folder() -> Path:
    """A new folder in the current directory, so a second load never overwrites the first's rejects."""
    base = Path.cwd() / f"rejects-{time.strftime('%Y%m%d-%H%M%S')}"
    folder, n = base, 1
    while folder.exists():
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    return folder


def write_rejects(rejected: list[Row], sources: dict[str, Table], out_dir: str | Path | None = None) -> list[Path]:
    """Write the rejected source rows; return the files written."""
    if not rejected:
        return []
    folder = Path(out_dir) if out_dir else default_folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / REJECTS_MARKER).write_text(
        "Rejected rows of a ChainGraph load: fix the values, then load this folder again (same mapping).\n"
        "被拒绝的行：修正后可用同一映射重新导入本文件夹。\n", encoding="utf-8")
    problems: dict[str, dict[int, list[str]]] = {}   # source -> row -> problems, in order, once each
    for row in rejected:
        found = problems.setdefault(row.source, {}).setdefault(row.number, [])
        for p in row.problems:
            text = f"{p.column}: {p.reason}" if p.column else p.reason
            if text not in found:
                found.append(text)
    by_file: dict[str, list[str]] = {}
    for source in problems:
        by_file.setdefault(_file_name(source), []).append(source)
    written = []
    for file_name, file_sources in by_file.items():
        target = folder / file_name
        suffix = target.suffix.lower()
        tables = [(sources[s], problems[s]) for s in file_sources]
        if suffix in JSONL_SUFFIXES:
            _write_jsonl(target, tables)
        elif suffix in TEXT_SUFFIXES:
            _write_delimited(target, TEXT_SUFFIXES[suffix], tables[0])
        else:
            _write_xlsx(target, tables)
        written.append(target)
    return written


def _file_name(source: str) -> str:
    return source.split("[", 1)[0] if source.endswith("]") else source


def _rows(table: Table, problems: dict[int, list[str]]):
    for number, cells in table.rows:
        if number in problems:
            cells = [None if isinstance(c, CellError) else c for c in cells]   # a formula without a value
            yield number, "; ".join(problems[number]) or "rejected with a row it depends on / 随关联行一并拒绝", cells


def _write_jsonl(target: Path, tables) -> None:
    with target.open("w", encoding="utf-8") as fh:
        for table, problems in tables:
            for number, why, cells in _rows(table, problems):
                obj = {ROW: number, PROBLEMS: why}
                obj.update({k: v for k, v in zip(table.header, cells) if v is not None})
                fh.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")


def _write_delimited(target: Path, delimiter: str, table_problems) -> None:
    table, problems = table_problems
    with target.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        for line in table.preamble:
            writer.writerow([neutralise(c) for c in line])
        writer.writerow([ROW, PROBLEMS, *table.header])
        for number, why, cells in _rows(table, problems):
            # Text a spreadsheet would run as a formula gets an apostrophe, which loading takes off.
            writer.writerow([number, neutralise(why), *(neutralise(c) for c in cells)])


def _write_xlsx(target: Path, tables) -> None:
    import openpyxl
    book = openpyxl.Workbook()
    book.remove(book.active)
    for table, problems in tables:
        sheet = book.create_sheet(table.source[table.source.rindex("[") + 1:-1] if table.source.endswith("]")
                                  else "Sheet1")
        for line in table.preamble:
            sheet.append([_cell(c) for c in line])
        sheet.append([ROW, PROBLEMS, *table.header])
        for number, why, cells in _rows(table, problems):
            sheet.append([number, neutralise(why), *(_cell(c) for c in cells)])
    book.save(target)


def _cell(value: Any) -> Any:
    return None if isinstance(value, CellError) else neutralise(value)
