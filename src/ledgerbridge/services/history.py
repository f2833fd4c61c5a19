"""What happened to documents: the transfer ledger, newest first, everything known about one document
(its ledger row, error entries and inbox items), and the documents a sync brought over (sales orders).

Both sides' keys of a document come with what the sides declare about them (``systems/side.py``): the
address of the record in the system's own web app where the system documents one (none of the four does
today, so no link is shown rather than a guessed one), and the system's own number where it numbers a
record bound under another key (Rackbeat's order number of an order brought over from a ledger): stored on
the binding when our write's answer carried it (``integrations/own_numbers.py``), read from there without a
call; only a binding made before that column (migration 0014) has it looked up live, once, and stored.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import select

from ledgerbridge.integrations.base import IntegrationKind, kind_named
from ledgerbridge.integrations.own_numbers import store_own_numbers
from ledgerbridge.services.base import ServiceBase
from ledgerbridge.services.common import UserError
from ledgerbridge.store import Binding, ErrorEntry, InboxItem, Transfer
from ledgerbridge.systems.errors import ApiError

#: A side's own number not stored, and not found live (or the side not reached), is asked for again after
#: this many seconds.
OWN_NUMBER_RETRY_SECONDS = 300.0
#: At most this many records' own numbers are read live in one call of :meth:`HistoryService.own_numbers`.
OWN_NUMBER_BATCH = 50


class HistoryService(ServiceBase):
    """The transfer ledger: per document, what was sent and what went wrong."""

    if TYPE_CHECKING:  # IntegrationsService's, found through service.Ledgerbridge's method order

        def integration(self, name: str) -> tuple[int, IntegrationKind]:
            raise NotImplementedError

    _own_numbers_tried: dict[tuple[int, str, str, str], float]

    def own_numbers(self, name: str, documents: Sequence[SyncedDocument]) -> list[SyncedDocument]:
        """``documents`` with ``own`` filled where a side numbers the record itself (``Side.own_numbers``).
        :meth:`synced_documents` brings the numbers stored on the bindings; only a record without one
        (bound before migration 0014) is read live through the side's client, and what is found is stored
        on its binding. A side that cannot be reached, or a record it does not have, leaves its number out
        (the page shows the key alone) and is asked again only after ``OWN_NUMBER_RETRY_SECONDS``, at most
        ``OWN_NUMBER_BATCH`` records a call, so a page never waits long on the other system."""
        if not documents:
            return list(documents)
        tried = self.__dict__.setdefault("_own_numbers_tried", {})
        now = time.monotonic()
        try:
            integration_id, kind = self.integration(name)
        except UserError:
            return list(documents)
        found: dict[str, dict[str, str]] = {}  # side → key → number read live now
        for side in _sides_of(kind):
            for entity in {d.entity for d in documents}:
                reader = side.own_numbers.get(entity)
                if reader is None:
                    continue
                missing = [
                    key
                    for d in documents
                    if d.entity == entity
                    and side.name not in d.own
                    and (key := d.numbers[side.name])
                    and now - tried.get((integration_id, side.name, entity, key), -1e9)
                    >= OWN_NUMBER_RETRY_SECONDS
                ][:OWN_NUMBER_BATCH]
                if not missing:
                    continue
                for key in missing:
                    tried[(integration_id, side.name, entity, key)] = now
                try:
                    client = kind.open_side(side.name)  # type: ignore[attr-defined]
                    try:
                        read = reader(client, missing)
                    finally:
                        client.close()
                except (ApiError, OSError):
                    continue
                found.setdefault(side.name, {}).update(read)
                column: Literal["a", "b"] = "a" if side.name == kind.sides[0] else "b"
                store_own_numbers(self.store, integration_id, entity, column, read)
        return [
            replace(
                d,
                own={
                    **d.own,
                    **{
                        side: found[side][key]
                        for side, key in d.numbers.items()
                        if key in found.get(side, {}) and found[side][key] != key
                    },
                },
            )
            for d in documents
        ]

    def web_addresses(
        self, name: str, documents: Sequence[tuple[str, Mapping[str, str | None]]]
    ) -> list[WebAddresses]:
        """Per document (``(entity, {side: its key there})``), the address of each side's record in that
        system's own web app where the side declares a documented scheme; ``none`` lists the sides
        without one."""
        try:
            _, kind = self.integration(name)
        except UserError:
            return [WebAddresses({}, ()) for _ in documents]
        sides = _sides_of(kind)
        without = tuple(side.name for side in sides if side.web_address is None)
        out = []
        for entity, keys in documents:
            addresses = {
                side.name: address
                for side in sides
                if side.web_address is not None
                and (address := side.address_of(kind.connection(side.name), entity, keys.get(side.name)))  # type: ignore[attr-defined]
            }
            out.append(WebAddresses(addresses, without))
        return out

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
            kind = kind_named(row.kind)
            side_a, side_b = kind.sides
            # The side that numbers these records itself (Side.own_numbers): its number stored on the binding.
            numbering = [s.name for s in _sides_of(kind) if entity in s.own_numbers]
            bindings = session.scalars(
                select(Binding)
                .where(Binding.integration_id == row.id, Binding.entity == entity)
                .order_by(Binding.synced_at.desc(), Binding.id.desc())
                .limit(limit)
            ).all()
            documents = []
            for b in bindings:
                keys = {side_a: b.a_key, side_b: b.b_key}
                own = {
                    side: b.own_number
                    for side in numbering[:1]
                    if b.own_number is not None and b.own_number != keys[side]
                }
                documents.append(SyncedDocument(entity, keys, b.synced_at, own))
            return documents

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
    numbers: dict[str, str]  # side name → the document's key there (as the binding keeps it)
    synced_at: datetime
    own: dict[str, str] = field(default_factory=dict)  # side name → its own number, where not the key


@dataclass(frozen=True)
class WebAddresses:
    """Where each side's record opens in that system's web app; ``none``: sides with no documented scheme."""

    by_side: dict[str, str]
    none: tuple[str, ...]


def _sides_of(kind: IntegrationKind | type[IntegrationKind]) -> tuple[Any, ...]:
    """The declared sides of a kind made of two (``PairOfSides``); none for any other kind."""
    return tuple(getattr(kind, "side_specs", ()))
