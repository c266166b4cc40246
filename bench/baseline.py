"""The networkx baseline: each analysis computed in plain Python from the same native CSV files, with
the indexes a careful programmer would build (building them is timed separately as ``_build``)."""
from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import networkx as nx

RELS = {"MEMBER_OF", "COVERS", "PART_OF", "FEEDS", "IN_SEGMENT", "SUPPLIES", "SUBSIDIARY_OF", "BASED_IN",
        "COOPERATES_WITH", "HOSTED_BY", "SERVES", "INVESTED_BY", "REFERRED_BY", "RAISED_BY"}


class Model:
    def __init__(self, folder: Path):
        self.nodes: dict[str, dict] = {}
        self.graph = nx.MultiDiGraph()
        for path in sorted(folder.glob("*.csv")):
            with path.open(encoding="utf-8") as fh:
                rows = list(csv.DictReader(fh))
            if path.stem in RELS:
                for r in rows:
                    self.graph.add_edge(r["from"], r["to"], key=path.stem, **r)
            else:
                for r in rows:
                    r["_label"] = path.stem
                    self.nodes[r["id"]] = r
        self.supplies = nx.DiGraph()
        self.feeds = nx.DiGraph()
        self.firms = defaultdict(list)
        self.chain_segments = defaultdict(list)
        self.projects = defaultdict(int)
        for a, b, key in self.graph.edges(keys=True):
            if key == "SUPPLIES":
                self.supplies.add_edge(a, b)
            elif key == "FEEDS":
                self.feeds.add_edge(a, b)
            elif key == "IN_SEGMENT" and self.nodes.get(a, {}).get("_label") == "Enterprise":
                self.firms[b].append(a)
            elif key == "IN_SEGMENT" and self.nodes.get(a, {}).get("_label") == "Project":
                self.projects[b] += 1
            elif key == "PART_OF":
                self.chain_segments[b].append(a)

    def in_zone(self, node: str) -> bool:
        return self.nodes.get(node, {}).get("in_zone") == "true"

    def status(self, seg: str, extra=None) -> str:
        n = sum(1 for f in self.firms[seg] if self.in_zone(f)) + (extra or {}).get(seg, 0)
        return "缺" if n == 0 else "弱" if n < 2 else "强"


def panorama(m: Model, p: dict):
    segs = m.chain_segments[p.get("chain")]
    sub = m.feeds.subgraph(segs)
    order = list(nx.lexicographical_topological_sort(sub)) if segs else []
    return [(s, m.status(s)) for s in order]


def gaps(m: Model, p: dict, extra=None):
    out = []
    for segs in m.chain_segments.values():
        for s in segs:
            st = m.status(s, extra)
            if st != "强":
                near = list(m.feeds.predecessors(s)) + list(m.feeds.successors(s)) if s in m.feeds else []
                strong = sum(1 for n in near if m.status(n, extra) == "强")
                out.append((s, st, strong))
    return out


def leads(m: Model, p: dict):
    scores = defaultdict(float)
    for a, b in m.supplies.edges:
        if m.in_zone(a) != m.in_zone(b):
            scores[b if m.in_zone(a) else a] += 1.5
    return sorted(scores.items(), key=lambda kv: -kv[1])[: p.get("limit", 100)]


def gap_leads(m: Model, p: dict):
    targets = {f for f in m.firms[p.get("segment")] if not m.in_zone(f)}
    return [(f, s) for f, s in leads(m, {"limit": 10**9}) if f in targets]


def updown(m: Model, p: dict):
    start, depth = p.get("id"), p.get("depth", 3)
    if start not in m.supplies:
        return {}
    up = nx.single_source_shortest_path_length(m.supplies.reverse(copy=False), start, cutoff=depth)
    down = nx.single_source_shortest_path_length(m.supplies, start, cutoff=depth)
    return up, down


def search(m: Model, p: dict):
    q = p.get("q", "").lower()
    return sorted((n for n, d in m.nodes.items() if q in d.get("name", "").lower()), key=len)[:20]


def neighbourhood(m: Model, p: dict):
    node = p.get("ids", [""])[0]
    return list(m.graph.out_edges(node, keys=True))[:200] + list(m.graph.in_edges(node, keys=True))[:200]


def overview(m: Model, p: dict):
    firms = [n for n, d in m.nodes.items() if d["_label"] == "Enterprise" and d.get("in_zone") == "true"]
    orgs = {b for a, b, k in m.graph.edges(keys=True) if k == "BASED_IN"}
    return len(firms), sum(1 for f in firms if f in orgs)


def alliances(m: Model, p: dict):
    members = defaultdict(set)
    for a, b, k in m.graph.edges(keys=True):
        if k == "MEMBER_OF":
            members[b].add(a)
    return {a: len(v) for a, v in members.items()}


def count_by(m: Model, label: str, *fields):
    counts = defaultdict(int)
    for d in m.nodes.values():
        if d["_label"] == label:
            counts[tuple(d.get(f) for f in fields)] += 1
    return counts


ANALYSES = {
    "overview": overview, "panorama": panorama, "gaps": gaps, "leads": leads, "gap_leads": gap_leads,
    "updown": updown, "updown_count": updown, "search": search, "neighbourhood": neighbourhood, "alliances": alliances,
    "research": lambda m, p: count_by(m, "Institute", "kind"),
    "pipeline": lambda m, p: count_by(m, "Project", "status"),
    "demands": lambda m, p: count_by(m, "Demand", "category", "status"),
    "what_if": lambda m, p: gaps(m, p, extra={p.get("segment"): 1}),
    "node": lambda m, p: m.nodes.get(p.get("id")),
}
