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

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, ClassVar

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
from ledgerbridge.systems.errors import ApiError
from ledgerbridge.systems.rackbeat import RACKBEAT_SIDE, RackbeatClient

# The account matrix's VAT-zone columns and the e-conomic VAT zone each stands for (the standard zones).
MATRIX_ZONES = ECONOMIC_VAT_ZONE_NUMBERS


@register
class RackbeatEconomic(PairOfSides):
    kind: ClassVar[str] = "rackbeat-economic"
    title: ClassVar[str] = "Rackbeat ↔ Visma e-conomic"
    # sides, pushed_webhooks (Rackbeat's) and url_webhooks (e-conomic's) follow from these (PairOfSides).
    side_specs = (RACKBEAT_SIDE, ECONOMIC_SIDE)
    Settings = RackbeatEconomicSettings
    Connections = RackbeatEconomicConnections
    # Seed 003's settings page, top to bottom; the start-up sync sits at the bottom there too.
    setting_groups: ClassVar[tuple[str, ...]] = (
        "supplier_invoices",
        "accounting",
        "customer_invoices",
        "products",
        "layouts",
        "inventory_value",
        "master_data",
        "orders",
        "startup",
    )

    connections: RackbeatEconomicConnections
    settings: RackbeatEconomicSettings

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

    def setting_choices(self) -> dict[str, list[tuple[str, str]]]:
        """Day books, accounts, VAT zones and layouts read live from e-conomic; layouts and product
        groups from Rackbeat. A system that cannot be reached leaves its fields as plain inputs."""
        economic, rackbeat = self.open_clients()
        try:
            journals = _read(lambda: economic.iter_collection("journals"), "journalNumber", "name")
            # Postable accounts only: headings and totals cannot take an entry.
            accounts = _read(
                lambda: (
                    a
                    for a in economic.iter_collection("accounts")
                    if a.get("accountType") in (None, "profitAndLoss", "status")
                ),
                "accountNumber",
                "name",
            )
            vat_zones = _read(lambda: economic.iter_collection("vat-zones"), "vatZoneNumber", "name")
            economic_layouts = _read(lambda: economic.iter_collection("layouts"), "layoutNumber", "name")
            economic_groups = _read(
                lambda: economic.iter_collection("product-groups"), "productGroupNumber", "name"
            )
            # VAT mapping: the products whose group books a given rate (barred ones cannot be sold).
            economic_products = _read(
                lambda: (p for p in economic.iter_collection("products") if not p.get("barred")),
                "productNumber",
                "name",
            )
            vat_codes = _read(lambda: economic.iter_collection("vat-accounts"), "ratePercentage", "vatCode")
            rackbeat_layouts = _read(lambda: rackbeat.iter_all("layouts"), "number", "name")
            rackbeat_groups = _read(lambda: rackbeat.iter_all("product-groups"), "number", "name")
        finally:
            economic.close()
            rackbeat.close()
        choices: dict[str, list[tuple[str, str]]] = {}
        if journals:
            choices["supplier_invoices.day_book"] = journals
            choices["inventory_value.day_book"] = journals
        if accounts:
            for path in (
                "supplier_invoices.account_for_supplier_groups",
                "accounting.standard_account",
                "accounting.account_matrix.*.*",
                "customer_invoices.account_for_customer_groups",
                "products.account_for_product_groups",
                "inventory_value.inventory_account",
                "inventory_value.offset_account",
            ):
                choices[path] = accounts
        if vat_zones:
            choices["customer_invoices.one_stop_vat_zones.*"] = vat_zones
            choices["customer_invoices.exempt_vat_zone"] = vat_zones
            names = dict(vat_zones)
            choices["accounting.account_matrix.*.keys"] = [
                (key, names.get(str(number), key.replace("_", " "))) for key, number in MATRIX_ZONES.items()
            ]
        if economic_products:
            choices["customer_invoices.vat_products.*"] = economic_products
            # The rows: 0 % and every rate of the agreement's VAT codes.
            rates = sorted({Decimal(r) for r, _ in vat_codes} | {Decimal(0)})
            choices["customer_invoices.vat_products.keys"] = [
                (f"{r.normalize():f}", f"{r.normalize():f} %") for r in rates
            ]
        # Rows of the matrix: the product groups of supplier-invoice lines (Rackbeat's, which the
        # start-up sync brought from e-conomic), and e-conomic's where Rackbeat has none yet.
        groups = dict(economic_groups)
        groups.update(rackbeat_groups)
        if groups:
            choices["accounting.account_matrix.keys"] = sorted(groups.items(), key=lambda kv: _num(kv[0]))
        if economic_layouts:
            choices["layouts.keys"] = economic_layouts
        if rackbeat_layouts:
            choices["layouts.*"] = rackbeat_layouts
        return choices


def _num(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (1 << 62, value)


def _read(fetch: Callable[[], Any], key: str, name: str) -> list[tuple[str, str]]:
    """``(number, "number name")`` pairs of a collection; empty if the system did not answer."""
    try:
        records = list(fetch())
    except (ApiError, OSError):
        return []
    pairs = [
        (str(r[key]), f"{r[key]} {r.get(name) or ''}".strip()) for r in records if r.get(key) is not None
    ]
    return sorted(pairs, key=lambda kv: _num(kv[0]))
