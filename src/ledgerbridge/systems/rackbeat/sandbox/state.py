"""The sandbox's in-memory Rackbeat account: records, company settings and a log of API writes.

Tests use the same object the HTTP app uses (``app.rackbeat_state``) to seed data and to check what
the integration wrote. Every public method takes the one lock, so the uvicorn thread and the test
thread can both use it.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import unquote

from ledgerbridge.systems.rackbeat.sandbox.resources import (
    COMPANY_SETTING_KEYS,
    PAYMENT_TERM_TYPES,
    RESOURCES,
    ResourceSpec,
    attribute,
    msg_taken,
    urlfriendly,
    validate,
    validate_company,
)

WriteAction = Literal["create", "update", "delete"]
_ZERO = Decimal(0)


def utcnow() -> datetime:
    """Now, in UTC, to the second (Rackbeat timestamps carry no fractions)."""
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    """ISO-8601 with offset, the ``Y-m-d\\TH:i:sP`` format Rackbeat's SDK parses."""
    return moment.isoformat(timespec="seconds")


class SandboxValidationError(Exception):
    """The data is invalid; ``errors`` is the Laravel map the API answers with a 422."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


class SandboxNotFoundError(Exception):
    """No record with that key; ``message`` is Laravel's ModelNotFoundException text."""

    def __init__(self, model: str, key: Any) -> None:
        self.message = f"No query results for model [App\\Models\\{model}] {key}"
        super().__init__(self.message)


@dataclass(frozen=True)
class WriteLogEntry:
    """One write made through the HTTP API.

    The app passes ``log=True``; writes a test makes through the state's Python API (``add``,
    ``update``, ``delete``) are not logged, so the log shows only what a client did.
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


class RackbeatState:
    """All data of one emulated Rackbeat account.

    Records are stored by internal ``id``; references between records are stored as ids too and shown
    as the referenced record's current business number, as Rackbeat's database does. ``clock``
    returns the (aware) time used for ``created_at``/``updated_at``.
    """

    def __init__(
        self,
        *,
        account_id: int = 1,
        company_name: str = "Rackbeat Sandbox ApS",
        user: Mapping[str, Any] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self.account_id = account_id
        self.user: dict[str, Any] = dict(
            user or {"id": 1, "name": "Sandbox User", "email": "sandbox@example.com"}
        )
        self._company_name = company_name
        self.reset()

    # -- housekeeping ----------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget every record, setting change and logged write."""
        with self._lock:
            self._rows: dict[str, dict[int, dict[str, Any]]] = {path: {} for path in RESOURCES}
            self._keys: dict[str, dict[int | str, int]] = {path: {} for path in RESOURCES}
            self._next_id: dict[str, int] = dict.fromkeys(RESOURCES, 1)
            self._writes: list[WriteLogEntry] = []
            self._settings: dict[str, Any] = {"company": _default_company(self._company_name)}

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
    ) -> list[dict[str, Any]]:
        """The matching records, rendered and sorted (by key unless ``order_by`` names a field)."""
        spec = self.spec(resource)
        with self._lock:
            rows = list(self._rows[resource].values())
            if search:
                needle = search.casefold()
                fields = (spec.key_field, *spec.search_fields)
                rows = [r for r in rows if any(needle in str(r.get(f) or "").casefold() for f in fields)]
            if is_barred is not None:
                rows = [r for r in rows if bool(r.get("is_barred")) is is_barred]
            if updated_from is not None:
                rows = [r for r in rows if r["updated_at"] >= updated_from]
            if updated_to is not None:
                rows = [r for r in rows if r["updated_at"] <= updated_to]
            rendered = [self._render(spec, r, base_url) for r in rows]
        sort_field = order_by or spec.key_field

        def sort_key(record: dict[str, Any]) -> tuple[int, Any]:
            value = record.get(sort_field)
            return (0, "") if value is None else (1, value)

        rendered.sort(key=sort_key, reverse=descending)
        return rendered

    def sortable_fields(self, resource: str) -> set[str]:
        """The fields ``order_by`` accepts: the scalar ones every record carries."""
        spec = self.spec(resource)
        names = {"id", spec.key_field, "created_at", "updated_at"}
        names.update(f.name for f in spec.fields if not (f.ref and f.accepts_object))
        return names

    # -- writing ---------------------------------------------------------------------------------
    def add(self, resource: str, data: Mapping[str, Any], *, base_url: str = "") -> dict[str, Any]:
        """Seed a record, validated like a POST but not logged as an API write."""
        return self.create(resource, data, base_url=base_url, log=False)

    def create(
        self,
        resource: str,
        data: Mapping[str, Any],
        *,
        suppress_webhooks: bool = False,
        base_url: str = "",
        log: bool = False,
    ) -> dict[str, Any]:
        """Validate and store a new record; return it as the API shows it. ``log`` records it as an API write.

        Raises :class:`SandboxValidationError` with Laravel's error map.
        """
        spec = self.spec(resource)
        with self._lock:
            values, errors = validate(spec, data, creating=True, lookup=self._lookup)
            key = None if spec.server_keyed else values.pop(spec.key_field, None)
            if key is not None and key in self._keys[resource] and spec.key_field not in errors:
                errors[spec.key_field] = [msg_taken(spec.key_field)]
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
                if f.name != spec.key_field:
                    row[f.name] = values.get(f.name, f.default)
            row["created_at"] = row["updated_at"] = now
            self._rows[resource][row_id] = row
            self._keys[resource][key] = row_id
            self._after_write(spec, row)
            if log:
                self._log(resource, "create", key, row_id, suppress_webhooks, data)
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
    ) -> dict[str, Any]:
        """Change the fields ``data`` carries (omitted fields are kept); return the record.

        ``updated_at`` moves only when a value changed, as Eloquent's dirty check does.
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
            changed = new_key != old_key or any(row.get(k) != v for k, v in values.items())
            row.update(values)
            if new_key != old_key:
                del self._keys[resource][old_key]
                row[spec.key_field] = new_key
                self._keys[resource][new_key] = row["id"]
            if changed:
                row["updated_at"] = self._clock()
            self._after_write(spec, row)
            if log:
                self._log(resource, "update", new_key, row["id"], suppress_webhooks, data)
            return self._render(spec, row, base_url)

    def delete(self, resource: str, key: Any, *, suppress_webhooks: bool = False, log: bool = False) -> None:
        """Remove a record. A record other records point at is refused (422 on the key field)."""
        spec = self.spec(resource)
        with self._lock:
            row = self._row(spec, key)
            for other in RESOURCES.values():
                for f in other.fields:
                    if f.ref != resource:
                        continue
                    users = sum(1 for r in self._rows[other.path].values() if r.get(f.name) == row["id"])
                    if users:
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
            if log:
                self._log(resource, "delete", row[spec.key_field], row["id"], suppress_webhooks, {})

    def writes(self, resource: str | None = None) -> list[WriteLogEntry]:
        """API writes in order, optionally only those to ``resource``."""
        with self._lock:
            return [w for w in self._writes if resource is None or w.resource == resource]

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
                    "base_currency": "DKK",
                },
                "user": dict(self.user),
            }

    # -- internals -------------------------------------------------------------------------------
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

    def _self_url(self, spec: ResourceSpec, row: dict[str, Any], base_url: str) -> str:
        return f"{base_url}/{spec.path}/{urlfriendly(str(row[spec.key_field]))}"

    def _render(self, spec: ResourceSpec, row: dict[str, Any], base_url: str) -> dict[str, Any]:
        """A stored row as the API shows it (a new dict: callers may keep or change it)."""
        out: dict[str, Any] = {"id": row["id"]}
        if not spec.server_keyed:
            out[spec.key_field] = row[spec.key_field]
        if spec.path == "products":
            out["urlfriendly_number"] = urlfriendly(row["number"])
            out["type"] = "product"
        for f in spec.fields:
            if f.name == spec.key_field:
                continue
            value = row.get(f.name)
            out[f.name] = self._number_of(f.ref, value) if f.ref else value
            if f.name == "name" and spec.path in ("customers", "suppliers"):
                out["company_name"] = value  # both names until the real one is confirmed (research A4)
        extra = _EXTRAS.get(spec.path)
        if extra is not None:
            extra(self, row, out, base_url)
        out["created_at"] = iso(row["created_at"])
        out["updated_at"] = iso(row["updated_at"])
        out["self"] = self._self_url(spec, row, base_url)
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

    def _extra_product(self, row: dict[str, Any], out: dict[str, Any], base_url: str) -> None:
        group = self._nested("product-groups", row["group"], base_url, brief=True)
        out["group"] = group
        out["group_id"] = None if group is None else group["number"]
        out["unit"] = self._nested("units", row["unit_id"], base_url, brief=True)
        # Stock and cost come from stock movements, which the sandbox does not emulate yet.
        cost = _ZERO
        out["cost_price"] = cost
        out["sales_profit"] = (row["sales_price"] or _ZERO) - cost
        out["cost_addition_percentage"] = _ZERO
        for name in (
            "stock_quantity",
            "in_order_quantity",
            "available_quantity",
            "purchased_quantity",
            "used_in_production_quantity",
            "min_order",
            "min_sales",
            "min_stock",
        ):
            out[name] = 0
        out["inventory_enabled"] = bool(group and group.get("has_inventory"))
        out["default_location"] = None
        out["default_supplier_id"] = None
        out["is_draft"] = False
        out["deleted_at"] = None

    def _extra_product_group(self, row: dict[str, Any], out: dict[str, Any], base_url: str) -> None:
        out["is_draft"] = False
        out["num_products"] = sum(1 for p in self._rows["products"].values() if p["group"] == row["id"])

    def _extra_draftable(self, row: dict[str, Any], out: dict[str, Any], base_url: str) -> None:
        out["is_draft"] = False

    def _extra_payment_term(self, row: dict[str, Any], out: dict[str, Any], base_url: str) -> None:
        out["type_translated"] = PAYMENT_TERM_TYPES.get(row["type"], row["type"])


_Extra = Callable[[RackbeatState, dict[str, Any], dict[str, Any], str], None]
_EXTRAS: dict[str, _Extra] = {
    "customers": RackbeatState._extra_customer,
    "suppliers": RackbeatState._extra_supplier,
    "products": RackbeatState._extra_product,
    "product-groups": RackbeatState._extra_product_group,
    "customer-groups": RackbeatState._extra_draftable,
    "units": RackbeatState._extra_draftable,
    "payment-terms": RackbeatState._extra_payment_term,
}
