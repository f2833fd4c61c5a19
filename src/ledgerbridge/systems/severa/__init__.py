"""Visma Severa (REST API v1): the side of ledgerbridge that talks to Severa.

* :mod:`.connection` — :class:`SeveraConnection` (base URL, client id, client secret, scopes).
* :mod:`.auth` — OAuth2 client credentials (``/v1/token``, ``/v1/refreshtoken``), :class:`TokenVault` (the
  token store the caller hands in), single-flight renewal, ``Authorization`` + ``Client_Id`` on every call.
* :mod:`.client` — :class:`SeveraClient`: cursor and offset paging, ``changedSince``, JSON-Patch, pacing.
* :mod:`.errors` — ``ExceptionModel`` → :mod:`ledgerbridge.systems.errors`.
* :mod:`.choices` — what a settings page can offer from Severa (invoice statuses) and the connection check.
* :mod:`.adapters` — one CRUD adapter per register (customers, invoices, …) with its document operations.
* ``sandbox/`` — the local emulator of the API (its own package; nothing here imports it).
* :data:`SEVERA_SIDE` — the side every pair with Severa uses (client credentials, tokens in a vault).

Nothing here imports the engine or an integration.
"""

from ledgerbridge.systems.severa import choices
from ledgerbridge.systems.severa.adapters import Severa
from ledgerbridge.systems.severa.client import RequestPacer, SeveraClient
from ledgerbridge.systems.severa.connection import DEFAULT_BASE_URL, DEFAULT_SCOPES, SeveraConnection
from ledgerbridge.systems.side import Side
from ledgerbridge.systems.tokens import MemoryVault, TokenVault
from ledgerbridge.systems.web_address import template_address

#: Severa signs in by client credentials: no redirect, but tokens renewed by itself (kept in a vault;
#: without one, in memory: the credentials can always sign in again).
SEVERA_SIDE: Side[SeveraConnection, SeveraClient] = Side(
    name="severa",
    title="Visma Severa",
    connection=SeveraConnection,
    open_client=SeveraClient.open,
    keeps_tokens=True,
    choice_lists=choices.SEVERA_CHOICES,
    check=choices.check,
    # No address scheme of our own: Severa's REST API documents no address of a record in its web app, and
    # no integration found on GitHub builds one. The operator may enter a template on the connection
    # (systems/web_address.py); links appear once it is set.
    web_address=template_address,
    web_address_note="Severa documents no web address for its records",
)

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_SCOPES",
    "MemoryVault",
    "SEVERA_SIDE",
    "RequestPacer",
    "Severa",
    "SeveraClient",
    "SeveraConnection",
    "TokenVault",
]
