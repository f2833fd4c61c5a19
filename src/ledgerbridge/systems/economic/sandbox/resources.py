"""What the sandbox knows about each legacy REST resource: keys, fields, references, filter/sort lists.

The filterable and sortable lists are the properties e-conomic's own collection schemas
(``<name>.get.schema.json``) mark ``"filterable": true`` / ``"sortable": true``; a contract test checks
them against the published files. Deliberate differences, each from live observation:

- customers also accept a filter on ``pNumber`` (missing from the schema, accepted live);
- the key property of every collection is always sortable, because it is the default order
  (``/suppliers`` marks nothing sortable, yet lists come back ordered by ``supplierNumber``).

Write rules (required fields, lengths, ranges, enums, two decimals on amounts) follow the
``*.post.schema.json`` / ``*.put.schema.json`` files. The specs are written out here rather than read
from the schema files at run time because the sandbox must work without ``shared/specs``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# Field types used for validation, filtering and sorting. DATE is a JSON string ``YYYY-MM-DD`` (filters
# compare it as a string, which orders dates correctly); ARRAY is a JSON array of enum strings.
STRING, INTEGER, NUMBER, BOOLEAN, TIMESTAMP = "string", "integer", "number", "boolean", "timestamp"
DATE, ARRAY = "date", "array"


@dataclass(frozen=True)
class Field:
    """A scalar property accepted on write (``path`` may be dotted for nested objects)."""

    path: str
    type: str
    required: bool = False
    max_length: int | None = None
    min_length: int | None = None
    minimum: int | Decimal | None = None
    maximum: int | Decimal | None = None
    enum: tuple[str, ...] | None = None  # for ARRAY: the allowed item values (items are unique)
    max_decimals: int | None = None


@dataclass(frozen=True)
class Ref:
    """A reference property (``{"<key>": n, "self": "..."}``) to a record of ``target``.

    ``target=None`` means the referenced resource is not emulated: the number is stored and echoed
    with a ``self`` link under ``route`` but not checked.
    """

    name: str
    target: str | None
    key: str
    required: bool = False
    route: str | None = None  # URL segment for the self link when target is None
    put_only: bool = False  # only in the PUT schema (e.g. a customer's contact): ignored on POST


@dataclass(frozen=True)
class ResourceSpec:
    """One legacy REST collection."""

    name: str  # URL segment, also the state table name
    key: str
    key_is_str: bool
    singular: str
    filterable: dict[str, str] = field(default_factory=dict)  # path -> type
    sortable: tuple[str, ...] = ()
    create_description: str | None = None  # metaData.create; None for read-only collections
    writable: bool = False
    server_assigns_key: bool = True
    fields: tuple[Field, ...] = ()
    refs: tuple[Ref, ...] = ()
    money: tuple[str, ...] = ()  # paths held as Decimal
    tracks_last_updated: bool = False
    # Filters e-conomic answers with 500 (live probes); the sandbox reproduces them.
    filter_500: tuple[str, ...] = ()
    # False for tables served under another path (``/invoices/drafts``, ``/customers/{n}/contacts``):
    # the generic ``/{name}[/{id}]`` routes do not expose them.
    top_level: bool = True
    route: str | None = None  # the URL path of the collection when it differs from ``name``

    @property
    def path(self) -> str:
        """The collection's URL path below the host (``customers``, ``invoices/drafts``)."""
        return self.route or self.name

    @property
    def sortable_fields(self) -> tuple[str, ...]:
        """The sortable properties, the key always included (it is the default order)."""
        return self.sortable if self.key in self.sortable else (self.key, *self.sortable)

    def key_from_text(self, text: str) -> int | str | None:
        """The key a path segment denotes, or None when it cannot be one (e.g. ``/customers/abc``)."""
        if self.key_is_str:
            return text
        try:
            value = int(text)
        except ValueError:
            return None
        return value


_ACCOUNT_TYPES = (
    "profitAndLoss",
    "status",
    "totalFrom",
    "heading",
    "headingStart",
    "sumInterval",
    "sumAlpha",
)
PAYMENT_TERMS_TYPES = (
    "net",
    "invoiceMonth",
    "paidInCash",
    "prepaid",
    "dueDate",
    "factoring",
    "invoiceWeekStartingSunday",
    "invoiceWeekStartingMonday",
    "creditcard",
)

CUSTOMERS = ResourceSpec(
    name="customers",
    key="customerNumber",
    key_is_str=False,
    singular="customer",
    filterable={
        "address": STRING,
        "balance": NUMBER,
        "barred": BOOLEAN,
        "city": STRING,
        "corporateIdentificationNumber": STRING,
        "country": STRING,
        "creditLimit": NUMBER,
        "currency": STRING,
        "customerNumber": INTEGER,
        "ean": STRING,
        "email": STRING,
        "lastUpdated": TIMESTAMP,
        "name": STRING,
        "publicEntryNumber": STRING,
        "telephoneAndFaxNumber": STRING,
        "mobilePhone": STRING,
        "vatNumber": STRING,
        "website": STRING,
        "zip": STRING,
        "customerGroup.customerGroupNumber": INTEGER,
        "pNumber": STRING,  # not in the schema; accepted live
    },
    sortable=(
        "address",
        "balance",
        "city",
        "corporateIdentificationNumber",
        "country",
        "creditLimit",
        "currency",
        "customerNumber",
        "ean",
        "email",
        "lastUpdated",
        "name",
        "publicEntryNumber",
        "telephoneAndFaxNumber",
        "mobilePhone",
        "vatNumber",
        "website",
        "zip",
    ),
    create_description="Create a new customer",
    writable=True,
    server_assigns_key=True,
    fields=(
        Field("customerNumber", INTEGER, minimum=1, maximum=999999999),
        Field("name", STRING, required=True, min_length=1, max_length=255),
        Field("currency", STRING, required=True, min_length=3, max_length=3),
        Field("address", STRING, max_length=510),
        Field("zip", STRING, max_length=30),
        Field("city", STRING, max_length=50),
        Field("country", STRING, max_length=50),
        Field("email", STRING, max_length=255),
        Field("telephoneAndFaxNumber", STRING, max_length=255),
        Field("mobilePhone", STRING, max_length=50),
        Field("website", STRING, max_length=255),
        Field("corporateIdentificationNumber", STRING, max_length=40),
        Field("pNumber", STRING, min_length=10, max_length=10),
        Field("ean", STRING, max_length=13),
        Field("publicEntryNumber", STRING, max_length=50),
        Field("vatNumber", STRING, max_length=20),
        # The schema sets no maxDecimal on creditLimit; the sandbox treats it like every other amount.
        Field("creditLimit", NUMBER, max_decimals=2),
        Field("barred", BOOLEAN),
        Field("eInvoicingDisabledByDefault", BOOLEAN),
    ),
    refs=(
        Ref("customerGroup", "customer-groups", "customerGroupNumber", required=True),
        Ref("paymentTerms", "payment-terms", "paymentTermsNumber", required=True),
        Ref("vatZone", "vat-zones", "vatZoneNumber", required=True),
        Ref("layout", "layouts", "layoutNumber"),
        Ref("salesPerson", "employees", "employeeNumber"),
        # Sub-resources of the customer: only the PUT schema has them (they must exist first).
        Ref("attention", "customer-contacts", "customerContactNumber", put_only=True),
        Ref("customerContact", "customer-contacts", "customerContactNumber", put_only=True),
        Ref("defaultDeliveryLocation", "delivery-locations", "deliveryLocationNumber", put_only=True),
    ),
    money=("creditLimit", "balance", "dueAmount"),
    tracks_last_updated=True,
)

CUSTOMER_GROUPS = ResourceSpec(
    name="customer-groups",
    key="customerGroupNumber",
    key_is_str=False,
    singular="customerGroup",
    filterable={
        "customerGroupNumber": INTEGER,
        "name": STRING,
        "account.accountNumber": INTEGER,
        "account.accountType": STRING,
        "account.balance": NUMBER,
        "account.blockDirectEntries": BOOLEAN,
        "account.debitCredit": STRING,
        "account.name": STRING,
    },
    sortable=(
        "customerGroupNumber",
        "name",
        "account.accountNumber",
        "account.accountType",
        "account.balance",
        "account.blockDirectEntries",
        "account.debitCredit",
        "account.name",
    ),
    create_description="Create a new customer group",
    writable=True,
    server_assigns_key=False,
    fields=(
        Field("customerGroupNumber", INTEGER, minimum=1, maximum=999999999),
        Field("name", STRING, max_length=50),
    ),
    refs=(
        Ref("account", "accounts", "accountNumber"),
        Ref("layout", "layouts", "layoutNumber"),
    ),
)

SUPPLIERS = ResourceSpec(
    name="suppliers",
    key="supplierNumber",
    key_is_str=False,
    singular="supplier",
    filterable={
        "address": STRING,
        "bankAccount": STRING,
        "barred": BOOLEAN,
        "city": STRING,
        "corporateIdentificationNumber": STRING,
        "country": STRING,
        "currency": STRING,
        "defaultInvoiceText": STRING,
        "email": STRING,
        "name": STRING,
        "supplierGroup.supplierGroupNumber": INTEGER,
        "supplierNumber": INTEGER,
        "zip": STRING,
    },
    sortable=(),
    create_description="Create a new supplier",
    writable=True,
    server_assigns_key=True,
    fields=(
        Field("supplierNumber", INTEGER, minimum=1, maximum=999999999),
        Field("name", STRING, required=True, min_length=1, max_length=255),
        Field("currency", STRING, required=True, min_length=3, max_length=3),
        Field("address", STRING, max_length=255),
        Field("zip", STRING, max_length=10),
        Field("city", STRING, max_length=50),
        Field("country", STRING, max_length=50),
        Field("email", STRING, max_length=100),
        Field("phone", STRING, max_length=20),
        Field("corporateIdentificationNumber", STRING, max_length=40),
        Field("bankAccount", STRING, max_length=50),
        Field("defaultInvoiceText", STRING, max_length=100),
        Field("barred", BOOLEAN),
        Field("remittanceAdvice.creditorId", STRING, max_length=50),
    ),
    refs=(
        Ref("paymentTerms", "payment-terms", "paymentTermsNumber", required=True),
        Ref("supplierGroup", "supplier-groups", "supplierGroupNumber", required=True),
        Ref("vatZone", "vat-zones", "vatZoneNumber", required=True),
        Ref("layout", "layouts", "layoutNumber"),
        Ref("costAccount", "accounts", "accountNumber"),
        Ref("salesPerson", "employees", "employeeNumber"),
        Ref("remittanceAdvice.paymentType", None, "paymentTypeNumber", route="payment-types"),
    ),
)

SUPPLIER_GROUPS = ResourceSpec(
    # Legacy /supplier-groups is listed (undocumented) in the 2019 docs only; served so that the
    # supplierGroup.self links of suppliers resolve. The OpenAPI /Groups endpoint is the documented one.
    name="supplier-groups",
    key="supplierGroupNumber",
    key_is_str=False,
    singular="supplierGroup",
    refs=(Ref("account", "accounts", "accountNumber"),),
)

PRODUCTS = ResourceSpec(
    name="products",
    key="productNumber",
    key_is_str=True,
    singular="product",
    filterable={
        "productNumber": STRING,
        "description": STRING,
        "name": STRING,
        "costPrice": NUMBER,
        "recommendedPrice": NUMBER,
        "salesPrice": NUMBER,
        "barCode": STRING,
        "barred": BOOLEAN,
        "lastUpdated": TIMESTAMP,
        "inventory.packageVolume": NUMBER,
        "inventory.grossWeight": NUMBER,
        "inventory.netWeight": NUMBER,
        "inventory.recommendedCostPrice": NUMBER,
        "unit.unitNumber": INTEGER,
        "productGroup.productGroupNumber": INTEGER,
        "departmentalDistribution.departmentalDistributionNumber": INTEGER,
    },
    sortable=(
        "productNumber",
        "description",
        "name",
        "costPrice",
        "recommendedPrice",
        "salesPrice",
        "barCode",
        "barred",
        "lastUpdated",
        "inventory.packageVolume",
        "inventory.grossWeight",
        "inventory.netWeight",
    ),
    create_description="Create a new product",
    writable=True,
    server_assigns_key=False,
    fields=(
        Field("productNumber", STRING, min_length=1, max_length=25),
        Field("name", STRING, required=True, min_length=1, max_length=300),
        Field("description", STRING, max_length=500),
        Field("costPrice", NUMBER, max_decimals=2),
        Field("recommendedPrice", NUMBER, max_decimals=2),
        Field("salesPrice", NUMBER, max_decimals=2),
        Field("barCode", STRING, max_length=50),
        Field("barred", BOOLEAN),
        Field("inventory.packageVolume", NUMBER, max_decimals=2),
        Field("inventory.recommendedCostPrice", NUMBER, max_decimals=2),
    ),
    refs=(
        Ref("productGroup", "product-groups", "productGroupNumber", required=True),
        Ref("unit", "units", "unitNumber"),
        # Departments are a module the sandbox does not emulate: the number is stored and echoed.
        Ref(
            "departmentalDistribution",
            None,
            "departmentalDistributionNumber",
            route="departmental-distributions",
        ),
    ),
    money=(
        "costPrice",
        "recommendedPrice",
        "salesPrice",
        "inventory.packageVolume",
        "inventory.recommendedCostPrice",
        "inventory.available",
        "inventory.inStock",
        "inventory.orderedByCustomers",
        "inventory.orderedFromSuppliers",
        "inventory.grossWeight",
        "inventory.netWeight",
    ),
    tracks_last_updated=True,
    filter_500=("departmentalDistribution.departmentalDistributionNumber",),
)

PRODUCT_GROUPS = ResourceSpec(
    name="product-groups",
    key="productGroupNumber",
    key_is_str=False,
    singular="productGroup",
    refs=(Ref("salesAccount", "accounts", "accountNumber"),),  # stored for referential integrity only
)

UNITS = ResourceSpec(
    name="units",
    key="unitNumber",
    key_is_str=False,
    singular="unit",
    create_description="Create a new unit",
    writable=True,
    fields=(Field("name", STRING, required=True, max_length=100),),
)

PAYMENT_TERMS = ResourceSpec(
    name="payment-terms",
    key="paymentTermsNumber",
    key_is_str=False,
    singular="paymentTerms",
    create_description="Create new payment terms",
    writable=True,
    fields=(
        Field("name", STRING, required=True, max_length=50),
        Field("paymentTermsType", STRING, required=True, enum=PAYMENT_TERMS_TYPES),
        Field("daysOfCredit", INTEGER),
        Field("description", STRING, max_length=1000),
        Field("percentageForPrepaidAmount", NUMBER, max_decimals=2),
        Field("percentageForRemainderAmount", NUMBER, max_decimals=2),
    ),
    refs=(
        Ref("contraAccountForPrepaidAmount", "accounts", "accountNumber"),
        Ref("contraAccountForRemainderAmount", "accounts", "accountNumber"),
        Ref("creditCardCompany", "customers", "customerNumber"),
    ),
    money=("percentageForPrepaidAmount", "percentageForRemainderAmount"),
)

LAYOUTS = ResourceSpec(name="layouts", key="layoutNumber", key_is_str=False, singular="layout")

EMPLOYEES = ResourceSpec(
    # e-conomic publishes no write schema for employees (read-only on the legacy API). The sandbox
    # accepts POST/PUT/DELETE anyway so tests can set up sales persons; real e-conomic will refuse.
    name="employees",
    key="employeeNumber",
    key_is_str=False,
    singular="employee",
    filterable={
        "employeeNumber": INTEGER,
        "employeeGroup.employeeGroupNumber": INTEGER,
        "name": STRING,
        "email": STRING,
        "phone": STRING,
        "barred": BOOLEAN,
    },
    sortable=("employeeNumber", "employeeGroup.employeeGroupNumber", "name", "email", "phone"),
    create_description="Create a new employee",
    writable=True,
    fields=(
        Field("employeeNumber", INTEGER, minimum=1),  # as the GET schema types it
        Field("name", STRING, required=True, max_length=250),
        Field("email", STRING, max_length=250),
        Field("phone", STRING, max_length=250),
        Field("barred", BOOLEAN),
    ),
    refs=(Ref("employeeGroup", None, "employeeGroupNumber", route="employee-groups"),),
)

VAT_ZONES = ResourceSpec(name="vat-zones", key="vatZoneNumber", key_is_str=False, singular="vatZone")

ACCOUNTS = ResourceSpec(
    name="accounts",
    key="accountNumber",
    key_is_str=False,
    singular="account",
    filterable={
        "accountNumber": INTEGER,
        "accountType": STRING,
        "balance": NUMBER,
        "barred": BOOLEAN,
        "blockDirectEntries": BOOLEAN,
        "debitCredit": STRING,
        "name": STRING,
    },
    sortable=("accountNumber", "accountType", "balance", "blockDirectEntries", "debitCredit", "name"),
    money=("balance", "draftBalance"),
)

CURRENCIES = ResourceSpec(name="currencies", key="code", key_is_str=True, singular="currency")

# -- documents, journals and customer sub-resources -------------------------------------------------
# Their tables are not served at ``/{name}``: app.py routes their own paths (``spec.path``).

_DOCUMENT_FILTERS: dict[str, str] = {
    "currency": STRING,
    "customer.customerNumber": INTEGER,
    "date": STRING,
    "delivery.address": STRING,
    "delivery.city": STRING,
    "delivery.country": STRING,
    "delivery.deliveryDate": STRING,
    "delivery.deliveryTerms": STRING,
    "delivery.zip": STRING,
    "deliveryLocation.deliveryLocationNumber": INTEGER,
    "notes.heading": STRING,
    "notes.textLine1": STRING,
    "notes.textLine2": STRING,
    "paymentTerms.paymentTermsNumber": INTEGER,
    "recipient.address": STRING,
    "recipient.city": STRING,
    "recipient.country": STRING,
    "recipient.ean": STRING,
    "recipient.name": STRING,
    "recipient.publicEntryNumber": STRING,
    "recipient.zip": STRING,
    "references.customerContact.customer.customerNumber": INTEGER,
    "references.other": STRING,
    "references.salesPerson.employeeNumber": INTEGER,
    "references.vendorReference.employeeNumber": INTEGER,
}
DRAFT_INVOICE_FILTERS: dict[str, str] = {
    **_DOCUMENT_FILTERS,
    "draftInvoiceNumber": INTEGER,
    "exchangeRate": NUMBER,
    "lastUpdated": TIMESTAMP,
    "soap.currentInvoiceHandle.id": INTEGER,
}
# /invoices/paid, /unpaid, /overdue and /not-due: booked invoices without exchangeRate.
BOOKED_STATE_FILTERS: dict[str, str] = {
    **_DOCUMENT_FILTERS,
    "bookedInvoiceNumber": INTEGER,
    "recipient.vatZone.vatZoneNumber": INTEGER,
}
BOOKED_INVOICE_FILTERS: dict[str, str] = {**BOOKED_STATE_FILTERS, "exchangeRate": NUMBER}

_INVOICE_REFS = (
    Ref("customer", "customers", "customerNumber", required=True),
    Ref("paymentTerms", "payment-terms", "paymentTermsNumber", required=True),
    Ref("layout", "layouts", "layoutNumber", required=True),
    Ref("recipient.vatZone", "vat-zones", "vatZoneNumber", required=True),
    Ref("recipient.attention", "customer-contacts", "customerContactNumber"),
    Ref("deliveryLocation", "delivery-locations", "deliveryLocationNumber"),
    Ref("references.customerContact", "customer-contacts", "customerContactNumber"),
    Ref("references.salesPerson", "employees", "employeeNumber"),
    Ref("references.vendorReference", "employees", "employeeNumber"),
    Ref("project", None, "projectNumber", route="projects"),
)
#: a document's amounts the server computes from its lines (a body may carry them; they are not stored)
COMPUTED_AMOUNTS = (
    "netAmount",
    "netAmountInBaseCurrency",
    "grossAmount",
    "grossAmountInBaseCurrency",
    "vatAmount",
    "roundingAmount",
    "costPriceInBaseCurrency",
    "marginInBaseCurrency",
    "marginPercentage",
)
_INVOICE_MONEY = ("exchangeRate", *COMPUTED_AMOUNTS)

DRAFT_INVOICES = ResourceSpec(
    name="invoices-drafts",
    route="invoices/drafts",
    key="draftInvoiceNumber",
    key_is_str=False,
    singular="draftInvoice",
    filterable=DRAFT_INVOICE_FILTERS,
    sortable=tuple(k for k in DRAFT_INVOICE_FILTERS if k != "lastUpdated"),
    create_description="Create a new invoice draft.",
    writable=True,
    fields=(
        Field("date", DATE, required=True),
        Field("currency", STRING, required=True, min_length=3, max_length=3),
        Field("exchangeRate", NUMBER, maximum=999999999999, max_decimals=6),
        Field("dueDate", DATE),
        Field("recipient.name", STRING, required=True, max_length=250),
        Field("recipient.address", STRING, max_length=250),
        Field("recipient.zip", STRING, max_length=50),
        Field("recipient.city", STRING, max_length=250),
        Field("recipient.country", STRING, max_length=50),
        Field("recipient.ean", STRING, max_length=13),
        Field("recipient.publicEntryNumber", STRING, max_length=40),
        Field("recipient.mobilePhone", STRING),
        # cvr is in the GET schemas only; the sandbox accepts it on write (see documents.py).
        Field("recipient.cvr", STRING, max_length=40),
        Field(
            "recipient.nemHandelType",
            STRING,
            enum=("ean", "corporateIdentificationNumber", "pNumber", "peppol"),
        ),
        Field("delivery.address", STRING, max_length=255),
        Field("delivery.zip", STRING, max_length=30),
        Field("delivery.city", STRING, max_length=50),
        Field("delivery.country", STRING, max_length=50),
        Field("delivery.deliveryTerms", STRING, max_length=100),
        Field("delivery.deliveryDate", DATE),
        Field("notes.heading", STRING, max_length=250),
        Field("notes.textLine1", STRING, max_length=1000),
        Field("notes.textLine2", STRING, max_length=1000),
        Field("references.other", STRING, max_length=250),
    ),
    refs=_INVOICE_REFS,
    money=_INVOICE_MONEY,
    tracks_last_updated=True,
    top_level=False,
)

BOOKED_INVOICES = ResourceSpec(
    name="invoices-booked",
    route="invoices/booked",
    key="bookedInvoiceNumber",
    key_is_str=False,
    singular="bookedInvoice",
    filterable=BOOKED_INVOICE_FILTERS,
    sortable=tuple(BOOKED_INVOICE_FILTERS),
    create_description="Book an invoice.",
    refs=_INVOICE_REFS,
    money=(*_INVOICE_MONEY, "remainder", "remainderInBaseCurrency"),
    top_level=False,
)

SENT_INVOICES = ResourceSpec(
    # /invoices/sent: the log of electronic sends (EAN/NemHandel, MobilePay), not e-mails.
    name="invoices-sent",
    route="invoices/sent",
    key="id",
    key_is_str=False,
    singular="sentInvoice",
    top_level=False,
)

# -- orders and quotes ----------------------------------------------------------------------------
# /orders/drafts|sent|archived and /quotes/drafts|sent|archived: the draft invoice's document with
# ``orderNumber`` (``quoteNumber``); the quotes' schemas are the orders' with the words swapped. One number
# series per family across its three collections (a document keeps its number when sent or archived).
# ``lastUpdated`` is filterable (not sortable) on drafts and sent; archived ones do not have it.
KINDS = ("drafts", "sent", "archived")


@dataclass(frozen=True)
class SalesFamily:
    """Orders or quotes: the three collections a document moves through, and how the family names it."""

    name: str  # the URL segment: "orders"
    noun: str  # "order"
    key: str  # "orderNumber"
    handle: str  # the SOAP handle's name: "orderHandle"
    specs: dict[str, ResourceSpec] = field(default_factory=dict)  # by kind

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.specs.values())

    def table(self, kind: str) -> str:
        if kind not in self.specs:
            raise ValueError(f"kind must be 'drafts', 'sent' or 'archived', not {kind!r}")
        return self.specs[kind].name


def _sales_family(name: str, noun: str) -> SalesFamily:
    key, handle = f"{noun}Number", f"{noun}Handle"
    base: dict[str, str] = {
        **_DOCUMENT_FILTERS,
        key: INTEGER,
        "exchangeRate": NUMBER,
        f"soap.{handle}.id": INTEGER,
    }
    family = SalesFamily(name, noun, key, handle)
    for kind in KINDS:
        filters = base if kind == "archived" else {**base, "lastUpdated": TIMESTAMP}
        family.specs[kind] = ResourceSpec(
            name=f"{name}-{kind}",
            route=f"{name}/{kind}",
            key=key,
            key_is_str=False,
            singular=kind.removesuffix("s") + noun.title(),  # draftOrder, sentOrder, archivedQuote
            filterable=filters,
            sortable=tuple(k for k in filters if k != "lastUpdated"),
            create_description={
                "drafts": f"Create a new {noun} draft.",
                "sent": f"Register {'an' if noun[0] in 'aeiou' else 'a'} {noun} as sent.",
            }.get(kind),
            writable=kind == "drafts",
            fields=DRAFT_INVOICES.fields,
            refs=_INVOICE_REFS,
            money=_INVOICE_MONEY,
            tracks_last_updated=kind != "archived",
            # Live probe: a paymentTerms filter on orders and quotes answers 500 (research §14).
            filter_500=("paymentTerms.paymentTermsNumber",),
            top_level=False,
        )
    return family


ORDERS, QUOTES = _sales_family("orders", "order"), _sales_family("quotes", "quote")
SALES_FAMILIES: dict[str, SalesFamily] = {"orders": ORDERS, "quotes": QUOTES}
ORDER_SPECS = ORDERS.specs
DRAFT_ORDERS, SENT_ORDERS, ARCHIVED_ORDERS = (ORDERS.specs[kind] for kind in KINDS)
DRAFT_QUOTES, SENT_QUOTES, ARCHIVED_QUOTES = (QUOTES.specs[kind] for kind in KINDS)

CUSTOMER_CONTACTS = ResourceSpec(
    # customerContactNumber is unique across the agreement, not per customer (techtalk); the number
    # the UI shows per customer is sortKey.
    name="customer-contacts",
    route="contacts",  # below /customers/{customerNumber}
    key="customerContactNumber",
    key_is_str=False,
    singular="customerContact",
    filterable={
        "customerContactNumber": INTEGER,
        "email": STRING,
        "name": STRING,
        "phone": STRING,
        "eInvoiceId": STRING,
        "customer.customerNumber": INTEGER,
        "sortKey": INTEGER,
    },
    sortable=(
        "customerContactNumber",
        "email",
        "name",
        "phone",
        "eInvoiceId",
        "customer.customerNumber",
        "sortKey",
    ),
    create_description="Create a new customer contact.",
    writable=True,
    fields=(
        Field("customerContactNumber", INTEGER),
        Field("name", STRING, required=True, max_length=255),
        Field("email", STRING, max_length=255),
        Field("phone", STRING, max_length=50),
        Field("eInvoiceId", STRING, max_length=50),
        Field("notes", STRING, max_length=2000),
        Field("emailNotifications", ARRAY, enum=("invoices", "orders", "quotations", "reminders")),
    ),
    refs=(Ref("customer", "customers", "customerNumber"),),
    top_level=False,
)

DELIVERY_LOCATIONS = ResourceSpec(
    # deliveryLocationNumber is read-only and, like contact numbers, unique across the agreement
    # (sandbox choice: the docs do not say whether it is per customer).
    name="delivery-locations",
    route="delivery-locations",  # below /customers/{customerNumber}
    key="deliveryLocationNumber",
    key_is_str=False,
    singular="deliveryLocation",
    filterable={
        "address": STRING,
        "barred": BOOLEAN,
        "city": STRING,
        "country": STRING,
        "deliveryLocationNumber": INTEGER,
        "postalCode": STRING,
        "sortKey": INTEGER,
    },
    sortable=("address", "city", "country", "deliveryLocationNumber", "postalCode", "sortKey"),
    create_description="Create a new delivery location.",
    writable=True,
    fields=(
        Field("address", STRING, max_length=255),
        Field("postalCode", STRING, max_length=15),
        Field("city", STRING, max_length=50),
        Field("country", STRING, max_length=50),
        Field("termsOfDelivery", STRING, max_length=100),
        Field("sortKey", INTEGER, minimum=1),
        Field("barred", BOOLEAN),
    ),
    refs=(Ref("customer", "customers", "customerNumber"),),
    top_level=False,
)

ACCOUNTING_YEARS = ResourceSpec(
    # Keys are strings: "2026", or "2025/2026" for a year that does not follow the calendar.
    name="accounting-years",
    key="year",
    key_is_str=True,
    singular="accountingYear",
    filterable={"fromDate": STRING, "toDate": STRING, "year": STRING},
    sortable=("fromDate", "toDate", "year"),
)

JOURNALS = ResourceSpec(
    name="journals",
    key="journalNumber",
    key_is_str=False,
    singular="journal",
    filterable={"journalNumber": INTEGER, "name": STRING},
    sortable=("journalNumber", "name"),
    refs=(
        Ref("settings.contraAccounts.customerPayments", "accounts", "accountNumber"),
        Ref("settings.contraAccounts.supplierPayments", "accounts", "accountNumber"),
        Ref("settings.contraAccounts.financeVouchers", "accounts", "accountNumber"),
    ),
)

ENTRY_TYPES = (
    "financeVoucher",
    "supplierInvoice",
    "supplierPayment",
    "customerPayment",
    "manualCustomerInvoice",
)
JOURNAL_ENTRY_FILTERS: dict[str, str] = {
    "account.accountNumber": INTEGER,
    "amount": NUMBER,
    "amountDefaultCurrency": NUMBER,
    "contraAccount.accountNumber": INTEGER,
    "contraVatAccount.vatCode": STRING,
    "contraVatAmount": NUMBER,
    "currency.code": STRING,
    "customer.customerNumber": INTEGER,
    "date": STRING,
    "employee.employeeNumber": INTEGER,
    "entryType": STRING,
    "exchangeRate": NUMBER,
    "journalEntryNumber": INTEGER,
    "supplier.supplierNumber": INTEGER,
    "text": STRING,
    "voucher.voucherNumber": INTEGER,
}

JOURNAL_ENTRIES = ResourceSpec(
    # One row per journal entry ("postering" in a kassekladde). Vouchers are not stored: a voucher is
    # the set of entries of one journal with the same accounting year and voucher number.
    name="journal-entries",
    route="entries",  # below /journals/{journalNumber}
    key="journalEntryNumber",
    key_is_str=False,
    singular="journalEntry",
    filterable=JOURNAL_ENTRY_FILTERS,
    sortable=tuple(JOURNAL_ENTRY_FILTERS),
    refs=(
        Ref("journal", "journals", "journalNumber"),
        Ref("account", "accounts", "accountNumber"),
        Ref("contraAccount", "accounts", "accountNumber"),
        Ref("supplier", "suppliers", "supplierNumber"),
        Ref("customer", "customers", "customerNumber"),
        Ref("employee", "employees", "employeeNumber"),
        Ref("voucher.accountingYear", "accounting-years", "year"),
    ),
    money=(
        "amount",
        "amountBaseCurrency",
        "exchangeRate",
        "vatAmount",
        "contraVatAmount",
        "quantity1",
        "quantity2",
    ),
    top_level=False,
)

SPECS: dict[str, ResourceSpec] = {
    spec.name: spec
    for spec in (
        CUSTOMERS,
        CUSTOMER_GROUPS,
        SUPPLIERS,
        SUPPLIER_GROUPS,
        PRODUCTS,
        PRODUCT_GROUPS,
        UNITS,
        PAYMENT_TERMS,
        LAYOUTS,
        EMPLOYEES,
        VAT_ZONES,
        ACCOUNTS,
        CURRENCIES,
        DRAFT_INVOICES,
        BOOKED_INVOICES,
        SENT_INVOICES,
        DRAFT_ORDERS,
        SENT_ORDERS,
        ARCHIVED_ORDERS,
        DRAFT_QUOTES,
        SENT_QUOTES,
        ARCHIVED_QUOTES,
        CUSTOMER_CONTACTS,
        DELIVERY_LOCATIONS,
        ACCOUNTING_YEARS,
        JOURNALS,
        JOURNAL_ENTRIES,
    )
}

ACCOUNT_TYPES = _ACCOUNT_TYPES
