"""Payment terms, both directions (seed 001 "Betalingsbetingelser"): number, name, type, days, text."""

from __future__ import annotations

from typing import Any

from ledgerbridge.engine.streams import MapContext, MappingError, Payload, Record
from ledgerbridge.integrations.mapping import Mapper, mapping

# e-conomic payment terms type → Rackbeat payment terms type (our sandbox's documented names).
TYPES_TO_RACKBEAT = {
    "net": "net",
    "invoiceMonth": "invoice_month",  # "Løbende måned": end of the invoice month plus the days
    "paidInCash": "paid_in_cash",
    "prepaid": "prepaid",
    "dueDate": "due_date",
}
# Rackbeat → e-conomic: the inverse, plus Rackbeat's "current month" (e-conomic's invoice month).
TYPES_TO_ECONOMIC = {rackbeat: economic for economic, rackbeat in TYPES_TO_RACKBEAT.items()} | {
    "current_month": "invoiceMonth"
}


def _days(value: Any) -> int:
    return int(value or 0)


class PaymentTermToEconomic(Mapper):
    direct = (
        ("number", "paymentTermsNumber", int),
        ("name", "name"),
        ("maturity_days", "daysOfCredit", _days),
        ("description", "description"),
    )

    def check(self, record: Record, ctx: MapContext) -> None:
        kind = record.get("type") or "net"
        if kind not in TYPES_TO_ECONOMIC:
            raise MappingError(f"Rackbeat payment terms type {kind!r} has no counterpart in e-conomic")

    @mapping
    def kind(self, record: Record, ctx: MapContext) -> Payload:
        return {"paymentTermsType": TYPES_TO_ECONOMIC[record.get("type") or "net"]}


class PaymentTermToRackbeat(Mapper):
    drop_empty = True
    direct = (
        ("paymentTermsNumber", "number"),
        ("name", "name"),
        ("description", "description"),
        ("daysOfCredit", "maturity_days", _days),
    )

    def check(self, record: Record, ctx: MapContext) -> None:
        kind = record.get("paymentTermsType", "net")
        if kind not in TYPES_TO_RACKBEAT:
            raise MappingError(f"e-conomic payment terms type {kind!r} has no counterpart in Rackbeat")

    @mapping
    def kind(self, record: Record, ctx: MapContext) -> Payload:
        return {"type": TYPES_TO_RACKBEAT[record.get("paymentTermsType", "net")]}


map_payment_term_to_economic = PaymentTermToEconomic()
map_payment_term_to_rackbeat = PaymentTermToRackbeat()
