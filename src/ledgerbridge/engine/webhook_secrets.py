"""The sealed secrets of an integration's webhooks, one per source system (the ``webhook_secrets`` table).

What is stored is already sealed by the caller (the installation's key box): this class never sees a
secret in clear.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerbridge.store.models import WebhookSecret


@dataclass(frozen=True)
class StoredSecret:
    """A source's sealed webhook secret, and where its subscriptions deliver (None: URLs set by hand)."""

    sealed: str
    url: str | None = None


class WebhookSecrets:
    """Read and write one integration's webhook secrets inside the caller's session."""

    def __init__(self, session: Session, integration_id: int) -> None:
        self._session = session
        self._integration_id = integration_id

    def _row(self, source: str) -> WebhookSecret | None:
        return self._session.scalars(
            select(WebhookSecret).where(
                WebhookSecret.integration_id == self._integration_id, WebhookSecret.source == source
            )
        ).first()

    def get(self, source: str) -> StoredSecret | None:
        row = self._row(source)
        return StoredSecret(row.sealed, row.url) if row is not None else None

    def put(self, source: str, sealed: str, *, url: str | None = None) -> None:
        row = self._row(source)
        if row is None:
            self._session.add(
                WebhookSecret(integration_id=self._integration_id, source=source, sealed=sealed, url=url)
            )
        else:
            row.sealed = sealed
            row.url = url
