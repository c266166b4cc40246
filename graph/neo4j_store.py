"""Neo4j store through the official driver: one server, a cluster or Aura (bolt://, neo4j://, neo4j+s://).

Reads go through ``execute_read`` and writes through ``execute_write`` (managed transactions the
driver retries on transient errors, so a write's work function must be safe to re-run: ours are
MERGE-based).  Settings come from the environment only: NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD,
NEO4J_DATABASE, and NEO4J_CONSOLE_USER / NEO4J_CONSOLE_PASSWORD for the console's read-only account.
The password, and any ``user:password@`` in the URI, is never part of any message.
"""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import unquote, urlsplit, urlunsplit
from typing import Any, Callable, Iterator

import neo4j
from neo4j import GraphDatabase, unit_of_work
from neo4j import exceptions as neo4j_errors
from neo4j.graph import Node, Path, Relationship

from graph import schema
from graph.store import (T, ConstraintViolation, QueryTimeout, ReadOnlyViolation, Store, StoreError,
                         StoreUnavailable, redact)


_PLAIN = (str, int, float, bool, type(None))     # most values: returned as they are, tested first


def _normalise(value: Any) -> Any:
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, Node):
        labels = sorted(value.labels)
        out = {"_label": labels[0] if labels else "", "_key": value.element_id}
        out.update(dict(value))
        return out
    if isinstance(value, Relationship):
        out = {"_type": value.type, "_src": value.start_node.element_id, "_dst": value.end_node.element_id}
        out.update(dict(value))
        return out
    if isinstance(value, Path):
        return {"_nodes": [_normalise(n) for n in value.nodes],
                "_rels": [_normalise(r) for r in value.relationships]}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if hasattr(value, "iso_format"):  # neo4j.time types
        return value.iso_format()
    return value


def split_userinfo(uri: str) -> tuple[str, str | None, str | None]:
    """``bolt://user:pw@host`` -> (``bolt://host``, user, pw): the driver refuses userinfo in the URI, and
    its message would echo the password; the URI without it is what every message shows."""
    parts = urlsplit(uri)
    if "@" not in parts.netloc:
        return uri, None, None
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, _, password = userinfo.partition(":")
    return urlunsplit(parts._replace(netloc=host)), unquote(user) or None, unquote(password) or None


def _map_error(exc: Exception) -> Exception:
    mapped = _map_driver_error(exc)
    if isinstance(mapped, StoreError):
        mapped.args = tuple(redact(a) if isinstance(a, str) else a for a in mapped.args)
    return mapped


def _map_driver_error(exc: Exception) -> Exception:
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, neo4j_errors.ConstraintError):
        return ConstraintViolation(f"duplicate id: {exc.message}")
    if isinstance(exc, (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired)):
        return StoreUnavailable(f"Neo4j is not reachable: {exc}")
    if isinstance(exc, neo4j_errors.AuthError):
        return StoreUnavailable("Neo4j refused the credentials (check NEO4J_USER / NEO4J_PASSWORD)")
    if isinstance(exc, neo4j_errors.Neo4jError):
        code = exc.code or ""
        if "TransactionTimedOut" in code or "Terminated" in code:
            return QueryTimeout(f"query stopped by the timeout: {exc.message}")
        if "Forbidden" in code or "AccessMode" in code or "WriteOnReadOnly" in code:
            return ReadOnlyViolation(f"refused by Neo4j's read-only mode: {exc.message}")
        return StoreError(f"{code}: {exc.message}")
    if isinstance(exc, neo4j_errors.DriverError):
        return StoreUnavailable(f"Neo4j driver error: {exc}")
    return exc


def _memory_refusal_not_retried(work: Callable[[Any], T]) -> Callable[[Any], T]:
    """``work`` for execute_read/execute_write, except that a transaction the server refuses for memory
    (over ``db.memory.transaction.max``, or the heap's pool) fails at once: the driver counts that error
    as transient and would run the same work again, which the same cap refuses again (a 1M load: minutes)."""
    def once(tx):
        try:
            return work(tx)
        except neo4j_errors.TransientError as exc:
            if "Memory" not in (exc.code or ""):
                raise
            raise StoreError(f"Neo4j refused the transaction for memory ({exc.code}): it needs a larger "
                             "db.memory.transaction.max or heap, or a smaller import / Neo4j 内存不足，"
                             f"已拒绝该事务: {exc.message}") from exc
    return once


# Reads come back packed, one row of lists: the Python driver spends ~0.1 ms on each record (one Bolt
# message each), so 7,611 rows took 530 ms as records and 100 ms as one row (PROFILE: 2 ms on the
# server); 1,673 demands 140 ms against 41 ms.  ``CALL { Q } … RETURN collect([…])`` keeps Q's rows and
# their order; LIMIT is the caller's row bound.  No bound of its own: a result read as records instead
# costs ~57 µs a row (the importer's read of 100k stored firms: 6.8 s against 1.1 s packed); the
# transaction's memory cap (db.memory.transaction.max) guards the server.
_PACK_LIMIT = "chaingraph_pack_limit"
# Texts a CALL { } cannot enclose: these run as they are.
_UNPACKABLE = re.compile(r"(?is)^\s*(EXPLAIN|PROFILE|CYPHER|USE|SHOW)\b|;\s*$")


def _packed(cypher: str, columns: tuple[str, ...]) -> str:
    cols = ", ".join("`" + c.replace("`", "``") + "`" for c in columns)
    return f"CALL {{ {cypher}\n}} WITH [{cols}] AS row LIMIT ${_PACK_LIMIT} RETURN collect(row) AS `rows`"


class _Neo4jTx:
    def __init__(self, tx: neo4j.ManagedTransaction, store: "Neo4jStore"):
        self._tx, self._store = tx, store

    def run(self, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        result = self._tx.run(cypher, params or {})
        return [{k: _normalise(v) for k, v in rec.items()} for rec in result]

    def read_packed(self, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """A read inside this write transaction, as the store reads (packed, its columns found once):
        the lead aggregates read 100k+ rows per query (queries/lead_aggregates.py), so no row bound."""
        return self._store._read_in(self._tx, cypher, params or {}, None)


class Neo4jStore(Store):
    backend = "neo4j"

    def __init__(self, uri: str | None = None, user: str | None = None, password: str | None = None,
                 database: str | None = None, *, read_only: bool = False):
        self.uri, uri_user, uri_password = split_userinfo(uri or os.environ.get("NEO4J_URI", "bolt://localhost:7687"))
        user = user if user is not None else os.environ.get("NEO4J_USER") or uri_user or "neo4j"
        password = password if password is not None else os.environ.get("NEO4J_PASSWORD") or uri_password or ""
        self.database = database or os.environ.get("NEO4J_DATABASE") or None
        self.read_only = read_only
        self._user, self._password = user, password
        self._columns: dict[str, tuple[str, ...] | None] = {}   # query text -> its columns (None: not packed)
        # The read transaction of read_together, per thread (the app shares one store between sessions).
        self._shared_tx: ContextVar[neo4j.ManagedTransaction | None] = ContextVar(f"neo4j_read_tx_{id(self)}", default=None)
        auth = (user, password) if password else None
        try:
            # Notifications (e.g. "type does not exist yet" on an empty graph) are noise for users.
            self._driver = GraphDatabase.driver(self.uri, auth=auth, notifications_min_severity="OFF")
            self._driver.verify_connectivity()
        except Exception as exc:
            raise _map_error(exc) from exc
        if not read_only:
            self.create_schema()

    def describe(self) -> str:
        return f"Neo4j at {self.uri}" + (f" (database {self.database})" if self.database else "")

    def _session(self, access: str):
        return self._driver.session(database=self.database, default_access_mode=access)

    def create_schema(self) -> None:
        for stmt in schema.neo4j_ddl():
            self._driver.execute_query(stmt, database_=self.database)

    def statistics_changed(self) -> None:
        """Resample the indexes and drop the cached plans, waiting for both (an admin's procedure); a
        user who may not: resampling is asked for, and cached plans are replanned as Neo4j sees the
        statistics move.  Right after a 100k load the samples still described the emptied graph; plans
        made then were kept (the panorama ~20 → 80 ms, a projects count 5 → 43 ms: docs/neo4j-plans.md 22)."""
        try:
            try:
                self._driver.execute_query("CALL db.prepareForReplanning()", database_=self.database)
            except neo4j_errors.Forbidden:
                self._driver.execute_query("CALL db.resampleOutdatedIndexes()", database_=self.database)
        except Exception as exc:
            raise _map_error(exc) from exc

    def read(self, cypher: str, params: dict[str, Any] | None = None, *,
             timeout: float | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        params = params or {}
        shared = self._shared_tx.get()
        if shared is not None and timeout is None:
            return self._read_in(shared, cypher, params, limit)
        @unit_of_work(timeout=timeout or self.default_timeout)
        @_memory_refusal_not_retried
        def work(tx):
            return self._read_in(tx, cypher, params, limit)
        try:
            with self._session(neo4j.READ_ACCESS) as session:
                return session.execute_read(work)
        except Exception as exc:
            raise _map_error(exc) from exc

    def read_together(self, fn: Callable[[], T]) -> T:
        """``fn``'s reads in one read transaction (one snapshot), each a single round trip in it: a
        transaction of its own costs ~2 ms more per read (BEGIN and COMMIT; RETURN 1 measured 3.4 ms
        alone, 1.3 ms inside one), a dozen of them per analysis.  The driver retries the whole of
        ``fn`` on a transient error (reads only: safe to re-run); the transaction's time limit is the
        store's, for all of them."""
        if self._shared_tx.get() is not None:
            return fn()
        @unit_of_work(timeout=self.default_timeout)
        @_memory_refusal_not_retried
        def work(tx):
            token = self._shared_tx.set(tx)
            try:
                return fn()
            finally:
                self._shared_tx.reset(token)
        try:
            with self._session(neo4j.READ_ACCESS) as session:
                return session.execute_read(work)
        except Exception as exc:
            raise _map_error(exc) from exc

    def _read_in(self, tx, cypher: str, params: dict[str, Any], limit: int | None) -> list[dict[str, Any]]:
        """Packed (see _packed) where the text can be, else record by record; at most ``limit`` rows."""
        columns = self._columns_of(cypher, params) if not _UNPACKABLE.search(cypher) else None
        if columns:
            cap = 2**62 if limit is None else limit
            packed = tx.run(_packed(cypher, columns), {**params, _PACK_LIMIT: cap}).single(strict=True)["rows"]
            return [dict(zip(columns, (_normalise(v) for v in row))) for row in packed]
        rows = []
        result = tx.run(cypher, params)
        for record in result:
            if limit is not None and len(rows) >= limit:
                break
            rows.append({k: _normalise(v) for k, v in record.items()})
        result.consume()
        return rows

    def _columns_of(self, cypher: str, params: dict[str, Any]) -> tuple[str, ...] | None:
        """A text's columns when it can be read packed (None: it cannot), found once with EXPLAIN in a
        transaction of its own: an error there (a text CALL { } cannot enclose) must not end the
        transaction the read runs in."""
        if cypher in self._columns:
            return self._columns[cypher]
        def work(tx):
            explained = tx.run("EXPLAIN " + cypher, params)
            cols = tuple(explained.keys())
            explained.consume()
            if cols:
                tx.run("EXPLAIN " + _packed(cypher, cols), {**params, _PACK_LIMIT: 1}).consume()
            return cols
        try:
            with self._session(neo4j.READ_ACCESS) as session:
                columns = session.execute_read(work) or None
        except neo4j_errors.CypherSyntaxError:
            columns = None        # valid alone, not inside CALL { } (or invalid: the plain read says)
        self._remember(cypher, columns)
        return columns

    def _remember(self, cypher: str, columns: tuple[str, ...] | None) -> None:
        if len(self._columns) > 4096:     # texts are the library's (finite); a bound all the same
            self._columns.clear()
        self._columns[cypher] = columns

    def existing_ids(self, ids) -> dict[str, str]:
        """As Store.existing_ids, in one query (an index seek per label, UNION ALL) instead of one query
        per label: each read costs a round trip or two (3-5 ms), ten of them before node or neighbourhood."""
        wanted = list(set(ids))
        if not wanted:
            return {}
        text = " UNION ALL ".join(f"UNWIND $ids AS i MATCH (n:{label.name} {{id: i}}) RETURN n.id AS id, "
                                  f"'{label.name}' AS label" for label in schema.NODE_LABELS)
        return {row["id"]: row["label"] for row in self.read(text, {"ids": wanted})}

    def stream(self, cypher: str, params: dict[str, Any] | None = None, *,
               timeout: float | None = None) -> Iterator[dict[str, Any]]:
        """An auto-commit READ transaction: the driver never retries it, so a query the server
        stops for memory (a TransientError) or time fails once instead of running again."""
        query = neo4j.Query(cypher, timeout=timeout or self.default_timeout)
        try:
            with self._session(neo4j.READ_ACCESS) as session:
                for record in session.run(query, params or {}):
                    yield {k: _normalise(v) for k, v in record.items()}
        except Exception as exc:
            raise _map_error(exc) from exc

    def connection_spec(self) -> dict[str, Any]:
        """For the console's worker: NEO4J_CONSOLE_USER / NEO4J_CONSOLE_PASSWORD name a read-only account
        (the built-in ``reader`` role, Enterprise/Aura) to run console queries as, when set."""
        user = os.environ.get("NEO4J_CONSOLE_USER")
        password = os.environ.get("NEO4J_CONSOLE_PASSWORD", "") if user else self._password
        return {"backend": self.backend, "uri": self.uri, "user": user or self._user, "password": password,
                "database": self.database}

    @contextmanager
    def read_only_view(self) -> Iterator["Neo4jStore"]:
        """Reads already run in READ access mode transactions, which Neo4j keeps from writing."""
        yield self

    def _write(self, work: Callable[[_Neo4jTx], Any]) -> Any:
        if self.read_only:
            raise ReadOnlyViolation(f"the Neo4j store at {self.uri} is open read-only")
        try:
            with self._session(neo4j.WRITE_ACCESS) as session:
                return session.execute_write(_memory_refusal_not_retried(lambda tx: work(_Neo4jTx(tx, self))))
        except Exception as exc:
            raise _map_error(exc) from exc

    def clear(self) -> None:
        # Batched so a large graph does not need one huge transaction's memory.
        while True:
            done = self.write(maintain=False, work=lambda tx: tx.run(
                "MATCH (n) WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS c")[0]["c"])
            if done == 0:
                return

    def close(self) -> None:
        driver = getattr(self, "_driver", None)
        if driver is not None:
            driver.close()
            self._driver = None
