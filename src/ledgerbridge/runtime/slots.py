"""The document slots of one inbox batch: how many documents are at work at once, and a slot lent out
while its document sleeps out a short wait.

A document waiting for an answer is at work on the far side and keeps its slot. A document sleeping in
its client before a retry (a 429's ``Retry-After``, a back-off; see ``systems.http.WaitDeferral``) asks
nothing of anyone, so it lends its slot to the next document and takes a slot back when it wakes, before
any new document starts. Longer waits are not slept at all: the hub re-queues the item with a due time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class DocumentSlots:
    """At most ``size`` documents at work, and at most ``size`` more asleep with their slot lent out (so a
    batch never needs more than :attr:`threads` threads)."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._working = 0
        self._lent = 0  # asleep (or just awake, waiting for a slot back)
        self._waking = 0
        self._version = 0  # bumped by every change a document makes, so the batch's loop can wait for one
        self._changed = threading.Condition()

    @property
    def threads(self) -> int:
        return 2 * self.size

    @property
    def version(self) -> int:
        with self._changed:
            return self._version

    def free(self) -> bool:
        """Whether a new document could start now."""
        with self._changed:
            return self._has_room()

    def take(self) -> bool:
        """Take a slot for a new document, if one is free; documents waking up come first."""
        with self._changed:
            if not self._has_room():
                return False
            self._working += 1
            return True

    def release(self, *_: object) -> None:
        """The document is done (also usable as a future's done callback)."""
        with self._changed:
            self._working -= 1
            self._bump()

    @contextmanager
    def lent(self) -> Iterator[None]:
        """Around a document's sleep: its slot goes to the next document meanwhile (unless as many are
        asleep as there are slots: then it sleeps in its slot), and it waits for a slot back after."""
        with self._changed:
            lend = self._lent < self.size
            if lend:
                self._working -= 1
                self._lent += 1
                self._bump()
        if not lend:
            yield
            return
        try:
            yield
        finally:
            with self._changed:
                self._waking += 1
                self._changed.wait_for(lambda: self._working < self.size)
                self._waking -= 1
                self._lent -= 1
                self._working += 1
                self._bump()

    def wait(self, seen: int, timeout: float | None) -> None:
        """Until a document changed something since ``version`` was ``seen``, or ``timeout`` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self._version != seen, timeout=timeout)

    def _has_room(self) -> bool:
        # At most size asleep, so working + asleep stays under threads.
        return self._working + self._waking < self.size

    def _bump(self) -> None:
        self._version += 1
        self._changed.notify_all()
