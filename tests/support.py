"""Small helpers shared by test modules."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, TypeVar

C = TypeVar("C")


class FakeClock:
    """A clock tests move by hand, so time filters (``lastUpdated``, ``updated_at``) are deterministic."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@contextmanager
def client_factory(build: Callable[..., C], sleeps: list[float]) -> Iterator[Callable[..., C]]:
    """Make clients that record their waits in ``sleeps`` instead of sleeping, and close them afterwards."""
    made: list[C] = []

    def make(*args: Any, **kwargs: Any) -> C:
        kwargs.setdefault("sleep", sleeps.append)
        client = build(*args, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()  # type: ignore[attr-defined]
