"""The demo organisation "Konsultbolaget Norr AB": a Swedish consultancy with every case the integration
meets.

Guids are derived from names (uuid5), so a demo started twice has the same ids. The special cases, on
purpose: customers with several addresses and several billing addresses, a three-line address, a customer
without an address, number 1234 (eAccounting's "01234" collapses onto it), two customers with the same name,
an inactive customer and the organisation's own internal customer.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from ledgerbridge.systems.severa.sandbox.common import insert
from ledgerbridge.systems.severa.sandbox.state import SeveraState

Record = dict[str, Any]
_NAMESPACE = uuid.UUID("6f3c2a0e-53b4-4c55-9a43-5e7e2a1d9c01")


def demo_guid(kind: str, key: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{key}"))


COUNTRIES = (
    # code2, code3, Swedish name, English name, EU
    ("SE", "SWE", "Sverige", "Sweden", True),
    ("NO", "NOR", "Norge", "Norway", False),
    ("DK", "DNK", "Danmark", "Denmark", True),
    ("FI", "FIN", "Finland", "Finland", True),
    ("DE", "DEU", "Tyskland", "Germany", True),
    ("GB", "GBR", "Storbritannien", "United Kingdom", False),
)
CURRENCIES = (
    ("SEK", "Svensk krona", "kr", Decimal(1)),
    ("EUR", "Euro", "€", Decimal("11.45")),
    ("NOK", "Norsk krona", "kr", Decimal("0.98")),
)
VAT_RATES = (
    (Decimal(25), "MP1", True),
    (Decimal(12), "MP2", False),
    (Decimal(6), "MP3", False),
    (Decimal(0), "MF", False),
)
COMMUNICATION_TYPES = (
    ("E-post", "EmailAddress"),
    ("Telefon", "Phone"),
    ("Mobiltelefon", "MobilePhone"),
    ("Fax", "Fax"),
)
USERS = (
    ("Anna", "Lindqvist", "AL", "anna.lindqvist@konsultbolagetnorr.se"),
    ("Erik", "Johansson", "EJ", "erik.johansson@konsultbolagetnorr.se"),
)


def seed_lookups(state: SeveraState) -> None:
    """Countries, currencies, VAT rates, communication types, users and the organisation's details."""
    for code2, code3, name, english, eu in COUNTRIES:
        insert(
            state,
            "countries",
            {
                "code2": code2,
                "code3": code3,
                "name": name,
                "englishName": english,
                "isInEU": eu,
                "hasRegions": "NoRegion",
                "isRegistrationCountry": code2 == "SE",
            },
            guid=demo_guid("country", code2),
        )
    for code, name, symbol, rate in CURRENCIES:
        insert(
            state,
            "currencies",
            {
                "code": code,
                "name": name,
                "symbol": symbol,
                "rate": rate,
                "isActive": True,
                "isOrganizationCurrency": code == "SEK",
            },
            guid=demo_guid("currency", code),
        )
    sweden = demo_guid("country", "SE")
    for percentage, code, default in VAT_RATES:
        insert(
            state,
            "vat_rates",
            {
                "percentage": percentage,
                "code": code,
                "isDefault": default,
                "isActive": True,
                "countryGuid": sweden,
            },
            guid=demo_guid("vat", code),
        )
    for name, kind in COMMUNICATION_TYPES:
        insert(
            state,
            "communication_types",
            {"name": name, "type": kind, "isActive": True},
            guid=demo_guid("commtype", kind),
        )
    for first, last, code, email in USERS:
        insert(
            state,
            "users",
            {"firstName": first, "lastName": last, "code": code, "email": email, "isActive": True},
            guid=demo_guid("user", code),
        )
    state.organization.details = {
        "guid": demo_guid("organization", "norr"),
        "name": "Konsultbolaget Norr AB",
        "address": "Storgatan 12",
        "postalCode": "972 31",
        "city": "Luleå",
        "phone": "0920-12 34 50",
        "vatNumber": "SE556677889901",
        "isVatRegistered": True,
        "activeAddons": ["Invoicing", "ProjectFees", "TravelExpenses"],
        "_country": sweden,
        "_currency": demo_guid("currency", "SEK"),
    }
    state.organization.settings = {
        "lastCustomerNumber": 1000,
        "lastProjectNumber": 0,
        "lastInvoiceNumber": None,
        "paymentTerm": 30,
        "uniqueIdentifierForProductsAndWorktypes": False,
    }


# number, name, e-mail, VAT number, payment term, active, addresses (addressline, postal code, city,
# country, billing?, postal?, visit?, phone)
# fmt: off
CUSTOMERS: tuple[tuple[Any, ...], ...] = (
    (1001, "Norrlands Trä AB", "ekonomi@norrlandstra.se", "SE556101010101", 30, True, (
        ("Sågverksvägen 3", "941 43", "Piteå", "SE", False, False, True, "0911-100 00"),
        ("Box 812", "941 28", "Piteå", "SE", True, True, False, "0911-100 10"),
    )),
    (1002, "Kiruna Gruvteknik AB", "faktura@kirunagruvteknik.se", "SE556202020202", 30, True, (
        ("Malmvägen 1", "981 32", "Kiruna", "SE", True, True, True, "0980-200 00"),
        ("Ekonomiavdelningen\nBox 45", "981 21", "Kiruna", "SE", True, False, False, "0980-200 45"),
        ("Verkstadsgatan 9", "983 34", "Malmberget", "SE", False, False, True, None),
    )),
    (1003, "Skellefteå Kraftkonsult AB", "info@kraftkonsult.se", "SE556303030303", 20, True, (
        ("Kraftgatan 4\nVåning 3\nc/o Ekonomi", "931 30", "Skellefteå", "SE", True, True, True, None),
    )),
    (1004, "Piteå Havsbad Event AB", "event@havsbadevent.se", None, 30, True, ()),
    (1234, "Umeå Design & Kod AB", "hej@umeadesignkod.se", "SE556404040404", 30, True, (
        ("Rådhusesplanaden 14", "903 28", "Umeå", "SE", True, True, True, "090-400 00"),
    )),
    (1006, "Bodens Bygg & Montage AB", "ekonomi@bodensbygg.se", "SE556505050505", 30, True, (
        ("Kungsgatan 40", "961 35", "Boden", "SE", True, True, True, "0921-500 00"),
    )),
    (1007, "Sundsvall Logistik AB", "ap@sundsvallogistik.se", "SE556606060606", 45, True, (
        ("Hamngatan 7", "852 33", "Sundsvall", "SE", True, True, True, "060-600 00"),
    )),
    (1008, "Östersund Fjällturism AB", "bokning@fjallturism.se", "SE556707070707", 30, True, (
        ("Prästgatan 20", "831 31", "Östersund", "SE", True, True, True, "063-700 00"),
    )),
    (1009, "Haparanda Gränshandel AB", "kontor@granshandel.se", "SE556808080808", 10, True, (
        ("Torget 1", "953 31", "Haparanda", "SE", True, True, True, "0922-800 00"),
    )),
    (1010, "Gällivare Maskin AB", "ekonomi@gallivaremaskin.se", "SE556909090909", 30, True, (
        ("Industrivägen 22", "982 38", "Gällivare", "SE", True, True, True, "0970-900 00"),
    )),
    (1011, "Nordic Sustain AB", "info@nordicsustain.se", "SE559011111111", 30, True, (
        ("Smedjegatan 6", "972 33", "Luleå", "SE", True, True, True, "0920-110 00"),
    )),
    (1012, "Nordic Sustain AB", "stockholm@nordicsustain.se", "SE559012121212", 30, True, (
        ("Sveavägen 44", "111 34", "Stockholm", "SE", True, True, True, "08-120 00 00"),
    )),
    (1013, "Örnsköldsvik Marin AB", "ekonomi@ovikmarin.se", "SE556131313131", 30, True, (
        ("Hamnvägen 2", "891 33", "Örnsköldsvik", "SE", True, True, True, "0660-130 00"),
    )),
    (1014, "Kalix Fiber AB", "info@kalixfiber.se", "SE556141414141", 30, False, (
        ("Strandgatan 5", "952 31", "Kalix", "SE", True, True, True, None),
    )),
    (1015, "Jokkmokks Slöjd ek. för.", "slojd@jokkmokk.se", "SE769615151515", 15, True, (
        ("Porjusvägen 4", "962 31", "Jokkmokk", "SE", True, True, True, "0971-150 00"),
    )),
    (1016, "Narvik Havn AS", "post@narvikhavn.no", "NO987654321", 30, True, (
        ("Havnegata 1", "8514", "Narvik", "NO", True, True, True, "+47 76 96 50 00"),
    )),
    (1017, "Vilhelmina Skog AB", "skog@vilhelminaskog.se", "SE556171717171", 30, True, (
        ("Volgsjövägen 31", "912 32", "Vilhelmina", "SE", True, True, True, "0940-170 00"),
    )),
    (1018, "Lycksele Djurpark AB", "ekonomi@lyckseledjurpark.se", "SE556181818181", 30, True, (
        ("Gammplatsen", "921 32", "Lycksele", "SE", True, True, True, "0950-180 00"),
    )),
    (1019, "Storuman Energi AB", "faktura@storumanenergi.se", "SE556191919191", None, True, (
        ("Blå vägen 254", "923 31", "Storuman", "SE", False, True, True, "0951-190 00"),
    )),
)
# fmt: on
INTERNAL_CUSTOMER = (1020, "Konsultbolaget Norr AB", "Storgatan 12", "972 31", "Luleå")

# first name, last name, customer number, index of its address, e-mail, phone, mobile
CONTACTS = (
    ("Maria", "Berg", 1001, 1, "maria.berg@norrlandstra.se", "0911-100 11", "070-111 11 11"),
    ("Johan", "Nilsson", 1001, 0, "johan.nilsson@norrlandstra.se", None, "070-111 22 22"),
    ("Sara", "Lund", 1002, 1, "sara.lund@kirunagruvteknik.se", "0980-200 46", None),
    ("Per", "Ek", 1003, 0, "per.ek@kraftkonsult.se", None, None),
    ("Lena", "af Klint", 1234, 0, "lena@umeadesignkod.se", "090-400 01", "073-400 00 01"),
    ("Ola", "Nordmann", 1016, 0, "ola@narvikhavn.no", None, "+47 900 00 000"),
)


def _customer(state: SeveraState, number: int, name: str, **fields: Any) -> Record:
    record = {
        "name": name,
        "number": number,
        "isActive": True,
        "isInternal": False,
        "email": None,
        "website": None,
        "vatNumber": None,
        "kvkNumber": None,
        "notes": None,
        "paymentTerm": None,
        "overdueInterest": None,
        "eInvoiceAddress": None,
        "eInvoiceOperator": None,
        "numberOfEmployees": None,
        "annualRevenue": None,
        "language": None,
        "industry": None,
        "invoiceTemplate": None,
        "pricelist": None,
        "timezone": None,
        "_headquarterAddress": None,
        "_currency": demo_guid("currency", "SEK"),
        "_invoicingVat": None,
        "_owner": demo_guid("user", "AL"),
    }
    record.update(fields)
    return insert(state, "customers", record, guid=demo_guid("customer", number))


def _address(state: SeveraState, customer: Record, index: int, line: tuple[Any, ...]) -> Record:
    addressline, postal, city, country, billing, postal_flag, visit, phone = line
    return insert(
        state,
        "addresses",
        {
            "addressline": addressline,
            "postalCode": postal,
            "city": city,
            "phone": phone,
            "fax": None,
            "isBillingAddress": billing,
            "isPostalAddress": postal_flag,
            "isVisitAddress": visit,
            "_country": demo_guid("country", country),
            "_customer": customer["guid"],
        },
        guid=demo_guid("address", f"{customer['number']}:{index}"),
    )


def seed_customers(state: SeveraState) -> None:
    for number, name, email, vat, term, active, addresses in CUSTOMERS:
        currency = "NOK" if any(a[3] == "NO" for a in addresses) else "SEK"
        customer = _customer(
            state,
            number,
            name,
            email=email,
            vatNumber=vat,
            paymentTerm=term,
            isActive=active,
            website=f"https://www.{email.split('@')[1]}",
            _currency=demo_guid("currency", currency),
        )
        for index, line in enumerate(addresses):
            address = _address(state, customer, index, line)
            if index == 0:
                customer["_headquarterAddress"] = address["guid"]
    number, name, line, postal, city = INTERNAL_CUSTOMER
    internal = _customer(state, number, name, isInternal=True, email="ekonomi@konsultbolagetnorr.se")
    address = _address(state, internal, 0, (line, postal, city, "SE", True, True, True, "0920-12 34 50"))
    internal["_headquarterAddress"] = address["guid"]
    state.organization.settings["lastCustomerNumber"] = max(n for n, *_ in CUSTOMERS) if CUSTOMERS else 1000


def seed_demo(state: SeveraState) -> None:
    """The whole demo organisation."""
    seed_lookups(state)
    seed_customers(state)
