"""A Severa invoice as a bookkeeper knows it, for the transfer ledger's lists."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ledgerbridge.engine.ledger import TransferSummary


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def invoice_summary(invoice: Mapping[str, Any]) -> TransferSummary:
    """Who is billed (the billing customer, else the customer), the total including tax and its currency."""
    customer = invoice.get("billingCustomer") or invoice.get("customer") or {}
    total = invoice.get("totalIncludingTax") or {}
    currency = invoice.get("currency") or {}
    amount = total.get("amount") if isinstance(total, Mapping) else None
    return TransferSummary(
        counterparty=_text(customer.get("name")) if isinstance(customer, Mapping) else None,
        amount=None if amount in (None, "") else Decimal(str(amount)),
        currency=_text(
            (currency.get("code") if isinstance(currency, Mapping) else None)
            or (total.get("currencyCode") if isinstance(total, Mapping) else None)
        ),
    )
