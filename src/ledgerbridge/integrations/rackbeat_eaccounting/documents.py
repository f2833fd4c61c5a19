"""Documents from Rackbeat to eAccounting, each once: customer invoices (seed 002 "Invoice settings"),
supplier invoices as drafts and the inventory value as a voucher (seed 000).

Customer invoices, when booked in Rackbeat ("Start order flow from: Rackbeat"):

- *Draft*: a customer invoice draft.
- *Invoiced*: the draft, then ``POST /customerinvoicedrafts/{id}/convert`` (eAccounting numbers it).
- *Invoiced and send email*: also ``POST /customerinvoices/{id}/email`` (eAccounting e-mails the
  customer; only booked invoices can be e-mailed, not drafts).
- *Use the exact quantity*: quantities as Rackbeat has them; eAccounting keeps 2 decimals on drafts, so
  a line with more is rounded and a rounding row keeps the line total exact (and the user is warned).

Every invoice carries ``ContractNumber = "Rackbeat invoice N"``: it is how an earlier attempt is found
(as a draft or as an invoice) before anything is sent again. A crash between the draft and the
conversion resumes at the conversion. The e-mail is its own ledger entry, sent at most once.

The drafts are mapped in ``mappers/`` (:class:`InvoiceToEAccounting` with its rows through
:class:`InvoiceRowToEAccounting`, :class:`SupplierInvoiceToEAccounting`); this module finds and sends them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from ledgerbridge.engine.ledger import Step, StepContext
from ledgerbridge.engine.streams import Payload, Record
from ledgerbridge.integrations.invoice_math import has_more_than_two_decimals
from ledgerbridge.integrations.rackbeat_eaccounting import invoice_guard
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.invoice import ROUNDING_TEXT, invoice_marker
from ledgerbridge.systems.eaccounting import EAccountingClient
from ledgerbridge.systems.errors import NotFoundError, ValidationError


def _quote(text: str) -> str:
    return text.replace("'", "''")


def exact_quantity_warnings(invoice: Record) -> list[str]:
    """Lines whose quantity has more than 2 decimals (seed 002 warns that the value may suffer)."""
    return [
        f"line {n} ({line.get('name') or line.get('child_id')}): quantity {line.get('quantity')}"
        for n, line in enumerate(invoice.get("lines") or [], start=1)
        if has_more_than_two_decimals(line.get("quantity"))
    ]


class InvoiceSender:
    """Finds and sends one customer invoice in the status the settings ask for.

    The send makes the draft; converting it is a step of the transfer (:meth:`convert_step`), which sends
    Rackbeat's totals and row amounts (``expected``) for eAccounting to validate: a mismatch leaves the
    draft a draft (never booked, never e-mailed) and fails the step with the words of
    :func:`invoice_guard.explain`.
    A retry resumes at the step: it saves the draft again from the current data (a coding fixed since
    applies) and converts only when the totals agree then.
    """

    def __init__(
        self,
        eaccounting: EAccountingClient,
        number: Any,
        document: Payload,
        status: str,
        expected: invoice_guard.Expected | None = None,
        *,
        accept_vat_rounding: bool = False,
        rounding_article: Callable[[], str | None] = lambda: None,
        warn: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.eaccounting = eaccounting
        self.marker = invoice_marker(number)
        self.document = document
        self.status = status  # draft | invoiced | invoiced_and_send_email
        self.expected = expected
        self.accept_vat_rounding = accept_vat_rounding
        self.rounding_article = rounding_article
        self.warn = warn
        self._draft: Record | None = None

    def _first(self, path: str) -> Record | None:
        query = f"ContractNumber eq '{_quote(self.marker)}'"
        return next(iter(self.eaccounting.iter_collection(path, filter=query, pagesize=50)), None)

    def find(self) -> str | None:
        invoice = self.find_invoice()
        if invoice is not None:
            return invoice
        draft = self._first("customerinvoicedrafts")
        return f"draft:{draft['Id']}" if draft is not None else None

    def find_invoice(self) -> str | None:
        invoice = self._first("customerinvoices")
        return f"invoice:{invoice['Id']}:{invoice.get('InvoiceNumber')}" if invoice is not None else None

    def send(self, idempotency_key: str) -> str:
        # eAccounting has no idempotency keys: the marker search in find() stands in for them.
        draft = self.eaccounting.create("customerinvoicedrafts", self.document)
        self._draft = draft  # the convert step, right after, need not save it again
        if self.status == "draft":
            self._warn_if_different(draft)
        return f"draft:{draft['Id']}"

    def convert_step(self) -> Step:
        """Converting the draft to an invoice, a step of the invoice's transfer (after a refusal or a crash
        the next attempt resumes here): the draft is saved again from today's data (a coding fixed since
        applies), then converted only if eAccounting's totals are Rackbeat's."""

        def run(ctx: StepContext) -> str:
            kind, _, rest = ctx.remote_key.partition(":")
            if kind == "invoice":
                return ctx.remote_key  # found converted (by an earlier attempt, or by hand)
            draft_id = rest
            if self._draft is not None and str(self._draft["Id"]) == draft_id:
                draft = self._draft
            else:
                try:
                    draft = self.eaccounting.replace(f"customerinvoicedrafts/{draft_id}", self.document)
                except NotFoundError:
                    # The draft is gone: converted by hand (then it is found), or deleted (made again).
                    found = self.find_invoice()
                    if found is not None:
                        return found
                    draft = self.eaccounting.create("customerinvoicedrafts", self.document)
            self._draft = None
            return self._convert(draft)

        return Step(
            "convert",
            run,
            title="make the draft an invoice",
            find=lambda ctx: self.find_invoice(),
            replaces_remote_key=True,
        )

    def _warn_if_different(self, draft: Record) -> None:
        """A draft is what the settings ask for, but the bookkeeper who books it must know if eAccounting
        computed other totals than Rackbeat's."""
        if self.expected is None:
            return
        if not invoice_guard.agrees(self.expected, draft):
            lead = "the eAccounting draft's totals differ from Rackbeat's"
            tail = "Fix it before booking the draft in eAccounting."
            self.warn(invoice_guard.explain(self.expected, draft, lead=lead, tail=tail))

    def _convert(self, draft: Record) -> str:
        expected = self.expected
        if expected is not None and self.accept_vat_rounding:
            theirs = invoice_guard.rounding_only(expected, draft)
            if theirs is not None and theirs != expected.vat:
                draft, expected = self._add_rounding_row(draft, expected, theirs)
        if expected is not None and invoice_guard.rate_problem(expected, draft) is not None:
            raise invoice_guard.TotalsMismatch(invoice_guard.explain(expected, draft))  # no rate to send
        checks = invoice_guard.validation_body(expected) if expected is not None else {}
        try:
            invoice = self.eaccounting.action(f"customerinvoicedrafts/{draft['Id']}/convert", checks)
        except ValidationError as exc:
            if expected is None:
                raise
            raise invoice_guard.TotalsMismatch(
                invoice_guard.explain(expected, draft, exc.remote_message)
            ) from exc
        return f"invoice:{invoice['Id']}:{invoice.get('InvoiceNumber')}"

    def _add_rounding_row(
        self, draft: Record, expected: invoice_guard.Expected, theirs: Decimal
    ) -> tuple[Record, invoice_guard.Expected]:
        """eAccounting's VAT differs from Rackbeat's by rounding only, and the settings accept that: a row
        on the VAT-free rounding article carries the difference, so the gross stays Rackbeat's."""
        article = self.rounding_article()
        if article is None:
            return draft, expected  # the totals check holds it, and explain() says what to choose
        difference = expected.vat - theirs
        rows = [*self.document["Rows"], _rounding_row(article, difference)]
        path = f"customerinvoicedrafts/{draft['Id']}"
        draft = self.eaccounting.replace(path, {**self.document, "Rows": rows})
        self.warn(
            f"booked with eAccounting's VAT {theirs} (rounded per rate on the total) instead of Rackbeat's "
            f"{expected.vat} (rounded per line); a VAT-free rounding row of {difference} keeps the total "
            f"{expected.gross} (Invoice settings: Accept eAccounting's VAT rounding)"
        )
        return draft, invoice_guard.with_rounding_row(expected, difference, vat=theirs)


def _rounding_row(article_id: str, amount: Decimal) -> Payload:
    return {
        "ArticleId": article_id,
        "IsTextRow": False,
        "ReversedConstructionServicesVatFree": False,
        "Text": f"{ROUNDING_TEXT} (moms)",
        "Quantity": Decimal(1),
        "UnitPrice": amount,
        "DiscountPercentage": Decimal("0.0000"),
    }


def describe_invoice(remote_key: str) -> str:
    kind, _, rest = remote_key.partition(":")
    if kind == "invoice":
        return f"eAccounting invoice {rest.rpartition(':')[2]}"
    return "an eAccounting invoice draft"


# -- supplier invoices -------------------------------------------------------------------------------------
def find_supplier_invoice(eaccounting: EAccountingClient, document: Payload) -> str | None:
    """The draft (or, once the bookkeeper approved it, the invoice) with this supplier and number."""
    number = _quote(str(document["InvoiceNumber"]))
    query = f"InvoiceNumber eq '{number}' and SupplierId eq {document['SupplierId']}"
    for path, kind in (("supplierinvoicedrafts", "draft"), ("supplierinvoices", "invoice")):
        try:
            found = next(iter(eaccounting.iter_collection(path, filter=query, pagesize=50)), None)
        except NotFoundError:
            continue  # an account (or a sandbox) without the collection has nothing to find there
        if found is not None:
            return f"{kind}:{found['Id']}"
    return None


# -- inventory value ---------------------------------------------------------------------------------------
def inventory_voucher(
    change: Decimal, end: date, period: str, *, inventory_account: int, offset_account: int
) -> Payload:
    """A balanced voucher moving ``change`` into (or out of) the inventory account."""
    text = f"Lagervärde {period} (Rackbeat)"
    amount = abs(change)
    into_stock = change > 0
    return {
        "VoucherDate": end.isoformat(),
        "VoucherText": text,
        "Rows": [
            {
                "AccountNumber": inventory_account,
                "DebitAmount": amount if into_stock else Decimal(0),
                "CreditAmount": Decimal(0) if into_stock else amount,
                "TransactionText": text[:60],
            },
            {
                "AccountNumber": offset_account,
                "DebitAmount": Decimal(0) if into_stock else amount,
                "CreditAmount": amount if into_stock else Decimal(0),
                "TransactionText": text[:60],
            },
        ],
    }


def find_voucher(eaccounting: EAccountingClient, voucher: Payload) -> str | None:
    for existing in eaccounting.iter_collection("vouchers"):
        if existing.get("VoucherText") == voucher["VoucherText"]:
            return f"{existing.get('NumberAndNumberSeries') or existing.get('Id')}"
    return None
