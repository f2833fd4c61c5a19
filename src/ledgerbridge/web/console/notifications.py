"""Notifications (what needs a person's eye) and marking them read."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ledgerbridge.web.console.context import Console, back, form_of


def build(console: Console) -> APIRouter:
    service = console.service
    router = console.router()

    @router.get("/notifications")
    def notifications_page(request: Request) -> Response:
        return console.page(request, "notifications.html", rows=service.notifications())

    @router.post("/notifications/read")
    async def notifications_read(request: Request) -> Response:
        await form_of(request)
        service.mark_notifications_read()
        return back("/console/notifications")

    return router
