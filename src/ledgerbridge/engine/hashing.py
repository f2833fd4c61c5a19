"""Stable hashes of record snapshots: equal data gives an equal hash whatever the key order or number type."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any


def canonical(value: Any) -> Any:
    """A JSON-ready form in which 10, 10.0 and Decimal("10.00") are the same value."""
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
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
