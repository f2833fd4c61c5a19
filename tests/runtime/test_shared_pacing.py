"""Cluster workers share one token bucket per credential in PostgreSQL: together they stay under its limit."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text

from ledgerbridge.runtime.cluster import Cluster
from ledgerbridge.runtime.shared_pacing import SharedBudget, SharedBudgets
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.store.db import Store
from ledgerbridge.store.models import CallBudgetRow
from ledgerbridge.systems.eaccounting.client import EndpointBudget, eaccounting_budget
from ledgerbridge.systems.pacing import (
    Budget,
    CallBudget,
    budgets_from,
    credential_key,
    one_per_call,
    rackbeat_budget,
)
from ledgerbridge.systems.severa.client import severa_budget
from ledgerbridge.web.app import create_app
from tests.conftest import _empty_postgres
from tests.integrations.eaccounting_support import RACKBEAT_TOKEN, ELive, EWorld, eaccounting_world
from tests.integrations.test_realtime import wait_for


def test_two_workers_with_their_own_connections_share_one_bucket(pg_store: Store) -> None:
    per_minute, burst, seconds = 1200.0, 5.0, 2.0  # 19.8 a second at 99 %
    key = credential_key("rackbeat", "http://rackbeat.test/api", "token-shared")
    engines = [create_engine(pg_store.url), create_engine(pg_store.url)]  # two "processes": two pools
    budgets = [
        SharedBudget(engine, "rackbeat", key, per_minute, cost=one_per_call, burst=burst)
        for engine in engines
    ]
    stamps: list[float] = []
    stamps_lock = threading.Lock()
    start = time.monotonic()

    def work(budget: SharedBudget) -> None:
        for _ in range(500):  # bounded: the deadline ends it long before
            budget("GET", "products")
            now = time.monotonic() - start
            if now > seconds:
                return
            with stamps_lock:
                stamps.append(now)

    threads = [threading.Thread(target=work, args=(budget,)) for budget in budgets]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not any(thread.is_alive() for thread in threads)
    finally:
        for engine in engines:
            engine.dispose()

    rate = per_minute * 0.99 / 60
    # Together at most the burst plus the rate over the run (one call of slack for the clock's edges) …
    assert len(stamps) <= burst + rate * seconds + 1
    # … and the shared bucket does not idle either: both workers got their turns.
    assert len(stamps) >= 0.8 * rate * seconds
    assert all(budget.calls > 0 and budget.waited > 0 for budget in budgets)
    # Alone, each would have taken its own burst + rate: the pair would pass about twice that.
    assert len(stamps) < 2 * (rate * seconds)


def _spend_together(pacers: list[tuple[Budget, str]], seconds: float) -> list[float]:
    """Each pacer in its own thread calls ``path`` until ``seconds`` are up; when each call got through."""
    stamps: list[float] = []
    stamps_lock = threading.Lock()
    start = time.monotonic()

    def work(budget: Budget, path: str) -> None:
        for _ in range(500):  # bounded: the deadline ends it long before
            budget("GET", path)
            now = time.monotonic() - start
            if now > seconds:
                return
            with stamps_lock:
                stamps.append(now)

    threads = [threading.Thread(target=work, args=pacer) for pacer in pacers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return stamps


def _credentials(store: Store, system: str) -> list[str]:
    with store.session() as db:
        return sorted(db.scalars(select(CallBudgetRow.credential).where(CallBudgetRow.system == system)))


def test_two_eaccounting_clients_of_one_api_client_share_each_endpoints_bucket(pg_store: Store) -> None:
    requests, window, seconds = 10, 1.0, 2.0  # 10 a second per endpoint, a burst of 10
    engines = [create_engine(pg_store.url), create_engine(pg_store.url)]  # two "processes": two pools
    budgets: list[EndpointBudget] = []
    try:
        for engine in engines:
            with budgets_from(SharedBudgets(engine)):  # as each worker opens its client
                budgets.append(
                    eaccounting_budget(
                        "http://eaccounting.test/v2/", "client-x", requests=requests, window_seconds=window
                    )
                )
        # One endpoint, reached as a collection and as a record: one bucket.
        stamps = _spend_together([(budgets[0], "customers"), (budgets[1], "customers/abc")], seconds)
        # Another endpoint of the same client id has its own, untouched bucket.
        assert budgets[1].budget("articles").waited == 0
        budgets[1]("GET", "articles?$page=1")
        articles = budgets[1].budget("articles")
    finally:
        for engine in engines:
            engine.dispose()

    rate = requests / window
    assert len(stamps) <= requests + rate * seconds + 1  # together: one burst plus the rate
    assert len(stamps) >= 0.8 * rate * seconds
    assert all(budget.calls > 0 and budget.waited > 0 for budget in budgets)
    assert len(stamps) < 2 * rate * seconds  # each with its own bucket: twice the burst plus the rate
    assert articles.waited == 0 and articles.calls == 1
    client = credential_key("eaccounting", "http://eaccounting.test/v2", "client-x")
    expected = sorted(credential_key(client, endpoint) for endpoint in ("customers", "articles"))
    assert _credentials(pg_store, "eaccounting") == expected  # one row per (client id hash, endpoint)


def test_two_severa_clients_of_one_api_client_share_one_bucket(pg_store: Store) -> None:
    seconds = 2.0  # Severa's pacing: 8 a second, a burst of 2
    engines = [create_engine(pg_store.url), create_engine(pg_store.url)]
    budgets: list[Budget] = []
    try:
        for engine in engines:
            with budgets_from(SharedBudgets(engine)):
                budgets.append(severa_budget("http://severa.test/rest-api/", "client-y"))
        stamps = _spend_together([(budget, "/rest-api/v1/customers") for budget in budgets], seconds)
    finally:
        for engine in engines:
            engine.dispose()

    assert len(stamps) <= 2 + 8 * seconds + 1  # never more than Severa's 10 in one second, together
    assert len(stamps) >= 0.8 * 8 * seconds
    assert all(budget.calls > 0 and budget.waited > 0 for budget in budgets)
    assert len(stamps) < 2 * 8 * seconds  # apart, the two would pass 2 × (2 + 16)
    key = credential_key("severa", "http://severa.test/rest-api", "client-y")
    assert _credentials(pg_store, "severa") == [key]


def test_embedded_mode_keeps_eaccounting_and_severa_paced_in_process(pg_store: Store) -> None:
    severa = severa_budget("http://severa.test/rest-api", "client-z")
    assert isinstance(severa, CallBudget) and severa is severa_budget(
        "http://severa.test/rest-api/", "client-z"
    )
    assert (severa.per_second, severa.capacity) == (8.0, 2.0)  # RequestPacer's numbers
    eaccounting = eaccounting_budget("http://eaccounting.test/v2", "client-z")
    customers = eaccounting.budget("customers/1")
    assert isinstance(customers, CallBudget) and (customers.per_second, customers.capacity) == (10.0, 600.0)
    # Two clients of one client id in one process spend from one bucket per endpoint.
    assert eaccounting_budget("http://eaccounting.test/v2", "client-z").budget("customers") is customers
    with budgets_from(SharedBudgets(pg_store.engine)):
        assert severa_budget("http://severa.test/rest-api", "client-z") is not severa
    assert _credentials(pg_store, "severa") == []  # no row until a cluster's client spends


def test_an_empty_bucket_answers_how_long_to_wait(pg_store: Store) -> None:
    budget = SharedBudget(pg_store.engine, "economic", "k" * 64, 60, cost=one_per_call, share=1.0, burst=2)
    assert budget.take(1) == 0.0
    assert budget.take(1) == 0.0
    wait = budget.take(1)
    assert 0.5 < wait <= 1.0  # one a second, and the bucket is empty
    budget.settle(charged=1, actual=3)  # the server said the last call cost 3: two more of debt
    assert budget.take(1) > 2.0
    with pg_store.session() as db:
        row = db.scalars(select(CallBudgetRow)).one()
    assert (row.system, row.credential) == ("economic", "k" * 64)


def test_a_cluster_process_hands_out_shared_budgets_and_gives_the_in_process_ones_back(
    pg_store: Store,
) -> None:
    budgets = SharedBudgets(pg_store.engine)
    assert isinstance(rackbeat_budget("http://rackbeat.test/api", "t"), CallBudget)
    with budgets_from(budgets):
        shared = rackbeat_budget("http://rackbeat.test/api", "t")
        assert isinstance(shared, SharedBudget)
        assert rackbeat_budget("http://rackbeat.test/api/", "t") is shared  # one per credential
        assert shared.credential == credential_key("rackbeat", "http://rackbeat.test/api", "t")
    assert isinstance(rackbeat_budget("http://rackbeat.test/api", "t"), CallBudget)


def test_shared_budgets_need_postgresql(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'lb.sqlite3'}")  # the migration runs on SQLite too
    try:
        assert "call_budgets" in inspect(store.engine).get_table_names()
        with pytest.raises(ValueError, match="PostgreSQL"):
            SharedBudgets(store.engine)
    finally:
        store.dispose()


def test_a_database_away_leaves_the_process_pacing_alone() -> None:
    engine = create_engine(
        "postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2}
    )
    slept: list[float] = []
    budget = SharedBudget(engine, "rackbeat", "x" * 64, 60, cost=one_per_call, burst=1, sleep=slept.append)
    budget("GET", "products")
    budget("GET", "products")  # the fallback bucket (1 a second, burst 1) waits for the second
    assert budget.calls == 2
    assert slept and slept[0] > 0.5
    engine.dispose()


@pytest.fixture
def pg_world(postgres_url: str, tmp_path: Path) -> Iterator[EWorld]:
    _empty_postgres(postgres_url)
    with eaccounting_world(postgres_url, tmp_path) as world:
        yield world


def test_a_cluster_workers_clients_take_from_the_shared_budget(pg_world: EWorld) -> None:
    world = pg_world
    world.add("se", invoices={"status": "invoiced"})
    assert world.service.run_startup("se").ok  # embedded: in-process budgets, no row
    cluster = Cluster(world.service)
    cluster.ensure_schema()
    engine = world.service.store.engine

    def rows() -> list[tuple[str, str]]:
        with engine.connect() as db:
            return [
                (r.system, r.credential)
                for r in db.execute(text("SELECT system, credential FROM call_budgets"))
            ]

    assert rows() == []
    with cluster.open(), SandboxServer(create_app(cluster.hub, cluster)) as web:  # type: ignore[arg-type]
        cluster.hub.register_webhooks("se", web.base_url)
        rackbeat = world.rackbeat()  # the test's own client: unpaced
        live = ELive(world, cluster.hub, None, web.base_url, rackbeat, world.api())  # type: ignore[arg-type]
        with engine.begin() as db:
            db.execute(text("DELETE FROM call_budgets"))  # only what the worker spends counts below
        live.book(live.new_invoice())
        wait_for(lambda: cluster.hub.inbox.count() >= 1, what="the webhook in the inbox")

        def worked() -> bool:
            cluster.run_worker(wait=False, concurrency=2)
            return bool(live.invoices())

        wait_for(worked, what="the invoice, worked by the worker")
        rackbeat.close()
        live.books.close()
    cluster.hub.close()
    expected = credential_key("rackbeat", world.rackbeat_url.rstrip("/"), RACKBEAT_TOKEN)
    assert ("rackbeat", expected) in rows()
    assert all(RACKBEAT_TOKEN not in credential for _, credential in rows())  # a hash, never the secret


def test_a_caller_that_waited_spends_what_another_thread_took_ahead(pg_store: Store) -> None:
    """A take leaves a few tokens with the process (its lease) for its next calls; a caller waiting for the
    bucket meanwhile spends them when it wakes, not a take of its own (the lease would lapse unspent, and
    a busy credential ran at a fraction of its limit)."""
    state = {"bucket_takes": 0}

    def tokens() -> float:
        with pg_store.session() as db:
            return float(db.scalars(select(CallBudgetRow.tokens)).one())

    def while_waiting(seconds: float) -> None:
        # The bucket refills, and another thread of this process calls: its take leaves a lease behind.
        with pg_store.session() as db:
            db.execute(text("UPDATE call_budgets SET tokens = 120, updated_at = clock_timestamp()"))
        other = threading.Thread(target=budget, args=("GET", "/products"))
        other.start()
        other.join()
        state["bucket_takes"] += 1

    # Rackbeat's published 480 a minute: a burst of 120, a lease of 4 calls a take.
    budget = SharedBudget(
        pg_store.engine, "rackbeat", "k" * 64, 480, cost=one_per_call, share=1.0, sleep=while_waiting
    )
    assert budget.lease == 4
    budget.take(120)  # the bucket is empty
    budget("GET", "/orders")  # waits (once), then calls on the other thread's lease
    assert state["bucket_takes"] == 1 and budget.calls == 2
    # The other call took 1 + a lease of 4 from the refilled bucket; the waiter took nothing of its own.
    assert 115.0 <= tokens() < 115.5
