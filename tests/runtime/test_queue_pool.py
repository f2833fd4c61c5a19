"""Issue 16: the queue's pool lends a connection that was just working without a check round trip, and still
replaces one the server dropped. Procrastinate checks every connection it lends (a round trip), and a worker
borrows one to fetch each job and again to finish it. Real PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import psycopg
import psycopg_pool
import pytest

from ledgerbridge.runtime import cluster
from ledgerbridge.runtime.cluster import conninfo, queue_pool
from tests.conftest import postgres_database
from tests.support import run_async


@pytest.fixture(scope="module")
def libpq_url() -> Iterator[str]:
    with postgres_database("ledgerbridge_queue_pool") as url:
        yield conninfo(url)


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The check round trips the pool makes (psycopg_pool's own check, counted as it is called)."""
    made: list[int] = []
    real = psycopg_pool.AsyncConnectionPool.check_connection

    async def counted(connection: psycopg.AsyncConnection[Any]) -> None:
        made.append(connection.info.backend_pid)
        await real(connection)

    monkeypatch.setattr(psycopg_pool.AsyncConnectionPool, "check_connection", staticmethod(counted))
    return made


async def _backend_pid(pool: psycopg_pool.AsyncConnectionPool) -> int:
    async with pool.connection() as connection:
        row = await (await connection.execute("SELECT pg_backend_pid()")).fetchone()
        assert row is not None
        return int(row[0])


def test_a_connection_back_from_work_is_lent_without_a_check(libpq_url: str, checks: list[int]) -> None:
    async def scenario() -> tuple[int, int]:
        async with queue_pool(conninfo=libpq_url, min_size=1, max_size=1, open=False) as pool:
            first = await _backend_pid(pool)  # never lent before: checked
            checked_once = len(checks)
            for _ in range(20):  # lent again at once, as a worker fetching and finishing jobs does
                assert await _backend_pid(pool) == first
            return checked_once, len(checks)

    checked_once, checked_after = run_async(scenario())
    assert checked_once == 1
    assert checked_after == 1  # 20 more loans, no check: Procrastinate's own pool checks every one


def test_a_connection_idle_for_a_while_is_checked(
    libpq_url: str, checks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster, "CHECK_IDLE_SECONDS", 0.2)

    async def scenario() -> int:
        async with queue_pool(conninfo=libpq_url, min_size=1, max_size=1, open=False) as pool:
            await _backend_pid(pool)
            await asyncio.sleep(0.3)
            await _backend_pid(pool)
            return len(checks)

    assert run_async(scenario()) == 2


def test_a_connection_the_server_dropped_is_replaced_though_just_back(
    libpq_url: str, checks: list[int]
) -> None:
    async def scenario() -> tuple[int, int]:
        async with queue_pool(conninfo=libpq_url, min_size=1, max_size=1, open=False) as pool:
            dropped = await _backend_pid(pool)
            async with await psycopg.AsyncConnection.connect(libpq_url, autocommit=True) as admin:
                await admin.execute("SELECT pg_terminate_backend(%s)", [dropped])
            await asyncio.sleep(0.2)  # the server's goodbye reaches the idle socket
            return dropped, await _backend_pid(pool)  # a query on the dropped one would fail

    dropped, now = run_async(scenario())
    assert now != dropped
    assert dropped in checks  # checked because something arrived on its socket, though just back


def test_a_query_on_a_lent_connection_opens_no_transaction(libpq_url: str) -> None:
    """Procrastinate's queries are one statement each: in autocommit, no BEGIN goes before one and no COMMIT
    after (two round trips each, to fetch a job and to finish it)."""

    async def scenario() -> tuple[bool, psycopg.pq.TransactionStatus]:
        async with queue_pool(conninfo=libpq_url, min_size=1, max_size=1, open=False) as pool:
            async with pool.connection() as connection:
                await connection.execute("SELECT 1")
                return connection.autocommit, connection.info.transaction_status

    autocommit, status = run_async(scenario())
    assert autocommit
    assert status == psycopg.pq.TransactionStatus.IDLE  # not INTRANS: nothing left to commit
