"""Turn read tables into a load plan, validating everything before anything is written.

Checks: file/sheet names a known label or type, headers, types, required values, allowed values,
ranges, duplicate ids (across all files, since ids are graph-wide), duplicate relationships,
endpoints that exist (in the files or already in the graph) with a label pair the type allows.
Every problem is collected (not only the first) with file:row:column.

A source row is the unit of acceptance: when any record made from it (a mapping can make a firm, its
party organisation and its segment link from one row) has a problem, the whole row is rejected, and
records elsewhere that point at an id only that row defined are rejected too, naming it.  A record
identical to an earlier one (same id or same relationship, same values) is merged with a note.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable

from loaders import credit_code
from loaders.matching import FirmIndex, Match, name_key
from loaders.native import Target, resolve_header, target_for
from loaders.problems import Problem
from loaders.readers import CellError, Table
from loaders.spreadsheet_safe import unquote
from loaders.values import convert, is_blank

RelKey = tuple[str, str, str]  # (type, from label, to label)


@dataclass(slots=True)
class Row:
    source: str
    number: int
    cells: list[Any]
    header: dict[str, str]                 # property -> the header text the file used
    values: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    table_header: list[str] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)      # accepted, but worth telling (normalised values)

    @property
    def origin(self) -> tuple[str, int]:
        """The source row this record came from (a mapping can make several records from one row)."""
        return self.source, self.number


@dataclass
class LoadPlan:
    node_rows: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    rel_rows: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    problems: list[Problem] = field(default_factory=list)   # problems not tied to one row
    rejected: list[Row] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)      # merged duplicates, normalised values
    matches: list[Match] = field(default_factory=list)      # each firm row: matched / new / ambiguous
    sources: dict[str, Table] = field(default_factory=dict)  # source name -> the table as read (for rejects)

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
               lookup_existing: Callable[[list[str]], dict[str, str]],
               stored_firms: Callable[[], list[dict[str, Any]]] | None = None) -> LoadPlan:
    """``tables``: (table, target, property per column); a None target is found from the table's name
    and None properties from its header (native files); mappings give both.  ``stored_firms()`` gives
    the graph's firms (id, name, credit_code) to match new firm rows against."""
    plan = LoadPlan()
    node_tables, rel_tables = [], []
    for table, target, names in tables:
        plan.sources.setdefault(table.source, table.raw or table)
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
            plan.problems += [Problem(table.source, table.header_row, col, reason) for col, reason in header_problems]
            continue
        (node_tables if target.label else rel_tables).append((table, target, names))

    node_rows = [(target, row) for table, target, names in node_tables for row in _typed_rows(table, target, names)]
    rel_rows = [(target, row) for table, target, names in rel_tables for row in _typed_rows(table, target, names)]
    aliases = _match_firms(plan, [row for target, row in node_rows if target.name == "Enterprise"], stored_firms)
    for _, row in rel_rows:
        for end in ("from", "to"):
            if row.values.get(end) in aliases:
                row.values[end] = aliases[row.values[end]]
    file_ids = {row.values.get("id") for _, row in node_rows}
    wanted = {row.values[k] for _, row in rel_rows for k in ("from", "to") if row.values.get(k) is not None}
    existing = lookup_existing(sorted(i for i in wanted if i not in file_ids)) if wanted else {}

    # Rejecting a row can orphan records elsewhere, whose rows are then rejected too: repeat until
    # no new row is rejected (in practice two or three rounds).
    bad = {row.origin for _, row in node_rows + rel_rows if row.problems}
    passed: set[int] = set()     # relationship rows whose endpoints were found (re-checked only if one is lost)
    while True:
        newly: set[tuple[str, int]] = set()
        merged: set[int] = set()
        ids: dict[str, tuple[str, Row]] = {}
        rejected_ids: dict[str, Row] = {}
        for target, row in node_rows:
            node_id = row.values.get("id")
            if row.origin in bad:
                if node_id is not None:
                    rejected_ids.setdefault(node_id, row)
                continue
            if node_id not in ids:
                ids[node_id] = (target.name, row)
                continue
            first_label, first = ids[node_id]
            if first_label == target.name and first.values == row.values:
                merged.add(id(row))
                row.notes = [Problem(row.source, row.number, _col(row, "id"), f"same as {first.source}:{first.number} "
                                     f"({node_id!r}): merged / 与该行相同，已合并")]
                continue
            row.problems.append(Problem(row.source, row.number, _col(row, "id"),
                                        f"duplicate id {node_id!r}: first at {first.source}:{first.number}"
                                        f" ({first_label}) / 编号重复"))
            newly.add(row.origin)
        labels = {i: label for i, (label, _) in ids.items()}
        labels.update(existing)
        seen: dict[tuple[str, str, str], Row] = {}
        for target, row in rel_rows:
            if row.origin in bad:
                continue
            values = row.values
            if id(row) not in passed or any(values[end] in rejected_ids and values[end] not in labels
                                            for end in ("from", "to")):
                _check_endpoints(target, row, labels, rejected_ids)
                if row.problems:
                    newly.add(row.origin)
                    continue
                passed.add(id(row))
            key = (target.name, row.values["from"], row.values["to"])
            first = seen.get(key)
            if first is None:
                seen[key] = row
            elif first.values == row.values:
                merged.add(id(row))
                row.notes = [Problem(row.source, row.number, None, f"same relationship {key[1]} -[{key[0]}]-> {key[2]} "
                                     f"as {first.source}:{first.number}: merged / 关系重复，已合并")]
            else:
                row.problems.append(Problem(row.source, row.number, None,
                                            f"duplicate relationship {key[1]} -[{key[0]}]-> {key[2]} with other values: "
                                            f"first at {first.source}:{first.number} / 关系重复且取值不同"))
                newly.add(row.origin)
        if not newly:
            break
        bad |= newly
    for target, row in node_rows:
        _file(plan, row, plan.node_rows[target.name], bad, merged)
    for target, row in rel_rows:
        _file(plan, row, plan.rel_rows[target.name], bad, merged)
    for m in plan.matches:
        if (m.file, m.row) in bad and m.status != "ambiguous":
            m.status = "rejected"
    return plan


def _match_firms(plan: LoadPlan, rows: list[Row], stored_firms) -> dict[str, str]:
    """Match firm rows to stored firms (see loaders/matching.py); record each row's outcome in
    ``plan.matches`` and return the ids to rewrite (row id -> stored id)."""
    rows = [r for r in rows if not r.problems and r.values.get("id") is not None]
    if not rows:
        return {}
    index = FirmIndex(stored_firms() if stored_firms else [])
    aliases: dict[str, str] = {}
    first_by_name: dict[str, Row] = {}
    for row in rows:
        node_id, name, code = row.values["id"], row.values.get("name"), row.values.get("credit_code")
        status, how, other = index.match(node_id, name, code)
        if status == "new" and name:
            first = first_by_name.setdefault(name_key(name), row)
            if first.values["id"] != node_id:
                status, how, other = "ambiguous", "name", f"{first.values['id']} ({first.values.get('name')}) at " \
                                             f"{first.source}:{first.number}"
        if status == "ambiguous":
            row.problems.append(Problem(row.source, row.number, _col(row, "name"),
                                        f"a firm named like {name!r} already exists: {other}; give its id or "
                                        f"统一社会信用代码 to update it, or a distinguishing name / 同名企业，无法确定是否同一企业"))
        elif status == "matched" and other != node_id:
            aliases[node_id] = other
            row.values["id"] = other
            row.notes.append(Problem(row.source, row.number, _col(row, how),
                                     f"matched stored firm {other!r} by {how}: updates it / 已匹配图中企业"))
        plan.matches.append(Match(row.source, row.number, node_id, name or "", status, how, other))
    return aliases


def _stem(source: str) -> str:
    if source.endswith("]") and "[" in source:   # workbook sheet: named by the sheet
        return source[source.rindex("[") + 1:-1]
    return source.rsplit(".", 1)[0]


def _col(row: Row, prop: str) -> str:
    return row.header.get(prop, prop)


def _file(plan: LoadPlan, row: Row, bucket: list[Row], bad: set[tuple[str, int]], merged: set[int]) -> None:
    if row.origin in bad:
        plan.rejected.append(row)
        return
    plan.notes += row.notes
    if id(row) not in merged:
        bucket.append(row)


def _typed_rows(table: Table, target: Target, names: list[str | None]):
    header_of = {name: table.header[i] for i, name in enumerate(names) if name}
    props = {p.name: p for p in target.props}
    fields = [(i, name, header_of[name], props.get(name)) for i, name in enumerate(names) if name]
    derives = _derivable(target, set(header_of))
    source, width = table.source, len(names)
    for number, cells in table.rows:
        first = cells[0] if cells else None
        if not (type(first) is str and first.strip()) and _blank_row(cells):
            continue  # blank rows inside a sheet are layout, not data
        row = Row(source, number, cells, header_of, {}, table_header=table.header)
        values, n = row.values, len(cells)
        if n > width and any(not is_blank(c) for c in cells[width:]):
            row.problems.append(Problem(source, number, None,
                                        f"{n} cells but the header has {width} columns / 列数多于表头"))
        for i, name, column, prop in fields:
            cell = cells[i] if i < n else None
            if prop is None:    # from, to, from_label, to_label: ids and labels, as text
                if type(cell) is str:
                    value = cell.strip()
                    value = (unquote(value) if value[0] == "'" else value) if value else None   # see spreadsheet_safe
                elif isinstance(cell, CellError):
                    row.problems.append(Problem(source, number, column, str(cell)))
                    continue
                else:
                    value = None if is_blank(cell) else unquote(str(cell).strip())   # see spreadsheet_safe
                if value is None and name in ("from", "to"):
                    row.problems.append(Problem(source, number, column, "required value missing / 必填"))
                values[name] = value
                continue
            if type(cell) is str and prop.kind == "str" and prop.allowed is None:
                # What convert() gives for plain text (stripped, one formula-safe apostrophe off), faster.
                value = cell.strip()
                value = (unquote(value).strip() if value[0] == "'" else value) if value else None
            else:
                try:
                    value = convert(prop, cell)
                except ValueError as exc:
                    row.problems.append(Problem(source, number, column, str(exc)))
                    continue
            values[name] = value
            if value is None and prop.required:
                row.problems.append(Problem(source, number, column, "required value missing / 必填"))
            elif name == "credit_code" and value is not None:
                _check_credit_code(row, column)
        if derives:
            _derive(derives, row)
        yield row


def _blank_row(cells: list[Any]) -> bool:
    for c in cells:
        if c is None or c == "" or is_blank(c):
            continue
        return False
    return True


def _derivable(target: Target, columns: set[str]) -> list[tuple[Any, list[str]]]:
    """Derived properties the table's columns allow (and do not give themselves)."""
    out = []
    for prop in target.props:
        sources = prop.derived_from.split("..") if prop.derived_from else []
        if sources and prop.name not in columns and all(s in columns for s in sources):
            out.append((prop, sources))
    return out


def _derive(derives: list[tuple[Any, list[str]]], row: Row) -> None:
    """Fill derived properties (a year from a date, days between two dates) from the table's columns."""
    for prop, sources in derives:
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


def _check_credit_code(row: Row, column: str) -> None:
    raw = row.values["credit_code"]
    code, why, changed = credit_code.check(raw)
    if why:
        row.problems.append(Problem(row.source, row.number, column, why))
        return
    row.values["credit_code"] = code
    if changed:
        row.notes.append(Problem(row.source, row.number, column, f"统一社会信用代码 {raw!r} read as {code!r} "
                                 f"(full-width / lower case normalised) / 已规范为半角大写"))


# Relationship types between firms where both ends being one firm makes no sense.
NO_SELF_LOOPS = {"SUPPLIES", "SUBSIDIARY_OF"}


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
    if target.name in NO_SELF_LOOPS and row.values["from"] == row.values["to"]:
        row.problems.append(Problem(row.source, row.number, _col(row, "to"),
                                    f"{row.values['from']!r} cannot be its own {target.name} partner "
                                    f"(from = to) / 起点与终点是同一企业"))
        return
    pair = (row.values["from_label"], row.values["to_label"])
    if pair not in target.rel.pairs:
        allowed = ", ".join(f"{a}→{b}" for a, b in target.rel.pairs)
        row.problems.append(Problem(row.source, row.number, None,
                                    f"{target.name} cannot connect {pair[0]} to {pair[1]}; allowed: {allowed}"))
