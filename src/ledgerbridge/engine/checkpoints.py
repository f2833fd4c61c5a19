"""Named positions kept in the ``cursors`` table: poll bookmarks and run checkpoints."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from ledgerbridge.store.db import conflict_insert
from ledgerbridge.store.models import Cursor, utcnow


class Checkpoints:
    def __init__(self, session: Session, integration_id: int) -> None:
        self._session = session
        self._integration_id = integration_id

    def _row(self, name: str) -> Cursor | None:
        return self._session.scalars(
            select(Cursor).where(Cursor.integration_id == self._integration_id, Cursor.name == name)
        ).first()

    def get(self, name: str) -> dict[str, Any] | None:
        row = self._row(name)
        return dict(row.value) if row is not None else None

    def put(self, name: str, value: dict[str, Any]) -> None:
        """Set the position, creating it if new. One ``INSERT … ON CONFLICT`` statement: two runs of the
        same integration at once (the scheduler's scan and a manual one) never both insert the row."""
        table: Table = Cursor.__table__  # type: ignore[assignment]
        dialect = self._session.get_bind().dialect.name
        statement = conflict_insert(dialect, table).values(
            integration_id=self._integration_id, name=name, value=value, updated_at=utcnow()
        )
        self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.integration_id, table.c.name],
                set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
            )
        )
        # A Cursor already loaded in this session would still show the old value: read it again.
        for row in list(self._session.identity_map.values()):
            if isinstance(row, Cursor) and row.integration_id == self._integration_id and row.name == name:
                self._session.expire(row)

    def clear(self, name: str) -> None:
        row = self._row(name)
        if row is not None:
            self._session.delete(row)
