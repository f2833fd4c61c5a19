"""Draft invoices, booking and journal vouchers: validation, and the amounts the server computes.

Draft invoices (``POST/PUT /invoices/drafts``)
----------------------------------------------
Required (``invoices.drafts.post`` schema): ``date``, ``currency``, ``customer``, ``layout``,
``paymentTerms``, ``recipient.name``, ``recipient.vatZone``; PUT requires the same (it replaces the whole
document, lines included). Every referenced record must exist (E06000): customer, layout, payment terms,
VAT zone, contact persons (which must be the customer's own), delivery location (the customer's own),
employees, and each line's product and unit. Amounts (``unitNetPrice``, ``unitCostPrice``,
``discountPercentage``) and ``quantity`` take at most two decimals (the schema's ``maxDecimal: 2``:
E04740), ``exchangeRate`` six. A line with a ``product`` needs a ``quantity`` (E04730, the documented
message) and, as the docs say for existing products, a ``description``. Lines without a product are
accepted (text lines, or free lines with an amount).

What the server computes (all money rounded half-up to øre):

- line defaults from its product: ``unitNetPrice`` = the product's ``salesPrice`` (converted with the
  invoice's exchange rate when the invoice is in another currency), ``unitCostPrice`` = ``costPrice``,
  ``unit`` = the product's unit; ``lineNumber`` 1, 2, ... and ``sortKey`` = ``lineNumber`` when absent;
- line ``totalNetAmount`` = round(quantity × unitNetPrice × (1 − discountPercentage/100));
- line ``marginInBaseCurrency`` = round(totalNetAmount × exchangeRate/100) − round(quantity ×
  unitCostPrice); ``marginPercentage`` = margin / net in base currency × 100;
- ``netAmount`` = Σ totalNetAmount; ``vatAmount`` = Σ over VAT rates of round(net at that rate × rate);
  ``roundingAmount`` = 0.00 (the sandbox does no cash rounding); ``grossAmount`` = net + VAT +
  rounding; ``…InBaseCurrency`` = round(amount × exchangeRate / 100); ``costPriceInBaseCurrency`` =
  Σ round(quantity × unitCostPrice); ``marginInBaseCurrency`` = net in base currency − cost;
- VAT rate of a line (:func:`vat_rate`, ``vat.line_vat_code``): the rate of the VAT code on the sales
  account its product's group has in the recipient's VAT zone (``state.set_zone_sales_account``: e.g.
  ``OSSDE7`` -> 7 % for books to a German private customer, no VAT code -> 0 %). Without one: in an
  OSS zone (named "<country> (OSS)") the buyer country's standard rate (:func:`oss_zone`); in zone 1
  (Domestic) the rate of the VAT code on the group's own sales account (``U25`` -> 25 %; a sales
  account without a VAT code, e.g. "Salg u/moms", -> 0 %), 25 % for a line without a product or whose
  group has no sales account; in any other zone 0 %.
- ``exchangeRate``: 100 for the base currency (whatever is sent), else the value sent, else the
  sandbox's fixed rate (``state.exchange_rates``);
- ``dueDate`` from the payment terms: ``net`` (and ``factoring``, ``creditcard``, ``avtaleGiro``): date +
  daysOfCredit; ``invoiceMonth``: last day of the invoice's month + daysOfCredit;
  ``invoiceWeekStartingMonday``/``…Sunday``: last day of the invoice's week + daysOfCredit;
  ``paidInCash``/``prepaid``: the date itself; ``dueDate``: the ``dueDate`` sent, required (E04042) and
  not before ``date`` (E04760). For every other type a ``dueDate`` sent is ignored (observed live).
- ``recipient.cvr`` (GET schemas only) is kept when sent, else copied from the customer's
  ``corporateIdentificationNumber``.

Orders (``/orders/drafts``, ``/orders/sent``) and quotes (``/quotes/drafts``, ``/quotes/sent``) are checked
and priced by the same code (:func:`validate_draft` with their spec): same required properties, same computed
amounts. An order or quote line's ``quantity`` must lie in 0.01 … 999999999999999999 (the orders' and
quotes' GET schemas' bounds; the write
schemas give none): a smaller one is a 400 like any bound. Invoice lines have no such bound in any
invoice schema (a credit note's lines carry negative quantities), so invoices keep accepting them.

Booking (``POST /invoices/booked``, ``PUT /invoices/booked/{bookWithNumber}``)
------------------------------------------------------------------------------
The draft must exist and have at least one line (sandbox rule), and its date must lie in an
accounting year that is not closed (when the agreement has accounting years). ``bookWithNumber``
must be free (400 otherwise); without it the number is the highest booked number + 1. The booked
invoice keeps the draft's document, gets ``remainder`` = ``grossAmount`` (and in base currency), and
the draft is deleted; the customer's ``balance`` grows by the gross amount in base currency, and the
invoice is posted to the books (sales, VAT and debtor entries per account: ``books.py``).
``sendBy`` (schema enum ``none`` | ``EAN`` | ``Email``, case-sensitive):

- ``EAN`` needs an EAN (``recipient.ean`` or the customer's ``ean``) and a contact person on the
  invoice (``references.customerContact``); it adds an entry to ``/invoices/sent`` (``sendBy: "ean"``,
  ``status: "sent"``) and the booked invoice's ``sent`` link points at it. This is how a booked
  invoice becomes "sent" in the sandbox.
- ``Email`` is accepted and remembered (``state``'s record carries ``sentBy: "Email"``) but, as
  e-conomic does not send e-mails through the API and ``/invoices/sent`` lists electronic sends only,
  it appears in no list.

Vouchers (``POST /journals/{n}/vouchers``)
------------------------------------------
The body is one voucher object or an array of them; all are checked before any is stored (all or
nothing) and the answer is always an array, one voucher per voucher sent, each listing the entries
this call created. Per voucher: ``accountingYear`` required and existing (not closed); ``journal``, when
given, must be the journal of the path; ``voucherNumber`` optional: when given it must lie in the
journal's ``voucherNumbers`` range (entries are added to that voucher if it exists), else the next
number of the journal's series is assigned (highest used in that journal and year + 1, at least the
minimum). At least one entry. Per entry: ``amount`` (two decimals) and ``date`` (inside the accounting
year) required; ``entryType`` must match the array if sent; a journal restricted to one entry type
refuses others. Accounts must exist and accept direct entries (P&L or balance accounts, not barred,
``blockDirectEntries`` false — observed live); supplier, customer, employee, currency, units must
exist. financeVouchers need ``account`` or ``contraAccount``; supplierInvoices/supplierPayments need
``supplier`` or ``contraAccount``; customerPayments/manualCustomerInvoices need ``customer`` or
``contraAccount``. Entries get ``journalEntryNumber`` (highest + 1 across the agreement) and
``amountBaseCurrency`` (round(amount × exchangeRate/100) when not sent). Draft entries need not
balance (e-conomic checks that when the journal is booked, which the API cannot do).
"""

from __future__ import annotations

import calendar
import copy
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ledgerbridge.systems.economic.sandbox.books import books_of
from ledgerbridge.systems.economic.sandbox.errors import NOT_FOUND, UNPUBLISHED, LegacyHttpError, field_error
from ledgerbridge.systems.economic.sandbox.resources import (
    COMPUTED_AMOUNTS,
    DATE,
    DRAFT_INVOICES,
    INTEGER,
    NUMBER,
    SALES_FAMILIES,
    STRING,
    Field,
    Ref,
    ResourceSpec,
)
from ledgerbridge.systems.economic.sandbox.state import (
    INVOICE_BOOKED,
    EconomicState,
    get_path,
    round2,
    to_decimal,
)
from ledgerbridge.systems.economic.sandbox.validation import (
    VALIDATION_HINT,
    VALIDATION_MESSAGE,
    Annotated,
    check_document,
    check_field,
    check_typed_only,
    json_type_name,
    raise_if,
    require_object,
)
from ledgerbridge.systems.economic.sandbox.vat import (
    line_vat_code,
    zone_vat_rate,
)

QUANTITY_REQUIRED = "E04730"
DUE_DATE_REQUIRED = "E04042"
DUE_DATE_TOO_EARLY = "E04760"
HUNDRED = Decimal("100")
ZERO = Decimal("0.00")
SEND_BY = ("none", "EAN", "Email")

LINE_FIELDS = (
    Field("lineNumber", INTEGER, minimum=1),
    Field("sortKey", INTEGER, minimum=1),
    Field("description", STRING, max_length=2500),
    Field("quantity", NUMBER, max_decimals=2),
    Field("unitNetPrice", NUMBER, max_decimals=2),
    Field("discountPercentage", NUMBER, max_decimals=2),
    Field("unitCostPrice", NUMBER, max_decimals=2),
    Field("accrual.startDate", DATE),
    Field("accrual.endDate", DATE),
)
# An order line's quantity has the bounds the orders' (and quotes') GET schemas give it.
ORDER_LINE_FIELDS = tuple(
    Field("quantity", NUMBER, max_decimals=2, minimum=Decimal("0.01"), maximum=999999999999999999)
    if f.path == "quantity"
    else f
    for f in LINE_FIELDS
)
LINE_REFS = (
    Ref("product", "products", "productNumber"),
    Ref("unit", "units", "unitNumber"),
    Ref(
        "departmentalDistribution", None, "departmentalDistributionNumber", route="departmental-distributions"
    ),
)
LINE_MONEY = (
    "quantity",
    "unitNetPrice",
    "discountPercentage",
    "unitCostPrice",
    "totalNetAmount",
    "marginInBaseCurrency",
    "marginPercentage",
    "vatRate",
    "vatAmount",
)


def _dec(value: Any, default: str = "0") -> Decimal:
    return to_decimal(value) if value is not None else Decimal(default)


def _error(code: str, message: str, **kwargs: Any) -> dict[str, Any]:
    return field_error(code, message, **kwargs)


# -- draft invoices ------------------------------------------------------------------------------


# What a document's write schemas list but the server computes (price_document) or makes itself (the
# order's or quote's pdf link and SOAP handle): a body may carry them, so they are checked as typed (a
# wrong type is a 400, as for any property) and not stored.
TYPED_ONLY = (*(Field(name, NUMBER) for name in COMPUTED_AMOUNTS), Field("pdf.download", STRING))
# The SOAP handle an order's or quote's body may carry, by table.
HANDLES = {table: f"soap.{family.handle}.id" for family in SALES_FAMILIES.values() for table in family.tables}
LINE_TYPED_ONLY = (Field("marginInBaseCurrency", NUMBER), Field("marginPercentage", NUMBER))


def validate_draft(
    state: EconomicState,
    body: Any,
    *,
    base: str,
    spec: ResourceSpec = DRAFT_INVOICES,
    replacing: bool = False,
) -> dict[str, Any]:
    """Check a draft invoice document (POST or PUT) and return the record to store, amounts computed.

    ``spec``: the order and quote specs (``resources.SALES_FAMILIES``) check an order or quote the same
    way. The caller holds ``state.lock`` and sets ``draftInvoiceNumber`` (``orderNumber``, ``quoteNumber``).
    """
    require_object(body)
    errors = Annotated()
    record = check_document(state, spec, body, errors, base=base, creating=True)
    if replacing and spec.key in body:  # the path names it; a number sent is checked as typed
        check_field(Field(spec.key, INTEGER, minimum=1, maximum=999999999), body[spec.key], errors)
        record.pop(spec.key, None)
    handle = (Field(HANDLES[spec.name], INTEGER),) if spec.name in HANDLES else ()
    check_typed_only(body, (*TYPED_ONLY, *handle), errors)
    order = spec.name != DRAFT_INVOICES.name
    lines = _check_lines(state, body, errors, base, ORDER_LINE_FIELDS if order else LINE_FIELDS)
    customer_number = get_path(record, "customer.customerNumber")
    customer = state.get("customers", customer_number) if customer_number is not None else None
    for path, resource, key in (
        ("references.customerContact", "customer-contacts", "customerContactNumber"),
        ("recipient.attention", "customer-contacts", "customerContactNumber"),
        ("deliveryLocation", "delivery-locations", "deliveryLocationNumber"),
    ):
        number = get_path(record, f"{path}.{key}")
        other = state.get(resource, number) if number is not None else None
        if (
            other is not None
            and customer is not None
            and get_path(other, "customer.customerNumber") != customer_number
        ):
            errors.add(
                path,
                _error(
                    UNPUBLISHED,
                    f"{path.rsplit('.', 1)[-1]} {number} does not belong to customer {customer_number}.",
                    value=number,
                ),
            )
    due = _due_date(state, record, body, errors)
    raise_if(errors)

    record["lines"] = lines
    if (
        customer is not None
        and "cvr" not in record.get("recipient", {})
        and customer.get("corporateIdentificationNumber")
    ):
        record["recipient"]["cvr"] = customer["corporateIdentificationNumber"]
    terms = state.get("payment-terms", record["paymentTerms"]["paymentTermsNumber"]) or {}
    record["paymentTerms"] = {
        "paymentTermsNumber": record["paymentTerms"]["paymentTermsNumber"],
        **{k: terms[k] for k in ("daysOfCredit", "name", "paymentTermsType") if k in terms},
    }
    if due is not None:
        record["dueDate"] = due
    price_document(state, record)
    return record


def _check_lines(
    state: EconomicState,
    body: Mapping[str, Any],
    errors: Annotated,
    base: str,
    fields: tuple[Field, ...] = LINE_FIELDS,
) -> list[dict[str, Any]]:
    raw = body.get("lines", [])
    if raw is None or not isinstance(raw, list):
        errors.add("lines", _error(UNPUBLISHED, f"Expected Array but got {json_type_name(raw)}."))
        return []
    lines: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    for index, item in enumerate(raw):
        line_errors = Annotated()
        if not isinstance(item, Mapping):
            problems.append(
                {
                    "arrayIndex": index,
                    "errors": [_error(UNPUBLISHED, f"Expected Object but got {json_type_name(item)}.")],
                }
            )
            continue
        line = check_document(
            state,
            DRAFT_INVOICES,
            item,
            line_errors,
            base=base,
            creating=True,
            fields=fields,
            refs=LINE_REFS,
        )
        check_typed_only(item, LINE_TYPED_ONLY, line_errors)
        if "product" in item and item.get("quantity") is None:
            line_errors.add(
                "quantity",
                _error(QUANTITY_REQUIRED, "Property quantity must have a value when product is set."),
            )
        if "product" in line and not item.get("description"):
            line_errors.add(
                "description",
                _error(
                    UNPUBLISHED, "Property description must have a value when an existing product is set."
                ),
            )
        if line_errors:
            problems.append({"arrayIndex": index, **line_errors.doc})
        lines.append(line)
    if problems:
        errors.doc["lines"] = problems
    return lines


def _due_date(
    state: EconomicState, record: dict[str, Any], body: Mapping[str, Any], errors: Annotated
) -> str | None:
    """The dueDate the payment terms give (None when something it needs is invalid)."""
    number = get_path(record, "paymentTerms.paymentTermsNumber")
    terms = state.get("payment-terms", number) if number is not None else None
    if terms is None or "date" not in record:
        return None
    invoice_date = date.fromisoformat(record["date"])
    kind = terms.get("paymentTermsType", "net")
    days = int(terms.get("daysOfCredit") or 0)
    if kind == "dueDate":
        given = record.get("dueDate")
        if given is None:
            if "dueDate" not in body:
                errors.add(
                    "dueDate",
                    _error(
                        DUE_DATE_REQUIRED,
                        "dueDate is mandatory when the payment terms are of type dueDate.",
                        hint="Set dueDate, or use payment terms of another type.",
                    ),
                )
            return None
        if date.fromisoformat(given) < invoice_date:
            errors.add(
                "dueDate",
                _error(DUE_DATE_TOO_EARLY, "dueDate cannot be earlier than date.", value=given),
            )
            return None
        return str(given)
    return due_date_for(kind, days, invoice_date).isoformat()


def due_date_for(kind: str, days: int, invoice_date: date) -> date:
    """The due date for payment terms of ``kind`` with ``days`` of credit, invoice dated ``invoice_date``."""
    if kind in ("paidInCash", "prepaid"):
        return invoice_date
    if kind == "invoiceMonth":
        last = calendar.monthrange(invoice_date.year, invoice_date.month)[1]
        return invoice_date.replace(day=last) + timedelta(days=days)
    if kind == "invoiceWeekStartingMonday":
        return invoice_date + timedelta(days=6 - invoice_date.weekday() + days)
    if kind == "invoiceWeekStartingSunday":
        return invoice_date + timedelta(days=(5 - invoice_date.weekday()) % 7 + days)
    return invoice_date + timedelta(days=days)  # net, factoring, creditcard, avtaleGiro


def vat_rate(state: EconomicState, zone_number: int | None, product_number: str | None) -> Decimal:
    """The VAT rate (percent) of a line: see the module docstring."""
    return zone_vat_rate(state, zone_number, line_vat_code(state, zone_number, product_number))


def price_document(state: EconomicState, record: dict[str, Any]) -> None:
    """Fill the line defaults and every computed amount of a draft invoice record (in place)."""
    currency = str(record.get("currency", state.base_currency))
    if currency == state.base_currency:
        rate = HUNDRED
    elif record.get("exchangeRate") is not None:
        rate = to_decimal(record["exchangeRate"])
    else:
        rate = state.exchange_rate(currency)
    record["exchangeRate"] = rate
    zone = get_path(record, "recipient.vatZone.vatZoneNumber")
    net_by_rate: dict[Decimal, Decimal] = {}
    net = cost = ZERO
    for index, line in enumerate(record.get("lines", []), start=1):
        line.setdefault("lineNumber", index)
        line.setdefault("sortKey", line["lineNumber"])
        product_number = get_path(line, "product.productNumber")
        product = state.tables["products"].get(product_number) if product_number is not None else None
        if product is not None:
            if "unitNetPrice" not in line and product.get("salesPrice") is not None:
                line["unitNetPrice"] = round2(to_decimal(product["salesPrice"]) * HUNDRED / rate)
            if "unitCostPrice" not in line and product.get("costPrice") is not None:
                line["unitCostPrice"] = to_decimal(product["costPrice"])
            if "unit" not in line and get_path(product, "unit.unitNumber") is not None:
                line["unit"] = {"unitNumber": product["unit"]["unitNumber"]}
        quantity = _dec(line.get("quantity"))
        price = _dec(line.get("unitNetPrice"))
        discount = _dec(line.get("discountPercentage"))
        total = round2(quantity * price * (HUNDRED - discount) / HUNDRED)
        line_cost = round2(quantity * _dec(line.get("unitCostPrice")))
        total_base = round2(total * rate / HUNDRED)
        margin = total_base - line_cost
        line["totalNetAmount"] = total
        line["marginInBaseCurrency"] = margin
        line["marginPercentage"] = round2(margin / total_base * HUNDRED) if total_base else ZERO
        line_rate = vat_rate(state, zone, product_number)
        line["vatRate"] = line_rate
        line["vatAmount"] = round2(total * line_rate / HUNDRED)
        net_by_rate[line_rate] = net_by_rate.get(line_rate, ZERO) + total
        net += total
        cost += line_cost
    vat = sum((round2(amount * r / HUNDRED) for r, amount in net_by_rate.items()), ZERO)
    rounding = ZERO
    gross = net + vat + rounding
    net_base = round2(net * rate / HUNDRED)
    record["netAmount"] = net
    record["netAmountInBaseCurrency"] = net_base
    record["vatAmount"] = vat
    record["roundingAmount"] = rounding
    record["grossAmount"] = gross
    record["grossAmountInBaseCurrency"] = round2(gross * rate / HUNDRED)
    record["costPriceInBaseCurrency"] = cost
    record["marginInBaseCurrency"] = net_base - cost
    record["marginPercentage"] = round2((net_base - cost) / net_base * HUNDRED) if net_base else ZERO


def validate_new_lines(
    state: EconomicState, draft: dict[str, Any], body: Any, *, base: str
) -> dict[str, Any]:
    """``POST /invoices/drafts/{n}/lines``: the draft with the lines of ``body`` appended (recomputed)."""
    require_object(body)
    errors = Annotated()
    if "lines" not in body:
        errors.add("lines", _error(UNPUBLISHED, "Required property 'lines' is missing."))
    lines = _check_lines(state, body, errors, base)
    raise_if(errors)
    updated = copy.deepcopy(draft)
    existing = updated.get("lines", [])
    next_number = max((line.get("lineNumber", 0) for line in existing), default=0) + 1
    for offset, line in enumerate(lines):
        line.setdefault("lineNumber", next_number + offset)
    updated["lines"] = existing + lines
    price_document(state, updated)
    return updated


# -- booking -------------------------------------------------------------------------------------

_BOOK_FIELDS = (Field("bookWithNumber", INTEGER, minimum=1), Field("sendBy", STRING, enum=SEND_BY))
_DRAFT_REF = Ref("draftInvoice", "invoices-drafts", "draftInvoiceNumber", required=True)
_BOOK_SPEC = ResourceSpec(
    name="invoices-booked", key="bookedInvoiceNumber", key_is_str=False, singular="bookedInvoice"
)


def book(
    state: EconomicState, body: Any, *, base: str, book_with_number: int | None = None
) -> dict[str, Any]:
    """Book a draft invoice (the caller holds ``state.lock``); returns the stored booked invoice."""
    require_object(body)
    errors = Annotated()
    request = check_document(
        state, _BOOK_SPEC, body, errors, base=base, creating=True, fields=_BOOK_FIELDS, refs=(_DRAFT_REF,)
    )
    number = book_with_number if book_with_number is not None else request.get("bookWithNumber")
    if number is not None and state.exists("invoices-booked", number):
        errors.add(
            "bookWithNumber",
            _error(
                UNPUBLISHED,
                f"An invoice with number {number} has already been booked.",
                value=number,
                hint="Book with another number, or leave bookWithNumber out to get the next one.",
            ),
        )
    draft_number = get_path(request, "draftInvoice.draftInvoiceNumber")
    draft = state.get("invoices-drafts", draft_number) if draft_number is not None else None
    send_by = request.get("sendBy", "none")
    if draft is not None:
        if not draft.get("lines"):
            errors.add(
                "draftInvoice",
                _error(UNPUBLISHED, "A draft invoice without lines cannot be booked.", value=draft_number),
            )
        year_problem = accounting_year_problem(state, draft["date"])
        if year_problem:
            errors.add("draftInvoice", _error(UNPUBLISHED, year_problem, value=draft["date"]))
        if send_by == "EAN":
            customer = state.get("customers", draft["customer"]["customerNumber"]) or {}
            if not (get_path(draft, "recipient.ean") or customer.get("ean")):
                errors.add(
                    "sendBy",
                    _error(
                        UNPUBLISHED,
                        "Sending by EAN needs an EAN number on the recipient or the customer.",
                        value=send_by,
                    ),
                )
            if get_path(draft, "references.customerContact.customerContactNumber") is None:
                errors.add(
                    "sendBy",
                    _error(
                        UNPUBLISHED,
                        "Sending by EAN needs a contact person on the invoice (references.customerContact).",
                        value=send_by,
                    ),
                )
    raise_if(errors)
    assert draft is not None

    booked = {k: v for k, v in draft.items() if k not in ("draftInvoiceNumber", "lastUpdated", "soap")}
    renumbered = state.take_booking_number()  # the number series decides (a test's control)
    if renumbered is not None:
        booked_number = renumbered
    else:
        booked_number = number if number is not None else state.next_key("invoices-booked")
    booked["bookedInvoiceNumber"] = booked_number
    booked["remainder"] = to_decimal(draft["grossAmount"])
    booked["remainderInBaseCurrency"] = to_decimal(draft["grossAmountInBaseCurrency"])
    delivery_date = get_path(draft, "delivery.deliveryDate")
    for line in booked.get("lines", []):
        if delivery_date:
            line.setdefault("deliveryDate", delivery_date)
    if send_by in ("EAN", "Email"):
        booked["sentBy"] = send_by
    if send_by == "EAN":
        sent_id = state.next_key("invoices-sent")
        state.insert(
            "invoices-sent",
            {
                "id": sent_id,
                "invoice": {"bookedInvoiceNumber": booked_number},
                "status": "sent",
                "sendBy": "ean",
                "creationDate": state.today().isoformat(),
                "createdBy": str(state.agreement.get("userName", "")),
                "recipient": {
                    "name": get_path(draft, "recipient.name") or "",
                    "ean": get_path(draft, "recipient.ean")
                    or (state.get("customers", draft["customer"]["customerNumber"]) or {}).get("ean", ""),
                },
            },
        )
        booked["sentInvoiceId"] = sent_id
    state.delete("invoices-drafts", draft_number)
    stored = state.insert("invoices-booked", booked)
    books_of(state).post_booked_invoice(stored)  # sales, VAT and debtor entries (books.py)
    customer_record = state.tables["customers"].get(draft["customer"]["customerNumber"])
    if customer_record is not None:  # the debtor's balance grows; not a change that fires a webhook
        customer_record["balance"] = round2(
            _dec(customer_record.get("balance")) + to_decimal(draft["grossAmountInBaseCurrency"])
        )
    state.emit(INVOICE_BOOKED, {"INVOICENO": booked_number})
    return stored


def accounting_year_problem(state: EconomicState, day: str, year: str | None = None) -> str | None:
    """Why ``day`` cannot be booked (in accounting ``year`` when given), or None."""
    if not state.count("accounting-years"):
        return None
    years = [state.get("accounting-years", year)] if year is not None else state.records("accounting-years")
    for record in years:
        if record is not None and record["fromDate"] <= day <= record["toDate"]:
            if record.get("closed"):
                return f"The accounting year {record['year']} is closed."
            return None
    if year is not None:
        return f"The date {day} is not within the accounting year {year}."
    return f"The date {day} is not within an accounting year."


# -- journal vouchers ----------------------------------------------------------------------------

_COMMON_ENTRY_FIELDS = (
    Field("text", STRING, max_length=250),
    Field("amount", NUMBER, required=True, max_decimals=2),
    Field("date", DATE, required=True),
    Field("exchangeRate", NUMBER, max_decimals=6),
    Field("amountBaseCurrency", NUMBER, max_decimals=2),
    Field("contraVatAccount.vatCode", STRING, max_length=5),
    Field("contraVatAmount", NUMBER, max_decimals=2),
    Field("quantity1", NUMBER, max_decimals=2),
    Field("quantity2", NUMBER, max_decimals=2),
)
_COMMON_ENTRY_REFS = (
    Ref("contraAccount", "accounts", "accountNumber"),
    Ref("currency", "currencies", "code"),
    Ref("employee", "employees", "employeeNumber"),
    Ref(
        "departmentalDistribution", None, "departmentalDistributionNumber", route="departmental-distributions"
    ),
    Ref("unit1", "units", "unitNumber"),
    Ref("unit2", "units", "unitNumber"),
)
_PROJECT = Ref("project", None, "projectNumber", route="projects")
_COST_TYPE = Ref("costType", None, "costTypeNumber", route="cost-types")
_SUPPLIER = Ref("supplier", "suppliers", "supplierNumber")
_CUSTOMER = Ref("customer", "customers", "customerNumber")
# array name -> (entry type, extra fields, extra refs, party that may replace contraAccount)
ENTRY_KINDS: dict[str, tuple[str, tuple[Field, ...], tuple[Ref, ...], str | None]] = {
    "financeVouchers": (
        "financeVoucher",
        (Field("vatAccount.vatCode", STRING, max_length=5), Field("vatAmount", NUMBER, max_decimals=2)),
        (Ref("account", "accounts", "accountNumber"), _PROJECT, _COST_TYPE),
        "account",
    ),
    "supplierInvoices": (
        "supplierInvoice",
        (Field("supplierInvoiceNumber", STRING, max_length=30), Field("dueDate", DATE)),
        (_SUPPLIER, _PROJECT, _COST_TYPE),
        "supplier",
    ),
    "supplierPayments": (
        "supplierPayment",
        (Field("supplierInvoiceNumber", STRING, max_length=30),),
        (_SUPPLIER,),
        "supplier",
    ),
    "customerPayments": (
        "customerPayment",
        (Field("customerInvoice", INTEGER, minimum=1),),
        (_CUSTOMER,),
        "customer",
    ),
    "manualCustomerInvoices": (
        "manualCustomerInvoice",
        (Field("customerInvoice", INTEGER, minimum=1, maximum=999999999), Field("dueDate", DATE)),
        (_CUSTOMER,),
        "customer",
    ),
}
_VOUCHER_FIELDS = (Field("voucherNumber", INTEGER, minimum=1, maximum=999999999),)
_VOUCHER_REFS = (
    Ref("accountingYear", "accounting-years", "year", required=True),
    Ref("journal", "journals", "journalNumber"),
)
_VOUCHER_SPEC = ResourceSpec(
    name="journal-entries", key="journalEntryNumber", key_is_str=False, singular="voucher"
)


def post_vouchers(
    state: EconomicState, journal_number: int, body: Any, *, base: str
) -> list[tuple[str, int, list[dict[str, Any]]]]:
    """Check and store vouchers (the caller holds ``state.lock``).

    Returns ``(accounting year, voucher number, stored entries)`` per voucher sent, in order.
    """
    journal = state.get("journals", journal_number)
    if journal is None:
        raise LegacyHttpError(404, f"journal '{journal_number}' does not exist.", error_code=NOT_FOUND)
    many = isinstance(body, list)
    vouchers = body if many else [body]
    if many and not vouchers:
        raise LegacyHttpError(
            400, VALIDATION_MESSAGE, developer_hint=VALIDATION_HINT, errors=["Expected at least one voucher."]
        )
    problems: list[dict[str, Any]] = []
    checked: list[tuple[str, int | None, list[dict[str, Any]]]] = []
    for index, voucher in enumerate(vouchers):
        errors = Annotated()
        if not isinstance(voucher, Mapping):
            if not many:
                require_object(voucher)
            problems.append(
                {
                    "arrayIndex": index,
                    "errors": [_error(UNPUBLISHED, f"Expected Object but got {json_type_name(voucher)}.")],
                }
            )
            continue
        year, number, entries = _check_voucher(state, journal, voucher, errors, base)
        if errors:
            problems.append({"arrayIndex": index, **errors.doc} if many else errors.doc)
        else:
            checked.append((year, number, entries))
    if problems:
        raise LegacyHttpError(
            400, VALIDATION_MESSAGE, developer_hint=VALIDATION_HINT, errors=problems if many else problems[0]
        )

    results: list[tuple[str, int, list[dict[str, Any]]]] = []
    for year, number, entries in checked:
        voucher_number = number if number is not None else _next_voucher_number(state, journal, year)
        if voucher_number is None:
            settings = journal.get("settings", {}).get("voucherNumbers", {})
            raise LegacyHttpError(
                400,
                VALIDATION_MESSAGE,
                developer_hint=VALIDATION_HINT,
                errors={
                    "voucherNumber": {
                        "errors": [
                            _error(
                                UNPUBLISHED,
                                f"The journal's voucher numbers ({settings.get('minimumVoucherNumber')}-"
                                f"{settings.get('maximumVoucherNumber')}) are used up.",
                            )
                        ]
                    }
                },
            )
        stored = []
        for entry in entries:
            entry["journal"] = {"journalNumber": journal_number}
            entry["voucher"] = {"voucherNumber": voucher_number, "accountingYear": {"year": year}}
            entry["journalEntryNumber"] = state.next_key("journal-entries")
            stored.append(state.insert("journal-entries", entry))
        results.append((year, voucher_number, stored))
    return results


def _voucher_range(journal: Mapping[str, Any]) -> tuple[int, int]:
    numbers = get_path(journal, "settings.voucherNumbers") or {}
    return int(numbers.get("minimumVoucherNumber") or 1), int(
        numbers.get("maximumVoucherNumber") or 999999999
    )


def _next_voucher_number(state: EconomicState, journal: Mapping[str, Any], year: str) -> int | None:
    low, high = _voucher_range(journal)
    used = [
        int(get_path(e, "voucher.voucherNumber"))
        for e in state.tables["journal-entries"].values()
        if get_path(e, "journal.journalNumber") == journal["journalNumber"]
        and get_path(e, "voucher.accountingYear.year") == year
    ]
    # booked entries left the journal but keep their numbers (e-conomic never reuses a voucher number)
    if state.books is not None:
        used += [
            int(e["voucherNumber"])
            for e in state.books.entries
            if e.get("_journal") == journal["journalNumber"] and e["_year"] == year
        ]
    candidate = max([low - 1, *used]) + 1
    return candidate if candidate <= high else None


def _check_voucher(
    state: EconomicState, journal: Mapping[str, Any], voucher: Mapping[str, Any], errors: Annotated, base: str
) -> tuple[str, int | None, list[dict[str, Any]]]:
    head = check_document(
        state,
        _VOUCHER_SPEC,
        voucher,
        errors,
        base=base,
        creating=True,
        fields=_VOUCHER_FIELDS,
        refs=_VOUCHER_REFS,
    )
    year = get_path(head, "accountingYear.year")
    if year is not None:
        record = state.get("accounting-years", year)
        if record is not None and record.get("closed"):
            errors.add(
                "accountingYear", _error(UNPUBLISHED, f"The accounting year {year} is closed.", value=year)
            )
    given_journal = get_path(head, "journal.journalNumber")
    if given_journal is not None and given_journal != journal["journalNumber"]:
        errors.add(
            "journal",
            _error(
                UNPUBLISHED,
                f"journal {given_journal} is not the journal of the URL ({journal['journalNumber']}).",
                value=given_journal,
            ),
        )
    number = head.get("voucherNumber")
    low, high = _voucher_range(journal)
    if number is not None and not low <= number <= high:
        errors.add(
            "voucherNumber",
            _error(
                UNPUBLISHED, f"voucherNumber must be between {low} and {high} in this journal.", value=number
            ),
        )
    raw_entries = voucher.get("entries")
    entries: list[dict[str, Any]] = []
    if not isinstance(raw_entries, Mapping):
        errors.add("entries", _error(UNPUBLISHED, "A voucher needs entries (an object of entry arrays)."))
        return str(year), number, entries
    restricted = get_path(journal, "settings.entryTypeRestrictedTo")
    for array_name, items in raw_entries.items():
        if array_name not in ENTRY_KINDS:
            continue  # unknown properties are ignored, as everywhere
        entry_type = ENTRY_KINDS[array_name][0]
        if not isinstance(items, list):
            errors.add(
                f"entries.{array_name}",
                _error(UNPUBLISHED, f"Expected Array but got {json_type_name(items)}."),
            )
            continue
        problems = []
        for index, item in enumerate(items):
            entry_errors = Annotated()
            if not isinstance(item, Mapping):
                problems.append(
                    {
                        "arrayIndex": index,
                        "errors": [_error(UNPUBLISHED, f"Expected Object but got {json_type_name(item)}.")],
                    }
                )
                continue
            entry = _check_entry(state, array_name, item, entry_errors, base, year)
            if restricted and restricted != entry_type:
                entry_errors.add(
                    "entryType",
                    _error(
                        UNPUBLISHED,
                        f"The journal only accepts entries of type {restricted}.",
                        value=entry_type,
                    ),
                )
            if entry_errors:
                problems.append({"arrayIndex": index, **entry_errors.doc})
            else:
                entries.append(entry)
        if problems:
            node = errors.doc.setdefault("entries", {})
            node[array_name] = problems
    if not entries and "entries" not in errors.doc:
        errors.add("entries", _error(UNPUBLISHED, "A voucher needs at least one entry."))
    return str(year), number, entries


def _check_entry(
    state: EconomicState, array_name: str, item: Mapping[str, Any], errors: Annotated, base: str, year: Any
) -> dict[str, Any]:
    entry_type, fields, refs, party = ENTRY_KINDS[array_name]
    entry = check_document(
        state,
        _VOUCHER_SPEC,
        item,
        errors,
        base=base,
        creating=True,
        fields=_COMMON_ENTRY_FIELDS + fields,
        refs=_COMMON_ENTRY_REFS + refs,
    )
    given_type = item.get("entryType")
    if given_type is not None and given_type != entry_type:
        errors.add(
            "entryType",
            _error(UNPUBLISHED, f'Value "{given_type}" is not defined in enum.', value=given_type),
        )
    entry["entryType"] = entry_type
    if "paymentDetails" in item:
        if isinstance(item["paymentDetails"], Mapping):
            entry["paymentDetails"] = copy.deepcopy(dict(item["paymentDetails"]))
        else:
            errors.add(
                "paymentDetails",
                _error(UNPUBLISHED, f"Expected Object but got {json_type_name(item['paymentDetails'])}."),
            )
    for name in ("account", "contraAccount"):
        number = get_path(entry, f"{name}.accountNumber")
        account = state.get("accounts", number) if number is not None else None
        if account is not None and (
            account.get("barred")
            or account.get("blockDirectEntries")
            or account.get("accountType", "profitAndLoss") not in ("profitAndLoss", "status")
        ):
            errors.add(
                name, _error(UNPUBLISHED, f"Account {number} does not allow direct entries.", value=number)
            )
    if party is not None and party not in item and "contraAccount" not in item:
        errors.add(party, _error(UNPUBLISHED, f"Either '{party}' or 'contraAccount' is required."))
    if (
        isinstance(entry.get("date"), str)
        and year is not None
        and state.exists("accounting-years", str(year))
    ):
        problem = accounting_year_problem(state, entry["date"], str(year))
        if problem:
            errors.add("date", _error(UNPUBLISHED, problem, value=entry["date"]))
    if errors:
        return entry
    code = get_path(entry, "currency.code") or state.base_currency
    entry["currency"] = {"code": code}
    if code == state.base_currency:
        rate = HUNDRED
    elif entry.get("exchangeRate") is not None:
        rate = to_decimal(entry["exchangeRate"])
    else:
        rate = state.exchange_rate(code)
    entry["exchangeRate"] = rate
    entry["amount"] = round2(to_decimal(entry["amount"]))
    if entry.get("amountBaseCurrency") is None:
        entry["amountBaseCurrency"] = round2(to_decimal(entry["amount"]) * rate / HUNDRED)
    return entry
