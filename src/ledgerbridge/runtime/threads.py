"""Background threads: the inbox worker and the periodic scheduler of embedded mode, and the jobs that let
idle resources go, which every serving process and cluster worker runs (:func:`idle_jobs`)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import structlog

from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.systems.http import release_idle_clients

log = structlog.get_logger("ledgerbridge.runtime")

IDLE_POOL_ENV = "LEDGERBRIDGE_IDLE_POOL_SECONDS"
# A client's connection pool not used for this long is closed (made again at its next call): a thousand
# quiet tenants hold no open connections between their scans.
IDLE_POOL_SECONDS = 120.0


class InboxWorker(threading.Thread):
    """Processes the inbox as soon as something arrives (``notify``), and every ``poll_seconds`` anyway.

    Each integration with pending items gets a lane of its own (at most ``lanes`` at once): a slow or
    failing integration keeps its lane busy while the others go on.
    """

    def __init__(self, hub: RealtimeHub, *, poll_seconds: float = 1.0, lanes: int = 8) -> None:
        super().__init__(name="ledgerbridge-inbox", daemon=True)
        self.hub = hub
        self.poll_seconds = poll_seconds
        self.lanes = lanes
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._busy: dict[int, Future[int]] = {}

    def notify(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    def run(self) -> None:
        with ThreadPoolExecutor(max_workers=self.lanes, thread_name_prefix="ledgerbridge-lane") as pool:
            while not self._stopping.is_set():
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
                try:
                    self._start_lanes(pool)
                except Exception:  # the database is away, say: the next round tries again
                    log.exception("inbox round failed")
            for lane in self._busy.values():
                lane.cancel()

    def _start_lanes(self, pool: ThreadPoolExecutor) -> None:
        self._busy = {i: lane for i, lane in self._busy.items() if not lane.done()}
        for integration_id in self.hub.inbox.integrations_with_pending():
            if integration_id not in self._busy:
                lane = pool.submit(self._lane, integration_id)
                lane.add_done_callback(self._look_again)
                self._busy[integration_id] = lane

    def _look_again(self, lane: Future[int]) -> None:
        """A lane that settled something may have left more behind: look at once (not for back-offs)."""
        if not lane.cancelled() and lane.result():
            self._wake.set()

    def _lane(self, integration_id: int) -> int:
        try:
            return self.hub.process_pending(integration_id=integration_id)
        except Exception:  # items settle themselves; this is the database or the session going away
            log.exception("inbox lane failed", integration=integration_id)
            return 0


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


def idle_pool_seconds() -> float:
    """How long a connection pool may stay unused before it is closed (``LEDGERBRIDGE_IDLE_POOL_SECONDS``)."""
    return float(os.environ.get(IDLE_POOL_ENV) or IDLE_POOL_SECONDS)


def idle_jobs(hub: RealtimeHub) -> list[Job]:
    """What a serving process or a cluster worker runs now and then so an idle tenant costs little: its
    clients' connection pools closed (API and token clients alike), and its session closed
    (:meth:`RealtimeHub.close_idle_sessions`); both are made again at the next use."""
    pools = idle_pool_seconds()
    return [
        Job("idle connections", pools / 2, lambda: release_idle_clients(pools)),
        Job("idle sessions", min(60.0, hub.session_idle_seconds / 2), hub.close_idle_sessions),
    ]
