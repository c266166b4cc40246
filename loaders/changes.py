"""What a load would change: stored values the plan overwrites (old → new), read before the write.

One batched read by ids per label (and by endpoint pairs per relationship type with properties),
the same Cypher on both stores.  Labels with no stored node are skipped: every row there is new, so
a first bulk load costs nothing here.  An empty cell overwriting a stored value is a *blank
overwrite*: ``load_paths`` refuses those unless asked for.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from graph import schema
from graph.schema import _quote
from graph.store import Store
from loaders.export import cell
from loaders.problems import Problem
from queries.products import SCALAR_MAX

READ_BATCH = 5000
ENDS = ("from", "to", "from_label", "to_label")


@dataclass(frozen=True)
class Change:
    kind: str            # node | relationship
    name: str            # label or relationship type
    key: str             # node id, or "from->to"
    prop: str
    old: Any
    new: Any

    @property
    def blank(self) -> bool:
        return self.new is None and self.old is not None

    def as_dict(self, width: int = 200) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "key": self.key, "property": self.prop,
                "old": _short(self.old, width), "new": _short(self.new, width)}

    def __str__(self) -> str:
        old, new = (_short(v, 60) for v in (self.old, self.new))
        return f"{self.key} {self.prop} {'∅' if old is None else old} → {'∅' if new is None else new}"


def _short(value: Any, width: int) -> Any:
    """Values in messages and the audit log are bounded: long text is cut with an ellipsis."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = cell(value)
    return text if len(text) <= width else text[:width - 1] + "…"


@dataclass
class Changes:
    changes: list[Change] = field(default_factory=list)
    updated_rows: Counter = field(default_factory=Counter)     # label/type -> rows with ≥1 changed value

    @property
    def blanks(self) -> list[Change]:
        return [c for c in self.changes if c.blank]

    def lines(self, limit: int = 20) -> list[str]:
        """``updated 1: name 亿利 → 亿利(改)`` per label/type, then at most ``limit`` changes."""
        out = [f"updated {n} / 更新 {n}: {name}" for name, n in sorted(self.updated_rows.items())]
        out += [f"  {c.name} {c}" for c in self.changes[:limit]]
        if len(self.changes) > limit:
            out.append(f"  … and {len(self.changes) - limit} more changed values / 另有 {len(self.changes) - limit} 处")
        return out


def _same(old: Any, new: Any) -> bool:
    # Compared as the text the exporter writes: a date read back as a date equals its ISO string.
    return cell(old) == cell(new) and (old is None) == (new is None)


def diff_plan(store: Store, plan, before: dict[str, dict[str, int]]) -> Changes:
    """Every stored value the plan would change; ``before`` is ``store.counts()`` before the write."""
    result = Changes()
    for label, rows in plan.nodes().items():
        if not before["nodes"].get(label) or not rows:
            continue
        columns = sorted({k for r in rows for k in r if k != "id"})
        stored = _stored_nodes(store, label, [r["id"] for r in rows], columns)
        _compare(result, "node", label, ((r["id"], r) for r in rows), stored)
    for (rel_type, a, b), rows in plan.rels().items():
        columns = sorted({k for r in rows for k in r if k not in ENDS})
        if not columns or not rows or not before["nodes"].get(a) or not before["nodes"].get(b):
            continue
        stored = _stored_rels(store, rel_type, a, b, [(r["from"], r["to"]) for r in rows], columns)
        _compare(result, "relationship", rel_type, ((f"{r['from']}->{r['to']}", r) for r in rows), stored)
    return result


def _compare(result: Changes, kind: str, name: str, keyed_rows, stored: dict[str, dict]) -> None:
    for key, row in keyed_rows:
        old = stored.get(key)
        if old is None:
            continue
        changed = False
        for prop, new in row.items():
            if prop == "id" or prop in ENDS or _same(old.get(prop), new):
                continue
            result.changes.append(Change(kind, name, key, prop, old.get(prop), new))
            changed = True
        result.updated_rows[name] += changed


def _stored_nodes(store: Store, label: str, ids: list[str], columns: list[str]) -> dict[str, dict]:
    schema.check_label(label)
    cols = "".join(f", n.{_quote(c)} AS {_quote(c)}" for c in columns)
    cypher = f"UNWIND $ids AS i MATCH (n:{label} {{id: i}}) RETURN n.id AS id{cols}"
    found: dict[str, dict] = {}
    for start in range(0, len(ids), READ_BATCH):
        for row in store.read(cypher, {"ids": ids[start:start + READ_BATCH]}):
            found[row.pop("id")] = row
    return found


def _stored_rels(store: Store, rel_type: str, a: str, b: str, pairs: list[tuple[str, str]],
                 columns: list[str]) -> dict[str, dict]:
    schema.check_rel_type(rel_type)
    schema.check_label(a)
    schema.check_label(b)
    cols = "".join(f", r.{_quote(c)} AS {_quote(c)}" for c in columns)
    found: dict[str, dict] = {}
    if store.backend == "embedded" and len(pairs) <= SCALAR_MAX:
        # A few pairs: one lookup each (LadybugDB plans the UNWIND as a hash join over the whole
        # relationship table: 0.5 s for one pair at 100k firms).
        one = (f"MATCH (a:{a} {{id: $f}})-[r:{rel_type}]->(b:{b}) WHERE b.id = $t RETURN a.id AS f, b.id AS t{cols}")
        for f, t in pairs:
            for row in store.read(one, {"f": f, "t": t}):
                found[f"{row.pop('f')}->{row.pop('t')}"] = row
        return found
    cypher = (f"UNWIND $rows AS row MATCH (a:{a} {{id: row.f}}) MATCH (a)-[r:{rel_type}]->(b:{b}) "
              f"WHERE b.id = row.t RETURN a.id AS f, b.id AS t{cols}")
    for start in range(0, len(pairs), READ_BATCH):
        batch = [{"f": f, "t": t} for f, t in pairs[start:start + READ_BATCH]]
        for row in store.read(cypher, {"rows": batch}):
            found[f"{row.pop('f')}->{row.pop('t')}"] = row
    return found


def blank_problems(plan, blanks: list[Change]) -> list[Problem]:
    """Blank overwrites as problems at file:row:column (``plan`` is the row-by-row plan)."""
    where: dict[tuple[str, str], Any] = {}
    for label, rows in plan.node_rows.items():
        for row in rows:
            where[(label, row.values.get("id"))] = row
    for rel_type, rows in plan.rel_rows.items():
        for row in rows:
            where[(rel_type, f"{row.values.get('from')}->{row.values.get('to')}")] = row
    problems = []
    for change in blanks:
        row = where.get((change.name, change.key))
        reason = (f"empty cell would erase the stored {change.prop} {_short(change.old, 60)!r} of {change.key} "
                  f"(allow with --blank-overwrites) / 空单元格将清除已有值（需明确允许）")
        if row is None:
            problems.append(Problem(change.name, None, change.prop, reason))
        else:
            problems.append(Problem(row.source, row.number, row.header.get(change.prop, change.prop), reason))
    return problems
