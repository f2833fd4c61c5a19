"""Upkeep of the stored data: how long settled work is kept, pruning what is older, and sealing every
stored secret again with a new key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, null, select, update

from ledgerbridge.crypto import KEY_FILE, SecretBox, UnreadableSecret, parse_keys, write_private
from ledgerbridge.services.base import ServiceBase
from ledgerbridge.services.common import UserError
from ledgerbridge.services.security import SESSION_SECRET
from ledgerbridge.store import ErrorEntry, InboxItem, Integration
from ledgerbridge.store.console_models import ConsoleSecret
from ledgerbridge.store.models import Cursor, OAuthConnection, utcnow

RETENTION_ENV = "LEDGERBRIDGE_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 30


class MaintenanceService(ServiceBase):
    """Retention, pruning and key rotation."""

    # -- retention: what is settled is not kept for ever ----------------------------------------------------
    def retention(self) -> timedelta:
        """How long settled inbox rows and errors' payloads are kept (``LEDGERBRIDGE_RETENTION_DAYS``)."""
        raw = os.environ.get(RETENTION_ENV, "").strip()
        try:
            days = float(raw) if raw else DEFAULT_RETENTION_DAYS
        except ValueError:
            raise UserError(f"{RETENTION_ENV} must be a number of days, not {raw!r}") from None
        if days <= 0:
            raise UserError(f"{RETENTION_ENV} must be more than 0 days")
        return timedelta(days=days)

    def prune(self, older_than: timedelta | None = None) -> dict[str, int]:
        """Delete inbox rows processed successfully longer ago than the retention period, and drop the
        payloads and responses of resolved or dismissed error entries as old. Pending and failed inbox items
        and open errors are never touched (they are still work)."""
        cutoff = utcnow() - (older_than if older_than is not None else self.retention())
        with self.store.session() as session:
            inbox = session.execute(
                delete(InboxItem).where(InboxItem.state == "done", InboxItem.processed_at < cutoff)
            )
            errors = session.execute(
                update(ErrorEntry)
                .where(
                    ErrorEntry.state.in_(("resolved", "dismissed")),
                    ErrorEntry.last_seen < cutoff,
                    ErrorEntry.payload.is_not(null()),
                )
                .values(payload=null(), response=null())
            )
        # DELETE and UPDATE answer with a cursor result, which counts the rows.
        return {
            "inbox_rows": int(getattr(inbox, "rowcount", 0) or 0),
            "error_payloads": int(getattr(errors, "rowcount", 0) or 0),
        }

    # -- the encryption key ---------------------------------------------------------------------------
    def rotate_key(self) -> KeyRotation:
        """Seal every stored secret again with a new key (``secret.key``) or with the first key of
        ``LEDGERBRIDGE_SECRET_KEY``; values no key in force can open are counted and left as they are."""
        key_file = self.config.home / KEY_FILE
        if self.config.secret_key:
            keys = parse_keys(self.config.secret_key)
            if len(keys) < 2:
                raise UserError(
                    "LEDGERBRIDGE_SECRET_KEY holds one key: put a new key first and the current one after "
                    "it, comma-separated (a new key: `ledgerbridge admin new-key`), run this again, "
                    "then drop the old key"
                )
            box, new_file = SecretBox(keys), None
        else:
            from cryptography.fernet import Fernet

            old = parse_keys(key_file.read_bytes()) if key_file.exists() else []
            box = SecretBox([Fernet.generate_key(), *old])
            new_file = box.keys[0]
            # Both keys on file first: a crash half-way leaves every value readable.
            write_private(key_file, b"\n".join(box.keys) + b"\n")
        rotation = KeyRotation()
        with self.store.session() as session:
            for row in session.scalars(select(Integration)).all():
                row.credentials = rotation.reseal(box, row.credentials)
            for token in session.scalars(select(OAuthConnection)).all():
                token.token = rotation.reseal(box, token.token)
            for secret in session.scalars(select(ConsoleSecret)).all():
                if secret.name != SESSION_SECRET:
                    secret.sealed = rotation.reseal(box, secret.sealed)
            for cursor in session.scalars(select(Cursor)).all():
                value = cursor.value
                if isinstance(value, dict) and isinstance(value.get("sealed"), str):
                    cursor.value = {**value, "sealed": rotation.reseal(box, value["sealed"])}
        if new_file is not None:
            write_private(key_file, new_file + b"\n")
            rotation.key_file = str(key_file)
        self.box = SecretBox(box.keys[:1]) if new_file is not None else box
        return rotation


@dataclass
class KeyRotation:
    resealed: int = 0
    unreadable: int = 0
    key_file: str | None = None

    def reseal(self, box: SecretBox, token: str) -> str:
        try:
            fresh = box.rotate(token)
        except UnreadableSecret:
            self.unreadable += 1
            return token
        self.resealed += 1
        return fresh
