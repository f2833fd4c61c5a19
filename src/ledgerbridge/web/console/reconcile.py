"""Reconciliation: both systems' documents of a period compared, and the repairs a person may start."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ledgerbridge.runtime.reconcile import default_period, reconcile
from ledgerbridge.service import UserError
from ledgerbridge.web import charts, i18n
from ledgerbridge.web.console.context import Console, _, form_of, language_of, one


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
        except UserError as exc:
            problem = str(exc)
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
    """Documents that agree, and the differences per kind of record (repairable or for a person)."""
    lang = language_of(request)
    fixable = [f for f in result.findings if f.repair is not None]
    agree = max(result.checked - len(result.findings), 0)
    rows = [(_(request, "All documents"), [agree, len(fixable), len(result.findings) - len(fixable)])]
    for entity in sorted({f.entity for f in result.findings}):
        mine = [f for f in result.findings if f.entity == entity]
        repairable = sum(1 for f in mine if f.repair is not None)
        rows.append((i18n.translate(lang, entity), [0, repairable, len(mine) - repairable]))
    series = [
        (charts.BLUE, _(request, "agree")),
        (charts.SKY, _(request, "Repair fixes it")),
        (charts.VERMILLION, _(request, "Needs a person")),
    ]
    return charts.stacked_bars(rows, _(request, "Agreement per kind of record"), series=series)
