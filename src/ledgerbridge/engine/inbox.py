"""The webhook inbox: a change is stored before the sender gets its 2xx, then processed apart from it.

Stored first, so nothing announced is lost if processing fails or the process dies; processed later,
so a slow target never makes the sender time out and retry. A repeat of an event that is still
pending collapses into the pending item.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import structlog
from sqlalchemy import Table, func, select, text, update

from ledgerbridge.store.db import Store, conflict_insert
from ledgerbridge.store.models import InboxItem, Integration, utcnow

log = structlog.get_logger("ledgerbridge.inbox")


class Inbox:
    def __init__(self, store: Store) -> None:
        self.store = store

    def put(
        self,
        integration_id: int,
        *,
        source: str,
        event: str,
        record_key: str,
        via: str = "webhook",
        payload: dict[str, Any] | None = None,
    ) -> tuple[int, bool]:
        """Store an announced change; returns ``(item id, whether it is new)``."""
        entry = Announced(integration_id, source, event, str(record_key), payload, via=via)
        (result,) = self.put_all([entry])
        return result

    def put_all(self, entries: Sequence[Announced]) -> list[tuple[int, bool]]:
        """Store announced changes in one transaction (:func:`put_many`); per entry ``(item id, whether it
        is new)``. Raises :class:`IntegrationGone` when an entry's integration no longer exists."""
        results = put_many(self.store, entries)
        for entry, result in zip(entries, results, strict=True):
            if result is None:
                raise IntegrationGone(f"integration #{entry.integration_id} no longer exists")
        return [result for result in results if result is not None]

    def pending(self, *, limit: int = 100, integration_id: int | None = None) -> Sequence[InboxItem]:
        """Pending items, oldest first."""
        with self.store.session() as session:
            query = select(InboxItem).where(InboxItem.state == "pending")
            if integration_id is not None:
                query = query.where(InboxItem.integration_id == integration_id)
            return session.scalars(query.order_by(InboxItem.id).limit(limit)).all()

    def finish(self, item_id: int, *, error: str | None = None) -> None:
        """Mark an item ``done``, or with ``error`` ``failed`` (its record is then in the error log)."""
        with self.store.single_statements() as connection:  # one statement: no read before the write
            connection.execute(
                update(InboxItem)
                .where(InboxItem.id == item_id)
                .values(
                    attempts=InboxItem.attempts + 1,
                    state="failed" if error else "done",
                    error=error,
                    processed_at=utcnow(),
                )
            )

    def integrations_with_pending(self) -> list[int]:
        """The integrations that have pending items, the one waiting longest first."""
        with self.store.session() as session:
            rows = session.execute(
                select(InboxItem.integration_id, func.min(InboxItem.id))
                .where(InboxItem.state == "pending")
                .group_by(InboxItem.integration_id)
                .order_by(func.min(InboxItem.id))
            ).all()
            return [integration_id for integration_id, _ in rows]

    def pending_ages(self, now: datetime) -> dict[int, tuple[int, float]]:
        """Per integration with pending items: ``(how many, seconds the oldest has waited)``."""
        with self.store.session() as session:
            rows = session.execute(
                select(InboxItem.integration_id, func.count(InboxItem.id), func.min(InboxItem.received_at))
                .where(InboxItem.state == "pending")
                .group_by(InboxItem.integration_id)
            ).all()
        ages = {}
        for integration_id, count, oldest in rows:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)  # SQLite drops the zone
            ages[integration_id] = (int(count), max(0.0, (now - oldest).total_seconds()))
        return ages

    def is_pending(self, item_id: int) -> bool:
        with self.store.reading() as session:
            return session.scalar(select(InboxItem.state).where(InboxItem.id == item_id)) == "pending"

    def count(self, *, state: str = "pending", integration_id: int | None = None) -> int:
        with self.store.session() as session:
            query = select(func.count(InboxItem.id)).where(InboxItem.state == state)
            if integration_id is not None:
                query = query.where(InboxItem.integration_id == integration_id)
            return int(session.scalar(query) or 0)


@dataclass(frozen=True)
class Announced:
    """One announced change on its way into the inbox (a webhook delivery, verified)."""

    integration_id: int
    source: str
    event: str
    record_key: str
    payload: dict[str, Any] | None = None
    via: str = "webhook"
    received_at: datetime | None = None


class IntegrationGone(Exception):
    """The delivery's integration was deleted while it was on its way in."""


class IntakeFailed(Exception):
    """The transaction holding this delivery (and the rest of its batch) did not commit: none of it was
    stored, and the sender is to send it again."""


@functools.cache
def _upsert(dialect: str) -> Any:
    """INSERT a pending item, or add its deliveries to the pending item of the same record (migration
    0013's unique index); returns the item's id and deliveries."""
    table = cast(Table, InboxItem.__table__)
    statement = conflict_insert(dialect, table)
    return statement.on_conflict_do_update(
        index_elements=[table.c.integration_id, table.c.event, table.c.record_key],
        index_where=text("state = 'pending'"),  # literal: the partial index is inferred from it
        set_={"deliveries": table.c.deliveries + statement.excluded.deliveries},
    ).returning(table.c.id, table.c.integration_id, table.c.event, table.c.record_key, table.c.deliveries)


# PostgreSQL: one statement whatever the batch's size, its rows given as one array per column. Its text
# never changes, so neither SQLAlchemy nor psycopg compiles or parses it per batch (a multi-row VALUES list
# is a new statement for every size). Same effect as ``_upsert``; a row of an integration that is gone is
# left out by the statement itself (no row returned for it), saving the look-up before it.
UPSERT_UNNEST = """
INSERT INTO webhook_inbox
    (integration_id, source, event, record_key, via, payload, state, deliveries, attempts, received_at)
SELECT u.integration_id, u.source, u.event, u.record_key, u.via, u.payload::json, 'pending', u.deliveries,
    0, u.received_at
FROM unnest(%s::integer[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::integer[],
    %s::timestamptz[]) AS u(integration_id, source, event, record_key, via, payload, deliveries, received_at)
WHERE EXISTS (SELECT 1 FROM integrations WHERE integrations.id = u.integration_id)
ON CONFLICT (integration_id, event, record_key) WHERE state = 'pending'
DO UPDATE SET deliveries = webhook_inbox.deliveries + excluded.deliveries
RETURNING id, integration_id, event, record_key, deliveries
"""


def _columns(rows: Iterable[dict[str, Any]]) -> tuple[list[Any], ...]:
    """The rows as ``UPSERT_UNNEST``'s arrays, one per column."""
    names = ("integration_id", "source", "event", "record_key", "via", "payload", "deliveries", "received_at")
    columns: tuple[list[Any], ...] = tuple([] for _ in names)
    for row in rows:
        for column, name in zip(columns, names, strict=True):
            column.append(row[name])
    payloads = columns[5]
    payloads[:] = [None if payload is None else json.dumps(payload) for payload in payloads]
    return columns


def put_many(store: Store, entries: Sequence[Announced]) -> list[tuple[int, bool] | None]:
    """Store announced changes in one transaction; per entry ``(item id, whether it is new)``, or None when
    its integration no longer exists. A repeat of a pending item (also one earlier in ``entries``)
    collapses into it: one statement, ``INSERT … ON CONFLICT`` on the unique index of pending items
    (migration 0013), so receivers storing the same record at once still make one item. Raises when the
    transaction does not commit, and then nothing of ``entries`` is stored."""
    if not entries:
        return []
    with store.engine.begin() as connection:
        postgresql = connection.dialect.name == "postgresql"
        if postgresql:  # the statement itself leaves out integrations that are gone
            existing = {entry.integration_id for entry in entries}
        else:
            wanted = {entry.integration_id for entry in entries}
            existing = set(connection.scalars(select(Integration.id).where(Integration.id.in_(wanted))))
        rows: dict[tuple[int, str, str], dict[str, Any]] = {}
        for entry in entries:
            if entry.integration_id not in existing:
                continue
            key = (entry.integration_id, entry.event, str(entry.record_key))
            if key in rows:
                rows[key]["deliveries"] += 1
                continue
            rows[key] = {
                "integration_id": entry.integration_id,
                "source": entry.source,
                "event": entry.event,
                "record_key": str(entry.record_key),
                "via": entry.via,
                "payload": entry.payload,
                "state": "pending",
                "deliveries": 1,
                "attempts": 0,
                "received_at": entry.received_at or utcnow(),
            }
        stored: dict[tuple[int, str, str], tuple[int, bool]] = {}
        if rows:
            # Rows matched by their key, as RETURNING's order is not that of the rows given.
            if postgresql:
                returned: Any = connection.exec_driver_sql(UPSERT_UNNEST, _columns(rows.values())).all()
            else:  # executemany of one cached statement (sent as multi-row INSERTs)
                returned = connection.execute(_upsert(connection.dialect.name), list(rows.values()))
            for item_id, integration_id, event, record_key, deliveries in returned:
                key = (integration_id, event, record_key)
                # Inserted now: it holds exactly this batch's deliveries; else it was pending already.
                stored[key] = (item_id, deliveries == rows[key]["deliveries"])
    results: list[tuple[int, bool] | None] = []
    seen: set[tuple[int, str, str]] = set()
    for entry in entries:
        key = (entry.integration_id, entry.event, str(entry.record_key))
        if key not in stored:
            results.append(None)
            continue
        item_id, new = stored[key]
        results.append((item_id, new and key not in seen))  # a repeat within the batch is not new
        seen.add(key)
    return results


DEFAULT_INTAKE_WINDOW = 0.002  # seconds a batch waits for more deliveries after its first
INTAKE_WRITERS = 4  # batches written at the same time (the database groups their commits' flushes too)


class GroupIntake:
    """Group commit for webhook deliveries: deliveries that arrive while a batch is being written, or
    within ``window`` seconds of its first, share one transaction; each sender's answer waits for its
    batch's commit (durable before the 2xx). Up to ``writers`` batches are written at once, each in its
    own transaction: a slow commit does not hold up the deliveries behind it. After each commit the
    ``listeners`` are called once (wake what works the inbox: one dispatch per batch, not per delivery).

    ``submit`` returns a future: ``(item id, new)``, or the exception :class:`IntakeFailed` (its batch did
    not commit; nothing of it was stored) or :class:`IntegrationGone`.
    """

    def __init__(
        self,
        store: Store,
        *,
        window: float | None = None,
        max_batch: int = 500,
        writers: int = INTAKE_WRITERS,
    ) -> None:
        self.store = store
        env = os.environ.get("LEDGERBRIDGE_INTAKE_WINDOW_MS")
        self.window = window if window is not None else (float(env) / 1000 if env else DEFAULT_INTAKE_WINDOW)
        self.max_batch = max_batch
        self.writers = max(1, writers)
        self.listeners: list[Callable[[], None]] = []
        self.batches = 0  # transactions committed (tests, metrics)
        self._queue: list[tuple[Announced, float, Future[tuple[int, bool]]]] = []
        self._changed = threading.Condition()
        self._closed = False
        self._writers: set[threading.Thread] = set()

    def listen(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after each batch that stored something (once, however many times given)."""
        if listener not in self.listeners:
            self.listeners.append(listener)

    def submit(self, entry: Announced) -> Future[tuple[int, bool]]:
        future: Future[tuple[int, bool]] = Future()
        with self._changed:
            self._queue.append((entry, time.monotonic(), future))
            while len(self._writers) < self.writers:
                writer = threading.Thread(target=self._write, name="ledgerbridge-intake", daemon=True)
                self._writers.add(writer)
                writer.start()
            self._changed.notify_all()
        return future

    def put(self, entry: Announced, timeout: float | None = None) -> tuple[int, bool]:
        """Store one delivery (in whatever batch it joins); returns once its batch committed."""
        return self.submit(entry).result(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued and stop the writer (a later ``submit`` starts a new one)."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
            writers = set(self._writers)
        deadline = time.monotonic() + timeout
        for writer in writers - {threading.current_thread()}:
            writer.join(max(0.0, deadline - time.monotonic()))
        with self._changed:
            self._closed = False

    def _next_batch(self) -> list[tuple[Announced, float, Future[tuple[int, bool]]]] | None:
        """The next batch to write; None when closed and nothing is left (the writer then ends)."""
        with self._changed:
            self._changed.wait_for(lambda: bool(self._queue) or self._closed)
            if not self._queue:
                self._writers.discard(threading.current_thread())  # a later submit starts new ones
                return None
            due = self._queue[0][1] + self.window
            self._changed.wait_for(
                lambda: len(self._queue) >= self.max_batch or self._closed or time.monotonic() >= due,
                timeout=max(0.0, due - time.monotonic()),
            )
            batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
        # A future cancelled by now is not written; the others can no longer be cancelled.
        return [queued for queued in batch if queued[2].set_running_or_notify_cancel()]

    def _write(self) -> None:
        while (batch := self._next_batch()) is not None:
            if not batch:
                continue
            try:
                results = put_many(self.store, [entry for entry, _, _ in batch])
            except Exception as exc:  # noqa: BLE001 - handed to every sender of the batch
                log.error("a batch of deliveries could not be stored", deliveries=len(batch), error=str(exc))
                for _, _, future in batch:
                    failure = IntakeFailed(f"the delivery could not be stored ({type(exc).__name__})")
                    failure.__cause__ = exc
                    future.set_exception(failure)
                continue
            self.batches += 1
            for (_, _, future), result in zip(batch, results, strict=True):
                if result is None:
                    future.set_exception(IntegrationGone("the integration no longer exists"))
                else:
                    future.set_result(result)
            for listener in list(self.listeners):
                try:
                    listener()
                except Exception:  # noqa: BLE001 - the inbox keeps the items; the next tick finds them
                    log.exception("could not wake the inbox's workers")
