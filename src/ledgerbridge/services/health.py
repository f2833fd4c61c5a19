"""An integration's health at a glance: last sync, queued work, recent errors, each side's connection
state, and whether a start-up sync would be refused now.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from ledgerbridge.integrations.base import IntegrationKind
from ledgerbridge.services.common import StartupAlreadyDone, UserError
from ledgerbridge.services.runs import RunsService
from ledgerbridge.store import ErrorEntry, InboxItem, SyncRun, Transfer
from ledgerbridge.store.models import utcnow


class HealthService(RunsService):
    """How an integration is doing; uses runs for the start-up rule."""

    def health(self, name: str) -> dict[str, Any]:
        """Last sync, queued work, errors of the last 24 hours and the state of each side's connection."""
        integration_id, kind = self.integration(name)
        since = utcnow() - timedelta(hours=24)
        with self.store.session() as session:
            last = session.scalars(
                select(SyncRun)
                .where(SyncRun.integration_id == integration_id, SyncRun.dry_run.is_(False))
                .order_by(SyncRun.id.desc())
            ).first()
            queued = session.scalar(
                select(func.count(InboxItem.id)).where(
                    InboxItem.integration_id == integration_id, InboxItem.state == "pending"
                )
            )
            errors_24h = session.scalar(
                select(func.count(ErrorEntry.id)).where(
                    ErrorEntry.integration_id == integration_id,
                    ErrorEntry.state == "open",
                    ErrorEntry.last_seen >= since,
                )
            )
            open_errors = session.scalar(
                select(func.count(ErrorEntry.id)).where(
                    ErrorEntry.integration_id == integration_id, ErrorEntry.state == "open"
                )
            )
            last_transfer = session.scalars(
                select(Transfer)
                .where(Transfer.integration_id == integration_id)
                .order_by(Transfer.updated_at.desc())
            ).first()
        return {
            "last_sync": {
                "run_id": last.id,
                "kind": last.kind,
                "status": last.status,
                "at": (last.finished_at or last.started_at).isoformat(),
            }
            if last
            else None,
            "last_transfer_at": last_transfer.updated_at.isoformat() if last_transfer else None,
            "queued": int(queued or 0),
            "errors_24h": int(errors_24h or 0),
            "open_errors": int(open_errors or 0),
            "connections": self.connection_states(name, kind=kind, integration_id=integration_id),
        }

    def connection_states(
        self, name: str, *, kind: IntegrationKind | None = None, integration_id: int | None = None
    ) -> dict[str, str]:
        """Per side: connected / reconnect_required / not_connected (the kind's word, else: stored)."""
        if kind is None or integration_id is None:
            try:
                integration_id, kind = self.integration(name)
            except UserError:
                view = self.describe(name)  # no such integration: raises again
                if view.problem is None:
                    raise
                # Credentials unreadable (lost key): each side not entered again yet says so.
                sides = self.kind_of(name).Connections.model_fields
                unread = "credentials unreadable"
                return {side: "connected" if side in view.endpoints else unread for side in sides}
        states = {side: "connected" for side in type(kind).Connections.model_fields}
        try:
            states.update(kind.connection_states(self.store, integration_id))
        except Exception as exc:  # a kind's check must not take the console down
            for side in kind.oauth_sides:
                states[side] = f"unknown ({exc})"
        return states

    # -- start-up sync --------------------------------------------------------------------------------
    def startup_refusal(self, name: str) -> str | None:
        """Why a start-up sync would be refused now (it already ran), or None."""
        integration_id, _ = self.integration(name)
        try:
            self._refuse_second_startup(integration_id, name)
        except StartupAlreadyDone as exc:
            return exc.message
        return None
