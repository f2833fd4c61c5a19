"""Pacing across processes: cluster workers spend one token bucket per credential, kept in PostgreSQL.

Rackbeat's 480 calls a minute belong to the API token, not to a worker: two workers pacing themselves
each to 480 together send 960 and meet 429s. Here every process of the cluster takes its tokens from one
row of ``call_budgets`` per system and credential (the credential as :func:`~ledgerbridge.systems.pacing.
credential_key`'s hash, never the secret):

- a take is one short transaction of one statement: an ``UPDATE … RETURNING`` refills the row by the time
  elapsed on the database's clock (one clock for every machine) and spends the call's cost if there is
  room; otherwise the answer is how long until there is. Its commit does not wait for the disk
  (``synchronous_commit`` off for that transaction): at a flush per API call the workers' calls queued
  behind the row's lock (two workers worked no faster than one). The caller sleeps that long
  outside any transaction and tries again;
- the first take of a credential makes its row (a full bucket); two processes racing to make it both find
  one row;
- a database that does not answer does not stop the calls: the process falls back to its own in-process
  bucket for that call (its share of the limit is then unknown, so a 429 may come back: the clients'
  retry handling stays for that).

:class:`SharedBudgets` is the :class:`~ledgerbridge.systems.pacing.BudgetSource` a cluster process installs
with :func:`~ledgerbridge.systems.pacing.budgets_from` (``Cluster`` does); embedded mode keeps the
in-process buckets, which cost no database round trip.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import structlog
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from ledgerbridge.systems.pacing import BURST_SHARE, DEFAULT_SHARE, Budget, CallBudget, Cost

log = structlog.get_logger("ledgerbridge.pacing")

# One statement, one round trip, the row locked only while it runs: refill by the time elapsed, and spend
# the call's cost if the refilled bucket holds what is wanted. Returns the refilled tokens (before spending).
_TAKE = text(
    """
    WITH refilled AS (
        SELECT LEAST(:capacity, tokens + :per_second
                     * GREATEST(0, EXTRACT(EPOCH FROM clock_timestamp() - updated_at))) AS tokens
          FROM call_budgets
         WHERE system = :system AND credential = :credential
           FOR UPDATE
    )
    UPDATE call_budgets
       SET tokens = CASE WHEN refilled.tokens >= :wanted
                         THEN refilled.tokens - :cost ELSE refilled.tokens END,
           updated_at = GREATEST(call_budgets.updated_at, clock_timestamp())
      FROM refilled
     WHERE call_budgets.system = :system AND call_budgets.credential = :credential
    RETURNING refilled.tokens
    """
)
_NO_FLUSH_WAIT = text("SET LOCAL synchronous_commit = off")
_MAKE = text(
    """
    INSERT INTO call_budgets (system, credential, tokens, updated_at)
    VALUES (:system, :credential, :capacity, clock_timestamp())
    ON CONFLICT (system, credential) DO NOTHING
    """
)
_SETTLE = text(
    """
    UPDATE call_budgets SET tokens = LEAST(:capacity, tokens - :difference)
     WHERE system = :system AND credential = :credential
    """
)


class SharedBudget:
    """One credential's bucket in ``call_budgets``: at most ``per_minute × share`` cost units a minute
    across every process that uses it, in bursts of at most ``burst`` (default: a quarter minute)."""

    def __init__(
        self,
        engine: Engine,
        system: str,
        credential: str,
        per_minute: float,
        *,
        cost: Cost,
        share: float = DEFAULT_SHARE,
        burst: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute <= 0 or not 0 < share <= 1:
            raise ValueError("a call budget needs a positive rate and a share in (0, 1]")
        self.system, self.credential = system, credential
        self.per_second = per_minute * share / 60.0
        self.capacity = max(1.0, burst if burst is not None else per_minute * BURST_SHARE)
        self._engine = engine
        self._cost = cost
        self._sleep = sleep
        # Where the database does not answer, this process paces alone rather than not at all.
        self._fallback = CallBudget(per_minute, cost=cost, share=share, burst=self.capacity, sleep=sleep)
        self._lock = threading.Lock()  # counters only: the row's lock orders the takes
        self.calls = 0
        self.waited = 0.0

    def _names(self) -> dict[str, object]:
        return {"system": self.system, "credential": self.credential}

    def take(self, cost: float) -> float:
        """Spend ``cost`` if the shared bucket has room and return 0, else the seconds until it has.

        One statement in a transaction that does not wait for its WAL flush (``synchronous_commit`` off):
        a bucket's level lost in a crash costs at most a burst, while a flush per API call, with the row
        locked meanwhile, would make every worker's calls queue behind the disk."""
        wanted = min(cost, self.capacity)
        values = {
            **self._names(),
            "capacity": self.capacity,
            "per_second": self.per_second,
            "wanted": wanted - 1e-9,  # a float's rounding must not leave a wait of ~0 forever
            "cost": cost,  # dearer than a burst: a debt
        }
        with self._engine.begin() as db:
            db.execute(_NO_FLUSH_WAIT)
            refilled = db.execute(_TAKE, values).scalar()
            if refilled is None:  # the credential's first take (or its row was removed): a full bucket
                db.execute(_MAKE, {**self._names(), "capacity": self.capacity})
                refilled = db.execute(_TAKE, values).scalar_one()
        if refilled >= wanted - 1e-9:
            return 0.0
        return (wanted - refilled) / self.per_second

    def __call__(self, method: str, path: str) -> None:
        cost = self._cost(method, path)
        while True:
            try:
                wait = self.take(cost)
            except SQLAlchemyError:
                log.warning("shared call budget unavailable; pacing in this process", system=self.system)
                self._fallback(method, path)
                break
            if wait <= 0:
                break
            with self._lock:
                self.waited += wait
            self._sleep(wait)  # outside the transaction: the row is free for the others meanwhile
        with self._lock:
            self.calls += 1

    def settle(self, charged: float, actual: float) -> None:
        """The server reported what a call really cost: the difference is spent (or given back) too."""
        try:
            with self._engine.begin() as db:
                db.execute(
                    _SETTLE, {**self._names(), "capacity": self.capacity, "difference": actual - charged}
                )
        except SQLAlchemyError:
            self._fallback.settle(charged, actual)


class SharedBudgets:
    """The :class:`~ledgerbridge.systems.pacing.BudgetSource` of a cluster process: one
    :class:`SharedBudget` per credential in this process (its counters add up), all on ``engine``."""

    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name != "postgresql":
            raise ValueError("shared call budgets need PostgreSQL (embedded mode paces in process)")
        self._engine = engine
        self._budgets: dict[tuple[str, str], SharedBudget] = {}
        self._lock = threading.Lock()

    def __call__(
        self,
        system: str,
        key: str,
        per_minute: float,
        cost: Cost,
        *,
        burst: float | None = None,
        share: float = DEFAULT_SHARE,
    ) -> Budget:
        with self._lock:
            found = self._budgets.get((system, key))
            if found is None:
                found = self._budgets[system, key] = SharedBudget(
                    self._engine, system, key, per_minute, cost=cost, burst=burst, share=share
                )
            return found
