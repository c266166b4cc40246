"""Single sign-on end to end (issue 11): a real OpenID Connect provider on loopback
(``oidc-provider-mock``: Authlib's authorization server with a login form, discovery, JWKS, signed ID
tokens and RP-initiated logout), the app started with an ``[auth]`` section in a secrets.toml of its
own (in a temporary app home, never the repository's), and Chromium clicking 单点登录 and logging in at
the provider.  Roles come from users.json by e-mail (``chaingraph user add … --oidc``), otherwise
CHAINGRAPH_OIDC_ROLE (viewer); imports are audited under the provider's name.  Both stores."""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from tests.conftest import IN_CI, ROOT
from tests.test_browser import ARTIFACTS, CHROMIUM, browser, free_port  # noqa: F401 (browser: a fixture)

playwright = pytest.importorskip("playwright.sync_api") if not IN_CI else __import__("playwright.sync_api").sync_api
if not IN_CI:      # the provider and Authlib (st.login) are the `test` extra: `pip install -e '.[test]'`
    pytest.importorskip("oidc_provider_mock")
    pytest.importorskip("authlib")
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM) and not IN_CI,
                                reason="Debian chromium is not installed (apt-get install chromium fonts-noto-cjk)")

EDITOR = "alice@example.org"          # listed in users.json as an editor (an OIDC user: no password)
STRANGER = "bob@example.org"          # not listed: CHAINGRAPH_OIDC_ROLE's role (viewer)
LOCAL_ADMIN = "root"                  # a local admin with a password


def wait_for(url: str, what: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{what} exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    proc.kill()
    pytest.fail(f"{what} did not start within {seconds:.0f} s")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """The identity provider: its own process on a free loopback port (any client id and secret)."""
    port = free_port()
    log = tmp_path_factory.mktemp("provider") / "provider.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_for(url + "/.well-known/openid-configuration", "the OIDC provider", proc)
    yield url
    stop(proc)


def set_claims(provider: str, sub: str, claims: dict) -> None:
    """What the provider says about a subject (its ID token carries these claims)."""
    request = urllib.request.Request(f"{provider}/users/{quote(sub)}", data=json.dumps(claims).encode(),
                                     headers={"Content-Type": "application/json"}, method="PUT")
    assert urllib.request.urlopen(request, timeout=10).status == 204


@pytest.fixture(scope="module", params=["embedded", "neo4j"])
def app(request, provider, tmp_path_factory):
    """The app with single sign-on configured; yields (url, data dir, store name)."""
    backend = request.param
    if backend == "neo4j":
        request.getfixturevalue("neo4j_session_store").clear()
    home = tmp_path_factory.mktemp(f"app-home-{backend}")
    data = home / "data"
    from cli import main
    for args in (["user", "add", EDITOR, "--role", "editor", "--oidc"],
                 ["user", "add", LOCAL_ADMIN, "--role", "admin", "--password-stdin"]):
        result = CliRunner().invoke(main, ["--data-dir", str(data)] + args, input="admin-pass\n")
        assert result.exit_code == 0, result.output
    port = free_port()
    secrets_toml = home / ".streamlit" / "secrets.toml"
    secrets_toml.parent.mkdir()
    secrets_toml.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "chaingraph-test"\n'
        f'client_secret = "{secrets.token_hex(16)}"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n', encoding="utf-8")
    env = dict(os.environ, HOME=str(home), CHAINGRAPH_STORE=backend, CHAINGRAPH_DATA_DIR=str(data),
               CHAINGRAPH_AUTOLOAD="0")
    env.pop("CHAINGRAPH_OIDC_ROLE", None)
    log = home / "app.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                                 "--server.headless", "true", "--server.address", "127.0.0.1",
                                 "--browser.gatherUsageStats", "false", "--secrets.files", str(secrets_toml)],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_for(url + "/_stcore/health", "the app", proc)
    yield url, data, backend
    stop(proc)
    if backend == "neo4j":
        request.getfixturevalue("neo4j_session_store").clear()


@pytest.fixture
def page(browser):
    """A fresh browser profile per test: no cookie of an earlier login."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(60000)
    yield pg
    context.close()


def sso_login(page, url: str, sub: str) -> None:
    """单点登录 on the app, the subject typed into the provider's own form, back to the app."""
    page.goto(url + "/")
    page.get_by_role("button", name="单点登录").click()
    page.wait_for_url("**/oauth2/authorize**")
    page.locator("input[name=sub]").fill(sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(url + "/**")
    page.get_by_text(f"已登录：{sub}").first.wait_for()


def import_file(page, url: str, folder, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Enterprise.csv").write_text(text, encoding="utf-8")
    page.goto(url + "/import")
    page.locator("input[type=file]").first.set_input_files(str(folder / "Enterprise.csv"))
    page.get_by_text("校验通过").first.wait_for()
    page.get_by_role("button", name="导入").click()
    try:      # a snapshot, the write and the lead aggregates: slow on a busy 2-core machine
        page.get_by_text("导入完成").first.wait_for(timeout=180000)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "oidc-import-failed.png"), full_page=True)
        raise


def stored_name(data, backend: str, node_id: str):
    if backend == "neo4j":
        from graph.neo4j_store import Neo4jStore
        with Neo4jStore() as store:
            rows = store.read("MATCH (n:Enterprise {id: $id}) RETURN n.name AS name", {"id": node_id})
    else:
        from graph.embedded import EmbeddedStore
        with EmbeddedStore(data, read_only=True) as store:
            rows = store.read("MATCH (n:Enterprise {id: $id}) RETURN n.name AS name", {"id": node_id})
    return rows[0]["name"] if rows else None


def test_listed_oidc_editor_imports_and_the_audit_names_them(page, app, tmp_path):
    url, data, backend = app
    page.goto(url + "/import")
    page.get_by_text("请先在左侧边栏登录").first.wait_for()           # anonymous: no upload
    assert page.locator("input[type=file]").count() == 0
    sso_login(page, url, EDITOR)
    page.get_by_text(f"已登录：{EDITOR}（编辑）").first.wait_for()
    import_file(page, url, tmp_path / "in", "id,name,in_zone\nsso_1,单点登录导入企业,true\n")
    page.screenshot(path=str(ARTIFACTS / f"oidc-import-{backend}.png"), full_page=True)
    assert stored_name(data, backend, "sso_1") == "单点登录导入企业"
    from security import audit
    [entry] = [e for e in audit.entries(data) if e.get("action") == "load"]
    assert entry["who"] == f"oidc:{EDITOR}" and entry["files"][0]["name"] == "Enterprise.csv"
    page.goto(url + "/settings")                     # the audit log on 设置 names the provider's user
    page.get_by_text("审计日志").first.wait_for()
    page.get_by_text(f"oidc:{EDITOR}").first.wait_for(state="attached")
    # logging out ends the app's login and the provider's session, and back on the app nobody is logged in
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/oauth2/end_session**")     # the app sends the browser to the provider's logout
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(url + "/**")
    page.get_by_role("button", name="单点登录").wait_for()
    page.goto(url + "/import")
    page.get_by_text("请先在左侧边栏登录").first.wait_for()     # a new page load: the login cookie is gone
    assert page.get_by_text("已登录").count() == 0 and page.locator("input[type=file]").count() == 0


def test_unlisted_oidc_user_is_a_viewer(page, app):
    url, data, backend = app
    sso_login(page, url, STRANGER)
    page.get_by_text(f"已登录：{STRANGER}（查看）").first.wait_for()
    page.goto(url + "/import")                       # the login outlives a page load (the cookie)
    page.get_by_text("无此权限").first.wait_for()
    assert page.locator("input[type=file]").count() == 0


def test_provider_name_of_a_local_user_gets_no_local_role(page, app):
    """The provider says who someone is, not which local account they are: a subject named like the
    local admin (a password user) gets the OIDC default role, never that admin's."""
    url, data, backend = app
    sso_login(page, url, LOCAL_ADMIN)
    page.get_by_text(f"已登录：{LOCAL_ADMIN}（查看）").first.wait_for()
    page.goto(url + "/settings")
    page.get_by_text("设置").first.wait_for()
    assert page.get_by_role("button", name="恢复此快照（撤销上次导入）").count() == 0


def test_an_unverified_email_gets_no_role(page, app, provider):
    """A provider that lets people type their own e-mail marks it unverified: such an address does
    not pick up the role listed for it."""
    url, data, backend = app
    set_claims(provider, "mallory", {"email": EDITOR, "email_verified": False})
    sso_login(page, url, "mallory")
    page.get_by_text("（查看）").first.wait_for()
    assert page.get_by_text("（编辑）").count() == 0
    page.goto(url + "/import")
    page.get_by_text("无此权限").first.wait_for()


def test_a_provider_name_is_shown_as_text(page, app, provider):
    """Names from the provider are not checked like local ones: Markdown or HTML in one is shown as
    typed, never rendered (no image fetched, no bold)."""
    url, data, backend = app
    name = "**bold**<b>x</b>![i](http://127.0.0.1:9/i.png)"
    set_claims(provider, "odd-name", {"email": name})
    page.goto(url + "/")
    page.get_by_role("button", name="单点登录").click()
    page.wait_for_url("**/oauth2/authorize**")
    page.locator("input[name=sub]").fill("odd-name")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(url + "/**")
    page.get_by_text(f"已登录：{name}（查看）").first.wait_for()
    page.goto(url + "/import")
    page.get_by_text(f"当前账号 {name}（查看）无此权限").first.wait_for()
    assert page.locator("img[src*='127.0.0.1:9']").count() == 0
    assert page.locator("section[data-testid=stSidebar] strong, section[data-testid=stSidebar] b").count() == 0
