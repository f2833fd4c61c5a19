"""How fast a worker fetches jobs from a backlog queued at once, with the job table's statistics as a new
queue leaves them and refreshed (as ``Cluster`` does every ``ANALYZE_EVERY`` jobs deferred). Prints figures.

    .venv/bin/python benchmarks/queue_fetch.py                 # 2,000 jobs, each with a lock of its own
    .venv/bin/python benchmarks/queue_fetch.py --jobs 4000

Procrastinate fetches a job with one query that looks for the first queued job whose lock no other job
holds. Its plan depends on what PostgreSQL believes the table holds: believing it (nearly) empty, it reads
every queued job, checks each one's lock and sorts them, for every fetch; knowing the backlog, it walks the
priority index to the first job. A document job per document of a backlog is the first case until
autovacuum analyzes the table (up to a minute). Each variant: a database of its own at 127.0.0.1:5432
(dropped after), ``--jobs`` jobs of a no-op task with locks and queueing locks as ``dispatch`` gives
document jobs, deferred in batches, then worked by a worker (``--concurrency`` at once, uvloop, the
cluster's queue pool) until none is left. Printed: jobs a second, the worker's CPU a job, and how long one
fetch's query took (EXPLAIN ANALYZE) before the worker started.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import procrastinate
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from queue_support import drain, scratch_database  # noqa: E402  (the sibling module)

from ledgerbridge.runtime.cluster import queue_pool  # noqa: E402

# Procrastinate's candidate query (procrastinate_fetch_job_v2), to time one fetch's plan.
FETCH = """
SELECT jobs.id FROM procrastinate_jobs AS jobs
 WHERE NOT EXISTS (
         SELECT 1 FROM procrastinate_jobs AS other_jobs
          WHERE jobs.lock IS NOT NULL AND other_jobs.lock = jobs.lock
            AND (other_jobs.status = 'doing'
                 OR (other_jobs.status = 'todo'
                     AND (other_jobs.priority > jobs.priority
                          OR (other_jobs.priority = jobs.priority AND other_jobs.id < jobs.id)))))
   AND jobs.status = 'todo' AND jobs.queue_name = ANY(ARRAY['inbox'])
   AND (jobs.scheduled_at IS NULL OR jobs.scheduled_at <= now())
 ORDER BY jobs.priority DESC, jobs.id ASC LIMIT 1 FOR UPDATE OF jobs SKIP LOCKED
"""


def run(jobs: int, concurrency: int, *, analyze: bool) -> tuple[float, float, float]:
    """(jobs a second, worker CPU ms a job, one fetch's query in ms) for one variant."""
    with scratch_database("ledgerbridge_queue_fetch") as url:
        app = procrastinate.App(
            connector=procrastinate.PsycopgConnector(conninfo=url, pool_factory=queue_pool)
        )

        @app.task(name="noop", queue="inbox")
        def noop(item_id: int) -> int:
            return item_id

        with app.open():
            app.schema_manager.apply_schema()
            queued = [
                noop.configure(lock=f"document:1:invoice:{n}", queueing_lock=f"item:{n}").job.evolve(
                    task_kwargs={"item_id": n}
                )
                for n in range(jobs)
            ]
            for start in range(0, jobs, 500):
                app.job_manager.batch_defer_jobs(queued[start : start + 500])
        with psycopg.connect(url, autocommit=True) as connection:
            if analyze:
                connection.execute("ANALYZE procrastinate_jobs")
            plan = [row[0] for row in connection.execute(f"EXPLAIN ANALYZE {FETCH}")]
        fetch_ms = float(re.search(r"Execution Time: ([\d.]+)", "\n".join(plan)).group(1))  # type: ignore[union-attr]

        seconds, cpu = drain(app, concurrency)
        return jobs / seconds, 1000 * cpu / jobs, fetch_ms


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument(
        "--concurrency", type=int, default=128, help="a worker's jobs at once (8 lanes of 16)"
    )
    args = parser.parse_args()
    print(f"{args.jobs} jobs queued at once, each with a lock of its own; {args.concurrency} at once")
    figures = {}
    for label, analyze in (("statistics of a new queue", False), ("statistics refreshed", True)):
        rate, cpu, fetch_ms = run(args.jobs, args.concurrency, analyze=analyze)
        figures[label] = rate
        print(f"  {label}: {rate:.0f} jobs/s, worker CPU {cpu:.2f} ms a job, a fetch {fetch_ms:.2f} ms")
    stale, fresh = figures["statistics of a new queue"], figures["statistics refreshed"]
    print(f"  ratio refreshed / new: {fresh / stale:.1f}")


if __name__ == "__main__":
    main()
