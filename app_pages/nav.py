"""The app's pages by name, so a page can link to another with query parameters."""
from __future__ import annotations

import streamlit as st

PAGES: dict = {}

# name -> (module, Chinese title, English title)
ORDER = [("overview", "overview", "总览", "Overview"), ("panorama", "panorama", "产业链全景", "Chain panorama"),
         ("gaps", "gaps", "缺链补链", "Gaps"), ("leads", "leads", "招商线索", "Leads"),
         ("firm", "firm", "企业画像", "Firm profile"), ("updown", "updown", "上下游", "Upstream & downstream"),
         ("explore", "explore", "图谱浏览", "Explore"), ("console", "console", "Cypher 控制台", "Cypher console"),
         ("import", "importer", "数据导入", "Import"), ("settings", "settings", "设置", "Settings")]


def build_pages(default: str = "overview") -> list:
    """st.Page objects for every page; ``default`` (CHAINGRAPH_DEFAULT_PAGE) is the one "/" opens.
    Streamlit serves the default page at "/" only, so it also gets a hidden twin at its own path:
    /overview opens the overview instead of "Page not found"."""
    import importlib
    from app_pages.common import tr
    PAGES.clear()
    twins = []
    for name, module, zh, en in ORDER:
        page = importlib.import_module(f"app_pages.{module}").page
        if name == default:   # a page's identity is its url_path: the twin takes the name, "/" another
            PAGES[name] = st.Page(page, title=tr(zh, en), url_path=f"{name}-start", default=True)
            twins.append(st.Page(page, title=tr(zh, en), url_path=name, visibility="hidden"))
        else:
            PAGES[name] = st.Page(page, title=tr(zh, en), url_path=name)
    return list(PAGES.values()) + twins
