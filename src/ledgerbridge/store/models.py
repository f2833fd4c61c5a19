"""The tables. Every row belongs to one integration; nothing here knows an external system by name.

A *binding* links one record on side A of an integration with one on side B (each integration kind
says which system is A and which is B) and keeps the hash of what was last synced on each side.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Integration(Base):
    __tablename__ = "integrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(50))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Fernet token of a JSON document with each side's base URL and credentials.
    credentials: Mapped[str] = mapped_column(Text)
    startup_completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Binding(Base):
    __tablename__ = "bindings"
    __table_args__ = (
        UniqueConstraint("integration_id", "entity", "a_key", name="uq_binding_a"),
        UniqueConstraint("integration_id", "entity", "b_key", name="uq_binding_b"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"), index=True)
    entity: Mapped[str] = mapped_column(String(50))
    a_key: Mapped[str] = mapped_column(String(200))
    b_key: Mapped[str] = mapped_column(String(200))
    a_hash: Mapped[str | None] = mapped_column(String(64))
    b_hash: Mapped[str | None] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The number a side gave the record itself where its key here is something else (Rackbeat's order
    # number of an order bound by its link back), as that side's answer to our write carried it; None:
    # not known (bound before migration 0014, or none). ``Side.own_numbers`` says which side numbers it.
    own_number: Mapped[str | None] = mapped_column(String(50))


class Cursor(Base):
    """A named position: a stream's poll bookmark, or a run's checkpoint (per stream name)."""

    __tablename__ = "cursors"
    __table_args__ = (UniqueConstraint("integration_id", "name", name="uq_cursor_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    value: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class WebhookSecret(Base):
    """The sealed (Fernet-encrypted) secret of one source's webhooks for an integration: the tokens a
    system's subscriptions carry, or the token in the URLs entered by hand. ``url`` is where the
    subscriptions deliver, so a changed public address is noticed and subscribed again."""

    __tablename__ = "webhook_secrets"
    __table_args__ = (UniqueConstraint("integration_id", "source", name="uq_webhook_secret_source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(50))
    sealed: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class SyncRun(Base):
    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(50))
    # running → succeeded | failed (finished with failed records) | crashed (stopped by an exception)
    status: Mapped[str] = mapped_column(String(20), default="running")
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    # {entity: {"created": n, "updated": n, "unchanged": n, "failed": n}}
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ErrorEntry(Base):
    """One failing record and operation. It is also the retry handle: it says what to run again.

    A record that fails again updates its open entry (``attempts`` + 1) instead of adding a row.
    """

    __tablename__ = "error_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("sync_runs.id", ondelete="SET NULL"))
    operation: Mapped[str] = mapped_column(String(50))  # e.g. "startup", "transfer"
    entity: Mapped[str] = mapped_column(String(50))
    record_key: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    remote_message: Mapped[str | None] = mapped_column(Text)
    status_code: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    response: Mapped[Any | None] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)  # open | resolved | dismissed
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Transfer(Base):
    """The transfer ledger: one row per document that must reach the other side exactly once.

    queued → sending → (sent →) confirmed, or → uncertain (no answer: look for it by reference before
    any re-send) / failed (refused: waits for a fix). ``remote_key`` is committed the moment it is
    known. ``sent``: the document is there but follow-up steps (:class:`TransferStep`) are not all done.
    """

    __tablename__ = "transfers"
    __table_args__ = (
        UniqueConstraint("integration_id", "document_type", "source_key", name="uq_transfer_doc"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"), index=True)
    document_type: Mapped[str] = mapped_column(String(50))
    source_key: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), default="queued")
    idempotency_key: Mapped[str] = mapped_column(String(100))
    remote_key: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(200))  # "host:pid" of the worker sending it
    # What a bookkeeper recognises the document by (TransferSummary); empty on rows from before 0012.
    counterparty: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))  # gross, in ``currency``
    currency: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class TransferStep(Base):
    """A follow-up step of a transfer (mark as sent, a status write-back, a link back, a conversion).

    pending → unsure (started; until it answers we cannot know whether it happened) → done, or
    failed (refused: runs again on retry) / unknown (at-most-once and its answer was lost: never repeated).
    """

    __tablename__ = "transfer_steps"
    __table_args__ = (UniqueConstraint("transfer_id", "name", name="uq_transfer_step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    position: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    result: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class InboxItem(Base):
    """A change announced by a webhook (or found by the safety-net scan), stored before we answer 2xx.

    Repeats of the same event for the same record while one is still pending collapse into that
    one (``deliveries`` counts them), so a webhook storm costs one processing.
    """

    __tablename__ = "webhook_inbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(50))  # system name that announced it
    event: Mapped[str] = mapped_column(String(100))  # e.g. "customer_invoice.booked"
    record_key: Mapped[str] = mapped_column(String(200))
    via: Mapped[str] = mapped_column(String(20), default="webhook")  # webhook | scan | manual
    state: Mapped[str] = mapped_column(String(20), default="pending", index=True)  # pending | done | failed
    deliveries: Mapped[int] = mapped_column(Integer, default=1)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Conflict(Base):
    """Both sides changed a bound record since the last sync: the master's value won, the other's is kept."""

    __tablename__ = "conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"), index=True)
    entity: Mapped[str] = mapped_column(String(50))
    record_key: Mapped[str] = mapped_column(String(200))  # the master side's key
    winner: Mapped[str] = mapped_column(String(50))  # system name of the master
    loser: Mapped[str] = mapped_column(String(50))
    field: Mapped[str] = mapped_column(String(100))
    winning_value: Mapped[Any | None] = mapped_column(JSON)
    losing_value: Mapped[Any | None] = mapped_column(JSON)
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OAuthConnection(Base):
    """One side's OAuth2 tokens (Fernet-encrypted JSON), with a version for compare-and-swap writes.

    ``state`` is ``connected`` or ``reconnect_required`` (the refresh was refused: a person must
    connect again; ``reason`` says why). ``expires_at`` is the access token's expiry, in clear so the
    console can show it without the key.
    """

    __tablename__ = "oauth_connections"
    __table_args__ = (UniqueConstraint("integration_id", "side", name="uq_oauth_connection_side"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"))
    side: Mapped[str] = mapped_column(String(50))
    token: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(30), default="connected")
    reason: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class CallBudgetRow(Base):
    """A rate limit's token bucket shared by every process of a cluster (``runtime/shared_pacing.py``):
    one row per system and credential. ``credential`` is a hash of the credential, never the secret.
    The rate and burst are not stored: every process brings the published limit it paces to."""

    __tablename__ = "call_budgets"

    system: Mapped[str] = mapped_column(String(50), primary_key=True)
    credential: Mapped[str] = mapped_column(String(64), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)  # may go below 0: a call dearer than charged is a debt
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the database's clock
