"""Graph -> native format: one CSV per label and per relationship type, loadable back as is."""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from graph import schema
from graph.schema import _quote
from graph.store import Store
from loaders.spreadsheet_safe import neutralise


def cell(value: Any) -> str:
    """One value as text the loader reads back to the same value; text that a spreadsheet would run
    as a formula gets a leading apostrophe, which the loader takes off (loaders/spreadsheet_safe.py)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return neutralise("|".join(str(v) for v in value))
    return neutralise(str(value)) if isinstance(value, str) else str(value)


def export_rows(store: Store) -> dict[str, tuple[list[str], list[list[str]]]]:
    """name -> (header, rows) for every label and type with data, rows sorted for stable output."""
    out: dict[str, tuple[list[str], list[list[str]]]] = {}
    for label in schema.NODE_LABELS:
        names = [p.name for p in label.props]
        cols = ", ".join(f"n.{_quote(n)} AS {_quote(n)}" for n in names)
        rows = store.read(f"MATCH (n:{label.name}) RETURN {cols} ORDER BY n.id")
        if rows:
            out[label.name] = (names, [[cell(r[n]) for n in names] for r in rows])
    for rel in schema.REL_TYPES:
        names = [p.name for p in rel.props]
        header = ["from", "to", *names]
        rows = []
        for a, b in rel.pairs:
            cols = "".join(f", r.{_quote(n)} AS {_quote(n)}" for n in names)
            rows += store.read(f"MATCH (a:{a})-[r:{rel.name}]->(b:{b}) RETURN a.id AS `from`, b.id AS `to`{cols}")
        if rows:
            body = sorted([cell(r[h]) for h in header] for r in rows)
            out[rel.name] = (header, body)
    return out


def export_graph(store: Store, out_dir: Path) -> dict[str, int]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, (header, rows) in export_rows(store).items():
        with (out_dir / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)
        written[name] = len(rows)
    return written
