"""The zone: which firms are "ours" (Enterprise.in_zone), set from a list without editing source files.

A list holds ids, credit codes (统一社会信用代码), stock codes or names (full or 简称); each entry is
matched against every Enterprise: id, then credit code, then stock code (also its six digits), then
name, then short name, names compared after NFKC, brackets and spaces folded, case ignored.  An entry
matching no firm is *unmatched*, one matching several firms *ambiguous*: both are reported and, by
default, nothing is written (all or nothing, like imports).

``set`` replaces the zone: the listed firms become in_zone = true and every other firm false, in one
transaction, so the zone is exactly the list.  ``clear`` sets every firm false.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from graph.store import Store, Touched

FIRMS = ("MATCH (e:Enterprise) RETURN e.id AS id, e.name AS name, e.short_name AS short_name, "
         "e.credit_code AS credit_code, e.listed_code AS listed_code")
ZONE = "MATCH (e:Enterprise) WHERE e.in_zone = true RETURN e.id AS id, e.name AS name, e.credit_code AS credit_code ORDER BY id"
UNSET = "MATCH (e:Enterprise) WHERE e.in_zone = true SET e.in_zone = false"
SET = "UNWIND $ids AS x MATCH (e:Enterprise {id: x}) SET e.in_zone = true"
# Headers naming the column to read (the model's names and Chinese headers); otherwise the first column.
HEADERS = {"id", "编号", "credit_code", "统一社会信用代码", "信用代码", "name", "名称", "企业名称", "short_name", "简称",
           "listed_code", "股票代码", "code", "企业"}


def fold(text: str) -> str:
    """Names as compared: NFKC (full-width → half-width), brackets unified, spaces dropped, lower case."""
    text = unicodedata.normalize("NFKC", str(text)).replace("（", "(").replace("）", ")")
    return re.sub(r"\s+", "", text).lower()


@dataclass
class ZoneMatch:
    ids: list[str] = field(default_factory=list)                         # matched firms, each once
    matched: list[tuple[int, str, str]] = field(default_factory=list)    # (line, entry, id)
    unmatched: list[tuple[int, str]] = field(default_factory=list)
    ambiguous: list[tuple[int, str, list[tuple[str, str]]]] = field(default_factory=list)  # candidates (id, name)

    def report(self) -> str:
        lines = [f"matched / 已匹配: {len(self.ids)} 家企业 ({len(self.matched)} 行)"]
        for line, entry in self.unmatched:
            lines.append(f"line {line}: {entry!r}: 未找到该企业 / no firm with this id, code or name")
        for line, entry, candidates in self.ambiguous:
            names = "、".join(f"{n} ({i})" for i, n in candidates[:10])
            lines.append(f"line {line}: {entry!r}: 对应多家企业，请用编号或信用代码 / matches several firms: {names}")
        return "\n".join(lines)


def read_entries(path: str | Path) -> list[tuple[int, str]]:
    """(line, entry) from a CSV/TSV/XLSX/JSONL list or a plain text file (one entry per line)."""
    path = Path(path)
    if path.suffix.lower() in ("", ".txt"):
        text = path.read_text(encoding="utf-8-sig")
        return parse_text(text)
    from loaders.readers import read_tables
    out = []
    for table in read_tables(path):
        header = [str(h or "").strip() for h in table.header]
        column = next((i for i, h in enumerate(header) if h.lower() in HEADERS), None)
        if column is None:                        # no header: the first row is an entry too
            column = 0
            if header and header[0]:
                out.append((1, header[0]))
        for number, cells in table.rows:
            if column < len(cells) and str(cells[column] or "").strip():
                out.append((number, str(cells[column]).strip()))
    return out


def parse_text(text: str) -> list[tuple[int, str]]:
    """A pasted list: one entry per line (a comma, tab or 、 also separates); a header word is skipped."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        for entry in re.split(r"[,\t、，;；]", line):
            entry = entry.strip()
            if entry and entry.lower() not in HEADERS:
                out.append((number, entry))
    return out


def match(store: Store, entries: list[tuple[int, str]]) -> ZoneMatch:
    firms = store.read(FIRMS)
    index: list[dict[str, set[str]]] = [{}, {}, {}, {}, {}]     # id, credit code, stock code, name, short name
    names = {}
    for f in firms:
        names[f["id"]] = f["name"]
        keys = [f["id"], (f["credit_code"] or "").upper() or None, f["listed_code"], fold(f["name"] or "") or None,
                fold(f["short_name"] or "") or None]
        for i, key in enumerate(keys):
            if key:
                index[i].setdefault(key, set()).add(f["id"])
        digits = re.match(r"\d{6}", f["listed_code"] or "")
        if digits:
            index[2].setdefault(digits.group(0), set()).add(f["id"])
    result, seen = ZoneMatch(), set()
    for line, entry in entries:
        probes = [entry, fold(entry).upper(), entry.strip(), fold(entry), fold(entry)]
        hit = next((index[i][p] for i, p in enumerate(probes) if p in index[i]), None)
        if not hit:
            result.unmatched.append((line, entry))
        elif len(hit) > 1:
            result.ambiguous.append((line, entry, sorted((i, names[i]) for i in hit)))
        else:
            firm = next(iter(hit))
            result.matched.append((line, entry, firm))
            if firm not in seen:
                seen.add(firm)
                result.ids.append(firm)
    return result


def set_zone(store: Store, ids: list[str]) -> None:
    """The zone becomes exactly these firms (one transaction)."""
    flipped = Touched()      # filled inside the transaction: the lead aggregates' scope

    def work(tx):
        before = {r["id"] for r in tx.run(ZONE)}
        tx.run(UNSET)
        if ids:
            tx.run(SET, {"ids": sorted(ids)})
        flipped.nodes.update(before ^ set(ids))
    store.write(work, touched=flipped)


def clear_zone(store: Store) -> None:
    set_zone(store, [])


def show_zone(store: Store) -> list[dict]:
    return store.read(ZONE)
