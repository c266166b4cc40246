"""统一社会信用代码 (unified social credit code, GB 32100-2015): normalise and check one code.

18 characters from a 31-character set (no I, O, S, V, Z); the 18th is a check character:
``31 - (sum of value(c_i) * w_i for the first 17) mod 31`` (31 -> 0), with weights 3^i mod 31.
A code typed with full-width characters, lower case or surrounding spaces is the same code:
it is normalised (NFKC, upper case) and the loader notes it; anything else wrong is refused.
"""
from __future__ import annotations

import unicodedata

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
VALUE = {c: i for i, c in enumerate(CHARSET)}


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().upper()


def check_character(first17: str) -> str:
    """The check character for the first 17 characters (all from CHARSET)."""
    total = sum(VALUE[c] * w for c, w in zip(first17, WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """Why a normalised code is not a valid 统一社会信用代码, or None when it is."""
    if len(code) != 18:
        return (f"统一社会信用代码 {code!r} has {len(code)} characters, needs 18 "
                f"/ 统一社会信用代码应为18位，此处为{len(code)}位")
    bad = [(i + 1, c) for i, c in enumerate(code) if c not in VALUE]
    if bad:
        where = ", ".join(f"{c!r} at position {i}" for i, c in bad[:3])
        return (f"统一社会信用代码 {code!r} has characters outside GB 32100 (digits and A–Y without I, O, S, V, Z): "
                f"{where} / 统一社会信用代码含非法字符")
    expected = check_character(code[:17])
    if code[17] != expected:
        return (f"统一社会信用代码 {code!r}: check character is {code[17]!r}, the first 17 give {expected!r} "
                f"(GB 32100 check digit) / 校验位错误")
    return None


def check(raw: str) -> tuple[str, str | None, bool]:
    """(normalised code, problem or None, whether normalising changed it)."""
    code = normalise(raw)
    return code, problem(code), code != raw
