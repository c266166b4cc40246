"""The 上下游 page (app_pages/updown.py): name resolution with candidates, the recorded and inferred
answers with their paths, the cap's "N more not shown", the reason for an empty answer, the layered
drawing (upstream left, downstream right, inferred ties dashed), and the links between the firm page
and this view.  AppTest on both stores; the browser half is tests/test_updown_browser.py."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import BUNDLED
from tests.test_app import app_over, backend, ok, open_page  # noqa: F401  (backend: a fixture)

# A few wind-power products around 株洲时代 (ent_zhuzhou, bundled: ent_s017 supplies it, it supplies
# ext_s01), so a firm has recorded and inferred partners on both sides; and a second firm called 中车 (its 简称).
PRODUCTS = {
    "Product.csv": "id,name\np_igbt,IGBT模块\np_converter,风电变流器\np_blade,风电叶片\np_turbine,风电整机\n"
                   "p_windfarm,风电场\n",
    "FEEDS.csv": "from,to\np_igbt,p_converter\np_converter,p_turbine\np_blade,p_turbine\np_turbine,p_windfarm\n",
    "MAKES.csv": "from,to\nent_zhuzhou,p_converter\next_s23,p_igbt\nent_crrc,p_turbine\nent_s013,p_blade\n"
                 "ent_s019,p_windfarm\n",
    "Enterprise.csv": "id,name,short_name,in_zone\nent_crrc_wind,中车风电有限公司,中车,false\n",   # also called 中车
}


def write_products(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in PRODUCTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(params=["embedded", "neo4j"])
def products_app(request, tmp_path, monkeypatch):
    """The app over the bundled dataset plus PRODUCTS, on each store."""
    with app_over(request, tmp_path, monkeypatch, [BUNDLED, write_products(tmp_path / "products")]):
        yield request.param


def test_a_firm_by_name_recorded_and_inferred_both_sides(products_app, monkeypatch):
    at = ok(open_page(monkeypatch, "updown", id="株洲时代"))
    table = at.dataframe[0].value
    rows = {(r["方向"], r["名称"]): r for r in table.to_dict("records")}
    assert set(rows) == {("上游", "示例风电企业017"), ("上游", "示例园外风电企业23"), ("下游", "示例园外风电企业01"),
                         ("下游", "中车"), ("下游", "示例风电企业019")}
    assert rows[("上游", "示例风电企业017")]["依据"] == "记录"
    assert rows[("上游", "示例风电企业017")]["路径"] == "示例风电企业017 → 株洲时代"
    assert rows[("下游", "中车")]["依据"] == "推断"
    assert rows[("下游", "中车")]["路径"] == "株洲时代 造 风电变流器；风电变流器 的下游产品 风电整机；中车 造 风电整机"
    assert rows[("上游", "示例园外风电企业23")]["路径"] == "株洲时代 造 风电变流器；风电变流器 的上游材料 IGBT模块；示例园外风电企业23 造 IGBT模块"
    assert rows[("下游", "示例风电企业019")]["距离"] == 2
    assert rows[("下游", "中车")]["画像"] == "firm?id=ent_crrc"          # every firm links to its profile
    assert at.query_params["id"] == "ent_zhuzhou"                    # the view is linkable by id
    assert any("上游 2 个，下游 3 个；其中经产品推断 3 个" in c.value for c in at.caption)
    # the legend tells recorded from inferred, in Chinese
    legend = " ".join(m.value for m in at.markdown)
    assert "记录的关系" in legend and "经产品推断" in legend and "园区外企业" in legend


def test_direction_and_depth_from_the_link(products_app, monkeypatch):
    at = ok(open_page(monkeypatch, "updown", id="ent_zhuzhou", direction="down", depth="1"))
    table = at.dataframe[0].value
    assert set(table["方向"]) == {"下游"} and set(table["名称"]) == {"示例园外风电企业01", "中车"}


def test_a_name_of_several_firms_asks_which_and_a_row_recentres(products_app, monkeypatch):
    at = ok(open_page(monkeypatch, "updown", id="中车"))
    pick = at.selectbox(key="updown_pick")
    assert "对应 2 个节点" in pick.label and len(pick.options) == 2 and not at.dataframe
    pick.set_value("ent_crrc").run()
    ok(at)
    table = at.dataframe[0].value
    assert {"示例风电企业018", "株洲时代"} <= set(table["名称"]) and at.query_params["id"] == "ent_crrc"
    # a link to another start, in the same session (the firm page's, or a row's 以它为起点): followed
    at.query_params["id"] = "ent_zhuzhou"
    at.query_params["direction"] = "up"
    ok(at.run())
    assert at.text_input(key="updown_q").value == "ent_zhuzhou" and at.radio(key="updown_direction").value == "up"
    assert set(at.dataframe[0].value["方向"]) == {"上游"}
    at.text_input(key="updown_q").set_value("株洲时代").run()          # the user's own change is kept
    ok(at)
    assert at.text_input(key="updown_q").value == "株洲时代" and at.radio(key="updown_direction").value == "up"


def test_english_mode(products_app, monkeypatch):
    from streamlit.testing.v1 import AppTest
    from tests.test_app import APP
    monkeypatch.setenv("CHAINGRAPH_DEFAULT_PAGE", "updown")
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = "en"
    at.query_params["id"] = "ent_zhuzhou"
    at = ok(at.run())
    assert at.title[0].value == "Upstream & downstream"
    table = at.dataframe[0].value
    assert {"direction", "name", "basis", "path"} <= set(table.columns)
    assert set(table["basis"]) == {"recorded", "inferred"} and set(table["direction"]) == {"up", "down"}
    assert any("2 upstream, 3 downstream" in c.value for c in at.caption)
    paths = dict(zip(table["name"], table["path"]))
    assert paths["中车"] == "株洲时代 makes 风电变流器; 风电变流器 has downstream product 风电整机; 中车 makes 风电整机"


def test_the_cap_says_how_many_are_not_shown(backend, monkeypatch):  # noqa: F811
    # seg_h2_2 (氢能·储运): one segment upstream, three downstream; two per direction shown
    at = ok(open_page(monkeypatch, "updown", id="seg_h2_2", cap="2"))
    assert len(at.dataframe[0].value) == 3
    assert any("另有更多未显示" in w.value for w in at.warning)       # not counted until asked
    assert not any("共 4 条" in w.value for w in at.warning)
    at = ok(at.button(key="updown_count").click().run())
    assert len(at.dataframe[0].value) == 3
    assert any("另有 1 条未显示" in w.value and "共 4 条" in w.value for w in at.warning)
    assert "园区内" not in at.dataframe[0].value.columns                  # segments have no zone
    firms = at.dataframe[1].value                                          # the firms in the segments reached
    assert len(firms) > 0 and firms["画像"].str.startswith("firm?id=").all()


def test_an_empty_answer_says_why(backend, monkeypatch):  # noqa: F811
    at = ok(open_page(monkeypatch, "updown", id="ent_jingao", direction="down"))   # 晶澳: supplied, supplies none
    assert not at.dataframe
    assert any("在 3 层内没有下游" in i.value for i in at.info)
    at = ok(open_page(monkeypatch, "updown", id="ent_s002"))                        # no SUPPLIES at all
    assert any("该节点没有上下游关系" in i.value for i in at.info)


def test_an_unknown_or_partial_name_offers_candidates(backend, monkeypatch):  # noqa: F811
    at = ok(open_page(monkeypatch, "updown", id="风电企业01"))
    pick = at.selectbox(key="updown_pick")
    assert "是否指" in pick.label and {"示例风电企业013 · 企业 (ent_s013)", "示例园外风电企业01 · 企业 (ext_s01)"} <= set(pick.options)
    assert not at.dataframe                                                  # nothing until one is chosen
    pick.set_value("ent_s013").run()
    ok(at)
    assert set(at.dataframe[0].value["名称"]) == {"示例园外风电企业12"}
    at = open_page(monkeypatch, "updown", id="没有这个名字")
    assert at.error and "未找到" in at.error[0].value and not at.exception


def test_the_firm_page_links_to_this_view(backend, monkeypatch):  # noqa: F811
    at = ok(open_page(monkeypatch, "firm", id="ent_zhuzhou"))
    links = [p for p in at.get("page_link") if "上下游" in p.proto.label]
    assert links and "updown" in links[0].proto.page and "id=ent_zhuzhou" in links[0].proto.query_string


def test_stage_layout_upstream_left_downstream_right_makers_beside_their_product():
    from app_pages.drawing import stage_positions
    from app_pages.updown import marked_graph
    from queries.registry import Subgraph
    g = Subgraph()
    g.add_node("me", "Enterprise", "我", start=True)
    for n in ("s1", "s2", "c1", "m1", "m2"):
        g.add_node(n, "Enterprise", n)
    g.add_node("p0", "Product", "变流器")
    g.add_node("p1", "Product", "整机")
    g.add_edge("s2", "s1", "SUPPLIES")
    g.add_edge("s1", "me", "SUPPLIES")
    g.add_edge("me", "c1", "SUPPLIES")
    g.add_edge("me", "p0", "MAKES")
    g.add_edge("p0", "p1", "FEEDS")
    g.add_edge("m1", "p1", "MAKES", inferred=True)
    g.add_edge("m2", "p1", "MAKES", inferred=True)
    pos = stage_positions(g, ["me"])
    column = {n: round(x / 240) for n, (x, _) in pos.items()}
    assert column == {"me": 0, "p0": 0, "s1": -1, "s2": -2, "c1": 1, "p1": 1, "m1": 1, "m2": 1}
    assert pos["me"][1] < pos["p0"][1]                                    # the start heads its column
    ys = sorted(y for n, (x, y) in pos.items() if column[n] == 1)
    assert ys[0] == -ys[-1]                                                # each column centred on the start
    assert pos["p1"][1] < pos["m1"][1] < pos["m2"][1]                      # makers right below their product
    drawn = marked_graph(g)
    dashed = {(e["from"], e["to"]) for e in drawn.edges if e["inferred"]}
    assert dashed == {("me", "p0"), ("p0", "p1"), ("m1", "p1"), ("m2", "p1")}
    assert g.edges[0].get("inferred") is None, "the cached answer's graph is not changed"


def test_drawing_data_in_the_users_language(monkeypatch):
    import streamlit as st
    from app_pages.drawing import cytoscape_elements
    from queries.registry import Subgraph
    g = Subgraph()
    g.add_node("a", "Enterprise", "甲", start=True)
    g.add_node("p", "Product", "铝材")
    g.add_edge("a", "p", "MAKES", inferred=True)
    for lang, key in (("zh", "名称"), ("en", "name")):
        st.session_state["lang"] = lang
        elements = cytoscape_elements(g, {})
        node = elements["nodes"][0]["data"]
        assert node[key] == "甲" and node["_name"] == "甲" and node["_ring"] == 3
        assert ("name" in node) == (lang == "en"), "the info panel lists 名称, not name, in Chinese"
        assert elements["nodes"][1]["data"]["_ring"] == 0
        assert elements["edges"][0]["data"]["_line"] == "dashed"
    st.session_state["lang"] = "zh"


def test_the_panorama_picture_leads_to_its_firms(backend, monkeypatch):  # noqa: F811
    """The panorama is a picture: its firms are offered by name, and a chosen one links to its profile
    and to this view."""
    at = ok(open_page(monkeypatch, "panorama", chain="ch_pv"))
    pick = at.selectbox(key="panorama_firm")
    assert any(o.startswith("晶澳 · ") for o in pick.options)
    pick.set_value("ent_jingao").run()
    ok(at)
    links = {p.proto.label: p.proto for p in at.get("page_link")}
    assert "id=ent_jingao" in links["企业画像 →"].query_string and "firm" in links["企业画像 →"].page
    assert "id=ent_jingao" in links["上下游 →"].query_string and "updown" in links["上下游 →"].page


def test_explore_follows_a_link_in_the_same_session(monkeypatch, tmp_path):
    """A drawing's panel links a product or segment to Explore (/explore?node=…): the page shows that node
    even when this session already had another view there."""
    monkeypatch.setenv("CHAINGRAPH_STORE", "embedded")
    monkeypatch.setenv("CHAINGRAPH_DATA_DIR", str(tmp_path / "data"))
    at = ok(open_page(monkeypatch, "explore", node="ent_jiuke"))
    assert at.session_state["explore_ids"] == ["ent_jiuke"]
    at.query_params["node"] = "ent_jingao"
    ok(at.run())
    assert at.session_state["explore_ids"] == ["ent_jingao"] and any("7 个节点" in c.value for c in at.caption)
    at.selectbox(key="explore_detail").select_index(1).run()    # a neighbour, expanded: the page's own
    at.button(key="explore_expand").click().run()              # changes are not undone by its URL
    ok(at)
    assert len(at.session_state["explore_ids"]) == 2
    from app_pages.common import _store
    _store.clear()


def test_a_hub_wraps_into_a_block_and_only_the_nearest_are_drawn():
    """30 suppliers of one firm: three sub-columns of 12, 12 and 6 rows leftwards from the start, not one
    strip 30 rows tall; of 70 answers the drawing keeps the nearest 60 and every node on their paths."""
    import pandas as pd
    from app_pages.drawing import stage_positions
    from app_pages.updown import nearest_part
    from queries.registry import Subgraph
    g = Subgraph()
    g.add_node("me", "Enterprise", "我", start=True)
    for i in range(30):
        g.add_node(f"s{i:02d}", "Enterprise", f"供应商{i:02d}")
        g.add_edge(f"s{i:02d}", "me", "SUPPLIES")
    pos = stage_positions(g, ["me"], spacing_x=240, sub_spacing=190, max_rows=12)
    xs = sorted({x for n, (x, _) in pos.items() if n != "me"})
    assert xs == [-240 - 2 * 190, -240 - 190, -240] and pos["me"] == (0, 0)
    assert sum(1 for n, (x, _) in pos.items() if x == -240) == 12
    rows = [{"id": f"s{i:02d}", "distance": 1, "basis": "recorded"} for i in range(30)]
    for i in range(40):                                   # 40 more, one hop further, each behind s00 .. s29
        g.add_node(f"t{i:02d}", "Enterprise", f"二级{i:02d}")
        g.add_edge(f"t{i:02d}", f"s{i % 30:02d}", "SUPPLIES")
        rows.append({"id": f"t{i:02d}", "distance": 2, "basis": "recorded"})
    part = nearest_part(g, pd.DataFrame(rows), ["me"], limit=60)
    assert len(part.nodes) == 61 and {f"t{i:02d}" for i in range(30)} <= set(part.nodes)
    assert all(e["from"] in part.nodes and e["to"] in part.nodes for e in part.edges) and len(part.edges) == 60
    assert nearest_part(g, pd.DataFrame(rows[:50]), ["me"], limit=60) is g
