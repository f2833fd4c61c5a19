"""Who may use the console and the admin API.

- **Console**: one admin password (Argon2id hash in the database). A login puts ``{"epoch": n}`` in a
  signed session cookie (Starlette's ``SessionMiddleware``: ``HttpOnly``, ``SameSite=Lax``, ``Secure`` when
  served over https); changing the password bumps the epoch, which ends every session. Every form carries
  a CSRF token kept in the session; a POST without it (or with another) is refused with 403.
- **First start**: with no password set, ``/console/setup`` lets a browser *on this machine* (a loopback
  address, no proxy headers) choose it; from anywhere else the page says to run
  ``ledgerbridge admin set-password``.
- **Admin API** (``/api/*``): ``Authorization: Bearer lb_…`` (tokens made in the console or with
  ``ledgerbridge admin token create``; only a hash is stored), or the ``LEDGERBRIDGE_ADMIN_TOKEN`` of
  earlier versions, or the console's session (the console's own scripts) with an ``X-CSRF-Token`` header
  on anything but GET. No credentials → 401.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
import threading
import time
from collections import deque

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
    return epoch is not None and epoch == service.admin_epoch()


def log_in(request: Request, epoch: int) -> None:
    request.session.clear()
    request.session["epoch"] = epoch
    request.session[CSRF_FIELD] = secrets.token_urlsafe(32)  # a new token for the new session


def log_out(request: Request) -> None:
    request.session.clear()


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return str(token)


def csrf_ok(request: Request, given: str | None) -> bool:
    expected = request.session.get(CSRF_FIELD)
    return bool(expected and given and hmac.compare_digest(str(expected), str(given)))


def is_local(request: Request) -> bool:
    """A request from this machine itself (and not relayed by a proxy on this machine)."""
    if any(h in request.headers for h in ("x-forwarded-for", "forwarded", "x-real-ip")):
        return False
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "testclient"  # Starlette's TestClient


def api_principal(request: Request, service: Ledgerbridge, admin_token: str | None) -> str:
    """Who calls the admin API: ``"token:<id>"``, ``"admin-token"`` or ``"session"``; raises 401/403."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, given = header.partition(" ")
        given = given.strip()
        if scheme.lower() == "bearer" and given:
            if admin_token and hmac.compare_digest(given.encode(), admin_token.encode()):
                return "admin-token"
            token = service.check_api_token(given)
            if token is not None:
                return f"token:{token.id}"
        raise HTTPException(
            401,
            "admin API: unknown token (send Authorization: Bearer lb_…; make one with "
            "`ledgerbridge admin token create`)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if "session" in request.scope and logged_in(request, service):
        if request.method not in SAFE_METHODS and not csrf_ok(request, request.headers.get(CSRF_HEADER)):
            raise HTTPException(403, "the console's session needs the X-CSRF-Token header on changes")
        return "session"
    raise HTTPException(
        401,
        "admin API: log in to the console or send Authorization: Bearer lb_… "
        "(`ledgerbridge admin token create`)",
        headers={"WWW-Authenticate": "Bearer"},
    )


class LoginThrottle:
    """At most ``attempts`` failed logins per client address in ``window`` seconds."""

    def __init__(self, attempts: int = 10, window: float = 300.0) -> None:
        self.attempts = attempts
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(client, deque())
        while failures and failures[0] < now - self.window:
            failures.popleft()
        return failures

    def blocked(self, client: str) -> bool:
        with self._lock:
            return len(self._recent(client, time.monotonic())) >= self.attempts

    def failed(self, client: str) -> None:
        with self._lock:
            self._recent(client, time.monotonic()).append(time.monotonic())

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"
