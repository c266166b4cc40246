"""Entity matching on import: is a firm in the files one the graph (or the files) already has?

A firm row whose id is not yet in the graph is matched against the stored firms by 统一社会信用代码
first, then by normalised name.  A match makes the row update the stored firm (its id, and every
reference to it in the same load, become the stored firm's).  A name shared by several firms, or a
name match whose credit codes disagree, is ambiguous: the row is refused, since creating a second
firm of the same name silently is how one firm becomes two.  The same holds within one load.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from loaders.zone import fold

# Legal-form endings that do not tell two firms apart (kept in the stored name, ignored in matching).
SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "股份公司", "公司")
_SUFFIX = re.compile(f"(?:{'|'.join(SUFFIXES)})$")
_BRACKETS = str.maketrans({"[": "(", "]": ")", "【": "(", "】": ")", "〔": "(", "〕": ")", "［": "(", "］": ")"})


def name_key(name: str) -> str:
    """The form two names are compared in: the zone list's folding (NFKC: full-width → half-width,
    （）→ (); no spaces; lower case), one kind of bracket, without a legal-form suffix (有限公司…)."""
    return _SUFFIX.sub("", fold(name).translate(_BRACKETS))


@dataclass
class Match:
    file: str
    row: int
    id: str                    # the id the row gave
    name: str
    status: str                # matched | new | ambiguous
    how: str = ""              # id | credit_code | name
    existing: str = ""         # the stored firm's id (matched), or the candidates (ambiguous)

    def as_dict(self) -> dict:
        return {"file": self.file, "row": self.row, "id": self.id, "name": self.name, "status": self.status,
                "how": self.how, "existing": self.existing}


class FirmIndex:
    """The stored firms by id, credit code and name key."""

    def __init__(self, firms: list[dict]):
        self.ids = {f["id"]: f for f in firms}
        self.by_code: dict[str, str] = {}
        self.by_name: dict[str, list[dict]] = {}
        for f in firms:
            if f.get("credit_code"):
                self.by_code.setdefault(f["credit_code"], f["id"])
            if f.get("name"):
                self.by_name.setdefault(name_key(f["name"]), []).append(f)

    def match(self, node_id: str, name: str | None, code: str | None) -> tuple[str, str, str]:
        """(status, how, stored id or candidates) for a firm row."""
        if node_id in self.ids:
            return "matched", "id", node_id
        if code and code in self.by_code:
            return "matched", "credit_code", self.by_code[code]
        same = self.by_name.get(name_key(name), []) if name else []
        if len(same) == 1:
            other = same[0].get("credit_code")
            if code and other and other != code:
                return "ambiguous", "name", f"{same[0]['id']} ({same[0]['name']}, 统一社会信用代码 {other})"
            return "matched", "name", same[0]["id"]
        if same:
            return "ambiguous", "name", ", ".join(f"{f['id']} ({f['name']})" for f in same)
        return "new", "", ""
