"""Issue 16: a cluster process's pool holds the connections its job threads use at once, and pings only a
connection that sat idle (a ping per checkout was a round trip per statement or two). Real PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool

from ledgerbridge.store import db as store_db
from ledgerbridge.store.db import Store


def _sessions_at_once(store: Store, count: int) -> None:
    """``count`` threads, each in a session at the same time (as a worker's document jobs are)."""
    barrier = threading.Barrier(count)

    def work() -> None:
        with store.session() as db:
            db.execute(text("SELECT 1"))
            barrier.wait(timeout=30)

    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


def test_a_workers_job_threads_reuse_their_connections(pg_store: Store) -> None:
    """A worker's bursts of up to 24 sessions at once keep their connections: a pool keeping 16 (8 before
    that) closed the rest after every burst and opened them again in the next (0.18 server backends started
    a document in a backlog; 0.7 with 8)."""
    connects: list[object] = []
    event.listen(pg_store.engine, "connect", lambda *_: connects.append(1))
    _sessions_at_once(pg_store, 24)
    opened = len(connects)
    for _ in range(3):
        _sessions_at_once(pg_store, 24)
    assert opened >= 23  # (one may be left in the pool by the migration)
    assert len(connects) == opened


def test_threads_past_the_pool_wait_for_a_connection_instead_of_failing(pg_store: Store) -> None:
    """More sessions at once than the pool holds: the ones past it wait for a connection to come back
    (none is opened beyond the pool, none fails)."""
    connects: list[object] = []
    event.listen(pg_store.engine, "connect", lambda *_: connects.append(1))
    done: list[int] = []
    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            with pg_store.session() as db:
                db.execute(text("SELECT pg_sleep(0.2)"))
            done.append(n)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(store_db.PG_POOL_SIZE + 16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert sorted(done) == list(range(store_db.PG_POOL_SIZE + 16))
    assert len(connects) <= store_db.PG_POOL_SIZE + store_db.PG_MAX_OVERFLOW


def test_a_connection_that_died_while_idle_is_replaced(
    pg_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_db, "PING_IDLE_SECONDS", 0.0)  # any idle connection is pinged first
    with pg_store.session() as db:
        pid = db.execute(text("SELECT pg_backend_pid()")).scalar()
    killer = create_engine(pg_store.url, poolclass=NullPool)  # another process, as it were
    with killer.begin() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()
    with pg_store.session() as db:
        assert db.execute(text("SELECT pg_backend_pid()")).scalar() != pid


def test_an_advisory_lock_holder_works_while_every_pooled_connection_is_taken(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The advisory lock holds a connection of the locks' own pool: holders of several integrations' master
    locks, each needing one connection more for its work, once took every connection of the pool and waited
    for the pool timeout (the documents failed)."""
    monkeypatch.setattr(store_db, "PG_POOL_SIZE", 2)
    monkeypatch.setattr(store_db, "PG_MAX_OVERFLOW", 0)
    store = Store(postgres_url)
    store.engine.pool._timeout = 2.0  # type: ignore[attr-defined]  # (30 s by default: fail fast here)
    held = threading.Barrier(3)
    failures: list[BaseException] = []

    def master_sync(name: str) -> None:
        try:
            with store.advisory_lock(name):
                held.wait(timeout=10)  # both locks held at once, as by two integrations' documents
                with store.session() as db:  # the holder's own work
                    db.execute(text("SELECT 1"))
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=master_sync, args=(f"master:{n}",)) for n in (1, 2)]
    try:
        for thread in threads:
            thread.start()
        held.wait(timeout=10)
        for thread in threads:
            thread.join(timeout=30)
        assert failures == []
    finally:
        store.dispose()
