"""Names as well as ids for the analyses' parameters, and range checks on their values.

``chaingraph query updown --param id=比亚迪`` and the app's text boxes take what a planner knows: an
id, a name, a short name (简称), a credit code or a stock code.  A value that is an id of the right
label is kept; otherwise it must match one node exactly (name, 简称, credit or stock code), labels
tried in order (updown: Enterprise, Segment, Project, Product — "比亚迪" is the firm, not the product
of that name); several matches of one label, or none, stop the analysis with the candidates
("did you mean 比亚迪 (co:002594)?").
Every value reaches Cypher as a parameter.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

from graph import schema
from graph.store import Store

# Which labels each parameter names (an analysis's parameter of that name).
PARAM_LABELS = {
    "chain": ("Chain",), "chains": ("Chain",), "segment": ("Segment",), "alliance": ("Alliance",),
    "product": ("Product",),
}
ID_LABELS = {"updown": ("Enterprise", "Segment", "Project", "Product"),
             "node": tuple(n.name for n in schema.NODE_LABELS)}
# Integer ranges and allowed words: a value outside is an error, never clamped silently.
RANGES = {"depth": (1, 6), "firms": (1, 100_000), "weak_threshold": (1, 1_000_000), "max_paths": (1, 1_000),
          "cap": (1, 100_000), "limit": (1, 100_000)}
CHOICES = {"direction": ("up", "down", "both")}

# A primary-key lookup per label, all in one query (one round trip: Neo4j's is 3-4 ms each); the
# label comes back with the row, and the first label in the caller's order wins.
BY_ID = "MATCH (n:{label} {{id: $v}}) RETURN n.id AS id, n.name AS name, '{label}' AS label"
# Exact matches on the properties people know a node by (each declared for the label).
KEYS = ("name", "short_name", "credit_code", "listed_code")
BY_KEY = "MATCH (n:{label}) WHERE n.{key} = $v RETURN n.id AS id, n.name AS name, '{label}' AS label"
NEAR = ("MATCH (n:{label}) WHERE n.name CONTAINS $v OR n.id CONTAINS $v "
        "RETURN n.id AS id, n.name AS name, '{label}' AS label LIMIT 10")


# The label of each id resolved during one answer (QuerySpec.run): node and updown need it again, and
# on Neo4j every read is a round trip.
_resolved: ContextVar[dict[str, str] | None] = ContextVar("resolved_labels", default=None)


@contextmanager
def remembering_labels() -> Iterator[None]:
    token = _resolved.set({})
    try:
        yield
    finally:
        _resolved.reset(token)


def resolved_label(node_id: str) -> str | None:
    """The label ``resolve`` found for this id during the current answer (None: not resolved in it)."""
    return (_resolved.get() or {}).get(node_id)


class Unresolved(ValueError):
    """A name or id that matches no node, or several: the message lists candidates (zh / en)."""


def _candidates(rows: list[dict]) -> str:
    return "、".join(f"{r['name']} ({r['id']})" for r in sorted(rows, key=lambda r: r["id"])[:10])


def candidates(store: Store, value: str, labels: tuple[str, ...]) -> tuple[list[dict], bool]:
    """(rows, exact): the node ``value`` is the id of, else every node it names exactly (name, 简称,
    credit or stock code; labels in the order given, the first label with a match wins), each row
    {id, name, label}; when none, up to 10 per label whose name or id contains it (exact False).
    The app offers these as choices; ``resolve`` turns them into an id or a message."""
    text = str(value).strip()
    rows = store.read(" UNION ALL ".join(BY_ID.format(label=label) for label in labels), {"v": text})
    if rows:
        return [min(rows, key=lambda r: labels.index(r["label"]))], True
    # Every label's keys in one query, then every label's near names in one (a round trip each).
    exact_rows = store.read(" UNION ALL ".join(BY_KEY.format(label=label, key=key) for label in labels
                                               for key in KEYS if schema.LABELS[label].prop(key) is not None),
                            {"v": text})
    for label in labels:        # in the order given: a firm named like a product is the firm
        found = {r["id"]: r for r in exact_rows if r["label"] == label}
        if found:
            return sorted(found.values(), key=lambda r: r["id"]), True
    near: dict[str, dict] = {}
    for r in sorted(store.read(" UNION ALL ".join(NEAR.format(label=label) for label in labels), {"v": text}),
                    key=lambda r: labels.index(r["label"])):
        near.setdefault(r["id"], r)
    return sorted(near.values(), key=lambda r: r["id"]), False


def resolve(store: Store, value: str, labels: tuple[str, ...], param: str = "id") -> str:
    """The id ``value`` stands for among ``labels`` (see the module docstring)."""
    text = str(value).strip()
    rows, exact = candidates(store, text, labels)
    if exact and len(rows) == 1:
        remembered = _resolved.get()
        if remembered is not None:
            remembered[rows[0]["id"]] = rows[0]["label"]
        return rows[0]["id"]
    what = "/".join(schema.LABELS[label].zh for label in labels) if len(labels) < 4 else "节点"
    if exact:
        raise Unresolved(f"{param}={text!r} 对应多个{what}，请用编号指定 / matches several, give an id: "
                         f"{_candidates(rows)}")
    hint = f"，是否指 / did you mean {_candidates(rows)}?" if rows else ""
    english = "/".join(label.lower() for label in labels) if len(labels) < 5 else "node"
    raise Unresolved(f"{param}={text!r}: 未找到该{what} / unknown {english} (no such id or name){hint}")


def resolve_params(store: Store, analysis: str, params: dict) -> dict:
    """Names → ids for the parameters that name nodes; values out of range are errors."""
    check_values(analysis, params)
    out = dict(params)
    for key, value in params.items():
        labels = ID_LABELS.get(analysis) if key in ("id", "ids") else PARAM_LABELS.get(key)
        if not labels:
            continue
        if isinstance(value, list):
            out[key] = [resolve(store, v, labels, key) for v in value if str(v).strip()]
        elif isinstance(value, str) and value.strip():
            out[key] = resolve(store, value, labels, key)
    return out


def check_values(analysis: str, params: dict) -> None:
    for key, (low, high) in RANGES.items():
        if key in params and isinstance(params[key], int) and not low <= params[key] <= high:
            raise ValueError(f"{analysis}: {key}={params[key]} 超出范围 / out of range: {low}…{high}")
    for key, allowed in CHOICES.items():
        if key in params and params[key] not in allowed:
            raise ValueError(f"{analysis}: {key}={params[key]!r} 无效 / invalid; one of {', '.join(allowed)}")
