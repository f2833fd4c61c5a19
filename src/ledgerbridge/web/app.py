"""The web app of ``ledgerbridge serve``: webhook receivers, the web console (``/console``), the admin API
(``/api``, OpenAPI at ``/docs``), ``/healthz`` and ``/metrics``.

Webhook endpoints are open (senders cannot log in) but verify the sender's own token; ``/healthz`` and
``/metrics`` are open for monitoring. The console, the admin API and its docs (``/docs``, served from the
``fastapi-offline`` package, never a CDN) need a login or a token (see :mod:`ledgerbridge.web.auth`).
Every answer carries the security headers of :mod:`ledgerbridge.web.guards`; webhook bodies are limited
to 1 MB. ``serve`` binds to 127.0.0.1 by default.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import fastapi_offline
import structlog
from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from ledgerbridge import __version__
from ledgerbridge.logs import configure_logging
from ledgerbridge.runtime import metrics
from ledgerbridge.runtime.hub import RealtimeHub, WebhookRejected
from ledgerbridge.runtime.threads import InboxWorker
from ledgerbridge.service import UserError
from ledgerbridge.web import auth, i18n
from ledgerbridge.web.api import ErrorView, RetryAnswer, TransferAnswer, build_api
from ledgerbridge.web.console import TEMPLATES, ChoiceCache, build_console
from ledgerbridge.web.console.messages import refusal_message, service_message
from ledgerbridge.web.guards import BadBody, BodyLimit, SecurityHeaders, parse_json_body
from ledgerbridge.web.intake import WebhookFront, request_id
from ledgerbridge.web.jobs import StartupJobs

__all__ = ["ErrorView", "RetryAnswer", "TransferAnswer", "create_app"]

STATIC = Path(__file__).with_name("static")
# Swagger UI 5 (OpenAPI 3.1) as shipped in the fastapi-offline package: /docs loads nothing from elsewhere.
DOCS_ASSETS = Path(fastapi_offline.__file__).with_name("static")


def create_app(
    hub: RealtimeHub,
    worker: InboxWorker | None = None,
    *,
    admin_token: str | None = None,
    on_start: Callable[[], None] | None = None,
    on_stop: Callable[[], None] | None = None,
    secure_cookies: bool | None = None,
) -> FastAPI:
    """The app. ``on_start`` runs once the server listens (e.g. webhook subscription, background threads).

    ``admin_token`` (``LEDGERBRIDGE_ADMIN_TOKEN``) is accepted by the admin API besides the ``lb_`` tokens.
    ``secure_cookies``: mark the session cookie ``Secure`` (default: when ``LEDGERBRIDGE_PUBLIC_URL`` is
    https, or as ``LEDGERBRIDGE_SECURE_COOKIES`` says).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if on_start:
            await run_in_threadpool(on_start)
        yield
        if on_stop:
            await run_in_threadpool(on_stop)

    configure_logging()
    app = FastAPI(
        title="ledgerbridge",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # served below, behind the login, with local assets
        redoc_url=None,
        openapi_url=None,
        description=(
            "Webhook receivers and the admin API of ledgerbridge. The admin API needs "
            "`Authorization: Bearer lb_…` (make a token in the console under *API tokens* or with "
            "`ledgerbridge admin token create`); the console itself is at [/console](/console)."
        ),
    )
    service = hub.service
    jobs = StartupJobs(service)
    choices = ChoiceCache(hub)
    app.state.hub = hub
    app.state.jobs = jobs
    app.add_middleware(
        SessionMiddleware,
        secret_key=service.session_secret(),
        session_cookie=auth.SESSION_COOKIE,
        max_age=auth.SESSION_MAX_AGE,
        same_site="lax",
        https_only=auth.secure_cookies_default() if secure_cookies is None else secure_cookies,
    )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit)
    # Outermost: deliveries are answered before routing and the session/header/limit wrappers (issue 16).
    app.add_middleware(WebhookFront, hub=hub)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.mount("/docs-assets", StaticFiles(directory=str(DOCS_ASSETS)), name="docs-assets")

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError) -> Response:
        status = 404 if str(exc).startswith("no integration named") else 400
        if request.url.path.startswith("/console"):
            # In the user's language, without the terminal's hint ("see `ledgerbridge integrations list`").
            return _error_page(request, status, service_message(request, exc))
        return JSONResponse({"detail": str(exc)}, status_code=status)

    @app.exception_handler(auth.LoginRequired)
    async def login_required(request: Request, exc: auth.LoginRequired) -> Response:
        return RedirectResponse(exc.target, status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/console") and exc.status_code in (403, 404):
            message = refusal_message(request, exc.status_code, str(exc.detail))
            return _error_page(request, exc.status_code, message)
        return await http_exception_handler(request, exc)

    # -- webhooks ------------------------------------------------------------------------------------
    # One route family for every system; the hub says how ``system`` delivers. URL web hooks (entered by
    # hand in the system's UI) call by GET or POST with everything in the query; pushed ones POST JSON.
    if worker is not None:
        hub.intake.listen(worker.notify)  # once per stored batch of deliveries

    @app.get("/webhooks/{system}/{name}", tags=["webhooks"], operation_id="receive_webhook_get")
    @app.post("/webhooks/{system}/{name}", tags=["webhooks"], operation_id="receive_webhook_post")
    async def receive_webhook(system: str, name: str, request: Request) -> dict[str, Any]:
        """Store a delivery in the inbox, then answer; processing happens apart from the request.

        Systems that push send a JSON body with their token and event in headers of their own; systems
        whose web hooks are URLs are verified by the URL's ``token`` and read from its query parameters.
        """
        delivery = _webhook_delivery(hub, system, request.method)
        body: Any = None
        if delivery == hub.PUSHED_DELIVERY:
            try:
                body = parse_json_body(await request.body(), request.headers.get("content-type"))
            except BadBody as exc:
                raise HTTPException(400, str(exc)) from None

        headers, query = request.headers, request.query_params
        with request_context(request):
            try:
                # The tokens are remembered: verifying costs no query, so it runs right here; the first
                # delivery of an integration (or a new token) looks them up off the event loop.
                announced = hub.verify(
                    system, name, headers=headers, query=query, body=body, cached_only=True
                )
                if announced is None:
                    announced = await run_in_threadpool(
                        functools.partial(hub.verify, system, name, headers=headers, query=query, body=body)
                    )
                assert announced is not None
                # Durable before the answer: deliveries arriving together share one transaction, and
                # this one answers once that transaction committed (503 if it did not: send it again).
                stored = hub.intake.submit(announced)
                waited = asyncio.wrap_future(stored)
                await asyncio.wait([waited])  # not cancelled with this request: the batch is others' too
                waited.exception()  # read below, from ``stored``
                item_id = hub.stored(name, stored, announced)
            except WebhookRejected as exc:
                raise HTTPException(exc.status, exc.message) from None
        return {"queued": item_id}

    # -- health and metrics ----------------------------------------------------------------------------
    @app.get("/healthz", tags=["ops"])
    def health() -> JSONResponse:
        """Pending inbox items per integration and how long the oldest has waited; 503 once one has waited
        longer than ``LEDGERBRIDGE_UNHEALTHY_AFTER_SECONDS``."""
        healthy, report = hub.health()
        return JSONResponse(report, status_code=200 if healthy else 503)

    @app.get("/metrics", tags=["ops"], response_class=PlainTextResponse)
    def prometheus() -> PlainTextResponse:
        metrics.INBOX_PENDING.set(hub.inbox.count())
        _, report = hub.health()  # the inbox's age per integration, as /healthz sees it
        for label in list(metrics.INBOX_OLDEST_SECONDS._metrics):  # drained since the last scrape: 0
            metrics.INBOX_OLDEST_SECONDS.labels(*label).set(0)
        for integration, row in report["integrations"].items():
            metrics.INBOX_OLDEST_SECONDS.labels(integration).set(row["oldest_pending_seconds"])
        return PlainTextResponse(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/console", status_code=303)

    # -- the admin API, its docs and the console ---------------------------------------------------------
    def require_api(request: Request) -> auth.Principal:
        principal = auth.api_principal(request, service, admin_token)
        auth.enforce_scope(request, principal)
        return principal

    @app.get("/openapi.json", include_in_schema=False)
    def openapi_document(request: Request) -> JSONResponse:
        auth.api_principal(request, service, admin_token)
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> Response:
        if not auth.logged_in(request, service):
            raise auth.LoginRequired("/console/login?next=/docs")
        return HTMLResponse(DOCS_PAGE)

    app.include_router(build_api(hub, jobs, require_api, choices, choices.forget))
    app.include_router(build_console(hub, jobs, choices, auth.LoginThrottle()))
    return app


DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ledgerbridge admin API</title>
<link rel="stylesheet" href="/docs-assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs-assets/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script>
</body></html>
"""


def _webhook_delivery(hub: RealtimeHub, system: str, method: str) -> str:
    """How ``system`` delivers, as the hub says. Only URL web hooks are called by GET: a GET to any other
    system is 405; a POST to a system no kind takes web hooks from is 404."""
    try:
        delivery = hub.webhook_delivery(system)
    except WebhookRejected as exc:
        if method == "POST":
            raise HTTPException(exc.status, exc.message) from None
        delivery = None
    if method != "POST" and delivery != hub.URL_DELIVERY:
        raise HTTPException(405, "Method Not Allowed", headers={"Allow": "POST"})
    return str(delivery)


def request_context(request: Request) -> Any:
    """Log lines of a webhook's receipt carry a ``request_id``: the sender's X-Request-ID, else a new one."""
    return structlog.contextvars.bound_contextvars(request_id=request_id(request.headers.get("x-request-id")))


def server_config(app: Any, host: str, port: int, *, http: str = "auto", loop: str = "auto") -> Any:
    """How ``serve`` runs the app under uvicorn. ``proxy_headers`` is off: uvicorn would believe
    ``X-Forwarded-For`` from a local peer; the app believes it only from ``LEDGERBRIDGE_TRUSTED_PROXIES``.
    ``http``/``loop``: ``auto`` takes httptools and uvloop when installed (a delivery costs less than half
    the CPU it costs on h11 and asyncio's loop, see benchmarks/intake.py)."""
    import uvicorn

    # log_config=None: uvicorn's lines go to the handler ledgerbridge.logs set up, in its format.
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=False,
        log_config=None,
        http=http,  # type: ignore[arg-type]
        loop=loop,  # type: ignore[arg-type]
    )


def _error_page(request: Request, status: int, message: str) -> HTMLResponse:
    logged = "session" in request.scope and auth.logged_in(request, request.app.state.hub.service)
    return TEMPLATES.TemplateResponse(
        request,
        "problem.html",
        {
            "request": request,
            # The page is in the user's language like every other (html lang, headings, navigation).
            "lang": i18n.negotiate(request.cookies.get(i18n.COOKIE), request.headers.get("accept-language")),
            "status": status,
            "message": message,
            "logged_in": logged,
            "unread": 0,
            "flashes": [],
            "csrf": auth.csrf_token(request) if "session" in request.scope else "",
        },
        status_code=status,
    )
