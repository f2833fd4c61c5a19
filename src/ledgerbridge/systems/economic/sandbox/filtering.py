"""The ``filter`` and ``sort`` query parameters, as the legacy REST API and the OpenAPI services read them.

Grammar (from the e-conomic docs)::

    expression := term (("$and:" | "$or:") term)*
    term       := "(" expression ")" | property operator value
    operator   := "$eq:" | "$ne:" | "$gt:" | "$gte:" | "$lt:" | "$lte:" | "$like:" | "$in:" | "$nin:"
    value      := escaped text | "$null:" | "[" item ("," item)* "]"      (lists for $in:/$nin:)

Escapes: ``$$`` ``$(`` ``$)`` ``$*`` ``$,`` ``$[`` ``$]``. Choices where the docs are silent (each
documented here because the sandbox has to decide something):

- ``$and:`` binds tighter than ``$or:`` (usual precedence); use parentheses to be explicit.
- An unescaped ``)`` ends a value (live: ``)`` must be escaped); an unescaped ``(``, ``*`` or ``,``
  inside an ``$eq:`` value is literal (live: "works either way").
- ``$like:``: ``*`` is a wildcard, ``$*`` a literal star, ``[...]`` a character class (SQL LIKE, as
  observed live); without any ``*`` the pattern means "contains". Case-insensitive.
- String comparisons (``$eq:``, ``$gt:``, ...) are case-insensitive; numbers compare numerically;
  ``lastUpdated`` compares as a timestamp (``2024-01-01``, ``2024-01-01T00:00:00Z`` and offsets accepted).
- A missing value is null: ``$eq:$null:`` matches it, ``$ne:x`` matches it (``$ne:`` is "not $eq:"),
  ``$gt:``/``$lt:``/``$like:`` never do. A missing boolean is ``false`` (e-conomic omits false booleans).
- ``$in:``/``$nin:`` take at most 200 values and, as documented, only numeric properties: the sandbox
  answers 400 on a string property instead of the live server's "matches nothing useful".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ledgerbridge.systems.economic.sandbox.resources import BOOLEAN, INTEGER, NUMBER, TIMESTAMP
from ledgerbridge.systems.economic.sandbox.state import get_path

MAX_IN_VALUES = 200
_OPERATORS = ("gte", "lte", "eq", "ne", "gt", "lt", "like", "nin", "in")  # longest first where prefixes clash
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_ESCAPABLE = "$()*,[]"


class FilterError(ValueError):
    """The filter cannot be used; ``field`` is set when the reason is a property that may not be filtered."""

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class FilterServerError(Exception):
    """A filter e-conomic is known to answer with 500 (reproduced on purpose)."""


class SortError(ValueError):
    """The sort parameter names a property that may not be sorted on."""


# Value tokens: literal characters, wildcards and raw brackets ($like: character classes).
_WILD = object()
_OPEN = object()
_CLOSE = object()
_NULL = object()


@dataclass
class Predicate:
    """``field`` ``op`` ``value`` (one comparison of a filter)."""

    field: str
    op: str
    value: Any  # list of tokens, _NULL, or a list of those (for $in:/$nin:)


@dataclass
class Junction:
    """Several terms joined by ``$and:`` or ``$or:``."""

    op: str  # "and" | "or"
    items: list[Predicate | Junction]


Node = Predicate | Junction


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def fail(self, what: str) -> FilterError:
        return FilterError(f"{what} at position {self.i} of the filter.")

    def startswith(self, token: str) -> bool:
        return self.text.startswith(token, self.i)

    def parse(self) -> Node:
        if not self.text:
            raise FilterError("The filter is empty.")
        node = self.expression()
        if self.i != len(self.text):
            raise self.fail(f"Unexpected '{self.text[self.i]}'")
        return node

    def expression(self) -> Node:
        items = [self.conjunction()]
        while self.startswith("$or:"):
            self.i += 4
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else Junction("or", items)

    def conjunction(self) -> Node:
        items = [self.term()]
        while self.startswith("$and:"):
            self.i += 5
            items.append(self.term())
        return items[0] if len(items) == 1 else Junction("and", items)

    def term(self) -> Node:
        if self.startswith("("):
            self.i += 1
            node = self.expression()
            if not self.startswith(")"):
                raise self.fail("Missing ')'")
            self.i += 1
            return node
        match = _FIELD.match(self.text, self.i)
        if not match:
            raise self.fail("Expected a property name")
        field = match.group(0)
        self.i = match.end()
        for op in _OPERATORS:
            if self.startswith(f"${op}:"):
                self.i += len(op) + 2
                break
        else:
            raise self.fail(f"Expected an operator after '{field}'")
        if op in ("in", "nin"):
            return Predicate(field, op, self.value_list())
        return Predicate(field, op, self.value(stop=""))

    def value(self, *, stop: str) -> Any:
        tokens: list[Any] = []
        while self.i < len(self.text):
            if self.startswith("$and:") or self.startswith("$or:"):
                break
            ch = self.text[self.i]
            if ch == ")" or ch in stop:
                break
            if ch == "$":
                if self.startswith("$null:"):
                    if tokens:
                        raise self.fail("'$null:' must be the whole value")
                    self.i += 6
                    return _NULL
                nxt = self.text[self.i + 1 : self.i + 2]
                if nxt and nxt in _ESCAPABLE:
                    tokens.append(nxt)
                    self.i += 2
                    continue
                raise self.fail("Unescaped '$' (write '$$')")
            tokens.append(_WILD if ch == "*" else _OPEN if ch == "[" else _CLOSE if ch == "]" else ch)
            self.i += 1
        return tokens

    def value_list(self) -> list[Any]:
        if not self.startswith("["):
            raise self.fail("$in: and $nin: need a list like [1,2,3]")
        self.i += 1
        items: list[Any] = []
        while True:
            items.append(self.value(stop=",]"))
            if self.startswith(","):
                self.i += 1
                continue
            if self.startswith("]"):
                self.i += 1
                break
            raise self.fail("Missing ']'")
        if len(items) > MAX_IN_VALUES:
            raise FilterError(
                f"At most {MAX_IN_VALUES} values are allowed in $in: and $nin:, got {len(items)}."
            )
        return items


def parse_filter(text: str) -> Node:
    """Parse a filter expression; raises :class:`FilterError`."""
    return _Parser(text).parse()


def _fields(node: Node) -> list[Predicate]:
    if isinstance(node, Predicate):
        return [node]
    return [p for item in node.items for p in _fields(item)]


def _text(tokens: Any) -> str:
    return "".join("*" if t is _WILD else "[" if t is _OPEN else "]" if t is _CLOSE else t for t in tokens)


def parse_timestamp(text: str) -> datetime:
    """``2024-01-01``, ``2024-01-01T10:00:00Z``, ``...+02:00`` -> aware UTC datetime."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _coerce(value: Any, kind: str) -> Any:
    """A record or filter value in comparable form for a property of type ``kind``."""
    if value is None:
        return None
    if kind == BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text not in ("true", "false"):
            raise ValueError(value)
        return text == "true"
    if kind == INTEGER:
        if isinstance(value, bool):
            raise ValueError(value)
        return int(value)
    if kind == NUMBER:
        if isinstance(value, bool):
            raise ValueError(value)
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise ValueError(value) from None
    if kind == TIMESTAMP:
        return parse_timestamp(str(value))
    return str(value).lower()


def _like_regex(tokens: list[Any]) -> re.Pattern[str]:
    has_wildcard = any(t is _WILD for t in tokens)
    out: list[str] = []
    klass: list[str] | None = None
    for t in tokens:
        if klass is not None:
            if t is _CLOSE:
                body = "".join(klass)
                negate = body.startswith("^")
                body = body[1:] if negate else body
                out.append("[" + ("^" if negate else "") + re.escape(body).replace("\\-", "-") + "]")
                klass = None
            else:
                klass.append("*" if t is _WILD else "[" if t is _OPEN else t)
            continue
        if t is _WILD:
            out.append(".*")
        elif t is _OPEN:
            klass = []
        elif t is _CLOSE:
            out.append(re.escape("]"))
        else:
            out.append(re.escape(t))
    if klass is not None:  # an unclosed '[' is a literal bracket
        out.append(re.escape("[" + "".join(klass)))
    pattern = "".join(out)
    if not has_wildcard:
        pattern = f".*{pattern}.*"  # no wildcard: "contains"
    return re.compile(pattern, re.IGNORECASE | re.DOTALL)


Matcher = Callable[[Mapping[str, Any]], bool]


def compile_filter(
    text: str,
    filterable: Mapping[str, str],
    *,
    server_error_fields: Sequence[str] = (),
    boolean_ne_500: bool = False,
) -> Matcher:
    """A predicate over rendered documents; raises FilterError (400) or FilterServerError (500).

    ``filterable`` maps each allowed property path to its type. ``server_error_fields`` and
    ``boolean_ne_500`` reproduce filters e-conomic answers with 500 (products: departmental
    distribution; ``barred$ne:``).
    """
    node = parse_filter(text)
    for predicate in _fields(node):
        if predicate.field not in filterable:
            raise FilterError(
                f"Filtering is not allowed on property '{predicate.field}'.", field=predicate.field
            )
        if predicate.field in server_error_fields:
            raise FilterServerError(predicate.field)
        kind = filterable[predicate.field]
        if boolean_ne_500 and kind == BOOLEAN and predicate.op == "ne":
            raise FilterServerError(predicate.field)
        if predicate.op in ("in", "nin") and kind not in (INTEGER, NUMBER):
            raise FilterError(
                "The operators $in: and $nin: are only allowed on numeric properties; "
                f"'{predicate.field}' is not."
            )
    return _compile(node, filterable)


def _compile(node: Node, filterable: Mapping[str, str]) -> Matcher:
    if isinstance(node, Junction):
        parts = [_compile(item, filterable) for item in node.items]
        if node.op == "and":
            return lambda doc: all(p(doc) for p in parts)
        return lambda doc: any(p(doc) for p in parts)
    return _compile_predicate(node, filterable[node.field])


def _compile_predicate(p: Predicate, kind: str) -> Matcher:
    def convert(raw: Any) -> Any:
        if raw is _NULL:
            return None
        text = _text(raw)
        try:
            return _coerce(text, kind)
        except ValueError:
            raise FilterError(f"The value '{text}' is not valid for property '{p.field}'.") from None

    def record_value(doc: Mapping[str, Any]) -> Any:
        value = get_path(doc, p.field)
        if value is None and kind == BOOLEAN:
            return False
        return _coerce(value, kind)

    if p.op in ("in", "nin"):
        wanted = [convert(item) for item in p.value]
        inside: Matcher = lambda doc: record_value(doc) in wanted  # noqa: E731
        return inside if p.op == "in" else (lambda doc: not inside(doc))
    if p.op == "like":
        if p.value is _NULL:
            return lambda doc: record_value(doc) is None
        regex = _like_regex(p.value)
        return lambda doc: (v := get_path(doc, p.field)) is not None and regex.fullmatch(str(v)) is not None
    target = convert(p.value)
    if p.op == "eq":
        return lambda doc: record_value(doc) == target
    if p.op == "ne":
        return lambda doc: record_value(doc) != target
    compare = {
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
    }[p.op]

    def ordered(doc: Mapping[str, Any]) -> bool:
        value = record_value(doc)
        return value is not None and target is not None and bool(compare(value, target))

    return ordered


# -- sorting -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SortKey:
    """One property of a ``sort`` parameter (``-`` descending, ``~`` alphabetic)."""

    field: str
    descending: bool
    alphabetic: bool


def parse_sort(text: str, sortable: Sequence[str]) -> list[SortKey]:
    """``-name,~zip`` -> sort keys; raises :class:`SortError` for properties that may not be sorted on."""
    keys: list[SortKey] = []
    for raw in text.split(","):
        item = raw.strip()
        descending = alphabetic = False
        while item[:1] in ("-", "~"):
            descending |= item[0] == "-"
            alphabetic |= item[0] == "~"
            item = item[1:]
        if not item or item not in sortable:
            raise SortError(f"Sorting is not allowed on property '{item or raw}'.")
        keys.append(SortKey(item, descending, alphabetic))
    return keys


def _sort_value(value: Any, alphabetic: bool) -> tuple[int, Any]:
    # Nulls first (as SQL Server orders them ascending); strings case-insensitive.
    if value is None:
        return (0, 0)
    if alphabetic:
        return (1, str(value).lower())
    if isinstance(value, bool | int | float | Decimal):
        return (1, value)
    return (1, str(value).lower())


def sort_documents(docs: list[dict[str, Any]], keys: Sequence[SortKey]) -> list[dict[str, Any]]:
    """Stable multi-key sort of rendered documents."""
    result = list(docs)
    for key in reversed(keys):

        def value(doc: dict[str, Any], key: SortKey = key) -> tuple[int, Any]:
            return _sort_value(get_path(doc, key.field), key.alphabetic)

        result.sort(key=value, reverse=key.descending)
    return result
