"""The start-up sync: preview, run with live progress, and the one-time rule."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ledgerbridge.service import StartupAlreadyDone, UserError
from ledgerbridge.web.console.context import Console, _, back, flash, form_of, integration_url, one
from ledgerbridge.web.console.messages import service_message

PLAN_RECORDS_SHOWN = 200  # per entity in the preview


def build(console: Console) -> APIRouter:
    service, jobs = console.service, console.jobs
    router = console.router()
    page = console.page

    def startup_context(name: str) -> dict[str, Any]:
        view = service.describe(name)
        job = jobs.get(name)
        return {
            "view": view,
            "refusal": service.startup_refusal(name),
            "job": job.snapshot() if job else None,
            "runs": [r for r in service.runs(name, limit=10) if r.kind == "startup"],
        }

    @router.get("/integrations/{name}/startup")
    def startup_page(request: Request, name: str) -> Response:
        return page(request, "startup.html", **startup_context(name))

    @router.post("/integrations/{name}/startup/preview")
    async def startup_preview(request: Request, name: str) -> Response:
        await form_of(request)
        try:
            result = service.run_startup(name, dry_run=True)
        except Exception as exc:
            reason = service_message(request, exc)
            flash(request, _(request, "The preview failed: %(reason)s") % {"reason": reason}, "error")
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

    @router.post("/integrations/{name}/startup/run")
    async def startup_run(request: Request, name: str) -> Response:
        form = await form_of(request)
        try:
            jobs.start(name, force=one(form, "force") == "on")
        except UserError as exc:
            reason = (
                _(request, "it already ran; tick “Run it again anyway” to run it again.")
                if isinstance(exc, StartupAlreadyDone)
                else service_message(request, exc)
            )
            flash(request, _(request, "Not started: %(reason)s") % {"reason": reason}, "error")
        return back(integration_url(name, "/startup"))

    @router.get("/integrations/{name}/startup/progress")
    def startup_progress(name: str) -> JSONResponse:
        job = jobs.get(name)
        return JSONResponse(job.snapshot() if job else {"status": "idle", "done": True, "entities": []})

    return router
