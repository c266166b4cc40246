"""Regular expressions written by users (a mapping's ``regex``), run with RE2.

Python's ``re`` backtracks: ``^(a+)+$`` against a long cell runs for minutes and holds the GIL (the
app froze and ignored SIGTERM).  RE2 matches in time linear in the text, whatever the pattern; the
price is that backreferences and lookarounds do not exist there, and those patterns are refused
with a clear message instead.  ``\\d`` and ``\\w`` are ASCII in RE2 (Python's are Unicode).
"""
from __future__ import annotations

from functools import lru_cache

import re2

MAX_PATTERN_CHARS = 1000
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False      # RE2 would print every refused pattern to stderr


class PatternError(ValueError):
    pass


@lru_cache(maxsize=256)
def compile_pattern(pattern: str):
    """The compiled pattern, or PatternError with the reason in both languages."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise PatternError(f"pattern longer than {MAX_PATTERN_CHARS} characters / 正则表达式过长")
    try:
        return re2.compile(pattern, options=_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(f"{reason} (backreferences such as \\1 and lookarounds such as (?=…) are not "
                           f"supported) / 不支持的正则表达式（不支持反向引用与环视）") from None


def search(pattern: str, text: str):
    return compile_pattern(pattern).search(text)
