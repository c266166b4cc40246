"""Validate and load files into a store: all-or-nothing, idempotent, with a summary.

``validate_paths`` reads and checks without writing.  ``load_paths`` writes every valid row in one
transaction (MERGE on id, so loading the same files twice changes nothing) or, when anything is
invalid and ``skip_invalid`` is off, writes nothing and raises ``LoadRejected`` with all problems.
"""
from __future__ import annotations

import csv
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pyarrow as pa
import pyarrow.compute as pc

from graph.store import Store, Tx
from loaders.columnar import ColumnarPlan, Declined, plan_files
from loaders.plan import LoadPlan, Row, build_plan
from loaders.problems import LoadRejected, Problem
from loaders.readers import ReadError, Table, read_tables
from loaders.spreadsheet_safe import neutralise

Progress = Callable[[str, int, int], None]   # (what, done, total)


@dataclass
class LoadSummary:
    before: dict[str, dict[str, int]]
    after: dict[str, dict[str, int]]
    rows: dict[str, int] = field(default_factory=dict)      # rows written per label / type
    rejected: list[Problem] = field(default_factory=list)
    reject_files: list[Path] = field(default_factory=list)
    method: str = "row by row"        # or "columnar": which validator vouched for the rows
    validate_s: float = 0.0
    write_s: float = 0.0

    def table(self) -> list[dict[str, Any]]:
        """Per label/type: rows in the input, created, updated (= rows that matched existing)."""
        out = []
        for kind in ("nodes", "relationships"):
            for name, rows in sorted(self.rows.items()):
                if name not in self.after[kind]:
                    continue
                created = self.after[kind][name] - self.before[kind][name]
                out.append({"kind": kind, "name": name, "rows": rows, "created": created,
                            "updated": rows - created})
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
             sheet: str | None = None) -> tuple[list[Table], list[Problem]]:
    tables, problems = [], []
    files = expand_paths(paths)
    if not files:
        problems.append(Problem(", ".join(str(p) for p in paths), None, None, "no data files found / 未找到数据文件"))
    for path in files:
        try:
            tables += read_tables(path, sheet=sheet, encoding=encoding)
        except ReadError as exc:
            problems.append(exc.problem)
    return tables, problems


def validate_paths(store: Store, paths: list[str | Path], *, encoding: str | None = None,
                   sheet: str | None = None, mapping: str | Path | None = None,
                   columnar: bool = True) -> LoadPlan | ColumnarPlan:
    """The columnar fast path when it can vouch for every row; otherwise (or with columnar=False)
    the row-by-row reference, which explains each problem (both give the same rows for valid input)."""
    if columnar and mapping is None and sheet is None and (encoding or "utf-8").lower().replace("_", "-") in ("utf-8", "utf-8-sig"):
        files = expand_paths(paths)
        if files and all(p.is_file() for p in files):
            try:
                plan = plan_files(files, lambda ids: _existing_labels(store, ids))
                if sum(plan.row_counts().values()) <= max_rows():
                    return plan
            except Declined:
                pass
    if mapping is not None:
        from loaders.mapping import MappingError, tables_from_mapping
        try:
            triples, problems = tables_from_mapping(mapping, paths, encoding=encoding, store=store)
        except MappingError as exc:
            triples, problems = [], [Problem(Path(mapping).name, None, None, str(exc).split(": ", 1)[-1])]
    else:
        tables, problems = read_all(paths, encoding=encoding, sheet=sheet)
        triples = [(t, None, None) for t in tables]
    limit = max_rows()
    total = sum(len(t.rows) for t, _, _ in triples)
    if total > limit:
        # Refuse before building typed rows: a shared server must not be swamped by one upload.
        problems.append(Problem(", ".join(sorted({t.source for t, _, _ in triples})), None, None,
                                f"{total} rows is over the limit of {limit} rows per load (CHAINGRAPH_MAX_ROWS) "
                                f"/ 超过单次导入行数上限"))
        triples = []
    plan = build_plan(triples, store.existing_ids)
    plan.problems = problems + plan.problems
    return plan


def _existing_labels(store: Store, ids: pa.Array) -> tuple[pa.Array, pa.Array]:
    found = store.existing_ids(ids.to_pylist())
    return pa.array(list(found), pa.string()), pa.array(list(found.values()), pa.string())


def max_rows() -> int:
    return int(os.environ.get("CHAINGRAPH_MAX_ROWS", "50000000"))


def load_paths(store: Store, paths: list[str | Path], *, skip_invalid: bool = False,
               encoding: str | None = None, sheet: str | None = None, mapping: str | Path | None = None,
               progress: Progress | None = None, rejects_dir: str | Path | None = None) -> LoadSummary:
    started = time.perf_counter()
    plan = validate_paths(store, paths, encoding=encoding, sheet=sheet, mapping=mapping)
    validated = time.perf_counter()
    problems = plan.all_problems()
    if problems and not skip_invalid:
        raise LoadRejected(problems)
    if plan.problems and skip_invalid:
        # A file-level problem (unreadable file, bad header) has no valid rows to keep: still refuse,
        # since skipping a whole file silently would lose it.
        raise LoadRejected(plan.problems)
    summary = write_plan(store, plan, progress)
    summary.method = "columnar" if isinstance(plan, ColumnarPlan) else "row by row"
    summary.validate_s, summary.write_s = validated - started, time.perf_counter() - validated
    summary.rejected = problems
    if plan.rejected:
        summary.reject_files = write_reject_files(plan.rejected, expand_paths(paths), rejects_dir)
    return summary


def write_plan(store: Store, plan: LoadPlan | ColumnarPlan, progress: Progress | None = None) -> LoadSummary:
    if isinstance(plan, ColumnarPlan):
        return write_columnar(store, plan, progress)
    nodes, rels = plan.nodes(), plan.rels()
    total = sum(len(r) for r in nodes.values()) + sum(len(r) for r in rels.values())
    before = store.counts()

    def work(tx: Tx) -> None:
        done = 0
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
    store.write(work)
    return LoadSummary(before, store.counts(), plan.row_counts())


def write_columnar(store: Store, plan: ColumnarPlan, progress: Progress | None = None) -> LoadSummary:
    """One transaction.  Rows new to the store go through the engine's bulk path where it has one
    (LadybugDB ``COPY``: it cannot merge, so only ids not yet stored, and relationships touching at
    least one node created here, which therefore cannot exist yet); every other row is MERGEd."""
    before = store.counts()
    counts = plan.row_counts()
    total = sum(counts.values())
    bulk = store.supports_copy

    def work(tx: Tx) -> None:
        done = 0
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
            stored = store.stored_ids(tx, label) if bulk and before["nodes"].get(label) else None
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
                if not before["nodes"].get(a) or not before["nodes"].get(b):
                    # No stored node of one end's label: that end was created here, for every row.
                    fresh, rest = table, table.slice(0, 0)
                else:
                    touches_new = pc.or_(_in(table.column("from"), new_ids.get(a)),
                                         _in(table.column("to"), new_ids.get(b)))
                    fresh, rest = table.filter(touches_new), table.filter(pc.invert(touches_new))
                store.copy_rels(tx, rel_type, a, b, fresh)
                copied(rel_type, fresh)
                merge(rel_type, upsert, rest)

    store.write(work)
    return LoadSummary(before, store.counts(), counts)


def _in(values: pa.ChunkedArray, ids: pa.Array | None) -> pa.Array:
    return pc.is_in(values, value_set=ids if ids is not None else pa.array([], pa.string()))


def _same_columns(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """UNWIND batches need one shape: group rows (from different files) by their columns."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    return list(groups.values())


def write_reject_files(rejected: list[Row], inputs: list[Path], out_dir: str | Path | None = None) -> list[Path]:
    """Rejected rows with their reasons, one ``NAME.rejects.csv`` beside each input file (or in out_dir)."""
    by_source: dict[str, list[Row]] = {}
    for row in rejected:
        by_source.setdefault(row.source, []).append(row)
    written = []
    for source, rows in by_source.items():
        file_name = source.split("[", 1)[0]
        folder = Path(out_dir) if out_dir else next((p.parent for p in inputs if p.name == file_name), Path("."))
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / (source.replace("[", ".").replace("]", "") + ".rejects.csv")
        header = rows[0].table_header
        with target.open("w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow(["row", "problems", *header])
            for row in sorted(rows, key=lambda r: r.number):
                writer.writerow([row.number, "; ".join(f"{p.column or ''}: {p.reason}" for p in row.problems),
                                 *(neutralise(c) for c in row.cells)])
        written.append(target)
    return written
