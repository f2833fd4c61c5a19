"""A believable Swedish demo company for the eAccounting sandbox: "Norrlands Verktyg & Bygg AB" in Luleå.

:func:`seed_demo_company` adds (on top of the standard chart a state starts with): company settings,
units, terms of payment, article and customer labels, 8 customers (two private persons, one in Norway,
one in Germany), 12 articles across the codings with ``GrossPrice`` = ``NetPrice`` × (1 + VAT), three
suppliers and two open sales orders. Every id is deterministic: :func:`demo_id` (``demo_id("customer",
"1001")``, ``demo_id("article", "HAM-600")``, ``demo_id("unit", "st")``, ``demo_id("terms", "30")``,
``demo_id("label", "Kampanj")``, ``demo_id("supplier", "1")``, ``demo_id("order", "1")``,
``demo_id("costcenteritem", "P1001")``, ``demo_id("bankaccount", "1930")``). Units include "km"; cost
center 1 is "Projekt" (active) with three project items, one inactive; the bank account on 1930 is
what payments name.
Customers and suppliers invoice in SEK (the sandbox does not convert currencies).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ledgerbridge.systems.eaccounting.sandbox.chart import CODING_IDS, cost_center_id, sandbox_id
from ledgerbridge.systems.eaccounting.sandbox.documents import Documents
from ledgerbridge.systems.eaccounting.sandbox.state import EAccountingState

COMPANY_NAME = "Norrlands Verktyg & Bygg AB"


def demo_id(kind: str, key: str) -> str:
    """The id of a demo record (see the module docstring for the keys)."""
    return sandbox_id(f"demo-{kind}", key)


UNITS = (
    ("st", "Styck", "pcs"),
    ("tim", "Timme", "h"),
    ("kg", "Kilogram", "kg"),
    ("m", "Meter", "m"),
    ("km", "Kilometer", "km"),  # travel expenses (Severa's mileage) are invoiced per km
)
# Cost center 1 is used for projects (Severa projects become its items); (short name, name, active)
PROJECT_COST_CENTER = "Projekt"
PROJECT_ITEMS = (
    ("P1001", "Bygget Norra hamnen", True),
    ("P1002", "Renovering Kiruna stadshus", True),
    ("P0999", "Avslutat: Skellefteå skola", False),
)
TERMS = (
    ("30", "30 dagar netto", "30 days net", 30, 0),
    ("10", "10 dagar netto", "10 days net", 10, 0),
    ("kontant", "Kontant", "Cash", 0, 2),
)
ARTICLE_LABELS = (
    ("Kampanj", "Artiklar i vårens kampanj"),
    ("Lagervara", "Finns alltid i lager i Luleå"),
    ("Beställningsvara", "Beställs hem från leverantör, 1-2 veckor"),
)
CUSTOMER_LABELS: tuple[tuple[str, str | None], ...] = (
    ("Storkund", "Ramavtal med rabatt"),
    ("Privatkund", None),
)

# (number, name, private?, address, postal code, city, country, e-mail, terms, labels, extra)
CUSTOMERS: tuple[tuple[Any, ...], ...] = (
    ("1001", "Byggmästarna i Luleå AB", False, "Industrigatan 4", "973 45", "Luleå", "SE",
     "faktura@byggmastarna-lulea.se", "30", ("Storkund",), {"CorporateIdentityNumber": "556701-2345"}),
    ("1002", "Umeå Fastighetsservice AB", False, "Västra Esplanaden 18", "903 26", "Umeå", "SE",
     "ekonomi@umeafastighet.se", "30", (), {"CorporateIdentityNumber": "556433-9876"}),
    ("1003", "Kiruna Gruvteknik AB", False, "Lombololeden 2", "981 38", "Kiruna", "SE",
     "inkop@kirunagruvteknik.se", "10", ("Storkund",), {"CorporateIdentityNumber": "559012-3344"}),
    ("1004", "Skellefteå Snickeri HB", False, "Mossgatan 7", "931 70", "Skellefteå", "SE",
     "snickeri@skelleftea-snickeri.se", "30", (), {"CorporateIdentityNumber": "969745-1122"}),
    ("1005", "Anna Lindqvist", True, "Sjögatan 3", "941 32", "Piteå", "SE",
     "anna.lindqvist@example.se", "10", ("Privatkund",), {}),
    ("1006", "Erik Johansson", True, "Kyrkogatan 21", "961 35", "Boden", "SE",
     None, "kontant", ("Privatkund",), {}),
    ("1007", "Tromsø Bygg AS", False, "Storgata 88", "9008", "Tromsø", "NO",
     "regnskap@tromsobygg.no", "30", (), {"VatNumber": "NO987654321MVA"}),
    ("1008", "Hamburger Werkzeughandel GmbH", False, "Spaldingstraße 160", "20097", "Hamburg", "DE",
     "buchhaltung@hh-werkzeug.de", "30", (), {"VatNumber": "DE123456789"}),
)  # fmt: skip

# (number, name, coding, unit, net price, purchase price, labels, stock)
ARTICLES: tuple[tuple[Any, ...], ...] = (
    ("HAM-600", "Snickarhammare 600 g", "Varor 25% moms", "st", "249.00", "112.00", ("Lagervara",), 40),
    ("SKR-18V", "Skruvdragare 18V med 2 batterier", "Varor 25% moms", "st", "1995.00", "1180.00",
     ("Kampanj", "Lagervara"), 12),
    ("TRS-550", "Träskruv 5x50 mm, 200-pack", "Varor 25% moms", "st", "129.00", "48.50", ("Lagervara",), 150),
    ("PLA-020", "Byggplast 0,2 mm", "Varor 25% moms", "m", "18.50", "7.20", (), 600),
    ("ARM-10", "Armeringsjärn 10 mm", "Varor 25% moms", "kg", "24.90", "13.10", ("Beställningsvara",), 0),
    ("HSK-L", "Arbetshandskar vinter, stl L", "Varor 25% moms", "st", "79.00", "31.00", ("Kampanj",), 80),
    ("SPK-100", "Trådspik 100 mm", "Varor 25% moms", "kg", "59.90", "27.40", (), 90),
    ("FIK-01", "Fikapaket byggplats (10 pers)", "Varor 12% moms", "st", "395.00", "240.00", (), 0),
    ("BOK-BBR", "Handbok Boverkets byggregler", "Varor 6% moms", "st", "349.00", "210.00", (), 15),
    ("MON-TIM", "Montagearbete", "Tjänster 25% moms", "tim", "650.00", "0", (), 0),
    ("MAS-TIM", "Maskinhyra minigrävare", "Tjänster 25% moms", "tim", "450.00", "0", (), 0),
    ("KON-TIM", "Konsultation byggteknik", "Tjänster 25% moms", "tim", "950.00", "0", (), 0),
)  # fmt: skip

# (number, name, city, country, terms, bankgiro)
SUPPLIERS = (
    ("1", "Ahlsell Sverige AB", "Stockholm", "SE", "30", "5678-1234"),
    ("2", "Beijer Byggmaterial AB", "Malmö", "SE", "30", "5432-9876"),
    ("3", "Würth Svenska AB", "Örebro", "SE", "10", "5123-4567"),
)


def _gross(net: Decimal, percent: Decimal) -> Decimal:
    return (net * (1 + percent / 100)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def seed_demo_company(state: EAccountingState) -> dict[str, dict[str, str]]:
    """Fill ``state`` with the demo company; answers the ids by kind and key (also :func:`demo_id`).

    Meant for a fresh state (existing records stay; running it twice replaces the demo records).
    """
    ids: dict[str, dict[str, str]] = {
        k: {}
        for k in (
            "unit", "terms", "label", "customerlabel", "customer", "article", "supplier", "order",
            "costcenter", "costcenteritem", "bankaccount",
        )
    }  # fmt: skip
    with state.lock:
        if not state.records["fiscalyears"]:
            state.seed_standard()
        for code, name, english in UNITS:
            unit = state.add(
                "units",
                {"Id": demo_id("unit", code), "Name": name, "Code": code, "Abbreviation": code,
                 "AbbreviationEnglish": english},
            )  # fmt: skip
            ids["unit"][code] = unit["Id"]
        for key, name, english, days, kind in TERMS:
            term = state.add(
                "termsofpayments",
                {
                    "Id": demo_id("terms", key),
                    "Name": name,
                    "NameEnglish": english,
                    "NumberOfDays": days,
                    "TermsOfPaymentTypeId": kind,
                    "AvailableForSales": True,
                    "AvailableForPurchase": True,
                },
            )
            ids["terms"][key] = term["Id"]
        state.update_company(
            Name=COMPANY_NAME,
            Email="info@norrlandsverktyg.se",
            Phone="0920-123 45",
            Address1="Storgatan 12",
            PostalCode="972 31",
            City="Luleå",
            CountryCode="SE",
            Website="https://www.norrlandsverktyg.se",
            OurReference="Maria Nilsson",
            CorporateIdentityNumber="556812-3456",
            VatCode="SE556812345601",
            BankGiro="5050-1234",
            TermsOfPaymentId=ids["terms"]["30"],
            NextCustomerInvoiceNumber=1001,
            ActivatedModules=["Invoicing", "Bookkeeping", "Stock"],
        )
        for name, description in ARTICLE_LABELS:
            made = state.add(
                "articlelabels", {"Id": demo_id("label", name), "Name": name, "Description": description}
            )
            ids["label"][name] = made["Id"]
        for name, note in CUSTOMER_LABELS:
            made = state.add(
                "customerlabels", {"Id": demo_id("customerlabel", name), "Name": name, "Description": note}
            )
            ids["customerlabel"][name] = made["Id"]
        for (
            number,
            name,
            private,
            address,
            postal,
            city,
            country,
            email,
            terms_key,
            labels,
            extra,
        ) in CUSTOMERS:
            customer = state.add(
                "customers",
                {
                    "Id": demo_id("customer", number),
                    "CustomerNumber": number,
                    "Name": name,
                    "IsPrivatePerson": private,
                    "IsActive": True,
                    "TermsOfPaymentId": ids["terms"][terms_key],
                    "InvoiceAddress1": address,
                    "InvoicePostalCode": postal,
                    "InvoiceCity": city,
                    "InvoiceCountryCode": country,
                    "EmailAddress": email,
                    "CurrencyCode": "SEK",
                    "CustomerLabels": [{"Id": ids["customerlabel"][key]} for key in labels],
                    **extra,
                },
            )
            ids["customer"][number] = customer["Id"]
        for number, name, coding_name, unit, net, purchase, labels, stock in ARTICLES:
            coding = state.get("articleaccountcodings", CODING_IDS[coding_name])
            assert coding is not None, coding_name
            net_price = Decimal(net)
            article = state.add(
                "articles",
                {
                    "Id": demo_id("article", number),
                    "Number": number,
                    "Name": name,
                    "IsActive": True,
                    "CodingId": coding["Id"],
                    "UnitId": ids["unit"][unit],
                    "NetPrice": net_price,
                    "GrossPrice": _gross(net_price, Decimal(coding["VatRatePercent"])),
                    "PurchasePrice": Decimal(purchase),
                    "StockBalance": Decimal(stock),
                    "IsStock": coding["Type"] == "Goods",
                    "ArticleLabels": [{"Id": ids["label"][key]} for key in labels],
                },
            )
            ids["article"][number] = article["Id"]
        for number, name, city, country, terms_key, bankgiro in SUPPLIERS:
            supplier = state.add(
                "suppliers",
                {
                    "Id": demo_id("supplier", number),
                    "SupplierNumber": number,
                    "Name": name,
                    "City": city,
                    "CountryCode": country,
                    "CurrencyCode": "SEK",
                    "TermsOfPaymentId": ids["terms"][terms_key],
                    "BankgiroNumber": bankgiro,
                    "IsActive": True,
                },
            )
            ids["supplier"][number] = supplier["Id"]
        _seed_projects_and_bank(state, ids)
        documents = Documents(state)
        today = state.today().isoformat()
        orders = (
            (
                "1",
                "1001",
                2,
                [("SKR-18V", "4", "0.1"), ("TRS-550", "10", "0"), ("MON-TIM", "6.5", "0")],
                "Bygget Norra hamnen",
            ),
            ("2", "1005", 1, [("HAM-600", "1", "0"), ("HSK-L", "2", "0")], None),
        )
        for key, customer_number, status, rows, reference in orders:
            order = documents.save_order(
                {
                    "CustomerId": ids["customer"][customer_number],
                    "OrderDate": today,
                    "Status": status,
                    "CurrencyCode": "SEK",
                    "YourReference": reference,
                    "OurReference": "Maria Nilsson",
                    "Rows": [
                        {
                            "ArticleId": ids["article"][number],
                            "Quantity": Decimal(quantity),
                            "DiscountPercentage": Decimal(discount),
                            "IsTextRow": False,
                            "LineNumber": index,
                        }
                        for index, (number, quantity, discount) in enumerate(rows)
                    ],
                },
                state.records["orders"].get(demo_id("order", key)),
                record_id=demo_id("order", key),
            )
            ids["order"][key] = order["Id"]
    return ids


def _seed_projects_and_bank(state: EAccountingState, ids: dict[str, dict[str, str]]) -> None:
    """Cost center 1 named "Projekt" and active, with project items (one closed), and the company's
    bank account on 1930 (payments name it)."""
    state.seed_cost_centers()
    center = state.records["costcenters"][cost_center_id(1)]
    center.update(Name=PROJECT_COST_CENTER, IsActive=True)
    ids["costcenter"][PROJECT_COST_CENTER] = center["Id"]
    for short_name, name, active in PROJECT_ITEMS:
        item_id = demo_id("costcenteritem", short_name)
        state.records["costcenteritems"][item_id] = {
            "Id": item_id,
            "CostCenterId": center["Id"],
            "Name": name,
            "ShortName": short_name,
            "IsActive": active,
            "CreatedUtc": state.now_text(),
        }
        ids["costcenteritem"][short_name] = item_id
    bank = state.add(
        "bankaccounts",
        {
            "Id": demo_id("bankaccount", "1930"),
            "Name": "Företagskonto",
            "BankAccountType": 1,
            "Bban": "5050-1234567",
            "LedgerAccountNumber": 1930,
            "IsActive": True,
            "IsDefaultChequeAccount": True,
        },
    )
    ids["bankaccount"]["1930"] = bank["Id"]
    state.update_company(UsesCostCenter=True)
