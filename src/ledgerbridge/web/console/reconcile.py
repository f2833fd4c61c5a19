"""Reconciliation: both systems' documents of a period compared, and the repairs a person may start."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ledgerbridge.runtime.reconcile import default_period, reconcile
from ledgerbridge.service import UserError
from ledgerbridge.systems.errors import AuthError
from ledgerbridge.web import charts, i18n
from ledgerbridge.web.console.context import Console, _, form_of, language_of, one
from ledgerbridge.web.console.messages import service_message


def build(console: Console) -> APIRouter:
    hub, service = console.hub, console.service
    router = console.router()

    @router.get("/integrations/{name}/reconcile")
    def reconcile_page(request: Request, name: str) -> Response:
        """The form; with ``run=1`` also the comparison (a GET: it writes nothing)."""
        params = request.query_params
        start, end = params.get("from", ""), params.get("to", "")
        return _reconcile(request, name, start, end, run=bool(params.get("run")))

    @router.post("/integrations/{name}/reconcile")
    async def reconcile_repair(request: Request, name: str) -> Response:
        form = await form_of(request)
        return _reconcile(request, name, one(form, "from"), one(form, "to"), run=True, repair=True)

    def _reconcile(
        request: Request, name: str, start: str, end: str, *, run: bool, repair: bool = False
    ) -> Response:
        view = service.describe(name)
        first, last = default_period(date.today())
        result, problem = None, None
        try:
            period = (
                date.fromisoformat(start) if start else first,
                date.fromisoformat(end) if end else last,
            )
            if run:
                result = reconcile(hub, name, *period, repair=repair)
        except ValueError:
            period, problem = (first, last), _(request, "Dates are YYYY-MM-DD.")
        except (UserError, AuthError) as exc:  # AuthError: a side not signed in to (opening the session)
            problem = service_message(request, exc)
        return console.page(
            request,
            "reconcile.html",
            view=view,
            start=period[0].isoformat(),
            end=period[1].isoformat(),
            result=result,
            problem=problem,
            agreement_chart=agreement_chart(request, result) if result else "",
        )

    return router


def agreement_chart(request: Request, result: Any) -> Any:
    """Per kind of record, the documents that agree and the differences (repairable or for a person), with
    every document in a first row."""
    lang = language_of(request)
    agreeing: dict[str, int] = result.agreeing()
    rows = [(_(request, "All documents"), _bar(sum(agreeing.values()), result.findings))]
    for entity in sorted(set(agreeing) | {f.entity for f in result.findings}):
        mine = [f for f in result.findings if f.entity == entity]
        rows.append((i18n.translate(lang, entity), _bar(agreeing.get(entity, 0), mine)))
    series = [
        (charts.BLUE, _(request, "agree")),
        (charts.SKY, _(request, "Repair fixes it")),
        (charts.VERMILLION, _(request, "Needs a person")),
    ]
    return charts.stacked_bars(rows, _(request, "Agreement per kind of record"), series=series)


def _bar(agree: int, findings: list[Any]) -> list[int]:
    repairable = sum(1 for f in findings if f.repair is not None)
    return [agree, repairable, len(findings) - repairable]
