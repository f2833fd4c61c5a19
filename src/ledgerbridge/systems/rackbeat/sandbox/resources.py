"""What each emulated Rackbeat resource accepts: fields, types, references, and Laravel-style validation.

Rackbeat is a Laravel application, so the sandbox validates the way Laravel does: every field is
checked, all problems are collected, and the answer is a 422 ``{"errors": {field: [messages]}}`` with
Laravel's English messages ("The name field is required.", "The selected customer group id is
invalid."). Global Laravel middleware is emulated too: strings are trimmed and empty strings become
``null`` (``TrimStrings`` and ``ConvertEmptyStringsToNull``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal
from urllib.parse import quote

FieldKind = Literal["int", "str", "bool", "decimal", "enum", "date", "lines"]
LineKind = Literal["invoice", "order", "lot"]

INT_MAX = 2_147_483_647  # a MySQL INT column: the widest business number Rackbeat can store
PAYMENT_TERM_TYPES: dict[str, str] = {
    # type -> type_translated (the English label the API adds next to ``type``)
    "net": "Net",
    "invoice_month": "Invoice month",
    "current_month": "Current month",
    "paid_in_cash": "Paid in cash",
    "prepaid": "Prepaid",
    "due_date": "Due date",
}
VAT_ZONES = ("domestic", "eu", "abroad", "domestic_exempt")
# The VAT percentage an invoice line gets when it names none: Danish VAT at home, none abroad.
VAT_BY_ZONE: dict[str, Decimal] = {
    "domestic": Decimal(25),
    "eu": Decimal(0),
    "abroad": Decimal(0),
    "domestic_exempt": Decimal(0),
}
BASE_CURRENCY = "DKK"
# Fixed sandbox exchange rates (DKK per 100 units), used when an invoice in a foreign currency names no
# ``currency_rate``. A currency not listed must come with a rate.
CURRENCY_RATES: dict[str, Decimal] = {
    "DKK": Decimal(100),
    "EUR": Decimal("745.5"),
    "SEK": Decimal(64),
    "NOK": Decimal("62.5"),
    "USD": Decimal(690),
    "GBP": Decimal(870),
}
COMPANY_SETTING_KEYS = (
    "name",
    "address_street",
    "address_street2",
    "address_zipcode",
    "address_city",
    "address_country",
    "phone",
    "email",
    "website",
    "company_identification_number",
    "vat_number",
    "attention",
)


@dataclass(frozen=True)
class FieldSpec:
    """One writable field. ``ref`` names the resource whose business number the value must be."""

    name: str
    kind: FieldKind
    required: bool = False
    max_length: int | None = 255
    size: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    ref: str | None = None
    default: Any = None
    decimals: int = 6
    aliases: tuple[str, ...] = ()
    # A reference may come back as the object a GET returned ({"number": 3, ...}), so that a
    # read-modify-write of a product does not fail on ``group``/``unit``.
    accepts_object: bool = False
    # Decimal bounds (Laravel ``between``/``gt``): inclusive range, or "greater than" when ``positive``.
    between: tuple[int, int] | None = None
    positive: bool = False
    # An item number: "can be either a string or an integer" (legacy docs), stored as a string.
    int_as_str: bool = False
    lines: LineKind | None = None  # for kind "lines": which line shape the array holds


@dataclass(frozen=True)
class ResourceSpec:
    """One collection: its path, envelope keys, key field and writable fields."""

    path: str
    singular: str
    plural: str
    model: str
    key_field: Literal["number", "id"]
    key_kind: Literal["int", "str"]
    fields: tuple[FieldSpec, ...]
    search_fields: tuple[str, ...] = ("name",)
    # Invoices: whose document it is ("customer" -> customers/customer_id, "supplier" -> ...).
    document: Literal["customer", "supplier"] | None = None
    # Items (products, BOMs): the ``type`` they show and the child_type invoice lines give them.
    item_type: Literal["product", "lot"] | None = None
    # Sales orders: a customer document like an invoice, but dated ``order_date``, every line needs an
    # item, booking moves no stock, and a booked order still takes ``note``/``heading``.
    is_order: bool = False

    @property
    def server_keyed(self) -> bool:
        """True when the server assigns the key (``id``), as for bank accounts."""
        return self.key_field == "id"

    @property
    def has_barred(self) -> bool:
        return any(f.name == "is_barred" for f in self.fields)

    @property
    def party(self) -> str | None:
        """The resource an invoice belongs to (``customers``/``suppliers``), or None."""
        return None if self.document is None else f"{self.document}s"

    @property
    def party_field(self) -> str | None:
        return None if self.document is None else f"{self.document}_id"

    @property
    def noun(self) -> str:
        """What a document is called in messages ("invoice", "order")."""
        return "order" if self.is_order else "invoice"

    @property
    def date_field(self) -> str:
        """A document's date (``invoice_date``/``order_date``), also the ``<date>_from/_to`` filters."""
        return "order_date" if self.is_order else "invoice_date"

    @property
    def booked_editable(self) -> frozenset[str]:
        """The fields a PUT may still change once the document is booked."""
        return frozenset({"note", "heading"}) if self.is_order else frozenset({"is_sent"})

    def field(self, name: str) -> FieldSpec | None:
        for spec in self.fields:
            if spec.name == name:
                return spec
        return None


def urlfriendly(number: str) -> str:
    """The ``urlfriendly_number`` of a product number: the number percent-encoded once (RFC 3986)."""
    return quote(number, safe="")


def _str(name: str, **kwargs: Any) -> FieldSpec:
    return FieldSpec(name, "str", **kwargs)


_INT_NUMBER = FieldSpec("number", "int", minimum=1, maximum=INT_MAX)
_NAME = _str("name", required=True)
_ADDRESS = tuple(
    _str(n)
    for n in ("address_street", "address_street2", "address_zipcode", "address_city", "address_country")
)
_CONTACT = (_str("contact_email"), _str("contact_phone"), _str("locale", max_length=10))
_CURRENCY = FieldSpec("currency", "str", size=3, max_length=None, default="DKK")
_VAT_ZONE = FieldSpec("vat_zone", "enum", choices=VAT_ZONES, default="domestic")
_BARRED = FieldSpec("is_barred", "bool", default=False)


_ITEM_NUMBER = FieldSpec("number", "str", max_length=25, int_as_str=True)
_PERCENT = (0, 100)


def _invoice_fields(party: Literal["customer", "supplier"]) -> tuple[FieldSpec, ...]:
    """What both kinds of invoice accept. Omitted party fields are copied from the party on create."""
    return (
        _INT_NUMBER,
        FieldSpec(
            f"{party}_id", "int", required=True, ref=f"{party}s", aliases=(party,), accepts_object=True
        ),
        FieldSpec("invoice_date", "date"),
        FieldSpec("due_date", "date"),
        FieldSpec("currency", "str", size=3, max_length=None),
        FieldSpec("currency_rate", "decimal", positive=True),
        _str("heading"),
        _str("note", max_length=65535),
        FieldSpec(
            "our_reference_id",
            "int",
            ref="employees",
            aliases=("our_reference", "employee_id"),
            accepts_object=True,
        ),
        _str("their_reference"),
        _str("other_reference"),
        _str("project"),
        FieldSpec("vat_zone", "enum", choices=VAT_ZONES),
        FieldSpec("layout_id", "int", ref="layouts", aliases=("layout",), accepts_object=True),
        FieldSpec(
            "payment_terms_id", "int", ref="payment-terms", aliases=("payment_terms",), accepts_object=True
        ),
        FieldSpec("lines", "lines", lines="invoice", max_length=None),
    )


def _order_fields() -> tuple[FieldSpec, ...]:
    """What a sales order accepts (research A4 "Order" create payload). Omitted customer fields are
    copied from the customer on create, as on customer invoices."""
    return (
        _INT_NUMBER,
        FieldSpec(
            "customer_id", "int", required=True, ref="customers", aliases=("customer",), accepts_object=True
        ),
        FieldSpec("order_date", "date"),
        FieldSpec("deliver_at", "date"),
        FieldSpec("currency", "str", size=3, max_length=None),
        FieldSpec("currency_rate", "decimal", positive=True),
        _str("heading"),
        _str("note", max_length=65535),
        FieldSpec(
            "our_reference_id",
            "int",
            ref="employees",
            aliases=("our_reference", "employee_id"),
            accepts_object=True,
        ),
        _str("their_reference"),
        _str("other_reference"),
        FieldSpec("vat_zone", "enum", choices=VAT_ZONES),
        FieldSpec("layout_id", "int", ref="layouts", aliases=("layout",), accepts_object=True),
        FieldSpec(
            "payment_terms_id", "int", ref="payment-terms", aliases=("payment_terms",), accepts_object=True
        ),
        _str("delivery_terms"),
        *_address("address"),
        *_address("delivery_address"),
        FieldSpec("lines", "lines", lines="order", max_length=None),
    )


def _address(prefix: str) -> tuple[FieldSpec, ...]:
    return tuple(
        _str(f"{prefix}_{part}") for part in ("name", "street", "street2", "zipcode", "city", "country")
    )


def _simple(path: str, singular: str, model: str, *extra: FieldSpec) -> ResourceSpec:
    """A resource keyed by an integer ``number`` with a required ``name`` (groups, units, layouts)."""
    return ResourceSpec(
        path, singular, path.replace("-", "_"), model, "number", "int", (_INT_NUMBER, _NAME, *extra)
    )


RESOURCES: dict[str, ResourceSpec] = {
    spec.path: spec
    for spec in (
        _simple("customer-groups", "customer_group", "CustomerGroup"),
        _simple("supplier-groups", "supplier_group", "SupplierGroup"),
        _simple("units", "unit", "Unit"),
        # Product categories (legacy swagger 0.5.4 ProductCategoriesApi; seed 000's "Kategorier").
        _simple("product-categories", "product_category", "ProductCategory"),
        # The account's users (legacy swagger UsersApi); the sandbox keeps what is written.
        _simple("users", "user", "User", _str("initials", max_length=10), _str("email")),
        _simple("layouts", "layout", "Layout"),
        _simple(
            "payment-terms",
            "payment_term",
            "PaymentTerm",
            _str("description"),
            FieldSpec("type", "enum", required=True, choices=tuple(PAYMENT_TERM_TYPES)),
            FieldSpec("maturity_days", "int", required=True, minimum=0, maximum=32767, default=0),
        ),
        _simple(
            "employees",
            "employee",
            "Employee",
            _str("initials", max_length=10),
            _str("contact_email"),
            _str("contact_phone"),
            _str("locale", max_length=10),
            _str("job_title"),
        ),
        _simple(
            "product-groups",
            "product_group",
            "ProductGroup",
            FieldSpec("has_inventory", "bool", required=True, default=True),
            FieldSpec("is_sellable", "bool", default=True),
            FieldSpec("should_spread_cost", "bool", default=False),
            # The VAT percentage per zone of the group's products (research A4); None: the zone's default.
            *(FieldSpec(f"vat_{zone}", "decimal", between=(0, 100)) for zone in VAT_ZONES),
        ),
        ResourceSpec(
            "products",
            "product",
            "products",
            "Product",
            "number",
            "str",
            (
                _ITEM_NUMBER,
                _NAME,
                FieldSpec(
                    "group",
                    "int",
                    required=True,
                    ref="product-groups",
                    aliases=("group_id",),
                    accepts_object=True,
                ),
                _str("description", max_length=65535),
                FieldSpec("sales_price", "decimal", required=True, default=Decimal(0)),
                FieldSpec("recommended_sales_price", "decimal", default=Decimal(0)),
                FieldSpec("recommended_cost_price", "decimal", default=Decimal(0)),
                _str("barcode"),
                FieldSpec("unit_id", "int", ref="units", aliases=("unit",), accepts_object=True),
                _BARRED,
                FieldSpec("department_id", "int", minimum=1, maximum=INT_MAX),
                # Legacy swagger Product.product_category: "Must relate to an existing Product Category".
                FieldSpec("product_category", "int", ref="product-categories"),
            ),
            search_fields=("name", "barcode", "description"),
            item_type="product",
        ),
        ResourceSpec(
            "customers",
            "customer",
            "customers",
            "Customer",
            "number",
            "int",
            (
                _INT_NUMBER,
                _str("name", required=True, aliases=("company_name",)),
                FieldSpec("customer_group_id", "int", required=True, ref="customer-groups"),
                _str("company_vat"),
                _str("ean"),
                _CURRENCY,
                _VAT_ZONE,
                FieldSpec("payment_terms_id", "int", ref="payment-terms"),
                FieldSpec("layout_id", "int", ref="layouts"),
                FieldSpec("employee_id", "int", ref="employees"),
                FieldSpec("max_credit", "decimal", default=Decimal(0)),
                FieldSpec("general_discount_percentage", "decimal", default=Decimal(0)),
                *_CONTACT,
                *_ADDRESS,
                _BARRED,
                _str("our_reference"),
                _str("their_reference"),
                _str("attention"),
            ),
            search_fields=("name", "company_vat", "contact_email", "ean"),
        ),
        ResourceSpec(
            "suppliers",
            "supplier",
            "suppliers",
            "Supplier",
            "number",
            "int",
            (
                _INT_NUMBER,
                _str("name", required=True, aliases=("company_name",)),
                FieldSpec("supplier_group_id", "int", required=True, ref="supplier-groups"),
                _str("company_vat"),
                _CURRENCY,
                _VAT_ZONE,
                FieldSpec("payment_terms_id", "int", ref="payment-terms"),
                FieldSpec("layout_id", "int", ref="layouts"),
                *_CONTACT,
                *_ADDRESS,
                _BARRED,
            ),
            search_fields=("name", "company_vat", "contact_email"),
        ),
        ResourceSpec(
            "lots",
            "lot",
            "lots",
            "Lot",
            "number",
            "str",
            (
                _ITEM_NUMBER,
                _NAME,
                _str("description", max_length=65535),
                FieldSpec("sales_price", "decimal", default=Decimal(0)),
                FieldSpec("recommended_sales_price", "decimal", default=Decimal(0)),
                FieldSpec("recommended_cost_price", "decimal", default=Decimal(0)),
                _str("barcode"),
                FieldSpec("group", "int", ref="product-groups", aliases=("group_id",), accepts_object=True),
                FieldSpec("unit_id", "int", ref="units", aliases=("unit",), accepts_object=True),
                _BARRED,
                FieldSpec("department_id", "int", minimum=1, maximum=INT_MAX),
                FieldSpec("lines", "lines", required=True, lines="lot", max_length=None),
            ),
            search_fields=("name", "barcode", "description"),
            item_type="lot",
        ),
        ResourceSpec(
            "customer-invoices",
            "customer_invoice",
            "customer_invoices",
            "CustomerInvoice",
            "number",
            "int",
            (
                *_invoice_fields("customer"),
                _str("attention"),
                _str("ean"),
                _str("company_vat"),
                _str("locale", max_length=10),
                *_address("address"),
                *_address("delivery_address"),
                _str("delivery_terms"),
                FieldSpec("delivery_date", "date"),
                FieldSpec("is_sent", "bool", default=False),
            ),
            search_fields=("heading", "their_reference", "other_reference", "address_name"),
            document="customer",
        ),
        ResourceSpec(
            "supplier-invoices",
            "supplier_invoice",
            "supplier_invoices",
            "SupplierInvoice",
            "number",
            "int",
            (*_invoice_fields("supplier"), _str("invoice_number")),
            search_fields=("heading", "invoice_number", "their_reference"),
            document="supplier",
        ),
        ResourceSpec(
            "orders",
            "order",
            "orders",
            "Order",
            "number",
            "int",
            _order_fields(),
            search_fields=("heading", "their_reference", "other_reference", "address_name"),
            document="customer",
            is_order=True,
        ),
        ResourceSpec(
            "bank-accounts",
            "bank_account",
            "bank_accounts",
            "BankAccount",
            "id",
            "int",
            (
                _NAME,
                _str("bank_name"),
                _str("reg_number", max_length=10),
                _str("account_number", required=True, max_length=34),
                _str("iban", max_length=34),
                _str("swift", max_length=11),
                FieldSpec("is_default", "bool", default=False),
            ),
            search_fields=("name", "bank_name", "account_number", "iban"),
        ),
    )
}


# Records that live under a customer (``/customers/{n}/contacts``, ``/customers/{n}/addresses``).
# Contacts are numbered per customer; addresses are keyed by a server-assigned id.
SUB_RESOURCES: dict[tuple[str, str], ResourceSpec] = {
    ("customers", "contacts"): ResourceSpec(
        "customer-contacts",
        "customer_contact",
        "customer_contacts",
        "CustomerContact",
        "number",
        "int",
        (_INT_NUMBER, _NAME, _str("contact_email"), _str("contact_phone"), _str("role")),
        search_fields=("name", "contact_email"),
    ),
    ("customers", "addresses"): ResourceSpec(
        "customer-addresses",
        "address",
        "addresses",
        "CustomerAddress",
        "id",
        "int",
        (
            FieldSpec("type", "enum", required=True, choices=("delivery", "invoice")),
            _str("name"),
            _str("street"),
            _str("street2"),
            _str("zipcode"),
            _str("city"),
            _str("country"),
        ),
        search_fields=("name", "street", "city"),
    ),
}

# The webhook events, data-driven: resource path -> (event prefix, the actions that fire).
# ``created``/``updated``/``deleted`` fire from writes, ``booked`` from booking an invoice or order.
# Writes to a customer's contacts or addresses fire ``customer.updated`` for the customer, writes to an
# order's lines ``order.updated`` for the order.
WEBHOOK_EVENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "customers": ("customer", ("created", "updated", "deleted")),
    "customer-groups": ("customer_group", ("created", "updated", "deleted")),
    "suppliers": ("supplier", ("created", "updated", "deleted")),
    "supplier-groups": ("supplier_group", ("created", "updated", "deleted")),
    "products": ("product", ("created", "updated", "deleted")),
    "product-groups": ("product_group", ("created", "updated", "deleted")),
    "lots": ("lot", ("created", "updated", "deleted")),
    "payment-terms": ("payment_terms", ("created", "updated", "deleted")),
    "employees": ("employee", ("created", "updated", "deleted")),
    "units": ("unit", ("created", "updated", "deleted")),
    "customer-invoices": ("customer_invoice", ("created", "booked")),
    "supplier-invoices": ("supplier_invoice", ("created", "booked")),
    "orders": ("order", ("created", "updated", "booked")),
}
# Events one may subscribe to although nothing in the sandbox fires them (``state.emit`` can):
# the ones Rackbeat's own catalogue confirms for resources the sandbox does not emulate.
OTHER_EVENTS = (
    "delivery_terms.created",
    "delivery_terms.updated",
    "plugin.uninstalled",
)


def event_name(resource: str, action: str) -> str | None:
    """The webhook event a write fires (``("customers", "updated")`` -> ``customer.updated``), or None."""
    entry = WEBHOOK_EVENTS.get(resource)
    if entry is None or action not in entry[1]:
        return None
    return f"{entry[0]}.{action}"


EVENT_NAMES: frozenset[str] = frozenset(
    {f"{prefix}.{action}" for prefix, actions in WEBHOOK_EVENTS.values() for action in actions}
    | set(OTHER_EVENTS)
)


# -- Laravel's messages (10.x wording) ---------------------------------------------------------------
def attribute(field: str) -> str:
    """Laravel's display name for a field: underscores become spaces (``customer_group_id`` -> ...)."""
    return field.replace("_", " ")


def msg_required(field: str) -> str:
    return f"The {attribute(field)} field is required."


def msg_invalid_selection(field: str) -> str:
    return f"The selected {attribute(field)} is invalid."


def msg_taken(field: str) -> str:
    return f"The {attribute(field)} has already been taken."


def normalise_input(value: Any) -> Any:
    """Laravel's global middleware: trim strings, and turn empty strings into null."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def coerce(spec: FieldSpec, value: Any, *, name: str | None = None) -> tuple[Any, str | None]:
    """``(clean value, None)`` or ``(None, message)`` for one non-null input value.

    Lenient exactly where Laravel's rules are: ``integer`` takes ``"12"`` and ``12.0``, ``boolean``
    takes ``0/1/"0"/"1"`` (not ``"true"``), ``numeric`` takes numeric strings.
    """
    label = attribute(name or spec.name)
    if spec.kind == "int":
        number = _as_int(value)
        if number is None:
            return None, f"The {label} field must be an integer."
        if spec.minimum is not None and number < spec.minimum:
            return None, f"The {label} field must be at least {spec.minimum}."
        if spec.maximum is not None and number > spec.maximum:
            return None, f"The {label} field must not be greater than {spec.maximum}."
        return number, None
    if spec.kind == "decimal":
        amount = _as_decimal(value)
        if amount is None:
            return None, f"The {label} field must be a number."
        exponent = amount.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > spec.decimals:
            return None, f"The {label} field must have 0-{spec.decimals} decimal places."
        if spec.between is not None and not spec.between[0] <= amount <= spec.between[1]:
            return None, f"The {label} field must be between {spec.between[0]} and {spec.between[1]}."
        if spec.positive and amount <= 0:
            return None, f"The {label} field must be greater than 0."
        return amount, None
    if spec.kind == "date":
        day = _as_date(value)
        if day is None:
            return None, f"The {label} field must be a valid date."
        return day, None
    if spec.kind == "bool":
        if value in (True, False, 0, 1, "0", "1"):
            return value in (True, 1, "1"), None
        return None, f"The {label} field must be true or false."
    if spec.kind == "enum":
        if not isinstance(value, str) or value not in spec.choices:
            return None, f"The selected {label} is invalid."
        return value, None
    # strings
    if not isinstance(value, str):
        return None, f"The {label} field must be a string."
    if spec.size is not None and len(value) != spec.size:
        return None, f"The {label} field must be {spec.size} characters."
    if spec.max_length is not None and len(value) > spec.max_length:
        return None, f"The {label} field must not be greater than {spec.max_length} characters."
    return value, None


def _as_date(value: Any) -> date | None:
    """A date from ``YYYY-MM-DD`` (or an ISO date-time, whose date part counts)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


def _as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, Decimal | str):
        try:
            amount = Decimal(value)
        except InvalidOperation:
            return None
        return amount if amount.is_finite() else None
    return None


RefLookup = Callable[[str, Any], int | None]  # (resource path, business key) -> internal id


def validate(
    spec: ResourceSpec,
    payload: Mapping[str, Any],
    *,
    creating: bool,
    lookup: RefLookup,
    prefix: str = "",
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Clean ``payload`` for ``spec``: ``(values, errors)``.

    Only fields the payload carries are returned (PUT is a partial update); references come back as
    the referenced record's internal id, so renumbering a group does not orphan its members. Unknown
    and read-only fields are ignored, as Laravel's ``validated()`` drops them. The key's uniqueness
    is checked by the state, which sees the other records.
    """
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for field in spec.fields:
        supplied = next((n for n in (field.name, *field.aliases) if n in payload), None)
        if supplied is None:
            if creating and field.required:
                errors[prefix + field.name] = [msg_required(prefix + field.name)]
            continue
        name = prefix + supplied
        raw = normalise_input(payload[supplied])
        if field.accepts_object and isinstance(raw, Mapping):
            raw = raw.get("number")
        if raw is None:
            if field.required:
                errors[name] = [msg_required(name)]
            elif field.name == spec.key_field:
                pass  # an explicit null number means "assign one", as when it is omitted
            else:
                values[field.name] = None
            continue
        if field.kind == "lines":
            lines, problems = validate_lines(field, raw, name, lookup)
            errors.update(problems)
            if not problems:
                values[field.name] = lines
            continue
        if field.int_as_str and type(raw) is int:
            raw = str(raw)  # item numbers "can be either a string or an integer" (legacy docs)
        clean, problem = coerce(field, raw, name=name)
        if problem:
            errors[name] = [problem]
            continue
        if field.ref is not None:
            target = lookup(field.ref, clean)
            if target is None:
                errors[name] = [msg_invalid_selection(name)]
                continue
            clean = target
        values[field.name] = clean
    return values, errors


# One line of an invoice. ``child_id`` is the item number (``item_id`` is Rackbeat's order-line name for
# it; the legacy forms' ``product_id``/``lot_id`` also work and set ``child_type``).
_INVOICE_LINE = ResourceSpec(
    "lines",
    "line",
    "lines",
    "Line",
    "id",
    "int",
    (
        FieldSpec("id", "int", minimum=1, maximum=INT_MAX),
        FieldSpec("child_id", "str", max_length=25, aliases=("item_id",), int_as_str=True),
        FieldSpec("child_type", "enum", choices=("product", "lot")),
        _str("name"),
        FieldSpec("quantity", "decimal", required=True),
        FieldSpec("line_price", "decimal"),
        FieldSpec("discount_percentage", "decimal", between=_PERCENT),
        FieldSpec("vat_percentage", "decimal", between=_PERCENT),
        FieldSpec("unit_id", "int", ref="units", aliases=("unit",), accepts_object=True),
    ),
)
# One component of a BOM: the product (by number) and how many of it.
_LOT_LINE = ResourceSpec(
    "lines",
    "line",
    "lines",
    "LotLine",
    "id",
    "int",
    (
        FieldSpec("id", "int", minimum=1, maximum=INT_MAX),
        FieldSpec("product_id", "str", required=True, max_length=25, ref="products", int_as_str=True),
        FieldSpec("quantity", "decimal", required=True, positive=True),
    ),
)


PRODUCT_NEEDED = "Product needed"  # Rackbeat's message when an order line names no (known) item


def validate_lines(
    field: FieldSpec, raw: Any, name: str, lookup: RefLookup
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """Clean a ``lines`` array: ``(lines, errors)`` with Laravel's dotted paths (``lines.0.quantity``).

    Each clean line holds only what the caller sent (the state fills in the rest from the item);
    an invoice line's item comes back as ``child = (resource path, internal id)`` or None for a text
    line, a BOM line's ``product_id`` as the product's internal id. An order line must name a known
    item (``lines.N.item_id: ["Product needed"]``).
    """
    if not isinstance(raw, list):
        return [], {name: [f"The {attribute(name)} field must be an array."]}
    if field.required and not raw:
        return [], {name: [msg_required(name)]}
    lines: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    for index, item in enumerate(raw):
        path = f"{name}.{index}."
        if not isinstance(item, Mapping):
            errors[path[:-1]] = [f"The {attribute(path[:-1])} field must be an array."]
            continue
        line, problems = validate_line(field.lines or "invoice", item, path, lookup)
        errors.update(problems)
        lines.append(line)
    return lines, errors


def validate_line(
    kind: LineKind, item: Mapping[str, Any], path: str, lookup: RefLookup, *, creating: bool = True
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """One line of a ``kind`` document; ``path`` prefixes error keys (``"lines.0."``, or ``""`` for the
    ``/orders/{n}/lines`` sub-resource). ``creating=False`` is a partial update of one line: only the
    fields sent come back (``child`` only when an item field was sent)."""
    if kind == "lot":
        return validate(_LOT_LINE, item, creating=True, lookup=lookup, prefix=path)
    payload = dict(item)
    for legacy, child_kind in (("product_id", "product"), ("lot_id", "lot")):
        if payload.get(legacy) is not None and payload.get("child_id", payload.get("item_id")) is None:
            payload["child_id"] = payload[legacy]
            payload.setdefault("child_type", child_kind)
    line, errors = validate(_INVOICE_LINE, payload, creating=creating, lookup=lookup, prefix=path)
    supplied = next((n for n in ("child_id", "item_id") if n in payload), None)
    number = line.pop("child_id", None)
    child_kind = line.pop("child_type", None)
    if not creating and supplied is None:
        return line, errors  # the item is kept
    line["child"] = None
    if number is not None:
        candidates = {"product": "products", "lot": "lots"}
        order = [candidates[child_kind]] if child_kind else ["products", "lots"]
        found = next(((r, lookup(r, number)) for r in order if lookup(r, number) is not None), None)
        if found is None:
            key = "item_id" if kind == "order" else (supplied or "child_id")
            message = PRODUCT_NEEDED if kind == "order" else msg_invalid_selection(path + key)
            errors[path + key] = [message]
        else:
            line["child"] = found
    elif kind == "order":
        if not any(k.startswith(path) and k[len(path) :] in ("child_id", "item_id") for k in errors):
            errors[path + "item_id"] = [PRODUCT_NEEDED]
    elif line.get("name") is None and path + "name" not in errors and creating:
        errors[path + "name"] = [
            f"The {attribute(path + 'name')} field is required when "
            f"{attribute(path + 'child_id')} is not present."
        ]
    return line, errors


def validate_company(value: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Clean a (partial) ``company`` setting value: known keys, strings or null, at most 255 chars."""
    if not isinstance(value, Mapping):
        return {}, {"value": ["The value field must be an array."]}  # Laravel says "array" for objects
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    text = FieldSpec("value", "str")
    for key, raw in value.items():
        path = f"value.{key}"
        if key not in COMPANY_SETTING_KEYS:
            errors[path] = [f"The {path} field is prohibited."]
            continue
        raw = normalise_input(raw)
        if raw is None:
            values[key] = None
            continue
        clean, problem = coerce(text, raw, name=path)
        if problem:
            errors[path] = [problem]
        else:
            values[key] = clean
    return values, errors
