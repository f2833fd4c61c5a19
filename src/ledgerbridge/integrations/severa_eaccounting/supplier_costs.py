"""Supplier-invoice rows → Severa project fees (seed 004 C2, C18, C61).

Booked eEkonomi supplier invoices (``Status`` 1, not credit invoices) are read in full each run; every
row with a debit amount booked on an item of the projects' cost center becomes one fee on the project
whose number is the item's short name. Each row is one transfer in the ledger (key: the row's ``Id``),
so it is written once; after a crash between the fee's creation and the ledger's note of it, the fee is
found again among the project's fees (same name, date and cost, not yet claimed by another row).

The fee (A25, A26): name and description "<YYYY-MM-DD> <voucher number> <supplier name>", the invoice
date, quantity 1, cost = the row's debit amount, price = the cost (billable) or 0 (not billable, C18),
the organisation's default VAT rate, no product.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledgerbridge.engine.streams import MappingError
from ledgerbridge.integrations.severa_eaccounting.lookups import Lookups, Record, money
from ledgerbridge.systems.eaccounting.adapters import SupplierInvoices


@dataclass(frozen=True)
class CostRow:
    row_id: str
    text: str
    day: str
    cost: Decimal
    project_number: str


def cost_rows(lookups: Lookups) -> list[CostRow]:
    """Every supplier-invoice row that is a project cost (A26)."""
    items = {str(i["Id"]).lower(): str(i.get("ShortName")) for i in lookups.project_items.values()}
    slot = f"CostCenterItemId{lookups.cost_center_slot}"
    rows: list[CostRow] = []
    for invoice in SupplierInvoices(lookups.eaccounting).since(None):
        if invoice.get("Status") != 1 or invoice.get("IsCreditInvoice"):
            continue
        day = str(invoice.get("InvoiceDate") or "")[:10]
        text = " ".join(
            str(part) for part in (day, invoice.get("VoucherNumber"), invoice.get("SupplierName")) if part
        )
        for row in invoice.get("Rows") or []:
            item = str(row.get(slot) or "").lower()
            debit = Decimal(str(row.get("DebetAmount") or 0))
            if item not in items or debit <= 0:
                continue
            rows.append(CostRow(str(row["Id"]), text, day, debit, items[item]))
    return rows


class FeeWriter:
    """find / send of one cost row for the transfer ledger."""

    def __init__(self, lookups: Lookups, row: CostRow, claimed: set[str]) -> None:
        self.lookups = lookups
        self.row = row
        self.claimed = claimed  # fee guids other rows' transfers already own

    def project(self) -> Record:
        number = self.row.project_number
        project = self.lookups.severa.projects.by_number(int(number)) if number.isdigit() else None
        if project is None:
            raise MappingError(f"Severa has no project {number} (the cost center item's short name)")
        return project

    def body(self) -> dict[str, Any]:
        billable = self.lookups.settings.supplier_invoices.transfer_as == "billable"
        currency = self.lookups.organisation_currency
        return {
            "name": self.row.text[:200],
            "description": self.row.text,
            "eventDate": self.row.day,
            "quantity": Decimal(1),
            "unitCost": {"amount": self.row.cost, "currencyCode": currency},
            "unitPrice": {"amount": self.row.cost if billable else Decimal(0), "currencyCode": currency},
            "vatRate": self.lookups.default_vat,
            "isBillable": billable,
            "project": {"guid": str(self.project()["guid"])},
        }

    def find(self) -> str | None:
        for fee in self.lookups.severa.projects.fees(str(self.project()["guid"])):
            if (
                fee.get("name") == self.row.text[:200]
                and str(fee.get("eventDate") or "")[:10] == self.row.day
                and money(fee.get("unitCost")) == self.row.cost
                and str(fee["guid"]) not in self.claimed
            ):
                return str(fee["guid"])
        return None

    def send(self, idempotency_key: str) -> str:
        created = self.lookups.severa.project_fees.create(self.body())
        return str(created["guid"])
