"""Rackbeat ↔ Visma e-conomic (seeds 001 and 003).

- Start-up sync, once, e-conomic → Rackbeat: :mod:`.startup`.
- Real time, Rackbeat → e-conomic: :mod:`.realtime` (master data in :mod:`.to_economic`, documents in
  :mod:`.invoices` and :mod:`.supplier_invoices`, the inventory value in :mod:`.inventory`).
- Settings page: :mod:`.settings`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

from ledgerbridge.integrations.base import IntegrationKind, Operation, register
from ledgerbridge.integrations.rackbeat_economic.realtime import RackbeatEconomicRealtime
from ledgerbridge.integrations.rackbeat_economic.settings import (
    RackbeatEconomicConnections,
    RackbeatEconomicSettings,
)
from ledgerbridge.integrations.rackbeat_economic.startup import startup_operation
from ledgerbridge.store.db import Store
from ledgerbridge.systems.economic import EconomicClient
from ledgerbridge.systems.rackbeat import RackbeatClient


@register
class RackbeatEconomic(IntegrationKind):
    kind: ClassVar[str] = "rackbeat-economic"
    title: ClassVar[str] = "Rackbeat ↔ Visma e-conomic"
    sides: ClassVar[tuple[str, str]] = ("rackbeat", "economic")
    Settings = RackbeatEconomicSettings
    Connections = RackbeatEconomicConnections

    connections: RackbeatEconomicConnections
    settings: RackbeatEconomicSettings

    def open_clients(self) -> tuple[EconomicClient, RackbeatClient]:
        eco = self.connections.economic
        rb = self.connections.rackbeat
        economic = EconomicClient(
            str(eco.base_url),
            eco.app_secret_token.get_secret_value(),
            eco.agreement_grant_token.get_secret_value(),
            apis_base_url=str(eco.apis_base_url) if eco.apis_base_url else None,
        )
        rackbeat = RackbeatClient(str(rb.base_url), rb.token.get_secret_value())
        return economic, rackbeat

    @contextmanager
    def clients(self) -> Iterator[tuple[EconomicClient, RackbeatClient]]:
        economic, rackbeat = self.open_clients()
        try:
            yield economic, rackbeat
        finally:
            economic.close()
            rackbeat.close()

    @contextmanager
    def startup(self) -> Iterator[Operation]:
        with self.clients() as (economic, rackbeat):
            yield startup_operation(economic, rackbeat, self.settings)

    def realtime(self, store: Store, integration_id: int) -> RackbeatEconomicRealtime:
        economic, rackbeat = self.open_clients()
        return RackbeatEconomicRealtime(store, integration_id, economic, rackbeat, self.settings, self.sides)
