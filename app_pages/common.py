"""What every page shares: the open store, the language switch, the first-run load, errors."""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

import streamlit as st

from graph import open_store, schema
from graph.store import Store, StoreError, redact

BUNDLED = Path(__file__).resolve().parent.parent / "data" / "ordos_hightech"


# Every ASCII character Markdown (and Streamlit's extensions: :emoji:, :red[…], $math$) gives a
# meaning to; a backslash before each makes it literal (CommonMark allows it before any punctuation).
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&\"'=^])")


def md(value) -> str:
    """Data (a name, a file name, an error about user input) as literal text inside Markdown: a name
    like ``![t](http://host/x.png)`` or ``<img onerror=…>`` is shown, never rendered or fetched.
    Every st.markdown / caption / subheader / write / info / warning / error / success text and
    widget label that holds data goes through this."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", str(value)).replace("\n", " ")


def language_from_link() -> None:
    """``?lang=en`` (or ``zh``) in a link opens the app in that language for the session (a page load
    starts a new session, which would otherwise be Chinese); the parameter is then dropped from the
    address, so the Settings switch is not overridden by it."""
    wanted = st.query_params.get("lang")
    if wanted is not None:
        del st.query_params["lang"]
        if wanted in ("zh", "en"):
            st.session_state["lang"] = wanted


def int_param(name: str, default: int, low: int, high: int) -> int:
    """A whole number from the URL, kept within [low, high]; anything else is named and replaced by the
    default (a hand-edited link must never show a stack trace)."""
    raw = st.query_params.get(name)
    if raw is None:
        return default
    try:
        return min(max(int(raw), low), high)
    except ValueError:
        st.warning(tr(f"链接参数 {name} 无效（应为 {low}–{high} 的整数），已改用 {default}。",
                      f"Link parameter {name} is not a whole number from {low} to {high}: using {default}."))
        return default


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
        from security import writes
        writes.load(store, [BUNDLED], who="system:first-run", data_dir=data_dir)
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
    st.error(tr("无法连接图数据库：", "Cannot reach the graph store: ") + md(redact(str(exc))))
    if st.button(tr("重试", "Retry"), key="store_retry"):
        _store.clear()
        st.cache_data.clear()
        st.rerun()


# Column names as planners read them (the query library's tables use English names).
COLUMNS_ZH = {
    "metric": "指标代码", "value": "数值", "position": "顺序", "segment": "环节编号", "name": "名称", "stage": "位置",
    "in_zone_firms": "园区企业数", "key_firms": "链主/龙头", "out_of_zone_firms": "园外企业数", "projects": "项目数",
    "investment": "投资(亿元)", "institutes": "科研机构", "status": "状态",
    "chain": "产业链编号", "chain_name": "产业链", "upstream": "上游", "downstream": "下游",
    "strong_neighbours": "依赖它的强环节", "candidates": "园外候选", "score": "优先级/得分", "reason_zh": "原因",
    "rank": "排名", "lead": "线索编号", "region": "地区", "segments": "所在环节", "gap": "补链",
    "ties": "关系数", "partners": "园区伙伴", "explanation_zh": "得分说明",
    "paths": "关系路径", "direction": "方向", "type": "关系类型", "label": "类型",
    "basis": "依据", "match": "匹配度", "id": "编号", "distance": "距离", "in_zone": "园区内", "path": "路径", "from": "起点",
    "property": "属性", "kind": "类别", "rows": "行数", "created": "新建", "updated": "更新", "file": "文件",
    "row": "行", "column": "列", "reason": "原因", "unchanged": "未变",
}


# Values that are codes rather than data: shown in the user's language.
DIRECTION_ZH = {"out": "出", "in": "入", "up": "上游", "down": "下游", "both": "双向"}
BASIS_ZH = {"recorded": "记录", "inferred": "推断"}
KIND_ZH = {"segment": "环节", "product": "产品"}     # what a panorama/gaps row is (a chain given as products)
# The analyses' status codes in English; columns holding the schema's vocabularies (graph/schema.py
# VOCABULARY_EN: stages, firm kinds, statuses, categories, levels) are shown by their English names.
STATUS_EN = {"缺": "missing", "弱": "weak", "强": "strong"}
VALUES_EN = {"status": STATUS_EN, "gap": STATUS_EN}
VOCABULARY_COLUMNS = ("status", "stage", "kind", "category", "level", "form", "org_type", "sector", "role")


def multiselect(label: str, options, **kwargs):
    """st.multiselect in the user's language: Streamlit's own "Choose options" and "Select all" are
    English, so the placeholder is given and "select all" offered only in English."""
    kwargs.setdefault("placeholder", tr("请选择（可多选）", "Choose options"))
    kwargs.setdefault("select_all", english())
    return st.multiselect(label, options, **kwargs)


def english() -> bool:
    return st.session_state.get("lang") == "en"


def yes_no(value):
    """Booleans as a planner reads them (是/否 or yes/no); anything else unchanged."""
    if isinstance(value, bool):
        return tr("是", "yes") if value else tr("否", "no")
    return value


def label_name(label: str, en: bool | None = None) -> str:
    """A node label or relationship type in the user's language (the schema registry's Chinese names);
    ``en`` picks the language outside a page run (the light view's builder)."""
    from graph import schema
    if english() if en is None else en:
        return label
    item = schema.LABELS.get(label) or schema.RELS.get(label)
    return item.zh if item else label


def _other_language(column: str, columns: set[str]) -> bool:
    """A column meant for the other language: ``x_en`` in Chinese; ``x_zh`` (and the overview's 指标) in
    English; in Chinese also ``label_zh``, whose twin ``label`` is shown in Chinese anyway, and the
    overview's English metric codes beside their Chinese names."""
    if english():
        return column.endswith("_zh") or (column == "指标" and "metric" in columns) or \
            (column == "中文名" and "property" in columns)
    return column.endswith("_en") or column == "label_zh" or (column == "metric" and "指标" in columns) or \
        (column == "property" and "中文名" in columns)


def localise(frame):
    """A table as the user reads it: one language only.  In Chinese, column names from COLUMNS_ZH, the
    English twins of columns dropped (status_en, reason_en …), codes (labels, relationship types,
    directions) and booleans in Chinese; in English, the Chinese twins dropped, an ``x_en`` column shown
    as ``x`` in place of its Chinese twin, status and stage words in English, names in words
    (in_zone_firms → in zone firms)."""
    frame = frame.drop(columns=[c for c in frame.columns if _other_language(c, set(frame.columns))])
    for column in frame.columns:
        if frame[column].dtype == bool or frame[column].map(lambda v: isinstance(v, bool)).any():
            frame[column] = frame[column].map(yes_no)
    if english():
        return _english(frame)
    for column, names in (("label", None), ("type", None), ("direction", DIRECTION_ZH), ("basis", BASIS_ZH),
                          ("kind", KIND_ZH)):
        if column in frame.columns:
            frame[column] = frame[column].map(lambda v: (names or {}).get(v, v) if names else
                                              (label_name(v) if isinstance(v, str) else v))
    return frame.rename(columns={c: COLUMNS_ZH[c] for c in frame.columns if c in COLUMNS_ZH})


def _english(frame):
    twins = [c for c in frame.columns if c.endswith("_en")]
    frame = frame.drop(columns=[c[:-3] for c in twins if c[:-3] in frame.columns])
    frame = frame.rename(columns={c: c[:-3] for c in twins})
    for column, names in VALUES_EN.items():
        if column in frame.columns:
            frame[column] = frame[column].map(lambda v: names.get(v, v) if isinstance(v, str) else v)
    for column in VOCABULARY_COLUMNS:
        if column in frame.columns:
            frame[column] = frame[column].map(schema.english_value)
    return frame.rename(columns={c: c.replace("_", " ") for c in frame.columns if isinstance(c, str)})


def data_changed() -> None:
    """After an import: drop cached query results so every page reads the new graph."""
    st.cache_data.clear()


DEFAULT_CACHE_TTL_S = 60
clock = time.time          # the cache periods' clock (a test moves it instead of waiting)


def cache_ttl() -> float:
    """Seconds a cached answer may be shown (``CHAINGRAPH_CACHE_TTL_S``, default 60).  The app's own
    writes clear the cache at once; a write by anyone else (a colleague's import into the same Neo4j
    server, the command line) shows within this time, or at once with 刷新数据 (``reload_button``)."""
    raw = os.environ.get("CHAINGRAPH_CACHE_TTL_S", "").strip() or str(DEFAULT_CACHE_TTL_S)
    try:
        ttl = float(raw)
    except ValueError:
        ttl = 0.0
    if not 0 < ttl < float("inf"):
        raise ValueError(f"CHAINGRAPH_CACHE_TTL_S must be a positive number of seconds, not {raw!r}")
    return ttl


def store_key() -> str:
    """Which store the cached answers belong to, and for which period of ``cache_ttl`` seconds: every
    cached function takes it first, so an answer is computed again once its period is over.  A process
    normally has one store, but a cache keyed on the backend alone would hand one data folder's answers
    to another (tests, a changed environment)."""
    period = int(clock() // cache_ttl())
    return "|".join((backend(), os.environ.get("CHAINGRAPH_DATA_DIR", ".chaingraph"), os.environ.get("NEO4J_URI", ""),
                     str(period)))


def reload_button() -> None:
    """刷新数据 in the sidebar: every cached answer dropped now, for whoever wants another user's
    import without waiting for the cache's time limit.  A bad ``CHAINGRAPH_CACHE_TTL_S`` stops every
    page here with a message (it would otherwise fail each page in its first cached read)."""
    try:
        ttl = cache_ttl()
    except ValueError:
        raw = os.environ.get("CHAINGRAPH_CACHE_TTL_S", "")
        st.error(tr(f"配置错误：`CHAINGRAPH_CACHE_TTL_S` 应为正的秒数，现为 {md(repr(raw))}",
                    f"Configuration error: `CHAINGRAPH_CACHE_TTL_S` must be a positive number of seconds, not {md(repr(raw))}"))
        st.stop()
    if st.sidebar.button(tr("刷新数据", "Reload data"), key="reload_data",
                         help=tr(f"重新读取图数据库（其他用户的导入最迟 {ttl:g} 秒后自动显示）",
                                 f"Read the graph store again (other users' imports show within {ttl:g} s)")):
        data_changed()
        st.rerun()


@st.cache_data(show_spinner=False, max_entries=256)
def _cached(store: str, name: str, frozen: tuple):
    from queries import registry
    store = get_store()
    return registry.get(name).run(store, **dict((k, list(v) if isinstance(v, tuple) else v) for k, v in frozen))


def cached_query(name: str, **params):
    """Run a library query through Streamlit's cache (cleared after every write the app makes; an
    answer is kept for one ``cache_ttl`` period at most, see ``store_key``)."""
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    return _cached(store_key(), name, frozen)


def why_empty(result) -> None:
    """An empty answer says why (queries/explain_empty.py), in the interface's language."""
    reason = result.extra.get("why_empty")
    if result.table.empty and reason:
        zh, _, en = reason.partition(" / ")
        st.info(md(tr(zh, en or zh)))
