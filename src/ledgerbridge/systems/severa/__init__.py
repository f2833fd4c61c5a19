"""Visma Severa (REST API v1): the side of ledgerbridge that talks to Severa.

* :mod:`.connection` — :class:`SeveraConnection` (base URL, client id, client secret, scopes).
* :mod:`.auth` — OAuth2 client credentials (``/v1/token``, ``/v1/refreshtoken``), :class:`TokenVault` (the
  token store the caller hands in), single-flight renewal, ``Authorization`` + ``Client_Id`` on every call.
* :mod:`.client` — :class:`SeveraClient`: cursor and offset paging, ``changedSince``, JSON-Patch, pacing.
* :mod:`.errors` — ``ExceptionModel`` → :mod:`ledgerbridge.systems.errors`.
* :mod:`.adapters` — one CRUD adapter per register (customers, invoices, …) with its document operations.
* ``sandbox/`` — the local emulator of the API (its own package; nothing here imports it).

Nothing here imports the engine or an integration.
"""

from ledgerbridge.systems.severa.adapters import Severa
from ledgerbridge.systems.severa.auth import MemoryVault, TokenVault
from ledgerbridge.systems.severa.client import RequestPacer, SeveraClient
from ledgerbridge.systems.severa.connection import DEFAULT_BASE_URL, DEFAULT_SCOPES, SeveraConnection

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_SCOPES",
    "MemoryVault",
    "RequestPacer",
    "Severa",
    "SeveraClient",
    "SeveraConnection",
    "TokenVault",
]
