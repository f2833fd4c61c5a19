"""How the Severa sandbox holds up with more data than the demo: paging, invoicing, reading invoices.

    .venv/bin/python benchmarks/severa_sandbox.py [--customers 5000] [--entries 2000] [--invoices 200]

Serves the demo organisation on a loopback port, grows it with ``--customers`` customers, then over HTTP:
reads every customer by cursor (100 a page), makes ``--invoices`` invoices of ``--entries`` work hours
each spread over that many new projects (``POST /v1/invoices``), and reads every invoice with its rows.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date
from decimal import Decimal

import httpx

from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.systems.severa.sandbox import create_app
from ledgerbridge.systems.severa.sandbox.common import insert


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument(
        "--entries", type=int, default=2000, help="work hours in all, spread over the invoices"
    )
    parser.add_argument("--invoices", type=int, default=200)
    args = parser.parse_args()

    app = create_app(seed="demo")
    state = app.state
    template = next(iter(state.table("customers").values()))
    keep = ("guid", "_seq", "createdDateTime", "lastUpdatedDateTime", "number", "name")
    for n in range(args.customers):
        body = {k: v for k, v in template.items() if k not in keep}
        insert(state, "customers", {**body, "name": f"Bänkkund {n} AB", "number": 500000 + n})

    with SandboxServer(app) as server, httpx.Client(base_url=server.base_url, timeout=60) as client:
        token = client.post("/v1/token", json={"client_id": "sandbox", "client_secret": "sandbox"}).json()
        client.headers.update({"Authorization": f"Bearer {token['access_token']}", "Client_Id": "sandbox"})

        started = time.perf_counter()
        rows, pages, page_token = 0, 0, None
        while True:
            params = {"rowCount": 100, **({"pageToken": page_token} if page_token else {})}
            response = client.get("/v1/customers", params=params)
            rows, pages = rows + len(response.json()), pages + 1
            page_token = response.headers.get("NextPageToken")
            if page_token is None:
                break
        elapsed = time.perf_counter() - started
        print(
            f"customers by cursor: {rows} rows, {pages} pages, {elapsed:.2f} s ({rows / elapsed:.0f} rows/s)"
        )

        owner = next(iter(state.table("users")))
        customer = template["guid"]
        work_type = next(iter(state.table("work_types")))
        per_invoice = max(1, args.entries // args.invoices)
        projects = []
        for n in range(args.invoices):
            project = client.post(
                "/v1/projects",
                json={
                    "name": f"Bänkprojekt {n}",
                    "customer": {"guid": customer},
                    "projectOwner": {"guid": owner},
                },
            ).json()
            projects.append(project["guid"])
            phase = project["rootPhase"]["guid"]
            for i in range(per_invoice):  # straight into the state: this measures invoicing, not POSTs
                insert(
                    state,
                    "work_hours",
                    {
                        "eventDate": date(2026, 11, 1 + i % 28),
                        "quantity": Decimal("1.5"),
                        "invoiceQuantity": None,
                        "description": f"Arbete {i}",
                        "invoiceRowDescription": None,
                        "invoiceRowComment": None,
                        "isBillable": True,
                        "isApproved": True,
                        "plannedInvoiceQuantity": None,
                        "startTime": None,
                        "endTime": None,
                        "unitPrice": {"amount": Decimal(1000), "currencyCode": "SEK"},
                        "unitCost": {"amount": Decimal(500), "currencyCode": "SEK"},
                        "_project": project["guid"],
                        "_phase": phase,
                        "_user": owner,
                        "_workType": work_type,
                        "_invoice": None,
                        "_invoiceRow": None,
                    },
                )
        timings = []
        for guid in projects:
            started = time.perf_counter()
            response = client.post("/v1/invoices", json={"projects": [{"guid": guid}]})
            timings.append(time.perf_counter() - started)
            assert response.status_code == 201, response.text
        print(
            f"POST /v1/invoices: {len(timings)} invoices of {per_invoice} work hours, "
            f"median {statistics.median(timings) * 1000:.1f} ms, max {max(timings) * 1000:.1f} ms"
        )

        started = time.perf_counter()
        read = 0
        page_token = None
        while True:
            params = {"rowCount": 100, **({"pageToken": page_token} if page_token else {})}
            response = client.get("/v1/invoices", params=params)
            for invoice in response.json():
                client.get(f"/v1/invoices/{invoice['guid']}/invoicerows", params={"rowCount": 100})
                read += 1
            page_token = response.headers.get("NextPageToken")
            if page_token is None:
                break
        elapsed = time.perf_counter() - started
        print(
            f"every invoice and its rows: {read} invoices, {elapsed:.2f} s ({read / elapsed:.0f} invoices/s)"
        )


if __name__ == "__main__":
    main()
