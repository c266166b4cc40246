"""The Settings page's security part: the audit log (editors and admins), snapshots, restore and
clear, and user management (admins).  Every write here is snapshotted and audited like an import."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import auth
from app_pages.common import data_changed, tr
from graph.store import Store
from security import audit, snapshots, users, writes


def _flash(message: str) -> None:
    st.session_state["admin_flash"] = message
    st.rerun()


def audit_section() -> None:
    st.subheader(tr("审计日志", "Audit log"))
    user = auth.current_user()
    if user is None or not user.can("editor"):
        st.caption(tr("编辑或管理员登录后可见。", "Shown to editors and admins."))
        return
    entries = audit.entries(auth.data_dir(), limit=50)
    if not entries:
        st.caption(tr("尚无写入记录。", "No writes recorded yet."))
        return
    st.caption(str(audit.audit_path(auth.data_dir()).resolve()))
    table = [{tr("时间", "time"): e.get("time"), tr("用户", "who"): e.get("who"), tr("操作", "action"): e.get("action"),
              tr("文件", "files"): ", ".join(f"{f['name']} ({f['sha256'][:12]}…)" for f in e.get("files", [])),
              tr("变更值", "changed values"): e.get("changes_total", ""),
              tr("快照", "snapshot"): e.get("snapshot") or ""} for e in entries]
    st.dataframe(pd.DataFrame(table, dtype=object), hide_index=True, width="stretch", key="audit_table")
    newest = entries[0]
    if newest.get("changes"):
        with st.expander(tr("最近一次写入改了哪些值", "Values changed by the latest write")):
            st.dataframe(pd.DataFrame(newest["changes"], dtype=object), hide_index=True, width="stretch")


def admin_section(store: Store) -> None:
    user = auth.current_user()
    if user is None or not user.can("admin"):
        return
    if "admin_flash" in st.session_state:
        st.success(st.session_state.pop("admin_flash"))
    home = auth.data_dir()
    st.subheader(tr("快照与恢复", "Snapshots and restore"))
    names = snapshots.list_snapshots(home)
    if names:
        chosen = st.selectbox(tr("快照（最新的在前：即上次写入之前的图谱）", "Snapshot (newest first: the graph before the last write)"),
                              names, key="restore_pick")
        if st.button(tr("恢复此快照（撤销上次导入）", "Restore this snapshot (undo the last import)"), key="restore_go"):
            entry = writes.restore(store, who=user.who, data_dir=home, name=chosen)
            data_changed()
            _flash(tr(f"已恢复快照 {entry['restored']}；被替换的状态保存为 {entry['snapshot']}。",
                      f"Restored {entry['restored']}; the replaced state is snapshot {entry['snapshot']}."))
    else:
        st.caption(tr("尚无快照（每次写入前自动生成）。", "No snapshots yet (one is taken before every write)."))
    confirm = st.checkbox(tr("我确认要清空整个图谱", "I really want to delete the whole graph"), key="clear_confirm")
    if st.button(tr("清空图谱", "Clear the graph"), key="clear_go", disabled=not confirm):
        entry = writes.clear(store, who=user.who, data_dir=home)
        data_changed()
        _flash(tr(f"已清空（快照 {entry['snapshot']} 可恢复）。", f"Cleared (snapshot {entry['snapshot']} restores it)."))

    st.subheader(tr("用户管理", "Users"))
    st.dataframe(pd.DataFrame([{"name": u.name, "role": u.role} for u in users.list_users(home)],
                              columns=["name", "role"]), hide_index=True)
    with st.form("user_add", clear_on_submit=True):
        left, middle, right = st.columns(3)
        name = left.text_input(tr("用户名", "User name"), key="user_add_name")
        role = middle.selectbox(tr("角色", "Role"), users.ROLES, key="user_add_role")
        password = right.text_input(tr("密码（至少 8 位）", "Password (8+ characters)"), type="password",
                                    key="user_add_password")
        if st.form_submit_button(tr("添加用户", "Add user"), key="user_add_go"):
            _user_action(lambda: users.add(home, name.strip(), role, password),
                         tr(f"已添加用户 {name.strip()}", f"Added {name.strip()}"))
    others = [u.name for u in users.list_users(home) if u.name != user.name]   # never lock yourself out
    if others:
        left, middle, right = st.columns(3)
        who = left.selectbox(tr("用户", "User"), others, key="user_pick")
        new_role = middle.selectbox(tr("新角色", "New role"), users.ROLES, key="user_new_role")
        if right.button(tr("修改角色", "Set role"), key="user_set_role"):
            _user_action(lambda: users.set_role(home, who, new_role), tr(f"{who} 现为 {new_role}", f"{who} is now {new_role}"))
        if right.button(tr("删除用户", "Remove user"), key="user_remove"):
            _user_action(lambda: users.remove(home, who), tr(f"已删除 {who}", f"Removed {who}"))


def _user_action(action, done: str) -> None:
    try:
        action()
    except users.UserError as exc:
        st.error(str(exc))
        return
    _flash(done)
