"""Pacing across processes: cluster workers spend one token bucket per credential, kept in PostgreSQL.

Rackbeat's 480 calls a minute belong to the API token, not to a worker: two workers pacing themselves
each to 480 together send 960 and meet 429s. Here every process of the cluster takes its tokens from one
row of ``call_budgets`` per system and credential (the credential as :func:`~ledgerbridge.systems.pacing.
credential_key`'s hash, never the secret):

- a take is one statement, one round trip: an ``UPDATE … RETURNING`` refills the row by the time
  elapsed on the database's clock (one clock for every machine) and spends the call's cost if there is
  room; otherwise the answer is how long until there is. Its commit does not wait for the disk
  (``synchronous_commit`` off): at a flush per API call the workers' calls queued behind the row's lock
  (two workers worked no faster than one). On the budgets' own engine (:func:`budget_engine`) the
  statement runs in autocommit on a session that never waits for the disk, so there is no ``BEGIN``,
  ``SET`` or ``COMMIT`` round trip either. The caller sleeps that long outside any transaction and tries
  again;
- a settle (e-conomic's ``X-CallCost`` differing from what was charged) is one statement, not waiting for
  the disk either; one that changes nothing (the usual case) costs no round trip at all;
- the budgets have an engine and a small pool of their own (:class:`SharedBudgets`, :func:`budget_engine`):
  at one take per API call they would otherwise take the main pool's connections from the jobs
  (overflowing it, so that every checkout opened a new connection), and need no ``pre_ping`` round trip
  per checkout (a lost connection fails one take, which paces in process, and the pool replaces it);
- a take spends a little more than its call where the bucket holds it (half a second of the rate, at most
  a twentieth of the burst): this process's next calls spend that without a round trip, within a second
  or not at all;
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import structlog
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from ledgerbridge.systems.pacing import BURST_SHARE, DEFAULT_SHARE, Budget, CallBudget, Cost

log = structlog.get_logger("ledgerbridge.pacing")
# A take spends up to this long's worth of the rate (at most this share of the burst) beyond its call, for
# this process's next calls: one round trip for several calls (Rackbeat 3 more, e-conomic ~80 tokens). The
# tokens are spent from the shared row when taken, so every process together still keeps to the limit;
# those not spent within LEASE_KEEP_SECONDS are dropped (spent late they would make a burst).
LEASE_SECONDS, LEASE_SHARE, LEASE_KEEP_SECONDS = 0.5, 0.05, 1.0
# The budgets' own pool: a take holds a connection for one statement, so a few serve a worker's threads.
POOL_SIZE, POOL_OVERFLOW = 2, 6

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
                         THEN refilled.tokens - GREATEST(:cost, LEAST(:cost + :extra, refilled.tokens))
                         ELSE refilled.tokens END,
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


def budget_engine(engine: Engine) -> Engine:
    """An engine of the budgets' own to ``engine``'s database: a small pool, no pre-ping, autocommit, and
    sessions whose commits do not wait for the disk (a bucket's level is not worth a flush)."""
    made = create_engine(
        engine.url,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
        isolation_level="AUTOCOMMIT",
        connect_args={"options": "-c synchronous_commit=off"},
    )
    made.ledgerbridge_budgets = True  # type: ignore[attr-defined]  # SharedBudget: one statement a take
    return made


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
        # On a budget engine a statement is its own transaction; on another, each is wrapped in one.
        self._autocommit = bool(getattr(engine, "ledgerbridge_budgets", False))
        self._cost = cost
        self._sleep = sleep
        # Where the database does not answer, this process paces alone rather than not at all.
        self._fallback = CallBudget(per_minute, cost=cost, share=share, burst=self.capacity, sleep=sleep)
        self._lock = threading.Lock()  # counters and the lease only: the row's lock orders the takes
        self.calls = 0
        self.waited = 0.0
        # Tokens taken ahead with a take, for this process's next calls (whole calls; 0 for small buckets).
        self.lease = float(int(min(self.capacity * LEASE_SHARE, self.per_second * LEASE_SECONDS)))
        self._leased = 0.0
        self._leased_until = 0.0

    def _names(self) -> dict[str, object]:
        return {"system": self.system, "credential": self.credential}

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        """A connection whose statements commit without waiting for the disk."""
        if self._autocommit:
            with self._engine.connect() as db:
                yield db
            return
        with self._engine.begin() as db:
            db.execute(_NO_FLUSH_WAIT)
            yield db

    def take(self, cost: float) -> float:
        """Spend ``cost`` if the shared bucket has room and return 0, else the seconds until it has.

        One statement whose commit does not wait for its WAL flush (``synchronous_commit`` off): a
        bucket's level lost in a crash costs at most a burst, while a flush per API call, with the row
        locked meanwhile, would make every worker's calls queue behind the disk."""
        return self._take(cost, 0.0)[0]

    def _take(self, cost: float, extra: float) -> tuple[float, float]:
        """:meth:`take`, spending up to ``extra`` more where the bucket holds it; returns ``(seconds to
        wait, the extra spent)``."""
        wanted = min(cost, self.capacity)
        values = {
            **self._names(),
            "capacity": self.capacity,
            "per_second": self.per_second,
            "wanted": wanted - 1e-9,  # a float's rounding must not leave a wait of ~0 forever
            "cost": cost,  # dearer than a burst: a debt
            "extra": extra,
        }
        with self._connection() as db:
            refilled = db.execute(_TAKE, values).scalar()
            if refilled is None:  # the credential's first take (or its row was removed): a full bucket
                db.execute(_MAKE, {**self._names(), "capacity": self.capacity})
                refilled = db.execute(_TAKE, values).scalar_one()
        if refilled >= wanted - 1e-9:
            return 0.0, max(0.0, min(extra, refilled - cost))  # as the statement spent it
        return (wanted - refilled) / self.per_second, 0.0

    def _spend_leased(self, cost: float) -> bool:
        """Spend ``cost`` from the tokens this process took ahead, if it holds them still."""
        with self._lock:
            if time.monotonic() >= self._leased_until:
                self._leased = 0.0  # not spent in time: dropped, never spent late
            if self._leased < cost - 1e-9:
                return False
            self._leased -= cost
            self.calls += 1
            return True

    def __call__(self, method: str, path: str) -> None:
        cost = self._cost(method, path)
        while True:
            # Also after each wait: tokens another thread of this process took ahead are spent before they
            # lapse. Waiters that went to the database instead left them to lapse unspent, a lease's worth
            # per take, and a busy credential ran at a fraction of its limit (chaos.py, cluster mode: 2
            # Rackbeat calls a second against 8).
            if self._spend_leased(cost):
                return
            with self._lock:
                extra = self.lease if self._leased < self.lease else 0.0
            try:
                wait, leased = self._take(cost, extra)
            except SQLAlchemyError:
                log.warning("shared call budget unavailable; pacing in this process", system=self.system)
                self._fallback(method, path)
                break
            if wait <= 0:
                if leased > 0:
                    with self._lock:
                        self._leased += leased
                        self._leased_until = time.monotonic() + LEASE_KEEP_SECONDS
                break
            with self._lock:
                self.waited += wait
            self._sleep(wait)  # outside the transaction: the row is free for the others meanwhile
        with self._lock:
            self.calls += 1

    def settle(self, charged: float, actual: float) -> None:
        """The server reported what a call really cost: the difference is spent (or given back) too; no
        difference (the usual answer) touches nothing, and the update does not wait for the disk."""
        if abs(actual - charged) < 1e-9:
            return
        try:
            with self._connection() as db:
                db.execute(
                    _SETTLE, {**self._names(), "capacity": self.capacity, "difference": actual - charged}
                )
        except SQLAlchemyError:
            self._fallback.settle(charged, actual)


class SharedBudgets:
    """The :class:`~ledgerbridge.systems.pacing.BudgetSource` of a cluster process: one
    :class:`SharedBudget` per credential in this process (its counters add up), all on an engine of their
    own to ``engine``'s database (a small pool, no pre-ping; :meth:`close` closes it)."""

    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name != "postgresql":
            raise ValueError("shared call budgets need PostgreSQL (embedded mode paces in process)")
        # Connections are opened on the first take, so a process that never calls opens none.
        self._engine = budget_engine(engine)
        self._budgets: dict[tuple[str, str], SharedBudget] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self._engine.dispose()

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
