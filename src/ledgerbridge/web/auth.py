"""Who may use the console and the admin API.

- **Console**: one admin password (Argon2id hash in the database). A login puts ``{"epoch": n, "sid": id}``
  in a signed session cookie (Starlette's ``SessionMiddleware``: ``HttpOnly``, ``SameSite=Lax``, ``Secure``
  when served over https); the session id has a row in ``console_sessions`` that logging out ends, so a
  saved cookie stops working; changing the password bumps the epoch, which ends every session. Every form
  carries a CSRF token kept in the session; a POST without it (or with another) is refused with 403.
- **Login throttle**: per client address; ``X-Forwarded-For`` is believed only from the proxies listed in
  ``LEDGERBRIDGE_TRUSTED_PROXIES`` (addresses or networks, comma-separated).
- **First start**: with no password set, ``/console/setup`` lets a browser *on this machine* (a loopback
  address, no proxy headers) choose it; from anywhere else the page says to run
  ``ledgerbridge admin set-password``.
- **Admin API** (``/api/*``): ``Authorization: Bearer lb_…`` (tokens made in the console or with
  ``ledgerbridge admin token create``; only a hash is stored), or the ``LEDGERBRIDGE_ADMIN_TOKEN`` of
  earlier versions, or the console's session (the console's own scripts) with an ``X-CSRF-Token`` header
  on anything but GET. No credentials → 401. A token may be read-only (GET only) and may be limited to one
  integration's routes; tokens are administered only by the password holder (the console's session, or
  ``LEDGERBRIDGE_ADMIN_TOKEN``), never with an ``lb_`` token.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import timedelta

from fastapi import HTTPException, Request

from ledgerbridge.service import Ledgerbridge

SESSION_COOKIE = "ledgerbridge_session"
SESSION_MAX_AGE = 12 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def secure_cookies_default() -> bool:
    """``Secure`` cookies unless told otherwise: on when ``LEDGERBRIDGE_PUBLIC_URL`` is https, or when
    ``LEDGERBRIDGE_SECURE_COOKIES`` says so (1/0)."""
    explicit = os.environ.get("LEDGERBRIDGE_SECURE_COOKIES")
    if explicit is not None and explicit.strip() != "":
        return explicit.strip().lower() in ("1", "true", "yes", "on")
    return os.environ.get("LEDGERBRIDGE_PUBLIC_URL", "").lower().startswith("https://")


class LoginRequired(Exception):
    """Raised by console pages for a visitor without a session; answered with a redirect."""

    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


def logged_in(request: Request, service: Ledgerbridge) -> bool:
    epoch = request.session.get("epoch")
    if epoch is None or epoch != service.admin_epoch():
        return False
    return service.console_session_alive(request.session.get("sid", ""))


def log_in(request: Request, epoch: int, service: Ledgerbridge) -> None:
    request.session.clear()
    request.session["epoch"] = epoch
    request.session["sid"] = service.start_console_session(timedelta(seconds=SESSION_MAX_AGE))
    request.session[CSRF_FIELD] = secrets.token_urlsafe(32)  # a new token for the new session


def log_out(request: Request, service: Ledgerbridge) -> None:
    sid = request.session.get("sid")
    if isinstance(sid, str) and sid:
        service.end_console_session(sid)  # a saved copy of the cookie stops working too
    request.session.clear()


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return str(token)


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison that also takes non-ASCII input (compared as UTF-8 bytes, never a 500)."""
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8"))


def csrf_ok(request: Request, given: str | None) -> bool:
    expected = request.session.get(CSRF_FIELD)
    return bool(expected and given and same_secret(str(given), str(expected)))


def is_local(request: Request) -> bool:
    """A request from this machine itself (and not relayed by a proxy on this machine)."""
    if any(h in request.headers for h in ("x-forwarded-for", "forwarded", "x-real-ip")):
        return False
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "testclient"  # Starlette's TestClient


@dataclass(frozen=True)
class Principal:
    """Who calls the admin API: ``session`` / ``admin-token`` (the password holder) or an API ``token``."""

    kind: str
    token_id: int | None = None
    read_only: bool = False
    integration: str | None = None

    def __str__(self) -> str:
        return f"token:{self.token_id}" if self.kind == "token" else self.kind


def api_principal(request: Request, service: Ledgerbridge, admin_token: str | None) -> Principal:
    """Who calls the admin API (see :class:`Principal`); raises 401/403."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, given = header.partition(" ")
        given = given.strip()
        if scheme.lower() == "bearer" and given:
            if admin_token and same_secret(given, admin_token):
                return Principal("admin-token")
            token = service.check_api_token(given)
            if token is not None:
                return Principal("token", token.id, token.access == "read", token.integration)
        raise HTTPException(
            401,
            "admin API: unknown token (send Authorization: Bearer lb_…; make one with "
            "`ledgerbridge admin token create`)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if "session" in request.scope and logged_in(request, service):
        if request.method not in SAFE_METHODS and not csrf_ok(request, request.headers.get(CSRF_HEADER)):
            raise HTTPException(403, "the console's session needs the X-CSRF-Token header on changes")
        return Principal("session")
    raise HTTPException(
        401,
        "admin API: log in to the console or send Authorization: Bearer lb_… "
        "(`ledgerbridge admin token create`)",
        headers={"WWW-Authenticate": "Bearer"},
    )


def enforce_scope(request: Request, principal: Principal) -> None:
    """403 when an API token goes beyond its scope; the password holder may do everything."""
    if principal.kind != "token":
        return
    path = request.url.path
    if path == "/api/tokens" or path.startswith("/api/tokens/"):
        raise HTTPException(
            403, "API tokens are administered by the password holder only (the console, logged in)"
        )
    if principal.read_only and request.method not in SAFE_METHODS:
        raise HTTPException(403, "this API token is read-only")
    if principal.integration is not None and path != "/api/kinds":
        if request.path_params.get("name") != principal.integration:
            raise HTTPException(
                403, f"this API token is limited to the integration {principal.integration!r}"
            )


class LoginThrottle:
    """At most ``attempts`` failed logins per client address in ``window`` seconds.

    The map is pruned as it is used (addresses with no recent failure go) and holds at most ``max_clients``
    addresses (the oldest go first), so a flood of addresses cannot grow it without bound.
    """

    def __init__(self, attempts: int = 10, window: float = 300.0, max_clients: int = 10_000) -> None:
        self.attempts = attempts
        self.window = window
        self.max_clients = max_clients
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        failures = self._failures.get(client) or deque()
        while failures and failures[0] < now - self.window:
            failures.popleft()
        return failures

    def _prune(self, now: float) -> None:
        for client in list(self._failures)[:100]:  # a few at a time: the oldest come first
            if not self._recent(client, now):
                del self._failures[client]
        while len(self._failures) > self.max_clients:
            self._failures.popitem(last=False)

    def blocked(self, client: str) -> bool:
        with self._lock:
            return len(self._recent(client, time.monotonic())) >= self.attempts

    def failed(self, client: str) -> None:
        with self._lock:
            now = time.monotonic()
            failures = self._recent(client, now)
            failures.append(now)
            self._failures[client] = failures
            self._failures.move_to_end(client)
            self._prune(now)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)

    def __len__(self) -> int:
        return len(self._failures)


TRUSTED_PROXIES_ENV = "LEDGERBRIDGE_TRUSTED_PROXIES"


def trusted_proxies() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Proxies whose ``X-Forwarded-For`` is believed (``LEDGERBRIDGE_TRUSTED_PROXIES``); none by default."""
    raw = os.environ.get(TRUSTED_PROXIES_ENV, "")
    networks = []
    for part in raw.replace(" ", ",").split(","):
        if part:
            networks.append(ipaddress.ip_network(part, strict=False))
    return networks


def _trusted(host: str, proxies: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in proxies)


def client_of(request: Request) -> str:
    """The client's address: the peer, or — only when the peer is a trusted proxy — the nearest address in
    ``X-Forwarded-For`` that is not itself a trusted proxy."""
    peer = request.client.host if request.client else "unknown"
    proxies = trusted_proxies()
    if not proxies or not _trusted(peer, proxies):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop
    return hops[0] if hops else peer
