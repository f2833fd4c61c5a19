"""The real-time hub: one open :class:`Realtime` session per integration, and the work that feeds them.

- webhooks are verified and stored in the inbox (``receive_webhook``), then processed here
  (``process_pending``), with back-off for items that met a transient failure;
- the safety-net scan and periodic jobs run from the scheduler (``scan_all``, ``periodic_all``);
- manual transfers and retries go through the same sessions, so they obey the same ledger.
"""

from __future__ import annotations

import functools
import hmac
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ledgerbridge.engine.binder import chunked
from ledgerbridge.engine.checkpoints import Checkpoints
from ledgerbridge.engine.errorlog import ErrorLog
from ledgerbridge.engine.inbox import (
    Announced,
    GroupIntake,
    Inbox,
    IntakeFailed,
    IntegrationGone,
)
from ledgerbridge.engine.ledger import TransferResult
from ledgerbridge.engine.runner import RunAborted
from ledgerbridge.engine.webhook_secrets import StoredSecret, WebhookSecrets
from ledgerbridge.integrations.base import Realtime, all_kinds, pushed_webhook_reader
from ledgerbridge.integrations.registry import kind_named
from ledgerbridge.runtime import metrics
from ledgerbridge.runtime.slots import DocumentSlots
from ledgerbridge.service import Ledgerbridge, UserError
from ledgerbridge.services.common import NO_OPEN_ERROR, NO_REALTIME, retry_failed, retry_raised, said_by
from ledgerbridge.store.models import ErrorEntry, InboxItem, Integration, utcnow
from ledgerbridge.systems.errors import TransientError
from ledgerbridge.systems.http import WaitDeferral, deferring

SCAN_OVERLAP = timedelta(minutes=5)  # a record changed while the last scan ran is seen again, never missed
SESSION_IDLE_ENV = "LEDGERBRIDGE_SESSION_IDLE_SECONDS"
DEFAULT_SESSION_IDLE_SECONDS = 600.0  # an integration's session unused this long is closed (reopened on use)
DEFAULT_UNHEALTHY_AFTER = 900.0  # seconds the oldest pending item may wait before /healthz says 503
# Documents of one integration worked at once. Mostly waiting on the far side (answers, Retry-After,
# back-off between retries), so more threads than cores pay off; the clients' pacing keeps each API's limits.
DEFAULT_DOCUMENT_CONCURRENCY = 16
REFILL_SECONDS = 0.25  # how often a lane with free slots looks for documents that arrived meanwhile
# A delivery's tokens are remembered this long (a new token is looked up at once; a withdrawn one is
# refused at the latest this much later).
TOKEN_CACHE_SECONDS = 30.0
DEPENDENCY_WAIT_SECONDS = 1.0  # a document behind pending master data looks again this much later
INBOX_OPERATION = "inbox"  # error-log operation of a delivery whose processing raised; retry runs it again
log = structlog.get_logger("ledgerbridge.runtime")


def _log_received(name: str, source: str, event: str, key: str, item_id: int, new: bool) -> None:
    """One line per webhook received; ``delivery`` (the inbox item) is carried through its processing."""
    log.info(
        "webhook received",
        integration=name,
        source=source,
        event_name=event,
        record_key=key,
        delivery=item_id,
        collapsed=not new,
    )


def _in_delivery_context(process: Any) -> Any:
    """Every log line written while an inbox item is processed carries its ``delivery`` id and integration."""

    @functools.wraps(process)
    def bound(self: Any, name: str, session: Any, item: InboxItem, *rest: Any) -> bool:
        with structlog.contextvars.bound_contextvars(delivery=item.id, integration=name):
            settled: bool = process(self, name, session, item, *rest)
            log.info("delivery processed", event_name=item.event, record_key=item.record_key, settled=settled)
            return settled

    return bound


def _same_token(given: str, expected: str) -> bool:
    """Constant-time comparison that takes any text (non-ASCII is compared as UTF-8, never a TypeError)."""
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), str(expected).encode("utf-8"))


class WebhookRejected(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class _Receiver:
    """What verifying a delivery needs, remembered per (integration name, source)."""

    integration_id: int
    kind: Any
    tokens: dict[str, str]
    until: float

    @functools.cached_property
    def encoded(self) -> frozenset[bytes]:
        """The tokens as bytes, each once (a system may use one token for several events)."""
        return frozenset(str(token).encode("utf-8") for token in self.tokens.values())


@dataclass
class _HeldSession:
    """An open session and who uses it: ``users`` hold it now (never closed as idle meanwhile)."""

    integration_id: int
    name: str
    realtime: Realtime
    users: int = 0
    last_used: float = field(default_factory=time.monotonic)
    periodic_asked: bool = False  # this hub ran its periodic jobs since it was opened


@dataclass
class _Rested:
    """An integration whose session was closed as idle: opened again at its next use, or by
    :meth:`RealtimeHub.periodic_all` once ``wake_at`` (monotonic) is reached."""

    wake_at: float
    schedule: Any  # its periodic jobs' last runs, handed to the next session


@dataclass
class _Backoff:
    attempts: int
    not_before: float


class RealtimeHub:
    """``document_concurrency``: items of one integration its session calls ``parallel`` (documents) worked
    at once (default ``LEDGERBRIDGE_DOCUMENT_CONCURRENCY`` or 16). ``unhealthy_after``: seconds an item may
    wait before ``/healthz`` answers 503 (default
    ``LEDGERBRIDGE_UNHEALTHY_AFTER_SECONDS`` or 900). ``session_idle_seconds``: an integration's session
    not used for this long is closed by :meth:`close_idle_sessions` (default
    ``LEDGERBRIDGE_SESSION_IDLE_SECONDS`` or 600)."""

    def __init__(
        self,
        service: Ledgerbridge,
        *,
        max_backoff: float = 300.0,
        document_concurrency: int | None = None,
        unhealthy_after: float | None = None,
        session_idle_seconds: float | None = None,
    ) -> None:
        self.service = service
        self.inbox = Inbox(service.store)
        # Deliveries arriving together are stored in one transaction (group commit).
        self.intake = GroupIntake(service.store)
        self._receivers: dict[tuple[str, str], _Receiver] = {}
        self._receivers_lock = threading.Lock()
        self._deliveries: dict[str, str] = {}
        self._sessions: dict[int, _HeldSession] = {}
        self._ids: dict[str, int] = {}  # integration name -> id, of the open sessions
        self._rested: dict[str, _Rested] = {}  # integrations whose session was closed as idle, by name
        self._lock = threading.RLock()
        self._backoff_lock = threading.Lock()
        self._backoff: dict[int, _Backoff] = {}
        self._max_backoff = max_backoff
        self.document_concurrency = max(
            1,
            document_concurrency
            or int(os.environ.get("LEDGERBRIDGE_DOCUMENT_CONCURRENCY") or DEFAULT_DOCUMENT_CONCURRENCY),
        )
        self.unhealthy_after = (
            unhealthy_after
            if unhealthy_after is not None
            else float(os.environ.get("LEDGERBRIDGE_UNHEALTHY_AFTER_SECONDS") or DEFAULT_UNHEALTHY_AFTER)
        )
        self.session_idle_seconds = (
            session_idle_seconds
            if session_idle_seconds is not None
            else float(os.environ.get(SESSION_IDLE_ENV) or DEFAULT_SESSION_IDLE_SECONDS)
        )
        # A clean stop: no new item is started, and what fails while stopping (clients closing under it)
        # is left pending for the next start instead of being settled failed.
        self._stopping = threading.Event()
        self._in_flight = 0
        self._working: set[int] = set()  # items this process works right now, by any lane or caller
        self._idle = threading.Condition()

    # -- sessions ----------------------------------------------------------------------------------
    # An integration's session is opened at its first use and kept while it is used. One not used for
    # ``session_idle_seconds`` is closed by close_idle_sessions() (a serving process or worker calls it
    # now and then), never while a caller holds it (using()); its next use opens it again. So a thousand
    # quiet tenants do not each keep a session (clients, caches, settings) for the life of the process.

    def session(self, name: str) -> tuple[int, Realtime]:
        """``name``'s open session (opened now if need be). For a use longer than a moment, prefer
        :meth:`using`: a session held that way is never closed as idle under its caller."""
        with self._lock:
            held = self._open_session(name)
            held.last_used = time.monotonic()
            return held.integration_id, held.realtime

    @contextmanager
    def using(self, name: str) -> Iterator[tuple[int, Realtime]]:
        """``name``'s session, held for the block: not closed as idle meanwhile, and used at its end."""
        with self._held(name, touch=True) as held:
            yield held.integration_id, held.realtime

    @contextmanager
    def _held(self, name: str, *, touch: bool) -> Iterator[_HeldSession]:
        """``name``'s session held for the block; its end counts as a use when ``touch``."""
        with self._lock:
            held = self._open_session(name)
            held.users += 1
        try:
            yield held
        finally:
            self._let_go(held, touch=touch)

    @contextmanager
    def _using_id(self, integration_id: int) -> Iterator[tuple[str, Realtime]]:
        """As :meth:`using`, by the integration's id (``UserError`` when it no longer exists)."""
        with self._lock:
            held = self._sessions.get(integration_id)
            if held is None:
                with self.service.store.session() as db:
                    row = db.get(Integration, integration_id)
                    if row is None:
                        raise UserError(f"integration #{integration_id} no longer exists")
                    name = row.name
                held = self._open_session(name)
            held.users += 1
        try:
            yield held.name, held.realtime
        finally:
            self._let_go(held, touch=True)

    def _let_go(self, held: _HeldSession, touch: bool) -> None:
        with self._lock:
            held.users -= 1
            if touch:
                held.last_used = time.monotonic()

    def _session_by_id(self, integration_id: int) -> tuple[str, Realtime]:
        """The session of an integration by id, for a moment's use (``UserError`` when it is gone)."""
        with self._using_id(integration_id) as found:
            return found

    def _open_session(self, name: str) -> _HeldSession:
        """The open session of ``name``, opened if need be; call with ``self._lock`` held."""
        integration_id = self._ids.get(name)
        if integration_id is not None:
            return self._sessions[integration_id]
        integration_id, kind = self.service.integration(name)
        realtime = kind.realtime(self.service.store, integration_id)
        if realtime is None:
            raise UserError(NO_REALTIME, name=name, kind=kind.kind)
        rested = self._rested.pop(name, None)
        if rested is not None and rested.schedule:
            realtime.resume_periodic(rested.schedule)  # its polls keep their times across the rest
        held = _HeldSession(integration_id, name, realtime)
        self._sessions[integration_id] = held
        self._ids[name] = integration_id
        return held

    def _forget(self, held: _HeldSession) -> None:
        """Take ``held`` out of the cache; call with ``self._lock`` held."""
        if self._sessions.get(held.integration_id) is held:
            del self._sessions[held.integration_id]
            self._ids.pop(held.name, None)

    def close_idle_sessions(self, idle_seconds: float | None = None) -> int:
        """Close every session nobody holds that was not used for ``idle_seconds`` (default
        ``session_idle_seconds``); returns how many were closed. Its next use opens it again.

        A session whose periodic jobs this hub runs says when the next one is due: until then
        :meth:`periodic_all` leaves the integration closed, and opens it at that time. One that cannot
        tell (``periodic_wait`` None) stays open, as its jobs must be asked every round."""
        idle = self.session_idle_seconds if idle_seconds is None else idle_seconds
        now = time.monotonic()
        with self._lock:
            candidates = [
                (held, held.last_used)
                for held in self._sessions.values()
                if not held.users and now - held.last_used >= idle
            ]
        closing: list[_HeldSession] = []
        for held, last_used in candidates:
            # Asked outside the lock: a kind may read its schedule from the database.
            wait = held.realtime.periodic_wait() if held.periodic_asked else 0.0
            if wait is None:
                continue
            with self._lock:
                if (
                    held.users
                    or held.last_used != last_used
                    or self._sessions.get(held.integration_id) is not held
                ):
                    continue  # taken up again meanwhile
                self._forget(held)
                self._rested[held.name] = _Rested(now + wait, held.realtime.periodic_schedule())
            closing.append(held)
        for held in closing:
            try:
                held.realtime.close()
            except Exception:  # noqa: BLE001 - one session failing to close never keeps the others open
                log.exception("idle session failed to close", integration=held.name)
        if closing:
            log.info("idle sessions closed", closed=len(closing), open=len(self._sessions))
        return len(closing)

    @property
    def open_sessions(self) -> int:
        """How many sessions are open now (tests, metrics)."""
        return len(self._sessions)

    def reload(self, name: str) -> None:
        """Forget the open session of ``name`` so the next use reads its (changed) settings."""
        with self._lock:
            integration_id = self._ids.get(name)
            held = self._sessions.get(integration_id) if integration_id is not None else None
            self._rested.pop(name, None)  # changed settings: its periodic jobs are asked afresh
            if held is None:
                return
            self._forget(held)
        held.realtime.close()

    def close(self) -> None:
        self.intake.close()  # what was received is written before the clients go
        with self._idle:
            if self._stopping.is_set() and self._in_flight:
                # stop() gave up waiting: closing the clients would fail the items still running. The
                # process is ending; the items stay pending and the ledger keeps them exactly once.
                log.warning("sessions left open: items still in flight at stop", in_flight=self._in_flight)
                return
        with self._lock:
            for held in self._sessions.values():
                held.realtime.close()
            self._sessions.clear()
            self._ids.clear()

    def stop(self, timeout: float = 0.0) -> bool:
        """Stop taking inbox items (a clean stop of ``serve`` or ``worker``) and wait up to ``timeout``
        seconds for those in flight; True when none is left. Items not started stay pending."""
        self._stopping.set()
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def integration_names(self) -> list[str]:
        # One query: the scheduler asks every few seconds, and a thousand tenants' credentials need not
        # be opened for their names.
        with self.service.store.session() as db:
            return list(db.scalars(select(Integration.name).order_by(Integration.name)))

    # -- webhooks ----------------------------------------------------------------------------------
    def register_webhooks(self, name: str, public_url: str) -> int:
        """Subscribe this server to the integration's webhooks; keeps the tokens encrypted."""
        with self.using(name) as (integration_id, session):
            url = f"{public_url.rstrip('/')}/webhooks/{session.webhook_source}/{name}"
            tokens = session.subscribe(url)
        with self.service.store.session() as db:
            WebhookSecrets(db, integration_id).put(
                session.webhook_source, self.service.box.seal(tokens), url=url
            )
        self.forget_receiver(name, session.webhook_source)
        return len(tokens)

    def webhook_reader(self, source: str) -> Any:
        """How deliveries pushed by ``source`` are read (its token and event headers, their shape)."""
        reader = pushed_webhook_reader(source)
        if reader is None:
            raise WebhookRejected(404, f"no webhook receiver for {source[:50]!r}")
        return reader

    def _open_tokens(self, stored: StoredSecret | None) -> dict[str, str]:
        """The stored webhook tokens; none when they cannot be decrypted (the key is lost)."""
        if not stored:
            return {}
        try:
            return dict(self.service.box.open(stored.sealed))
        except ValueError:
            return {}

    def _receiver(self, name: str, source: str, *, fresh: bool) -> _Receiver | None:
        """The integration's id, kind and open webhook tokens for ``source``: remembered for
        ``TOKEN_CACHE_SECONDS`` (a delivery costs no query and no decryption), read again when ``fresh``
        (a token not among those remembered: it may be new). None when ``fresh`` is False and nothing is
        remembered, or when there is no such integration."""
        now = time.monotonic()
        with self._receivers_lock:
            known = self._receivers.get((name, source))
        if known is not None and known.until > now and not fresh:
            return known
        if not fresh:
            return None
        with self.service.store.session() as db:
            row = db.scalars(select(Integration).where(Integration.name == name)).first()
            if row is None:
                with self._receivers_lock:
                    self._receivers.pop((name, source), None)
                return None
            stored = WebhookSecrets(db, row.id).get(source)
            integration_id, kind = row.id, row.kind
        try:
            kind_class: Any = kind_named(kind)
        except UserError:
            kind_class = None
        receiver = _Receiver(integration_id, kind_class, self._open_tokens(stored), now + TOKEN_CACHE_SECONDS)
        with self._receivers_lock:
            self._receivers[(name, source)] = receiver
        return receiver

    def forget_receiver(self, name: str, source: str | None = None) -> None:
        """Drop what is remembered of ``name``'s webhook tokens (of ``source``, or all)."""
        with self._receivers_lock:
            for key in [k for k in self._receivers if k[0] == name and source in (None, k[1])]:
                del self._receivers[key]

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
            webhook_secrets = WebhookSecrets(db, integration_id)
            stored = webhook_secrets.get(system)
            if stored is None:
                stored = StoredSecret(self.service.box.seal({"token": secrets.token_urlsafe(24)}))
                webhook_secrets.put(system, stored.sealed)
        self.forget_receiver(name, system)
        token = self.service.box.open(stored.sealed)["token"]
        return dict(hooks.urls(f"{public_url.rstrip('/')}/webhooks/{system}/{name}?token={token}"))

    # -- one intake for every system: /webhooks/{system}/{name} ------------------------------------
    URL_DELIVERY = "url"
    PUSHED_DELIVERY = "pushed"

    def webhook_delivery(self, system: str) -> str:
        """How ``system`` delivers: ``"url"`` (web hooks entered as URLs: the call's query parameters,
        by GET or POST, verified by the URL's ``token``; a kind's ``url_webhooks``) or ``"pushed"`` (a JSON
        body with the token and event in headers; a kind's ``pushed_webhooks``). 404 for any other."""
        known = self._deliveries.get(system)
        if known is None:
            if any(system in kind.url_webhooks for kind in all_kinds().values()):
                known = self.URL_DELIVERY
            else:
                self.webhook_reader(system)
                known = self.PUSHED_DELIVERY
            self._deliveries[system] = known  # the kinds do not change while we run
        return known

    def verify(
        self,
        system: str,
        name: str,
        *,
        headers: Mapping[str, str],
        query: Mapping[str, str],
        body: Any,
        cached_only: bool = False,
    ) -> Announced | None:
        """Verify one call to ``/webhooks/{system}/{name}`` (read as ``system`` delivers, see
        :meth:`webhook_delivery`; ``body`` is the parsed JSON of a pushed delivery) and read it into what
        the inbox stores. Raises :class:`WebhookRejected` (401 wrong token or unknown integration, 400 a
        delivery of the wrong shape). With ``cached_only`` nothing is read from the database: None when
        the integration's tokens are not remembered (then call again without it, off the event loop)."""
        url_delivery = self.webhook_delivery(system) == self.URL_DELIVERY
        if url_delivery:
            params: dict[str, str | None] = dict(query)  # all of them: the system's reader picks its own
            token = params.get("token")
        else:
            reader = self.webhook_reader(system)
            token = headers.get(reader.token_header)
            event = headers.get(reader.event_header) or (
                body.get("event") if isinstance(body, dict) else None
            )

        def accepts(receiver: _Receiver) -> bool:
            if url_delivery:
                expected = receiver.tokens.get("token")
                return bool(token and expected and _same_token(token, expected))
            # Rackbeat signs nothing: the shared token is the only proof. Compare in constant time.
            given = str(token).encode("utf-8", "surrogateescape") if token else b""
            return bool(given) and any(hmac.compare_digest(given, known) for known in receiver.encoded)

        receiver = self._receiver(name, system, fresh=False)
        if receiver is None or not accepts(receiver):
            if cached_only:
                return None
            receiver = self._receiver(name, system, fresh=True)  # a new token, or not remembered yet
            # An unknown integration is answered like a wrong token: names are not to be found this way.
            if receiver is None or not accepts(receiver):
                if receiver is not None:  # the sender's event name is no label: junk makes no new series
                    metrics.WEBHOOKS.labels(name, "", "rejected").inc()
                raise WebhookRejected(401, "unknown webhook token")
        # The delivery's shape (event known, key of the event's type) is the sending system's to check:
        # a wrong one is answered 400 now instead of failing later in the inbox.
        try:
            if url_delivery:
                hooks = receiver.kind.url_webhooks.get(system) if receiver.kind is not None else None
                if hooks is None:
                    raise ValueError(f"{name} takes no web hooks from {system}")
                event, key, payload = hooks.parse(params)
            else:
                event, key, payload = reader.read(event, body)
        except (ValueError, UserError) as exc:
            raise WebhookRejected(400, str(exc)) from None
        return Announced(receiver.integration_id, system, event, str(key), payload, received_at=utcnow())

    def accepted(self, name: str, delivery: Announced, item_id: int, new: bool) -> None:
        """Count and log a delivery once it is stored."""
        metrics.WEBHOOKS.labels(name, delivery.event, "queued" if new else "collapsed").inc()
        _log_received(name, delivery.source, delivery.event, delivery.record_key, item_id, new)

    def stored(self, name: str, future: Future[tuple[int, bool]], delivery: Announced) -> int:
        """The answer to a submitted delivery: its item id once its batch committed. Raises
        ``WebhookRejected`` 503 when the batch did not commit, 401 when the integration is gone."""
        try:
            item_id, new = future.result()
        except IntakeFailed as exc:
            raise WebhookRejected(503, f"{exc}; send it again") from exc
        except IntegrationGone:
            self.forget_receiver(name)
            raise WebhookRejected(401, "unknown webhook token") from None
        self.accepted(name, delivery, item_id, new)
        return item_id

    def receive(
        self, system: str, name: str, *, headers: Mapping[str, str], query: Mapping[str, str], body: Any
    ) -> int:
        """Verify one call to ``/webhooks/{system}/{name}`` and store it in the inbox (in a batch of
        deliveries committed together, see :class:`GroupIntake`); returns the inbox item id once stored."""
        delivery = self.verify(system, name, headers=headers, query=query, body=body)
        assert delivery is not None  # not cached_only: verified or refused
        return self.stored(name, self.intake.submit(delivery), delivery)

    # -- processing --------------------------------------------------------------------------------
    def process_pending(self, *, limit: int = 200, integration_id: int | None = None) -> int:
        """Process what is waiting in the inbox (of one integration, or of all: each in a lane of its own,
        at the same time); returns how many items were settled."""
        if integration_id is not None:
            return self.process_integration(integration_id, limit=limit)
        ids = self.inbox.integrations_with_pending()
        metrics.INBOX_PENDING.set(self.inbox.count())
        if len(ids) <= 1:
            return sum(self.process_integration(i, limit=limit) for i in ids)
        with ThreadPoolExecutor(max_workers=min(len(ids), 8), thread_name_prefix="lb-lane") as lanes:
            return sum(lanes.map(lambda i: self.process_integration(i, limit=limit), ids))

    def process_integration(self, integration_id: int, *, limit: int = 200) -> int:
        """Work one integration's pending items, oldest first.

        Items the session calls ``parallel`` (documents) run up to ``document_concurrency`` at a time;
        any other item runs alone, after everything that arrived before it and before anything after
        it, so a customer is synced before the invoice that arrived after it. An item in back-off is
        skipped, not waited for.
        """
        now = time.monotonic()
        waiting = sum(1 for b in list(self._backoff.values()) if b.not_before > now)
        items = [  # items in back-off are skipped, so that many more are read: they never starve the rest
            item
            for item in self.inbox.pending(limit=limit + waiting, integration_id=integration_id)
            if not ((b := self._backoff.get(item.id)) and b.not_before > now)
        ][:limit]
        if not items:
            return 0
        with ExitStack() as held:  # the session is held while its items run: never closed as idle
            try:
                name, session = held.enter_context(self._using_id(integration_id))
            except UserError as exc:
                for item in items:
                    self.inbox.finish(item.id, error=str(exc))
                return len(items)
            settled = 0
            batch: list[InboxItem] = []
            for item in items:
                if session.parallel(item.event):
                    batch.append(item)
                    continue
                settled += self._run_batch(name, session, batch)
                batch = []
                settled += int(self._process(name, session, item))
            # The last batch may take in documents that arrive (or come out of back-off) while it runs.
            refill = functools.partial(self._more_documents, integration_id, session)
            return settled + self._run_batch(name, session, batch, refill=refill, budget=limit)

    # -- cluster mode: a job per document, and one per integration for what goes in order -----------------
    def process_document(self, item_id: int, *, behind_master: bool = True) -> tuple[str, float]:
        """Work one document item by itself (a cluster ``document`` job; documents of one integration run
        side by side, in any worker). Returns ``(outcome, seconds)``: ``"settled"``; ``"gone"`` (settled
        already, or not a document: the integration's in-order job works it); ``"waiting"`` (master data
        that arrived before it and was not tried yet is pending: a customer before its invoice; look again
        in ``seconds``); ``"later"`` (a transient failure: due again in ``seconds``). ``behind_master=False``:
        the caller knows no master data was pending before it (none can arrive before it later), so that
        is not looked up."""
        earlier: Sequence[str] = ()
        with self.service.store.reading() as db:
            item = db.get(InboxItem, item_id)
            if item is None or item.state != "pending":
                return "gone", 0.0
            if behind_master:
                earlier = db.scalars(
                    select(InboxItem.event)
                    .where(
                        InboxItem.integration_id == item.integration_id,
                        InboxItem.state == "pending",
                        InboxItem.id < item.id,
                        InboxItem.attempts == 0,
                    )
                    .distinct()
                ).all()
        with ExitStack() as held:  # the session is held while the document runs
            try:
                name, session = held.enter_context(self._using_id(item.integration_id))
            except UserError as exc:
                self.inbox.finish(item.id, error=str(exc))
                return "settled", 0.0
            if not session.parallel(item.event):
                return "gone", 0.0
            if any(not session.parallel(event) for event in earlier):
                return "waiting", DEPENDENCY_WAIT_SECONDS
            # Read pending just now, under the job's lock on the document: no second read needed.
            if self._process(name, session, item, read_pending=True):
                return "settled", 0.0
        backoff = self._backoff.get(item.id)
        return "later", max(0.5, backoff.not_before - time.monotonic()) if backoff else 1.0

    def process_in_order(self, integration_id: int, *, limit: int = 200) -> tuple[int, bool]:
        """Work an integration's items that are not documents (master data), oldest first, one at a time
        (a cluster ``process`` job; its lock is the integration). Items in back-off are skipped, as in
        :meth:`process_integration`. Returns ``(settled, whether such items are still pending)``."""
        items = self.inbox.pending(limit=limit, integration_id=integration_id)
        if not items:
            return 0, False
        with ExitStack() as held:  # the session is held while its items run
            try:
                name, session = held.enter_context(self._using_id(integration_id))
            except UserError as exc:
                for item in items:
                    self.inbox.finish(item.id, error=str(exc))
                return len(items), False
            settled, left = 0, False
            now = time.monotonic()
            for item in items:
                if session.parallel(item.event):
                    continue  # documents have jobs of their own
                if (b := self._backoff.get(item.id)) and b.not_before > now:
                    left = True
                    continue
                if self._process(name, session, item):
                    settled += 1
                else:
                    left = True
        return settled, left or len(items) >= limit

    def _more_documents(self, integration_id: int, session: Realtime, busy: set[int]) -> list[InboxItem]:
        """Pending documents (``parallel`` items) not in ``busy`` and not in back-off, oldest first, up
        to the first other item, which must wait for what came before it (the next round runs it)."""
        now = time.monotonic()
        found: list[InboxItem] = []
        window = 2 * self.document_concurrency + len(busy)
        for item in self.inbox.pending(limit=window, integration_id=integration_id):
            if item.id in busy or ((b := self._backoff.get(item.id)) and b.not_before > now):
                continue
            if not session.parallel(item.event):
                break
            found.append(item)
        return found

    def _run_batch(
        self,
        name: str,
        session: Realtime,
        batch: list[InboxItem],
        *,
        refill: Callable[[set[int]], list[InboxItem]] | None = None,
        budget: int = 0,
    ) -> int:
        """Work documents up to ``document_concurrency`` at a time. A slot is refilled the moment its
        item settles or goes into back-off, so one slow item (stalled answers, retries) never holds the
        others' slots, and lent while its item sleeps before a retry (``DocumentSlots``); with ``refill``,
        new documents are taken in until ``budget`` items were started."""
        if refill is None and (len(batch) <= 1 or self.document_concurrency <= 1):
            return sum(int(self._process(name, session, item)) for item in batch)
        queue = list(batch)
        started = len(queue)
        running: dict[Future[bool], int] = {}
        left: set[int] = set()  # came back unsettled with no back-off (the hub is stopping): not again
        settled = 0
        slots = DocumentSlots(self.document_concurrency)
        with ThreadPoolExecutor(max_workers=slots.threads, thread_name_prefix=f"lb-{name}") as pool:
            while queue or running:
                seen = slots.version
                while queue and slots.take():
                    item = queue.pop(0)
                    future = pool.submit(self._process, name, session, item, slots)
                    future.add_done_callback(slots.release)
                    running[future] = item.id
                wants_more = not queue and slots.free() and started < budget
                if refill is not None and wants_more and not self._stopping.is_set():
                    more = refill(left | set(running.values()))[: budget - started]
                    started += len(more)
                    queue.extend(more)
                    if more:
                        continue
                if not running:
                    break
                # A short wait, so that documents arriving while every running one is slow get a free slot;
                # a document that ends or lends its slot wakes us at once.
                if not any(future.done() for future in running):
                    slots.wait(seen, timeout=REFILL_SECONDS if refill else None)
                for future in [future for future in running if future.done()]:
                    item_id = running.pop(future)
                    if future.result():
                        settled += 1
                    elif item_id not in self._backoff:
                        left.add(item_id)
        return settled

    def _process(
        self,
        name: str,
        session: Realtime,
        item: InboxItem,
        slots: DocumentSlots | None = None,
        *,
        read_pending: bool = False,
    ) -> bool:
        """Process one item unless we are stopping (then it stays pending); counted while in flight.

        Another caller in this process (a runtime lane and ``drain``, say) may have read the same item:
        it is worked by one of them only, and not again once settled (read again here unless the caller
        has just read it pending: ``read_pending``)."""
        with self._idle:
            if self._stopping.is_set() or item.id in self._working:
                return False
            self._working.add(item.id)
            self._in_flight += 1
        try:
            if not read_pending and not self.inbox.is_pending(item.id):
                return True  # settled by another caller since it was read
            return self._process_item(name, session, item, slots)
        finally:
            with self._idle:
                self._working.discard(item.id)
                self._in_flight -= 1
                self._idle.notify_all()

    @_in_delivery_context
    def _process_item(
        self, name: str, session: Realtime, item: InboxItem, slots: DocumentSlots | None = None
    ) -> bool:
        """Process one item; True when it is settled (done or failed), False when it waits in back-off.

        Whatever goes wrong settles the item (failed, with an error-log entry that can be retried) so
        it never holds up the items after it, also after a restart. Except while stopping: then a failure
        may be our own clients closing, so the item stays pending and the next start runs it again.
        """
        # A document's long waits (Retry-After, later back-offs) are not slept in its slot: the client
        # raises at once and the item comes back when due; while it sleeps a short one, its slot is lent.
        # Master data keeps waiting in place, in order.
        deferral = None
        if session.parallel(item.event):
            deferral = WaitDeferral(while_sleeping=slots.lent if slots is not None else None)
        try:
            with deferring(deferral):
                outcome = session.handle(item.event, item.record_key, item.payload)
        # The far side or our database is away, or every pooled connection stayed busy: later.
        except (RunAborted, OperationalError, PoolTimeout) as exc:
            self._back_off(name, item, str(exc), asked=deferral.seconds if deferral else None)
            return False
        except Exception as exc:  # noqa: BLE001 - any bug or surprise in one item must not stop the others
            if isinstance(exc, TransientError) and exc.wait_seconds is not None:
                self._back_off(name, item, str(exc), asked=exc.wait_seconds)  # a deferred wait, unwrapped
                return False
            if self._stopping.is_set():
                log.info("left pending: stopping", item=item.id, error=f"{type(exc).__name__}: {exc}")
                return False
            outcome = self._record_crash(item, exc)
        with self._backoff_lock:
            self._backoff.pop(item.id, None)
        failed = outcome.startswith("failed")
        self.inbox.finish(item.id, error=outcome if failed else None)
        metrics.INBOX_PROCESSED.labels(name, item.event, "failed" if failed else "done").inc()
        received = item.received_at if item.received_at.tzinfo else item.received_at.replace(tzinfo=UTC)
        metrics.PROCESSING_SECONDS.observe(max(0.0, (utcnow() - received).total_seconds()))
        return True

    def _back_off(self, name: str, item: InboxItem, reason: str, *, asked: float | None) -> None:
        """Put the item in back-off: due after the hub's own back-off (doubling per attempt), or after the
        wait a client asked for (``asked``) when that is longer; its slot takes other work meanwhile."""
        with self._backoff_lock:
            previous = self._backoff.get(item.id)
            attempts = (previous.attempts if previous else 0) + 1
            delay = min(self._max_backoff, max(asked or 0.0, 0.5 * 2 ** (attempts - 1)))
            self._backoff[item.id] = _Backoff(attempts, time.monotonic() + delay)
        metrics.INBOX_PROCESSED.labels(name, item.event, "deferred").inc()
        self._note_transient(item, reason)

    def _record_crash(self, item: InboxItem, exc: Exception) -> str:
        """An item whose processing raised: one error-log entry naming the delivery and the exception
        (operation ``inbox``: ``retry`` runs the delivery again); returns the item's outcome."""
        message = (
            f"delivery #{item.id} ({item.event} {item.record_key}, via {item.via}) could not be processed: "
            f"{type(exc).__name__}: {exc}"
        )
        error = f"{type(exc).__name__}: {exc}"
        log.error("inbox item failed", item=item.id, event_name=item.event, error=error)
        with self.service.store.session() as db:
            ErrorLog(db, item.integration_id).record(
                operation=INBOX_OPERATION,
                entity=item.event[:50],
                record_key=item.record_key,
                message=message,
                payload=item.payload,
            )
        return f"failed: {type(exc).__name__}: {exc}"

    def _note_transient(self, item: InboxItem, message: str) -> None:
        with self.service.store.session() as db:
            row = db.get(InboxItem, item.id)
            if row is not None:
                row.attempts += 1
                row.error = message

    def health(self, now: datetime | None = None) -> tuple[bool, dict[str, Any]]:
        """``(healthy, report)``: per integration with pending items, how many and how long the oldest
        has waited; unhealthy when one has waited longer than ``unhealthy_after`` seconds."""
        ages = self.inbox.pending_ages(now or utcnow())
        with self.service.store.session() as db:
            names = dict(db.execute(select(Integration.id, Integration.name)).tuples().all())
        report = {
            names.get(integration_id, f"#{integration_id}"): {
                "pending": count,
                "oldest_pending_seconds": round(age, 1),
            }
            for integration_id, (count, age) in sorted(ages.items())
        }
        stuck = sorted(n for n, row in report.items() if row["oldest_pending_seconds"] > self.unhealthy_after)
        return not stuck, {
            "status": "unhealthy" if stuck else "ok",
            "inbox_pending": sum(count for count, _ in ages.values()),
            "unhealthy_after_seconds": self.unhealthy_after,
            "stuck": stuck,
            "integrations": report,
        }

    def drain(self, *, timeout: float = 10.0) -> bool:
        """Process until the inbox is empty (tests, the demo); False if items are still waiting."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.process_pending()
            with self._idle:  # items other lanes of this process are still working count as waiting
                idle = self._idle.wait_for(
                    lambda: self._in_flight == 0, timeout=max(0.0, deadline - time.monotonic())
                )
            if idle and self.inbox.count() == 0:
                return True
            time.sleep(0.05)
        return False

    # -- safety net and periodic jobs ----------------------------------------------------------------
    def scan(self, name: str) -> int:
        """Queue every record the source changed since the last scan (minus an overlap)."""
        with self.using(name) as (integration_id, session):
            cursor_name = f"scan:{session.webhook_source}"
            started = utcnow()
            with self.service.store.session() as db:
                last = Checkpoints(db, integration_id).get(cursor_name)
            since = datetime.fromisoformat(last["at"]) - SCAN_OVERLAP if last else None
            queued = 0
            for chunk in chunked(session.scan(since)):  # one transaction a chunk, not one an item
                entries = [
                    Announced(integration_id, session.webhook_source, event, key, None, via="scan")
                    for event, key in chunk
                ]
                queued += sum(new for _, new in self.inbox.put_all(entries))
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
        """Run every integration's periodic jobs that are due. An integration whose session was closed
        as idle is left closed until its next job is due (``close_idle_sessions``); asking a session
        that had nothing due does not count as using it."""
        done: list[str] = []
        for name in self.integration_names():
            rested = self._rested.get(name)
            if rested is not None and rested.wake_at > time.monotonic():
                continue  # closed as idle, and none of its jobs is due yet
            try:
                with self._periodic_session(name) as (held, session):
                    lines = session.periodic(now or utcnow())
                    held.periodic_asked = True
                    if lines:
                        held.last_used = time.monotonic()
                done += [f"{name}: {line}" for line in lines]
            except (UserError, RunAborted):
                continue
        return done

    @contextmanager
    def _periodic_session(self, name: str) -> Iterator[tuple[_HeldSession, Realtime]]:
        """``name``'s session held for its periodic jobs, not counted as a use (periodic_all says)."""
        with self._held(name, touch=False) as held:
            yield held, held.realtime

    # -- manual transfer and retry -------------------------------------------------------------------
    def transfer(self, name: str, document_type: str, key: str) -> TransferResult:
        with self.using(name) as (_, session):
            return session.transfer(document_type, key)

    def retry(self, name: str, error_id: int | None = None) -> list[tuple[int, str]]:
        """Run open error-log entries again (one, or all of the integration's); each entry's outcome in a
        few words, a failure as a ``Message`` (``retry_failed`` / ``retry_raised``) that keeps its reason."""
        with self.using(name) as (integration_id, session):
            return self._retry_entries(name, integration_id, session, error_id)

    def _retry_entries(
        self, name: str, integration_id: int, session: Realtime, error_id: int | None
    ) -> list[tuple[int, str]]:
        with self.service.store.session() as db:
            query = select(ErrorEntry).where(
                ErrorEntry.integration_id == integration_id, ErrorEntry.state == "open"
            )
            if error_id is not None:
                query = query.where(ErrorEntry.id == error_id)
            entries = [
                (e.id, e.operation, e.entity, e.record_key, e.payload)
                for e in db.scalars(query.order_by(ErrorEntry.id))
            ]
        if error_id is not None and not entries:
            raise UserError(NO_OPEN_ERROR, id=error_id, name=name)
        results = []
        for entry_id, operation, entity, key, payload in entries:
            try:
                if operation == INBOX_OPERATION:
                    outcome = self._retry_delivery(integration_id, session, entity, key, payload)
                else:
                    outcome = self._retry_one(name, session, operation, entity, key)
            except RunAborted as exc:
                outcome = retry_failed(said_by(exc))
            except Exception as exc:  # noqa: BLE001 - a retry answers with what went wrong, never a 500
                outcome = retry_raised(exc)
            results.append((entry_id, outcome))
        return results

    def _retry_one(self, name: str, session: Realtime, operation: str, entity: str, key: str) -> str:
        if operation == "transfer":
            result = session.transfer(entity, key)
            # Resolved only when every step is done (the session closes the entry); else say it failed.
            return result.message if result.ok else retry_failed(result.message)
        if operation == "startup":
            return self.service.retry_startup_record(name, entity, key)
        return session.handle(f"{entity}.updated", key)

    def _retry_delivery(
        self, integration_id: int, session: Realtime, event: str, key: str, payload: dict[str, Any] | None
    ) -> str:
        """Run a delivery whose processing raised once more; its entry is resolved only if it goes through."""
        try:
            outcome = session.handle(event, key, payload)
        except RunAborted:
            raise
        except Exception as exc:
            with self.service.store.session() as db:
                ErrorLog(db, integration_id).record(
                    operation=INBOX_OPERATION,
                    entity=event,
                    record_key=key,
                    message=f"{event} {key} could not be processed: {type(exc).__name__}: {exc}",
                    payload=payload,
                )
            return retry_raised(exc)
        if not outcome.startswith("failed"):
            with self.service.store.session() as db:
                ErrorLog(db, integration_id).resolve(INBOX_OPERATION, event, key)
        return outcome
