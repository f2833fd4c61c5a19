"""The PostgreSQL store keeps the connections a worker's bursts use: a burst of short transactions on many
threads, as a worker's document jobs make, reuses them instead of starting a server backend each time."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import event, text

from ledgerbridge.store import Store


@pytest.fixture
def pg_store(postgres_url: str) -> Iterator[Store]:
    store = Store(postgres_url)
    yield store
    store.dispose()


def burst(store: Store, threads: int) -> None:
    """``threads`` transactions held open together, then all committed."""
    started = threading.Barrier(threads)

    def one() -> None:
        with store.session() as session:
            session.execute(text("SELECT 1"))
            started.wait(timeout=30)  # every thread holds its connection at the same time

    workers = [threading.Thread(target=one) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)


def test_repeated_bursts_of_sixteen_reuse_their_connections(pg_store: Store) -> None:
    opened: list[int] = []
    event.listen(pg_store.engine, "connect", lambda *_: opened.append(1))
    burst(pg_store, 16)
    first = len(opened)
    for _ in range(3):
        burst(pg_store, 16)
    assert first <= 16  # (the migration's connection may be one of them)
    assert len(opened) == first  # with 8 kept, each later burst opened 8 again
