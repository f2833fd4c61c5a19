"""Seed data: a realistic Danish trading company (deterministic), or a minimal one for small tests.

:func:`seed_demo` builds "Vestjysk Værktøj & Byg ApS" in Herning: a tools and building-materials
wholesaler selling to Danish trades, private and public customers, EU and overseas customers. All names,
numbers and addresses are generated (``random.Random(seed)``); CVR numbers pass the modulus-11 check,
EAN/GLN numbers carry valid GS1 check digits, money is :class:`~decimal.Decimal` with two decimals.

Record fields (as stored; the API adds ``self`` links and expands references; ``?`` = on some records):

- customers: customerNumber, name, currency, customerGroup{customerGroupNumber},
  paymentTerms{paymentTermsNumber}, vatZone{vatZoneNumber}, layout{layoutNumber},
  salesPerson{employeeNumber}, address, zip, city, country, email, telephoneAndFaxNumber,
  mobilePhone?, website?, corporateIdentificationNumber? (CVR, or an EU/foreign VAT id), ean? (public
  sector GLN), creditLimit?, balance, dueAmount, barred?, eInvoicingDisabledByDefault, lastUpdated
- products: productNumber (string; VVS numbers contain a space, fastener numbers a dot), name,
  description?, costPrice, salesPrice, recommendedPrice, barCode? (EAN-13), unit{unitNumber},
  productGroup{productGroupNumber}, barred, inventory? {available, inStock, orderedByCustomers,
  orderedFromSuppliers, packageVolume, grossWeight, netWeight, recommendedCostPrice} (inventory groups),
  lastUpdated
- suppliers: supplierNumber, name, currency, supplierGroup{supplierGroupNumber},
  paymentTerms{paymentTermsNumber}, vatZone{vatZoneNumber}, layout{layoutNumber},
  costAccount{accountNumber}, salesPerson{employeeNumber}, address, zip, city, country, email, phone,
  corporateIdentificationNumber? (Danish suppliers), bankAccount (reg.+account or IBAN),
  defaultInvoiceText?, barred?
- customer-groups: customerGroupNumber, name, account{accountNumber}, layout{layoutNumber};
  supplier-groups: supplierGroupNumber, name, account{accountNumber};
  product-groups: productGroupNumber, name, inventoryEnabled, salesAccount{accountNumber}
- units: unitNumber, name; payment-terms: paymentTermsNumber, name, paymentTermsType, daysOfCredit,
  description?; layouts: layoutNumber, name; employees: employeeNumber, name, email, phone,
  employeeGroup{employeeGroupNumber}, barred?; vat-zones: vatZoneNumber, name, enabledForCustomer,
  enabledForSupplier?; accounts: accountNumber, name, accountType, debitCredit, balance,
  blockDirectEntries?, vatAccount{vatCode}?, accountsSummed?; currencies: code, name, isoNumber
- accounting-years: year ("2024".."2027", calendar years), fromDate, toDate; journals: journalNumber,
  name, settings{voucherNumbers{minimumVoucherNumber, maximumVoucherNumber}, contraAccounts{...}}:
  1 "Kassekladde" (vouchers 1-9999, contra account 5700 Bank), 2 "Kreditorfakturaer" (10000-19999),
  3 "Lager" (20000-29999, contra account 5510 Varelager) — the same in :func:`seed_minimal`
- /self: agreementNumber, agreementType, userName, signupDate, user, company{name, addressLine1,
  addressLine2, zip, city, country, phoneNumber, email, website, companyIdentificationNumber,
  vatNumber}, bankInformation{bankName, bankSortCode, bankAccountNumber, bankGiroNumber,
  pbsCustomerGroupNumber, pbsFiSupplierNumber}, application, settings{baseCurrency},
  canSendElectronicInvoice
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ledgerbridge.systems.economic.sandbox.orders import add_sales_document
from ledgerbridge.systems.economic.sandbox.state import EconomicState, format_timestamp

ANCHOR = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)  # "now" for the demo's lastUpdated history
CENT = Decimal("0.01")


def money(value: float | int | str | Decimal) -> Decimal:
    """Two-decimal Decimal."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def cvr_number(rng: random.Random) -> str:
    """An 8-digit Danish CVR number that passes the modulus-11 check (weights 2,7,6,5,4,3,2,1)."""
    weights = (2, 7, 6, 5, 4, 3, 2)
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(6)]
        remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        check = (11 - remainder) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


def gs1_check_digit(body: str) -> str:
    """The GS1 check digit for a 12-digit EAN-13/GLN body."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return str((10 - total % 10) % 10)


def ean13(prefix: str, rng: random.Random) -> str:
    """An EAN-13 (or GLN) starting with ``prefix``, with a valid check digit."""
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(12 - len(prefix)))
    return body + gs1_check_digit(body)


def _phone_dk(rng: random.Random, first: str | None = None) -> str:
    lead = first or rng.choice(
        ["86", "87", "89", "96", "97", "98", "75", "76", "65", "66", "33", "35", "43", "45"]
    )
    return " ".join([lead] + [f"{rng.randint(0, 99):02d}" for _ in range(3)])


def _stamp(rng: random.Random, days: int = 700) -> str:
    return format_timestamp(ANCHOR - timedelta(seconds=rng.randint(0, days * 86400)))


def _slug(name: str) -> str:
    table = str.maketrans(
        {
            "æ": "ae",
            "ø": "oe",
            "å": "aa",
            "é": "e",
            "ü": "ue",
            "ö": "oe",
            "ä": "ae",
            "ß": "ss",
            "ó": "o",
            "ń": "n",
            "ś": "s",
            "&": "og",
        }
    )
    text = name.lower().translate(table)
    for suffix in (
        " aps",
        " a/s",
        " i/s",
        " gmbh",
        " ab",
        " b.v.",
        " oy",
        " sp. z o.o.",
        " as",
        " ltd.",
        " inc.",
        " ag",
    ):
        text = text.removesuffix(suffix)
    return "".join(c if c.isalnum() else "-" for c in text).strip("-").replace("--", "-")


# -- reference data ------------------------------------------------------------------------------
FIRST_NAMES = [
    "Anders",
    "Anne",
    "Bo",
    "Birgitte",
    "Christian",
    "Camilla",
    "David",
    "Dorthe",
    "Emil",
    "Eva",
    "Frederik",
    "Frida",
    "Henrik",
    "Hanne",
    "Jens",
    "Julie",
    "Kasper",
    "Karina",
    "Lars",
    "Lene",
    "Mads",
    "Mette",
    "Niels",
    "Nina",
    "Ole",
    "Pia",
    "Peter",
    "Rasmus",
    "Sofie",
    "Søren",
    "Thomas",
    "Tina",
    "Ulrik",
    "Vibeke",
    "Mikkel",
    "Line",
    "Jonas",
    "Ida",
    "Morten",
    "Charlotte",
]
LAST_NAMES = [
    "Jensen",
    "Nielsen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Christiansen",
    "Poulsen",
    "Johansen",
    "Møller",
    "Mortensen",
    "Knudsen",
    "Jakobsen",
    "Mikkelsen",
    "Frederiksen",
    "Laursen",
    "Østergaard",
    "Bach",
    "Holm",
    "Dam",
    "Lund",
]
TRADES = [
    "Byg",
    "Tømrer",
    "VVS",
    "El-service",
    "Maskinstation",
    "Entreprenør",
    "Snedkeri",
    "Malerfirma",
    "Installation",
    "Smedie",
    "Tag & Facade",
    "Anlæg",
    "Ejendomsservice",
    "Køleteknik",
    "Kloakservice",
    "Gulve",
    "Murer",
    "Renovering",
]
REGIONS = [
    "Nordisk",
    "Vestjysk",
    "Fyns",
    "Sjællands",
    "Midtjysk",
    "Dansk",
    "Øresunds",
    "Limfjords",
    "Sydjysk",
    "Nordjysk",
    "Himmerlands",
    "Djurslands",
]
DK_CITIES = [
    ("1050", "København K"),
    ("2500", "Valby"),
    ("2000", "Frederiksberg"),
    ("2800", "Kongens Lyngby"),
    ("8000", "Aarhus C"),
    ("5000", "Odense C"),
    ("9000", "Aalborg"),
    ("6700", "Esbjerg"),
    ("8900", "Randers"),
    ("6000", "Kolding"),
    ("8700", "Horsens"),
    ("7100", "Vejle"),
    ("4000", "Roskilde"),
    ("7400", "Herning"),
    ("8600", "Silkeborg"),
    ("4700", "Næstved"),
    ("7000", "Fredericia"),
    ("8800", "Viborg"),
    ("4600", "Køge"),
    ("7500", "Holstebro"),
    ("4200", "Slagelse"),
    ("3400", "Hillerød"),
    ("6400", "Sønderborg"),
    ("5700", "Svendborg"),
    ("9800", "Hjørring"),
    ("4300", "Holbæk"),
    ("9900", "Frederikshavn"),
    ("6100", "Haderslev"),
    ("7800", "Skive"),
    ("6950", "Ringkøbing"),
    ("7330", "Brande"),
    ("7430", "Ikast"),
]
DK_STREETS = [
    "Vestergade",
    "Østergade",
    "Nørregade",
    "Søndergade",
    "Algade",
    "Jernbanegade",
    "Industrivej",
    "Håndværkervej",
    "Erhvervsvej",
    "Skovvej",
    "Strandvejen",
    "Hovedgaden",
    "Bredgade",
    "Kongensgade",
    "Møllevej",
    "Fabriksvej",
    "Grønnegade",
    "Kirkevej",
    "Stationsvej",
    "Engvej",
]
EMAIL_PROVIDERS = ["gmail.com", "hotmail.com", "mail.dk", "outlook.dk", "live.dk", "yahoo.dk"]


# country code, Danish country name, currency, cities, company suffix, stems, surnames, street, phone prefix
FOREIGN: dict[str, dict[str, Any]] = {
    "DE": {
        "country": "Tyskland",
        "currency": "EUR",
        "cities": [("20095", "Hamburg"), ("24937", "Flensburg"), ("24103", "Kiel"), ("10115", "Berlin")],
        "suffix": "GmbH",
        "stems": ["Bau", "Haustechnik", "Werkzeug", "Montage", "Handel"],
        "names": ["Schmidt", "Müller", "Schneider", "Fischer", "Weber", "Becker"],
        "street": "Industriestraße",
        "phone": "+49 40",
        "eu": True,
    },
    "SE": {
        "country": "Sverige",
        "currency": "SEK",
        "cities": [("211 20", "Malmö"), ("411 01", "Göteborg"), ("111 20", "Stockholm")],
        "suffix": "AB",
        "stems": ["Bygg", "Verktyg", "Teknik", "Handel"],
        "names": ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson"],
        "street": "Industrigatan",
        "phone": "+46 40",
        "eu": True,
    },
    "NL": {
        "country": "Holland",
        "currency": "EUR",
        "cities": [("1012 AB", "Amsterdam"), ("3011 AA", "Rotterdam")],
        "suffix": "B.V.",
        "stems": ["Bouw", "Techniek", "Handel"],
        "names": ["de Jong", "Jansen", "de Vries", "Bakker"],
        "street": "Industrieweg",
        "phone": "+31 20",
        "eu": True,
    },
    "FI": {
        "country": "Finland",
        "currency": "EUR",
        "cities": [("00100", "Helsinki"), ("20100", "Turku")],
        "suffix": "Oy",
        "stems": ["Rakennus", "Tekniikka"],
        "names": ["Korhonen", "Virtanen", "Mäkinen"],
        "street": "Teollisuuskatu",
        "phone": "+358 9",
        "eu": True,
    },
    "PL": {
        "country": "Polen",
        "currency": "PLN",
        "cities": [("80-001", "Gdańsk"), ("00-001", "Warszawa")],
        "suffix": "Sp. z o.o.",
        "stems": ["Budownictwo", "Technika"],
        "names": ["Nowak", "Kowalski", "Wiśniewski"],
        "street": "ul. Przemysłowa",
        "phone": "+48 58",
        "eu": True,
    },
    "NO": {
        "country": "Norge",
        "currency": "NOK",
        "cities": [("0150", "Oslo"), ("5003", "Bergen")],
        "suffix": "AS",
        "stems": ["Bygg", "Verktøy", "Teknikk"],
        "names": ["Berg", "Haugen", "Johansen"],
        "street": "Industriveien",
        "phone": "+47 22",
        "eu": False,
    },
    "GB": {
        "country": "Storbritannien",
        "currency": "GBP",
        "cities": [("EC1A 1BB", "London"), ("M1 1AE", "Manchester")],
        "suffix": "Ltd.",
        "stems": ["Building Supplies", "Tools", "Engineering"],
        "names": ["Smith", "Jones", "Taylor", "Brown"],
        "street": "Industrial Estate",
        "phone": "+44 20",
        "eu": False,
    },
    "US": {
        "country": "USA",
        "currency": "USD",
        "cities": [("10001", "New York"), ("60601", "Chicago")],
        "suffix": "Inc.",
        "stems": ["Tools", "Supply", "Industrial"],
        "names": ["Miller", "Davis", "Wilson"],
        "street": "Commerce Drive",
        "phone": "+1 312",
        "eu": False,
    },
    "CH": {
        "country": "Schweiz",
        "currency": "CHF",
        "cities": [("8001", "Zürich"), ("3011", "Bern")],
        "suffix": "AG",
        "stems": ["Bau", "Technik"],
        "names": ["Meier", "Keller", "Frei"],
        "street": "Industriestrasse",
        "phone": "+41 44",
        "eu": False,
    },
}
EU_CODES = ["DE", "DE", "DE", "SE", "SE", "NL", "FI", "PL"]
ABROAD_CODES = ["NO", "NO", "GB", "US", "CH"]

CURRENCIES = [
    ("DKK", "Danske kroner", "208"),
    ("EUR", "Euro", "978"),
    ("SEK", "Svenske kroner", "752"),
    ("NOK", "Norske kroner", "578"),
    ("GBP", "Britiske pund", "826"),
    ("USD", "Amerikanske dollar", "840"),
    ("CHF", "Schweiziske franc", "756"),
    ("PLN", "Polske zloty", "985"),
]
VAT_ZONES = [
    {"vatZoneNumber": 1, "name": "Domestic", "enabledForCustomer": True, "enabledForSupplier": True},
    {"vatZoneNumber": 2, "name": "EU", "enabledForCustomer": True, "enabledForSupplier": True},
    {"vatZoneNumber": 3, "name": "Abroad", "enabledForCustomer": True, "enabledForSupplier": True},
    {"vatZoneNumber": 4, "name": "Domestic exempt VAT", "enabledForCustomer": True},
]
LAYOUTS = [
    {"layoutNumber": 19, "name": "DK std. m. bankoplys. 1.5"},
    {"layoutNumber": 21, "name": "Standard engelsk (EN)"},
    {"layoutNumber": 30, "name": "Betalingsservice"},
]
UNITS = ["stk.", "time", "kg", "m", "l", "pakke", "m²", "rulle", "sæt", "km", "dag"]
UNIT = {name: number for number, name in enumerate(UNITS, start=1)}
PAYMENT_TERMS = [
    {
        "paymentTermsNumber": 1,
        "name": "Netto 8 dage",
        "paymentTermsType": "net",
        "daysOfCredit": 8,
        "description": "Betaling senest 8 dage efter fakturadato.",
    },
    {"paymentTermsNumber": 2, "name": "Netto 14 dage", "paymentTermsType": "net", "daysOfCredit": 14},
    {"paymentTermsNumber": 3, "name": "Netto 30 dage", "paymentTermsType": "net", "daysOfCredit": 30},
    {
        "paymentTermsNumber": 4,
        "name": "Løbende måned + 30 dage",
        "paymentTermsType": "invoiceMonth",
        "daysOfCredit": 30,
    },
    {
        "paymentTermsNumber": 5,
        "name": "Løbende måned + 15 dage",
        "paymentTermsType": "invoiceMonth",
        "daysOfCredit": 15,
    },
    {"paymentTermsNumber": 6, "name": "Kontant", "paymentTermsType": "paidInCash", "daysOfCredit": 0},
    {
        "paymentTermsNumber": 7,
        "name": "Forudbetaling",
        "paymentTermsType": "prepaid",
        "daysOfCredit": 0,
        "description": "Varer sendes når betaling er modtaget.",
    },
    {
        "paymentTermsNumber": 8,
        "name": "Forfaldsdato",
        "paymentTermsType": "dueDate",
        "daysOfCredit": 0,
        "description": "Forfaldsdato angives på fakturaen.",
    },
]

# number, name, type, debit/credit, vat code, extra (blockDirectEntries / sum range)
_H, _HS, _PL, _ST, _SUM = "heading", "headingStart", "profitAndLoss", "status", "sumInterval"
CHART: list[tuple[int, str, str, str, str | None, Any]] = [
    (1000, "RESULTATOPGØRELSE", _H, "debit", None, None),
    (1010, "Omsætning", _HS, "credit", None, None),
    (1100, "Salg af varer og ydelser m/moms", _PL, "credit", "U25", None),
    (1110, "Salg af varer og ydelser u/moms", _PL, "credit", None, None),
    (1120, "Salg af varer til EU", _PL, "credit", "REP", None),
    (1130, "Salg af varer til udlandet", _PL, "credit", None, None),
    (1140, "Salg af ydelser til EU", _PL, "credit", None, None),
    (1190, "Fragt og gebyrer", _PL, "credit", "U25", None),
    (1199, "Omsætning i alt", _SUM, "credit", None, (1010, 1199)),
    (1200, "Vareforbrug", _HS, "debit", None, None),
    (1210, "Varekøb Danmark", _PL, "debit", "I25", None),
    (1220, "Varekøb EU", _PL, "debit", "IEUV", None),
    (1230, "Varekøb udland", _PL, "debit", None, None),
    (1240, "Fragt og told", _PL, "debit", "I25", None),
    (1250, "Lagerregulering", _PL, "debit", None, None),
    (1299, "Vareforbrug i alt", _SUM, "debit", None, (1200, 1299)),
    (1300, "DÆKNINGSBIDRAG", _SUM, "credit", None, (1010, 1299)),
    (1400, "Personaleomkostninger", _HS, "debit", None, None),
    (1410, "Lønninger", _PL, "debit", None, None),
    (1420, "Pension", _PL, "debit", None, None),
    (1430, "ATP og sociale omkostninger", _PL, "debit", None, None),
    (1440, "Personaleudgifter", _PL, "debit", "I25", None),
    (1499, "Personaleomkostninger i alt", _SUM, "debit", None, (1400, 1499)),
    (1500, "Salgsomkostninger", _HS, "debit", None, None),
    (1510, "Annoncer og reklame", _PL, "debit", "I25", None),
    (1520, "Rejseudgifter", _PL, "debit", "I25", None),
    (1530, "Repræsentation", _PL, "debit", None, None),
    (1599, "Salgsomkostninger i alt", _SUM, "debit", None, (1500, 1599)),
    (1600, "Lokaleomkostninger", _HS, "debit", None, None),
    (1610, "Husleje", _PL, "debit", "I25", None),
    (1620, "El, vand og varme", _PL, "debit", "I25", None),
    (1630, "Rengøring og vedligeholdelse", _PL, "debit", "I25", None),
    (1699, "Lokaleomkostninger i alt", _SUM, "debit", None, (1600, 1699)),
    (1700, "Administrationsomkostninger", _HS, "debit", None, None),
    (1710, "Kontorartikler", _PL, "debit", "I25", None),
    (1720, "Telefon og internet", _PL, "debit", "I25", None),
    (1730, "IT og software", _PL, "debit", "I25", None),
    (1740, "Revisor og bogføring", _PL, "debit", "I25", None),
    (1750, "Forsikringer", _PL, "debit", None, None),
    (1760, "Gebyrer", _PL, "debit", None, None),
    (1799, "Administrationsomkostninger i alt", _SUM, "debit", None, (1700, 1799)),
    (1800, "RESULTAT FØR AFSKRIVNINGER", _SUM, "credit", None, (1010, 1799)),
    (1810, "Afskrivninger", _PL, "debit", None, None),
    (1900, "Renteindtægter", _PL, "credit", None, None),
    (1910, "Renteudgifter", _PL, "debit", None, None),
    (1999, "ÅRETS RESULTAT", _SUM, "credit", None, (1010, 1910)),
    (5000, "BALANCE", _H, "debit", None, None),
    (5100, "Anlægsaktiver", _HS, "debit", None, None),
    (5110, "Inventar", _ST, "debit", None, None),
    (5120, "Driftsmidler og værktøj", _ST, "debit", None, None),
    (5199, "Anlægsaktiver i alt", _SUM, "debit", None, (5100, 5199)),
    (5500, "Omsætningsaktiver", _HS, "debit", None, None),
    (5510, "Varelager", _ST, "debit", None, None),
    (5600, "Debitorer", _ST, "debit", None, "blocked"),
    (5610, "Debitorer udland", _ST, "debit", None, "blocked"),
    (5700, "Bank", _ST, "debit", None, None),
    (5710, "Kasse", _ST, "debit", None, None),
    (5799, "Omsætningsaktiver i alt", _SUM, "debit", None, (5500, 5799)),
    (5800, "AKTIVER I ALT", _SUM, "debit", None, (5000, 5799)),
    (6000, "Egenkapital", _HS, "credit", None, None),
    (6010, "Anpartskapital", _ST, "credit", None, None),
    (6020, "Overført resultat", _ST, "credit", None, None),
    (6099, "Egenkapital i alt", _SUM, "credit", None, (6000, 6099)),
    (6100, "Kortfristet gæld", _HS, "credit", None, None),
    (6110, "Kreditorer", _ST, "credit", None, "blocked"),
    (6120, "Kreditorer udland", _ST, "credit", None, "blocked"),
    (6210, "Salgsmoms", _ST, "credit", None, None),
    (6220, "Købsmoms", _ST, "debit", None, None),
    (6230, "Moms af varekøb i udlandet", _ST, "credit", None, None),
    (6240, "Momsafregning", _ST, "credit", None, None),
    (6310, "Skyldig A-skat", _ST, "credit", None, None),
    (6320, "Skyldig AM-bidrag", _ST, "credit", None, None),
    (6330, "Skyldig ATP", _ST, "credit", None, None),
    (6399, "Kortfristet gæld i alt", _SUM, "credit", None, (6100, 6399)),
    (6900, "PASSIVER I ALT", _SUM, "credit", None, (6000, 6399)),
]

CUSTOMER_GROUPS = [
    (1, "Erhvervskunder Danmark", 5600, 19),
    (2, "Privatkunder", 5600, 19),
    (3, "Offentlige kunder", 5600, 19),
    (4, "EU-kunder", 5610, 21),
    (5, "Udenlandske kunder", 5610, 21),
    (6, "Forhandlere", 5600, 19),
]
SUPPLIER_GROUPS = [
    (1, "Leverandører Danmark", 6110),
    (2, "Leverandører EU", 6120),
    (3, "Leverandører udland", 6120),
]

# number, name, inventoryEnabled, sales account, number style
PRODUCT_GROUPS: list[tuple[int, str, bool, int]] = [
    (1, "Varer m/moms", False, 1100),
    (2, "Ydelser m/moms", False, 1100),
    (3, "Varer u/moms", False, 1110),
    (4, "Lagervarer - Håndværktøj", True, 1100),
    (5, "Lagervarer - El-værktøj", True, 1100),
    (6, "Lagervarer - Elartikler", True, 1100),
    (7, "Lagervarer - Byggematerialer", True, 1100),
    (8, "Lagervarer - VVS", True, 1100),
    (9, "Lagervarer - Befæstelse", True, 1100),
    (10, "Reservedele og tilbehør", True, 1100),
    (11, "Emballage", False, 1100),
    (12, "Fragt og gebyrer", False, 1190),
]
BRANDS = ["Nordværk", "ProTek", "Kraftmann", "Vikingtool", "Hedeland", "Stålfast"]
FINISHES = ["elforzinket", "rustfri A2", "varmforzinket"]  # fasteners come in three finishes

# group -> [(base name, [variants], unit, cost low, cost high, branded)]
CATALOG: dict[int, list[tuple[str, list[str], str, float, float, bool]]] = {
    1: [
        ("Arbejdshandsker", ["str. 8", "str. 9", "str. 10", "str. 11"], "stk.", 18, 45, False),
        ("Sikkerhedsbriller", ["klar", "tonet", "med styrke +1,5"], "stk.", 25, 90, False),
        ("Høreværn", ["SNR 28", "SNR 33", "med radio"], "stk.", 60, 420, False),
        ("Arbejdsbukser", ["str. 48", "str. 50", "str. 52", "str. 54", "str. 56"], "stk.", 220, 480, False),
        (
            "Sikkerhedssko S3",
            ["str. 41", "str. 42", "str. 43", "str. 44", "str. 45", "str. 46"],
            "stk.",
            380,
            750,
            False,
        ),
        ("Værktøjskasse", ['plast 19"', "metal 5 skuffer", "rullende 3-delt"], "stk.", 120, 1400, False),
        ("Stige", ["alu 3 trin", "alu 2x9 trin", "kombistige 3x8"], "stk.", 250, 1900, False),
        ("Presenning", ["3x4 m", "4x6 m", "6x8 m"], "stk.", 60, 260, False),
        ("Arbejdsjakke", ["str. S", "str. M", "str. L", "str. XL", "str. XXL"], "stk.", 320, 690, False),
        ("Refleksvest", ["str. M", "str. L", "str. XL"], "stk.", 25, 60, False),
        ("Knæpuder", ["standard", "gel"], "sæt", 60, 180, False),
    ],
    2: [
        ("Montage", ["pr. time", "weekend pr. time"], "time", 280, 420, False),
        ("Service og eftersyn", ["pr. time"], "time", 260, 380, False),
        ("Konsulentbistand", ["pr. time"], "time", 450, 650, False),
        ("Kørsel", ["pr. km"], "km", 2.5, 3.8, False),
        ("Reparation af el-værktøj", ["pr. time"], "time", 300, 420, False),
        ("Udlejning af stillads", ["pr. dag", "pr. uge"], "dag", 150, 900, False),
    ],
    3: [
        ("Gavekort", ["250 kr.", "500 kr.", "1.000 kr."], "stk.", 250, 1000, False),
        ("Depositum", ["EUR-palle", "gasflaske 10 kg"], "stk.", 75, 350, False),
    ],
    4: [
        ("Hammer", ["300 g", "500 g", "800 g"], "stk.", 60, 180, True),
        ("Skruetrækkersæt", ["6 dele", "12 dele", "24 dele"], "sæt", 80, 320, True),
        ("Tang", ["kombi 180 mm", "spids 160 mm", "vandpumpe 250 mm"], "stk.", 70, 220, True),
        ("Fastnøgle", ["8 mm", "10 mm", "13 mm", "17 mm", "19 mm"], "stk.", 25, 90, True),
        ("Vaterpas", ["60 cm", "100 cm", "120 cm", "200 cm"], "stk.", 90, 420, True),
        ("Fukssvans", ["450 mm", "550 mm"], "stk.", 70, 160, True),
        ("Topnøglesæt", ['1/4" 46 dele', '1/2" 24 dele'], "sæt", 260, 900, True),
        ("Mejsel", ["12 mm", "20 mm", "25 mm"], "stk.", 40, 120, True),
        ("Hobbykniv", ["18 mm", "25 mm"], "stk.", 25, 80, True),
    ],
    5: [
        ("Akku-boremaskine", ["12V", "18V", "18V brushless"], "stk.", 600, 1900, True),
        ("Slagboremaskine", ["800W", "1100W"], "stk.", 450, 1200, True),
        ("Vinkelsliber", ["115 mm", "125 mm", "230 mm"], "stk.", 350, 1400, True),
        ("Rundsav", ["165 mm", "190 mm"], "stk.", 800, 2200, True),
        ("Stiksav", ["650W", "akku 18V"], "stk.", 500, 1500, True),
        ("Multicutter", ["300W", "akku 18V"], "stk.", 550, 1600, True),
        ("Excentersliber", ["125 mm", "150 mm"], "stk.", 450, 1300, True),
        ("Borehammer SDS-plus", ["800W", "akku 18V"], "stk.", 900, 2600, True),
    ],
    6: [
        ("LED-pære", ["E27 8W", "E27 12W", "E14 5W", "GU10 4W"], "stk.", 12, 55, False),
        ("Forlængerledning", ["3 m", "5 m", "10 m", "25 m"], "stk.", 40, 320, True),
        ("Stikdåse", ["3-vejs", "5-vejs m/afbryder", "6-vejs med USB"], "stk.", 45, 190, False),
        (
            "Installationskabel",
            ["PVIK 3G1,5 100 m", "PVIK 3G2,5 100 m", "NOIKLX 5G2,5 50 m"],
            "rulle",
            350,
            1400,
            False,
        ),
        ("Samledåse", ["IP55", "IP65"], "stk.", 15, 45, False),
        ("Afbryder", ["1-pol", "korrespondance", "dæmper LED"], "stk.", 35, 260, False),
        ("Kabelbinder", ["200 mm 100 stk.", "300 mm 100 stk."], "pakke", 20, 60, False),
        ("Arbejdslampe LED", ["20W", "50W", "akku 18V"], "stk.", 150, 650, True),
        ("Stikkontakt", ["1-fold", "2-fold", "med jord"], "stk.", 30, 120, True),
        ("Installationsrør", ["16 mm 3 m", "20 mm 3 m"], "stk.", 12, 30, False),
    ],
    7: [
        ("Gipsplade", ["13 mm 900x2400", "13 mm 1200x2400", "15 mm brand 1200x2400"], "stk.", 45, 120, False),
        ("Spærtræ C24", ["45x95 mm", "45x145 mm", "45x195 mm"], "m", 18, 55, False),
        ("Krydsfinér", ["12 mm 1220x2440", "18 mm 1220x2440"], "stk.", 260, 520, False),
        ("Isolering", ["95 mm 5,4 m²", "145 mm 3,6 m²", "195 mm 2,7 m²"], "pakke", 120, 260, False),
        ("Fugemasse", ["hvid 300 ml", "grå 300 ml", "transparent 300 ml"], "stk.", 30, 75, False),
        ("Mørtel KC 50/50/700", ["25 kg"], "stk.", 45, 70, False),
        ("Færdigbeton", ["25 kg"], "stk.", 40, 65, False),
        ("Dampspærre", ["0,20 mm 4x25 m"], "rulle", 260, 420, False),
        ("Terrassebræt", ["28x120 mm trykimp.", "21x145 mm lærk"], "m", 14, 38, False),
        ("Lægte", ["25x50 mm", "38x73 mm"], "m", 6, 16, False),
        ("OSB-plade", ["12 mm 1220x2440", "18 mm 1220x2440"], "stk.", 150, 290, False),
        ("Gulvspånplade", ["22 mm 600x2400"], "stk.", 90, 140, False),
        ("Fibergips", ["12,5 mm 1200x2500"], "stk.", 160, 230, False),
    ],
    8: [
        ("Kuglehane", ['1/2"', '3/4"', '1"'], "stk.", 45, 160, True),
        ("PEX-rør", ["16 mm", "20 mm"], "m", 6, 14, False),
        ("Kobberrør", ["15 mm", "22 mm"], "m", 35, 75, False),
        ("Fitting", ["vinkel 15 mm", "T-stykke 15 mm", "muffe 22 mm"], "stk.", 12, 45, False),
        ("Køkkenarmatur", ["krom", "børstet stål"], "stk.", 450, 1400, True),
        ("Afløbsrør PP", ["32 mm 1 m", "40 mm 1 m", "50 mm 1 m"], "stk.", 18, 45, False),
        ("Vandlås", ["32 mm", "40 mm"], "stk.", 45, 120, False),
        ("Teflontape", ["12 m"], "stk.", 8, 18, False),
        ("Radiatorventil", ['1/2"', '3/8"'], "stk.", 90, 260, True),
        ("Termostat", ["standard", "med fjernføler"], "stk.", 120, 380, False),
    ],
    9: [
        (
            "Træskrue",
            ["4,0x40 mm 200 stk.", "4,5x50 mm 200 stk.", "5,0x80 mm 100 stk.", "6,0x120 mm 50 stk."],
            "pakke",
            40,
            140,
            False,
        ),
        ("Gipsskrue", ["3,9x25 mm 1000 stk.", "3,9x35 mm 1000 stk."], "pakke", 60, 110, False),
        ("Rawplug", ["6 mm 100 stk.", "8 mm 100 stk.", "10 mm 50 stk."], "pakke", 25, 70, False),
        ("Franske skruer", ["M8x60 50 stk.", "M10x100 25 stk."], "pakke", 60, 140, False),
        ("Søm", ["2,5x50 mm", "3,1x90 mm"], "kg", 25, 45, False),
        ("Beslag", ["vinkel 90x90", "bjælkesko 48x150"], "stk.", 8, 35, False),
        ("Møtrik", ["M8 100 stk.", "M10 100 stk."], "pakke", 20, 55, False),
    ],
    10: [
        ("Batteri", ["18V 2.0Ah", "18V 5.0Ah", "12V 3.0Ah"], "stk.", 280, 900, True),
        ("Lader", ["18V hurtiglader", "12V/18V dobbelt"], "stk.", 200, 650, True),
        ("Kul til vinkelsliber", ["type A", "type B"], "sæt", 40, 90, False),
        ("Savklinge", ["165 mm 24T", "190 mm 48T"], "stk.", 90, 320, True),
        ("Metalbor HSS", ["3 mm", "5 mm", "6 mm", "8 mm", "10 mm"], "stk.", 8, 45, False),
        ("Betonbor SDS-plus", ["6x110 mm", "8x160 mm", "10x210 mm"], "stk.", 20, 65, False),
        ("Slibeskive", ["125 mm K80 10 stk.", "125 mm K120 10 stk."], "pakke", 35, 80, False),
        ("Bits", ["PH2 25 mm 10 stk.", "TX25 25 mm 10 stk."], "pakke", 25, 60, False),
    ],
    11: [
        ("Papkasse", ["30x20x20 cm", "40x30x30 cm", "60x40x40 cm"], "stk.", 4, 18, False),
        ("Palle", ["EUR-palle", "engangspalle"], "stk.", 40, 140, False),
        ("Strækfilm", ["500 mm 300 m"], "rulle", 60, 110, False),
        ("Bobleplast", ["1 m x 50 m"], "rulle", 90, 180, False),
    ],
    12: [
        ("Fragt", ["Danmark", "EU", "udland", "ekspres"], "stk.", 60, 450, False),
        ("Ekspeditionsgebyr", [""], "stk.", 25, 25, False),
        ("Miljøgebyr", [""], "stk.", 15, 15, False),
    ],
}
DESCRIPTIONS = {
    4: ["Professionelt håndværktøj til daglig brug.", "Ergonomisk greb, lang levetid."],
    5: ["Leveres i kuffert.", "Leveres uden batteri og lader.", "Inkl. 2 batterier og lader."],
    6: ["CE-mærket. Til indendørs brug.", "IP44 – til udendørs brug."],
    7: ["Sælges pr. stk. Afhentning eller levering på palle.", "Certificeret byggemateriale."],
    8: ["Godkendt til brugsvand.", "Til skjult og synlig installation."],
    9: ["Elforzinket.", "Rustfri A2."],
    10: ["Originalt tilbehør.", "Passer til de fleste mærker."],
}


def _catalog(rng: random.Random) -> list[tuple[int, str, str, float, float]]:
    """Every (group, name, unit, cost range) the demo can sell, in a shuffled but fixed order."""
    items: list[tuple[int, str, str, float, float]] = []
    for group, templates in CATALOG.items():
        for base, variants, unit, low, high, branded in templates:
            for variant in variants:
                name = f"{base} {variant}".strip()
                extras = BRANDS if branded else FINISHES if group == 9 else [""]
                for extra in extras:
                    items.append((group, f"{name} {extra}".strip(), unit, low, high))
    rng.shuffle(items)
    return items


def _product_number(group: int, sequence: int) -> str:
    # Mostly numeric strings; VVS and fastener numbers carry spaces/dots, as real SKUs often do,
    # which exercises e-conomic's self-link encoding ("VVS 8012" -> /products/VVS_9_8012).
    # A group's first 999 take group × 1000 + sequence; past that the sequence follows a dash
    # ("1-1000"), so no group's numbers run into the next group's, whatever the catalogue's size.
    body = str(group * 1000 + sequence) if sequence < 1000 else f"{group}-{sequence}"
    if group == 8:
        return f"VVS {body}"
    if group == 9:
        return f"BF.{body}"
    return body


ACCOUNTING_YEARS = ("2024", "2025", "2026", "2027")
JOURNALS: list[dict[str, Any]] = [
    {
        "journalNumber": 1,
        "name": "Kassekladde",
        "settings": {
            "voucherNumbers": {"minimumVoucherNumber": 1, "maximumVoucherNumber": 9999},
            "contraAccounts": {
                "customerPayments": {"accountNumber": 5700},
                "supplierPayments": {"accountNumber": 5700},
                "financeVouchers": {"accountNumber": 5700},
            },
        },
    },
    {
        "journalNumber": 2,
        "name": "Kreditorfakturaer",
        "settings": {"voucherNumbers": {"minimumVoucherNumber": 10000, "maximumVoucherNumber": 19999}},
    },
    {
        "journalNumber": 3,
        "name": "Lager",
        "settings": {
            "voucherNumbers": {"minimumVoucherNumber": 20000, "maximumVoucherNumber": 29999},
            "contraAccounts": {"financeVouchers": {"accountNumber": 5510}},
        },
    },
]


def seed_books(state: EconomicState) -> None:
    """Accounting years 2024-2027 and the three journals (needs accounts 5510 and 5700)."""
    for year in ACCOUNTING_YEARS:
        state.add_accounting_year(year, f"{year}-01-01", f"{year}-12-31")
    for journal in JOURNALS:
        state.add_journal(journal)


def seed_reference_data(state: EconomicState) -> None:
    """VAT zones, currencies, layouts, units, payment terms, chart of accounts, groups (no people)."""
    for zone in VAT_ZONES:
        state.add_vat_zone(zone)
    for code, name, iso in CURRENCIES:
        state.add_currency({"code": code, "name": name, "isoNumber": iso})
    for layout in LAYOUTS:
        state.add_layout(layout)
    for number, name in enumerate(UNITS, start=1):
        state.add_unit({"unitNumber": number, "name": name})
    for terms in PAYMENT_TERMS:
        state.add_payment_terms(terms)
    rng = random.Random(7)  # balances only; independent of the people seed so the chart is stable
    for number, name, kind, debit_credit, vat, extra in CHART:
        account: dict[str, Any] = {
            "accountNumber": number,
            "name": name,
            "accountType": kind,
            "debitCredit": debit_credit,
        }
        if kind in (_PL, _ST):
            account["balance"] = (
                money(rng.uniform(-250000, 900000)) if kind == _PL else money(rng.uniform(0, 600000))
            )
        else:
            account["balance"] = money(0)
        if vat:
            account["vatAccount"] = {"vatCode": vat}
        if extra == "blocked":
            account["blockDirectEntries"] = True
        if isinstance(extra, tuple):
            account["accountsSummed"] = [
                {"fromAccount": {"accountNumber": extra[0]}, "toAccount": {"accountNumber": extra[1]}}
            ]
        if kind in (_H, _HS, _SUM):
            account["blockDirectEntries"] = True
        state.add_account(account)
    for number, name, debtors, layout_number in CUSTOMER_GROUPS:
        state.add_customer_group(
            {
                "customerGroupNumber": number,
                "name": name,
                "account": {"accountNumber": debtors},
                "layout": {"layoutNumber": layout_number},
            }
        )
    for number, name, creditors in SUPPLIER_GROUPS:
        state.add_supplier_group(
            {"supplierGroupNumber": number, "name": name, "account": {"accountNumber": creditors}}
        )
    for number, name, inventory, sales_account in PRODUCT_GROUPS:
        state.add_product_group(
            {
                "productGroupNumber": number,
                "name": name,
                "inventoryEnabled": inventory,
                "salesAccount": {"accountNumber": sales_account},
            }
        )
    seed_books(state)


def _agreement(rng: random.Random) -> dict[str, Any]:
    cvr = cvr_number(rng)
    return {
        "agreementNumber": 1873456,
        "agreementType": {"agreementTypeNumber": 2, "name": "Plus"},
        "userName": "Mette Kjærgaard",
        "signupDate": "2019-03-14",
        "user": {
            "loginId": "MK",
            "email": "mk@vestjysk-vaerktoej.dk",
            "name": "Mette Kjærgaard",
            "agreementNumber": 1873456,
            "language": {"languageNumber": 1, "name": "Danish", "culture": "da-DK"},
        },
        "company": {
            "name": "Vestjysk Værktøj & Byg ApS",
            "addressLine1": "Industrivej 14",
            "addressLine2": "",
            "zip": "7400",
            "city": "Herning",
            "country": "Danmark",
            "phoneNumber": "+45 97 12 40 00",
            "email": "info@vestjysk-vaerktoej.dk",
            "website": "www.vestjysk-vaerktoej.dk",
            "companyIdentificationNumber": cvr,
            "vatNumber": f"DK{cvr}",
        },
        "bankInformation": {
            "bankName": "Jyske Bank",
            "bankSortCode": "7600",
            "bankAccountNumber": "0001234567",
            "bankGiroNumber": "81234567",
            "pbsCustomerGroupNumber": "00001",
            "pbsFiSupplierNumber": "87654321",
        },
        "application": {
            "appNumber": 1,
            "name": "ledgerbridge",
            "appPublicToken": "sandbox",
            "created": "2026-01-01",
            "requiredRoles": [{"roleNumber": 1, "name": "SuperUser"}],
        },
        "settings": {"baseCurrency": "DKK"},
        "canSendElectronicInvoice": True,
    }


def _employees(rng: random.Random, count: int = 10) -> list[dict[str, Any]]:
    people: list[dict[str, Any]] = []
    used: set[str] = set()
    for number in range(1, count + 1):
        while True:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            if f"{first} {last}" not in used:
                used.add(f"{first} {last}")
                break
        people.append(
            {
                "employeeNumber": number,
                "name": f"{first} {last}",
                "email": f"{_slug(first)}.{_slug(last)}@vestjysk-vaerktoej.dk",
                "phone": _phone_dk(rng, rng.choice(["20", "21", "22", "30", "40", "50", "60"])),
                "employeeGroup": {"employeeGroupNumber": 1},
                **({"barred": True} if number == count else {}),  # one former employee
            }
        )
    return people


def _dk_address(rng: random.Random) -> tuple[str, str, str]:
    zip_code, city = rng.choice(DK_CITIES)
    return f"{rng.choice(DK_STREETS)} {rng.randint(1, 180)}", zip_code, city


def _customer(rng: random.Random, number: int, kind: str, sales_people: list[int]) -> dict[str, Any]:
    record: dict[str, Any] = {
        "customerNumber": number,
        "salesPerson": {"employeeNumber": rng.choice(sales_people)},
        "eInvoicingDisabledByDefault": False,
        "lastUpdated": _stamp(rng),
    }
    if kind in ("business", "reseller", "association", "public", "private"):
        address, zip_code, city = _dk_address(rng)
        record.update(
            address=address,
            zip=zip_code,
            city=city,
            country="Danmark",
            currency="DKK",
            vatZone={"vatZoneNumber": 1},
            layout={"layoutNumber": 19},
            telephoneAndFaxNumber=_phone_dk(rng),
        )
        if kind == "private":
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            record.update(
                name=f"{first} {last}",
                customerGroup={"customerGroupNumber": 2},
                paymentTerms={"paymentTermsNumber": rng.choice([1, 6, 7])},
                email=f"{_slug(first)}.{_slug(last)}{rng.randint(1, 99)}@{rng.choice(EMAIL_PROVIDERS)}",
                mobilePhone=_phone_dk(rng, rng.choice(["20", "22", "26", "28", "31", "40", "42", "51"])),
            )
            return record
        if kind == "public":
            name = rng.choice(
                [
                    f"{city.split()[0]} Kommune",
                    f"{city.split()[0]} Tekniske Skole",
                    f"{city.split()[0]} Gymnasium",
                    "Region Midtjylland",
                    "Region Syddanmark",
                    "Region Nordjylland",
                    "Region Sjælland",
                    "Region Hovedstaden",
                ]
            )
            record.update(
                name=name,
                customerGroup={"customerGroupNumber": 3},
                paymentTerms={"paymentTermsNumber": 3},
                corporateIdentificationNumber=cvr_number(rng),
                ean=ean13("5798000", rng),
                email=f"faktura@{_slug(name)}.dk",
                creditLimit=money(rng.choice([100000, 250000, 500000])),
            )
            return record
        if kind == "association":
            name = rng.choice(
                [
                    f"{city.split()[0]} Boldklub",
                    f"Boligforeningen {rng.choice(LAST_NAMES)}s Have",
                    f"{city.split()[0]} Idrætsforening",
                    f"Grundejerforeningen {rng.choice(DK_STREETS)}",
                ]
            )
            record.update(
                name=name,
                customerGroup={"customerGroupNumber": 1},
                vatZone={"vatZoneNumber": 4},
                paymentTerms={"paymentTermsNumber": 2},
                email=f"kasserer@{_slug(name)}.dk",
            )
            return record
        pattern = rng.randrange(4)
        trade = rng.choice(TRADES)
        last = rng.choice(LAST_NAMES)
        name = [
            f"{last}s {trade} ApS",
            f"{rng.choice(REGIONS)} {trade} A/S",
            f"{last} & Søn {trade} ApS",
            f"{city.split()[0]} {trade} I/S",
        ][pattern]
        slug = _slug(name)
        record.update(
            name=name,
            corporateIdentificationNumber=cvr_number(rng),
            customerGroup={"customerGroupNumber": 6 if kind == "reseller" else 1},
            paymentTerms={"paymentTermsNumber": rng.choice([1, 2, 3, 3, 4, 5])},
            email=f"{rng.choice(['info', 'faktura', 'bogholderi', 'kontor'])}@{slug}.dk",
            creditLimit=money(rng.choice([10000, 25000, 50000, 75000, 100000, 250000])),
        )
        if rng.random() < 0.5:
            record["website"] = f"www.{slug}.dk"
        if rng.random() < 0.3:
            record["mobilePhone"] = _phone_dk(rng, rng.choice(["20", "30", "40", "60"]))
        return record
    code = rng.choice(EU_CODES if kind == "eu" else ABROAD_CODES)
    country = FOREIGN[code]
    zip_code, city = rng.choice(country["cities"])
    name = f"{rng.choice(country['names'])} {rng.choice(country['stems'])} {country['suffix']}"
    digits = "".join(str(rng.randint(0, 9)) for _ in range(9))
    tax_id = {
        "DE": f"DE{digits}",
        "SE": f"SE{digits}{rng.randint(0, 9)}01",
        "NL": f"NL{digits}B01",
        "FI": f"FI{digits[:8]}",
        "PL": f"PL{digits}{rng.randint(0, 9)}",
        "NO": f"NO{digits}MVA",
        "GB": f"GB{digits}",
        "CH": f"CHE-{digits[:3]}.{digits[3:6]}.{digits[6:9]} MWST",
    }.get(code)
    record.update(
        name=name,
        address=f"{country['street']} {rng.randint(1, 120)}",
        zip=zip_code,
        city=city,
        country=country["country"],
        currency=country["currency"],
        customerGroup={"customerGroupNumber": 4 if kind == "eu" else 5},
        vatZone={"vatZoneNumber": 2 if kind == "eu" else 3},
        paymentTerms={"paymentTermsNumber": rng.choice([3, 4] if kind == "eu" else [2, 3, 7])},
        layout={"layoutNumber": 21},
        email=f"accounts@{_slug(name)}.{code.lower()}",
        telephoneAndFaxNumber=f"{country['phone']} {rng.randint(100000, 9999999)}",
        creditLimit=money(rng.choice([20000, 50000, 100000])),
    )
    if tax_id:
        record["corporateIdentificationNumber"] = tax_id
    return record


def _customers(rng: random.Random, count: int, sales_people: list[int]) -> list[dict[str, Any]]:
    customers: list[dict[str, Any]] = []
    for number in range(1, count + 1):
        roll = rng.random()
        kind = (
            "business"
            if roll < 0.52
            else "reseller"
            if roll < 0.60
            else "association"
            if roll < 0.63
            else "private"
            if roll < 0.72
            else "public"
            if roll < 0.77
            else "eu"
            if roll < 0.91
            else "abroad"
        )
        record = _customer(rng, number, kind, sales_people)
        balance = money(
            rng.choice([0, 0, rng.uniform(-2000, 0), rng.uniform(0, 60000), rng.uniform(0, 250000)])
        )
        record["balance"] = balance
        record["dueAmount"] = money(max(Decimal(0), balance) * Decimal(str(rng.choice([0, 0, 0.25, 0.5, 1]))))
        if rng.random() < 0.03:
            record["barred"] = True
        customers.append(record)
    return customers


def _products(rng: random.Random, count: int) -> list[dict[str, Any]]:
    inventory_groups = {number for number, _, inventory, _ in PRODUCT_GROUPS if inventory}
    catalog = _catalog(rng)
    sequences: dict[int, int] = {}
    barcodes: set[str] = set()
    products: list[dict[str, Any]] = []
    for index in range(count):
        group, name, unit, low, high = catalog[index % len(catalog)]
        if index >= len(catalog):  # more products asked for than the catalog holds: model variants
            name = f"{name} (model {index // len(catalog) + 1})"
        sequences[group] = sequences.get(group, 0) + 1
        number = _product_number(group, sequences[group])
        cost = money(rng.uniform(low, high)) if low != high else money(low)
        if group == 3 and name.startswith("Gavekort"):
            cost = sales = recommended = money(name.split()[1].replace(".", ""))
        elif group == 12:
            sales = money(round(float(cost) * rng.uniform(1.0, 1.3)))
            recommended = sales
            cost = money(0) if name.endswith("gebyr") else cost
        else:
            sales = money(round(float(cost) * rng.uniform(1.35, 2.1)))
            if rng.random() < 0.4 and sales > 10:
                sales -= Decimal("0.05")  # the familiar ,95 price ending
            recommended = money(round(float(sales) * rng.uniform(1.05, 1.25)))
        record: dict[str, Any] = {
            "productNumber": number,
            "name": name,
            "costPrice": cost,
            "salesPrice": sales,
            "recommendedPrice": recommended,
            "unit": {"unitNumber": UNIT[unit]},
            "productGroup": {"productGroupNumber": group},
            "barred": rng.random() < 0.04,
            "lastUpdated": _stamp(rng),
        }
        if group in DESCRIPTIONS and rng.random() < 0.7:
            record["description"] = rng.choice(DESCRIPTIONS[group])
        if group not in (2, 3, 12) and rng.random() < 0.87:
            while True:
                code = ean13(rng.choice(["570", "571", "573", "400", "401", "730", "871"]), rng)
                if code not in barcodes:
                    barcodes.add(code)
                    break
            record["barCode"] = code
        if group in inventory_groups:
            in_stock = money(rng.choice([0, rng.randint(1, 40), rng.randint(20, 400)]))
            ordered = money(rng.randint(0, 15) if rng.random() < 0.4 else 0)
            weight = money(rng.uniform(0.05, 25))
            record["inventory"] = {
                "available": in_stock - ordered,
                "inStock": in_stock,
                "orderedByCustomers": ordered,
                "orderedFromSuppliers": money(rng.choice([0, 0, rng.randint(10, 100)])),
                "packageVolume": money(rng.uniform(0.01, 0.5)),
                "grossWeight": weight,
                "netWeight": money(float(weight) * 0.9),
                "recommendedCostPrice": cost,
            }
        products.append(record)
    return products


def _suppliers(rng: random.Random, count: int, purchasers: list[int]) -> list[dict[str, Any]]:
    suppliers: list[dict[str, Any]] = []
    wholesale = [
        "Værktøjsimport",
        "Byggegrossist",
        "El-grossist",
        "VVS-engros",
        "Trælast",
        "Emballage",
        "Beslag",
        "Fragt",
        "Maskinudlejning",
        "Arbejdstøj",
    ]
    for number in range(1, count + 1):
        roll = rng.random()
        record: dict[str, Any] = {
            "supplierNumber": number,
            "layout": {"layoutNumber": 19},
            "salesPerson": {"employeeNumber": rng.choice(purchasers)},
        }
        if roll < 0.6:
            address, zip_code, city = _dk_address(rng)
            name = rng.choice(
                [
                    f"{rng.choice(REGIONS)} {rng.choice(wholesale)} A/S",
                    f"{rng.choice(LAST_NAMES)}s {rng.choice(wholesale)} ApS",
                ]
            )
            record.update(
                name=name,
                address=address,
                zip=zip_code,
                city=city,
                country="Danmark",
                currency="DKK",
                supplierGroup={"supplierGroupNumber": 1},
                vatZone={"vatZoneNumber": 1},
                paymentTerms={"paymentTermsNumber": rng.choice([2, 3, 4])},
                costAccount={"accountNumber": 1210},
                email=f"ordre@{_slug(name)}.dk",
                phone="+45 " + _phone_dk(rng, "70"),
                corporateIdentificationNumber=cvr_number(rng),
                bankAccount=f"{rng.randint(1000, 9899)} {rng.randint(0, 9999999999):010d}",
            )
        else:
            code = rng.choice(["DE", "DE", "SE", "NL", "PL"] if roll < 0.9 else ["NO", "GB", "US", "CH"])
            country = FOREIGN[code]
            zip_code, city = rng.choice(country["cities"])
            name = f"{rng.choice(country['names'])} {rng.choice(country['stems'])} {country['suffix']}"
            eu = bool(country["eu"])
            iban = f"{code}{rng.randint(10, 99)} " + " ".join(f"{rng.randint(0, 9999):04d}" for _ in range(4))
            record.update(
                name=name,
                address=f"{country['street']} {rng.randint(1, 120)}",
                zip=zip_code[:10],
                city=city,
                country=country["country"],
                currency=country["currency"],
                supplierGroup={"supplierGroupNumber": 2 if eu else 3},
                vatZone={"vatZoneNumber": 2 if eu else 3},
                paymentTerms={"paymentTermsNumber": rng.choice([3, 4, 7])},
                costAccount={"accountNumber": 1220 if eu else 1230},
                email=f"sales@{_slug(name)}.{code.lower()}",
                phone=f"{country['phone']} {rng.randint(100000, 999999)}",
                bankAccount=iban,
            )
        if rng.random() < 0.3:
            record["defaultInvoiceText"] = rng.choice(
                ["Varekøb", "Indkøb lager", "Fragt", "Jf. ordrebekræftelse"]
            )
        if rng.random() < 0.03:
            record["barred"] = True
        suppliers.append(record)
    return suppliers


def seed_demo(
    state: EconomicState,
    *,
    customers: int = 300,
    products: int = 600,
    suppliers: int = 60,
    seed: int = 2026,
    documents: bool = False,
) -> None:
    """Fill ``state`` with the demo company (same ``seed`` -> the same records, byte for byte);
    ``documents``: also contact persons, delivery locations, orders (see :func:`_contacts_and_orders`) and
    quotes (:func:`_quotes`)."""
    rng = random.Random(seed)
    with state.lock:
        state.set_agreement(**_agreement(rng))
        seed_reference_data(state)
        employees = _employees(rng)
        state.add_many("employees", employees)
        active = [e["employeeNumber"] for e in employees if not e.get("barred")]
        state.add_many("customers", _customers(rng, customers, active[:6]))
        state.add_many("products", _products(rng, products))
        state.add_many("suppliers", _suppliers(rng, suppliers, active[6:] or active))
        if documents:
            # A generator of its own, so the records above stay the same with or without these.
            _contacts_and_orders(state, random.Random(seed + 1), active)
            _quotes(state, random.Random(seed + 2))  # its own too: the orders stay as they were


_CONTACT_FIRST = ("Mette", "Lars", "Anne", "Søren", "Hanne", "Jens", "Camilla", "Rasmus")
_CONTACT_LAST = ("Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen")


def _contacts_and_orders(state: EconomicState, rng: random.Random, sales_people: list[int]) -> None:
    """Every tenth customer gets a contact person (its ``attention`` and ``customerContact``) and a
    delivery location (its ``defaultDeliveryLocation``), as real customers have; three draft orders and
    a sent one, so the orders flow has something to show."""
    customers = sorted(int(n) for n in state.tables["customers"])
    for number in customers[::10]:
        customer = state.tables["customers"][number]
        first, last = rng.choice(_CONTACT_FIRST), rng.choice(_CONTACT_LAST)
        contact = state.add_contact(
            number,
            {
                "name": f"{first} {last}",
                "email": f"{first.lower()}.{last.lower()}@example.dk".replace("ø", "oe"),
            },
        )
        location = state.add_delivery_location(
            number,
            {
                "address": customer.get("address", "Lagervej 1"),
                "postalCode": customer.get("zip", "7400"),
                "city": customer.get("city", "Herning"),
                "country": customer.get("country", "Danmark"),
                "termsOfDelivery": "Ab lager",
            },
        )
        contact_ref = {"customerContactNumber": contact["customerContactNumber"]}
        customer["attention"] = dict(contact_ref)
        customer["customerContact"] = dict(contact_ref)
        customer["defaultDeliveryLocation"] = {"deliveryLocationNumber": location["deliveryLocationNumber"]}
    _sales_documents(state, rng, "orders", ("drafts", "drafts", "drafts", "sent"), step=7)


def _quotes(state: EconomicState, rng: random.Random) -> None:
    """Two draft quotes, a sent one and an archived one, so every quote collection has something to show."""
    _sales_documents(state, rng, "quotes", ("drafts", "drafts", "sent", "archived"), step=11)


def _sales_documents(
    state: EconomicState, rng: random.Random, family: str, kinds: tuple[str, ...], *, step: int
) -> None:
    """One order or quote per kind in ``kinds``, for every ``step``-th customer, of two unbarred products."""
    customers = sorted(int(n) for n in state.tables["customers"])
    products = [n for n, p in sorted(state.tables["products"].items()) if not p.get("barred")]
    if not customers or not products:
        return
    for index, kind in enumerate(kinds):
        owner = customers[(index * step) % len(customers)]
        lines = [
            {
                "product": {"productNumber": product},
                "description": state.tables["products"][product].get("name", ""),
                "quantity": rng.choice((1, 2, 5, 10)),
                "unitNetPrice": state.tables["products"][product].get("salesPrice", Decimal("100.00")),
            }
            for product in rng.sample(products, min(2, len(products)))
        ]
        add_sales_document(state, family, {"customer": owner, "lines": lines}, kind=kind)


def seed_minimal(state: EconomicState) -> None:
    """A small agreement for focused tests: two of most things, shaped like the recorded demo data.

    customers 1 (Danish) and 2 (German, EUR); products ``"1"`` and ``"2"`` (barred), as in the
    recordings; suppliers 1 and 2; payment terms 1 "Netto 8 dage" and 2 "Netto 30 dage"; units 1 "stk."
    and 2 "time"; product groups 1 "Varer m/moms" and 2 "Lagervarer" (inventory); customer groups 1-2,
    supplier groups 1-2; layouts 19 and 21; employees 1-2; the four VAT zones; DKK/EUR/SEK; a short chart
    (sales account 1100 with VAT code U25, so domestic invoice lines carry 25 % VAT); accounting years
    2024-2027 and journals 1-3 (:func:`seed_books`).
    """
    stamp = "2022-06-24T08:25:00Z"
    with state.lock:
        state.set_agreement(
            company={
                "name": "Minimal ApS",
                "addressLine1": "Testvej 1",
                "zip": "7400",
                "city": "Herning",
                "country": "Danmark",
                "companyIdentificationNumber": "12345674",
                "vatNumber": "DK12345674",
                "phoneNumber": "+45 12 34 56 78",
                "email": "info@minimal.dk",
                "website": "www.minimal.dk",
            },
            bankInformation={
                "bankName": "Testbanken",
                "bankSortCode": "1234",
                "bankAccountNumber": "0001234567",
                "bankGiroNumber": "12345678",
            },
            settings={"baseCurrency": "DKK"},
        )
        for zone in VAT_ZONES:
            state.add_vat_zone(zone)
        for code, name, iso in CURRENCIES[:3]:
            state.add_currency({"code": code, "name": name, "isoNumber": iso})
        for layout in LAYOUTS[:2]:
            state.add_layout(layout)
        state.add_unit({"unitNumber": 1, "name": "stk."})
        state.add_unit({"unitNumber": 2, "name": "time"})
        state.add_payment_terms(PAYMENT_TERMS[0])
        state.add_payment_terms({**PAYMENT_TERMS[2], "paymentTermsNumber": 2})
        for number, name, kind, debit_credit, blocked, vat_code in [
            (1000, "RESULTATOPGØRELSE", "heading", "debit", True, None),
            (1010, "Omsætning", "headingStart", "credit", True, None),
            (1100, "Salg af varer og ydelser m/moms", "profitAndLoss", "credit", False, "U25"),
            (1210, "Varekøb Danmark", "profitAndLoss", "debit", False, "I25"),
            (1250, "Lagerregulering", "profitAndLoss", "debit", False, None),
            (5510, "Varelager", "status", "debit", False, None),
            (5600, "Debitorer", "status", "debit", True, None),
            (5700, "Bank", "status", "debit", False, None),
            (6110, "Kreditorer", "status", "credit", True, None),
        ]:
            account: dict[str, Any] = {
                "accountNumber": number,
                "name": name,
                "accountType": kind,
                "debitCredit": debit_credit,
                "balance": money(0),
                "blockDirectEntries": blocked,
            }
            if vat_code:
                account["vatAccount"] = {"vatCode": vat_code}
            state.add_account(account)
        state.add_customer_group(
            {"customerGroupNumber": 1, "name": "Danske kunder", "account": {"accountNumber": 5600}}
        )
        state.add_customer_group(
            {"customerGroupNumber": 2, "name": "Udenlandske kunder", "account": {"accountNumber": 5600}}
        )
        state.add_supplier_group(
            {"supplierGroupNumber": 1, "name": "Danske leverandører", "account": {"accountNumber": 6110}}
        )
        state.add_supplier_group(
            {"supplierGroupNumber": 2, "name": "Udenlandske leverandører", "account": {"accountNumber": 6110}}
        )
        state.add_product_group(
            {
                "productGroupNumber": 1,
                "name": "Varer m/moms",
                "inventoryEnabled": False,
                "salesAccount": {"accountNumber": 1100},
            }
        )
        state.add_product_group(
            {
                "productGroupNumber": 2,
                "name": "Lagervarer",
                "inventoryEnabled": True,
                "salesAccount": {"accountNumber": 1100},
            }
        )
        state.add_employee(
            {
                "employeeNumber": 1,
                "name": "Jens Jensen",
                "email": "jj@minimal.dk",
                "employeeGroup": {"employeeGroupNumber": 1},
            }
        )
        state.add_employee(
            {
                "employeeNumber": 2,
                "name": "Hanne Holm",
                "email": "hh@minimal.dk",
                "employeeGroup": {"employeeGroupNumber": 1},
            }
        )
        state.add_customer(
            {
                "customerNumber": 1,
                "name": "Hansens Byg ApS",
                "currency": "DKK",
                "address": "Vestergade 1",
                "zip": "8000",
                "city": "Aarhus C",
                "country": "Danmark",
                "email": "info@hansensbyg.dk",
                "telephoneAndFaxNumber": "86 12 34 56",
                "corporateIdentificationNumber": "29403473",
                "customerGroup": {"customerGroupNumber": 1},
                "paymentTerms": {"paymentTermsNumber": 1},
                "vatZone": {"vatZoneNumber": 1},
                "layout": {"layoutNumber": 19},
                "salesPerson": {"employeeNumber": 1},
                "creditLimit": money(50000),
                "balance": money(1250.5),
                "dueAmount": money(0),
                "eInvoicingDisabledByDefault": False,
                "lastUpdated": "2022-06-02T08:53:29Z",
            }
        )
        state.add_customer(
            {
                "customerNumber": 2,
                "name": "Schmidt Bau GmbH",
                "currency": "EUR",
                "address": "Industriestraße 5",
                "zip": "24937",
                "city": "Flensburg",
                "country": "Tyskland",
                "email": "accounts@schmidt-bau.de",
                "corporateIdentificationNumber": "DE123456789",
                "customerGroup": {"customerGroupNumber": 2},
                "paymentTerms": {"paymentTermsNumber": 2},
                "vatZone": {"vatZoneNumber": 2},
                "layout": {"layoutNumber": 21},
                "balance": money(-1600),
                "dueAmount": money(0),
                "eInvoicingDisabledByDefault": False,
                "lastUpdated": "2022-06-02T08:54:01Z",
            }
        )
        state.add_product(
            {
                "productNumber": "1",
                "name": "Noname T-shirt Black",
                "description": "V-cut T-shirt, size S-XXL",
                "costPrice": money(40),
                "recommendedPrice": money(90),
                "salesPrice": money(70),
                "barred": False,
                "barCode": "5701234567892",
                "unit": {"unitNumber": 1},
                "productGroup": {"productGroupNumber": 1},
                "lastUpdated": stamp,
            }
        )
        state.add_product(
            {
                "productNumber": "2",
                "name": "Barred product",
                "description": "This product has been barred",
                "costPrice": money(20),
                "recommendedPrice": money(50),
                "salesPrice": money(50),
                "barred": True,
                "unit": {"unitNumber": 1},
                "productGroup": {"productGroupNumber": 1},
                "lastUpdated": stamp,
            }
        )
        state.add_supplier(
            {
                "supplierNumber": 1,
                "name": "Nordisk Værktøjsimport A/S",
                "currency": "DKK",
                "supplierGroup": {"supplierGroupNumber": 1},
                "paymentTerms": {"paymentTermsNumber": 2},
                "vatZone": {"vatZoneNumber": 1},
                "layout": {"layoutNumber": 19},
                "costAccount": {"accountNumber": 1210},
                "address": "Industrivej 3",
                "zip": "7400",
                "city": "Herning",
                "country": "Danmark",
                "email": "ordre@nordisk-vaerktoej.dk",
                "phone": "+45 70 11 22 33",
                "bankAccount": "7600 0009876543",
            }
        )
        seed_books(state)
        state.add_supplier(
            {
                "supplierNumber": 2,
                "name": "Svensk Verktyg AB",
                "currency": "SEK",
                "supplierGroup": {"supplierGroupNumber": 2},
                "paymentTerms": {"paymentTermsNumber": 2},
                "vatZone": {"vatZoneNumber": 2},
                "layout": {"layoutNumber": 21},
                "address": "Industrigatan 9",
                "zip": "211 20",
                "city": "Malmö",
                "country": "Sverige",
                "email": "sales@svenskverktyg.se",
                "phone": "+46 40 123456",
            }
        )
