"""Turn read tables into a load plan, validating everything before anything is written.

Checks: file/sheet names a known label or type, headers, types, required values, allowed values,
ranges, duplicate ids (across all files, since ids are graph-wide), duplicate relationships,
endpoints that exist (in the files or already in the graph) with a label pair the type allows.
Every problem is collected (not only the first) with file:row:column.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable

from loaders.native import Target, resolve_header, target_for
from loaders.problems import Problem
from loaders.readers import CellError, Table
from loaders.spreadsheet_safe import unquote
from loaders.values import convert, is_blank

RelKey = tuple[str, str, str]  # (type, from label, to label)


@dataclass
class Row:
    source: str
    number: int
    cells: list[Any]
    header: dict[str, str]                 # property -> the header text the file used
    values: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    table_header: list[str] = field(default_factory=list)


@dataclass
class LoadPlan:
    node_rows: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    rel_rows: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    problems: list[Problem] = field(default_factory=list)   # problems not tied to one row
    rejected: list[Row] = field(default_factory=list)

    def all_problems(self) -> list[Problem]:
        return self.problems + [p for r in self.rejected for p in r.problems]

    def row_counts(self) -> dict[str, int]:
        """Valid rows per label and per relationship type."""
        counts = {label: len(rows) for label, rows in self.node_rows.items() if rows}
        counts.update({rel_type: len(rows) for rel_type, rows in self.rel_rows.items() if rows})
        return counts

    def nodes(self) -> dict[str, list[dict[str, Any]]]:
        return {label: [r.values for r in rows] for label, rows in self.node_rows.items() if rows}

    def rels(self) -> dict[RelKey, list[dict[str, Any]]]:
        grouped: dict[RelKey, list[dict[str, Any]]] = defaultdict(list)
        for rel_type, rows in self.rel_rows.items():
            for r in rows:
                values = {k: v for k, v in r.values.items() if k not in ("from_label", "to_label")}
                grouped[(rel_type, r.values["from_label"], r.values["to_label"])].append(values)
        return dict(grouped)


def build_plan(tables: list[tuple[Table, Target | None, list[str] | None]],
               lookup_existing: Callable[[list[str]], dict[str, str]]) -> LoadPlan:
    """``tables``: (table, target, property per column); a None target is found from the table's name
    and None properties from its header (native files); mappings give both."""
    plan = LoadPlan()
    node_tables, rel_tables = [], []
    for table, target, names in tables:
        if names is not None:
            (node_tables if target.label else rel_tables).append((table, target, names))
            continue
        target = target or target_for(_stem(table.source))
        if target is None:
            plan.problems.append(Problem(table.source, None, None,
                                         "unknown label or relationship type: name the file or sheet after one "
                                         "(e.g. Enterprise.csv, 企业.csv, SUPPLIES.csv) / 无法识别的文件类型"))
            continue
        names, header_problems = resolve_header(target, table.header)
        if header_problems:
            plan.problems += [Problem(table.source, 1, col, reason) for col, reason in header_problems]
            continue
        (node_tables if target.label else rel_tables).append((table, target, names))

    # Nodes first: relationships are checked against every id the files define.
    ids: dict[str, tuple[str, Row]] = {}
    rejected_ids: dict[str, Row] = {}
    for table, target, names in node_tables:
        for row in _typed_rows(table, target, names):
            node_id = row.values.get("id")
            if node_id is not None and not row.problems:
                if node_id in ids:
                    first_label, first = ids[node_id]
                    row.problems.append(Problem(row.source, row.number, _col(row, "id"),
                                                f"duplicate id {node_id!r}: first at {first.source}:{first.number}"
                                                f" ({first_label}) / 编号重复"))
                else:
                    ids[node_id] = (target.name, row)
            elif node_id is not None:
                rejected_ids.setdefault(node_id, row)
            _file(plan, row, plan.node_rows[target.name])

    rel_rows = []
    for table, target, names in rel_tables:
        rel_rows += [(target, row) for row in _typed_rows(table, target, names)]
    wanted = {row.values[k] for _, row in rel_rows for k in ("from", "to") if row.values.get(k) is not None}
    existing = lookup_existing(sorted(i for i in wanted if i not in ids)) if wanted else {}
    labels = {i: label for i, (label, _) in ids.items()}
    labels.update(existing)
    seen: dict[tuple[str, str, str], Row] = {}
    for target, row in rel_rows:
        if not row.problems:
            _check_endpoints(target, row, labels, rejected_ids)
        if not row.problems:
            key = (target.name, row.values["from"], row.values["to"])
            if key in seen:
                first = seen[key]
                row.problems.append(Problem(row.source, row.number, None,
                                            f"duplicate relationship {key[1]} -[{key[0]}]-> {key[2]}: "
                                            f"first at {first.source}:{first.number} / 关系重复"))
            else:
                seen[key] = row
        _file(plan, row, plan.rel_rows[target.name])
    return plan


def _stem(source: str) -> str:
    if source.endswith("]") and "[" in source:   # workbook sheet: named by the sheet
        return source[source.rindex("[") + 1:-1]
    return source.rsplit(".", 1)[0]


def _col(row: Row, prop: str) -> str:
    return row.header.get(prop, prop)


def _file(plan: LoadPlan, row: Row, bucket: list[Row]) -> None:
    (plan.rejected if row.problems else bucket).append(row)


def _typed_rows(table: Table, target: Target, names: list[str | None]):
    header_of = {name: table.header[i] for i, name in enumerate(names) if name}
    for number, cells in table.rows:
        if all(is_blank(c) for c in cells):
            continue  # blank rows inside a sheet are layout, not data
        row = Row(table.source, number, cells, header_of, {}, table_header=table.header)
        if len(cells) > len(names) and any(not is_blank(c) for c in cells[len(names):]):
            row.problems.append(Problem(table.source, number, None,
                                        f"{len(cells)} cells but the header has {len(names)} columns / 列数多于表头"))
        for i, name in enumerate(names):
            if name is None:
                continue
            cell = cells[i] if i < len(cells) else None
            if name in ("from", "to", "from_label", "to_label"):
                if isinstance(cell, CellError):
                    row.problems.append(Problem(table.source, number, header_of[name], str(cell)))
                    continue
                value = None if is_blank(cell) else unquote(str(cell).strip())   # see spreadsheet_safe
                if value is None and name in ("from", "to"):
                    row.problems.append(Problem(table.source, number, header_of[name], "required value missing / 必填"))
                row.values[name] = value
                continue
            prop = next(p for p in target.props if p.name == name)
            try:
                row.values[name] = convert(prop, cell)
            except ValueError as exc:
                row.problems.append(Problem(table.source, number, header_of[name], str(exc)))
                continue
            if row.values[name] is None and prop.required:
                row.problems.append(Problem(table.source, number, header_of[name], "required value missing / 必填"))
        _derive(target, row, set(header_of))
        yield row


def _derive(target: Target, row: Row, columns: set[str]) -> None:
    """Fill derived properties (a year from a date, days between two dates) from the table's columns."""
    for prop in target.props:
        sources = prop.derived_from.split("..") if prop.derived_from else []
        if not sources or prop.name in columns or not all(s in columns for s in sources):
            continue
        values = [row.values.get(s) for s in sources]
        derived = None
        if all(values) and len(values) == 2:
            derived = (dt.date.fromisoformat(values[1]) - dt.date.fromisoformat(values[0])).days
            if derived < 0:
                row.problems.append(Problem(row.source, row.number, _col(row, sources[1]),
                                            f"ends before it starts ({values[0]} → {values[1]}) / 结束日期早于开始日期"))
                derived = None
        elif all(values):
            derived = int(values[0][:4])
        row.values[prop.name] = derived


def _check_endpoints(target: Target, row: Row, labels: dict[str, str], rejected_ids: dict[str, Row]) -> None:
    for end in ("from", "to"):
        node_id = row.values[end]
        label = labels.get(node_id)
        given = row.values.get(f"{end}_label")
        if label is None and node_id in rejected_ids:
            bad = rejected_ids[node_id]
            row.problems.append(Problem(row.source, row.number, _col(row, end),
                                        f"endpoint {node_id!r} is in a rejected row ({bad.source}:{bad.number}) "
                                        f"/ 端点所在行无效"))
        elif label is None:
            row.problems.append(Problem(row.source, row.number, _col(row, end),
                                        f"unknown id {node_id!r}: not in the input files nor in the graph / 找不到该编号"))
        elif given and given != label:
            row.problems.append(Problem(row.source, row.number, _col(row, f"{end}_label"),
                                        f"{node_id!r} is a {label}, not a {given}"))
        row.values[f"{end}_label"] = label
    if row.problems:
        return
    pair = (row.values["from_label"], row.values["to_label"])
    if pair not in target.rel.pairs:
        allowed = ", ".join(f"{a}→{b}" for a, b in target.rel.pairs)
        row.problems.append(Problem(row.source, row.number, None,
                                    f"{target.name} cannot connect {pair[0]} to {pair[1]}; allowed: {allowed}"))
