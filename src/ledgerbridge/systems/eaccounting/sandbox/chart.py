"""What a new Swedish eAccounting (Bokföring & Fakturering) company comes with: fiscal years, a small
BAS chart of accounts, VAT codes, article account codings and default company settings.

Plain data: the state holds it (``EAccountingState.seed_standard``); nothing here knows the state.
Ids are deterministic (uuid5), so tests and the demo can name them: :func:`fiscal_year_id`,
:data:`CODING_IDS`, :data:`VAT_CODE_IDS`. Names follow BAS 2024 (UNCONFIRMED that eAccounting seeds
exactly these; a real company has the whole BAS chart). VAT rates on codings are percentages
(``VatRatePercent`` 25); ``VatRate`` of a VAT code is a fraction (0.25) — the 2026 spec calls it "a
percentage", the public material shows no example, so this is a guess kept consistent with the row
``VatRate`` (a fraction) of drafts and invoices.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

NAMESPACE = uuid.UUID("6f1d7c1e-3f57-4d0b-9a7e-5e2b1c0ea001")

RECEIVABLES_ACCOUNT = 1510
PAYABLES_ACCOUNT = 2440
OUTPUT_VAT_ACCOUNTS: dict[Decimal, int] = {Decimal(25): 2611, Decimal(12): 2621, Decimal(6): 2631}
INPUT_VAT_ACCOUNT = 2641
EU_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)


def sandbox_id(kind: str, key: str) -> str:
    """The deterministic id of a seeded record (``sandbox_id("customer", "10")``)."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}/{key}"))


def fiscal_year_id(year: int) -> str:
    """The id of the seeded calendar fiscal year ``year``."""
    return sandbox_id("fiscalyear", str(year))


# (code, description, rate as a fraction, related VAT account)
VAT_CODES: tuple[tuple[str, str, Decimal, int | None], ...] = (
    ("05", "Momspliktig försäljning 25%", Decimal("0.25"), 2611),
    ("06", "Momspliktig försäljning 12%", Decimal("0.12"), 2621),
    ("07", "Momspliktig försäljning 6%", Decimal("0.06"), 2631),
    ("10", "Utgående moms 25%", Decimal("0.25"), 2611),
    ("11", "Utgående moms 12%", Decimal("0.12"), 2621),
    ("12", "Utgående moms 6%", Decimal("0.06"), 2631),
    ("35", "Försäljning av varor till annat EU-land", Decimal(0), None),
    ("36", "Försäljning av varor utanför EU", Decimal(0), None),
    ("39", "Försäljning av tjänster till näringsidkare i annat EU-land", Decimal(0), None),
    ("40", "Övrig försäljning av tjänster omsatta utanför Sverige", Decimal(0), None),
    ("41", "Försäljning när köparen är skattskyldig i Sverige", Decimal(0), None),
    ("42", "Övrig försäljning m.m.", Decimal(0), None),
    ("48", "Ingående moms att dra av", Decimal("0.25"), 2641),
)
VAT_CODE_IDS: dict[str, str] = {code: sandbox_id("vatcode", code) for code, *_ in VAT_CODES}

# (number, name, VAT code)
ACCOUNTS: tuple[tuple[int, str, str | None], ...] = (
    (1460, "Lager av handelsvaror", None),
    (1510, "Kundfordringar", None),
    (1630, "Skattekonto", None),
    (1910, "Kassa", None),
    (1930, "Företagskonto", None),
    (2081, "Aktiekapital", None),
    (2440, "Leverantörsskulder", None),
    (2611, "Utgående moms på försäljning inom Sverige, 25%", "10"),
    (2621, "Utgående moms på försäljning inom Sverige, 12%", "11"),
    (2631, "Utgående moms på försäljning inom Sverige, 6%", "12"),
    (2641, "Debiterad ingående moms", "48"),
    (2650, "Redovisningskonto för moms", None),
    (3001, "Försäljning inom Sverige, 25% moms", "05"),
    (3002, "Försäljning inom Sverige, 12% moms", "06"),
    (3003, "Försäljning inom Sverige, 6% moms", "07"),
    (3004, "Försäljning inom Sverige, momsfri", "42"),
    (3041, "Försäljning tjänster inom Sverige, 25% moms", "05"),
    (3105, "Försäljning varor till land utanför EU", "36"),
    (3106, "Försäljning varor till annat EU-land, momspliktig", "05"),
    (3108, "Försäljning varor till annat EU-land, momsfri", "35"),
    (3231, "Försäljning inom byggsektorn, omvänd skattskyldighet moms", "41"),
    (3305, "Försäljning tjänster till land utanför EU", "40"),
    (3308, "Försäljning tjänster till annat EU-land", "39"),
    (3740, "Öres- och kronutjämning", None),
    (3960, "Valutakursvinster på fordringar och skulder av rörelsekaraktär", None),
    (4010, "Inköp material och varor", None),
    (4990, "Förändring av lager", None),
    (5010, "Lokalhyra", None),
    (5410, "Förbrukningsinventarier", None),
    (5611, "Drivmedel för personbilar", None),
    (6110, "Kontorsmateriel", None),
    (6212, "Mobiltelefon", None),
    (6570, "Bankkostnader", None),
    (7010, "Löner till kollektivanställda", None),
    (7960, "Valutakursförluster på fordringar och skulder av rörelsekaraktär", None),
    (8310, "Ränteintäkter från omsättningstillgångar", None),
)


def _coding(
    key: str,
    name: str,
    english: str,
    kind: str,
    percent: int,
    vat_code: str,
    domestic: int,
    *,
    within_eu: int,
    outside_eu: int,
    eu_taxable: int,
) -> dict[str, Any]:
    return {
        "Id": sandbox_id("coding", key),
        "Name": name,
        "NameEnglish": english,
        "Type": kind,
        "VatRate": VAT_CODE_IDS[vat_code],
        "IsActive": True,
        "VatRatePercent": Decimal(percent),
        "DomesticSalesSubjectToReversedConstructionVatAccountNumber": 3231,
        "DomesticSalesSubjectToVatAccountNumber": domestic,
        "DomesticSalesVatExemptAccountNumber": 3004,
        "ForeignSalesSubjectToMossAccountNumber": eu_taxable,
        "ForeignSalesSubjectToThirdPartySalesAccountNumber": within_eu,
        "ForeignSalesSubjectToVatWithinEuAccountNumber": eu_taxable,
        "ForeignSalesVatExemptOutsideEuAccountNumber": outside_eu,
        "ForeignSalesVatExemptWithinEuAccountNumber": within_eu,
        "DomesticSalesVatCodeExemptAccountNumber": 3004,
    }


CODINGS: tuple[dict[str, Any], ...] = (
    _coding(
        "varor-25", "Varor 25% moms", "Goods 25% VAT", "Goods", 25, "05", 3001,
        within_eu=3108, outside_eu=3105, eu_taxable=3106,
    ),
    _coding(
        "varor-12", "Varor 12% moms", "Goods 12% VAT", "Goods", 12, "06", 3002,
        within_eu=3108, outside_eu=3105, eu_taxable=3106,
    ),
    _coding(
        "varor-6", "Varor 6% moms", "Goods 6% VAT", "Goods", 6, "07", 3003,
        within_eu=3108, outside_eu=3105, eu_taxable=3106,
    ),
    _coding(
        "tjanster-25", "Tjänster 25% moms", "Services 25% VAT", "Service", 25, "05", 3041,
        within_eu=3308, outside_eu=3305, eu_taxable=3041,
    ),
    _coding(
        "momsfri", "Momsfri försäljning", "VAT exempt sales", "Goods", 0, "42", 3004,
        within_eu=3108, outside_eu=3105, eu_taxable=3004,
    ),
)  # fmt: skip
CODING_IDS: dict[str, str] = {c["Name"]: c["Id"] for c in CODINGS}


def default_company() -> dict[str, Any]:
    """The settings of a new sandbox company (``PUT /companysettings`` changes the writable ones)."""
    return {
        "Name": "Sandlådan AB",
        "Email": None,
        "Phone": None,
        "MobilePhone": None,
        "Address1": "Testgatan 1",
        "Address2": None,
        "CountryCode": "SE",
        "PostalCode": "111 22",
        "City": "Stockholm",
        "Website": None,
        "OurReference": None,
        "CurrencyCode": "SEK",
        "TermsOfPaymentId": None,
        "CorporateIdentityNumber": "556000-0000",
        "PeppolId": None,
        "VatCode": "SE556000000001",
        "BankGiro": None,
        "PlusGiro": None,
        "BankAccount": None,
        "Iban": None,
        "AccountNumberDigits": 4,
        "AccountingLockedTo": "2000-01-01",
        "AccountingLockInterval": 0,
        "Gln": None,
        "ProductVariant": 1,
        "TypeOfBusiness": 1,
        "VatPeriod": 3,
        "ActivatedModules": [],
        "CompanyText": {
            "CustomerInvoiceTextDomestic": None,
            "CustomerInvoiceTextForeign": None,
            "InvoiceEmailDomestic": "Hej! Här kommer din faktura. Vänliga hälsningar",
            "InvoiceEmailForeign": "Hello, please find your invoice attached. Kind regards",
        },
        "NextCustomerInvoiceNumber": 1,
        "NextQuoteNumber": 1,
        "NextArticleNumber": None,
        "ShowPricesExclVatPC": False,
        "ShowContributionMargin": False,
        "HasProportionalVatEnabled": False,
        "ProportionalVatValue": None,
        "IsPayslipActivated": False,
        "UsesCostCenter": False,
        "UsesProject": False,
        "UsesMoss": False,
        "UsesPaymentReferenceNumber": False,
        "UsesSupplierInvoiceEdit": None,
        "UseAdvancedMode": None,
        "DomesticCurrencyRounding": 0,
        "UsesReverseConstructionVat": False,
        "UsesRotReducedInvoicing": False,
        "CompanyRotRutSettings": None,
        "CompanyStatus": 1,
        "CompanyIdentifier": None,
        "BankgiroNumberPrint": None,
        "KeepOriginalDraftDate": False,
        "UsePaymentFilesForOutgoingPayments": False,
        "UseAutomaticVatCalculation": False,
        "ShowCostCenterReminder": False,
        "ShowProjectReminder": False,
        "UsesGreenTechnology": False,
        "UsesVatTriangulationRules": False,
        "Swish": None,
        "CompanyEmailForUpload": None,
        "VismaWebshopStatus": 0,
        "UsesTransactionText": True,
        "FirstPaymentReminderWithoutFee": None,
        "LatePaymentFee": None,
        "DefaultBackgroundId": None,
        "InvoicePrintSettingsType": 0,
        "CompanyScanningAddress": None,
    }


def vat_code_records() -> list[dict[str, Any]]:
    return [
        {
            "Id": VAT_CODE_IDS[code],
            "Code": code,
            "Description": description,
            "VatRate": rate,
            "OssCodeType": 0,
            "RelatedAccounts": {"AccountNumber1": account, "AccountNumber2": None, "AccountNumber3": None},
        }
        for code, description, rate, account in VAT_CODES
    ]


def fiscal_year_record(year: int) -> dict[str, Any]:
    """The calendar fiscal year ``year`` (dates stored as dates; GET shows them as the spec types them)."""
    return {
        "Id": fiscal_year_id(year),
        "StartDate": f"{year}-01-01",
        "EndDate": f"{year}-12-31",
        "IsLockedForAccounting": False,
        "BookkeepingMethod": 0,
    }


def chart_of_accounts() -> list[tuple[int, str, str | None]]:
    """Each year's accounts: (number, name, VAT code id or None)."""
    return [(number, name, VAT_CODE_IDS[code] if code else None) for number, name, code in ACCOUNTS]


COST_CENTER_NUMBERS = (1, 2, 3)


def cost_center_id(number: int) -> str:
    """The id of the seeded cost center ``number`` (1, 2 or 3)."""
    return sandbox_id("costcenter", str(number))


def cost_center_records() -> list[dict[str, Any]]:
    """The three cost centers every company has: inactive, with placeholder names."""
    return [
        {
            "Id": cost_center_id(number),
            "Name": f"Kostnadsställe {number}",
            "Number": number,
            "IsActive": False,
        }
        for number in COST_CENTER_NUMBERS
    ]
