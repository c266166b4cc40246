"""The console's guard: a single read-only query made only of allow-listed clauses and functions.

It reads the tokens of the exact text the engine will run (``queries.cypher_lexer``, same order as the
engines: comments, strings and quoted names first) and walks them with a small expression state
machine: after an operand (a name, literal, ``)`` or ``]``) the next word must be an operator keyword
(AND, IN, STARTS WITH, AS…) or one of the allowed clause keywords; anything else there is a clause the
console does not allow (LOAD, COPY, CREATE, SHOW, TERMINATE, USE…) and is refused.  A word where an
operand is expected is a variable, unless it is a keyword the engines reserve for clauses (a second,
deny-list layer), a function not on the console's list, a namespaced function (``apoc.…``,
``db.…``) or ``CALL``.  Subqueries (``CALL {…}``, ``EXISTS {…}``, ``COUNT {…}``, ``COLLECT {…}``) and
more than one statement are refused.  What passes still runs in the engine's read-only mode, in a
child process bounded in time and memory (``queries.console_runner``).
"""
from __future__ import annotations

from queries.cypher_lexer import LexError, Token, tokenize, where


class ConsoleRefused(Exception):
    """The query was refused before anything was sent to the store."""


CLAUSES = ("MATCH", "OPTIONAL MATCH", "WHERE", "WITH", "UNWIND", "RETURN", "ORDER BY", "SKIP", "LIMIT",
           "UNION [ALL]")
# Keywords that may follow an operand (besides the clauses); after them an operand is expected.
_OPERATORS = {"AND", "OR", "XOR", "IN", "IS", "CONTAINS", "WHEN", "THEN", "ELSE"}
# Keywords that may follow an operand and end one themselves.
_SUFFIXES = {"ASC", "ASCENDING", "DESC", "DESCENDING", "END"}
# Keywords that stand where an operand is expected.
_PREFIXES = {"NOT", "DISTINCT", "CASE", "WHEN"}
_LITERALS = {"NULL", "TRUE", "FALSE", "END"}
_CLAUSE_STARTS = {"MATCH", "OPTIONAL", "WITH", "UNWIND", "RETURN"}
# Keywords that start clauses or commands in either engine: never accepted as a bare name (quote a
# variable with backticks if it really is called `set`).  A second layer behind the allow-list.
_RESERVED = {"CALL", "LOAD", "COPY", "CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "DROP", "ALTER",
             "RENAME", "FOREACH", "USE", "SHOW", "TERMINATE", "INSTALL", "ATTACH", "EXPORT", "IMPORT", "BEGIN",
             "COMMIT", "ROLLBACK", "CHECKPOINT", "GRANT", "DENY", "REVOKE", "START", "STOP", "ENABLE",
             "DISABLE", "FINISH", "INSERT", "UPDATE", "UPSERT", "TRUNCATE", "PROJECT", "MACRO", "DEFINE",
             "EXPLAIN", "PROFILE", "CYPHER",
             "MATCH", "OPTIONAL", "WHERE", "WITH", "UNWIND", "RETURN", "ORDER", "SKIP", "LIMIT", "UNION",
             "AND", "OR", "XOR", "IN", "IS", "CONTAINS", "STARTS", "ENDS", "AS", "THEN", "ELSE"}
# Functions both engines (or one of them) define that only compute on values.
FUNCTIONS = {
    # aggregates
    "count", "sum", "avg", "min", "max", "collect", "stdev", "stdevp", "percentilecont", "percentiledisc",
    # graph values
    "labels", "label", "type", "id", "elementid", "keys", "properties", "startnode", "endnode", "nodes",
    "relationships", "rels", "length", "shortestpath", "allshortestpaths", "offset", "cost",
    # lists and predicates
    "size", "head", "last", "tail", "reverse", "range", "any", "all", "none", "single", "reduce", "isempty",
    "coalesce", "nullif", "ifnull", "list_concat", "list_contains", "list_extract", "list_element", "list_sort",
    "list_reverse_sort", "list_distinct", "list_unique", "list_sum", "list_product", "list_slice", "list_len",
    "array_length", "array_contains", "list_has_all", "list_any_value", "list_position", "list_reverse",
    # strings
    "tostring", "tostringornull", "lower", "upper", "tolower", "toupper", "trim", "ltrim", "rtrim", "left", "right",
    "substring", "substr", "replace", "split", "string_split", "concat", "starts_with", "ends_with", "prefix",
    "suffix", "lpad", "rpad", "initcap", "levenshtein", "regexp_matches", "regexp_replace", "regexp_extract",
    # numbers and types
    "tointeger", "tointegerornull", "tofloat", "tofloatornull", "toboolean", "tobooleanornull", "to_int64",
    "to_int32", "to_double", "to_float", "to_string", "cast", "abs", "ceil", "ceiling", "floor", "round", "sign",
    "sqrt", "exp", "log", "log2", "log10", "ln", "pi", "e", "rand", "sin", "cos", "tan", "asin", "acos", "atan",
    "atan2", "degrees", "radians", "pow", "gamma", "factorial", "even", "typeof", "valuetype",
    # time
    "date", "datetime", "localdatetime", "localtime", "time", "duration", "timestamp", "current_date",
    "current_timestamp", "date_part", "date_trunc", "interval",
}


def refuse(message: str) -> None:
    raise ConsoleRefused(message)


def check_read_only(text: str) -> None:
    """Raise ConsoleRefused with the reason when ``text`` is not a single read-only query."""
    if not isinstance(text, str) or not text.strip():
        refuse("empty query / 查询为空")
    try:
        tokens = tokenize(text)
    except LexError as exc:
        refuse(str(exc))
    if tokens and tokens[-1].text == ";" and tokens[-1].kind == "punct":
        tokens = tokens[:-1]
    if not tokens:
        refuse("the query is only comments / 查询只有注释")
    _Walker(text, tokens).walk()


class _Walker:
    """One pass over the tokens; ``operand`` is True when the last token ended an operand."""

    def __init__(self, text: str, tokens: list[Token]):
        self.text, self.tokens = text, tokens
        self.depth: list[str] = []
        self.operand = False
        self.clause_expected = True      # at the start, and after UNION [ALL]

    def at(self, i: int) -> Token | None:
        return self.tokens[i] if 0 <= i < len(self.tokens) else None

    def is_punct(self, i: int, chars: str) -> bool:
        tok = self.at(i)
        return tok is not None and tok.kind == "punct" and tok.text in chars

    def is_word(self, i: int, *words: str) -> bool:
        tok = self.at(i)
        return tok is not None and tok.kind == "word" and tok.upper in words

    def fail(self, tok: Token, message: str) -> None:
        refuse(f"{message} ({where(self.text, tok.pos)})")

    def walk(self) -> None:
        i = 0
        while i < len(self.tokens):
            i = self.step(i)
        if self.depth:
            refuse(f"unbalanced brackets: {''.join(self.depth)} never closed / 括号不配对")
        if self.clause_expected:
            refuse("the query ends where a clause should start / 查询不完整")

    def step(self, i: int) -> int:
        tok = self.tokens[i]
        if tok.kind == "punct":
            return self.punct(i, tok)
        if tok.kind in ("string", "number", "name"):
            if self.clause_expected:
                self.fail(tok, f"a query starts with one of {', '.join(sorted(_CLAUSE_STARTS))}")
            if tok.kind == "name" and not self.operand and self.is_punct(i + 1, "("):
                self.check_function(tok, tok.text[1:-1].replace("``", "`"))
            self.operand = True
            return i + 1
        return self.word(i, tok)

    def punct(self, i: int, tok: Token) -> int:
        ch = tok.text
        if ch == ";":
            self.fail(tok, "one statement at a time: ';' separates several / 每次只能执行一条语句")
        if self.clause_expected:
            self.fail(tok, f"a query starts with one of {', '.join(sorted(_CLAUSE_STARTS))}")
        if ch in "([{":
            if ch == "{" and self.is_word(i - 1, "CALL", "EXISTS", "COUNT", "COLLECT") and not self.is_punct(i - 2, ".:$"):
                self.fail(tok, "subqueries ({ … }) are not allowed in the console / 控制台不支持子查询")
            self.depth.append(ch)
            self.operand = False
            return i + 1
        if ch in ")]}":
            if not self.depth or "([{"[")]}".index(ch)] != self.depth[-1]:
                self.fail(tok, f"unbalanced {ch!r} / 括号不配对")
            self.depth.pop()
            self.operand = True
            return i + 1
        if ch in ".:$" and self.at(i + 1) is not None and self.at(i + 1).kind in ("word", "name"):
            # a property, label/type/map key or parameter name: a name whatever it spells
            nxt = self.tokens[i + 1]
            if ch == "." and self.is_punct(i + 2, "("):
                self.check_function(nxt, self.dotted_name(i + 1))
            self.operand = True
            return i + 2
        if ch == "*" and not self.operand:        # RETURN *, count(*), [*1..3]
            self.operand = True
            return i + 1
        self.operand = False
        return i + 1

    def word(self, i: int, tok: Token) -> int:
        up = tok.upper
        if up == "CALL":
            self.fail(tok, "CALL is not allowed in the console (no procedures, no CALL { } subqueries) "
                           "/ 控制台不允许 CALL")
        if self.clause_expected:
            if up not in _CLAUSE_STARTS:
                self.fail(tok, _not_allowed(up))
            self.clause_expected = False
            return self.clause(i, tok)
        if self.operand:
            return self.after_operand(i, tok)
        return self.as_operand(i, tok)

    def clause(self, i: int, tok: Token) -> int:
        """A clause keyword at the top level (or WHERE anywhere): what it needs after it."""
        up = tok.upper
        if up == "WHERE":
            self.operand = False
            return i + 1
        if self.depth:
            self.fail(tok, f"{up} inside brackets: subqueries are not allowed in the console / 控制台不支持子查询")
        if up == "OPTIONAL":
            if not self.is_word(i + 1, "MATCH"):
                self.fail(tok, "OPTIONAL must be followed by MATCH")
            i += 1
        elif up == "ORDER":
            if not self.is_word(i + 1, "BY"):
                self.fail(tok, "ORDER must be followed by BY")
            i += 1
        elif up == "UNION":
            if self.is_word(i + 1, "ALL"):
                i += 1
            self.clause_expected = True
        self.operand = False
        return i + 1

    def after_operand(self, i: int, tok: Token) -> int:
        up = tok.upper
        if up in ("STARTS", "ENDS"):
            if not self.is_word(i + 1, "WITH"):
                self.fail(tok, f"{up} must be followed by WITH")
            self.operand = False
            return i + 2
        if up == "AS":
            nxt = self.at(i + 1)
            if nxt is None or nxt.kind not in ("word", "name"):
                self.fail(tok, "AS must be followed by a name")
            self.operand = True
            return i + 2
        if up in _OPERATORS:
            self.operand = False
            return i + 1
        if up in _SUFFIXES:
            self.operand = True
            return i + 1
        if up in ("MATCH", "OPTIONAL", "WHERE", "WITH", "UNWIND", "RETURN", "ORDER", "SKIP", "LIMIT", "UNION"):
            return self.clause(i, tok)
        self.fail(tok, _not_allowed(up))

    def dotted_name(self, i: int) -> str:
        """``apoc.load.json`` from the tokens ending at ``i`` (for messages)."""
        parts = [self.tokens[i].text]
        while i >= 2 and self.is_punct(i - 1, ".") and self.tokens[i - 2].kind in ("word", "name"):
            i -= 2
            parts.insert(0, self.tokens[i].text)
        name = ".".join(parts)
        return name if "." in name else "." + name

    def check_function(self, tok: Token, name: str) -> None:
        if "." in name:
            self.fail(tok, f"namespaced functions and procedures ({name.strip('.')}(…)) are not allowed in the "
                           f"console / 控制台不允许调用命名空间函数或过程")
        if name.lower() not in FUNCTIONS:
            self.fail(tok, f"{name}(…) is not a function the console allows / 控制台不允许该函数；"
                           f"allowed: {', '.join(sorted(FUNCTIONS))}")

    def as_operand(self, i: int, tok: Token) -> int:
        up = tok.upper
        if up in _PREFIXES:
            return i + 1
        if up in _LITERALS:
            self.operand = True
            return i + 1
        if self.is_punct(i + 1, "("):
            self.check_function(tok, tok.text)
            self.operand = False
            return i + 1
        if up in _RESERVED:
            self.fail(tok, _reserved_name(up))
        self.operand = True
        return i + 1


def _not_allowed(word: str) -> str:
    return (f"{word} is not allowed here: the console is read-only and accepts only the clauses "
            f"{', '.join(CLAUSES)} / 控制台只读，只接受这些子句")


def _reserved_name(word: str) -> str:
    return (f"{word} is a Cypher keyword and cannot be used as a name here: the console is read-only "
            f"(quote a variable called {word.lower()} as `{word.lower()}`) / 关键字不能用作名称")
