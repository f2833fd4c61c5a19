"""Does ledgerbridge keep its speed as the catalogue grows? Prints figures and ratios; asserts nothing.

    .venv/bin/python benchmarks/scale.py                       # 150 records vs 3,000 (about 5 minutes)
    .venv/bin/python benchmarks/scale.py --products 100000 --customers 50000 --rackbeat-per-minute 6000
    .venv/bin/python benchmarks/scale.py --products 20000 --customers 10000 --startup-only [--profile F]

For a small catalogue (100 products + 50 customers) and a large one (``--products`` + ``--customers``),
each in one run:

- the start-up sync e-conomic → Rackbeat: time, Rackbeat calls per minute as a share of the Rackbeat
  limit (``--rackbeat-per-minute``; the sandbox enforces it, the client paces itself under it), the
  number of 429 answers, the peak RSS of the ledgerbridge process, and the CPU time per record of
  ledgerbridge and of the sandboxes (load-independent, unlike the time: the figure to compare code by);
- the first master-data poll after start (every e-conomic customer and product read and looked up);
- real time: ``--invoices`` invoices booked in Rackbeat, each timed until e-conomic has it booked (p50);
  both catalogues stay served and take turns, one invoice each, so a change in the machine's load
  weighs on both alike.

The sandboxes run in a child process (their memory is not ledgerbridge's); ledgerbridge's receiver,
inbox worker and store (SQLite, or ``--database-url``) run in this one, as in embedded ``serve``.
"""

from __future__ import annotations

import argparse
import cProfile
import multiprocessing
import os
import re
import resource
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx

os.environ.setdefault("LEDGERBRIDGE_ALLOW_PRIVATE_URLS", "1")  # the sandboxes run on 127.0.0.1
os.environ.setdefault("LEDGERBRIDGE_LOG_LEVEL", "warning")

TOKEN = "bench"


def serve_sandboxes(products: int, customers: int, per_minute: int, ports: Any) -> None:
    """The child: e-conomic seeded with the catalogue, an empty Rackbeat with its rate limit."""
    from ledgerbridge.sandbox import SandboxServer
    from ledgerbridge.systems import economic, rackbeat

    books = economic.EconomicState()
    economic.seed_demo(books, customers=customers, products=products, suppliers=5)
    economic_app = economic.create_app(books, rate_limit=None)
    rackbeat_app = rackbeat.create_app(token=TOKEN, rate_limit=(per_minute, 60.0))
    rackbeat_app.kit.set_log_limit(10_000_000)
    with SandboxServer(economic_app) as eco, SandboxServer(rackbeat_app) as rb:
        ports.put((eco.base_url, rb.base_url))
        while True:
            time.sleep(3600)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds_of(pid: int) -> float:
    """CPU seconds (user + system) another process has used so far; NaN where /proc cannot tell."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


class CpuClock:
    """CPU seconds of this process (ledgerbridge) and of the sandboxes' child over a stretch of work:
    unlike wall time, they do not change with the machine's load, so they compare runs."""

    def __init__(self, child_pid: int) -> None:
        self.child_pid = child_pid
        self.ours = time.process_time()
        self.theirs = cpu_seconds_of(child_pid)

    def spent(self) -> tuple[float, float]:
        return time.process_time() - self.ours, cpu_seconds_of(self.child_pid) - self.theirs


def rackbeat_log(rb_url: str) -> list[dict[str, Any]]:
    return list(httpx.get(f"{rb_url}/_sandbox/requests", timeout=120).json())


def bookable(eco_url: str, rb_client: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Customers and products e-conomic books with Rackbeat's totals: domestic DKK customers (25% VAT)
    and products of groups that book VAT (as chaos.py picks them)."""
    headers = {"X-AppSecretToken": "a", "X-AgreementGrantToken": "b"}

    def first_page(path: str) -> list[dict[str, Any]]:
        answer = httpx.get(f"{eco_url}/{path}", params={"pagesize": 1000}, headers=headers, timeout=60)
        return list(answer.json()["collection"])

    domestic = {
        str(c["customerNumber"])
        for c in first_page("customers")
        if (c.get("vatZone") or {}).get("vatZoneNumber") == 1 and c.get("currency") == "DKK"
    }
    # The groups' sales accounts are not in their API answer; the demo names the groups that book VAT.
    with_vat = {g["productGroupNumber"] for g in first_page("product-groups") if "m/moms" in g["name"]}
    group_of = {
        str(p["productNumber"]): (p.get("productGroup") or {}).get("productGroupNumber")
        for p in first_page("products")
    }
    customers = [
        c for c in rb_client.list_page("customers", limit=1000)["customers"] if str(c["number"]) in domestic
    ]
    products = [
        p
        for p in rb_client.list_page("products", limit=1000)["products"]
        if group_of.get(str(p["number"])) in with_vat
    ]
    return customers, products


def forget_poll_bookmarks(service: Any) -> None:
    from sqlalchemy import delete, update

    from ledgerbridge.store.models import Cursor, Integration

    with service.store.session() as db:
        db.execute(delete(Cursor).where(Cursor.name.like("poll:economic.%")))
        db.execute(update(Integration).values(startup_completed_at=None))


class Catalogue:
    """One catalogue's ledgerbridge, brought over by its start-up sync and served in real time."""

    def __init__(self, figures: dict[str, float], book: Any, waits: Any) -> None:
        self.figures = figures
        self.book = book  # book(n): invoice n booked in Rackbeat → seconds until e-conomic has it booked
        self.waits = waits  # () → (Rackbeat, e-conomic) seconds this process has waited for a rate limit
        self.latencies: list[float] = []
        self.attempts = 0


@contextmanager
def catalogue(products: int, customers: int, args: argparse.Namespace) -> Iterator[Catalogue]:
    from ledgerbridge.config import Config
    from ledgerbridge.runtime.hub import RealtimeHub
    from ledgerbridge.runtime.threads import InboxWorker
    from ledgerbridge.sandbox import SandboxServer
    from ledgerbridge.service import Ledgerbridge
    from ledgerbridge.systems import economic, rackbeat
    from ledgerbridge.systems.errors import NotFoundError
    from ledgerbridge.systems.pacing import economic_budget, rackbeat_budget
    from ledgerbridge.web.app import create_app

    ports: Any = multiprocessing.Queue()
    child = multiprocessing.Process(
        target=serve_sandboxes, args=(products, customers, args.rackbeat_per_minute, ports), daemon=True
    )
    child.start()
    eco_url, rb_url = ports.get(timeout=1800)
    assert child.pid is not None  # started
    figures: dict[str, float] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            url = args.database_url or f"sqlite:///{home / 'scale.sqlite3'}"
            service = Ledgerbridge(Config(home=home, database_url=url, secret_key=None))
            service.add_integration(
                "scale",
                "rackbeat-economic",
                {
                    "economic": {"base_url": eco_url, "app_secret_token": "a", "agreement_grant_token": "b"},
                    "rackbeat": {"base_url": rb_url, "token": TOKEN},
                    "settings": {
                        "customer_invoices": {"enabled": True, "post_invoices": True},
                        "master_data": {"economic_changes": "poll"},
                    },
                },
            )
            budget = rackbeat_budget(rb_url, TOKEN)
            samples: list[tuple[float, int, float]] = []
            done = threading.Event()

            def sample() -> None:  # the client's own count: when the burst was spent, and the pace after
                while not done.wait(0.5):
                    samples.append((time.perf_counter(), budget.calls, budget.waited))

            sampler = threading.Thread(target=sample, daemon=True)
            started = time.perf_counter()
            sampler.start()
            cpu = CpuClock(child.pid)
            profiler = cProfile.Profile() if args.profile and products > 1000 else None
            if profiler is not None:
                profiler.enable()
            result = service.run_startup("scale")
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(args.profile)
            cpu_ours, cpu_sandboxes = cpu.spent()
            elapsed = time.perf_counter() - started
            done.set()
            sampler.join()
            samples.append((time.perf_counter(), budget.calls, budget.waited))
            paced = [(t, n) for t, n, waited in samples if waited > 0]
            if len(paced) >= 2 and paced[-1][0] - paced[0][0] > 5:
                steady = (paced[-1][1] - paced[0][1]) / (paced[-1][0] - paced[0][0]) * 60
                figures["steady_share"] = steady / args.rackbeat_per_minute
            else:
                figures["steady_share"] = float("nan")  # never rate-bound: the burst sufficed
            # Before the sandbox's request log is read into this process (an entry per call: tens of MB at
            # 150,000 calls), which is the benchmark's memory, not ledgerbridge's.
            figures["startup_rss_mb"] = peak_rss_mb()
            calls = rackbeat_log(rb_url)
            httpx.delete(f"{rb_url}/_sandbox/requests")
            figures["startup_s"] = elapsed
            figures["startup_records"] = synced = sum(sum(c.values()) for c in result.counts.values())
            figures["startup_cpu_ms"] = cpu_ours / max(1, synced) * 1000
            figures["startup_sandbox_cpu_ms"] = cpu_sandboxes / max(1, synced) * 1000
            figures["startup_calls"] = len(calls)
            figures["startup_429"] = sum(1 for c in calls if c["status"] == 429)
            figures["startup_rate_share"] = len(calls) / (args.rackbeat_per_minute * elapsed / 60)
            figures["startup_load"] = os.getloadavg()[0]
            print(  # at once: a long run's start-up figures survive a run stopped later
                f"{products + customers} records: start-up {elapsed:.0f} s, {figures['startup_calls']:.0f} "
                f"calls, {figures['steady_share']:.3f} of the limit once paced, "
                f"{figures['startup_429']:.0f} × 429, peak RSS {figures['startup_rss_mb']:.0f} MB; CPU per "
                f"record: ledgerbridge {figures['startup_cpu_ms']:.2f} ms, the sandboxes "
                f"{figures['startup_sandbox_cpu_ms']:.2f} ms (load average {figures['startup_load']:.1f})",
                flush=True,
            )
            figures["startup_ok"] = float(result.ok)

            hub = RealtimeHub(service)
            worker = InboxWorker(hub, poll_seconds=0.2)
            with SandboxServer(create_app(hub, worker)) as web:
                hub.register_webhooks("scale", web.base_url)
                started = time.perf_counter()
                cpu = CpuClock(child.pid)
                hub.periodic_all()  # the first master-data poll after start, from the start-up's bookmark
                figures["first_poll_s"] = time.perf_counter() - started
                figures["first_poll_cpu_s"], _ = cpu.spent()
                # The worst case: a poll with no bookmark reads and looks up every customer and product.
                forget_poll_bookmarks(service)
                hub.reload("scale")
                started = time.perf_counter()
                cpu = CpuClock(child.pid)
                hub.periodic_all()
                figures["full_poll_s"] = time.perf_counter() - started
                cpu_ours, cpu_sandboxes = cpu.spent()
                figures["full_poll_cpu_ms"] = cpu_ours / max(1, products + customers) * 1000
                figures["full_poll_sandbox_cpu_ms"] = cpu_sandboxes / max(1, products + customers) * 1000
                print(
                    f"{products + customers} records: first poll {figures['first_poll_s']:.1f} s "
                    f"({figures['first_poll_cpu_s']:.1f} s CPU), a full poll {figures['full_poll_s']:.1f} s; "
                    f"its CPU per record: ledgerbridge {figures['full_poll_cpu_ms']:.3f} ms, the sandboxes "
                    f"{figures['full_poll_sandbox_cpu_ms']:.3f} ms",
                    flush=True,
                )
                if args.startup_only:
                    hub.close()
                    service.close()
                    yield Catalogue(figures, lambda n: None, lambda: (0.0, 0.0))
                    return
                worker.start()
                rb_client = rackbeat.RackbeatClient(rb_url, TOKEN)
                eco_client = economic.EconomicClient(eco_url, "a", "b")
                customers_dkk, items = bookable(eco_url, rb_client)
                eco_budget = economic_budget(eco_url, "b")

                def book(n: int) -> float | None:
                    invoice = rb_client.create(
                        "customer-invoices",
                        {
                            "customer_id": customers_dkk[n % len(customers_dkk)]["number"],
                            "invoice_date": date.today().isoformat(),
                            "lines": [
                                {
                                    "child_id": items[n % len(items)]["number"],
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
                    deadline = started + 30
                    while time.perf_counter() < deadline:
                        try:
                            eco_client.get(f"invoices/booked/{invoice['number']}")
                            return time.perf_counter() - started
                        except NotFoundError:
                            time.sleep(0.005)
                    return None

                try:
                    for base in (rb_url, eco_url):
                        httpx.delete(f"{base}/_sandbox/requests")
                    booked = Catalogue(figures, book, lambda: (budget.waited, eco_budget.waited))
                    yield booked
                    rackbeat_calls = rackbeat_log(rb_url)
                    # A 429 costs a retry's wait.
                    figures["rt_429"] = sum(1 for c in rackbeat_calls if c["status"] == 429)
                    # ledgerbridge's calls per invoice: not the benchmark's create and book in Rackbeat,
                    # nor its look-ups of the booked invoice in e-conomic.
                    ours = [
                        c
                        for c in rackbeat_calls
                        if not re.fullmatch(r"/customer-invoices(/\d+/book)?", c["path"])
                    ]
                    economic_calls = [
                        c
                        for c in httpx.get(f"{eco_url}/_sandbox/requests", timeout=120).json()
                        if not re.fullmatch(r"/invoices/booked/\d+", c["path"])
                    ]
                    figures["rt_rackbeat_calls"] = len(ours) / max(1, booked.attempts)
                    figures["rt_economic_calls"] = len(economic_calls) / max(1, booked.attempts)
                finally:
                    worker.stop()
                    worker.join(5)
                    hub.close()
                    rb_client.close()
                    eco_client.close()
            service.close()
    finally:
        child.kill()
        child.join()


def real_time(catalogues: list[Catalogue], invoices: int) -> None:
    """Invoices booked in turn in each catalogue, so the machine's load (shared, changing) weighs on
    every catalogue alike; each one's p50 and its rate-limit waits meanwhile go into its figures."""
    before = [c.waits() for c in catalogues]
    for n in range(invoices):
        for c in catalogues:
            latency = c.book(n)
            c.attempts += 1
            if latency is not None:
                c.latencies.append(latency)
    for c, (rackbeat_waited, economic_waited) in zip(catalogues, before, strict=True):
        now = c.waits()
        c.figures["rt_rackbeat_wait_s"] = now[0] - rackbeat_waited
        c.figures["rt_economic_wait_s"] = now[1] - economic_waited
        c.figures["invoices_booked"] = len(c.latencies)
        c.figures["p50_ms"] = statistics.median(c.latencies) * 1000 if c.latencies else float("nan")


def show(label: str, f: dict[str, float]) -> None:
    print(
        f"{label}: start-up {f['startup_records']:.0f} records in {f['startup_s']:.1f} s "
        f"(ok={bool(f['startup_ok'])}), {f['startup_calls']:.0f} Rackbeat calls = "
        f"{f['startup_rate_share']:.2f}× the limit's rate over the run (burst included), "
        f"{f['steady_share']:.3f} of the limit once paced, {f['startup_429']:.0f} × 429, "
        f"peak RSS {f['startup_rss_mb']:.0f} MB (load average {f['startup_load']:.1f} at its end); "
        f"first poll {f['first_poll_s']:.1f} s "
        f"(from the start-up sync's bookmark), a full poll (no bookmark) {f['full_poll_s']:.1f} s; "
        f"real time p50 {f['p50_ms']:.0f} ms ({f['invoices_booked']:.0f} invoices; waits for the "
        f"rate limits meanwhile: Rackbeat {f['rt_rackbeat_wait_s']:.1f} s, "
        f"e-conomic {f['rt_economic_wait_s']:.1f} s; {f['rt_429']:.0f} × 429; ledgerbridge's calls per "
        f"invoice: Rackbeat {f['rt_rackbeat_calls']:.1f}, e-conomic {f['rt_economic_calls']:.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--invoices", type=int, default=30)
    parser.add_argument("--rackbeat-per-minute", type=int, default=1200)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--startup-only",
        action="store_true",
        help="the large catalogue's start-up sync and polls only (no small catalogue, no real time)",
    )
    parser.add_argument(
        "--profile", metavar="PATH", help="cProfile the large catalogue's start-up sync into PATH"
    )
    args = parser.parse_args()
    os.environ["LEDGERBRIDGE_RACKBEAT_PER_MINUTE"] = str(args.rackbeat_per_minute)
    multiprocessing.set_start_method("spawn")

    if args.startup_only:
        with catalogue(args.products, args.customers, args):
            pass
        return
    with ExitStack() as stack:
        small_catalogue = stack.enter_context(catalogue(100, 50, args))
        large_catalogue = stack.enter_context(catalogue(args.products, args.customers, args))
        real_time([small_catalogue, large_catalogue], args.invoices)
    small, large = small_catalogue.figures, large_catalogue.figures
    show("150 records", small)
    show(f"{args.products + args.customers} records", large)
    print(
        f"ratios: real-time p50 large/small {large['p50_ms'] / small['p50_ms']:.2f} (target ≤ 1.2); "
        f"first poll at the large size {large['first_poll_s']:.1f} s, without a bookmark "
        f"{large['full_poll_s']:.1f} s (target < 60 s); "
        f"start-up calls once paced {large['steady_share']:.3f} of the limit (target ≥ 0.98) with "
        f"{large['startup_429']:.0f} × 429 (target 0); "
        f"peak RSS {large['startup_rss_mb']:.0f} MB (target ≤ 250); load average now {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
