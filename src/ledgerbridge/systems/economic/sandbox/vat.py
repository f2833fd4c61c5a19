"""VAT codes and rates of the e-conomic sandbox: which code a line is booked with and at what rate.

Shared by ``documents.py`` (pricing invoices) and ``books.py`` (posting them); depends only on the state.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ledgerbridge.systems.economic.sandbox.state import EconomicState, get_path

DOMESTIC_ZONE = 1
DEFAULT_DOMESTIC_RATE = Decimal("25")
DEFAULT_DOMESTIC_CODE = "U25"
# Known Danish VAT codes and their rates; other codes take the number at their end (U12 -> 12).
VAT_CODE_RATES: dict[str, Decimal] = {
    "U25": Decimal("25"),
    "I25": Decimal("25"),
    "IEUV": Decimal("25"),
    "IEUY": Decimal("25"),
    "IVV": Decimal("25"),
    "IVY": Decimal("25"),
    "REP": Decimal("0"),
    "UEUV": Decimal("0"),
    "UEUY": Decimal("0"),
    "UVV": Decimal("0"),
    "UVY": Decimal("0"),
}


def vat_code_rate(code: str | None) -> Decimal:
    """The rate of a VAT code (``U25`` -> 25); 0 for none."""
    if not code:
        return Decimal("0")
    if code.upper() in VAT_CODE_RATES:
        return VAT_CODE_RATES[code.upper()]
    match = re.search(r"(\d+)$", code)
    return Decimal(match.group(1)) if match else Decimal("0")


# EU standard VAT rates (percent) by country, in Danish and English: what an OSS VAT zone charges.
OSS_COUNTRY_RATES: dict[str, tuple[str, Decimal]] = {
    name: (iso, Decimal(rate))
    for iso, rate, names in (
        ("AT", "20", ("østrig", "austria")),
        ("BE", "21", ("belgien", "belgium")),
        ("BG", "20", ("bulgarien", "bulgaria")),
        ("CY", "19", ("cypern", "cyprus")),
        ("CZ", "21", ("tjekkiet", "czechia", "czech republic")),
        ("DE", "19", ("tyskland", "germany")),
        ("EE", "24", ("estland", "estonia")),
        ("ES", "21", ("spanien", "spain")),
        ("FI", "25.5", ("finland",)),
        ("FR", "20", ("frankrig", "france")),
        ("GR", "24", ("grækenland", "greece")),
        ("HR", "25", ("kroatien", "croatia")),
        ("HU", "27", ("ungarn", "hungary")),
        ("IE", "23", ("irland", "ireland")),
        ("IT", "22", ("italien", "italy")),
        ("LT", "21", ("litauen", "lithuania")),
        ("LU", "17", ("luxembourg",)),
        ("LV", "21", ("letland", "latvia")),
        ("MT", "18", ("malta",)),
        ("NL", "21", ("holland", "nederlandene", "netherlands")),
        ("PL", "23", ("polen", "poland")),
        ("PT", "23", ("portugal",)),
        ("RO", "19", ("rumænien", "romania")),
        ("SE", "25", ("sverige", "sweden")),
        ("SI", "22", ("slovenien", "slovenia")),
        ("SK", "23", ("slovakiet", "slovakia")),
    )
    for name in names
}


def oss_zone(state: EconomicState, zone_number: int | None) -> tuple[str, Decimal] | None:
    """An OSS VAT zone's (VAT code, rate): a zone named "<country> (OSS)" or "OSS <country>".

    e-conomic has no OSS field: a bookkeeper sets up a VAT zone per country whose product-group sales
    accounts carry that country's VAT code. The sandbox reads the country from the zone's name and
    charges its standard rate (code ``OSS`` + ISO country, e.g. ``OSSDE`` at 19 %).
    """
    if zone_number is None or zone_number == DOMESTIC_ZONE:
        return None
    zone = state.tables["vat-zones"].get(zone_number)
    name = str((zone or {}).get("name") or "")
    if "oss" not in name.lower():
        return None
    words = re.sub(r"[()]|\boss\b", " ", name, flags=re.IGNORECASE).strip().lower()
    found = OSS_COUNTRY_RATES.get(words)
    return (f"OSS{found[0]}", found[1]) if found else None


def zone_sales_account(
    state: EconomicState, zone_number: int | None, product_number: str | None
) -> int | None:
    """The sales account the product's group has in this VAT zone (``state.set_zone_sales_account``),
    or None when the group has none there (the group's own ``salesAccount`` is its domestic one)."""
    product = state.tables["products"].get(product_number) if product_number is not None else None
    group = get_path(product, "productGroup.productGroupNumber") if product is not None else None
    if group is None or zone_number is None:
        return None
    return state.zone_sales_accounts.get(int(group), {}).get(int(zone_number))


def line_vat_code(state: EconomicState, zone_number: int | None, product_number: str | None) -> str | None:
    """The VAT code a line is booked with (None: no VAT).

    The VAT code of the sales account the line's product group has in the zone, when it has one there
    (per line: a reduced-rate or VAT-free group in an OSS zone books that country's reduced rate or
    none); else in an OSS zone the country's standard rate (code ``OSS`` + ISO country); else in the
    domestic zone the VAT code of the group's sales account (``U25`` when there is none); else no VAT.
    """
    account_number = zone_sales_account(state, zone_number, product_number)
    if account_number is not None:
        in_zone = state.tables["accounts"].get(account_number) or {}
        return get_path(in_zone, "vatAccount.vatCode") or None
    oss = oss_zone(state, zone_number)
    if oss is not None:
        return oss[0]
    if zone_number != DOMESTIC_ZONE:
        return None
    product = state.tables["products"].get(product_number) if product_number is not None else None
    if product is None:
        return DEFAULT_DOMESTIC_CODE
    group = state.tables["product-groups"].get(get_path(product, "productGroup.productGroupNumber"))
    account_number = get_path(group, "salesAccount.accountNumber") if group else None
    account = state.tables["accounts"].get(account_number) if account_number is not None else None
    if account is None:
        return DEFAULT_DOMESTIC_CODE
    return get_path(account, "vatAccount.vatCode") or None


def zone_vat_rate(state: EconomicState, zone_number: int | None, code: str | None) -> Decimal:
    """The rate of a line's VAT code in its zone (an OSS zone's code carries its country's rate)."""
    oss = oss_zone(state, zone_number)
    if oss is not None and code == oss[0]:
        return oss[1]
    return vat_code_rate(code)


__all__ = [
    "DEFAULT_DOMESTIC_CODE",
    "DEFAULT_DOMESTIC_RATE",
    "DOMESTIC_ZONE",
    "OSS_COUNTRY_RATES",
    "VAT_CODE_RATES",
    "line_vat_code",
    "oss_zone",
    "vat_code_rate",
    "zone_sales_account",
    "zone_vat_rate",
]
