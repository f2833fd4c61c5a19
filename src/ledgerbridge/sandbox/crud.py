"""Generic list / get / create / patch / delete handlers over a plain in-memory table.

A sandbox describes one resource with a :class:`Resource`: where its records live (a ``dict`` of id →
record owned by the sandbox's state, which imports nothing), how a record is rendered, and the hooks that
make the API's rules (validation on create, how a patch body applies, what may not be deleted, filters and
paging). :func:`register_crud` then adds the chosen operations to a
:class:`~ledgerbridge.sandbox.routes.RouteTable`. Anything special stays a hand-written handler next to
these.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from ledgerbridge.sandbox.routes import Call, Handler, HttpError, RouteTable

Record = dict[str, Any]
Headers = dict[str, str]


def _no_filter(call: Call, records: list[Record]) -> list[Record]:
    return records


def _everything(call: Call, records: list[Record]) -> tuple[list[Record], Headers]:
    return records, {}


def _nothing_to_check(call: Call, record: Record) -> None:
    return None


def _json_body(call: Call) -> Awaitable[Any]:
    return call.json()


@dataclass
class Resource:
    """One resource of an emulated API, as the generic handlers need it.

    ``rows(call)`` gives the table (or the part of it under a parent in the path); ``respond(status,
    body, headers)`` builds a response in the API's dialect; ``missing(call)`` the 404 answer.
    ``answer_list`` replaces ``page`` + ``respond`` for APIs whose lists come in an envelope built from
    the rendered records (counts, server time); ``body`` reads a request body the API's way (default:
    :meth:`Call.json`).
    """

    name: str
    rows: Callable[[Call], dict[str, Record]]
    render: Callable[[Record], Any]
    respond: Callable[[int, Any, Headers], Response]
    missing: Callable[[Call], Response]
    key: str = "guid"  # the path parameter naming one record
    select: Callable[[Call, list[Record]], list[Record]] = _no_filter  # filters of a list call
    page: Callable[[Call, list[Record]], tuple[list[Record], Headers]] = _everything
    create: Callable[[Call, Any], Record] | None = None  # body → new stored record (validates; raises)
    patch: Callable[[Call, Record, Any], None] | None = None  # applies a body to a stored record
    before_delete: Callable[[Call, Record], None] = _nothing_to_check  # raises HttpError to refuse
    delete: Callable[[Call, Record], None] | None = None  # removes; default: pop from ``rows``
    replace: Callable[[Call, Record, Any], Record] | None = None  # PUT: body → the stored replacement
    answer_list: Callable[[Call, list[Record]], Response] | None = None  # selected records → the answer
    body: Callable[[Call], Awaitable[Any]] = _json_body
    deleted_status: int = 204  # what a DELETE answers (no body)
    extra: dict[str, Any] = field(default_factory=dict)

    def find(self, call: Call) -> Record:
        record = self.rows(call).get(call.params[self.key])
        if record is None:
            raise HttpError(self.missing(call))
        return record


def where_equal(records: list[Record], field: str, wanted: Any) -> list[Record]:
    """The records whose ``field`` equals ``wanted`` — a list filter; all of them when the filter is not
    given (``wanted`` is ``None``)."""
    if wanted is None:
        return records
    return [r for r in records if r[field] == wanted]


def where_contains(records: list[Record], field: str, text: str | None) -> list[Record]:
    """The records whose ``field`` contains ``text``, ignoring case — a search filter; all of them when no
    text is given."""
    if not text:
        return records
    needle = text.lower()
    return [r for r in records if needle in r[field].lower()]


def list_handler(resource: Resource) -> Handler:
    async def handle(call: Call) -> Response:
        records = resource.select(call, list(resource.rows(call).values()))
        if resource.answer_list is not None:
            return resource.answer_list(call, records)
        page, headers = resource.page(call, records)
        return resource.respond(200, [resource.render(r) for r in page], headers)

    return handle


def get_handler(resource: Resource) -> Handler:
    async def handle(call: Call) -> Response:
        return resource.respond(200, resource.render(resource.find(call)), {})

    return handle


def create_handler(resource: Resource, *, status: int = 201, as_array: bool = False) -> Handler:
    create = resource.create
    if create is None:
        raise ValueError(f"{resource.name} has no create hook")

    async def handle(call: Call) -> Response:
        record = create(call, await resource.body(call))
        body = resource.render(record)
        return resource.respond(status, [body] if as_array else body, {})

    return handle


def patch_handler(resource: Resource, *, as_array: bool = False) -> Handler:
    patch = resource.patch
    if patch is None:
        raise ValueError(f"{resource.name} has no patch hook")

    async def handle(call: Call) -> Response:
        record = resource.find(call)
        patch(call, record, await resource.body(call))
        body = resource.render(record)
        return resource.respond(200, [body] if as_array else body, {})

    return handle


def replace_handler(resource: Resource) -> Handler:
    replace = resource.replace
    if replace is None:
        raise ValueError(f"{resource.name} has no replace hook")

    async def handle(call: Call) -> Response:
        record = replace(call, resource.find(call), await resource.body(call))
        return resource.respond(200, resource.render(record), {})

    return handle


def delete_handler(resource: Resource) -> Handler:
    async def handle(call: Call) -> Response:
        record = resource.find(call)
        resource.before_delete(call, record)
        if resource.delete is not None:
            resource.delete(call, record)
        else:
            resource.rows(call).pop(call.params[resource.key], None)
        return Response(status_code=resource.deleted_status)

    return handle


def register_crud(
    table: RouteTable,
    resource: Resource,
    *,
    collection: str | None = None,
    item: str | None = None,
    operations: str = "LGCPD",
    patch_as_array: bool = False,
    create_as_array: bool = False,
    created_status: int = 201,
    **meta: Any,
) -> None:
    """Add the operations named by letters (L list, G get, C create, P patch, U put/replace, D delete).

    ``collection`` serves L and C, ``item`` serves G, P, U and D; ``meta`` goes on every route (per-method
    overrides: ``meta_L={...}`` etc.); ``created_status`` is what C answers (some APIs answer a create 200).
    """
    per_op = {letter: meta.pop(f"meta_{letter}", {}) for letter in "LGCPUD"}
    plan: list[tuple[str, str, str | None, Callable[[], Handler]]] = [
        ("L", "GET", collection, lambda: list_handler(resource)),
        (
            "C",
            "POST",
            collection,
            lambda: create_handler(resource, status=created_status, as_array=create_as_array),
        ),
        ("G", "GET", item, lambda: get_handler(resource)),
        ("P", "PATCH", item, lambda: patch_handler(resource, as_array=patch_as_array)),
        ("U", "PUT", item, lambda: replace_handler(resource)),
        ("D", "DELETE", item, lambda: delete_handler(resource)),
    ]
    for letter, method, path, make in plan:
        if letter not in operations:
            continue
        if path is None:
            raise ValueError(f"{resource.name}: operation {letter} needs a path")
        table.add(method, path, make(), **{**meta, **per_op[letter]})
