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
``map`` (replace values), ``split`` (a list), ``prefix``/``suffix``, ``default``.  Property types come
from the schema registry, so validation is the same as for native files.  Problems name the
source file, row and the source column.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from graph import schema
from graph.store import Store
from loaders.native import Target
from loaders.problems import Problem
from loaders.readers import CellError, ReadError, Table, read_tables
from loaders.safe_regex import PatternError, compile_pattern, search
from loaders.safe_yaml import UnsafeYaml, read_yaml
from loaders.sources import OutsideFolder, find_source

SPEC_KEYS = {"column", "strip", "regex", "map", "split", "prefix", "suffix", "default", "lookup"}
SOURCE_KEYS = {"file", "sheet", "label", "relationship", "where", "id", "from", "to", "properties",
               "constants", "encoding"}


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
        need(isinstance(spec.get("column"), str), f"{key}: needs 'column' (a column name)")
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


def apply_spec(spec: dict[str, Any], raw: Any) -> Any:
    """One source cell through the spec's transforms."""
    value = raw
    if isinstance(value, str) and spec.get("strip", True):
        value = value.strip()
    if value in (None, "") and "default" in spec:
        return spec["default"]
    if value in (None, ""):
        return None
    if "regex" in spec:
        match = search(spec["regex"], str(value))
        if not match:
            return CellError(f"{_shown(value)} does not match the pattern {spec['regex']!r}")
        value = match.group(1) if match.groups() else match.group(0)
    if "map" in spec:
        value = spec["map"].get(value, value)
    if "split" in spec:
        return [f"{spec.get('prefix', '')}{v.strip()}{spec.get('suffix', '')}"
                for v in str(value).split(spec["split"]) if v.strip()]
    if "prefix" in spec or "suffix" in spec:
        value = f"{spec.get('prefix', '')}{value}{spec.get('suffix', '')}"
    return value


def tables_from_mapping(mapping_path: str | Path, paths: list[str | Path], *, encoding: str | None = None,
                        store: Store | None = None):
    """The mapped tables as (table, target, column names) triples, plus file-level problems."""
    doc = load_mapping(mapping_path)
    folders = [Path(p) if Path(p).is_dir() else Path(p).parent for p in paths]
    named = {Path(p).name: Path(p) for p in paths if Path(p).is_file()}
    triples, problems = [], []
    cache: dict[tuple[Path, str | None], list[Table]] = {}
    lookups: dict[tuple[str, str], dict[Any, str]] = {}
    for source in doc["sources"]:
        try:
            path = find_source(source["file"], folders, named)
        except OutsideFolder as exc:
            problems.append(Problem(Path(mapping_path).name, None, f"sources[{source['_entry']}] file", str(exc)))
            continue
        if path is None:
            problems.append(Problem(source["file"], None, None, "file named in the mapping was not found in "
                                    f"{', '.join(str(f) for f in folders)} / 映射文件中的数据文件不存在"))
            continue
        key = (path, source.get("sheet"))
        if key not in cache:
            try:
                cache[key] = read_tables(path, sheet=source.get("sheet"), encoding=source.get("encoding", encoding))
            except ReadError as exc:
                problems.append(exc.problem)
                cache[key] = []
        for table in cache[key]:
            mapped, table_problems = _map_table(source, table, store, lookups)
            problems += table_problems
            if mapped is not None:
                triples.append(mapped)
    return triples, problems


def _map_table(source: dict[str, Any], table: Table, store: Store | None, lookups):
    target: Target = source["_target"]
    specs = dict(_specs(source))
    columns = {name: i for i, name in enumerate(table.header)}
    missing = sorted({s["column"] for s in specs.values() if s["column"] not in columns}
                     | {c for c in (source.get("where") or {}) if c not in columns})
    if missing:
        return None, [Problem(table.source, 1, col, f"column named in the mapping is missing; the file has: "
                              f"{', '.join(table.header)}") for col in missing]
    names = list(specs) + list(source.get("constants") or {})
    header = [specs[n]["column"] for n in specs] + [f"(constant {n})" for n in source.get("constants") or {}]
    where = source.get("where") or {}
    out = Table(table.source, header)
    for number, cells in table.rows:
        if any(_text(cells[columns[c]]) != str(v) for c, v in where.items()):
            continue
        row = []
        for name, spec in specs.items():
            value = apply_spec(spec, cells[columns[spec["column"]]] if columns[spec["column"]] < len(cells) else None)
            if "lookup" in spec and value is not None and not isinstance(value, CellError):
                value = _lookup(spec["lookup"], value, store, lookups)
            row.append(value)
        row += list((source.get("constants") or {}).values())
        out.rows.append((number, row))
    return (out, target, names), []


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
