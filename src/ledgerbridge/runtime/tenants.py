"""What an idle integration costs, kept small for a provider with many companies in one process.

- :class:`QuietScans`: the safety-net scan of an integration whose scans keep finding nothing is run
  less and less often (1, 2, 4 … up to 16 minutes apart); one that finds something is scanned every
  minute again. Its scans already ask only for what changed since their bookmark; this also spares the
  calls a filtered question still costs. The back-off is kept in the database (a checkpoint per
  integration), so it holds across restarts and across the workers of a cluster.
- :func:`ensure_subscribed`: at start, an integration whose webhook subscriptions are stored and still
  in place (one listing call) is not subscribed again.
- :func:`subscribe_in_background`: ``serve`` checks subscriptions in a thread of their own, so start-up
  (and ``/healthz``) does not wait for a thousand tenants' API calls.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import structlog
from sqlalchemy import select

from ledgerbridge.engine.checkpoints import Checkpoints
from ledgerbridge.engine.runner import RunAborted
from ledgerbridge.engine.webhook_secrets import WebhookSecrets
from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.service import UserError
from ledgerbridge.store.models import Integration, utcnow

log = structlog.get_logger("ledgerbridge.runtime")

QUIET_CHECKPOINT = "scan:quiet"


def integration_names(hub: RealtimeHub) -> list[str]:
    """Every integration's name, in one query (no credentials opened)."""
    with hub.service.store.session() as db:
        return list(db.scalars(select(Integration.name).order_by(Integration.name)))


class QuietScans:
    """Runs :meth:`RealtimeHub.scan` for every integration that is due; call :meth:`run` every minute."""

    def __init__(
        self,
        hub: RealtimeHub,
        *,
        every: timedelta = timedelta(minutes=1),
        longest: timedelta = timedelta(minutes=16),
        now: Callable[[], datetime] = utcnow,
        at_once: int = 8,
    ) -> None:
        self.hub = hub
        self.every = every
        self.longest = longest
        self._now = now
        # Tenants scanned side by side (each mostly waits on its systems): one after another, a thousand
        # tenants' first round took longer than the minute between rounds.
        self.at_once = at_once

    def run(self) -> int:
        """Scan the integrations that are due; returns how many records were queued."""

        def one(name: str) -> int:
            try:
                return self.scan_if_due(name)
            except (UserError, RunAborted):
                return 0  # no real-time sync, or the source is down: the next round tries again

        names = integration_names(self.hub)
        if self.at_once <= 1 or len(names) <= 1:
            return sum(map(one, names))
        with ThreadPoolExecutor(max_workers=self.at_once, thread_name_prefix="ledgerbridge-scan") as pool:
            return sum(pool.map(one, names))

    def scan_if_due(self, name: str) -> int:
        now = self._now()
        with self.hub.service.store.session() as db:
            # Not due: the integration's session (credentials, clients) is not opened for it.
            integration_id = db.scalar(select(Integration.id).where(Integration.name == name))
            if integration_id is None:
                return 0
            quiet = Checkpoints(db, integration_id).get(QUIET_CHECKPOINT) or {}
        if quiet.get("next") and now < datetime.fromisoformat(quiet["next"]):
            return 0
        queued = self.hub.scan(name)
        rounds = 0 if queued else int(quiet.get("rounds", 0)) + 1
        wait = min(self.longest, self.every * (2 ** min(rounds, 16)))
        with self.hub.service.store.session() as db:
            Checkpoints(db, integration_id).put(
                QUIET_CHECKPOINT, {"rounds": rounds, "next": (now + wait - timedelta(seconds=1)).isoformat()}
            )
        return queued


def _full_url(public_url: str, source: str, name: str) -> str:
    return f"{public_url.rstrip('/')}/webhooks/{source}/{name}"


def ensure_subscribed(hub: RealtimeHub, name: str, public_url: str) -> tuple[int, bool]:
    """Subscribe ``name`` to its webhooks unless its stored subscriptions are all still in place.

    Returns (events subscribed, whether subscriptions were written)."""
    integration_id, session = hub.session(name)
    url = _full_url(public_url, session.webhook_source, name)
    with hub.service.store.session() as db:
        stored = WebhookSecrets(db, integration_id).get(session.webhook_source)
    events = set(session.webhook_events())
    if stored and stored.url == url and events <= set(hub._open_tokens(stored)):
        if events <= session.subscribed(url):
            return len(events), False
    return hub.register_webhooks(name, public_url), True


def subscribe_all(
    hub: RealtimeHub, public_url: str, report: Callable[[str], None] = print, *, at_once: int = 8
) -> None:
    """Every integration's subscriptions, ``at_once`` tenants side by side (each waits on its systems)."""

    def one(name: str) -> None:
        try:
            count, written = ensure_subscribed(hub, name, public_url)
        except (UserError, RunAborted) as exc:
            report(f"{name}: {exc}")
            return
        except Exception:  # one tenant's failure never stops the others' subscriptions
            log.exception("webhook subscription failed", integration=name)
            return
        verb = "subscribed to" if written else "already subscribed to"
        report(f"{name}: {verb} {count} webhook events")

    with ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="ledgerbridge-subscribe") as pool:
        list(pool.map(one, integration_names(hub)))


def subscribe_in_background(
    hub: RealtimeHub, public_url: str, report: Callable[[str], None]
) -> threading.Thread:
    thread = threading.Thread(
        target=subscribe_all, args=(hub, public_url, report), name="ledgerbridge-subscribe", daemon=True
    )
    thread.start()
    return thread
