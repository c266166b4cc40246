"""Streamlit AppTest: every page on both stores; page content, the console, language, a store that is down."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.nav import ORDER
from tests.conftest import ROOT, neo4j_or_skip

APP = str(ROOT / "app.py")
PAGES = [name for name, *_ in ORDER]


@pytest.fixture(params=["embedded", "neo4j"])
def backend(request, tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINGRAPH_STORE", request.param)
    if request.param == "embedded":
        monkeypatch.setenv("CHAINGRAPH_DATA_DIR", str(tmp_path / "data"))
    else:
        neo4j_or_skip()
        request.getfixturevalue("neo4j_session_store").clear()   # the app loads the bundled data itself
    yield request.param
    from app_pages.common import _store
    _store.clear()


@contextmanager
def app_over(request, tmp_path, monkeypatch, folders: list):
    """The app pointed at a store of ``request.param`` holding these loaded folders (not the bundled
    data it would load into an empty store); the app's store handle dropped, Neo4j cleared, after."""
    from app_pages.common import _store
    from loaders.load import load_paths
    monkeypatch.setenv("CHAINGRAPH_STORE", request.param)
    monkeypatch.setenv("CHAINGRAPH_AUTOLOAD", "0")
    if request.param == "embedded":
        from graph.embedded import EmbeddedStore
        monkeypatch.setenv("CHAINGRAPH_DATA_DIR", str(tmp_path / "data"))
        with EmbeddedStore(tmp_path / "data") as store:
            load_paths(store, folders)
        store = None
    else:
        neo4j_or_skip()
        store = request.getfixturevalue("neo4j_session_store")
        store.clear()
        load_paths(store, folders)
    try:
        yield
    finally:
        _store.clear()
        if store is not None:
            store.clear()


def open_page(monkeypatch, name: str, **query) -> AppTest:
    monkeypatch.setenv("CHAINGRAPH_DEFAULT_PAGE", name)
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders(backend, monkeypatch, name):
    at = ok(open_page(monkeypatch, name))
    assert at.title, "every page has a title"


def test_overview_figures(backend, monkeypatch):
    at = ok(open_page(monkeypatch, "overview"))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["链上企业"] == "114" and metrics["党组织覆盖率"] == "80%" and metrics["协议总投资(亿元)"] == "554"


def test_console_refuses_writes_and_runs_reads(backend, monkeypatch):
    at = ok(open_page(monkeypatch, "console"))
    at.text_area(key="console_query").set_value("MATCH (n) DETACH DELETE n")
    at.button(key="console_run").click().run()
    assert any("已拒绝" in e.value for e in at.error)
    at.text_area(key="console_query").set_value("MATCH (a:Alliance) RETURN a.name AS name ORDER BY name")
    at.button(key="console_run").click().run()
    assert not at.error
    assert sorted(at.dataframe[0].value["name"]) == sorted(["智造先锋", "智算未来", "绒耀世界", "创赢天下"])


def test_import_page_without_files_and_settings_language(backend, monkeypatch):
    ok(open_page(monkeypatch, "import"))
    at = ok(open_page(monkeypatch, "settings"))
    assert "Neo4j" in at.markdown[0].value or "LadybugDB" in at.markdown[0].value
    assert "password" not in " ".join(m.value for m in at.markdown).lower()
    at.radio[0].set_value("English").run()
    assert at.title[0].value == "Settings"


def test_panorama_gaps_leads_explore_content(monkeypatch, tmp_path):
    monkeypatch.setenv("CHAINGRAPH_STORE", "embedded")
    monkeypatch.setenv("CHAINGRAPH_DATA_DIR", str(tmp_path / "data"))
    at = ok(open_page(monkeypatch, "panorama", chain="ch_h2"))
    assert list(at.dataframe[0].value["环节编号"]) == ["seg_h2_1", "seg_h2_2", "seg_h2_3", "seg_h2_4", "seg_h2_5"]
    at = ok(open_page(monkeypatch, "gaps"))
    assert set(at.dataframe[0].value["状态"]) <= {"缺", "弱"} and len(at.dataframe[0].value) >= 10
    at = ok(open_page(monkeypatch, "leads", segment="seg_wind_3"))
    table = at.dataframe[0].value
    assert len(table) >= 1 and set(table["所在环节"]) == {"风电·塔筒/主轴承"}
    at = ok(open_page(monkeypatch, "explore", node="ent_jiuke"))
    assert any("个节点" in c.value for c in at.caption)
    at = ok(open_page(monkeypatch, "explore"))                       # type-ahead pick
    at.selectbox(key="explore_typeahead").set_value("ent_jingao").run()
    ok(at)
    assert any("7 个节点" in c.value for c in at.caption)
    from app_pages.common import _store
    _store.clear()


def test_store_down_shows_message_and_retry(monkeypatch):
    monkeypatch.setenv("CHAINGRAPH_STORE", "neo4j")
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")
    monkeypatch.setenv("NEO4J_PASSWORD", "s3cret-do-not-show")
    at = open_page(monkeypatch, "overview")
    assert not at.exception
    assert at.error and "无法连接图数据库" in at.error[0].value
    assert "s3cret" not in at.error[0].value
    assert any(b.label == "重试" for b in at.button)
    from app_pages.common import _store
    _store.clear()


def test_console_example_draws_a_graph(backend, monkeypatch):
    at = ok(open_page(monkeypatch, "console"))
    at.selectbox(key="console_example").set_value(2).run()
    assert "FEEDS" in at.text_area(key="console_query").value
    at.button(key="console_run").click().run()
    ok(at)
    assert any("图中 7 个节点、6 条关系" in c.value for c in at.caption)


def test_pathological_console_query_is_stopped_and_the_app_answers(monkeypatch, tmp_path):
    from loaders.generate import generate_zone
    from loaders.load import load_paths
    from graph.embedded import EmbeddedStore
    generate_zone(tmp_path / "zone", enterprises=3000, seed=3, supplies_per_enterprise=6)
    with EmbeddedStore(tmp_path / "data") as store:
        load_paths(store, [tmp_path / "zone"])
    monkeypatch.setenv("CHAINGRAPH_STORE", "embedded")
    monkeypatch.setenv("CHAINGRAPH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CHAINGRAPH_CONSOLE_TIMEOUT", "1")
    at = ok(open_page(monkeypatch, "console"))
    at.text_area(key="console_query").set_value(
        "MATCH (a:Enterprise), (b:Enterprise), (c:Enterprise) WHERE a.staff + b.staff + c.staff = 7 RETURN count(*)")
    at.button(key="console_run").click().run()
    assert not at.exception
    assert any("timeout" in e.value for e in at.error)
    at.text_area(key="console_query").set_value("MATCH (a:Alliance) RETURN count(a) AS n")
    at.button(key="console_run").click().run()
    assert not at.error and at.dataframe[0].value["n"][0] == 4
    from app_pages.common import _store
    _store.clear()


def test_large_views_lay_out_without_scipy_and_keep_every_edge():
    """Above 300 nodes Explore uses the radial tree (networkx's spring layout needs scipy from 500 nodes);
    edge ids never collide with node ids (the generator names its firms e0, e1, …)."""
    from app_pages import drawing
    from queries.registry import Subgraph
    g = Subgraph()
    g.add_node("c0", "Chain", "链")
    for s in range(6):
        g.add_node(f"s{s}", "Segment", f"环节{s}")
        g.add_edge(f"s{s}", "c0", "PART_OF")
    g.add_node("a0", "Alliance", "联盟")
    g.add_edge("a0", "c0", "COVERS")
    for i in range(1000):
        g.add_node(f"e{i}", "Enterprise", f"企业{i}")
        g.add_edge(f"e{i}", "a0" if i % 10 else f"s{i % 6}", "MEMBER_OF" if i % 10 else "IN_SEGMENT")
    g.add_node("lone", "Enterprise", "孤立")
    positions = drawing.spring_positions(g, centres=["c0"])
    assert set(positions) == set(g.nodes) and positions["c0"] == (0.0, 0.0)
    assert len(set(positions.values())) == len(positions)
    elements = drawing.cytoscape_elements(g, positions)
    ids = [n["data"]["id"] for n in elements["nodes"]] + [e["data"]["id"] for e in elements["edges"]]
    assert len(elements["edges"]) == len(g.edges) and len(set(ids)) == len(ids)


def test_settings_zone_list_replaces_the_zone(monkeypatch, tmp_path):
    """A pasted list (id, name) becomes the zone; a line matching nothing is reported; the leads page
    then says why it is empty when no firm is in the zone."""
    monkeypatch.setenv("CHAINGRAPH_STORE", "embedded")
    monkeypatch.setenv("CHAINGRAPH_DATA_DIR", str(tmp_path / "data"))
    from security import audit, users
    users.add(tmp_path / "data", "ed", "editor", "editor-pass")     # setting the zone is a write: editors only
    at = ok(open_page(monkeypatch, "settings"))
    assert not any(t.key == "zone_list" for t in at.text_area), "anonymous visitors cannot set the zone"
    at.text_input(key="auth_name").set_value("ed")
    at.text_input(key="auth_password").set_value("editor-pass")
    at.button(key="auth_submit").click().run()
    at.text_area(key="zone_list").set_value("没有这家企业\n").run()
    assert any("未找到该企业" in t.value for t in at.text)
    from app_pages.common import _store
    from loaders.zone import show_zone
    name = _store("embedded", str(tmp_path / "data")).read(
        "MATCH (e:Enterprise {id: 'ent_jingao'}) RETURN e.name AS name")[0]["name"]
    at.text_area(key="zone_list").set_value(f"ent_jiuke\n{name}\n").run()
    at.button(key="zone_set").click().run()
    ok(at)
    assert sorted(r["id"] for r in show_zone(_store("embedded", str(tmp_path / "data")))) == ["ent_jingao", "ent_jiuke"]
    entry = audit.entries(tmp_path / "data", 1)[0]                   # audited, with what it flipped
    assert entry["action"] == "zone" and entry["who"] == "ed" and entry["in_zone"] == 2 and entry["snapshot"]
    _store.clear()


def test_panorama_segment_link_and_english(backend, monkeypatch):
    """A linked card (?segment=) opens with its details; the picture's clickable cards are where the
    card picture puts them, one per segment; in English (?lang=en) the gap reads in English."""
    at = ok(open_page(monkeypatch, "panorama", chain="ch_pv", segment="seg_pv_2"))
    assert at.selectbox(key="panorama_segment").value == "seg_pv_2"
    assert at.subheader[0].value == "光伏·多晶硅" and at.query_params["segment"] in ("seg_pv_2", ["seg_pv_2"])
    assert any(w.value.startswith("弱链") for w in at.warning)
    at = ok(open_page(monkeypatch, "panorama", chain="ch_pv", segment="no_such_segment"))   # a bad link: the first card
    assert at.selectbox(key="panorama_segment").value == "seg_pv_1"
    at = ok(open_page(monkeypatch, "panorama", chain="ch_pv", segment="seg_pv_1", lang="en"))
    assert any(w.value.startswith("missing segment") for w in at.warning)
    from app_pages.panorama import ON_PAGE_WIDTH, _cards_png
    from app_pages.panorama_picker import png_size
    from app_pages.common import store_key
    png, boxes = _cards_png(store_key(), "ch_pv", 2, "zh", ON_PAGE_WIDTH)
    width, height = png_size(png)
    assert width == ON_PAGE_WIDTH and sorted(boxes) == [f"seg_pv_{i}" for i in range(1, 8)]
    assert all(0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height for x0, y0, x1, y1 in boxes.values())


def test_a_write_made_outside_the_app_shows_after_the_cache_time_or_at_once_with_reload(backend, monkeypatch):
    """Cached answers (the explorer's node details here) follow a write the app did not make (another
    user's import into a shared server): in the next CHAINGRAPH_CACHE_TTL_S period, or at once with
    刷新数据 in the sidebar."""
    from app_pages import common
    monkeypatch.setenv("CHAINGRAPH_CACHE_TTL_S", "60")
    now = [6000.0]                              # the start of a 60-second period
    monkeypatch.setattr(common, "clock", lambda: now[0])
    at = open_page(monkeypatch, "overview")
    at.run()                                    # the app loads the bundled zone into the empty store
    store = common.get_store()

    def shown_name() -> str:
        table = common.cached_query("node", id="ent_jingao").table
        return dict(zip(table["property"], table["value"]))["name"]

    def rename(name: str) -> None:
        store.write(lambda tx: tx.run("MATCH (e:Enterprise {id: 'ent_jingao'}) SET e.name = $name", {"name": name}))

    old = shown_name()
    rename(old + "（新）")
    now[0] += 59
    assert shown_name() == old                  # the same period: the cached answer
    now[0] += 1
    assert shown_name() == old + "（新）"       # the next period: read again
    rename(old)
    assert shown_name() == old + "（新）"
    button = at.sidebar.button(key="reload_data")
    assert button.label == "刷新数据"
    button.click().run()
    assert shown_name() == old                  # dropped at once
    monkeypatch.setenv("CHAINGRAPH_CACHE_TTL_S", "0")
    with pytest.raises(ValueError, match="CHAINGRAPH_CACHE_TTL_S must be a positive number"):
        common.store_key()


def test_a_bad_cache_time_is_a_message_on_every_page_not_a_traceback(backend, monkeypatch):
    monkeypatch.setenv("CHAINGRAPH_CACHE_TTL_S", "abc")
    for name in ("overview", "explore"):
        at = open_page(monkeypatch, name)
        at.run()
        assert not at.exception, name
        assert "配置错误" in at.error[0].value and "CHAINGRAPH_CACHE_TTL_S" in at.error[0].value, name
