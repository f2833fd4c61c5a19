"""Build e-conomic ``filter`` query values without hand-escaping.

The syntax (shared by the legacy REST API and the OpenAPI services) is
``<property><operator><value>`` joined with ``$and:`` / ``$or:``, grouped with parentheses::

    Filter.eq("customerNumber", 5) & Filter.gt("lastUpdated", datetime(2024, 1, 1, tzinfo=UTC))
    -> "customerNumber$eq:5$and:lastUpdated$gt:2024-01-01T00:00:00Z"

Values are escaped as the documentation prescribes: ``$`` -> ``$$``, ``(`` -> ``$(``, ``)`` -> ``$)``,
``*`` -> ``$*``, ``,`` -> ``$,``. Square brackets are *not* escaped: live probes found ``$[``/``$]``
are not honoured, and a raw bracket in an ``$eq:`` value matches literally. ``None`` becomes the null
value ``$null:``. Datetimes are sent as UTC ``YYYY-MM-DDTHH:MM:SSZ`` (naive ones are taken as UTC).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

MAX_IN_VALUES = 200
NULL = "$null:"

_ESCAPES = (("$", "$$"), ("(", "$("), (")", "$)"), ("*", "$*"), (",", "$,"))


def escape(text: str, *, keep_wildcards: bool = False) -> str:
    """Escape a literal string for use as a filter value (``keep_wildcards`` leaves ``*`` for ``$like:``)."""
    for char, replacement in _ESCAPES:
        if keep_wildcards and char == "*":
            continue
        text = text.replace(char, replacement)
    return text


def format_value(value: Any) -> str:
    """The wire form of one filter value."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.replace(microsecond=0).isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return escape(str(value))


class Filter:
    """An immutable filter expression; combine with ``&`` and ``|``; ``str()`` gives the query value."""

    __slots__ = ("expression", "_kind")

    def __init__(self, expression: str, _kind: str = "leaf") -> None:
        self.expression = expression
        self._kind = _kind  # "leaf", "and" or "or": decides where parentheses are needed

    def __str__(self) -> str:
        return self.expression

    def __repr__(self) -> str:
        return f"Filter({self.expression!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Filter) and other.expression == self.expression

    def __hash__(self) -> int:
        return hash(self.expression)

    # -- combinators -----------------------------------------------------------------------------
    def _joined(self, other: Filter, kind: str) -> Filter:
        if not isinstance(other, Filter):
            return NotImplemented
        # Parenthesise a compound operand of the other kind, so the meaning never depends on the
        # server's precedence between $and: and $or: (the documentation does not state it).
        parts = [
            f"({f.expression})" if f._kind not in ("leaf", kind) else f.expression for f in (self, other)
        ]
        return Filter(f"${kind}:".join(parts), kind)

    def __and__(self, other: Filter) -> Filter:
        return self._joined(other, "and")

    def __or__(self, other: Filter) -> Filter:
        return self._joined(other, "or")

    @staticmethod
    def all(*filters: Filter) -> Filter:
        """All of ``filters`` (``$and:``)."""
        return _fold(filters, "and")

    @staticmethod
    def any(*filters: Filter) -> Filter:
        """Any of ``filters`` (``$or:``)."""
        return _fold(filters, "or")

    # -- predicates ------------------------------------------------------------------------------
    @staticmethod
    def _predicate(field: str, operator: str, value: str) -> Filter:
        if not field or any(c in field for c in "$()[], "):
            raise ValueError(f"not a property name: {field!r}")
        return Filter(f"{field}${operator}:{value}")

    @classmethod
    def eq(cls, field: str, value: Any) -> Filter:
        """``field`` equals ``value`` (strings compare case-insensitively on the server)."""
        return cls._predicate(field, "eq", format_value(value))

    @classmethod
    def ne(cls, field: str, value: Any) -> Filter:
        """``field`` differs from ``value``."""
        return cls._predicate(field, "ne", format_value(value))

    @classmethod
    def gt(cls, field: str, value: Any) -> Filter:
        """``field`` > ``value`` (e.g. ``lastUpdated`` for incremental sync)."""
        return cls._predicate(field, "gt", format_value(value))

    @classmethod
    def gte(cls, field: str, value: Any) -> Filter:
        """``field`` >= ``value``."""
        return cls._predicate(field, "gte", format_value(value))

    @classmethod
    def lt(cls, field: str, value: Any) -> Filter:
        """``field`` < ``value``."""
        return cls._predicate(field, "lt", format_value(value))

    @classmethod
    def lte(cls, field: str, value: Any) -> Filter:
        """``field`` <= ``value``."""
        return cls._predicate(field, "lte", format_value(value))

    @classmethod
    def like(cls, field: str, pattern: str) -> Filter:
        """``$like:`` with ``*`` as wildcard; a pattern without ``*`` means "contains" on the server."""
        return cls._predicate(field, "like", escape(pattern, keep_wildcards=True))

    @classmethod
    def contains(cls, field: str, text: str) -> Filter:
        """``field`` contains ``text`` literally (every special character escaped, ``*`` included)."""
        return cls._predicate(field, "like", escape(text))

    @classmethod
    def startswith(cls, field: str, text: str) -> Filter:
        """``field`` starts with ``text`` literally."""
        return cls._predicate(field, "like", escape(text) + "*")

    @classmethod
    def in_(cls, field: str, values: Iterable[Any]) -> Filter:
        """``field`` is one of ``values`` (at most 200).

        e-conomic documents ``$in:``/``$nin:`` for numeric properties only; the sandbox answers 400 for
        string properties rather than silently matching nothing.
        """
        return cls._predicate(field, "in", _list(values))

    @classmethod
    def nin(cls, field: str, values: Iterable[Any]) -> Filter:
        """``field`` is none of ``values`` (at most 200)."""
        return cls._predicate(field, "nin", _list(values))

    @classmethod
    def is_null(cls, field: str) -> Filter:
        """``field`` has no value (``field$eq:$null:``)."""
        return cls.eq(field, None)

    @classmethod
    def not_null(cls, field: str) -> Filter:
        """``field`` has a value (``field$ne:$null:``)."""
        return cls.ne(field, None)


def _list(values: Iterable[Any]) -> str:
    items = list(values)
    if not items:
        raise ValueError("$in:/$nin: need at least one value")
    if len(items) > MAX_IN_VALUES:
        raise ValueError(f"e-conomic allows at most {MAX_IN_VALUES} values in $in:/$nin:, got {len(items)}")
    return "[" + ",".join(format_value(v) for v in items) + "]"


def _fold(filters: tuple[Filter, ...], kind: str) -> Filter:
    if not filters:
        raise ValueError("need at least one filter")
    result = filters[0]
    for f in filters[1:]:
        result = result._joined(f, kind)
    return result
