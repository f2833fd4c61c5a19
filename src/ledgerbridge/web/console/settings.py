"""The settings page, generated from the kind's settings model (choices read live from the systems)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ledgerbridge.integrations.base import IntegrationKind, kind_named
from ledgerbridge.service import InvalidConfiguration
from ledgerbridge.web.console.context import Console, _, back, flash, form_of, integration_url
from ledgerbridge.web.console.messages import field_problems
from ledgerbridge.web.forms import Widget, attach_errors, build_widgets, parse_form


def build(console: Console) -> APIRouter:
    hub, service = console.hub, console.service
    router = console.router()
    page = console.page

    def settings_widgets(kind_cls: type[IntegrationKind], name: str, values: dict[str, Any]) -> list[Widget]:
        return build_widgets(
            kind_cls.Settings, values, choices=console.choices(name), order=kind_cls.setting_groups
        )

    @router.get("/integrations/{name}/settings")
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

    @router.post("/integrations/{name}/settings")
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
            left = attach_errors(groups, field_problems(request, kind_cls.Settings, problems))
            return page(
                request,
                "settings.html",
                status=422,
                view=view,
                kind=kind_cls,
                groups=groups,
                other_errors=[m for _p, m in left],  # each names its field by title
            )
        hub.reload(name)
        flash(request, _(request, "Settings saved. They take effect at once."), "success")
        return back(integration_url(name, "/settings"))

    return router
