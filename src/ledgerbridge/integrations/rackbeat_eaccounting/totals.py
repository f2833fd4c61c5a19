"""The totals an eAccounting invoice must have before it is booked: Rackbeat's, to the öre.

eAccounting decides a row's VAT from the article's account coding and rounds VAT per rate on the
total, while Rackbeat takes each line's own VAT percentage and rounds per line. Converting a draft
(``POST /customerinvoicedrafts/{id}/convert``) accepts a ``CustomerInvoiceDraftValidationApi`` body:
the totals and per-row amounts we expect. We send Rackbeat's, so eAccounting itself refuses to book
anything else; the draft then stays a draft, and :func:`explain` says per line what differs and what
the bookkeeper can do about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledgerbridge.engine.flows import MappingError, Record
from ledgerbridge.integrations.invoice_math import line_amount, rackbeat_line_total, round2, split_line

HUNDRED = Decimal(100)
HALF_ORE = Decimal("0.005")


class TotalsMismatch(MappingError):
    """eAccounting would book other totals than Rackbeat's: the invoice stays a draft."""


@dataclass(frozen=True)
class ExpectedRow:
    line_number: int  # the eAccounting row's LineNumber (rows count from 0)
    source_line: int  # the Rackbeat line it comes from (from 1, as the bookkeeper counts)
    name: str
    item: str
    net: Decimal
    vat_percent: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + round2(self.net * self.vat_percent / HUNDRED)


@dataclass(frozen=True)
class Expected:
    rows: list[ExpectedRow]
    net: Decimal
    vat: Decimal
    currency: str

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat


def _dec(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0))


def expected_totals(invoice: Record, *, actual_quantity: bool, base_currency: str) -> Expected:
    """Rackbeat's rows, net, VAT (per line, as Rackbeat rounds it) and currency for the draft that
    :func:`documents.map_invoice` makes (the same :func:`split_line` parts, in the same order)."""
    rows: list[ExpectedRow] = []
    vat = Decimal(0)
    for number, line in enumerate(invoice.get("lines") or [], start=1):
        percent = _dec(line.get("vat_percentage"))
        vat += round2(rackbeat_line_total(line) * percent / HUNDRED)
        item = str(line.get("child_id") or (line.get("item") or {}).get("number") or "")
        for part in split_line(line, actual_quantity=actual_quantity):
            rows.append(
                ExpectedRow(
                    line_number=len(rows),
                    source_line=number,
                    name=str(line.get("name") or item),
                    item=item,
                    net=line_amount(part.quantity, part.unit_price, part.discount),
                    vat_percent=percent,
                )
            )
    net = sum((row.net for row in rows), Decimal(0))
    if invoice.get("total_vat") is not None:
        vat = _dec(invoice["total_vat"])  # Rackbeat's own figure wins over our recomputation
    return Expected(rows, net, vat, str(invoice.get("currency") or base_currency))


def with_rounding_row(expected: Expected, amount: Decimal, *, vat: Decimal) -> Expected:
    """``expected`` plus a VAT-free rounding row of ``amount`` and eAccounting's ``vat``: the gross is
    unchanged when ``amount`` is Rackbeat's VAT less eAccounting's."""
    row = ExpectedRow(len(expected.rows), 0, "rounding", "rounding", amount, Decimal(0))
    return Expected([*expected.rows, row], expected.net + amount, vat, expected.currency)


def validation_body(expected: Expected) -> dict[str, Any]:
    """The ``CustomerInvoiceDraftValidationApi`` body: totals and every row's amount without and with VAT."""
    vat = expected.vat
    return {
        "TotalAmountInvoiceCurrency": expected.net + vat,
        "TotalVatAmountInvoiceCurrency": vat,
        "TotalRoundingsInvoiceCurrency": Decimal(0),
        "Rows": [
            {
                "LineNumber": row.line_number,
                "TotalAmountNoVatInvoiceCurrency": row.net,
                "TotalAmountIncVatInvoiceCurrency": row.gross,
            }
            for row in expected.rows
        ],
    }


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}"


def row_differences(expected: Expected, draft: Record) -> list[str]:
    """Per line, in the bookkeeper's words, where the draft eAccounting computed differs from Rackbeat."""
    shown = {int(r.get("LineNumber", i)): r for i, r in enumerate(draft.get("Rows") or [])}
    problems: list[str] = []
    for row in expected.rows:
        theirs = shown.get(row.line_number)
        label = f"line {row.source_line} ({row.name}, article {row.item})"
        if theirs is None:
            problems.append(f"{label}: missing on the eAccounting draft")
            continue
        rate = _dec(theirs.get("VatRate")) * HUNDRED
        if rate != row.vat_percent:
            problems.append(
                f"{label}: {_percent(row.vat_percent)}% VAT in Rackbeat, eAccounting books "
                f"{_percent(rate)}% because the article's account coding has {_percent(rate)}% — give "
                f"article {row.item} a coding with {_percent(row.vat_percent)}% VAT, or choose a coding "
                f"for {_percent(row.vat_percent)}% lines under Invoice settings → VAT codings"
            )
        amount = _dec(theirs.get("Amount"))
        if amount != row.net:
            problems.append(f"{label}: {row.net} without VAT in Rackbeat, {amount} in eAccounting")
    return problems


def explain(
    expected: Expected,
    draft: Record,
    refusal: str | None = None,
    *,
    lead: str = "kept as a draft in eAccounting, not booked",
    tail: str = "Fix it, then retry.",
) -> str:
    """Why eAccounting's draft cannot be booked as it is (rows first, then totals, then the refusal)."""
    problems = row_differences(expected, draft)
    currency = draft.get("InvoiceCurrencyCode")
    if currency and currency != expected.currency:
        problems.append(f"the invoice is in {expected.currency}, the eAccounting draft in {currency}")
    vat = _dec(draft.get("TotalVatAmount"))
    if not problems and vat != expected.vat:
        problems.append(
            f"VAT {expected.vat} in Rackbeat (rounded per line), {vat} in eAccounting (rounded per rate "
            f"on the total): a rounding difference of {vat - expected.vat} — allow it under Invoice "
            "settings → Accept eAccounting's VAT rounding (with a coding for 0% lines under VAT codings: the "
            "difference goes on a VAT-free rounding row), or correct the invoice in Rackbeat"
        )
    if not problems and refusal:
        problems.append(f"eAccounting refused the totals: {refusal}")
    return (
        f"{lead}: "
        + "; ".join(problems or ["eAccounting would book other totals than Rackbeat"])
        + f". {tail}"
    )


def rounding_only(expected: Expected, draft: Record) -> Decimal | None:
    """eAccounting's VAT total when it differs from Rackbeat's only by rounding: every row's rate and
    amount agree and the difference is within half an öre per line plus half an öre per rate (the most
    rounding per line and rounding per rate can drift apart); else None."""
    if row_differences(expected, draft):
        return None
    theirs = _dec(draft.get("TotalVatAmount"))
    rates = {row.vat_percent for row in expected.rows}
    if abs(theirs - expected.vat) <= HALF_ORE * (len(expected.rows) + len(rates)):
        return theirs
    return None


def check_currency(expected: Expected, customer: Record, *, base_currency: str) -> None:
    """eAccounting invoices in its customer's currency: a different one is refused, never relabelled."""
    theirs = str(customer.get("CurrencyCode") or base_currency)
    if theirs != expected.currency:
        number = customer.get("CustomerNumber")
        raise TotalsMismatch(
            f"the invoice is in {expected.currency}, but eAccounting customer {number} invoices in "
            f"{theirs} (eAccounting makes an invoice in its customer's currency) — give the customer "
            f"currency {expected.currency} in Rackbeat (it syncs to eAccounting) or invoice in {theirs}; "
            "nothing was sent"
        )
