"""The ``$filter`` subset the sandbox understands: ``Prop op literal`` joined by ``and``/``or``.

Operators ``eq ne gt ge lt le``; ``and`` binds tighter than ``or``; no parentheses or functions.
Literals: ``'text'`` (``''`` escapes a quote), ``true``/``false``/``null``, numbers, unquoted GUIDs and
unquoted ISO-8601 date-times (``2025-01-01T00:00:00Z``, also with fractions). Date-time fields compare
as instants; strings compare case-insensitively (as SQL Server collation does).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')"
    r"|(?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-]))"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_/]*)|(?P<literal>[^\s']+))"
)
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_OPS = {"eq", "ne", "gt", "ge", "lt", "le"}

Predicate = Callable[[dict[str, Any]], bool]


class FilterError(ValueError):
    """The filter is not valid (eAccounting answers 400 with ErrorCode 6000)."""


def parse_datetime(text: str) -> datetime | None:
    if not _DATETIME.match(text):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _literal(kind: str, text: str) -> Any:
    if kind == "string":
        return text[1:-1].replace("''", "'")
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    if _GUID.match(text):
        return text.lower()
    moment = parse_datetime(text)
    if moment is not None:
        return moment
    try:
        return Decimal(text)
    except InvalidOperation:
        raise FilterError(f"'{text}' is not a valid literal") from None


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise FilterError(f"cannot read the filter at position {position}")
        kind = match.lastgroup or "literal"
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _compare(value: Any, op: str, literal: Any) -> bool:
    if isinstance(literal, datetime) and isinstance(value, str):
        value = parse_datetime(value)
        if value is None:
            return False
    elif (
        isinstance(literal, Decimal)
        and isinstance(value, int | float | Decimal)
        and not isinstance(value, bool)
    ):
        value = Decimal(str(value))
    elif isinstance(literal, str) and isinstance(value, str):
        value, literal = value.lower(), literal.lower()
    if op == "eq":
        return bool(value == literal)
    if op == "ne":
        return bool(value != literal)
    if value is None or literal is None:
        return False
    try:
        if op == "gt":
            return bool(value > literal)
        if op == "ge":
            return bool(value >= literal)
        if op == "lt":
            return bool(value < literal)
        return bool(value <= literal)
    except TypeError:
        return False


def parse_filter(text: str, fields: set[str]) -> Predicate:
    """A predicate over rendered records; ``fields`` are the properties that may be filtered on."""
    tokens = _tokens(text)
    if not tokens:
        raise FilterError("the filter is empty")
    alternatives: list[list[tuple[str, str, Any]]] = [[]]
    index = 0
    while True:
        if index + 3 > len(tokens):
            raise FilterError("a comparison needs a property, an operator and a value")
        (kind, prop), (_, op), (lit_kind, lit_text) = tokens[index : index + 3]
        if kind != "word" or prop not in fields:
            raise FilterError(f"'{prop}' is not a property that can be filtered on")
        if op.lower() not in _OPS:
            raise FilterError(f"'{op}' is not a supported operator")
        if lit_kind == "word" and lit_text in fields:
            raise FilterError("comparing two properties is not supported by the sandbox")
        alternatives[-1].append((prop, op.lower(), _literal(lit_kind, lit_text)))
        index += 3
        if index == len(tokens):
            break
        joiner = tokens[index][1].lower()
        if joiner == "or":
            alternatives.append([])
        elif joiner != "and":
            raise FilterError(f"expected 'and' or 'or', found '{tokens[index][1]}'")
        index += 1
        if index == len(tokens):
            raise FilterError("the filter ends after a joiner")

    def predicate(record: dict[str, Any]) -> bool:
        return any(all(_compare(record.get(p), o, v) for p, o, v in group) for group in alternatives)

    return predicate
