"""The sandbox's in-memory agreement: one e-conomic company, thread-safe, with a Python API for tests.

Records are stored in their wire shape minus links: references as ``{"customerGroupNumber": 1}``,
money as :class:`~decimal.Decimal`, ``lastUpdated`` as ``"2024-01-01T12:00:00Z"``. The HTTP layer
renders ``self`` links and expanded references on the way out.

Direct writes (``state.add_customer({...})``, ``state.update("products", "1001", {...})``) skip
validation on purpose, so tests can build any situation, including broken references. They do keep
``lastUpdated`` current on customers, products, draft invoices and draft/sent orders, like every
API write, and they fire the "Customer updated" / "Product updated" webhooks like a change made in
e-conomic's UI would (``with state.quietly():`` silences them). ``renumber_customer`` /
``renumber_product`` renumber as the UI can (references follow; the webhook carries old and new).
``renumber_next_bookings(n, ...)`` makes the next bookings land under those numbers whatever
``bookWithNumber`` asked (e-conomic's number series deciding), for tests of renumbered invoices.

Orders: ``send_order``, ``unsend_order``, ``archive_order``, ``find_order`` (adding and changing an
order prices it, so those two are in ``orders.py``: ``add_order(state, ...)``, ``update_order(state,
...)``; the state imports nothing but the resource declarations); the tables are
``orders-drafts``, ``orders-sent``, ``orders-archived`` with one ``orderNumber`` series. Quotes likewise
(``quotes-*``, ``quoteNumber``; ``send_quote``, ``archive_quote``, ``find_quote``, ``orders.add_quote``).
Time is ``state.clock`` throughout, so tests move it to control ``lastUpdated``.

Test helpers beyond plain records: :meth:`EconomicState.journal_entries` (every journal entry as signed
postings, to check that vouchers balance), :meth:`EconomicState.pay_invoice` (settle a booked invoice,
which e-conomic does when a customer payment is booked), :meth:`EconomicState.today`.
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ledgerbridge.systems.economic.sandbox.resources import (
    ORDERS,
    QUOTES,
    SALES_FAMILIES,
    SPECS,
    ResourceSpec,
)

Key = int | str


def to_decimal(value: Any) -> Decimal:
    """Money as Decimal; floats go through their shortest repr so 12.3 stays 12.3."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not an amount")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int | str):
        return Decimal(value)
    raise TypeError(f"not an amount: {value!r}")


def get_path(record: Mapping[str, Any], path: str) -> Any:
    """``record["a"]["b"]`` for ``"a.b"``; None when any step is missing."""
    node: Any = record
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def set_path(record: dict[str, Any], path: str, value: Any) -> None:
    """Set ``"a.b"`` in ``record``, creating intermediate objects."""
    parts = path.split(".")
    node = record
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def format_timestamp(moment: datetime) -> str:
    """e-conomic's ``lastUpdated`` form: UTC, whole seconds, ``Z``."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"


@dataclass
class CachedResponse:
    """A response kept for ``Idempotency-Key`` replays."""

    status: int
    body: bytes
    headers: dict[str, str]
    expires: float


# Webhook event types (e-conomic's UI names; the Webhooks API calls them INVOICE_BOOKED, ...).
INVOICE_BOOKED, CUSTOMER_UPDATED, PRODUCT_UPDATED = "InvoiceBooked", "CustomerUpdated", "ProductUpdated"
_CHANGE_EVENTS = {"customers": CUSTOMER_UPDATED, "products": PRODUCT_UPDATED}
# The three order tables and the three quote tables (one number series each; a document moves between them).
ORDER_TABLES, QUOTE_TABLES = ORDERS.tables, QUOTES.tables
# Document tables whose lines reference products and units.
DOCUMENT_TABLES = ("invoices-drafts", "invoices-booked", *ORDER_TABLES, *QUOTE_TABLES)

# DKK per 100 units of each currency: the sandbox's fixed "daily rates" (exchangeRate defaults).
DEFAULT_EXCHANGE_RATES: dict[str, Decimal] = {
    "DKK": Decimal("100"),
    "EUR": Decimal("746.00"),
    "SEK": Decimal("68.50"),
    "NOK": Decimal("64.25"),
    "GBP": Decimal("865.40"),
    "USD": Decimal("690.10"),
    "CHF": Decimal("780.30"),
    "PLN": Decimal("175.20"),
}
CENT = Decimal("0.01")


def round2(value: Decimal) -> Decimal:
    """Round to øre (two decimals, half up), as amounts are stored."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# e-conomic's app roles (research §2; the OpenAPI tags' ``x-required-roles`` name these four).
APP_ROLES = ("SuperUser", "Bookkeeping", "Sales", "ProjectEmployee")


@dataclass(frozen=True)
class Grant:
    """An agreement grant minted for a test (``EconomicState.mint_grant``): the roles it was issued
    with limit what it reaches (403 otherwise), and a read-only grant may only GET."""

    roles: tuple[str, ...]
    read_only: bool = False


@dataclass
class WebhookSubscription:
    """One registered webhook: an e-conomic UI web hook or one made through the Webhooks API.

    ``event_type`` is one of INVOICE_BOOKED, CUSTOMER_UPDATED, PRODUCT_UPDATED; ``url`` and ``body``
    may hold merge fields (``[INVOICENO]``, ``[NEWNUMBER]``, ``[OLDNUMBER]``); ``source`` is
    ``"ui"`` (control route / Python) or ``"api"`` (the Webhooks OpenAPI service, which adds
    ``name``, ``content_type``, ``disabled`` and a version).
    """

    id: int
    event_type: str
    url: str
    method: str = "POST"
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None
    source: str = "ui"
    name: str = ""
    disabled: bool = False
    last_updated: str = ""
    version: int = 0


def _default_agreement() -> dict[str, Any]:
    return {
        "agreementNumber": 1000001,
        "agreementType": {"agreementTypeNumber": 1, "name": "Small"},
        "userName": "Sandbox User",
        "signupDate": "2020-01-01",
        "company": {"name": "Sandbox ApS", "country": "Danmark"},
        "bankInformation": {},
        "settings": {"baseCurrency": "DKK"},
        "canSendElectronicInvoice": False,
    }


class EconomicState:
    """Everything one sandboxed e-conomic agreement holds.

    ``clock`` returns the current time (tests pass a fixed one); ``accepted_tokens`` is None to accept
    any non-empty token pair, or a set of ``(app_secret, grant)`` pairs to accept only those; ``grants``
    the pairs :meth:`mint_grant` made, with their roles (always accepted).
    ``oas_cursor_page_size`` is the OpenAPI services' cursor page size (1000, as e-conomic's
    ``x-cursor-page-size``); tests lower it to exercise cursor paging with few records.
    """

    def __init__(self, *, clock: Callable[[], datetime] | None = None) -> None:
        self.lock = threading.RLock()
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.tables: dict[str, dict[Key, dict[str, Any]]] = {name: {} for name in SPECS}
        self.agreement: dict[str, Any] = _default_agreement()
        self.accepted_tokens: set[tuple[str, str]] | None = None
        self.grants: dict[tuple[str, str], Grant] = {}  # minted (app secret, grant) -> roles
        self.oas_cursor_page_size = 1000
        self.idempotency_ttl_seconds = 3600.0
        self._idempotency: dict[str, CachedResponse] = {}
        self._versions: dict[tuple[str, Key], int] = {}
        self._version_counter = 0
        self.exchange_rates: dict[str, Decimal] = dict(DEFAULT_EXCHANGE_RATES)
        self.webhook_subscriptions: list[WebhookSubscription] = []
        self._listeners: list[Callable[[str, dict[str, str]], None]] = []
        self._quiet = False
        # Currency-specific sales prices: (productNumber, currency code) -> price.
        self.currency_prices: dict[tuple[str, str], Decimal] = {}
        self.books: Any = None  # books.Books: what was booked, per account (made by books.books_of)
        # Numbers the next bookings get whatever bookWithNumber asks (renumber_next_bookings).
        self.booking_numbers: list[int] = []
        # A product group's sales account per VAT zone other than its own salesAccount (domestic):
        # group number -> {zone number -> account number} (set_zone_sales_account).
        self.zone_sales_accounts: dict[int, dict[int, int]] = {}

    # -- time and versions -----------------------------------------------------------------------
    def now_text(self) -> str:
        """The current time as a ``lastUpdated`` value."""
        return format_timestamp(self.clock())

    def today(self) -> date:
        """The agreement's current date (UTC): what "overdue" is measured against."""
        moment = self.clock()
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
        return moment.date()

    def exchange_rate(self, currency: str) -> Decimal:
        """The price in base currency of 100 units of ``currency`` (100 for the base currency)."""
        if currency.upper() == self.base_currency:
            return Decimal("100")
        return self.exchange_rates.get(currency.upper(), Decimal("100"))

    # -- webhook events --------------------------------------------------------------------------
    def add_listener(self, listener: Callable[[str, dict[str, str]], None]) -> None:
        """Call ``listener(event_type, merge_fields)`` on every webhook event (the app's dispatcher)."""
        with self.lock:
            self._listeners.append(listener)

    def emit(self, event_type: str, fields: Mapping[str, Any]) -> None:
        """Announce an event (``INVOICE_BOOKED`` with ``INVOICENO``, ...) to the listeners."""
        if not self.webhook_subscriptions:
            return
        merge = {name: "" if value is None else str(value) for name, value in fields.items()}
        for listener in list(self._listeners):
            listener(event_type, merge)

    @contextmanager
    def quietly(self) -> Iterator[None]:
        """Python-level changes inside the block fire no "Customer/Product updated" webhooks (set-up
        data a test does not want announced). The switch is agreement-wide: make no API writes inside it."""
        previous, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = previous

    def _changed(self, resource: str, new_key: Key, old_key: Key | None = None) -> None:
        """Fire "Customer updated" / "Product updated": ``[NEWNUMBER]`` is the record's number now and
        ``[OLDNUMBER]`` its number before (the same number except on a renumber; on delete both are
        the deleted number)."""
        event = _CHANGE_EVENTS.get(resource)
        if event is not None and not self._quiet:
            self.emit(event, {"NEWNUMBER": new_key, "OLDNUMBER": new_key if old_key is None else old_key})

    def version_of(self, resource: str, key: Key) -> int:
        """A number that grows on every write of the record (rendered as OAS ``objectVersion``)."""
        with self.lock:
            return self._versions.get((resource, key), 0)

    def _bump(self, resource: str, key: Key) -> None:
        self._version_counter += 1
        self._versions[(resource, key)] = self._version_counter

    # -- generic record API ----------------------------------------------------------------------
    def spec(self, resource: str) -> ResourceSpec:
        """The :class:`ResourceSpec` of a resource name such as ``"customers"``."""
        try:
            return SPECS[resource]
        except KeyError:
            raise KeyError(f"unknown e-conomic resource {resource!r}; known: {sorted(SPECS)}") from None

    def _normalise(self, spec: ResourceSpec, record: Mapping[str, Any]) -> dict[str, Any]:
        data = copy.deepcopy(dict(record))
        for path in spec.money:
            value = get_path(data, path)
            if value is not None:
                set_path(data, path, to_decimal(value))
        for ref in spec.refs:
            value = get_path(data, ref.name)
            if value is not None and not isinstance(value, Mapping):
                set_path(data, ref.name, {ref.key: value})  # shorthand: customerGroup=1
        if spec.key in data and not spec.key_is_str:
            data[spec.key] = int(data[spec.key])
        elif spec.key in data:
            data[spec.key] = str(data[spec.key])
        return data

    def next_key(self, resource: str) -> int:
        """The number the server would assign next: one above the highest in use.

        e-conomic reuses numbers after deletes (live: a customer created after deleting number 3
        got 3, the highest); "highest + 1" reproduces that without inventing gap-filling rules.
        """
        with self.lock:
            tables = next((f.tables for f in SALES_FAMILIES.values() if resource in f.tables), (resource,))
            keys = [k for table in tables for k in self.tables[table] if isinstance(k, int)]
            return max(keys, default=0) + 1

    def renumber_next_bookings(self, *numbers: int) -> None:
        """The next booked invoices get these numbers, in order, whatever ``bookWithNumber`` asks: e-conomic
        books a draft under another number than the caller's when its own number series decides."""
        with self.lock:
            self.booking_numbers.extend(numbers)

    def take_booking_number(self) -> int | None:
        """The number :meth:`renumber_next_bookings` set for this booking, or None."""
        with self.lock:
            return self.booking_numbers.pop(0) if self.booking_numbers else None

    def insert(
        self, resource: str, record: Mapping[str, Any], *, keep_last_updated: bool = True
    ) -> dict[str, Any]:
        """Store a new record and return (a copy of) it. Assigns the key when the server would."""
        spec = self.spec(resource)
        with self.lock:
            data = self._normalise(spec, record)
            if spec.key not in data:
                if not spec.server_assigns_key or spec.key_is_str:
                    raise ValueError(f"{resource} need a caller-supplied {spec.key}")
                data[spec.key] = self.next_key(resource)
            key = data[spec.key]
            if key in self.tables[resource]:
                raise ValueError(f"{spec.singular} {key!r} already exists")
            if spec.tracks_last_updated and not (keep_last_updated and data.get("lastUpdated")):
                data["lastUpdated"] = self.now_text()
            self.tables[resource][key] = data
            self._bump(resource, key)
            self._changed(resource, key)
            return copy.deepcopy(data)

    def replace(self, resource: str, key: Key, record: Mapping[str, Any]) -> dict[str, Any]:
        """Replace (or create) the record at ``key`` with exactly ``record``; touches ``lastUpdated``."""
        spec = self.spec(resource)
        with self.lock:
            data = self._normalise(spec, record)
            data[spec.key] = key
            if spec.tracks_last_updated:
                data["lastUpdated"] = self.now_text()
            self.tables[resource][key] = data
            self._bump(resource, key)
            self._changed(resource, key)
            return copy.deepcopy(data)

    def update(self, resource: str, key: Key, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Merge ``changes`` into the record (top-level keys; a None value removes the property)."""
        spec = self.spec(resource)
        with self.lock:
            current = self.tables[resource].get(key)
            if current is None:
                raise KeyError(f"no {spec.singular} {key!r}")
            merged = dict(current)
            for name, value in changes.items():
                if value is None:
                    merged.pop(name, None)
                else:
                    merged[name] = value
            merged.pop("lastUpdated", None)
            return self.replace(resource, key, merged)

    def get(self, resource: str, key: Key) -> dict[str, Any] | None:
        """A copy of one record, or None."""
        with self.lock:
            record = self.tables[self.spec(resource).name].get(key)
            return copy.deepcopy(record) if record is not None else None

    def exists(self, resource: str, key: Key) -> bool:
        """Whether ``resource`` has a record with ``key``."""
        with self.lock:
            return key in self.tables[resource]

    def records(self, resource: str) -> list[dict[str, Any]]:
        """Copies of all records of ``resource`` in key order."""
        with self.lock:
            table = self.tables[self.spec(resource).name]
            return [copy.deepcopy(table[k]) for k in sorted(table, key=_sort_key)]

    def count(self, resource: str) -> int:
        """How many records ``resource`` holds."""
        with self.lock:
            return len(self.tables[resource])

    def delete(self, resource: str, key: Key) -> bool:
        """Remove a record; False when there was none."""
        with self.lock:
            removed = self.tables[self.spec(resource).name].pop(key, None)
            self._versions.pop((resource, key), None)
            if removed is not None:
                self._changed(resource, key)
            return removed is not None

    def clear(self) -> None:
        """Forget every record (the agreement's company info stays)."""
        with self.lock:
            for table in self.tables.values():
                table.clear()
            if self.books is not None:  # booked entries (books.py)
                self.books.entries.clear()
            self._versions.clear()
            self._idempotency.clear()

    def reset(self) -> None:
        """Back to an empty agreement: no records, default company info, any token pair accepted,
        no webhooks, the default exchange rates."""
        with self.lock:
            self.clear()
            self.agreement = _default_agreement()
            self.accepted_tokens = None
            self.grants.clear()
            self.oas_cursor_page_size = 1000
            self.exchange_rates = dict(DEFAULT_EXCHANGE_RATES)
            self.webhook_subscriptions.clear()
            self.currency_prices.clear()
            self.booking_numbers.clear()

    def mint_grant(
        self, roles: Iterable[str] = ("SuperUser",), *, read_only: bool = False
    ) -> tuple[str, str, Grant]:
        """A new token pair whose grant has ``roles`` (each one of :data:`APP_ROLES`); ``read_only``
        refuses every method but GET. Returns (app secret token, agreement grant token, grant)."""
        chosen = tuple(dict.fromkeys(roles))
        unknown = [r for r in chosen if r not in APP_ROLES]
        if unknown or not chosen:
            raise ValueError(f"roles must be some of {', '.join(APP_ROLES)}; got {list(roles)}")
        with self.lock:
            serial = len(self.grants) + 1
            secret, token = f"sandbox-app-{serial}-{uuid.uuid4().hex}", f"sandbox-grant-{uuid.uuid4().hex}"
            grant = Grant(chosen, read_only)
            self.grants[(secret, token)] = grant
            return secret, token, grant

    def referrers(self, resource: str, key: Key) -> list[tuple[str, Key]]:
        """Records whose references point at ``resource``/``key`` (delete protection)."""
        found: list[tuple[str, Key]] = []
        with self.lock:
            for spec in SPECS.values():
                for ref in spec.refs:
                    if ref.target != resource:
                        continue
                    for other_key, record in self.tables[spec.name].items():
                        if get_path(record, f"{ref.name}.{ref.key}") == key:
                            found.append((spec.name, other_key))
            # Invoice lines reference products and units.
            line_refs = {"products": "product.productNumber", "units": "unit.unitNumber"}
            if resource in line_refs:
                for table in DOCUMENT_TABLES:
                    for other_key, record in self.tables[table].items():
                        if any(
                            get_path(line, line_refs[resource]) == key for line in record.get("lines", [])
                        ):
                            found.append((table, other_key))
        return found

    # -- the agreement (/self) -------------------------------------------------------------------
    def set_agreement(self, **parts: Any) -> None:
        """Replace top-level parts of ``/self`` (``company=...``, ``bankInformation=...``, ...)."""
        with self.lock:
            self.agreement.update(copy.deepcopy(parts))

    @property
    def base_currency(self) -> str:
        """The agreement's base currency (``settings.baseCurrency``)."""
        with self.lock:
            return str(self.agreement.get("settings", {}).get("baseCurrency", "DKK"))

    # -- idempotency -----------------------------------------------------------------------------
    def recall(self, idempotency_key: str) -> CachedResponse | None:
        """The cached response for a key still within its hour, if any."""
        with self.lock:
            cached = self._idempotency.get(idempotency_key)
            if cached is None or cached.expires < time.monotonic():
                self._idempotency.pop(idempotency_key, None)
                return None
            return cached

    def remember(self, idempotency_key: str, status: int, body: bytes, headers: Mapping[str, str]) -> None:
        """Keep a successful write response for replays of the same key."""
        with self.lock:
            self._idempotency[idempotency_key] = CachedResponse(
                status, body, dict(headers), time.monotonic() + self.idempotency_ttl_seconds
            )

    def forget_replays(self) -> None:
        """Every cached write answer expires now: as when e-conomic's idempotency window has passed."""
        with self.lock:
            self._idempotency.clear()

    # -- convenience writers ---------------------------------------------------------------------
    def first_key(self, resource: str) -> Key | None:
        table = self.tables[resource]
        return min(table, key=_sort_key) if table else None

    def _with_defaults(self, resource: str, record: Mapping[str, Any]) -> dict[str, Any]:
        """Fill required references a test left out with the lowest-numbered existing record."""
        spec = self.spec(resource)
        data = dict(record)
        with self.lock:
            for ref in spec.refs:
                if ref.required and ref.name not in data and ref.target:
                    first = self.first_key(ref.target)
                    if first is not None:
                        data[ref.name] = {ref.key: first}
            if any(f.path == "currency" and f.required for f in spec.fields):
                data.setdefault("currency", self.base_currency)
        return data

    def add_customer(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Add a customer; ``customerNumber`` optional; missing required references get defaults."""
        return self.insert("customers", self._with_defaults("customers", record))

    def add_supplier(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Add a supplier (defaults as for :meth:`add_customer`)."""
        return self.insert("suppliers", self._with_defaults("suppliers", record))

    def add_product(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Add a product; ``productNumber`` (a string) is required."""
        return self.insert("products", self._with_defaults("products", record))

    def add_customer_group(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Add a customer group (``customerGroupNumber`` required)."""
        return self.insert("customer-groups", record)

    def add_supplier_group(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Add a supplier group (``supplierGroupNumber`` required)."""
        return self.insert("supplier-groups", record)

    def add_product_group(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Add a product group (``productGroupNumber`` required)."""
        return self.insert("product-groups", record)

    def set_zone_sales_account(self, group: int, zone: int, account: int | None) -> None:
        """Give product group ``group`` its sales account in VAT zone ``zone`` (None removes it), as a
        bookkeeper does in e-conomic's UI: a line of the group on an invoice in that zone is booked on that
        account, with its VAT code's rate (``GET /product-groups/{n}/sales-accounts`` lists them). The
        group's own ``salesAccount`` is its account in the domestic zone."""
        with self.lock:
            per_zone = self.zone_sales_accounts.setdefault(int(group), {})
            if account is None:
                per_zone.pop(int(zone), None)
            else:
                per_zone[int(zone)] = int(account)

    def add_unit(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Add a unit (``unitNumber`` assigned when missing)."""
        return self.insert("units", record)

    def add_payment_terms(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Add payment terms (``paymentTermsNumber`` assigned when missing)."""
        return self.insert("payment-terms", record)

    def add_layout(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Add a layout."""
        return self.insert("layouts", record)

    def add_employee(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Add an employee (``employeeNumber`` assigned when missing)."""
        return self.insert("employees", record)

    def add_vat_zone(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Add a VAT zone."""
        return self.insert("vat-zones", record)

    def add_account(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Add an account of the chart of accounts."""
        return self.insert("accounts", record)

    def add_currency(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Add a currency (``code``, ``name``, ``isoNumber``)."""
        return self.insert("currencies", record)

    def update_customer(self, number: int, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Change a customer as an e-conomic user would in the UI (bumps ``lastUpdated``)."""
        return self.update("customers", number, changes)

    def update_product(self, number: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Change a product (bumps ``lastUpdated``)."""
        return self.update("products", number, changes)

    # -- renumbering (a UI action: the API cannot renumber) ------------------------------------------
    def renumber_customer(self, old: int, new: int, *, emit: bool = True) -> dict[str, Any]:
        """Give customer ``old`` the number ``new``, as a user can in e-conomic's UI.

        Every reference follows (contacts, delivery locations, invoices, orders, journal entries,
        payment terms' credit card company); ``lastUpdated`` of the customer is bumped (the
        referring documents keep theirs). Fires one "Customer updated" with ``[NEWNUMBER]`` = new and
        ``[OLDNUMBER]`` = old (``emit=False``: none). KeyError when ``old`` does not exist,
        ValueError when ``new`` is taken.
        """
        return self._renumber("customers", old, new, emit=emit)

    def renumber_product(self, old: str, new: str, *, emit: bool = True) -> dict[str, Any]:
        """Give product ``old`` the number ``new`` (the lines of invoices and orders follow); fires
        "Product updated" with ``[NEWNUMBER]`` = new, ``[OLDNUMBER]`` = old. As :meth:`renumber_customer`."""
        return self._renumber("products", str(old), str(new), emit=emit)

    def _renumber(self, resource: str, old: Key, new: Key, *, emit: bool) -> dict[str, Any]:
        spec = self.spec(resource)
        with self.lock:
            table = self.tables[resource]
            if old not in table:
                raise KeyError(f"no {spec.singular} {old!r}")
            if new in table:
                raise ValueError(f"{spec.singular} {new!r} already exists")
            if old == new:
                return copy.deepcopy(table[old])
            record = table.pop(old)
            self._versions.pop((resource, old), None)
            record[spec.key] = new
            if spec.tracks_last_updated:
                record["lastUpdated"] = self.now_text()
            table[new] = record
            self._bump(resource, new)
            for other in SPECS.values():
                for ref in other.refs:
                    if ref.target != resource:
                        continue
                    for item in self.tables[other.name].values():
                        if get_path(item, f"{ref.name}.{ref.key}") == old:
                            set_path(item, f"{ref.name}.{ref.key}", new)
            if resource == "products":
                for name in DOCUMENT_TABLES:
                    for document in self.tables[name].values():
                        for line in document.get("lines", []):
                            if get_path(line, "product.productNumber") == old:
                                line["product"]["productNumber"] = new
            if emit and not self._quiet:
                self.emit(_CHANGE_EVENTS[resource], {"NEWNUMBER": new, "OLDNUMBER": old})
            return copy.deepcopy(record)

    # -- orders and quotes -----------------------------------------------------------------------
    def find_order(self, number: int) -> tuple[str, dict[str, Any]] | None:
        """``(kind, copy of the record)`` of order ``number`` wherever it is, or None."""
        return self.find_sales_document("orders", number)

    def find_quote(self, number: int) -> tuple[str, dict[str, Any]] | None:
        """``(kind, copy of the record)`` of quote ``number`` wherever it is, or None."""
        return self.find_sales_document("quotes", number)

    def find_sales_document(self, family: str, number: int) -> tuple[str, dict[str, Any]] | None:
        """Order or quote (``family``: ``"orders"``/``"quotes"``) ``number`` wherever it is, or None."""
        with self.lock:
            for kind, spec in SALES_FAMILIES[family].specs.items():
                if number in self.tables[spec.name]:
                    return kind, copy.deepcopy(self.tables[spec.name][number])
        return None

    def send_order(self, number: int) -> dict[str, Any]:
        """Move a draft order to ``/orders/sent`` (what POSTing it to ``/orders/sent`` does); bumps
        ``lastUpdated``."""
        return self.move_sales_document("orders", number, ("drafts",), "sent")

    def unsend_order(self, number: int) -> dict[str, Any]:
        """Move a sent order back to ``/orders/drafts`` (cancels the sent status); bumps ``lastUpdated``."""
        return self.move_sales_document("orders", number, ("sent",), "drafts")

    def archive_order(self, number: int) -> dict[str, Any]:
        """Move a sent (or draft) order to ``/orders/archived``, as upgrading it to an invoice does;
        archived orders carry no ``lastUpdated``."""
        return self.move_sales_document("orders", number, ("sent", "drafts"), "archived")

    def send_quote(self, number: int) -> dict[str, Any]:
        """Move a draft quote to ``/quotes/sent`` (what POSTing it to ``/quotes/sent`` does)."""
        return self.move_sales_document("quotes", number, ("drafts",), "sent")

    def archive_quote(self, number: int) -> dict[str, Any]:
        """Move a sent (or draft) quote to ``/quotes/archived`` (no ``lastUpdated`` there)."""
        return self.move_sales_document("quotes", number, ("sent", "drafts"), "archived")

    def move_sales_document(
        self, family: str, number: int, sources: tuple[str, ...], target: str
    ) -> dict[str, Any]:
        """Move order or quote ``number`` from one of ``sources`` to ``target`` (kinds)."""
        tables = SALES_FAMILIES[family]
        with self.lock:
            found = self.find_sales_document(family, number)
            if found is None:
                raise KeyError(f"no {tables.noun} {number}")
            kind = found[0]
            if kind not in sources:
                raise ValueError(f"{tables.noun} {number} is in {kind}, not in {' or '.join(sources)}")
            self.delete(tables.table(kind), number)
            moved = found[1]
            moved.pop("lastUpdated", None)
            return self.insert(tables.table(target), moved, keep_last_updated=False)

    def add_accounting_year(
        self, year: str, from_date: str, to_date: str, *, closed: bool = False
    ) -> dict[str, Any]:
        """Add an accounting year (``"2026"``, ``"2026-01-01"``, ``"2026-12-31"``)."""
        record: dict[str, Any] = {"year": year, "fromDate": from_date, "toDate": to_date}
        if closed:
            record["closed"] = True
        return self.insert("accounting-years", record)

    def add_journal(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Add a journal (kassekladde): ``journalNumber``, ``name``, optional ``settings`` with
        ``voucherNumbers{minimumVoucherNumber, maximumVoucherNumber}``, ``entryTypeRestrictedTo`` and
        ``contraAccounts{customerPayments|supplierPayments|financeVouchers{accountNumber}}``."""
        return self.insert("journals", record)

    def add_contact(self, customer_number: int, record: Mapping[str, Any]) -> dict[str, Any]:
        """Add a contact person to a customer (``customerContactNumber`` assigned when missing)."""
        with self.lock:
            data = {**record, "customer": {"customerNumber": customer_number}}
            data.setdefault("sortKey", self.next_sort_key("customer-contacts", customer_number))
            return self.insert("customer-contacts", data)

    def add_delivery_location(self, customer_number: int, record: Mapping[str, Any]) -> dict[str, Any]:
        """Add a delivery location to a customer (``deliveryLocationNumber`` assigned when missing)."""
        with self.lock:
            data = {**record, "customer": {"customerNumber": customer_number}}
            data.setdefault("sortKey", self.next_sort_key("delivery-locations", customer_number))
            return self.insert("delivery-locations", data)

    def next_sort_key(self, resource: str, customer_number: int) -> int:
        keys = [
            r.get("sortKey", 0)
            for r in self.tables[resource].values()
            if get_path(r, "customer.customerNumber") == customer_number
        ]
        return max(keys, default=0) + 1

    def pay_invoice(self, booked_invoice_number: int, amount: Any = None) -> dict[str, Any]:
        """Settle a booked invoice in full (``amount`` None) or in part (``amount`` in its currency).

        e-conomic lowers ``remainder`` when a customer payment for the invoice is *booked* in a journal;
        draft journal entries (all the API can make) do not, so tests use this instead.
        """
        with self.lock:
            record = self.tables["invoices-booked"].get(booked_invoice_number)
            if record is None:
                raise KeyError(f"no booked invoice {booked_invoice_number}")
            remainder = to_decimal(record.get("remainder", 0))
            paid = remainder if amount is None else to_decimal(amount)
            record["remainder"] = round2(remainder - paid)
            rate = to_decimal(record.get("exchangeRate", 100))
            record["remainderInBaseCurrency"] = round2(record["remainder"] * rate / 100)
            self._bump("invoices-booked", booked_invoice_number)
            return copy.deepcopy(record)

    def journal_entries(self, journal_number: int | None = None) -> list[dict[str, Any]]:
        """Every entry of a journal (or of all journals) as signed postings, in entry order.

        Each entry gives one posting on its own side (``side="entry"``: the finance voucher's
        ``account``, or the supplier's / customer's ledger account, with ``amount`` as sent: positive
        is debit, negative credit) and, when it has a ``contraAccount``, one on the contra side
        (``side="contra"``, the amount negated). A voucher balances when the ``amountBaseCurrency``
        of its postings sums to zero. Keys: ``journalNumber``, ``journalEntryNumber``,
        ``accountingYear``, ``voucherNumber``, ``entryType``, ``side``, ``accountNumber`` (None when the
        party's group has no account), ``supplierNumber``, ``customerNumber``, ``amount``,
        ``amountBaseCurrency``, ``currency``, ``date``, ``text``, ``vatCode``, ``supplierInvoiceNumber``,
        ``customerInvoice``. VAT is not split off (the sandbox keeps no VAT account mapping).
        """
        postings: list[dict[str, Any]] = []
        with self.lock:
            table = self.tables["journal-entries"]
            for number in sorted(table):
                entry = table[number]
                journal = get_path(entry, "journal.journalNumber")
                if journal_number is not None and journal != journal_number:
                    continue
                amount = to_decimal(entry["amount"])
                base_amount = to_decimal(entry.get("amountBaseCurrency", amount))
                common = {
                    "journalNumber": journal,
                    "journalEntryNumber": number,
                    "accountingYear": get_path(entry, "voucher.accountingYear.year"),
                    "voucherNumber": get_path(entry, "voucher.voucherNumber"),
                    "entryType": entry.get("entryType"),
                    "currency": get_path(entry, "currency.code"),
                    "date": entry.get("date"),
                    "text": entry.get("text"),
                    "supplierNumber": get_path(entry, "supplier.supplierNumber"),
                    "customerNumber": get_path(entry, "customer.customerNumber"),
                    "supplierInvoiceNumber": entry.get("supplierInvoiceNumber"),
                    "customerInvoice": entry.get("customerInvoice"),
                }
                own_account = self._entry_account(entry)
                if own_account is not None or common["supplierNumber"] or common["customerNumber"]:
                    postings.append(
                        {
                            **common,
                            "side": "entry",
                            "accountNumber": own_account,
                            "amount": amount,
                            "amountBaseCurrency": base_amount,
                            "vatCode": get_path(entry, "vatAccount.vatCode"),
                        }
                    )
                contra = get_path(entry, "contraAccount.accountNumber")
                if contra is not None:
                    postings.append(
                        {
                            **common,
                            "side": "contra",
                            "accountNumber": contra,
                            "amount": -amount,
                            "amountBaseCurrency": -base_amount,
                            "vatCode": get_path(entry, "contraVatAccount.vatCode"),
                        }
                    )
        return postings

    def _entry_account(self, entry: Mapping[str, Any]) -> int | None:
        """The ledger account an entry's own side posts to (a party's group account for parties)."""
        account = get_path(entry, "account.accountNumber")
        if account is not None:
            return int(account)
        for party, table, group_ref, group_table in (
            ("supplier.supplierNumber", "suppliers", "supplierGroup.supplierGroupNumber", "supplier-groups"),
            ("customer.customerNumber", "customers", "customerGroup.customerGroupNumber", "customer-groups"),
        ):
            number = get_path(entry, party)
            if number is None:
                continue
            record = self.tables[table].get(number)
            group = self.tables[group_table].get(get_path(record, group_ref)) if record else None
            found = get_path(group, "account.accountNumber") if group else None
            return int(found) if found is not None else None
        return None

    def add_many(self, resource: str, records: Iterable[Mapping[str, Any]]) -> None:
        """Insert several records of one resource (used by the demo seed)."""
        for record in records:
            self.insert(resource, record)


def _sort_key(key: Key) -> tuple[int, int | str]:
    # Integers before strings, each in natural order (tables hold one kind anyway).
    return (0, key) if isinstance(key, int) else (1, str(key).lower())
