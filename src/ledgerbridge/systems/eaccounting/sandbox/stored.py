"""eAccounting's records as the shared generic CRUD handlers see them (:mod:`ledgerbridge.sandbox.crud`).

One :func:`stored_resource` per collection the state keeps: the ids in paths are GUIDs matched without
case, lists come in the ``{Meta, Data}`` envelope with ``$filter``/``$page``, bodies are read with
Decimals, DELETE answers 200 with no body.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from ledgerbridge.sandbox.crud import Record
from ledgerbridge.sandbox.crud import Resource as CrudResource
from ledgerbridge.sandbox.routes import Call, HttpError
from ledgerbridge.systems.eaccounting.sandbox.resources import RESOURCES
from ledgerbridge.systems.eaccounting.sandbox.state import EAccountingState
from ledgerbridge.systems.eaccounting.sandbox.wire import (
    GUID,
    json_response,
    no_route,
    not_found,
    page_of,
    read_body,
    resource_filter_fields,
)

ID = "id"  # the path parameter naming one record


@dataclass
class StoredResource(CrudResource):
    """A collection of the state; ``find`` matches the GUID in the path without case."""

    def find(self, call: Call) -> Record:
        record = self.rows(call).get(call.params[self.key].lower())
        if record is None:
            raise HttpError(self.missing(call))
        return record


def _respond(status: int, body: Any, headers: dict[str, str]) -> Response:
    return json_response(body, status, headers or None)


def _body(call: Call) -> Awaitable[dict[str, Any]]:
    return read_body(call.request)


def _deleter(state: EAccountingState, name: str) -> Callable[[Call, Record], None]:
    def delete(call: Call, record: Record) -> None:
        state.delete(name, record["Id"])

    return delete


def missing_as(what: str) -> Callable[[Call], Response]:
    """404 "The <what> <id> was not found." (ids that are no GUID too): documents answer so."""

    def missing(call: Call) -> Response:
        return not_found(f"{what} {call.params[ID]}").response

    return missing


def missing_or_no_route(name: str) -> Callable[[Call], Response]:
    """The generic resources: an id that is no GUID matches no route (404 "No HTTP resource…")."""

    def missing(call: Call) -> Response:
        if not GUID.match(call.params[ID]):
            return no_route(call.request.url.path).response
        return not_found(f"{name} {call.params[ID]}").response

    return missing


def listing(state: EAccountingState, name: str) -> Callable[[Call, list[Record]], Response]:
    """A list answer: the records as GET shows them, filtered and paged."""
    fields = resource_filter_fields(RESOURCES[name])

    def answer(call: Call, records: list[Record]) -> Response:
        with state.lock:
            shown = [state.render(name, record) for record in records]
        return page_of(call.request, shown, fields, state.now_text())

    return answer


def stored_resource(
    state: EAccountingState,
    name: str,
    *,
    missing: Callable[[Call], Response],
    create: Callable[[Call, Any], Record] | None = None,
    replace: Callable[[Call, Record, Any], Record] | None = None,
) -> StoredResource:
    """``state.records[name]`` for the generic handlers; ``create``/``replace`` answer the stored record."""
    return StoredResource(
        name=name,
        rows=lambda call: state.records[name],
        render=lambda record: state.render(name, record),
        respond=_respond,
        missing=missing,
        key=ID,
        create=create,
        replace=replace,
        delete=_deleter(state, name),
        answer_list=listing(state, name),
        body=_body,
        deleted_status=200,
    )
