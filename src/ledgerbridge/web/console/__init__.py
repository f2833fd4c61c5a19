"""The web console (``/console``): server-rendered pages over the same service the CLI and the API use.

One router per page group, each built from the shared :class:`~ledgerbridge.web.console.context.Console`
context: ``login`` (first start, login, logout, language), ``integrations`` (the list, a new one by kind,
the overview with manual transfer or the data-transfer panel, removal), ``connections`` (token forms or an
OAuth2 "Connect" button), ``settings`` (generated from the kind's settings model), ``startup`` (preview,
run with live progress, the one-time rule), ``preview`` (a register's dry run as a page), ``errors``
(retry and dismiss), ``notifications``, ``activity`` (runs, the transfer ledger per document, conflicts),
``reconcile`` and ``tokens`` (API tokens). The templates are in ``web/templates``, their environment in
``templating``.
"""

from __future__ import annotations

from fastapi import APIRouter

from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.web import auth
from ledgerbridge.web.console import (
    activity,
    connections,
    errors,
    integrations,
    login,
    notifications,
    preview,
    reconcile,
    settings,
    startup,
    tokens,
)
from ledgerbridge.web.console.context import ChoiceCache, Console
from ledgerbridge.web.console.templating import TEMPLATES
from ledgerbridge.web.jobs import StartupJobs

__all__ = ["TEMPLATES", "ChoiceCache", "Console", "build_console"]

PAGE_GROUPS = (
    login,
    integrations,
    connections,
    settings,
    startup,
    preview,
    errors,
    notifications,
    activity,
    reconcile,
    tokens,
)


def build_console(
    hub: RealtimeHub, jobs: StartupJobs, choices: ChoiceCache, throttle: auth.LoginThrottle
) -> APIRouter:
    """Every page group's router under ``/console``, built from one shared context."""
    console = Console(hub, jobs, choices, throttle)
    router = APIRouter()
    for group in PAGE_GROUPS:
        router.include_router(group.build(console))
    return router
