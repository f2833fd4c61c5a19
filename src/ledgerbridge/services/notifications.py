"""Notifications for people: list them, count and mark them read, and raise one when a side needs
reconnecting.
"""

from __future__ import annotations

from sqlalchemy import func, select

from ledgerbridge.services.integrations import IntegrationsService
from ledgerbridge.store import Integration
from ledgerbridge.store.console_models import Notification
from ledgerbridge.store.models import utcnow


class NotificationsService(IntegrationsService):
    """Notifications, including those about sides to reconnect."""

    def notifications(
        self, *, unread_only: bool = False, limit: int = 200
    ) -> list[tuple[str | None, Notification]]:
        self.refresh_reconnect_notifications()
        with self.store.session() as session:
            query = select(Integration.name, Notification).outerjoin(
                Integration, Integration.id == Notification.integration_id
            )
            if unread_only:
                query = query.where(Notification.read_at.is_(None))
            rows = session.execute(query.order_by(Notification.id.desc()).limit(limit))
            return [(row[0], row[1]) for row in rows]

    def unread_notifications(self) -> int:
        with self.store.session() as session:
            return int(
                session.scalar(select(func.count(Notification.id)).where(Notification.read_at.is_(None))) or 0
            )

    def mark_notifications_read(self, ids: list[int] | None = None) -> int:
        """Mark some (or all) unread notifications read; returns how many."""
        with self.store.session() as session:
            query = select(Notification).where(Notification.read_at.is_(None))
            if ids is not None:
                query = query.where(Notification.id.in_(ids))
            rows = session.scalars(query).all()
            now = utcnow()
            for row in rows:
                row.read_at = now
            return len(rows)

    def refresh_reconnect_notifications(self) -> None:
        """A side that needs reconnecting gets one unread notification (not one per look)."""
        for view in self.list_integrations():
            try:
                integration_id, kind = self.integration(view.name)
                states = kind.connection_states(self.store, integration_id)
            except Exception:
                continue
            for side, state in states.items():
                if state != "reconnect_required":
                    continue
                with self.store.session() as session:
                    exists = session.scalars(
                        select(Notification).where(
                            Notification.integration_id == integration_id,
                            Notification.kind == "reconnect",
                            Notification.side == side,
                            Notification.read_at.is_(None),
                        )
                    ).first()
                    if exists is None:
                        session.add(
                            Notification(
                                integration_id=integration_id,
                                kind="reconnect",
                                side=side,
                                title=f"{view.name}: reconnect {side}",
                                body=f"The connection to {side} expired or was revoked: connect it again.",
                            )
                        )
