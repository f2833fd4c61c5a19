"""How long from "booked in Rackbeat" to "booked in e-conomic"? Prints figures; asserts nothing.

    .venv/bin/python benchmarks/realtime_latency.py [--invoices 50] [--economic-latency-ms 0]

Both sandboxes and ledgerbridge's web app run on loopback ports; Rackbeat delivers its webhooks over
HTTP to the receiver, the inbox worker transfers. Each invoice is booked in Rackbeat through its API,
and the script polls e-conomic's API until the booked invoice is there. The incumbent, per seed 001,
takes "a few minutes".

Invoices go to domestic DKK customers only: the demo books also has VAT-exempt associations (VAT zone
"Domestic exempt VAT"), and a 25% invoice to one of them is rightly left a draft by the totals check, so
it would never be booked. An invoice not booked within ``--timeout`` seconds stops the script with the
error log's reason instead of waiting for ever.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from ledgerbridge.config import Config
from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.runtime.threads import InboxWorker
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.service import Ledgerbridge
from ledgerbridge.systems import economic, rackbeat
from ledgerbridge.systems.errors import NotFoundError
from ledgerbridge.web.app import create_app

os.environ.setdefault("LEDGERBRIDGE_ALLOW_PRIVATE_URLS", "1")  # the sandboxes run on 127.0.0.1


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--invoices", type=int, default=50)
    parser.add_argument("--economic-latency-ms", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for one invoice")
    args = parser.parse_args()

    books = economic.EconomicState()
    economic.seed_demo(books, customers=50, products=100, suppliers=5)
    economic_app = economic.create_app(books, rate_limit=None)
    rackbeat_app = rackbeat.create_app(token="bench", rate_limit=None)
    with (
        tempfile.TemporaryDirectory() as tmp,
        SandboxServer(economic_app) as eco,
        SandboxServer(rackbeat_app) as rb,
    ):
        home = Path(tmp)
        service = Ledgerbridge(
            Config(home=home, database_url=f"sqlite:///{home / 'b.sqlite3'}", secret_key=None)
        )
        service.add_integration(
            "bench",
            "rackbeat-economic",
            {
                "economic": {"base_url": eco.base_url, "app_secret_token": "a", "agreement_grant_token": "b"},
                "rackbeat": {"base_url": rb.base_url, "token": "bench"},
                "settings": {"customer_invoices": {"enabled": True, "post_invoices": True}},
            },
        )
        service.run_startup("bench")
        hub = RealtimeHub(service)
        worker = InboxWorker(hub)
        with SandboxServer(create_app(hub, worker)) as web:
            hub.register_webhooks("bench", web.base_url)
            worker.start()
            economic_app.kit.plan.latency_ms = args.economic_latency_ms
            rb_client = rackbeat.RackbeatClient(rb.base_url, "bench")
            eco_client = economic.EconomicClient(eco.base_url, "a", "b")
            customers = [
                c
                for c in rackbeat_app.rackbeat_state.records("customers")
                if c.get("currency") == "DKK" and c.get("vat_zone") == "domestic"
            ]
            products = rackbeat_app.rackbeat_state.records("products")
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
                started = time.perf_counter()
                rb_client.book("customer-invoices", invoice["number"])
                while True:
                    try:
                        eco_client.get(f"invoices/booked/{invoice['number']}")
                        break
                    except NotFoundError:
                        time.sleep(0.005)
                    if time.perf_counter() - started > args.timeout:
                        reasons = [e.message for e in service.errors("bench")]
                        raise SystemExit(
                            f"invoice {invoice['number']} not booked in e-conomic after "
                            f"{args.timeout:.0f} s; open errors: {reasons or 'none'}"
                        )
                latencies.append(time.perf_counter() - started)
            worker.stop()
            hub.close()
        latencies.sort()
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        print(f"{args.invoices} invoices, e-conomic latency {args.economic_latency_ms} ms per call")
        print(
            f"booked in Rackbeat → booked in e-conomic: median {statistics.median(latencies) * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
        )
        print(
            f"incumbent: 'a few minutes' (seed 001); ratio at the median vs 120 s: "
            f"{120 / statistics.median(latencies):.0f}x faster"
        )
        service.close()


if __name__ == "__main__":
    main()
