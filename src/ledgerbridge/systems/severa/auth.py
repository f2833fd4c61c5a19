"""Signing in to Severa: OAuth2 client credentials, the refresh route, and a token kept fresh single-flight.

Severa's REST API v1 (official OpenAPI, "info" text): ``POST /v1/token`` with ``{client_id, client_secret,
scope}`` answers ``PublicAuthenticationOutputModel`` (``access_token``, ``access_token_type``,
``access_token_expires_in``/``_utc``, ``refresh_token``, ``refresh_token_expires_in``/``_utc``, ``scope``);
``POST /v1/refreshtoken`` takes the refresh token as a bare JSON string and answers the same model. Every
call then sends ``Authorization: Bearer <access_token>`` *and* the ``Client_Id`` header.

Where the research leaves things open, both readings work:

* the scope separator (a generated TypeScript client joins with ``,``, a Swift client with a space): the
  first sign-in tries ``,``; if Severa refuses it, it tries a space once and keeps whichever was taken;
* the lifetime: ``access_token_expires_utc`` when given, else ``access_token_expires_in`` (or the OAuth2
  ``expires_in``) counted from when the request was sent; no expiry at all → valid until a 401 says not;
* a refused or expired refresh token (or no refresh route) is not the end: client credentials can always
  sign in again, so only refused *credentials* need a person (an ``AuthError``).

Tokens are kept by a :class:`~ledgerbridge.systems.tokens.TokenVault` that the caller hands in (encrypted
in the store in production, :class:`~ledgerbridge.systems.tokens.MemoryVault` for the CLI and tests). This
module imports nothing of the engine: the engine's token store is adapted to the vault outside
``systems/`` (``integrations/token_vaults.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx

from ledgerbridge.systems.errors import ApiError, AuthError, TransientError, ValidationError
from ledgerbridge.systems.http import IdlePool
from ledgerbridge.systems.severa.errors import map_severa_error

# The vault is every OAuth2 side's (systems/tokens.py); re-exported where Severa's callers found it.
from ledgerbridge.systems.tokens import MemoryVault as MemoryVault
from ledgerbridge.systems.tokens import TokenVault as TokenVault

#: ``Authorization`` is not enough: Severa wants the API client's id on every call too.
CLIENT_ID_HEADER = "Client_Id"
TOKEN_PATH = "v1/token"
REFRESH_PATH = "v1/refreshtoken"

Token = dict[str, Any]


def _now() -> datetime:
    return datetime.now(UTC)


def _epoch(value: Any) -> int | None:
    """Epoch seconds from an ISO date-time (``…Z`` or with an offset); None if it is not one."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:  # Severa writes UTC; a bare time is read as UTC rather than local
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())


def _seconds(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def normalise_token(answer: Mapping[str, Any], requested_at: datetime) -> Token:
    """The token dict to keep: Severa's answer plus ``expires_at`` / ``refresh_expires_at`` (epoch seconds).

    ``expires_at`` is the name ``engine/tokens.py`` (and authlib) read, so the store can show the expiry.
    """
    token = dict(answer)
    if not token.get("access_token"):
        raise ApiError("Severa answered the token request without an access_token", body=dict(answer))
    for prefix, target in (("access_token", "expires_at"), ("refresh_token", "refresh_expires_at")):
        stamp = _epoch(token.get(f"{prefix}_expires_utc"))
        if stamp is None:
            seconds = _seconds(token.get(f"{prefix}_expires_in"))
            if seconds is None and prefix == "access_token":
                seconds = _seconds(token.get("expires_in"))
            if seconds is not None:
                stamp = int((requested_at + timedelta(seconds=seconds)).timestamp())
        if stamp is not None:
            token[target] = stamp
        else:
            token.pop(target, None)
    return token


class SeveraTokenEndpoint:
    """``POST /v1/token`` and ``POST /v1/refreshtoken`` of one Severa API client.

    ``http`` is the ``httpx.Client`` to call with (tests and sandboxes pass one); without one, a pool of
    our own is made at the first call, with the process's one TLS context, and closed when idle (tokens
    are renewed about once an hour: no connection is held between). ``before_request`` is the API
    client's pacer (token calls count against the same quota).
    """

    system = "Severa"

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        scopes: tuple[str, ...] | list[str] = (),
        *,
        http: httpx.Client | None = None,
        timeout: float = 30.0,
        clock: Callable[[], datetime] = _now,
        before_request: Callable[[str, str], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.scopes = tuple(scopes)
        self._clock = clock
        self.pool = IdlePool(http, timeout)
        self.before_request = before_request
        self._separators = [",", " "]  # the first one Severa takes moves to the front
        self.calls = 0

    def close(self) -> None:
        self.pool.close()

    def sign_in(self) -> Token:
        """A new token pair from the client credentials (``AuthError`` if Severa refuses them)."""
        if not self.scopes:
            return self._post(TOKEN_PATH, self._credentials(None))
        first, *others = self._separators
        try:
            return self._post(TOKEN_PATH, self._credentials(first))
        except (AuthError, ValidationError) as refused:
            for separator in others:
                try:
                    token = self._post(TOKEN_PATH, self._credentials(separator))
                except (AuthError, ValidationError):
                    continue
                self._separators = [separator, *[s for s in self._separators if s != separator]]
                return token
            raise refused

    def refresh(self, refresh_token: str) -> Token:
        """A new token pair for ``refresh_token`` (the body is the token as a JSON string)."""
        token = self._post(REFRESH_PATH, refresh_token)
        if not token.get("refresh_token"):
            token["refresh_token"] = refresh_token
        return token

    def _credentials(self, separator: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"client_id": self.client_id, "client_secret": self._client_secret}
        if separator is not None:
            body["scope"] = separator.join(self.scopes)
        return body

    def _post(self, path: str, body: Any) -> Token:
        url = f"{self.base_url}/{path}"
        if self.before_request is not None:
            self.before_request("POST", path)
        requested_at = self._clock()
        self.calls += 1
        try:
            with self.pool.use() as http:
                response = http.post(
                    url,
                    content=json.dumps(body).encode(),
                    headers={
                        "Accept": "application/json",
                        "Content-Type": "application/json",
                        CLIENT_ID_HEADER: self.client_id,
                    },
                )
        except httpx.TimeoutException as exc:
            raise TransientError(f"{self.system}: POST {url} timed out", method="POST", url=url) from exc
        except httpx.TransportError as exc:
            raise TransientError(f"{self.system}: POST {url} failed: {exc}", method="POST", url=url) from exc
        if not response.is_success:
            raise map_severa_error(self.system, response)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise ApiError(
                f"{self.system} answered POST /{path} without a token",
                status_code=response.status_code,
                body=response.text[:500],
                method="POST",
                url=url,
            )
        return normalise_token(answer, requested_at)


class SeveraTokens:
    """Valid access tokens for one Severa connection, renewed once however many threads ask at once.

    A token is renewed ``margin`` seconds before it expires: by the refresh route while the refresh token
    is valid, otherwise (or when Severa refuses it) by signing in again with the client credentials.
    ``renewals`` counts the token requests this object made (tests, metrics).
    """

    def __init__(
        self,
        endpoint: SeveraTokenEndpoint,
        vault: TokenVault,
        *,
        margin: float = 60.0,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.endpoint = endpoint
        self.vault = vault
        self.margin = margin
        self._clock = clock
        self._cached: Token | None = None
        self.renewals = 0

    def access_token(self) -> str:
        # The token in hand while it is valid (no store read per request), then the vault's.
        cached = self._cached
        if cached and self._valid(cached):
            return str(cached["access_token"])
        stored = self.vault.load()
        if stored and self._valid(stored):
            return self._use(stored)
        with self.vault.refreshing():
            # A thread that waited here usually finds the token the one before it stored.
            stored = self.vault.load()
            if stored and self._valid(stored):
                return self._use(stored)
            return self._renew(stored)

    def force_refresh(self, rejected: str) -> str:
        """A new token after Severa refused ``rejected`` (401), unless another caller already replaced it."""
        self._cached = None
        with self.vault.refreshing():
            stored = self.vault.load()
            if stored and stored.get("access_token") and stored["access_token"] != rejected:
                return self._use(stored)
            return self._renew(stored)

    def _use(self, token: Mapping[str, Any]) -> str:
        self._cached = dict(token)
        return str(token["access_token"])

    def _valid(self, token: Mapping[str, Any]) -> bool:
        if not token.get("access_token"):
            return False
        expires_at = _seconds(token.get("expires_at"))
        return expires_at is None or expires_at - self.margin > self._clock().timestamp()

    def _renew(self, stored: Mapping[str, Any] | None) -> str:
        token: Token | None = None
        refresh_token = stored.get("refresh_token") if stored else None
        refresh_expires = _seconds(stored.get("refresh_expires_at")) if stored else None
        usable = refresh_expires is None or refresh_expires > self._clock().timestamp()
        if refresh_token and usable:
            try:
                token = self.endpoint.refresh(str(refresh_token))
            except TransientError:
                raise
            except ApiError:
                token = None  # refused, expired or no such route: the credentials sign in afresh
        if token is None:
            try:
                token = self.endpoint.sign_in()
            except TransientError:
                raise
            except AuthError as exc:
                self._cached = None
                self.vault.mark_failed(exc.remote_message or str(exc))
                raise
        self.renewals += 1
        self.vault.save(token)
        return self._use(token)


class AccessTokens(Protocol):
    """What :class:`SeveraBearer` needs: :class:`SeveraTokens`, or anything answering the same."""

    def access_token(self) -> str: ...

    def force_refresh(self, rejected: str) -> str: ...


class SeveraBearer(httpx.Auth):
    """``Authorization: Bearer`` and ``Client_Id`` on every request; a 401 renews the token once and the
    request goes again (a second 401 is Severa's answer)."""

    requires_request_body = True

    def __init__(
        self, tokens: AccessTokens, client_id: str, *, pace: Callable[[str, str], None] | None = None
    ) -> None:
        self.tokens = tokens
        self.client_id = client_id
        self.pace = pace  # the resend after a 401 counts against the quota like any request

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.tokens.access_token()
        request.headers["Authorization"] = f"Bearer {token}"
        request.headers[CLIENT_ID_HEADER] = self.client_id
        response = yield request
        if response.status_code != 401:
            return
        fresh = self.tokens.force_refresh(rejected=token)
        request.headers["Authorization"] = f"Bearer {fresh}"
        if self.pace is not None:
            self.pace(request.method, request.url.path)
        yield request
