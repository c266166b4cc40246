"""Cells bound for a spreadsheet, safe from formula injection and still lossless.

Excel, WPS and LibreOffice run a text cell that starts with = + - @ TAB or CR as a formula
(``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``).  OWASP's rule: write such a cell with a leading
apostrophe, which spreadsheets show as text.  So that a value which itself starts with apostrophes
before one of those characters comes back intact, it gets one more apostrophe too; the loader undoes
exactly that (``unquote``: one apostrophe off a cell matching ``'+`` then one of the characters).
Only text is touched: the number -5 stays a number, and so does a numeric column in a CSV.
"""
from __future__ import annotations

import re
from typing import Any

NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")     # matched at the start of the text
QUOTED = re.compile(r"'+[=+\-@\t\r]")
QUOTED_PATTERN = r"^'+[=+\-@\t\r]"             # the same, for pyarrow (columnar loader)


def neutralise(value: Any) -> Any:
    """A text cell as it is written to CSV/XLSX; anything else unchanged."""
    if isinstance(value, str) and NEEDS_QUOTE.match(value):
        return "'" + value
    return value


def unquote(text: str) -> str:
    """What the loader reads from a text cell written by ``neutralise``."""
    return text[1:] if QUOTED.match(text) else text


def safe_frame(frame):
    """A copy of a DataFrame with every text cell neutralised (numbers, booleans, dates untouched)."""
    from pandas.api.types import is_object_dtype, is_string_dtype
    out = frame.copy()
    for column in out.columns:
        if is_object_dtype(out[column]) or is_string_dtype(out[column]):   # text ("str" in pandas 3)
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(c) for c in out.columns]
    return out
