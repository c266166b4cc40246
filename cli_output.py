"""What ``chaingraph`` prints: strict JSON, and tables that fit the terminal with CJK text aligned.

JSON is strict (RFC 8259): NaN and infinities become null, numpy and pandas values plain numbers,
dates ISO text, so any parser reads it.  Tables measure text with wcwidth (a Chinese character is
two columns wide) and shrink the widest columns until the table fits the terminal's width (100
columns when the output is not a terminal); a narrowed cell wraps onto up to MAX_LINES lines, and
one still longer ends with "…".
"""
from __future__ import annotations

import json
import math
import shutil
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from wcwidth import wcswidth, wcwidth

DEFAULT_WIDTH = 100
GAP = "  "
MIN_COLUMN = 3
MAX_LINES = 3


def jsonable(value: Any) -> Any:
    """``value`` with only JSON types inside: NaN/inf/NA -> None, numpy scalars -> Python numbers."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in (sorted(value, key=str) if isinstance(value, set) else value)]
    if hasattr(value, "to_dict") and hasattr(value, "columns"):        # a DataFrame: its rows
        return [jsonable(r) for r in value.to_dict("records")]
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (int, float)):   # numpy scalar
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int):
        return value
    try:
        import pandas as pd
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def dumps(value: Any) -> str:
    """Strict JSON text (allow_nan=False: a NaN left anywhere is a bug, not output)."""
    return json.dumps(jsonable(value), ensure_ascii=False, indent=2, allow_nan=False)


def terminal_width() -> int:
    return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns


def width_of(text: str) -> int:
    w = wcswidth(text)
    return w if w >= 0 else sum(max(wcwidth(c), 0) for c in text)   # control characters count 0


def text_of(value: Any) -> str:
    """One cell as text on one line (round only here, for display)."""
    value = jsonable(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return " ⏎ ".join(str(value).splitlines()) if isinstance(value, str) else str(value)


def fit(text: str, width: int, right: bool = False) -> str:
    """``text`` padded (or cut, ending "…") to exactly ``width`` display columns."""
    if width_of(text) > width:
        out, used = "", 0
        for c in text:
            w = max(wcwidth(c), 0)
            if used + w > width - 1:
                break
            out, used = out + c, used + w
        text = out + "…"
    pad = " " * (width - width_of(text))
    return pad + text if right else text + pad


def wrap(text: str, width: int, max_lines: int = MAX_LINES) -> list[str]:
    """``text`` in lines of at most ``width`` display columns (at a space when one is near), the last
    of ``max_lines`` cut with "…"."""
    lines: list[str] = []
    while text and len(lines) < max_lines:
        if width_of(text) <= width:
            lines.append(text)
            return lines
        used, cut = 0, 0
        for i, c in enumerate(text):
            if used + max(wcwidth(c), 0) > width:
                break
            used, cut = used + max(wcwidth(c), 0), i + 1
        space = text.rfind(" ", 0, cut + 1)
        if space > cut // 2:
            cut = space
        lines.append(text[:max(cut, 1)].rstrip())
        text = text[max(cut, 1):].lstrip()
    if text:
        lines[-1] = fit(lines[-1] + " " + text, width).rstrip()
    return lines or [""]


def column_widths(natural: list[int], budget: int) -> list[int]:
    """Each column's natural width, the widest ones cut to one common limit so the sum fits."""
    if sum(natural) <= budget:
        return natural
    limit = max(natural)
    while limit > MIN_COLUMN and sum(min(n, limit) for n in natural) > budget:
        limit -= 1
    return [min(n, limit) for n in natural]


def table(rows: list[dict], width: int | None = None) -> str:
    """Rows as an aligned text table no wider than ``width`` (unless it has too many columns to fit
    even at MIN_COLUMN each)."""
    if not rows:
        return "(no rows / 无数据)"
    width = width or terminal_width()
    columns = list(dict.fromkeys(k for r in rows for k in r))
    cells = [[text_of(r.get(c)) for c in columns] for r in rows]
    numeric = [all(isinstance(jsonable(r.get(c)), (int, float)) and not isinstance(r.get(c), bool)
                   for r in rows if jsonable(r.get(c)) is not None) for c in columns]
    natural = [max([width_of(c)] + [width_of(row[i]) for row in cells]) for i, c in enumerate(columns)]
    widths = column_widths(natural, width - len(GAP) * (len(columns) - 1))
    lines = [GAP.join(fit(c, w, right) for c, w, right in zip(columns, widths, numeric))]
    lines.append(GAP.join("-" * w for w in widths))
    for row in cells:
        wrapped_cells = [wrap(c, w) for c, w in zip(row, widths)]
        for k in range(max(len(c) for c in wrapped_cells)):
            lines.append(GAP.join(fit(c[k] if k < len(c) else "", w, right)
                                  for c, w, right in zip(wrapped_cells, widths, numeric)))
    return "\n".join(line.rstrip() for line in lines)


def wrapped(text: str, width: int, indent: str) -> str:
    """A paragraph wrapped to ``width`` display columns (words kept whole unless wider than a line)."""
    room = width - width_of(indent)
    lines = wrap(text, room, max_lines=10**6)
    return "\n".join(indent + line for line in lines)


def analyses_text(specs: list, width: int | None = None) -> str:
    """``query --list`` for people: one block per analysis, description and parameters wrapped."""
    width = min(width or terminal_width(), DEFAULT_WIDTH)
    blocks = []
    for q in specs:
        head = f"{q.name}  {q.title_zh}"
        params = ", ".join(f"{p}={d!r}" for p, d in q.params.items()) or "(none / 无)"
        blocks.append("\n".join([head, wrapped(q.description, width, "    "),
                                 wrapped("params / 参数: " + params, width, "    ")]))
    return "\n\n".join(blocks)
