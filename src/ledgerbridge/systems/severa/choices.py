"""What a settings page can offer from Severa, read live (:data:`SEVERA_CHOICES`: invoice statuses); and
:func:`check`, "test the connection" (client credentials checked, the organisation signed in to)."""

from __future__ import annotations

from collections.abc import Callable

from ledgerbridge.systems.severa.adapters import Severa
from ledgerbridge.systems.severa.client import SeveraClient
from ledgerbridge.systems.side import ChoiceList


def invoice_statuses(client: SeveraClient) -> ChoiceList:
    return [(str(s["guid"]), str(s.get("name"))) for s in Severa(client).invoice_statuses.search()]


SEVERA_CHOICES: dict[str, Callable[[SeveraClient], ChoiceList]] = {"invoice_statuses": invoice_statuses}


def check(client: SeveraClient) -> str:
    """Signed in by the client credentials (``/heartbeat/authorized``): the organisation's name."""
    client.test_connection()
    details = Severa(client).organisation.details()
    return f"signed in to {details.get('name') or 'the organisation'}"
