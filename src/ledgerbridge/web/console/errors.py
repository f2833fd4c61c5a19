"""The error log across integrations, with retry and dismiss."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ledgerbridge.service import UserError
from ledgerbridge.web.console.context import Console, Form, RowId, _, back, flash, form_of, one


def build(console: Console) -> APIRouter:
    hub, service = console.hub, console.service
    router = console.router()
    page = console.page

    @router.get("/errors")
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

    @router.post("/integrations/{name}/errors/{error_id}/retry")
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

    @router.post("/integrations/{name}/errors/{error_id}/dismiss")
    async def dismiss(request: Request, name: str, error_id: RowId) -> Response:
        form = await form_of(request)
        try:
            service.dismiss_error(name, error_id)
            flash(request, _(request, "#%(id)s is dismissed.") % {"id": error_id}, "success")
        except UserError as exc:
            flash(request, str(exc), "error")
        return errors_back(form)

    return router


def errors_back(form: Form) -> RedirectResponse:
    """Back to the error log as it was filtered (the form's ``back``: the list's query string)."""
    return back("/console/errors" + (f"?{one(form, 'back')}" if one(form, "back") else ""))
