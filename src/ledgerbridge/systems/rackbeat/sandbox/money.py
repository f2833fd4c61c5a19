"""Invoice arithmetic and inventory valuation: exact Decimals, rounded half-up to the øre where shown.

Invoice lines: ``line_total = round2(quantity × line_price × (1 − discount/100))``; the invoice's
``total_subtotal`` is the sum of line totals, ``total_vat`` the sum of ``round2(line_total × vat/100)``
per line, ``total_total`` their sum.

Stock is valued at the moving average cost: a receipt with a cost moves the average to
``(stock × average + quantity × cost) / (stock + quantity)`` (or to the receipt's cost when the stock
was zero or negative before it); a withdrawal leaves the average alone and is valued at it.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")
_MICRO = Decimal("0.000001")
_WIDE = Context(prec=60)  # products of 6-decimal amounts never lose a digit before rounding


def round2(value: Decimal) -> Decimal:
    """Half-up to two decimals (``2.345`` -> ``2.35``, ``-2.345`` -> ``-2.35``)."""
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def round6(value: Decimal) -> Decimal:
    return value.quantize(_MICRO, rounding=ROUND_HALF_UP)


def line_total(quantity: Decimal, price: Decimal, discount_percentage: Decimal) -> Decimal:
    """``quantity × price × (1 − discount/100)``, rounded half-up to two decimals."""
    with localcontext(_WIDE):
        return round2(quantity * price * (_HUNDRED - discount_percentage) / _HUNDRED)


def line_vat(total: Decimal, vat_percentage: Decimal) -> Decimal:
    with localcontext(_WIDE):
        return round2(total * vat_percentage / _HUNDRED)


def due_date(invoice_date: date, term_type: str | None, days: int) -> date:
    """When an invoice falls due under a payment term (Rackbeat's types, e-conomic's meaning).

    ``net``: the invoice date + days; ``invoice_month``/``current_month``: the end of the invoice's month
    + days; ``paid_in_cash``/``prepaid``/``due_date``/no term: the invoice date.
    """
    if term_type == "net":
        return invoice_date + timedelta(days=days)
    if term_type in ("invoice_month", "current_month"):
        last = calendar.monthrange(invoice_date.year, invoice_date.month)[1]
        return invoice_date.replace(day=last) + timedelta(days=days)
    return invoice_date


@dataclass(frozen=True)
class Movement:
    """One stock movement of one product: positive quantities come in, negative go out.

    ``unit_cost`` is the cost of a receipt (None: at the average cost); withdrawals have none.
    """

    id: int
    product_id: int
    at: datetime
    quantity: Decimal
    unit_cost: Decimal | None
    type: str
    reference: str | None = None


@dataclass(frozen=True)
class LedgerStep:
    """A movement replayed: the cost it moved at and the position after it."""

    movement: Movement
    unit_cost: Decimal
    value: Decimal
    stock_after: Decimal
    average_after: Decimal


def replay(movements: Iterable[Movement], *, until: datetime | None = None) -> Iterator[LedgerStep]:
    """The movements in time order (ties by id) up to and including ``until``, with running average."""
    stock, average = _ZERO, _ZERO
    with localcontext(_WIDE):
        for move in sorted(movements, key=lambda m: (m.at, m.id)):
            if until is not None and move.at > until:
                return
            if move.quantity > 0 and move.unit_cost is not None:
                cost = move.unit_cost
                if stock <= 0:
                    average = cost
                else:
                    average = (stock * average + move.quantity * cost) / (stock + move.quantity)
            else:
                cost = average
            stock += move.quantity
            yield LedgerStep(move, cost, round2(move.quantity * cost), stock, average)


def position(movements: Iterable[Movement], *, until: datetime | None = None) -> tuple[Decimal, Decimal]:
    """``(stock quantity, average cost)`` after the movements up to ``until`` (full precision)."""
    stock, average = _ZERO, _ZERO
    for step in replay(movements, until=until):
        stock, average = step.stock_after, step.average_after
    return stock, average


def stock_value(stock: Decimal, average: Decimal) -> Decimal:
    with localcontext(_WIDE):
        return round2(stock * average)
