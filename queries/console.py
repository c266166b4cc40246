"""The read-only Cypher console: a guard before anything is sent, then a bounded read-only run.

Layers, because any one alone can be wrong:
1. ``queries.console_guard``: a lexer over the exact text the engine will run, and an allow-list of
   clauses (MATCH, OPTIONAL MATCH, WHERE, WITH, UNWIND, RETURN, ORDER BY, SKIP, LIMIT, UNION) and
   functions; no CALL, no subqueries, one statement, ASCII outside strings and `quoted` names;
2. the engine's read-only mode (Neo4j READ access; a read-only LadybugDB open), which refuses writes;
3. ``queries.console_runner``: a child process with a memory cap, a wall-clock deadline and a result
   cap in rows and bytes, so no query can take the app down; on the embedded store the child locks
   itself out of the file system before the query runs (``queries.console_sandbox``, seccomp), since
   LadybugDB's read-only mode still reads and writes files (LOAD FROM, COPY TO);
4. on Neo4j, the server's own settings: no file URLs in LOAD CSV, a memory cap per transaction.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from graph.store import Store
from queries.console_guard import ConsoleRefused, check_read_only

__all__ = ["ConsoleRefused", "ConsoleResult", "check_read_only", "run_console", "graph_from_rows"]


@dataclass
class ConsoleResult:
    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool
    cut: str | None = None          # "rows" (row cap) or "bytes" (result size cap) when truncated


def run_console(store: Store, text: str, params: dict[str, Any] | None = None, *, row_cap: int = 1000,
                timeout: float = 30.0, memory_mb: int | None = None, result_mb: float | None = None,
                warm: bool = True) -> ConsoleResult:
    """Check ``text``, then run it read-only in a bounded child process (see ``queries.console_runner``)."""
    from queries.console_runner import run_bounded
    check_read_only(text)
    if not isinstance(params, (dict, type(None))):
        raise ConsoleRefused("parameters must be a JSON object / 参数必须是 JSON 对象")
    try:
        json.dumps(params)                 # they travel to the worker process as JSON
    except (TypeError, ValueError) as exc:
        raise ConsoleRefused(f"parameters must be JSON values / 参数必须是 JSON 值: {exc}") from None
    reply = run_bounded(store, text, params or {}, row_cap=row_cap, timeout=timeout, memory_mb=memory_mb,
                        result_mb=result_mb, warm=warm)
    rows = reply["rows"]
    columns = list(rows[0]) if rows else []
    shown = _as_written(text, columns)
    if shown != columns:
        rows = [dict(zip(shown, row.values())) for row in rows]
        columns = shown
    return ConsoleResult(columns, rows, reply["truncated"], reply["cut"])


def _as_written(text: str, columns: list[str]) -> list[str]:
    """Column names as the user wrote the RETURN items: LadybugDB names an unaliased ``label(r)``
    after its internal form (``LABEL(r._ID,[…,MEMBER_OF,…])``), Neo4j after the text.  Aliases and
    anything that cannot be matched item for item keep the engine's names."""
    from queries.cypher_lexer import LexError, tokenize
    try:
        tokens = tokenize(text)
    except LexError:
        return columns
    depth, start = 0, None
    for i, t in enumerate(tokens):           # the last RETURN at the top level
        if t.text in "([{":
            depth += 1
        elif t.text in ")]}":
            depth -= 1
        elif depth == 0 and t.kind == "word" and t.upper == "RETURN":
            start = i + 1
    if start is None:
        return columns
    if start < len(tokens) and tokens[start].kind == "word" and tokens[start].upper == "DISTINCT":
        start += 1
    items, current, depth = [], [], 0
    for t in tokens[start:]:
        if depth == 0 and t.kind == "word" and t.upper in ("ORDER", "SKIP", "LIMIT", "UNION"):
            break
        if t.text in "([{":
            depth += 1
        elif t.text in ")]}":
            depth -= 1
        if depth == 0 and t.text == ",":
            items.append(current)
            current = []
        elif not (t.kind == "punct" and t.text == ";"):
            current.append(t)
    items.append(current)
    if len(items) != len(columns) or not all(items):
        return columns
    shown = []
    for item, column in zip(items, columns):
        aliased = any(t.kind == "word" and t.upper == "AS" for t in item)
        written = " ".join(text[item[0].pos:item[-1].pos + len(item[-1].text)].split())
        shown.append(column if aliased or written == "*" else written)
    return shown if len(set(shown)) == len(shown) else columns


def graph_from_rows(rows: list[dict[str, Any]]):
    """Nodes, relationships and paths in a console result, as a Subgraph to draw (None if there are none).

    Nodes are keyed by the engine's own key (``_key``), since a relationship names its ends by it."""
    from queries.registry import Subgraph
    graph = Subgraph()
    rels: list[dict[str, Any]] = []

    def visit(value: Any) -> None:
        if isinstance(value, dict) and "_label" in value and "_key" in value:
            graph.add_node(value["_key"], value["_label"], str(value.get("name") or value.get("id") or value["_key"]),
                           graph_id=value.get("id"))
        elif isinstance(value, dict) and "_type" in value:
            rels.append(value)
        elif isinstance(value, dict) and "_nodes" in value:
            for item in value["_nodes"] + value["_rels"]:
                visit(item)
        elif isinstance(value, list):
            for item in value:
                visit(item)

    for row in rows:
        for value in row.values():
            visit(value)
    for rel in rels:
        if rel["_src"] in graph.nodes and rel["_dst"] in graph.nodes:
            graph.add_edge(rel["_src"], rel["_dst"], rel["_type"])
    return graph if graph.nodes else None
