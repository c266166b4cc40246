"""Streamlit's own words in Chinese: its file uploader says "Upload" and "50MB per file" in English
whatever the app's language, and offers no option to change them, so in Chinese mode the English
spans are hidden (display:none, so they are not in the page's text either) and the Chinese is drawn
in their place with CSS.  The password field's eye button names itself "Show password" / "Hide
password" (aria-label, which screen readers read): an attribute CSS cannot change, so a small script
renames it (and gives it the same words as hover text) whenever Streamlit draws or flips it, and
Streamlit's "Skip to main content" link too."""
from __future__ import annotations

import json

import streamlit as st

# Streamlit's English button names (aria-label) -> Chinese.
BUTTON_NAMES_ZH = {"Show password": "显示密码", "Hide password": "隐藏密码"}
# Streamlit's link to the page's content (shown on keyboard focus, read by screen readers) -> Chinese.
SKIP_LINK_ZH = {"Skip to main content": "跳到主要内容"}
# Renames the buttons now and whenever Streamlit adds one or changes its name; the language is
# window.chaingraphLang, set by each run, so a switch back to English renames them back.  One
# observer per browser tab, however often the script runs.
_RENAME_BUTTONS = """<script>
(() => {
  window.chaingraphLang = %(lang)s;
  if (window.chaingraphButtonNames) { window.chaingraphButtonNames(); return; }
  const zh = %(names)s, en = Object.fromEntries(Object.entries(zh).map(([e, z]) => [z, e]));
  const inLang = name => window.chaingraphLang === "en" ? (en[name] || name) : (zh[name] || name);
  const rename = () => {
    document.querySelectorAll("button[aria-label]").forEach(b => {
      const name = b.getAttribute("aria-label");
      if (!(name in zh) && !(name in en)) return;
      const wanted = inLang(name);
      if (name !== wanted) b.setAttribute("aria-label", wanted);
      if (b.getAttribute("title") !== wanted) b.setAttribute("title", wanted);
    });
    document.querySelectorAll("a[data-testid=stSkipToContent]").forEach(a => {
      const wanted = inLang(a.textContent);
      if (a.textContent !== wanted) a.textContent = wanted;
    });
  };
  window.chaingraphButtonNames = rename;
  new MutationObserver(rename).observe(document.body, {childList: true, subtree: true, attributes: true,
                                                       attributeFilter: ["aria-label"]});
  rename();
})();
</script>"""


def _chinese() -> bool:
    return st.session_state.get("lang") != "en"


def button_names() -> None:
    """Streamlit's named buttons (the password field's eye) in the user's language (app-wide, once
    per run; at the sidebar's bottom, below the login form, where an empty element moves nothing)."""
    lang = "zh" if _chinese() else "en"
    names = {**BUTTON_NAMES_ZH, **SKIP_LINK_ZH}
    st.sidebar.html(_RENAME_BUTTONS % {"lang": json.dumps(lang), "names": json.dumps(names, ensure_ascii=False)},
                    unsafe_allow_javascript=True)


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
