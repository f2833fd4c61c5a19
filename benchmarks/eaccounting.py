"""Rackbeat ↔ eAccounting: the start-up sync's pace and "booked in Rackbeat → in eAccounting" per status.

    .venv/bin/python benchmarks/eaccounting.py [--customers 300] [--articles 600] [--invoices 30]
                                               [--eaccounting-latency-ms 0] [--rate-limit]

Both sandboxes and ledgerbridge's web app run on loopback ports. The eAccounting sandbox gets the demo
company plus ``--customers`` and ``--articles`` more; the start-up sync copies them to Rackbeat. Then
each invoice is booked in Rackbeat through its API, Rackbeat's webhook reaches the receiver, and the
script polls eAccounting's API until the document is there in the status asked for (draft; invoiced =
draft + convert; invoiced and e-mailed = + e-mail). With ``--rate-limit`` eAccounting's documented 600
requests per minute per endpoint apply. Prints figures; asserts nothing. The incumbent, per seed 000:
"det bör därför inte ta mer än några minuter".
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx

from ledgerbridge.config import Config
from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.runtime.threads import InboxWorker
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.service import Ledgerbridge
from ledgerbridge.systems import rackbeat
from ledgerbridge.systems.eaccounting import EAccountingClient, EAccountingState, create_app
from ledgerbridge.systems.eaccounting.oauth import authorize_via_loopback
from ledgerbridge.systems.eaccounting.sandbox.demo_data import seed_demo_company
from ledgerbridge.systems.eaccounting.sandbox.identity import IdentityServer
from ledgerbridge.web.app import create_app as create_web_app

os.environ.setdefault("LEDGERBRIDGE_ALLOW_PRIVATE_URLS", "1")  # the sandboxes run on 127.0.0.1


def grow(state: EAccountingState, customers: int, articles: int) -> None:
    """More customers and articles like the demo company's."""
    template_customer = state.all("customers")[0]
    template_article = state.all("articles")[0]
    keep = ("Id", "CustomerNumber", "Number", "ChangedUtc", "CreatedUtc")
    for n in range(customers):
        body = {k: v for k, v in template_customer.items() if k not in keep}
        state.add("customers", {**body, "Name": f"Kund {n} AB", "CustomerNumber": str(5000 + n)})
    for n in range(articles):
        body = {k: v for k, v in template_article.items() if k not in keep}
        state.add("articles", {**body, "Name": f"Artikel {n}", "Number": f"B{n:05d}"})


def grant(url: str) -> None:
    with httpx.Client(follow_redirects=True, timeout=10) as browser:
        page = browser.get(url)
        request_id = re.search(r'name=.?request_id.? value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        browser.post(str(page.url).split("?", 1)[0], data={"request_id": request_id, "decision": "grant"})


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--articles", type=int, default=600)
    parser.add_argument("--invoices", type=int, default=30)
    parser.add_argument("--eaccounting-latency-ms", type=int, default=0)
    parser.add_argument(
        "--rate-limit", action="store_true", help="eAccounting's 600 requests/minute/endpoint"
    )
    args = parser.parse_args()

    state = EAccountingState()
    seed_demo_company(state)
    grow(state, args.customers, args.articles)
    identity = IdentityServer()
    books_app = create_app(state, identity=identity, rate_limit=(600, 60.0) if args.rate_limit else None)
    rackbeat_app = rackbeat.create_app(token="bench", rate_limit=None)
    with (
        tempfile.TemporaryDirectory() as tmp,
        SandboxServer(books_app) as ea,
        SandboxServer(rackbeat_app) as rb,
    ):
        redirect = "http://127.0.0.1:8799/callback"
        identity.register_client("bench", "secret", [redirect])
        home = Path(tmp)
        service = Ledgerbridge(
            Config(home=home, database_url=f"sqlite:///{home / 'b.sqlite3'}", secret_key=None)
        )
        service.add_integration(
            "bench",
            "rackbeat-eaccounting",
            {
                "eaccounting": {
                    "base_url": f"{ea.base_url}/v2",
                    "identity_url": ea.base_url,
                    "client_id": "bench",
                    "client_secret": "secret",
                    "redirect_uri": redirect,
                },
                "rackbeat": {"base_url": rb.base_url, "token": "bench"},
            },
        )
        integration_id, kind = service.integration("bench")
        with kind.visma_connect() as visma:  # type: ignore[attr-defined]
            kind.keep_token(service.store, integration_id, authorize_via_loopback(visma, open_browser=grant))  # type: ignore[attr-defined]

        records = args.customers + args.articles + len(state.all("customers")) - args.customers
        started = time.perf_counter()
        result = service.run_startup("bench")
        first = time.perf_counter() - started
        started = time.perf_counter()
        service.run_startup("bench", force=True)
        again = time.perf_counter() - started
        created = sum(c.get("created", 0) for c in result.counts.values())
        print(
            f"start-up sync eAccounting → Rackbeat: {created} records created in {first:.1f} s "
            f"({created / first:.0f} records/s); forced re-run {again:.1f} s with 0 writes"
        )

        books_app.kit.plan.latency_ms = args.eaccounting_latency_ms
        hub = RealtimeHub(service)
        worker = InboxWorker(hub)
        rb_client = rackbeat.RackbeatClient(rb.base_url, "bench")
        token = identity.issue_tokens("bench", "ea:api ea:sales")["access_token"]
        ea_client = EAccountingClient(f"{ea.base_url}/v2", token)
        # Customers with an e-mail address: "invoiced and send email" needs a recipient.
        customers = [c for c in rackbeat_app.rackbeat_state.records("customers") if c.get("contact_email")]
        # Products whose eAccounting coding books Rackbeat's 25 %: any other would be held as a draft by
        # the totals check (benchmarks/books.py measures that).
        products = [
            p
            for p in rackbeat_app.rackbeat_state.records("products")
            if "25%" in str((p.get("group") or {}).get("name"))
        ]
        with SandboxServer(create_web_app(hub, worker)) as web:
            hub.register_webhooks("bench", web.base_url)
            worker.start()
            for status in ("draft", "invoiced", "invoiced_and_send_email"):
                settings = service.describe("bench").settings
                settings["invoices"] = {**settings.get("invoices", {}), "status": status}
                service.update_settings("bench", settings)
                hub.reload("bench")
                latencies = []
                for n in range(args.invoices):
                    invoice = rb_client.create(
                        "customer-invoices",
                        {
                            "customer_id": customers[n % len(customers)]["number"],
                            "invoice_date": date.today().isoformat(),
                            "lines": [
                                {
                                    "child_id": products[n % len(products)]["number"],
                                    "name": "x",
                                    "quantity": 1 + n % 3,
                                    "line_price": "99.50",
                                    "vat_percentage": 25,
                                }
                            ],
                        },
                    )
                    marker = f"ContractNumber eq 'Rackbeat invoice {invoice['number']}'"
                    path = "customerinvoicedrafts" if status == "draft" else "customerinvoices"
                    emails = len(state.sent_emails)
                    began = time.perf_counter()
                    rb_client.book("customer-invoices", invoice["number"])
                    deadline = time.monotonic() + 30
                    while not list(ea_client.iter_collection(path, filter=marker)) or (
                        status == "invoiced_and_send_email" and len(state.sent_emails) == emails
                    ):
                        if time.monotonic() > deadline:
                            raise SystemExit(
                                f"invoice {invoice['number']} did not arrive: {service.errors('bench')}"
                            )
                        time.sleep(0.005)
                    latencies.append(time.perf_counter() - began)
                latencies.sort()
                p95 = latencies[int(0.95 * (len(latencies) - 1))]
                median = statistics.median(latencies)
                print(
                    f"booked in Rackbeat → {status.replace('_', ' ')} in eAccounting: median "
                    f"{median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms ({args.invoices} invoices, "
                    f"{args.eaccounting_latency_ms} ms per eAccounting call); vs 'a few minutes' (120 s): "
                    f"{120 / median:.0f}x faster"
                )
            worker.stop()
            hub.close()
        total = sum(Decimal(str(i["TotalAmount"])) for i in ea_client.iter_collection("customerinvoices"))
        print(
            f"eAccounting now holds {len(state.all('customerinvoices'))} invoices ({total} SEK) and "
            f"{len(state.all('customerinvoicedrafts'))} drafts; {records} master records were synced"
        )
        service.close()


if __name__ == "__main__":
    main()
