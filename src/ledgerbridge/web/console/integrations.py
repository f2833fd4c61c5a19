"""The integrations: the list with health at a glance, a new one by kind, one integration's overview
(health, charts, recent runs and transfers, the manual transfer or the data-transfer panel) and removal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from babel.dates import format_timedelta
from fastapi import APIRouter, Request
from fastapi.responses import Response

from ledgerbridge.integrations.base import IntegrationKind, all_kinds, kind_named
from ledgerbridge.service import NAME_PATTERN, InvalidConfiguration, UserError
from ledgerbridge.web import charts, i18n
from ledgerbridge.web.console.activity import addresses
from ledgerbridge.web.console.context import (
    Console,
    _,
    back,
    flash,
    form_of,
    integration_url,
    kind_title,
    language_of,
    one,
)
from ledgerbridge.web.console.messages import (
    field_problems,
    sentence,
    service_message,
    status_line,
    title_of,
    transferred,
)
from ledgerbridge.web.forms import attach_errors, build_widgets, parse_form


def build(console: Console) -> APIRouter:
    hub, service, jobs = console.hub, console.service, console.jobs
    router = console.router()
    page = console.page

    def with_last_activity(name: str, health: dict[str, Any]) -> dict[str, Any]:
        """ "Last sync" is the last activity of any kind, not only the last run."""
        moment = charts.last_activity(service.store, name)
        return {**health, "last_activity": moment.isoformat() if moment else None}

    def overview_charts(request: Request, name: str) -> dict[str, Any]:
        lang = language_of(request)
        locale = i18n.babel_locale(lang)
        legend = (_(request, "transferred"), _(request, "failed"))
        zone = service.timezone_of(name)  # days and hours as the integration's people live them
        days = charts.daily_activity(service.store, name, zone=zone)
        hours = charts.hourly_activity(service.store, name, zone=zone)
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
                tick=charts.hour_tick(locale, zone),
                legend=legend,
            ),
            "backlog_count": waiting,
            "backlog_age": age,
            "startup_chart": charts.stacked_bars(
                rows, _(request, "Start-up sync per kind of record"), series=series
            ),
            "chart_zone": str(zone),
        }

    @router.get("")
    @router.get("/")
    def integrations(request: Request) -> Response:
        rows = []
        for view in service.list_integrations():
            try:
                health = with_last_activity(view.name, service.health(view.name))
            except Exception as exc:  # e.g. credentials sealed with another key: show it, keep the list
                health = {"problem": service_message(request, exc)}
            days = charts.daily_activity(service.store, view.name)  # UTC days: a list of every integration
            summary = _(request, "Last 30 days: %(transfers)s transferred, %(failures)s failed") % {
                "transfers": sum(b.transfers for b in days),
                "failures": sum(b.failures for b in days),
            }
            rows.append(
                {
                    "view": view,
                    "health": health,
                    "title": _(request, kind_title(view.kind)),
                    "sparkline": charts.sparkline(days, summary),
                }
            )
        return page(request, "integrations.html", rows=rows, kinds=sorted(all_kinds().items()))

    @router.get("/integrations/new")
    def new_integration(request: Request, kind: str | None = None) -> Response:
        kinds = sorted(all_kinds().items())
        chosen = kind_named(kind) if kind and kind in dict(kinds) else None
        widgets = build_widgets(chosen.Connections, {}, prefix="connections") if chosen else []
        return page(request, "new_integration.html", kinds=kinds, chosen=chosen, widgets=widgets, name="")

    @router.post("/integrations/new")
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
            rule = _(
                request, "Use 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit."
            )
            problems.append(("name", rule))
        else:
            try:
                service.add_integration(name, kind_name, {**connections, "settings": {}})
            except InvalidConfiguration as exc:
                problems = [
                    (p if p.startswith("settings.") else f"connections.{p}", m) for p, m in exc.problems
                ]
            except UserError as exc:
                problems.append(("name", service_message(request, exc)))
        if problems:
            widgets = build_widgets(kind_cls.Connections, connections, prefix="connections")
            named = [p for p in problems if p[0] != "name"]
            translated = field_problems(request, kind_cls.Connections, named, "connections")
            left = attach_errors(widgets, [p for p in problems if p[0] == "name"] + translated)
            return page(
                request,
                "new_integration.html",
                status=422,
                kinds=sorted(kinds.items()),
                chosen=kind_cls,
                widgets=widgets,
                name=name,
                name_errors=[m for p, m in left if p == "name"],
                other_errors=[m for p, m in left if p != "name"],  # each names its field by title
            )
        flash(
            request,
            _(request, "Integration %(name)s is created. Check its settings, then run the start-up sync.")
            % {"name": name},
            "success",
        )
        return back(integration_url(name, "/settings"))

    @router.get("/integrations/{name}")
    def integration(request: Request, name: str) -> Response:
        view = service.describe(name)
        kind_cls = kind_named(view.kind)
        health = with_last_activity(name, service.health(name))
        transfers = service.transfers(name, limit=10)
        return page(
            request,
            "integration.html",
            view=view,
            kind=kind_cls,
            document_source=document_source(kind_cls),
            health=health,
            **overview_charts(request, name),
            runs=service.runs(name, limit=5),
            transfers=transfers,
            addresses=addresses(service, name, view.kind, transfers),
            job=jobs.get(name),
        )

    @router.post("/integrations/{name}/transfer")
    async def manual_transfer(request: Request, name: str) -> Response:
        form = await form_of(request)
        number = one(form, "number")
        document_type = one(form, "document_type", "invoice") or "invoice"
        if not number:
            flash(request, _(request, "Type the invoice's number."), "error")
            return back(integration_url(name) + "#transfer")
        try:
            result = hub.transfer(name, document_type, number)
        except Exception as exc:  # unknown type, no real-time sync, a system down: say so, keep the page
            reason = service_message(request, exc)
            flash(request, _(request, "Not transferred: %(reason)s") % {"reason": reason}, "error")
            return back(integration_url(name) + "#transfer")
        level = {"transferred": "success", "already": "info"}.get(result.outcome, "error")
        if result.ok:
            ledger = kind_named(service.describe(name).kind).sides[1]  # where documents go
            flash(
                request,
                transferred(request, result.outcome, result.remote_key, result.message, ledger),
                level,
            )
        else:
            reason = sentence(request, result.message)
            flash(request, _(request, "Not transferred: %(reason)s") % {"reason": reason}, level)
        request.session["last_transfer"] = [document_type, number]
        return back(integration_url(name) + "#transfer")

    @router.post("/integrations/{name}/registers/{register}")
    def transfer_register(request: Request, name: str, register: str) -> Response:
        """A register's button on the data-transfer panel; the seed's status line comes back as a flash."""
        try:
            run = service.run_register(name, register)
        except UserError as exc:
            reason = service_message(request, exc)
            flash(request, _(request, "Not transferred: %(reason)s") % {"reason": reason}, "error")
            return back(integration_url(name) + "#transfer")
        level = "success" if run.ok else "error"
        title = _(request, title_of(register))  # "Customers", "Check sent" …
        flash(request, f"{title}: {status_line(request, run)}.", level)
        return back(integration_url(name) + "#transfer")

    @router.get("/integrations/{name}/delete")
    def delete_page(request: Request, name: str) -> Response:
        return page(request, "delete.html", view=service.describe(name))

    @router.post("/integrations/{name}/delete")
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
        console.choices.forget(name)
        jobs.forget(name)
        flash(
            request,
            _(request, "Integration %(name)s is disconnected and removed, with its stored credentials.")
            % {"name": name},
            "success",
        )
        return back("/console")

    return router


def document_source(kind: type[IntegrationKind]) -> str:
    """The side whose documents the manual transfer takes by number: side A, the operations system
    (side B is the ledger they are transferred to)."""
    return kind.sides[0]
