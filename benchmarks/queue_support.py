"""What the queue benchmarks share: working a Procrastinate queue dry as ``ledgerbridge worker`` works its
own (runtime/cluster.py: uvloop's loop where installed, a thread per running job)."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import procrastinate

from ledgerbridge.runtime.cluster import event_loop_factory


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
