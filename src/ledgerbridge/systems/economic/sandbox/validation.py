"""Validate POST/PUT documents the way the legacy REST API does, and turn them into stored records.

Every failing property is reported at once, in e-conomic's *annotated* form: the request document
with each failing property replaced by ``{"errors": [{errorCode, message, value?, developerHint}]}``.
Unknown and read-only properties are ignored (live behaviour); ``null`` is refused ("Expected String
but got Null."); references accept a number or a ``self`` link.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import unquote, urlsplit

from ledgerbridge.systems.economic.links import decode_id
from ledgerbridge.systems.economic.sandbox.errors import (
    IMMUTABLE_TERMS,
    NO_IDENTIFIER,
    NOT_FOUND,
    SCALE,
    UNPUBLISHED,
    VALIDATION_HINT,
    VALIDATION_MESSAGE,
    LegacyHttpError,
    field_error,
)
from ledgerbridge.systems.economic.sandbox.resources import (
    ARRAY,
    BOOLEAN,
    DATE,
    INTEGER,
    NUMBER,
    SPECS,
    STRING,
    Field,
    Ref,
    ResourceSpec,
)
from ledgerbridge.systems.economic.sandbox.state import EconomicState, Key, get_path, set_path

_PUT_REQUIRES_KEY = ("products", "suppliers", "customer-contacts")
_TYPE_NAMES = {
    STRING: "String",
    INTEGER: "Integer",
    NUMBER: "Number",
    BOOLEAN: "Boolean",
    DATE: "String",
    ARRAY: "Array",
}
_PLACES = {2: "two", 6: "six"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MISSING = object()


def json_type_name(value: Any) -> str:
    """The JSON-schema name of a decoded JSON value's type (for "Expected X but got Y")."""
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, Decimal | float):
        return "Number"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    return "Object"


def _lookup(body: Mapping[str, Any], path: str) -> Any:
    node: Any = body
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


class Annotated:
    """Collects errors into the annotated document shape."""

    def __init__(self) -> None:
        self.doc: dict[str, Any] = {}

    def add(self, path: str, entry: dict[str, Any]) -> None:
        """Record one error entry at a dotted property path."""
        node = self.doc
        for part in path.split("."):
            node = node.setdefault(part, {})
        node.setdefault("errors", []).append(entry)

    def __bool__(self) -> bool:
        return bool(self.doc)


def check_field(f: Field, value: Any, errors: Annotated) -> Any:
    """The value to store, or _MISSING after recording an error."""
    name = f.path.rsplit(".", 1)[-1]
    expected = _TYPE_NAMES[f.type]
    got = json_type_name(value)
    if value is None:
        errors.add(f.path, field_error(UNPUBLISHED, f"Expected {expected} but got Null."))
        return _MISSING
    ok = {
        STRING: isinstance(value, str),
        DATE: isinstance(value, str),
        ARRAY: isinstance(value, list),
        INTEGER: isinstance(value, int) and not isinstance(value, bool),
        NUMBER: isinstance(value, int | Decimal | float) and not isinstance(value, bool),
        BOOLEAN: isinstance(value, bool),
    }[f.type]
    if not ok:
        errors.add(
            f.path,
            field_error(UNPUBLISHED, f"Expected {expected} but got {got}.", value=value, include_value=True),
        )
        return _MISSING
    if f.type == STRING:
        if f.max_length is not None and len(value) > f.max_length:
            errors.add(
                f.path,
                field_error(
                    UNPUBLISHED, f"String '{value}' exceeds maximum length of {f.max_length}.", value=value
                ),
            )
            return _MISSING
        if f.min_length is not None and len(value) < f.min_length:
            errors.add(
                f.path,
                field_error(
                    UNPUBLISHED,
                    f"String '{value}' is less than minimum length of {f.min_length}.",
                    value=value,
                    include_value=True,
                ),
            )
            return _MISSING
        if f.enum is not None and value not in f.enum:
            errors.add(
                f.path, field_error(UNPUBLISHED, f'Value "{value}" is not defined in enum.', value=value)
            )
            return _MISSING
    if f.type == DATE and not _is_date(value):
        errors.add(
            f.path,
            field_error(
                UNPUBLISHED,
                f"String '{value}' is not a valid date (YYYY-MM-DD).",
                value=value,
                include_value=True,
            ),
        )
        return _MISSING
    if f.type == ARRAY:
        allowed = f.enum or ()
        bad = [item for item in value if not isinstance(item, str) or (allowed and item not in allowed)]
        if bad:
            errors.add(
                f.path,
                field_error(UNPUBLISHED, f'Value "{bad[0]}" is not defined in enum.', value=bad[0]),
            )
            return _MISSING
        if len(set(value)) != len(value):
            errors.add(f.path, field_error(UNPUBLISHED, "Array items are not unique.", value=value))
            return _MISSING
        return list(value)
    if f.type in (INTEGER, NUMBER):
        label = "Integer" if f.type == INTEGER else "Number"
        if f.minimum is not None and value < f.minimum:
            errors.add(
                f.path,
                field_error(
                    UNPUBLISHED,
                    f"{label} {value} is less than minimum value of {f.minimum}.",
                    value=value,
                    include_value=True,
                ),
            )
            return _MISSING
        if f.maximum is not None and value > f.maximum:
            errors.add(
                f.path,
                field_error(
                    UNPUBLISHED, f"{label} {value} exceeds maximum value of {f.maximum}.", value=value
                ),
            )
            return _MISSING
    if f.type == NUMBER:
        amount = (
            value
            if isinstance(value, Decimal)
            else Decimal(repr(value) if isinstance(value, float) else value)
        )
        if f.max_decimals is not None and amount != amount.quantize(Decimal(1).scaleb(-f.max_decimals)):
            errors.add(
                f.path,
                field_error(
                    SCALE,
                    f"{name} scale cannot be greater then "
                    f"{_PLACES.get(f.max_decimals, str(f.max_decimals))} decimal places.",
                    value=value,
                    hint="Please check the format of your data.",
                ),
            )
            return _MISSING
        return amount
    return value


def _is_date(value: str) -> bool:
    if not _DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _key_from_self(link: str, target: ResourceSpec) -> Key | None:
    """The identifier at the end of a ``self`` link such as ``https://.../customer-groups/2``."""
    path = urlsplit(link).path.rstrip("/")
    route, _, last = path.rpartition("/")
    if not route.endswith("/" + target.path) or not last:
        return None
    return target.key_from_text(decode_id(unquote(last)))


def check_ref(state: EconomicState, ref: Ref, raw: Any, errors: Annotated, base: str) -> Any:
    """The stored reference (``{key: n}``), or _MISSING after recording an error."""
    if not isinstance(raw, Mapping):
        errors.add(
            ref.name,
            field_error(
                UNPUBLISHED,
                f"Expected Object but got {json_type_name(raw)}.",
                value=raw,
                include_value=raw is not None,
            ),
        )
        return _MISSING
    target = SPECS[ref.target] if ref.target else None
    route = (target.path if target else ref.route) or ""
    label = ref.name.rsplit(".", 1)[-1]
    number = raw.get(ref.key)
    link = raw.get("self")
    if number is None and isinstance(link, str) and target is not None:
        number = _key_from_self(link, target)
        if number is None:
            errors.add(
                ref.name,
                field_error(
                    NOT_FOUND,
                    f"{label} does not exist.",
                    value=link,
                    hint=f"Find a list of {route.replace('-', ' ')} at {base}/{route}.",
                ),
            )
            return _MISSING
    if number is None:
        errors.add(
            ref.name,
            field_error(
                NO_IDENTIFIER,
                f"No identifiers present on {label}. Please include either a self link or a {ref.key}.",
                hint=f"Find a list of resources at {base}/{route}.",
            ),
        )
        return _MISSING
    key_is_str = target.key_is_str if target else False
    if (key_is_str and not isinstance(number, str)) or (
        not key_is_str and (not isinstance(number, int) or isinstance(number, bool))
    ):
        expected = "String" if key_is_str else "Integer"
        errors.add(
            f"{ref.name}.{ref.key}",
            field_error(
                UNPUBLISHED,
                f"Expected {expected} but got {json_type_name(number)}.",
                value=number,
                include_value=True,
            ),
        )
        return _MISSING
    if target is not None and not state.exists(target.name, number):
        errors.add(
            ref.name,
            field_error(
                NOT_FOUND,
                f"{label} does not exist.",
                value=number,
                hint=f"Find a list of {route.replace('-', ' ')} at {base}/{route}.",
            ),
        )
        return _MISSING
    return {ref.key: number}


def _check_containers(body: Mapping[str, Any], fields: tuple[Field, ...], errors: Annotated) -> None:
    """An object holding fields (``inventory``, ``remittanceAdvice``) sent as anything but an object
    (or null) is refused as the schema types it, not ignored with its fields."""
    containers = sorted({f.path.rsplit(".", 1)[0] for f in fields if "." in f.path})
    for path in containers:
        value = _lookup(body, path)
        if value is _MISSING or value is None or isinstance(value, Mapping):
            continue
        got = json_type_name(value)
        errors.add(
            path, field_error(UNPUBLISHED, f"Expected Object but got {got}.", value=value, include_value=True)
        )


def check_typed_only(body: Mapping[str, Any], fields: tuple[Field, ...], errors: Annotated) -> None:
    """Properties a write schema lists that the server computes or ignores: one sent must still have its
    schema's type (a wrong one is a 400), and nothing of it is stored."""
    _check_containers(body, fields, errors)
    for f in fields:
        value = _lookup(body, f.path)
        if value is not _MISSING and value is not None:
            check_field(f, value, errors)


def check_document(
    state: EconomicState,
    spec: ResourceSpec,
    body: Mapping[str, Any],
    errors: Annotated,
    *,
    base: str,
    creating: bool,
    fields: tuple[Field, ...] | None = None,
    refs: tuple[Ref, ...] | None = None,
) -> dict[str, Any]:
    """The scalar fields and references of ``body`` checked against ``spec`` (or the ``fields``/``refs``
    given, e.g. an invoice line's), as a record to store; problems go to ``errors``."""
    record: dict[str, Any] = {}
    _check_containers(body, spec.fields if fields is None else fields, errors)
    for f in spec.fields if fields is None else fields:
        if f.path == spec.key and not creating and fields is None:
            # The path names the record on PUT (renumbering is not emulated), but the products and
            # suppliers PUT schemas still require the number in the body, and a number sent is checked
            # as the schema types it.
            given = _lookup(body, f.path)
            if given is _MISSING:
                if spec.name in _PUT_REQUIRES_KEY:
                    errors.add(f.path, field_error(UNPUBLISHED, f"Required property '{f.path}' is missing."))
            else:
                check_field(f, given, errors)
            continue
        if f.path == "eInvoicingDisabledByDefault" and not creating:
            continue  # "updatable only by using PATCH" (schema); PUT keeps the current value
        value = _lookup(body, f.path)
        if value is _MISSING:
            if f.required:
                errors.add(
                    f.path,
                    field_error(UNPUBLISHED, f"Required property '{f.path.rsplit('.', 1)[-1]}' is missing."),
                )
            continue
        checked = check_field(f, value, errors)
        if checked is not _MISSING:
            set_path(record, f.path, checked)

    for ref in spec.refs if refs is None else refs:
        if ref.put_only and creating:
            continue  # not part of the POST schema: ignored like any unknown property
        raw = _lookup(body, ref.name)
        if raw is _MISSING:
            if ref.required:
                errors.add(
                    ref.name,
                    field_error(
                        UNPUBLISHED, f"Required property '{ref.name.rsplit('.', 1)[-1]}' is missing."
                    ),
                )
            continue
        checked = check_ref(state, ref, raw, errors, base)
        if checked is not _MISSING:
            set_path(record, ref.name, checked)

    if isinstance(record.get("currency"), str) and state.count("currencies"):
        if not state.exists("currencies", record["currency"].upper()):
            errors.add(
                "currency",
                field_error(
                    NOT_FOUND,
                    "currency does not exist.",
                    value=record["currency"],
                    hint=f"Find a list of currencies at {base}/currencies.",
                ),
            )
        else:
            record["currency"] = record["currency"].upper()
    return record


def validate_write(
    state: EconomicState,
    spec: ResourceSpec,
    body: Any,
    *,
    base: str,
    path_key: Key | None,
    existing: Mapping[str, Any] | None,
) -> tuple[Key, dict[str, Any]]:
    """Check a POST (``path_key`` None) or PUT document; return the key and the record to store.

    Raises :class:`LegacyHttpError` (400, annotated errors) when anything is wrong.
    """
    require_object(body)
    errors = Annotated()
    record = check_document(state, spec, body, errors, base=base, creating=path_key is None)
    key = _resolve_key(state, spec, record, path_key, errors)
    _resource_rules(state, spec, record, existing, errors, key)
    raise_if(errors)

    if existing is not None:
        _keep_read_only(spec, record, existing)
    if spec.name == "suppliers" and "layout" not in record and state.count("layouts"):
        # suppliers.get requires a layout although writes may omit it: the agreement's default applies.
        record["layout"] = {"layoutNumber": min(r["layoutNumber"] for r in state.records("layouts"))}
    record[spec.key] = key
    return key, record


def require_object(body: Any) -> None:
    """400 unless the request body is a JSON object."""
    if not isinstance(body, Mapping):
        raise LegacyHttpError(
            400,
            VALIDATION_MESSAGE,
            developer_hint=VALIDATION_HINT,
            errors=[f"Expected Object but got {json_type_name(body)}."],
        )


def raise_if(errors: Annotated) -> None:
    """Raise the 400 validation error when ``errors`` holds anything."""
    if errors:
        raise LegacyHttpError(400, VALIDATION_MESSAGE, developer_hint=VALIDATION_HINT, errors=errors.doc)


def _resolve_key(
    state: EconomicState, spec: ResourceSpec, record: dict[str, Any], path_key: Key | None, errors: Annotated
) -> Key:
    if path_key is not None:
        return path_key
    given = record.get(spec.key)
    if given is None:
        if not spec.server_assigns_key:
            errors.add(spec.key, field_error(UNPUBLISHED, f"Required property '{spec.key}' is missing."))
            return ""
        return state.next_key(spec.name)
    if state.exists(spec.name, given):
        errors.add(
            spec.key,
            field_error(
                UNPUBLISHED,
                f"{spec.singular} {given} already exists.",
                value=given,
                hint=f"Use PUT to change an existing {spec.singular}.",
            ),
        )
    return given


def _resource_rules(
    state: EconomicState,
    spec: ResourceSpec,
    record: dict[str, Any],
    existing: Mapping[str, Any] | None,
    errors: Annotated,
    key: Key,
) -> None:
    """Rules beyond the schema that e-conomic enforces (observed live)."""
    if spec.name == "customers":
        # A customer's contact person and default delivery location must be its own.
        for name, resource, ref_key in (
            ("attention", "customer-contacts", "customerContactNumber"),
            ("customerContact", "customer-contacts", "customerContactNumber"),
            ("defaultDeliveryLocation", "delivery-locations", "deliveryLocationNumber"),
        ):
            number = get_path(record, f"{name}.{ref_key}")
            other = state.get(resource, number) if number is not None else None
            if other is not None and get_path(other, "customer.customerNumber") != key:
                errors.add(
                    name,
                    field_error(
                        UNPUBLISHED, f"{name} {number} does not belong to customer {key}.", value=number
                    ),
                )
    if spec.name == "customer-groups":
        number = get_path(record, "account.accountNumber")
        account = state.get("accounts", number) if number is not None else None
        if account is not None and (
            account.get("barred") or account.get("accountType") not in ("profitAndLoss", "status")
        ):
            errors.add(
                "account",
                field_error(
                    UNPUBLISHED,
                    "account must be a non-barred profit and loss or balance account.",
                    value=number,
                ),
            )
    for resource, flag in (("customers", "enabledForCustomer"), ("suppliers", "enabledForSupplier")):
        if spec.name == resource:
            zone_number = get_path(record, "vatZone.vatZoneNumber")
            zone = state.get("vat-zones", zone_number) if zone_number is not None else None
            if zone is not None and not zone.get(flag):
                errors.add(
                    "vatZone",
                    field_error(UNPUBLISHED, f"vatZone is not enabled for {resource}.", value=zone_number),
                )
    if spec.name == "payment-terms" and existing is not None:
        for name in ("paymentTermsType", "daysOfCredit"):
            if name in record and existing.get(name) is not None and record[name] != existing.get(name):
                errors.add(
                    name,
                    field_error(
                        IMMUTABLE_TERMS,
                        f"{name} cannot be changed on existing payment terms.",
                        value=record[name],
                        hint="Create new payment terms instead.",
                    ),
                )


_READ_ONLY = {
    "customers": ("balance", "dueAmount", "eInvoicingDisabledByDefault"),
    "products": (
        "minimumStock",  # set in the UI (not in the schemas); a PUT of a read-back must not drop it
        "inventory.available",
        "inventory.inStock",
        "inventory.orderedByCustomers",
        "inventory.orderedFromSuppliers",
        "inventory.grossWeight",
        "inventory.netWeight",
    ),
    "payment-terms": ("paymentTermsType", "daysOfCredit"),
}


def _keep_read_only(spec: ResourceSpec, record: dict[str, Any], existing: Mapping[str, Any]) -> None:
    """Read-only values survive a PUT (the document replaces only what a caller may write)."""
    for path in _READ_ONLY.get(spec.name, ()):
        value = get_path(existing, path)
        if value is not None and get_path(record, path) is None:
            set_path(record, path, value)
