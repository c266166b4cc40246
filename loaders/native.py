"""The native import format: one file per node label and per relationship type.

A file's name says what it holds: ``Enterprise.csv`` or ``企业.xlsx`` (a label, in English or
Chinese), ``SUPPLIES.csv`` or ``供应.csv`` (a relationship type).  In a workbook each sheet is
named the same way.  Headers may be the property names or their Chinese names/aliases from
graph/schema.py.  A relationship file has ``from`` and ``to`` columns holding node ids, and may
have ``from_label``/``to_label``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from graph import schema
from graph.schema import NodeLabel, Prop, RelType

FROM_ALIASES = ("from", "from_id", "source", "start", "起点", "起点编号", "来源编号", "起点ID")
TO_ALIASES = ("to", "to_id", "target", "end", "终点", "终点编号", "目标编号", "终点ID")
FROM_LABEL_ALIASES = ("from_label", "起点类型")
TO_LABEL_ALIASES = ("to_label", "终点类型")
# Columns a reject file adds (loaders/rejects.py): ignored, so a fixed reject file loads as it is.
REJECT_COLUMNS = ("_row", "_problems")


@dataclass(frozen=True)
class Target:
    """What a table loads into: a node label or a relationship type."""
    label: NodeLabel | None = None
    rel: RelType | None = None

    @cached_property        # read once per row by the planner
    def name(self) -> str:
        return self.label.name if self.label else self.rel.name

    @property
    def props(self) -> tuple[Prop, ...]:
        return self.label.props if self.label else self.rel.props


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-()（）]", "", text).lower()


def target_for(name: str) -> Target | None:
    """The label or relationship type a file or sheet name stands for (None if unknown)."""
    stem = _norm(name)
    for label in schema.NODE_LABELS:
        if stem in (_norm(label.name), _norm(label.zh)):
            return Target(label=label)
    for rel in schema.REL_TYPES:
        if stem in (_norm(rel.name), _norm(rel.zh)):
            return Target(rel=rel)
    return None


def header_map(target: Target) -> dict[str, str]:
    """Normalised header text -> property name (or from/to/from_label/to_label)."""
    mapping: dict[str, str] = {}
    for prop in target.props:
        for alias in (prop.name, prop.zh, *prop.aliases):
            if alias:
                mapping.setdefault(_norm(alias), prop.name)
    if target.rel:
        for key, aliases in (("from", FROM_ALIASES), ("to", TO_ALIASES),
                             ("from_label", FROM_LABEL_ALIASES), ("to_label", TO_LABEL_ALIASES)):
            for alias in aliases:
                mapping[_norm(alias)] = key
    return mapping


def resolve_header(target: Target, header: list[str]) -> tuple[list[str | None], list[tuple[str, str]]]:
    """Map each header cell to a property; return (names per column, [(header, reason)])."""
    mapping = header_map(target)
    names: list[str | None] = []
    problems: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for cell in header:
        if not cell or cell in REJECT_COLUMNS:
            names.append(None)
            continue
        prop = mapping.get(_norm(cell))
        if prop is None:
            known = ", ".join(p.name for p in target.props)
            problems.append((cell, f"unknown column for {target.name}; known: {known} / 未知列"))
            names.append(None)
        elif prop in seen:
            problems.append((cell, f"duplicate column: {cell!r} and {seen[prop]!r} both mean {prop} / 重复列"))
            names.append(None)
        else:
            seen[prop] = cell
            names.append(prop)
    required = [p.name for p in target.props if p.required and p.derived_from is None]
    if target.rel:
        required += ["from", "to"]
    for name in required:
        if name not in seen:
            problems.append((name, f"required column {name!r} is missing / 缺少必填列"))
    return names, problems
