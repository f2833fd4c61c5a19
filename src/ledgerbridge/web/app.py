"""The web app of ``ledgerbridge serve``: webhook receivers, the admin API (OpenAPI at ``/docs``), metrics.

Webhook endpoints are open (senders cannot log in) but verify the sender's own token. The admin API
requires ``Authorization: Bearer <LEDGERBRIDGE_ADMIN_TOKEN>`` when that variable is set; ``serve``
binds to 127.0.0.1 by default.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from ledgerbridge import __version__
from ledgerbridge.runtime import metrics
from ledgerbridge.runtime.hub import RealtimeHub, WebhookRejected
from ledgerbridge.runtime.threads import InboxWorker
from ledgerbridge.service import UserError

# Each source says in which headers its deliveries carry the token and the event.
WEBHOOK_HEADERS = {"rackbeat": ("rackbeat-webhook-token", "rackbeat-webhook-event")}


class TransferAnswer(BaseModel):
    outcome: str
    remote_key: str | None
    message: str


class ErrorView(BaseModel):
    id: int
    operation: str
    entity: str
    record_key: str
    message: str
    remote_message: str | None
    status_code: int | None
    payload: Any
    state: str
    attempts: int
    last_seen: str


class RetryAnswer(BaseModel):
    error_id: int
    outcome: str


def create_app(
    hub: RealtimeHub,
    worker: InboxWorker | None = None,
    *,
    admin_token: str | None = None,
    on_start: Callable[[], None] | None = None,
    on_stop: Callable[[], None] | None = None,
) -> FastAPI:
    """The app. ``on_start`` runs once the server listens (e.g. webhook subscription, background threads)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if on_start:
            await run_in_threadpool(on_start)
        yield
        if on_stop:
            await run_in_threadpool(on_stop)

    app = FastAPI(
        title="ledgerbridge",
        version=__version__,
        lifespan=lifespan,
        description="Webhook receivers and the admin API of ledgerbridge.",
    )

    def require_admin(authorization: Annotated[str | None, Header()] = None) -> None:
        if admin_token is None:
            return
        given = (authorization or "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given, admin_token):
            raise HTTPException(401, "admin API: send Authorization: Bearer <LEDGERBRIDGE_ADMIN_TOKEN>")

    admin = [Depends(require_admin)]

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError) -> JSONResponse:
        status = 404 if str(exc).startswith("no integration named") else 400
        return JSONResponse({"detail": str(exc)}, status_code=status)

    # -- webhooks ------------------------------------------------------------------------------------
    @app.post("/webhooks/{source}/{name}", tags=["webhooks"])
    async def receive_webhook(source: str, name: str, request: Request) -> dict[str, Any]:
        """Store a delivery in the inbox, then answer; processing happens apart from the request."""
        if source not in WEBHOOK_HEADERS:
            raise HTTPException(404, f"no webhook receiver for {source!r}")
        token_header, event_header = WEBHOOK_HEADERS[source]
        try:
            body = await request.json()
        except ValueError:
            body = None
        event = (
            request.headers.get(event_header) or (body or {}).get("event") if isinstance(body, dict) else None
        )
        try:
            item_id = hub.receive_webhook(name, source, request.headers.get(token_header), event, body)
        except WebhookRejected as exc:
            raise HTTPException(exc.status, exc.message) from None
        if worker is not None:
            worker.notify()
        return {"queued": item_id}

    @app.api_route("/webhooks/economic/{name}", methods=["GET", "POST"], tags=["webhooks"])
    def receive_economic_webhook(
        name: str,
        token: str | None = None,
        type: str | None = None,
        new: str | None = None,
        old: str | None = None,
    ) -> dict[str, Any]:
        """e-conomic's UI web hooks (GET or POST, merge fields in the URL), verified by the URL's token."""
        try:
            item_id = hub.receive_economic_webhook(name, token, type, new, old)
        except WebhookRejected as exc:
            raise HTTPException(exc.status, exc.message) from None
        if worker is not None:
            worker.notify()
        return {"queued": item_id}

    # -- health and metrics ----------------------------------------------------------------------------
    @app.get("/healthz", tags=["ops"])
    def health() -> dict[str, Any]:
        return {"status": "ok", "inbox_pending": hub.inbox.count()}

    @app.get("/metrics", tags=["ops"], response_class=PlainTextResponse)
    def prometheus() -> PlainTextResponse:
        metrics.INBOX_PENDING.set(hub.inbox.count())
        return PlainTextResponse(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)

    # -- admin API -------------------------------------------------------------------------------------
    @app.get("/api/integrations", tags=["integrations"], dependencies=admin)
    def list_integrations() -> list[dict[str, Any]]:
        return [view.__dict__ for view in hub.service.list_integrations()]

    @app.get("/api/integrations/{name}", tags=["integrations"], dependencies=admin)
    def show_integration(name: str) -> dict[str, Any]:
        return hub.service.describe(name).__dict__

    @app.get("/api/integrations/{name}/runs", tags=["integrations"], dependencies=admin)
    def runs(name: str) -> list[dict[str, Any]]:
        return [
            {
                "id": r.id,
                "kind": r.kind,
                "status": r.status,
                "counts": r.counts,
                "message": r.message,
                "started_at": r.started_at.isoformat(),
                "finished_at": r.finished_at.isoformat() if r.finished_at else None,
            }
            for r in hub.service.runs(name)
        ]

    @app.get("/api/integrations/{name}/errors", tags=["errors"], dependencies=admin)
    def errors(name: str, state: str | None = "open") -> list[ErrorView]:
        return [
            ErrorView(
                id=e.id,
                operation=e.operation,
                entity=e.entity,
                record_key=e.record_key,
                message=e.message,
                remote_message=e.remote_message,
                status_code=e.status_code,
                payload=e.payload,
                state=e.state,
                attempts=e.attempts,
                last_seen=e.last_seen.isoformat(),
            )
            for e in hub.service.errors(name, state=state or None)
        ]

    @app.get("/api/integrations/{name}/conflicts", tags=["conflicts"], dependencies=admin)
    def conflicts(name: str) -> list[dict[str, Any]]:
        """Fields both sides had changed since the last sync: the master's value won, the other's is here."""
        return [
            {
                "id": c.id,
                "entity": c.entity,
                "record_key": c.record_key,
                "field": c.field,
                "winner": c.winner,
                "loser": c.loser,
                "winning_value": c.winning_value,
                "losing_value": c.losing_value,
                "detected_at": c.detected_at.isoformat(),
            }
            for c in hub.service.conflicts(name)
        ]

    @app.post("/api/integrations/{name}/retry", tags=["errors"], dependencies=admin)
    def retry_all(name: str) -> list[RetryAnswer]:
        return [RetryAnswer(error_id=i, outcome=o) for i, o in hub.retry(name)]

    @app.post("/api/integrations/{name}/errors/{error_id}/retry", tags=["errors"], dependencies=admin)
    def retry_one(name: str, error_id: int) -> list[RetryAnswer]:
        return [RetryAnswer(error_id=i, outcome=o) for i, o in hub.retry(name, error_id)]

    @app.post(
        "/api/integrations/{name}/transfers/{document_type}/{key}", tags=["transfers"], dependencies=admin
    )
    def transfer(name: str, document_type: str, key: str) -> TransferAnswer:
        """Transfer one document by its number, now. Safe to repeat: a second call says where it went."""
        result = hub.transfer(name, document_type, key)
        return TransferAnswer(outcome=result.outcome, remote_key=result.remote_key, message=result.message)

    return app
