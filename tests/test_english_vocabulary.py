"""The model's fixed vocabularies in English mode: a firm's kind (链主 …), a segment's stage (中游 …),
statuses, categories, levels — every word a property allows (graph/schema.py) has one English name,
declared once (schema.VOCABULARY_EN), and English mode shows it on the pages (the firm profile's
details and lists, Explore's node details, the panorama, gaps, leads and 上下游 tables) and in the
English briefing; data (firm and segment names, free text) stays as the data has it; Chinese mode
unchanged.  On the bundled dataset, both stores."""
from __future__ import annotations

import re

import pytest

from graph import schema
from tests.conftest import BUNDLED

CJK = re.compile(r"[\u3400-\u9fff]")
PAGES = [("firm", {"id": "ent_jingao"}), ("explore", {"node": "ent_jingao"}), ("panorama", {"chain": "ch_pv"}),
         ("gaps", {}), ("leads", {}), ("updown", {"id": "seg_pv_2"}), ("overview", {})]


def allowed_words() -> dict[tuple[str, str], tuple[str, ...]]:
    found = {(item.name, p.name): p.allowed for item in schema.NODE_LABELS + schema.REL_TYPES for p in item.props
             if p.allowed}
    assert ("Enterprise", "kind") in found and ("Segment", "stage") in found
    return found


def test_every_vocabulary_word_has_one_english_name():
    for (label, prop), words in allowed_words().items():
        names = [schema.VOCABULARY_EN.get(w) for w in words]
        assert None not in names, (label, prop, [w for w in words if w not in schema.VOCABULARY_EN])
        assert len(set(names)) == len(names), (label, prop, names)           # two words, two names
        assert not [n for n in names if CJK.search(n)], names
    assert schema.english_value("链主") == "chain leader" and schema.english_value("中游") == "midstream"
    assert schema.english_value(["链主", "晶澳"]) == ["chain leader", "晶澳"]   # names stay
    assert schema.english_value(3) == 3


def vocabulary_in(cell) -> list[str]:
    """The vocabulary words a table cell shows as words (alone, or one item of "光伏 · 中游", "a, b");
    a word inside free text (新能源龙头企业, 坚强堡垒支部) is data."""
    parts = re.split(r" · |·|, |，|、", str(cell))
    return [p for p in parts if p in schema.VOCABULARY_EN or p in ("缺", "弱", "强")]


@pytest.fixture(params=["embedded", "neo4j"])
def bundled_app(request, tmp_path, monkeypatch):
    from tests.test_app import app_over
    with app_over(request, tmp_path, monkeypatch, [BUNDLED]):
        yield request.param


def tables(monkeypatch, page: str, lang: str, **query) -> list:
    from streamlit.testing.v1 import AppTest
    from tests.test_app import APP, ok
    monkeypatch.setenv("CHAINGRAPH_DEFAULT_PAGE", page)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    for key, value in query.items():
        at.query_params[key] = value
    return [d.value for d in ok(at.run()).dataframe]


def cells(frames) -> list[str]:
    return [str(v) for f in frames for c in f.columns for v in f[c].dropna()]


def test_english_mode_shows_the_vocabulary_in_english(bundled_app, monkeypatch):
    shown = {page: tables(monkeypatch, page, "en", **query) for page, query in PAGES}
    for page, frames in shown.items():
        assert frames, page
        leaks = sorted({w for c in cells(frames) for w in vocabulary_in(c)})
        assert not leaks, (page, leaks)
    firm = cells(shown["firm"])
    assert "chain leader" in firm and "光伏 · midstream" in firm            # 晶澳's kind; its segment's stage
    assert "chain leader" in cells(shown["explore"])
    assert {"upstream", "midstream", "downstream"} <= set(cells(shown["panorama"]))
    # Chinese mode unchanged
    firm_zh = cells(tables(monkeypatch, "firm", "zh", id="ent_jingao"))
    assert "链主" in firm_zh and "光伏·中游" in firm_zh and "chain leader" not in firm_zh


def test_firm_profile_and_briefing_in_both_languages(bundled_store):
    from queries import registry
    from reports.briefing import build
    table = registry.get("firm").run(bundled_store, id="ent_jingao", cap=50).table
    segment = table[table["section"] == "segment"].iloc[0]
    assert (segment["detail_zh"], segment["detail_en"]) == ("光伏·中游", "光伏 · midstream")
    demands = table[table["section"] == "demand"]
    assert not [w for d in demands["detail_en"] for w in vocabulary_in(d)] and len(demands)
    for lang, leader in (("en", "chain leader"), ("zh", "链主")):
        firms = build(bundled_store, "ch_pv", lang=lang).sections[0]
        kinds = [row[1] for row in firms.rows]
        assert kinds[0] == leader, (lang, kinds)
        if lang == "en":
            assert not [k for k in kinds if CJK.search(k)], kinds
