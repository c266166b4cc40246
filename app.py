"""ChainGraph 产业链图谱 — the Streamlit app. Run: ``make run`` (or ``streamlit run app.py``)."""
import os

import streamlit as st

from app_pages.nav import build_pages

st.set_page_config(page_title="ChainGraph 产业链图谱", layout="wide")
st.navigation(build_pages(os.environ.get("CHAINGRAPH_DEFAULT_PAGE", "overview"))).run()
