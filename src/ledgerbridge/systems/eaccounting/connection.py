"""What it takes to reach one eAccounting company: the API, and the Visma Connect client that signs in.

eAccounting is connected by OAuth2 (Visma Connect's authorization-code grant, :mod:`.oauth`): a person
grants access once in the browser, and the grant's tokens are kept in a
:class:`~ledgerbridge.systems.tokens.TokenVault` the caller hands in (the engine's encrypted store in
production). Everything a pair needs of that lives here, so every pair with eAccounting connects it alike:

* :class:`EAccountingConnection` — the connection model (a settings form's fields);
* :func:`open_client` — an :class:`EAccountingClient` paced by the client id's budget, its bearer kept
  fresh single-flight in the vault (or a fixed access token, for development);
* :data:`VISMA_CONNECT` — the console's connect / disconnect flow (:class:`VismaConnectFlow`).
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from pydantic import Field, HttpUrl, SecretStr

from ledgerbridge.services.common import N_, Message
from ledgerbridge.systems.connection import ClientTimeout, Strict
from ledgerbridge.systems.eaccounting.client import EAccountingClient, eaccounting_budget
from ledgerbridge.systems.eaccounting.oauth import BearerAuth, VismaConnect
from ledgerbridge.systems.errors import ApiError, AuthError
from ledgerbridge.systems.tokens import RefreshingTokens, TokenVault
from ledgerbridge.systems.web_address import DocumentAddress

SYSTEM = "eAccounting"


class EAccountingConnection(Strict):
    """Visma eAccounting: the API, and the Visma Connect client that signs in (OAuth2)."""

    base_url: HttpUrl = HttpUrl("https://eaccountingapi.vismaonline.com/v2")
    identity_url: HttpUrl = HttpUrl("https://identity.vismaonline.com")
    client_id: str = Field("", description="The Visma Connect client id of this installation")
    client_secret: SecretStr = Field(SecretStr(""), description="Its client secret")
    redirect_uri: str = Field(
        "http://127.0.0.1:8765/callback",
        description="Registered redirect URI; `ledgerbridge connect` listens there for the sign-in's answer",
    )
    access_token: SecretStr | None = Field(
        None, description="A fixed access token (development only; normally `ledgerbridge connect` signs in)"
    )
    timeout_seconds: ClientTimeout = 30.0  # the API's and Visma Connect's requests alike
    document_address: DocumentAddress = None


def visma_connect(
    connection: EAccountingConnection, http: httpx.Client | None = None, redirect_uri: str | None = None
) -> VismaConnect:
    """The Visma Connect endpoints of ``connection``'s client (``redirect_uri``: the console's callback)."""
    return VismaConnect(
        str(connection.identity_url),
        connection.client_id,
        connection.client_secret.get_secret_value(),
        redirect_uri or connection.redirect_uri,
        http=http,
        timeout=connection.timeout_seconds,
    )


def open_client(connection: EAccountingConnection, vault: TokenVault | None = None) -> EAccountingClient:
    """A client for ``connection``: its fixed access token if it has one, else the grant kept in ``vault``.

    Raises ``AuthError`` when there is no grant to use (never connected, or no vault to keep one in).
    """
    # Visma counts 600 requests a minute per API client and endpoint: every client of ours with the
    # same client id shares one budget per endpoint (in this process, or across a cluster's workers).
    budget = eaccounting_budget(str(connection.base_url), connection.client_id)
    base_url, timeout = str(connection.base_url), connection.timeout_seconds
    if connection.access_token is not None:
        token = connection.access_token.get_secret_value()
        return EAccountingClient(base_url, token, budget=budget, timeout=timeout)
    if vault is None:
        raise AuthError(f"{SYSTEM}: not connected")
    if vault.load() is None and vault.failure_reason() is None:
        raise AuthError(
            Message(
                N_("eAccounting is not connected: run `ledgerbridge connect NAME eaccounting` to sign in")
            )
        )
    tokens = RefreshingTokens(vault, visma_connect(connection).refresh, name=SYSTEM)
    return EAccountingClient(base_url, auth=BearerAuth(tokens), budget=budget, timeout=timeout)


class VismaConnectFlow:
    """Connecting eAccounting from the console: the OAuth2 redirect, its answer, and disconnecting."""

    def start(self, connection: EAccountingConnection, *, redirect_uri: str, state: str) -> str:
        """The URL to send the person to so they grant access (``state`` comes back on the redirect)."""
        with visma_connect(connection, redirect_uri=redirect_uri) as connect:
            return connect.authorization_url(state)

    def finish(
        self,
        connection: EAccountingConnection,
        vault: TokenVault,
        *,
        redirect_uri: str,
        params: Mapping[str, str],
    ) -> None:
        """Exchange the redirect's code for the grant's tokens and keep them (a new grant replaces any)."""
        if "code" not in params:
            reason = params.get("error_description") or params.get("error")
            raise AuthError(f"Visma Connect did not grant access: {reason}")
        with visma_connect(connection, redirect_uri=redirect_uri) as connect:
            token = connect.exchange_code(params["code"])
        vault.save(token)

    def disconnect(self, connection: EAccountingConnection, vault: TokenVault) -> str:
        """Forget the tokens and revoke the grant at Visma Connect (best effort); says what was done."""
        kept = vault.clear()
        if kept is None:
            return Message(N_("eAccounting was not connected"))
        revoked = Message(
            N_(
                "eAccounting is disconnected: the tokens are forgotten and the grant is revoked at "
                "Visma Connect"
            )
        )
        try:
            with visma_connect(connection) as connect:
                # Revoking the refresh token ends the whole grant, its access tokens with it.
                connect.revoke(str(kept.get("refresh_token") or kept.get("access_token") or ""))
        except ApiError as exc:
            revoked = Message(
                N_(
                    "eAccounting is disconnected: the tokens are forgotten and Visma Connect could not be "
                    "told (%(reason)s); remove the app there by hand"
                ),
                reason=exc.remote_message,
            )
        return revoked

    def state(self, connection: EAccountingConnection, vault: TokenVault | None) -> str | None:
        """connected / reconnect_required / not_connected; None when it cannot be told (no vault)."""
        if connection.access_token is not None:
            return "connected"
        return vault.state() if vault is not None else None


VISMA_CONNECT = VismaConnectFlow()

__all__ = [
    "VISMA_CONNECT",
    "EAccountingConnection",
    "VismaConnectFlow",
    "open_client",
    "visma_connect",
]
