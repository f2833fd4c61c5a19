"""Inventory value: Rackbeat's stock value → a finance voucher in e-conomic, daily, weekly or monthly.

Each period's change in value is posted once, as a balanced voucher between the inventory account
and the offset account. When the engine was away, every missed period is posted once on return (each
with the value at the end of that period); the transfer ledger keys each posting by its period, so
nothing is posted twice. The first run after activation records the value as the starting point and
posts nothing: the opening stock is already in the books.

Rackbeat values the stock in its own base currency; the voucher carries that currency. When e-conomic keeps
its books in another one, nothing is posted (:func:`base_currency_refusal`): a value in SEK posted as DKK
would put a wrong amount on the inventory account, and Rackbeat gives no rate between the two bases.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ledgerbridge.engine.periods import Frequency, closed_periods, period_end, period_id
from ledgerbridge.engine.streams import Payload

__all__ = [
    "Frequency",
    "base_currency_refusal",
    "closed_periods",
    "inventory_voucher",
    "period_end",
    "period_id",
]


def base_currency_refusal(source_base: str, ledger_base: str, period: str) -> str | None:
    """Why the inventory value of ``period`` cannot be posted (None: it can): Rackbeat values the stock in
    ``source_base``, e-conomic keeps its books in ``ledger_base``."""
    if source_base.upper() == ledger_base.upper():
        return None
    return (
        f"the inventory value of {period} is in {source_base.upper()} (Rackbeat's base currency), but "
        f"e-conomic keeps its books in {ledger_base.upper()} and Rackbeat gives no rate between the two: "
        "nothing is posted. Connect a Rackbeat company with e-conomic's base currency, or switch the "
        "inventory value off (settings.inventory_value) and post it by hand"
    )


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
