"""What a Severa ↔ eAccounting integration reads and writes in eAccounting, over :class:`EAccountingClient`.

- :class:`CostCenterItems`: cost centers with their items (``GET /costcenters`` is the only list of
  items), one item read, created or updated (``PUT`` replaces, so an update reads the item first), and a
  cost center renamed or switched on.
- :class:`SupplierInvoices`: booked supplier invoices changed since a moment (``$filter=ModifiedUtc ge
  …``, documented by Visma, not in the OpenAPI), one read, one booked from a body or from a draft, and
  the rows that carry a given cost center item (project costs).
- :class:`CustomerInvoices`: invoices modified since a moment (``modifiedSinceUtc``, declared in the
  OpenAPI), one read, and a payment posted (``POST /customerinvoices/{id}/payments``).

Records come back as eAccounting sends them (dicts, amounts as ``Decimal``); a date read out of one is
taken as its day (:func:`day_text`), whether it comes as a date-time or a bare date. Moments are sent as UTC
``YYYY-MM-DDTHH:MM:SSZ``; a naive datetime is refused rather than guessed. Use the list answer's
``Meta.ServerTimeUtc`` (:func:`server_time`) as the next "since", so the client's clock never matters.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ledgerbridge.systems.eaccounting.client import EAccountingClient

COSTCENTERS = "costcenters"
COSTCENTERITEMS = "costcenteritems"
SUPPLIERINVOICES = "supplierinvoices"
CUSTOMERINVOICES = "customerinvoices"

PARTIAL_PAYMENT, COMPLETE_PAYMENT, ROUNDING_PAYMENT, BANK_CHARGE_PAYMENT = 1, 2, 3, 4
PAID, UNPAID, OVERDUE = 0, 1, 2  # CustomerInvoiceApi.PaymentStatus


def utc_text(moment: datetime) -> str:
    """A timezone-aware moment as eAccounting takes it in filters and query parameters."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a moment sent to eAccounting must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def day_text(value: Any) -> str | None:
    """The calendar day of a date eAccounting answers: the spec types dates ``date-time``
    (``2025-01-08T00:00:00``), older answers and the field docs show ``2025-01-08``; either reads as the
    day written (never shifted by a time zone)."""
    return str(value)[:10] if value else None


def server_time(client: EAccountingClient, path: str) -> str | None:
    """``Meta.ServerTimeUtc`` of a one-record page of ``path``: the server's "now" for the next poll."""
    meta = client.list_page(path, page=1, pagesize=1).get("Meta") or {}
    value = meta.get("ServerTimeUtc")
    return str(value) if value else None


class CostCenterItems:
    """Cost centers (three per company, ``Number`` 1-3) and their items."""

    def __init__(self, client: EAccountingClient) -> None:
        self.client = client

    def cost_centers(self) -> list[dict[str, Any]]:
        """Every cost center with its ``Items``."""
        return list(self.client.iter_collection(COSTCENTERS))

    def cost_center(self, number: int) -> dict[str, Any] | None:
        """The cost center with ``Number`` = ``number`` (the row slot ``CostCenterItemId<number>``)."""
        return next((c for c in self.cost_centers() if c.get("Number") == number), None)

    def items(self, cost_center_id: str | None = None) -> list[dict[str, Any]]:
        """Every item (of one cost center when given), read through ``/costcenters``."""
        return [
            item
            for center in self.cost_centers()
            if cost_center_id is None or str(center["Id"]).lower() == cost_center_id.lower()
            for item in center.get("Items") or []
        ]

    def find(self, cost_center_id: str, short_name: str) -> dict[str, Any] | None:
        """The item of a cost center with this ``ShortName`` (compared without case), or None."""
        wanted = short_name.casefold()
        return next(
            (i for i in self.items(cost_center_id) if str(i.get("ShortName") or "").casefold() == wanted),
            None,
        )

    def get(self, item_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.client.get(f"{COSTCENTERITEMS}/{item_id}")
        return found

    def create(
        self, cost_center_id: str, short_name: str, name: str, *, active: bool = True
    ) -> dict[str, Any]:
        """A new item (``ShortName`` ≤ 9 and ``Name`` ≤ 50 characters, as eAccounting checks)."""
        body = {"CostCenterId": cost_center_id, "ShortName": short_name, "Name": name, "IsActive": active}
        created: dict[str, Any] = self.client.create(COSTCENTERITEMS, body)
        return created

    def update(
        self,
        item_id: str,
        *,
        short_name: str | None = None,
        name: str | None = None,
        active: bool | None = None,
    ) -> dict[str, Any]:
        """Change some fields; the rest are read first and sent back (PUT replaces the item)."""
        current = self.get(item_id)
        body = {
            "CostCenterId": current["CostCenterId"],
            "ShortName": current["ShortName"] if short_name is None else short_name,
            "Name": current["Name"] if name is None else name,
            "IsActive": current["IsActive"] if active is None else active,
        }
        updated: dict[str, Any] = self.client.replace(f"{COSTCENTERITEMS}/{item_id}", body)
        return updated

    def update_cost_center(self, cost_center_id: str, *, name: str, active: bool) -> dict[str, Any]:
        """Rename a cost center and switch it on or off (there is no POST: the three exist)."""
        updated: dict[str, Any] = self.client.replace(
            f"{COSTCENTERS}/{cost_center_id}", {"Name": name, "IsActive": active}
        )
        return updated


@dataclass(frozen=True)
class ProjectCost:
    """One supplier-invoice row booked on a cost center item: what a project cost is made of."""

    invoice_id: str
    voucher_number: str | None
    supplier_name: str | None
    invoice_date: str | None  # YYYY-MM-DD
    account_number: int
    amount: Decimal  # debet − credit, excluding VAT
    text: str | None
    cost_center_item_id: str


class SupplierInvoices:
    """Booked supplier invoices."""

    def __init__(self, client: EAccountingClient) -> None:
        self.client = client

    def since(self, moment: datetime | None) -> Iterator[dict[str, Any]]:
        """Every supplier invoice, or those modified at or after ``moment`` (``ModifiedUtc ge``): one changed
        in the very instant of the last read is read again rather than lost."""
        condition = f"ModifiedUtc ge {utc_text(moment)}" if moment is not None else None
        return self.client.iter_collection(SUPPLIERINVOICES, filter=condition)

    def get(self, invoice_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.client.get(f"{SUPPLIERINVOICES}/{invoice_id}")
        return found

    def create(self, body: dict[str, Any], *, duplicate_check: bool = True) -> dict[str, Any]:
        """Book a supplier invoice; ``duplicate_check`` asks eAccounting to refuse one it already has
        (same supplier and invoice number). Not retried (see :meth:`EAccountingClient.create`)."""
        params = {"duplicateCheckExtendedValidation": "true" if duplicate_check else "false"}
        response = self.client.request("POST", SUPPLIERINVOICES, params=params, json_body=body, retry=False)
        created: dict[str, Any] = self.client.decode(response)
        return created

    def book_draft(self, draft_id: str) -> dict[str, Any]:
        """Book a supplier invoice draft (``/convert``); the draft is gone afterwards."""
        booked: dict[str, Any] = self.client.action(f"supplierinvoicedrafts/{draft_id}/convert")
        return booked

    @staticmethod
    def project_costs(invoice: dict[str, Any], item_ids: set[str]) -> list[ProjectCost]:
        """The rows of ``invoice`` booked on one of ``item_ids`` (in any of the three slots)."""
        wanted = {i.lower() for i in item_ids}
        costs: list[ProjectCost] = []
        for row in invoice.get("Rows") or []:
            slots = [str(row.get(f"CostCenterItemId{n}") or "").lower() for n in (1, 2, 3)]
            item = next((s for s in slots if s in wanted), None)
            if item is None:
                continue
            # "DebetAmount" is the schema's spelling; drafts and vouchers say "DebitAmount": take either.
            debit = row.get("DebetAmount", row.get("DebitAmount"))
            amount = Decimal(str(debit or 0)) - Decimal(str(row.get("CreditAmount") or 0))
            costs.append(
                ProjectCost(
                    invoice_id=str(invoice["Id"]),
                    voucher_number=invoice.get("VoucherNumber"),
                    supplier_name=invoice.get("SupplierName"),
                    invoice_date=day_text(invoice.get("InvoiceDate")),
                    account_number=int(row["AccountNumber"]),
                    amount=amount,
                    text=row.get("TransactionText"),
                    cost_center_item_id=item,
                )
            )
        return costs


class CustomerInvoices:
    """Booked customer invoices: what changed, and their payments."""

    def __init__(self, client: EAccountingClient) -> None:
        self.client = client

    def modified_since(self, moment: datetime | None) -> Iterator[dict[str, Any]]:
        """Every invoice, or those modified at or after ``moment`` (``modifiedSinceUtc``)."""
        params = {"modifiedSinceUtc": utc_text(moment)} if moment is not None else None
        return self.client.iter_collection(CUSTOMERINVOICES, params=params)

    def get(self, invoice_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.client.get(f"{CUSTOMERINVOICES}/{invoice_id}")
        return found

    def pay(
        self,
        invoice_id: str,
        *,
        bank_account_id: str,
        amount: Decimal,
        currency: str,
        day: date,
        payment_type: int = COMPLETE_PAYMENT,
        bank_fee: Decimal | None = None,
        reference: str | None = None,
    ) -> dict[str, Any]:
        """Post a payment (``day`` in the company's time zone, not in the future). Not retried: a lost
        answer may mean the payment was booked; read the invoice's ``RemainingAmount`` first."""
        body: dict[str, Any] = {
            "CompanyBankAccountId": bank_account_id,
            "PaymentDate": day.isoformat(),
            "PaymentAmount": amount,
            "PaymentCurrency": currency,
            "PaymentType": payment_type,
        }
        if bank_fee is not None:
            body["BankFeeAmount"] = bank_fee
        if reference is not None:
            body["Reference"] = reference
        payment: dict[str, Any] = self.client.action(f"{CUSTOMERINVOICES}/{invoice_id}/payments", body)
        return payment

    @staticmethod
    def is_paid(invoice: dict[str, Any]) -> bool:
        """Paid in full: ``PaymentStatus`` 0 and nothing remaining."""
        return invoice.get("PaymentStatus") == PAID and Decimal(str(invoice.get("RemainingAmount") or 0)) == 0
