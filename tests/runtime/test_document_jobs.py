"""Cluster mode: a Procrastinate job per document (issue 16). Documents of one integration are worked side
by side by every worker, each once, and never before master data of their integration that arrived
before them. Real PostgreSQL (this run's own database), real worker processes, the sandboxes over HTTP."""

from __future__ import annotations

import subprocess
from typing import Any

from sqlalchemy import text

from ledgerbridge.runtime.cluster import Cluster
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.sandbox.faults import FaultPlan
from ledgerbridge.web.app import create_app
from tests.integrations.eaccounting_support import ELive, EWorld
from tests.integrations.test_realtime import wait_for
from tests.processes import stop
from tests.runtime.test_stop_and_stalled_jobs import (
    COMMAND,
    DRAFTS_PATH,
    _book,
    _draft_numbers,
    _env,
    pg_world,  # noqa: F401  (the fixture: integration "se", start-up sync done)
)


def _doing_documents(world: EWorld) -> list[tuple[str, int]]:
    """(lock, worker id) of the document jobs running now."""
    with world.service.store.session() as db:
        rows = db.execute(
            text(
                "SELECT lock, worker_id FROM procrastinate_jobs"
                " WHERE status = 'doing' AND task_name = 'ledgerbridge.document'"
            )
        )
        return [(row[0], row[1]) for row in rows]


def _inbox_states(world: EWorld) -> list[tuple[Any, ...]]:
    with world.service.store.session() as db:
        rows = db.execute(text("SELECT id, event, record_key, state, attempts, error FROM webhook_inbox"))
        return [tuple(row) for row in rows if row[3] != "done"]


def _workers(world: EWorld) -> int:
    """Worker processes that have started and beat."""
    with world.service.store.session() as db:
        return int(db.execute(text("SELECT count(*) FROM procrastinate_workers")).scalar() or 0)


def _document_jobs_left(world: EWorld) -> int:
    """Document jobs queued (also those deferred to later) or running."""
    with world.service.store.session() as db:
        return int(
            db.execute(
                text(
                    "SELECT count(*) FROM procrastinate_jobs"
                    " WHERE status IN ('todo', 'doing') AND task_name = 'ledgerbridge.document'"
                )
            ).scalar()
            or 0
        )


def _explain(
    world: EWorld, numbers: list[str], waited: list[dict[str, Any]], final: list[dict[str, Any]]
) -> None:
    """Printed when the drafts are not each invoice once: what the wait saw, what is there now, and every
    write both sandboxes received."""
    print("expected:", numbers)
    print("inbox items not done:", _inbox_states(world))
    print("wait saw:", sorted((d["ContractNumber"], d["Id"]) for d in waited))
    print("now:     ", sorted((d["ContractNumber"], d["Id"]) for d in final))
    for name, app in (("eaccounting", world.books_app), ("rackbeat", world.rackbeat_app)):
        for r in list(app.kit.requests):
            if r.method in ("POST", "PUT", "DELETE"):
                print(name, f"{r.at:.3f}", r.method, r.path, r.status, r.fault or "")


def test_two_workers_work_one_integrations_documents_side_by_side_each_once(pg_world: EWorld) -> None:  # noqa: F811
    world = pg_world
    cluster = Cluster(world.service)
    cluster.ensure_schema()
    # Each draft takes 4 s in eAccounting: long enough to see both workers inside the same integration.
    world.books_app.kit.set_faults(FaultPlan(latency_ms=4000, path_pattern=DRAFTS_PATH, methods=["POST"]))
    processes: list[subprocess.Popen[Any]] = []
    with cluster.open(), SandboxServer(create_app(cluster.hub, cluster)) as web:
        cluster.hub.register_webhooks("se", web.base_url)
        rackbeat, books = world.rackbeat(), world.api()
        live = ELive(world, cluster.hub, None, web.base_url, rackbeat, books)  # type: ignore[arg-type]
        try:
            for _ in range(2):
                processes.append(
                    subprocess.Popen([*COMMAND, "worker", "--concurrency", "2"], env=_env(world))
                )
            # Both workers listening before the invoices are booked: on a loaded machine one worker's
            # imports can take longer than the other needs to work all eight, and then nothing shows
            # two workers inside the integration.
            wait_for(lambda: _workers(world) >= 2, timeout=180, what="both workers started")
            numbers = _book(live, 8)
            seen: set[int] = set()

            def both_workers_inside() -> bool:
                for process in processes:
                    assert process.poll() is None, f"a worker exited with {process.returncode}"
                running = _doing_documents(world)
                seen.update(worker for _, worker in running)
                # One integration, and each document under a lock of its own.
                assert len({lock for lock, _ in running}) == len(running)
                return len(seen) >= 2

            wait_for(both_workers_inside, timeout=120, what="both workers inside the integration's documents")
            waited: list[list[dict[str, Any]]] = [[]]  # the drafts the wait saw last

            def every_invoice_worked() -> bool:
                # Each invoice has a draft (not: there are eight drafts, which a duplicate could make
                # while another invoice is still missing), nothing is pending in the inbox and no
                # document job is queued or running, so no write can still come after the read below.
                waited[:] = [live.drafts()]
                drafted = {d["ContractNumber"] for d in waited[-1]}
                return (
                    drafted >= set(numbers)
                    and cluster.hub.inbox.count() == 0
                    and _document_jobs_left(world) == 0
                )

            try:
                wait_for(every_invoice_worked, timeout=180, what="every invoice worked")
            except AssertionError:
                _explain(world, numbers, waited[-1], live.drafts())
                raise
            final = live.drafts()
            if sorted(d["ContractNumber"] for d in final) != numbers:
                _explain(world, numbers, waited[-1], final)
            assert sorted(d["ContractNumber"] for d in final) == numbers  # each once
            assert cluster.hub.inbox.count(state="failed") == 0
        finally:
            stop(*processes, grace=20)
            rackbeat.close()
            books.close()
    cluster.hub.close()


def test_a_document_waits_for_master_data_that_arrived_before_it(pg_world: EWorld) -> None:  # noqa: F811
    world = pg_world
    cluster = Cluster(world.service)
    hub = cluster.hub
    integration_id, _ = world.service.integration("se")
    rackbeat, books = world.rackbeat(), world.api()
    live = ELive(world, hub, None, "", rackbeat, books)  # type: ignore[arg-type]
    try:
        invoice = live.new_invoice()
        live.book(invoice)
        customer = str(invoice["customer"]["number"])
        # The customer's change arrived first, then the invoice for that customer.
        customer_item, _ = hub.inbox.put(
            integration_id, source="rackbeat", event="customer.updated", record_key=customer
        )
        invoice_item, _ = hub.inbox.put(
            integration_id,
            source="rackbeat",
            event="customer_invoice.booked",
            record_key=str(invoice["number"]),
        )
        assert hub.process_document(customer_item) == ("gone", 0.0)  # master data is not a document job
        outcome, seconds = hub.process_document(invoice_item)
        assert outcome == "waiting" and seconds > 0  # the customer first
        assert live.drafts() == []

        assert hub.process_in_order(integration_id) == (1, False)  # the integration's job: the customer
        assert hub.process_document(invoice_item) == ("settled", 0.0)
        assert _draft_numbers(live) == [f"Rackbeat invoice {invoice['number']}"]
        assert hub.process_document(invoice_item) == ("gone", 0.0)  # done: a second job does nothing
        assert len(live.drafts()) == 1
    finally:
        rackbeat.close()
        books.close()
        hub.close()


def test_dispatch_tells_a_document_job_whether_master_data_came_before_it(pg_world: EWorld) -> None:  # noqa: F811
    """A document with no master data of its integration pending before it is dispatched ``clear``: its
    job does not look again (a query per document). One behind master data keeps looking, and waits."""
    world = pg_world
    cluster = Cluster(world.service)
    hub = cluster.hub
    integration_id, _ = world.service.integration("se")
    cluster.ensure_schema()
    try:
        first, _ = hub.inbox.put(
            integration_id, source="rackbeat", event="customer_invoice.booked", record_key="9001"
        )
        customer, _ = hub.inbox.put(
            integration_id, source="rackbeat", event="customer.updated", record_key="77"
        )
        behind, _ = hub.inbox.put(
            integration_id, source="rackbeat", event="customer_invoice.booked", record_key="9002"
        )
        with cluster.app.open():
            assert cluster.dispatch() == 3  # two document jobs and the integration's in-order job
        with world.service.store.session() as db:
            args = {
                row[0]["item_id"]: row[0]
                for row in db.execute(
                    text("SELECT args FROM procrastinate_jobs WHERE task_name = 'ledgerbridge.document'")
                )
            }
        assert args == {first: {"item_id": first, "clear": True}, behind: {"item_id": behind}}
        assert customer not in args
        outcome, _ = hub.process_document(behind)  # as its job runs it: it looks, and waits
        assert outcome == "waiting"
    finally:
        hub.close()
