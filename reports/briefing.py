"""一链一图多清单: a chain's briefing — the 全景图 plus the lists of key firms, gaps with priorities,
top leads with their paths, projects and open demands — gathered once from the query library and
written as Word (reports/docx_writer.py) or PDF (reports/pdf_writer.py), in Chinese or English.

Every list that is empty says why, so a briefing never shows a bare empty table.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from graph.schema import english_value
from graph.store import Store
from queries import registry
from queries.chain_lists import chain_firms, chain_open_demands, chain_projects
from reports.panorama_cards import Panorama, panorama_cards

TOP_LEADS = 10
MAX_FIRMS = 40


@dataclass
class Section:
    title: str
    columns: list[str]              # header row, in the briefing's language
    rows: list[list[str]]
    empty: str                      # said instead of a table when there are no rows
    note: str = ""                  # e.g. "另有 12 家未列出"


@dataclass
class Briefing:
    chain: str
    chain_name: str
    lang: str
    date: dt.date
    source: str
    panorama: Panorama
    summary: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.chain_name}产业链招商简报" if self.lang == "zh" else f"{self.chain_name} chain briefing"

    def filename(self, ext: str) -> str:
        return f"briefing-{self.chain}-{self.date.isoformat()}.{ext}"


def _t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


CHAIN_SOURCE = "MATCH (c:Chain {id: $chain}) RETURN c.source AS source"


def build(store: Store, chain: str, *, lang: str = "zh", weak_threshold: int = 2, top_leads: int = TOP_LEADS,
          date: dt.date | None = None) -> Briefing:
    """Gather every part of one chain's briefing (raises ValueError for an unknown chain)."""
    pano = panorama_cards(store, chain, weak_threshold)
    found = store.read(CHAIN_SOURCE, {"chain": chain})
    source = ((found[0]["source"] if found else "") or "").strip()
    store_text = store.describe().split(" at ")[0]     # the engine, not its path or URI: briefings leave the zone
    source_line = (_t(lang, "数据来源：", "Data source: ") + (source or _t(lang, "（未注明）", "(not stated)")) +
                   _t(lang, "；图谱：", "; graph: ") + store_text)
    b = Briefing(chain, pano.chain_name, lang, date or dt.date.today(), source_line, pano)
    counts = {s: sum(1 for c in pano.cards if c.status == s) for s in ("缺", "弱", "强")}
    b.summary.append(_t(lang, f"共{len(pano.cards)}个环节：缺链{counts['缺']}个、弱链{counts['弱']}个、强链{counts['强']}个。",
                        f"{len(pano.cards)} segments: {counts['缺']} missing, {counts['弱']} weak, "
                        f"{counts['强']} strong."))
    b.sections += [_firms(store, chain, lang, pano), _gaps(store, chain, lang, weak_threshold),
                   _leads(store, chain, lang, weak_threshold, top_leads), _projects(store, chain, lang),
                   _demands(store, chain, lang)]
    return b


def _word(lang: str, value) -> str:
    """A vocabulary word (a firm's kind, a status, a category) in the briefing's language (链主 → chain leader)."""
    return (value if lang == "zh" else english_value(value)) or ""


def _firms(store: Store, chain: str, lang: str, pano: Panorama) -> Section:
    if pano.by_products:     # a chain given as products: its in-zone makers, with the products they make
        made: dict[str, list[str]] = {}
        for card in pano.cards:
            for f in card.firms:
                made.setdefault(f["name"], []).append(card.name)
        firms = [{"id": n, "name": n, "kind": None, "segments": "、".join(p)} for n, p in sorted(made.items())]
    else:
        firms = chain_firms(store, chain)
    rows = [[f["name"] or f["id"], _word(lang, f["kind"]), f["segments"]] for f in firms[:MAX_FIRMS]]
    rest = len(firms) - len(rows)
    return Section(_t(lang, "重点企业清单（园区内，链主/龙头在前）", "Key firms in the zone (chain leaders first)"),
                   [_t(lang, "企业", "Firm"), _t(lang, "类型", "Kind"), _t(lang, "环节", "Segments")], rows,
                   _t(lang, "本链还没有园区企业（缺链）。", "No in-zone firm is placed on this chain yet."),
                   _t(lang, f"另有{rest}家未列出。", f"{rest} more not listed.") if rest > 0 else "")


def _gaps(store: Store, chain: str, lang: str, weak_threshold: int) -> Section:
    table = registry.get("gaps").run(store, chains=[chain], weak_threshold=weak_threshold).table
    status = "status" if lang == "zh" else "status_en"
    reason = "reason_zh" if lang == "zh" else "reason_en"
    rows = [[r["name"], r[status], f"{r['score']:g}", r[reason]] for r in table.to_dict("records")]
    return Section(_t(lang, "缺链弱链清单（按优先级）", "Gaps by priority"),
                   [_t(lang, "环节", "Segment"), _t(lang, "状态", "Status"), _t(lang, "优先级", "Priority"),
                    _t(lang, "说明", "Why")], rows,
                   _t(lang, "本链各环节均为强链，没有缺链或弱链。", "Every segment is strong: no gap."))


def _leads(store: Store, chain: str, lang: str, weak_threshold: int, top: int) -> Section:
    table = registry.get("leads").run(store, chain=chain, limit=top, weak_threshold=weak_threshold).table
    why = "explanation_zh" if lang == "zh" else "explanation_en"
    rows = [[str(r["rank"]), r["name"], f"{r['score']:g}", r[why], r["paths" if lang == "zh" else "paths_en"]] for r in table.to_dict("records")]
    return Section(_t(lang, f"招商线索（前{top}条，以商招商）", f"Top {top} leads (recruit via existing firms)"),
                   [_t(lang, "排名", "Rank"), _t(lang, "园外企业", "Firm"), _t(lang, "得分", "Score"),
                    _t(lang, "得分构成", "Score"), _t(lang, "关系路径", "Paths")], rows,
                   _t(lang, "没有园外企业与本链园区企业有供应、集团或科研合作关系。",
                      "No out-of-zone firm is tied to this chain's in-zone firms by supply, group or research."))


def _projects(store: Store, chain: str, lang: str) -> Section:
    rows = [[p["name"], _word(lang, p["status"]), f"{p['investment']:g}" if p["investment"] is not None else "",
             str(p["signed_year"] or ""), p["segment_name"]] for p in chain_projects(store, chain)]
    return Section(_t(lang, "项目清单", "Projects"),
                   [_t(lang, "项目", "Project"), _t(lang, "状态", "Status"), _t(lang, "投资（亿元）", "Investment (100M yuan)"),
                    _t(lang, "签约年份", "Signed"), _t(lang, "环节", "Segment")], rows,
                   _t(lang, "本链暂无项目。", "No project on this chain."))


def _demands(store: Store, chain: str, lang: str) -> Section:
    rows = [[d["name"], _word(lang, d["category"]), _word(lang, d["status"]), d["firm"]] for d in chain_open_demands(store, chain)]
    return Section(_t(lang, "未解决诉求", "Open demands"),
                   [_t(lang, "诉求", "Demand"), _t(lang, "类别", "Category"), _t(lang, "状态", "Status"),
                    _t(lang, "提出企业", "Raised by")], rows,
                   _t(lang, "本链企业没有未解决的诉求。", "No open demand from this chain's firms."))
