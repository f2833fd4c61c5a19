"""Rackbeat (Danish inventory/ERP): the API client, its side, and a local sandbox of the API.

- :data:`RACKBEAT_SIDE`: the side every pair with Rackbeat uses (connection, client, pushed webhooks).
- :mod:`.connection`: :class:`RackbeatConnection` and ``open_client``.
- :mod:`.webhooks`: how Rackbeat's deliveries are read.
- :mod:`.adapters`: one CRUD adapter per entity (:class:`~.adapters.Rackbeat`), with documents booked.
- :mod:`.choices`: what a settings page can offer from Rackbeat (layouts, product groups, payment terms).
"""

from collections.abc import Sequence

from ledgerbridge.systems.rackbeat.choices import RACKBEAT_CHOICES
from ledgerbridge.systems.rackbeat.client import RackbeatClient, envelope_keys
from ledgerbridge.systems.rackbeat.connection import RackbeatConnection, open_client
from ledgerbridge.systems.rackbeat.sandbox import RackbeatState, create_app
from ledgerbridge.systems.rackbeat.webhooks import RACKBEAT_WEBHOOKS
from ledgerbridge.systems.side import Side
from ledgerbridge.systems.web_address import template_address


def order_numbers(client: RackbeatClient, markers: Sequence[str]) -> dict[str, str]:
    """Rackbeat's own numbers of the orders brought over from a ledger, which are bound by their link back
    (``other_reference``, e.g. "e-conomic order 17"): one filtered list call per marker."""
    found: dict[str, str] = {}
    for marker in markers:
        for order in client.iter_all("orders", params={"other_reference": marker}):
            if order.get("other_reference") == marker and order.get("number") is not None:
                found[marker] = str(order["number"])
                break
    return found


RACKBEAT_SIDE: Side[RackbeatConnection, RackbeatClient] = Side(
    name="rackbeat",
    title="Rackbeat",
    connection=RackbeatConnection,
    open_client=open_client,
    pushed_webhooks=RACKBEAT_WEBHOOKS,
    choice_lists=RACKBEAT_CHOICES,
    # No address scheme of our own: Rackbeat documents none for a record in its web app (app.rackbeat.com/
    # api/ is the API; research/rackbeat-severa-api.md names nothing else; a code search of GitHub for
    # "app.rackbeat.com/" found only API calls). The operator may enter a template on the connection
    # (systems/web_address.py); links appear once it is set.
    web_address=template_address,
    web_address_note="Rackbeat documents no web address for its records",
    own_numbers={"order": order_numbers},
)

__all__ = [
    "RACKBEAT_SIDE",
    "RackbeatClient",
    "RackbeatConnection",
    "RackbeatState",
    "create_app",
    "envelope_keys",
]
