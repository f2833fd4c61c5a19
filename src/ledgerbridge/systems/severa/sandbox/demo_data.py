"""The demo organisation "Konsultbolaget Norr AB": a Swedish consultancy with every case the integration
meets.

Guids are derived from names (uuid5), so a demo started twice has the same ids. The special cases, on
purpose: customers with several addresses and several billing addresses, a three-line address, a customer
without an address, number 1234 (eAccounting's "01234" collapses onto it), two customers with the same name,
an inactive customer and the organisation's own internal customer.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from ledgerbridge.systems.severa.sandbox.common import insert
from ledgerbridge.systems.severa.sandbox.customers import UNSET_CONTACT_FIELDS
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


def seed_contacts(state: SeveraState) -> None:
    for first, last, number, address_index, email, phone, mobile in CONTACTS:
        contact = insert(
            state,
            "contacts",
            {
                "firstName": first,
                "lastName": last,
                "addressGuid": demo_guid("address", f"{number}:{address_index}"),
                "isActive": True,
                "isDeleted": False,
                "isEmailAllowed": True,
                "jobTitle": None,
                "description": None,
                **UNSET_CONTACT_FIELDS,
                "_customer": demo_guid("customer", number),
            },
            guid=demo_guid("contact", f"{first} {last}"),
        )
        for value, kind in ((email, "EmailAddress"), (phone, "Phone"), (mobile, "MobilePhone")):
            if value:
                insert(
                    state,
                    "communications",
                    {
                        "value": value,
                        "isForbiddenToUse": False,
                        "_contact": contact["guid"],
                        "_communicationType": demo_guid("commtype", kind),
                    },
                )


def _money(amount: str) -> Record:
    return {"amount": Decimal(amount), "currencyCode": "SEK"}


# code (None: no code), name, type, unit, price, cost, VAT — "KONS" is also a work type's code
PRODUCTS = (
    ("LIC-01", "Licens projektverktyg", "Materials", "st", "1200", "800", "25"),
    ("UTB", "Utbildningsdag", "FixedFees", "st", "9500", "0", "25"),
    ("UK-SAK", "Underkonsult säkerhet", "Subcontracting", "tim", "1150", "950", "25"),
    (None, "Kablage", "Materials", "m", "45", "20", "25"),
    ("KONS", "Konsultpaket", "FixedFees", "st", "25000", "0", "25"),
    ("BOK", "Facklitteratur", "Materials", "st", "450", "300", "6"),
)
# code, name, productive, hour cost, price 2025, price 2026
WORK_TYPES = (
    ("KONS", "Konsultation", True, "520", "1150", "1250"),
    ("PL", "Projektledning", True, "560", "1250", "1350"),
    ("UTV", "Utveckling", True, "500", "1050", "1100"),
    ("SUP", "Support", True, "450", "900", "950"),
    ("DOK", "Dokumentation", True, "450", "900", "950"),
    ("INT", "Intern tid", False, "480", "0", "0"),
)
# code, name, class, unit, cost, price
TRAVEL_TYPES = (
    ("MIL", "Milersättning", "Mileage", "km", "2.50", "3.50"),
    ("TRAKT", "Traktamente heldag", "DailyAllowance", "st", "290", "290"),
    ("HOT", "Hotell", "OtherTravelExpense", "st", "1200", "1450"),
    ("TAXI", "Taxi", "OtherTravelExpense", "st", "0", "0"),
)


def seed_catalogue(state: SeveraState) -> None:
    for code, name, kind, unit, price, cost, vat in PRODUCTS:
        insert(
            state,
            "products",
            {
                "name": name,
                "code": code,
                "isActive": True,
                "measurementUnit": unit,
                "type": kind,
                "vatRate": Decimal(vat),
                "unitPrice": _money(price),
                "unitCost": _money(cost),
                "proposalDescription": None,
                "productCategory": None,
                "salesAccount": None,
            },
            guid=demo_guid("product", code or name),
        )
    for code, name, productive, cost, _, _ in WORK_TYPES:
        insert(
            state,
            "work_types",
            {
                "name": name,
                "code": code,
                "isActive": True,
                "isProductive": productive,
                "isDefault": code == "KONS",
                "hourCost": _money(cost),
                "salesAccount": None,
            },
            guid=demo_guid("worktype", code),
        )
    for code, name, kind, unit, cost, _ in TRAVEL_TYPES:
        insert(
            state,
            "travel_types",
            {
                "name": name,
                "code": code,
                "expenseClass": kind,
                "unitCost": _money(cost),
                "isActive": True,
                "includeTime": kind == "DailyAllowance",
                "measurementUnit": unit,
                "vatRate": Decimal(25) if kind == "OtherTravelExpense" else Decimal(0),
                "purchaseVatRate": None,
                "costAccount": None,
                "salesAccount": None,
                "productCategory": None,
            },
            guid=demo_guid("traveltype", code),
        )
    pricelist = insert(
        state,
        "pricelists",
        {
            "name": "Standardprislista",
            "isActive": True,
            "isDefault": True,
            "isCustom": False,
            "isVolumePricing": False,
            "_currency": demo_guid("currency", "SEK"),
        },
        guid=demo_guid("pricelist", "standard"),
    )
    for year, column in ((2025, 4), (2026, 5)):
        version = insert(
            state,
            "pricelist_versions",
            {"pricelistGuid": pricelist["guid"], "startDate": date(year, 1, 1)},
            guid=demo_guid("pricelistversion", year),
        )
        for row in WORK_TYPES:
            insert(
                state,
                "workhour_prices",
                {
                    "isBillable": True,
                    "unitPrice": _money(str(row[column])),
                    "_workType": demo_guid("worktype", row[0]),
                    "_user": None,
                    "_pricelistVersion": version["guid"],
                },
            )
        for code, *_, price in TRAVEL_TYPES:
            insert(
                state,
                "travel_prices",
                {
                    "price": _money(price),
                    "_travelType": demo_guid("traveltype", code),
                    "_pricelistVersion": version["guid"],
                },
            )


# name, isDefault, hasInvoiceNumber, isSent, isWaitingPayment, isPaid
STATUSES = (
    ("Utkast", True, False, False, False, False),
    ("Till eEkonomi", False, False, False, False, False),
    ("Överförd till eEkonomi", False, False, False, False, False),
    ("Skickad", False, True, True, True, False),
    ("Betald", False, True, True, False, True),
)


def seed_statuses(state: SeveraState) -> None:
    for order, (name, default, numbered, sent, waiting, paid) in enumerate(STATUSES, start=1):
        insert(
            state,
            "invoice_statuses",
            {
                "name": name,
                "isActive": True,
                "isDefault": default,
                "isDefaultForCreditNote": False,
                "isReadOnly": False,
                "hasInvoiceNumber": numbered,
                "isSent": sent,
                "isWaitingPayment": waiting,
                "isPaid": paid,
                "sortOrder": order,
            },
            guid=demo_guid("status", name),
        )


# number, name, customer number, closed, invoice grouping
PROJECTS = (
    (10001, "Skogsdata 2.0", 1001, False, "OneByOne"),
    (10002, "Gruvsäkerhet IoT", 1002, False, "Group"),
    (10003, "Kraftnätsanalys", 1003, False, "OneByOne"),
    (10004, "Eventplattform", 1004, False, "OneByOne"),
    (10005, "Designsystem", 1234, False, "Group"),
    (10006, "Byggportal", 1006, True, "OneByOne"),
    (1234567890, "Logistikoptimering", 1007, False, "OneByOne"),
    (10008, "Fjällbokning", 1008, False, "OneByOne"),
    (10009, "Hamnsystem Narvik", 1016, False, "OneByOne"),
    (10010, "Intern utveckling", 1020, False, "OneByOne"),
    (10011, "Hållbarhetsrapport", 1011, False, "Group"),
)


def seed_projects(state: SeveraState) -> None:
    for number, name, customer_number, closed, grouping in PROJECTS:
        customer = state.table("customers")[demo_guid("customer", customer_number)]
        project = insert(
            state,
            "projects",
            {
                "name": name,
                "number": number,
                "isClosed": closed,
                "closedDate": date(2026, 6, 30) if closed else None,
                "isInternal": customer["isInternal"],
                "description": None,
                "internalName": None,
                "invoiceNotes": None,
                "orderNumber": None,
                "ourReference": "Anna Lindqvist",
                "yourReference": None,
                "paymentTerm": None,
                "startDate": date(2026, 1, 15),
                "deadline": None,
                "isJoiningAllowed": False,
                "isMileageBillable": True,
                "isDailyAllowanceBillable": True,
                "isOtherTravelExpensesBillable": True,
                "useOvertimeMultipliers": False,
                "useProductsFromSetting": False,
                "useWorkTypesFromSetting": False,
                "_customer": customer["guid"],
                "_projectOwner": demo_guid("user", "AL"),
                "_currency": customer["_currency"],
                "_grouping": grouping,
            },
            guid=demo_guid("project", number),
        )
        phase = insert(
            state, "phases", {"name": name, "_project": project["guid"]}, guid=demo_guid("phase", number)
        )
        project["_rootPhase"] = phase["guid"]
    state.organization.settings["lastProjectNumber"] = 10011


def _work(
    state: SeveraState, project: int, user: str, work_type: str, day: int, hours: str, text: str
) -> None:
    from ledgerbridge.systems.severa.sandbox.entries import Entries

    price = Entries(state).work_type_price(demo_guid("worktype", work_type), date(2026, 11, day))
    insert(
        state,
        "work_hours",
        {
            "eventDate": date(2026, 11, day),
            "quantity": Decimal(hours),
            "invoiceQuantity": None,
            "plannedInvoiceQuantity": None,
            "description": text,
            "invoiceRowDescription": None,
            "invoiceRowComment": None,
            "isBillable": project != 10010,
            "isApproved": True,
            "startTime": None,
            "endTime": None,
            "unitPrice": {"amount": price, "currencyCode": "SEK"},
            "unitCost": dict(state.table("work_types")[demo_guid("worktype", work_type)]["hourCost"]),
            "_project": demo_guid("project", project),
            "_phase": demo_guid("phase", project),
            "_user": demo_guid("user", user),
            "_workType": demo_guid("worktype", work_type),
            "_invoice": None,
            "_invoiceRow": None,
        },
    )


def _fee(
    state: SeveraState, project: int, product: str | None, day: int, quantity: str, **fields: Any
) -> None:
    item = state.table("products").get(demo_guid("product", product)) if product else None
    record = {
        "name": item["name"] if item else fields.get("name"),
        "description": fields.get("description"),
        "eventDate": date(2026, 11, day),
        "quantity": Decimal(quantity),
        "invoiceQuantity": None,
        "invoiceRowDescription": None,
        "invoiceRowComment": None,
        "measurementUnit": item["measurementUnit"] if item else "st",
        "productType": item["type"] if item else None,
        "isBillable": True,
        "plannedBillingDate": None,
        "displayPeriodStartDate": None,
        "billingSchedule": None,
        "billingDependencyPhase": None,
        "unitPrice": dict(item["unitPrice"]) if item else _money(fields["price"]),
        "unitCost": dict(item["unitCost"]) if item else _money(fields.get("cost", "0")),
        "vatRate": item["vatRate"] if item else Decimal(25),
        "_project": demo_guid("project", project),
        "_product": item["guid"] if item else None,
        "_user": demo_guid("user", "AL"),
        "_invoice": None,
        "_invoiceRow": None,
    }
    insert(state, "project_fees", record)


def _travel(state: SeveraState, project: int, travel: str, day: int, quantity: str) -> None:
    kind = state.table("travel_types")[demo_guid("traveltype", travel)]
    price = dict(zip([t[0] for t in TRAVEL_TYPES], [t[5] for t in TRAVEL_TYPES], strict=True))[travel]
    insert(
        state,
        "travel_expenses",
        {
            "eventDate": date(2026, 11, day),
            "quantity": Decimal(quantity),
            "invoiceQuantity": None,
            "description": None,
            "invoiceRowDescription": None,
            "invoiceRowComment": None,
            "measurementUnit": kind["measurementUnit"],
            "isBillable": True,
            "vatRate": kind["vatRate"],
            "purchaseVatRate": None,
            "travelReimbursementRequired": False,
            "travelStartTime": None,
            "travelEndTime": None,
            "plannedBillingDate": None,
            "billingSchedule": None,
            "unitPrice": _money(price),
            "unitCost": dict(kind["unitCost"]),
            "_project": demo_guid("project", project),
            "_phase": demo_guid("phase", project),
            "_user": demo_guid("user", "EJ"),
            "_travelType": kind["guid"],
            "_invoice": None,
            "_invoiceRow": None,
        },
    )


def seed_entries(state: SeveraState) -> None:
    for project in (10001, 10002, 10003, 10004, 10005, 10008, 10009, 10011, 1234567890):
        _work(state, project, "AL", "PL", 3, "2.5", "Styrgruppsmöte")
        _work(state, project, "EJ", "UTV", 4, "7.5", "Utveckling sprint 1")
        _work(state, project, "EJ", "UTV", 5, "6", "Utveckling sprint 1")
        _work(state, project, "AL", "KONS", 6, "1.25", "Workshop")
    _work(state, 10010, "EJ", "INT", 6, "3", "Intern utbildning")
    # Same price, different work types: grouped by project they share one row with two codes.
    _work(state, 1234567890, "EJ", "SUP", 9, "2", "Driftsupport")
    _work(state, 1234567890, "AL", "DOK", 10, "3", "Systemdokumentation")
    _fee(state, 10001, "LIC-01", 10, "3")
    _fee(state, 10001, None, 10, "12", name="Kablage utan kod", price="45")
    _fee(state, 10002, "UTB", 11, "1")
    _fee(state, 10002, "UTB", 12, "1")
    _fee(state, 10002, "KONS", 12, "1")
    _fee(state, 10003, "UK-SAK", 13, "8")
    _fee(state, 10003, "BOK", 13, "2")
    _fee(state, 10005, "LIC-01", 14, "5")
    _fee(state, 10009, "LIC-01", 14, "2")
    for project in (10001, 10002, 10004, 10008):
        _travel(state, project, "MIL", 4, "184")
        _travel(state, project, "TRAKT", 4, "1")
    _travel(state, 10002, "HOT", 4, "2")
    _travel(state, 10002, "MIL", 5, "184")
    _travel(state, 10009, "MIL", 6, "120")


# project numbers invoiced together → status, day in November 2026
INVOICES = (
    ((10001,), "Till eEkonomi", 20),
    ((1234567890,), "Till eEkonomi", 20),
    ((10002,), "Till eEkonomi", 20),
    ((10003,), "Till eEkonomi", 21),
    ((10004,), "Till eEkonomi", 21),
    ((10005,), "Utkast", 24),
    ((10008,), "Skickad", 16),
    ((10011,), "Betald", 9),
)


def seed_invoices(state: SeveraState) -> None:
    from ledgerbridge.systems.severa.sandbox.entries import Entries
    from ledgerbridge.systems.severa.sandbox.invoices import Invoices

    invoicing = Invoices(state, Entries(state))
    for numbers, status, day in INVOICES:
        projects = [state.table("projects")[demo_guid("project", n)] for n in numbers]
        invoice = invoicing.create_one(projects, demo_guid("status", status), None, date(2026, 11, day))
        if numbers == (1234567890,):  # hours grouped by project: a row whose code[] has two codes
            invoicing.regroup(invoice, workHourGrouping="Group", workHourPrimaryGroupBy="Project")
        if status == "Betald":
            invoice["paymentDate"] = date(2026, 11, 30)


def seed_demo(state: SeveraState) -> None:
    """The whole demo organisation."""
    seed_lookups(state)
    seed_customers(state)
    seed_contacts(state)
    seed_catalogue(state)
    seed_statuses(state)
    seed_projects(state)
    seed_entries(state)
    seed_invoices(state)
