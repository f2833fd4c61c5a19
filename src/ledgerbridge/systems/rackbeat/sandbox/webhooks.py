"""Rackbeat's webhooks in the sandbox: subscriptions, a delivery queue, a sending thread and its log.

One :class:`WebhookHub` belongs to one account (``state.webhooks``; ``app.webhooks`` is the same
object). The API's ``/webhooks`` routes manage subscriptions through it; the state calls
:meth:`WebhookHub.emit` after a write that fires an event. Emitting only queues deliveries: a daemon
thread sends them, never the request handler, so a slow receiver cannot slow the API down.

A delivery is ``POST <url>`` with the production headers and the minimal production body
``{"key_name":"number","key":"<number>"}``, encoded as PHP's ``json_encode`` does (no spaces, ``/``
escaped as ``\\/``, non-ASCII as ``\\uXXXX``). A 2xx answer is a success; anything else, a timeout or
a refused connection is a failure, retried after ``retry_base_seconds × 2^(attempt − 1)`` (capped by
``retry_max_seconds``) until ``max_attempts`` attempts were made. The defaults (85 s, 11 attempts) put
the last retry about 24 hours after the first attempt, like Rackbeat's.

Test switches (``configure`` or ``PUT /_sandbox/webhooks``): ``paused`` queues without sending;
``duplicate_rate`` is the probability a delivery is queued twice (a second, independent delivery marked
``is_duplicate``); ``out_of_order`` holds each new delivery for a random 0..``out_of_order_hold_seconds``
and then sends whichever due delivery the (``seed``-ed) random generator picks; otherwise deliveries
go out one at a time, oldest first (FIFO). A retry waits for its back-off without holding back later
deliveries, as a queued job released with a delay does.
"""

from __future__ import annotations

import copy
import json
import random
import secrets
import string
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from ledgerbridge.systems.rackbeat.sandbox.errors import SandboxNotFoundError, SandboxValidationError
from ledgerbridge.systems.rackbeat.sandbox.resources import EVENT_NAMES

DeliveryStatus = Literal["pending", "retrying", "succeeded", "failed", "cancelled"]
USER_AGENT = "Rackbeat Webhook"
LOG_LIMIT = 10_000  # deliveries kept in the log (the oldest finished ones are forgotten first)
_TOKEN_ALPHABET = string.ascii_letters + string.digits


def php_json(value: Any) -> str:
    """JSON as PHP's ``json_encode`` writes it by default (what Laravel's HTTP client sends)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/")


@dataclass
class WebhookConfig:
    """How deliveries behave. Every field can be changed while the sandbox runs."""

    retry_base_seconds: float = 85.0
    retry_max_seconds: float | None = None
    max_attempts: int = 11
    duplicate_rate: float = 0.0
    out_of_order: bool = False
    out_of_order_hold_seconds: float = 0.25
    paused: bool = False
    seed: int | None = None
    connect_timeout: float = 3.0
    read_timeout: float = 15.0

    def check(self) -> None:
        """ValueError when a value makes no sense."""
        if not 0 <= self.duplicate_rate <= 1:
            raise ValueError("duplicate_rate is a probability between 0 and 1")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        for name in ("retry_base_seconds", "out_of_order_hold_seconds", "connect_timeout", "read_timeout"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.retry_max_seconds is not None and self.retry_max_seconds < 0:
            raise ValueError("retry_max_seconds must not be negative")

    def delay_after(self, attempts: int) -> float:
        """Seconds to wait before the next attempt, after ``attempts`` failed ones."""
        delay = self.retry_base_seconds * 2 ** (attempts - 1)
        return delay if self.retry_max_seconds is None else min(delay, self.retry_max_seconds)


@dataclass
class Subscription:
    """One ``/webhooks`` record. ``token`` is shown only in the answer to the POST that made it."""

    id: int
    event: str
    url: str
    is_active: bool
    token: str
    created_at: datetime
    updated_at: datetime
    failures_since_last_success: int = 0

    def render(self, *, with_token: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "event": self.event,
            "url": self.url,
            "is_active": self.is_active,
            "plugin": None,
            "failures_since_last_success": self.failures_since_last_success,
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
        }
        if with_token:
            out["token"] = self.token
        return out


@dataclass
class WebhookDelivery:
    """One delivery of one event to one subscription, and what happened to it so far.

    ``hub.deliveries`` hands out copies; ``GET /webhooks/{id}/logs`` shows :meth:`render`.
    """

    id: int
    webhook_id: int
    event: str
    url: str
    key: str
    body: str
    created_at: datetime
    is_duplicate: bool = False
    status: DeliveryStatus = "pending"
    attempts: int = 0
    response_code: int | None = None
    response_body: str | None = None
    error: str | None = None
    last_attempt_at: datetime | None = None
    next_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    # When the next attempt may start (time.monotonic()); internal to the queue.
    due: float = field(default=0.0, repr=False, compare=False)

    def render(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "webhook_id": self.webhook_id,
            "event": self.event,
            "url": self.url,
            "payload": json.loads(self.body),
            "status": self.status,
            "attempts": self.attempts,
            "response_code": self.response_code,
            "response_body": self.response_body,
            "error": self.error,
            "is_duplicate": self.is_duplicate,
            "created_at": _iso(self.created_at),
            "last_attempt_at": _iso(self.last_attempt_at),
            "next_attempt_at": _iso(self.next_attempt_at),
            "delivered_at": _iso(self.delivered_at),
        }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


class WebhookHub:
    """Subscriptions, the delivery queue and its sending thread for one Rackbeat account.

    ``clock`` stamps records and log entries (the state's clock, so tests can fix it); waiting for
    back-off uses real time. ``transport`` replaces the network for the sender (an httpx transport).
    """

    def __init__(
        self,
        *,
        account_id: Callable[[], int],
        clock: Callable[[], datetime],
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._account_id = account_id
        self._clock = clock
        self._transport = transport
        self._cond = threading.Condition(threading.RLock())
        self._thread: threading.Thread | None = None
        self._http: httpx.Client | None = None
        self._closed = False
        self._in_flight: WebhookDelivery | None = None
        self._generation = 0
        self.reset()

    # -- housekeeping ----------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget subscriptions, queued deliveries and the log; restore the default switches.

        A delivery being sent at that moment finishes, but its outcome is not recorded.
        """
        with self._cond:
            self._generation += 1
            self._subscriptions: dict[int, Subscription] = {}
            self._queue: list[WebhookDelivery] = []
            self._log: list[WebhookDelivery] = []
            self._next_subscription = 1
            self._next_delivery = 1
            self._config = WebhookConfig()
            self._rng = random.Random()
            self._cond.notify_all()

    def close(self) -> None:
        """Stop the sending thread (queued deliveries stay queued)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        if self._http is not None:
            self._http.close()
            self._http = None

    # -- switches --------------------------------------------------------------------------------
    @property
    def config(self) -> WebhookConfig:
        with self._cond:
            return copy.copy(self._config)

    def configure(self, **changes: Any) -> WebhookConfig:
        """Change the named switches (see :class:`WebhookConfig`); the others keep their values.

        Setting ``seed`` (even to the same value) restarts the random generator.
        """
        unknown = set(changes) - {f.name for f in fields(WebhookConfig)}
        if unknown:
            raise ValueError(f"unknown webhook switches: {', '.join(sorted(unknown))}")
        with self._cond:
            updated = WebhookConfig(**{**asdict(self._config), **changes})
            updated.check()
            self._config = updated
            if "seed" in changes:
                self._rng = random.Random(updated.seed)
            self._cond.notify_all()
            return copy.copy(updated)

    def pause(self) -> None:
        """Queue deliveries without sending them until :meth:`resume`."""
        self.configure(paused=True)

    def resume(self) -> None:
        self.configure(paused=False)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued delivery was sent (or gave up); False when ``timeout`` ran out first.

        While paused with deliveries queued it answers False at once: nothing would drain the queue.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._in_flight is not None:
                if self._config.paused and self._in_flight is None:
                    return False
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    @property
    def pending(self) -> int:
        """Deliveries queued or being sent."""
        with self._cond:
            return len(self._queue)

    @property
    def deliveries(self) -> list[WebhookDelivery]:
        """Every delivery so far, oldest first (copies: they do not change under the caller)."""
        with self._cond:
            return [copy.copy(d) for d in self._log]

    def clear_deliveries(self) -> None:
        """Forget finished deliveries (queued ones stay)."""
        with self._cond:
            self._log = [d for d in self._log if d in self._queue or d is self._in_flight]

    def status(self) -> dict[str, Any]:
        """The switches and the queue, as ``GET /_sandbox/webhooks`` shows them."""
        with self._cond:
            return {**asdict(self._config), "pending": self.pending, "deliveries": len(self._log)}

    # -- subscriptions (the /webhooks API) --------------------------------------------------------
    def subscriptions(self, event: str | None = None) -> list[dict[str, Any]]:
        """Every subscription (without tokens), optionally only those for ``event``, by id."""
        with self._cond:
            subs = sorted(self._subscriptions.values(), key=lambda s: s.id)
            return [s.render() for s in subs if event is None or s.event == event]

    def subscription(self, webhook_id: Any) -> dict[str, Any]:
        with self._cond:
            return self._find(webhook_id).render()

    def token_of(self, webhook_id: Any) -> str:
        with self._cond:
            return self._find(webhook_id).token

    def subscribe(self, data: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
        """``(webhook with its token, created)``. The same event and url again updates that subscription.

        Raises :class:`SandboxValidationError` (event and url required; event known; url http(s)).
        """
        values, errors = _validate(data, creating=True)
        if errors:
            raise SandboxValidationError(errors)
        with self._cond:
            now = self._clock()
            existing = next(
                (
                    s
                    for s in self._subscriptions.values()
                    if (s.event, s.url) == (values["event"], values["url"])
                ),
                None,
            )
            if existing is not None:
                if "is_active" in values and values["is_active"] != existing.is_active:
                    existing.is_active = values["is_active"]
                    existing.updated_at = now
                return existing.render(with_token=True), False
            sub = Subscription(
                id=self._next_subscription,
                event=values["event"],
                url=values["url"],
                is_active=values.get("is_active", True),
                token="".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(32)),
                created_at=now,
                updated_at=now,
            )
            self._next_subscription += 1
            self._subscriptions[sub.id] = sub
            return sub.render(with_token=True), True

    def update(self, webhook_id: Any, data: Mapping[str, Any]) -> dict[str, Any]:
        """Change ``event``, ``url`` and/or ``is_active`` (a partial update)."""
        values, errors = _validate(data, creating=False)
        with self._cond:
            sub = self._find(webhook_id)
            pair = (values.get("event", sub.event), values.get("url", sub.url))
            clash = any((s.event, s.url) == pair for s in self._subscriptions.values() if s is not sub)
            if clash and "url" not in errors:
                errors["url"] = ["The url has already been taken."]
            if errors:
                raise SandboxValidationError(errors)
            changed = any(getattr(sub, k) != v for k, v in values.items())
            for name, value in values.items():
                setattr(sub, name, value)
            if changed:
                sub.updated_at = self._clock()
            return sub.render()

    def unsubscribe(self, webhook_id: Any) -> None:
        """Delete a subscription; its queued deliveries are cancelled."""
        with self._cond:
            sub = self._find(webhook_id)
            del self._subscriptions[sub.id]
            for delivery in [d for d in self._queue if d.webhook_id == sub.id]:
                self._queue.remove(delivery)
                delivery.status = "cancelled"
                delivery.next_attempt_at = None
            self._cond.notify_all()

    def logs(self, webhook_id: Any) -> list[dict[str, Any]]:
        """The deliveries of one subscription, oldest first."""
        with self._cond:
            sub = self._find(webhook_id)
            return [d.render() for d in self._log if d.webhook_id == sub.id]

    def log_entry(self, log_id: Any) -> dict[str, Any]:
        with self._cond:
            number = _as_id(log_id)
            found = next((d for d in self._log if d.id == number), None)
            if found is None:
                raise SandboxNotFoundError("WebhookLog", log_id)
            return found.render()

    # -- events ----------------------------------------------------------------------------------
    def emit(self, event: str, key: Any) -> list[int]:
        """Queue a delivery of ``event`` about the record numbered ``key`` to every active subscriber.

        Returns the ids of the deliveries queued (duplicates included). Unknown events are a ValueError.
        """
        if event not in EVENT_NAMES:
            raise ValueError(f"unknown Rackbeat webhook event {event!r}")
        body = php_json({"key_name": "number", "key": str(key)})
        queued: list[int] = []
        with self._cond:
            subs = sorted(
                (s for s in self._subscriptions.values() if s.event == event and s.is_active),
                key=lambda s: s.id,
            )
            for sub in subs:
                copies = 1
                if self._config.duplicate_rate and self._rng.random() < self._config.duplicate_rate:
                    copies = 2
                for index in range(copies):
                    delivery = WebhookDelivery(
                        id=self._next_delivery,
                        webhook_id=sub.id,
                        event=event,
                        url=sub.url,
                        key=str(key),
                        body=body,
                        created_at=self._clock(),
                        is_duplicate=index > 0,
                        due=time.monotonic() + self._hold(),
                    )
                    self._next_delivery += 1
                    self._queue.append(delivery)
                    self._log.append(delivery)
                    queued.append(delivery.id)
            if queued:
                self._start_worker()
                self._cond.notify_all()
        return queued

    # -- the sender ------------------------------------------------------------------------------
    def _hold(self) -> float:
        config = self._config
        return self._rng.uniform(0, config.out_of_order_hold_seconds) if config.out_of_order else 0.0

    def _start_worker(self) -> None:
        if self._closed or (self._thread is not None and self._thread.is_alive()):
            return
        self._thread = threading.Thread(target=self._run, name="rackbeat-sandbox-webhooks", daemon=True)
        self._thread.start()

    def _next(self) -> tuple[WebhookDelivery | None, float | None]:
        """The delivery to send now, or None and how long to wait (None: until notified)."""
        if self._config.paused or not self._queue:
            return None, None
        now = time.monotonic()
        due = [d for d in self._queue if d.due <= now]
        if not due:
            return None, min(d.due for d in self._queue) - now
        if self._config.out_of_order:
            return self._rng.choice(due), None
        return min(due, key=lambda d: d.id), None

    def _take(self) -> tuple[WebhookDelivery, Subscription] | None:
        """Wait for the next delivery to send (None once closed). Called with the lock held."""
        while not self._closed:
            delivery, wait = self._next()
            if delivery is None:
                self._cond.wait(wait)
                continue
            sub = self._subscriptions.get(delivery.webhook_id)
            if sub is not None and sub.is_active:
                return delivery, sub
            # Deleted or switched off since it was queued: it is not sent any more.
            self._queue.remove(delivery)
            delivery.status = "cancelled"
            delivery.next_attempt_at = None
            self._cond.notify_all()
        return None

    def _run(self) -> None:
        while True:
            with self._cond:
                taken = self._take()
                if taken is None:
                    return
                delivery, sub = taken
                self._in_flight = delivery
                generation = self._generation
                token = sub.token
                config = copy.copy(self._config)
            outcome: tuple[int | None, str | None, str | None] = (None, None, "the sandbox could not send it")
            try:
                outcome = self._send(delivery, token, config)
            finally:
                with self._cond:
                    self._in_flight = None
                    if generation == self._generation:
                        self._record(delivery, *outcome)
                    self._cond.notify_all()

    def _send(
        self, delivery: WebhookDelivery, token: str, config: WebhookConfig
    ) -> tuple[int | None, str | None, str | None]:
        """``(status code, response text, transport error)`` of one attempt."""
        if self._http is None:
            self._http = httpx.Client(transport=self._transport, follow_redirects=False)
        headers = {
            "Rackbeat-Webhook-Token": token,
            "Rackbeat-Webhook-Event": delivery.event,
            "Rackbeat-Account-Id": str(self._account_id()),
            "User-Agent": USER_AGENT,
            "Content-Type": "application/json",
        }
        timeout = httpx.Timeout(config.read_timeout, connect=config.connect_timeout)
        try:
            response = self._http.post(
                delivery.url, content=delivery.body.encode(), headers=headers, timeout=timeout
            )
        except httpx.HTTPError as exc:
            return None, None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        except Exception as exc:  # a sandbox must survive any receiver
            return None, None, f"{type(exc).__name__}: {exc}"
        return response.status_code, response.text[:1000], None

    def _record(
        self, delivery: WebhookDelivery, code: int | None, text: str | None, error: str | None
    ) -> None:
        self._outcome(delivery, code, text, error)
        excess = len(self._log) - LOG_LIMIT
        if excess > 0:
            queued = {d.id for d in self._queue}
            finished = [d.id for d in self._log if d.id not in queued]
            drop = set(finished[:excess])
            self._log = [d for d in self._log if d.id not in drop]

    def _outcome(
        self, delivery: WebhookDelivery, code: int | None, text: str | None, error: str | None
    ) -> None:
        now = self._clock()
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.response_code = code
        delivery.response_body = text
        delivery.error = error
        sub = self._subscriptions.get(delivery.webhook_id)
        queued = delivery in self._queue
        if queued:
            self._queue.remove(delivery)
        if code is not None and 200 <= code < 300:
            delivery.status = "succeeded"
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            if sub is not None:
                sub.failures_since_last_success = 0
            return
        if sub is not None:
            sub.failures_since_last_success += 1
        if not queued:  # cancelled while it was being sent
            return
        if delivery.attempts >= self._config.max_attempts:
            delivery.status = "failed"
            delivery.next_attempt_at = None
            return
        delay = self._config.delay_after(delivery.attempts)
        self._queue.append(delivery)
        delivery.status = "retrying"
        delivery.due = time.monotonic() + delay
        delivery.next_attempt_at = now + timedelta(seconds=delay)

    def _find(self, webhook_id: Any) -> Subscription:
        number = _as_id(webhook_id)
        sub = self._subscriptions.get(number) if number is not None else None
        if sub is None:
            raise SandboxNotFoundError("Webhook", webhook_id)
        return sub


def _as_id(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _validate(data: Mapping[str, Any], *, creating: bool) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Laravel-style checks of a webhook body: ``event`` (known), ``url`` (http/https), ``is_active``."""
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    event = data.get("event")
    if isinstance(event, str):
        event = event.strip() or None
    if event is None:
        if creating or "event" in data:
            errors["event"] = ["The event field is required."]
    elif not isinstance(event, str) or event not in EVENT_NAMES:
        errors["event"] = ["The selected event is invalid."]
    else:
        values["event"] = event
    url = data.get("url")
    if isinstance(url, str):
        url = url.strip() or None
    if url is None:
        if creating or "url" in data:
            errors["url"] = ["The url field is required."]
    elif not isinstance(url, str) or not _is_url(url):
        errors["url"] = ["The url field must be a valid URL."]
    elif len(url) > 2048:
        errors["url"] = ["The url field must not be greater than 2048 characters."]
    else:
        values["url"] = url
    if "is_active" in data:
        flag = data["is_active"]
        if flag in (True, False, 0, 1, "0", "1"):
            values["is_active"] = flag in (True, 1, "1")
        else:
            errors["is_active"] = ["The is active field must be true or false."]
    return values, errors


def _is_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
