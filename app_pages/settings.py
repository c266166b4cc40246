"""设置 Settings: which store is connected (never a password), counts, language."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import admin, auth
from app_pages.common import get_store, label_name, tr, md


def page() -> None:
    st.title(tr("设置", "Settings"))
    choice = st.radio(tr("语言 / Language", "Language / 语言"), ["中文", "English"],
                      index=1 if st.session_state.get("lang") == "en" else 0, horizontal=True)
    wanted = "en" if choice == "English" else "zh"
    if wanted != st.session_state.get("lang", "zh"):
        st.session_state["lang"] = wanted
        st.rerun()
    store = get_store()
    if store is None:
        return
    st.markdown(tr("当前数据库：", "Connected store: ") + md(store_description(store)))
    counts = store.counts()
    left, right = st.columns(2)
    left.dataframe(pd.DataFrame([(label_name(k), v) for k, v in counts["nodes"].items()],
                                columns=[tr("标签", "Label"), tr("数量", "Count")]), hide_index=True)
    right.dataframe(pd.DataFrame([(label_name(k), v) for k, v in counts["relationships"].items()],
                                 columns=[tr("关系类型", "Type"), tr("数量", "Count")]), hide_index=True)
    zone_section(store)
    admin.audit_section()
    admin.admin_section(store)


def store_description(store) -> str:
    """Which store, in the reader's language (``Store.describe`` is English: the CLI and the audit log)."""
    if store.backend == "embedded":
        import ladybug
        return tr(f"嵌入式数据库 LadybugDB {ladybug.__version__}，文件 {store.path.resolve()}", store.describe())
    database = f"（数据库 {store.database}）" if store.database else ""
    return tr(f"Neo4j 服务器 {store.uri}{database}", store.describe())


def zone_section(store) -> None:
    """园区企业名单: paste ids, credit codes, stock codes or names; "set" replaces the zone (loaders/zone.py)."""
    from loaders.zone import match, parse_text, show_zone
    from security import writes
    st.subheader(tr("园区企业名单", "Zone firms"))
    current = show_zone(store)
    st.caption(tr(f"当前 {len(current)} 家园区企业。粘贴名单（每行一个：编号、统一社会信用代码、股票代码或企业名称），"
                  "设置后名单即为全部园区企业，其余企业均为园区外。",
                  f"{len(current)} firms in-zone now. Paste a list (one per line: id, credit code, stock code or "
                  "name); setting it makes exactly these firms in-zone and every other firm out-of-zone."))
    user = auth.current_user()
    if user is None or not user.can("editor"):       # setting the zone is a write: editors only
        st.caption(tr("编辑或管理员登录后可修改名单。", "Editors and admins can change the list."))
        return
    text = st.text_area(tr("名单", "List"), key="zone_list", height=150)
    if not text.strip():
        return
    found = match(store, parse_text(text))
    st.text(found.report())
    problems = bool(found.unmatched or found.ambiguous)
    label = tr(f"设为园区企业名单（{len(found.ids)} 家）", f"Set the zone ({len(found.ids)} firms)")
    if problems:
        st.warning(tr("有未匹配或多义的行：可修改名单，或只设置已匹配的企业。",
                      "Some lines match no firm or several: fix the list, or set the matched firms only."))
    if found.ids and st.button(label, key="zone_set"):
        writes.zone(store, found.ids, who=user.who, data_dir=auth.data_dir())
        st.cache_data.clear()
        st.success(tr(f"已设置：{len(found.ids)} 家园区企业", f"Zone set: {len(found.ids)} firms"))
