"""Rackbeat ↔ Visma eAccounting / eEkonomi (seeds 000 and 002).

- Start-up sync, once, eAccounting → Rackbeat: :mod:`.startup`.
- Real time, Rackbeat → eAccounting: :mod:`.realtime` (master data in :mod:`.to_eaccounting`, documents
  in :mod:`.documents`); eAccounting → Rackbeat by poll: :mod:`.from_eaccounting`.
- Settings page: :mod:`.settings`.
- Its two sides, Rackbeat and eAccounting, are the systems' own (``systems/rackbeat``,
  ``systems/eaccounting``): connections, clients, Rackbeat's webhooks, and eAccounting's OAuth2 through
  Visma Connect (``ledgerbridge connect NAME eaccounting``; tokens kept encrypted in the store and refreshed
  single-flight) come from there through :class:`~ledgerbridge.integrations.sides.PairOfSides`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

import httpx

from ledgerbridge.integrations.base import Operation, register
from ledgerbridge.integrations.rackbeat_eaccounting.realtime import RackbeatEAccountingRealtime
from ledgerbridge.integrations.rackbeat_eaccounting.settings import (
    RackbeatEAccountingConnections,
    RackbeatEAccountingSettings,
)
from ledgerbridge.integrations.rackbeat_eaccounting.startup import startup_operation
from ledgerbridge.integrations.sides import PairOfSides
from ledgerbridge.store.db import Store
from ledgerbridge.systems.eaccounting import EACCOUNTING_SIDE, EAccountingClient
from ledgerbridge.systems.eaccounting.connection import visma_connect
from ledgerbridge.systems.eaccounting.oauth import VismaConnect
from ledgerbridge.systems.errors import ApiError
from ledgerbridge.systems.rackbeat import RACKBEAT_SIDE, RackbeatClient

EACCOUNTING = EACCOUNTING_SIDE.name


@register
class RackbeatEAccounting(PairOfSides):
    kind: ClassVar[str] = "rackbeat-eaccounting"
    title: ClassVar[str] = "Rackbeat ↔ Visma eAccounting / eEkonomi"
    # sides, oauth_sides and pushed_webhooks follow from these (PairOfSides).
    side_specs = (RACKBEAT_SIDE, EACCOUNTING_SIDE)
    Settings = RackbeatEAccountingSettings
    Connections = RackbeatEAccountingConnections

    connections: RackbeatEAccountingConnections
    settings: RackbeatEAccountingSettings

    def visma_connect(
        self, http: httpx.Client | None = None, redirect_uri: str | None = None
    ) -> VismaConnect:
        """Visma Connect for this integration's client (``ledgerbridge connect``'s loopback sign-in)."""
        return visma_connect(self.connections.eaccounting, http, redirect_uri)

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
        client: EAccountingClient = self.open_side(EACCOUNTING)
        return client

    def open_clients(self) -> tuple[EAccountingClient, RackbeatClient]:
        eaccounting = self.open_eaccounting()
        rackbeat: RackbeatClient = self.open_side(RACKBEAT_SIDE.name)
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
