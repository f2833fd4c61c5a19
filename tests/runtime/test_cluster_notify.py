"""Cluster intake: deliveries arriving together share one dispatch job, deferred after they were stored."""

from __future__ import annotations

import time

from sqlalchemy import text

from ledgerbridge.runtime.cluster import NOTIFY_SECONDS, Cluster
from tests.integrations.eaccounting_support import EWorld
from tests.integrations.test_realtime import wait_for
from tests.runtime.test_cluster import pg_world  # noqa: F401  (the fixture)


def dispatch_jobs(world: EWorld) -> int:
    """Dispatch jobs waiting for a worker."""
    with world.service.store.session() as db:
        query = text(
            "SELECT count(*) FROM procrastinate_jobs"
            " WHERE task_name = 'ledgerbridge.dispatch' AND status = 'todo'"
        )
        return int(db.execute(query).scalar() or 0)


def test_a_burst_of_deliveries_queues_one_dispatch_job(pg_world: EWorld) -> None:  # noqa: F811
    cluster = Cluster(pg_world.service)
    cluster.ensure_schema()
    with cluster.open():
        for _ in range(200):
            cluster.notify()  # returns at once: the web request never waits for the queue
        wait_for(lambda: dispatch_jobs(pg_world) >= 1, what="a dispatch job")
        # The burst's last notifies are deferred one tick later (and meet the waiting job): let them.
        wait_for(lambda: not cluster._wanted.is_set(), what="the burst taken in")
        time.sleep(max(1.0, NOTIFY_SECONDS * 10))
        assert dispatch_jobs(pg_world) == 1  # the first still waits for a worker: the others collapse into it
        with pg_world.service.store.session() as db:  # a worker took it
            db.execute(text("UPDATE procrastinate_jobs SET status = 'doing' WHERE status = 'todo'"))
        assert dispatch_jobs(pg_world) == 0
        cluster.notify()
        wait_for(lambda: dispatch_jobs(pg_world) == 1, what="a new dispatch job once the first was taken")
    cluster.hub.close()
