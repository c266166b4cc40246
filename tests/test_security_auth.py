"""Who may write and what was written (issue 11, items 8-10): users and roles, the audit log with the
values a load changed, blank overwrites refused, snapshots and restore; the library on both stores
and the command line."""
from __future__ import annotations

import filecmp
import json
import os
import stat

import pytest
from click.testing import CliRunner

from loaders.export import export_graph
from loaders.problems import LoadRejected
from security import audit, snapshots, users, writes
from tests.conftest import BUNDLED


# --- users and roles -------------------------------------------------------------------------

def test_users_file_holds_salted_hashes_only(tmp_path):
    users.add(tmp_path, "alice", "admin", "correct horse")
    users.add(tmp_path, "bob", "viewer", "correct horse")
    path = users.users_path(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert "correct horse" not in text
    doc = json.loads(text)["users"]
    assert doc["alice"]["salt"] != doc["bob"]["salt"] and doc["alice"]["hash"] != doc["bob"]["hash"]
    assert users.verify(tmp_path, "alice", "correct horse") == users.User("alice", "admin")
    assert users.verify(tmp_path, "alice", "correct horsE") is None
    assert users.verify(tmp_path, "nobody", "correct horse") is None
    assert not list(tmp_path.glob(".users-*")), "no temporary file left behind"


def test_roles_are_ordered_and_managed(tmp_path):
    assert not users.exists(tmp_path)
    users.add(tmp_path, "ed", "editor", "password1")
    assert users.exists(tmp_path)
    ed = users.get(tmp_path, "ed")
    assert ed.can("viewer") and ed.can("editor") and not ed.can("admin")
    users.set_role(tmp_path, "ed", "viewer")
    assert not users.verify(tmp_path, "ed", "password1").can("editor")
    users.remove(tmp_path, "ed")
    assert users.list_users(tmp_path) == []
    for bad in (lambda: users.add(tmp_path, "x y", "viewer", "password1"),
                lambda: users.add(tmp_path, "ok", "root", "password1"),
                lambda: users.add(tmp_path, "ok", "viewer", "short"),
                lambda: users.remove(tmp_path, "ghost")):
        with pytest.raises(users.UserError):
            bad()
    users.add(tmp_path, "sso@example.org", "editor", None)        # an OIDC user: a role, no password
    assert users.verify(tmp_path, "sso@example.org", "") is None


def test_provider_names_match_only_provider_users(tmp_path, monkeypatch):
    """What the identity provider vouches for gives a role only through a passwordless (--oidc) entry;
    an unverified e-mail is not used; the audit marks provider users (the browser test logs in for real)."""
    from app_pages import auth
    users.add(tmp_path, "sso@example.org", "editor", None)
    users.add(tmp_path, "root", "admin", "admin-pass")
    assert users.get_oidc(tmp_path, "sso@example.org") == users.User("sso@example.org", "editor", via="oidc")
    assert users.get_oidc(tmp_path, "root") is None and users.get(tmp_path, "root").role == "admin"
    assert users.get_oidc(tmp_path, "nobody") is None
    assert users.get_oidc(tmp_path, "SSO@Example.org") == users.User("sso@example.org", "editor", via="oidc")
    assert users.get_oidc(tmp_path, "ROOT") is None                     # a password user, in any case
    users.add(tmp_path, "Twin@x.org", "admin", None)
    users.add(tmp_path, "twin@x.org", "viewer", None)
    assert users.get_oidc(tmp_path, "TWIN@x.org") is None               # two entries fit: neither is taken
    assert users.get_oidc(tmp_path, "twin@x.org").role == "viewer"
    assert users.get_oidc(tmp_path, "sso@example.org").who == "oidc:sso@example.org"
    assert users.verify(tmp_path, "root", "admin-pass").who == "root"
    assert auth.oidc_name({"sub": "s1", "email": "a@x.org"}) == "a@x.org"
    assert auth.oidc_name({"sub": "s1", "email": "a@x.org", "email_verified": True}) == "a@x.org"
    assert auth.oidc_name({"sub": "s1", "email": "a@x.org", "email_verified": False}) == "s1"
    assert auth.oidc_name({"sub": "s1"}) == "s1"
    for value, role in (("editor", "editor"), ("root", "viewer"), ("", "viewer")):
        monkeypatch.setenv("CHAINGRAPH_OIDC_ROLE", value)
        assert auth.oidc_default_role() == role


# --- audit, changed values, blank overwrites (both stores) -----------------------------------

def _write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])      # csv takes the columnar path, jsonl the row-by-row one
def test_reload_says_what_it_overwrote_and_the_audit_log_keeps_it(bundled_store, tmp_path, fmt):
    if fmt == "csv":
        folder = _write(tmp_path / "in", "Enterprise.csv", "id,name,in_zone\nent_yili,亿利(改),true\nent_jingao,晶澳,true\nent_new,新企业,false\n")
    else:
        folder = _write(tmp_path / "in", "Enterprise.jsonl",
                        '{"id": "ent_yili", "name": "亿利(改)", "in_zone": true}\n{"id": "ent_jingao", "name": "晶澳", "in_zone": true}\n'
                        '{"id": "ent_new", "name": "新企业", "in_zone": false}\n')
    data = tmp_path / "data"
    summary, entry = writes.load(bundled_store, [folder], who="alice", data_dir=data)
    assert summary.method == ("columnar" if fmt == "csv" else "row by row")
    assert "updated 1 / 更新 1: Enterprise" in summary.changes.lines()
    assert any(line.strip() == "Enterprise ent_yili name 亿利 → 亿利(改)" for line in summary.changes.lines())
    row = next(r for r in summary.table() if r["name"] == "Enterprise")
    assert (row["rows"], row["created"], row["updated"], row["unchanged"]) == (3, 1, 1, 1)
    [logged] = audit.entries(data)
    assert logged == json.loads(json.dumps(entry, ensure_ascii=False))
    assert logged["who"] == "alice" and logged["action"] == "load"
    import hashlib
    digest = hashlib.sha256((folder / f"Enterprise.{fmt}").read_bytes()).hexdigest()
    assert logged["files"] == [{"name": f"Enterprise.{fmt}", "bytes": (folder / f"Enterprise.{fmt}").stat().st_size,
                                "sha256": digest}]
    assert logged["changes"] == [{"kind": "node", "name": "Enterprise", "key": "ent_yili", "property": "name",
                                  "old": "亿利", "new": "亿利(改)"}]
    assert logged["snapshot"] in snapshots.list_snapshots(data)
    # loading the same files again changes nothing, and says so
    summary, entry = writes.load(bundled_store, [folder], who="alice", data_dir=data)
    assert summary.changes.changes == [] and entry["changes_total"] == 0
    assert next(r for r in summary.table() if r["name"] == "Enterprise")["unchanged"] == 3


def test_relationship_property_changes_are_reported(bundled_store, tmp_path):
    stored = bundled_store.read("MATCH (a:Enterprise)-[r:SUPPLIES]->(b:Enterprise) "
                                "RETURN a.id AS f, b.id AS t, r.product AS product ORDER BY f, t LIMIT 1")
    assert stored, "the bundled data has SUPPLIES ties"
    f, t, old = stored[0]["f"], stored[0]["t"], stored[0]["product"]
    folder = _write(tmp_path / "in", "SUPPLIES.csv", f"from,to,product\n{f},{t},新产品\n")
    summary, entry = writes.load(bundled_store, [folder], who="alice", data_dir=tmp_path / "data")
    assert [c.as_dict() for c in summary.changes.changes] == [
        {"kind": "relationship", "name": "SUPPLIES", "key": f"{f}->{t}", "property": "product", "old": old,
         "new": "新产品"}]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_blank_cell_over_a_stored_value_is_refused_unless_asked(bundled_store, tmp_path, fmt):
    before = bundled_store.read("MATCH (n:Enterprise {id: 'ent_yili'}) RETURN n.region AS region, n.name AS name")
    assert before[0]["region"] == "鄂尔多斯市"
    if fmt == "csv":
        folder = _write(tmp_path / "in", "Enterprise.csv", "id,name,region,in_zone\nent_jingao,晶澳,鄂尔多斯市,true\nent_yili,亿利2,,true\n")
    else:
        folder = _write(tmp_path / "in", "Enterprise.jsonl", '{"id": "ent_jingao", "name": "晶澳", "region": "鄂尔多斯市", "in_zone": true}\n'
                                                             '{"id": "ent_yili", "name": "亿利2", "region": null, "in_zone": true}\n')
    data = tmp_path / "data"
    with pytest.raises(LoadRejected) as refused:
        writes.load(bundled_store, [folder], who="alice", data_dir=data)
    [problem] = refused.value.problems
    assert (problem.file, problem.row, problem.column) == (f"Enterprise.{fmt}", 3 if fmt == "csv" else 2, "region")
    assert "鄂尔多斯市" in problem.reason and "--blank-overwrites" in problem.reason
    after = bundled_store.read("MATCH (n:Enterprise {id: 'ent_yili'}) RETURN n.region AS region, n.name AS name")
    assert after == before, "nothing written"
    assert audit.entries(data) == [] and snapshots.list_snapshots(data) == []
    summary, entry = writes.load(bundled_store, [folder], who="alice", data_dir=data, blank_overwrites=True)
    assert bundled_store.read("MATCH (n:Enterprise {id: 'ent_yili'}) RETURN n.region AS r")[0]["r"] is None
    assert entry["blank_overwrites"] is True
    assert {"kind": "node", "name": "Enterprise", "key": "ent_yili", "property": "region", "old": "鄂尔多斯市",
            "new": None} in entry["changes"]


def test_audit_values_are_bounded(store, tmp_path):
    folder = _write(tmp_path / "a", "Enterprise.csv", "id,name,in_zone\n" + "".join(f"e{i},n{i},true\n" for i in range(250)))
    writes.load(store, [folder], who="w", data_dir=tmp_path / "data")
    long = "长" * 1000
    folder = _write(tmp_path / "b", "Enterprise.csv", "id,name,in_zone\n" + "".join(f"e{i},{long}{i},true\n" for i in range(250)))
    _, entry = writes.load(store, [folder], who="w", data_dir=tmp_path / "data")
    assert entry["changes_total"] == 250 and len(entry["changes"]) == audit.MAX_CHANGES
    assert all(len(c["new"]) == audit.VALUE_WIDTH for c in entry["changes"])
    assert len(audit.audit_path(tmp_path / "data").read_text(encoding="utf-8").splitlines()) == 2


# --- snapshots and restore (both stores) -----------------------------------------------------

def _same_export(a, b) -> None:
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert not mismatch and not errors, mismatch


def test_restore_gives_back_the_graph_byte_for_byte(bundled_store, tmp_path):
    data = tmp_path / "data"
    export_graph(bundled_store, tmp_path / "before")
    folder = _write(tmp_path / "in", "Enterprise.csv", "id,name,region,in_zone\nent_yili,亿利(改),,true\nent_new,新企业,北京,false\n")
    _write(folder, "SUPPLIES.csv", "from,to,product\nent_new,ent_yili,硅料\n")
    writes.load(bundled_store, [folder], who="ed", data_dir=data, blank_overwrites=True)
    export_graph(bundled_store, tmp_path / "changed")
    with pytest.raises(AssertionError):
        _same_export(tmp_path / "before", tmp_path / "changed")
    entry = writes.restore(bundled_store, who="admin", data_dir=data)
    export_graph(bundled_store, tmp_path / "after")
    _same_export(tmp_path / "before", tmp_path / "after")
    assert entry["action"] == "restore" and entry["snapshot"] in snapshots.list_snapshots(data)
    # the restore itself can be undone: the newest snapshot is the state it replaced
    writes.restore(bundled_store, who="admin", data_dir=data)
    export_graph(bundled_store, tmp_path / "redo")
    _same_export(tmp_path / "changed", tmp_path / "redo")
    assert [e["action"] for e in audit.entries(data)] == ["restore", "restore", "load"]


def test_clear_is_snapshotted_audited_and_undone(bundled_store, tmp_path):
    data = tmp_path / "data"
    export_graph(bundled_store, tmp_path / "before")
    entry = writes.clear(bundled_store, who="admin", data_dir=data)
    assert not any(bundled_store.counts()["nodes"].values())
    assert entry["counts_before"]["nodes"]["Enterprise"] > 100
    writes.restore(bundled_store, who="admin", data_dir=data)
    export_graph(bundled_store, tmp_path / "after")
    _same_export(tmp_path / "before", tmp_path / "after")


def test_snapshots_keep_the_last_n_and_restore_an_empty_graph(store, tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINGRAPH_SNAPSHOTS", "2")
    data = tmp_path / "data"
    for i in range(4):
        folder = _write(tmp_path / f"in{i}", "Enterprise.csv", f"id,name,in_zone\ne{i},n{i},true\n")
        writes.load(store, [folder], who="ed", data_dir=data)
    assert len(snapshots.list_snapshots(data)) == 2
    oldest = snapshots.list_snapshots(data)[-1]
    writes.restore(store, who="admin", data_dir=data, name=oldest)     # the state before the 3rd load
    assert sorted(r["id"] for r in store.read("MATCH (n:Enterprise) RETURN n.id AS id")) == ["e0", "e1"]
    with pytest.raises(snapshots.SnapshotError):
        snapshots.resolve(data, "nope")
    monkeypatch.setenv("CHAINGRAPH_SNAPSHOTS", "5")
    empty = tmp_path / "empty"
    snapshots.take(store, empty)                     # an empty store gives an empty snapshot...
    writes.load(store, [_write(tmp_path / "x", "Enterprise.csv", "id,name,in_zone\nx1,x,true\n")], who="ed", data_dir=empty)
    store.clear()
    writes.load(store, [_write(tmp_path / "y", "Enterprise.csv", "id,name,in_zone\ny1,y,true\n")], who="ed", data_dir=empty)
    writes.restore(store, who="admin", data_dir=empty)          # ...and restoring it gives an empty graph
    assert not any(store.counts()["nodes"].values())


# --- the command line -----------------------------------------------------------------------

@pytest.fixture(params=["embedded", "neo4j"])
def cli_env(request, tmp_path, monkeypatch):
    """The CLI's options for each backend (the data dir holds users, audit and snapshots for both)."""
    monkeypatch.delenv("CHAINGRAPH_SNAPSHOTS", raising=False)
    if request.param == "neo4j":
        request.getfixturevalue("neo4j_session_store").clear()
    yield ["--store", request.param, "--data-dir", str(tmp_path / "data")]
    if request.param == "neo4j":
        request.getfixturevalue("neo4j_session_store").clear()


def run(args, input=None):
    from cli import main
    return CliRunner().invoke(main, args, input=input, catch_exceptions=False)


def test_cli_users(tmp_path):
    data = ["--data-dir", str(tmp_path)]
    result = run(data + ["user", "add", "root", "--role", "admin", "--password-stdin"], input="s3cret-pass\n")
    assert result.exit_code == 0, result.output
    result = run(data + ["user", "add", "ed", "--role", "editor"], input="pw-for-ed1\npw-for-ed1\n")   # prompt
    assert result.exit_code == 0, result.output
    assert users.verify(tmp_path, "ed", "pw-for-ed1").role == "editor"
    assert run(data + ["user", "add", "ed", "--role", "editor", "--password-stdin"], input="xxxxxxxxx\n").exit_code == 2
    assert run(data + ["user", "set-role", "ed", "viewer"]).exit_code == 0
    listed = run(data + ["user", "list", "--format", "json"])
    assert json.loads(listed.output) == [{"name": "ed", "role": "viewer"}, {"name": "root", "role": "admin"}]
    assert run(data + ["user", "remove", "ed"]).exit_code == 0
    assert run(data + ["user", "remove", "ed"]).exit_code == 2
    assert "s3cret" not in users.users_path(tmp_path).read_text()


def test_cli_load_audit_refusal_and_restore(cli_env, tmp_path):
    data = tmp_path / "data"
    assert run(cli_env + ["load", str(BUNDLED)]).exit_code == 0
    assert run(cli_env + ["export", str(tmp_path / "before")]).exit_code == 0
    folder = _write(tmp_path / "in", "Enterprise.csv", "id,name,region,in_zone\nent_yili,亿利(改),,true\n")
    refused = run(cli_env + ["load", str(folder)])
    assert refused.exit_code == 2 and "Enterprise.csv:2:region" in refused.output
    assert "--blank-overwrites" in refused.output
    result = run(cli_env + ["load", str(folder), "--blank-overwrites"])
    assert result.exit_code == 0, result.output
    assert "ent_yili name 亿利 → 亿利(改)" in result.output and "updated 1" in result.output
    first, second = audit.entries(data)[::-1]
    assert first["action"] == second["action"] == "load" and second["who"] == audit.os_user()
    assert second["files"][0]["name"] == "Enterprise.csv" and second["changes_total"] == 2
    shown = run(cli_env + ["audit", "--format", "json"])
    assert json.loads(shown.output)[0]["changes_total"] == 2
    result = run(cli_env + ["restore"])
    assert result.exit_code == 0, result.output
    assert run(cli_env + ["export", str(tmp_path / "after")]).exit_code == 0
    _same_export(tmp_path / "before", tmp_path / "after")
    assert run(cli_env + ["restore", "20000101T000000.000000Z"]).exit_code == 2
    assert run(cli_env + ["clear", "--yes"]).exit_code == 0
    assert [e["action"] for e in audit.entries(data)][:2] == ["clear", "restore"]
    assert os.environ.get("CHAINGRAPH_SNAPSHOTS") is None


# --- the app (Streamlit AppTest; the browser test uploads and undoes) -------------------------

@pytest.fixture
def app_data(tmp_path, monkeypatch):
    from tests.conftest import ROOT
    monkeypatch.setenv("CHAINGRAPH_STORE", "embedded")
    monkeypatch.setenv("CHAINGRAPH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(ROOT)
    yield tmp_path / "data"
    from app_pages.common import _store
    _store.clear()


def open_app(monkeypatch, name: str, login: tuple[str, str] | None = None, **query):
    from streamlit.testing.v1 import AppTest
    from tests.conftest import ROOT
    monkeypatch.setenv("CHAINGRAPH_DEFAULT_PAGE", name)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if login:
        at.text_input(key="auth_name").set_value(login[0])
        at.text_input(key="auth_password").set_value(login[1])
        at.button(key="auth_submit").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_app_without_users_never_writes(app_data, monkeypatch):
    at = open_app(monkeypatch, "import")
    assert not at.get("file_uploader")
    assert any("chaingraph user add" in w.value for w in at.warning)
    assert any("chaingraph user add" in c.value for c in at.sidebar.caption)
    at = open_app(monkeypatch, "overview")                  # reading needs no login
    assert {m.label for m in at.metric} >= {"链上企业"}
    [first] = audit.entries(app_data)                        # the first-run load is audited too
    assert first["who"] == "system:first-run" and first["counts"]


def test_app_roles(app_data, monkeypatch):
    users.add(app_data, "vic", "viewer", "viewer-pass")
    users.add(app_data, "ed", "editor", "editor-pass")
    users.add(app_data, "root", "admin", "admin-pass")
    at = open_app(monkeypatch, "import", login=("vic", "wrong-pass"))
    assert any("用户名或密码错误" in e.value for e in at.sidebar.error)
    assert not at.get("file_uploader") and any("登录" in w.value for w in at.warning)
    at = open_app(monkeypatch, "import", login=("vic", "viewer-pass"))
    assert any("已登录：vic" in c.value for c in at.sidebar.caption)
    assert not at.get("file_uploader") and any("无此权限" in e.value for e in at.error)
    at = open_app(monkeypatch, "import", login=("ed", "editor-pass"))
    assert len(at.get("file_uploader")) == 2 and not at.error
    at = open_app(monkeypatch, "settings", login=("ed", "editor-pass"))
    assert any(s.value == "审计日志" for s in at.subheader)
    assert not any(s.value == "快照与恢复" for s in at.subheader), "restore is for admins"
    at = open_app(monkeypatch, "settings", login=("root", "admin-pass"))
    assert any(s.value == "快照与恢复" for s in at.subheader) and at.button(key="restore_go")
    at.button(key="auth_logout").click().run()
    assert not any(s.value == "快照与恢复" for s in at.subheader)


def test_app_login_can_be_required_and_failures_slow_down(app_data, monkeypatch):
    import time
    from app_pages import auth
    monkeypatch.setenv("CHAINGRAPH_ANONYMOUS", "none")
    users.add(app_data, "vic", "viewer", "viewer-pass")
    at = open_app(monkeypatch, "overview")
    assert not at.metric and any("登录" in w.value for w in at.warning)
    auth._failures.clear()
    started = time.monotonic()
    for _ in range(auth.LOCK_AFTER):
        at = open_app(monkeypatch, "overview", login=("vic", "nope-nope"))
    assert time.monotonic() - started >= sum(0.5 * 2 ** i for i in range(auth.LOCK_AFTER))
    at = open_app(monkeypatch, "overview", login=("vic", "viewer-pass"))   # right password, but locked
    assert any("失败次数过多" in e.value for e in at.sidebar.error) and not at.metric
    auth._failures.clear()
    at = open_app(monkeypatch, "overview", login=("vic", "viewer-pass"))
    assert {m.label for m in at.metric} >= {"链上企业"}


def test_explore_with_a_bad_cap_in_the_link_says_so(app_data, monkeypatch):
    at = open_app(monkeypatch, "explore", node="ent_jiuke", cap="abc")
    assert not at.error and any("链接参数 cap 无效" in w.value for w in at.warning)
    assert any("个节点" in c.value for c in at.caption)


def test_cli_zone_set_is_audited_and_undone(cli_env, tmp_path):
    data = tmp_path / "data"
    assert run(cli_env + ["load", str(BUNDLED)]).exit_code == 0
    assert run(cli_env + ["export", str(tmp_path / "before")]).exit_code == 0
    listing = tmp_path / "zone.csv"
    listing.write_text("id\nent_jiuke\n", encoding="utf-8")
    result = run(cli_env + ["zone", "set", "--file", str(listing)])
    assert result.exit_code == 0, result.output
    entry = audit.entries(data, 1)[0]
    assert entry["action"] == "zone" and entry["who"] == audit.os_user() and entry["in_zone"] == 1
    assert entry["files"][0]["name"] == "zone.csv" and entry["changes_total"] > 50
    assert {"kind": "node", "name": "Enterprise", "key": "ent_jingao", "property": "in_zone", "old": True,
            "new": False} in entry["changes"]
    assert run(cli_env + ["restore"]).exit_code == 0
    assert run(cli_env + ["export", str(tmp_path / "after")]).exit_code == 0
    _same_export(tmp_path / "before", tmp_path / "after")
