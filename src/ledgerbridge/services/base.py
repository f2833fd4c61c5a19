"""The state every service works with (config, store, credential box) and the look-up of an
integration's row by name, which nearly every operation starts with.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ledgerbridge.config import Config
from ledgerbridge.crypto import SecretBox
from ledgerbridge.services.common import N_, UserError
from ledgerbridge.store import Integration, Store


class ServiceBase:
    """Holds the store and the credential box; each service adds one job's operations."""

    def __init__(self, config: Config | None = None, *, store: Store | None = None) -> None:
        self.config = config or Config.from_env()
        self.store = store or Store(self.config.database_url)
        self.box = SecretBox.for_home(self.config.home, self.config.secret_key)

    def close(self) -> None:
        self.store.dispose()

    def _row(self, session: Any, name: str) -> Integration:
        row: Integration | None = session.scalars(select(Integration).where(Integration.name == name)).first()
        if row is None:
            raise UserError(
                N_("no integration named %(name)r (see `ledgerbridge integrations list`)"), name=name
            )
        return row

    def _latest(self, model: Any, name: str, limit: int) -> list[Any]:
        """The newest rows of ``model`` that belong to the integration ``name``."""
        with self.store.session() as session:
            row = self._row(session, name)
            query = select(model).where(model.integration_id == row.id).order_by(model.id.desc()).limit(limit)
            return list(session.scalars(query).all())
