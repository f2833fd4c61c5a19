"""Visma e-conomic: the HTTP client, its side, the filter builder and a local sandbox of the API.

- :data:`ECONOMIC_SIDE`: the side every pair with e-conomic uses (connection, client, URL web hooks).
- :class:`EconomicClient` talks to https://restapi.e-conomic.com (and the OpenAPI services host);
  :mod:`.connection` has :class:`EconomicConnection` and ``open_client``.
- :mod:`.adapters`: one CRUD adapter per entity (:class:`~.adapters.Economic`), with invoices booked.
- :mod:`.choices`: what a settings page can offer from e-conomic (accounts, day books, VAT, layouts …).
- :class:`Filter` builds ``filter`` query values with e-conomic's escaping.
- :func:`create_app` / :class:`EconomicState` build the sandbox (an ASGI app) and its data.
"""

from ledgerbridge.systems.economic.choices import ECONOMIC_CHOICES
from ledgerbridge.systems.economic.client import EconomicClient, RateLimitStatus
from ledgerbridge.systems.economic.connection import EconomicConnection, open_client
from ledgerbridge.systems.economic.filters import Filter
from ledgerbridge.systems.economic.sandbox import EconomicState, create_app, seed_demo, seed_minimal
from ledgerbridge.systems.economic.webhooks import URL_WEBHOOKS
from ledgerbridge.systems.side import Side
from ledgerbridge.systems.web_address import template_address

ECONOMIC_SIDE: Side[EconomicConnection, EconomicClient] = Side(
    name="economic",
    title="Visma e-conomic",
    connection=EconomicConnection,
    open_client=open_client,
    url_webhooks=URL_WEBHOOKS,
    choice_lists=ECONOMIC_CHOICES,
    # No address scheme of our own: e-conomic documents none for a document in its web app (research names
    # only restapi.e-conomic.com, whose "self" links need the API tokens). An integrator's notes found on
    # GitHub (code search, "secure.e-conomic.com/sales/invoicing/invoices") observe that the web app's id of
    # a draft is not the API's draftInvoiceNumber, and that a booked invoice's PDF address needs an "ops"
    # value of unknown stability: no link can be built from what the API gives. The operator may enter a
    # template on the connection (systems/web_address.py); links appear once it is set.
    web_address=template_address,
    web_address_note="e-conomic documents no web address for its documents",
)

__all__ = [
    "ECONOMIC_SIDE",
    "EconomicClient",
    "EconomicConnection",
    "EconomicState",
    "Filter",
    "RateLimitStatus",
    "create_app",
    "seed_demo",
    "seed_minimal",
]
