"""The web console (``/console``): server-rendered pages over the same service the CLI and the API use.

Pages: integrations with health at a glance; a new integration by kind; each side's connection (token
forms, or an OAuth2 "Connect" button); the settings page generated from the kind's settings model; the
start-up sync (preview, run with live progress, the one-time rule); errors with retry and dismiss;
notifications; activity (runs, the transfer ledger per document, conflicts); manual transfer; API tokens.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from babel.dates import format_timedelta
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from starlette.datastructures import FormData

from ledgerbridge.integrations.base import IntegrationKind, all_kinds, kind_named
from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.runtime.reconcile import default_period, reconcile
from ledgerbridge.service import (
    MIN_PASSWORD_LENGTH,
    NAME_PATTERN,
    NAME_RULE,
    InvalidConfiguration,
    StartupAlreadyDone,
    UserError,
)
from ledgerbridge.web import auth, charts, i18n
from ledgerbridge.web.forms import Widget, attach_errors, build_widgets, parse_form
from ledgerbridge.web.jobs import StartupJobs

# Row ids in paths: beyond 64 bits the database cannot look them up, so they are refused (422) up front.
RowId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
PLAN_RECORDS_SHOWN = 200  # per entity in the preview
CHOICES_TTL = 60.0


def _fmt_time(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(value))
    if isinstance(value, str):
        return value.replace("T", " ")[:19]
    return f"{value:%Y-%m-%d %H:%M:%S}"


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _totals(counts: dict[str, dict[str, int]]) -> dict[str, int]:
    totals = dict.fromkeys(("created", "updated", "unchanged", "failed"), 0)
    for entity_counts in (counts or {}).values():
        for key in totals:
            totals[key] += int(entity_counts.get(key, 0))
    return totals


TEMPLATES.env.filters["when"] = _fmt_time
TEMPLATES.env.filters["pretty"] = _json
TEMPLATES.env.filters["totals"] = _totals


@pass_context
def _remote_document(context: Any, key: str | None) -> str:
    """What a document became on the other side, in words: ``booked:1021`` → "booked invoice 1021",
    ``draft:17`` → "draft 17", ``invoice:<id>:1021`` → "invoice 1021"; a GUID draft is just "draft"."""
    if not key:
        return ""
    language = str(context.get("lang") or i18n.DEFAULT)
    kind, _, rest = key.partition(":")
    words = {
        "booked": "booked invoice %(number)s",
        "draft": "draft %(number)s",
        "invoice": "invoice %(number)s",
    }
    if not rest or kind not in words:
        return key.replace(":", " ")
    number = rest.rsplit(":", 1)[-1]
    if kind == "draft" and len(number) > 12:  # a GUID says nothing to a person
        return i18n.translate(language, "draft")
    return i18n.translate(language, words[kind]) % {"number": number}


TEMPLATES.env.filters["remote"] = _remote_document
i18n.install(TEMPLATES.env)  # languages: {% trans %}, _(), |t, and locale-aware |when |money |number
TEMPLATES.env.globals["state_words"] = {
    "connected": "connected",
    "reconnect_required": "reconnect required",
    "not_connected": "not connected",
}


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


def build_console(
    hub: RealtimeHub, jobs: StartupJobs, choices: ChoiceCache, throttle: auth.LoginThrottle
) -> APIRouter:
    service = hub.service
    console = APIRouter(prefix="/console", include_in_schema=False)

    # -- plumbing --------------------------------------------------------------------------------------------
    def admin(request: Request) -> None:
        if not service.has_admin_password():
            raise auth.LoginRequired("/console/setup")
        if not auth.logged_in(request, service):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise auth.LoginRequired("/console/login?" + urlencode({"next": target}))

    async def form_of(request: Request) -> dict[str, list[str]]:
        """The posted form as name → values, after checking its CSRF token (403 without it)."""
        form: FormData = await request.form()
        if not auth.csrf_ok(request, str(form.get(auth.CSRF_FIELD) or "")):
            raise HTTPException(
                403, "the form's CSRF token is missing or stale: reload the page and try again"
            )
        out: dict[str, list[str]] = {}
        for key, value in form.multi_items():
            out.setdefault(key, []).append(value if isinstance(value, str) else "")
        return out

    def one(form: dict[str, list[str]], name: str, default: str = "") -> str:
        values = form.get(name)
        return values[-1].strip() if values else default

    def flash(request: Request, message: str, level: str = "info") -> None:
        request.session.setdefault("flash", [])
        request.session["flash"] = [*request.session["flash"], [level, message]]

    def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        logged = auth.logged_in(request, service)
        context.update(
            request=request,
            lang=language_of(request),
            kind_titles={name: cls.title for name, cls in all_kinds().items()},
            csrf=auth.csrf_token(request),
            logged_in=logged,
            unread=service.unread_notifications() if logged else 0,
            flashes=request.session.pop("flash", []),
        )
        return TEMPLATES.TemplateResponse(request, template, context, status_code=status)

    def back(url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303)

    def language_of(request: Request) -> str:
        return i18n.negotiate(request.cookies.get(i18n.COOKIE), request.headers.get("accept-language"))

    def with_last_activity(name: str, health: dict[str, Any]) -> dict[str, Any]:
        """ "Last sync" is the last activity of any kind, not only the last run."""
        moment = charts.last_activity(service.store, name)
        return {**health, "last_activity": moment.isoformat() if moment else None}

    def overview_charts(request: Request, name: str) -> dict[str, Any]:
        lang = language_of(request)
        locale = i18n.babel_locale(lang)
        legend = (_(request, "transferred"), _(request, "failed"))
        days = charts.daily_activity(service.store, name)
        hours = charts.hourly_activity(service.store, name)
        waiting, oldest = charts.backlog(service.store, name)
        age = None
        if oldest is not None:
            age = format_timedelta(datetime.now(UTC) - oldest, locale=locale)
        startup = next((r for r in service.runs(name, limit=20) if r.kind == "startup"), None)
        series = [
            (charts.BLUE, _(request, "created")),
            (charts.GREEN, _(request, "updated")),
            (charts.GREY, _(request, "unchanged")),
            (charts.VERMILLION, _(request, "failed")),
        ]
        rows = [
            (
                i18n.translate(lang, entity),
                [int(c.get(k, 0)) for k in ("created", "updated", "unchanged", "failed")],
            )
            for entity, c in ((startup.counts or {}).items() if startup else [])
        ]
        return {
            "daily_chart": charts.bar_chart(
                days,
                _(request, "Transfers and failures per day, last 30 days"),
                tick=charts.day_tick(locale),
                legend=legend,
            ),
            "hourly_chart": charts.bar_chart(
                hours,
                _(request, "Transfers and failures per hour, last 24 hours"),
                tick=charts.hour_tick(locale),
                legend=legend,
            ),
            "backlog_count": waiting,
            "backlog_age": age,
            "startup_chart": charts.stacked_bars(
                rows, _(request, "Start-up sync per kind of record"), series=series
            ),
        }

    def _(request: Request, message: str) -> str:
        """Our own messages (flashes, problems) in the user's language."""
        return i18n.translate(language_of(request), message)

    def integration_url(name: str, rest: str = "") -> str:
        return f"/console/integrations/{quote(name)}{rest}"

    guarded = [Depends(admin)]

    # -- first start, login, logout --------------------------------------------------------------------------
    @console.get("/setup")
    def setup_page(request: Request) -> Response:
        if service.has_admin_password():
            return back("/console/login")
        return page(request, "setup.html", local=auth.is_local(request), minimum=MIN_PASSWORD_LENGTH)

    @console.post("/setup")
    async def setup(request: Request) -> Response:
        form = await form_of(request)
        if service.has_admin_password():
            return back("/console/login")
        if not auth.is_local(request):
            raise HTTPException(
                403, "set the first password from this machine, or: ledgerbridge admin set-password"
            )
        password, again = one(form, "password"), one(form, "again")
        problem = None
        if password != again:
            problem = _(request, "the two passwords differ")
        else:
            try:
                service.set_admin_password(password)
            except UserError as exc:
                problem = str(exc)
        if problem:
            return page(
                request, "setup.html", status=422, local=True, minimum=MIN_PASSWORD_LENGTH, problem=problem
            )
        epoch = service.check_admin_password(password)
        assert epoch is not None
        auth.log_in(request, epoch, service)
        flash(request, _(request, "The admin password is set; you are logged in."), "success")
        return back("/console")

    @console.get("/login")
    def login_page(request: Request, next: str = "/console") -> Response:
        if not service.has_admin_password():
            return back("/console/setup")
        return page(request, "login.html", next=_safe_next(next))

    @console.post("/login")
    async def login(request: Request) -> Response:
        form = await form_of(request)
        target = _safe_next(one(form, "next", "/console"))
        client = auth.client_of(request)
        if throttle.blocked(client):
            return page(
                request,
                "login.html",
                status=429,
                next=target,
                problem=_(request, "Too many attempts: wait a few minutes."),
            )
        epoch = service.check_admin_password(one(form, "password"))
        if epoch is None:
            throttle.failed(client)
            problem = _(request, "That is not the admin password.")
            return page(request, "login.html", status=401, next=target, problem=problem)
        throttle.succeeded(client)
        auth.log_in(request, epoch, service)
        return back(target)

    @console.post("/logout")
    async def logout(request: Request) -> Response:
        await form_of(request)
        auth.log_out(request, service)
        return back("/console/login")

    @console.get("/language/{language}")
    def choose_language(request: Request, language: str, next: str = "/console") -> Response:
        """The user's language, remembered for a year in a cookie (it is a preference, not a secret)."""
        response = back(_safe_next(next))
        if language in i18n.LANGUAGES:
            response.set_cookie(
                i18n.COOKIE, language, max_age=365 * 24 * 3600, httponly=True, samesite="lax", path="/"
            )
        return response

    # -- integrations ----------------------------------------------------------------------------------------
    @console.get("", dependencies=guarded)
    @console.get("/", dependencies=guarded)
    def integrations(request: Request) -> Response:
        rows = []
        for view in service.list_integrations():
            try:
                health = with_last_activity(view.name, service.health(view.name))
            except Exception as exc:  # e.g. credentials sealed with another key: show it, keep the list
                health = {"problem": str(exc)}
            days = charts.daily_activity(service.store, view.name)
            summary = _(request, "Last 30 days: %(transfers)s transferred, %(failures)s failed") % {
                "transfers": sum(b.transfers for b in days),
                "failures": sum(b.failures for b in days),
            }
            rows.append(
                {
                    "view": view,
                    "health": health,
                    "title": _(request, _kind_title(view.kind)),
                    "sparkline": charts.sparkline(days, summary),
                }
            )
        return page(request, "integrations.html", rows=rows, kinds=sorted(all_kinds().items()))

    @console.get("/integrations/new", dependencies=guarded)
    def new_integration(request: Request, kind: str | None = None) -> Response:
        kinds = sorted(all_kinds().items())
        chosen = kind_named(kind) if kind and kind in dict(kinds) else None
        widgets = build_widgets(chosen.Connections, {}, prefix="connections") if chosen else []
        return page(request, "new_integration.html", kinds=kinds, chosen=chosen, widgets=widgets, name="")

    @console.post("/integrations/new", dependencies=guarded)
    async def create_integration(request: Request) -> Response:
        form = await form_of(request)
        kinds = dict(all_kinds())
        kind_name = one(form, "kind")
        if kind_name not in kinds:
            return back("/console/integrations/new")
        kind_cls = kinds[kind_name]
        name = one(form, "name")
        connections = parse_form(kind_cls.Connections, form, prefix="connections")
        connections = connections.get("connections", connections)
        problems: list[tuple[str, str]] = []
        if not NAME_PATTERN.fullmatch(name):  # the service's rule, the same for the CLI and the API
            problems.append(("name", f"use {NAME_RULE}"))
        else:
            try:
                service.add_integration(name, kind_name, {**connections, "settings": {}})
            except InvalidConfiguration as exc:
                problems = [
                    (p if p.startswith("settings.") else f"connections.{p}", m) for p, m in exc.problems
                ]
            except UserError as exc:
                problems.append(("name", str(exc)))
        if problems:
            widgets = build_widgets(kind_cls.Connections, connections, prefix="connections")
            left = attach_errors(widgets, problems)
            return page(
                request,
                "new_integration.html",
                status=422,
                kinds=sorted(kinds.items()),
                chosen=kind_cls,
                widgets=widgets,
                name=name,
                name_errors=[m for p, m in left if p == "name"],
                other_errors=[f"{p}: {m}" for p, m in left if p != "name"],
            )
        flash(
            request,
            _(request, "Integration %(name)s is created. Check its settings, then run the start-up sync.")
            % {"name": name},
            "success",
        )
        return back(integration_url(name, "/settings"))

    @console.get("/integrations/{name}", dependencies=guarded)
    def integration(request: Request, name: str) -> Response:
        view = service.describe(name)
        kind_cls = kind_named(view.kind)
        health = with_last_activity(name, service.health(name))
        return page(
            request,
            "integration.html",
            view=view,
            kind=kind_cls,
            health=health,
            **overview_charts(request, name),
            runs=service.runs(name, limit=5),
            transfers=service.transfers(name, limit=10),
            job=jobs.get(name),
        )

    @console.post("/integrations/{name}/transfer", dependencies=guarded)
    async def manual_transfer(request: Request, name: str) -> Response:
        form = await form_of(request)
        number = one(form, "number")
        document_type = one(form, "document_type", "invoice") or "invoice"
        if not number:
            flash(request, _(request, "Type the invoice's number in Rackbeat."), "error")
            return back(integration_url(name) + "#transfer")
        try:
            result = hub.transfer(name, document_type, number)
        except Exception as exc:  # unknown type, no real-time sync, a system down: say so, keep the page
            flash(request, _(request, "Not transferred: %(reason)s") % {"reason": exc}, "error")
            return back(integration_url(name) + "#transfer")
        message = result.message[:1].upper() + result.message[1:] + "."
        level = {"transferred": "success", "already": "info"}.get(result.outcome, "error")
        refused = _(request, "Not transferred: %(reason)s") % {"reason": message}
        flash(request, message if result.ok else refused, level)
        request.session["last_transfer"] = [document_type, number]
        return back(integration_url(name) + "#transfer")

    @console.post("/integrations/{name}/registers/{register}", dependencies=guarded)
    def transfer_register(request: Request, name: str, register: str) -> Response:
        """A register's button on the data-transfer panel; the seed's status line comes back as a flash."""
        try:
            run = service.run_register(name, register)
        except UserError as exc:
            flash(request, _(request, "Not transferred: %(reason)s") % {"reason": exc}, "error")
            return back(integration_url(name) + "#transfer")
        level = "success" if run.ok else "error"
        title = _(request, register.replace("-", " ").capitalize())  # "Customers", "Check sent" …
        flash(request, f"{title}: {run.status_line}.", level)
        return back(integration_url(name) + "#transfer")

    # -- connections -----------------------------------------------------------------------------------------
    @console.get("/integrations/{name}/connections", dependencies=guarded)
    def connections_page(request: Request, name: str) -> Response:
        view = service.describe(name)
        kind_cls = kind_named(view.kind)
        widgets = build_widgets(
            kind_cls.Connections, service.stored_connections(name), prefix="connections", secrets_stored=True
        )
        return page(
            request,
            "connections.html",
            view=view,
            kind=kind_cls,
            widgets=widgets,
            states=service.connection_states(name),
        )

    @console.post("/integrations/{name}/connections", dependencies=guarded)
    async def save_connections(request: Request, name: str) -> Response:
        form = await form_of(request)
        view = service.describe(name)
        kind_cls = kind_named(view.kind)
        side = one(form, "side")
        document = parse_form(kind_cls.Connections, form, prefix="connections")
        document = document.get("connections", document)
        if side:
            document = {side: document.get(side, {})}
        try:
            service.update_connections(name, document)
        except InvalidConfiguration as exc:
            widgets = build_widgets(kind_cls.Connections, document, prefix="connections", secrets_stored=True)
            left = attach_errors(widgets, [(f"connections.{p}", m) for p, m in exc.problems])
            return page(
                request,
                "connections.html",
                status=422,
                view=view,
                kind=kind_cls,
                widgets=widgets,
                states=service.connection_states(name),
                other_errors=[f"{p}: {m}" for p, m in left],
            )
        hub.reload(name)
        choices.forget(name)
        saved = (
            _(request, "The connection to %(side)s of %(name)s is saved.")
            if side
            else _(request, "The connections of %(name)s are saved.")
        )
        flash(request, saved % {"side": _(request, side), "name": name}, "success")
        return back(integration_url(name, "/connections"))

    @console.get("/integrations/{name}/connect/{side}", dependencies=guarded)
    def oauth_start(request: Request, name: str, side: str) -> Response:
        _, kind = service.integration(name)
        state = secrets.token_urlsafe(24)
        request.session["oauth"] = {"state": state, "name": name, "side": side}
        try:
            # A side without OAuth2 says so (NotImplementedError) before any return address is needed.
            redirect = _callback_url(request, name, side) if side in kind.oauth_sides else ""
            url = kind.oauth_start(side, redirect_uri=redirect, state=state)
        except NotImplementedError as exc:
            flash(request, str(exc), "error")
            return back(integration_url(name, "/connections"))
        return RedirectResponse(url, status_code=303)

    @console.get("/integrations/{name}/connect/{side}/callback", dependencies=guarded)
    def oauth_callback(request: Request, name: str, side: str) -> Response:
        expected = request.session.pop("oauth", None) or {}
        params = dict(request.query_params)
        if (
            not expected
            or expected.get("name") != name
            or expected.get("side") != side
            or not auth.same_secret(params.get("state", ""), str(expected.get("state")))
        ):
            raise HTTPException(
                403, "this sign-in answer does not belong to a sign-in started here; start again"
            )
        if "error" in params:
            flash(request, f"{side} refused: {params.get('error_description') or params['error']}", "error")
            return back(integration_url(name, "/connections"))
        integration_id, kind = service.integration(name)
        try:
            kind.oauth_finish(
                service.store,
                integration_id,
                side,
                redirect_uri=_callback_url(request, name, side),
                params=params,
            )
        except Exception as exc:
            flash(request, f"Connecting {side} failed: {exc}", "error")
            return back(integration_url(name, "/connections"))
        hub.reload(name)
        choices.forget(name)
        flash(request, f"{side} is connected.", "success")
        return back(integration_url(name, "/connections"))

    @console.post("/integrations/{name}/disconnect/{side}", dependencies=guarded)
    async def oauth_disconnect(request: Request, name: str, side: str) -> Response:
        await form_of(request)
        try:
            message = service.disconnect(name, side)
        except UserError as exc:
            flash(request, str(exc), "error")
            return back(integration_url(name, "/connections"))
        hub.reload(name)
        choices.forget(name)
        flash(request, message + ".", "success")
        return back(integration_url(name, "/connections"))

    @console.get("/integrations/{name}/delete", dependencies=guarded)
    def delete_page(request: Request, name: str) -> Response:
        return page(request, "delete.html", view=service.describe(name))

    @console.post("/integrations/{name}/delete", dependencies=guarded)
    async def delete(request: Request, name: str) -> Response:
        form = await form_of(request)
        view = service.describe(name)
        if one(form, "confirm") != name:
            return page(
                request,
                "delete.html",
                status=422,
                view=view,
                problem=_(request, "Type the integration's name to confirm."),
            )
        hub.reload(name)
        service.delete_integration(name)
        choices.forget(name)
        jobs.forget(name)
        flash(
            request,
            _(request, "Integration %(name)s is disconnected and removed, with its stored credentials.")
            % {"name": name},
            "success",
        )
        return back("/console")

    # -- settings --------------------------------------------------------------------------------------------
    def settings_widgets(kind_cls: type[IntegrationKind], name: str, values: dict[str, Any]) -> list[Widget]:
        return build_widgets(kind_cls.Settings, values, choices=choices(name), order=kind_cls.setting_groups)

    @console.get("/integrations/{name}/settings", dependencies=guarded)
    def settings_page(request: Request, name: str) -> Response:
        view = service.describe(name)
        kind_cls = kind_named(view.kind)
        return page(
            request,
            "settings.html",
            view=view,
            kind=kind_cls,
            groups=settings_widgets(kind_cls, name, view.settings),
        )

    @console.post("/integrations/{name}/settings", dependencies=guarded)
    async def save_settings(request: Request, name: str) -> Response:
        form = await form_of(request)
        view = service.describe(name)
        kind_cls = kind_named(view.kind)
        document = parse_form(kind_cls.Settings, form)
        try:
            service.update_settings(name, document)
        except InvalidConfiguration as exc:
            groups = settings_widgets(kind_cls, name, document)
            problems = [(p.removeprefix("settings."), m) for p, m in exc.problems]
            left = attach_errors(groups, problems)
            return page(
                request,
                "settings.html",
                status=422,
                view=view,
                kind=kind_cls,
                groups=groups,
                other_errors=[f"{p}: {m}" if p else m for p, m in left],
            )
        hub.reload(name)
        flash(request, _(request, "Settings saved. They take effect at once."), "success")
        return back(integration_url(name, "/settings"))

    # -- the start-up sync -----------------------------------------------------------------------------------
    def startup_context(name: str) -> dict[str, Any]:
        view = service.describe(name)
        job = jobs.get(name)
        return {
            "view": view,
            "refusal": service.startup_refusal(name),
            "job": job.snapshot() if job else None,
            "runs": [r for r in service.runs(name, limit=10) if r.kind == "startup"],
        }

    @console.get("/integrations/{name}/startup", dependencies=guarded)
    def startup_page(request: Request, name: str) -> Response:
        return page(request, "startup.html", **startup_context(name))

    @console.post("/integrations/{name}/startup/preview", dependencies=guarded)
    async def startup_preview(request: Request, name: str) -> Response:
        await form_of(request)
        try:
            result = service.run_startup(name, dry_run=True)
        except Exception as exc:
            flash(request, _(request, "The preview failed: %(reason)s") % {"reason": exc}, "error")
            return back(integration_url(name, "/startup"))
        by_entity: dict[str, list[Any]] = {}
        for item in result.plan:
            by_entity.setdefault(item.entity, []).append(item)
        return page(
            request,
            "startup.html",
            preview=result,
            plan=by_entity,
            shown=PLAN_RECORDS_SHOWN,
            **startup_context(name),
        )

    @console.post("/integrations/{name}/startup/run", dependencies=guarded)
    async def startup_run(request: Request, name: str) -> Response:
        form = await form_of(request)
        try:
            jobs.start(name, force=one(form, "force") == "on")
        except UserError as exc:
            reason = (
                _(request, "it already ran; tick “Run it again anyway” to run it again.")
                if isinstance(exc, StartupAlreadyDone)
                else str(exc)
            )
            flash(request, _(request, "Not started: %(reason)s") % {"reason": reason}, "error")
        return back(integration_url(name, "/startup"))

    @console.get("/integrations/{name}/startup/progress", dependencies=guarded)
    def startup_progress(name: str) -> JSONResponse:
        job = jobs.get(name)
        return JSONResponse(job.snapshot() if job else {"status": "idle", "done": True, "entities": []})

    # -- errors ----------------------------------------------------------------------------------------------
    @console.get("/errors", dependencies=guarded)
    def errors_page(
        request: Request, integration: str = "", entity: str = "", state: str = "open"
    ) -> Response:
        entries = service.find_errors(
            integration=integration or None, entity=entity or None, state=state or None
        )
        return page(
            request,
            "errors.html",
            entries=entries,
            names=[v.name for v in service.list_integrations()],
            entities=service.error_entities(),
            chosen={"integration": integration, "entity": entity, "state": state},
        )

    def errors_back(form: dict[str, list[str]]) -> RedirectResponse:
        return back("/console/errors" + (f"?{one(form, 'back')}" if one(form, "back") else ""))

    @console.post("/integrations/{name}/errors/{error_id}/retry", dependencies=guarded)
    async def retry(request: Request, name: str, error_id: RowId) -> Response:
        form = await form_of(request)
        try:
            results = hub.retry(name, error_id)
        except Exception as exc:
            flash(request, f"Retry of #{error_id} failed: {exc}", "error")
            return errors_back(form)
        for entry_id, outcome in results:
            state = service.error(name, entry_id).state
            level = "success" if state == "resolved" else "error"
            flash(
                request, f"#{entry_id}: {outcome}" + ("" if state == "resolved" else " (still open)"), level
            )
        return errors_back(form)

    @console.post("/integrations/{name}/errors/{error_id}/dismiss", dependencies=guarded)
    async def dismiss(request: Request, name: str, error_id: RowId) -> Response:
        form = await form_of(request)
        try:
            service.dismiss_error(name, error_id)
            flash(request, _(request, "#%(id)s is dismissed.") % {"id": error_id}, "success")
        except UserError as exc:
            flash(request, str(exc), "error")
        return errors_back(form)

    # -- notifications ---------------------------------------------------------------------------------------
    @console.get("/notifications", dependencies=guarded)
    def notifications_page(request: Request) -> Response:
        return page(request, "notifications.html", rows=service.notifications())

    @console.post("/notifications/read", dependencies=guarded)
    async def notifications_read(request: Request) -> Response:
        await form_of(request)
        service.mark_notifications_read()
        return back("/console/notifications")

    # -- activity and per-document history -------------------------------------------------------------------
    @console.get("/integrations/{name}/activity", dependencies=guarded)
    def activity(request: Request, name: str) -> Response:
        return page(
            request,
            "activity.html",
            view=service.describe(name),
            runs=service.runs(name, limit=30),
            transfers=service.transfers(name, limit=100),
            conflicts=service.conflicts(name, limit=100),
        )

    @console.get("/integrations/{name}/reconcile", dependencies=guarded)
    def reconcile_page(request: Request, name: str) -> Response:
        """The form; with ``run=1`` also the comparison (a GET: it writes nothing)."""
        params = request.query_params
        start, end = params.get("from", ""), params.get("to", "")
        return _reconcile(request, name, start, end, run=bool(params.get("run")))

    @console.post("/integrations/{name}/reconcile", dependencies=guarded)
    async def reconcile_repair(request: Request, name: str) -> Response:
        form = await form_of(request)
        return _reconcile(request, name, one(form, "from"), one(form, "to"), run=True, repair=True)

    def _reconcile(
        request: Request, name: str, start: str, end: str, *, run: bool, repair: bool = False
    ) -> Response:
        view = service.describe(name)
        first, last = default_period(date.today())
        result, problem = None, None
        try:
            period = (
                date.fromisoformat(start) if start else first,
                date.fromisoformat(end) if end else last,
            )
            if run:
                result = reconcile(hub, name, *period, repair=repair)
        except ValueError:
            period, problem = (first, last), _(request, "Dates are YYYY-MM-DD.")
        except UserError as exc:
            problem = str(exc)
        return page(
            request,
            "reconcile.html",
            view=view,
            start=period[0].isoformat(),
            end=period[1].isoformat(),
            result=result,
            problem=problem,
            agreement_chart=agreement_chart(request, result) if result else "",
        )

    def agreement_chart(request: Request, result: Any) -> Any:
        """Documents that agree, and the differences per kind of record (repairable or for a person)."""
        lang = language_of(request)
        fixable = [f for f in result.findings if f.repair is not None]
        agree = max(result.checked - len(result.findings), 0)
        rows = [(_(request, "All documents"), [agree, len(fixable), len(result.findings) - len(fixable)])]
        for entity in sorted({f.entity for f in result.findings}):
            mine = [f for f in result.findings if f.entity == entity]
            repairable = sum(1 for f in mine if f.repair is not None)
            rows.append((i18n.translate(lang, entity), [0, repairable, len(mine) - repairable]))
        series = [
            (charts.BLUE, _(request, "agree")),
            (charts.SKY, _(request, "Repair fixes it")),
            (charts.VERMILLION, _(request, "Needs a person")),
        ]
        return charts.stacked_bars(rows, _(request, "Agreement per kind of record"), series=series)

    @console.get("/integrations/{name}/documents/{document_type}/{key}", dependencies=guarded)
    def document(request: Request, name: str, document_type: str, key: str) -> Response:
        return page(
            request,
            "document.html",
            view=service.describe(name),
            history=service.document_history(name, document_type, key),
        )

    # -- API tokens ------------------------------------------------------------------------------------------
    @console.get("/tokens", dependencies=guarded)
    def tokens_page(request: Request) -> Response:
        return page(request, "tokens.html", tokens=service.api_tokens(), created=None)

    @console.post("/tokens", dependencies=guarded)
    async def create_token(request: Request) -> Response:
        form = await form_of(request)
        try:
            plain, _ = service.create_api_token(
                one(form, "name") or "script",
                read_only=one(form, "access") == "read",
                integration=one(form, "integration") or None,
            )
        except UserError as exc:
            flash(request, str(exc), "error")
            return back("/console/tokens")
        return page(request, "tokens.html", tokens=service.api_tokens(), created=plain)

    @console.post("/tokens/{token_id}/revoke", dependencies=guarded)
    async def revoke_token(request: Request, token_id: RowId) -> Response:
        await form_of(request)
        try:
            service.revoke_api_token(token_id)
            flash(request, _(request, "Token #%(id)s is revoked.") % {"id": token_id}, "success")
        except UserError as exc:
            flash(request, str(exc), "error")
        return back("/console/tokens")

    return console


def _safe_next(target: str) -> str:
    """Only paths of this console or its API docs (never another site) after logging in."""
    ours = target == "/docs" or target.startswith("/console")
    return target if ours and "//" not in target and "\\" not in target else "/console"


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def _callback_url(request: Request, name: str, side: str) -> str:
    """Where the system sends the user back: under LEDGERBRIDGE_PUBLIC_URL. Without it, only a console
    opened on this machine (a loopback address) may use its own address; any other ``Host`` header could
    send the sign-in's code to someone else's site, so it is refused."""
    public = os.environ.get("LEDGERBRIDGE_PUBLIC_URL")
    path = f"/console/integrations/{quote(name)}/connect/{quote(side)}/callback"
    if public:
        return public.rstrip("/") + path
    if (request.url.hostname or "") in LOOPBACK_HOSTS:
        return str(request.base_url).rstrip("/") + path
    raise UserError(
        "set LEDGERBRIDGE_PUBLIC_URL to the address this server is reached at: the sign-in's return "
        "address is never taken from the request's Host header"
    )


def _kind_title(kind: str) -> str:
    try:
        return kind_named(kind).title
    except ValueError:
        return kind
