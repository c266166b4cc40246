"""Streamlit's own words in Chinese: its file uploader says "Upload" and "50MB per file" in English
whatever the app's language, and offers no option to change them, so in Chinese mode the English
spans are hidden (display:none, so they are not in the page's text either) and the Chinese is drawn
in their place with CSS."""
from __future__ import annotations

import streamlit as st


def _chinese() -> bool:
    return st.session_state.get("lang") != "en"


def chinese_chrome() -> None:
    """Every uploader's button and default instructions (app-wide, once per run)."""
    if not _chinese():
        return
    st.html("""<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p,
[data-testid="stFileUploaderDropzone"] button [data-testid="stIconMaterial"],
[data-testid="stFileUploaderDropzoneInstructions"] span { display: none; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after { content: "选择文件"; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::after { content: "拖放文件到此处"; font-size: 0.875rem; }
</style>""")


def uploader_instructions(key: str, text: str) -> None:
    """The instructions of the uploader with this ``key`` (its limit and file types), in Chinese mode."""
    if _chinese():
        quoted = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")   # a CSS string
        st.html(f"<style>.st-key-{key} [data-testid=\"stFileUploaderDropzoneInstructions\"] > div::after "
                f"{{ content: \"{quoted}\"; }}</style>")
