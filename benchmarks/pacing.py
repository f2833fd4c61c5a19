"""Do two cluster workers on one Rackbeat token stay under its limit? Prints 429 counts; asserts nothing.

    .venv/bin/python benchmarks/pacing.py                 # 2 × 45 s against 480 calls a minute

Measured (2 cores, loaded): in-process budgets 845 answered, 109 × 429, 1.68 of the limit after the bursts;
shared budget 477 answered, 0 × 429, 0.99 of the limit.
    .venv/bin/python benchmarks/pacing.py --seconds 60 --workers 3

Two worker processes call the Rackbeat sandbox (its limit: ``--per-minute`` per token, Rackbeat's token
bucket) as fast as their pacing lets them, with no retries, for ``--seconds``:

- *in-process budgets*: each process paces itself under the whole limit (what workers did before the
  shared budget): together they send twice the limit once the server's bucket is drained, and get 429s;
- *shared budget*: both take from one bucket per credential in PostgreSQL (``runtime/shared_pacing.py``).

PostgreSQL: a database made for the run on ``LEDGERBRIDGE_BENCH_POSTGRES`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``) and dropped afterwards.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
import uuid
from typing import Any

os.environ.setdefault("LEDGERBRIDGE_ALLOW_PRIVATE_URLS", "1")  # the sandbox runs on 127.0.0.1
os.environ.setdefault("LEDGERBRIDGE_LOG_LEVEL", "warning")

TOKEN = "bench"
ADMIN_URL = os.environ.get("LEDGERBRIDGE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def worker(rackbeat_url: str, database_url: str | None, seconds: float, results: Any) -> None:
    """One worker process: calls until ``seconds`` are up; puts (calls answered, 429s) on ``results``."""
    from contextlib import nullcontext

    from sqlalchemy import create_engine

    from ledgerbridge.runtime.shared_pacing import SharedBudgets
    from ledgerbridge.systems.errors import RateLimitedError
    from ledgerbridge.systems.pacing import budgets_from, rackbeat_budget
    from ledgerbridge.systems.rackbeat import RackbeatClient

    engine = create_engine(database_url) if database_url else None
    shared = budgets_from(SharedBudgets(engine)) if engine is not None else nullcontext()
    answered = refused = 0
    with shared:
        client = RackbeatClient(
            rackbeat_url, TOKEN, max_retries=0, budget=rackbeat_budget(rackbeat_url, TOKEN)
        )
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                client.list_page("units", limit=1)
                answered += 1
            except RateLimitedError:
                refused += 1
        client.close()
    if engine is not None:
        engine.dispose()
    results.put((answered, refused))


def run(label: str, database_url: str | None, args: argparse.Namespace) -> None:
    from ledgerbridge.sandbox import SandboxServer
    from ledgerbridge.systems import rackbeat
    from ledgerbridge.systems.pacing import BURST_SHARE

    app = rackbeat.create_app(token=TOKEN, rate_limit=(args.per_minute, 60.0))
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    with SandboxServer(app) as server:
        processes = [
            context.Process(target=worker, args=(server.base_url, database_url, args.seconds, results))
            for _ in range(args.workers)
        ]
        for process in processes:
            process.start()
        counts = [results.get(timeout=args.seconds + 120) for _ in processes]
        for process in processes:
            process.join(timeout=30)
    answered = sum(a for a, _ in counts)
    refused = sum(r for _, r in counts)
    # What the budgets spent after their bursts (a quarter minute each: one shared, or one per process).
    bursts = args.per_minute * BURST_SHARE * (1 if database_url else args.workers)
    steady = max(0.0, answered - bursts) / args.seconds * 60
    print(
        f"{label:<20} {args.workers} workers, {args.seconds:.0f} s: {answered} answered, {refused} × 429; "
        f"{steady:.0f} calls a minute after the burst ({steady / args.per_minute:.2f} of the limit)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=45.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--per-minute", type=int, default=480, help="the sandbox's limit and the budgets'")
    args = parser.parse_args()
    os.environ["LEDGERBRIDGE_RACKBEAT_PER_MINUTE"] = str(args.per_minute)  # the workers inherit it

    import psycopg

    from ledgerbridge.store.db import Store

    name = f"ledgerbridge_bench_pacing_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    database_url = (
        ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"
    )
    try:
        Store(database_url).dispose()  # migrated: call_budgets is there
        run("in-process budgets", None, args)
        run("shared budget (PG)", database_url, args)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
