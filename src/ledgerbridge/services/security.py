"""Who may use the console and the API: the admin password, API tokens, console sessions and the key
that signs session cookies.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, timedelta

from sqlalchemy import delete, select

from ledgerbridge.services.base import ServiceBase
from ledgerbridge.services.common import N_, UserError
from ledgerbridge.store.console_models import (
    AdminCredential,
    ApiToken,
    ConsoleSecret,
    ConsoleSession,
)
from ledgerbridge.store.models import utcnow

API_TOKEN_PREFIX = "lb_"
MIN_PASSWORD_LENGTH = 8

SESSION_SECRET = "session-signing"


class SecurityService(ServiceBase):
    """The admin password, API tokens and console sessions."""

    # -- the console's admin login and API tokens --------------------------------------------------------
    def has_admin_password(self) -> bool:
        with self.store.session() as session:
            return session.get(AdminCredential, 1) is not None

    def set_admin_password(self, password: str) -> None:
        """Set (or change) the admin password; every existing console session ends."""
        from argon2 import PasswordHasher

        if len(password) < MIN_PASSWORD_LENGTH:
            raise UserError(
                N_("the password must have at least %(count)s characters"), count=MIN_PASSWORD_LENGTH
            )
        hashed = PasswordHasher().hash(password)
        with self.store.session() as session:
            row = session.get(AdminCredential, 1)
            if row is None:
                session.add(AdminCredential(id=1, password_hash=hashed, auth_epoch=1))
            else:
                row.password_hash = hashed
                row.auth_epoch += 1

    def check_admin_password(self, password: str) -> int | None:
        """The session epoch if ``password`` is the admin password, else None."""
        from argon2 import PasswordHasher
        from argon2.exceptions import InvalidHashError, VerificationError

        with self.store.session() as session:
            row = session.get(AdminCredential, 1)
            if row is None:
                return None
            try:
                PasswordHasher().verify(row.password_hash, password)
            except (VerificationError, InvalidHashError):
                return None
            return row.auth_epoch

    def admin_epoch(self) -> int | None:
        with self.store.session() as session:
            row = session.get(AdminCredential, 1)
            return row.auth_epoch if row else None

    def create_api_token(
        self, name: str, *, read_only: bool = False, integration: str | None = None
    ) -> tuple[str, ApiToken]:
        """A new token for scripts: the plain token is returned once and never stored.

        ``read_only``: GET requests only. ``integration``: only that integration's routes.
        """
        plain = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.store.session() as session:
            if integration:
                self._row(session, integration)
            row = ApiToken(
                name=name or "token",
                token_hash=_token_hash(plain),
                prefix=plain[:9],
                access="read" if read_only else "write",
                integration=integration or None,
            )
            session.add(row)
            session.flush()
        return plain, row

    def api_tokens(self, *, include_revoked: bool = False) -> list[ApiToken]:
        with self.store.session() as session:
            query = select(ApiToken).order_by(ApiToken.id)
            if not include_revoked:
                query = query.where(ApiToken.revoked_at.is_(None))
            return list(session.scalars(query).all())

    def revoke_api_token(self, token_id: int) -> ApiToken:
        with self.store.session() as session:
            row = session.get(ApiToken, token_id)
            if row is None or row.revoked_at is not None:
                raise UserError(N_("no active API token #%(id)s"), id=token_id)
            row.revoked_at = utcnow()
            return row

    def check_api_token(self, plain: str) -> ApiToken | None:
        """The active token ``plain`` is, or None (its last use is noted)."""
        if not plain.startswith(API_TOKEN_PREFIX) or not plain.isascii():
            return None
        with self.store.session() as session:
            row = session.scalars(select(ApiToken).where(ApiToken.token_hash == _token_hash(plain))).first()
            if row is None or row.revoked_at is not None:
                return None
            row.last_used_at = utcnow()
            return row

    # -- console sessions: the cookie carries a random id; logging out ends its row ----------------------
    def start_console_session(self, lifetime: timedelta) -> str:
        """A new console session; returns the id for the cookie (only its hash is stored)."""
        plain = secrets.token_urlsafe(32)
        now = utcnow()
        with self.store.session() as session:
            # Expired and ended rows are of no use: drop them as new ones come.
            session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
            session.add(ConsoleSession(id=_token_hash(plain), created_at=now, expires_at=now + lifetime))
        return plain

    def console_session_alive(self, plain: str) -> bool:
        if not isinstance(plain, str) or not plain:
            return False
        with self.store.session() as session:
            row = session.get(ConsoleSession, _token_hash(plain))
            if row is None or row.ended_at is not None:
                return False
            expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
            return expires > utcnow()

    def end_console_session(self, plain: str) -> None:
        with self.store.session() as session:
            row = session.get(ConsoleSession, _token_hash(plain))
            if row is not None and row.ended_at is None:
                row.ended_at = utcnow()

    def session_secret(self) -> str:
        """The key that signs console session cookies: made once, shared by every server process.

        Kept apart from ``secret.key`` (not sealed with it) so that losing that key never stops ``serve``;
        a leaked database gives nothing with it, because sessions are also checked against the
        ``console_sessions`` table.
        """
        with self.store.session() as session:
            row = session.get(ConsoleSecret, SESSION_SECRET)
            if row is None:
                row = ConsoleSecret(name=SESSION_SECRET, sealed=secrets.token_urlsafe(48))
                session.add(row)
            return row.sealed


def _token_hash(plain: str) -> str:
    # API tokens are 256 random bits: a plain SHA-256 is enough (no dictionary to guard against).
    return hashlib.sha256(plain.encode()).hexdigest()
