"""Per-backend query text: the common Cypher subset both stores run, and a backend's own variant where
it has a faster form (docs/neo4j-plans.md: what each variant does, and the PROFILE that chose it).

    MEMBERS = Dialect(common="MATCH … (the portable text)", neo4j="MATCH … USING JOIN ON e …")
    store.read(MEMBERS.text(store))

A variant answers exactly as the common text does (the same rows, in the same order where the text
orders them).  tests/test_dialect.py runs the analyses on Neo4j with and without the variants
(``common_only``), compares the answers, and checks that every variant declared here was run.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

DECLARED: list["Dialect"] = []          # every query with a variant, in declaration order
RUN: set[int] = set()                   # ids of the Dialects whose own variant has been run
_common_only: ContextVar[bool] = ContextVar("common_only", default=False)


class Dialect:
    """One query: ``common`` for every store, ``neo4j`` / ``embedded`` for that backend alone."""

    def __init__(self, common: str | None, *, neo4j: str | None = None, embedded: str | None = None, name: str = ""):
        self.common, self.own, self.name = common, {"neo4j": neo4j, "embedded": embedded}, name
        DECLARED.append(self)

    def text(self, store) -> str | None:
        """This store's text; None (``common=None``) where only a backend has a one-query form and the
        others take the caller's portable path (several portable queries)."""
        own = self.own.get(store.backend)
        if own is None or _common_only.get():
            return self.common
        RUN.add(id(self))
        return own


@contextmanager
def common_only() -> Iterator[None]:
    """Every Dialect answers with its common text (the tests compare both)."""
    token = _common_only.set(True)
    try:
        yield
    finally:
        _common_only.reset(token)


def neo4j_degree_count(rel: str, source: str, target: str, column: str) -> str:
    """Neo4j: per ``target`` node, its ``rel`` relationships from ``source`` nodes, as the common
    ``MATCH (:source)-[:rel]->(t:target) WITH t, count(*)`` counts them (targets with none: no row).
    Neo4j keeps a dense node's degree per type, so ``COUNT { (t)<-[:rel]-() }`` reads no relationship;
    the relationships from the schema's other labels (graph/schema.py) are subtracted, read from their
    side (docs/neo4j-plans.md 4: segments' firms 68 → 15 ms, alliances' members 10 → 1 ms at 100k)."""
    from graph import schema
    others = [a for a, b in schema.RELS[rel].pairs if b == target and a != source]
    subtract = "".join(f" UNION ALL MATCH (o:{label})-[:{rel}]->(t:{target}) USING SCAN o:{label} "
                       "RETURN t, -count(*) AS n" for label in others)
    return (f"CALL {{ MATCH (t:{target}) RETURN t, COUNT {{ (t)<-[:{rel}]-() }} AS n{subtract} }} "
            f"WITH t, sum(n) AS n WHERE n > 0 RETURN t.id AS {column}, n")
