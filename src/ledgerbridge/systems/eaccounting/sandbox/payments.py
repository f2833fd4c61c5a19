"""Customer invoice payments (``POST /customerinvoices/{id}/payments``, ``InvoicePaymentApi``).

The rules (what is required, what settles an invoice, the voucher booked, the exchange difference) and the
choices made where the material is silent: ``docs/sandboxes/eaccounting.md`` ("Customer invoice payments").
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from ledgerbridge.systems.eaccounting.sandbox.chart import RECEIVABLES_ACCOUNT
from ledgerbridge.systems.eaccounting.sandbox.documents import (
    ZERO,
    Documents,
    _dec,
    fiscal_year_containing,
    money,
)
from ledgerbridge.systems.eaccounting.sandbox.resources import INVOICE_PAYMENT_FIELDS
from ledgerbridge.systems.eaccounting.sandbox.state import with_date_times
from ledgerbridge.systems.eaccounting.sandbox.wire import (
    HttpError,
    as_date,
    check_fields,
    decimals,
    error_response,
    field_error,
    invalid,
)

SERIES = "C"
BANK_DEPOSIT_VOUCHER = 10
ROUNDING_ACCOUNT = 3740
BANK_FEE_ACCOUNT = 6570
EXCHANGE_GAIN, EXCHANGE_LOSS = 3960, 7960
PARTIAL, COMPLETE, ROUNDING, BANK_CHARGE = 1, 2, 3, 4
PAID, UNPAID = 0, 1
_REQUIRED = ("CompanyBankAccountId", "PaymentDate", "PaymentAmount", "PaymentCurrency", "PaymentType")


def post_payment(documents: Documents, invoice: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Validate, book and apply a payment to the stored ``invoice``; answers the payment as shown."""
    state = documents.state
    with state.lock:
        errors = check_fields(INVOICE_PAYMENT_FIELDS, data, _REQUIRED)
        kind = data.get("PaymentType")
        if isinstance(kind, int) and not isinstance(kind, bool) and not PARTIAL <= kind <= BANK_CHARGE:
            errors.append(
                field_error(
                    "PaymentType",
                    "Range",
                    "PaymentType is 1 PartialPayment, 2 CompletePayment, 3 Rounding or 4 BankCharge.",
                )
            )
        for field in ("PaymentAmount", "BankFeeAmount", "DomesticPaymentAmount"):
            value = data.get(field)
            if isinstance(value, int | Decimal) and not isinstance(value, bool) and decimals(value) > 2:
                errors.append(field_error(field, "InvalidFormat", f"{field} may have at most 2 decimals."))
        fee = _dec(data.get("BankFeeAmount"))
        if not ZERO <= fee <= Decimal(1_000_000_000):
            errors.append(field_error("BankFeeAmount", "Range", "BankFeeAmount is from 0 to 1000000000."))
        bank = documents._check_reference(data, "CompanyBankAccountId", "bankaccounts", errors)
        currency = invoice["CurrencyCode"]
        if isinstance(data.get("PaymentCurrency"), str) and data["PaymentCurrency"].upper() != currency:
            errors.append(
                field_error(
                    "PaymentCurrency", "Mismatch", f"PaymentCurrency must be the invoice currency {currency}."
                )
            )
        if errors or bank is None:
            raise invalid(errors)
        amount = _dec(data["PaymentAmount"])
        settled = amount + fee
        remaining = _dec(invoice["RemainingAmountInvoiceCurrency"])
        _check_amount(amount, settled, remaining, kind)
        day = as_date(data["PaymentDate"])
        assert day is not None  # the field check accepted it as a date
        if day > state.today():
            raise HttpError(
                error_response(
                    400,
                    4023,
                    "FutureDateCannotBeSet: the payment date cannot be in the future.",
                    [
                        field_error(
                            "PaymentDate", "FutureDateCannotBeSet", "The payment date is in the future."
                        )
                    ],
                )
            )
        fiscal_year = fiscal_year_containing(state, day)
        rate = _base_per_unit(invoice)
        domestic = data.get("DomesticPaymentAmount")
        settled_base = _dec(domestic) + money(fee * rate) if domestic is not None else money(settled * rate)
        left = remaining - settled
        # The last payment clears the receivable; what the rates left over is an exchange difference.
        cleared = _dec(invoice["RemainingAmount"]) if left == 0 else settled_base
        special: dict[Any, int] = {ROUNDING: ROUNDING_ACCOUNT, BANK_CHARGE: BANK_FEE_ACCOUNT}
        target = special.get(kind) or int(bank["LedgerAccountNumber"])
        difference = settled_base - cleared
        voucher_rows = [
            _row(target, settled_base - money(fee * rate), "Inbetalning"),
            _row(BANK_FEE_ACCOUNT, money(fee * rate), "Bankavgift"),
            _row(RECEIVABLES_ACCOUNT, -cleared, "Kundfordran"),
            _row(EXCHANGE_GAIN if difference > 0 else EXCHANGE_LOSS, -difference, "Valutakursdifferens"),
        ]
        voucher = documents._store_voucher(
            fiscal_year["Id"],
            day,
            f"Inbetalning kundfaktura {invoice['InvoiceNumber']}",
            [r for r in voucher_rows if r["DebitAmount"] or r["CreditAmount"]],
            series=SERIES,
            voucher_type=BANK_DEPOSIT_VOUCHER,
            source_id=invoice["Id"],
        )
        invoice["RemainingAmountInvoiceCurrency"] = left
        invoice["RemainingAmount"] = _dec(invoice["RemainingAmount"]) - cleared
        if left == 0:
            invoice["PaymentStatus"] = PAID
            invoice["PaymentDate"] = day.isoformat()
        else:
            invoice["PaymentStatus"] = UNPAID  # shown as Overdue after the due date (state.render)
        invoice["ModifiedUtc"] = state.now_text()
        payment = {k: data.get(k) for k in INVOICE_PAYMENT_FIELDS if data.get(k) is not None}
        payment.update(
            CompanyBankAccountId=bank["Id"],
            PaymentDate=day.isoformat(),
            PaymentCurrency=currency,
            BankTransactionId=str(uuid.uuid4()),
        )
        invoice.setdefault("_Payments", []).append({**payment, "_VoucherId": voucher["Id"]})
        shown: dict[str, Any] = with_date_times(payment)
        return shown


def _base_per_unit(invoice: dict[str, Any]) -> Decimal:
    """The invoice's rate (base currency per unit), as its two totals show it (1 in the base currency)."""
    foreign = _dec(invoice.get("TotalAmountInvoiceCurrency"))
    return _dec(invoice.get("TotalAmount")) / foreign if foreign else Decimal(1)


def _check_amount(amount: Decimal, settled: Decimal, remaining: Decimal, kind: Any) -> None:
    def refuse(message: str) -> HttpError:
        return invalid([field_error("PaymentAmount", "InvalidAmount", message)])

    if amount == 0 or (remaining and (amount > 0) != (remaining > 0)):
        raise refuse(f"PaymentAmount must be non-zero with the sign of the remaining amount {remaining}.")
    if abs(settled) > abs(remaining):
        raise refuse(f"The payment ({settled}) exceeds the remaining amount {remaining}.")
    if kind == COMPLETE and settled != remaining:
        raise refuse(f"A complete payment must settle the remaining amount {remaining}, not {settled}.")


def _row(account: int, signed: Decimal, text: str) -> dict[str, Any]:
    return {
        "AccountNumber": account,
        "DebitAmount": signed if signed > 0 else ZERO,
        "CreditAmount": -signed if signed < 0 else ZERO,
        "TransactionText": text,
        "VatCodeId": None,
    }
