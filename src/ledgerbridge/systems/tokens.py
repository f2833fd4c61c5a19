"""OAuth2 tokens as every system side keeps them: in a vault handed in, renewed once however many ask.

A side that signs in with OAuth2 (Severa's client credentials, eAccounting's Visma Connect grant) keeps its
token dict in a :class:`TokenVault` the caller hands in: the engine's encrypted token store in production
(``integrations/token_vaults.py``'s ``StoredTokenVault``), :class:`MemoryVault` for the CLI, sandboxes and
tests. Nothing here imports the engine.

A token dict is the token endpoint's answer (``access_token``, ``refresh_token``, ``expires_in``, …) plus
``expires_at`` (epoch seconds, as authlib writes it).

:class:`RefreshingTokens` keeps an authorization-code grant alive with its refresh token (Visma Connect):
single flight through ``vault.refreshing()``, and a refused refresh marks the vault failed and raises
:class:`~ledgerbridge.systems.errors.ReconnectRequired`. Severa, which can always sign in again with its
client credentials, has its own keeper over the same vault (``systems/severa/auth.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol, runtime_checkable

from ledgerbridge.services.common import N_, Message
from ledgerbridge.systems.errors import ApiError, AuthError, ReconnectRequired, TransientError

Token = dict[str, Any]
VaultState = Literal["connected", "reconnect_required", "not_connected"]
#: ``refresh(refresh_token)``: the token endpoint's answer, or AuthError (refused) / TransientError.
RefreshFunction = Callable[[str], Mapping[str, Any]]


@runtime_checkable
class TokenVault(Protocol):
    """Where one connection's token dict lives. Implementations keep it encrypted at rest.

    ``refreshing()`` is held while one caller gets a new token: everyone else who needs one waits for it
    and then finds the new token with ``load()`` (single flight). A vault shared by several processes
    makes it a cross-process lease; ``save()`` inside it writes under that lease.
    """

    def load(self) -> Mapping[str, Any] | None:
        """The token to use, or None (never connected, forgotten, or marked failed)."""
        ...

    def save(self, token: Mapping[str, Any]) -> None:
        """Keep ``token`` (a new grant or a renewal); it clears a failed mark."""
        ...

    def refreshing(self) -> AbstractContextManager[Any]: ...

    def mark_failed(self, reason: str) -> None:
        """The system refused the grant or the credentials: a person must fix the connection."""
        ...

    def failure_reason(self) -> str | None:
        """Why the connection was marked failed, or None if it was not."""
        ...

    def state(self) -> VaultState:
        """What the console shows: connected, reconnect required, or not connected."""
        ...

    def clear(self) -> Mapping[str, Any] | None:
        """Forget the tokens (disconnect); answers what was kept, failed or not, so it can be revoked."""
        ...


class MemoryVault:
    """A vault in this process's memory (CLI, sandboxes, tests): nothing is written anywhere."""

    def __init__(self, token: Mapping[str, Any] | None = None) -> None:
        self._token: Token | None = dict(token) if token else None
        self._lock = threading.Lock()
        self.failure: str | None = None

    def load(self) -> Mapping[str, Any] | None:
        return self._token if self.failure is None else None

    def save(self, token: Mapping[str, Any]) -> None:
        self._token = dict(token)
        self.failure = None

    def refreshing(self) -> AbstractContextManager[Any]:
        return self._lock

    def mark_failed(self, reason: str) -> None:
        self.failure = reason

    def failure_reason(self) -> str | None:
        return self.failure

    def state(self) -> VaultState:
        if self.failure is not None:
            return "reconnect_required"
        return "connected" if self._token else "not_connected"

    def clear(self) -> Mapping[str, Any] | None:
        token, self._token, self.failure = self._token, None, None
        return token


def _now() -> datetime:
    return datetime.now(UTC)


def expires_within(token: Mapping[str, Any], seconds: float, now: datetime) -> bool:
    """True when ``token`` has no access token or it expires less than ``seconds`` after ``now``.

    A token without a known expiry counts as valid (the API's 401 will say otherwise).
    """
    if not token.get("access_token"):
        return True
    try:
        expires_at = float(token["expires_at"])
    except (KeyError, TypeError, ValueError):
        return False
    return expires_at - seconds <= now.timestamp()


def normalise_refreshed(answer: Mapping[str, Any], previous: Mapping[str, Any], now: datetime) -> Token:
    """The token to keep after a refresh: the answer, the old refresh token if none came back
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


class RefreshingTokens:
    """Valid access tokens for one OAuth2 grant kept in ``vault``, renewed with its refresh token.

    ``refresh`` calls the token endpoint; ``margin`` is how many seconds before expiry a token is already
    renewed; ``clock`` is what "now" means (tests move it). ``name`` names the connection in errors.
    ``refreshes`` counts the refreshes this object made (tests, metrics).
    """

    def __init__(
        self,
        vault: TokenVault,
        refresh: RefreshFunction,
        *,
        name: str = "this connection",
        margin: float = 60.0,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.vault = vault
        self._refresh = refresh
        self.name = name
        self.margin = margin
        self._clock = clock
        self._cached: Token | None = None
        self.refreshes = 0

    def access_token(self, now: datetime | None = None) -> str:
        """A token valid for at least ``margin`` seconds more, refreshing it first if needed."""
        now = now or self._clock()
        cached = self._cached
        if cached is not None and not expires_within(cached, self.margin, now):
            return str(cached["access_token"])
        stored = self._usable(self.vault.load())
        self._cached = stored
        if not expires_within(stored, self.margin, now):
            return str(stored["access_token"])
        return self._refresh_single_flight(now, rejected=None)

    def force_refresh(self, rejected: str | None = None, now: datetime | None = None) -> str:
        """A new token after the API refused ``rejected`` (401), unless another caller already replaced it.

        Without ``rejected``, the token kept now is the one being replaced.
        """
        now = now or self._clock()
        if rejected is None:
            rejected = str(self._usable(self.vault.load()).get("access_token") or "")
        return self._refresh_single_flight(now, rejected=rejected)

    # -- internals -------------------------------------------------------------------------------
    def _needs_refresh(self, stored: Mapping[str, Any], now: datetime, rejected: str | None) -> bool:
        if rejected is not None:
            return not stored.get("access_token") or stored["access_token"] == rejected
        return expires_within(stored, self.margin, now)

    def _refresh_single_flight(self, now: datetime, *, rejected: str | None) -> str:
        with self.vault.refreshing():
            # A caller that waited here usually finds the token the one before it kept.
            stored = self._usable(self.vault.load())
            if not self._needs_refresh(stored, now, rejected):
                self._cached = stored
                return str(stored["access_token"])
            token = self._call_refresh(stored, now)
            self.vault.save(token)
        self._cached = token
        return str(token["access_token"])

    def _call_refresh(self, stored: Token, now: datetime) -> Token:
        refresh_token = stored.get("refresh_token")
        if not refresh_token:
            reason = "the access token expired and there is no refresh token (offline access not granted)"
            self.vault.mark_failed(reason)
            raise self._reconnect(reason)
        try:
            answer = self._refresh(str(refresh_token))
        except TransientError:
            raise
        except AuthError as exc:
            reason = exc.reason if isinstance(exc, ReconnectRequired) else exc.remote_message or str(exc)
            self.vault.mark_failed(reason)
            self._cached = None
            raise self._reconnect(reason, cause=exc) from exc
        self.refreshes += 1
        return normalise_refreshed(answer, stored, now)

    def _usable(self, stored: Mapping[str, Any] | None) -> Token:
        if stored is None:
            reason = self.vault.failure_reason() or Message(
                N_("not connected: no token is stored for this connection")
            )
            raise self._reconnect(reason)
        return dict(stored)

    def _reconnect(self, reason: str, *, cause: ApiError | None = None) -> ReconnectRequired:
        return ReconnectRequired(
            Message(N_("%(name)s must be connected again: %(reason)s"), name=self.name, reason=reason),
            reason=reason,
            status_code=cause.status_code if cause else None,
            body=cause.body if cause else None,
            method=cause.method if cause else None,
            url=cause.url if cause else None,
        )
