"""What every page shares: the open store, the language switch, the first-run load, errors."""
from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from graph import open_store
from graph.store import Store, StoreError, redact

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
        store_trouble(exc)
        return None


def store_trouble(exc: Exception) -> None:
    st.error(tr("无法连接图数据库：", "Cannot reach the graph store: ") + redact(str(exc)))
    if st.button(tr("重试", "Retry"), key="store_retry"):
        _store.clear()
        st.cache_data.clear()
        st.rerun()


# Column names as planners read them (the query library's tables use English names).
COLUMNS_ZH = {
    "metric": "指标代码", "value": "数值", "position": "顺序", "segment": "环节编号", "name": "名称", "stage": "位置",
    "in_zone_firms": "园区企业数", "key_firms": "链主/龙头", "out_of_zone_firms": "园外企业数", "projects": "项目数",
    "investment": "投资(亿元)", "institutes": "科研机构", "status": "状态", "status_en": "status",
    "chain": "产业链编号", "chain_name": "产业链", "upstream": "上游", "downstream": "下游",
    "strong_neighbours": "依赖它的强环节", "candidates": "园外候选", "score": "优先级/得分", "reason_zh": "原因",
    "reason_en": "reason", "rank": "排名", "lead": "线索编号", "region": "地区", "segments": "所在环节", "gap": "补链",
    "ties": "关系数", "partners": "园区伙伴", "explanation_zh": "得分说明", "explanation_en": "explanation",
    "paths": "关系路径", "direction": "方向", "type": "关系类型", "label": "类型", "label_zh": "类型(中文)",
    "basis": "依据", "match": "匹配度", "id": "编号", "distance": "距离", "in_zone": "园区内", "path": "路径", "from": "起点",
    "property": "属性", "kind": "类别", "rows": "行数", "created": "新建", "updated": "更新", "file": "文件",
    "row": "行", "column": "列", "reason": "原因",
}


def localise(frame):
    """The table with Chinese column names, unless the user chose English."""
    if st.session_state.get("lang") == "en":
        return frame
    return frame.rename(columns={c: COLUMNS_ZH[c] for c in frame.columns if c in COLUMNS_ZH})


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


def why_empty(result) -> None:
    """An empty answer says why (queries/explain_empty.py), in the interface's language."""
    reason = result.extra.get("why_empty")
    if result.table.empty and reason:
        zh, _, en = reason.partition(" / ")
        st.info(tr(zh, en or zh))
