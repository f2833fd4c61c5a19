"""Cluster mode on a real PostgreSQL: webhooks stored by a web process, worked by Procrastinate workers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledgerbridge.runtime.cluster import Cluster, conninfo
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.service import UserError
from ledgerbridge.web.app import create_app
from tests.conftest import _empty_postgres
from tests.integrations.eaccounting_support import ELive, EWorld, eaccounting_world
from tests.integrations.test_realtime import wait_for
from tests.processes import stop


@pytest.fixture
def pg_world(postgres_url: str, tmp_path: Path) -> Iterator[EWorld]:
    _empty_postgres(postgres_url)
    with eaccounting_world(postgres_url, tmp_path) as world:
        yield world


def test_cluster_mode_needs_postgresql() -> None:
    with pytest.raises(UserError, match="PostgreSQL"):
        conninfo("sqlite:////tmp/x.sqlite3")
    assert (
        conninfo("postgresql+psycopg://lb@db.example:5432/ledger") == "postgresql://lb@db.example:5432/ledger"
    )


def test_webhooks_are_worked_by_procrastinate_workers_once_per_integration(pg_world: EWorld) -> None:
    world = pg_world
    world.add("se", invoices={"status": "invoiced"})
    assert world.service.run_startup("se").ok
    world.rackbeat_app.webhooks.configure(retry_base_seconds=0.05, duplicate_rate=1.0)  # each webhook twice
    cluster = Cluster(world.service)
    assert cluster.ensure_schema() is True
    assert cluster.ensure_schema() is False  # idempotent: a second process finds it there

    with cluster.open(), SandboxServer(create_app(cluster.hub, cluster)) as web:
        cluster.hub.register_webhooks("se", web.base_url)
        rackbeat = world.rackbeat()
        live = ELive(world, cluster.hub, None, web.base_url, rackbeat, world.api())  # type: ignore[arg-type]
        invoice = live.new_invoice()
        live.book(invoice)
        # The web process only stores and queues: nothing reaches eAccounting without a worker.
        wait_for(lambda: cluster.hub.inbox.count() >= 1, what="the webhook in the inbox")
        assert live.invoices() == []

        def drained() -> bool:
            cluster.run_worker(wait=False, concurrency=2)  # the jobs that are due, then return
            return bool(live.invoices()) and cluster.hub.inbox.count() == 0

        # The duplicate delivery may land after the first was worked: it is worked too, and found done.
        # Generous: on a loaded CI machine one run took 30 s from delivery to transfer (4 s when run alone).
        wait_for(drained, timeout=60, what="the invoice, worked by the workers, and an empty inbox")
        assert len(live.invoices()) == 1
        assert cluster.dispatched >= 1

        # Everything again: nothing new happens.
        cluster.dispatch()
        cluster.run_worker(wait=False)
        assert len(live.invoices()) == 1
        rackbeat.close()
        live.books.close()
    cluster.hub.close()


def test_serve_cluster_and_two_workers_as_processes(pg_world: EWorld) -> None:
    """What an operator runs: one `serve --cluster` (receives) and two `worker` processes (work)."""
    import os
    import subprocess
    import sys

    import httpx

    from tests.integrations.eaccounting_support import free_port

    world = pg_world
    world.add("se", invoices={"status": "draft"})
    assert world.service.run_startup("se").ok
    world.rackbeat_app.webhooks.configure(retry_base_seconds=0.05)
    env = {
        **os.environ,
        "LEDGERBRIDGE_HOME": str(world.config.home),
        "LEDGERBRIDGE_DATABASE_URL": world.config.database_url,
    }
    port = free_port()
    command = [sys.executable, "-m", "ledgerbridge.cli.main"]
    serve = subprocess.Popen([*command, "serve", "--cluster", "--port", str(port)], env=env)
    workers = [subprocess.Popen([*command, "worker", "--concurrency", "2"], env=env) for _ in range(2)]
    try:

        def all_running() -> None:
            # A process that exits fails the test at once instead of at the end of a long wait.
            for process in (serve, *workers):
                if process.poll() is not None:
                    raise AssertionError(f"{process.args[3:]} exited with {process.returncode}")

        def subscribed() -> bool:
            all_running()
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).raise_for_status()
            except httpx.HTTPError:
                return False
            return bool(world.rackbeat().list_webhooks("customer_invoice.booked"))  # the one this test needs

        # The readiness signal is /healthz answering and the webhooks subscribed (which serve does only
        # once it listens). On a loaded machine importing the package in three processes can take long,
        # so the bound is generous; a passing run returns as soon as it is ready.
        wait_for(subscribed, timeout=180, what="serve --cluster listening and subscribed")
        rackbeat = world.rackbeat()
        books = world.api()
        live = ELive(world, None, None, "", rackbeat, books)  # type: ignore[arg-type]
        numbers = []
        for _ in range(3):
            invoice = live.new_invoice()
            live.book(invoice)
            numbers.append(invoice["number"])
        drafts = wait_for(
            lambda: (all_running(), len(live.drafts()) == 3 and live.drafts())[1],
            timeout=120,  # the workers may still be starting up
            what="three drafts",
        )
        assert sorted(d["ContractNumber"] for d in drafts) == sorted(f"Rackbeat invoice {n}" for n in numbers)
        rackbeat.close()
        books.close()
    finally:
        stop(serve, *workers, grace=15)
