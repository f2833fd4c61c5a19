"""Visma eAccounting (Spiris Bookkeeping & Invoicing) API v2: the client, its side, and a local sandbox.

- :data:`EACCOUNTING_SIDE`: the side every pair with eAccounting uses: :mod:`.connection` (the connection
  model, ``open_client``, the Visma Connect connect / disconnect flow), tokens in a vault handed in.
- :mod:`.choices`: what a settings page can offer from it (codings, units, terms, cost centers, articles)
  and the connection check.
- :mod:`.oauth`: Visma Connect's endpoints, the bearer kept fresh, the loopback sign-in of the CLI.
"""

from ledgerbridge.systems.eaccounting import choices
from ledgerbridge.systems.eaccounting.client import DEFAULT_BASE_URL, EAccountingClient
from ledgerbridge.systems.eaccounting.connection import VISMA_CONNECT, EAccountingConnection, open_client
from ledgerbridge.systems.eaccounting.sandbox import EAccountingState, create_app, seed_demo_company
from ledgerbridge.systems.side import Side
from ledgerbridge.systems.web_address import template_address

EACCOUNTING_SIDE: Side[EAccountingConnection, EAccountingClient] = Side(
    name="eaccounting",
    title="Visma eAccounting / eEkonomi",
    connection=EAccountingConnection,
    open_client=open_client,
    oauth=VISMA_CONNECT,
    keeps_tokens=True,
    choice_lists=choices.EACCOUNTING_CHOICES,
    check=choices.check,
    # No address scheme of our own: eAccounting's API documents no address of a record in its web app (only
    # a temporary PDF address per customer invoice, GET /v2/customerinvoices/{id}/pdf). Third-party code on
    # GitHub links invoices as https://eaccounting.vismaonline.com/#/sales/customerinvoice/{Id}, but Visma
    # documents no such address and its repository could not be named, so it is not declared; an operator
    # who uses it enters it as the connection's template (systems/web_address.py, {id}).
    web_address=template_address,
    web_address_note="eAccounting documents no web address for its documents",
)

__all__ = [
    "DEFAULT_BASE_URL",
    "EACCOUNTING_SIDE",
    "EAccountingClient",
    "EAccountingConnection",
    "EAccountingState",
    "create_app",
    "seed_demo_company",
]
