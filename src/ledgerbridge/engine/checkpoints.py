"""Named positions kept in the ``cursors`` table: poll bookmarks and run checkpoints."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerbridge.store.models import Cursor


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
        row = self._row(name)
        if row is None:
            self._session.add(Cursor(integration_id=self._integration_id, name=name, value=value))
        else:
            row.value = value  # a new dict, so SQLAlchemy sees the JSON change

    def clear(self, name: str) -> None:
        row = self._row(name)
        if row is not None:
            self._session.delete(row)
