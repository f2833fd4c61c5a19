"""The error log and conflicts: list and find error entries, look one up, dismiss it; the fields where
both sides had changed.
"""

from __future__ import annotations

from sqlalchemy import select

from ledgerbridge.services.base import ServiceBase
from ledgerbridge.services.common import N_, UserError, Word
from ledgerbridge.store import Conflict, ErrorEntry, Integration
from ledgerbridge.store.models import utcnow


class ErrorsService(ServiceBase):
    """The error log and the conflicts of integrations."""

    def errors(self, name: str, *, state: str | None = "open") -> list[ErrorEntry]:
        with self.store.session() as session:
            row = self._row(session, name)
            query = select(ErrorEntry).where(ErrorEntry.integration_id == row.id)
            if state:
                query = query.where(ErrorEntry.state == state)
            return list(session.scalars(query.order_by(ErrorEntry.id)).all())

    def conflicts(self, name: str, *, limit: int = 200) -> list[Conflict]:
        """Fields where both sides had changed: the master's value won; the other side's value is here."""
        return self._latest(Conflict, name, limit)

    def find_errors(
        self,
        *,
        integration: str | None = None,
        entity: str | None = None,
        state: str | None = "open",
        limit: int = 500,
    ) -> list[tuple[str, ErrorEntry]]:
        """Error-log entries of one or every integration, newest first, with the integration's name."""
        with self.store.session() as session:
            query = select(Integration.name, ErrorEntry).join(
                Integration, Integration.id == ErrorEntry.integration_id
            )
            if integration:
                query = query.where(ErrorEntry.integration_id == self._row(session, integration).id)
            if entity:
                query = query.where(ErrorEntry.entity == entity)
            if state:
                query = query.where(ErrorEntry.state == state)
            rows = session.execute(
                query.order_by(ErrorEntry.last_seen.desc(), ErrorEntry.id.desc()).limit(limit)
            )
            return [(row[0], row[1]) for row in rows]

    def error_entities(self) -> list[str]:
        with self.store.session() as session:
            return sorted(set(session.scalars(select(ErrorEntry.entity).distinct()).all()))

    def error(self, name: str, error_id: int) -> ErrorEntry:
        with self.store.session() as session:
            row = self._row(session, name)
            entry = session.get(ErrorEntry, error_id)
            if entry is None or entry.integration_id != row.id:
                raise UserError(N_("no error #%(id)s for %(name)r"), id=error_id, name=name)
            return entry

    def dismiss_error(self, name: str, error_id: int) -> ErrorEntry:
        """Set an open entry aside without running it again (it stays in the log as dismissed)."""
        with self.store.session() as session:
            row = self._row(session, name)
            entry = session.get(ErrorEntry, error_id)
            if entry is None or entry.integration_id != row.id:
                raise UserError(N_("no error #%(id)s for %(name)r"), id=error_id, name=name)
            if entry.state != "open":
                raise UserError(
                    N_("error #%(id)s is %(state)s, not open"), id=error_id, state=Word(entry.state)
                )
            entry.state = "dismissed"
            entry.last_seen = utcnow()
            return entry
