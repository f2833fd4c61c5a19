"""Field converters every pair shares, written once: money, VAT zones, references, present values.

The systems' APIs hand amounts over as JSON numbers or strings; ours are ``Decimal`` (never float), so
every amount goes through :func:`money` (or :func:`cents` where it is compared to the cent). VAT zones are
Rackbeat's four names (``domestic``, ``eu``, ``abroad``, ``domestic_exempt``); e-conomic numbers them
1-4, eAccounting has none and the zone follows from the customer's country.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ledgerbridge.engine.streams import MappingError, Payload, Record

CENT = Decimal("0.01")


# -- money -------------------------------------------------------------------------------------------
def money(value: Any) -> Decimal | None:
    """An amount as the API gave it, as a Decimal; a missing amount stays None."""
    return None if value is None else Decimal(str(value))


def money_or_zero(value: Any) -> Decimal:
    """An amount as a Decimal, where a missing (or empty) one counts as zero."""
    return Decimal(str(value if value not in (None, "") else 0))


def round2(value: Decimal) -> Decimal:
    """To the cent, half up (how Rackbeat and the ledgers round an amount)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def cents(value: object) -> Decimal:
    """An amount to the cent (half up) from a Decimal, int or numeric string; a float is refused."""
    if isinstance(value, float):
        raise TypeError("money is Decimal, never float")
    return round2(Decimal(str(value)))


# -- VAT zones ---------------------------------------------------------------------------------------
# e-conomic's four fixed VAT zones and the Rackbeat zone each stands for.
ECONOMIC_VAT_ZONE_NUMBERS = {"domestic": 1, "eu": 2, "abroad": 3, "domestic_exempt": 4}
VAT_ZONES_BY_ECONOMIC_NUMBER = {number: zone for zone, number in ECONOMIC_VAT_ZONE_NUMBERS.items()}
# The zones' names, a fallback for e-conomic agreements that renumbered them.
VAT_ZONES_BY_ECONOMIC_NAME = {
    "domestic": "domestic",
    "indenlandsk": "domestic",
    "eu": "eu",
    "abroad": "abroad",
    "udland": "abroad",
    "domestic exempt": "domestic_exempt",
    "indenlandsk momsfri": "domestic_exempt",
}
EU_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)


def economic_vat_zone_number(zone: Any) -> int | None:
    """e-conomic's number for a Rackbeat VAT zone (None for none); a zone e-conomic lacks is refused."""
    if zone in (None, ""):
        return None
    if zone not in ECONOMIC_VAT_ZONE_NUMBERS:
        raise MappingError(f"Rackbeat VAT zone {zone!r} has no counterpart in e-conomic")
    return ECONOMIC_VAT_ZONE_NUMBERS[zone]


def vat_zone_of_economic(zone: Record) -> str | None:
    """The Rackbeat VAT zone of an e-conomic VAT-zone record, by name first, then by number."""
    by_name = VAT_ZONES_BY_ECONOMIC_NAME.get(str(zone.get("name", "")).strip().lower())
    return by_name or VAT_ZONES_BY_ECONOMIC_NUMBER.get(zone["vatZoneNumber"])


def vat_zone_for_country(country: str | None, home_country: str) -> str:
    """Rackbeat's VAT zone from a country code: at home, elsewhere in the EU, or abroad."""
    code = (country or home_country or "").upper()
    if not code or code == home_country.upper():
        return "domestic"
    return "eu" if code in EU_COUNTRIES else "abroad"


# -- references and small values ---------------------------------------------------------------------
def number_of(value: Any) -> Any:
    """A reference's number: Rackbeat shows references both as ``group_id: 3`` and ``group: {number: 3}``."""
    return value.get("number") if isinstance(value, dict) else value


def nested(record: Record, reference: str, key: str) -> Any:
    """The number inside a reference object, e.g. e-conomic's ``customerGroup.customerGroupNumber``."""
    value = record.get(reference)
    return value.get(key) if isinstance(value, dict) else None


def document_marker(system: str, document: str, number: Any) -> str:
    """The reference an integration writes on the document it makes ("Rackbeat invoice 17"): how an
    earlier attempt is found again before anything is sent twice."""
    return f"{system} {document} {number}"


def present(values: dict[str, Any]) -> Payload:
    """Only the values that are there: an absent field must not blank the target's."""
    return {k: v for k, v in values.items() if v is not None and v != ""}


def primary_email(value: str | None) -> str | None:
    """Only a customer's primary e-mail is synced: the first of a list like ``"a@x.dk; b@x.dk"``."""
    if not value:
        return None
    for separator in (";", ","):
        value = value.split(separator)[0]
    return value.strip() or None


def country_code(value: Any) -> str | None:
    """A two-letter country code, upper case; anything else is no country code."""
    text = str(value or "").strip().upper()
    return text if len(text) == 2 else None


def integer(value: Any) -> int | None:
    """A whole number from an API value; a missing one stays None."""
    return None if value in (None, "") else int(value)
