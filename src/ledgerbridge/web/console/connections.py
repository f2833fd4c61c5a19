"""Each side's connection: the token forms, and the OAuth2 "Connect" button with its return address."""

from __future__ import annotations

import os
import secrets
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from ledgerbridge.integrations.base import kind_named
from ledgerbridge.service import InvalidConfiguration, UserError
from ledgerbridge.services.common import N_
from ledgerbridge.web import auth
from ledgerbridge.web.console.context import Console, _, back, flash, form_of, integration_url, one
from ledgerbridge.web.console.messages import field_problems, service_message
from ledgerbridge.web.forms import attach_errors, build_widgets, parse_form

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def build(console: Console) -> APIRouter:
    hub, service, choices = console.hub, console.service, console.choices
    router = console.router()
    page = console.page

    @router.get("/integrations/{name}/connections")
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

    @router.post("/integrations/{name}/connections")
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
            problems = [(f"connections.{p}", m) for p, m in exc.problems]
            translated = field_problems(request, kind_cls.Connections, problems, "connections")
            left = attach_errors(widgets, translated)
            return page(
                request,
                "connections.html",
                status=422,
                view=view,
                kind=kind_cls,
                widgets=widgets,
                states=service.connection_states(name),
                other_errors=[m for _p, m in left],  # each names its field by title
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

    @router.get("/integrations/{name}/connect/{side}")
    def oauth_start(request: Request, name: str, side: str) -> Response:
        _id, kind = service.integration(name)
        if side not in kind.oauth_sides:  # connected with its keys: there is no sign-in page to go to
            keys = _(request, "%(side)s is connected with its keys: enter them in the form on this page.")
            flash(request, keys % {"side": _(request, side)}, "error")
            return back(integration_url(name, "/connections"))
        state = secrets.token_urlsafe(24)
        request.session["oauth"] = {"state": state, "name": name, "side": side}
        try:
            redirect = callback_url(request, name, side)
            url = kind.oauth_start(side, redirect_uri=redirect, state=state)
        except NotImplementedError as exc:
            flash(request, service_message(request, exc), "error")
            return back(integration_url(name, "/connections"))
        return RedirectResponse(url, status_code=303)

    @router.get("/integrations/{name}/connect/{side}/callback")
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
                403, _(request, "This sign-in answer does not belong to a sign-in started here: start again.")
            )
        if "error" in params:
            reason = params.get("error_description") or params["error"]
            refused = _(request, "%(side)s refused: %(reason)s")
            flash(request, refused % {"side": _(request, side), "reason": reason}, "error")
            return back(integration_url(name, "/connections"))
        integration_id, kind = service.integration(name)
        try:
            kind.oauth_finish(
                service.store,
                integration_id,
                side,
                redirect_uri=callback_url(request, name, side),
                params=params,
            )
        except Exception as exc:
            failed = _(request, "Connecting %(side)s failed: %(reason)s")
            reason = service_message(request, exc)
            flash(request, failed % {"side": _(request, side), "reason": reason}, "error")
            return back(integration_url(name, "/connections"))
        hub.reload(name)
        choices.forget(name)
        flash(request, _(request, "%(side)s is connected.") % {"side": _(request, side)}, "success")
        return back(integration_url(name, "/connections"))

    @router.post("/integrations/{name}/disconnect/{side}")
    async def oauth_disconnect(request: Request, name: str, side: str) -> Response:
        await form_of(request)
        try:
            message = service.disconnect(name, side)
        except UserError as exc:
            flash(request, service_message(request, exc), "error")
            return back(integration_url(name, "/connections"))
        hub.reload(name)
        choices.forget(name)
        flash(request, service_message(request, message), "success")
        return back(integration_url(name, "/connections"))

    return router


def callback_url(request: Request, name: str, side: str) -> str:
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
        N_(
            "set LEDGERBRIDGE_PUBLIC_URL to the address this server is reached at: the sign-in's return "
            "address is never taken from the request's Host header"
        )
    )
