"""e-conomic's plain collections as the shared generic CRUD handlers see them (``sandbox.crud``).

One :func:`collection_resource` per top-level table of the state (customers, customer and supplier groups,
suppliers, products, product groups, units, payment terms, layouts, employees, VAT zones, accounts,
currencies, accounting years, journals): ``GET`` list and one, ``POST`` and ``DELETE`` for the writable ones
go through :func:`~ledgerbridge.sandbox.crud.register_crud`. What e-conomic adds is here and in the sandbox's
rules: numbers in paths decoded (``decode_id``; ``/customers/abc`` is no customer), lists in e-conomic's
envelope (paging, ``filter``, ``sort``, ``metaData``: ``_EconomicApi.collection``), a create validated by
``validation.validate_write`` and answered 201 with ``Location``, a delete refused while other records
refer to the record. ``PUT`` stays a hand-written handler in ``routes.py``: e-conomic's PUT creates a
missing record (201), which the generic replace (404 when missing) does not do.

Rendering needs the request's base URL (every ``self`` link is absolute). The generic handlers render a
record without the request, so the hooks that see the request first (``find``, ``create``, the list
answer) keep its base in :data:`REQUEST_BASE`, a context variable: one value per request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from starlette.responses import Response

from ledgerbridge.sandbox.crud import Record
from ledgerbridge.sandbox.crud import Resource as CrudResource
from ledgerbridge.sandbox.routes import Call, HttpError
from ledgerbridge.systems.economic.links import decode_id
from ledgerbridge.systems.economic.sandbox.errors import NOT_FOUND, EconomicJSONResponse, legacy_error
from ledgerbridge.systems.economic.sandbox.render import Renderer
from ledgerbridge.systems.economic.sandbox.resources import SPECS, ResourceSpec
from ledgerbridge.systems.economic.sandbox.state import get_path
from ledgerbridge.systems.economic.sandbox.validation import validate_write

if TYPE_CHECKING:
    from ledgerbridge.systems.economic.sandbox.app import _EconomicApi

ID = "id"  # the path parameter naming one record
REQUEST_BASE: ContextVar[str] = ContextVar("economic_request_base")


def base_of(call: Call) -> str:
    """The request's base URL (what every link starts with), kept for the renderer."""
    base = str(call.request.base_url).rstrip("/")
    REQUEST_BASE.set(base)
    return base


@dataclass
class EconomicCollection(CrudResource):
    """A top-level table of the state; ``find`` decodes the number in the path as e-conomic does."""

    spec: ResourceSpec = field(default=None)  # type: ignore[assignment]  # always given

    def key_of(self, call: Call) -> Any:
        """The record's key the path names, or None when the text cannot be one (``/customers/abc``)."""
        return self.spec.key_from_text(decode_id(call.params[self.key]))

    def shown_key(self, call: Call) -> Any:
        """The record's key as a 404 names it."""
        return self.key_of(call)

    def find(self, call: Call) -> Record:
        base_of(call)
        key = self.key_of(call)
        record = self.rows(call).get(key) if key is not None else None
        if record is None:
            raise HttpError(self.missing(call))
        return record


def _respond(status: int, body: Any, headers: dict[str, str]) -> Response:
    if status == 201 and isinstance(body, dict) and isinstance(body.get("self"), str):
        headers = {**headers, "Location": body["self"]}  # a create answers where the record lives
    return EconomicJSONResponse(body, status_code=status, headers=headers or None)


CUSTOMER = "customerNumber"  # the path parameter naming the customer of a contact or delivery location
JOURNAL = "journalNumber"  # the path parameter naming the journal of an entry or voucher


def parent_of(api: _EconomicApi, parent: ResourceSpec, param: str) -> Callable[[Call], Any]:
    """The number of the parent record the path's ``param`` names; an unknown one is the parent's 404."""
    state = api.state

    def number(call: Call) -> Any:
        found = parent.key_from_text(call.params[param])
        with state.lock:
            if found is None or not state.exists(parent.name, found):
                raise HttpError(api._not_found(parent, call.params[param], base_of(call)))
        return found

    return number


R = TypeVar("R", bound=EconomicCollection)


def below_parent(api: _EconomicApi, resource: R, parent: ResourceSpec, param: str, link: str) -> R:
    """``resource`` as the rows of one parent record (``/customers/{customerNumber}/contacts``,
    ``/journals/{journalNumber}/entries``): a row belongs to the parent whose number is at ``link`` in it
    (a row of another parent is not found here), an unknown parent is the parent's 404, and the list and
    the 404s name the collection below the parent."""
    state, spec = api.state, resource.spec
    number_of = parent_of(api, parent, param)

    def route_of(call: Call) -> str:
        return f"{parent.path}/{number_of(call)}/{spec.path}"

    def mine(number: Any) -> Callable[[Mapping[str, Any]], bool]:
        return lambda record: get_path(record, link) == number

    def rows(call: Call) -> dict[str, Record]:
        number = number_of(call)
        with state.lock:
            own = {k: r for k, r in state.tables[spec.name].items() if mine(number)(r)}
        return cast(dict[str, Record], own)

    def missing(call: Call) -> Response:
        return api._not_found(spec, resource.shown_key(call), base_of(call), route_of(call))

    def answer_list(call: Call, records: list[Record]) -> Response:
        number = number_of(call)
        return api.collection(call.request, spec, base_of(call), route=route_of(call), select=mine(number))

    resource.rows, resource.missing, resource.answer_list = rows, missing, answer_list
    return resource


def customer_child_resource(api: _EconomicApi, spec: ResourceSpec) -> EconomicCollection:
    """A customer's contacts or delivery locations (``/customers/{customerNumber}/<spec.route>``, the rows
    the customer's own: :func:`below_parent`); a create belongs to the path's customer and gets the next
    ``sortKey`` of that customer's records."""
    state, customers = api.state, SPECS["customers"]
    customer_of = parent_of(api, customers, CUSTOMER)

    def create(call: Call, body: Any) -> Record:
        base, number = base_of(call), customer_of(call)
        with state.lock:
            key, record = validate_write(state, spec, body, base=base, path_key=None, existing=None)
            record["customer"] = {"customerNumber": number}
            if "sortKey" not in record:
                record["sortKey"] = state.next_sort_key(spec.name, number)
            state.insert(spec.name, record, keep_last_updated=False)
            return state.tables[spec.name][key]

    resource = collection_resource(api, spec)
    resource.create = create
    return below_parent(api, resource, customers, CUSTOMER, "customer.customerNumber")


def collection_resource(api: _EconomicApi, spec: ResourceSpec) -> EconomicCollection:
    """``state.tables[spec.name]`` for the generic handlers, with e-conomic's rules as hooks."""
    state = api.state

    def render(record: Record) -> Any:
        with state.lock:
            return Renderer(state, REQUEST_BASE.get()).render(spec.name, record, single=True)

    def missing(call: Call) -> Response:
        base = base_of(call)
        return api._not_found(spec, spec.key_from_text(decode_id(call.params[ID])), base)

    def answer_list(call: Call, records: list[Record]) -> Response:
        # The envelope pages, filters and sorts the table itself (records: all of it, unselected).
        return api.collection(call.request, spec, base_of(call))

    def create(call: Call, body: Any) -> Record:
        base = base_of(call)
        with state.lock:  # number assignment and insert must not interleave with another write
            key, record = validate_write(state, spec, body, base=base, path_key=None, existing=None)
            state.insert(spec.name, record, keep_last_updated=False)
            return state.tables[spec.name][key]

    def read_body(call: Call) -> Awaitable[Any]:
        return api._body(call.request)

    def before_delete(call: Call, record: Record) -> None:
        api.check_deletable(spec, record[spec.key])

    def delete(call: Call, record: Record) -> None:
        api.remove(spec, record[spec.key])

    return EconomicCollection(
        name=spec.name,
        # e-conomic's keys are numbers or text; the generic handlers only pass them through.
        rows=lambda call: cast(dict[str, Record], state.tables[spec.name]),
        render=render,
        respond=_respond,
        missing=missing,
        key=ID,
        answer_list=answer_list,
        create=create,
        body=read_body,
        before_delete=before_delete,
        delete=delete,
        spec=spec,
    )


# -- documents and journal entries ----------------------------------------------------------------


@dataclass
class DocumentCollection(EconomicCollection):
    """Draft, booked and sent invoices, orders, a journal's entries: the number in the path is taken as
    it is (no ``decode_id``: document numbers are integers), and a missing one is named as e-conomic's
    document handlers always named it — the parsed key on GET (``'None'`` for text), the path's text
    on DELETE."""

    def key_of(self, call: Call) -> Any:
        return self.spec.key_from_text(call.params[self.key])

    def shown_key(self, call: Call) -> Any:
        return call.params[self.key] if call.request.method == "DELETE" else self.key_of(call)


def document_resource(
    api: _EconomicApi,
    spec: ResourceSpec,
    *,
    read_only: bool = False,
    create: Callable[[Call, Any], Record] | None = None,
) -> DocumentCollection:
    """A document table (``spec``) for the generic handlers: list in e-conomic's envelope (``read_only``:
    without the ``create`` metaData), get, delete (no reference check: documents are not referred to),
    and ``create`` when the collection takes a POST (the hook stores the record and returns it)."""
    state = api.state
    plain = collection_resource(api, spec)

    def missing(call: Call) -> Response:
        return api._not_found(spec, resource.shown_key(call), base_of(call))

    def answer_list(call: Call, records: list[Record]) -> Response:
        return api.collection(call.request, spec, base_of(call), read_only=read_only)

    def delete(call: Call, record: Record) -> None:
        with state.lock:
            state.delete(spec.name, record[spec.key])

    resource = DocumentCollection(
        name=spec.name,
        rows=plain.rows,
        render=plain.render,
        respond=_respond,
        missing=missing,
        key=ID,
        answer_list=answer_list,
        create=create,
        body=plain.body,
        delete=delete,
        spec=spec,
    )
    return resource


def journal_entries_resource(api: _EconomicApi) -> DocumentCollection:
    """A journal's draft entries (``/journals/{journalNumber}/entries[/{id}]``: list, get, delete), the
    rows the journal's own (:func:`below_parent`)."""
    entries = document_resource(api, SPECS["journal-entries"])
    return below_parent(api, entries, SPECS["journals"], JOURNAL, "journal.journalNumber")


def journal_vouchers_resource(api: _EconomicApi) -> DocumentCollection:
    """A journal's vouchers (``/journals/{journalNumber}/vouchers[/{year}-{number}]``: list and get; the
    POST, which answers an array, stays a handler): no table of their own — a voucher is the journal's
    entries grouped by accounting year and number (``_EconomicApi._vouchers``)."""
    state, entries = api.state, SPECS["journal-entries"]
    plain = journal_entries_resource(api)
    journal_of = parent_of(api, SPECS["journals"], JOURNAL)

    def rows(call: Call) -> dict[Any, Record]:
        journal = journal_of(call)
        with state.lock:
            grouped = api._vouchers(journal)
        return {
            key: {"journal": journal, "year": key[0], "number": key[1], "entries": found}
            for key, found in grouped.items()
        }

    def render(record: Record) -> Any:
        with state.lock:
            renderer = Renderer(state, REQUEST_BASE.get())
            return renderer.voucher(record["journal"], record["year"], record["number"], record["entries"])

    def missing(call: Call) -> Response:
        journal, base = journal_of(call), base_of(call)
        return legacy_error(
            404,
            f"voucher '{call.params[ID]}' does not exist in journal {journal}.",
            error_code=NOT_FOUND,
            developer_hint=f"Find a list of vouchers at {base}/journals/{journal}/vouchers.",
        )

    def answer_list(call: Call, records: list[Record]) -> Response:
        journal, base = journal_of(call), base_of(call)
        return api.collection(
            call.request,
            entries,
            base,
            route=f"journals/{journal}/vouchers",
            documents_=[render(r) for r in records],
            filterable={},
            create_description="Create a new voucher.",
        )

    resource = VoucherCollection(
        name="journal-vouchers",
        rows=cast(Callable[[Call], dict[str, Record]], rows),
        render=render,
        respond=_respond,
        missing=missing,
        key=ID,
        answer_list=answer_list,
        body=plain.body,
        spec=entries,
    )
    return resource


@dataclass
class VoucherCollection(DocumentCollection):
    """Vouchers are named ``{year}-{number}`` (``_8_``-style tokens decoded, as e-conomic encodes ids)."""

    def key_of(self, call: Call) -> Any:
        year, _, number = decode_id(call.params[self.key]).rpartition("-")
        return (year, int(number) if number.isdigit() else -1)
