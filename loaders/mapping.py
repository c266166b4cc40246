"""Mapping files (YAML): load any layout — a zone's own ledgers, a public dataset — without code.

A mapping lists sources; each turns one file (or sheet) into one label or relationship type::

    sources:
      - file: company.json            # found in the paths given to `chaingraph load`
        sheet: 企业名录                 # optional, for workbooks
        label: Enterprise              # or: relationship: SUPPLIES
        where: {rel: 上游材料}           # optional: only rows whose column has this value
        id: {column: code, regex: '^(\\d{6})', prefix: 'co:'}
        from: {column: from_code, prefix: 'ind:'}      # relationships: endpoints by id…
        to: {column: name, lookup: {label: Enterprise, property: name}}   # …or by a unique property
        properties:
          name: fullname               # shorthand for {column: fullname}
          honours: {column: 荣誉, split: '、'}
          stage: {column: 位置, map: {U: 上游, D: 下游}}
        constants: {in_zone: false}

Column specs take, applied in this order: ``strip`` (default true), ``regex`` (keep the first group),
``map`` (replace values), ``split`` (a list), ``prefix``/``suffix``, ``default``.  Instead of ``column``
a spec may give ``template: '{chain}·{segment}'``, joining several columns (each stripped).  ``split``
on ``id``/``from``/``to`` fans the row out: one node or relationship per value (per pair when both
ends are lists), all reported at the source's row.  ``header_row: 2`` reads a sheet whose header is
below a title row.  Property types come from the schema registry, so validation is the same as for
native files.  Problems name the source file, row and the source column.
"""
from __future__ import annotations

import itertools
import math
import re
from pathlib import Path
from typing import Any

import yaml

from graph import schema
from graph.store import Store
from loaders import credit_code
from loaders.native import Target
from loaders.problems import Problem
from loaders.limits import limit
from loaders.readers import CellError, ReadError, Table, read_tables
from loaders.safe_regex import PatternError, compile_pattern
from loaders.safe_yaml import UnsafeYaml, read_yaml
from loaders.sources import OutsideFolder, find_source

SPEC_KEYS = {"column", "template", "strip", "regex", "map", "split", "prefix", "suffix", "default", "lookup"}
SOURCE_KEYS = {"file", "sheet", "label", "relationship", "where", "id", "from", "to", "properties",
               "constants", "encoding", "header_row"}
TEMPLATE_FIELD = re.compile(r"\{([^{}]+)\}")


class MappingError(Exception):
    pass


SCALAR = (str, int, float, bool, type(None))


def load_mapping(path: str | Path) -> dict[str, Any]:
    """Read and check a mapping: every key, type and name is checked before any file is read."""
    path = Path(path)
    try:
        doc = read_yaml(path)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, UnsafeYaml) as exc:
        raise MappingError(f"{path.name}: cannot read mapping: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("sources"), list) or not doc["sources"]:
        raise MappingError(f"{path.name}: a mapping needs a non-empty 'sources' list")
    for i, source in enumerate(doc["sources"], start=1):
        _check_source(source, f"{path.name}: sources[{i}]")
        source["_entry"] = i
    return doc


def _check_source(source: Any, where: str) -> None:
    def need(ok: bool, message: str) -> None:
        if not ok:
            raise MappingError(f"{where}: {message}")
    need(isinstance(source, dict), "each source must be a mapping of keys")
    need(isinstance(source.get("file"), str) and source["file"].strip() != "", "each source needs 'file' (a file name)")
    unknown = {str(k) for k in source} - SOURCE_KEYS
    need(not unknown, f"unknown key(s) {', '.join(sorted(unknown))}")
    need(("label" in source) != ("relationship" in source), "give exactly one of 'label' or 'relationship'")
    for key in ("sheet", "encoding"):
        need(key not in source or isinstance(source[key], str), f"'{key}' must be text")
    need("header_row" not in source or (isinstance(source["header_row"], int) and not isinstance(
        source["header_row"], bool) and source["header_row"] >= 1), "'header_row' is a row number (1, 2, …)")
    try:
        target = (Target(label=schema.check_label(source["label"])) if "label" in source
                  else Target(rel=schema.check_rel_type(source["relationship"])))
    except ValueError as exc:
        raise MappingError(f"{where}: {exc}") from None
    for key in ("properties", "constants", "where"):
        need(source.get(key) is None or isinstance(source[key], dict), f"'{key}' must be a mapping")
    for key, value in (source.get("where") or {}).items():
        need(isinstance(key, str) and isinstance(value, SCALAR), "'where' maps column names to single values")
    for prop, value in (source.get("constants") or {}).items():
        need(isinstance(value, SCALAR), f"constant {prop!r} must be a single value")
    for prop in list(source.get("properties") or {}) + list(source.get("constants") or {}):
        need(isinstance(prop, str) and prop != "id" and any(p.name == prop for p in target.props),
             f"{target.name} has no property {prop!r}")
    for key in (["id"] if target.label else ["from", "to"]):
        need(key in source, f"{target.name} needs '{key}'")
    for key in ("id", "from", "to"):
        if key in source and key not in (["id"] if target.label else ["from", "to"]):
            need(False, f"'{key}' does not apply to {target.name}")
    for key, raw in _raw_specs(source):
        need(isinstance(raw, (str, dict)), f"{key}: give a column name or a column spec")
        spec = _spec(raw)
        unknown = {str(k) for k in spec} - SPEC_KEYS
        need(not unknown, f"{key}: unknown option(s) {', '.join(sorted(unknown))}")
        need(("column" in spec) != ("template" in spec), f"{key}: give one of 'column' or 'template'")
        need(isinstance(spec.get("column", ""), str), f"{key}: 'column' must be a column name")
        need("template" not in spec or (isinstance(spec["template"], str) and TEMPLATE_FIELD.search(spec["template"])),
             f"{key}: 'template' is text naming columns in braces, e.g. '{{chain}}·{{segment}}'")
        for option in ("regex", "split", "prefix", "suffix"):
            need(option not in spec or isinstance(spec[option], str), f"{key}: '{option}' must be text")
        need("split" not in spec or spec["split"] != "", f"{key}: 'split' needs a separator")
        need("map" not in spec or isinstance(spec["map"], dict), f"{key}: 'map' must be a mapping")
        need("strip" not in spec or isinstance(spec["strip"], bool), f"{key}: 'strip' is true or false")
        need(isinstance(spec.get("default"), SCALAR), f"{key}: 'default' must be a single value")
        if "regex" in spec:
            try:
                compile_pattern(spec["regex"])
            except PatternError as exc:
                raise MappingError(f"{where}: {key}: bad regex {spec['regex']!r}: {exc}") from None
        if "lookup" in spec:
            lookup = spec["lookup"]
            need(isinstance(lookup, dict) and isinstance(lookup.get("label"), str)
                 and isinstance(lookup.get("property"), str), f"{key}: 'lookup' needs label and property")
    source["_target"] = target


def _raw_specs(source: dict[str, Any]):
    for key in ("id", "from", "to"):
        if key in source:
            yield key, source[key]
    for key, value in (source.get("properties") or {}).items():
        yield key, value


def _spec(value: Any) -> dict[str, Any]:
    return {"column": value} if isinstance(value, str) else dict(value)


def _specs(source: dict[str, Any]):
    for key, raw in _raw_specs(source):
        yield key, _spec(raw)


def spec_columns(spec: dict[str, Any]) -> list[str]:
    """The source columns a spec reads."""
    if "template" in spec:
        return TEMPLATE_FIELD.findall(spec["template"])
    return [spec["column"]]


def spec_cell(spec: dict[str, Any], cells: list[Any], columns: dict[str, int]) -> Any:
    """The raw value a spec starts from: its column's cell, or the template filled from the row."""
    def cell(name: str) -> Any:
        i = columns[name]
        return cells[i] if i < len(cells) else None
    if "template" not in spec:
        return cell(spec["column"])
    parts = {name: _text(cell(name)) for name in spec_columns(spec)}
    if not any(parts.values()):
        return None
    return TEMPLATE_FIELD.sub(lambda m: parts[m.group(1)], spec["template"])


def apply_spec(spec: dict[str, Any], raw: Any) -> Any:
    """One source cell through the spec's transforms."""
    return compile_spec(spec)(raw)


def compile_spec(spec: dict[str, Any]):
    """The spec's transforms as one function of a cell (built once per source, called per row)."""
    strip = spec.get("strip", True)
    has_default, default = "default" in spec, spec.get("default")
    regex = compile_pattern(spec["regex"]) if "regex" in spec else None     # RE2: linear time
    mapping, split = spec.get("map"), spec.get("split")
    prefix, suffix = spec.get("prefix", ""), spec.get("suffix", "")
    affix = "prefix" in spec or "suffix" in spec
    if strip and not has_default and regex is None and mapping is None and split is None:
        # The common specs (a column, maybe with a prefix), without the general path's branches.
        def plain(value: Any) -> Any:
            if type(value) is str:
                value = value.strip()
            if value is None or value == "":
                return None
            return f"{prefix}{value}{suffix}" if affix else value
        return plain

    def apply(value: Any) -> Any:
        if strip and isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            return default if has_default else None
        if regex is not None:
            match = regex.search(str(value))
            if not match:
                return CellError(f"{_shown(value)} does not match the pattern {spec['regex']!r}")
            value = match.group(1) if match.groups() else match.group(0)
        if mapping is not None:
            value = mapping.get(value, value)
        if split is not None:
            return [f"{prefix}{v.strip()}{suffix}" for v in str(value).split(split) if v.strip()]
        if affix:
            value = f"{prefix}{value}{suffix}"
        return value
    return apply


def tables_from_mapping(mapping_path: str | Path, paths: list[str | Path], *, encoding: str | None = None,
                        store: Store | None = None, header_row: int | None = None):
    """The mapped tables as (table, target, column names) triples, plus file-level problems.

    A folder of reject files (see loaders/rejects.py) holds only the files that had rejected rows:
    sources whose file is not there are left out instead of reported missing."""
    doc = load_mapping(mapping_path)
    folders = [Path(p) if Path(p).is_dir() else Path(p).parent for p in paths]
    named = {Path(p).name: Path(p) for p in paths if Path(p).is_file()}
    partial = any((f / REJECTS_MARKER).exists() for f in folders)
    triples, problems = [], []
    cache: dict[tuple[Path, str | None], list[Table]] = {}
    lookups: dict[tuple[str, str], dict[Any, str]] = {}
    code_columns: dict[str, set[str]] = {}   # file -> columns some source maps to credit_code
    for source in doc["sources"]:
        spec = (source.get("properties") or {}).get("credit_code")
        if spec is not None and "template" not in _spec(spec):
            code_columns.setdefault(source["file"], set()).add(_spec(spec)["column"])
    for source in doc["sources"]:
        try:
            path = find_source(source["file"], folders, named)
        except OutsideFolder as exc:
            problems.append(Problem(Path(mapping_path).name, None, f"sources[{source['_entry']}] file", str(exc)))
            continue
        if path is None:
            if not partial:
                problems.append(Problem(source["file"], None, None, "file named in the mapping was not found in "
                                        f"{', '.join(str(f) for f in folders)} / 映射文件中的数据文件不存在"))
            continue
        row_at = source.get("header_row", header_row)
        key = (path, source.get("sheet"), row_at)
        if key not in cache:
            try:
                cache[key] = read_tables(path, sheet=source.get("sheet"), encoding=source.get("encoding", encoding),
                                         header_row=row_at)
            except ReadError as exc:
                problems.append(exc.problem)
                cache[key] = []
        for table in cache[key]:
            mapped, table_problems = _map_table(source, table, store, lookups, code_columns.get(source["file"], set()))
            problems += table_problems
            if mapped is not None:
                triples.append(mapped)
    return triples, problems


REJECTS_MARKER = ".chaingraph-rejects"
ENDPOINTS = ("id", "from", "to")


def _map_table(source: dict[str, Any], table: Table, store: Store | None, lookups, code_columns: set[str]):
    target: Target = source["_target"]
    specs = dict(_specs(source))
    columns = {name: i for i, name in enumerate(table.header)}
    missing = sorted({c for s in specs.values() for c in spec_columns(s) if c not in columns}
                     | {c for c in (source.get("where") or {}) if c not in columns})
    if missing:
        return None, [Problem(table.source, table.header_row, col, f"column named in the mapping is missing; the file "
                              f"has: {', '.join(table.header)}") for col in missing]
    constants = source.get("constants") or {}
    names = list(specs) + list(constants)
    header = [s.get("column") or s["template"] for s in specs.values()] + [f"(constant {n})" for n in constants]
    where = [(columns[c], str(v)) for c, v in (source.get("where") or {}).items()]
    # A credit code used as an id or endpoint is normalised (full-width, lower case) like the
    # credit_code property itself, so the id is the code's canonical form.
    canonical = {name for name, s in specs.items() if name in ENDPOINTS and "column" in s
                 and s["column"] in code_columns}
    # Per spec, once: where its value comes from and its transforms (the loop below runs per row).
    plan = []
    for name, spec in specs.items():
        index = columns[spec["column"]] if "template" not in spec else None
        plan.append((index, spec, name in canonical, compile_spec(spec), spec.get("lookup")))
    fan = [i for i, name in enumerate(specs) if name in ENDPOINTS]
    split_ends = [i for i in fan if "split" in list(specs.values())[i]]
    may_fan = bool(split_ends) or any(list(specs.values())[i].get("lookup") for i in fan)
    const_values = list(constants.values())
    out = Table(table.source, header, raw=table, header_row=table.header_row)
    most = int(limit("fanout"))
    for number, cells in table.rows:
        if where and not _where(cells, where):
            continue
        row = []
        width = len(cells)
        for index, spec, code, transform, lookup in plan:
            if index is None:
                cell = spec_cell(spec, cells, columns)
            else:
                cell = cells[index] if index < width else None
            if code and isinstance(cell, str):
                cell = credit_code.normalise(cell)
            value = transform(cell)
            if lookup and value is not None and not isinstance(value, CellError):
                value = ([_lookup(lookup, v, store, lookups) for v in value] if isinstance(value, list)
                         else _lookup(lookup, value, store, lookups))
            row.append(value)
        row += const_values
        if split_ends and any(row[i] in (None, []) for i in split_ends):
            continue               # an empty list cell: no relationship (or node) from this row
        lists = [i for i in fan if isinstance(row[i], list)] if may_fan else None
        if not lists:
            out.rows.append((number, row))
            continue
        # Fan-out: one record per value of a list-valued id or endpoint (per pair for two lists), bounded:
        # two lists of a few thousand values each would otherwise make millions of records from one row.
        records = math.prod(len(row[i]) for i in lists)
        if records > most:      # reported at the row's first list cell, so --skip-invalid can skip it
            row[lists[0]] = CellError(f"this row fans out to {records:,} records (more than {most:,}, "
                                      f"CHAINGRAPH_MAX_FANOUT) / 本行展开为 {records:,} 条记录，超过上限")
            for i in lists[1:]:      # one value stands in, so the row has one problem, not one per list
                row[i] = row[i][0]
            out.rows.append((number, row))
            continue
        for combo in itertools.product(*(row[i] for i in lists)):
            one = list(row)
            for i, value in zip(lists, combo):
                one[i] = value
            out.rows.append((number, one))
    return (out, target, names), []


def _where(cells: list[Any], where: list[tuple[int, str]]) -> bool:
    for i, wanted in where:
        cell = cells[i] if i < len(cells) else None
        if (cell.strip() if type(cell) is str else _text(cell)) != wanted:
            return False
    return True


def _shown(value: Any, limit: int = 80) -> str:
    """A cell quoted in a problem, shortened: reports echo input, they need not echo all of it."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(str(value))} characters)"


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _lookup(spec: dict[str, str], value: Any, store: Store | None, lookups) -> Any:
    """Find an endpoint's id by a unique property (name, credit code…) in the graph."""
    label, prop = spec.get("label"), spec.get("property")
    try:
        node = schema.check_label(label)
    except ValueError as exc:
        return CellError(str(exc))
    if node.prop(prop) is None:
        return CellError(f"{label} has no property {prop!r} to look up by")
    if store is None:
        return CellError("lookups need a store")
    key = (label, prop)
    if prop == "credit_code" and isinstance(value, str):
        value = credit_code.normalise(value)      # stored codes are canonical (full-width, lower case folded)
    if key not in lookups:
        index: dict[Any, str] = {}
        for row in store.read(f"MATCH (n:{label}) RETURN n.{schema._quote(prop)} AS v, n.id AS id"):
            index[row["v"]] = "" if row["v"] in index else row["id"]   # "" marks an ambiguous value
        lookups[key] = index
    found = lookups[key].get(value)
    if found is None:
        return CellError(f"no {label} with {prop} = {value!r} in the graph")
    if found == "":
        return CellError(f"several {label} nodes have {prop} = {value!r}: cannot tell which")
    return found
