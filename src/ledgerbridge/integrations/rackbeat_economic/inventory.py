"""Inventory value: Rackbeat's stock value → a finance voucher in e-conomic, daily, weekly or monthly.

Each period's change in value is posted once, as a balanced voucher between the inventory account
and the offset account. When the engine was away, every missed period is posted once on return (each
with the value at the end of that period); the transfer ledger keys each posting by its period, so
nothing is posted twice. The first run after activation records the value as the starting point and
posts nothing: the opening stock is already in the books.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from ledgerbridge.engine.flows import Payload

Frequency = Literal["daily", "weekly", "monthly"]


def period_end(day: date, frequency: Frequency) -> date:
    """The last day of the period ``day`` falls in (weeks end on Sunday)."""
    if frequency == "daily":
        return day
    if frequency == "weekly":
        return day + timedelta(days=6 - day.weekday())
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def period_id(end: date, frequency: Frequency) -> str:
    if frequency == "daily":
        return end.isoformat()
    if frequency == "weekly":
        year, week, _ = end.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{end:%Y-%m}"


def closed_periods(after: date, today: date, frequency: Frequency) -> list[date]:
    """Ends of the periods that closed after ``after`` and before ``today``, oldest first."""
    ends = []
    end = period_end(after + timedelta(days=1), frequency)
    while end < today:
        ends.append(end)
        end = period_end(end + timedelta(days=1), frequency)
    return ends


def inventory_voucher(
    change: Decimal,
    end: date,
    *,
    frequency: Frequency,
    inventory_account: int,
    offset_account: int,
    currency: str = "DKK",
) -> Payload:
    """A finance voucher moving ``change`` into (or, when negative, out of) the inventory account."""
    return {
        "accountingYear": {"year": str(end.year)},
        "entries": {
            "financeVouchers": [
                {
                    "account": {"accountNumber": inventory_account},
                    "contraAccount": {"accountNumber": offset_account},
                    "amount": change,
                    "currency": {"code": currency},
                    "date": end.isoformat(),
                    "text": f"Lagerværdi {period_id(end, frequency)} (Rackbeat)",
                }
            ]
        },
    }
