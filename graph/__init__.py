"""ChainGraph's graph model (schema registry) and its two stores behind one protocol."""
from __future__ import annotations

import os

from graph.store import Store, StoreError

BACKENDS = ("embedded", "neo4j")


def open_store(backend: str | None = None, *, read_only: bool = False, **options) -> Store:
    """Open the store named by ``backend`` or ``CHAINGRAPH_STORE`` (default: embedded)."""
    backend = backend or os.environ.get("CHAINGRAPH_STORE", "embedded")
    if backend == "embedded":
        from graph.embedded import EmbeddedStore
        store = EmbeddedStore(options.pop("data_dir", None), read_only=read_only, **options)
    elif backend == "neo4j":
        from graph.neo4j_store import Neo4jStore
        options.pop("data_dir", None)   # CHAINGRAPH_DATA_DIR concerns the embedded store only
        store = Neo4jStore(read_only=read_only, **options)
    else:
        raise StoreError(f"unknown store {backend!r}: choose one of {', '.join(BACKENDS)}")
    if not read_only:
        from queries.lead_aggregates import ensure
        ensure(store)
    return store
