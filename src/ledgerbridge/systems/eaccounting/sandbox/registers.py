"""eAccounting's fixed registers: ``GET /currencies``, ``GET /countries``, ``GET /countries/{countrycode}``
and ``GET /accountTypes`` (``CurrencyApi``, ``CountryApi``, ``AccountTypesApi`` of the 2026 OpenAPI).

They are the same for every company, so they are constants, not company state. Choices (UNCONFIRMED
where the public material is silent): the currencies a Swedish company can invoice in most often; the
countries of the EU and EEA and the common trading partners, with Swedish names (the company's
language) and ``IsEuMember``; a country code the register lacks is 400 ``ErrorCode`` 3000 (the spec
declares only 200 and 400 for the route); account types are the BAS account classes (the spec gives
``Type``/``TypeDescription`` and no values). Lists are paged and filtered like every list.
"""

from __future__ import annotations

from typing import Any

from ledgerbridge.systems.eaccounting.sandbox.chart import EU_COUNTRIES
from ledgerbridge.systems.eaccounting.sandbox.wire import (
    HttpError,
    error_response,
)

CURRENCIES = ("SEK", "EUR", "NOK", "DKK", "USD", "GBP", "CHF", "PLN", "ISK", "JPY", "CAD", "AUD", "CNY")

# (code, Swedish name, English name)
COUNTRIES: tuple[tuple[str, str, str], ...] = (
    ("AT", "Österrike", "Austria"),
    ("AU", "Australien", "Australia"),
    ("BE", "Belgien", "Belgium"),
    ("BG", "Bulgarien", "Bulgaria"),
    ("CA", "Kanada", "Canada"),
    ("CH", "Schweiz", "Switzerland"),
    ("CN", "Kina", "China"),
    ("CY", "Cypern", "Cyprus"),
    ("CZ", "Tjeckien", "Czech Republic"),
    ("DE", "Tyskland", "Germany"),
    ("DK", "Danmark", "Denmark"),
    ("EE", "Estland", "Estonia"),
    ("ES", "Spanien", "Spain"),
    ("FI", "Finland", "Finland"),
    ("FR", "Frankrike", "France"),
    ("GB", "Storbritannien", "United Kingdom"),
    ("GR", "Grekland", "Greece"),
    ("HR", "Kroatien", "Croatia"),
    ("HU", "Ungern", "Hungary"),
    ("IE", "Irland", "Ireland"),
    ("IS", "Island", "Iceland"),
    ("IT", "Italien", "Italy"),
    ("JP", "Japan", "Japan"),
    ("LI", "Liechtenstein", "Liechtenstein"),
    ("LT", "Litauen", "Lithuania"),
    ("LU", "Luxemburg", "Luxembourg"),
    ("LV", "Lettland", "Latvia"),
    ("MT", "Malta", "Malta"),
    ("NL", "Nederländerna", "Netherlands"),
    ("NO", "Norge", "Norway"),
    ("PL", "Polen", "Poland"),
    ("PT", "Portugal", "Portugal"),
    ("RO", "Rumänien", "Romania"),
    ("SE", "Sverige", "Sweden"),
    ("SI", "Slovenien", "Slovenia"),
    ("SK", "Slovakien", "Slovakia"),
    ("US", "USA", "United States"),
)

# BAS account classes (the first digit of an account number)
ACCOUNT_TYPES: tuple[tuple[int, str], ...] = (
    (1, "Tillgångar"),
    (2, "Eget kapital och skulder"),
    (3, "Rörelsens inkomster/intäkter"),
    (4, "Utgifter/kostnader för varor, material och vissa köpta tjänster"),
    (5, "Övriga externa rörelseutgifter/kostnader"),
    (6, "Övriga externa rörelseutgifter/kostnader"),
    (7, "Utgifter/kostnader för personal, avskrivningar m.m."),
    (8, "Finansiella och andra inkomster/intäkter och utgifter/kostnader"),
)


def _country(code: str, name: str, english: str) -> dict[str, Any]:
    return {"Name": name, "NameEnglish": english, "Code": code, "IsEuMember": code in EU_COUNTRIES}


def currencies() -> list[dict[str, Any]]:
    return [{"Code": code} for code in CURRENCIES]


def countries() -> list[dict[str, Any]]:
    return [_country(*c) for c in COUNTRIES]


def country(code: str) -> dict[str, Any]:
    """``GET /countries/{code}``; an unknown code is 400 ``ErrorCode`` 3000, as the real API answers."""
    found = next((c for c in COUNTRIES if c[0] == code.upper()), None)
    if found is None:
        raise HttpError(error_response(400, 3000, f"The country code {code} does not exist."))
    return _country(*found)


def account_types() -> list[dict[str, Any]]:
    return [{"Type": number, "TypeDescription": text} for number, text in ACCOUNT_TYPES]
