"""Client-credentials tokens, the per-route scope check, the ``Client_Id`` header and the request limit."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from starlette.responses import PlainTextResponse, Response

from ledgerbridge.sandbox import TokenBucket
from ledgerbridge.sandbox.routes import Call, HttpError, RouteTable
from ledgerbridge.systems.severa.sandbox.state import ApiClient, IssuedToken, SeveraState
from ledgerbridge.systems.severa.sandbox.wire import (
    body_object,
    error_response,
    fail,
    invalid_body,
    json_response,
    timestamp,
)

_SCOPE_SEPARATORS = re.compile(r"[,\s]+")
QUOTA_MESSAGE = "API calls quota exceeded! maximum admitted {capacity} per {window}s."


def _field(body: dict[str, Any], name: str) -> Any:
    """Body keys are matched case-insensitively (third-party clients send ``client_Id``)."""
    return next((v for k, v in body.items() if k.lower() == name), None)


class Gate:
    """Everything checked before a handler runs: limit, bearer token, ``Client_Id``, scopes."""

    def __init__(self, state: SeveraState, *, strict: bool = False) -> None:
        self.state = state
        self.strict = strict  # strict: Client_Id header required on every authorised call
        self.rate_limit: tuple[int, float] | None = None
        self.send_retry_after = False
        self.bucket_clock: Callable[[], float] = time.monotonic
        self._buckets: dict[str, TokenBucket] = {}

    # -- request limit ---------------------------------------------------------------------------
    def set_rate_limit(
        self, capacity: int | None, window_seconds: float = 1.0, *, retry_after: bool = False
    ) -> None:
        """Requests per client id and window (Severa: 10 per second); None switches it off."""
        self.rate_limit = (capacity, window_seconds) if capacity else None
        self.send_retry_after = retry_after
        self._buckets.clear()

    def _check_limit(self, call: Call) -> None:
        if self.rate_limit is None:
            return
        who = call.request.headers.get("client_id") or self._token_client(call) or "anonymous"
        capacity, window = self.rate_limit
        bucket = self._buckets.get(who)
        if bucket is None:
            bucket = self._buckets[who] = TokenBucket(capacity, window, clock=self.bucket_clock)
        decision = bucket.take()
        if not decision.allowed:
            window_text = f"{window:g}"
            headers = (
                {"Retry-After": str(max(1, round(decision.retry_after + 0.5)))}
                if self.send_retry_after
                else {}
            )
            raise HttpError(
                PlainTextResponse(
                    QUOTA_MESSAGE.format(capacity=capacity, window=window_text),
                    status_code=429,
                    headers=headers,
                )
            )

    # -- tokens ----------------------------------------------------------------------------------
    def _bearer(self, call: Call) -> str | None:
        scheme, _, token = call.request.headers.get("authorization", "").partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None

    def _token_client(self, call: Call) -> str | None:
        token = self._bearer(call)
        issued = self.state.access_tokens.get(token) if token else None
        return issued.client_id if issued else None

    def _authenticate(self, call: Call) -> IssuedToken:
        token = self._bearer(call)
        if token is None:
            raise fail("AuthenticationRequired", "Authorization header with a Bearer token is required.")
        issued = self.state.access_tokens.get(token)
        if issued is None:
            raise fail("AuthenticationRequired", "The access token is not valid.")
        if issued.expires <= self.state.clock():
            raise fail("AuthenticationRequired", "The access token has expired.")
        client_id = call.request.headers.get("client_id")
        if client_id is None and self.strict:
            raise fail(
                "AuthenticationRequired", "The Client_Id header is required.", ("RequestHeader", "Client_Id")
            )
        if client_id is not None and client_id != issued.client_id:
            raise fail(
                "AuthenticationRequired",
                "The Client_Id header does not match the token.",
                ("RequestHeader", "Client_Id"),
            )
        return issued

    async def before(self, call: Call) -> None:
        self._check_limit(call)
        if not call.route.meta.get("auth", True):
            return
        issued = self._authenticate(call)
        missing = [s for s in call.route.meta.get("scopes", ()) if s not in issued.scopes]
        if missing:
            raise fail("InsufficientApiScope", f"The access token lacks the scope(s): {', '.join(missing)}.")

    # -- issuing ---------------------------------------------------------------------------------
    def issue(self, client: ApiClient, scopes: frozenset[str]) -> dict[str, Any]:
        now = self.state.clock()
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        access_expires = now + timedelta(seconds=self.state.access_token_lifetime)
        refresh_expires = now + timedelta(seconds=self.state.refresh_token_lifetime)
        with self.state.lock:
            self.state.access_tokens[access] = IssuedToken(client.client_id, scopes, access_expires)
            self.state.refresh_tokens[refresh] = IssuedToken(client.client_id, scopes, refresh_expires)
        return {
            "access_token": access,
            "access_token_type": "Bearer",
            "access_token_expires_in": self.state.access_token_lifetime,
            "access_token_expires_utc": timestamp(access_expires),
            "refresh_token": refresh,
            "refresh_token_expires_in": self.state.refresh_token_lifetime,
            "refresh_token_expires_utc": timestamp(refresh_expires),
            "scope": ",".join(sorted(scopes)),
        }

    def _client(self, client_id: Any, secret: Any) -> ApiClient:
        for name, value in (("client_id", client_id), ("client_secret", secret)):
            if not isinstance(value, str) or not value.strip():
                raise invalid_body(name, f"The {name} field is required.")
        client = self.state.clients.get(client_id)
        if client is None or not secrets.compare_digest(client.client_secret, secret):
            raise fail("AuthenticationRequired", "Invalid client credentials.")
        return client

    def _scopes(self, client: ApiClient, requested: Any) -> frozenset[str]:
        if requested is not None and not isinstance(requested, str):
            raise invalid_body("scope", "The scope field must be a string.")
        wanted = frozenset(s for s in _SCOPE_SEPARATORS.split(requested or "") if s)
        if not wanted:
            return client.scopes
        refused = sorted(wanted - client.scopes)
        if refused:
            raise fail(
                "InsufficientApiScope", f"The client is not granted the scope(s): {', '.join(refused)}."
            )
        return wanted

    def _refresh(self, refresh_token: Any) -> dict[str, Any]:
        if not isinstance(refresh_token, str) or not refresh_token:
            raise invalid_body("refreshToken", "The refresh token is required.")
        with self.state.lock:
            issued = self.state.refresh_tokens.pop(refresh_token, None)  # a refresh token is used once
        if issued is None or issued.expires <= self.state.clock():
            raise fail("AuthenticationRequired", "The refresh token is not valid or has expired.")
        return self.issue(self.state.clients[issued.client_id], issued.scopes)

    # -- handlers --------------------------------------------------------------------------------
    async def token(self, call: Call) -> Response:
        body = body_object(await _json(call))
        client = self._client(_field(body, "client_id"), _field(body, "client_secret"))
        return json_response(200, self.issue(client, self._scopes(client, _field(body, "scope"))))

    async def refresh_token(self, call: Call) -> Response:
        return json_response(200, self._refresh(await _json(call)))

    async def oauth_access_token(self, call: Call) -> Response:
        body = body_object(await _json(call))
        grant = _field(body, "grant_type")
        if grant == "client_credentials":
            client = self._client(_field(body, "client_id"), _field(body, "client_secret"))
            return json_response(200, self.issue(client, self._scopes(client, _field(body, "scope"))))
        if grant == "refresh_token":
            return json_response(200, self._refresh(_field(body, "refresh_token")))
        if grant == "authorization_code":
            raise fail("InvalidOperation", "The sandbox does not emulate the authorization code flow.")
        raise invalid_body(
            "grant_type", "grant_type must be client_credentials, authorization_code or refresh_token."
        )


async def _json(call: Call) -> Any:
    try:
        return await call.json()
    except ValueError:
        raise fail("InvalidRequest", "The request body is not valid JSON.", ("RequestBody", "body")) from None


async def _server_alive(call: Call) -> Response:
    return PlainTextResponse("Server is alive.")


async def _database_alive(call: Call) -> Response:
    return PlainTextResponse("Database is alive.")


async def _authorized(call: Call) -> Response:
    return Response(status_code=204)


def register_auth(table: RouteTable, gate: Gate) -> None:
    table.add("POST", "/v1/token", gate.token, auth=False)
    table.add("POST", "/v1/refreshtoken", gate.refresh_token, auth=False)
    table.add("POST", "/v1/login/oauth/access_token", gate.oauth_access_token, auth=False)
    table.add("GET", "/heartbeat/server", _server_alive, auth=False)
    table.add("GET", "/heartbeat/database", _database_alive, auth=False)
    table.add("GET", "/heartbeat/authorized", _authorized)


__all__ = ["Gate", "error_response", "register_auth"]
