"""ChainGraph 产业链图谱 — the Streamlit app. Run: ``make run`` (or ``streamlit run app.py``)."""
import os

import streamlit as st

from app_pages import auth
from app_pages.chrome_zh import button_names, chinese_chrome
from app_pages.common import language_from_link, reload_button, store_trouble, tr
from app_pages.nav import build_pages
from graph.store import StoreError

language_from_link()
st.set_page_config(page_title=tr("ChainGraph 产业链图谱", "ChainGraph industrial chains"), layout="wide")
chinese_chrome()
navigation = st.navigation(build_pages(os.environ.get("CHAINGRAPH_DEFAULT_PAGE", "overview")))
auth.sidebar()
button_names()
if not auth.require("viewer"):         # CHAINGRAPH_ANONYMOUS=none: nothing is shown before a login
    st.stop()
reload_button()                        # for whoever may read: drops the cached answers
try:
    navigation.run()
except StoreError as exc:   # the store went away mid-page: a message and a retry, never a stack trace
    store_trouble(exc)
