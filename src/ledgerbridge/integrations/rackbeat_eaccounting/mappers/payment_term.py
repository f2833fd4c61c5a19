"""Payment terms (seed 002 "Payment terms mapping"; start-up "Betalingsbetingelser").

eAccounting's terms of payment are read-only in its API: Rackbeat → eAccounting they are matched
(``MasterMapper.terms_id``), never written. eAccounting → Rackbeat: name, type and days; Rackbeat
numbers them itself, matched by name.
"""

from __future__ import annotations

from ledgerbridge.engine.streams import MapContext, Payload, Record
from ledgerbridge.integrations.mapping import Mapper, mapping
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.shared import RackbeatNumbering

# eAccounting TermsOfPaymentTypeId → Rackbeat payment terms type
TYPES_TO_RACKBEAT = {
    0: "net",  # Normal
    1: "current_month",  # CurrentMonth
    2: "paid_in_cash",  # Cash
    3: "prepaid",  # CardPayment
    4: "prepaid",  # DigitalWallet
    5: "prepaid",  # PaymentServiceProvider
}


class PaymentTermToRackbeat(Mapper):
    def __init__(self, numbers: RackbeatNumbering) -> None:
        self.numbers = numbers

    @mapping
    def terms(self, record: Record, ctx: MapContext) -> Payload:
        name = str(record.get("Name") or "").strip()
        return {
            "number": self.numbers.number_for(name),
            "name": name,
            "type": TYPES_TO_RACKBEAT.get(int(record.get("TermsOfPaymentTypeId") or 0), "net"),
            "maturity_days": int(record.get("NumberOfDays") or 0),
        }
