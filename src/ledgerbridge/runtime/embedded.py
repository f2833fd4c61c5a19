"""What runs beside the web app in a serving process, in one place for ``ledgerbridge serve`` and
``ledgerbridge demo`` alike: the hub, what works the inbox, the scheduler, webhook subscription and a
clean stop.

- :class:`EmbeddedRuntime`: embedded mode, everything in this process: the inbox worker thread (a lane
  per integration) and the scheduler thread (the safety-net scan, the periodic jobs, retention).
- :class:`ClusterReceiver`: ``serve --cluster``: this process receives and queues; ``ledgerbridge worker``
  processes do the work (see :mod:`ledgerbridge.runtime.cluster`).

Both are used the same way: hand :attr:`hub` and :attr:`notifier` to the web app, call :meth:`start` once
the server listens and :meth:`stop` when it is asked to stop, and leave the ``with`` block to close the
clients.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from contextlib import ExitStack
from datetime import timedelta
from typing import Any

from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.runtime.tenants import QuietScans, subscribe_all, subscribe_in_background
from ledgerbridge.runtime.threads import InboxWorker, Job, Scheduler, idle_jobs
from ledgerbridge.service import Ledgerbridge

STOP_SECONDS_ENV = "LEDGERBRIDGE_STOP_SECONDS"
DEFAULT_STOP_SECONDS = 30.0
DEFAULT_SCAN_SECONDS = 60.0
PERIODIC_SECONDS = 5.0  # each periodic job keeps its own interval (orders, polls, inventory); tick often
RETENTION_SECONDS = 3600.0
QUIET_SCANS_LONGEST = 16  # an integration whose scans find nothing is scanned up to 16 times less often


def stop_seconds() -> float:
    """How long a clean stop waits for inbox items in flight (``LEDGERBRIDGE_STOP_SECONDS``, else 30)."""
    return float(os.environ.get(STOP_SECONDS_ENV) or DEFAULT_STOP_SECONDS)


def embedded_jobs(hub: RealtimeHub, scan_seconds: float = DEFAULT_SCAN_SECONDS) -> list[Job]:
    """The scheduler's jobs in embedded mode (in cluster mode the queue's ``tick`` job does them)."""
    scans = QuietScans(
        hub,
        every=timedelta(seconds=scan_seconds),
        longest=timedelta(seconds=QUIET_SCANS_LONGEST * scan_seconds),
    )
    return [
        Job("safety-net scan", scan_seconds, scans.run),
        Job("periodic jobs", PERIODIC_SECONDS, hub.periodic_all),
        # Settled inbox rows and old errors' payloads go after LEDGERBRIDGE_RETENTION_DAYS.
        Job("retention", RETENTION_SECONDS, hub.service.prune),
        *idle_jobs(hub),  # idle connection pools and sessions closed
    ]


class ServingRuntime:
    """The part both modes share: the hub, webhook subscription, a clean stop, closing the clients."""

    def __init__(self, hub: RealtimeHub) -> None:
        self.hub = hub

    @property
    def notifier(self) -> Any:
        """What the web app wakes (``notify()``) when it has stored a webhook."""
        raise NotImplementedError

    def start(self) -> None:
        """Start working; call once the web server listens."""

    def stop(self) -> None:
        """A clean stop: no new inbox item starts; those in flight get ``stop_seconds()`` to finish before
        the clients are closed (what is left stays pending, never failed because we stop)."""
        self.hub.stop(timeout=stop_seconds())

    def subscribe(
        self, public_url: str, report: Callable[[str], None], *, background: bool = True
    ) -> threading.Thread | None:
        """Subscribe every integration to its webhooks at ``public_url`` (subscriptions still in place are
        not written again), one line per integration to ``report``. Only once the receiver listens, so no
        early delivery is refused; in a thread of its own unless ``background`` is False, so start-up (and
        ``/healthz``) does not wait for every tenant's check."""
        if background:
            return subscribe_in_background(self.hub, public_url, report)
        subscribe_all(self.hub, public_url, report)
        return None

    def close(self) -> None:
        self.hub.close()

    def __enter__(self) -> ServingRuntime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EmbeddedRuntime(ServingRuntime):
    """Embedded mode: the inbox worker and the scheduler run as threads of this process."""

    def __init__(self, service: Ledgerbridge, *, scan_seconds: float = DEFAULT_SCAN_SECONDS) -> None:
        super().__init__(RealtimeHub(service))
        self.worker = InboxWorker(self.hub)
        self.scheduler = Scheduler(embedded_jobs(self.hub, scan_seconds))

    @property
    def notifier(self) -> InboxWorker:
        return self.worker

    def start(self) -> None:
        self.worker.start()
        self.scheduler.start()

    def stop(self) -> None:
        super().stop()
        self.worker.stop()
        self.scheduler.stop()

    def __enter__(self) -> EmbeddedRuntime:
        return self


class ClusterReceiver(ServingRuntime):
    """``serve --cluster``: a stored webhook defers a job on the queue instead of waking a thread; the
    queue's ``tick`` job scans and runs the periodic jobs. What runs here on a timer is only
    :func:`idle_jobs`: the sessions and pools the console, the admin API and webhook subscription opened
    are closed when idle (an intake process, which opens none, runs them as well).

    Raises ``UserError`` when the database cannot hold the queue (not PostgreSQL, say)."""

    def __init__(self, service: Ledgerbridge) -> None:
        from ledgerbridge.runtime.cluster import Cluster  # procrastinate: in cluster mode only

        self.queue = Cluster(service)
        self.queue.ensure_schema()
        super().__init__(self.queue.hub)
        self._opened = ExitStack()
        self.scheduler = Scheduler(idle_jobs(self.hub), tick_seconds=1.0)

    @property
    def notifier(self) -> Any:  # the web app wakes an InboxWorker or anything with its ``notify()``
        return self.queue

    def __enter__(self) -> ClusterReceiver:
        self._opened.enter_context(self.queue.open())  # deferring jobs needs the app open
        self.scheduler.start()  # here, not in start(): intake processes enter but never start
        return self

    def __exit__(self, *exc: Any) -> None:
        self.scheduler.stop()
        try:
            self._opened.__exit__(*exc)
        finally:
            self.close()
