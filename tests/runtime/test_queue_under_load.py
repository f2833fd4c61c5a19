"""Cluster mode under load (issue 16): the job table's statistics are refreshed once many jobs were queued
(stale ones made every fetch read the whole queue), and a document that meets a pool timeout waits in
back-off instead of failing. Real PostgreSQL (this run's own database), the sandboxes over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ledgerbridge.runtime import cluster as cluster_module
from ledgerbridge.runtime.cluster import Cluster
from tests.integrations.eaccounting_support import ELive, EWorld
from tests.runtime.test_stop_and_stalled_jobs import (
    _draft_numbers,
    pg_world,  # noqa: F401  (the fixture: integration "se", start-up sync done)
)


def _delivered_invoice(world: EWorld, live: ELive) -> tuple[int, str]:
    """An invoice booked in Rackbeat and delivered to the inbox: (item id, its draft's number)."""
    integration_id, _ = world.service.integration("se")
    invoice = live.new_invoice()
    live.book(invoice)
    key = str(invoice["number"])
    item_id, _ = live.hub.inbox.put(
        integration_id, source="rackbeat", event="customer_invoice.booked", record_key=key
    )
    return item_id, f"Rackbeat invoice {key}"


def test_the_job_tables_statistics_are_refreshed_once_many_jobs_were_queued(
    pg_world: EWorld,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Statistics of an empty queue made PostgreSQL fetch each job by reading every queued one: after
    ``ANALYZE_EVERY`` jobs deferred, dispatch refreshes them (the planner then sees the queued jobs)."""
    world = pg_world
    monkeypatch.setattr(cluster_module, "ANALYZE_EVERY", 5)
    cluster = Cluster(world.service)
    cluster.ensure_schema()
    integration_id, _ = world.service.integration("se")

    def estimated_jobs() -> float:
        with world.service.store.session() as db:
            return float(
                db.execute(
                    text("SELECT reltuples FROM pg_class WHERE relname = 'procrastinate_jobs'")
                ).scalar()
            )

    try:
        for key in ("9001", "9002", "9003", "9004"):
            cluster.hub.inbox.put(
                integration_id, source="rackbeat", event="customer_invoice.booked", record_key=key
            )
        with cluster.app.open():
            assert cluster.dispatch() == 4
            assert estimated_jobs() <= 0  # never analyzed (-1): below the threshold nothing is done
            cluster.hub.inbox.put(
                integration_id, source="rackbeat", event="customer_invoice.booked", record_key="9005"
            )
            assert cluster.dispatch() == 1
        assert estimated_jobs() == 5  # the fifth job deferred refreshed the statistics
    finally:
        cluster.hub.close()


def test_a_document_that_meets_a_pool_timeout_waits_and_is_transferred_later(
    pg_world: EWorld,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every pooled connection busy for the pool's whole timeout (a worker's threads under load) is our
    database being away for a moment: the document goes into back-off and comes again, not failed."""
    world = pg_world
    cluster = Cluster(world.service)
    hub = cluster.hub
    rackbeat, books = world.rackbeat(), world.api()
    live = ELive(world, hub, None, "", rackbeat, books)  # type: ignore[arg-type]
    try:
        item, number = _delivered_invoice(world, live)
        _, session = hub.session("se")
        handle = session.handle
        calls: list[str] = []

        def busy_pool_once(event: str, key: str, payload: Any = None) -> str:
            calls.append(key)
            if len(calls) == 1:
                raise PoolTimeout("QueuePool limit of size 16 overflow 8 reached, connection timed out")
            return handle(event, key, payload)

        monkeypatch.setattr(session, "handle", busy_pool_once)
        outcome, seconds = hub.process_document(item)
        assert outcome == "later" and seconds > 0
        assert _states(world, [item]) == {"pending"}
        assert world.service.errors("se") == []  # not a failure: nothing to retry by hand
        assert hub.process_document(item) == ("settled", 0.0)
        assert _draft_numbers(live) == [number]
    finally:
        rackbeat.close()
        books.close()
        hub.close()


def _states(world: EWorld, item_ids: list[int]) -> set[str]:
    with world.service.store.session() as db:
        rows = db.execute(text("SELECT state FROM webhook_inbox WHERE id = ANY(:ids)"), {"ids": item_ids})
        return {row[0] for row in rows}
