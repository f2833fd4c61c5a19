"""The sandbox's in-memory agreement: one e-conomic company, thread-safe, with a Python API for tests.

Records are stored in their wire shape minus links: references as ``{"customerGroupNumber": 1}``,
money as :class:`~decimal.Decimal`, ``lastUpdated`` as ``"2024-01-01T12:00:00Z"``. The HTTP layer
renders ``self`` links and expanded references on the way out.

Direct writes (``state.add_customer({...})``, ``state.update("products", "1001", {...})``) skip
validation on purpose, so tests can build any situation, including broken references. They do keep
``lastUpdated`` current on customers and products, like every API write.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ledgerbridge.systems.economic.sandbox.resources import SPECS, ResourceSpec

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
    any non-empty token pair, or a set of ``(app_secret, grant)`` pairs to accept only those.
    ``oas_cursor_page_size`` is the OpenAPI services' cursor page size (1000, as e-conomic's
    ``x-cursor-page-size``); tests lower it to exercise cursor paging with few records.
    """

    def __init__(self, *, clock: Callable[[], datetime] | None = None) -> None:
        self.lock = threading.RLock()
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.tables: dict[str, dict[Key, dict[str, Any]]] = {name: {} for name in SPECS}
        self.agreement: dict[str, Any] = _default_agreement()
        self.accepted_tokens: set[tuple[str, str]] | None = None
        self.oas_cursor_page_size = 1000
        self.idempotency_ttl_seconds = 3600.0
        self._idempotency: dict[str, CachedResponse] = {}
        self._versions: dict[tuple[str, Key], int] = {}
        self._version_counter = 0

    # -- time and versions -----------------------------------------------------------------------
    def now_text(self) -> str:
        """The current time as a ``lastUpdated`` value."""
        return format_timestamp(self.clock())

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
            keys = [k for k in self.tables[resource] if isinstance(k, int)]
            return max(keys, default=0) + 1

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
            return removed is not None

    def clear(self) -> None:
        """Forget every record (the agreement's company info stays)."""
        with self.lock:
            for table in self.tables.values():
                table.clear()
            self._versions.clear()
            self._idempotency.clear()

    def reset(self) -> None:
        """Back to an empty agreement: no records, default company info, any token pair accepted."""
        with self.lock:
            self.clear()
            self.agreement = _default_agreement()
            self.accepted_tokens = None
            self.oas_cursor_page_size = 1000

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

    # -- convenience writers ---------------------------------------------------------------------
    def _first_key(self, resource: str) -> Key | None:
        table = self.tables[resource]
        return min(table, key=_sort_key) if table else None

    def _with_defaults(self, resource: str, record: Mapping[str, Any]) -> dict[str, Any]:
        """Fill required references a test left out with the lowest-numbered existing record."""
        spec = self.spec(resource)
        data = dict(record)
        with self.lock:
            for ref in spec.refs:
                if ref.required and ref.name not in data and ref.target:
                    first = self._first_key(ref.target)
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

    def add_many(self, resource: str, records: Iterable[Mapping[str, Any]]) -> None:
        """Insert several records of one resource (used by the demo seed)."""
        for record in records:
            self.insert(resource, record)


def _sort_key(key: Key) -> tuple[int, int | str]:
    # Integers before strings, each in natural order (tables hold one kind anyway).
    return (0, key) if isinstance(key, int) else (1, str(key).lower())
