"""First start (the admin password), login, logout and the language choice: the pages open to all."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from ledgerbridge.service import MIN_PASSWORD_LENGTH, UserError
from ledgerbridge.web import auth, i18n
from ledgerbridge.web.console.context import Console, _, back, flash, form_of, one
from ledgerbridge.web.console.messages import service_message


def build(console: Console) -> APIRouter:
    service = console.service
    router = console.router(guarded=False)
    page = console.page

    @router.get("/setup")
    def setup_page(request: Request) -> Response:
        if service.has_admin_password():
            return back("/console/login")
        return page(request, "setup.html", local=auth.is_local(request), minimum=MIN_PASSWORD_LENGTH)

    @router.post("/setup")
    async def setup(request: Request) -> Response:
        form = await form_of(request)
        if service.has_admin_password():
            return back("/console/login")
        if not auth.is_local(request):
            raise HTTPException(
                403, _(request, "Set the first password in a browser on the server's own machine.")
            )
        password, again = one(form, "password"), one(form, "again")
        problem = None
        if password != again:
            problem = _(request, "the two passwords differ")
        else:
            try:
                service.set_admin_password(password)
            except UserError as exc:
                problem = service_message(request, exc)
        if problem:
            return page(
                request, "setup.html", status=422, local=True, minimum=MIN_PASSWORD_LENGTH, problem=problem
            )
        epoch = service.check_admin_password(password)
        assert epoch is not None
        auth.log_in(request, epoch, service)
        flash(request, _(request, "The admin password is set; you are logged in."), "success")
        return back("/console")

    @router.get("/login")
    def login_page(request: Request, next: str = "/console") -> Response:
        if not service.has_admin_password():
            return back("/console/setup")
        return page(request, "login.html", next=safe_next(next))

    @router.post("/login")
    async def login(request: Request) -> Response:
        form = await form_of(request)
        target = safe_next(one(form, "next", "/console"))
        client = auth.client_of(request)
        if console.throttle.blocked(client):
            return page(
                request,
                "login.html",
                status=429,
                next=target,
                problem=_(request, "Too many attempts: wait a few minutes."),
            )
        epoch = service.check_admin_password(one(form, "password"))
        if epoch is None:
            console.throttle.failed(client)
            problem = _(request, "That is not the admin password.")
            return page(request, "login.html", status=401, next=target, problem=problem)
        console.throttle.succeeded(client)
        auth.log_in(request, epoch, service)
        return back(target)

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        await form_of(request)
        auth.log_out(request, service)
        return back("/console/login")

    @router.get("/language/{language}")
    def choose_language(request: Request, language: str, next: str = "/console") -> Response:
        """The user's language, remembered for a year in a cookie (it is a preference, not a secret)."""
        response = back(safe_next(next))
        if language in i18n.LANGUAGES:
            response.set_cookie(
                i18n.COOKIE, language, max_age=365 * 24 * 3600, httponly=True, samesite="lax", path="/"
            )
        return response

    return router


def safe_next(target: str) -> str:
    """Only paths of this console or its API docs (never another site) after logging in."""
    ours = target == "/docs" or target.startswith("/console")
    return target if ours and "//" not in target and "\\" not in target else "/console"
