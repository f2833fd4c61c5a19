"""Booked supplier invoices (``SupplierInvoiceApi`` of the 2026 OpenAPI) and the two ways to book one: a
body at once (``POST /supplierinvoices``) or a draft (``POST /supplierinvoicedrafts/{id}/convert``).

The rules (required fields, the balance rule, the duplicate check, the voucher booked, what is shown) and
the choices made where the material is silent: ``docs/sandboxes/eaccounting.md`` ("Supplier invoices").
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from ledgerbridge.systems.eaccounting.sandbox.chart import PAYABLES_ACCOUNT
from ledgerbridge.systems.eaccounting.sandbox.costcenters import (
    account_cost_center_errors,
    check_row_cost_centers,
)
from ledgerbridge.systems.eaccounting.sandbox.documents import (
    ZERO,
    Documents,
    _dec,
    _due_date,
    fiscal_year_containing,
)
from ledgerbridge.systems.eaccounting.sandbox.resources import (
    RESOURCES,
    SUPPLIER_INVOICE_ROW_FIELDS,
)
from ledgerbridge.systems.eaccounting.sandbox.state import EAccountingState, date_text
from ledgerbridge.systems.eaccounting.sandbox.wire import (
    HttpError,
    as_date,
    check_fields,
    decimals,
    error_response,
    field_error,
    invalid,
)

EMPTY_GUID = "00000000-0000-0000-0000-000000000000"
SERIES = "D"
DEBIT_VOUCHER, CREDIT_VOUCHER = 12, 13


class SupplierInvoices:
    """Booking supplier invoices, from a body or a draft (:mod:`.routes` serves them)."""

    def __init__(self, state: EAccountingState, documents: Documents) -> None:
        self.state = state
        self.documents = documents

    def convert_draft(self, draft: dict[str, Any]) -> dict[str, Any]:
        """``POST /supplierinvoicedrafts/{id}/convert``: book the draft, then remove it."""
        with self.state.lock:
            rows = [
                {
                    **{k: row.get(k) for k in SUPPLIER_INVOICE_ROW_FIELDS if k != "DebetAmount"},
                    "DebetAmount": row.get("DebitAmount"),
                }
                for row in draft.get("Rows") or []
            ]
            data = {k: draft.get(k) for k in RESOURCES["supplierinvoices"].fields if k != "Rows"}
            invoice = self.create({**data, "Rows": rows}, draft_id=draft["Id"])
            self.state.delete("supplierinvoicedrafts", draft["Id"])
            return invoice

    def create(
        self, data: dict[str, Any], *, duplicate_check: bool = False, draft_id: str | None = None
    ) -> dict[str, Any]:
        """Validate and book a supplier invoice (``POST /supplierinvoices``); answers it as shown."""
        resource = RESOURCES["supplierinvoices"]
        state = self.state
        with state.lock:
            errors = check_fields(resource.fields, data, resource.required)
            supplier = self.documents._check_reference(data, "SupplierId", "suppliers", errors)
            raw_rows: list[dict[str, Any]] = data["Rows"] if isinstance(data.get("Rows"), list) else []
            for index, row in enumerate(raw_rows):
                if not isinstance(row, dict):
                    continue  # reported as Rows InvalidType
                prefix = f"Rows[{index}]."
                errors.extend(check_fields(SUPPLIER_INVOICE_ROW_FIELDS, row, ("AccountNumber",), prefix))
                for field in ("DebetAmount", "CreditAmount"):
                    value = row.get(field)
                    if isinstance(value, int | Decimal) and not isinstance(value, bool):
                        if value < 0 or decimals(value) > 2:
                            errors.append(
                                field_error(
                                    prefix + field,
                                    "InvalidFormat",
                                    f"{field} is ≥ 0 with at most 2 decimals.",
                                )
                            )
            if errors or supplier is None:
                raise invalid(errors)
            check_row_cost_centers(state, raw_rows)
            if duplicate_check:
                self._refuse_duplicate(supplier["Id"], str(data["InvoiceNumber"]))
            day = as_date(data.get("InvoiceDate")) or state.today()
            fiscal_year = fiscal_year_containing(state, day)
            rows, debit, credit, vat = self._rows(raw_rows, fiscal_year["Id"], day)
            total = _dec(data.get("TotalAmount"))
            credit_invoice = bool(data.get("IsCreditInvoice"))
            payable = -abs(total) if credit_invoice else total
            if debit - credit != payable:
                raise HttpError(
                    error_response(
                        400,
                        4032,
                        "SupplierInvoiceDoesntBalance: The amount on standard account 2440 is not equal with "
                        f"TotalAmount (rows: debet {debit} - credit {credit} = {debit - credit}, "
                        f"TotalAmount {total}).",
                        [
                            field_error(
                                "TotalAmount", "SupplierInvoiceDoesntBalance", "The rows do not balance."
                            )
                        ],
                    )
                )
            invoice_id = str(uuid.uuid4())
            numbers = [int(i["Number"]) for i in state.records["supplierinvoices"].values()]
            number = max(numbers, default=0) + 1
            voucher_rows = [
                {
                    "AccountNumber": row["AccountNumber"],
                    "DebitAmount": row["DebetAmount"],
                    "CreditAmount": row["CreditAmount"],
                    "TransactionText": row["TransactionText"],
                    "CostCenterItemId1": row["CostCenterItemId1"],
                    "CostCenterItemId2": row["CostCenterItemId2"],
                    "CostCenterItemId3": row["CostCenterItemId3"],
                    "VatCodeId": row["VatCodeId"],
                    "ProjectId": row["ProjectId"],
                }
                for row in rows
            ]
            voucher_rows.append(
                {
                    "AccountNumber": PAYABLES_ACCOUNT,
                    "DebitAmount": -payable if payable < 0 else ZERO,
                    "CreditAmount": payable if payable > 0 else ZERO,
                    "TransactionText": "Leverantörsskuld",
                    "VatCodeId": None,
                }
            )
            voucher = self.documents._store_voucher(
                fiscal_year["Id"],
                day,
                f"Leverantörsfaktura {data['InvoiceNumber']}, {supplier['Name']}",
                voucher_rows,
                series=SERIES,
                voucher_type=CREDIT_VOUCHER if credit_invoice else DEBIT_VOUCHER,
                source_id=invoice_id,
            )
            terms = (
                state.get("termsofpayments", supplier["TermsOfPaymentId"])
                if supplier.get("TermsOfPaymentId")
                else None
            )
            now = state.now_text()
            record = state.normalise(resource, data)
            record.update(
                Id=invoice_id,
                SupplierId=supplier["Id"],
                OffsetInvoiceIds=[],
                BankAccountId=supplier.get("PayFromBankAccountId") or EMPTY_GUID,
                InvoiceDate=day.isoformat(),
                PaymentDate=None,
                DueDate=date_text(data["DueDate"])
                if data.get("DueDate")
                else _due_date(day, terms).isoformat(),
                InvoiceNumber=str(data["InvoiceNumber"]),
                TotalAmount=total,
                Vat=_dec(data["Vat"]) if data.get("Vat") is not None else vat,
                CurrencyCode=data.get("CurrencyCode")
                or supplier.get("CurrencyCode")
                or state.company["CurrencyCode"],
                CurrencyRate=_dec(data["CurrencyRate"])
                if data.get("CurrencyRate") is not None
                else Decimal(1),
                CreatedUtc=now,
                ModifiedUtc=now,
                PlusGiroNumber=supplier.get("PlusgiroNumber"),
                BankGiroNumber=supplier.get("BankgiroNumber"),
                Rows=rows,
                SupplierName=supplier["Name"],
                SupplierNumber=supplier.get("SupplierNumber"),
                IsQuickInvoice=False,
                IsDomestic=(supplier.get("CountryCode") or state.company["CountryCode"])
                == state.company["CountryCode"],
                RemainingAmount=-payable,
                RemainingAmountInvoiceCurrency=-payable,
                Number=number,
                NumberSeries=SERIES,
                VoucherNumber=voucher["NumberAndNumberSeries"],
                VoucherId=voucher["Id"],
                CreatedFromDraftId=draft_id,
                SelfEmployedWithoutFixedAddress=bool(supplier.get("SelfEmployedWithoutFixedAddress")),
                AllocationPeriods=[],
                SupplierInvoiceOrigin=2,
                IsAutomaticallyPostToLedger=False,
                Attachments=list(data.get("Attachments") or []),
                MessageThreads=[],
                Notes=[],
                SetOffAmountInvoiceCurrency=ZERO,
                Status=1,
                PaymentStatus=3,
                PaymentFileStatus=0,
                IsIncludedInVatReport=False,
                VatReportId=None,
                CanUndoInvoice=True,
            )
            return state.store("supplierinvoices", record)

    def _refuse_duplicate(self, supplier_id: str, invoice_number: str) -> None:
        for other in self.state.records["supplierinvoices"].values():
            if other["SupplierId"] == supplier_id and other["InvoiceNumber"] == invoice_number:
                raise HttpError(
                    error_response(
                        400,
                        4000,
                        f"Conflict: supplier invoice {invoice_number} of this supplier is already booked "
                        f"({other['VoucherNumber']}).",
                        [field_error("InvoiceNumber", "Duplicate", "The invoice is a duplicate.")],
                    )
                )

    def _rows(
        self, raw_rows: list[dict[str, Any]], fiscal_year_id: str, day: Any
    ) -> tuple[list[dict[str, Any]], Decimal, Decimal, Decimal]:
        """The rows as shown, with the sums of debet, credit and VAT (accounts 2640-2649)."""
        rows: list[dict[str, Any]] = []
        missing: list[dict[str, Any]] = []
        refused: list[dict[str, Any]] = []
        debit = credit = vat = ZERO
        for index, row in enumerate(raw_rows):
            number = int(row["AccountNumber"])
            account = self.state.account(fiscal_year_id, number)
            if account is None:
                missing.append(
                    field_error(
                        f"Rows[{index}].AccountNumber",
                        "AccountNotFound",
                        f"Account {number} does not exist in the fiscal year of {day}.",
                    )
                )
                continue
            refused += account_cost_center_errors(account, row, f"Rows[{index}].")
            row_debit, row_credit = _dec(row.get("DebetAmount")), _dec(row.get("CreditAmount"))
            debit += row_debit
            credit += row_credit
            if 2640 <= number <= 2649:
                vat += row_debit - row_credit
            rows.append(
                {
                    "Id": str(uuid.uuid4()),
                    "AccountNumber": number,
                    "AccountName": account["Name"],
                    "VatCodeId": (row.get("VatCodeId") or "").lower() or None,
                    "VatAmount": row.get("VatAmount"),
                    "ProportionalVatRateValue": None,
                    "CostCenterItemId1": _lower(row.get("CostCenterItemId1")),
                    "CostCenterItemId2": _lower(row.get("CostCenterItemId2")),
                    "CostCenterItemId3": _lower(row.get("CostCenterItemId3")),
                    "Quantity": None,
                    "Weight": None,
                    "DeliveryDate": None,
                    "HarvestYear": None,
                    "DebetAmount": row_debit,
                    "CreditAmount": row_credit,
                    "LineNumber": index + 1,
                    "ProjectId": _lower(row.get("ProjectId")),
                    "TransactionText": row.get("TransactionText"),
                }
            )
        if missing:
            raise invalid(missing, 3002, "AccountNotFound: an account on the rows does not exist.")
        if refused:
            raise invalid(refused)
        return rows, debit, credit, vat


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value
