"""The web console's tables: the admin password, API tokens, notifications and console secrets.

A session lives in a signed cookie (Starlette's ``SessionMiddleware``) that carries the admin's
``auth_epoch`` and a random session id; changing the password bumps the epoch and so ends every session,
logging out ends the session's row in ``console_sessions``.

Importing this module also hooks the error log: the first time an error entry is written, a
notification is written in the same transaction (``after_insert`` on :class:`ErrorEntry`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, event, insert
from sqlalchemy.orm import Mapped, mapped_column

from ledgerbridge.store.models import Base, ErrorEntry, utcnow


class AdminCredential(Base):
    """The one admin login (row id 1): an Argon2id hash of the password, never the password."""

    __tablename__ = "console_admin"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Bumped when the password changes: sessions carry it, so older sessions stop working.
    auth_epoch: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class ApiToken(Base):
    """A token for scripts (``Authorization: Bearer lb_...``). Only its SHA-256 is kept."""

    __tablename__ = "console_api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # "lb_ab12cd" — enough to recognise it in a list
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Scopes: "read" allows GET only; an integration name limits the token to that integration's routes.
    access: Mapped[str] = mapped_column(String(10), default="write", server_default="write")
    integration: Mapped[str | None] = mapped_column(String(100))


class ConsoleSession(Base):
    """A console login, ended server-side by logging out (the cookie only carries the random id)."""

    __tablename__ = "console_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the id in the cookie
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Notification(Base):
    """Something a person should look at: a failure (an error entry appeared) or a reconnect request."""

    __tablename__ = "console_notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int | None] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # failure | reconnect
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    error_id: Mapped[int | None] = mapped_column(Integer)
    side: Mapped[str | None] = mapped_column(String(50))  # reconnect: which system
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)


class ConsoleSecret(Base):
    """Named secrets of the console (the session-signing key), sealed with the installation's key."""

    __tablename__ = "console_secrets"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    sealed: Mapped[str] = mapped_column(Text)


@event.listens_for(ErrorEntry, "after_insert")
def _notify_new_error(_mapper: Any, connection: Any, entry: ErrorEntry) -> None:
    """A new error-log entry (not a repeat of an open one) becomes a failure notification."""
    what = f"{entry.entity.replace('_', ' ').replace('-', ' ')} {entry.record_key}"
    connection.execute(
        insert(Notification).values(
            integration_id=entry.integration_id,
            kind="failure",
            title=f"{entry.operation}: {what} failed",
            body=(entry.remote_message or entry.message or "")[:2000],
            error_id=entry.id,
            created_at=utcnow(),
        )
    )
