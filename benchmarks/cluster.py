"""Do workers add up? Embedded vs cluster mode with 1 and 2 workers, and webhook intake. Prints figures.

    .venv/bin/python benchmarks/cluster.py                      # 300 invoices, 3,000 deliveries
    .venv/bin/python benchmarks/cluster.py --invoices 2000 --deliveries 20000

Real processes, as in ``chaos.py`` (whose sandboxes and process handling this reuses, with no faults):
one integration's backlog of ``--invoices`` booked invoices (booked at once in Rackbeat, delivered by its
webhooks) is drained by embedded ``serve`` (SQLite), then by ``serve --cluster`` with one ``worker``, then
with two (PostgreSQL at 127.0.0.1:5432). Printed: documents per second, the CPU the ledgerbridge
processes used (share of this machine's cores: two workers cannot add up where the cores are already
busy), and the ratios 2 workers / 1 worker (target ≥ 1.7) and 1 worker / embedded (target ≥ 0.9).

Webhook intake: ``--deliveries`` Rackbeat deliveries POSTed by ``--senders`` threads straight to the
cluster receiver (``serve --cluster`` with no worker running, so only intake is measured): deliveries
per second and p95 latency of the 200 (targets ≥ 1,000/s and ≤ 50 ms).

The second backlog is spread over ``--integrations`` (20) integrations, each with a Rackbeat and an
e-conomic sandbox of its own and ``--per-integration`` invoices booked at once; the same three runs and
ratios. ``--intake-only`` runs only the intake figure; ``--invoices 0``, ``--integrations 0`` and
``--deliveries 0`` skip the one-integration backlog, the second backlog and intake.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chaos  # noqa: E402  (the sibling benchmark: sandboxes, Fleet, Invoices, run_phase)

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def phase_args(args: argparse.Namespace) -> argparse.Namespace:
    return argparse.Namespace(
        fault_rate=0.0,
        stall_seconds=5.0,
        seed=args.seed,
        duplicate_rate=0.0,
        kills=0,
        max_seconds=args.max_seconds,
        settle_seconds=30.0,
    )


def fleet_env(home: Path, database_url: str, key: str) -> dict[str, str]:
    return {
        **os.environ,
        "LEDGERBRIDGE_HOME": str(home),
        "LEDGERBRIDGE_DATABASE_URL": database_url,
        "LEDGERBRIDGE_SECRET_KEY": key,
        "LEDGERBRIDGE_ALLOW_PRIVATE_URLS": "1",
        "LEDGERBRIDGE_LOG_LEVEL": "warning",
        "PYTHONUNBUFFERED": "1",
    }


def wait_for_workers(database_url: str, workers: int, timeout: float = 300.0) -> None:
    """Until ``workers`` worker processes beat (started and listening): the figure is how fast they work,
    not how fast this loaded machine imports them."""
    if not workers:
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                if (
                    connection.execute(text("SELECT count(*) FROM procrastinate_workers")).scalar() or 0
                ) >= workers:
                    return
            time.sleep(0.5)
    finally:
        engine.dispose()
    print(f"  ({workers} workers not beating after {timeout:.0f} s: measuring anyway)", flush=True)


def prepared(fleet: chaos.Fleet, boxes: Any, workdir: Path, *, startup: bool = True) -> None:
    config = workdir / "cluster.toml"
    config.write_text(chaos.integration_toml(boxes, 10.0))
    steps = [["integrations", "add", chaos.NAME, "--kind", boxes.ledger.kind, "--config", str(config)]]
    if startup:
        steps.append(["sync", chaos.NAME, "--startup"])
    for step in steps:
        done = fleet.cli(*step)
        if done.returncode != 0:
            raise RuntimeError(f"`ledgerbridge {' '.join(step)}` failed:\n{done.stdout}\n{done.stderr}")


def backlog(mode: str, workers: int, args: argparse.Namespace) -> tuple[float | None, float, int]:
    """(documents per second, CPU share of the machine, duplicates) for one backlog."""
    from cryptography.fernet import Fernet

    with (
        tempfile.TemporaryDirectory(prefix=f"cluster-{mode}-") as tmp,
        chaos.sandboxes("economic", args.customers, args.products) as boxes,
    ):
        workdir = Path(tmp)
        home = workdir / "home"
        with chaos.database(mode, home) as database_url:
            env = fleet_env(home, database_url, Fernet.generate_key().decode())
            fleet = chaos.Fleet(env, workdir, cluster=mode == "cluster", workers=workers)
            prepared(fleet, boxes, workdir)
            invoices = chaos.Invoices(boxes, args.seed)
            try:
                fleet.start_all()
                time.sleep(3)  # subscriptions are made in the background after start
                wait_for_workers(database_url, workers if mode == "cluster" else 0)
                pids = [p.pid for p in fleet.processes.values()]
                cpu0, t0 = sum(cpu_seconds(p) for p in pids), time.monotonic()
                result = chaos.run_phase(
                    "backlog",
                    fleet=fleet,
                    boxes=boxes,
                    invoices=invoices,
                    count=args.invoices,
                    chaos=False,
                    args=phase_args(args),
                    database_url=database_url,
                )
                cpu1, t1 = sum(cpu_seconds(p) for p in pids), time.monotonic()
            finally:
                fleet.stop_all()
            cpu_share = (cpu1 - cpu0) / (t1 - t0) / (os.cpu_count() or 1)
            return result.throughput, cpu_share, result.outcome.duplicates


def backlog_many(mode: str, workers: int, args: argparse.Namespace) -> tuple[float | None, float, int]:
    """(documents per second, CPU share of the machine, duplicates) for a backlog spread over
    ``--integrations`` integrations, each with its own Rackbeat and e-conomic sandbox, ``--per-integration``
    invoices each, booked at once."""
    from contextlib import ExitStack

    from cryptography.fernet import Fernet
    from sqlalchemy import text

    from ledgerbridge.config import Config
    from ledgerbridge.service import Ledgerbridge

    with tempfile.TemporaryDirectory(prefix=f"cluster-many-{mode}-") as tmp, ExitStack() as stack:
        boxes = [
            stack.enter_context(chaos.sandboxes("economic", args.many_customers, args.many_products))
            for _ in range(args.integrations)
        ]
        workdir = Path(tmp)
        home = workdir / "home"
        key = Fernet.generate_key().decode()
        with chaos.database(mode, home) as database_url:
            env = fleet_env(home, database_url, key)
            fleet = chaos.Fleet(env, workdir, cluster=mode == "cluster", workers=workers)
            # Added and synced in this process: a CLI process per tenant would take minutes here.
            os.environ["LEDGERBRIDGE_ALLOW_PRIVATE_URLS"] = "1"  # the sandboxes listen on 127.0.0.1
            service = Ledgerbridge(Config(home=home, database_url=database_url, secret_key=key))
            for n, box in enumerate(boxes):
                config = workdir / f"tenant{n}.toml"
                config.write_text(chaos.integration_toml(box, 10.0))
                service.add_integration_from_file(f"tenant{n:02d}", box.ledger.kind, config)
                if not service.run_startup(f"tenant{n:02d}").ok:
                    raise RuntimeError(f"tenant{n:02d}: the start-up sync failed")
            invoices = [chaos.Invoices(box, args.seed + n) for n, box in enumerate(boxes)]
            try:
                fleet.start_all()
                deadline = time.monotonic() + 300
                while time.monotonic() < deadline:  # every tenant subscribed to its Rackbeat's webhooks
                    with service.store.session() as db:
                        subscribed = db.execute(text("SELECT count(*) FROM webhook_secrets")).scalar()
                    if subscribed == len(boxes):
                        break
                    time.sleep(1)
                wait_for_workers(database_url, workers if mode == "cluster" else 0)
                pids = [p.pid for p in fleet.processes.values()]
                cpu0, started = sum(cpu_seconds(p) for p in pids), time.monotonic()
                numbers = [
                    {f"many {n} #{i}": book.book(f"many {n} #{i}") for i in range(args.per_integration)}
                    for n, book in enumerate(invoices)
                ]
                total, done_at = sum(map(len, numbers)), None
                while time.monotonic() < started + args.max_seconds:
                    outcomes = [book.outcome(mine) for book, mine in zip(invoices, numbers, strict=True)]
                    if sum(o.done for o in outcomes) >= total:
                        done_at = time.monotonic()
                        break
                    time.sleep(0.5)
                ended = done_at or time.monotonic()
                cpu1 = sum(cpu_seconds(p) for p in pids)
                outcomes = [book.outcome(mine) for book, mine in zip(invoices, numbers, strict=True)]
            finally:
                fleet.stop_all()
                service.close()
            cpu_share = (cpu1 - cpu0) / (ended - started) / (os.cpu_count() or 1)
            rate = total / (done_at - started) if done_at else None
            return rate, cpu_share, sum(o.duplicates for o in outcomes)


async def _send_all(
    host: str, port: int, path: str, headers: dict[str, str], deliveries: int, senders: int
) -> tuple[list[float], int]:
    """POST ``deliveries`` Rackbeat deliveries over ``senders`` keep-alive connections (plain asyncio
    streams: the senders must cost this shared machine little, so the receiver is what is measured)."""
    import asyncio
    import json

    latencies: list[float] = []
    failures = 0
    numbers = iter(range(deliveries))
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())

    async def sender() -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for n in numbers:
                body = json.dumps({"key_name": "number", "key": 1_000_000 + n}).encode()
                request = (
                    f"POST {path} HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\n"
                    f"content-length: {len(body)}\r\n{head}\r\n"
                ).encode() + body
                started = time.perf_counter()
                writer.write(request)
                status_line = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - started)
                failures += not status_line.split(b" ")[1].startswith(b"2")
        finally:
            writer.close()

    await asyncio.gather(*(sender() for _ in range(senders)))
    return latencies, failures


def intake(args: argparse.Namespace) -> tuple[float, float, int, float, float]:
    """(deliveries per second, p95 seconds, non-2xx answers, the receiver's CPU share, the senders' CPU
    share) at the cluster receiver (``serve --cluster``, no worker: only intake is measured)."""
    import asyncio

    from cryptography.fernet import Fernet

    from ledgerbridge.config import Config
    from ledgerbridge.engine.webhook_secrets import WebhookSecrets
    from ledgerbridge.runtime.hub import RealtimeHub
    from ledgerbridge.service import Ledgerbridge

    with (
        tempfile.TemporaryDirectory(prefix="cluster-intake-") as tmp,
        chaos.sandboxes("economic", args.customers, args.products) as boxes,
    ):
        workdir = Path(tmp)
        home = workdir / "home"
        key = Fernet.generate_key().decode()
        with chaos.database("cluster", home) as database_url:
            fleet = chaos.Fleet(fleet_env(home, database_url, key), workdir, cluster=True, workers=0)
            prepared(fleet, boxes, workdir, startup=False)
            service = Ledgerbridge(Config(home=home, database_url=database_url, secret_key=key))
            hub = RealtimeHub(service)
            try:
                fleet.start_all()
                tokens: dict[str, str] = {}
                deadline = time.monotonic() + 120
                while not tokens and time.monotonic() < deadline:
                    with service.store.session() as db:
                        integration_id = hub.session(chaos.NAME)[0]
                        tokens = hub._open_tokens(WebhookSecrets(db, integration_id).get("rackbeat"))
                    time.sleep(0.2)
                event = "customer_invoice.booked"
                headers = {"rackbeat-webhook-token": tokens[event], "rackbeat-webhook-event": event}
                host, port = fleet.url.removeprefix("http://").split(":")
                path = f"/webhooks/rackbeat/{chaos.NAME}"
                # A few first, so the receiver has looked up the integration's tokens once.
                asyncio.run(_send_all(host, int(port), path, headers, 10, 2))
                server = fleet.processes["serve"].pid
                cpu0, own0, started = cpu_seconds(server), time.process_time(), time.perf_counter()
                latencies, failures = asyncio.run(
                    _send_all(host, int(port), path, headers, args.deliveries, args.senders)
                )
                elapsed = time.perf_counter() - started
                server_cpu = (cpu_seconds(server) - cpu0) / elapsed
                sender_cpu = (time.process_time() - own0) / elapsed
            finally:
                fleet.stop_all()
                hub.close()
                service.close()
    latencies.sort()
    return (
        args.deliveries / elapsed,
        latencies[int(0.95 * (len(latencies) - 1))],
        failures,
        server_cpu,
        sender_cpu,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--invoices", type=int, default=300)
    parser.add_argument("--deliveries", type=int, default=3000)
    parser.add_argument("--senders", type=int, default=32)
    parser.add_argument("--customers", type=int, default=60)
    parser.add_argument("--products", type=int, default=120)
    parser.add_argument("--max-seconds", type=float, default=900.0)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--integrations", type=int, default=20, help="the backlog over many (0: skip it)")
    parser.add_argument("--per-integration", type=int, default=10)
    parser.add_argument("--many-customers", type=int, default=10)
    parser.add_argument("--many-products", type=int, default=20)
    parser.add_argument("--skip-backlog", "--intake-only", action="store_true", help="only webhook intake")
    args = parser.parse_args()

    scenarios = []
    if args.invoices and not args.skip_backlog:
        scenarios.append((f"one integration, {args.invoices} invoices", backlog))
    if args.integrations and not args.skip_backlog:
        scenarios.append(
            (f"{args.integrations} integrations, {args.per_integration} invoices each", backlog_many)
        )
    for title, scenario in scenarios:
        figures = {}
        print(f"backlog: {title}", flush=True)
        for label, mode, workers in (
            ("embedded", "embedded", 0),
            ("1 worker", "cluster", 1),
            ("2 workers", "cluster", 2),
        ):
            rate, cpu, duplicates = scenario(mode, workers, args)
            figures[label] = rate
            shown = f"{rate:.1f} documents/s" if rate else "did not finish"
            print(
                f"  {label:>9}: {shown}, CPU {cpu:.0%} of {os.cpu_count()} cores, duplicates {duplicates}, "
                f"load average {os.getloadavg()[0]:.1f}",
                flush=True,
            )
        one, two, embedded = figures["1 worker"], figures["2 workers"], figures["embedded"]
        if one and two and embedded:
            print(
                f"  ratios: 2 workers / 1 worker {two / one:.2f} (target ≥ 1.7); "
                f"1 worker / embedded {one / embedded:.2f} (target ≥ 0.9)",
                flush=True,
            )
    if not args.deliveries:
        return
    rate, p95, failures, server_cpu, sender_cpu = intake(args)
    print(
        f"webhook intake (serve --cluster, {args.senders} senders, {args.deliveries} deliveries): "
        f"{rate:.0f} deliveries/s, p95 {p95 * 1000:.0f} ms, {failures} not 2xx "
        f"(targets ≥ 1,000/s, p95 ≤ 50 ms); CPU: the receiver {server_cpu:.0%} of one core, the senders "
        f"{sender_cpu:.0%}; load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
