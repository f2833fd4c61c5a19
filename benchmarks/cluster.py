"""Do workers add up? Embedded vs cluster mode with 1 and 2 workers, and webhook intake. Prints figures.

    .venv/bin/python benchmarks/cluster.py                      # 300 invoices, 3,000 deliveries
    .venv/bin/python benchmarks/cluster.py --invoices 2000 --deliveries 20000

Real processes, as in ``chaos.py`` (whose process handling this reuses, with no faults): one
integration's backlog of ``--invoices`` booked invoices (booked at once in Rackbeat, delivered by its
webhooks) is drained by embedded ``serve`` (SQLite), then by ``serve --cluster`` with one ``worker``, then
with two (PostgreSQL at 127.0.0.1:5432). Every sandbox (each Rackbeat, each e-conomic) is served by a
process of its own, forked from a clean fork server: served from this one Python process they were the
bottleneck being measured (a call took 285 ms with one worker, ~520 ms with two). This process books the
invoices and reads the outcome through a pipe to each sandbox process. Printed: documents per second,
the CPU the ledgerbridge processes and the sandbox processes used and how busy the machine was (shares
of this machine's cores: two workers cannot add up where the cores are already busy), the sandboxes'
calls per document, and the ratios 2 workers / 1 worker (target ≥ 1.7, "CPU permitting": printed beside it
is how busy the one-worker run kept the machine) and 1 worker / embedded (target ≥ 0.9).

Webhook intake: ``--deliveries`` Rackbeat deliveries POSTed over ``--senders`` connections from two sender
processes of their own (``benchmarks/intake.py`` has the variants and the CPU per delivery) straight to the
cluster receiver (``serve --cluster`` with no worker running, so only intake is measured): deliveries
per second and p95 latency of the 200 (targets ≥ 1,000/s and ≤ 50 ms).

The second backlog is spread over ``--integrations`` (20) integrations, each with a Rackbeat and an
e-conomic sandbox of its own and ``--per-integration`` invoices booked at once; the same three runs and
ratios. ledgerbridge paces its Rackbeat calls at ``--rackbeat-per-minute`` (6,000; the sandboxes enforce no
limit): at Rackbeat's published 480 a minute one integration's backlog is bound by the limit (its burst of
120 calls spent, ~4 documents a second), which no number of workers changes. ``--rounds N`` runs the
backlogs N times over, alternating, and prints each ratio's median and range (two runs of one tree differ
by up to a fifth on this shared machine; a ratio of runs measured side by side is steadier).
``--intake-only`` runs only the intake figure; ``--invoices 0``, ``--integrations 0`` and
``--deliveries 0`` skip the one-integration backlog, the second backlog and intake.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chaos  # noqa: E402  (the sibling benchmark: sandboxes, Fleet, Outcome)

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


# -- sandboxes in processes of their own ---------------------------------------------------------------
class _Records:
    """Rackbeat's records as ``chaos.EconomicLedger`` reads them (``ops.records(name)``), sent over."""

    def __init__(self, records: dict[str, list[dict[str, Any]]]) -> None:
        self._records = records

    def records(self, name: str) -> list[dict[str, Any]]:
        return self._records[name]


def _rackbeat_answer(app: Any, command: str, *args: Any) -> Any:
    ops = app.rackbeat_state
    if command == "records":
        return {name: ops.records(name) for name in args}
    if command == "book":
        customer, tag, lines = args
        invoice = ops.create(
            "customer-invoices",
            {
                "customer_id": customer,
                "invoice_date": date.today().isoformat(),
                "heading": tag,
                "lines": lines,
            },
        )
        ops.book_customer_invoice(invoice["number"])  # fires customer_invoice.booked
        return int(invoice["number"])
    if command == "sent":
        return [n for n in args[0] if (ops.get("customer-invoices", n) or {}).get("is_sent")]
    raise ValueError(f"unknown command {command!r}")


def _economic_answer(ledger: chaos.EconomicLedger, command: str, *args: Any) -> Any:
    if command == "eligible":  # the customers and products whose invoices book with Rackbeat's totals
        records = _Records(args[0])
        return ledger.customers(records), ledger.products(records)  # type: ignore[arg-type]
    if command == "copies":
        return ledger.copies(args[0])
    raise ValueError(f"unknown command {command!r}")


def _serve_sandbox(conn: Connection, system: str, customers: int, products: int) -> None:
    """In a child process: serve one sandbox on a loopback port, send its URL, then answer the
    benchmark's commands until told to stop (or the benchmark is gone)."""
    from ledgerbridge.sandbox import SandboxServer
    from ledgerbridge.systems import rackbeat

    if system == "rackbeat":
        app = rackbeat.create_app(token=chaos.RACKBEAT_TOKEN, rate_limit=None)
        app.webhooks.configure(**chaos.webhook_switches(chaos=False, duplicate_rate=0.0, seed=0))
        target: Any = app
        answer = _rackbeat_answer
    else:
        target = chaos.EconomicLedger(customers, products)
        app = target.app
        answer = _economic_answer  # type: ignore[assignment]
    app.kit.set_log_limit(2_000_000)  # every request of the run: calls per document
    with SandboxServer(app) as server:
        conn.send(server.base_url)
        while True:
            try:
                command, args = conn.recv()
            except (EOFError, OSError):
                break
            if command == "stop":
                break
            try:
                if command == "calls":
                    reply: Any = ("ok", sum(1 for r in list(app.kit.requests) if not r.path.startswith("/_")))
                elif command == "clear":
                    app.kit.clear_log()
                    reply = ("ok", None)
                elif command == "latency":  # an asyncio sleep per answer: calls still overlap
                    from ledgerbridge.sandbox.faults import FaultPlan

                    app.kit.set_faults(FaultPlan(latency_ms=args[0]))
                    reply = ("ok", None)
                else:
                    reply = ("ok", answer(target, command, *args))
            except Exception as exc:  # noqa: BLE001 - handed to the benchmark, which raises it
                reply = ("error", f"{type(exc).__name__}: {exc}")
            conn.send(reply)
        if system == "rackbeat":
            app.webhooks.close()


_FORK_SERVER: Any = None


def _context() -> Any:
    """A fork server, started once: it imports the sandboxes' code once, and each sandbox process is a
    cheap fork of it (not of this process, whose threads a fork would copy mid-flight)."""
    global _FORK_SERVER
    if _FORK_SERVER is None:
        _FORK_SERVER = multiprocessing.get_context("forkserver")
        _FORK_SERVER.set_forkserver_preload(
            ["chaos", "ledgerbridge.sandbox", "ledgerbridge.systems.rackbeat"]
        )
    return _FORK_SERVER


class SandboxProcess:
    """One sandbox served by a process of its own; :meth:`call` asks it something over a pipe."""

    def __init__(self, system: str, customers: int, products: int) -> None:
        ctx = _context()
        self._conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_serve_sandbox, args=(child, system, customers, products), name=f"sandbox-{system}"
        )
        self.process.start()
        child.close()
        self.url = ""

    def started(self, timeout: float = 120.0) -> str:
        if not self.url:
            if not self._conn.poll(timeout):
                raise RuntimeError("a sandbox process did not start")
            self.url = self._conn.recv()
        return self.url

    @property
    def pid(self) -> int:
        return int(self.process.pid or 0)

    def call(self, command: str, *args: Any) -> Any:
        self._conn.send((command, args))
        status, value = self._conn.recv()
        if status != "ok":
            raise RuntimeError(f"sandbox {self.process.name}: {value}")
        return value

    def stop(self) -> None:
        try:
            self._conn.send(("stop", ()))
        except OSError:
            pass
        self.process.join(timeout=15)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self._conn.close()


class _LedgerSide:
    """What ``chaos.integration_toml`` reads of a ledger: its kind and its TOML section."""

    kind = chaos.EconomicLedger.kind

    def toml(self, url: str, client_timeout: float) -> str:
        return chaos.EconomicLedger.toml(self, url, client_timeout)  # type: ignore[arg-type]


class Boxes:
    """One integration's two sandboxes (Rackbeat, e-conomic), each in a process of its own; has what
    ``chaos.integration_toml`` reads (``rackbeat_url``, ``ledger_url``, ``ledger``)."""

    def __init__(self, customers: int, products: int) -> None:
        self.rackbeat = SandboxProcess("rackbeat", 0, 0)
        self.economic = SandboxProcess("economic", customers, products)
        self.ledger = _LedgerSide()

    def start(self) -> None:
        self.rackbeat_url = self.rackbeat.started()
        self.ledger_url = self.economic.started()

    @property
    def pids(self) -> list[int]:
        return [self.rackbeat.pid, self.economic.pid]

    def calls(self) -> int:
        return int(self.rackbeat.call("calls")) + int(self.economic.call("calls"))

    def clear(self) -> None:
        self.rackbeat.call("clear")
        self.economic.call("clear")

    def latency(self, ms: int) -> None:
        """Every answer from now on ``ms`` later (the set-up before it ran at full speed)."""
        self.rackbeat.call("latency", ms)
        self.economic.call("latency", ms)

    def stop(self) -> None:
        for box in (self.rackbeat, self.economic):
            box.stop()


@contextmanager
def sandbox_processes(integrations: int, customers: int, products: int) -> Iterator[list[Boxes]]:
    boxes: list[Boxes] = []
    try:
        for _ in range(integrations):  # all started at once, then waited for
            boxes.append(Boxes(customers, products))
        for box in boxes:
            box.start()
        yield boxes
    finally:
        for box in boxes:
            box.stop()


class Invoices:
    """Books invoices in one integration's Rackbeat sandbox (as ``chaos.Invoices`` does, over the pipe)
    and reads what became of them in its e-conomic and Rackbeat."""

    def __init__(self, boxes: Boxes, seed: int) -> None:
        self.boxes = boxes
        self.rng = random.Random(seed)
        records = boxes.rackbeat.call("records", "customers", "products")
        self.customers, self.products = boxes.economic.call("eligible", records)
        if not self.customers or not self.products:
            raise RuntimeError("the start-up sync brought no suitable customers or products into Rackbeat")

    def book(self, tag: str) -> int:
        lines = [
            {
                "child_id": product["number"],
                "name": product["name"],
                "quantity": self.rng.randint(1, 4),
                # A multiple of 0.04: 25% VAT per line is whole øre, as the ledger's VAT on the total is.
                "line_price": f"{self.rng.randint(250, 25000) * 4 / 100:.2f}",
                "vat_percentage": 25,
            }
            for product in self.rng.sample(self.products, self.rng.randint(1, 3))
        ]
        customer = self.rng.choice(self.customers)["number"]
        return int(self.boxes.rackbeat.call("book", customer, tag, lines))

    def outcome(self, numbers: dict[str, int]) -> chaos.Outcome:
        booked, drafts = self.boxes.economic.call("copies", numbers)
        booked_numbers = [n for n in numbers.values() if booked[n]]
        sent = set(self.boxes.rackbeat.call("sent", booked_numbers))
        out = chaos.Outcome()
        for number in numbers.values():
            out.duplicates += max(0, booked[number] + drafts[number] - 1)
            if booked[number]:
                out.booked += 1
                out.follow_ups_lost += number not in sent
            else:
                out.lost += 1
        return out


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


class Run:
    """What one backlog run measured."""

    def __init__(self) -> None:
        self.rate: float | None = None
        self.cpu = 0.0  # the ledgerbridge processes, share of the machine's cores
        self.sandbox_cpu = 0.0  # the sandbox processes
        self.script_cpu = 0.0  # this script (booking, and asking the sandboxes for the outcome)
        self.machine = 0.0  # the whole machine (everyone's work)
        self.duplicates = 0
        self.calls_per_document = 0.0
        self.ms_per_document: dict[str, float] = {}  # CPU milliseconds a document, per process role
        self.server: dict[str, float] = {}  # PostgreSQL's counters a document (sessions started, commits)

    @property
    def rest(self) -> float:
        """The machine's work that is not ledgerbridge's, the sandboxes' or this script's (PostgreSQL)."""
        return max(0.0, self.machine - self.cpu - self.sandbox_cpu - self.script_cpu)


def backlog(
    mode: str,
    workers: int,
    args: argparse.Namespace,
    *,
    integrations: int,
    per_integration: int,
    customers: int,
    products: int,
) -> Run:
    """One backlog of ``per_integration`` invoices in each of ``integrations`` integrations (each with its
    own Rackbeat and e-conomic sandbox), booked at once and drained by ``mode`` with ``workers``."""
    from cryptography.fernet import Fernet
    from sqlalchemy import text

    from ledgerbridge.config import Config
    from ledgerbridge.service import Ledgerbridge

    run = Run()
    with (
        tempfile.TemporaryDirectory(prefix=f"cluster-{mode}-") as tmp,
        sandbox_processes(integrations, customers, products) as boxes,
    ):
        workdir = Path(tmp)
        home = workdir / "home"
        key = Fernet.generate_key().decode()
        # "embedded-pg": embedded `serve` on PostgreSQL, which tells the queue's cost from the database's
        with chaos.database("embedded" if mode == "embedded" else "cluster", home) as database_url:
            env = fleet_env(home, database_url, key)
            fleet = chaos.Fleet(env, workdir, cluster=mode == "cluster", workers=workers)
            # Added and synced in this process: a CLI process per tenant would take minutes here.
            os.environ["LEDGERBRIDGE_ALLOW_PRIVATE_URLS"] = "1"  # the sandboxes listen on 127.0.0.1
            service = Ledgerbridge(Config(home=home, database_url=database_url, secret_key=key))
            try:
                for n, box in enumerate(boxes):
                    config = workdir / f"tenant{n}.toml"
                    config.write_text(chaos.integration_toml(box, 10.0))  # type: ignore[arg-type]
                    service.add_integration_from_file(f"tenant{n:02d}", box.ledger.kind, config)
                    if not service.run_startup(f"tenant{n:02d}").ok:
                        raise RuntimeError(f"tenant{n:02d}: the start-up sync failed")
                invoices = [Invoices(box, args.seed + n) for n, box in enumerate(boxes)]
                fleet.start_all()
                deadline = time.monotonic() + 300
                while time.monotonic() < deadline:  # every tenant subscribed to its Rackbeat's webhooks
                    with service.store.session() as db:
                        subscribed = db.execute(text("SELECT count(*) FROM webhook_secrets")).scalar()
                    if subscribed == len(boxes):
                        break
                    time.sleep(1)
                wait_for_workers(database_url, workers if mode == "cluster" else 0)
                for box in boxes:
                    box.clear()
                    box.latency(args.latency_ms)
                roles = {role: p.pid for role, p in fleet.processes.items()}
                pids = list(roles.values())
                by_role0 = {role: cpu_seconds(pid) for role, pid in roles.items()}
                sandbox_pids = [pid for box in boxes for pid in box.pids]
                cpu0, sandbox0 = sum(map(cpu_seconds, pids)), sum(map(cpu_seconds, sandbox_pids))
                server0 = server_counters(database_url)
                busy0, started, own0 = machine_busy(), time.monotonic(), time.process_time()
                numbers = [
                    {f"{mode} {n} #{i}": book.book(f"{mode} {n} #{i}") for i in range(per_integration)}
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
                cpu1, sandbox1 = sum(map(cpu_seconds, pids)), sum(map(cpu_seconds, sandbox_pids))
                by_role1 = {role: cpu_seconds(pid) for role, pid in roles.items()}
                busy1, own1 = machine_busy(), time.process_time()
                server1 = server_counters(database_url)
                outcomes = [book.outcome(mine) for book, mine in zip(invoices, numbers, strict=True)]
                run.calls_per_document = sum(box.calls() for box in boxes) / total
            finally:
                fleet.stop_all()
                service.close()
    cores, seconds = os.cpu_count() or 1, ended - started
    run.cpu = (cpu1 - cpu0) / seconds / cores
    run.sandbox_cpu = (sandbox1 - sandbox0) / seconds / cores
    run.machine = (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1])
    run.script_cpu = (own1 - own0) / seconds / cores
    run.rate = total / (done_at - started) if done_at else None
    run.duplicates = sum(o.duplicates for o in outcomes)
    run.ms_per_document = {role: 1000 * (by_role1[role] - by_role0[role]) / total for role in roles}
    run.server = {name: (server1[name] - server0[name]) / total for name in server0}
    return run


def server_counters(database_url: str) -> dict[str, int]:
    """PostgreSQL's sessions started and transactions committed in the run's database so far (empty on
    SQLite). A session started is a server process forked and a client connection opened: a pool that
    closes its connections past a burst pays that again and again."""
    if not database_url.startswith("postgresql"):
        return {}
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(chaos.POSTGRES_ADMIN, autocommit=True, connect_timeout=5) as admin:
        admin.execute("SELECT pg_stat_clear_snapshot()")
        row = admin.execute(
            "SELECT sessions, xact_commit FROM pg_stat_database WHERE datname = %s", (name,)
        ).fetchone()
    return {"sessions started": row[0], "commits": row[1]} if row else {}


def intake(args: argparse.Namespace) -> tuple[float, float, int, float, float]:
    """(deliveries per second, p95 seconds, non-2xx answers, the receiver's CPU share, the senders' CPU
    share) at the cluster receiver (``serve --cluster``, no worker: only intake is measured)."""
    from cryptography.fernet import Fernet
    from intake import send_from_processes

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
                path = f"/webhooks/rackbeat/{chaos.NAME}"
                # A few first, so the receiver has looked up the integration's tokens once. The senders
                # are processes of their own (benchmarks/intake.py), so they are not this one's limit.
                send_from_processes(fleet.url, path, headers, 2_000_000, 10, 2, 1)
                server = fleet.processes["serve"].pid
                cpu0 = cpu_seconds(server)
                latencies, failures, sender_seconds, elapsed = send_from_processes(
                    fleet.url, path, headers, 1_000_000, args.deliveries, args.senders, 2
                )
                server_cpu = (cpu_seconds(server) - cpu0) / elapsed
                sender_cpu = sender_seconds / elapsed
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


RUNS = (
    ("embedded", "embedded", 0),
    ("1 worker", "cluster", 1),
    ("2 workers", "cluster", 2),
    ("embedded on PostgreSQL", "embedded-pg", 0),  # only when asked (--runs)
)
DEFAULT_RUNS = ["embedded", "1 worker", "2 workers"]


def print_run(label: str, run: Run, cores: int | None) -> None:
    shown = f"{run.rate:.1f} documents/s" if run.rate else "did not finish"
    print(
        f"  {label}: {shown}, {run.calls_per_document:.1f} sandbox calls a document; CPU of "
        f"{cores} cores: ledgerbridge {run.cpu:.0%}, sandboxes {run.sandbox_cpu:.0%}, machine "
        f"{run.machine:.0%} (this script {run.script_cpu:.0%}, the rest, PostgreSQL, "
        f"{run.rest:.0%}); duplicates {run.duplicates}; load average {os.getloadavg()[0]:.1f}; "
        "CPU a document: "
        + ", ".join(f"{role} {ms:.1f} ms" for role, ms in run.ms_per_document.items())
        + "".join(f"; PostgreSQL {name} a document {value:.2f}" for name, value in run.server.items()),
        flush=True,
    )


def ratio_pairs(figures: dict[str, float | None]) -> dict[str, float]:
    """The ratios one round's figures give: ``{name: value}``."""
    one, two, embedded = figures.get("1 worker"), figures.get("2 workers"), figures.get("embedded")
    on_postgresql = figures.get("embedded on PostgreSQL")
    pairs = {}
    if one and two:
        pairs["2 workers / 1 worker"] = two / one
    if one and embedded:
        pairs["1 worker / embedded"] = one / embedded
    if one and on_postgresql:
        pairs["1 worker / embedded on PostgreSQL"] = one / on_postgresql
    return pairs


def print_ratios(figures: dict[str, float | None], busy: dict[str, float]) -> None:
    ratios = []
    for name, value in ratio_pairs(figures).items():
        if name == "2 workers / 1 worker":
            # Two workers can add up only where the one-worker run left cores free (the sandboxes and
            # PostgreSQL work for every document too).
            ratios.append(
                f"{name} {value:.2f} (target ≥ 1.7, CPU permitting: the one-worker run kept the machine "
                f"{busy['1 worker']:.0%} busy)"
            )
        elif name == "1 worker / embedded":
            ratios.append(f"{name} {value:.2f} (target ≥ 0.9)")
        else:
            ratios.append(f"{name} {value:.2f}")
    if ratios:
        print("  ratios: " + "; ".join(ratios), flush=True)


def print_spread(rounds: list[dict[str, float | None]]) -> None:
    """Each ratio over the rounds: the median, and the lowest and highest (the machine's own speed moves
    between runs by more than many changes do; rounds alternate the runs so each pair is measured close
    together)."""
    names = {name for figures in rounds for name in ratio_pairs(figures)}
    for name in sorted(names):
        values = sorted(v for figures in rounds if (v := ratio_pairs(figures).get(name)) is not None)
        print(
            f"  over {len(values)} rounds: {name} median {statistics.median(values):.2f}, lowest "
            f"{values[0]:.2f}, highest {values[-1]:.2f} ({', '.join(f'{v:.2f}' for v in values)})",
            flush=True,
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
    parser.add_argument(
        "--runs",
        type=lambda text: [label.strip() for label in text.split(",")],
        default=DEFAULT_RUNS,
        help="which of the backlog runs, comma-separated (default: embedded,1 worker,2 workers; also "
        "'embedded on PostgreSQL': embedded mode on the cluster's database, the queue's cost told from the "
        "database's)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="the backlog runs this many times over, alternating (embedded, 1 worker, embedded, …): each "
        "round's ratios, then each ratio's median, lowest and highest",
    )
    parser.add_argument(
        "--rackbeat-per-minute",
        type=int,
        default=6000,
        help="Rackbeat calls a minute ledgerbridge paces itself to (the sandboxes enforce none); at the "
        "published 480 one integration's backlog is bound by the limit (~2 calls a document: ~4 documents/s "
        "once the burst is spent), whatever the workers",
    )
    parser.add_argument(
        "--latency-ms",
        type=int,
        default=0,
        help="added to every sandbox answer (the real APIs take 50-300 ms): documents then wait on the far "
        "side as in production, and workers add up where the cores are free",
    )
    args = parser.parse_args()
    if unknown := set(args.runs) - {label for label, _, _ in RUNS}:
        known = ", ".join(label for label, _, _ in RUNS)
        parser.error(f"--runs: no run {', '.join(sorted(unknown))} ({known})")
    os.environ["LEDGERBRIDGE_RACKBEAT_PER_MINUTE"] = str(args.rackbeat_per_minute)  # every process started

    scenarios = []
    if args.invoices and not args.skip_backlog:
        shape = {"integrations": 1, "per_integration": args.invoices}
        scenarios.append((f"one integration, {args.invoices} invoices", shape, args.customers, args.products))
    if args.integrations and not args.skip_backlog:
        shape = {"integrations": args.integrations, "per_integration": args.per_integration}
        title = f"{args.integrations} integrations, {args.per_integration} invoices each"
        scenarios.append((title, shape, args.many_customers, args.many_products))
    cores = os.cpu_count()
    for title, shape, customers, products in scenarios:
        print(
            f"backlog: {title} (Rackbeat paced at {args.rackbeat_per_minute} calls a minute, "
            f"{args.latency_ms} ms added to every sandbox answer)",
            flush=True,
        )
        rounds: list[dict[str, float | None]] = []
        for number in range(1, args.rounds + 1):
            if args.rounds > 1:
                print(f"  round {number} of {args.rounds}", flush=True)
            figures, busy = {}, {}
            for label, mode, workers in RUNS:
                if label not in args.runs:
                    continue
                run = backlog(mode, workers, args, **shape, customers=customers, products=products)
                figures[label], busy[label] = run.rate, run.machine
                print_run(label, run, cores)
            rounds.append(figures)
            print_ratios(figures, busy)
        if args.rounds > 1:
            print_spread(rounds)
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
