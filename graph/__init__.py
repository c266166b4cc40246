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
        return EmbeddedStore(options.pop("data_dir", None), read_only=read_only, **options)
    if backend == "neo4j":
        from graph.neo4j_store import Neo4jStore
        options.pop("data_dir", None)   # CHAINGRAPH_DATA_DIR concerns the embedded store only
        return Neo4jStore(read_only=read_only, **options)
    raise StoreError(f"unknown store {backend!r}: choose one of {', '.join(BACKENDS)}")
