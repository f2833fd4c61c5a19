"""The OCR reference (``PaymentReferenceNumber``) a customer invoice gets when the company setting
``UsesPaymentReferenceNumber`` is on: the invoice number followed by its Luhn (modulus 10) check digit,
the Swedish OCR form Bankgirot checks (whether eAccounting also adds a length digit is UNCONFIRMED).
Without the setting the field is null ("Empty if UsesPaymentReferenceNumber not activated")."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ledgerbridge.systems.eaccounting.sandbox.state import EAccountingState


def luhn_digit(digits: str) -> int:
    """The modulus-10 check digit for ``digits``: every second digit from the right doubled."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def ocr_reference(invoice_number: int) -> str:
    """The OCR reference of an invoice number: the number and its check digit."""
    digits = str(int(invoice_number))
    return f"{digits}{luhn_digit(digits)}"


def payment_reference(state: EAccountingState, invoice_number: int) -> str | None:
    """``PaymentReferenceNumber`` for a new invoice: an OCR reference if the company uses one."""
    return ocr_reference(invoice_number) if state.company.get("UsesPaymentReferenceNumber") else None
