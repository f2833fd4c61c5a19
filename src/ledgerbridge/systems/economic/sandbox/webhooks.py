"""e-conomic's webhooks, delivered from a background thread.

Event types (research §9; e-conomic's UI names, with the Webhooks API's names in brackets):

- ``InvoiceBooked`` (``INVOICE_BOOKED``): merge field ``[INVOICENO]``, fired when a draft is booked;
- ``CustomerUpdated`` (``CUSTOMER_UPDATED``) and ``ProductUpdated`` (``PRODUCT_UPDATED``, a guess: the
  published material names only the first two): ``[NEWNUMBER]`` and ``[OLDNUMBER]``, fired on create,
  update (any property, any writer: API calls with any tokens, or ``state.update_customer`` standing
  in for a user in the UI), renumbering and delete. ``[NEWNUMBER]`` is the number the record has now
  and ``[OLDNUMBER]`` the one it had: they differ only on a renumber (``state.renumber_customer(old,
  new)`` / ``renumber_product``; the API cannot renumber). On create both carry the new number; on
  delete both carry the deleted number (NEWNUMBER is not left empty, so a receiver can always look the
  number up and learn from the 404 that it is gone). e-conomic documents neither case; these are
  choices. Python-level writes (``state.add_customer``, ``update_customer``, ``delete``, the
  renumber helpers) fire like UI changes; ``with state.quietly():`` (or ``emit=False`` on the
  renumber helpers) keeps set-up changes silent.

Two ways to register, both stored in ``state.webhook_subscriptions``:

1. e-conomic's UI web hooks, emulated by a sandbox control route (or :meth:`WebhookDispatcher.register`):
   ``POST /_sandbox/webhooks {"type": "InvoiceBooked", "url": "https://…?no=[INVOICENO]",
   "method": "GET" | "POST", "body"?: "…[INVOICENO]…", "headers"?: {…}}`` -> 201 with the subscription;
   ``GET /_sandbox/webhooks`` lists subscriptions and ``GET /_sandbox/webhooks/deliveries`` the delivery
   log; ``DELETE /_sandbox/webhooks`` removes every subscription. Several hooks per type are allowed.
2. The Webhooks OpenAPI service (``/webhooksapi/v1.0.0/webhooks``, see ``oas.py``): always POST, with
   ``contentType`` and ``postData`` (merge fields substituted) and ``customHeaders``; one per event type.

Delivery: one daemon thread sends every request in event order; merge fields are substituted in the
URL (URL-encoded) and in the body. A delivery that fails (connection error or a non-2xx answer) is
retried after each of ``retry_delays`` seconds (default 0.05, 0.2, 0.5: four attempts in all), then
given up and logged as failed. e-conomic documents retries but not their schedule, and no signature
(none is sent). :meth:`WebhookDispatcher.flush` waits until nothing is queued or in flight.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from ledgerbridge.systems.economic.sandbox.state import (
    CUSTOMER_UPDATED,
    INVOICE_BOOKED,
    PRODUCT_UPDATED,
    EconomicState,
    WebhookSubscription,
)

log = logging.getLogger(__name__)

EVENT_TYPES: dict[str, tuple[str, ...]] = {
    INVOICE_BOOKED: ("INVOICENO",),
    CUSTOMER_UPDATED: ("NEWNUMBER", "OLDNUMBER"),
    PRODUCT_UPDATED: ("NEWNUMBER", "OLDNUMBER"),
}
# The Webhooks API's names for the same events.
API_EVENT_NAMES: dict[str, str] = {
    INVOICE_BOOKED: "INVOICE_BOOKED",
    CUSTOMER_UPDATED: "CUSTOMER_UPDATED",
    PRODUCT_UPDATED: "PRODUCT_UPDATED",
}
EVENT_DESCRIPTIONS: dict[str, str] = {
    INVOICE_BOOKED: "Triggered when an invoice is booked.",
    CUSTOMER_UPDATED: "Triggered on creation, deletion, update or re-numbering of a customer.",
    PRODUCT_UPDATED: "Triggered on creation, deletion, update or re-numbering of a product.",
}
MERGE_FIELD_DESCRIPTIONS = {"INVOICENO": "Invoice no.", "NEWNUMBER": "New number", "OLDNUMBER": "Old number"}


def substitute(template: str, fields: Mapping[str, str], *, url: bool = False) -> str:
    """``template`` with ``[NAME]`` replaced by the merge field's value (URL-encoded for URLs)."""
    for name, value in fields.items():
        template = template.replace(f"[{name}]", quote(value, safe="") if url else value)
    return template


@dataclass
class Delivery:
    """One webhook request: what was (or will be) sent and how it went."""

    subscription_id: int
    event_type: str
    fields: dict[str, str]
    method: str
    url: str
    body: str | None
    headers: dict[str, str]
    attempts: int = 0
    status: int | None = None  # the last answer's status; None after a connection error
    error: str | None = None
    state: str = "pending"  # "pending" | "delivered" | "failed"
    sent_at: list[float] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """For ``GET /_sandbox/webhooks/deliveries``."""
        return {
            "subscriptionId": self.subscription_id,
            "type": self.event_type,
            "fields": dict(self.fields),
            "method": self.method,
            "url": self.url,
            "body": self.body,
            "attempts": self.attempts,
            "status": self.status,
            "error": self.error,
            "state": self.state,
        }


class WebhookDispatcher:
    """Matches events with subscriptions and delivers them (``app.webhooks``)."""

    def __init__(
        self,
        state: EconomicState,
        *,
        retry_delays: tuple[float, ...] = (0.05, 0.2, 0.5),
        timeout: float = 5.0,
    ) -> None:
        self.state = state
        self.retry_delays = retry_delays
        self.timeout = timeout
        self.deliveries: list[Delivery] = []
        self._heap: list[tuple[float, int, Delivery]] = []
        self._sequence = itertools.count()
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        self._in_flight = 0
        self._thread: threading.Thread | None = None
        self._client: httpx.Client | None = None
        state.add_listener(self._on_event)

    # -- subscriptions ---------------------------------------------------------------------------
    def register(
        self,
        event_type: str,
        url: str,
        *,
        method: str = "POST",
        body: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> WebhookSubscription:
        """Add a UI-style web hook (what ``POST /_sandbox/webhooks`` does)."""
        if event_type not in EVENT_TYPES:
            raise ValueError(f"unknown webhook type {event_type!r}: use one of {sorted(EVENT_TYPES)}")
        method = method.upper()
        if method not in ("GET", "POST"):
            raise ValueError("method must be GET or POST")
        if not url.startswith(("http://", "https://")):
            raise ValueError("url must be an absolute http(s) URL")
        subscription = WebhookSubscription(
            id=self.next_id(),
            event_type=event_type,
            url=url,
            method=method,
            body=body,
            headers=dict(headers or {}),
            last_updated=self.state.now_text(),
        )
        with self.state.lock:
            self.state.webhook_subscriptions.append(subscription)
        return subscription

    def next_id(self) -> int:
        """A fresh subscription id."""
        return next(self._ids)

    def clear(self) -> None:
        """Remove every subscription and forget the delivery log (queued deliveries still go out)."""
        with self.state.lock:
            self.state.webhook_subscriptions.clear()
        with self._cond:
            self.deliveries.clear()

    # -- events ----------------------------------------------------------------------------------
    def _on_event(self, event_type: str, fields: dict[str, str]) -> None:
        for sub in list(self.state.webhook_subscriptions):
            if sub.event_type != event_type or sub.disabled:
                continue
            headers = dict(sub.headers)
            if sub.content_type:
                headers["Content-Type"] = sub.content_type
            body = substitute(sub.body, fields) if sub.body is not None else None
            delivery = Delivery(
                subscription_id=sub.id,
                event_type=event_type,
                fields=dict(fields),
                method=sub.method,
                url=substitute(sub.url, fields, url=True),
                body=body,
                headers=headers,
            )
            with self._cond:
                self.deliveries.append(delivery)
                heapq.heappush(self._heap, (time.monotonic(), next(self._sequence), delivery))
                self._ensure_thread()
                self._cond.notify_all()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="economic-webhooks", daemon=True)
            self._thread.start()

    # -- the worker ------------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                due, _, delivery = self._heap[0]
                wait = due - time.monotonic()
                if wait > 0:
                    self._cond.wait(timeout=wait)
                    continue
                heapq.heappop(self._heap)
                self._in_flight += 1
            try:
                self._send(delivery)
            finally:
                with self._cond:
                    self._in_flight -= 1
                    self._cond.notify_all()

    def _send(self, delivery: Delivery) -> None:
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout)
        delivery.attempts += 1
        delivery.sent_at.append(time.time())
        try:
            response = self._client.request(
                delivery.method,
                delivery.url,
                content=delivery.body.encode("utf-8") if delivery.body is not None else None,
                headers=delivery.headers,
            )
            delivery.status, delivery.error = response.status_code, None
            ok = response.is_success
        except httpx.HTTPError as exc:
            delivery.status, delivery.error = None, f"{type(exc).__name__}: {exc}"
            ok = False
        if ok:
            delivery.state = "delivered"
            return
        if delivery.attempts <= len(self.retry_delays):
            delay = self.retry_delays[delivery.attempts - 1]
            with self._cond:
                heapq.heappush(self._heap, (time.monotonic() + delay, next(self._sequence), delivery))
                self._cond.notify_all()
            return
        delivery.state = "failed"
        log.warning("e-conomic sandbox gave up delivering %s to %s", delivery.event_type, delivery.url)

    # -- control ---------------------------------------------------------------------------------
    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued delivery is done (delivered or given up); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._heap or self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(timeout=min(remaining, 0.05))
        return True

    def pending(self) -> int:
        """How many deliveries are queued or in flight."""
        with self._cond:
            return len(self._heap) + self._in_flight


def subscription_json(sub: WebhookSubscription) -> dict[str, Any]:
    """A subscription as the control route shows it."""
    out: dict[str, Any] = {"id": sub.id, "type": sub.event_type, "url": sub.url, "method": sub.method}
    if sub.body is not None:
        out["body"] = sub.body
    if sub.headers:
        out["headers"] = dict(sub.headers)
    out["source"] = sub.source
    if sub.disabled:
        out["disabled"] = True
    return out
