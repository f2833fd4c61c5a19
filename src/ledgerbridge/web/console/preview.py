"""A register's preview (kinds with a data-transfer panel, severa-eaccounting): the dry run the CLI's
``transfer NAME REGISTER --dry-run`` and the admin API's ``?dry_run=true`` answer, as a page. Per record
what the run would do (create, update, unchanged, refused with the reason) and per field old → new; for
invoices first the customers, articles and projects the run would transfer before them, by register.
Nothing is written to either system."""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ledgerbridge.service import UserError
from ledgerbridge.services.common import N_, Title
from ledgerbridge.web.console.context import CHOICES_TTL, Console, _, integration_url
from ledgerbridge.web.console.messages import service_message

RECORDS_SHOWN = 200  # per register on the page
#: Refused first (what needs the user), then what would change, then what is already in step.
ACTION_ORDER = {"fail": 0, "create": 1, "update": 2, "unchanged": 3}
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
PLANNED = re.compile(r"\(new: (?:customers|products|projects) (.+)\)")
_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)")


@dataclass
class Change:
    label: str
    old: str | list[str] | None
    new: str | list[str] | None


@dataclass
class Row:
    record: str
    action: str
    target: str
    error: str | None
    changes: list[Change] = field(default_factory=list)


@dataclass
class Group:
    """One register's plan: its counts and its records, refused first."""

    register: str
    title: str
    created: int
    updated: int
    unchanged: int
    failed: int
    rows: list[Row]
    aborted: str | None = None


def field_label(name: str) -> str:
    """A system's field name as words: ``InvoicePostalCode`` → "Invoice postal code", ``unitPrice`` →
    "Unit price", ``status`` → "Status"."""
    words = _WORD_START.sub(" ", name.replace("_", " ")).split()
    text = " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)
    return text[:1].upper() + text[1:]


def field_names(request: Request) -> dict[str, str]:
    """The fields the registers plan, as the user's language names them (both systems' API names)."""
    customer = _(request, "Customer")
    name, number, unit, unit_price = (
        _(request, "Name"),
        _(request, "Number"),
        _(request, "Unit"),
        _(request, "Unit price"),
    )
    email, phone, currency = _(request, "E-mail"), _(request, "Phone"), _(request, "Currency")
    payment_terms, postal_code, city = (
        _(request, "Payment terms"),
        _(request, "Postal code"),
        _(request, "City"),
    )
    return {
        # customers (eEkonomi ← Severa, Severa ← eEkonomi)
        "CustomerNumber": _(request, "Customer number"),
        "Name": name,
        "name": name,
        "IsActive": _(request, "Active"),
        "isActive": _(request, "Active"),
        "CorporateIdentityNumber": _(request, "Organisation number"),
        "VatNumber": _(request, "VAT number"),
        "vatNumber": _(request, "VAT number"),
        "EmailAddress": email,
        "email": email,
        "WwwAddress": _(request, "Web site"),
        "website": _(request, "Web site"),
        "IsPrivatePerson": _(request, "Private person"),
        "InvoiceAddress1": _(request, "Address line 1"),
        "InvoiceAddress2": _(request, "Address line 2"),
        "addressline": _(request, "Address"),
        "InvoicePostalCode": postal_code,
        "postalCode": postal_code,
        "InvoiceCity": city,
        "city": city,
        "InvoiceCountryCode": _(request, "Country"),
        "country": _(request, "Country"),
        "Telephone": phone,
        "phone": phone,
        "mobile": _(request, "Mobile"),
        "TermsOfPaymentId": payment_terms,
        "paymentTerm": payment_terms,
        "ContactPersonName": _(request, "Contact person"),
        "ContactPersonEmail": _(request, "Contact person's e-mail"),
        "ContactPersonPhone": _(request, "Contact person's phone"),
        "ContactPersonMobile": _(request, "Contact person's mobile"),
        "_address": _(request, "Billing address"),
        "_contact": _(request, "Contact"),
        "firstName": _(request, "First name"),
        "lastName": _(request, "Last name"),
        # articles and products
        "Number": _(request, "Article number"),
        "code": _(request, "Code"),
        "UnitId": unit,
        "measurementUnit": unit,
        "NetPrice": _(request, "Price excl. VAT"),
        "GrossPrice": _(request, "Price incl. VAT"),
        "CodingId": _(request, "Article coding"),
        "unitPrice": unit_price,
        "UnitPrice": unit_price,
        "amount": _(request, "Amount"),
        "currencyCode": currency,
        "CurrencyCode": currency,
        "vatRate": _(request, "VAT rate"),
        "type": _(request, "Type"),
        # projects
        "ShortName": _(request, "Short name"),
        # invoice drafts and their rows
        "InvoiceDate": _(request, "Invoice date"),
        "DueDate": _(request, "Due date"),
        "OurReference": _(request, "Our reference"),
        "YourReference": _(request, "Your reference"),
        "InvoiceCustomerName": customer,
        "CustomerId": _(request, "Customer card"),
        "IsCreditInvoice": _(request, "Credit invoice"),
        "ContractNumber": _(request, "Contract number"),
        "Rows": _(request, "Rows"),
        "Text": _(request, "Text"),
        "ArticleId": _(request, "Article"),
        "Quantity": _(request, "Quantity"),
        "quantity": _(request, "Quantity"),
        "IsTextRow": _(request, "Text row"),
        "CostCenterItemId1": _(request, "Project (cost center)"),
        # supplier-invoice rows as project costs; check sent / check paid
        "description": _(request, "Description"),
        "eventDate": _(request, "Date"),
        "unitCost": _(request, "Unit cost"),
        "isBillable": _(request, "Billable"),
        "project": _(request, "Project"),
        "number": number,
        "referenceNumber": _(request, "OCR number"),
        "status": _(request, "Status"),
        "paymentDate": _(request, "Payment date"),
    }


@dataclass(frozen=True)
class Words:
    """How values and field names are said on the page, in the user's language."""

    yes: str
    no: str
    fields: dict[str, str]
    #: "(new: customers 1001)", a record the run transfers first, as the page says it
    planned: str = "%(key)s"
    #: A record's key in either system → its name there, from the settings' live choices (statuses,
    #: units, article codings, cost centers): a key the page would otherwise show as a GUID.
    names: dict[str, str] = field(default_factory=dict)

    def label(self, name: str) -> str:
        key = name.strip("/").split("/")[0]  # Severa's patch paths: "/unitPrice/amount"
        return self.fields.get(name) or self.fields.get(key) or field_label(key)


def shown(value: Any, words: Words) -> str | list[str] | None:
    """A planned value as the page shows it: text, or one line per element of a list (an invoice's rows)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return words.yes if value else words.no
    if isinstance(value, Decimal | int | float):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        parts = [f"{words.label(str(k))}: {_flat(v, words)}" for k, v in value.items() if _flat(v, words)]
        return ", ".join(parts)
    if isinstance(value, list | tuple):
        return [_flat(v, words) for v in value]
    text = str(value)
    if GUID.fullmatch(text):
        return words.names.get(text.lower(), text)
    new = PLANNED.fullmatch(text)  # a record the run makes first (the dry run's placeholder)
    return words.planned % {"key": new.group(1)} if new else text


def _flat(value: Any, words: Words) -> str:
    out = shown(value, words)
    if out is None:
        return ""
    return "; ".join(out) if isinstance(out, list) else out


def record_label(item: Any) -> str:
    """The record as a person knows it: an invoice draft by its customer and date (its Severa key is a
    GUID), anything else by its number or code."""
    fields = {c.field: c.new for c in item.changes}
    if "InvoiceCustomerName" in fields:
        return ", ".join(str(fields[k]) for k in ("InvoiceCustomerName", "InvoiceDate") if fields.get(k))
    return str(item.source_key)


#: eAccounting lists the plans refer to by GUID that no setting offers (customers' terms, articles' units).
NAMED_LISTS = (("eaccounting", "units"), ("eaccounting", "terms_of_payment"))


def known_names(*lists: Iterable[list[tuple[str, str]]]) -> dict[str, str]:
    """GUID → name from live choice lists (the settings' and :data:`NAMED_LISTS`)."""
    return {
        str(value).lower(): str(label)
        for pairs in itertools.chain(*lists)
        for value, label in pairs
        if GUID.fullmatch(str(value)) and label
    }


def group_of(run: Any, title: str, words: Words) -> Group:
    items = sorted(run.plan, key=lambda item: ACTION_ORDER.get(item.action, 9))
    rows = [
        Row(
            record=record_label(item),
            action=item.action,
            target=str(item.target_key or ""),
            error=item.error,
            changes=[
                Change(words.label(c.field), shown(c.old, words), shown(c.new, words))
                for c in item.changes
                if item.action != "update" or shown(c.old, words) != shown(c.new, words)
            ],
        )
        for item in items
    ]
    return Group(run.register, title, run.created, run.updated, run.unchanged, run.failed, rows, run.aborted)


def build(console: Console) -> APIRouter:
    service = console.service
    router = console.router()
    page = console.page

    named: dict[str, tuple[float, list[list[tuple[str, str]]]]] = {}
    named_lock = threading.Lock()

    def other_names(name: str) -> list[list[tuple[str, str]]]:
        """:data:`NAMED_LISTS` read live, kept a minute like the settings' choices; none if unreadable."""
        with named_lock:
            cached = named.get(name)
            if cached and time.monotonic() - cached[0] < CHOICES_TTL:
                return cached[1]
        _, kind = service.integration(name)
        try:
            lists = list(kind.read_choice_lists(NAMED_LISTS).values())  # type: ignore[attr-defined]
        except Exception:  # the page still shows the keys
            lists = []
        with named_lock:
            named[name] = (time.monotonic(), lists)
        return lists

    def register_title(request: Request, register: str) -> str:
        return _(request, register.replace("-", " ").capitalize())  # "Customers", "Check sent" …

    @router.get("/integrations/{name}/registers/{register}/preview")
    def register_preview(request: Request, name: str, register: str) -> Response:
        """Read both systems, write nothing: what a run of ``register`` would do now."""
        view = service.describe(name)
        if register not in service.registers(name):
            raise UserError(N_("%(name)r has no register %(register)r"), name=name, register=Title(register))
        words = Words(
            _(request, "Yes"),
            _(request, "No"),
            field_names(request),
            _(request, "%(key)s (new, transferred first)"),
            known_names(console.choices(name).values(), other_names(name)),
        )
        title = register_title(request, register)
        context: dict[str, Any] = {"view": view, "register": register, "title": title, "shown": RECORDS_SHOWN}
        try:
            run = service.run_register(name, register, dry_run=True)
        except UserError as exc:  # settings missing (C12), a system refusing the sign-in
            refusal = service_message(request, exc)
            return page(request, "register_preview.html", refusal=refusal, **context)
        except Exception as exc:  # a system down: say so on the page, as the start-up preview does
            reason = _(request, "The preview failed: %(reason)s") % {"reason": service_message(request, exc)}
            return page(request, "register_preview.html", refusal=reason, **context)
        first = [group_of(before, register_title(request, before.register), words) for before in run.first]
        return page(
            request,
            "register_preview.html",
            preview=group_of(run, title, words),
            first=first,
            notes=list(run.notes),
            transfer_url=integration_url(name, f"/registers/{register}"),
            **context,
        )

    return router
