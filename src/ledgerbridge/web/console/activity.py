"""Activity: runs, the transfer ledger and conflicts of one integration, and one document's history.

A document's keys on both sides come with the address of each in its system's own web app where the side
declares a documented scheme (``Side.web_address``), and orders brought over with the number the
operations system gave them (``Side.own_numbers``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ledgerbridge.integrations.base import kind_named
from ledgerbridge.services.history import WebAddresses
from ledgerbridge.store import Transfer
from ledgerbridge.web.console.context import Console


def both_keys(kind: str, transfer: Transfer) -> dict[str, str | None]:
    """A transfer's key on each side: documents go from a kind's first side to its second."""
    source, target = kind_named(kind).sides
    return {source: transfer.source_key, target: transfer.remote_key}


def addresses(service: Any, name: str, kind: str, transfers: Sequence[Transfer]) -> dict[Any, WebAddresses]:
    """Transfer id → where its two sides' records open in the systems' web apps (``_transfers.html``)."""
    found = service.web_addresses(name, [(t.document_type, both_keys(kind, t)) for t in transfers])
    return {t.id: web for t, web in zip(transfers, found, strict=True)}


def build(console: Console) -> APIRouter:
    service = console.service
    router = console.router()
    page = console.page

    @router.get("/integrations/{name}/activity")
    def activity(request: Request, name: str) -> Response:
        view = service.describe(name)
        transfers = service.transfers(name, limit=100)
        return page(
            request,
            "activity.html",
            view=view,
            runs=service.runs(name, limit=30),
            transfers=transfers,
            addresses=addresses(service, name, view.kind, transfers),
            orders=service.own_numbers(name, service.synced_documents(name, entity="order", limit=100)),
            conflicts=service.conflicts(name, limit=100),
        )

    @router.get("/integrations/{name}/documents/{document_type}/{key}")
    def document(request: Request, name: str, document_type: str, key: str) -> Response:
        view = service.describe(name)
        history = service.document_history(name, document_type, key)
        source, target = kind_named(view.kind).sides
        keys = both_keys(view.kind, history.transfer) if history.transfer else {source: key, target: None}
        return page(
            request,
            "document.html",
            view=view,
            history=history,
            keys=keys,
            links=service.web_addresses(name, [(document_type, keys)])[0],
        )

    return router
