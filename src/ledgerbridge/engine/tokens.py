"""OAuth2 tokens of a connection: kept encrypted in the store, refreshed once however many ask at once.

Nothing here knows an external system: a system module hands :class:`RefreshCoordinator` a callable
``refresh(refresh_token) -> token dict`` that raises ``AuthError`` when the authorisation server
refuses the grant (``invalid_grant``: revoked, password changed, expired) and ``TransientError``
when it cannot answer (5xx, timeouts).

A token dict is the token endpoint's answer (``access_token``, ``refresh_token``, ``token_type``,
``expires_in``, ``scope``) plus ``expires_at`` (epoch seconds, as authlib writes it). It is stored
as Fernet-encrypted JSON in ``oauth_connections`` (one row per integration and side), with a
``version`` that every write bumps so writers can compare-and-swap.

Refreshing is single-flight per (integration, side):

* in one process, a lock per key held by the :class:`TokenStore`: threads that find the token
  expiring queue up, and each one that gets the lock after a refresh finds the new token and uses it
  (share one ``TokenStore`` per process; two instances behave like two processes);
* across processes, a lease on the row for the length of the refresh: ``SELECT … FOR UPDATE`` on
  PostgreSQL (with a ``lock_timeout``), ``BEGIN IMMEDIATE`` on SQLite (which serialises writers
  anyway). A process that waited for the lease re-reads the row and uses the token the other one
  stored, so a rotating refresh token is never presented twice. The final write is still a
  compare-and-swap on ``version``; should it ever lose, the stored token wins and ours is dropped.

A refused refresh marks the connection ``reconnect_required`` (with the server's reason) and raises
:class:`ReconnectRequired`; a transient failure raises ``TransientError`` and changes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from ledgerbridge.crypto import SecretBox
from ledgerbridge.runtime import metrics
from ledgerbridge.store.db import Store
from ledgerbridge.store.models import OAuthConnection, utcnow
from ledgerbridge.systems.errors import ApiError, AuthError, TransientError

ConnectionState = Literal["connected", "reconnect_required", "not_connected"]
CONNECTED: ConnectionState = "connected"
RECONNECT_REQUIRED: ConnectionState = "reconnect_required"
NOT_CONNECTED: ConnectionState = "not_connected"

#: ``refresh(refresh_token)``: the token endpoint's answer, or AuthError (refused) / TransientError.
RefreshFunction = Callable[[str], Mapping[str, Any]]


class ReconnectRequired(AuthError):
    """The stored grant is gone (revoked, refused, never made): a person must connect again."""

    def __init__(self, message: str, *, reason: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.reason = reason or message


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


def _now() -> datetime:
    return datetime.now(UTC)


class RefreshCoordinator:
    """Valid access tokens for one connection (integration, side), refreshed single-flight.

    ``refresh`` calls the token endpoint; ``margin`` is how many seconds before expiry a token is
    already refreshed; ``clock`` is what "now" means (tests move it).
    """

    def __init__(
        self,
        tokens: TokenStore,
        integration_id: int,
        side: str,
        refresh: RefreshFunction,
        *,
        margin: float = 60.0,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.tokens = tokens
        self.integration_id = integration_id
        self.side = side
        self._refresh = refresh
        self.margin = margin
        self._clock = clock
        self._cached: StoredToken | None = None
        self.refreshes = 0  # refreshes this coordinator made (tests, metrics)

    def access_token(self, now: datetime | None = None) -> str:
        """A token valid for at least ``margin`` seconds more, refreshing it first if needed."""
        now = now or self._clock()
        cached = self._cached
        if cached is not None and not cached.expires_within(self.margin, now):
            return str(cached.access_token)
        stored = self._usable(self.tokens.load(self.integration_id, self.side))
        self._cached = stored
        if not stored.expires_within(self.margin, now):
            return str(stored.access_token)
        return self._refresh_single_flight(now, rejected=None)

    def force_refresh(self, rejected: str | None = None, now: datetime | None = None) -> str:
        """A new token after the API refused ``rejected`` (401), unless another caller already replaced it.

        Without ``rejected``, the token stored now is the one being replaced.
        """
        now = now or self._clock()
        if rejected is None:
            rejected = self._usable(self.tokens.load(self.integration_id, self.side)).access_token or ""
        return self._refresh_single_flight(now, rejected=rejected)

    def state(self) -> ConnectionState:
        return self.tokens.state(self.integration_id, self.side)

    # -- internals -------------------------------------------------------------------------------
    def _needs_refresh(self, stored: StoredToken, now: datetime, rejected: str | None) -> bool:
        if rejected is not None:
            return stored.access_token == rejected or not stored.access_token
        return stored.expires_within(self.margin, now)

    def _refresh_single_flight(self, now: datetime, *, rejected: str | None) -> str:
        key = (self.integration_id, self.side)
        with self.tokens.lock(*key):
            # A thread that waited here usually finds the token another thread just stored.
            stored = self._usable(self.tokens.load(*key))
            if not self._needs_refresh(stored, now, rejected):
                self._cached = stored
                return str(stored.access_token)
            with self.tokens.lease(*key) as lease:
                # The same check under the cross-process lease: another process may have refreshed.
                stored = self._usable(lease.current)
                if not self._needs_refresh(stored, now, rejected):
                    self._cached = stored
                    return str(stored.access_token)
                token = self._call_refresh(lease, stored, now)
                saved = token is not None and lease.save(token)
            if token is not None and saved:
                self._cached = self.tokens.load(*key)
                return str(token["access_token"])
            # Another writer was first (the lease makes this rare): the stored token wins.
            stored = self._usable(self.tokens.load(*key))
            self._cached = stored
            return str(stored.access_token)

    def _call_refresh(self, lease: TokenLease, stored: StoredToken, now: datetime) -> dict[str, Any] | None:
        """The refreshed token to store, or None if another writer replaced the row meanwhile."""
        refresh_token = stored.refresh_token
        if not refresh_token:
            reason = "the access token expired and there is no refresh token (offline access not granted)"
            lease.mark_reconnect_required(reason)
            raise self._reconnect(reason)
        try:
            answer = self._refresh(refresh_token)
        except TransientError:
            metrics.TOKEN_REFRESH_FAILURES.labels(self.side, "transient").inc()
            raise
        except AuthError as exc:
            metrics.TOKEN_REFRESH_FAILURES.labels(self.side, "refused").inc()
            reason = exc.reason if isinstance(exc, ReconnectRequired) else exc.remote_message or str(exc)
            if not lease.mark_reconnect_required(reason):
                return None  # our refresh token was stale: someone else refreshed (or reconnected)
            self._cached = None
            raise self._reconnect(reason, cause=exc) from exc
        self.refreshes += 1
        return normalise_refreshed(answer, stored.token, now)

    def _usable(self, stored: StoredToken | None) -> StoredToken:
        if stored is None:
            raise self._reconnect("not connected: no token is stored for this connection")
        if stored.state == RECONNECT_REQUIRED:
            raise self._reconnect(stored.reason or "the authorisation was refused")
        return stored

    def _reconnect(self, reason: str, *, cause: ApiError | None = None) -> ReconnectRequired:
        return ReconnectRequired(
            f"integration {self.integration_id} ({self.side}) must be connected again: {reason}",
            reason=reason,
            status_code=cause.status_code if cause else None,
            body=cause.body if cause else None,
            method=cause.method if cause else None,
            url=cause.url if cause else None,
        )


def normalise_refreshed(
    answer: Mapping[str, Any], previous: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    """The token to store after a refresh: the answer, the old refresh token if none came back
    (reusable refresh tokens), and ``expires_at`` from ``expires_in`` counted from ``now``."""
    token = dict(answer)
    if not token.get("access_token"):
        raise ApiError("the token endpoint answered without an access_token", body=dict(answer))
    if not token.get("refresh_token") and previous.get("refresh_token"):
        token["refresh_token"] = previous["refresh_token"]
    expires_in = token.get("expires_in")
    if expires_in is not None:
        try:
            token["expires_at"] = int((now + timedelta(seconds=float(expires_in))).timestamp())
        except (TypeError, ValueError):
            token.pop("expires_at", None)
    return token
