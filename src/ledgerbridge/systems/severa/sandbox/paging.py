"""Query parameters as Severa types them, both paging styles, ``changedSince`` and ``sortings``.

Each route declares its query parameters (``meta["query"]``: name → kind) with the names and types of the
official document; only declared parameters are read, and a declared one of the wrong type is refused with
400 ``InvalidParameter`` (location ``UriParameter``). Kinds: ``bool``, ``int``, ``datetime``, ``date``,
``number``, ``str``, ``int[]``, ``str[]`` (arrays repeat the key: ``numbers=1&numbers=2``) and ``sortings``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from ledgerbridge.sandbox.routes import Call
from ledgerbridge.systems.severa.sandbox.wire import invalid_query

Record = dict[str, Any]

DEFAULT_ROWS = 20
MAX_ROWS = 100
_SORTING = re.compile(r"^sortings\[(\d+)\]\.(key|value)$", re.IGNORECASE)
SORT_DIRECTIONS = ("Asc", "Desc", "AscNullsFirst", "AscNullsLast", "DescNullsFirst", "DescNullsLast")
_PAGING_NAMES = {"pagetoken", "rowcount", "firstrow", "calculaterowcount"}

# Query parameters many routes declare alike (route meta ``query``; they are checked in this order).
CURSOR = {"pageToken": "str", "rowCount": "int"}
CURSOR_CHANGED = {**CURSOR, "changedSince": "datetime"}
OFFSET_SEARCH = {"firstRow": "int", "rowCount": "int", "textToSearch": "str"}
SORTABLE_OFFSET = {**OFFSET_SEARCH, "calculateRowCount": "bool", "sortings": "sortings"}


def parse_datetime(raw: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise invalid_query(name, f"The value '{raw}' is not valid for {name}.") from None
    # A date-time without an offset is read as UTC (the real server's reading is not documented).
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _one(call: Call, name: str, kind: str) -> Any:
    raw_values = [v for k, v in call.request.query_params.multi_items() if k.lower() == name.lower()]
    if kind.endswith("[]"):
        item_kind = kind[:-2]
        return [_typed(v, name, item_kind) for v in raw_values if v != ""] or None
    if not raw_values or raw_values[-1] == "":
        return None
    return _typed(raw_values[-1], name, kind)


def _typed(raw: str, name: str, kind: str) -> Any:
    if kind == "str":
        return raw
    if kind == "bool":
        if raw.lower() not in ("true", "false"):
            raise invalid_query(name, f"The value '{raw}' is not valid for {name}.")
        return raw.lower() == "true"
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise invalid_query(name, f"The value '{raw}' is not valid for {name}.") from None
    if kind == "number":
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise invalid_query(name, f"The value '{raw}' is not valid for {name}.") from None
        if not value.is_finite():
            raise invalid_query(name, f"The value '{raw}' is not valid for {name}.")
        return value
    if kind == "datetime":
        return parse_datetime(raw, name)
    if kind == "date":
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            raise invalid_query(name, f"The value '{raw}' is not valid for {name}.") from None
    raise ValueError(f"unknown query kind {kind}")


def query(call: Call) -> dict[str, Any]:
    """The declared query parameters of this call, typed; absent ones are None."""
    declared: dict[str, str] = call.route.meta.get("query", {})
    values = {name: _one(call, name, kind) for name, kind in declared.items() if kind != "sortings"}
    if "sortings" in declared:
        values["sortings"] = _sortings(call)
    return values


def _sortings(call: Call) -> list[tuple[str, str]]:
    found: dict[int, dict[str, str]] = {}
    for key, value in call.request.query_params.multi_items():
        m = _SORTING.match(key)
        if m:
            found.setdefault(int(m.group(1)), {})[m.group(2).lower()] = value
    result = []
    for index in sorted(found):
        pair = found[index]
        field, direction = pair.get("key"), pair.get("value", "Asc")
        if not field:
            raise invalid_query(f"sortings[{index}].key", "A sorting needs a key.")
        match = next((d for d in SORT_DIRECTIONS if d.lower() == direction.lower()), None)
        if match is None:
            raise invalid_query(f"sortings[{index}].value", f"'{direction}' is not a sort direction.")
        result.append((field, match))
    return result


# -- filters -------------------------------------------------------------------------------------------
def changed_since(call: Call, records: list[Record]) -> list[Record]:
    """``changedSince`` (greater or equal) — only on routes that declare it."""
    if "changedSince" not in call.route.meta.get("query", {}):
        return records
    since = query(call).get("changedSince")
    if since is None:
        return records
    return [r for r in records if (r.get("lastUpdatedDateTime") or r["createdDateTime"]) >= since]


def _sort_value(record: Record, key: str) -> Any:
    value = record.get(key)
    if isinstance(value, dict):  # an embedded reference sorts by its name
        value = value.get("name")
    return value.lower() if isinstance(value, str) else value


def sort(call: Call, records: list[Record]) -> list[Record]:
    """``sortings`` on top-level fields; nulls first ascending and last descending, as SQL Server sorts."""
    for field, direction in reversed(query(call).get("sortings") or []):
        if not records:
            break
        names = {k.lower(): k for k in records[0] if not k.startswith("_")}
        key = names.get(field.lower())
        if key is None:
            raise invalid_query("sortings", f"'{field}' is not a sortable field.")
        descending = direction.startswith("Desc")
        nulls_first = direction.endswith("NullsFirst") or direction == "Asc"
        nones = [r for r in records if _sort_value(r, key) is None]
        present = sorted(
            (r for r in records if _sort_value(r, key) is not None),
            key=partial(_sort_value, key=key),
            reverse=descending,
        )
        records = nones + present if nulls_first else present + nones
    return records


# -- paging --------------------------------------------------------------------------------------------
def _row_count(call: Call, default: int | None) -> int | None:
    raw = query(call).get("rowCount")
    if raw is None:
        return default
    if raw < 1:
        raise invalid_query("rowCount", "rowCount must be at least 1.")
    return min(raw, MAX_ROWS)


def _filters_digest(call: Call) -> str:
    items = sorted(
        (k.lower(), v) for k, v in call.request.query_params.multi_items() if k.lower() not in _PAGING_NAMES
    )
    return hashlib.sha256(json.dumps([call.route.template, items]).encode()).hexdigest()[:16]


def _encode_token(after: int, digest: str) -> str:
    raw = json.dumps({"a": after, "q": digest}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: str, digest: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        after, seen = int(data["a"]), data["q"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise invalid_query("pageToken", "The page token is not valid.") from None
    if seen != digest:
        raise invalid_query("pageToken", "The page token belongs to another query.")
    return after


def cursor_page(call: Call, records: list[Record]) -> tuple[list[Record], dict[str, str]]:
    """``pageToken``/``rowCount``: rows in insertion order; ``NextPageToken`` only while more remain."""
    size = _row_count(call, DEFAULT_ROWS) or DEFAULT_ROWS
    digest = _filters_digest(call)
    token = query(call).get("pageToken")
    after = _decode_token(token, digest) if token else 0
    ordered = sorted((r for r in records if r["_seq"] > after), key=lambda r: r["_seq"])
    page = ordered[:size]
    headers = {"NextPageToken": _encode_token(page[-1]["_seq"], digest)} if len(ordered) > size else {}
    return page, headers


def offset_page(call: Call, records: list[Record]) -> tuple[list[Record], dict[str, str]]:
    """``firstRow``/``rowCount`` after ``sortings`` (insertion order without them)."""
    default = call.route.meta.get("default_rows", DEFAULT_ROWS)
    size = _row_count(call, default)
    first = query(call).get("firstRow") or 0
    if first < 0:
        raise invalid_query("firstRow", "firstRow must not be negative.")
    ordered = sort(call, sorted(records, key=lambda r: r["_seq"]))
    return (ordered[first:] if size is None else ordered[first : first + size]), {}


def page(call: Call, records: list[Record]) -> tuple[list[Record], dict[str, str]]:
    """The paging style the route declares (``meta["paging"]``: ``cursor``, ``offset`` or none)."""
    style = call.route.meta.get("paging")
    if style == "cursor":
        return cursor_page(call, records)
    if style == "offset":
        return offset_page(call, records)
    return sorted(records, key=lambda r: r["_seq"]), {}
