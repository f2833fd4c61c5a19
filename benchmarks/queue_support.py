"""What the queue benchmarks share: a PostgreSQL database of their own for a run, and working a Procrastinate
queue dry as ``ledgerbridge worker`` works its own (runtime/cluster.py: uvloop's loop where installed, a
thread per running job)."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import procrastinate
import psycopg

from ledgerbridge.runtime.cluster import event_loop_factory

ADMIN = os.environ.get("LEDGERBRIDGE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """The libpq URL of a new database named ``<prefix>_<pid>_<random>``, dropped when the block ends."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{ADMIN.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drain(app: procrastinate.App, concurrency: int) -> tuple[float, float]:
    """Work every job queued in ``app`` with ``concurrency`` at once, then stop; returns the seconds and
    the CPU seconds of this process it took."""

    async def work() -> None:
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=concurrency + 4))
        async with app.open_async():
            await app.run_worker_async(
                wait=False,
                concurrency=concurrency,
                install_signal_handlers=False,
                listen_notify=False,
                delete_jobs="successful",
            )

    cpu, started = time.process_time(), time.perf_counter()
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        runner.run(work())
    return time.perf_counter() - started, time.process_time() - cpu
