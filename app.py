"""ChainGraph 产业链图谱 — the Streamlit app. Run: ``make run`` (or ``streamlit run app.py``)."""
import streamlit as st

from app_pages import console, overview, settings
from app_pages.common import tr

st.set_page_config(page_title="ChainGraph 产业链图谱", layout="wide")

PAGES = [
    st.Page(overview.page, title=tr("总览", "Overview"), url_path="overview", default=True),
    st.Page(console.page, title=tr("Cypher 控制台", "Cypher console"), url_path="console"),
    st.Page(settings.page, title=tr("设置", "Settings"), url_path="settings"),
]
st.navigation(PAGES).run()
