"""A Cypher lexer for the console's guard: the tokens the engines will see, in the engines' order.

One pass, left to right, exactly as both engines' ANTLR lexers read the text: a ``//`` or ``/*``
outside a string starts a comment, a quote outside a comment starts a string, a backtick starts a
quoted name — so an apostrophe inside a comment is just a comment character and a ``/*`` inside a
string is just string text.  Where the two engines could disagree, the lexer refuses instead of
guessing: non-ASCII outside string literals and backtick names (a fullwidth quote ``＇`` or a
no-break space is not whitespace to us), escapes other than the ones both engines define, a carriage
return not followed by a newline, unterminated strings, comments and names, numbers glued to letters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


class LexError(ValueError):
    """The text cannot be split into tokens the same way by every engine."""


@dataclass(frozen=True)
class Token:
    kind: str      # "word", "name" (`quoted`), "string", "number", "punct"
    text: str      # the word / punctuation as written (for strings and names: the raw source)
    pos: int       # offset in the query text

    @property
    def upper(self) -> str:
        return self.text.upper()


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"0[xX][0-9A-Fa-f]+|[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
# Escapes both engines define (Kùzu's EscapedChar; Neo4j accepts these and more).
_ESCAPES = set("\\'\"bBfFnNrRtT")
_HEX = set("0123456789abcdefABCDEF")
_PUNCT = set("()[]{}<>=!+-*/%^.,:;|$&~?@#")


def where(text: str, pos: int) -> str:
    """'line L, column C' of an offset, for messages."""
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {column} / 第 {line} 行第 {column} 列"


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text`` (comments and whitespace dropped); LexError where engines could differ."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\n":
            i += 1
        elif ch == "\r":
            if not text.startswith("\n", i + 1):
                raise LexError(f"a carriage return without a newline at {where(text, i)}")
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            _ascii_only(text, i, end, "comment")
            if "\r" in text[i:end].rstrip("\r"):
                raise LexError(f"a carriage return inside a comment at {where(text, i)}")
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise LexError(f"a /* comment that is never closed, from {where(text, i)}")
            _ascii_only(text, i, end, "comment")
            i = end + 2
        elif ch in "'\"":
            end = _string_end(text, i)
            tokens.append(Token("string", text[i:end], i))
            i = end
        elif ch == "`":
            end = _name_end(text, i)
            tokens.append(Token("name", text[i:end], i))
            i = end
        elif ch.isascii() and (ch.isalpha() or ch == "_"):
            word = _WORD.match(text, i).group()
            tokens.append(Token("word", word, i))
            i += len(word)
        elif ch.isascii() and ch.isdigit():
            number = _NUMBER.match(text, i).group()
            end = i + len(number)
            if end < n and (text[end].isalnum() or text[end] == "_"):
                raise LexError(f"a number run into letters at {where(text, i)}")
            tokens.append(Token("number", number, i))
            i = end
        elif ch in _PUNCT:
            tokens.append(Token("punct", ch, i))
            i += 1
        elif ch.isascii():
            raise LexError(f"unexpected character {ch!r} at {where(text, i)} / 无法识别的字符")
        else:
            raise LexError(_foreign(text, i))
    return tokens


def _ascii_only(text: str, start: int, end: int, what: str) -> None:
    for j in range(start, end):
        ch = text[j]
        if not ch.isascii() or (not ch.isprintable() and ch not in "\t\n\r"):
            raise LexError(_foreign(text, j, what))


def _foreign(text: str, pos: int, what: str = "query") -> str:
    ch = text[pos]
    return (f"character {ch!r} (U+{ord(ch):04X}) at {where(text, pos)} in the {what}: outside string literals "
            f"and `backtick` names only plain ASCII is accepted / 字符串和反引号名称之外只接受 ASCII 字符")


def _string_end(text: str, start: int) -> int:
    quote, i, n = text[start], start + 1, len(text)
    while i < n:
        ch = text[i]
        if ch == quote:
            return i + 1
        if ch == "\\":
            nxt = text[i + 1] if i + 1 < n else ""
            if nxt in ("u", "U"):
                digits = 4 if nxt == "u" else 8
                if not all(c in _HEX for c in text[i + 2:i + 2 + digits]) or i + 2 + digits > n:
                    raise LexError(f"a \\{nxt} escape without {digits} hex digits at {where(text, i)}")
                i += 2 + digits
                continue
            if nxt not in _ESCAPES:
                raise LexError(f"an escape \\{nxt} that not every engine reads the same way at {where(text, i)}")
            i += 2
            continue
        i += 1
    raise LexError(f"a string that is never closed, from {where(text, start)}")


def _name_end(text: str, start: int) -> int:
    """A `quoted` name; a doubled backtick inside is one backtick (both engines)."""
    i, n = start + 1, len(text)
    while i < n:
        if text[i] == "`":
            if text.startswith("`", i + 1):
                i += 2
                continue
            if i == start + 1:
                raise LexError(f"an empty `` name at {where(text, start)}")
            return i + 1
        i += 1
    raise LexError(f"a `name that is never closed, from {where(text, start)}")
