"""The Severa client against Severa's request quota: paced vs. unpaced, one thread and several.

    .venv/bin/python benchmarks/severa_client.py [--reads 60] [--threads 4] [--customers 1000]

The Severa sandbox runs on a loopback port with its 10 requests/second limit on (per client id, as Severa
reports it). Each case makes ``--reads`` single-record reads (``GET /v1/customers/{guid}``), split over
``--threads`` threads where it says so, and counts what the sandbox answered: 429s, requests sent, the
wall time and the achieved rate. Then the whole customer list (``--customers`` rows) is read with cursor
paging at 100 rows a page. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import threading
import time
from typing import Any

import httpx

from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.systems.severa.adapters import Severa
from ledgerbridge.systems.severa.client import RequestPacer, SeveraClient
from ledgerbridge.systems.severa.connection import SeveraConnection
from ledgerbridge.systems.severa.sandbox.app import create_app
from ledgerbridge.systems.severa.sandbox.common import insert


def grow(app: Any, customers: int) -> list[str]:
    """More customers like the demo organisation's first one; their guids."""
    table = app.state.table("customers")
    template = next(iter(table.values()))
    keep = ("guid", "_seq", "createdDateTime", "lastUpdatedDateTime", "number", "name")
    body = {k: v for k, v in template.items() if k not in keep}
    for n in range(max(0, customers - len(table))):
        insert(app.state, "customers", {**body, "name": f"Bänkkund {n} AB", "number": 900000 + n})
    return list(table)


def run_case(name: str, base_url: str, guids: list[str], reads: int, threads: int, paced: bool) -> None:
    connection = SeveraConnection(base_url=base_url, client_id="sandbox", client_secret="sandbox")
    # One API client id: every thread shares the one pacer, as SHARED_PACER does in production.
    pacer = RequestPacer() if paced else None
    clients = [SeveraClient.open(connection, pacer=pacer, max_retries=20) for _ in range(threads)]
    for client in clients:
        client.test_connection()
    httpx.delete(f"{base_url}/_sandbox/requests")
    time.sleep(1.1)  # a fresh quota window

    def work(client: SeveraClient, share: list[str]) -> None:
        for guid in share:
            client.read(f"v1/customers/{guid}")

    shares = [guids[i:reads:threads] for i in range(threads)]
    started = time.perf_counter()
    workers = [threading.Thread(target=work, args=(c, s)) for c, s in zip(clients, shares, strict=True)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - started
    log = httpx.get(f"{base_url}/_sandbox/requests").json()
    too_many = sum(1 for e in log if e["status"] == 429)
    print(
        f"{name:<34} {reads:>5} reads  {len(log):>5} requests  {too_many:>4} × 429  "
        f"{seconds:6.2f} s  {reads / seconds:5.2f} reads/s"
    )
    for client in clients:
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reads", type=int, default=60)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--customers", type=int, default=1000)
    args = parser.parse_args()

    app = create_app(seed="demo")
    app.gate.set_rate_limit(10, 1.0)
    with SandboxServer(app) as server:
        guids = grow(app, max(args.customers, args.reads))
        print(f"Severa sandbox, 10 requests/s per client id; {len(guids)} customers")
        run_case("unpaced, 1 thread (429 → wait 1 s)", server.base_url, guids, args.reads, 1, paced=False)
        run_case("paced, 1 thread", server.base_url, guids, args.reads, 1, paced=True)
        run_case(f"unpaced, {args.threads} threads", server.base_url, guids, args.reads, args.threads, False)
        run_case(
            f"paced, {args.threads} threads (one pacer)",
            server.base_url,
            guids,
            args.reads,
            args.threads,
            True,
        )

        connection = SeveraConnection(base_url=server.base_url, client_id="sandbox", client_secret="sandbox")
        with SeveraClient.open(connection, pacer=RequestPacer()) as client:
            client.test_connection()
            httpx.delete(f"{server.base_url}/_sandbox/requests")
            started = time.perf_counter()
            count = sum(1 for _ in Severa(client).customers.search(row_count=100))
            seconds = time.perf_counter() - started
            pages = len(httpx.get(f"{server.base_url}/_sandbox/requests").json())
            name = "list all customers (cursor, 100/page)"
            print(f"{name:<34} {count:>5} rows   {pages:>5} requests  {seconds:6.2f} s")


if __name__ == "__main__":
    main()
