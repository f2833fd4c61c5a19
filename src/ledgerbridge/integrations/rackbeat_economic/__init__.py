"""Rackbeat ↔ Visma e-conomic (seeds 001 and 003).

- Start-up sync, once, e-conomic → Rackbeat: :mod:`.startup`.
- Real time, Rackbeat → e-conomic: :mod:`.realtime` (master data in :mod:`.to_economic`, documents in
  :mod:`.invoices` and :mod:`.supplier_invoices`, the inventory value in :mod:`.inventory`).
- Settings page: :mod:`.settings`.
- Its two sides, Rackbeat and e-conomic, are the systems' own (``systems/rackbeat``, ``systems/economic``:
  connections, clients, Rackbeat's pushed webhooks and e-conomic's URL web hooks), through
  :class:`~ledgerbridge.integrations.sides.PairOfSides`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import ClassVar

from ledgerbridge.integrations.base import Operation, register
from ledgerbridge.integrations.converters import ECONOMIC_VAT_ZONE_NUMBERS
from ledgerbridge.integrations.rackbeat_economic.realtime import RackbeatEconomicRealtime
from ledgerbridge.integrations.rackbeat_economic.settings import (
    RackbeatEconomicConnections,
    RackbeatEconomicSettings,
)
from ledgerbridge.integrations.rackbeat_economic.startup import startup_operation
from ledgerbridge.integrations.sides import PairOfSides
from ledgerbridge.store.db import Store
from ledgerbridge.systems.economic import ECONOMIC_SIDE, EconomicClient
from ledgerbridge.systems.rackbeat import RACKBEAT_SIDE, RackbeatClient
from ledgerbridge.systems.side import ChoiceList, number_order

# The account matrix's VAT-zone columns and the e-conomic VAT zone each stands for (the standard zones).
MATRIX_ZONES = ECONOMIC_VAT_ZONE_NUMBERS
RACKBEAT, ECONOMIC = RACKBEAT_SIDE.name, ECONOMIC_SIDE.name


@register
class RackbeatEconomic(PairOfSides):
    kind: ClassVar[str] = "rackbeat-economic"
    title: ClassVar[str] = "Rackbeat ↔ Visma e-conomic"
    # sides, pushed_webhooks (Rackbeat's) and url_webhooks (e-conomic's) follow from these (PairOfSides).
    side_specs = (RACKBEAT_SIDE, ECONOMIC_SIDE)
    Settings = RackbeatEconomicSettings
    Connections = RackbeatEconomicConnections
    # Seed 003's settings page, top to bottom; the start-up sync sits at the bottom there too, below
    # the general group (the time zone) every kind has.
    setting_groups: ClassVar[tuple[str, ...]] = (
        "supplier_invoices",
        "accounting",
        "customer_invoices",
        "products",
        "layouts",
        "inventory_value",
        "master_data",
        "orders",
        "general",
        "startup",
    )

    connections: RackbeatEconomicConnections
    settings: RackbeatEconomicSettings

    # The settings page's drop-downs, read live (a system that cannot be reached leaves its fields plain).
    setting_lists: ClassVar[Mapping[str, tuple[str, str]]] = {
        "supplier_invoices.day_book": (ECONOMIC, "day_books"),
        "inventory_value.day_book": (ECONOMIC, "day_books"),
        **{
            path: (ECONOMIC, "accounts")
            for path in (
                "supplier_invoices.account_for_supplier_groups",
                "accounting.standard_account",
                "accounting.account_matrix.*.*",
                "customer_invoices.account_for_customer_groups",
                "products.account_for_product_groups",
                "inventory_value.inventory_account",
                "inventory_value.offset_account",
            )
        },
        "customer_invoices.one_stop_vat_zones.*": (ECONOMIC, "vat_zones"),
        "customer_invoices.exempt_vat_zone": (ECONOMIC, "vat_zones"),
        # The VAT mapping: the products whose group books a given rate.
        "customer_invoices.vat_products.*": (ECONOMIC, "products"),
        "layouts.keys": (ECONOMIC, "layouts"),
        "layouts.*": (RACKBEAT, "layouts"),
    }
    derived_from: ClassVar[tuple[tuple[str, str], ...]] = (
        (ECONOMIC, "vat_rates"),
        (ECONOMIC, "product_groups"),
        (RACKBEAT, "product_groups"),
    )

    def open_clients(self) -> tuple[EconomicClient, RackbeatClient]:
        economic: EconomicClient = self.open_side(ECONOMIC_SIDE.name)
        rackbeat: RackbeatClient = self.open_side(RACKBEAT_SIDE.name)
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

    def derived_choices(self, lists: Mapping[tuple[str, str], ChoiceList]) -> dict[str, ChoiceList]:
        choices: dict[str, ChoiceList] = {}
        if vat_zones := lists.get((ECONOMIC, "vat_zones")):
            names = dict(vat_zones)
            choices["accounting.account_matrix.*.keys"] = [
                (key, names.get(str(number), key.replace("_", " "))) for key, number in MATRIX_ZONES.items()
            ]
        if lists.get((ECONOMIC, "products")):
            # The rows of the VAT mapping: 0 % and every rate of the agreement's VAT codes.
            rates = sorted({Decimal(r) for r, _ in lists.get((ECONOMIC, "vat_rates"), [])} | {Decimal(0)})
            choices["customer_invoices.vat_products.keys"] = [
                (f"{r.normalize():f}", f"{r.normalize():f} %") for r in rates
            ]
        # Rows of the matrix: the product groups of supplier-invoice lines (Rackbeat's, which the
        # start-up sync brought from e-conomic), and e-conomic's where Rackbeat has none yet.
        groups = dict(lists.get((ECONOMIC, "product_groups"), []))
        groups.update(lists.get((RACKBEAT, "product_groups"), []))
        if groups:
            choices["accounting.account_matrix.keys"] = sorted(
                groups.items(), key=lambda kv: number_order(kv[0])
            )
        return choices
