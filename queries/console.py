"""The read-only Cypher console: a guard before anything is sent, then the store's read-only mode.

Two layers, because either alone can be wrong: (1) the text is normalised (Unicode NFKC, so
look-alike letters fold; comments and string literals removed, so neither hides nor fakes a
clause) and refused if it holds a write clause, a schema/admin command, ``LOAD CSV``, ``USE``,
more than one statement, or a procedure call not on a short list of read-only ones; (2) what
passes runs in a read transaction (Neo4j READ access mode; on the embedded store a read-only
database open), which refuses writes by itself.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from graph.store import Store

WRITE_WORDS = ("CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "DROP", "ALTER", "RENAME",
               "GRANT", "DENY", "REVOKE", "FOREACH", "COPY", "INSTALL", "LOAD", "ATTACH", "DETACH",
               "IMPORT", "EXPORT", "CHECKPOINT", "BEGIN", "COMMIT", "ROLLBACK", "USE", "START", "STOP",
               "TERMINATE", "ENABLE", "DISABLE", "INSERT", "UPDATE", "UPSERT", "TRUNCATE")
# Procedures that only read the catalogue; every other CALL is refused.
READ_PROCEDURES = {"db.labels", "db.relationshiptypes", "db.propertykeys", "db.schema.visualization",
                   "db.schema.nodetypeproperties", "db.schema.reltypeproperties", "show_tables",
                   "table_info", "show_connection", "db.indexes", "db.constraints"}
READ_SHOW = {"INDEXES", "INDEX", "CONSTRAINTS", "CONSTRAINT", "FUNCTIONS", "PROCEDURES"}

_COMMENTS = re.compile(r"//[^\n]*|/\*.*?(\*/|$)", re.S)
_STRINGS = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", re.S)
_BACKTICKS = re.compile(r"`(?:[^`]|``)*`")


class ConsoleRefused(Exception):
    """The query was refused before anything was sent to the store."""


@dataclass
class ConsoleResult:
    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool


def normalise(text: str) -> str:
    """Fold look-alikes, then blank out comments, string literals and quoted names."""
    folded = unicodedata.normalize("NFKC", text)
    without_strings = _STRINGS.sub("''", folded)
    without_comments = _COMMENTS.sub(" ", without_strings)
    clean = _BACKTICKS.sub("``", without_comments)
    # Letters from other scripts that look Latin (Cyrillic е, Greek Ε…) would slip past NFKC.
    if any(ord(ch) > 127 and unicodedata.category(ch).startswith("L") and _looks_latin(ch) for ch in clean):
        raise ConsoleRefused("the query contains letters that look Latin but are not (e.g. Cyrillic); "
                             "retype it in plain ASCII / 查询中含有形似拉丁字母的字符")
    return clean


def _looks_latin(ch: str) -> bool:
    name = unicodedata.name(ch, "")
    return any(script in name for script in ("CYRILLIC", "GREEK", "LATIN", "FULLWIDTH", "MATHEMATICAL"))


def check_read_only(text: str) -> None:
    """Raise ConsoleRefused with the reason when ``text`` is not a single read-only query."""
    if not text or not text.strip():
        raise ConsoleRefused("empty query / 查询为空")
    clean = normalise(text)
    body = clean.strip().rstrip(";").strip()
    if ";" in body:
        raise ConsoleRefused("one statement at a time: ';' separates several / 每次只能执行一条语句")
    if not body:
        raise ConsoleRefused("the query is only comments / 查询只有注释")
    words = re.findall(r"[A-Za-z_][A-Za-z_0-9.]*", body)
    upper = [w.upper() for w in words]
    for i, word in enumerate(upper):
        if word in WRITE_WORDS:
            raise ConsoleRefused(f"{word} changes the graph or the server: the console is read-only / 控制台只读")
        if word == "SHOW" and (i + 1 >= len(upper) or upper[i + 1] not in READ_SHOW):
            raise ConsoleRefused("SHOW … is an administration command: only SHOW INDEXES/CONSTRAINTS are allowed")
        if word == "CALL":
            name = words[i + 1].lower() if i + 1 < len(words) else ""
            if name not in READ_PROCEDURES:
                raise ConsoleRefused(f"procedure {name or '(none)'} is not on the console's read-only list: "
                                     f"{', '.join(sorted(READ_PROCEDURES))}")
    if re.search(r"\bCALL\s*\{", body, re.I):
        raise ConsoleRefused("CALL { … } subqueries are not allowed in the console")


def run_console(store: Store, text: str, params: dict[str, Any] | None = None, *, row_cap: int = 1000,
                timeout: float = 30.0) -> ConsoleResult:
    check_read_only(text)
    if not isinstance(params, (dict, type(None))):
        raise ConsoleRefused("parameters must be a JSON object")
    with store.read_only_view() as view:
        rows = view.read(text, params or {}, timeout=timeout, limit=row_cap + 1)
    truncated = len(rows) > row_cap
    rows = rows[:row_cap]
    columns = list(rows[0]) if rows else []
    return ConsoleResult(columns, rows, truncated)


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
