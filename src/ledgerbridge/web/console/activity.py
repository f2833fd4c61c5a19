"""Activity: runs, the transfer ledger and conflicts of one integration, and one document's history."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ledgerbridge.web.console.context import Console


def build(console: Console) -> APIRouter:
    service = console.service
    router = console.router()
    page = console.page

    @router.get("/integrations/{name}/activity")
    def activity(request: Request, name: str) -> Response:
        return page(
            request,
            "activity.html",
            view=service.describe(name),
            runs=service.runs(name, limit=30),
            transfers=service.transfers(name, limit=100),
            orders=service.synced_documents(name, entity="order", limit=100),
            conflicts=service.conflicts(name, limit=100),
        )

    @router.get("/integrations/{name}/documents/{document_type}/{key}")
    def document(request: Request, name: str, document_type: str, key: str) -> Response:
        return page(
            request,
            "document.html",
            view=service.describe(name),
            history=service.document_history(name, document_type, key),
        )

    return router
