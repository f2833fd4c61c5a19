"""The sandbox's in-memory Rackbeat account: records, stock, webhooks, company settings and a write log.

Tests use the same object the HTTP app uses (``app.rackbeat_state``) to seed data and to check what
the integration wrote. Every public method takes the one lock, so the uvicorn thread and the test
thread can both use it.

Webhooks: the API's writes fire events (``emit=True``, unless ``suppress_webhooks``). The Python
methods are quiet by default, so seeding data sends nothing; pass ``emit=True`` to act as a Rackbeat
user working in the UI would (``state.update("customers", 1, {...}, emit=True)``). The methods named
after a user's action, :meth:`RackbeatState.book_customer_invoice`,
:meth:`RackbeatState.book_supplier_invoice` and :meth:`RackbeatState.book_order`, emit by default.
:meth:`RackbeatState.emit` fires an event without touching data. An order's lines have their own
methods (:meth:`RackbeatState.lines`, ``line``, ``add_line``, ``update_line``, ``delete_line``).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Literal
from urllib.parse import unquote

import httpx

from ledgerbridge.systems.rackbeat.sandbox import money
from ledgerbridge.systems.rackbeat.sandbox.errors import SandboxNotFoundError, SandboxValidationError
from ledgerbridge.systems.rackbeat.sandbox.resources import (
    BASE_CURRENCY,
    COMPANY_SETTING_KEYS,
    CURRENCY_RATES,
    PAYMENT_TERM_TYPES,
    RESOURCES,
    SUB_RESOURCES,
    VAT_BY_ZONE,
    ResourceSpec,
    attribute,
    event_name,
    msg_taken,
    urlfriendly,
    validate,
    validate_company,
    validate_line,
)
from ledgerbridge.systems.rackbeat.sandbox.webhooks import WebhookHub

__all__ = [
    "RackbeatState",
    "SandboxNotFoundError",
    "SandboxValidationError",
    "WriteLogEntry",
    "iso",
    "utcnow",
]

WriteAction = Literal["create", "update", "delete", "book"]
RowFilter = Callable[[dict[str, Any]], bool]
_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
BOOKED_CHANGE = "A booked invoice cannot be changed."
BOOKED_DELETE = "A booked invoice cannot be deleted."
ALREADY_BOOKED = "The invoice is already booked."
NO_LINES = "The invoice must have at least one line."


def _message(template: str, spec: ResourceSpec) -> str:
    """One of the messages above for ``spec``'s kind of document ("A booked order cannot be changed.")."""
    return template.replace("invoice", spec.noun)


# Invoice fields copied from the customer/supplier when a create leaves them out:
# invoice field -> party field.
_CUSTOMER_DEFAULTS = {
    "address_name": "name",
    "address_street": "address_street",
    "address_street2": "address_street2",
    "address_zipcode": "address_zipcode",
    "address_city": "address_city",
    "address_country": "address_country",
    "vat_zone": "vat_zone",
    "currency": "currency",
    "layout_id": "layout_id",
    "payment_terms_id": "payment_terms_id",
    "ean": "ean",
    "company_vat": "company_vat",
    "locale": "locale",
    "attention": "attention",
    "their_reference": "their_reference",
    "our_reference_id": "employee_id",
}
_SUPPLIER_DEFAULTS = {
    "vat_zone": "vat_zone",
    "currency": "currency",
    "layout_id": "layout_id",
    "payment_terms_id": "payment_terms_id",
}
_DELIVERY_DEFAULTS = ("name", "street", "street2", "zipcode", "city", "country")


def utcnow() -> datetime:
    """Now, in UTC, to the second (Rackbeat timestamps carry no fractions)."""
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    """ISO-8601 with offset, the ``Y-m-d\\TH:i:sP`` format Rackbeat's SDK parses."""
    return moment.isoformat(timespec="seconds")


@dataclass(frozen=True)
class WriteLogEntry:
    """One write made through the HTTP API.

    The app passes ``log=True``; writes a test makes through the state's Python API (``add``,
    ``update``, ``delete``) are not logged, so the log shows only what a client did. Writes to a
    customer's contacts and addresses are logged as ``customer-contacts``/``customer-addresses``;
    booking an invoice or an order is the action ``book``. Writes to an order's lines
    (``/orders/{n}/lines``) are logged as ``order-lines`` with ``key`` the order's number and ``id``
    the line's id.
    """

    resource: str
    action: WriteAction
    key: int | str
    id: int
    suppress_webhooks: bool
    payload: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=utcnow)


def _default_company(name: str) -> dict[str, Any]:
    company: dict[str, Any] = dict.fromkeys(COMPANY_SETTING_KEYS)
    company.update(name=name, address_country="Denmark")
    return company


def _as_decimal(value: Any, what: str) -> Decimal:
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation as exc:
        raise ValueError(f"{what} must be a number, not {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"{what} must be a finite number")
    return amount


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class RackbeatState:
    """All data of one emulated Rackbeat account.

    Records are stored by internal ``id``; references between records are stored as ids too and shown
    as the referenced record's current business number, as Rackbeat's database does. ``clock``
    returns the (aware) time used for ``created_at``/``updated_at`` and for stock movements.
    ``webhooks`` is the account's :class:`~.webhooks.WebhookHub`; ``webhook_transport`` (an httpx
    transport) replaces the network for its deliveries.
    """

    def __init__(
        self,
        *,
        account_id: int = 1,
        company_name: str = "Rackbeat Sandbox ApS",
        user: Mapping[str, Any] | None = None,
        clock: Callable[[], datetime] = utcnow,
        webhook_transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self.account_id = account_id
        self.user: dict[str, Any] = dict(
            user or {"id": 1, "name": "Sandbox User", "email": "sandbox@example.com"}
        )
        self._company_name = company_name
        self.webhooks = WebhookHub(
            account_id=lambda: self.account_id, clock=self._clock, transport=webhook_transport
        )
        self.reset()

    # -- housekeeping ----------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget every record, stock movement, setting change, logged write and webhook; back to DKK."""
        with self._lock:
            self._rows: dict[str, dict[int, dict[str, Any]]] = {path: {} for path in RESOURCES}
            self._keys: dict[str, dict[int | str, int]] = {path: {} for path in RESOURCES}
            self._next_id: dict[str, int] = dict.fromkeys(RESOURCES, 1)
            self._children: dict[str, dict[int, dict[str, Any]]] = {
                s.path: {} for s in SUB_RESOURCES.values()
            }
            self._next_child_id: dict[str, int] = {s.path: 1 for s in SUB_RESOURCES.values()}
            self._movements: dict[int, list[money.Movement]] = {}
            self._next_movement = 1
            self._next_line = 1
            self._writes: list[WriteLogEntry] = []
            self._settings: dict[str, Any] = {"company": _default_company(self._company_name)}
            self.base_currency = BASE_CURRENCY
            self.currency_rates: dict[str, Decimal] = dict(CURRENCY_RATES)
            self.webhooks.reset()

    @staticmethod
    def spec(resource: str) -> ResourceSpec:
        """The definition of ``resource`` (a path such as ``"payment-terms"``); KeyError if unknown."""
        return RESOURCES[resource]

    # -- reading ---------------------------------------------------------------------------------
    def records(self, resource: str, *, base_url: str = "") -> list[dict[str, Any]]:
        """Every record of ``resource`` as the API shows it, ordered by key."""
        return self.query(resource, base_url=base_url)

    def get(self, resource: str, key: Any, *, base_url: str = "") -> dict[str, Any] | None:
        """One record as the API shows it, or None. ``key`` may be a number or its URL-friendly form."""
        spec = self.spec(resource)
        with self._lock:
            row_id = self._find_id(spec, key)
            return None if row_id is None else self._render(spec, self._rows[resource][row_id], base_url)

    def query(
        self,
        resource: str,
        *,
        base_url: str = "",
        search: str | None = None,
        is_barred: bool | None = None,
        updated_from: datetime | None = None,
        updated_to: datetime | None = None,
        order_by: str | None = None,
        descending: bool = False,
        where: RowFilter | None = None,
    ) -> list[dict[str, Any]]:
        """The matching records, rendered and sorted (by key unless ``order_by`` names a field).

        ``where`` is an extra test on the stored row (the app's ``is_booked``, ``invoice_date_from``...).
        """
        spec = self.spec(resource)
        with self._lock:
            rows = _filter(
                spec, self._rows[resource].values(), search, is_barred, updated_from, updated_to, where
            )
            rendered = [self._render(spec, r, base_url) for r in rows]
        return _sorted(rendered, order_by or spec.key_field, descending)

    def sortable_fields(self, resource: str | ResourceSpec) -> set[str]:
        """The fields ``order_by`` accepts: the scalar ones every record carries."""
        spec = resource if isinstance(resource, ResourceSpec) else self.spec(resource)
        names = {"id", spec.key_field, "created_at", "updated_at"}
        names.update(f.name for f in spec.fields if f.kind != "lines" and not (f.ref and f.accepts_object))
        if spec.document:
            names.update({"is_booked", "booked_at", "total_subtotal", "total_vat", "total_total"})
        if spec.item_type:
            names.update({"cost_price", "stock_quantity"} if spec.item_type == "product" else {"cost_price"})
        return names

    # -- writing ---------------------------------------------------------------------------------
    def add(self, resource: str, data: Mapping[str, Any], *, base_url: str = "") -> dict[str, Any]:
        """Seed a record, validated like a POST but neither logged as an API write nor fired as an event."""
        return self.create(resource, data, base_url=base_url, log=False)

    def create(
        self,
        resource: str,
        data: Mapping[str, Any],
        *,
        suppress_webhooks: bool = False,
        base_url: str = "",
        log: bool = False,
        emit: bool = False,
    ) -> dict[str, Any]:
        """Validate and store a new record; return it as the API shows it.

        ``log`` records it as an API write; ``emit`` fires the ``<resource>.created`` webhook event.
        Invoices are created as drafts. Raises :class:`SandboxValidationError` with Laravel's error map.
        """
        spec = self.spec(resource)
        if resource in ("customers", "suppliers") and not data.get("currency"):
            data = {**data, "currency": self.base_currency}  # a party trades in the company's currency
        with self._lock:
            values, errors = validate(spec, data, creating=True, lookup=self._lookup)
            key = None if spec.server_keyed else values.pop(spec.key_field, None)
            if key is not None and key in self._keys[resource] and spec.key_field not in errors:
                errors[spec.key_field] = [msg_taken(spec.key_field)]
            if spec.document and not errors:
                errors.update(self._document_defaults(spec, values))
            if errors:
                raise SandboxValidationError(errors)
            row_id = self._next_id[resource]
            self._next_id[resource] += 1
            if spec.server_keyed:
                key = row_id
            elif key is None:
                key = self._next_number(spec)
            now = self._clock()
            row: dict[str, Any] = {"id": row_id}
            if not spec.server_keyed:
                row[spec.key_field] = key
            for f in spec.fields:
                if f.name != spec.key_field and f.kind != "lines":
                    row[f.name] = values.get(f.name, f.default)
            if spec.field("lines") is not None:
                row["lines"] = self._build_lines(spec, row, values.get("lines") or [], [])
            if spec.document:
                row.update(is_booked=False, booked_at=None)
                if spec.document == "supplier":
                    row["is_received"] = False
            row["created_at"] = row["updated_at"] = now
            self._rows[resource][row_id] = row
            self._keys[resource][key] = row_id
            self._after_write(spec, row)
            if log:
                self._log(resource, "create", key, row_id, suppress_webhooks, data)
            if emit:
                self._fire(resource, "created", key)
            return self._render(spec, row, base_url)

    def update(
        self,
        resource: str,
        key: Any,
        data: Mapping[str, Any],
        *,
        suppress_webhooks: bool = False,
        base_url: str = "",
        log: bool = False,
        emit: bool = False,
    ) -> dict[str, Any]:
        """Change the fields ``data`` carries (omitted fields are kept); return the record.

        ``updated_at`` moves, and ``emit`` fires ``<resource>.updated``, only when a value changed, as
        Eloquent's dirty check does. A booked invoice refuses every change but ``is_sent``, a booked
        order every change but ``note`` and ``heading``.
        """
        spec = self.spec(resource)
        with self._lock:
            row = self._row(spec, key)
            values, errors = validate(spec, data, creating=False, lookup=self._lookup)
            old_key = row[spec.key_field]
            new_key = old_key if spec.server_keyed else values.pop(spec.key_field, old_key)
            if new_key != old_key and new_key in self._keys[resource] and spec.key_field not in errors:
                errors[spec.key_field] = [msg_taken(spec.key_field)]
            if errors:
                raise SandboxValidationError(errors)
            clean_lines = values.pop("lines", None)
            changed = {k for k, v in values.items() if row.get(k) != v}
            if new_key != old_key:
                changed.add(spec.key_field)
            new_lines = None
            if clean_lines is not None:
                new_lines = self._build_lines(spec, {**row, **values}, clean_lines, row["lines"])
                if _signature(new_lines) != _signature(row["lines"]):
                    changed.add("lines")
            if spec.document and row["is_booked"] and changed - spec.booked_editable:
                message = _message(BOOKED_CHANGE, spec)
                raise SandboxValidationError({"is_booked": [message]}, message)
            row.update(values)
            if "lines" in changed and new_lines is not None:
                row["lines"] = new_lines
            if new_key != old_key:
                del self._keys[resource][old_key]
                row[spec.key_field] = new_key
                self._keys[resource][new_key] = row["id"]
            if changed:
                row["updated_at"] = self._clock()
            self._after_write(spec, row)
            if log:
                self._log(resource, "update", new_key, row["id"], suppress_webhooks, data)
            if emit and changed:
                self._fire(resource, "updated", new_key)
            return self._render(spec, row, base_url)

    def delete(
        self,
        resource: str,
        key: Any,
        *,
        suppress_webhooks: bool = False,
        log: bool = False,
        emit: bool = False,
    ) -> None:
        """Remove a record. A record other records point at is refused (422 on the key field), and so is
        a booked invoice. A customer's contacts and addresses go with it."""
        spec = self.spec(resource)
        with self._lock:
            row = self._row(spec, key)
            if spec.document and row["is_booked"]:
                message = _message(BOOKED_DELETE, spec)
                raise SandboxValidationError({"is_booked": [message]}, message)
            for other, users in self._users_of(resource, row["id"]):
                noun = attribute(other.plural) if users > 1 else attribute(other.singular)
                raise SandboxValidationError(
                    {
                        spec.key_field: [
                            f"The {attribute(spec.singular)} cannot be deleted because it is used by "
                            f"{users} {noun}."
                        ]
                    }
                )
            del self._rows[resource][row["id"]]
            del self._keys[resource][row[spec.key_field]]
            if resource == "customers":
                for children in self._children.values():
                    for child_id in [i for i, c in children.items() if c["parent"] == row["id"]]:
                        del children[child_id]
            if resource == "products":
                self._movements.pop(row["id"], None)
            if log:
                self._log(resource, "delete", row[spec.key_field], row["id"], suppress_webhooks, {})
            if emit:
                self._fire(resource, "deleted", row[spec.key_field])

    def writes(self, resource: str | None = None) -> list[WriteLogEntry]:
        """API writes in order, optionally only those to ``resource``."""
        with self._lock:
            return [w for w in self._writes if resource is None or w.resource == resource]

    # -- webhooks --------------------------------------------------------------------------------
    def emit(self, event: str, key: Any) -> list[int]:
        """Fire a webhook event about the record numbered ``key`` without changing any data.

        Returns the ids of the deliveries queued. ``event`` must be one of the known names.
        """
        return self.webhooks.emit(event, key)

    # -- invoices --------------------------------------------------------------------------------
    def book(
        self,
        resource: str,
        key: Any,
        *,
        send: bool = False,
        mark_received: bool = False,
        use_invoice_date: bool = False,
        suppress_webhooks: bool = False,
        base_url: str = "",
        log: bool = False,
        emit: bool = False,
    ) -> dict[str, Any]:
        """Book a draft invoice (``customer-invoices`` or ``supplier-invoices``) or order; return it.

        Sets ``is_booked`` and ``booked_at`` and moves stock: a customer invoice takes its products out
        (BOM lines take their components), at the average cost; a supplier invoice with
        ``mark_received`` takes its products in at the line's net price in the base currency, dated
        the invoice date when ``use_invoice_date``. ``send`` marks a customer invoice sent (the mail the
        real API would send). Only products whose group has inventory move. ``emit`` fires
        ``customer_invoice.booked``/``supplier_invoice.booked``/``order.booked``. Booking twice, or a
        document without lines, is a 422. An order moves no stock and ignores ``send``.
        """
        spec = self.spec(resource)
        if spec.document is None:
            raise ValueError(f"{resource} cannot be booked")
        with self._lock:
            row = self._row(spec, key)
            if row["is_booked"]:
                message = _message(ALREADY_BOOKED, spec)
                raise SandboxValidationError({"is_booked": [message]}, message)
            if not row["lines"]:
                message = _message(NO_LINES, spec)
                raise SandboxValidationError({"lines": [message]}, message)
            now = self._clock()
            row.update(is_booked=True, booked_at=now, updated_at=now)
            reference = f"{spec.singular}:{row['number']}"
            if spec.is_order:
                pass  # a booked order reserves nothing and moves no stock in the sandbox
            elif spec.document == "customer":
                if send:
                    row["is_sent"] = True
                for product_id, quantity in self._item_quantities(row["lines"]):
                    self._move(product_id, -quantity, None, now, "sale", reference)
            elif mark_received:
                when = now
                if use_invoice_date and row["invoice_date"] is not None:
                    when = datetime.combine(row["invoice_date"], time.min, tzinfo=UTC)
                rate = (row["currency_rate"] or _HUNDRED) / _HUNDRED
                for line in row["lines"]:
                    child = line["child"]
                    if child is None or child[0] != "products" or not line["quantity"]:
                        continue
                    net = line["line_price"] * (_HUNDRED - line["discount_percentage"]) / _HUNDRED
                    cost = net * rate if line["quantity"] > 0 else None
                    self._move(child[1], line["quantity"], cost, when, "purchase", reference)
                row["is_received"] = True
            if log:
                self._log(resource, "book", row["number"], row["id"], suppress_webhooks, {})
            if emit:
                self._fire(resource, "booked", row["number"])
            return self._render(spec, row, base_url)

    def set_base_currency(self, code: str) -> None:
        """The company's base currency (``/self``'s ``base_currency``; SEK for a Swedish company): new
        documents default to it, and the fixed sandbox rates are restated per 100 of it."""
        with self._lock:
            code = code.upper()
            if code not in CURRENCY_RATES:
                raise ValueError(f"no sandbox rate for {code}: use one of {sorted(CURRENCY_RATES)}")
            self.base_currency = code
            self.currency_rates = {
                currency: money.round6(rate * _HUNDRED / CURRENCY_RATES[code])
                for currency, rate in CURRENCY_RATES.items()
            }

    def create_credit_note(
        self, number: int, *, suppress_webhooks: bool = False, base_url: str = "", log: bool = False
    ) -> dict[str, Any]:
        """``POST /customer-invoices/{n}/create-creditnote``: a draft credit note of a booked invoice.

        Rackbeat's API has the call (research: ``create-creditnote``, ``isCreditNote``) but documents no
        body or answer; the sandbox answers a draft customer invoice with the invoice's header, every
        line with its quantity negated (so every amount and total is the invoice's, negated),
        ``is_credit_note: true`` and ``credit_note_for`` (the invoice's number). Booking it is the
        usual ``POST /customer-invoices/{n}/book``. The invoice must be booked (422 otherwise).
        """
        spec = self.spec("customer-invoices")
        with self._lock:
            source = self._render(spec, self._row(spec, number), base_url)
            if not source["is_booked"]:
                message = "Only a booked invoice can be credited."
                raise SandboxValidationError({"is_booked": [message]}, message)
            skip = {"id", "number", "self", "created_at", "updated_at", "is_booked", "is_sent", "booked_at"}
            skip |= {"total_subtotal", "total_vat", "total_total", "customer", "our_reference", "lines"}
            skip |= {"invoice_date", "due_date", "is_credit_note", "credit_note_for"}
            body = {k: v for k, v in source.items() if k not in skip and v is not None}
            body["lines"] = [
                {
                    "child_id": line["child_id"],
                    "name": line["name"],
                    "quantity": -line["quantity"],
                    "line_price": line["line_price"],
                    "discount_percentage": line["discount_percentage"],
                    "vat_percentage": line["vat_percentage"],
                    **({"unit_id": line["unit_id"]} if line.get("unit_id") is not None else {}),
                }
                for line in source["lines"]
            ]
            created = self.create(
                "customer-invoices", body, suppress_webhooks=suppress_webhooks, base_url=base_url, log=log
            )
            row = self._row(spec, created["number"])
            row["is_credit_note"] = True
            row["credit_note_for"] = source["number"]
            return self._render(spec, row, base_url)

    def book_customer_invoice(self, number: int, *, send: bool = False, emit: bool = True) -> dict[str, Any]:
        """Book a customer invoice as a user in Rackbeat's UI would: fires ``customer_invoice.booked``."""
        return self.book("customer-invoices", number, send=send, emit=emit)

    def book_order(self, number: int, *, emit: bool = True) -> dict[str, Any]:
        """Book a sales order as a user in Rackbeat's UI would: fires ``order.booked``."""
        return self.book("orders", number, emit=emit)

    # -- a document's lines (``/orders/{n}/lines``) -----------------------------------------------
    def lines(self, resource: str, key: Any) -> list[dict[str, Any]]:
        """The lines of an order (or invoice) as the API shows them, in document order."""
        spec = self._lined(resource)
        with self._lock:
            return self._render_lines(self._row(spec, key))

    def line(self, resource: str, key: Any, line_id: Any) -> dict[str, Any]:
        """One line by its ``id``; :class:`SandboxNotFoundError` when the document or line is missing."""
        spec = self._lined(resource)
        with self._lock:
            row = self._row(spec, key)
            return self._shown_line(spec, row, self._line_of(spec, row, line_id)["id"])

    def add_line(
        self,
        resource: str,
        key: Any,
        data: Mapping[str, Any],
        *,
        suppress_webhooks: bool = False,
        log: bool = False,
        emit: bool = False,
    ) -> dict[str, Any]:
        """Append a line (validated like one of ``lines``, errors keyed without the ``lines.N.`` prefix);
        the document's ``updated_at`` moves and ``emit`` fires ``<document>.updated``. A booked
        document refuses (422 on ``is_booked``)."""
        spec = self._lined(resource)
        with self._lock:
            row = self._row(spec, key)
            if row["is_booked"]:
                message = _message(BOOKED_CHANGE, spec)
                raise SandboxValidationError({"is_booked": [message]}, message)
            clean, errors = validate_line(_line_kind(spec), data, "", self._lookup)
            if errors:
                raise SandboxValidationError(errors)
            clean.pop("id", None)
            new = self._build_lines(spec, row, [clean], [])[0]
            row["lines"] = [*row["lines"], new]
            self._line_written(spec, row, "create", new["id"], suppress_webhooks, data, log, emit)
            return self._shown_line(spec, row, new["id"])

    def update_line(
        self,
        resource: str,
        key: Any,
        line_id: Any,
        data: Mapping[str, Any],
        *,
        suppress_webhooks: bool = False,
        log: bool = False,
        emit: bool = False,
    ) -> dict[str, Any]:
        """Change the fields ``data`` carries on one line. A new item re-defaults the ``name``,
        ``line_price`` and ``unit_id`` the body leaves out. A real change moves the document's
        ``updated_at`` and fires ``<document>.updated``; on a booked document it is a 422."""
        spec = self._lined(resource)
        with self._lock:
            row = self._row(spec, key)
            stored = self._line_of(spec, row, line_id)
            clean, errors = validate_line(_line_kind(spec), data, "", self._lookup, creating=False)
            if errors:
                raise SandboxValidationError(errors)
            clean.pop("id", None)
            merged = dict(stored)
            if "child" in clean and clean["child"] != stored["child"]:
                for name in ("name", "line_price", "unit_id"):
                    merged.pop(name, None)
            merged.update(clean)
            rebuilt = self._build_lines(spec, row, [merged], [stored])[0]
            changed = _signature([rebuilt]) != _signature([stored])
            if changed and row["is_booked"]:
                message = _message(BOOKED_CHANGE, spec)
                raise SandboxValidationError({"is_booked": [message]}, message)
            if changed:
                row["lines"] = [rebuilt if line is stored else line for line in row["lines"]]
            self._line_written(
                spec, row, "update", stored["id"], suppress_webhooks, data, log, emit and changed, changed
            )
            return self._shown_line(spec, row, stored["id"])

    def delete_line(
        self,
        resource: str,
        key: Any,
        line_id: Any,
        *,
        suppress_webhooks: bool = False,
        log: bool = False,
        emit: bool = False,
    ) -> None:
        """Remove one line (a booked document refuses); the document is touched."""
        spec = self._lined(resource)
        with self._lock:
            row = self._row(spec, key)
            stored = self._line_of(spec, row, line_id)
            if row["is_booked"]:
                message = _message(BOOKED_CHANGE, spec)
                raise SandboxValidationError({"is_booked": [message]}, message)
            row["lines"] = [line for line in row["lines"] if line is not stored]
            self._line_written(spec, row, "delete", stored["id"], suppress_webhooks, {}, log, emit)

    def _lined(self, resource: str) -> ResourceSpec:
        spec = self.spec(resource)
        if spec.document is None:
            raise ValueError(f"{resource} has no document lines")
        return spec

    def _line_of(self, spec: ResourceSpec, row: dict[str, Any], line_id: Any) -> dict[str, Any]:
        wanted = int(line_id) if isinstance(line_id, str) and line_id.isdigit() else line_id
        for line in row["lines"]:
            if line["id"] == wanted:
                return line
        raise SandboxNotFoundError(f"{spec.model}Line", line_id)

    def _shown_line(self, spec: ResourceSpec, row: dict[str, Any], line_id: int) -> dict[str, Any]:
        document = "customer" if spec.document == "customer" else "supplier"
        return next(line for line in self._render_lines(row, document) if line["id"] == line_id)

    def _line_written(
        self,
        spec: ResourceSpec,
        row: dict[str, Any],
        action: WriteAction,
        line_id: int,
        suppress: bool,
        data: Mapping[str, Any],
        log: bool,
        emit: bool,
        changed: bool = True,
    ) -> None:
        """A write through ``/<document>/{n}/lines``: touch the document, log it, fire ``.updated``."""
        if changed:
            row["updated_at"] = self._clock()
        if log:
            resource = f"{spec.singular.replace('_', '-')}-lines"  # "order-lines"
            self._log(resource, action, row[spec.key_field], line_id, suppress, data)
        if emit:
            self._fire(spec.path, "updated", row[spec.key_field])

    def book_supplier_invoice(
        self,
        number: int,
        *,
        mark_received: bool = False,
        use_invoice_date: bool = False,
        emit: bool = True,
    ) -> dict[str, Any]:
        """Book a supplier invoice as a user in Rackbeat's UI would: fires ``supplier_invoice.booked``."""
        return self.book(
            "supplier-invoices",
            number,
            mark_received=mark_received,
            use_invoice_date=use_invoice_date,
            emit=emit,
        )

    # -- stock -----------------------------------------------------------------------------------
    def adjust_stock(
        self,
        number: str,
        quantity: Decimal | int | str,
        unit_cost: Decimal | int | str | None = None,
        at: datetime | None = None,
        *,
        type: str = "adjustment",
        reference: str | None = None,
        emit: bool = False,
    ) -> dict[str, Any]:
        """Record a stock movement of a product; return the product (new ``stock_quantity``, ``cost_price``).

        A positive ``quantity`` comes in at ``unit_cost`` (None: at the current average cost) and moves
        the moving average; a negative one goes out at the average cost (a ``unit_cost`` with it is a
        ValueError). ``at`` (default: now; naive means UTC) may be in the past: averages are replayed
        in time order. ``type`` labels the ledger line. Stock changes do not move ``updated_at``;
        ``emit`` fires ``product.updated``.
        """
        amount = _as_decimal(quantity, "quantity")
        if amount == 0:
            raise ValueError("a stock movement needs a quantity other than 0")
        cost = None if unit_cost is None else _as_decimal(unit_cost, "unit_cost")
        if cost is not None and amount < 0:
            raise ValueError("stock goes out at the average cost: a withdrawal takes no unit_cost")
        if cost is not None and cost < 0:
            raise ValueError("unit_cost must not be negative")
        spec = self.spec("products")
        with self._lock:
            row = self._row(spec, number)
            self._move(row["id"], amount, cost, _aware(at) if at else self._clock(), type, reference)
            if emit:
                self._fire("products", "updated", row["number"])
            return self._render(spec, row, "")

    def valuation(self, day: date | None = None) -> dict[str, Any]:
        """The inventory value at the end of ``day`` (UTC), or now: ``{date, total_value, currency, groups}``.

        Each product is valued at ``round2(stock × average cost)`` from its movements up to then; a
        group's value is the sum of its products' (by the product's group today). Every product group
        with inventory is listed, and any other group holding value; ``total_value`` is their sum.
        """
        with self._lock:
            if day is None:
                until = self._clock()
                day = until.date()
            else:
                until = datetime.combine(day, time.max, tzinfo=UTC)
            per_group: dict[int | None, Decimal] = {}
            for product_id, movements in self._movements.items():
                product = self._rows["products"].get(product_id)
                if product is None:
                    continue
                stock, average = money.position(movements, until=until)
                value = money.stock_value(stock, average)
                per_group[product["group"]] = per_group.get(product["group"], _ZERO) + value
            groups = []
            for group in sorted(self._rows["product-groups"].values(), key=lambda g: g["number"]):
                value = per_group.pop(group["id"], _ZERO)
                if group["has_inventory"] or value:
                    groups.append({"number": group["number"], "name": group["name"], "value": value})
            total = sum((g["value"] for g in groups), _ZERO) + sum(per_group.values(), _ZERO)
            return {
                "date": day.isoformat(),
                "total_value": total,
                "currency": self.base_currency,
                "groups": groups,
            }

    def ledger(self, number: Any) -> list[dict[str, Any]]:
        """The stock movements of a product, oldest first, each with the cost it moved at and the
        position after it (``stock_quantity``, ``cost_price``)."""
        spec = self.spec("products")
        with self._lock:
            row = self._row(spec, number)
            return [
                {
                    "id": step.movement.id,
                    "date": iso(step.movement.at),
                    "quantity": step.movement.quantity,
                    "unit_cost": money.round6(step.unit_cost),
                    "value": step.value,
                    "type": step.movement.type,
                    "reference": step.movement.reference,
                    "stock_quantity": step.stock_after,
                    "cost_price": money.round6(step.average_after),
                }
                for step in money.replay(self._movements.get(row["id"], []))
            ]

    # -- a customer's contacts and addresses -----------------------------------------------------
    @staticmethod
    def sub_spec(parent: str, sub: str) -> ResourceSpec:
        """The definition of ``/<parent>/{n}/<sub>`` (``("customers", "contacts")``); KeyError if unknown."""
        return SUB_RESOURCES[(parent, sub)]

    def sub_records(
        self,
        parent: str,
        parent_key: Any,
        sub: str,
        *,
        base_url: str = "",
        search: str | None = None,
        updated_from: datetime | None = None,
        updated_to: datetime | None = None,
        order_by: str | None = None,
        descending: bool = False,
    ) -> list[dict[str, Any]]:
        """The contacts (or addresses) of one customer, rendered and sorted by key unless ``order_by``."""
        spec = self.sub_spec(parent, sub)
        with self._lock:
            owner = self._row(self.spec(parent), parent_key)
            mine = [c for c in self._children[spec.path].values() if c["parent"] == owner["id"]]
            rows = _filter(spec, mine, search, None, updated_from, updated_to, None)
            rendered = [self._render_child(spec, parent, owner, sub, r, base_url) for r in rows]
        return _sorted(rendered, order_by or spec.key_field, descending)

    def sub_get(
        self, parent: str, parent_key: Any, sub: str, key: Any, *, base_url: str = ""
    ) -> dict[str, Any]:
        """One contact or address; :class:`SandboxNotFoundError` when the customer or it does not exist."""
        spec = self.sub_spec(parent, sub)
        with self._lock:
            owner = self._row(self.spec(parent), parent_key)
            return self._render_child(spec, parent, owner, sub, self._child(spec, owner, key), base_url)

    def sub_create(
        self,
        parent: str,
        parent_key: Any,
        sub: str,
        data: Mapping[str, Any],
        *,
        suppress_webhooks: bool = False,
        base_url: str = "",
        log: bool = False,
        emit: bool = False,
    ) -> dict[str, Any]:
        """Add a contact (numbered max + 1 within the customer unless given) or an address.

        The customer's ``updated_at`` moves and ``emit`` fires ``customer.updated`` for it.
        """
        spec = self.sub_spec(parent, sub)
        with self._lock:
            owner = self._row(self.spec(parent), parent_key)
            values, errors = validate(spec, data, creating=True, lookup=self._lookup)
            mine = [c for c in self._children[spec.path].values() if c["parent"] == owner["id"]]
            key = None if spec.server_keyed else values.pop(spec.key_field, None)
            if (
                key is not None
                and any(c[spec.key_field] == key for c in mine)
                and spec.key_field not in errors
            ):
                errors[spec.key_field] = [msg_taken(spec.key_field)]
            if errors:
                raise SandboxValidationError(errors)
            row_id = self._next_child_id[spec.path]
            self._next_child_id[spec.path] += 1
            now = self._clock()
            row: dict[str, Any] = {"id": row_id, "parent": owner["id"]}
            if not spec.server_keyed:
                row[spec.key_field] = (
                    key if key is not None else max((c[spec.key_field] for c in mine), default=0) + 1
                )
            for f in spec.fields:
                if f.name != spec.key_field:
                    row[f.name] = values.get(f.name, f.default)
            row["created_at"] = row["updated_at"] = now
            self._children[spec.path][row_id] = row
            self._touch_parent(parent, owner, spec, "create", row, suppress_webhooks, data, log, emit)
            return self._render_child(spec, parent, owner, sub, row, base_url)

    def sub_update(
        self,
        parent: str,
        parent_key: Any,
        sub: str,
        key: Any,
        data: Mapping[str, Any],
        *,
        suppress_webhooks: bool = False,
        base_url: str = "",
        log: bool = False,
        emit: bool = False,
    ) -> dict[str, Any]:
        """Change a contact or address (a partial update); a real change touches the customer."""
        spec = self.sub_spec(parent, sub)
        with self._lock:
            owner = self._row(self.spec(parent), parent_key)
            row = self._child(spec, owner, key)
            values, errors = validate(spec, data, creating=False, lookup=self._lookup)
            new_key = (
                row[spec.key_field] if spec.server_keyed else values.pop(spec.key_field, row[spec.key_field])
            )
            if new_key != row[spec.key_field] and spec.key_field not in errors:
                clash = any(
                    c[spec.key_field] == new_key and c["parent"] == owner["id"]
                    for c in self._children[spec.path].values()
                )
                if clash:
                    errors[spec.key_field] = [msg_taken(spec.key_field)]
            if errors:
                raise SandboxValidationError(errors)
            changed = new_key != row[spec.key_field] or any(row.get(k) != v for k, v in values.items())
            row.update(values)
            row[spec.key_field] = new_key
            if changed:
                row["updated_at"] = self._clock()
                self._touch_parent(parent, owner, spec, "update", row, suppress_webhooks, data, log, emit)
            elif log:
                self._log(spec.path, "update", row[spec.key_field], row["id"], suppress_webhooks, data)
            return self._render_child(spec, parent, owner, sub, row, base_url)

    def sub_delete(
        self,
        parent: str,
        parent_key: Any,
        sub: str,
        key: Any,
        *,
        suppress_webhooks: bool = False,
        log: bool = False,
        emit: bool = False,
    ) -> None:
        """Remove a contact or address; the customer is touched."""
        spec = self.sub_spec(parent, sub)
        with self._lock:
            owner = self._row(self.spec(parent), parent_key)
            row = self._child(spec, owner, key)
            del self._children[spec.path][row["id"]]
            self._touch_parent(parent, owner, spec, "delete", row, suppress_webhooks, {}, log, emit)

    # -- settings and the account ----------------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        """Every company setting, identifier -> value."""
        with self._lock:
            return copy.deepcopy(self._settings)

    def setting(self, identifier: str) -> Any:
        """One setting's value; :class:`SandboxNotFoundError` when it does not exist."""
        with self._lock:
            if identifier not in self._settings:
                raise SandboxNotFoundError("UserAccountSetting", identifier)
            return copy.deepcopy(self._settings[identifier])

    def put_setting(self, identifier: str, value: Any) -> Any:
        """Set a setting and return its new value.

        ``company`` is merged key by key and validated; any other identifier stores ``value`` as is.
        """
        with self._lock:
            if identifier == "company":
                clean, errors = validate_company(value)
                if errors:
                    raise SandboxValidationError(errors)
                self._settings["company"].update(clean)
            else:
                self._settings[identifier] = copy.deepcopy(value)
            return copy.deepcopy(self._settings[identifier])

    def account(self) -> dict[str, Any]:
        """The body of ``GET /self``: the account (tenant) and the token's user."""
        with self._lock:
            company = self._settings["company"]
            return {
                "user_account": {
                    "id": self.account_id,
                    "company_name": company.get("name"),
                    "address": {
                        "street": company.get("address_street"),
                        "street2": company.get("address_street2"),
                        "city": company.get("address_city"),
                        "zipcode": company.get("address_zipcode"),
                        "country": company.get("address_country"),
                    },
                    "vat_number": company.get("vat_number"),
                    "base_currency": self.base_currency,
                },
                "user": dict(self.user),
            }

    # -- internals: writes -----------------------------------------------------------------------
    def _log(
        self,
        resource: str,
        action: WriteAction,
        key: Any,
        row_id: int,
        suppress: bool,
        data: Mapping[str, Any],
    ) -> None:
        self._writes.append(
            WriteLogEntry(resource, action, key, row_id, suppress, copy.deepcopy(dict(data)), self._clock())
        )

    def _fire(self, resource: str, action: str, key: Any) -> None:
        name = event_name(resource, action)
        if name is not None:
            self.webhooks.emit(name, key)

    def _touch_parent(
        self,
        parent: str,
        owner: dict[str, Any],
        spec: ResourceSpec,
        action: WriteAction,
        row: dict[str, Any],
        suppress: bool,
        data: Mapping[str, Any],
        log: bool,
        emit: bool,
    ) -> None:
        """A write to a customer's contact or address: it touches the customer (Eloquent ``$touches``)."""
        owner["updated_at"] = self._clock()
        if log:
            self._log(spec.path, action, row[spec.key_field], row["id"], suppress, data)
        if emit:
            self._fire(parent, "updated", owner[self.spec(parent).key_field])

    def _users_of(self, resource: str, row_id: int) -> Iterator[tuple[ResourceSpec, int]]:
        """``(resource, how many)`` for each resource whose records refer to the record ``row_id``."""
        for other in RESOURCES.values():
            for f in other.fields:
                if f.ref != resource:
                    continue
                users = sum(1 for r in self._rows[other.path].values() if r.get(f.name) == row_id)
                if users:
                    yield other, users
            if other.field("lines") is None:
                continue
            users = sum(
                1
                for r in self._rows[other.path].values()
                if (resource, row_id) in _line_refs(other, r["lines"])
            )
            if users:
                yield other, users

    def _document_defaults(self, spec: ResourceSpec, values: dict[str, Any]) -> dict[str, list[str]]:
        """Fill what a new invoice left out from its customer/supplier; return errors (currency rate)."""
        party = self._rows[spec.party or ""][values[spec.party_field or ""]]
        defaults = _CUSTOMER_DEFAULTS if spec.document == "customer" else _SUPPLIER_DEFAULTS
        for name, source in defaults.items():
            if name not in values:
                values[name] = party.get(source)
        if spec.document == "customer":
            delivery = next(
                (
                    a
                    for a in sorted(self._children["customer-addresses"].values(), key=lambda a: a["id"])
                    if a["parent"] == party["id"] and a["type"] == "delivery"
                ),
                None,
            )
            for part in _DELIVERY_DEFAULTS:
                name = f"delivery_address_{part}"
                if name not in values:
                    values[name] = None if delivery is None else delivery[part]
        values["currency"] = values.get("currency") or self.base_currency
        values["vat_zone"] = values.get("vat_zone") or "domestic"
        if values.get(spec.date_field) is None:
            values[spec.date_field] = self._clock().date()
        if spec.field("due_date") is not None and "due_date" not in values:
            terms = self._rows["payment-terms"].get(values.get("payment_terms_id") or 0)
            values["due_date"] = money.due_date(
                values["invoice_date"],
                None if terms is None else terms["type"],
                0 if terms is None else terms["maturity_days"],
            )
        if values.get("currency_rate") is None:
            rate = self.currency_rates.get(values["currency"])
            if rate is None:
                return {
                    "currency_rate": [
                        f"The currency rate field is required when currency is {values['currency']}."
                    ]
                }
            values["currency_rate"] = rate
        return {}

    def _build_lines(
        self,
        spec: ResourceSpec,
        header: Mapping[str, Any],
        clean: list[dict[str, Any]],
        old: list[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        """Stored lines from validated ones: defaults from the item and the header, ids kept or new."""
        free_ids = {line["id"] for line in old}
        out: list[dict[str, Any]] = []
        for line in clean:
            wanted = line.get("id")
            if wanted in free_ids:
                free_ids.discard(wanted)
                line_id = wanted
            else:
                line_id = self._next_line
                self._next_line += 1
            if spec.item_type == "lot":
                out.append({"id": line_id, "product_id": line["product_id"], "quantity": line["quantity"]})
                continue
            child = line.get("child")
            item = None if child is None else self._rows[child[0]][child[1]]
            price = line.get("line_price")
            if price is None:
                source = "sales_price" if spec.document == "customer" else "recommended_cost_price"
                price = _ZERO if item is None else (item.get(source) or _ZERO)
            vat = line.get("vat_percentage")
            zone = header.get("vat_zone") or "domestic"
            if vat is None and item is not None and item.get("group") is not None:
                group = self._rows["product-groups"].get(item["group"]) or {}
                vat = group.get(f"vat_{zone}")  # per product: its group's rate in the zone
            if vat is None:
                vat = VAT_BY_ZONE.get(zone, _ZERO)
            out.append(
                {
                    "id": line_id,
                    "child": child,
                    "name": line.get("name") or (None if item is None else item["name"]),
                    "quantity": line["quantity"],
                    "line_price": price,
                    "discount_percentage": line.get("discount_percentage") or _ZERO,
                    "vat_percentage": vat,
                    "unit_id": line["unit_id"]
                    if "unit_id" in line
                    else (None if item is None else item.get("unit_id")),
                }
            )
        if _signature(out) == _signature(old):
            return old  # the same lines sent back keep their ids
        return out

    def _item_quantities(self, lines: list[dict[str, Any]]) -> Iterator[tuple[int, Decimal]]:
        """``(product id, quantity)`` a set of invoice lines moves: BOMs by their components; only
        products whose group has inventory."""
        for line in lines:
            child = line["child"]
            if child is None or not line["quantity"]:
                continue
            if child[0] == "products":
                parts = [(child[1], line["quantity"])]
            else:
                bom = self._rows["lots"][child[1]]
                parts = [(p["product_id"], p["quantity"] * line["quantity"]) for p in bom["lines"]]
            for product_id, quantity in parts:
                product = self._rows["products"].get(product_id)
                group = None if product is None else self._rows["product-groups"].get(product["group"])
                if group is not None and group["has_inventory"]:
                    yield product_id, quantity

    def _move(
        self,
        product_id: int,
        quantity: Decimal,
        unit_cost: Decimal | None,
        at: datetime,
        kind: str,
        reference: str | None,
    ) -> None:
        movement = money.Movement(self._next_movement, product_id, at, quantity, unit_cost, kind, reference)
        self._next_movement += 1
        self._movements.setdefault(product_id, []).append(movement)

    # -- internals: lookups ----------------------------------------------------------------------
    def _lookup(self, resource: str, key: Any) -> int | None:
        return self._keys[resource].get(key)

    def _find_id(self, spec: ResourceSpec, key: Any) -> int | None:
        keys = self._keys[spec.path]
        if spec.key_kind == "int":
            if isinstance(key, str):
                key = int(key) if key.isdigit() else None
            return keys.get(key) if isinstance(key, int) and not isinstance(key, bool) else None
        key = str(key)
        if key in keys:
            return keys[key]
        # Clients that encode twice (kg-bot's) send the urlfriendly_number itself after one decoding.
        decoded = unquote(key)
        if urlfriendly(decoded) == key:
            return keys.get(decoded)
        return None

    def _row(self, spec: ResourceSpec, key: Any) -> dict[str, Any]:
        row_id = self._find_id(spec, key)
        if row_id is None:
            raise SandboxNotFoundError(spec.model, key)
        return self._rows[spec.path][row_id]

    def _child(self, spec: ResourceSpec, owner: dict[str, Any], key: Any) -> dict[str, Any]:
        wanted = int(key) if isinstance(key, str) and key.isdigit() else key
        for row in self._children[spec.path].values():
            if row["parent"] == owner["id"] and row[spec.key_field] == wanted:
                return row
        raise SandboxNotFoundError(spec.model, key)

    def _next_number(self, spec: ResourceSpec) -> int | str:
        keys = self._keys[spec.path]
        if spec.key_kind == "int":
            return max((k for k in keys if isinstance(k, int)), default=0) + 1
        candidate = max((int(k) for k in keys if isinstance(k, str) and k.isdigit()), default=0) + 1
        while str(candidate) in keys:
            candidate += 1
        return str(candidate)

    def _after_write(self, spec: ResourceSpec, row: dict[str, Any]) -> None:
        # One default bank account per company: setting a new default clears the old one.
        if spec.path == "bank-accounts" and row.get("is_default"):
            for other in self._rows[spec.path].values():
                if other is not row and other.get("is_default"):
                    other["is_default"] = False
                    other["updated_at"] = self._clock()

    def _number_of(self, resource: str, row_id: int | None) -> Any:
        if row_id is None:
            return None
        row = self._rows[resource].get(row_id)
        return None if row is None else row[self.spec(resource).key_field]

    # -- internals: rendering --------------------------------------------------------------------
    def _nested(self, resource: str, row_id: int | None, base_url: str, *, brief: bool = False) -> Any:
        """A referenced record inside another (``payment_terms``, ``group``...), or None."""
        row = self._rows[resource].get(row_id) if row_id is not None else None
        if row is None:
            return None
        spec = self.spec(resource)
        if brief:  # only what identifies it, so listing 1000 products does not count products per group
            out: dict[str, Any] = {k: row[k] for k in ("id", "number", "name") if k in row}
            for extra in ("has_inventory", "is_sellable"):
                if extra in row:
                    out[extra] = row[extra]
            out["self"] = self._self_url(spec, row, base_url)
            return out
        return self._render(spec, row, base_url)

    def _short(self, resource: str, row_id: int | None) -> dict[str, Any] | None:
        """``{number, name}`` of a referenced record (an invoice's customer, our reference...)."""
        row = self._rows[resource].get(row_id) if row_id is not None else None
        return None if row is None else {"number": row["number"], "name": row["name"]}

    def _self_url(self, spec: ResourceSpec, row: dict[str, Any], base_url: str) -> str:
        return f"{base_url}/{spec.path}/{urlfriendly(str(row[spec.key_field]))}"

    def _render(self, spec: ResourceSpec, row: dict[str, Any], base_url: str) -> dict[str, Any]:
        """A stored row as the API shows it (a new dict: callers may keep or change it)."""
        out: dict[str, Any] = {"id": row["id"]}
        if not spec.server_keyed:
            out[spec.key_field] = row[spec.key_field]
        if spec.item_type:
            out["urlfriendly_number"] = urlfriendly(row["number"])
            out["type"] = spec.item_type
        for f in spec.fields:
            if f.name == spec.key_field or f.kind == "lines":
                continue
            value = row.get(f.name)
            if f.ref:
                value = self._number_of(f.ref, value)
            elif f.kind == "date" and value is not None:
                value = value.isoformat()
            out[f.name] = value
            if f.name == "name" and spec.path in ("customers", "suppliers"):
                out["company_name"] = value  # both names until the real one is confirmed (research A4)
        extra = _EXTRAS.get(spec.path)
        if extra is not None:
            extra(self, row, out, base_url)
        if spec.document == "customer" and not spec.is_order:
            out["is_credit_note"] = bool(row.get("is_credit_note"))
            out["credit_note_for"] = row.get("credit_note_for")
        out["created_at"] = iso(row["created_at"])
        out["updated_at"] = iso(row["updated_at"])
        out["self"] = self._self_url(spec, row, base_url)
        return out

    def _render_child(
        self,
        spec: ResourceSpec,
        parent: str,
        owner: dict[str, Any],
        sub: str,
        row: dict[str, Any],
        base_url: str,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"id": row["id"]}
        if not spec.server_keyed:
            out[spec.key_field] = row[spec.key_field]
        for f in spec.fields:
            if f.name != spec.key_field:
                out[f.name] = row.get(f.name)
        out["created_at"] = iso(row["created_at"])
        out["updated_at"] = iso(row["updated_at"])
        owner_key = urlfriendly(str(owner[self.spec(parent).key_field]))
        out["self"] = f"{base_url}/{parent}/{owner_key}/{sub}/{row[spec.key_field]}"
        return out

    def _extra_customer(self, row: dict[str, Any], out: dict[str, Any], base_url: str) -> None:
        out["customer_group"] = self._nested("customer-groups", row["customer_group_id"], base_url)
        self._extra_party(row, out, base_url)
        out["employee"] = self._nested("employees", row["employee_id"], base_url)

    def _extra_supplier(self, row: dict[str, Any], out: dict[str, Any], base_url: str) -> None:
        out["supplier_group"] = self._nested("supplier-groups", row["supplier_group_id"], base_url)
        self._extra_party(row, out, base_url)

    def _extra_party(self, row: dict[str, Any], out: dict[str, Any], base_url: str) -> None:
        out["payment_terms"] = self._nested("payment-terms", row["payment_terms_id"], base_url)
        out["layout"] = self._nested("layouts", row["layout_id"], base_url)
        out["is_deleted"] = False

    def _extra_item(self, row: dict[str, Any], out: dict[str, Any], base_url: str) -> None:
        group = self._nested("product-groups", row["group"], base_url, brief=True)
        out["group"] = group
        out["group_id"] = None if group is None else group["number"]
        out["unit"] = self._nested("units", row["unit_id"], base_url, brief=True)
        out["is_draft"] = False
        out["deleted_at"] = None

    def _extra_product(self, row: dict[str, Any], out: dict[str, Any], base_url: str) -> None:
        self._extra_item(row, out, base_url)
        stock, average = money.position(self._movements.get(row["id"], []))
        cost = money.round6(average)
        out["cost_price"] = cost
        out["sales_profit"] = (row["sales_price"] or _ZERO) - cost
        out["cost_addition_percentage"] = _ZERO
        out["stock_quantity"] = stock
        out["available_quantity"] = stock  # the sandbox's sales orders reserve no stock
        for name in ("in_order_quantity", "purchased_quantity", "used_in_production_quantity"):
            out[name] = 0
        for name in ("min_order", "min_sales", "min_stock"):
            out[name] = 0
        group = out["group"]
        out["inventory_enabled"] = bool(group and group.get("has_inventory"))
        out["default_location"] = None
        out["default_supplier_id"] = None

    def _extra_lot(self, row: dict[str, Any], out: dict[str, Any], base_url: str) -> None:
        self._extra_item(row, out, base_url)
        lines = []
        cost = _ZERO
        for line in row["lines"]:
            product = self._rows["products"][line["product_id"]]
            _, average = money.position(self._movements.get(product["id"], []))
            cost += line["quantity"] * average
            lines.append(
                {
                    "id": line["id"],
                    "product_id": product["number"],
                    "name": product["name"],
                    "quantity": line["quantity"],
                }
            )
        out["lines"] = lines
        out["cost_price"] = money.round6(cost)  # what the components cost at their average cost today

    def _extra_invoice(self, row: dict[str, Any], out: dict[str, Any], base_url: str) -> None:
        document = "customer" if "customer_id" in row else "supplier"
        out[document] = self._short(f"{document}s", row[f"{document}_id"])
        out["our_reference"] = self._short("employees", row["our_reference_id"])
        lines = self._render_lines(row, document)
        subtotal = sum((line["line_total"] for line in lines), _ZERO)
        vat = sum((money.line_vat(line["line_total"], line["vat_percentage"]) for line in lines), _ZERO)
        out["lines"] = lines
        out["total_subtotal"] = subtotal
        out["total_vat"] = vat
        out["total_total"] = subtotal + vat
        out["is_booked"] = row["is_booked"]
        out["booked_at"] = None if row["booked_at"] is None else iso(row["booked_at"])
        if document == "supplier":
            out["is_received"] = row["is_received"]

    def _extra_order(self, row: dict[str, Any], out: dict[str, Any], base_url: str) -> None:
        self._extra_invoice(row, out, base_url)
        for flag in ("is_archived", "is_cancelled", "is_shipped", "is_invoiced"):
            out[flag] = False  # the sandbox neither ships, invoices, archives nor cancels orders

    def _render_lines(self, row: dict[str, Any], document: str = "customer") -> list[dict[str, Any]]:
        lines = []
        for line in row["lines"]:
            child = line["child"]
            item = None if child is None else self._rows[child[0]].get(child[1])
            total = money.line_total(line["quantity"], line["line_price"], line["discount_percentage"])
            shown: dict[str, Any] = {
                "id": line["id"],
                "child_id": None if item is None else item["number"],
                "child_type": None if child is None else RESOURCES[child[0]].item_type,
                "name": line["name"],
                "quantity": line["quantity"],
                "line_price": line["line_price"],
                "discount_percentage": line["discount_percentage"],
                "vat_percentage": line["vat_percentage"],
                "unit_id": self._number_of("units", line["unit_id"]),
                "line_total": total,
            }
            if document == "supplier":
                shown["product_group"] = (
                    None if item is None else self._number_of("product-groups", item["group"])
                )
            lines.append(shown)
        return lines

    def _extra_product_group(self, row: dict[str, Any], out: dict[str, Any], base_url: str) -> None:
        out["is_draft"] = False
        out["num_products"] = sum(1 for p in self._rows["products"].values() if p["group"] == row["id"])

    def _extra_draftable(self, row: dict[str, Any], out: dict[str, Any], base_url: str) -> None:
        out["is_draft"] = False

    def _extra_payment_term(self, row: dict[str, Any], out: dict[str, Any], base_url: str) -> None:
        out["type_translated"] = PAYMENT_TERM_TYPES.get(row["type"], row["type"])


def _line_refs(spec: ResourceSpec, lines: list[dict[str, Any]]) -> set[tuple[str, int]]:
    """``(resource, internal id)`` of every record a record's lines point at."""
    refs: set[tuple[str, int]] = set()
    for line in lines:
        if spec.item_type == "lot":
            refs.add(("products", line["product_id"]))
            continue
        if line["child"] is not None:
            refs.add(line["child"])
        if line["unit_id"] is not None:
            refs.add(("units", line["unit_id"]))
    return refs


def _line_kind(spec: ResourceSpec) -> Literal["invoice", "order"]:
    return "order" if spec.is_order else "invoice"


def _signature(lines: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Lines without their ids, to tell a real change from the same lines sent back."""
    return [tuple(v for k, v in sorted(line.items()) if k != "id") for line in lines]


def _filter(
    spec: ResourceSpec,
    rows: Any,
    search: str | None,
    is_barred: bool | None,
    updated_from: datetime | None,
    updated_to: datetime | None,
    where: RowFilter | None,
) -> list[dict[str, Any]]:
    selected = list(rows)
    if search:
        needle = search.casefold()
        fields = (spec.key_field, *spec.search_fields)
        selected = [r for r in selected if any(needle in str(r.get(f) or "").casefold() for f in fields)]
    if is_barred is not None:
        selected = [r for r in selected if bool(r.get("is_barred")) is is_barred]
    if updated_from is not None:
        selected = [r for r in selected if r["updated_at"] >= updated_from]
    if updated_to is not None:
        selected = [r for r in selected if r["updated_at"] <= updated_to]
    if where is not None:
        selected = [r for r in selected if where(r)]
    return selected


def _sorted(records: list[dict[str, Any]], sort_field: str, descending: bool) -> list[dict[str, Any]]:
    def sort_key(record: dict[str, Any]) -> tuple[int, Any]:
        value = record.get(sort_field)
        return (0, "") if value is None else (1, value)

    records.sort(key=sort_key, reverse=descending)
    return records


_Extra = Callable[[RackbeatState, dict[str, Any], dict[str, Any], str], None]
_EXTRAS: dict[str, _Extra] = {
    "customers": RackbeatState._extra_customer,
    "suppliers": RackbeatState._extra_supplier,
    "products": RackbeatState._extra_product,
    "lots": RackbeatState._extra_lot,
    "customer-invoices": RackbeatState._extra_invoice,
    "supplier-invoices": RackbeatState._extra_invoice,
    "orders": RackbeatState._extra_order,
    "product-groups": RackbeatState._extra_product_group,
    "customer-groups": RackbeatState._extra_draftable,
    "units": RackbeatState._extra_draftable,
    "payment-terms": RackbeatState._extra_payment_term,
}
