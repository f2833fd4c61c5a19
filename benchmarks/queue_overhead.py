"""What the job queue alone costs a worker: the same jobs on a thread pool and through Procrastinate.

    .venv/bin/python benchmarks/queue_overhead.py                        # 1,500 jobs, 3 rounds
    .venv/bin/python benchmarks/queue_overhead.py --jobs 3000 --cpu-ms 25 --rounds 5

Embedded mode works its documents on threads; a cluster worker takes each document as a Procrastinate
job (fetched by its event loop, handed to a thread, finished by the loop), with the queue in PostgreSQL
at 127.0.0.1:5432. Here both work the same stand-in document: ``--cpu-ms`` of pure-Python work held under
the GIL, in ``--waits`` pieces with ``--wait-ms`` of waiting (a remote call) after each, ``--concurrency``
at once (128: a worker's default for 20 integrations). Nothing else differs: no database of ours, no HTTP.

Printed per round: jobs per second and the process's CPU a job for each way, and the ratio queue / thread
pool; then the ratios' median and range. With the process bound by one core's worth of Python, as a busy
worker is, the ratio is the most ``benchmarks/cluster.py``'s "1 worker / embedded" can reach at that CPU a
document with the queue as it is (the rest of that ratio is PostgreSQL against SQLite).

Each round makes a database of its own (``queue_overhead_<pid>_<random>``) and drops it after.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import procrastinate
import psycopg
from queue_support import drain, scratch_database  # the sibling module

from ledgerbridge.runtime.cluster import queue_pool


def stand_in_document(cpu_ms: float, waits: int, wait_ms: float) -> Callable[[], None]:
    """A document's shape: CPU under the GIL, then a wait with the GIL released, ``waits`` times."""
    piece = cpu_ms / 1000 / waits

    def work() -> None:
        for _ in range(waits):
            until = time.thread_time() + piece
            total = 0
            while time.thread_time() < until:
                for i in range(200):
                    total += i
            time.sleep(wait_ms / 1000)

    return work


def on_threads(work: Callable[[], None], jobs: int, concurrency: int) -> tuple[float, float]:
    """(jobs per second, CPU seconds a job) with ``concurrency`` threads taking the jobs."""
    started, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for _ in pool.map(lambda _n: work(), range(jobs)):
            pass
    return jobs / (time.perf_counter() - started), (time.process_time() - cpu) / jobs


def through_the_queue(work: Callable[[], None], jobs: int, concurrency: int) -> tuple[float, float]:
    """(jobs per second, CPU seconds a job) for a worker set up as ``ledgerbridge worker`` sets up its
    own (runtime/cluster.py: its connection pool, its event loop, a thread per running job)."""
    with scratch_database("queue_overhead") as conninfo:
        app = procrastinate.App(
            connector=procrastinate.PsycopgConnector(conninfo=conninfo, pool_factory=queue_pool)
        )

        @app.task(name="stand_in", queue="inbox", pass_context=True)
        def stand_in(context: procrastinate.JobContext, item_id: int) -> str:
            work()
            return "done"

        with app.open():
            app.schema_manager.apply_schema()
            for first in range(0, jobs, 500):
                batch: list[dict[str, Any]] = [{"item_id": n} for n in range(first, min(jobs, first + 500))]
                stand_in.batch_defer(*batch)
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute("ANALYZE procrastinate_jobs")

        seconds, cpu = drain(app, concurrency)
        return jobs / seconds, cpu / jobs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=1500)
    parser.add_argument("--concurrency", type=int, default=128)
    parser.add_argument("--cpu-ms", type=float, default=10.0, help="CPU a job, under the GIL")
    parser.add_argument("--waits", type=int, default=5, help="waits a job (its remote calls)")
    parser.add_argument("--wait-ms", type=float, default=200.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = stand_in_document(args.cpu_ms, args.waits, args.wait_ms)
    print(
        f"{args.jobs} jobs, {args.concurrency} at once, {args.cpu_ms:g} ms of CPU and "
        f"{args.waits} waits of {args.wait_ms:g} ms a job",
        flush=True,
    )
    ratios = []
    for n in range(1, args.rounds + 1):
        pool_rate, pool_cpu = on_threads(work, args.jobs, args.concurrency)
        queue_rate, queue_cpu = through_the_queue(work, args.jobs, args.concurrency)
        ratios.append(queue_rate / pool_rate)
        print(
            f"  round {n}: thread pool {pool_rate:.1f} jobs/s ({pool_cpu * 1000:.2f} ms CPU a job), "
            f"Procrastinate worker {queue_rate:.1f} jobs/s ({queue_cpu * 1000:.2f} ms CPU a job): "
            f"queue / thread pool {ratios[-1]:.2f}",
            flush=True,
        )
    print(
        f"queue / thread pool: median {statistics.median(ratios):.2f} "
        f"(lowest {min(ratios):.2f}, highest {max(ratios):.2f})"
    )


if __name__ == "__main__":
    main()
