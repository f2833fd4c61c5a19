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

The draft is mapped by ``mappers/invoice.py`` (:class:`InvoiceToEconomic`, seed 001's field table, lines
through :class:`InvoiceLineToEconomic`). Our reference: ``notes.textLine2`` carries "Rackbeat invoice N";
e-conomic keeps the draft's notes on the booked invoice and can filter both drafts and booked invoices by
it, so a draft booked under another number than Rackbeat's (the number was taken, or e-conomic's number
series decided) is still found as ours.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ledgerbridge.engine.ledger import Step, StepContext
from ledgerbridge.engine.streams import MappingError, Payload, Record
from ledgerbridge.integrations.invoice_math import line_amount
from ledgerbridge.integrations.rackbeat_economic.invoice_guard import InvoiceGuard
from ledgerbridge.integrations.rackbeat_economic.mappers.invoice import invoice_lines
from ledgerbridge.integrations.rackbeat_economic.settings import RackbeatEconomicSettings
from ledgerbridge.systems.economic import EconomicClient, Filter
from ledgerbridge.systems.errors import NotFoundError, ValidationError

REFERENCE_FIELD = "notes.textLine2"


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
        source_base_currency: str | None = None,
        lookups: dict[Any, Any] | None = None,
    ) -> None:
        self.economic = economic
        self.invoice = invoice
        self.document = document
        self.book = book
        self.number = int(invoice["number"])
        self.settings = settings
        self.base_currency = base_currency
        self.source_base_currency = source_base_currency  # Rackbeat's (None: not known)
        self.lookups = lookups  # the session's cache of e-conomic's products, groups and VAT codes
        self._created: Record | None = None  # the draft this attempt made (its answer has the totals)
        self._no_draft = False  # find() looked for our draft a moment ago and there was none

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
        created, self._created = self._created, None
        return InvoiceGuard(
            self.economic,
            self.invoice,
            self.document,
            owners,
            self.settings,
            base_currency=self.base_currency,
            source_base_currency=self.source_base_currency,
            lookups=self.lookups,
            saved=created,
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
        self._no_draft = draft is None
        return f"draft:{draft['draftInvoiceNumber']}" if draft else None

    def send(self, idempotency_key: str) -> str:
        # The ledger sends only after find() found nothing: its look for the draft need not be repeated.
        draft = None if self._no_draft else self.find_draft()
        self._no_draft = False
        if draft is None:
            draft = self.economic.create(
                "invoices/drafts", self.document, idempotency_key=f"{idempotency_key}:draft"
            )
            self._created = draft  # made from this document just now: the check need not save it again
        if not self.book or self.guarded:
            return f"draft:{draft['draftInvoiceNumber']}"  # the guarded path books in book_step
        return self._book_draft(int(draft["draftInvoiceNumber"]), idempotency_key)


def describe(remote_key: str) -> str:
    kind, _, number = remote_key.partition(":")
    return f"e-conomic invoice {number}" if kind == "booked" else f"e-conomic draft invoice {number}"
