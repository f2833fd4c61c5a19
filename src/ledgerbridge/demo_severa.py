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

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.panel import Panel

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


# -- the demo-severa integration ---------------------------------------------------------------------------
DEMO_SEVERA_NAME = "demo-severa"
SEVERA_CLIENT = ("demo-severa-client", "demo-severa-secret")
VISMA_CLIENT = ("ledgerbridge-demo-severa", "demo-severa-visma-secret")
REGISTER_ORDER = (
    "customers",
    "products",
    "projects",
    "invoices",
    "supplier-invoices",
    "check-sent",
    "check-paid",
)


def demo_settings(cost_center_id: str) -> dict[str, Any]:
    from ledgerbridge.systems.severa.sandbox.demo_data import demo_guid

    return {
        "masters": {"customers": "severa", "products": "eaccounting"},  # what Visma calls the usual setup
        "projects": {"cost_center_id": cost_center_id},
        "invoices": {"default_article_number": "ARB"},
        "supplier_invoices": {"transfer_as": "billable"},
        "statuses": {
            "to_transfer": demo_guid("status", "Till eEkonomi"),
            "transferred": demo_guid("status", "Överförd till eEkonomi"),
            "sent": demo_guid("status", "Skickad"),
            "paid": demo_guid("status", "Betald"),
        },
    }


def book_project_costs(
    books_url: str, token: str, severa_projects: tuple[str, ...] = ("10001", "10003")
) -> None:
    """A supplier invoice booked in eEkonomi with a cost row on each of these projects' items (C61)."""
    from decimal import Decimal

    from ledgerbridge.systems.eaccounting import EAccountingClient
    from ledgerbridge.systems.eaccounting.adapters import CostCenterItems, SupplierInvoices

    with EAccountingClient(f"{books_url}/v2", token) as books:
        items = {i["ShortName"]: i["Id"] for i in CostCenterItems(books).items()}
        supplier = next(iter(books.iter_collection("suppliers")))
        rows = [(items[p], Decimal("1000.00")) for p in severa_projects if p in items]
        if not rows:
            return
        net = sum((amount for _, amount in rows), Decimal(0))
        vat = (net * Decimal("0.25")).quantize(Decimal("0.01"))
        SupplierInvoices(books).create(
            {
                "SupplierId": supplier["Id"],
                "InvoiceNumber": "F-2026-118",
                "InvoiceDate": "2026-11-25",
                "TotalAmount": net + vat,
                "Rows": [{"AccountNumber": 4010, "DebetAmount": a, "CostCenterItemId1": i} for i, a in rows]
                + [{"AccountNumber": 2641, "DebetAmount": vat}],
            }
        )


def prepare_codes(kind: Any) -> None:
    """C8 asks for unique codes before the first transfer; the demo organisation's product KONS shares its
    code with a work type, so the demo's administrator renames the product (the error log would say so)."""
    from ledgerbridge.systems.severa import Severa
    from ledgerbridge.systems.severa.sandbox.demo_data import demo_guid

    with kind.open_severa() as client:
        Severa(client).products.update(demo_guid("product", "KONS"), {"/code": "KONS-P"})


@contextmanager
def severa_demo(console: Console, service: Any, *, enabled: bool) -> Iterator[bool]:
    """The third integration: the Severa sandbox's demo organisation and its own eEkonomi company; every
    register runs once and the status lines are printed. The demo signs in to the sandbox's Visma Connect on
    the user's behalf (``ledgerbridge connect NAME eaccounting`` does it with a browser)."""
    if not enabled:
        yield True
        return
    from ledgerbridge.sandbox import SandboxServer
    from ledgerbridge.systems.eaccounting import create_app as create_eaccounting_app
    from ledgerbridge.systems.eaccounting.sandbox.identity import IdentityServer
    from ledgerbridge.systems.severa.sandbox import create_app as create_severa_app

    books = EAccountingState()
    cost_center_id = seed_severa_books(books)["cost_center_id"]
    identity = IdentityServer()
    redirect_uri = "http://127.0.0.1:8766/callback"
    identity.register_client(*VISMA_CLIENT, [redirect_uri], name="ledgerbridge demo (Severa)")
    severa_app = create_severa_app(seed="demo", client_id=SEVERA_CLIENT[0], client_secret=SEVERA_CLIENT[1])
    with (
        SandboxServer(create_eaccounting_app(books, identity=identity)) as ea,
        SandboxServer(severa_app) as sev,
    ):
        service.add_integration(
            DEMO_SEVERA_NAME,
            "severa-eaccounting",
            {
                "severa": {
                    "base_url": sev.base_url,
                    "client_id": SEVERA_CLIENT[0],
                    "client_secret": SEVERA_CLIENT[1],
                },
                "eaccounting": {
                    "base_url": f"{ea.base_url}/v2",
                    "identity_url": ea.base_url,
                    "client_id": VISMA_CLIENT[0],
                    "client_secret": VISMA_CLIENT[1],
                    "redirect_uri": redirect_uri,
                },
                "settings": demo_settings(cost_center_id),
            },
        )
        integration_id, kind = service.integration(DEMO_SEVERA_NAME)
        scopes = "ea:api offline_access ea:sales ea:purchase ea:accounting"
        kind.keep_token(service.store, integration_id, identity.issue_tokens(VISMA_CLIENT[0], scopes))
        console.print(
            Panel.fit(
                f"[bold]Konsultbolaget Norr AB[/] in the Severa sandbox at {sev.base_url} "
                f"(client {SEVERA_CLIENT[0]} / {SEVERA_CLIENT[1]})\n"
                f'and in the eAccounting sandbox at {ea.base_url}/v2 (cost center 1 "Projekt" for projects)\n'
                f"integration [bold]{DEMO_SEVERA_NAME}[/] (severa-eaccounting): Severa is master for customers, "  # noqa: E501
                "eEkonomi for products",
                title="and Visma Severa ↔ eEkonomi",
            )
        )
        prepare_codes(kind)
        ok = True
        token = identity.issue_tokens(VISMA_CLIENT[0], scopes)["access_token"]
        for register in REGISTER_ORDER:
            if register == "supplier-invoices":
                book_project_costs(ea.base_url, token)  # a bookkeeper books a supplier invoice on projects
            run = service.run_register(DEMO_SEVERA_NAME, register)
            console.print(f"  {register:<18} {run.status_line}", highlight=False, markup=False)
            ok = ok and run.aborted is None
        home = service.config.home
        console.print(
            "Refused records are in the error log on purpose (the demo organisation has every case): "
            f"LEDGERBRIDGE_HOME={home} ledgerbridge errors {DEMO_SEVERA_NAME}\n"
            "Try, while the demo runs (in another terminal):\n"
            f"  LEDGERBRIDGE_HOME={home} ledgerbridge transfer {DEMO_SEVERA_NAME} customers --dry-run\n"
            f"  LEDGERBRIDGE_HOME={home} ledgerbridge transfer {DEMO_SEVERA_NAME} invoices    # safe to repeat\n"  # noqa: E501
            'Book a draft in eEkonomi, then bring its number, OCR and the "Skickad" status back to Severa:\n'
            f"  curl -s -X POST -H 'Authorization: Bearer {token}' "
            f"{ea.base_url}/v2/customerinvoicedrafts/<draft id>/convert\n"
            f"  LEDGERBRIDGE_HOME={home} ledgerbridge transfer {DEMO_SEVERA_NAME} check-sent\n"
            "The console shows a button per register on the integration's page.",
            soft_wrap=True,
            highlight=False,
            markup=False,
        )
        yield ok
