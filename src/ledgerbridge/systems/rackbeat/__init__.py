"""Rackbeat (Danish inventory/ERP): the API client, its side, and a local sandbox of the API.

- :data:`RACKBEAT_SIDE`: the side every pair with Rackbeat uses (connection, client, pushed webhooks).
- :mod:`.connection`: :class:`RackbeatConnection` and ``open_client``.
- :mod:`.webhooks`: how Rackbeat's deliveries are read.
- :mod:`.adapters`: one CRUD adapter per entity (:class:`~.adapters.Rackbeat`), with documents booked.
- :mod:`.choices`: what a settings page can offer from Rackbeat (layouts, product groups, payment terms).
"""

from ledgerbridge.systems.rackbeat.choices import RACKBEAT_CHOICES
from ledgerbridge.systems.rackbeat.client import RackbeatClient, envelope_keys
from ledgerbridge.systems.rackbeat.connection import RackbeatConnection, open_client
from ledgerbridge.systems.rackbeat.sandbox import RackbeatState, create_app
from ledgerbridge.systems.rackbeat.webhooks import RACKBEAT_WEBHOOKS
from ledgerbridge.systems.side import Side

RACKBEAT_SIDE: Side[RackbeatConnection, RackbeatClient] = Side(
    name="rackbeat",
    title="Rackbeat",
    connection=RackbeatConnection,
    open_client=open_client,
    pushed_webhooks=RACKBEAT_WEBHOOKS,
    choice_lists=RACKBEAT_CHOICES,
)

__all__ = [
    "RACKBEAT_SIDE",
    "RackbeatClient",
    "RackbeatConnection",
    "RackbeatState",
    "create_app",
    "envelope_keys",
]
