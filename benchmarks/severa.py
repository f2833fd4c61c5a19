"""The Severa ↔ eEkonomi integration at a consultancy's size: every register, counted and timed.

    .venv/bin/python benchmarks/severa.py [--customers 500] [--articles 300] [--projects 200]
                                          [--invoices 1000] [--rows 10] [--severa-limit 10]

Serves the Severa sandbox (its demo organisation grown by the arguments: customers with a billing address,
articles spread over products, work types and travel expense types, projects, invoices of ``--rows``
work-hour rows each, in the "to transfer" status) with Severa's 10 requests/s limit switched on, and an
eAccounting sandbox with the Severa demo's company (its own 600 requests a minute per endpoint). Then runs
every register once through the service (SQLite) and once more (nothing may change), and prints per
register: records, seconds, records/s, calls per record to each side against the minimum the APIs allow,
and whether Severa ever answered 429. Asserts nothing.

The minimum per record: one write on the target (a create, or the draft plus the status PATCH for an
invoice) plus the list pages (100 rows each) every run must read; an invoice also needs its rows (a
separate list in Severa); customers need the lists of addresses, contacts and communications too.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledgerbridge.config import Config
from ledgerbridge.demo_severa import VISMA_CLIENT, demo_settings, seed_severa_books
from ledgerbridge.netguard import ALLOW_PRIVATE_ENV
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.service import Ledgerbridge
from ledgerbridge.systems.eaccounting import EAccountingState
from ledgerbridge.systems.eaccounting import create_app as create_eaccounting_app
from ledgerbridge.systems.eaccounting.sandbox.identity import IdentityServer
from ledgerbridge.systems.severa.sandbox import create_app as create_severa_app
from ledgerbridge.systems.severa.sandbox.common import insert
from ledgerbridge.systems.severa.sandbox.demo_data import demo_guid
from ledgerbridge.systems.severa.sandbox.entries import Entries
from ledgerbridge.systems.severa.sandbox.invoices import Invoices

REGISTERS = ("customers", "products", "projects", "invoices", "supplier-invoices", "check-sent", "check-paid")
MONEY = "SEK"


def money(amount: str) -> dict[str, Any]:
    return {"amount": Decimal(amount), "currencyCode": MONEY}


def grow(state: Any, args: argparse.Namespace) -> None:
    """The demo organisation plus the benchmark's records, straight into the sandbox's state."""
    template = state.table("customers")[demo_guid("customer", 1001)]
    keep = ("guid", "_seq", "createdDateTime", "lastUpdatedDateTime", "number", "name", "_headquarterAddress")
    sweden = demo_guid("country", "SE")
    customers = []
    for n in range(args.customers):
        body = {k: v for k, v in template.items() if k not in keep}
        customer = insert(state, "customers", {**body, "name": f"Bänkkund {n} AB", "number": 50000 + n})
        address = insert(
            state,
            "addresses",
            {"addressline": f"Storgatan {n}", "postalCode": "972 31", "city": "Luleå", "phone": None,
             "fax": None, "isBillingAddress": True, "isPostalAddress": True, "isVisitAddress": False,
             "_country": sweden, "_customer": customer["guid"]},
        )  # fmt: skip
        customer["_headquarterAddress"] = address["guid"]
        customers.append(customer)
    per_register = args.articles // 3
    product = state.table("products")[demo_guid("product", "LIC-01")]
    work_type = state.table("work_types")[demo_guid("worktype", "UTV")]
    travel = state.table("travel_types")[demo_guid("traveltype", "HOT")]
    work_types = []
    for n in range(per_register):
        insert(state, "products", {**_body(product), "code": f"B-P{n}", "name": f"Bänkprodukt {n}"})
        work_types.append(
            insert(state, "work_types", {**_body(work_type), "code": f"B-W{n}", "name": f"Arbete {n}"})
        )
        insert(state, "travel_types", {**_body(travel), "code": f"B-T{n}", "name": f"Resa {n}"})
    project_template = state.table("projects")[demo_guid("project", 10001)]
    projects = []
    for n in range(args.projects):
        customer = customers[n % len(customers)] if customers else template
        body = {k: v for k, v in _body(project_template).items() if k != "_rootPhase"}
        project = insert(state, "projects", {**body, "number": 20000 + n, "name": f"Bänkprojekt {n}",
                                             "_customer": customer["guid"]})  # fmt: skip
        phase = insert(state, "phases", {"name": project["name"], "_project": project["guid"]})
        project["_rootPhase"] = phase["guid"]
        projects.append(project)
    invoicing = Invoices(state, Entries(state))
    user = demo_guid("user", "EJ")
    for n in range(args.invoices):
        project = projects[n % len(projects)]
        for row in range(args.rows):
            kind = work_types[(n + row) % len(work_types)]
            insert(state, "work_hours", {
                "eventDate": date(2026, 11, 1 + row % 28), "quantity": Decimal("1.5"), "invoiceQuantity": None,  # noqa: E501
                "plannedInvoiceQuantity": None, "description": f"Arbete {row}", "invoiceRowDescription": None,
                "invoiceRowComment": None, "isBillable": True, "isApproved": True, "startTime": None,
                "endTime": None, "unitPrice": money("1100"), "unitCost": money("500"),
                "_project": project["guid"], "_phase": project["_rootPhase"], "_user": user,
                "_workType": kind["guid"], "_invoice": None, "_invoiceRow": None,
            })  # fmt: skip
        invoicing.create_one([project], demo_guid("status", "Till eEkonomi"), None, date(2026, 11, 20))


def _body(record: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v for k, v in record.items() if k not in ("guid", "_seq", "createdDateTime", "lastUpdatedDateTime")
    }


def minimum(register: str, records: int, args: argparse.Namespace) -> float:
    """The fewest calls per record the two APIs allow for this register (see the module docstring)."""
    if records == 0:
        return 0.0
    pages = math.ceil(records / 100)
    # one write per record (an invoice: its rows read, the draft, the status), plus the lists every run reads
    # (customers: customers, addresses, contacts, their e-mails and phones, and eEkonomi's customers)
    per = {"invoices": 3}.get(register, 1)
    lists = {"customers": 5}.get(register, 2)
    return (records * per + lists * pages) / records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=10)
    parser.add_argument("--severa-limit", type=int, default=10, help="Severa's requests per second (0: off)")
    args = parser.parse_args()
    os.environ[ALLOW_PRIVATE_ENV] = "1"  # the sandboxes listen on 127.0.0.1

    severa_app = create_severa_app(seed="demo", client_id="bench", client_secret="bench",
                                   rate_limit=args.severa_limit or None)  # fmt: skip
    severa_app.kit.set_log_limit(10_000_000)
    started = time.perf_counter()
    grow(severa_app.state, args)
    print(f"Severa sandbox grown in {time.perf_counter() - started:.1f} s: {args.customers} customers, "
          f"{args.articles} articles, {args.projects} projects, {args.invoices} invoices × {args.rows} rows")  # fmt: skip  # noqa: E501
    books = EAccountingState()
    cost_center = seed_severa_books(books)["cost_center_id"]
    identity = IdentityServer()
    identity.register_client(*VISMA_CLIENT, ["http://127.0.0.1:9/callback"], name="bench")
    books_app = create_eaccounting_app(books, identity=identity)
    books_app.kit.set_log_limit(10_000_000)
    with (
        tempfile.TemporaryDirectory() as home,
        SandboxServer(severa_app) as sev,
        SandboxServer(books_app) as ea,
    ):
        config = Config(home=Path(home), database_url=f"sqlite:///{home}/bench.sqlite3", secret_key=None)
        service = Ledgerbridge(config)
        settings = demo_settings(cost_center)
        settings["masters"] = {"customers": "severa", "products": "severa"}
        service.add_integration("bench", "severa-eaccounting", {
            "severa": {"base_url": sev.base_url, "client_id": "bench", "client_secret": "bench"},
            "eaccounting": {"base_url": f"{ea.base_url}/v2", "identity_url": ea.base_url,
                            "client_id": VISMA_CLIENT[0], "client_secret": VISMA_CLIENT[1],
                            "redirect_uri": "http://127.0.0.1:9/callback"},
            "settings": settings,
        })  # fmt: skip
        integration_id, kind = service.integration("bench")
        grant = identity.issue_tokens(
            VISMA_CLIENT[0], "ea:api offline_access ea:sales ea:purchase ea:accounting"
        )
        kind.keep_token(service.store, integration_id, grant)  # type: ignore[attr-defined]
        from ledgerbridge.demo_severa import prepare_codes

        prepare_codes(kind)
        print(f"{'register':<18} {'pass':<6} {'records':>8} {'seconds':>8} {'rec/s':>7} "
              f"{'Severa/rec':>10} {'eEk/rec':>8} {'min/rec':>8} {'429s':>5}  status line")  # fmt: skip
        for label in ("first", "again"):
            for register in REGISTERS:
                sev_before, ea_before = len(severa_app.kit.requests), len(books_app.kit.requests)
                began = time.perf_counter()
                run = service.run_register("bench", register)
                elapsed = time.perf_counter() - began
                severa_calls = list(severa_app.kit.requests)[sev_before:]
                books_calls = len(books_app.kit.requests) - ea_before
                records = run.created + run.updated + run.unchanged + run.failed
                per = max(records, 1)
                limited = sum(1 for r in severa_calls if r.status == 429)
                print(
                    f"{register:<18} {label:<6} {records:>8} {elapsed:>8.1f} {records / elapsed:>7.1f} "
                    f"{len(severa_calls) / per:>10.2f} {books_calls / per:>8.2f} "
                    f"{minimum(register, records, args):>8.2f} {limited:>5}  {run.status_line}"
                )
        all_calls = list(severa_app.kit.requests)
        if all_calls:
            span = max(1e-9, all_calls[-1].at - all_calls[0].at)
            busiest = _busiest_second(all_calls)
            print(f"Severa: {len(all_calls)} calls in {span:.0f} s ({len(all_calls) / span:.1f}/s on average, "  # noqa: E501
                  f"at most {busiest} in any one second; the limit is {args.severa_limit}/s)")  # fmt: skip
        service.close()


def _busiest_second(calls: list[Any]) -> int:
    start, most, window = 0, 0, 0
    times = [c.at for c in calls]
    for end in range(len(times)):
        while times[end] - times[start] >= 1.0:
            start += 1
        window = end - start + 1
        most = max(most, window)
    return most


if __name__ == "__main__":
    main()
