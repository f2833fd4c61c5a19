"""Exact JSON for the sandbox: Decimals go out as JSON numbers with every digit they have.

``json.dumps`` can only write floats, which would round money; this small writer keeps
``Decimal("1234.567891")`` as ``1234.567891`` on the wire, like Laravel's decimal casts.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def parse(raw: bytes) -> Any:
    """Decode a request body; JSON fractions become Decimals so money keeps its digits."""
    return json.loads(raw, parse_float=Decimal)


def dumps(value: Any) -> str:
    """Serialise ``value`` (dicts, lists, str, int, bool, None, Decimal, float, datetime) to JSON text."""
    out: list[str] = []
    _write(value, out)
    return "".join(out)


def decimal_text(value: Decimal) -> str:
    """A Decimal as a plain JSON number: no exponent, no trailing zeros (``10.50`` -> ``10.5``)."""
    if not value.is_finite():
        raise ValueError(f"{value} is not a JSON number")
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, Decimal):
        out.append(decimal_text(value))
    elif isinstance(value, float):
        out.append(json.dumps(value, allow_nan=False))
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, datetime | date):
        out.append(json.dumps(value.isoformat()))
    elif isinstance(value, dict):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(json.dumps(str(key), ensure_ascii=False))
            out.append(":")
            _write(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise TypeError(f"cannot serialise {type(value).__name__} as JSON")
