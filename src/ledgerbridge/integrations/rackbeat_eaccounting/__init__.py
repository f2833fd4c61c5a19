"""Rackbeat ↔ Visma eAccounting / eEkonomi (seeds 000 and 002).

- Start-up sync, once, eAccounting → Rackbeat: :mod:`.startup`; it also carries every Rackbeat product
  category to its article label (:mod:`.categories`).
- Real time, Rackbeat → eAccounting: :mod:`.realtime` (master data in :mod:`.to_eaccounting`, documents
  in :mod:`.documents`); eAccounting → Rackbeat by poll: :mod:`.from_eaccounting`.
- Settings page: :mod:`.settings`.
- Its two sides, Rackbeat and eAccounting, are the systems' own (``systems/rackbeat``,
  ``systems/eaccounting``): connections, clients, Rackbeat's webhooks, and eAccounting's OAuth2 through
  Visma Connect (``ledgerbridge connect NAME eaccounting``; tokens kept encrypted in the store and refreshed
  single-flight) come from there through :class:`~ledgerbridge.integrations.sides.PairOfSides`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import ClassVar

import httpx

from ledgerbridge.integrations.base import Operation, register
from ledgerbridge.integrations.rackbeat_eaccounting.categories import with_category_labels
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
from ledgerbridge.systems.rackbeat import RACKBEAT_SIDE, RackbeatClient
from ledgerbridge.systems.side import ChoiceList

RACKBEAT, EACCOUNTING = RACKBEAT_SIDE.name, EACCOUNTING_SIDE.name


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

    # The settings page's drop-downs: codings, units, terms from eAccounting; groups, terms from Rackbeat.
    setting_lists: ClassVar[Mapping[str, tuple[str, str]]] = {
        "products.default_coding": (EACCOUNTING, "article_codings"),
        "products.coding_for_product_groups.*": (EACCOUNTING, "article_codings"),
        "products.coding_for_product_groups.keys": (RACKBEAT, "product_groups"),
        "products.default_unit": (EACCOUNTING, "units"),
        "invoices.default_payment_terms": (EACCOUNTING, "terms_of_payment"),
        "invoices.payment_terms_mapping.*": (EACCOUNTING, "terms_of_payment"),
        "invoices.payment_terms_mapping.keys": (RACKBEAT, "payment_terms"),
        "invoices.vat_codings.*": (EACCOUNTING, "article_codings"),
    }

    def derived_choices(self, lists: Mapping[tuple[str, str], ChoiceList]) -> dict[str, ChoiceList]:
        if not lists.get((EACCOUNTING, "article_codings")):
            return {}
        # Swedish VAT rates (the codings' own rates are in their labels).
        return {"invoices.vat_codings.keys": [(r, f"{r} % VAT") for r in ("0", "6", "12", "25")]}

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
            operation = startup_operation(eaccounting, rackbeat, self.settings)
            products = self.settings.products.sync != "off"
            yield with_category_labels(operation, eaccounting, rackbeat, products=products)

    def realtime(self, store: Store, integration_id: int) -> RackbeatEAccountingRealtime:
        eaccounting, rackbeat = self.open_clients()
        return RackbeatEAccountingRealtime(
            store, integration_id, eaccounting, rackbeat, self.settings, self.sides
        )
