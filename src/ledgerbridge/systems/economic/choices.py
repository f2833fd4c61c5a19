"""What a settings page can offer from e-conomic, read live: day books, accounts, VAT zones and rates,
layouts, product groups and products as ``(value, label)`` pairs (:data:`ECONOMIC_CHOICES`)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from ledgerbridge.systems.economic.client import EconomicClient
from ledgerbridge.systems.side import ChoiceList, numbered

# Accounts an entry can be booked on (headings and totals cannot take one).
POSTABLE_ACCOUNT_TYPES = (None, "profitAndLoss", "status")


def day_books(client: EconomicClient) -> ChoiceList:
    return numbered(client.iter_collection("journals"), "journalNumber", "name")


def accounts(client: EconomicClient) -> ChoiceList:
    postable = (
        a for a in client.iter_collection("accounts") if a.get("accountType") in POSTABLE_ACCOUNT_TYPES
    )
    return numbered(postable, "accountNumber", "name")


def vat_zones(client: EconomicClient) -> ChoiceList:
    return numbered(client.iter_collection("vat-zones"), "vatZoneNumber", "name")


def vat_rates(client: EconomicClient) -> ChoiceList:
    """The rates of the agreement's VAT accounts, lowest first (``("25", "25 %")``)."""
    rates = {Decimal(str(a["ratePercentage"])) for a in client.iter_collection("vat-accounts")
             if a.get("ratePercentage") is not None}  # fmt: skip
    return [(f"{r.normalize():f}", f"{r.normalize():f} %") for r in sorted(rates)]


def layouts(client: EconomicClient) -> ChoiceList:
    return numbered(client.iter_collection("layouts"), "layoutNumber", "name")


def product_groups(client: EconomicClient) -> ChoiceList:
    return numbered(client.iter_collection("product-groups"), "productGroupNumber", "name")


def products(client: EconomicClient) -> ChoiceList:
    """Products that can be sold (barred ones cannot)."""
    sellable = (p for p in client.iter_collection("products") if not p.get("barred"))
    return numbered(sellable, "productNumber", "name")


ECONOMIC_CHOICES: dict[str, Callable[[EconomicClient], ChoiceList]] = {
    "day_books": day_books,
    "accounts": accounts,
    "vat_zones": vat_zones,
    "vat_rates": vat_rates,
    "layouts": layouts,
    "product_groups": product_groups,
    "products": products,
}
