"""What the transfer ledger costs a document in-process: SQLite against PostgreSQL, one thread.

    .venv/bin/python benchmarks/ledger_cost.py                  # 600 documents, 3 rounds
    .venv/bin/python benchmarks/ledger_cost.py --documents 2000 --steps 1 --rounds 5

Each document is what an invoice from Rackbeat is to the ledger: the caller's look-up (``get``), then
``transfer()`` with a summary and ``--steps`` follow-up steps, its ``find`` answering nothing and its
``send`` and steps answering at once (no HTTP). Printed per round: the process's CPU and the wall time a
document on each database, and PostgreSQL / SQLite; then the CPU ratio's median. In a busy cluster worker
(CPU-bound on one core's worth of Python) the CPU difference is what the database costs each document
beside embedded mode's SQLite; the wall time adds the server's answers.

SQLite in a temporary folder; PostgreSQL at 127.0.0.1:5432 (``LEDGERBRIDGE_TEST_POSTGRES``), a database
of its own (``ledger_cost_<pid>_<random>``) dropped at the end.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from queue_support import scratch_database  # the sibling module

from ledgerbridge.engine.ledger import Step, TransferLedger, TransferSummary
from ledgerbridge.store import Store
from ledgerbridge.store.models import Integration

WARM_UP = 50


def cost_a_document(url: str, documents: int, steps: int) -> tuple[float, float]:
    """(CPU seconds, wall seconds) a document through the ledger on the store at ``url``."""
    store = Store(url)
    try:
        with store.session() as session:
            integration = Integration(
                name=f"ledger-cost-{time.monotonic_ns()}", kind="bench", credentials="-"
            )
            session.add(integration)
            session.flush()
            ledger = TransferLedger(store, integration.id)
        follow_ups = [Step(f"step-{n}", lambda ctx: "done") for n in range(steps)]
        summary = TransferSummary("Customer 1", Decimal("1250.00"), "DKK")

        def one(key: str) -> None:
            ledger.get("invoice", key)
            result = ledger.transfer(
                "invoice",
                key,
                find=lambda: None,
                send=lambda _: f"R-{key}",
                steps=follow_ups,
                summary=summary,
            )
            assert result.outcome == "transferred", result

        for n in range(WARM_UP):
            one(f"warm-{n}")
        wall, cpu = time.perf_counter(), time.process_time()
        for n in range(documents):
            one(str(n))
        return (time.process_time() - cpu) / documents, (time.perf_counter() - wall) / documents
    finally:
        store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--documents", type=int, default=600)
    parser.add_argument("--steps", type=int, default=2, help="follow-up steps a document")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"{args.documents} documents a round, {args.steps} follow-up steps each, one thread", flush=True)
    ratios = []
    with tempfile.TemporaryDirectory() as folder, scratch_database("ledger_cost") as postgres:
        for n in range(1, args.rounds + 1):
            sqlite = cost_a_document(
                f"sqlite:///{Path(folder) / f'round-{n}.db'}", args.documents, args.steps
            )
            pg = cost_a_document(
                postgres.replace("postgresql://", "postgresql+psycopg://", 1), args.documents, args.steps
            )
            ratios.append(pg[0] / sqlite[0])
            print(
                f"  round {n}: a document, SQLite {sqlite[0] * 1000:.2f} ms CPU "
                f"({sqlite[1] * 1000:.2f} ms wall), PostgreSQL {pg[0] * 1000:.2f} ms CPU "
                f"({pg[1] * 1000:.2f} ms wall): "
                f"CPU PostgreSQL / SQLite {ratios[-1]:.2f}",
                flush=True,
            )
    print(
        f"CPU PostgreSQL / SQLite: median {statistics.median(ratios):.2f} "
        f"(lowest {min(ratios):.2f}, highest {max(ratios):.2f})"
    )


if __name__ == "__main__":
    main()
