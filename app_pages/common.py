"""What every page shares: the open store, the language switch, the first-run load, errors."""
from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from graph import open_store
from graph.store import Store, StoreError

BUNDLED = Path(__file__).resolve().parent.parent / "data" / "ordos_hightech"


def tr(zh: str, en: str) -> str:
    """Chinese first; English when the user switched language in Settings."""
    return en if st.session_state.get("lang") == "en" else zh


@st.cache_resource(show_spinner=False)
def _store(backend: str, data_dir: str) -> Store:
    options = {"data_dir": data_dir} if backend == "embedded" else {}
    store = open_store(backend, **options)
    if os.environ.get("CHAINGRAPH_AUTOLOAD", "1") == "1" and is_empty(store):
        # First run on an empty store: the bundled 鄂尔多斯高新区 dataset, loaded in-process (on the
        # embedded store only one process may write, so the app does not shell out to the CLI).
        from loaders.load import load_paths
        load_paths(store, [BUNDLED])
    return store


def is_empty(store: Store) -> bool:
    return not any(store.counts()["nodes"].values())


def backend() -> str:
    return os.environ.get("CHAINGRAPH_STORE", "embedded")


def get_store() -> Store | None:
    """The store, or None after showing a clear message and a retry button (never a stack trace)."""
    try:
        return _store(backend(), os.environ.get("CHAINGRAPH_DATA_DIR", ".chaingraph"))
    except StoreError as exc:
        st.error(tr("无法连接图数据库：", "Cannot reach the graph store: ") + str(exc))
        if st.button(tr("重试", "Retry")):
            _store.clear()
            st.rerun()
        return None


def data_changed() -> None:
    """After an import: drop cached query results so every page reads the new graph."""
    st.cache_data.clear()


@st.cache_data(show_spinner=False, max_entries=256)
def _cached(backend_name: str, name: str, frozen: tuple):
    from queries import registry
    store = get_store()
    return registry.get(name).run(store, **dict((k, list(v) if isinstance(v, tuple) else v) for k, v in frozen))


def cached_query(name: str, **params):
    """Run a library query through Streamlit's cache (cleared after every import)."""
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    return _cached(backend(), name, frozen)
