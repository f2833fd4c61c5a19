"""What it takes to reach one Rackbeat account: the API's address and an API token.

:func:`open_client` opens a :class:`~ledgerbridge.systems.rackbeat.client.RackbeatClient` for it, paced by
the token's budget (480 requests a minute per API token, shared by every client of this process).
"""

from __future__ import annotations

from pydantic import Field, HttpUrl, SecretStr

from ledgerbridge.systems.connection import ClientTimeout, Strict
from ledgerbridge.systems.pacing import rackbeat_budget
from ledgerbridge.systems.rackbeat.client import RackbeatClient
from ledgerbridge.systems.tokens import TokenVault
from ledgerbridge.systems.web_address import DocumentAddress


class RackbeatConnection(Strict):
    """The Rackbeat side of an integration's connections (the same for every ledger)."""

    base_url: HttpUrl = Field(
        HttpUrl("https://app.rackbeat.com/api"),
        title="API address",
        description="Rackbeat's API (or a sandbox's address).",
    )
    token: SecretStr = Field(title="API token", description="A Rackbeat API token (Settings → API).")
    timeout_seconds: ClientTimeout = 30.0
    document_address: DocumentAddress = None


def open_client(connection: RackbeatConnection, vault: TokenVault | None = None) -> RackbeatClient:
    """A client for ``connection`` (``vault`` is unused: Rackbeat's token is typed in, not renewed)."""
    base_url, token = str(connection.base_url), connection.token.get_secret_value()
    return RackbeatClient(
        base_url, token, timeout=connection.timeout_seconds, budget=rackbeat_budget(base_url, token)
    )
