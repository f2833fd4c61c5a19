"""Pacing: a client spends from a token bucket before each call and waits when it is empty, so a
steady run stays under the system's published limit instead of meeting it with 429s and retries.

The limit belongs to a credential (a Rackbeat API token, an e-conomic agreement), not to a client
object: :meth:`CallBudget.shared` hands every client of this process that uses the same credential the
same budget, whichever thread or integration holds it. The key is a hash, so no secret is kept as a
dictionary key. A 429 can still come from use outside this process; the retry handling stays for that.

Where several processes spend one credential (cluster mode's workers), the process installs another
:class:`BudgetSource` with :func:`budgets_from` (``runtime/shared_pacing.py`` keeps the bucket in
PostgreSQL); :func:`rackbeat_budget` and :func:`economic_budget` then hand out its budgets instead, and so
do Severa's ``severa_budget`` and eAccounting's ``eaccounting_budget`` (one budget per endpoint, from
:func:`budgets_for`). This package knows only the :class:`Budget` protocol, not the store.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

# Rackbeat: 480 requests a minute per API token (Laravel's throttle, research A2); a provider with another
# agreement sets LEDGERBRIDGE_RACKBEAT_PER_MINUTE.
RACKBEAT_PER_MINUTE = 480
# e-conomic: a bucket of 10,000 tokens per 60 seconds per agreement; calls cost tokens (X-CallCost).
ECONOMIC_TOKENS_PER_MINUTE = 10_000
# Share of a limit a budget spends: the server's window and ours are not in step, so stay a little under.
DEFAULT_SHARE = 0.99
# A credential's burst: a quarter of the server's minute, so short jobs never wait and the server's bucket
# keeps three quarters for a window that started before ours.
BURST_SHARE = 0.25

Cost = Callable[[str, str], float]


class Budget(Protocol):
    """What a client paces with: called before each request, told afterwards what a call really cost."""

    calls: int  # calls let through by this process (tests, benchmarks)
    waited: float  # seconds this process spent waiting

    def __call__(self, method: str, path: str) -> None: ...

    def settle(self, charged: float, actual: float) -> None: ...


class BudgetSource(Protocol):
    """Gives the budget of one credential: ``system`` names the API, ``key`` is :func:`credential_key`'s
    hash of the credential (never the secret), ``per_minute`` the published limit. ``burst`` (default: a
    quarter of the minute) and ``share`` are for limits counted over shorter windows (Severa's 10 a
    second) or already paced at their full rate."""

    def __call__(
        self,
        system: str,
        key: str,
        per_minute: float,
        cost: Cost,
        *,
        burst: float | None = None,
        share: float = DEFAULT_SHARE,
    ) -> Budget: ...


def one_per_call(method: str, path: str) -> float:
    return 1.0


def economic_cost(method: str, path: str) -> float:
    """e-conomic's per-call cost is unpublished; reads are seen to cost 1 and writes 3. The budget is
    corrected with the ``X-CallCost`` each answer reports (:meth:`CallBudget.settle`)."""
    return 1.0 if method in ("GET", "HEAD") else 3.0


def credential_key(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


class CallBudget:
    """At most ``per_minute × share`` cost units a minute, in bursts of at most ``burst`` (default: one
    second's worth)."""

    _shared: dict[str, CallBudget] = {}
    _shared_lock = threading.Lock()

    def __init__(
        self,
        per_minute: float,
        *,
        cost: Cost = one_per_call,
        share: float = DEFAULT_SHARE,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute <= 0 or not 0 < share <= 1:
            raise ValueError("a call budget needs a positive rate and a share in (0, 1]")
        self.per_second = per_minute * share / 60.0
        self.capacity = max(1.0, burst if burst is not None else self.per_second)
        self._cost = cost
        self._clock = clock
        self._sleep = sleep
        self._available = self.capacity
        self._stamp = clock()
        self._lock = threading.Lock()
        self.calls = 0
        self.waited = 0.0  # seconds spent waiting (tests, benchmarks)

    @classmethod
    def shared(
        cls,
        key: str,
        per_minute: float,
        *,
        cost: Cost = one_per_call,
        burst: float | None = None,
        share: float = DEFAULT_SHARE,
    ) -> CallBudget:
        """The process-wide budget of one credential (``key`` from :func:`credential_key`). Its burst is
        a quarter of the server's minute unless given: short jobs never wait, and the server's bucket
        keeps three quarters for a window that started before ours."""
        with cls._shared_lock:
            found = cls._shared.get(key)
            if found is None:
                burst = burst if burst is not None else per_minute * BURST_SHARE
                found = cls._shared[key] = cls(per_minute, cost=cost, burst=burst, share=share)
            return found

    def _take(self, cost: float) -> float:
        """Spend ``cost`` if there is room and return 0, else the seconds until there is."""
        with self._lock:
            now = self._clock()
            self._available = min(self.capacity, self._available + (now - self._stamp) * self.per_second)
            self._stamp = now
            wanted = min(cost, self.capacity)
            if self._available >= wanted - 1e-9:  # a float's rounding must not leave a wait of ~0 forever
                self._available -= cost  # a call dearer than a burst leaves a debt the next calls wait off
                return 0.0
            return (wanted - self._available) / self.per_second

    def __call__(self, method: str, path: str) -> None:
        cost = self._cost(method, path)
        while (wait := self._take(cost)) > 0:
            self.waited += wait
            self._sleep(wait)
        self.calls += 1

    def settle(self, charged: float, actual: float) -> None:
        """The server reported what a call really cost: the difference is spent (or given back) too."""
        with self._lock:
            self._available = min(self.capacity, self._available - (actual - charged))


def in_process(
    system: str,
    key: str,
    per_minute: float,
    cost: Cost,
    *,
    burst: float | None = None,
    share: float = DEFAULT_SHARE,
) -> Budget:
    """The default source: one :class:`CallBudget` per credential in this process (embedded mode)."""
    return CallBudget.shared(key, per_minute, cost=cost, burst=burst, share=share)


_source: BudgetSource = in_process
_source_lock = threading.Lock()


@contextmanager
def budgets_from(source: BudgetSource) -> Iterator[BudgetSource]:
    """Clients opened meanwhile, in any thread of this process, are paced by ``source``'s budgets; the
    previous source comes back afterwards. A process-wide setting: the credential's limit is too."""
    global _source
    with _source_lock:
        previous, _source = _source, source
    try:
        yield source
    finally:
        with _source_lock:
            _source = previous


def budget_for(
    system: str,
    key: str,
    per_minute: float,
    cost: Cost = one_per_call,
    *,
    burst: float | None = None,
    share: float = DEFAULT_SHARE,
) -> Budget:
    """The budget of one credential from the source installed now (:func:`budgets_from`)."""
    return _source(system, key, per_minute, cost, burst=burst, share=share)


def budgets_for(
    system: str,
    per_minute: float,
    cost: Cost = one_per_call,
    *,
    burst: float | None = None,
    share: float = DEFAULT_SHARE,
) -> Callable[[str], Budget]:
    """Budgets of one system by key, all from the source installed now: for a limit whose key is known
    only per call (eAccounting counts per endpoint), so a client opened in a cluster worker keeps the
    cluster's budgets for the endpoints it reaches later."""
    source = _source

    def budget(key: str) -> Budget:
        return source(system, key, per_minute, cost, burst=burst, share=share)

    return budget


def rackbeat_budget(base_url: str, token: str) -> Budget:
    """The budget of one Rackbeat API token (this process's, or the cluster's where one is installed)."""
    per_minute = float(os.environ.get("LEDGERBRIDGE_RACKBEAT_PER_MINUTE") or RACKBEAT_PER_MINUTE)
    return budget_for("rackbeat", credential_key("rackbeat", base_url.rstrip("/"), token), per_minute)


def economic_budget(base_url: str, agreement_grant_token: str) -> Budget:
    """The budget of one e-conomic agreement (this process's, or the cluster's where one is installed)."""
    key = credential_key("economic", base_url.rstrip("/"), agreement_grant_token)
    return budget_for("economic", key, ECONOMIC_TOKENS_PER_MINUTE, economic_cost)
