"""The eEkonomi company of the Severa demo: "Konsultbolaget Norr AB" in eAccounting, and the
``demo-severa`` integration between it and the Severa sandbox's demo organisation.

:func:`seed_severa_books` starts from the eAccounting sandbox's demo company (chart, units incl. "tim" and
"km", terms of payment, the coding "Tjänster 25% moms", cost center 1 "Projekt", bank account) and
replaces its customers and articles with the consultancy's own few, each a case the integration meets:

- customer 2001 exists only in eEkonomi (it goes to Severa), 01234 collapses onto Severa's 1234 (bound,
  not created), "K-17" is not numeric (refused on its way to Severa, C31);
- articles ``RESA-TIM`` (travel time) exists only in eEkonomi (it goes to Severa's products), ``PL``
  already matches Severa's work type ``PL`` (bound, not created).
"""

from __future__ import annotations

from typing import Any

from ledgerbridge.systems.eaccounting.sandbox.demo_data import demo_id, seed_demo_company
from ledgerbridge.systems.eaccounting.sandbox.state import EAccountingState

COMPANY_NAME = "Konsultbolaget Norr AB"
ONLY_IN_BOOKS = (
    ("2001", "Luleå Energi AB", "Box 5", "971 77", "Luleå", "faktura@luleaenergi.se", "Karin Ek"),
    ("01234", "Designbyrån Norr AB", "Köpmangatan 9", "972 32", "Luleå", "ekonomi@designnorr.se", None),
    ("K-17", "Kiosken vid kajen", "Kajen 1", "972 33", "Luleå", None, None),
)
ARTICLES = (
    ("RESA-TIM", "Restid", "tim", "650.00"),
    ("ARB", "Arbete enligt avtal", "tim", "1100.00"),  # the default article number of rows without a code
    ("PL", "Projektledning", "tim", "1350.00"),
)


def seed_severa_books(state: EAccountingState) -> dict[str, Any]:
    """Fill a fresh eAccounting state with the Severa demo's company; answers the cost center's id."""
    ids = seed_demo_company(state)
    with state.lock:
        for name in ("customers", "articles", "orders", "supplierinvoices", "supplierinvoicedrafts"):
            if name in state.records:
                state.records[name].clear()
        state.update_company(Name=COMPANY_NAME, Email="ekonomi@konsultbolagetnorr.se", City="Luleå")
    for days in (15, 20, 45):  # the Severa customers' terms
        state.add(
            "termsofpayments",
            {
                "Id": demo_id("terms", str(days)),
                "Name": f"{days} dagar netto",
                "NameEnglish": f"{days} days net",
                "NumberOfDays": days,
                "TermsOfPaymentTypeId": 0,
                "AvailableForSales": True,
                "AvailableForPurchase": True,
            },
        )
    for number, name, line, postal, city, email, contact in ONLY_IN_BOOKS:
        state.add(
            "customers",
            {
                "Id": demo_id("severa-customer", number),
                "CustomerNumber": number,
                "Name": name,
                "IsPrivatePerson": False,
                "IsActive": True,
                "TermsOfPaymentId": ids["terms"]["30"],
                "InvoiceAddress1": line,
                "InvoicePostalCode": postal,
                "InvoiceCity": city,
                "InvoiceCountryCode": "SE",
                "EmailAddress": email,
                "ContactPersonName": contact,
            },
        )
    coding = next(
        c["Id"]
        for c in state.records["articleaccountcodings"].values()
        if c.get("Name") == "Tjänster 25% moms"
    )
    for number, name, unit, price in ARTICLES:
        state.add(
            "articles",
            {
                "Id": demo_id("severa-article", number),
                "Number": number,
                "Name": name,
                "IsActive": True,
                "CodingId": coding,
                "UnitId": ids["unit"][unit],
                "NetPrice": price,
                "GrossPrice": str(round(float(price) * 1.25, 2)),
            },
        )
    return {"cost_center_id": ids["costcenter"]["Projekt"]}
