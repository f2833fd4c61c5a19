"""Book an eAccounting invoice only with Rackbeat's totals, to the öre (the e-conomic pair's
``invoice_guard`` is its twin; both compare with :func:`ledgerbridge.integrations.totals_guard.check`).

eAccounting decides a row's VAT from the article's account coding and rounds VAT per rate on the
total, while Rackbeat takes each line's own VAT percentage and rounds per line. Converting a draft
(``POST /customerinvoicedrafts/{id}/convert``) accepts a ``CustomerInvoiceDraftValidationApi`` body:
the totals and per-row amounts we expect. We send Rackbeat's, so eAccounting itself refuses to book
anything else; the draft then stays a draft, and :func:`explain` says per line what differs and what
the bookkeeper can do about it.

The exchange rate too (issue 11): a draft takes no rate and converting it takes none
(``CustomerInvoiceDraftApi`` has only the read-only ``TotalAmountBaseCurrency``; the validation body has
no rate); only ``POST /customerinvoices`` takes a ``CurrencyRate``, and it bypasses the draft and the
totals validation above. So an invoice whose Rackbeat rate (as eAccounting must read it: SEK per unit,
when both companies keep their books in one currency) would give another amount in the company's
currency than eAccounting's own rate stays a draft with the reason (:func:`rate_problem`), never booked
at a rate the source does not have. When the two companies keep different base currencies, Rackbeat's
rate for a third currency is per 100 in *its* base: it is compared through eAccounting's own rate for
that base (:class:`..base_currencies.CrossRate`), and held the same way when the amounts differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledgerbridge.engine.streams import Record
from ledgerbridge.integrations.base_currencies import CrossRate
from ledgerbridge.integrations.converters import money_or_zero
from ledgerbridge.integrations.invoice_math import line_amount, rackbeat_line_total, round2, split_line
from ledgerbridge.integrations.totals_guard import Line, Totals, TotalsCheck, TotalsMismatch, check

__all__ = [
    "Expected",
    "ExpectedRow",
    "TotalsMismatch",
    "agrees",
    "check_currency",
    "expected_totals",
    "explain",
    "rate_problem",
    "rounding_only",
    "validation_body",
    "with_rounding_row",
]

HUNDRED = Decimal(100)
HALF_ORE = Decimal("0.005")
SOURCE, LEDGER = "Rackbeat", "eAccounting"


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

    @property
    def label(self) -> str:
        return f"{self.name}, article {self.item}"


@dataclass(frozen=True)
class Expected:
    rows: list[ExpectedRow]
    net: Decimal
    vat: Decimal
    currency: str
    rate: Decimal | None = None  # Rackbeat's, in the company's currency per unit (None: none to keep)
    via: CrossRate | None = None  # Rackbeat's rate per 100 of its own, other base currency (compared across)

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat


def expected_totals(
    invoice: Record,
    *,
    actual_quantity: bool,
    base_currency: str,
    rate: Decimal | None = None,
    via: CrossRate | None = None,
) -> Expected:
    """Rackbeat's rows, net, VAT (per line, as Rackbeat rounds it), currency and exchange rate (``rate``:
    Rackbeat's as eAccounting reads it, per unit; None when there is none to keep; ``via``: Rackbeat's rate
    in another base currency than eAccounting's, to be compared across) for the draft that
    :class:`mappers.invoice.InvoiceToEAccounting` makes (the same :func:`split_line` parts, in the same
    order)."""
    rows: list[ExpectedRow] = []
    vat = Decimal(0)
    for number, line in enumerate(invoice.get("lines") or [], start=1):
        percent = money_or_zero(line.get("vat_percentage"))
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
        vat = money_or_zero(invoice["total_vat"])  # Rackbeat's own figure wins over our recomputation
    currency = str(invoice.get("currency") or base_currency)
    foreign = currency != base_currency
    return Expected(rows, net, vat, currency, rate if foreign else None, via if foreign else None)


def with_rounding_row(expected: Expected, amount: Decimal, *, vat: Decimal) -> Expected:
    """``expected`` plus a VAT-free rounding row of ``amount`` and eAccounting's ``vat``: the gross is
    unchanged when ``amount`` is Rackbeat's VAT less eAccounting's."""
    row = ExpectedRow(len(expected.rows), 0, "rounding", "rounding", amount, Decimal(0))
    rows = [*expected.rows, row]
    return Expected(rows, expected.net + amount, vat, expected.currency, expected.rate, expected.via)


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


# -- the comparison: Rackbeat's rows against the draft eAccounting computed ------------------------------
def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _draft_line(row: ExpectedRow, theirs: Record) -> Line:
    """An eAccounting draft row as the guard compares it, with the reason for its rate and the fix."""
    rate = money_or_zero(theirs.get("VatRate")) * HUNDRED
    wanted = _percent(row.vat_percent)
    return Line(
        row.source_line,
        money_or_zero(theirs.get("Amount")),
        rate,
        label=row.label,
        reason=f"because the article's account coding has {_percent(rate)}%",
        fix=(
            f"give article {row.item} a coding with {wanted}% VAT, or choose a coding for {wanted}% lines "
            "under Invoice settings → VAT codings"
        ),
    )


def _compare(
    expected: Expected, draft: Record, *, vat_allowance: Decimal | None = None
) -> tuple[TotalsCheck, dict[int, str]]:
    """The guard's verdict on the rows the draft has, and the rows it lacks (by ``LineNumber``, in the
    bookkeeper's words). Rows are matched by ``LineNumber``; a missing row is reported, not compared."""
    shown = {int(r.get("LineNumber", i)): r for i, r in enumerate(draft.get("Rows") or [])}
    present = [row for row in expected.rows if row.line_number in shown]
    missing = {
        row.line_number: f"line {row.source_line} ({row.label}): missing on the eAccounting draft"
        for row in expected.rows
        if row.line_number not in shown
    }
    source_lines = [Line(row.source_line, row.net, row.vat_percent, label=row.label) for row in present]
    ledger_lines = [_draft_line(row, shown[row.line_number]) for row in present]
    ledger_net = sum((line.net for line in ledger_lines), Decimal(0))
    source_net = sum((line.net for line in source_lines), Decimal(0))
    ledger_vat = money_or_zero(draft.get("TotalVatAmount"))
    source = Totals(expected.currency, source_net, expected.vat, source_net + expected.vat, source_lines)
    ledger = Totals(
        str(draft.get("InvoiceCurrencyCode") or expected.currency),
        ledger_net,
        ledger_vat,
        ledger_net + ledger_vat,
        ledger_lines,
    )
    result = check(source, ledger, source_name=SOURCE, ledger_name=LEDGER, vat_allowance=vat_allowance)
    return result, missing


def agrees(expected: Expected, draft: Record) -> bool:
    """eAccounting's draft has Rackbeat's rows, rates, amounts, VAT, currency and exchange rate."""
    result, missing = _compare(expected, draft)
    return result.equal and not missing and rate_problem(expected, draft) is None


def rate_problem(expected: Expected, draft: Record) -> str | None:
    """Why the draft cannot be booked at eAccounting's own exchange rate (None: it can): Rackbeat's rate
    gives another amount in the company's currency than the draft's ``TotalAmountBaseCurrency`` (its
    gross at eAccounting's rate, to the öre). Converting a draft takes no rate: it stays a draft. A rate
    in Rackbeat's other base currency (``via``) is compared through eAccounting's rate for that base."""
    if expected.via is not None:
        gross = round2(money_or_zero(draft.get("TotalAmount")))
        if draft.get("TotalAmountBaseCurrency") is None:
            return (
                f"the draft shows no amount in eAccounting's currency, so Rackbeat's rate "
                f"{_percent(expected.via.rate)} {expected.via.source_base} per 100 {expected.currency} "
                "cannot be compared: it stays a draft; book it in eAccounting by hand at Rackbeat's rate"
            )
        theirs = round2(money_or_zero(draft.get("TotalAmountBaseCurrency")))
        return expected.via.problem(gross, theirs, LEDGER, "the invoice") if gross else None
    if expected.rate is None or draft.get("TotalAmountBaseCurrency") is None:
        return None
    gross = round2(money_or_zero(draft.get("TotalAmount")))
    theirs = round2(money_or_zero(draft.get("TotalAmountBaseCurrency")))
    ours = round2(gross * expected.rate)
    if not gross or ours == theirs:
        return None
    their_rate = (theirs / gross).quantize(Decimal("0.0001"))
    return (
        f"exchange rate: {_percent(expected.rate)} per {expected.currency} in Rackbeat ({gross} "
        f"{expected.currency} is {ours} in the company's currency), eAccounting converts at its own rate "
        f"{_percent(their_rate)} ({theirs}) — eAccounting's drafts take no rate, so the invoice stays a "
        "draft: book it in eAccounting by hand at Rackbeat's rate, or give it eAccounting's rate in Rackbeat"
    )


def _row_problems(expected: Expected, result: TotalsCheck, missing: dict[int, str]) -> list[str]:
    """The rows' differences in Rackbeat's line order (a missing row where it belongs)."""
    by_line: dict[str, list[str]] = {}
    for difference in result.differences:
        if difference.what.startswith("line "):
            by_line.setdefault(difference.what, []).append(difference.message)
    problems: list[str] = []
    for row in expected.rows:
        if row.line_number in missing:
            problems.append(missing[row.line_number])
        else:
            problems += by_line.pop(f"line {row.source_line}", [])
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
    result, missing = _compare(expected, draft)
    problems = _row_problems(expected, result, missing)
    # Rows and currency say what to fix; the net, VAT and gross totals follow from them.
    problems += [d.message for d in result.differences if d.what in ("currency", "exchange rate", "lines")]
    if (rate := rate_problem(expected, draft)) is not None:
        problems.append(rate)
    vat = money_or_zero(draft.get("TotalVatAmount"))
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
    rates = {row.vat_percent for row in expected.rows}
    allowance = HALF_ORE * (len(expected.rows) + len(rates))
    result, missing = _compare(expected, draft, vat_allowance=allowance)
    if missing or not (result.equal or result.rounding_only):
        return None
    return money_or_zero(draft.get("TotalVatAmount"))


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
