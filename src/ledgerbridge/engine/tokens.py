"""OAuth2 tokens of a connection: kept encrypted in the store, one row per (integration, side).

Nothing here knows an external system. A system side renews its own tokens (``systems/tokens.py``:
:class:`~ledgerbridge.systems.tokens.RefreshingTokens` for a refresh-token grant, Severa's client
credentials in ``systems/severa/auth.py``) in a token vault it is handed; ``integrations/token_vaults.py``'s
``StoredTokenVault`` is this store shaped as that vault.

A token dict is the token endpoint's answer (``access_token``, ``refresh_token``, ``token_type``,
``expires_in``, ``scope``) plus ``expires_at`` (epoch seconds, as authlib writes it). It is stored
as Fernet-encrypted JSON in ``oauth_connections`` (one row per integration and side), with a
``version`` that every write bumps so writers can compare-and-swap.

Refreshing is single-flight per (integration, side), with two tools this store gives the vault:

* in one process, a lock per key (:meth:`TokenStore.lock`): threads that find the token expiring queue
  up, and each one that gets the lock after a refresh finds the new token and uses it (share one
  ``TokenStore`` per process; two instances behave like two processes);
* across processes, a lease on the row for the length of the refresh (:meth:`TokenStore.lease`):
  ``SELECT … FOR UPDATE`` on PostgreSQL (with a ``lock_timeout``), ``BEGIN IMMEDIATE`` on SQLite (which
  serialises writers anyway). A process that waited for the lease re-reads the row and uses the token the
  other one stored, so a rotating refresh token is never presented twice. The final write is still a
  compare-and-swap on ``version``.

A refused renewal marks the connection ``reconnect_required`` (with the server's reason);
:class:`ReconnectRequired` (``systems/errors.py``, re-exported here) is what callers catch.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from ledgerbridge.crypto import SecretBox
from ledgerbridge.store.db import Store
from ledgerbridge.store.models import OAuthConnection, utcnow
from ledgerbridge.systems.errors import ReconnectRequired, TransientError
from ledgerbridge.systems.tokens import VaultState

__all__ = [
    "CONNECTED",
    "NOT_CONNECTED",
    "RECONNECT_REQUIRED",
    "ConnectionState",
    "ReconnectRequired",
    "StoredToken",
    "TokenLease",
    "TokenStore",
    "token_expiry",
]

# The states a side's token vault answers (systems/tokens.py), as the store keeps them.
ConnectionState = VaultState
CONNECTED: ConnectionState = "connected"
RECONNECT_REQUIRED: ConnectionState = "reconnect_required"
NOT_CONNECTED: ConnectionState = "not_connected"


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes for ``DateTime(timezone=True)``; they were written in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def token_expiry(token: Mapping[str, Any]) -> datetime | None:
    """The access token's expiry from the dict's ``expires_at`` (epoch seconds), or None if unknown."""
    expires_at = token.get("expires_at")
    if expires_at is None:
        return None
    try:
        return datetime.fromtimestamp(float(expires_at), UTC)
    except (TypeError, ValueError, OverflowError):
        return None


@dataclass(frozen=True)
class StoredToken:
    integration_id: int
    side: str
    token: dict[str, Any]
    version: int
    state: str
    reason: str | None
    updated_at: datetime | None

    @property
    def access_token(self) -> str | None:
        value = self.token.get("access_token")
        return str(value) if value else None

    @property
    def refresh_token(self) -> str | None:
        value = self.token.get("refresh_token")
        return str(value) if value else None

    @property
    def expires_at(self) -> datetime | None:
        return token_expiry(self.token)

    def expires_within(self, seconds: float, now: datetime) -> bool:
        """True when there is no access token or it expires less than ``seconds`` after ``now``.

        A token without a known expiry counts as valid (the API's 401 will say otherwise).
        """
        if not self.access_token:
            return True
        expires_at = self.expires_at
        return expires_at is not None and expires_at - timedelta(seconds=seconds) <= now


class TokenStore:
    """The ``oauth_connections`` rows of one store, encrypted with ``box``.

    ``lock_timeout`` bounds the wait for another process's refresh lease (PostgreSQL; SQLite waits
    for its ``busy_timeout``); a longer wait raises ``TransientError``.
    """

    def __init__(self, store: Store, box: SecretBox, *, lock_timeout: float = 30.0) -> None:
        self._store = store
        self._box = box
        self._lock_timeout = lock_timeout
        self._locks: dict[tuple[int, str], threading.Lock] = {}
        self._locks_guard = threading.Lock()

    # -- reading ---------------------------------------------------------------------------------
    def load(self, integration_id: int, side: str) -> StoredToken | None:
        with self._store.session() as session:
            row = session.scalars(self._select(integration_id, side)).first()
            return self._stored(row) if row is not None else None

    def state(self, integration_id: int, side: str) -> ConnectionState:
        with self._store.session() as session:
            value = session.scalars(
                select(OAuthConnection.state).where(
                    OAuthConnection.integration_id == integration_id, OAuthConnection.side == side
                )
            ).first()
        if value is None:
            return NOT_CONNECTED
        return RECONNECT_REQUIRED if value == RECONNECT_REQUIRED else CONNECTED

    # -- writing ---------------------------------------------------------------------------------
    def save(
        self, integration_id: int, side: str, token: Mapping[str, Any], *, expected_version: int | None
    ) -> bool:
        """Store ``token`` as the connected token; answers False if the compare-and-swap lost.

        ``expected_version=None`` writes unconditionally (a fresh connect, which also clears
        ``reconnect_required``); a number writes only if the row still has that version.
        """
        values = self._values(token)
        if expected_version is not None:
            with self._store.session() as session:
                return self._swap(session, integration_id, side, expected_version, values)
        for _ in range(3):
            try:
                with self._store.session() as session:
                    if self._swap(session, integration_id, side, None, values):
                        return True
                    session.add(
                        OAuthConnection(integration_id=integration_id, side=side, version=1, **values)
                    )
                return True
            except IntegrityError:  # another writer inserted the row first: update it instead
                continue
        raise RuntimeError(f"could not store the token of integration {integration_id} ({side})")

    def mark_reconnect_required(
        self, integration_id: int, side: str, reason: str, *, expected_version: int | None = None
    ) -> bool:
        """Mark the connection as needing a person; False if there is no row (or the version moved)."""
        with self._store.session() as session:
            return self._mark(session, integration_id, side, reason, expected_version)

    def clear(self, integration_id: int, side: str) -> bool:
        """Forget the connection's tokens (after revoking them); False if there were none."""
        with self._store.session() as session:
            result = session.execute(
                delete(OAuthConnection).where(
                    OAuthConnection.integration_id == integration_id, OAuthConnection.side == side
                )
            )
            return bool(getattr(result, "rowcount", 0))

    # -- single flight ---------------------------------------------------------------------------
    def lock(self, integration_id: int, side: str) -> threading.Lock:
        """This process's lock for refreshing one connection."""
        with self._locks_guard:
            return self._locks.setdefault((integration_id, side), threading.Lock())

    @contextmanager
    def lease(self, integration_id: int, side: str) -> Iterator[TokenLease]:
        """Hold the row against other processes' refreshes until the block ends (or a write ends it)."""
        session = self._store.new_session()
        try:
            try:
                dialect = self._store.engine.dialect.name
                if dialect == "sqlite":
                    # pysqlite would begin lazily (and deferred); take the write lock now.
                    session.connection().exec_driver_sql("BEGIN IMMEDIATE")
                elif dialect == "postgresql":
                    millis = max(1, int(self._lock_timeout * 1000))
                    session.execute(text(f"SET LOCAL lock_timeout = {millis}"))
                row = session.scalars(self._select(integration_id, side).with_for_update()).first()
            except OperationalError as exc:
                raise TransientError(
                    f"the token of integration {integration_id} ({side}) is being refreshed by another "
                    f"process and the lease did not come free: {exc.orig}"
                ) from exc
            lease = TokenLease(self, session, integration_id, side, self._stored(row) if row else None)
            yield lease
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    # -- internals -------------------------------------------------------------------------------
    @staticmethod
    def _select(integration_id: int, side: str) -> Any:
        return select(OAuthConnection).where(
            OAuthConnection.integration_id == integration_id, OAuthConnection.side == side
        )

    def _stored(self, row: OAuthConnection) -> StoredToken:
        return StoredToken(
            integration_id=row.integration_id,
            side=row.side,
            token=self._box.open(row.token),
            version=row.version,
            state=row.state,
            reason=row.reason,
            updated_at=_aware(row.updated_at),
        )

    def _values(self, token: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "token": self._box.seal(dict(token)),
            "expires_at": token_expiry(token),
            "state": CONNECTED,
            "reason": None,
            "updated_at": utcnow(),
        }

    @staticmethod
    def _swap(
        session: Session, integration_id: int, side: str, expected_version: int | None, values: dict[str, Any]
    ) -> bool:
        statement = (
            update(OAuthConnection)
            .where(OAuthConnection.integration_id == integration_id, OAuthConnection.side == side)
            .values(version=OAuthConnection.version + 1, **values)
            .execution_options(synchronize_session=False)
        )
        if expected_version is not None:
            statement = statement.where(OAuthConnection.version == expected_version)
        return bool(getattr(session.execute(statement), "rowcount", 0))

    def _mark(
        self, session: Session, integration_id: int, side: str, reason: str, expected_version: int | None
    ) -> bool:
        return self._swap(
            session,
            integration_id,
            side,
            expected_version,
            {"state": RECONNECT_REQUIRED, "reason": reason, "updated_at": utcnow()},
        )


class TokenLease:
    """The row held for one refresh. ``current`` was read under the lease; each write ends it."""

    def __init__(
        self,
        tokens: TokenStore,
        session: Session,
        integration_id: int,
        side: str,
        current: StoredToken | None,
    ) -> None:
        self._tokens = tokens
        self._session = session
        self.integration_id = integration_id
        self.side = side
        self.current = current

    def save(self, token: Mapping[str, Any]) -> bool:
        """Store the refreshed token (compare-and-swap on the version read under the lease)."""
        if self.current is None:
            return False
        saved = self._tokens._swap(
            self._session,
            self.integration_id,
            self.side,
            self.current.version,
            self._tokens._values(token),
        )
        self._session.commit()
        return saved

    def mark_reconnect_required(self, reason: str) -> bool:
        """Mark the row read under the lease; False if its version moved (another writer was first)."""
        marked = False
        if self.current is not None:
            marked = self._tokens._mark(
                self._session, self.integration_id, self.side, reason, self.current.version
            )
        self._session.commit()
        return marked
