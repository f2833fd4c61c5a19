"""What it takes to reach one e-conomic agreement: the API's addresses and the app's two tokens.

:func:`open_client` opens an :class:`~ledgerbridge.systems.economic.client.EconomicClient` for it, paced by
the agreement's budget (10,000 cost units a minute, shared by every client of this process).
"""

from __future__ import annotations

from pydantic import Field, HttpUrl, SecretStr

from ledgerbridge.systems.connection import ClientTimeout, Strict
from ledgerbridge.systems.economic.client import EconomicClient
from ledgerbridge.systems.pacing import economic_budget
from ledgerbridge.systems.tokens import TokenVault
from ledgerbridge.systems.web_address import DocumentAddress


class EconomicConnection(Strict):
    base_url: HttpUrl = Field(
        HttpUrl("https://restapi.e-conomic.com"),
        title="REST API address",
        description="e-conomic's REST API (or a sandbox's address).",
    )
    apis_base_url: HttpUrl | None = Field(
        None,
        title="OpenAPI services address",
        description="OpenAPI services host; default: base_url",
    )
    app_secret_token: SecretStr = Field(
        title="App secret token", description="The X-AppSecretToken of the app registered with e-conomic."
    )
    agreement_grant_token: SecretStr = Field(
        title="Agreement grant token",
        description="The X-AgreementGrantToken e-conomic gives when the agreement grants access to the app.",
    )
    timeout_seconds: ClientTimeout = 30.0
    document_address: DocumentAddress = None


def open_client(connection: EconomicConnection, vault: TokenVault | None = None) -> EconomicClient:
    """A client for ``connection`` (``vault`` is unused: e-conomic's tokens are typed in, not renewed)."""
    base_url, grant = str(connection.base_url), connection.agreement_grant_token.get_secret_value()
    return EconomicClient(
        base_url,
        connection.app_secret_token.get_secret_value(),
        grant,
        apis_base_url=str(connection.apis_base_url) if connection.apis_base_url else None,
        timeout=connection.timeout_seconds,
        budget=economic_budget(base_url, grant),
    )
