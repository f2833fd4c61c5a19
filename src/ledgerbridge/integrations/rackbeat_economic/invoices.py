"""Customer invoices: booked in Rackbeat → e-conomic, once (seeds 001 and 003, "Customer invoices").

Settings, as the seed's settings page names them:

- *Post invoices in e-conomic when posted in Rackbeat*: booked in e-conomic (archived), else a draft.
- *Never post EAN invoices*: an invoice with an EAN stays a draft, to be sent by EAN from e-conomic
  (only valid with the former; the settings model refuses the combination otherwise).
- *Mark invoices as sent when posted in e-conomic*: after booking, the Rackbeat invoice is marked sent.
- *Use actual quantity*: lines carry Rackbeat's quantity and unit price; otherwise quantity 1 at the
  line amount. e-conomic takes two decimals on both, so where Rackbeat has more the line amount is
  kept exact (to the øre) and any remainder goes on a rounding line.
- *Layouts* and payment terms: mapped through the settings and the bindings.

Fields synced (seed 001 "Kundefaktura"): invoice date, customer (group and name come with it),
heading, note, amounts, VAT zone, ATT, EAN, billing and delivery address (street 1 and 2, postcode,
city), your / our / other reference, project number, layout. Not synced: delivery terms, language,
custom fields, delivery date, delivery e-mail and phone, weight.

Our reference: ``notes.textLine2`` carries "Rackbeat invoice N" (:func:`our_reference`). e-conomic keeps
the draft's notes on the booked invoice and can filter both drafts and booked invoices by it, and the
seed's field table gives the user's own texts the heading (Overskrift), text line 1 (Note) and
``references.other`` (Øvrig reference) only. So a draft booked under another number than Rackbeat's (the
number was taken, or e-conomic's number series decided) is still found as ours.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ledgerbridge.engine.ledger import Step, StepContext
from ledgerbridge.engine.streams import MappingError, Payload, Record
from ledgerbridge.integrations.invoice_math import line_amount, round2, split_line
from ledgerbridge.integrations.rackbeat_economic.invoice_guard import DOMESTIC_ZONE, InvoiceGuard
from ledgerbridge.integrations.rackbeat_economic.mappers.shared import customer_vat_zone, layout_ref
from ledgerbridge.integrations.rackbeat_economic.settings import RackbeatEconomicSettings
from ledgerbridge.systems.economic import EconomicClient, Filter
from ledgerbridge.systems.errors import NotFoundError, ValidationError

__all__ = ["economic_lines", "line_amount", "map_invoice", "round2"]

ROUNDING_TEXT = "Afrunding"
REFERENCE_FIELD = "notes.textLine2"


def our_reference(invoice: Record) -> str:
    """The text on the e-conomic invoice that says which Rackbeat invoice it is (as eAccounting's)."""
    return f"Rackbeat invoice {invoice['number']}"


def economic_lines(line: Record, *, actual_quantity: bool) -> list[Payload]:
    """One Rackbeat line as e-conomic lines whose amounts add up to Rackbeat's line total exactly."""
    base: Payload = {"description": line.get("name") or ""}
    if line.get("child_id"):
        base["product"] = {"productNumber": str(line["child_id"])}
    if line.get("unit_id"):
        base["unit"] = {"unitNumber": int(line["unit_id"])}
    lines = []
    for part in split_line(line, actual_quantity=actual_quantity):
        values = {
            "quantity": part.quantity,
            "unitNetPrice": part.unit_price,
            "discountPercentage": part.discount,
        }
        if part.is_rounding:
            lines.append({"description": f"{ROUNDING_TEXT} ({line.get('name') or ''})".strip(), **values})
        else:
            lines.append({**base, **values})
    return lines


def invoice_lines(invoice: Record, settings: RackbeatEconomicSettings) -> list[tuple[int, Payload]]:
    """The e-conomic lines of an invoice, each with the position (1-based) of the Rackbeat line it
    comes from: a Rackbeat line can become a line and its rounding line."""
    actual = settings.customer_invoices.use_actual_quantity
    return [
        (position, payload)
        for position, line in enumerate(invoice.get("lines") or [], start=1)
        for payload in economic_lines(line, actual_quantity=actual)
    ]


def map_invoice(invoice: Record, settings: RackbeatEconomicSettings, *, refs: Any) -> Payload:
    """The e-conomic draft invoice for a booked Rackbeat invoice.

    ``refs`` resolves Rackbeat numbers to e-conomic ones (``refs(entity, number)``) and customer
    contacts by name (``refs.contact(customer, name)``).
    """
    customer = invoice.get("customer_id") or (invoice.get("customer") or {}).get("number")
    if customer in (None, ""):
        raise MappingError("the invoice has no customer")
    customer_number = int(refs("customer", customer))
    zone = customer_vat_zone(invoice, settings)
    exempt = settings.customer_invoices.exempt_vat_zone
    if exempt is not None and zone == {"vatZoneNumber": DOMESTIC_ZONE} and _all_vat_free(invoice):
        zone = {"vatZoneNumber": exempt}  # VAT mapping: a wholly VAT-free domestic invoice
    terms = invoice.get("payment_terms_id") or (invoice.get("payment_terms") or {}).get("number")
    # A booked invoice cannot be edited; without terms of its own it takes the customer's.
    payment_terms = (
        {"paymentTermsNumber": int(refs("payment_term", terms))}
        if terms not in (None, "")
        else refs.customer_terms(customer_number)
    )
    if payment_terms is None:
        raise MappingError("neither the invoice nor its customer has payment terms")
    layout = layout_ref(settings, invoice.get("layout_id")) or refs.customer_layout(customer_number)
    street = (
        "\n".join(x for x in (invoice.get("address_street"), invoice.get("address_street2")) if x) or None
    )
    recipient: Payload = {
        "name": invoice.get("address_name") or (invoice.get("customer") or {}).get("name") or str(customer),
        "address": street,
        "zip": invoice.get("address_zipcode"),
        "city": invoice.get("address_city"),
        "country": invoice.get("address_country"),
        "ean": invoice.get("ean") or None,
        "vatZone": zone,
    }
    if invoice.get("attention"):
        recipient["attention"] = {
            "customerContactNumber": refs.contact(customer_number, invoice["attention"])
        }
    delivery_street = "\n".join(
        x for x in (invoice.get("delivery_address_street"), invoice.get("delivery_address_street2")) if x
    )
    delivery = {
        "address": delivery_street or None,
        "zip": invoice.get("delivery_address_zipcode"),
        "city": invoice.get("delivery_address_city"),
        "country": invoice.get("delivery_address_country"),
    }
    references: Payload = {"other": invoice.get("other_reference") or None}
    our = invoice.get("our_reference")
    if isinstance(our, dict) and our.get("number") is not None:
        references["salesPerson"] = {"employeeNumber": int(refs("employee", our["number"]))}
    if invoice.get("their_reference"):
        references["customerContact"] = {
            "customerContactNumber": refs.contact(customer_number, invoice["their_reference"])
        }
    lines = [payload for _, payload in invoice_lines(invoice, settings)]
    for number, line in enumerate(lines, start=1):
        line["lineNumber"] = number
        line["sortKey"] = number
    document: Payload = {
        "date": invoice["invoice_date"],
        "currency": invoice.get("currency") or "DKK",
        "paymentTerms": payment_terms,
        "customer": {"customerNumber": customer_number},
        "recipient": _drop_none(recipient),
        "layout": layout,
        "notes": _drop_none(
            {
                "heading": invoice.get("heading") or None,
                "textLine1": invoice.get("note") or None,
                "textLine2": our_reference(invoice),
            }
        ),
        "references": _drop_none(references),
        "lines": lines,
    }
    if any(delivery.values()):
        document["delivery"] = _drop_none(delivery)
    rate = invoice.get("currency_rate")
    if rate is not None and document["currency"] != refs.base_currency() and Decimal(str(rate)) != 100:
        document["exchangeRate"] = Decimal(str(rate))
    project = str(invoice.get("project") or "").strip()
    if project.isdigit():
        document["project"] = {"projectNumber": int(project)}
    return document


def _all_vat_free(invoice: Record) -> bool:
    lines = invoice.get("lines") or []
    return bool(lines) and all(Decimal(str(x.get("vat_percentage") or 0)) == 0 for x in lines)


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def should_book(invoice: Record, settings: RackbeatEconomicSettings) -> bool:
    ci = settings.customer_invoices
    return ci.post_invoices and not (ci.never_post_ean_invoices and invoice.get("ean"))


def fingerprint_matches(draft: Record, document: Payload) -> bool:
    """Is this e-conomic draft the one our document made? (Used past the idempotency window.)"""
    notes = draft.get("notes") or {}
    ours = document.get("notes") or {}
    return (
        (draft.get("customer") or {}).get("customerNumber") == document["customer"]["customerNumber"]
        and draft.get("date") == document["date"]
        and (notes.get("heading") or None) == (ours.get("heading") or None)
        and len(draft.get("lines") or []) == len(document["lines"])
        and Decimal(str(draft.get("netAmount", "0")))
        == sum(
            (
                line_amount(
                    Decimal(str(x["quantity"])),
                    Decimal(str(x["unitNetPrice"])),
                    Decimal(str(x.get("discountPercentage", 0))),
                )
                for x in document["lines"]
            ),
            Decimal(0),
        )
    )


class InvoiceSender:
    """Finds and sends one invoice; the ledger decides whether and when.

    With ``settings`` (the guarded path, issue 11) an invoice to be booked is sent as a draft and
    booked by :meth:`book_step`, a follow-up step of the transfer that books only when the draft's
    totals equal Rackbeat's (``invoice_guard``); without, the draft is booked straight away.
    """

    def __init__(
        self,
        economic: EconomicClient,
        invoice: Record,
        document: Payload,
        *,
        book: bool,
        settings: RackbeatEconomicSettings | None = None,
        base_currency: str = "DKK",
    ) -> None:
        self.economic = economic
        self.invoice = invoice
        self.document = document
        self.book = book
        self.number = int(invoice["number"])
        self.settings = settings
        self.base_currency = base_currency

    @property
    def guarded(self) -> bool:
        return self.book and self.settings is not None

    def book_step(self) -> Step:
        """The follow-up step that checks the draft's totals and books it (see ``invoice_guard``)."""

        def run(ctx: StepContext) -> str:
            kind, _, number = ctx.remote_key.partition(":")
            if kind == "booked":
                return ctx.remote_key  # found booked (booked by hand, or by an earlier attempt)
            try:
                self._guard().bring_to_source(int(number))
            except NotFoundError:
                # The draft is gone: an earlier attempt booked it (its answer lost), maybe renumbered.
                booked = self.find_booked()
                if booked is None:
                    raise
                return booked
            return self._book_draft(int(number), ctx.idempotency_key)

        return Step(
            "book",
            run,
            title="book it",
            find=lambda ctx: self.find_booked(),
            replaces_remote_key=True,
        )

    def check_step(self, warn: Callable[[str], None]) -> Step:
        """For an invoice left as a draft (the settings say so): the same check and VAT mapping, but a
        difference is a warning for whoever books the draft in e-conomic, not a failure."""

        def run(ctx: StepContext) -> str:
            kind, _, number = ctx.remote_key.partition(":")
            if kind != "draft" or self.settings is None:
                return "not a draft"
            try:
                self._guard().bring_to_source(int(number))
            except MappingError as exc:
                warn(f"left as a draft; check it before you book it in e-conomic: {exc}")
                return "differs"
            return "equal"

        return Step("check-totals", run, title="check its totals")

    def _guard(self) -> InvoiceGuard:
        assert self.settings is not None
        owners = [position for position, _ in invoice_lines(self.invoice, self.settings)]
        return InvoiceGuard(
            self.economic,
            self.invoice,
            self.document,
            owners,
            self.settings,
            base_currency=self.base_currency,
        )

    def _book_draft(self, draft_number: int, idempotency_key: str) -> str:
        try:
            booked = self.economic.book_invoice(
                draft_number, book_with_number=self.number, idempotency_key=f"{idempotency_key}:book"
            )
        except ValidationError as exc:
            if "bookWithNumber" not in str(exc.errors) and "number" not in exc.remote_message.lower():
                raise
            # Rackbeat's number is taken in e-conomic: let e-conomic number it.
            booked = self.economic.book_invoice(draft_number, idempotency_key=f"{idempotency_key}:book-any")
        return f"booked:{booked['bookedInvoiceNumber']}"

    @property
    def reference(self) -> str:
        return str(self.document["notes"]["textLine2"])

    def _is_ours(self, record: Record) -> bool:
        """Our customer and date, and our reference unless it has none (transferred before it had one)."""
        same_customer = (record.get("customer") or {}).get("customerNumber") == self.document["customer"][
            "customerNumber"
        ]
        reference = (record.get("notes") or {}).get("textLine2")
        return (
            same_customer
            and record.get("date") == self.document["date"]
            and reference in (None, "", self.reference)
        )

    def _by_reference(self, path: str) -> list[Record]:
        """The invoices under ``path`` with our reference (e-conomic compares case-insensitively)."""
        query = Filter.eq("customer.customerNumber", self.document["customer"]["customerNumber"]) & Filter.eq(
            REFERENCE_FIELD, self.reference
        )
        return [
            record
            for record in self.economic.iter_collection(path, filter=query)
            if (record.get("notes") or {}).get("textLine2") == self.reference
        ]

    def find_booked(self) -> str | None:
        """The booked invoice: under Rackbeat's number when it was free, else wherever our reference is
        (booked under another number: the number was taken, or e-conomic's number series decided)."""
        try:
            booked = self.economic.get(f"invoices/booked/{self.number}")
        except NotFoundError:
            booked = None
        if booked is not None and self._is_ours(booked):
            return f"booked:{self.number}"
        found = self._by_reference("invoices/booked")
        return f"booked:{min(int(x['bookedInvoiceNumber']) for x in found)}" if found else None

    def find_draft(self) -> dict[str, Any] | None:
        found = self._by_reference("invoices/drafts")
        if found:
            return dict(min(found, key=lambda x: int(x["draftInvoiceNumber"])))
        # Drafts made before the reference was sent: recognised by their fingerprint.
        query = Filter.eq("customer.customerNumber", self.document["customer"]["customerNumber"]) & Filter.eq(
            "date", self.document["date"]
        )
        for draft in self.economic.iter_collection("invoices/drafts", filter=query):
            if self._is_ours(draft) and fingerprint_matches(draft, self.document):
                return dict(draft)
        return None

    def find(self) -> str | None:
        if self.book:
            booked = self.find_booked()
            if booked is not None or not self.guarded:
                return booked
        draft = self.find_draft()
        return f"draft:{draft['draftInvoiceNumber']}" if draft else None

    def send(self, idempotency_key: str) -> str:
        draft = self.find_draft() or self.economic.create(
            "invoices/drafts", self.document, idempotency_key=f"{idempotency_key}:draft"
        )
        if not self.book or self.guarded:
            return f"draft:{draft['draftInvoiceNumber']}"  # the guarded path books in book_step
        return self._book_draft(int(draft["draftInvoiceNumber"]), idempotency_key)


def describe(remote_key: str) -> str:
    kind, _, number = remote_key.partition(":")
    return f"e-conomic invoice {number}" if kind == "booked" else f"e-conomic draft invoice {number}"
