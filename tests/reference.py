"""Independent answers for the query library: read the native CSV files with the csv module into a
networkx graph (never through the loaders or a store) and compute each analysis in plain Python."""
from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import networkx as nx

REL_FILES = {"MEMBER_OF", "COVERS", "PART_OF", "FEEDS", "IN_SEGMENT", "SUPPLIES", "SUBSIDIARY_OF", "BASED_IN",
             "COOPERATES_WITH", "HOSTED_BY", "SERVES", "INVESTED_BY", "REFERRED_BY", "RAISED_BY", "MAKES",
             "SUBTYPE_OF", "INCLUDES"}


def _value(text: str):
    if text == "":
        return None
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def read_graph(folder: Path) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        if path.stem in REL_FILES:
            for r in rows:
                g.add_edge(r["from"], r["to"], key=path.stem, type=path.stem,
                           **{k: _value(v) for k, v in r.items() if k not in ("from", "to")})
        else:
            for r in rows:
                g.add_node(r["id"], label=path.stem, **{k: _value(v) for k, v in r.items()})
    return g


def nodes(g, label):
    return [n for n, d in g.nodes(data=True) if d.get("label") == label]


def edges(g, rel_type):
    return [(a, b, d) for a, b, d in g.edges(data=True) if d["type"] == rel_type]


def segments_of_chain(g, chain):
    return [a for a, b, _ in edges(g, "PART_OF") if b == chain and g.nodes[a]["label"] == "Segment"]


def segment_firms(g, segment):
    """A segment's firms: IN_SEGMENT to it, or making a product it INCLUDES (README, products)."""
    firms = {a for a, b, _ in edges(g, "IN_SEGMENT") if b == segment and g.nodes[a]["label"] == "Enterprise"}
    included = {b for a, b, _ in edges(g, "INCLUDES") if a == segment}
    return firms | {a for a, b, _ in edges(g, "MAKES") if b in included}


def in_zone_firms(g, segment):
    return {a for a in segment_firms(g, segment) if g.nodes[a].get("in_zone") is True}


def out_zone_firms(g, segment):
    return {a for a in segment_firms(g, segment) if g.nodes[a].get("in_zone") is False}


def status(g, segment, threshold, extra=None):
    n = len(in_zone_firms(g, segment)) + (extra or {}).get(segment, 0)
    return "缺" if n == 0 else "弱" if n < threshold else "强"


def own_party_org(g):
    """README: "has a party organisation" = an organisation of its own (form 单独组建), everywhere."""
    return {b for a, b, _ in edges(g, "BASED_IN") if g.nodes[a].get("form") == "单独组建"}


def firm_segments(g, firm):
    """README: a firm's segments: IN_SEGMENT, and the segments that include a product it makes."""
    made = {b for _, b, d in g.out_edges(firm, data=True) if d["type"] == "MAKES"}
    return ({b for _, b, d in g.out_edges(firm, data=True) if d["type"] == "IN_SEGMENT" and g.nodes[b]["label"] == "Segment"} |
            {a for a, b, _ in edges(g, "INCLUDES") if b in made and g.nodes[a]["label"] == "Segment"})


def chains_of(g, node):
    """README: a firm is in a chain through one of its segments, or placed on the chain itself."""
    out = {b for _, b, d in g.out_edges(node, data=True) if d["type"] == "IN_SEGMENT" and g.nodes[b]["label"] == "Chain"}
    for segment in firm_segments(g, node):
        out |= {c for _, c, e in g.out_edges(segment, data=True) if e["type"] == "PART_OF"}
    return out


def feeds_graph(g):
    f = nx.DiGraph()
    f.add_edges_from((a, b) for a, b, _ in edges(g, "FEEDS"))
    return f


def panorama(g, chain, threshold=2):
    segs = segments_of_chain(g, chain)
    f = feeds_graph(g).subgraph(segs).copy()
    f.add_nodes_from(segs)
    # independent ordering: longest FEEDS distance from a source, then order, then id
    depth = {}
    for s in nx.topological_sort(f):
        depth[s] = max((depth[p] + 1 for p in f.predecessors(s)), default=0)
    # lexicographic topological order by (order, id) — computed by repeatedly taking the smallest ready node
    remaining, result = set(segs), []
    while remaining:
        ready = [s for s in remaining if not any(p in remaining for p in f.predecessors(s))]
        nxt = min(ready, key=lambda s: (g.nodes[s].get("order") if g.nodes[s].get("order") is not None else 10**6, s))
        result.append(nxt)
        remaining.remove(nxt)
    return [(s, len(in_zone_firms(g, s)), status(g, s, threshold)) for s in result]


def gaps(g, threshold=2, extra=None):
    f = feeds_graph(g)
    out = {}
    projects = defaultdict(int)
    for a, b, _ in edges(g, "IN_SEGMENT"):
        if g.nodes[a]["label"] == "Project":
            projects[b] += 1
    for seg in nodes(g, "Segment"):
        st = status(g, seg, threshold, extra)
        if st == "强":
            continue
        neighbours = (set(f.predecessors(seg)) | set(f.successors(seg))) if seg in f else set()   # each once
        strong = sum(1 for s in neighbours if status(g, s, threshold, extra) == "强")
        score = (3 if st == "缺" else 1) + 2 * strong + projects[seg] + 0.5 * len(out_zone_firms(g, seg))
        out[seg] = (st, strong, score)
    return out


def updown(g, start, direction, depth):
    rel = "SUPPLIES" if g.nodes[start]["label"] == "Enterprise" else "FEEDS"
    d = nx.DiGraph()
    d.add_edges_from((a, b) for a, b, _ in edges(g, rel))
    d.add_node(start)
    result = {}
    if direction in ("up", "both"):
        for n, dist in nx.single_source_shortest_path_length(d.reverse(), start, cutoff=depth).items():
            if n != start:
                result[("up", n)] = dist
    if direction in ("down", "both"):
        for n, dist in nx.single_source_shortest_path_length(d, start, cutoff=depth).items():
            if n != start:
                result[("down", n)] = dist
    return result


def leads(g, threshold=2, extra=None, segment=None, chain=None, exact=False, gaps=False):
    """Score per out-of-zone lead, by the documented formula, summed exactly (decimal, weights as
    written).  ``exact``: the Decimal itself; ``gaps``: (score, gap status) pairs; ``chain``: the lead
    or one of its partners is in the chain."""
    zone = lambda n: g.nodes[n].get("in_zone") is True   # noqa: E731
    outside = lambda n: g.nodes[n]["label"] == "Enterprise" and g.nodes[n].get("in_zone") is False  # noqa: E731
    ties = defaultdict(list)
    for a, b, d in edges(g, "SUPPLIES"):
        if outside(a) and zone(b):
            ties[a].append(("supply", b, d.get("weight")))
        if outside(b) and zone(a):
            ties[b].append(("supply", a, d.get("weight")))
    for a, b, d in edges(g, "SUBSIDIARY_OF"):
        if outside(a) and zone(b):
            ties[a].append(("group", b, 1.0))
        if outside(b) and zone(a):
            ties[b].append(("group", a, 1.0))
    for a, b, d in edges(g, "COOPERATES_WITH"):
        if outside(b) and zone(a):
            ties[b].append(("research", a, 1.0))
    alliance_members = {a for a, b, _ in edges(g, "MEMBER_OF")}
    with_party = own_party_org(g)
    scores = {}
    for lead, lt in ties.items():
        segments = firm_segments(g, lead)
        if segment and segment not in segments:
            continue
        partners = {p for _, p, _ in lt}
        if chain and not any(chain in chains_of(g, f) for f in {lead} | partners):
            continue
        score = Decimal(0)
        for kind, partner, weight in lt:
            score += ((1 + (Decimal(str(weight)) if weight is not None else Decimal("0.5"))) if kind == "supply"
                      else 2 if kind == "group" else 1)
        statuses = {status(g, s, threshold, extra) for s in segments if g.nodes[s]["label"] == "Segment"
                    and any(e["type"] == "PART_OF" for _, _, e in g.out_edges(s, data=True))}
        gap = "缺" if "缺" in statuses else "弱" if "弱" in statuses else ""
        score += {"缺": 3, "弱": 2, "": 0}[gap]
        score += sum(1 for p in partners if p in alliance_members)
        score += sum(Decimal("0.5") for p in partners if p in with_party)
        value = score if exact else float(score)
        scores[lead] = (value, gap) if gaps else value
    return scores


def search(g, q):
    q = q.lower()
    return {n for n, d in g.nodes(data=True) if q in str(d.get("name") or "").lower() or n.lower() == q}


def neighbourhood(g, node):
    out = {(d["type"], "out", b) for a, b, d in g.out_edges(node, data=True)}
    out |= {(d["type"], "in", a) for a, b, d in g.in_edges(node, data=True)}
    return out


def overview(g):
    firms = [n for n in nodes(g, "Enterprise") if g.nodes[n].get("in_zone") and g.nodes[n].get("chain_enterprise")]
    own = {b for a, b, _ in edges(g, "BASED_IN") if g.nodes[a].get("form") == "单独组建"} & set(firms)
    work = {b for a, b, _ in edges(g, "BASED_IN")} & set(firms)
    joint = {b for a, b, _ in edges(g, "BASED_IN") if g.nodes[a].get("form") == "联合组建"} & set(firms)
    return {"chain_enterprises": len(firms), "chain_enterprises_with_party_org": len(own),
            "party_work": len(work), "chain_enterprises_joint_org_only": len(joint - own)}


def alliances(g):
    out = {}
    own = {b for a, b, _ in edges(g, "BASED_IN") if g.nodes[a].get("form") == "单独组建"}
    for a in nodes(g, "Alliance"):
        members = {x for x, y, _ in edges(g, "MEMBER_OF") if y == a and g.nodes[x]["label"] == "Enterprise"}
        institutes = {x for x, y, _ in edges(g, "MEMBER_OF") if y == a and g.nodes[x]["label"] == "Institute"}
        out[a] = {"enterprises": len(members), "institutes": len(institutes), "with_party_org": len(members & own)}
    return out


def demands(g):
    counts = defaultdict(int)
    for n in nodes(g, "Demand"):
        counts[(g.nodes[n]["category"], g.nodes[n]["status"])] += 1
    return dict(counts)


def pipeline(g):
    chain_of_segment = {a: b for a, b, _ in edges(g, "PART_OF") if g.nodes[a]["label"] == "Segment"}
    counts = defaultdict(set)
    for p, s, _ in edges(g, "IN_SEGMENT"):
        if g.nodes[p]["label"] == "Project" and s in chain_of_segment:
            counts[(g.nodes[chain_of_segment[s]]["name"], g.nodes[p]["status"])].add(p)
    return {k: len(v) for k, v in counts.items()}


def research(g):
    """Per chain with institutes: institutes serving it, and in-zone firms of it without a research tie."""
    institutes = defaultdict(set)
    for a, b, _ in edges(g, "SERVES"):
        if g.nodes[a]["label"] == "Institute" and g.nodes[b]["label"] == "Chain":
            institutes[b].add(a)
    tied = {b for a, b, _ in edges(g, "COOPERATES_WITH")}
    chain_of_segment = {a: b for a, b, _ in edges(g, "PART_OF") if g.nodes[a]["label"] == "Segment"}
    firms = defaultdict(set)
    for e, s, _ in edges(g, "IN_SEGMENT"):
        if g.nodes[e]["label"] == "Enterprise" and g.nodes[e].get("in_zone") is True and s in chain_of_segment:
            firms[chain_of_segment[s]].add(e)
    return {c: (len(i), len(firms[c] - tied)) for c, i in institutes.items()}


def updown_capped(g, start, side, depth, cap):
    """The rule queries/paths.py documents, computed here from whole-graph BFS distances: per side the
    ``cap`` nearest nodes (ties by id); each node's parent is its smallest-id neighbour one hop nearer.
    Returns ([(id, distance, path ids upstream→downstream)], truncated)."""
    rel = "SUPPLIES" if g.nodes[start]["label"] == "Enterprise" else "FEEDS"
    d = nx.DiGraph()
    d.add_edges_from((a, b) for a, b, _ in edges(g, rel))
    d.add_node(start)
    walk = d if side == "down" else d.reverse()
    dist = {n: k for n, k in nx.single_source_shortest_path_length(walk, start, cutoff=depth).items() if n != start}
    kept = sorted(dist, key=lambda n: (dist[n], n))[:cap]
    dist[start] = 0
    out = []
    for n in kept:
        path = [n]
        while path[-1] != start:
            path.append(min(p for p in walk.predecessors(path[-1]) if dist.get(p) == dist[path[-1]] - 1))
        out.append((n, dist[n], path if side == "up" else path[::-1]))
    return out, len(dist) - 1 > cap


def lead_paths(g, max_paths):
    """Per lead, its ``max_paths`` strongest ties as (partner, relationship type, lead is the source),
    and how many more it has.  Strength = what the tie adds to the score (points + its partner's
    alliance and party bonuses); ties by partner id, then supply out/in, group in/out, research."""
    zone = lambda n: g.nodes[n].get("in_zone") is True   # noqa: E731
    outside = lambda n: g.nodes[n]["label"] == "Enterprise" and g.nodes[n].get("in_zone") is False  # noqa: E731
    alliance_members = {a for a, b, _ in edges(g, "MEMBER_OF")}
    with_party = own_party_org(g)
    order = {("SUPPLIES", True): 0, ("SUPPLIES", False): 1, ("SUBSIDIARY_OF", False): 2, ("SUBSIDIARY_OF", True): 3,
             ("COOPERATES_WITH", False): 4}
    points = {"SUPPLIES": None, "SUBSIDIARY_OF": 2.0, "COOPERATES_WITH": 1.0}
    ties = defaultdict(list)
    for rel in points:
        for a, b, d in edges(g, rel):
            weight = d.get("weight")
            p = points[rel] if points[rel] is not None else 1 + (Decimal(str(weight)) if weight is not None else Decimal("0.5"))
            if outside(a) and zone(b) and rel != "COOPERATES_WITH":
                ties[a].append((p, b, rel, True))
            if outside(b) and zone(a):
                ties[b].append((p, a, rel, False))
    out = {}
    for lead, lt in ties.items():
        key = lambda t: (-(Decimal(t[0]) + (t[1] in alliance_members) + Decimal("0.5") * (t[1] in with_party)), t[1], order[(t[2], t[3])])  # noqa: E731
        ranked = [(partner, rel, source) for _, partner, rel, source in sorted(lt, key=key)]
        out[lead] = (ranked[:max_paths], max(0, len(ranked) - max_paths))
    return out
