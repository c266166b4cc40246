"""Vectorised validation for large native CSV/TSV files (pyarrow, no Python loop per row).

The row-by-row validator (loaders/plan.py) is the reference: it explains every problem at its
file, row and column.  This module only takes the common case fast: well-formed UTF-8 files whose
every value is in a canonical form (``2025-03-31``, ``12``, ``0.5``, ``true``…).  It accepts a set
of files only when it can prove the reference would accept every row with the same values; on
anything else (a problem, or a form it does not handle) it declines and the reference runs, so
errors read the same whichever path a load takes.  tests/test_columnar.py checks the two agree.
"""
from __future__ import annotations

import csv
import io
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from graph.schema import Prop
from loaders.limits import limit
from loaders.native import Target, resolve_header, target_for
from loaders.plan import RelKey, _stem
from loaders.spreadsheet_safe import QUOTED_PATTERN
from loaders.values import FALSE, TRUE, _to_list

DELIMITERS = {".csv": ",", ".tsv": "\t", ".txt": "\t"}
# Python's str.strip() removes these; a value with one at either end is not canonical.
_SPACE = r"[\t-\r\x1c-\x1f\x85\p{Z}]"
EDGE_SPACE = f"^{_SPACE}|{_SPACE}$"
INT = r"^[+-]?[0-9]+$"
FLOAT = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


class Declined(Exception):
    """The fast path cannot vouch for this input; the row-by-row validator takes over."""


@dataclass
class ColumnarPlan:
    """Typed columns ready for a bulk write: per label and per (type, from label, to label)."""
    node_tables: dict[str, list[pa.Table]] = field(default_factory=dict)
    rel_tables: dict[RelKey, list[pa.Table]] = field(default_factory=dict)
    problems: list = field(default_factory=list)     # always empty: problems make it decline
    rejected: list = field(default_factory=list)

    def all_problems(self) -> list:
        return []

    def row_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for label, tables in self.node_tables.items():
            counts[label] = sum(t.num_rows for t in tables)
        for (rel_type, _, _), tables in self.rel_tables.items():
            counts[rel_type] = counts.get(rel_type, 0) + sum(t.num_rows for t in tables)
        return counts

    def nodes(self) -> dict[str, list[dict]]:
        return {label: [r for t in tables for r in t.to_pylist()] for label, tables in self.node_tables.items()}

    def rels(self) -> dict[RelKey, list[dict]]:
        return {key: [r for t in tables for r in t.to_pylist()] for key, tables in self.rel_tables.items()}


def plan_files(files: list[Path], existing_labels) -> ColumnarPlan:
    """Validate native delimited files column-wise; raise Declined when the reference must run.

    ``existing_labels(ids: pa.Array) -> (ids, labels)`` gives the labels of ids already in the store."""
    node_tables, rel_tables = [], []
    # Files are read and checked in parallel: pyarrow releases the GIL in its kernels.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        for target, table in pool.map(_read, files):
            (node_tables if target.label else rel_tables).append((target, table))
    plan = ColumnarPlan()
    for target, table in node_tables:
        plan.node_tables.setdefault(target.name, []).append(table)
    ids = _concat([t.column("id") for _, t in node_tables])
    labels = _concat([pa.repeat(target.name, t.num_rows) for target, t in node_tables])  # type: ignore[arg-type]
    # One hash lookup resolves every relationship endpoint and finds duplicate ids: building the
    # lookup is the costly part (once, not once per file), and an id's position maps to itself
    # only if no earlier row has the same id.
    ends = _chunked([t.column(k) for _, t in rel_tables for k in ("from", "to")])
    found = pc.index_in(_chunked([ids, ends]), ids)
    own = found.slice(0, len(ids)).to_numpy(zero_copy_only=False)
    if (own != np.arange(len(ids))).any():
        raise Declined("duplicate ids")
    found = found.slice(len(ids))
    if not rel_tables:
        return plan
    if found.null_count:
        missing = pc.unique(ends.filter(pc.is_null(found)))
        stored_ids, stored_labels = existing_labels(missing)
        if len(stored_ids) != len(missing):
            raise Declined("relationship endpoints not in the files nor in the graph")
        ids, labels = pa.concat_arrays([ids, stored_ids]), pa.concat_arrays([labels, stored_labels])
        found = pc.index_in(ends, ids)
    label_names = pc.unique(labels).to_pylist()
    label_codes = pc.index_in(labels, pa.array(label_names, pa.string()))
    end_labels = pc.take(label_codes, found)
    offset = 0
    for target, table in rel_tables:
        n = table.num_rows
        froms, tos = end_labels.slice(offset, n), end_labels.slice(offset + n, n)
        keys = pc.add(pc.multiply(pc.cast(found.slice(offset, n), pa.int64()), len(ids)),
                      pc.cast(found.slice(offset + n, n), pa.int64()))
        offset += 2 * n
        for key, part in _split_by_pair(target, table, froms, tos, label_names, keys):
            plan.rel_tables.setdefault(key, []).append(part)
    for rel_type in {key[0] for key in plan.rel_tables}:
        pair_keys = np.sort(_concat([t.column("_key") for key, ts in plan.rel_tables.items()
                                     if key[0] == rel_type for t in ts]).to_numpy())
        if (pair_keys[1:] == pair_keys[:-1]).any():   # sorting beats hashing for int64 keys
            raise Declined(f"duplicate {rel_type} relationships")
    for key, tables in plan.rel_tables.items():
        plan.rel_tables[key] = [t.drop_columns(["_key"]) for t in tables]
    return plan


def _chunked(arrays) -> pa.ChunkedArray:
    """Columns side by side without copying them (the kernels take chunked input)."""
    chunks = [c for a in arrays for c in (a.chunks if isinstance(a, pa.ChunkedArray) else [a])]
    return pa.chunked_array(chunks, type=pa.string())


def _concat(arrays) -> pa.Array:
    arrays = [a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a for a in arrays]
    return pa.concat_arrays(arrays) if arrays else pa.array([], pa.string())


def _read(path: Path) -> tuple[Target, pa.Table]:
    delimiter = DELIMITERS.get(path.suffix.lower())
    target = target_for(_stem(path.name))
    if delimiter is None or target is None:
        raise Declined(f"{path.name}: not a native delimited file")
    raw = path.read_bytes()
    if b"\x00" in raw or b'"' in raw:
        # NUL bytes are refused by the reference; quoted fields follow Python's csv rules, which
        # the reference applies exactly.
        raise Declined(f"{path.name}: quotes or NUL bytes")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    first_line, _, _ = raw.partition(b"\n")
    try:
        header = [c.strip() for c in next(csv.reader(io.StringIO(first_line.decode("utf-8")), delimiter=delimiter))]
    except (UnicodeDecodeError, StopIteration):
        raise Declined(f"{path.name}: header") from None
    if len(header) > limit("columns"):
        raise Declined(f"{path.name}: too many columns")    # the reference names the limit
    names, problems = resolve_header(target, header)
    if problems or not any(header):
        raise Declined(f"{path.name}: header problems")
    try:
        table = pacsv.read_csv(
            pa.BufferReader(raw),
            read_options=pacsv.ReadOptions(column_names=[f"c{i}" for i in range(len(header))], skip_rows=1),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char=False),
            convert_options=pacsv.ConvertOptions(column_types={f"c{i}": pa.string() for i in range(len(header))},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, UnicodeDecodeError):
        raise Declined(f"{path.name}: not plain UTF-8 with one cell per header column") from None
    table = table.select([f"c{i}" for i, n in enumerate(names) if n]).rename_columns([n for n in names if n])
    if _longest_cell(table) > limit("cell_chars"):
        raise Declined(f"{path.name}: a cell past the length limit")   # the reference names it
    table = _drop_blank_rows(table)
    return target, _typed(path.name, target, table)


def _longest_cell(table: pa.Table) -> int:
    """The longest cell in UTF-8 bytes (at least its length in characters), from the string offsets."""
    longest = 0
    for col in table.columns:
        for chunk in col.chunks:
            if len(chunk):
                offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset:chunk.offset + len(chunk) + 1]
                longest = max(longest, int(np.diff(offsets).max()))
    return longest


def _drop_blank_rows(table: pa.Table) -> pa.Table:
    """Rows of empty cells are layout (the reference skips them).  A cell of spaces only is blank to
    the reference too, but never canonical here, so such a row makes the fast path decline later."""
    if table.num_rows == 0 or table.num_columns == 0:
        return table
    empty = _empty_cells(table.column(0))
    if not empty.any():
        return table   # the common case, found at the first column
    for col in table.columns[1:]:
        empty &= _empty_cells(col)
    return table.filter(pa.array(~empty))


def _empty_cells(col: pa.ChunkedArray) -> np.ndarray:
    # From the string offsets (two equal neighbours = an empty cell): far cheaper than utf8_length.
    parts = []
    for chunk in col.chunks:
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset:chunk.offset + len(chunk) + 1]
        parts.append(np.diff(offsets) == 0)
    return np.concatenate(parts) if parts else np.zeros(0, bool)


def _typed(source: str, target: Target, table: pa.Table) -> pa.Table:
    columns: dict[str, pa.Array] = {}
    for name in table.column_names:
        col = table.column(name).combine_chunks()
        if pc.any(pc.match_substring_regex(col, QUOTED_PATTERN)).as_py():
            # '=… from a formula-safe export: the row-by-row reader takes one apostrophe off.
            raise Declined(f"{source}: {name} has apostrophe-quoted values")
        if name in ("from", "to", "from_label", "to_label"):
            # No check needed here: an id or label with a stray space or a blank one matches no
            # stored or loaded id (those are canonical), so the lookup declines.
            columns[name] = col
            continue
        prop = next(p for p in target.props if p.name == name)
        columns[name] = _convert(source, prop, col)
    for prop in target.props:
        if prop.required and prop.derived_from is None and (
                prop.name not in columns or columns[prop.name].null_count):
            raise Declined(f"{source}: {prop.name} missing")
    _derive(source, target, columns)
    return pa.table(columns)


def _convert(source: str, prop: Prop, col: pa.Array) -> pa.Array:
    """The column as the property's type; blanks become nulls; Declined on any non-canonical value."""
    blank = pc.equal(col, "")
    text = pc.if_else(blank, pa.scalar(None, pa.string()), col)

    def require(ok: pa.Array, why: str) -> None:
        if not pc.all(pc.or_(blank, pc.fill_null(ok, False)), min_count=0).as_py():
            raise Declined(f"{source}: {prop.name}: {why}")

    kind = prop.kind
    if kind in ("str", "list") and pc.any(pc.match_substring_regex(col, EDGE_SPACE)).as_py():
        # Numbers, dates and booleans need no such check: their patterns admit no spaces.
        raise Declined(f"{source}: {prop.name} has values with surrounding spaces")
    if kind in ("str", "date"):
        if kind == "date":
            require(pc.match_substring_regex(col, DATE), "not an ISO date")
            parsed = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
            # strptime rolls 2025-02-30 over to March: a real date formats back to itself.
            real = pc.and_(pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), text), pc.greater_equal(pc.year(parsed), 1))
            require(real, "not a real date")
        values = text
    elif kind in ("int", "float"):
        pattern, arrow_type = (INT, pa.int64()) if kind == "int" else (FLOAT, pa.float64())
        require(pc.match_substring_regex(col, pattern), f"not a plain {kind}")
        try:
            values = pc.cast(text, arrow_type)
        except pa.ArrowInvalid:   # e.g. an integer beyond 64 bits
            raise Declined(f"{source}: {prop.name}: out of range") from None
        if kind == "float":
            require(pc.is_finite(values), "not finite")
    elif kind == "bool":
        lowered = pc.utf8_lower(col)
        is_true, is_false = pc.is_in(lowered, pa.array(sorted(TRUE))), pc.is_in(lowered, pa.array(sorted(FALSE)))
        require(pc.or_(is_true, is_false), "not true/false")
        values = pc.if_else(blank, pa.scalar(None, pa.bool_()), is_true)
    else:  # list: split per cell (rare and short); the reference's own splitter keeps them identical
        values = pa.array([None if v is None else _to_list(v) for v in text.to_pylist()],
                          pa.list_(pa.string()))
    if prop.allowed is not None:
        items = pc.list_flatten(values) if kind == "list" else values
        if not pc.all(pc.or_(pc.is_null(items), pc.is_in(items, pa.array(prop.allowed))), min_count=0).as_py():
            raise Declined(f"{source}: {prop.name}: value not allowed")
    if prop.minimum is not None and pc.any(pc.less(values, prop.minimum)).as_py():
        raise Declined(f"{source}: {prop.name}: below minimum")
    if prop.maximum is not None and pc.any(pc.greater(values, prop.maximum)).as_py():
        raise Declined(f"{source}: {prop.name}: above maximum")
    return values


def _derive(source: str, target: Target, columns: dict[str, pa.Array]) -> None:
    """Derived properties (year of a date, days between two dates), as the reference computes them."""
    for prop in target.props:
        sources = prop.derived_from.split("..") if prop.derived_from else []
        if not sources or prop.name in columns or not all(s in columns for s in sources):
            continue
        if len(sources) == 1:
            derived = pc.cast(pc.utf8_slice_codeunits(columns[sources[0]], 0, 4), pa.int64())
        else:
            start, end = (pc.strptime(columns[s], format="%Y-%m-%d", unit="s") for s in sources)
            days = pc.divide(pc.cast(pc.subtract(end, start), pa.int64()), 86400)
            if pc.any(pc.less(days, 0)).as_py():
                raise Declined(f"{source}: {prop.name}: ends before it starts")
            derived = days
        # The reference does not range-check derived values either; keep the two identical.
        columns[prop.name] = derived


def _split_by_pair(target: Target, table: pa.Table, froms: pa.Array, tos: pa.Array, label_names: list[str],
                   keys: pa.Array):
    """One table per (from label, to label): LadybugDB copies each pair separately.  ``froms``/``tos``
    are codes into ``label_names``; ``keys`` identify each (from, to) pair for the duplicate check."""
    for end, codes in (("from", froms), ("to", tos)):
        if f"{end}_label" in table.column_names:
            given = pc.take(pa.array(label_names, pa.string()), codes)
            if not pc.all(pc.equal(table.column(f"{end}_label"), given), min_count=0).as_py():
                raise Declined(f"{target.name}: {end}_label disagrees with the graph")
    keep = ["from", "to"] + [p.name for p in target.rel.props if p.name in table.column_names]
    table = table.select(keep).append_column("_key", keys)
    pair_code = pc.add(pc.multiply(pc.cast(froms, pa.int32()), len(label_names)), pc.cast(tos, pa.int32()))
    for code in pc.unique(pair_code).to_pylist():
        a, b = label_names[code // len(label_names)], label_names[code % len(label_names)]
        if (a, b) not in target.rel.pairs:
            raise Declined(f"{target.name} cannot connect {a} to {b}")
        yield (target.name, a, b), table.filter(pc.equal(pair_code, code))
