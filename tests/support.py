"""Small helpers shared by test modules."""

from __future__ import annotations

from datetime import datetime, timedelta


class FakeClock:
    """A clock tests move by hand, so time filters (``lastUpdated``, ``updated_at``) are deterministic."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now
