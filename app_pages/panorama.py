"""产业链全景 Chain panorama: segments left→right (upstream→downstream), coloured by coverage."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from app_pages import nav, panorama_picker
from app_pages.firm import firm_link
from app_pages.common import localise, cached_query, get_store, md, store_key, tr, why_empty


def _lang() -> str:
    return "en" if st.session_state.get("lang") == "en" else "zh"


ON_PAGE_WIDTH = 920    # pixels, shown 1:1: within the page's content width in a 1400-pixel-wide window


@st.cache_data(show_spinner=False, max_entries=64)
def _cards_png(store: str, chain: str, weak_threshold: int, lang: str, width: int = 1440) -> tuple[bytes, dict]:
    """The 全景图 PNG and where each card is in it (pixels), for the clickable picture."""
    from reports.panorama_cards import panorama_cards, png_bytes
    boxes: dict = {}
    png = png_bytes(panorama_cards(get_store(), chain, weak_threshold), lang, width=width, boxes=boxes)
    return png, boxes


def _briefing_buttons(chain: str, weak_threshold: int) -> None:
    """Word/PDF briefing, made when the button is clicked (a few seconds), not on every page view."""
    from reports.briefing import build
    from reports.docx_writer import to_docx
    from reports.pdf_writer import to_pdf
    lang = _lang()
    day = dt.date.today().isoformat()

    def make(writer):
        return lambda: writer(build(get_store(), chain, lang=lang, weak_threshold=weak_threshold))
    left, right = st.columns(2)
    left.download_button(tr("下载招商简报 Word", "Download briefing (Word)"), make(to_docx),
                         file_name=f"briefing-{chain}-{day}.docx", key="briefing_docx",
                         mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    right.download_button(tr("下载招商简报 PDF", "Download briefing (PDF)"), make(to_pdf),
                          file_name=f"briefing-{chain}-{day}.pdf", mime="application/pdf", key="briefing_pdf")


@st.cache_data(show_spinner=False, max_entries=64)
def _card_firms(store: str, chain: str) -> dict[str, list[dict]]:
    from queries.chain_lists import firms_by_segment
    return firms_by_segment(get_store(), chain)


def _pick_card_firm(chain: str, segments) -> None:
    """The picture's firms, by segment: choosing one opens its 企业画像 (the picture itself is an image)."""
    names = dict(zip(segments["segment"], segments["name"])) if len(segments) else {}
    firms = {f["id"]: f"{f['name'] or f['id']} · {names.get(seg, seg)}"
             for seg, rows in _card_firms(store_key(), chain).items() for f in rows}
    if not firms:
        return
    left, right = st.columns([3, 1])
    chosen = left.selectbox(tr("图中企业（选择后打开企业画像）", "A firm in the picture (opens its profile)"), list(firms),
                            index=None, format_func=firms.get, key="panorama_firm",
                            placeholder=tr("输入以筛选…", "Type to filter…"))
    if chosen:
        right.page_link(nav.PAGES["firm"], label=tr("企业画像 →", "Firm profile →"), query_params={"id": chosen})
        right.page_link(nav.PAGES["updown"], label=tr("上下游 →", "Upstream & downstream →"),
                        query_params={"id": chosen})


def page() -> None:
    st.title(tr("产业链全景", "Chain panorama"))
    store = get_store()
    if store is None:
        return
    chain_rows = cached_query("chains").table.to_dict("records")
    if not chain_rows:
        st.info(tr("图谱中还没有产业链。", "No chains in the graph yet."))
        return
    names = {r["id"]: r["name"] for r in chain_rows}
    default = st.query_params.get("chain", "ch_pv" if "ch_pv" in names else chain_rows[0]["id"])
    chain = st.selectbox(tr("产业链", "Chain"), list(names), index=list(names).index(default) if default in names else 0,
                         format_func=lambda c: f"{names[c]} ({c})")
    st.query_params["chain"] = chain
    threshold = st.number_input(tr("弱链阈值（园区企业少于）", "Weak below (in-zone firms)"), 1, 50, 2)
    result = cached_query("panorama", chain=chain, weak_threshold=int(threshold))
    segments = list(result.table["segment"])
    segment_names = dict(zip(result.table["segment"], result.table["name"]))
    chosen = _chosen_segment(segments)
    png, boxes = _cards_png(store_key(), chain, int(threshold), _lang(), ON_PAGE_WIDTH)
    st.caption(tr("点击卡片查看该环节的缺链弱链与补链线索。", "Click a card: its gap and the leads that would fill it."))
    hint = tr("点击查看缺链与补链线索", "Click: its gap and the leads that would fill it")
    # keyed by the chosen card: after a click the chart starts afresh, so clicking any card (the one
    # clicked before too, after the select box moved away from it) is a new selection
    picked = panorama_picker.show(png, boxes, segment_names, chosen, hint, key=f"panorama_cards_{chain}_{chosen}")
    if picked in segment_names and picked != chosen:
        st.session_state["panorama_segment"] = picked
        st.rerun()                                                 # the frame moves to the clicked card
    left, right = st.columns([1, 3])
    left.download_button(tr("下载全景图 PNG", "Download panorama PNG"), _cards_png(store_key(), chain, int(threshold), _lang())[0],
                         file_name=f"panorama-{chain}.png", mime="image/png")
    with right:
        _briefing_buttons(chain, int(threshold))
    _pick_card_firm(chain, result.table)
    why_empty(result)
    if result.extra.get("products_from") == "firms":
        st.caption(tr("该产业链没有环节：按其企业的主营产品展示（产品＝环节）。",
                      "This chain has no segments: shown by the products its firms make (products in place of segments)."))
    st.dataframe(localise(result.table), hide_index=True, width="stretch")
    if result.extra["chain_support"]:
        st.caption(tr("服务本链的科研机构与人才站点：", "Institutes and talent stations serving this chain: ") +
                   md("、".join(result.extra["chain_support"])))
    segment = st.selectbox(tr("查看环节（缺链弱链与补链线索）", "Segment: its gap and the leads that would fill it"),
                           segments, format_func=segment_names.get, key="panorama_segment")
    if segment:
        st.query_params["segment"] = segment       # the selected card is linkable
        st.subheader(md(segment_names[segment]))
        _segment_details(segment, int(threshold))


def _chosen_segment(segments: list[str]) -> str | None:
    """The segment shown: the one clicked or picked in this session, else the link's ``segment``, else
    the first card.  Set before the select box is drawn, so a click moves the select box too."""
    current = st.session_state.get("panorama_segment")
    if current not in segments:          # first view, or another chain
        given = st.query_params.get("segment")
        st.session_state["panorama_segment"] = given if given in segments else (segments[0] if segments else None)
    return st.session_state["panorama_segment"]


def _segment_details(segment: str, threshold: int) -> None:
    """A card's story: its status and why, the leads that would fill it, its neighbours."""
    gaps = cached_query("gaps", chains=[], weak_threshold=threshold).table
    row = gaps[gaps["segment"] == segment]
    if row.empty:
        st.success(tr("该环节为强链：园区企业数已达阈值。", "A strong segment: enough in-zone firms."))
    else:
        st.warning(md(row.iloc[0]["reason_en" if _lang() == "en" else "reason_zh"]))
        if row.iloc[0].get("kind") == "product":     # a chain given as products: who makes it
            makers = cached_query("product_makers", product=segment, limit=50).table
            st.dataframe(localise(makers), hide_index=True, width="stretch")
            return
        leads = cached_query("gap_leads", segment=segment, weak_threshold=threshold, limit=10).table
        if leads.empty:
            st.info(tr("没有与园区企业相连、位于该环节的园外企业。",
                       "No out-of-zone firm in this segment is tied to an in-zone firm."))
        else:
            why = "explanation_en" if _lang() == "en" else "explanation_zh"
            shown = localise(leads[["rank", "name", "score", why, "paths", "paths_en"]])
            shown[tr("画像", "Profile")] = [firm_link(i) for i in leads["lead"]]
            st.dataframe(shown, hide_index=True, width="stretch", column_config={tr("画像", "Profile"):
                         st.column_config.LinkColumn(display_text=tr("企业画像", "Profile"))})
        st.page_link(nav.PAGES["leads"], label=tr("在招商线索页打开 →", "Open in Leads →"),
                     query_params={"segment": segment})
    near = cached_query("neighbourhood", ids=[segment], cap=300)
    st.dataframe(localise(near.table[["direction", "type", "name", "label"]]), hide_index=True, width="stretch")
