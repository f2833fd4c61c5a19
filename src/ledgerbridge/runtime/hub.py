"""The real-time hub: one open :class:`Realtime` session per integration, and the work that feeds them.

- webhooks are verified and stored in the inbox (``receive_webhook``), then processed here
  (``process_pending``), with back-off for items that met a transient failure;
- the safety-net scan and periodic jobs run from the scheduler (``scan_all``, ``periodic_all``);
- manual transfers and retries go through the same sessions, so they obey the same ledger.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from ledgerbridge.engine.checkpoints import Checkpoints
from ledgerbridge.engine.inbox import Inbox
from ledgerbridge.engine.ledger import TransferResult
from ledgerbridge.engine.runner import RunAborted
from ledgerbridge.integrations.base import Realtime
from ledgerbridge.runtime import metrics
from ledgerbridge.service import Ledgerbridge, UserError
from ledgerbridge.store.models import ErrorEntry, InboxItem, Integration, utcnow

SCAN_OVERLAP = timedelta(minutes=5)  # a record changed while the last scan ran is seen again, never missed


def _same_token(given: str, expected: str) -> bool:
    """Constant-time comparison that takes any text (non-ASCII is compared as UTF-8, never a TypeError)."""
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), str(expected).encode("utf-8"))


class WebhookRejected(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class _Backoff:
    attempts: int
    not_before: float


class RealtimeHub:
    def __init__(self, service: Ledgerbridge, *, max_backoff: float = 300.0) -> None:
        self.service = service
        self.inbox = Inbox(service.store)
        self._sessions: dict[int, tuple[str, Realtime]] = {}
        self._lock = threading.RLock()
        self._backoff: dict[int, _Backoff] = {}
        self._max_backoff = max_backoff

    # -- sessions ----------------------------------------------------------------------------------
    def session(self, name: str) -> tuple[int, Realtime]:
        with self._lock:
            for integration_id, (cached_name, session) in self._sessions.items():
                if cached_name == name:
                    return integration_id, session
            integration_id, kind = self.service.integration(name)
            realtime = kind.realtime(self.service.store, integration_id)
            if realtime is None:
                raise UserError(f"integration {name!r} ({kind.kind}) has no real-time sync")
            self._sessions[integration_id] = (name, realtime)
            return integration_id, realtime

    def _session_by_id(self, integration_id: int) -> tuple[str, Realtime]:
        with self._lock:
            if integration_id not in self._sessions:
                with self.service.store.session() as db:
                    row = db.get(Integration, integration_id)
                    if row is None:
                        raise UserError(f"integration #{integration_id} no longer exists")
                    name = row.name
                self.session(name)
            return self._sessions[integration_id]

    def reload(self, name: str) -> None:
        """Forget the open session of ``name`` so the next use reads its (changed) settings."""
        with self._lock:
            for integration_id, (cached_name, session) in list(self._sessions.items()):
                if cached_name == name:
                    session.close()
                    del self._sessions[integration_id]

    def close(self) -> None:
        with self._lock:
            for _, session in self._sessions.values():
                session.close()
            self._sessions.clear()

    def integration_names(self) -> list[str]:
        return [view.name for view in self.service.list_integrations()]

    # -- webhooks ----------------------------------------------------------------------------------
    def _tokens_name(self, source: str) -> str:
        return f"webhooks:{source}"

    def register_webhooks(self, name: str, public_url: str) -> int:
        """Subscribe this server to the integration's webhooks; keeps the tokens encrypted."""
        integration_id, session = self.session(name)
        url = f"{public_url.rstrip('/')}/webhooks/{session.webhook_source}/{name}"
        tokens = session.subscribe(url)
        with self.service.store.session() as db:
            Checkpoints(db, integration_id).put(
                self._tokens_name(session.webhook_source),
                {"url": url, "sealed": self.service.box.seal(tokens)},
            )
        return len(tokens)

    def receive_webhook(self, name: str, source: str, token: str | None, event: str | None, body: Any) -> int:
        """Verify a delivery and store it in the inbox; returns the inbox item id."""
        with self.service.store.session() as db:
            row = db.scalars(select(Integration).where(Integration.name == name)).first()
            if row is None:  # answered like a wrong token: names are not to be discovered this way
                raise WebhookRejected(401, "unknown webhook token")
            stored = Checkpoints(db, row.id).get(self._tokens_name(source))
            integration_id = row.id
        known = self._open_tokens(stored).values()
        # Rackbeat signs nothing: the shared token is the only proof. Compare in constant time.
        if not token or not any(_same_token(token, candidate) for candidate in known):
            # The sender's event name is no label value: junk deliveries must not make new series.
            metrics.WEBHOOKS.labels(name, "", "rejected").inc()
            raise WebhookRejected(401, "unknown webhook token")
        if not event:
            raise WebhookRejected(400, "the event header is missing")
        if not isinstance(body, dict) or body.get("key") in (None, ""):
            raise WebhookRejected(400, "the body names no record (expected {'key_name': ..., 'key': ...})")
        item_id, new = self.inbox.put(
            integration_id, source=source, event=event, record_key=str(body["key"]), payload=body
        )
        metrics.WEBHOOKS.labels(name, event, "queued" if new else "collapsed").inc()
        return item_id

    def _open_tokens(self, stored: dict[str, Any] | None) -> dict[str, str]:
        """The stored webhook tokens; none when they cannot be decrypted (the key is lost)."""
        if not stored:
            return {}
        try:
            return dict(self.service.box.open(stored["sealed"]))
        except ValueError:
            return {}

    # -- webhooks configured by hand in a system's UI, verified by a token in the URL ----------------------
    def url_webhooks(self, name: str, system: str) -> Any:
        # The kind's class is enough (no credentials to decrypt on every call).
        kind = self.service.kind_of(name)
        hooks = kind.url_webhooks.get(system)
        if hooks is None:
            raise UserError(f"{name} ({kind.kind}) takes no web hooks from {system}")
        return hooks

    def webhook_urls(self, name: str, system: str, public_url: str) -> dict[str, str]:
        """The URLs to enter in ``system``'s web hook settings, one per hook type.

        Such systems sign nothing, so each URL carries a secret token of this integration's own.
        """
        hooks = self.url_webhooks(name, system)
        integration_id, _ = self.session(name)
        with self.service.store.session() as db:
            checkpoints = Checkpoints(db, integration_id)
            stored = checkpoints.get(f"webhooks:{system}")
            if stored is None:
                stored = {"sealed": self.service.box.seal({"token": secrets.token_urlsafe(24)})}
                checkpoints.put(f"webhooks:{system}", stored)
        token = self.service.box.open(stored["sealed"])["token"]
        return dict(hooks.urls(f"{public_url.rstrip('/')}/webhooks/{system}/{name}?token={token}"))

    def receive_url_webhook(self, name: str, system: str, params: dict[str, str | None]) -> int:
        """A call to one of :meth:`webhook_urls`: check its token, then store it in the inbox."""
        with self.service.store.session() as db:
            row = db.scalars(select(Integration).where(Integration.name == name)).first()
            if row is None:  # answered like a wrong token: names are not to be discovered this way
                raise WebhookRejected(401, "unknown webhook token")
            stored = Checkpoints(db, row.id).get(f"webhooks:{system}")
            integration_id = row.id
        token = params.get("token")
        expected = self._open_tokens(stored).get("token")
        if not token or not expected or not _same_token(token, expected):
            metrics.WEBHOOKS.labels(name, "", "rejected").inc()
            raise WebhookRejected(401, "unknown webhook token")
        try:
            event, key, payload = self.url_webhooks(name, system).parse(params)
        except (ValueError, UserError) as exc:
            raise WebhookRejected(400, str(exc)) from None
        item_id, created = self.inbox.put(
            integration_id, source=system, event=event, record_key=key, payload=payload
        )
        metrics.WEBHOOKS.labels(name, event, "queued" if created else "collapsed").inc()
        return item_id

    # -- processing --------------------------------------------------------------------------------
    def process_pending(self, *, limit: int = 200, integration_id: int | None = None) -> int:
        """Process what is waiting in the inbox (of one integration, or all); returns how many items were
        settled."""
        settled = 0
        now = time.monotonic()
        items = self.inbox.pending(limit=limit, integration_id=integration_id)
        metrics.INBOX_PENDING.set(len(items))
        for item in items:
            backoff = self._backoff.get(item.id)
            if backoff and backoff.not_before > now:
                continue
            if self._process(item):
                settled += 1
        return settled

    def _process(self, item: InboxItem) -> bool:
        try:
            name, session = self._session_by_id(item.integration_id)
        except UserError as exc:
            self.inbox.finish(item.id, error=str(exc))
            return True
        try:
            outcome = session.handle(item.event, item.record_key, item.payload)
        except RunAborted as exc:
            previous = self._backoff.get(item.id)
            attempts = (previous.attempts if previous else 0) + 1
            delay = min(self._max_backoff, 0.5 * 2 ** (attempts - 1))
            self._backoff[item.id] = _Backoff(attempts, time.monotonic() + delay)
            metrics.INBOX_PROCESSED.labels(name, item.event, "deferred").inc()
            self._note_transient(item, str(exc))
            return False
        self._backoff.pop(item.id, None)
        failed = outcome.startswith("failed")
        self.inbox.finish(item.id, error=outcome if failed else None)
        metrics.INBOX_PROCESSED.labels(name, item.event, "failed" if failed else "done").inc()
        received = item.received_at if item.received_at.tzinfo else item.received_at.replace(tzinfo=UTC)
        metrics.PROCESSING_SECONDS.observe(max(0.0, (utcnow() - received).total_seconds()))
        return True

    def _note_transient(self, item: InboxItem, message: str) -> None:
        with self.service.store.session() as db:
            row = db.get(InboxItem, item.id)
            if row is not None:
                row.attempts += 1
                row.error = message

    def drain(self, *, timeout: float = 10.0) -> bool:
        """Process until the inbox is empty (tests, the demo); False if items are still waiting."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.process_pending()
            if self.inbox.count() == 0:
                return True
            time.sleep(0.05)
        return False

    # -- safety net and periodic jobs ----------------------------------------------------------------
    def scan(self, name: str) -> int:
        """Queue every record the source changed since the last scan (minus an overlap)."""
        integration_id, session = self.session(name)
        cursor_name = f"scan:{session.webhook_source}"
        started = utcnow()
        with self.service.store.session() as db:
            last = Checkpoints(db, integration_id).get(cursor_name)
        since = datetime.fromisoformat(last["at"]) - SCAN_OVERLAP if last else None
        queued = 0
        for event, key in session.scan(since):
            _, new = self.inbox.put(
                integration_id, source=session.webhook_source, event=event, record_key=key, via="scan"
            )
            queued += int(new)
        with self.service.store.session() as db:
            # The bookmark is the scan's start, so changes made during the scan are seen next time.
            Checkpoints(db, integration_id).put(cursor_name, {"at": started.isoformat()})
        return queued

    def scan_all(self) -> int:
        total = 0
        for name in self.integration_names():
            try:
                total += self.scan(name)
            except (UserError, RunAborted):
                continue  # no real-time sync, or the source is down: the next scan tries again
        return total

    def periodic_all(self, now: datetime | None = None) -> list[str]:
        done: list[str] = []
        for name in self.integration_names():
            try:
                _, session = self.session(name)
                done += [f"{name}: {line}" for line in session.periodic(now or utcnow())]
            except (UserError, RunAborted):
                continue
        return done

    # -- manual transfer and retry -------------------------------------------------------------------
    def transfer(self, name: str, document_type: str, key: str) -> TransferResult:
        _, session = self.session(name)
        return session.transfer(document_type, key)

    def retry(self, name: str, error_id: int | None = None) -> list[tuple[int, str]]:
        """Run open error-log entries again (one, or all of the integration's)."""
        integration_id, session = self.session(name)
        with self.service.store.session() as db:
            query = select(ErrorEntry).where(
                ErrorEntry.integration_id == integration_id, ErrorEntry.state == "open"
            )
            if error_id is not None:
                query = query.where(ErrorEntry.id == error_id)
            entries = [
                (e.id, e.operation, e.entity, e.record_key) for e in db.scalars(query.order_by(ErrorEntry.id))
            ]
        if error_id is not None and not entries:
            raise UserError(f"no open error #{error_id} for {name!r} (see `ledgerbridge errors {name}`)")
        results = []
        for entry_id, operation, entity, key in entries:
            try:
                outcome = self._retry_one(name, session, operation, entity, key)
            except RunAborted as exc:
                outcome = f"failed: {exc}"
            results.append((entry_id, outcome))
        return results

    def _retry_one(self, name: str, session: Realtime, operation: str, entity: str, key: str) -> str:
        if operation == "transfer":
            return session.transfer(entity, key).message
        if operation == "startup":
            return self.service.retry_startup_record(name, entity, key)
        return session.handle(f"{entity}.updated", key)
