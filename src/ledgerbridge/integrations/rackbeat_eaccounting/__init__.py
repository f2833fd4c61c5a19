"""Rackbeat ↔ Visma eAccounting / eEkonomi (seeds 000 and 002).

- Start-up sync, once, eAccounting → Rackbeat: :mod:`.startup`.
- Real time, Rackbeat → eAccounting: :mod:`.realtime` (master data in :mod:`.to_eaccounting`, documents
  in :mod:`.documents`); eAccounting → Rackbeat by poll: :mod:`.from_eaccounting`.
- Settings page: :mod:`.settings`.
- Signing in: OAuth2 through Visma Connect (``ledgerbridge connect NAME eaccounting``); tokens are kept
  encrypted in the store and refreshed single-flight (:mod:`ledgerbridge.engine.tokens`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar

import httpx

from ledgerbridge.engine.tokens import RefreshCoordinator, TokenStore
from ledgerbridge.integrations.base import IntegrationKind, Operation, register
from ledgerbridge.integrations.rackbeat_eaccounting.realtime import RackbeatEAccountingRealtime
from ledgerbridge.integrations.rackbeat_eaccounting.settings import (
    RackbeatEAccountingConnections,
    RackbeatEAccountingSettings,
)
from ledgerbridge.integrations.rackbeat_eaccounting.startup import startup_operation
from ledgerbridge.store.db import Store
from ledgerbridge.systems.eaccounting import EAccountingClient
from ledgerbridge.systems.eaccounting.client import EndpointBudget
from ledgerbridge.systems.eaccounting.oauth import BearerFromStore, VismaConnect
from ledgerbridge.systems.errors import ApiError, AuthError
from ledgerbridge.systems.pacing import rackbeat_budget
from ledgerbridge.systems.rackbeat import RackbeatClient
from ledgerbridge.systems.rackbeat.webhooks import RACKBEAT_WEBHOOKS

EACCOUNTING = "eaccounting"


@register
class RackbeatEAccounting(IntegrationKind):
    kind: ClassVar[str] = "rackbeat-eaccounting"
    title: ClassVar[str] = "Rackbeat ↔ Visma eAccounting / eEkonomi"
    sides: ClassVar[tuple[str, str]] = ("rackbeat", EACCOUNTING)
    oauth_sides: ClassVar[tuple[str, ...]] = (EACCOUNTING,)
    pushed_webhooks: ClassVar[Mapping[str, Any]] = {"rackbeat": RACKBEAT_WEBHOOKS}
    Settings = RackbeatEAccountingSettings
    Connections = RackbeatEAccountingConnections

    connections: RackbeatEAccountingConnections
    settings: RackbeatEAccountingSettings

    # -- signing in ------------------------------------------------------------------------------------------
    def visma_connect(
        self, http: httpx.Client | None = None, redirect_uri: str | None = None
    ) -> VismaConnect:
        conn = self.connections.eaccounting
        return VismaConnect(
            str(conn.identity_url),
            conn.client_id,
            conn.client_secret.get_secret_value(),
            redirect_uri or conn.redirect_uri,
            http=http,
            timeout=conn.timeout_seconds,
        )

    def token_store(self) -> TokenStore:
        if self.store is None or self.box is None:
            raise AuthError("eAccounting: this integration is not attached to a store (no tokens to use)")
        return TokenStore(self.store, self.box)

    def connection_states(self, store: Store, integration_id: int) -> dict[str, str]:
        if self.connections.eaccounting.access_token is not None:
            return {EACCOUNTING: "connected"}
        if self.box is None:
            return {}
        return {EACCOUNTING: TokenStore(store, self.box).state(integration_id, EACCOUNTING)}

    def oauth_start(self, side: str, *, redirect_uri: str, state: str) -> str:
        with self.visma_connect(redirect_uri=redirect_uri) as connect:
            return connect.authorization_url(state)

    def oauth_finish(
        self, store: Store, integration_id: int, side: str, *, redirect_uri: str, params: Mapping[str, str]
    ) -> None:
        if "code" not in params:
            reason = params.get("error_description") or params.get("error")
            raise AuthError(f"Visma Connect did not grant access: {reason}")
        with self.visma_connect(redirect_uri=redirect_uri) as connect:
            token = connect.exchange_code(params["code"])
        self.keep_token(store, integration_id, token)

    def oauth_disconnect(self, store: Store, integration_id: int, side: str) -> str:
        if self.box is None:
            raise AuthError("eAccounting: no secret box to read the tokens with")
        tokens = TokenStore(store, self.box)
        stored = tokens.load(integration_id, EACCOUNTING)
        if stored is None:
            return "eAccounting was not connected"
        revoked = "the grant is revoked at Visma Connect"
        try:
            with self.visma_connect() as connect:
                # Revoking the refresh token ends the whole grant, its access tokens with it.
                connect.revoke(stored.refresh_token or stored.access_token or "")
        except ApiError as exc:
            revoked = f"Visma Connect could not be told ({exc.remote_message}); remove the app there by hand"
        tokens.clear(integration_id, EACCOUNTING)
        return f"eAccounting is disconnected: the tokens are forgotten and {revoked}"

    def keep_token(self, store: Store, integration_id: int, token: Mapping[str, Any]) -> None:
        """Store a fresh grant (encrypted); it replaces any earlier one and clears "reconnect required"."""
        if self.box is None:
            raise AuthError("eAccounting: no secret box to encrypt the tokens with")
        TokenStore(store, self.box).save(integration_id, EACCOUNTING, token, expected_version=None)

    def setting_choices(self) -> dict[str, list[tuple[str, str]]]:
        """Codings, units and terms read live from eAccounting; groups and terms from Rackbeat."""
        choices: dict[str, list[tuple[str, str]]] = {}
        try:
            with self.clients() as (eaccounting, rackbeat):
                codings = [
                    (str(c["Id"]), f"{c.get('Name')} ({c.get('VatRatePercent')} % VAT)")
                    for c in eaccounting.iter_collection("articleaccountcodings")
                ]
                units = [(str(u["Id"]), str(u.get("Name"))) for u in eaccounting.iter_collection("units")]
                terms = [
                    (str(t["Id"]), str(t.get("Name"))) for t in eaccounting.iter_collection("termsofpayments")
                ]
                choices.update(
                    {
                        "products.default_coding": codings,
                        "products.coding_for_product_groups.*": codings,
                        "products.default_unit": units,
                        "invoices.default_payment_terms": terms,
                        "invoices.payment_terms_mapping.*": terms,
                        "invoices.vat_codings.*": codings,
                        # Swedish VAT rates (the codings' own rates are in their labels).
                        "invoices.vat_codings.keys": [(r, f"{r} % VAT") for r in ("0", "6", "12", "25")],
                    }
                )
                choices["products.coding_for_product_groups.keys"] = [
                    (str(g["number"]), f"{g['number']} {g.get('name')}")
                    for g in rackbeat.iter_all("product-groups")
                ]
                choices["invoices.payment_terms_mapping.keys"] = [
                    (str(t["number"]), f"{t['number']} {t.get('name')}")
                    for t in rackbeat.iter_all("payment-terms")
                ]
        except ApiError:
            pass  # an unreachable or unconnected system: offer what could be read
        return choices

    def open_eaccounting(self) -> EAccountingClient:
        conn = self.connections.eaccounting
        # Visma counts 600 requests a minute per API client and endpoint: every client of ours with the
        # same client id shares one budget.
        budget = EndpointBudget.shared(f"{conn.client_id}@{conn.base_url}")
        if conn.access_token is not None:
            return EAccountingClient(
                str(conn.base_url),
                conn.access_token.get_secret_value(),
                budget=budget,
                timeout=conn.timeout_seconds,
            )
        if self.integration_id is None:
            raise AuthError("eAccounting: not connected")
        tokens = self.token_store()
        if tokens.load(self.integration_id, EACCOUNTING) is None:
            raise AuthError(
                "eAccounting is not connected: run `ledgerbridge connect NAME eaccounting` to sign in"
            )
        connect = self.visma_connect()
        coordinator = RefreshCoordinator(tokens, self.integration_id, EACCOUNTING, connect.refresh)
        return EAccountingClient(
            str(conn.base_url), auth=BearerFromStore(coordinator), budget=budget, timeout=conn.timeout_seconds
        )

    def open_clients(self) -> tuple[EAccountingClient, RackbeatClient]:
        rb = self.connections.rackbeat
        eaccounting = self.open_eaccounting()
        rackbeat = RackbeatClient(
            str(rb.base_url),
            rb.token.get_secret_value(),
            timeout=rb.timeout_seconds,
            budget=rackbeat_budget(str(rb.base_url), rb.token.get_secret_value()),
        )
        return eaccounting, rackbeat

    @contextmanager
    def clients(self) -> Iterator[tuple[EAccountingClient, RackbeatClient]]:
        eaccounting, rackbeat = self.open_clients()
        try:
            yield eaccounting, rackbeat
        finally:
            eaccounting.close()
            rackbeat.close()

    @contextmanager
    def startup(self) -> Iterator[Operation]:
        with self.clients() as (eaccounting, rackbeat):
            yield startup_operation(eaccounting, rackbeat, self.settings)

    def realtime(self, store: Store, integration_id: int) -> RackbeatEAccountingRealtime:
        eaccounting, rackbeat = self.open_clients()
        return RackbeatEAccountingRealtime(
            store, integration_id, eaccounting, rackbeat, self.settings, self.sides
        )
