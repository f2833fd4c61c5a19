"""A local emulator of Visma Connect (identity.vismaonline.com), the OAuth2 server eAccounting uses.

Research: shared/research/eaccounting-api.md §1-§2. Emulated (``IdentityServer(...).app`` is a
Starlette app; serve it with :class:`~ledgerbridge.sandbox.SandboxServer` or hand it to the
eAccounting sandbox as ``create_app(state, identity=server)``, which forwards ``/connect/*`` to it):

- ``GET /connect/authorize`` — ``client_id`` and ``redirect_uri`` must be registered (exact match),
  else an HTML error page (400) and no redirect; ``response_type`` must be ``code`` (else a redirect
  with ``error=unsupported_response_type``); ``scope`` (space separated) must include ``ea:api`` and
  name only known scopes (else ``error=invalid_scope``). Answers a small HTML consent page naming the
  client and the scopes with a "Grant access" and a "Deny" button (a form posting back to
  ``/connect/authorize`` with a one-time ``request_id``). ``prompt`` and ``acr_values`` are accepted
  and ignored (there is one user and one company). With ``auto_grant`` the page is skipped: the
  answer is the 302 with the code at once.
- ``POST /connect/authorize`` (the form) — 302 to ``redirect_uri?code=…&state=…``, or
  ``?error=access_denied&state=…`` on "Deny". Codes are single use and valid 5 minutes.
- ``POST /connect/token`` — client authentication by HTTP Basic (``client_id:client_secret``) or by
  ``client_id``/``client_secret`` form fields (the live IdP takes both). ``grant_type``
  ``authorization_code`` (``code`` + ``redirect_uri``, which must equal the authorize request's) or
  ``refresh_token``. Answers ``{access_token, token_type: "bearer", expires_in, scope}`` plus
  ``refresh_token`` when the grant includes ``offline_access``. Errors are OAuth2 JSON
  ``{error, error_description}``: ``invalid_client`` 401 (with ``WWW-Authenticate: Basic`` when Basic
  was tried), ``invalid_grant`` / ``invalid_request`` / ``unsupported_grant_type`` 400.
- ``POST /connect/revocation`` — client authentication as above, ``token`` (+ optional
  ``token_type_hint``); answers 200 with an empty body, also for unknown tokens (RFC 7009).
  Revoking a refresh token ends the whole grant: its refresh tokens and every access token issued
  under it. Revoking an access token ends that token only.

Switches (attributes, changeable while serving): ``rotate_refresh_tokens`` (True: every refresh
answers a new refresh token and the presented one dies — older clients; False: the same refresh
token is answered again and stays valid — clients registered since Visma's change),
``access_token_lifetime`` (seconds, default 3600), ``refresh_token_lifetime`` (None: no expiry; Visma
publishes none), ``auto_grant``, ``clock`` (a callable answering an aware datetime; tests move it to
expire tokens and codes), ``fail_next`` (statuses the next token-endpoint requests answer, e.g.
``[503]``, to test transient failures). Events: :meth:`kill_refresh_tokens` (a password change: every
refresh token dies, access tokens live until they expire), :meth:`revoke_all_for` (the user removes
the app: all its tokens die). Counters: ``token_requests`` (every ``/connect/token`` request),
``refresh_requests`` (those with ``grant_type=refresh_token``), ``revocation_requests``.
:meth:`accepts` answers whether an access token is valid now (known, not expired, not revoked), for
the API sandbox; :meth:`introspect` adds the client and scopes (the API sandbox checks each operation's
scopes against them, :mod:`.scopes`); :meth:`issue_tokens` makes a grant without the browser dance.

Assumed (not published by Visma, see the research's UNCONFIRMED marks): tokens are opaque random
strings here (the live access tokens are JWTs that clients must not need to read); ``token_type`` is
spelled ``bearer`` as in Visma's docs; an unknown, used, expired or foreign code or refresh token is
``invalid_grant``; a reused code is refused without revoking what it issued; a refresh keeps the
grant's scopes (a ``scope`` parameter on refresh is ignored); refresh tokens never expire unless
``refresh_token_lifetime`` says so; revoking a token of another client is a silent no-op.
"""

from __future__ import annotations

import base64
import html
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

CODE_LIFETIME = timedelta(minutes=5)
CONSENT_LIFETIME = timedelta(minutes=30)

SCOPE_DESCRIPTIONS: dict[str, str] = {
    "ea:api": "Use the eAccounting API",
    "offline_access": "Stay connected when you are not signed in",
    "ea:sales": "Read and change sales: customers, articles, invoices",
    "ea:sales_readonly": "Read sales: customers, articles, invoices",
    "ea:purchase": "Read and change purchases: suppliers, supplier invoices",
    "ea:purchase_readonly": "Read purchases: suppliers, supplier invoices",
    "ea:accounting": "Read and change accounting: accounts, vouchers, fiscal years",
    "ea:accounting_readonly": "Read accounting: accounts, vouchers, fiscal years",
    "vls:api": "Use the payroll API",
    "openid": "Know who you are",
    "profile": "Read your name",
    "email": "Read your e-mail address",
}


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class RegisteredClient:
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    name: str = ""


@dataclass
class _Consent:
    """An authorize request shown on the consent page, waiting for Grant or Deny."""

    client_id: str
    redirect_uri: str
    scope: list[str]
    state: str | None
    expires_at: datetime


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    scope: list[str]
    expires_at: datetime
    used: bool = False


@dataclass
class _Grant:
    """One authorisation of a client by the user: a chain of refresh tokens and its access tokens."""

    id: str
    client_id: str
    scope: list[str]
    subject: str
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)


@dataclass
class _AccessToken:
    grant_id: str
    client_id: str
    scope: list[str]
    expires_at: datetime
    revoked: bool = False


@dataclass
class _RefreshToken:
    grant_id: str
    client_id: str
    expires_at: datetime | None
    alive: bool = True


class _OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400, *, basic: bool = False) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.basic = basic

    def response(self) -> Response:
        headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
        if self.basic:
            headers["WWW-Authenticate"] = 'Basic realm="identity"'
        return JSONResponse(
            {"error": self.error, "error_description": self.description}, self.status, headers=headers
        )


def _with_query(uri: str, params: dict[str, str | None]) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{uri}{'&' if '?' in uri else '?'}{query}"


class IdentityServer:
    """The emulated Visma Connect: registered clients, codes, grants and tokens, all in memory."""

    def __init__(
        self,
        clients: Iterable[RegisteredClient] = (),
        *,
        rotate_refresh_tokens: bool = True,
        access_token_lifetime: float = 3600,
        refresh_token_lifetime: float | None = None,
        auto_grant: bool = False,
        clock: Callable[[], datetime] = _now,
        subject: str = "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
        company: str = "Sandbox company AB sandbox",
    ) -> None:
        self.clients: dict[str, RegisteredClient] = {c.client_id: c for c in clients}
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.access_token_lifetime = access_token_lifetime
        self.refresh_token_lifetime = refresh_token_lifetime
        self.auto_grant = auto_grant
        self.clock = clock
        self.subject = subject
        self.company = company
        self.fail_next: list[int] = []
        self.token_requests = 0
        self.refresh_requests = 0
        self.revocation_requests = 0
        self._lock = threading.RLock()
        self._consents: dict[str, _Consent] = {}
        self._codes: dict[str, _Code] = {}
        self._grants: dict[str, _Grant] = {}
        self._access: dict[str, _AccessToken] = {}
        self._refresh: dict[str, _RefreshToken] = {}
        # Typed as ASGIApp so it matches the API sandbox's IdentityProvider protocol; it is a Starlette app.
        self.app: ASGIApp = Starlette(
            routes=[
                Route("/connect/authorize", self._authorize_page, methods=["GET"]),
                Route("/connect/authorize", self._authorize_decision, methods=["POST"]),
                Route("/connect/token", self._token, methods=["POST"]),
                Route("/connect/revocation", self._revocation, methods=["POST"]),
            ]
        )

    # -- Python API ------------------------------------------------------------------------------
    def register_client(
        self, client_id: str, client_secret: str, redirect_uris: Iterable[str], *, name: str = ""
    ) -> RegisteredClient:
        client = RegisteredClient(client_id, client_secret, list(redirect_uris), name or client_id)
        with self._lock:
            self.clients[client_id] = client
        return client

    def accepts(self, token: str) -> bool:
        """True if ``token`` is an access token that is known, not expired and not revoked."""
        return self.introspect(token) is not None

    def introspect(self, token: str) -> dict[str, Any] | None:
        """``{client_id, scope, sub, exp}`` of a valid access token, else None."""
        with self._lock:
            access = self._access.get(token)
            if access is None or access.revoked or self.clock() >= access.expires_at:
                return None
            grant = self._grants[access.grant_id]
            return {
                "client_id": access.client_id,
                "scope": list(access.scope),
                "sub": grant.subject,
                "exp": int(access.expires_at.timestamp()),
            }

    def issue_tokens(self, client_id: str, scope: Iterable[str] | str) -> dict[str, Any]:
        """A new grant for ``client_id`` as if the user had consented; the token endpoint's answer."""
        scopes = scope.split() if isinstance(scope, str) else list(scope)
        with self._lock:
            if client_id not in self.clients:
                raise KeyError(f"unknown client {client_id!r}")
            return self._new_grant(client_id, scopes)

    def kill_refresh_tokens(self) -> None:
        """A password change: every refresh token dies; access tokens live until they expire."""
        with self._lock:
            for refresh in self._refresh.values():
                refresh.alive = False

    def revoke_all_for(self, client_id: str) -> None:
        """The user disconnects the app: every access and refresh token of ``client_id`` dies."""
        with self._lock:
            for grant in self._grants.values():
                if grant.client_id == client_id:
                    self._end_grant(grant)

    def reset_counters(self) -> None:
        with self._lock:
            self.token_requests = self.refresh_requests = self.revocation_requests = 0

    # -- tokens ----------------------------------------------------------------------------------
    def _new_grant(self, client_id: str, scope: list[str]) -> dict[str, Any]:
        grant = _Grant(secrets.token_hex(8), client_id, scope, self.subject)
        self._grants[grant.id] = grant
        refresh = self._new_refresh_token(grant) if "offline_access" in scope else None
        return self._answer(grant, refresh)

    def _new_refresh_token(self, grant: _Grant) -> str:
        value = secrets.token_hex(32).upper()
        lifetime = self.refresh_token_lifetime
        expires = self.clock() + timedelta(seconds=lifetime) if lifetime is not None else None
        self._refresh[value] = _RefreshToken(grant.id, grant.client_id, expires)
        grant.refresh_tokens.add(value)
        return value

    def _answer(self, grant: _Grant, refresh_token: str | None) -> dict[str, Any]:
        access = secrets.token_urlsafe(32)
        lifetime = self.access_token_lifetime
        self._access[access] = _AccessToken(
            grant.id, grant.client_id, list(grant.scope), self.clock() + timedelta(seconds=lifetime)
        )
        grant.access_tokens.add(access)
        body: dict[str, Any] = {
            "access_token": access,
            "expires_in": int(lifetime),
            "token_type": "bearer",
            "scope": " ".join(grant.scope),
        }
        if refresh_token is not None:
            body["refresh_token"] = refresh_token
        return body

    def _end_grant(self, grant: _Grant) -> None:
        for value in grant.refresh_tokens:
            self._refresh[value].alive = False
        for value in grant.access_tokens:
            self._access[value].revoked = True

    # -- client authentication -------------------------------------------------------------------
    def _client(self, request: Request, form: dict[str, str]) -> RegisteredClient:
        header = request.headers.get("authorization", "")
        basic = header[:6].lower() == "basic "
        if basic:
            try:
                decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
                client_id, _, secret = decoded.partition(":")
                client_id, secret = unquote(client_id), unquote(secret)
            except (ValueError, UnicodeDecodeError):
                raise _OAuthError("invalid_client", "Malformed Basic credentials.", 401, basic=True) from None
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        client = self.clients.get(client_id)
        if not client_id or client is None or not secrets.compare_digest(client.client_secret, secret):
            raise _OAuthError("invalid_client", "Client authentication failed.", 401, basic=basic)
        return client

    # -- endpoints -------------------------------------------------------------------------------
    async def _authorize_page(self, request: Request) -> Response:
        params = request.query_params
        client = self.clients.get(params.get("client_id", ""))
        if client is None:
            return _error_page("Unknown client", "The application is not registered (client_id).")
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in client.redirect_uris:
            return _error_page("Invalid redirect_uri", "The redirect_uri is not registered for this client.")
        state = params.get("state")
        if params.get("response_type") != "code":
            return _redirect(redirect_uri, error="unsupported_response_type", state=state)
        scope = params.get("scope", "").split()
        unknown = [s for s in scope if s not in SCOPE_DESCRIPTIONS]
        if "ea:api" not in scope or unknown:
            description = (
                f"unknown scopes: {' '.join(unknown)}" if unknown else "the scope must include ea:api"
            )
            return _redirect(redirect_uri, error="invalid_scope", error_description=description, state=state)
        with self._lock:
            if self.auto_grant:
                return _redirect(
                    redirect_uri, code=self._new_code(client.client_id, redirect_uri, scope), state=state
                )
            request_id = secrets.token_urlsafe(16)
            self._consents[request_id] = _Consent(
                client.client_id, redirect_uri, scope, state, self.clock() + CONSENT_LIFETIME
            )
        return HTMLResponse(_consent_page(client, scope, request_id, self.company))

    async def _authorize_decision(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        with self._lock:
            consent = self._consents.pop(form.get("request_id", ""), None)
            if consent is None or self.clock() >= consent.expires_at:
                return _error_page("Request expired", "Start again from the application.")
            if form.get("decision") != "grant":
                return _redirect(consent.redirect_uri, error="access_denied", state=consent.state)
            code = self._new_code(consent.client_id, consent.redirect_uri, consent.scope)
        return _redirect(consent.redirect_uri, code=code, state=consent.state)

    def _new_code(self, client_id: str, redirect_uri: str, scope: list[str]) -> str:
        code = secrets.token_hex(32).upper()
        self._codes[code] = _Code(client_id, redirect_uri, scope, self.clock() + CODE_LIFETIME)
        return code

    async def _token(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        with self._lock:
            self.token_requests += 1
            if form.get("grant_type") == "refresh_token":
                self.refresh_requests += 1
            if self.fail_next:
                status = self.fail_next.pop(0)
                return Response("Service Unavailable", status, media_type="text/plain")
            try:
                client = self._client(request, form)
                grant_type = form.get("grant_type")
                if not grant_type:
                    raise _OAuthError("invalid_request", "grant_type is missing.")
                if grant_type == "authorization_code":
                    body = self._exchange_code(client, form)
                elif grant_type == "refresh_token":
                    body = self._refresh_grant(client, form)
                else:
                    raise _OAuthError(
                        "unsupported_grant_type", f"grant_type {grant_type!r} is not supported."
                    )
            except _OAuthError as exc:
                return exc.response()
        return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _exchange_code(self, client: RegisteredClient, form: dict[str, str]) -> dict[str, Any]:
        value = form.get("code")
        if not value:
            raise _OAuthError("invalid_request", "code is missing.")
        code = self._codes.get(value)
        if code is None or code.client_id != client.client_id:
            raise _OAuthError("invalid_grant", "The authorization code is invalid.")
        if code.used:
            raise _OAuthError("invalid_grant", "The authorization code has already been used.")
        if self.clock() >= code.expires_at:
            raise _OAuthError("invalid_grant", "The authorization code has expired.")
        if form.get("redirect_uri") != code.redirect_uri:
            raise _OAuthError("invalid_grant", "The redirect_uri does not match the authorize request.")
        code.used = True
        return self._new_grant(client.client_id, code.scope)

    def _refresh_grant(self, client: RegisteredClient, form: dict[str, str]) -> dict[str, Any]:
        value = form.get("refresh_token")
        if not value:
            raise _OAuthError("invalid_request", "refresh_token is missing.")
        refresh = self._refresh.get(value)
        if refresh is None or refresh.client_id != client.client_id or not refresh.alive:
            raise _OAuthError("invalid_grant", "The refresh token is invalid or has been revoked.")
        if refresh.expires_at is not None and self.clock() >= refresh.expires_at:
            raise _OAuthError("invalid_grant", "The refresh token has expired.")
        grant = self._grants[refresh.grant_id]
        if self.rotate_refresh_tokens:
            refresh.alive = False
            return self._answer(grant, self._new_refresh_token(grant))
        return self._answer(grant, value)

    async def _revocation(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        with self._lock:
            self.revocation_requests += 1
            try:
                client = self._client(request, form)
                token = form.get("token")
                if not token:
                    raise _OAuthError("invalid_request", "token is missing.")
            except _OAuthError as exc:
                return exc.response()
            refresh = self._refresh.get(token)
            access = self._access.get(token)
            if refresh is not None and refresh.client_id == client.client_id:
                self._end_grant(self._grants[refresh.grant_id])
            elif access is not None and access.client_id == client.client_id:
                access.revoked = True
        return Response(b"", 200)


def _redirect(uri: str, **params: str | None) -> Response:
    return RedirectResponse(_with_query(uri, params), status_code=302)


def _error_page(title: str, message: str) -> Response:
    page = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>Visma Connect (sandbox): {html.escape(title)}</title></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></body></html>"
    )
    return HTMLResponse(page, status_code=400)


def _consent_page(client: RegisteredClient, scope: list[str], request_id: str, company: str) -> str:
    items = "".join(
        f"<li><code>{html.escape(s)}</code> {html.escape(SCOPE_DESCRIPTIONS.get(s, ''))}</li>" for s in scope
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<title>Visma Connect (sandbox): grant access</title></head><body>"
        "<h1>Grant access</h1>"
        f"<p><strong class=client>{html.escape(client.name or client.client_id)}</strong> asks for access "
        f"to <strong>{html.escape(company)}</strong>:</p>"
        f"<ul class=scopes>{items}</ul>"
        '<form method=post action="authorize">'
        f'<input type=hidden name=request_id value="{html.escape(request_id)}">'
        "<button type=submit name=decision value=grant>Grant access</button> "
        "<button type=submit name=decision value=deny>Deny</button>"
        "</form></body></html>"
    )
