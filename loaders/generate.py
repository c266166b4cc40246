"""A synthetic zone in the native format at any scale, deterministic for a seed.

Shape: alliances cover chains; each chain has 5–8 segments in an upstream→downstream line
(FEEDS); about a third of the enterprises are in the zone; supply ties follow a power law
(preferential attachment: a firm that already has many customers is more likely to get another)
and mostly run downstream along the chain; some in-zone firms have party organisations,
projects and demands.  Rows are streamed to CSV, so memory stays flat at any scale.
"""
from __future__ import annotations

import csv
import random
from contextlib import ExitStack
from pathlib import Path

ALLIANCE_NAMES = ["智造先锋", "智算未来", "绒耀世界", "创赢天下"]
CHAIN_NAMES = ["光伏", "风电", "氢能", "新材料", "装备制造", "大数据", "算力", "人工智能", "绒纺", "研发服务",
               "储能", "煤化工", "现代物流", "生物医药", "节能环保", "汽车"]
STAGES = ["上游", "中游", "下游"]


def generate_zone(out_dir: Path, *, enterprises: int = 1000, seed: int = 1,
                  supplies_per_enterprise: float = 3.0) -> dict[str, int]:
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with ExitStack() as files:
        writers: dict[str, csv.writer] = {}

        def emit(name: str, header: list[str], row: list) -> None:
            if name not in writers:
                fh = files.enter_context((out_dir / f"{name}.csv").open("w", newline="", encoding="utf-8"))
                writers[name] = csv.writer(fh)
                writers[name].writerow(header)
                counts[name] = 0
            writers[name].writerow(row)
            counts[name] += 1

        n_chains = max(2, min(len(CHAIN_NAMES) * 4, enterprises // 500 + 2))
        for a, name in enumerate(ALLIANCE_NAMES):
            emit("Alliance", ["id", "name", "founded_year"], [f"a{a}", name, 2024])
        chain_segments: list[list[str]] = []
        for c in range(n_chains):
            name = f"{CHAIN_NAMES[c % len(CHAIN_NAMES)]}{c // len(CHAIN_NAMES) or ''}"
            emit("Chain", ["id", "name"], [f"c{c}", name])
            emit("COVERS", ["from", "to"], [f"a{c % len(ALLIANCE_NAMES)}", f"c{c}"])
            segs = []
            length = rng.randint(5, 8)
            for s in range(length):
                sid = f"c{c}s{s}"
                emit("Segment", ["id", "name", "stage", "order"],
                     [sid, f"{name}环节{s + 1}", STAGES[min(2, s * 3 // length)], s + 1])
                emit("PART_OF", ["from", "to"], [sid, f"c{c}"])
                if segs:
                    emit("FEEDS", ["from", "to"], [segs[-1], sid])
                segs.append(sid)
            chain_segments.append(segs)

        # Enterprises: chain and segment position are kept to orient supply ties downstream.
        position: list[tuple[int, int]] = []
        in_zone_ids: list[int] = []
        kinds = ["链主", "龙头", "专精特新", "高新技术企业", "科技型中小企业", "一般", "一般", "一般"]
        for e in range(enterprises):
            c = rng.randrange(n_chains)
            s = rng.randrange(len(chain_segments[c]))
            inside = rng.random() < 0.35
            position.append((c, s))
            emit("Enterprise", ["id", "name", "in_zone", "chain_enterprise", "kind", "staff", "rd_investment"],
                 [f"e{e}", f"企业{e:07d}", "true" if inside else "false", "true" if inside else "false",
                  rng.choice(kinds), rng.randint(5, 5000), round(rng.random() * 0.5, 3)])
            emit("IN_SEGMENT", ["from", "to"], [f"e{e}", chain_segments[c][s]])
            if inside:
                in_zone_ids.append(e)
                emit("MEMBER_OF", ["from", "to", "role"], [f"e{e}", f"a{c % len(ALLIANCE_NAMES)}", "成员单位"])

        # Power-law supply ties by preferential attachment, at most one per ordered pair.
        ties = int(enterprises * supplies_per_enterprise)
        attachment = list(range(min(enterprises, 10)))
        seen: set[tuple[int, int]] = set()
        tries = 0
        while len(seen) < ties and tries < ties * 3 and enterprises > 1:
            tries += 1
            buyer = rng.randrange(enterprises)
            seller = rng.choice(attachment) if rng.random() < 0.8 else rng.randrange(enterprises)
            if seller == buyer:
                continue
            if position[seller][0] == position[buyer][0] and position[seller][1] > position[buyer][1]:
                seller, buyer = buyer, seller      # along a chain, goods flow downstream
            if (seller, buyer) in seen:
                continue
            seen.add((seller, buyer))
            attachment.append(seller)
            emit("SUPPLIES", ["from", "to", "weight"], [f"e{seller}", f"e{buyer}", round(rng.random(), 3)])

        for i, e in enumerate(in_zone_ids):
            if rng.random() < 0.8:
                emit("PartyOrg", ["id", "name", "org_type", "form", "sector", "members"],
                     [f"p{e}", f"企业{e:07d}党支部", "党支部", "单独组建", "非公企业", rng.randint(3, 50)])
                emit("BASED_IN", ["from", "to"], [f"p{e}", f"e{e}"])
            if rng.random() < 0.1:
                year = rng.choice([2024, 2025])
                status = rng.choice(["签约", "落地", "在建", "投产"])
                emit("Project", ["id", "name", "status", "investment", "signed_date", "landed_date"],
                     [f"j{e}", f"项目{e:07d}", status, round(rng.uniform(0.5, 50), 1), f"{year}-0{rng.randint(1, 9)}-15",
                      "" if status == "签约" else "2025-10-01"])
                emit("IN_SEGMENT", ["from", "to"], [f"j{e}", chain_segments[position[e][0]][position[e][1]]])
                emit("INVESTED_BY", ["from", "to"], [f"j{e}", f"e{e}"])
            if rng.random() < 0.05:
                emit("Demand", ["id", "name", "category", "status", "raised_date", "resolved_date"],
                     [f"d{e}", f"诉求{e:07d}", rng.choice(["用工", "融资", "审批", "土地", "能耗"]),
                      "已解决", "2025-03-01", "2025-04-01"])
                emit("RAISED_BY", ["from", "to"], [f"d{e}", f"e{e}"])
    return counts
