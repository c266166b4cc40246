"""The store protocol the rest of ChainGraph uses, and the Cypher both backends share.

Notes for query-library authors — LadybugDB (embedded) differs from Neo4j, measured:
- no ``SET n += map`` / ``SET n = map``: upserts spell out ``SET n.a = row.a, …`` (see ``upsert_nodes_cypher``);
- no ``REMOVE``: set the property to NULL instead;
- one label per node; no label-less scans or ``WHERE n:Label`` filters: name the label in the pattern;
- ``type(r)`` / ``labels(n)`` are ``label(r)`` / ``label(n)`` there: results are normalised here, so
  queries that need the label should return it through ``{label_fn}`` templating (``Store.label_fn``);
- no ``id()`` / ``elementId()``: use the ``id`` property;
- no ``CALL {}`` subqueries, list/pattern comprehensions or map projections;
- variable-length matches may repeat a relationship: return DISTINCT endpoints, never count paths;
- ``substring`` is 1-based and ``toString``/``split``/``date().year`` are missing: format in Python;
- batch relationship loads use two separate ``MATCH`` clauses, never the comma form (1000× slower);
- reading by a list of ids: ``UNWIND $ids AS x MATCH (n:L {id: x})-[…]-(m)`` is planned as a hash join
  over the whole relationship table (fine for long lists, ~a table scan for short ones); for the small
  label tables (Segment, Chain) ``WHERE n.id IN $ids`` then expanding is 30× faster; only a scalar
  ``{id: $id}`` is a true index lookup.  ``OPTIONAL MATCH`` after a large MATCH is several times slower
  than a plain MATCH plus defaults filled in Python (measured at 100k firms, LadybugDB 0.22).
"""
from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Callable, ContextManager, Iterable, Iterator, Protocol, TypeVar

from graph import schema


_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@'\"]*@")


T = TypeVar("T")


def redact(text: str) -> str:
    """``text`` with the ``user:password@`` part of every URI in it replaced by ``***@``."""
    return _USERINFO.sub(r"\1***@", str(text))


@dataclass
class Touched:
    """What a write that deletes nothing touched: the ``nodes`` it created or updated (any property
    may have changed) and the ``ends`` of the relationships it created or updated.  A set filled by
    the write's own work is read after it (a write may learn what it changes inside its transaction)."""
    nodes: set[str] = field(default_factory=set)
    ends: set[str] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.nodes) + len(self.ends)


class StoreError(RuntimeError):
    """Base of every store error; the message is meant for users."""


class ConstraintViolation(StoreError):
    pass


class StoreLocked(StoreError):
    pass


class StoreUnavailable(StoreError):
    pass


class QueryTimeout(StoreError):
    pass


class ReadOnlyViolation(StoreError):
    pass


class Tx(Protocol):
    def run(self, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]: ...


def upsert_nodes_cypher(label: str, columns: Iterable[str], nulls: Iterable[str] = ()) -> str:
    """MERGE on id, then SET each given column: the common subset of both dialects.  ``nulls``: the
    columns that are null in every row of the batch, set to a null literal (LadybugDB types a
    parameter column of nulls only as STRING, which a BOOL or INT property refuses)."""
    nulls = set(nulls)
    node = schema.check_label(label)
    sets = []
    for col in columns:
        if col == "id":
            continue
        if node.prop(col) is None:
            raise ValueError(f"{label} has no property {col!r}")
        sets.append(f"n.{schema._quote(col)} = " + ("null" if col in nulls else f"row.{schema._quote(col)}"))
    set_clause = (" SET " + ", ".join(sets)) if sets else ""
    return f"UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}){set_clause}"


def upsert_rels_cypher(rel_type: str, from_label: str, to_label: str, columns: Iterable[str],
                       nulls: Iterable[str] = ()) -> str:
    nulls = set(nulls)    # as in upsert_nodes_cypher
    rel = schema.check_rel_type(rel_type)
    schema.check_label(from_label)
    schema.check_label(to_label)
    if (from_label, to_label) not in rel.pairs:
        raise ValueError(f"{rel_type} does not connect {from_label} to {to_label}")
    sets = []
    for col in columns:
        if rel.prop(col) is None:
            raise ValueError(f"{rel_type} has no property {col!r}")
        sets.append(f"r.{schema._quote(col)} = " + ("null" if col in nulls else f"row.{schema._quote(col)}"))
    set_clause = (" SET " + ", ".join(sets)) if sets else ""
    # Two MATCH clauses, not the comma form: LadybugDB plans the comma form as a cross product.
    return (f"UNWIND $rows AS row MATCH (a:{from_label} {{id: row.`from`}}) "
            f"MATCH (b:{to_label} {{id: row.`to`}}) MERGE (a)-[r:{rel_type}]->(b){set_clause}")


def _all_null(rows: list[dict[str, Any]]) -> set[str]:
    return {c for c in rows[0] if c not in ("id", "from", "to") and all(r.get(c) is None for r in rows)}


class Store(ABC):
    """One graph store. Reads return lists of plain dicts (nodes and relationships normalised)."""

    backend: str = ""
    BATCH = 5000
    # True when the engine has a bulk path for rows that are new to it (see EmbeddedStore.copy_nodes).
    supports_copy = False
    # Every read runs with a timeout (seconds); a runaway query is stopped, never left to hang the app.
    default_timeout: float = float(os.environ.get("CHAINGRAPH_QUERY_TIMEOUT", "60"))

    @abstractmethod
    def read(self, cypher: str, params: dict[str, Any] | None = None, *,
             timeout: float | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Run a read query; result rows as dicts keyed by column name (at most ``limit`` of them)."""

    def read_together(self, fn: Callable[[], T]) -> T:
        """Run ``fn``, whose reads (``read``) belong together, e.g. one analysis: a store that can gives
        them one read transaction (Neo4j: one snapshot, and a round trip less per read); here, as they are."""
        return fn()

    @abstractmethod
    def stream(self, cypher: str, params: dict[str, Any] | None = None, *,
               timeout: float | None = None) -> Iterator[dict[str, Any]]:
        """Rows one at a time, as the engine produces them (the console caps them by count and size).

        Never retried: a query the server stops for time or memory fails once."""

    @abstractmethod
    def connection_spec(self) -> dict[str, Any]:
        """What another process needs to open this store read-only (may hold a password: never print it)."""

    @abstractmethod
    def read_only_view(self) -> ContextManager["Store"]:
        """A view of this store that the engine itself keeps from writing (for the console)."""

    def write(self, work: Callable[[Tx], Any], *, maintain: bool = True,
              before_refresh: Callable[[], None] | None = None, touched: Touched | None = None) -> Any:
        """Run ``work(tx)`` in one write transaction: all of it commits, or none of it.  The derived
        properties (queries/lead_aggregates.py) and the zone's figures (queries/zone_figures.py) are
        recomputed in the same transaction, so no reader ever sees them disagree with the graph;
        ``maintain=False`` only where that cannot change them.
        ``before_refresh``: called when the recomputation starts (a long load says so).
        ``touched``: a write that deletes nothing may say what it touched; only what that can change
        is recomputed then."""
        if not maintain:
            return self._write(work)
        from queries import zone_figures                    # the query layer defines them
        from queries.lead_aggregates import TxReader, refresh

        def work_then_refresh(tx: Tx) -> Any:
            result = work(tx)
            if before_refresh:
                before_refresh()
            refresh(self, tx, touched)
            zone_figures.refresh(TxReader(self, tx), tx, touched)
            return result
        return self._write(work_then_refresh)

    @abstractmethod
    def _write(self, work: Callable[[Tx], Any]) -> Any:
        """The engine's write transaction."""

    def statistics_changed(self) -> None:
        """A write changed the graph's shape (loaders/load.py: RESHAPED): queries from now on should be
        planned on the new graph's statistics.  Nothing to do for an engine that keeps no plans."""

    @abstractmethod
    def create_schema(self) -> None: ...

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def describe(self) -> str:
        """Where the store is (path or URI), never a password."""

    def label_of(self, var: str) -> str:
        """Cypher expression for a node's (single) label: ``labels(n)[0]`` vs ``label(n)``."""
        return f"labels({var})[0]"

    def type_of(self, var: str) -> str:
        return f"type({var})"

    def upsert_nodes(self, tx: Tx, label: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        for start in range(0, len(rows), self.BATCH):
            batch = rows[start:start + self.BATCH]
            tx.run(upsert_nodes_cypher(label, rows[0].keys(), _all_null(batch)), {"rows": batch})

    def upsert_rels(self, tx: Tx, rel_type: str, from_label: str, to_label: str,
                    rows: list[dict[str, Any]]) -> None:
        """rows carry ``from`` and ``to`` ids plus the relationship's properties."""
        if not rows:
            return
        cols = [c for c in rows[0] if c not in ("from", "to")]
        for start in range(0, len(rows), self.BATCH):
            batch = rows[start:start + self.BATCH]
            tx.run(upsert_rels_cypher(rel_type, from_label, to_label, cols, _all_null(batch)), {"rows": batch})

    def set_properties(self, tx: Tx, label: str, rows: list[dict[str, Any]]) -> None:
        """Set the rows' columns (besides ``id``) on the existing ``label`` nodes with those ids (derived
        values, e.g. queries/lead_aggregates.py); a None clears a property.  Every row has the same keys."""
        node = schema.check_label(label)
        if not rows:
            return
        sets = ", ".join(f"n.{schema._quote(c)} = row.{schema._quote(c)}" for c in rows[0] if c != "id")
        for start in range(0, len(rows), self.BATCH):
            tx.run(f"UNWIND $rows AS row MATCH (n:{node.name} {{id: row.id}}) SET {sets}",
                   {"rows": rows[start:start + self.BATCH]})

    def counts(self) -> dict[str, dict[str, int]]:
        nodes = {n.name: self.read(f"MATCH (n:{n.name}) RETURN count(n) AS c")[0]["c"]
                 for n in schema.NODE_LABELS}
        rels = {r.name: self.read(f"MATCH ()-[r:{r.name}]->() RETURN count(r) AS c")[0]["c"]
                for r in schema.REL_TYPES}
        return {"nodes": nodes, "relationships": rels}

    def existing_ids(self, ids: Iterable[str]) -> dict[str, str]:
        """Which of these ids exist already, and under which label."""
        wanted = list(set(ids))
        found: dict[str, str] = {}
        if not wanted:
            return found
        for label in schema.NODE_LABELS:
            for row in self.read(f"UNWIND $ids AS i MATCH (n:{label.name} {{id: i}}) RETURN n.id AS id",
                                 {"ids": wanted}):
                found[row["id"]] = label.name
        return found

    def clear(self) -> None:
        self.write(self.clear_in)

    def clear_in(self, tx: Tx) -> None:
        """Delete every node and relationship inside ``tx`` (a restore clears and loads in one transaction)."""
        for label in [n.name for n in schema.NODE_LABELS] + list(schema.DERIVED):
            tx.run(f"MATCH (n:{label}) DETACH DELETE n")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
