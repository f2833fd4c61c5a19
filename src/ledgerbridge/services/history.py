"""What happened to documents: the transfer ledger, newest first, everything known about one document
(its ledger row, error entries and inbox items), and the documents a sync brought over (sales orders).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from ledgerbridge.integrations.base import kind_named
from ledgerbridge.services.base import ServiceBase
from ledgerbridge.store import Binding, ErrorEntry, InboxItem, Transfer


class HistoryService(ServiceBase):
    """The transfer ledger: per document, what was sent and what went wrong."""

    def transfers(self, name: str, *, limit: int = 50) -> list[Transfer]:
        with self.store.session() as session:
            row = self._row(session, name)
            query = (
                select(Transfer)
                .where(Transfer.integration_id == row.id)
                .order_by(Transfer.updated_at.desc(), Transfer.id.desc())
                .limit(limit)
            )
            return list(session.scalars(query).all())

    def synced_documents(self, name: str, *, entity: str = "order", limit: int = 50) -> list[SyncedDocument]:
        """Documents a sync brings over rather than the transfer ledger (sales orders polled from the
        accounting system into Rackbeat): their bindings, newest sync first, each side's number by name."""
        with self.store.session() as session:
            row = self._row(session, name)
            side_a, side_b = kind_named(row.kind).sides
            bindings = session.scalars(
                select(Binding)
                .where(Binding.integration_id == row.id, Binding.entity == entity)
                .order_by(Binding.synced_at.desc(), Binding.id.desc())
                .limit(limit)
            ).all()
            return [SyncedDocument(entity, {side_a: b.a_key, side_b: b.b_key}, b.synced_at) for b in bindings]

    def document_history(self, name: str, document_type: str, key: str) -> DocumentHistory:
        """Everything known about one document: its ledger row, its error entries, the inbox items."""
        with self.store.session() as session:
            row = self._row(session, name)
            transfer = session.scalars(
                select(Transfer).where(
                    Transfer.integration_id == row.id,
                    Transfer.document_type == document_type,
                    Transfer.source_key == key,
                )
            ).first()
            errors = session.scalars(
                select(ErrorEntry)
                .where(
                    ErrorEntry.integration_id == row.id,
                    ErrorEntry.entity == document_type,
                    ErrorEntry.record_key == key,
                )
                .order_by(ErrorEntry.id)
            ).all()
            # Inbox events name documents their own way ("customer_invoice.booked"): match on the key and
            # the document type's words.
            words = document_type.replace("-", "_").split("_")
            inbox = [
                item
                for item in session.scalars(
                    select(InboxItem)
                    .where(InboxItem.integration_id == row.id, InboxItem.record_key == key)
                    .order_by(InboxItem.id)
                ).all()
                if all(w in item.event for w in words)
            ]
            return DocumentHistory(document_type, key, transfer, list(errors), inbox)


@dataclass
class DocumentHistory:
    document_type: str
    key: str
    transfer: Transfer | None
    errors: list[ErrorEntry] = field(default_factory=list)
    inbox: list[InboxItem] = field(default_factory=list)


@dataclass(frozen=True)
class SyncedDocument:
    entity: str
    numbers: dict[str, str]  # side name → the document's number there
    synced_at: datetime
