"""Issue 16: dispatch has a run lock. Two dispatches running at once both saw the same pending items
without a job, and the second queued a job again for an item whose first job had already run (with two
workers 26 of 86 document jobs found their item done). Real PostgreSQL, Procrastinate's own job fetching."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import procrastinate
import pytest
from sqlalchemy import text

from ledgerbridge.runtime.cluster import Cluster, conninfo
from tests.conftest import _empty_postgres
from tests.integrations.eaccounting_support import eaccounting_world
from tests.support import run_async


@pytest.fixture
def cluster(postgres_url: str, tmp_path: Path) -> Iterator[Cluster]:
    _empty_postgres(postgres_url)
    with eaccounting_world(postgres_url, tmp_path) as world:
        world.add("se", invoices={"status": "draft"})
        made = Cluster(world.service)
        made.ensure_schema()
        try:
            yield made
        finally:
            made.hub.close()
            made.budgets.close()


def _fetch_dispatch(cluster: Cluster) -> object:
    """What a worker would start next from the dispatch queue (another worker: an app of its own)."""
    worker = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo(cluster.service.config.database_url))
    )

    async def fetch() -> object:
        async with worker.open_async():
            manager = worker.job_manager
            worker_id = await manager.register_worker()
            return await manager.fetch_job(queues=["dispatch"], worker_id=worker_id)

    return run_async(fetch())


def _jobs(cluster: Cluster, task: str) -> list[str]:
    with cluster.service.store.session() as db:
        rows = db.execute(
            text("SELECT status FROM procrastinate_jobs WHERE task_name = :task ORDER BY id"),
            {"task": task},
        )
        return [str(status) for (status,) in rows]


def test_a_second_dispatch_waits_for_the_one_running(cluster: Cluster) -> None:
    with cluster.open():
        assert cluster.dispatch_task.defer()
        running = _fetch_dispatch(cluster)  # a worker is inside the first dispatch
        assert running is not None
        # Deliveries arriving meanwhile queue the next one (one may wait beside the one running) ...
        assert cluster.dispatch_task.defer()
        assert _jobs(cluster, "ledgerbridge.dispatch") == ["doing", "todo"]
        # ... but no worker starts it while the first runs.
        assert _fetch_dispatch(cluster) is None
    assert _jobs(cluster, "ledgerbridge.dispatch") == ["doing", "todo"]


def test_the_tick_queues_a_dispatch_instead_of_dispatching_beside_a_running_one(cluster: Cluster) -> None:
    integration_id, _ = cluster.service.integration("se")
    cluster.hub.inbox.put(integration_id, source="rackbeat", event="customer_invoice.booked", record_key="7")
    with cluster.open():
        assert cluster.dispatch_task.defer()
        assert _fetch_dispatch(cluster) is not None  # a dispatch is running (it has not read the inbox yet)
        cluster.tick_task(timestamp=120)
        # The tick deferred no document job itself (the running dispatch, or the one after it, does) ...
        assert _jobs(cluster, "ledgerbridge.document") == []
        # ... it queued the next dispatch, which runs after the one running.
        assert _jobs(cluster, "ledgerbridge.dispatch") == ["doing", "todo"]
