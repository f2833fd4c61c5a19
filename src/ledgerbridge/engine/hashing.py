"""Stable hashes of record snapshots: equal data gives an equal hash whatever the key order or number type."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

# Integers this small come out of Decimal's normalize() unrounded (its default precision is 28 digits),
# so their canonical text is plainly str(n).
_PLAIN_INT_LIMIT = 10**18


def _text_of_key(item: tuple[Any, Any]) -> str:
    return str(item[0])


def canonical(value: Any) -> Any:
    """A JSON-ready form in which 10, 10.0 and Decimal("10.00") are the same value."""
    # The common types first, by exact type: a run hashes two snapshots of every record, and the
    # isinstance checks against the abstract Mapping were most of that cost. Subclasses take the
    # general path below, which gives the same answers.
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return value
    if kind is dict:
        return {str(k): canonical(v) for k, v in sorted(value.items(), key=_text_of_key)}
    if kind is int and -_PLAIN_INT_LIMIT < value < _PLAIN_INT_LIMIT:
        return str(value)
    if kind is Decimal:
        # Decimal(str(d)) is d itself, so normalise it directly.
        return format(value.normalize(), "f")
    if kind is list:
        return [canonical(v) for v in value]
    return _canonical(value)


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in sorted(value.items(), key=_text_of_key)}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(str(value)).normalize()
        # normalize() turns 100 into 1E+2; write integers plainly so the text is stable and readable.
        return format(number, "f")
    return str(value)


def snapshot_hash(value: Any) -> str:
    text = json.dumps(canonical(value), separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def same_value(left: Any, right: Any) -> bool:
    """Equality as the hash sees it (numbers by value, mappings regardless of key order)."""
    return bool(canonical(left) == canonical(right))
