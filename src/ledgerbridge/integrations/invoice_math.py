"""Invoice line arithmetic every ledger shares: lines whose rounded amounts add up to the source's total.

Ledgers compute a line's amount as quantity × unit price less the discount, rounded to the cent, and
keep only so many decimals of the quantity and the price. A Rackbeat line with more decimals cannot
always be sent as it is; :func:`split_line` finds the closest lines the ledger can hold whose amounts
still add up to Rackbeat's line total exactly (a rounding line takes the remainder when needed).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledgerbridge.integrations.converters import round2

__all__ = [
    "LinePart",
    "has_more_than_two_decimals",
    "line_amount",
    "rackbeat_line_total",
    "round2",
    "split_line",
]


def line_amount(quantity: Decimal, price: Decimal, discount: Decimal) -> Decimal:
    """A ledger's line amount: quantity × unit price less the discount (in percent), to the cent."""
    return round2(quantity * price * (Decimal(100) - discount) / Decimal(100))


@dataclass(frozen=True)
class LinePart:
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal  # percent
    is_rounding: bool = False


def rackbeat_line_total(line: Any) -> Decimal:
    """Rackbeat's own line total, or the amount its quantity, price and discount give."""
    if line.get("line_total") is not None:
        return Decimal(str(line["line_total"]))
    return line_amount(
        Decimal(str(line.get("quantity") or 0)),
        Decimal(str(line.get("line_price") or 0)),
        Decimal(str(line.get("discount_percentage") or 0)),
    )


def has_more_than_two_decimals(value: Any) -> bool:
    number = Decimal(str(value or 0))
    return number != round2(number)


def split_line(line: Any, *, actual_quantity: bool) -> list[LinePart]:
    """One Rackbeat line as ledger lines (2 decimals) whose amounts add up to its total exactly.

    Without ``actual_quantity`` the line is one of quantity 1 at the line's total (the incumbents'
    default). With it, the quantity is kept (rounded to 2 decimals when it has more) and the price
    or a rounding line absorbs the difference.
    """
    quantity = Decimal(str(line.get("quantity") or 0))
    price = Decimal(str(line.get("line_price") or 0))
    discount = Decimal(str(line.get("discount_percentage") or 0))
    total = rackbeat_line_total(line)
    if not actual_quantity:
        return [LinePart(Decimal(1), total, Decimal(0))]
    q2, d2 = round2(quantity), round2(discount)
    candidates = [(round2(price), d2)] if d2 == discount else []
    if q2:
        candidates.append((round2(total / q2), Decimal(0)))  # the discount folded into the price
    for p2, disc in candidates:
        if q2 and line_amount(q2, p2, disc) == total:
            return [LinePart(q2, p2, disc)]
    p2 = round2(total / q2) if q2 else total
    q2 = q2 or Decimal(1)
    main = LinePart(q2, p2, Decimal(0))
    remainder = total - line_amount(q2, p2, Decimal(0))
    return [main, LinePart(Decimal(1), remainder, Decimal(0), True)] if remainder else [main]
