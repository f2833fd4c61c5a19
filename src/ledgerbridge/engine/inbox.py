"""The webhook inbox: a change is stored before the sender gets its 2xx, then processed apart from it.

Stored first, so nothing announced is lost if processing fails or the process dies; processed later,
so a slow target never makes the sender time out and retry. A repeat of an event that is still
pending collapses into the pending item.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from ledgerbridge.store.db import Store
from ledgerbridge.store.models import InboxItem, utcnow


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
        with self.store.session() as session:
            pending = session.scalars(
                select(InboxItem).where(
                    InboxItem.integration_id == integration_id,
                    InboxItem.event == event,
                    InboxItem.record_key == str(record_key),
                    InboxItem.state == "pending",
                )
            ).first()
            if pending is not None:
                pending.deliveries += 1
                return pending.id, False
            item = InboxItem(
                integration_id=integration_id,
                source=source,
                event=event,
                record_key=str(record_key),
                via=via,
                payload=payload,
                state="pending",
                deliveries=1,
                attempts=0,
            )
            session.add(item)
            session.flush()
            return item.id, True

    def pending(self, *, limit: int = 100, integration_id: int | None = None) -> Sequence[InboxItem]:
        """Pending items, oldest first."""
        with self.store.session() as session:
            query = select(InboxItem).where(InboxItem.state == "pending")
            if integration_id is not None:
                query = query.where(InboxItem.integration_id == integration_id)
            return session.scalars(query.order_by(InboxItem.id).limit(limit)).all()

    def finish(self, item_id: int, *, error: str | None = None) -> None:
        """Mark an item ``done``, or with ``error`` ``failed`` (its record is then in the error log)."""
        with self.store.session() as session:
            item = session.get(InboxItem, item_id)
            if item is None:
                return
            item.attempts += 1
            item.state = "failed" if error else "done"
            item.error = error
            item.processed_at = utcnow()

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

    def count(self, *, state: str = "pending", integration_id: int | None = None) -> int:
        with self.store.session() as session:
            query = select(func.count(InboxItem.id)).where(InboxItem.state == state)
            if integration_id is not None:
                query = query.where(InboxItem.integration_id == integration_id)
            return int(session.scalar(query) or 0)
