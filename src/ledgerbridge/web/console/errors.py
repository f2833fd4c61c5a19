"""The error log across integrations, with retry and dismiss."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ledgerbridge.service import UserError
from ledgerbridge.services.common import RETRY_FAILED, RETRY_RAISED, Message
from ledgerbridge.web.console.context import Console, Form, RowId, _, back, flash, form_of, one
from ledgerbridge.web.console.messages import service_message


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
            failed = _(request, "Retry of #%(id)s failed: %(reason)s")
            flash(request, failed % {"id": error_id, "reason": service_message(request, exc)}, "error")
            return errors_back(form)
        for entry_id, outcome in results:
            state = service.error(name, entry_id).state
            level = "success" if state == "resolved" else "error"
            flash(request, retry_outcome(request, entry_id, outcome, still_open=state != "resolved"), level)
        return errors_back(form)

    @router.post("/integrations/{name}/errors/{error_id}/dismiss")
    async def dismiss(request: Request, name: str, error_id: RowId) -> Response:
        form = await form_of(request)
        try:
            service.dismiss_error(name, error_id)
            flash(request, _(request, "#%(id)s is dismissed.") % {"id": error_id}, "success")
        except UserError as exc:
            flash(request, service_message(request, exc), "error")
        return errors_back(form)

    return router


def errors_back(form: Form) -> RedirectResponse:
    """Back to the error log as it was filtered (the form's ``back``: the list's query string)."""
    return back("/console/errors" + (f"?{one(form, 'back')}" if one(form, "back") else ""))


def retry_outcome(request: Request, entry_id: int, outcome: str, *, still_open: bool) -> str:
    """A retried entry's outcome line: a failure (``retry_failed`` / ``retry_raised``: its reason, without
    the exception's class name the CLI shows) in the user's language, "still open" said."""
    if isinstance(outcome, Message) and outcome.template in (RETRY_FAILED, RETRY_RAISED):
        text = _(request, "#%(id)s failed: %(reason)s") % {
            "id": entry_id,
            "reason": service_message(request, outcome.values["reason"]),
        }
    else:
        # Only the engine's plain words; a Word or Message (str-like) goes through service_message.
        said = synced_outcome(request, outcome) if type(outcome) is str else None
        text = f"#{entry_id}: {said or service_message(request, outcome)}"
    return text + " " + _(request, "(still open)") if still_open else text


def synced_outcome(request: Request, outcome: str) -> str | None:
    """A record's sync outcome (the engine's bare words ``created``, ``updated``, ``unchanged``, ``gone``,
    ``ignored``, ``failed``: its reason is the entry's message) said in the user's language; None for any
    other text."""
    return {
        "created": _(request, "the record was created"),
        "updated": _(request, "the record was updated"),
        "unchanged": _(request, "the record was already up to date"),
        "gone": _(request, "the source no longer has the record"),
        "ignored": _(request, "nothing to do"),
        "failed": _(request, "failed again: the entry says why"),
    }.get(outcome)
