"""Background threads of embedded mode: the inbox worker and the periodic scheduler."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from ledgerbridge.runtime.hub import RealtimeHub

log = structlog.get_logger("ledgerbridge.runtime")


class InboxWorker(threading.Thread):
    """Processes the inbox as soon as something arrives (``notify``), and every ``poll_seconds`` anyway."""

    def __init__(self, hub: RealtimeHub, *, poll_seconds: float = 1.0) -> None:
        super().__init__(name="ledgerbridge-inbox", daemon=True)
        self.hub = hub
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stopping = threading.Event()

    def notify(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    def run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
            try:
                self.hub.process_pending()
            except Exception:  # one bad item must not stop the worker; the item stays queued
                log.exception("inbox processing failed")


@dataclass
class Job:
    name: str
    every_seconds: float
    run: Callable[[], object]


class Scheduler(threading.Thread):
    """Runs jobs at fixed intervals (the safety-net scan, the inventory value). First run at start."""

    def __init__(self, jobs: list[Job], *, tick_seconds: float = 0.5) -> None:
        super().__init__(name="ledgerbridge-scheduler", daemon=True)
        self.jobs = jobs
        self.tick_seconds = tick_seconds
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> None:
        import time

        due = {job.name: 0.0 for job in self.jobs}
        while not self._stopping.is_set():
            now = time.monotonic()
            for job in self.jobs:
                if now >= due[job.name]:
                    due[job.name] = now + job.every_seconds
                    try:
                        result = job.run()
                        if result:
                            log.info("job ran", job=job.name, result=result)
                    except Exception:
                        log.exception("job failed", job=job.name)
            self._stopping.wait(self.tick_seconds)
