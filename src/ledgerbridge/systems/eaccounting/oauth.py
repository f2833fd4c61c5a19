"""Visma Connect (identity.vismaonline.com): connecting eAccounting with OAuth2 and keeping the token fresh.

Research: shared/research/eaccounting-api.md §2. Authorization-code flow for a confidential client:
``/connect/authorize`` (with ``prompt=select_account`` and eAccounting's ``acr_values``, so the user
picks a company that has eAccounting), the code exchanged at ``/connect/token`` with HTTP Basic
client authentication, refreshes with ``grant_type=refresh_token`` (the answer may carry a new
refresh token — rotating — or not — reusable; both are handled by always storing what came back),
``/connect/revocation`` to disconnect. Access tokens live 3600 s.

The OAuth2 encoding (authorize URL, token request bodies, Basic client authentication, revocation
body) is authlib's protocol layer; the HTTP calls go through an ``httpx.Client`` of ours so errors
map onto :mod:`ledgerbridge.systems.errors` (``invalid_grant`` → :class:`InvalidGrant`, an
``AuthError``; 5xx, 429 and timeouts → ``TransientError``). authlib's httpx integration is not used:
authlib 1.9 deprecates it (it wants ``httpx2``) and warns on every import.

Keeping the grant alive is system-neutral: :class:`~ledgerbridge.systems.tokens.RefreshingTokens` refreshes
it single-flight in the token vault it is handed (the engine's encrypted store in production), and
:class:`BearerAuth` plugs it into httpx. This module imports nothing of the engine.
"""

from __future__ import annotations

import html
import http.server
import secrets
import threading
from collections.abc import Callable, Generator, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import httpx
from authlib.common.urls import url_decode
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7009 import prepare_revoke_token_request

from ledgerbridge.systems.errors import (
    ApiError,
    AuthError,
    RateLimitedError,
    ReconnectRequired,
    TransientError,
)
from ledgerbridge.systems.http import IdlePool, decode_body, parse_retry_after

DEFAULT_IDENTITY_URL = "https://identity.vismaonline.com"
#: What ledgerbridge asks for: the API, a refresh token, and read/write on sales (articles and their labels,
#: customers, invoices, orders), purchase (suppliers, supplier invoice drafts) and accounting (vouchers,
#: accounts, cost centers). The API refuses an operation none of whose scopes the token holds (403, 4006).
DEFAULT_SCOPES: tuple[str, ...] = ("ea:api", "offline_access", "ea:sales", "ea:purchase", "ea:accounting")
#: ``acr_values`` that limits the company picker to companies with eAccounting.
EACCOUNTING_ACR_VALUES = "service:44643EB1-3F76-4C1C-A672-402AE8085934"

__all__ = [
    "DEFAULT_IDENTITY_URL",
    "DEFAULT_SCOPES",
    "EACCOUNTING_ACR_VALUES",
    "AuthorizationDenied",
    "BearerAuth",
    "InvalidGrant",
    "ReconnectRequired",
    "VismaConnect",
    "authorize_via_loopback",
]


class InvalidGrant(AuthError):
    """``invalid_grant``: the code or refresh token is unknown, used, expired or revoked."""


class AuthorizationDenied(AuthError):
    """The authorize step came back with an error (the user pressed Deny, a wrong state, no answer)."""


def _now() -> datetime:
    return datetime.now(UTC)


class VismaConnect:
    """The OAuth2 endpoints of Visma Connect for one registered client.

    ``http`` is the ``httpx.Client`` to call them with (tests pass one with a transport of their own);
    without one, a pool of our own is made at the first call, with the process's one TLS context, and
    closed when idle (a tenant's token is refreshed once an hour: it holds no connection between).
    ``clock`` stamps ``expires_at`` (epoch seconds) into the answered token dicts.
    """

    system = "Visma Connect"

    def __init__(
        self,
        identity_url: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        http: httpx.Client | None = None,
        *,
        scopes: Iterable[str] = DEFAULT_SCOPES,
        prompt: str | None = "select_account",
        acr_values: str | None = EACCOUNTING_ACR_VALUES,
        timeout: float = 15.0,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.identity_url = (identity_url or DEFAULT_IDENTITY_URL).rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.scopes = list(scopes)
        self.prompt = prompt
        self.acr_values = acr_values
        self._clock = clock
        self.pool = IdlePool(http, timeout)
        self._client_auth = ClientAuth(client_id, client_secret, "client_secret_basic")

    @property
    def authorize_endpoint(self) -> str:
        return f"{self.identity_url}/connect/authorize"

    @property
    def token_endpoint(self) -> str:
        return f"{self.identity_url}/connect/token"

    @property
    def revocation_endpoint(self) -> str:
        return f"{self.identity_url}/connect/revocation"

    def close(self) -> None:
        self.pool.close()

    def __enter__(self) -> VismaConnect:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the flow ----------------------------------------------------------------------------------
    def authorization_url(self, state: str) -> str:
        """Where to send the user's browser to grant access (``state`` comes back on the redirect)."""
        extra = {"prompt": self.prompt, "acr_values": self.acr_values}
        return str(
            prepare_grant_uri(
                self.authorize_endpoint,
                client_id=self.client_id,
                response_type="code",
                redirect_uri=self.redirect_uri,
                scope=self.scopes,
                state=state,
                **{k: v for k, v in extra.items() if v},
            )
        )

    def exchange_code(self, code: str) -> dict[str, Any]:
        """The token dict for an authorization code (``InvalidGrant`` if used, expired or unknown)."""
        body = prepare_token_request("authorization_code", code=code, redirect_uri=self.redirect_uri)
        return self._token_request(body)

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        """A fresh token dict; ``refresh_token`` in it is the new one (rotating) or the same (reusable)."""
        body = prepare_token_request("refresh_token", refresh_token=refresh_token)
        token = self._token_request(body)
        if not token.get("refresh_token"):
            token["refresh_token"] = refresh_token
        return token

    def revoke(self, token: str, token_type_hint: str | None = "refresh_token") -> None:
        """Revoke a token (a refresh token ends the whole grant and its access tokens)."""
        body, headers = prepare_revoke_token_request(token, token_type_hint)
        response = self._post(self.revocation_endpoint, body, headers)
        if not response.is_success:
            raise self._error(response)

    # -- HTTP --------------------------------------------------------------------------------------
    def _post(self, url: str, body: str, headers: dict[str, str] | None = None) -> httpx.Response:
        all_headers = {
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
            **(headers or {}),
        }
        url, all_headers, body = self._client_auth.prepare("POST", url, all_headers, body)
        try:
            with self.pool.use() as http:
                return http.post(url, content=body.encode(), headers=all_headers)
        except httpx.TimeoutException as exc:
            raise TransientError(f"{self.system}: POST {url} timed out", method="POST", url=url) from exc
        except httpx.TransportError as exc:
            raise TransientError(f"{self.system}: POST {url} failed: {exc}", method="POST", url=url) from exc

    def _token_request(self, body: str) -> dict[str, Any]:
        started = self._clock()
        grant_type = dict(url_decode(body)).get("grant_type")
        response = self._post(self.token_endpoint, body)
        if not response.is_success:
            raise self._error(response)
        token = decode_body(response)
        if not isinstance(token, dict) or not token.get("access_token"):
            raise ApiError(
                f"{self.system} answered the {grant_type} request without an access_token",
                status_code=response.status_code,
                body=token,
                method="POST",
                url=self.token_endpoint,
            )
        if token.get("expires_in") is not None:
            token["expires_at"] = int((started + timedelta(seconds=float(token["expires_in"]))).timestamp())
        return token

    def _error(self, response: httpx.Response) -> ApiError:
        body = decode_body(response)
        status = response.status_code
        error = body.get("error") if isinstance(body, dict) else None
        description = body.get("error_description") if isinstance(body, dict) else None
        remote = f"{error}: {description}" if error and description else str(error or description or "")
        if not remote:
            remote = body.strip()[:300] if isinstance(body, str) and body.strip() else f"HTTP {status}"
        path = response.request.url.path
        common: dict[str, Any] = {
            "status_code": status,
            "remote_message": remote,
            "body": body,
            "method": response.request.method,
            "url": str(response.request.url),
        }
        text = f"{self.system} answered {status} to POST {path}: {remote}"
        if status == 429:
            return RateLimitedError(
                text, retry_after=parse_retry_after(response.headers.get("Retry-After")), **common
            )
        if status >= 500 or status == 408:
            return TransientError(text, **common)
        if error == "invalid_grant":
            return InvalidGrant(text, **common)
        if error in ("invalid_client", "unauthorized_client") or status in (401, 403):
            return AuthError(text, **common)
        return ApiError(text, **common)


class AccessTokens(Protocol):
    """What :class:`BearerAuth` needs: :class:`~ledgerbridge.systems.tokens.RefreshingTokens`, or alike."""

    def access_token(self) -> str: ...

    def force_refresh(self, rejected: str) -> str: ...


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer`` from :class:`AccessTokens` (a grant kept alive in a token vault).

    Each request gets a token valid for the keeper's margin (refreshed single-flight when needed). A 401
    from the API forces one refresh (unless another caller already replaced that token) and the request
    is sent once more; a second 401 is the API's answer. When the grant is gone, the request fails with
    :class:`ReconnectRequired` before anything is sent again.
    """

    requires_request_body = True

    def __init__(self, tokens: AccessTokens) -> None:
        self.tokens = tokens

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.tokens.access_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        fresh = self.tokens.force_refresh(rejected=token)
        request.headers["Authorization"] = f"Bearer {fresh}"
        yield request


# -- connecting from the command line ------------------------------------------------------------
_DONE_PAGE = (
    "<!doctype html><html lang=en><head><meta charset=utf-8><title>ledgerbridge</title></head>"
    "<body><h1>{title}</h1><p>{message}</p></body></html>"
)


def authorize_via_loopback(
    connect: VismaConnect, *, open_browser: Callable[[str], None], timeout: float = 300.0
) -> dict[str, Any]:
    """Run the authorization-code flow with a one-shot HTTP server on the redirect URI's host and port.

    The redirect URI must be ``http://127.0.0.1:PORT/path`` (or ``localhost``), registered with the
    client. ``open_browser(url)`` shows the user the authorize page (print it, ``webbrowser.open``);
    this waits up to ``timeout`` seconds for the redirect, checks ``state``, exchanges the code and
    answers the token dict. Raises :class:`AuthorizationDenied` (denied, wrong state, no answer in
    time) or what :meth:`VismaConnect.exchange_code` raises.
    """
    target = urlsplit(connect.redirect_uri)
    if target.scheme != "http" or not target.hostname or target.port is None:
        raise ValueError(
            f"the redirect URI {connect.redirect_uri!r} is not http://HOST:PORT/...: the loopback "
            "callback cannot listen there"
        )
    callback_path = target.path or "/"
    state = secrets.token_urlsafe(24)
    received: dict[str, str] = {}
    arrived = threading.Event()

    class Callback(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            url = urlsplit(self.path)
            if url.path != callback_path or arrived.is_set():
                self._answer(404, "Not found", "This is ledgerbridge's one-time OAuth callback.")
                return
            params = {k: v[0] for k, v in parse_qs(url.query).items()}
            if params.get("state") != state:
                self._answer(400, "Wrong state", "This answer does not belong to this connect; ignored.")
                return
            received.update(params)
            arrived.set()
            if "code" in params:
                self._answer(200, "Connected", "ledgerbridge got the authorisation. You may close this tab.")
            else:
                reason = params.get("error_description") or params.get("error") or "no code"
                self._answer(200, "Not connected", f"The authorisation was not granted: {reason}.")

        def _answer(self, status: int, title: str, message: str) -> None:
            page = _DONE_PAGE.format(title=html.escape(title), message=html.escape(message)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
            pass

    server = http.server.ThreadingHTTPServer((target.hostname, target.port), Callback)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        open_browser(connect.authorization_url(state))
        if not arrived.wait(timeout):
            raise AuthorizationDenied(f"no answer from {connect.system} within {timeout:g} seconds")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    if "code" not in received:
        error = received.get("error", "no code")
        description = received.get("error_description")
        raise AuthorizationDenied(
            f"{connect.system} did not grant access: {error}" + (f" ({description})" if description else ""),
            remote_message=description or error,
        )
    return connect.exchange_code(received["code"])
