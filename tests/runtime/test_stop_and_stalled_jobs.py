"""Issue 10 (chaos findings): a worker killed with kill -9 does not block its integration's queue for good,
and a clean stop of `serve` never settles in-flight inbox items as failed. Real processes, real PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from ledgerbridge.runtime.cluster import Cluster
from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.sandbox.faults import FaultPlan
from ledgerbridge.store.models import ErrorEntry, InboxItem
from ledgerbridge.web.app import create_app
from tests.conftest import _empty_postgres
from tests.integrations.eaccounting_support import ELive, EWorld, eaccounting_world, free_port
from tests.integrations.test_realtime import wait_for

COMMAND = [sys.executable, "-m", "ledgerbridge.cli.main"]
DRAFTS_PATH = "customerinvoicedrafts"


@pytest.fixture
def pg_world(postgres_url: str, tmp_path: Path) -> Iterator[EWorld]:
    _empty_postgres(postgres_url)
    with eaccounting_world(postgres_url, tmp_path) as world:
        world.add("se", invoices={"status": "draft"})
        assert world.service.run_startup("se").ok
        world.rackbeat_app.webhooks.configure(retry_base_seconds=0.05)
        yield world


def _env(world: EWorld, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "LEDGERBRIDGE_HOME": str(world.config.home),
        "LEDGERBRIDGE_DATABASE_URL": world.config.database_url,
        **extra,
    }


def _stop(*processes: subprocess.Popen[Any]) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def _book(live: ELive, count: int) -> list[str]:
    numbers = []
    for _ in range(count):
        invoice = live.new_invoice()
        live.book(invoice)
        numbers.append(f"Rackbeat invoice {invoice['number']}")
    return sorted(numbers)


def _draft_numbers(live: ELive) -> list[str]:
    return sorted(d["ContractNumber"] for d in live.drafts())


def _doing_document_jobs(world: EWorld) -> list[tuple[int, str]]:
    with world.service.store.session() as db:
        rows = db.execute(
            text(
                "SELECT id, lock FROM procrastinate_jobs "
                "WHERE status = 'doing' AND task_name = 'ledgerbridge.document' ORDER BY id"
            )
        )
        return [(row[0], row[1]) for row in rows]


def _worker_ids(world: EWorld) -> set[int]:
    """The worker processes that have started and beat (a killed one's row stays a while)."""
    with world.service.store.session() as db:
        return set(db.scalars(text("SELECT id FROM procrastinate_workers")).all())


def _wait_for_new_worker(world: EWorld, before: set[int], process: subprocess.Popen[Any]) -> None:
    """Until ``process`` listens: on a loaded machine a worker's imports can take longer than the waits
    below give the work itself, so those waits start once the worker is up."""

    def started() -> bool:
        assert process.poll() is None, f"the worker exited with {process.returncode}"
        return bool(_worker_ids(world) - before)

    wait_for(started, timeout=180, what="the worker started")


def test_a_worker_killed_holding_document_jobs_does_not_block_them(pg_world: EWorld) -> None:
    world = pg_world
    integration_id, _ = world.service.integration("se")
    cluster = Cluster(world.service)
    cluster.ensure_schema()
    # A worker silent for 3 s is gone (production: 30 s), so the test needs no long wait.
    env = _env(world, LEDGERBRIDGE_STALLED_WORKER_SECONDS="3")
    # Drafts hang in eAccounting: the first worker is busy inside the invoices' document jobs.
    world.books_app.kit.set_faults(
        FaultPlan(timeout_rate=1.0, timeout_seconds=60, path_pattern=DRAFTS_PATH, methods=["POST"])
    )
    processes: list[subprocess.Popen[Any]] = []
    with cluster.open(), SandboxServer(create_app(cluster.hub, cluster)) as web:
        cluster.hub.register_webhooks("se", web.base_url)
        rackbeat, books = world.rackbeat(), world.api()
        live = ELive(world, cluster.hub, None, web.base_url, rackbeat, books)  # type: ignore[arg-type]
        try:
            # Room for the three documents' jobs at once (and the queue's own jobs beside them).
            first = subprocess.Popen([*COMMAND, "worker", "--concurrency", "6"], env=env)
            processes.append(first)
            _wait_for_new_worker(world, set(), first)
            numbers = _book(live, 3)
            held = wait_for(
                lambda: len(_doing_document_jobs(world)) == 3 and _doing_document_jobs(world),
                timeout=45,
                what="the first worker inside the three invoices' document jobs",
            )
            # A job per document; its lock is the integration and the document's key.
            assert all(lock.startswith(f"document:{integration_id}:customer_invoice:") for _, lock in held)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
            # What the kill leaves: the jobs `doing`, holding their documents' locks.
            assert _doing_document_jobs(world) == held
            # Every pending document has its job (the killed worker's included): dispatch adds none.
            assert cluster.dispatch() == 0
            world.books_app.kit.set_faults(FaultPlan())

            before = _worker_ids(world)
            second = subprocess.Popen([*COMMAND, "worker", "--concurrency", "6"], env=env)
            processes.append(second)
            _wait_for_new_worker(world, before, second)

            def all_arrived() -> bool:
                assert second.poll() is None, f"the second worker exited with {second.returncode}"
                return len(live.drafts()) >= len(numbers) and cluster.hub.inbox.count() == 0

            wait_for(all_arrived, timeout=50, what="the second worker working the integration's queue")
            assert _draft_numbers(live) == numbers  # each once
            # The killed worker's job was run again and finished: nothing holds the lock any more.
            wait_for(lambda: _doing_document_jobs(world) == [], timeout=10, what="the locks released")
        finally:
            _stop(*processes)
            rackbeat.close()
            books.close()
    cluster.hub.close()


def test_serve_stopped_with_sigint_fails_no_item_in_flight(pg_world: EWorld) -> None:
    world = pg_world
    port = free_port()
    # Every draft takes 2 s in eAccounting, so items are in flight when the stop comes.
    world.books_app.kit.set_faults(FaultPlan(latency_ms=2000, path_pattern=DRAFTS_PATH, methods=["POST"]))
    # Two at a time: the eight invoices take four rounds, and the stop comes in the second.
    env = _env(world, LEDGERBRIDGE_DOCUMENT_CONCURRENCY="2")
    serve = subprocess.Popen([*COMMAND, "serve", "--port", str(port)], env=env)
    rackbeat, books = world.rackbeat(), world.api()
    live = ELive(world, None, None, "", rackbeat, books)  # type: ignore[arg-type]
    try:
        # Start-up only (imports take half a minute on a loaded machine): the timed part comes after.
        # Subscribed to booked invoices in particular: serve subscribes its events one by one, and an
        # invoice booked before that subscription exists gets no webhook (the next scan finds it, but this
        # test stops serve within seconds and its second start only drains the inbox).
        wait_for(
            lambda: serve.poll() is None and bool(rackbeat.list_webhooks("customer_invoice.booked")),
            timeout=180,
            what="serve listening and subscribed to booked invoices",
        )
        numbers = _book(live, 8)
        # Stop once the first round of drafts is written: the next is in flight, the rest waits.
        wait_for(lambda: len(live.drafts()) >= 1, timeout=30, what="the first draft")
        serve.send_signal(signal.SIGINT)
        assert serve.wait(timeout=40) in (0, 130)  # 130: uvicorn exits as interrupted, after a clean stop
    finally:
        _stop(serve)
    with world.service.store.session() as db:
        failed = db.scalars(select(InboxItem.error).where(InboxItem.state == "failed")).all()
        errors = db.scalars(select(func.count()).select_from(ErrorEntry)).one()
    assert failed == [], failed
    assert errors == 0

    # The next start (here: a hub in this process) transfers what was left pending, each once.
    world.books_app.kit.set_faults(FaultPlan())
    hub = RealtimeHub(world.service)
    try:
        assert hub.drain(timeout=30)
    finally:
        hub.close()
    assert _draft_numbers(live) == numbers
    rackbeat.close()
    books.close()


def test_worker_stopped_with_sigint_takes_no_new_item_and_fails_none(pg_world: EWorld) -> None:
    world = pg_world
    cluster = Cluster(world.service)
    cluster.ensure_schema()
    # One document at a time, 2 s each: the stop comes while the backlog is being worked.
    world.books_app.kit.set_faults(FaultPlan(latency_ms=2000, path_pattern=DRAFTS_PATH, methods=["POST"]))
    env = _env(world, LEDGERBRIDGE_DOCUMENT_CONCURRENCY="1")
    with cluster.open(), SandboxServer(create_app(cluster.hub, cluster)) as web:
        cluster.hub.register_webhooks("se", web.base_url)
        rackbeat, books = world.rackbeat(), world.api()
        live = ELive(world, cluster.hub, None, web.base_url, rackbeat, books)  # type: ignore[arg-type]
        worker = subprocess.Popen([*COMMAND, "worker", "--concurrency", "2"], env=env)
        try:
            _wait_for_new_worker(world, set(), worker)
            numbers = _book(live, 6)
            wait_for(lambda: len(live.drafts()) >= 1, timeout=45, what="the first draft")
            worker.send_signal(signal.SIGINT)
            assert worker.wait(timeout=40) == 0
        finally:
            _stop(worker)
        with world.service.store.session() as db:
            states = db.scalars(select(InboxItem.state)).all()
            errors = db.scalars(select(func.count()).select_from(ErrorEntry)).one()
        assert "failed" not in states and errors == 0
        # The item in flight finished; the ones not started were left for the next worker.
        assert 1 <= len(live.drafts()) < len(numbers)
        assert "pending" in states

        world.books_app.kit.set_faults(FaultPlan())
        cluster.dispatch()

        def drained() -> bool:
            cluster.run_worker(wait=False, concurrency=2)
            return len(live.drafts()) >= len(numbers) and cluster.hub.inbox.count() == 0

        wait_for(drained, timeout=30, what="the rest, worked by the next worker")
        assert _draft_numbers(live) == numbers
        rackbeat.close()
        books.close()
    cluster.hub.close()
