"""What every page group of the console shares: the :class:`Console` context its router is built from
(hub, service, start-up jobs, setting choices, the login throttle; the login guard, posted forms, pages)
and the small helpers that need no state (flash messages, redirects, the user's language).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from ledgerbridge.integrations.base import all_kinds, kind_named
from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.services.common import UserError
from ledgerbridge.web import auth, i18n
from ledgerbridge.web.console.templating import TEMPLATES
from ledgerbridge.web.jobs import StartupJobs

if TYPE_CHECKING:
    from ledgerbridge.service import Ledgerbridge

# Row ids in paths: beyond 64 bits the database cannot look them up, so they are refused (422) up front.
RowId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]
CHOICES_TTL = 60.0
Form = dict[str, list[str]]


class ChoiceCache:
    """``setting_choices`` per integration, kept a minute (they cost calls to both systems)."""

    def __init__(self, hub: RealtimeHub) -> None:
        self.hub = hub
        self._cache: dict[str, tuple[float, dict[str, list[tuple[str, str]]]]] = {}
        self._lock = threading.Lock()

    def __call__(self, name: str) -> dict[str, list[tuple[str, str]]]:
        with self._lock:
            cached = self._cache.get(name)
            if cached and time.monotonic() - cached[0] < CHOICES_TTL:
                return cached[1]
        _, kind = self.hub.service.integration(name)
        try:
            choices = kind.setting_choices()
        except Exception:  # the form still works with plain inputs
            choices = {}
        with self._lock:
            self._cache[name] = (time.monotonic(), choices)
        return choices

    def forget(self, name: str) -> None:
        with self._lock:
            self._cache.pop(name, None)


@dataclass(frozen=True)
class Console:
    """The context a page group's router is built from."""

    hub: RealtimeHub
    jobs: StartupJobs
    choices: ChoiceCache
    throttle: auth.LoginThrottle

    @property
    def service(self) -> Ledgerbridge:
        return self.hub.service

    def router(self, *, guarded: bool = True) -> APIRouter:
        """A page group's router under ``/console``; ``guarded``: every page needs the admin's login."""
        return APIRouter(
            prefix="/console",
            include_in_schema=False,
            dependencies=[Depends(self.admin)] if guarded else [],
        )

    def admin(self, request: Request) -> None:
        """The login guard: to the first start's page, or to the login page and back here after it."""
        if not self.service.has_admin_password():
            raise auth.LoginRequired("/console/setup")
        if not auth.logged_in(request, self.service):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise auth.LoginRequired("/console/login?" + urlencode({"next": target}))

    def page(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        logged = auth.logged_in(request, self.service)
        context.update(
            request=request,
            lang=language_of(request),
            kind_titles={name: cls.title for name, cls in all_kinds().items()},
            csrf=auth.csrf_token(request),
            logged_in=logged,
            unread=self.service.unread_notifications() if logged else 0,
            flashes=request.session.pop("flash", []),
        )
        context.setdefault("zone", self.zone_of(request))
        return TEMPLATES.TemplateResponse(request, template, context, status_code=status)

    def zone_of(self, request: Request) -> tzinfo:
        """The zone a page's times are shown in (``|when``): the integration's on its pages (and on the
        error log filtered to it), UTC on pages about every integration."""
        name = request.path_params.get("name") or request.query_params.get("integration")
        if not name:
            return UTC
        try:
            return self.service.timezone_of(str(name))
        except UserError:  # an unknown integration's page (its 404) still renders
            return UTC


async def form_of(request: Request) -> Form:
    """The posted form as name → values, after checking its CSRF token (403 without it)."""
    form: FormData = await request.form()
    if not auth.csrf_ok(request, str(form.get(auth.CSRF_FIELD) or "")):
        raise HTTPException(403, _(request, "This form has expired: reload the page and try again."))
    out: Form = {}
    for key, value in form.multi_items():
        out.setdefault(key, []).append(value if isinstance(value, str) else "")
    return out


def one(form: Form, name: str, default: str = "") -> str:
    values = form.get(name)
    return values[-1].strip() if values else default


def flash(request: Request, message: str, level: str = "info") -> None:
    request.session.setdefault("flash", [])
    request.session["flash"] = [*request.session["flash"], [level, message]]


def back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def language_of(request: Request) -> str:
    return i18n.negotiate(request.cookies.get(i18n.COOKIE), request.headers.get("accept-language"))


def _(request: Request, message: str) -> str:
    """Our own messages (flashes, problems) in the user's language. ``i18n_sources`` finds them for the
    catalogues by this call's shape: ``_`` with ``request`` and a string literal."""
    return i18n.translate(language_of(request), message)


def integration_url(name: str, rest: str = "") -> str:
    return f"/console/integrations/{quote(name)}{rest}"


def kind_title(kind: str) -> str:
    try:
        return kind_named(kind).title
    except ValueError:
        return kind
