"""API tokens: made (shown once), listed and revoked."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ledgerbridge.service import UserError
from ledgerbridge.web.console.context import Console, RowId, _, back, flash, form_of, one
from ledgerbridge.web.console.messages import service_message


def build(console: Console) -> APIRouter:
    service = console.service
    router = console.router()
    page = console.page

    @router.get("/tokens")
    def tokens_page(request: Request) -> Response:
        return page(request, "tokens.html", tokens=service.api_tokens(), created=None)

    @router.post("/tokens")
    async def create_token(request: Request) -> Response:
        form = await form_of(request)
        try:
            plain, _row = service.create_api_token(
                one(form, "name") or "script",
                read_only=one(form, "access") == "read",
                integration=one(form, "integration") or None,
            )
        except UserError as exc:
            flash(request, service_message(request, exc), "error")
            return back("/console/tokens")
        return page(request, "tokens.html", tokens=service.api_tokens(), created=plain)

    @router.post("/tokens/{token_id}/revoke")
    async def revoke_token(request: Request, token_id: RowId) -> Response:
        await form_of(request)
        try:
            service.revoke_api_token(token_id)
            flash(request, _(request, "Token #%(id)s is revoked.") % {"id": token_id}, "success")
        except UserError as exc:
            flash(request, service_message(request, exc), "error")
        return back("/console/tokens")

    return router
