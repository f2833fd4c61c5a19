"""`ledgerbridge reconcile NAME` for the CLI, the admin API and the console: one call, one answer."""

from __future__ import annotations

from datetime import date

from ledgerbridge.engine.runner import RunAborted
from ledgerbridge.integrations.reconcile import Reconciliation
from ledgerbridge.integrations.reconcile_views import reconciler_for
from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.service import UserError
from ledgerbridge.services.common import NOT_COMPARED, PERIOD_REVERSED
from ledgerbridge.systems.errors import AuthError, TransientError


def default_period(today: date) -> tuple[date, date]:
    """This month so far."""
    return today.replace(day=1), today


def reconcile(
    hub: RealtimeHub, name: str, start: date | None, end: date | None, *, repair: bool = False
) -> Reconciliation:
    """Compare both sides of ``name`` for the period (default: this month so far); ``repair`` fixes what is
    safe and checks again. :class:`UserError` for an unknown integration, a kind without a ledger view,
    a reversed period or a side that cannot be reached."""
    first, last = default_period(date.today())
    start, end = start or first, end or last
    if end < start:
        raise UserError(PERIOD_REVERSED, end=end, start=start)
    try:
        # Opening it signs in (a side not connected is an AuthError); held, so a long comparison's session
        # is never closed as idle under it.
        with hub.using(name) as (_, session):
            return reconciler_for(name, session).run(start, end, repair=repair)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    except (TransientError, AuthError) as exc:
        raise UserError(NOT_COMPARED, name=name, reason=exc.remote_message) from None
    except RunAborted as exc:  # a read the comparison needs did not answer
        raise UserError(NOT_COMPARED, name=name, reason=str(exc)) from None
