"""Who is using the app: login (identity provider through ``st.login``, or the local users file), the
session's user, and the role checks every writing page makes.

Without a login a visitor is a viewer (reads pages, runs read-only console queries) unless
``CHAINGRAPH_ANONYMOUS=none`` asks for a login first.  Importing needs an editor; clear, restore and
user management an admin.  Until ``chaingraph user add NAME --role admin`` has created a user, nobody
can write through the app.
"""
from __future__ import annotations

import os
import threading
import time

import streamlit as st

from app_pages.common import md, tr
from graph.embedded import default_data_dir
from security import users
from security.users import User

ROLE_ZH = {"viewer": "查看", "editor": "编辑", "admin": "管理员"}
# Failed logins per name: each failure doubles the wait before the answer (0.5 s … 8 s), and after
# LOCK_AFTER failures the name is refused for LOCK_SECONDS (counted per app process).
LOCK_AFTER, LOCK_SECONDS = 5, 60.0
_failures: dict[str, tuple[int, float]] = {}
_failures_lock = threading.Lock()


def data_dir():
    return default_data_dir()


def oidc_configured() -> bool:
    """An identity provider is set up in secrets.toml [auth] (st.user then reports is_logged_in)."""
    try:
        return "is_logged_in" in st.user
    except Exception:   # no script context or unreadable secrets: local users only
        return False


def oidc_name(claims) -> str:
    """Whom the provider vouches for: the e-mail address, unless the provider says it is unverified
    (someone typed it in: it must not pick up the role listed for that address), else the subject."""
    email = claims.get("email")
    if email and claims.get("email_verified") is not False:
        return str(email)
    return str(claims.get("sub") or "")


def oidc_default_role() -> str:
    """CHAINGRAPH_OIDC_ROLE for provider users not in users.json; a misspelt role gives viewer, the
    least (never an error page, never more than asked for)."""
    role = os.environ.get("CHAINGRAPH_OIDC_ROLE", "viewer")
    return role if role in users.ROLES else "viewer"


def anonymous_role() -> str | None:
    return None if os.environ.get("CHAINGRAPH_ANONYMOUS", "viewer") == "none" else "viewer"


def current_user() -> User | None:
    """The logged-in user, with the role the users file gives now (a removed user is logged out)."""
    if oidc_configured() and st.user.get("is_logged_in"):
        name = oidc_name(st.user)
        return users.get_oidc(data_dir(), name) or User(name, oidc_default_role(), via="oidc")
    name = st.session_state.get("auth_user")
    if not name:
        return None
    known = users.get(data_dir(), name)
    if known is None:
        st.session_state.pop("auth_user", None)
    return known


def _try_login(name: str, password: str) -> str | None:
    """None when logged in, else the message to show."""
    with _failures_lock:
        count, last = _failures.get(name, (0, 0.0))
    if count >= LOCK_AFTER and time.monotonic() - last < LOCK_SECONDS:
        return tr(f"失败次数过多，请 {LOCK_SECONDS:.0f} 秒后再试。", f"Too many failures: try again in {LOCK_SECONDS:.0f} s.")
    user = users.verify(data_dir(), name, password)
    if user is None:
        with _failures_lock:
            count = _failures.get(name, (0, 0.0))[0] + 1
            _failures[name] = (count, time.monotonic())
        time.sleep(min(0.5 * 2 ** (count - 1), 8.0))
        return tr("用户名或密码错误。", "Wrong name or password.")
    with _failures_lock:
        _failures.pop(name, None)
    st.session_state["auth_user"] = user.name
    return None


def sidebar() -> User | None:
    """The login box (or who is logged in, and a logout button) at the bottom of the sidebar."""
    user = current_user()
    with st.sidebar:
        if user is not None:
            # md(): a provider's name is not checked like a local one (`![x](http://…)` stays text)
            st.caption(tr(f"已登录：{md(user.name)}（{ROLE_ZH[user.role]}）", f"Logged in: {md(user.name)} ({user.role})"))
            if st.button(tr("退出登录", "Log out"), key="auth_logout"):
                st.session_state.pop("auth_user", None)
                if oidc_configured() and st.user.get("is_logged_in"):
                    # The browser must go on to /auth/logout (clears the login cookie, then the
                    # provider's logout): a rerun here would drop that redirect and the cookie would
                    # log the user straight back in on the next page load.
                    st.logout()
                    st.stop()
                st.rerun()
            return user
        if oidc_configured() and st.button(tr("单点登录", "Log in with SSO"), key="auth_sso"):
            st.login()
        if not users.exists(data_dir()):
            st.caption(tr("尚无用户：管理员请运行 `chaingraph user add NAME --role admin`",
                          "No users yet: run `chaingraph user add NAME --role admin`"))
            return None
        with st.form("auth_form", clear_on_submit=True):
            st.markdown(tr("**登录**", "**Log in**"))
            name = st.text_input(tr("用户名", "User name"), key="auth_name")
            password = st.text_input(tr("密码", "Password"), type="password", key="auth_password")
            if st.form_submit_button(tr("登录", "Log in"), key="auth_submit"):
                trouble = _try_login(name.strip(), password)
                if trouble:
                    st.error(trouble)
                else:
                    st.rerun()
    return None


def require(role: str) -> bool:
    """True when the session may act as ``role``; otherwise says why (and how to get there)."""
    user = current_user()
    if user is not None and user.can(role):
        return True
    if user is None and role == "viewer" and anonymous_role() == "viewer":
        return True
    if not users.exists(data_dir()) and not oidc_configured():
        st.warning(tr(f"此操作需要{ROLE_ZH[role]}权限，但还没有任何用户：请先用 `chaingraph user add NAME --role admin` "
                      "创建管理员，再登录。", f"This needs the {role} role and there are no users yet: create an admin "
                      "with `chaingraph user add NAME --role admin`, then log in."))
    elif user is None:
        st.warning(tr(f"请先在左侧边栏登录（需要{ROLE_ZH[role]}权限）。", f"Log in first (sidebar): this needs the {role} role."))
    else:
        st.error(tr(f"当前账号 {md(user.name)}（{ROLE_ZH[user.role]}）无此权限：需要{ROLE_ZH[role]}权限。",
                    f"{md(user.name)} ({user.role}) may not do this: it needs the {role} role."))
    return False
