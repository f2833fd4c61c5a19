"""A token bucket, refilled continuously, with per-call costs (e-conomic charges by cost, not count)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class BucketDecision:
    allowed: bool
    used: float  # tokens in use after this call (what "147/10000" reports)
    capacity: int
    retry_after: float  # seconds until ``cost`` tokens are free again; 0 when allowed


class TokenBucket:
    """``capacity`` tokens per ``window_seconds``; a call of cost ``c`` takes ``c`` tokens or is refused."""

    def __init__(
        self, capacity: int, window_seconds: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if capacity < 1 or window_seconds <= 0:
            raise ValueError("a token bucket needs capacity >= 1 and a positive window")
        self.capacity = capacity
        self.window_seconds = window_seconds
        self._clock = clock
        self._available = float(capacity)
        self._stamp = clock()
        self._lock = threading.Lock()

    @property
    def refill_per_second(self) -> float:
        return self.capacity / self.window_seconds

    def take(self, cost: float = 1.0) -> BucketDecision:
        with self._lock:
            now = self._clock()
            self._available = min(
                self.capacity, self._available + (now - self._stamp) * self.refill_per_second
            )
            self._stamp = now
            if self._available >= cost:
                self._available -= cost
                return BucketDecision(True, self.capacity - self._available, self.capacity, 0.0)
            missing = cost - self._available
            return BucketDecision(
                False, self.capacity - self._available, self.capacity, missing / self.refill_per_second
            )
