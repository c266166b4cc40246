"""Validate and load files into a store: all-or-nothing, idempotent, with a summary.

``validate_paths`` reads and checks without writing.  ``load_paths`` writes every valid row in one
transaction (MERGE on id, so loading the same files twice changes nothing) or, when anything is
invalid and ``skip_invalid`` is off, writes nothing and raises ``LoadRejected`` with all problems.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pyarrow as pa
import pyarrow.compute as pc

from graph import schema
from graph.store import Store, Touched, Tx
from loaders.changes import Changes, blank_problems, diff_plan
from loaders.columnar import ColumnarPlan, Declined, plan_files
from loaders.matching import Match
from loaders.plan import LoadPlan, build_plan
from loaders.problems import LoadRejected, Problem
from loaders.readers import ReadError, Table, read_tables
from loaders.rejects import write_rejects

Progress = Callable[[str, int, int], None]   # (what, done, total)


@dataclass
class LoadSummary:
    before: dict[str, dict[str, int]]
    after: dict[str, dict[str, int]]
    rows: dict[str, int] = field(default_factory=dict)      # rows written per label / type
    rejected: list[Problem] = field(default_factory=list)
    reject_files: list[Path] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)       # merged duplicates, normalised values, matches
    matches: list[Match] = field(default_factory=list)       # firm rows: matched / new / ambiguous / rejected
    method: str = "row by row"        # or "columnar": which validator vouched for the rows
    validate_s: float = 0.0
    write_s: float = 0.0
    changes: Changes = field(default_factory=Changes)   # stored values overwritten (old → new)

    def table(self) -> list[dict[str, Any]]:
        """Per label/type: rows in the input, created, updated (a stored value changed), unchanged."""
        out = []
        for kind in ("nodes", "relationships"):
            for name, rows in sorted(self.rows.items()):
                if name not in self.after[kind]:
                    continue
                created = max(self.after[kind][name] - self.before[kind][name], 0)
                updated = min(self.changes.updated_rows.get(name, 0), rows - created)
                out.append({"kind": kind, "name": name, "rows": rows, "created": created,
                            "updated": updated, "unchanged": rows - created - updated})
        return out


# Files in a data folder that are documentation or code, not data.
NOT_DATA = {".md", ".yaml", ".yml", ".py", ".pdf"}


def expand_paths(paths: list[str | Path]) -> list[Path]:
    """Files as given; a directory contributes its files sorted by name (an unsupported one is
    reported, not skipped silently), leaving out hidden files, documentation and reject files."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(p for p in path.iterdir()
                            if p.is_file() and p.suffix.lower() not in NOT_DATA
                            and not p.name.endswith(".rejects.csv") and not p.name.startswith((".", "~$")))
        else:
            files.append(path)
    return files


def read_all(paths: list[str | Path], *, encoding: str | None = None,
             sheet: str | None = None, header_row: int | None = None) -> tuple[list[Table], list[Problem]]:
    tables, problems = [], []
    files = expand_paths(paths)
    if not files:
        problems.append(Problem(", ".join(str(p) for p in paths), None, None, "no data files found / 未找到数据文件"))
    for path in files:
        try:
            tables += read_tables(path, sheet=sheet, encoding=encoding, header_row=header_row)
        except ReadError as exc:
            problems.append(exc.problem)
    return tables, problems


def validate_paths(store: Store, paths: list[str | Path], *, encoding: str | None = None,
                   sheet: str | None = None, mapping: str | Path | None = None,
                   columnar: bool = True, header_row: int | None = None) -> LoadPlan | ColumnarPlan:
    """The columnar fast path when it can vouch for every row; otherwise (or with columnar=False)
    the row-by-row reference, which explains each problem (both give the same rows for valid input)."""
    if columnar and mapping is None and sheet is None and header_row is None and (encoding or "utf-8").lower().replace("_", "-") in ("utf-8", "utf-8-sig"):
        files = expand_paths(paths)
        if files and all(p.is_file() for p in files):
            try:
                plan = plan_files(files, lambda ids: _existing_labels(store, ids), lambda: stored_firms(store))
                if sum(plan.row_counts().values()) <= max_rows():
                    return plan
            except Declined:
                pass
    if mapping is not None:
        from loaders.mapping import MappingError, tables_from_mapping
        try:
            triples, problems = tables_from_mapping(mapping, paths, encoding=encoding, store=store,
                                                    header_row=header_row)
        except MappingError as exc:
            triples, problems = [], [Problem(Path(mapping).name, None, None, str(exc).split(": ", 1)[-1])]
    else:
        tables, problems = read_all(paths, encoding=encoding, sheet=sheet, header_row=header_row)
        triples = [(t, None, None) for t in tables]
    limit = max_rows()
    total = sum(len(t.rows) for t, _, _ in triples)
    if total > limit:
        # Refuse before building typed rows: a shared server must not be swamped by one upload.
        problems.append(Problem(", ".join(sorted({t.source for t, _, _ in triples})), None, None,
                                f"{total} rows is over the limit of {limit} rows per load (CHAINGRAPH_MAX_ROWS) "
                                f"/ 超过单次导入行数上限"))
        triples = []
    plan = build_plan(triples, store.existing_ids, lambda: stored_firms(store))
    plan.problems = problems + plan.problems
    return plan


def stored_firms(store: Store) -> list[dict[str, Any]]:
    """The graph's firms, to match new firm rows against (loaders/matching.py)."""
    return store.read("MATCH (e:Enterprise) RETURN e.id AS id, e.name AS name, e.credit_code AS credit_code")


def _existing_labels(store: Store, ids: pa.Array) -> tuple[pa.Array, pa.Array]:
    found = store.existing_ids(ids.to_pylist())
    return pa.array(list(found), pa.string()), pa.array(list(found.values()), pa.string())


def max_rows() -> int:
    return int(os.environ.get("CHAINGRAPH_MAX_ROWS", "50000000"))


def load_paths(store: Store, paths: list[str | Path], *, skip_invalid: bool = False,
               encoding: str | None = None, sheet: str | None = None, mapping: str | Path | None = None,
               progress: Progress | None = None, rejects_dir: str | Path | None = None,
               header_row: int | None = None, blank_overwrites: bool = False,
               before_write: Callable[[], Any] | None = None, replace: bool = False) -> LoadSummary:
    """``rejects_dir``: where reject files go with ``skip_invalid`` (default: a new ./rejects-<time>/);
    ``header_row``: the header's row number when a title row is above it;
    ``blank_overwrites``: let an empty cell erase a stored value (refused otherwise, nothing written);
    ``before_write``: called once everything is checked, just before the write (the snapshot);
    ``replace``: the store is cleared in the same transaction first (a restore)."""
    started = time.perf_counter()
    plan = validate_paths(store, paths, encoding=encoding, sheet=sheet, mapping=mapping, header_row=header_row)
    validated = time.perf_counter()
    problems = plan.all_problems()
    if problems and not skip_invalid:
        raise LoadRejected(problems)
    if plan.problems and skip_invalid:
        # A file-level problem (unreadable file, bad header) has no valid rows to keep: still refuse,
        # since skipping a whole file silently would lose it.
        raise LoadRejected(plan.problems)
    changes = Changes()
    if not replace:
        changes = diff_plan(store, plan, store.counts())
        if changes.blanks and not blank_overwrites:
            # Named at file:row:column by the row-by-row plan, whichever validator vouched for the rows.
            if isinstance(plan, ColumnarPlan):
                row_plan = validate_paths(store, paths, encoding=encoding, sheet=sheet, mapping=mapping,
                                          columnar=False, header_row=header_row)
                raise LoadRejected(blank_problems(row_plan, diff_plan(store, row_plan, store.counts()).blanks))
            raise LoadRejected(blank_problems(plan, changes.blanks))
    if before_write is not None:
        before_write()
    summary = write_plan(store, plan, progress, clear_first=replace)
    summary.changes = changes
    summary.method = "columnar" if isinstance(plan, ColumnarPlan) else "row by row"
    summary.validate_s, summary.write_s = validated - started, time.perf_counter() - validated
    summary.rejected = problems
    summary.notes, summary.matches = list(plan.notes), list(getattr(plan, "matches", []))
    if plan.rejected:
        summary.reject_files = write_rejects(plan.rejected, plan.sources, rejects_dir)
    return summary


def write_plan(store: Store, plan: LoadPlan | ColumnarPlan, progress: Progress | None = None,
               clear_first: bool = False, maintain: bool = True) -> LoadSummary:
    """``maintain=False``: without the lead aggregates (the benchmark's raw write only)."""
    if isinstance(plan, ColumnarPlan):
        return write_columnar(store, plan, progress, clear_first, maintain)
    if store.supports_copy:
        # Rows the row-by-row validator vouched for (a mapping's output, or native files the fast
        # validator declined) are written through the bulk path as well.
        columns = as_columnar(plan)
        if columns is not None:
            summary = write_columnar(store, columns, progress, clear_first, maintain)
            summary.rows = plan.row_counts()
            return summary
    nodes, rels = plan.nodes(), plan.rels()
    total = sum(len(r) for r in nodes.values()) + sum(len(r) for r in rels.values())
    before = store.counts()

    def work(tx: Tx) -> None:
        done = 0
        if clear_first:
            store.clear_in(tx)
        steps = [(label, lambda batch, label=label: store.upsert_nodes(tx, label, batch), rows)
                 for label, rows in nodes.items()]
        steps += [(key[0], lambda batch, key=key: store.upsert_rels(tx, *key, batch), rows)
                  for key, rows in rels.items()]
        for name, upsert, rows in steps:
            for group in _same_columns(rows):
                for start in range(0, len(group), store.BATCH):
                    batch = group[start:start + store.BATCH]
                    upsert(batch)
                    done += len(batch)
                    if progress:
                        progress(name, done, total)
    store.write(work, maintain=maintain, before_refresh=_refreshing(progress, total),
                touched=touched_ids(store, plan, clear_first))
    return _written(store, before, plan.row_counts())


def write_columnar(store: Store, plan: ColumnarPlan, progress: Progress | None = None,
                   clear_first: bool = False, maintain: bool = True) -> LoadSummary:
    """One transaction.  Rows new to the store go through the engine's bulk path where it has one
    (LadybugDB ``COPY``: it cannot merge, so only ids not yet stored, and relationships touching at
    least one node created here, which therefore cannot exist yet); every other row is MERGEd."""
    before = store.counts()
    # After clearing in the transaction nothing is stored: every row is new to the store.
    stored_before = {k: dict.fromkeys(v, 0) for k, v in before.items()} if clear_first else before
    counts = plan.row_counts()
    total = sum(counts.values())
    bulk = store.supports_copy

    def work(tx: Tx) -> None:
        done = 0
        if clear_first:
            store.clear_in(tx)
        created: dict[str, list[pa.Array]] = {}

        def merge(name: str, upsert, table: pa.Table) -> None:
            nonlocal done
            for start in range(0, table.num_rows, store.BATCH):
                batch = table.slice(start, store.BATCH)
                upsert(batch.to_pylist())
                done += batch.num_rows
                if progress:
                    progress(name, done, total)

        def copied(name: str, table: pa.Table) -> None:
            nonlocal done
            done += table.num_rows
            if progress and table.num_rows:
                progress(name, done, total)

        for label, tables in plan.node_tables.items():
            upsert = lambda rows, label=label: store.upsert_nodes(tx, label, rows)  # noqa: E731
            stored = store.stored_ids(tx, label) if bulk and stored_before["nodes"].get(label) else None
            for table in tables:
                if not bulk:
                    merge(label, upsert, table)
                    continue
                new = pc.invert(pc.is_in(table.column("id"), stored)) if stored is not None else None
                fresh = table.filter(new) if new is not None else table
                store.copy_nodes(tx, label, fresh)
                created.setdefault(label, []).append(fresh.column("id").combine_chunks())
                copied(label, fresh)
                if new is not None:
                    merge(label, upsert, table.filter(pc.invert(new)))
        new_ids = {label: pa.concat_arrays(arrays) for label, arrays in created.items()}
        for (rel_type, a, b), tables in plan.rel_tables.items():
            upsert = lambda rows, key=(rel_type, a, b): store.upsert_rels(tx, *key, rows)  # noqa: E731
            for table in tables:
                if not bulk:
                    merge(rel_type, upsert, table)
                    continue
                if not stored_before["nodes"].get(a) or not stored_before["nodes"].get(b):
                    # No stored node of one end's label: that end was created here, for every row.
                    fresh, rest = table, table.slice(0, 0)
                else:
                    touches_new = pc.or_(_in(table.column("from"), new_ids.get(a)),
                                         _in(table.column("to"), new_ids.get(b)))
                    fresh, rest = table.filter(touches_new), table.filter(pc.invert(touches_new))
                store.copy_rels(tx, rel_type, a, b, fresh)
                copied(rel_type, fresh)
                merge(rel_type, upsert, rest)

    store.write(work, maintain=maintain, before_refresh=_refreshing(progress, total),
                touched=touched_ids(store, plan, clear_first))
    return _written(store, before, counts)


# A load that changes a label's or type's count by this share or more changes the graph's shape: the
# store is told, so that its queries are planned on statistics of the new graph (Neo4j's index samples
# lag a bulk write; a plan made in between was kept: docs/neo4j-plans.md 22).
RESHAPED = 0.10


def _written(store: Store, before: dict[str, dict[str, int]], rows: dict[str, int]) -> LoadSummary:
    after = store.counts()
    if reshaped(before, after):
        store.statistics_changed()
    return LoadSummary(before, after, rows)


def reshaped(before: dict[str, dict[str, int]], after: dict[str, dict[str, int]]) -> bool:
    return any(abs(n - before[kind].get(name, 0)) >= RESHAPED * max(before[kind].get(name, 0), 1)
               for kind, counts in after.items() for name, n in counts.items())


def touched_ids(store: Store, plan: LoadPlan | ColumnarPlan, clear_first: bool) -> Touched | None:
    """The nodes the write creates or updates and the ends of its relationships (a load deletes
    nothing), so only the lead aggregates these can change are recomputed; None (recompute all) for a
    restore, which deletes, and for more rows than a scoped recomputation takes."""
    from queries.lead_aggregates import SCOPE_MAX
    if clear_first or sum(plan.row_counts().values()) > SCOPE_MAX[store.backend]:
        return None
    return Touched({r["id"] for rows in plan.nodes().values() for r in rows},
                   {r[end] for rows in plan.rels().values() for r in rows for end in ("from", "to")})


AGGREGATES = "招商线索聚合 / lead aggregates"


def _refreshing(progress: Progress | None, total: int):
    """Progress says when the write moves on to the lead aggregates (queries/lead_aggregates.py)."""
    return (lambda: progress(AGGREGATES, total, total)) if progress else None


def _in(values: pa.ChunkedArray, ids: pa.Array | None) -> pa.Array:
    return pc.is_in(values, value_set=ids if ids is not None else pa.array([], pa.string()))


def _same_columns(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """UNWIND batches need one shape: group rows (from different files) by their columns."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    return list(groups.values())


def as_columnar(plan: LoadPlan) -> ColumnarPlan | None:
    """The plan's valid rows as typed Arrow tables (one per label or relationship key and column set),
    or None when a value does not fit its Arrow type (the row-by-row writer then takes them)."""
    out = ColumnarPlan()
    try:
        for label, rows in plan.nodes().items():
            props = schema.LABELS[label]
            for group in _same_columns(rows):
                types = pa.schema([(c, schema.ARROW_TYPES[props.prop(c).kind]) for c in group[0]])
                out.node_tables.setdefault(label, []).append(pa.Table.from_pylist(group, schema=types))
        for key, rows in plan.rels().items():
            rel = schema.RELS[key[0]]
            for group in _same_columns(rows):
                types = pa.schema([(c, pa.string() if c in ("from", "to") else schema.ARROW_TYPES[rel.prop(c).kind])
                                   for c in group[0]])
                out.rel_tables.setdefault(key, []).append(pa.Table.from_pylist(group, schema=types))
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return None
    return out

