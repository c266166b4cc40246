"""The query library's index: every analysis, its parameters with defaults, and how to run it.

The app and the CLI both go through ``get(name).run(store, **params)``, so no Cypher lives in
either.  Parameters reach Cypher only as query parameters, never by string formatting.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import pandas as pd

from graph.store import Store


@dataclass
class Subgraph:
    """Nodes and relationships to draw: nodes keyed by id, relationships by endpoint ids."""
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)   # id -> {label, name, …}
    edges: list[dict[str, Any]] = field(default_factory=list)       # {from, to, type, …}
    _seen: set = field(default_factory=set, repr=False)             # (from, to, type) already added

    def add_node(self, node_id: str, label: str, name: str, **props) -> None:
        self.nodes.setdefault(node_id, {"id": node_id, "label": label, "name": name, **props})

    def add_edge(self, a: str, b: str, rel_type: str, **props) -> None:
        if not self._seen and self.edges:   # edges given to the constructor
            self._seen.update((e["from"], e["to"], e["type"]) for e in self.edges)
        key = (a, b, rel_type)
        if key not in self._seen:
            self._seen.add(key)
            self.edges.append({"from": a, "to": b, "type": rel_type, **props})

    def merge(self, other: "Subgraph") -> None:
        for node_id, node in other.nodes.items():
            self.nodes.setdefault(node_id, node)
        for edge in other.edges:
            extra = {k: v for k, v in edge.items() if k not in ("from", "to", "type")}
            self.add_edge(edge["from"], edge["to"], edge["type"], **extra)


@dataclass
class QueryResult:
    table: pd.DataFrame
    graph: Subgraph | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Extra tables that belong to the answer in every output (CLI table/JSON), e.g. what_if's leads.
    sections: list[str] = field(default_factory=list)


@dataclass
class QuerySpec:
    name: str
    title_zh: str
    description: str
    params: dict[str, Any]
    fn: Callable[..., QueryResult]

    def coerce(self, given: dict[str, Any]) -> dict[str, Any]:
        """Check names and convert values to the type of each default; unknown names are errors."""
        unknown = set(given) - set(self.params)
        if unknown:
            raise ValueError(f"{self.name}: unknown parameter(s) {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(self.params) or '(none)'}")
        out = dict(self.params)
        for key, value in given.items():
            default = self.params[key]
            try:
                if isinstance(default, bool):
                    value = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "是")
                elif isinstance(default, int):
                    value = int(value)
                elif isinstance(default, float):
                    value = float(value)
                elif isinstance(default, list) and isinstance(value, str):
                    value = [v for v in value.split(",") if v]
            except (TypeError, ValueError):
                raise ValueError(f"{self.name}: parameter {key} expects {type(default).__name__}, "
                                 f"got {value!r}") from None
            out[key] = value
        return out

    def run(self, store: Store, **params) -> QueryResult:
        """Names → ids and range checks first (queries/resolve.py: a ValueError names the problem);
        an empty answer says why (queries/explain_empty.py, ``extra["why_empty"]``)."""
        from queries.explain_empty import why_empty
        from queries.resolve import remembering_labels, resolve_params
        coerced = self.coerce(params)

        def answer() -> QueryResult:
            with remembering_labels():      # the analysis reuses the labels resolution found
                given = resolve_params(store, self.name, coerced)
                result = self.fn(store, **given)
                if result.table.empty:
                    result.extra["why_empty"] = why_empty(store, self.name, given)
                return result
        return store.read_together(answer)    # every read of one answer sees the same graph


_QUERIES: dict[str, QuerySpec] = {}


def query(name: str, title_zh: str, description: str, **params):
    """Register an analysis: ``fn(store, **params) -> QueryResult``."""
    def register(fn):
        _QUERIES[name] = QuerySpec(name, title_zh, description, params, fn)
        return fn
    return register


def _load_all() -> None:
    # Importing the modules registers their queries.
    from queries import chain, explore, firm, leads, ledgers, overview, paths, products  # noqa: F401


def all_queries() -> list[QuerySpec]:
    _load_all()
    return list(_QUERIES.values())


def get(name: str) -> QuerySpec:
    _load_all()
    if name not in _QUERIES:
        raise KeyError(f"unknown analysis {name!r}; known: {', '.join(_QUERIES)}")
    return _QUERIES[name]
