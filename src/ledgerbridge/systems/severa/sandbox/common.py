"""What every Severa resource shares: timestamps, the generic Resource in Severa's dialect, JSON Patch."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from ledgerbridge.sandbox.crud import Resource
from ledgerbridge.sandbox.routes import Call
from ledgerbridge.systems.severa.sandbox import paging
from ledgerbridge.systems.severa.sandbox.state import SeveraState
from ledgerbridge.systems.severa.sandbox.wire import (
    check_guid,
    fail,
    invalid_body,
    json_response,
    new_guid,
    not_found,
)

Record = dict[str, Any]
Setter = Callable[[Record, Any], None]


def public(record: Record) -> Record:
    """The record without the sandbox's internal ``_`` keys."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


def insert(state: SeveraState, table: str, record: Record, *, guid: str | None = None) -> Record:
    """Stores a new record with a server-set guid, ``createdDateTime`` and ``lastUpdatedDateTime``."""
    now = state.clock()
    record = {"guid": guid or new_guid(), **record, "createdDateTime": now, "lastUpdatedDateTime": now}
    record["_seq"] = state.next_seq()
    state.table(table)[record["guid"]] = record
    return record


def touch(state: SeveraState, record: Record) -> None:
    record["lastUpdatedDateTime"] = state.clock()


def _missing(call: Call) -> Any:
    raise not_found()


def severa_resource(
    state: SeveraState,
    name: str,
    table: str,
    render: Callable[[Record], Any],
    *,
    select: Callable[[Call, list[Record]], list[Record]] | None = None,
    rows: Callable[[Call], dict[str, Record]] | None = None,
    **hooks: Any,
) -> Resource:
    """A :class:`Resource` answering as Severa does: bare JSON arrays, 404 without a body, GUID checks."""

    def table_rows(call: Call) -> dict[str, Record]:
        if "guid" in call.params:
            call.params["guid"] = check_guid(call.params["guid"])
        return rows(call) if rows is not None else state.table(table)

    def selected(call: Call, records: list[Record]) -> list[Record]:
        records = paging.changed_since(call, records)
        return select(call, records) if select is not None else records

    def respond(status: int, body: Any, headers: dict[str, str]) -> Any:
        return json_response(status, body, headers)

    return Resource(
        name=name,
        rows=table_rows,
        render=render,
        respond=respond,
        missing=_missing,
        select=selected,
        page=paging.page,
        **hooks,
    )


def parent(state: SeveraState, table: str, call: Call, param: str) -> Record:
    """The record a nested path names (``/v1/customers/{customerGuid}/...``); 404 when unknown."""
    guid = check_guid(call.params[param], param)
    record = state.table(table).get(guid)
    if record is None:
        raise not_found()
    return record


def children(
    state: SeveraState, parent_table: str, param: str, table: str, link: str
) -> Callable[[Call], dict[str, Record]]:
    """``rows`` of a nested list: the records of ``table`` whose ``link`` is the guid of the parent the path
    names by ``param`` (404 when that parent is unknown)."""

    def rows(call: Call) -> dict[str, Record]:
        owner = parent(state, parent_table, call, param)
        return {k: r for k, r in state.table(table).items() if r.get(link) == owner["guid"]}

    return rows


def scoped(area: str, **listing: Any) -> dict[str, Any]:
    """``register_crud`` per-operation meta with Severa's scopes of ``area``: ``<area>:read`` to list and
    get, ``:write`` to create and patch, ``:delete`` to delete; ``listing`` (paging, query…) goes on the
    list operation."""
    read, write, delete = (f"{area}:read",), (f"{area}:write",), (f"{area}:delete",)
    return {
        "meta_L": {"scopes": read, **listing},
        "meta_G": {"scopes": read},
        "meta_C": {"scopes": write},
        "meta_P": {"scopes": write},
        "meta_D": {"scopes": delete},
    }


def organization_currency(state: SeveraState) -> str:
    """The code of the organisation's own currency (what prices without a currency are in)."""
    currencies = state.table("currencies").values()
    return next((str(c["code"]) for c in currencies if c["isOrganizationCurrency"]), "SEK")


def currency_ref(currency: Record | None) -> Record | None:
    """A currency as records embed it."""
    if currency is None:
        return None
    return {
        "guid": currency["guid"],
        "code": currency["code"],
        "name": currency["name"],
        "symbol": currency["symbol"],
    }


def unique_number(state: SeveraState, table: str, label: str) -> Callable[[Record, int | None], None]:
    """A check that no other record of ``table`` has the number (``label`` names the register in the 400)."""

    def check(record: Record, value: int | None) -> None:
        if value is None:
            return
        for other in state.table(table).values():
            if other["number"] == value and other["guid"] != record.get("guid"):
                raise fail("InvalidOperation", f"{label} number {value} is already in use.")

    return check


# -- JSON Patch ----------------------------------------------------------------------------------------
def apply_patch(state: SeveraState, record: Record, body: Any, setters: dict[str, Setter]) -> None:
    """Applies ``replace`` operations atomically; any other op, or an unknown or read-only path, is a 400."""
    if not isinstance(body, list) or not body:
        raise fail(
            "InvalidRequest",
            "The body must be a non-empty JSON Patch array.",
            ("RequestBody", "patchDocument"),
        )
    draft = copy.deepcopy(record)
    lowered = {path.lower(): setter for path, setter in setters.items()}
    for operation in body:
        if not isinstance(operation, dict) or not isinstance(operation.get("op"), str):
            raise invalid_body("op", "Every patch operation needs an op.")
        if operation["op"].lower() != "replace":
            raise fail(
                "InvalidOperation", f"Patch operation '{operation['op']}' is not supported; only Replace is."
            )
        path = operation.get("path")
        setter = lowered.get(path.lower().rstrip("/")) if isinstance(path, str) else None
        if setter is None:
            raise invalid_body("path", f"The path '{path}' does not exist or is read-only.")
        setter(draft, operation.get("value"))
    with state.lock:
        record.clear()
        record.update(draft)
        touch(state, record)


# Setters coerce JSON Patch values, which the spec types as strings, into the field's type.
def _as_text(name: str, value: Any, max_length: int | None, required: bool) -> str | None:
    if value is None or value == "":
        if required:
            raise invalid_body(name, f"The {name} field is required.")
        return None if value is None else ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise invalid_body(name, f"The {name} field must be a string.")
    value = str(value)
    if max_length is not None and len(value) > max_length:
        raise invalid_body(name, f"The field {name} must be a string with a maximum length of {max_length}.")
    return value


def set_text(field: str, *, max_length: int | None = None, required: bool = False) -> Setter:
    def setter(record: Record, value: Any) -> None:
        record[field] = _as_text(field, value, max_length, required)

    return setter


def as_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise invalid_body(name, f"The {name} field must be true or false.")


def set_bool(field: str) -> Setter:
    def setter(record: Record, value: Any) -> None:
        record[field] = as_bool(field, value)

    return setter


def as_int(name: str, value: Any, *, nullable: bool = True) -> int | None:
    if value is None and nullable:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise invalid_body(name, f"The {name} field must be an integer.")


def set_int(
    field: str, *, nullable: bool = True, check: Callable[[Record, int | None], None] | None = None
) -> Setter:
    def setter(record: Record, value: Any) -> None:
        number = as_int(field, value, nullable=nullable)
        if check is not None:
            check(record, number)
        record[field] = number

    return setter


def as_decimal(name: str, value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise invalid_body(name, f"The {name} field must be a number.")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise invalid_body(name, f"The {name} field must be a number.") from None


def set_decimal(field: str) -> Setter:
    def setter(record: Record, value: Any) -> None:
        record[field] = as_decimal(field, value)

    return setter


def set_date(field: str) -> Setter:
    def setter(record: Record, value: Any) -> None:
        if value is None:
            record[field] = None
            return
        try:
            record[field] = date.fromisoformat(str(value)[:10])
        except ValueError:
            raise invalid_body(field, f"The {field} field must be a date (YYYY-MM-DD).") from None

    return setter


def set_reference(field: str, table: dict[str, Record], *, nullable: bool = True) -> Setter:
    """``/<field>/guid``: the guid of an existing record (stored as ``<field>Guid``)."""

    def setter(record: Record, value: Any) -> None:
        if value is None and nullable:
            record[f"_{field}"] = None
            return
        if not isinstance(value, str) or value.lower() not in table:
            raise invalid_body(f"{field}.guid", f"No {field} with guid '{value}'.")
        record[f"_{field}"] = value.lower()

    return setter
