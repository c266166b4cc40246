"""设置 Settings: which store is connected (never a password), counts, language."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import admin
from app_pages.common import get_store, tr


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
    st.write(tr("当前数据库：", "Connected store: ") + store.describe())
    counts = store.counts()
    left, right = st.columns(2)
    left.dataframe(pd.DataFrame(counts["nodes"].items(), columns=[tr("标签", "Label"), tr("数量", "Count")]),
                   hide_index=True)
    right.dataframe(pd.DataFrame(counts["relationships"].items(),
                                 columns=[tr("关系类型", "Type"), tr("数量", "Count")]), hide_index=True)
    admin.audit_section()
    admin.admin_section(store)
