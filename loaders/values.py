"""Typed conversion of one cell, by the property kinds of the schema registry.

Each converter returns the value or raises ``ValueError`` with a reason a planner can act on.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from graph.schema import Prop
from loaders.readers import CellError
from loaders.spreadsheet_safe import unquote

TRUE = {"true", "1", "yes", "y", "t", "是", "对", "√", "✓"}
FALSE = {"false", "0", "no", "n", "f", "否", "不是", "×"}
LIST_SEPARATORS = re.compile(r"[|;；、]")
DATE_PATTERNS = (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
                 re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"), re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"))


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not isinstance(value, CellError) and not value.strip()


def convert(prop: Prop, value: Any) -> Any:
    """The cell as the property's type, or None when blank; ValueError with a reason otherwise."""
    if isinstance(value, CellError):
        raise ValueError(str(value))
    if is_blank(value):
        return None
    if isinstance(value, str) and prop.kind in ("str", "list"):
        value = unquote(value.strip())     # '=… as written by a formula-safe export (spreadsheet_safe)
    converted = _CONVERTERS[prop.kind](value)
    _check_bounds(prop, converted)
    return converted


def _to_str(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 91.0 from a spreadsheet number column means "91"
    if isinstance(value, (list, dict)):
        raise ValueError("expected text, got a list or object")
    return str(value).strip()


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("expected a whole number, got true/false")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError(f"expected a whole number, got {value}")
    text = str(value).strip().replace(",", "")
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if re.fullmatch(r"[+-]?\d+\.0*", text):
        return int(float(text))
    raise ValueError(f"expected a whole number, got {str(value)!r} / 应为整数")


def _to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("expected a number, got true/false")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip().replace(",", "")
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"expected a number, got {str(value)!r} / 应为数字") from None
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, got {value!r}")
    return number


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(f"expected true/false (是/否), got {str(value)!r}")


def _to_date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if "T" in text or " " in text:  # "2025-03-01 00:00:00" from spreadsheets
        text = re.split(r"[T ]", text, maxsplit=1)[0]
    for pattern in DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day).isoformat()
            except ValueError as exc:
                raise ValueError(f"not a real date: {str(value)!r} ({exc})") from None
    raise ValueError(f"expected a date like 2025-03-31, got {str(value)!r} / 日期格式应为 2025-03-31")


def _to_list(value: Any) -> list[str]:
    if isinstance(value, list):
        items = [_to_str(v) for v in value]
    else:
        items = [part.strip() for part in LIST_SEPARATORS.split(_to_str(value))]
    return [item for item in items if item]


_CONVERTERS = {"str": _to_str, "int": _to_int, "float": _to_float, "bool": _to_bool,
               "date": _to_date, "list": _to_list}


def _check_bounds(prop: Prop, value: Any) -> None:
    if prop.allowed is not None:
        for item in value if isinstance(value, list) else [value]:
            if item not in prop.allowed:
                raise ValueError(f"{item!r} is not an allowed value; allowed: {'/'.join(prop.allowed)}")
    if prop.minimum is not None and value < prop.minimum:
        raise ValueError(f"{value} is below the minimum {prop.minimum:g}")
    if prop.maximum is not None and value > prop.maximum:
        raise ValueError(f"{value} is above the maximum {prop.maximum:g}")
