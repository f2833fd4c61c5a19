"""Exactly once under chaos: booked invoices through real `ledgerbridge serve` processes. Prints figures.

    .venv/bin/python benchmarks/chaos.py [--invoices 1000] [--mode embedded|cluster|both] [--kills 5]

The Rackbeat and e-conomic (``--kind eaccounting``: eAccounting) sandboxes run in this process on
127.0.0.1 ports; ledgerbridge runs as real processes: `serve` (embedded mode, SQLite), or `serve --cluster`
and `worker` processes on a PostgreSQL database made for the run at 127.0.0.1:5432 and dropped after it
(cluster mode). The integration is added and its start-up sync run with the CLI, as a user would.

Per mode, two phases with the same number of invoices, one after the other:

1. fault-free: invoices booked in Rackbeat, webhooks delivered once and in order, no faults;
2. chaos: about ``--fault-rate`` (default 20%) of ledgerbridge's calls to either sandbox fail — 5xx and
   429 (with Retry-After), read timeouts (the answer is stalled past the client's timeout), and lost
   answers (carried out, then the answer is stalled or lost) — each webhook is delivered twice with
   probability ``--duplicate-rate`` and out of order, and a process is killed with SIGKILL and started
   again ``--kills`` times while the invoices flow (cluster mode: serve and the workers in turn).

Invoices are booked in Rackbeat with "mark invoices as sent" on, so each one needs its booking in
e-conomic and then its follow-up step, marking it sent in Rackbeat (eAccounting: an invoice, then its
follow-up step, eAccounting e-mailing it). Printed per phase:

- duplicates: e-conomic invoices (booked or drafts) beyond one per Rackbeat invoice;
- lost documents: Rackbeat invoices with no booked e-conomic invoice when the phase ended;
- lost follow-up steps: invoices booked in e-conomic but not marked sent in Rackbeat;
- time to quiescence: from the last invoice booked in Rackbeat (chaos: or the last restart, if later)
  until every invoice is booked and marked and the inbox is empty;
- throughput: invoices per second from the first booking until the last invoice was done; the chaos
  phase's as a share of the fault-free phase's. Targets: 0 / 0 / 0 and at least 50%.

A phase that does not finish within ``--max-seconds`` stops waiting; the faults are then switched off
and ``--settle-seconds`` more are given, so that "slow" and "lost" are told apart (both are printed).
Every loop is bounded in count and time, only loopback addresses are used, and every process started
here is stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from ledgerbridge.sandbox import FaultPlan, SandboxServer
from ledgerbridge.sandbox.server import free_port
from ledgerbridge.systems import economic, rackbeat

NAME = "chaos"
RACKBEAT_TOKEN = "chaos-token"
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


# -- the sandboxes ---------------------------------------------------------------------------------------
class EconomicLedger:
    """Visma e-conomic: invoices booked, marked sent in Rackbeat (the follow-up step)."""

    name, kind, lost_answer_as = "e-conomic", "rackbeat-economic", "timeout"

    def __init__(self, customers: int, products: int) -> None:
        self.books = economic.EconomicState()
        economic.seed_demo(self.books, customers=customers, products=products, suppliers=5)
        self.app = economic.create_app(self.books, rate_limit=None)

    def toml(self, url: str, client_timeout: float) -> str:
        return textwrap.dedent(
            f"""\
            [economic]
            base_url = "{url}"
            app_secret_token = "chaos-app"
            agreement_grant_token = "chaos-grant"
            timeout_seconds = {client_timeout}

            [settings.customer_invoices]
            enabled = true
            post_invoices = true
            mark_invoices_as_sent = true
            """
        )

    def customers(self, ops: rackbeat.RackbeatState) -> list[dict[str, Any]]:
        """Domestic DKK customers: e-conomic books their invoices with Rackbeat's totals (25% VAT)."""
        domestic = {
            c["customerNumber"]
            for c in self.books.records("customers")
            if (c.get("vatZone") or {}).get("vatZoneNumber") == 1 and c.get("currency") == "DKK"
        }
        return [c for c in ops.records("customers") if int(c["number"]) in domestic]

    def products(self, ops: rackbeat.RackbeatState) -> list[dict[str, Any]]:
        """Products whose e-conomic group books VAT (its sales account has a VAT code)."""
        with_vat = set()
        for group in self.books.records("product-groups"):
            account = self.books.get("accounts", (group.get("salesAccount") or {}).get("accountNumber") or 0)
            if (account or {}).get("vatAccount"):
                with_vat.add(group["productGroupNumber"])
        group_of = {
            p["productNumber"]: (p.get("productGroup") or {}).get("productGroupNumber")
            for p in self.books.records("products")
        }
        return [p for p in ops.records("products") if group_of.get(str(p["number"])) in with_vat]

    def copies(self, numbers: dict[str, int]) -> tuple[Counter[int], Counter[int]]:
        """Booked invoices and drafts per Rackbeat number (found by the heading each invoice carries)."""
        booked = Counter(numbers.get(_heading(r) or "") for r in self.books.records("invoices-booked"))
        drafts = Counter(numbers.get(_heading(r) or "") for r in self.books.records("invoices-drafts"))
        return booked, drafts  # type: ignore[return-value]

    def follow_up_done(self, number: int, ops: rackbeat.RackbeatState) -> bool:
        return bool((ops.get("customer-invoices", number) or {}).get("is_sent"))


class EAccountingLedger:
    """Visma eAccounting: invoices made and e-mailed by eAccounting (the follow-up step)."""

    name, kind, lost_answer_as = "eAccounting", "rackbeat-eaccounting", "timeout"
    client_id, client_secret = "ledgerbridge-chaos", "chaos-secret"

    def __init__(self, customers: int, products: int) -> None:
        from ledgerbridge.systems.eaccounting import EAccountingState, create_app
        from ledgerbridge.systems.eaccounting.sandbox.demo_data import seed_demo_company
        from ledgerbridge.systems.eaccounting.sandbox.identity import IdentityServer

        self.books = EAccountingState()
        seed_demo_company(self.books)
        self.identity = IdentityServer()
        self.identity.register_client(
            self.client_id, self.client_secret, ["http://127.0.0.1:1/cb"], name="chaos"
        )
        self.app = create_app(self.books, identity=self.identity, rate_limit=None)
        # A fixed access token (the connection's development option): no sign-in in a benchmark.
        scopes = "ea:api offline_access ea:sales ea:purchase ea:accounting"
        self.token = self.identity.issue_tokens(self.client_id, scopes)["access_token"]

    def toml(self, url: str, client_timeout: float) -> str:
        return textwrap.dedent(
            f"""\
            [eaccounting]
            base_url = "{url}/v2"
            identity_url = "{url}"
            client_id = "{self.client_id}"
            client_secret = "{self.client_secret}"
            access_token = "{self.token}"
            timeout_seconds = {client_timeout}

            [settings.invoices]
            status = "invoiced_and_send_email"
            """
        )

    def customers(self, ops: rackbeat.RackbeatState) -> list[dict[str, Any]]:
        """Swedish SEK customers with an e-mail address: e-mailed invoices at 25% VAT."""
        domestic = {
            str(c.get("CustomerNumber"))
            for c in self.books.all("customers")
            if c.get("CurrencyCode") in (None, "SEK")
            and (c.get("InvoiceCountryCode") or "SE") == "SE"
            and c.get("EmailAddress")
            and not c.get("ReverseChargeOnConstructionServices")
        }
        return [c for c in ops.records("customers") if str(c["number"]) in domestic]

    def products(self, ops: rackbeat.RackbeatState) -> list[dict[str, Any]]:
        """Products in the group that came from the coding 'Varor 25% moms'."""
        return [p for p in ops.records("products") if (p.get("group") or {}).get("name") == "Varor 25% moms"]

    def copies(self, numbers: dict[str, int]) -> tuple[Counter[int], Counter[int]]:
        """Invoices and drafts per Rackbeat number (ContractNumber "Rackbeat invoice N")."""
        wanted = {f"Rackbeat invoice {n}": n for n in numbers.values()}
        invoices = Counter(
            wanted.get(str(r.get("ContractNumber"))) for r in self.books.all("customerinvoices")
        )
        drafts = Counter(
            wanted.get(str(r.get("ContractNumber"))) for r in self.books.all("customerinvoicedrafts")
        )
        return invoices, drafts  # type: ignore[return-value]

    def follow_up_done(self, number: int, ops: rackbeat.RackbeatState) -> bool:
        ids = {
            r["Id"]
            for r in self.books.all("customerinvoices")
            if r.get("ContractNumber") == f"Rackbeat invoice {number}"
        }
        with self.books.lock:
            return any(mail["InvoiceId"] in ids for mail in self.books.sent_emails)


Ledger = EconomicLedger | EAccountingLedger


@dataclass
class Sandboxes:
    ledger: Ledger
    rackbeat_app: Any
    ledger_url: str
    rackbeat_url: str

    @property
    def ledger_app(self) -> Any:
        return self.ledger.app

    @property
    def ops(self) -> rackbeat.RackbeatState:
        return self.rackbeat_app.rackbeat_state


@contextmanager
def sandboxes(kind: str, customers: int, products: int) -> Iterator[Sandboxes]:
    # No rate limits: the faults injected are the ones this benchmark chooses.
    ledger: Ledger = (EconomicLedger if kind == "economic" else EAccountingLedger)(customers, products)
    rackbeat_app = rackbeat.create_app(token=RACKBEAT_TOKEN, rate_limit=None)
    for app in (ledger.app, rackbeat_app):
        app.kit.set_log_limit(2_000_000)  # every request of the run, for the fault counts
    with SandboxServer(ledger.app) as books, SandboxServer(rackbeat_app) as rb:
        try:
            yield Sandboxes(ledger, rackbeat_app, books.base_url, rb.base_url)
        finally:
            # Stalled answers would hold the servers' shutdown: nothing is stalled from here on.
            ledger.app.kit.set_faults(FaultPlan())
            rackbeat_app.kit.set_faults(FaultPlan())
            rackbeat_app.webhooks.close()


def fault_plans(rate: float, stall_seconds: float, seed: int, ledger: Ledger) -> tuple[FaultPlan, FaultPlan]:
    """About ``rate`` of ledgerbridge's calls fail: 60% of it 5xx/429, 20% timeouts, 20% lost answers."""
    mix = {"500": 0.3, "503": 0.3, "429": 0.4}
    common: dict[str, Any] = {
        "error_rate": rate * 0.6,
        "error_status": mix,
        "retry_after_seconds": 1.0,
        "timeout_rate": rate * 0.2,
        "timeout_seconds": stall_seconds,
        "lost_answer_rate": rate * 0.2,
    }
    ledger_plan = FaultPlan(**common, lost_answer_as=ledger.lost_answer_as, seed=seed)
    # Rackbeat: everything but the webhook subscriptions each (re)started `serve` makes.
    rackbeat_plan = FaultPlan(**common, lost_answer_as="504", path_pattern=r"^/(?!webhooks)", seed=seed + 1)
    return ledger_plan, rackbeat_plan


def webhook_switches(*, chaos: bool, duplicate_rate: float, seed: int) -> dict[str, Any]:
    # Deliveries a stopped `serve` refused are retried for minutes, not a day: the run is short.
    base: dict[str, Any] = {
        "retry_base_seconds": 0.5,
        "retry_max_seconds": 2.0,
        "max_attempts": 300,
        "read_timeout": 10.0,
        "seed": seed,
    }
    if chaos:
        return {
            **base,
            "duplicate_rate": duplicate_rate,
            "out_of_order": True,
            "out_of_order_hold_seconds": 0.5,
        }
    return {**base, "duplicate_rate": 0.0, "out_of_order": False}


# -- ledgerbridge as processes ---------------------------------------------------------------------------
@dataclass
class Fleet:
    """`serve` (and in cluster mode `worker` processes) started, killed and started again."""

    env: dict[str, str]
    workdir: Path
    cluster: bool
    workers: int
    port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    starts: Counter[str] = field(default_factory=Counter)
    unhealthy_seen: float = 0.0  # the oldest pending item's age while /healthz said 503, at most

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ledgerbridge", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def command(self, role: str) -> list[str]:
        base = [sys.executable, "-m", "ledgerbridge"]
        if role == "serve":
            args = ["serve", "--port", str(self.port), "--scan-seconds", "30"]
            return [*base, *args, *(["--cluster"] if self.cluster else [])]
        return [*base, "worker"]  # as many jobs at once as embedded mode works documents

    def roles(self) -> list[str]:
        return ["serve", *(f"worker-{n}" for n in range(1, self.workers + 1))] if self.cluster else ["serve"]

    def start(self, role: str) -> None:
        self.starts[role] += 1
        log = (self.workdir / f"{role}.log").open("ab")
        log.write(f"\n--- start {self.starts[role]} ---\n".encode())
        log.flush()
        self.processes[role] = subprocess.Popen(
            self.command(role), env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def start_all(self) -> None:
        for role in self.roles():
            self.start(role)
        self.wait_healthy()

    def kill_and_restart(self, role: str) -> float:
        """SIGKILL, start again; the seconds until it answers again (serve) or was started (a worker)."""
        process = self.processes[role]
        killed = time.monotonic()
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        self.start(role)
        if role == "serve":
            self.wait_healthy()
        return time.monotonic() - killed

    def wait_healthy(self, timeout: float = 120.0) -> None:
        """Until serve answers /healthz (503 "unhealthy" is an answer too: a backlog, not a dead server)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.inbox_pending() is not None:
                return
            time.sleep(0.2)
        print(f"  (serve did not answer /healthz within {timeout:.0f} s; see {self.workdir})", flush=True)

    def inbox_pending(self) -> int | None:
        """Pending inbox items as /healthz reports them; None when serve does not answer."""
        try:
            answer = httpx.get(f"{self.url}/healthz", timeout=5)
            report = answer.json()
        except (httpx.HTTPError, ValueError):
            return None
        if not isinstance(report, dict) or "inbox_pending" not in report:
            return None
        if answer.status_code == 503:
            self.unhealthy_seen = max(
                [self.unhealthy_seen]
                + [
                    row.get("oldest_pending_seconds", 0)
                    for row in (report.get("integrations") or {}).values()
                ]
            )
        return int(report["inbox_pending"])

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def integration_toml(boxes: Sandboxes, client_timeout: float) -> str:
    rackbeat_side = textwrap.dedent(
        f"""\
        [rackbeat]
        base_url = "{boxes.rackbeat_url}"
        token = "{RACKBEAT_TOKEN}"
        timeout_seconds = {client_timeout}

        """
    )
    return rackbeat_side + boxes.ledger.toml(boxes.ledger_url, client_timeout)


@contextmanager
def database(mode: str, home: Path) -> Iterator[str]:
    """A database URL for the mode: SQLite in the data directory, or a new PostgreSQL database."""
    if mode == "embedded":
        yield f"sqlite:///{home / 'ledgerbridge.sqlite3'}"
        return
    import psycopg

    name = f"ledgerbridge_chaos_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def orphaned_jobs(database_url: str) -> list[str]:
    """Cluster mode: Procrastinate jobs still 'doing' whose worker no longer beats (it was killed)."""
    if not database_url.startswith("postgresql"):
        return []
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    query = text(
        "SELECT j.id, j.task_name, j.lock FROM procrastinate_jobs j"
        " LEFT JOIN procrastinate_workers w ON w.id = j.worker_id"
        " WHERE j.status = 'doing' AND (w.id IS NULL OR w.last_heartbeat < now() - interval '30 seconds')"
    )
    try:
        with engine.connect() as connection:
            return [f"job {i} {task} (lock {lock})" for i, task, lock in connection.execute(query)]
    finally:
        engine.dispose()


def open_errors(database_url: str) -> dict[str, list[str]]:
    """Open error-log entries: "entity key" (e.g. "invoice 17") → their messages."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    found: dict[str, list[str]] = {}
    try:
        with engine.connect() as connection:
            query = text("SELECT entity, record_key, message FROM error_log WHERE state = 'open'")
            for entity, key, message in connection.execute(query):
                found.setdefault(f"{entity} {key}", []).append(str(message))
    finally:
        engine.dispose()
    return found


# -- the invoices ------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    booked: int = 0  # Rackbeat invoices with one or more booked e-conomic invoices
    duplicates: int = 0
    lost: int = 0  # not booked in e-conomic, and no open error-log entry says why
    held: int = 0  # not booked in e-conomic, with an open error-log entry (a reason, and a retry)
    drafts_left: int = 0
    follow_ups_lost: int = 0  # booked, follow-up step not done, and no open error-log entry says why
    follow_ups_held: int = 0  # booked, follow-up step not done, with an open error-log entry

    @property
    def done(self) -> int:
        return self.booked - self.follow_ups_lost - self.follow_ups_held


class Invoices:
    """Books invoices in Rackbeat as its users would (in the sandbox's state: the injected faults are
    for ledgerbridge's calls) and reads what became of them in e-conomic and Rackbeat."""

    def __init__(self, boxes: Sandboxes, seed: int) -> None:
        self.boxes = boxes
        self.rng = random.Random(seed)
        # Customers and products whose invoices the ledger books with Rackbeat's totals, so that every
        # invoice not booked is a fault's doing, not a business rule's.
        self.customers = boxes.ledger.customers(boxes.ops)
        self.products = boxes.ledger.products(boxes.ops)
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
        invoice = self.boxes.ops.create(
            "customer-invoices",
            {
                "customer_id": self.rng.choice(self.customers)["number"],
                "invoice_date": date.today().isoformat(),
                "heading": tag,
                "lines": lines,
            },
        )
        self.boxes.ops.book_customer_invoice(invoice["number"])  # fires customer_invoice.booked
        return int(invoice["number"])

    def outcome(self, numbers: dict[str, int], explained: frozenset[str] = frozenset()) -> Outcome:
        """What became of the invoices ``numbers`` (tag → Rackbeat number); ``explained``: the numbers
        with an open error-log entry."""
        booked, drafts = self.boxes.ledger.copies(numbers)
        out = Outcome()
        for number in numbers.values():
            copies = booked[number] + drafts[number]
            out.duplicates += max(0, copies - 1)
            if booked[number]:
                out.booked += 1
                if not self.boxes.ledger.follow_up_done(number, self.boxes.ops):
                    if str(number) in explained:
                        out.follow_ups_held += 1
                    else:
                        out.follow_ups_lost += 1
            else:
                if str(number) in explained:
                    out.held += 1
                else:
                    out.lost += 1
                out.drafts_left += 1 if drafts[number] else 0
        return out


def _heading(record: dict[str, Any]) -> str | None:
    return (record.get("notes") or {}).get("heading")


# -- one phase ---------------------------------------------------------------------------------------------
@dataclass
class PhaseResult:
    name: str
    invoices: int
    outcome: Outcome
    seconds_to_done: float | None  # first booking → last invoice done (None: not within the time)
    quiescence: float | None
    after_settle: Outcome | None = None
    kills: list[str] = field(default_factory=list)
    faults: Counter[str] = field(default_factory=Counter)  # "e-conomic 503", "Rackbeat lost", ...
    stalled: int = 0  # calls whose answer was held past the client's timeout
    downtime: float = 0.0  # seconds from each kill until serve answered again
    calls: int = 0
    inbox_left: int | None = None
    unhealthy_seen: float = 0.0
    errors_open: dict[str, list[str]] = field(default_factory=dict)
    orphaned: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float | None:
        return self.invoices / self.seconds_to_done if self.seconds_to_done else None


def run_phase(
    name: str,
    *,
    fleet: Fleet,
    boxes: Sandboxes,
    invoices: Invoices,
    count: int,
    chaos: bool,
    args: argparse.Namespace,
    database_url: str,
) -> PhaseResult:
    ledger_plan, rackbeat_plan = fault_plans(args.fault_rate, args.stall_seconds, args.seed, boxes.ledger)
    boxes.rackbeat_app.webhooks.configure(
        **webhook_switches(chaos=chaos, duplicate_rate=args.duplicate_rate, seed=args.seed)
    )
    for app in (boxes.ledger_app, boxes.rackbeat_app):
        app.kit.clear_log()
    if chaos:
        boxes.ledger_app.kit.set_faults(ledger_plan)
        boxes.rackbeat_app.kit.set_faults(rackbeat_plan)

    numbers: dict[str, int] = {}
    run = uuid.uuid4().hex[:6]
    started = time.monotonic()
    # Book every invoice at once (a burst): the figure is how fast ledgerbridge drains it.
    for n in range(count):
        tag = f"{name} {run} #{n}"
        numbers[tag] = invoices.book(tag)
    load_ended = time.monotonic()

    kill_roles = fleet.roles()
    kills_due = args.kills if chaos else 0
    kills: list[str] = []
    result_downtime = 0.0
    last_disturbance = load_ended
    deadline = started + args.max_seconds
    next_look = 0.0
    mine = {f"invoice {number}" for number in numbers.values()}
    done_at: float | None = None
    quiet_at: float | None = None
    outcome = invoices.outcome(numbers)
    while time.monotonic() < deadline:
        outcome = invoices.outcome(numbers)
        # Kill k of n when k/(n+1) of the invoices are done, or the time for it has come.
        if len(kills) < kills_due:
            k = len(kills) + 1
            share_reached = outcome.done >= k * count / (kills_due + 1)
            time_reached = time.monotonic() - started >= k * args.max_seconds / (kills_due + 2)
            if share_reached or time_reached:
                role = kill_roles[len(kills) % len(kill_roles)]
                result_downtime += fleet.kill_and_restart(role)
                kills.append(role)
                last_disturbance = time.monotonic()
                continue
        if outcome.done == count and len(kills) == kills_due:
            done_at = done_at or time.monotonic()
            if fleet.inbox_pending() == 0:
                quiet_at = time.monotonic()
                break
        elif len(kills) == kills_due and time.monotonic() >= next_look and fleet.inbox_pending() == 0:
            # Nothing left to work on: is every invoice not done held with a reason? Then it is quiet.
            next_look = time.monotonic() + 2.0
            explained = frozenset(k.split(" ", 1)[1] for k in open_errors(database_url) if k in mine)
            if invoices.outcome(numbers, explained).lost == 0 and outcome.done + len(explained) >= count:
                quiet_at = time.monotonic()
                break
        time.sleep(0.25)

    result = PhaseResult(
        name,
        count,
        outcome,
        seconds_to_done=None if done_at is None else done_at - started,
        quiescence=None if quiet_at is None else quiet_at - max(load_ended, last_disturbance),
        kills=kills,
    )
    result.downtime = result_downtime
    for system, app in ((boxes.ledger.name, boxes.ledger_app), ("Rackbeat", boxes.rackbeat_app)):
        for logged in list(app.kit.requests):
            result.calls += 1
            if logged.fault:
                result.faults[f"{system} {logged.fault}"] += 1
                stalls = logged.fault == "timeout" or (
                    logged.fault == "lost" and app.kit.plan.lost_answer_as == "timeout"
                )
                result.stalled += 1 if stalls else 0
    boxes.ledger_app.kit.set_faults(FaultPlan())
    boxes.rackbeat_app.kit.set_faults(FaultPlan())
    if quiet_at is None:
        # Not finished in time: is it slow, or lost? Faults off, a little longer.
        settle_deadline = time.monotonic() + args.settle_seconds
        while time.monotonic() < settle_deadline:
            result.after_settle = invoices.outcome(numbers)
            if result.after_settle.done == count and fleet.inbox_pending() == 0:
                break
            time.sleep(0.5)
    result.inbox_left = fleet.inbox_pending()
    result.unhealthy_seen, fleet.unhealthy_seen = fleet.unhealthy_seen, 0.0
    result.orphaned = orphaned_jobs(database_url)
    # This phase's invoices, and whatever else is open (master data a document waits for, say).
    result.errors_open = {
        k: v for k, v in open_errors(database_url).items() if k in mine or not k.startswith("invoice ")
    }
    explained = frozenset(k.split(" ", 1)[1] for k in result.errors_open if k in mine)
    result.outcome = invoices.outcome(numbers, explained)
    if result.after_settle is not None:
        result.after_settle = invoices.outcome(numbers, explained)
    return result


# -- a mode ------------------------------------------------------------------------------------------------
def run_mode(mode: str, args: argparse.Namespace, say: Callable[[str], None]) -> list[PhaseResult]:
    from cryptography.fernet import Fernet

    with (
        tempfile.TemporaryDirectory(prefix=f"chaos-{mode}-") as tmp,
        sandboxes(args.kind, args.customers, args.products) as boxes,
    ):
        workdir = Path(tmp)
        home = workdir / "home"
        with database(mode, home) as database_url:
            env = {
                **os.environ,
                "LEDGERBRIDGE_HOME": str(home),
                "LEDGERBRIDGE_DATABASE_URL": database_url,
                "LEDGERBRIDGE_SECRET_KEY": Fernet.generate_key().decode(),
                "LEDGERBRIDGE_ALLOW_PRIVATE_URLS": "1",  # the sandboxes listen on 127.0.0.1
                "PYTHONUNBUFFERED": "1",
            }
            fleet = Fleet(env, workdir, cluster=mode == "cluster", workers=args.workers)
            config = workdir / "chaos.toml"
            config.write_text(integration_toml(boxes, args.client_timeout))
            for step in (
                ["integrations", "add", NAME, "--kind", boxes.ledger.kind, "--config", str(config)],
                ["sync", NAME, "--startup"],
            ):
                done = fleet.cli(*step)
                if done.returncode != 0:
                    raise RuntimeError(
                        f"`ledgerbridge {' '.join(step)}` failed:\n{done.stdout}\n{done.stderr}"
                    )
            invoices = Invoices(boxes, args.seed)
            say(
                f"[{mode}] start-up sync done; {len(invoices.customers)} customers,"
                f" {len(invoices.products)} products"
            )
            results = []
            try:
                fleet.start_all()
                for name, chaos, count in (
                    ("fault-free", False, args.baseline_invoices or args.invoices),
                    ("chaos", True, args.invoices),
                ):
                    say(f"[{mode}] {name}: {count} invoices ...")
                    result = run_phase(
                        name,
                        fleet=fleet,
                        boxes=boxes,
                        invoices=invoices,
                        count=count,
                        chaos=chaos,
                        args=args,
                        database_url=database_url,
                    )
                    say(describe(mode, result))
                    results.append(result)
            finally:
                fleet.stop_all()
                if args.keep_logs:
                    kept = Path(args.keep_logs) / mode
                    kept.mkdir(parents=True, exist_ok=True)
                    for log in workdir.glob("*.log"):
                        (kept / log.name).write_bytes(log.read_bytes())
            return results


def _seconds(value: float | None) -> str:
    return "not reached" if value is None else f"{value:.1f} s"


def describe(mode: str, r: PhaseResult) -> str:
    o = r.outcome
    lines = [
        f"[{mode}] {r.name}: {r.invoices} invoices",
        f"  duplicates {o.duplicates} / lost documents {o.lost} / lost follow-up steps {o.follow_ups_lost}"
        f"; held with an open error-log entry: {o.held} documents, {o.follow_ups_held} follow-up steps;"
        f" drafts left {o.drafts_left}",
        f"  done in {_seconds(r.seconds_to_done)}"
        + (f" = {r.throughput:.2f} invoices/s" if r.throughput else "")
        + f"; time to quiescence {_seconds(r.quiescence)}",
        f"  sandbox calls {r.calls}, injected faults {sum(r.faults.values())}"
        + (f" ({', '.join(f'{k}: {v}' for k, v in sorted(r.faults.items()))})" if r.faults else "")
        + (f"; kill -9 + restart: {', '.join(r.kills)} (down {r.downtime:.1f} s in all)" if r.kills else ""),
        *(
            [
                f"  answers stalled past the client's timeout: {r.stalled}"
                " (the work waiting on each waits that long)"
            ]
            if r.stalled
            else []
        ),
        *(
            [f"  /healthz answered 503 (backlog): oldest pending item seen {r.unhealthy_seen:.0f} s"]
            if r.unhealthy_seen
            else []
        ),
        f"  inbox pending at the end {r.inbox_left},"
        f" open error-log entries {sum(map(len, r.errors_open.values()))}",
        *([f"  jobs left 'doing' by a killed worker: {', '.join(r.orphaned)}"] if r.orphaned else []),
    ]
    reasons = Counter(m.split(": ", 1)[-1][:160] for ms in r.errors_open.values() for m in ms)
    lines += [f"    {n} x {reason}" for reason, n in reasons.most_common(3)]
    if r.after_settle is not None:
        s = r.after_settle
        lines.append(
            f"  not finished in time; after faults off + settle: duplicates {s.duplicates} / lost {s.lost}"
            f" / lost follow-up steps {s.follow_ups_lost}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--invoices", type=int, default=1000, help="invoices in the chaos phase")
    parser.add_argument(
        "--baseline-invoices", type=int, default=0, help="fault-free phase (default: --invoices)"
    )
    parser.add_argument("--mode", choices=["embedded", "cluster", "both"], default="both")
    parser.add_argument("--kind", choices=["economic", "eaccounting"], default="economic", help="the ledger")
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--duplicate-rate", type=float, default=0.3)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="worker processes in cluster mode")
    parser.add_argument("--client-timeout", type=float, default=2.0, help="the connections' timeout_seconds")
    parser.add_argument("--stall-seconds", type=float, default=5.0, help="how long a timeout fault stalls")
    parser.add_argument("--max-seconds", type=float, default=1200.0, help="per phase")
    parser.add_argument("--settle-seconds", type=float, default=120.0)
    parser.add_argument("--customers", type=int, default=60)
    parser.add_argument("--products", type=int, default=120)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--keep-logs", help="copy the processes' logs into this directory")
    args = parser.parse_args()
    if not 0 <= args.fault_rate <= 1 or args.invoices < 1 or args.kills < 0:
        parser.error("--fault-rate is 0..1, --invoices at least 1, --kills not negative")

    def say(text: str) -> None:
        print(text, flush=True)

    modes = ["embedded", "cluster"] if args.mode == "both" else [args.mode]
    summary = []
    for mode in modes:
        results = run_mode(mode, args, say)
        clean, chaos = results
        share = chaos.throughput / clean.throughput if chaos.throughput and clean.throughput else None
        summary.append((mode, chaos, share))
    print()
    print(
        f"chaos.py: {args.invoices} invoices, ~{args.fault_rate:.0%} faults,"
        f" {args.duplicate_rate:.0%} duplicate webhooks out of order, {args.kills} kill -9 + restarts;"
        " targets 0 / 0 / 0 and >= 50%"
    )
    for mode, chaos, share in summary:
        o = chaos.outcome
        print(
            f"{mode:>9}: duplicates {o.duplicates} / lost documents {o.lost} / lost follow-up steps"
            f" {o.follow_ups_lost}; quiescence {_seconds(chaos.quiescence)}; throughput under faults "
            + ("not measurable (did not finish)" if share is None else f"{share:.0%} of fault-free")
            + (
                f"; held with a reason: {o.held} documents, {o.follow_ups_held} follow-up steps"
                if o.held or o.follow_ups_held
                else ""
            )
        )


if __name__ == "__main__":
    main()
