"""rackbeat-economic for the conformance suite: Rackbeat's booked invoices become booked e-conomic invoices
(then "mark as sent" in Rackbeat), supplier invoices become vouchers in day book 2."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ledgerbridge.sandbox.faults import FaultPlan
from ledgerbridge.systems.economic import EconomicClient
from ledgerbridge.systems.errors import NotFoundError
from ledgerbridge.systems.rackbeat import RackbeatClient
from tests.conformance.harness import Document
from tests.conformance.harnesses.rackbeat_side import CUSTOMER_DOCUMENTS, HELD_SECONDS, RackbeatHarness
from tests.integrations.conftest import RACKBEAT_TOKEN, World, economic_world
from tests.integrations.test_realtime import LIVE_SETTINGS

SUPPLIER_DAY_BOOK = LIVE_SETTINGS["supplier_invoices"]["day_book"]


class RackbeatEconomicHarness(RackbeatHarness):
    kind = "rackbeat-economic"
    needed_by_target = ("payment_terms_id",)  # e-conomic has no customer without payment terms

    def __init__(self, world: World, rackbeat: RackbeatClient, economic: EconomicClient) -> None:
        super().__init__(world, rackbeat)
        self.economic = economic

    @classmethod
    @contextmanager
    def open(cls, home: Path, database_url: str) -> Iterator[RackbeatEconomicHarness]:
        with economic_world(database_url, home) as world:
            rackbeat = RackbeatClient(world.rackbeat_url, RACKBEAT_TOKEN)
            economic = EconomicClient(world.economic_url, "app-secret", "grant")
            harness = cls(world, rackbeat, economic)
            try:
                harness.add_integration(cls.name)
                assert world.service.run_startup(cls.name).ok
                harness.start_receiving()
                yield harness
            finally:
                harness.stop_receiving()
                world.service.close()
                rackbeat.close()
                economic.close()

    @property
    def target_app(self) -> Any:
        return self.world.economic_app

    def add_integration(self, name: str) -> None:
        self.service.add_integration(name, self.kind, self.world.connection(**LIVE_SETTINGS))

    def customer_fields(self) -> dict[str, Any]:
        return {**super().customer_fields(), "vat_zone": "domestic", "currency": "DKK"}

    def new_record_to_plan(self) -> str:
        """A customer only e-conomic has: the start-up sync would bring it to Rackbeat."""
        number = max(int(c["customerNumber"]) for c in self.economic.iter_collection("customers")) + 1
        self.economic.create(
            "customers",
            {
                "customerNumber": number,
                "name": "Kun I E-conomic ApS",
                "currency": "DKK",
                "customerGroup": {"customerGroupNumber": 1},
                "paymentTerms": {"paymentTermsNumber": 1},
                "vatZone": {"vatZoneNumber": 1},
            },
        )
        return str(number)

    # -- the target side ---------------------------------------------------------------------------
    def target_documents(self, document: Document) -> list[dict[str, Any]]:
        if document.document_type in CUSTOMER_DOCUMENTS:
            heading = f"Conformance {document.marker}"
            return [
                invoice
                for collection in ("invoices/booked", "invoices/drafts")
                for invoice in self.economic.iter_collection(collection)
                if (invoice.get("notes") or {}).get("heading") == heading
            ]
        return [
            voucher
            for voucher in self.economic.iter_collection(f"journals/{SUPPLIER_DAY_BOOK}/vouchers")
            if any(
                entry.get("supplierInvoiceNumber") == document.marker
                for entry in (voucher.get("entries") or {}).get("supplierInvoices", [])
            )
        ]

    def follow_ups_done(self, document: Document) -> bool:
        if document.document_type not in CUSTOMER_DOCUMENTS:
            return True
        booked = all("bookedInvoiceNumber" in made for made in self.target_documents(document))
        return booked and bool(self.rackbeat.get("customer-invoices", document.key).get("is_sent"))

    def target_customer_names(self, key: str) -> list[str]:
        try:
            return [str(self.economic.get(f"customers/{key}")["name"])]
        except NotFoundError:
            return []

    def hold_after_send(self, document: Document) -> None:
        # e-conomic books the invoice; Rackbeat holds "mark as sent" back (and carries nothing out).
        self.world.rackbeat_app.kit.set_faults(
            FaultPlan(
                timeout_rate=1.0,
                timeout_seconds=HELD_SECONDS,
                path_pattern=rf"/customer-invoices/{document.key}$",
                methods=["PUT"],
            )
        )

    def fail_after_send(self, document: Document) -> None:
        # e-conomic books the invoice but its answer is lost; Rackbeat then refuses "mark as sent".
        self.world.economic_app.kit.set_faults(
            FaultPlan(lose_answers=1, path_pattern=r"^/invoices/booked$", methods=["POST"])
        )
        self.world.rackbeat_app.kit.set_faults(
            FaultPlan(
                error_rate=1.0,
                error_status=422,
                path_pattern=rf"/customer-invoices/{document.key}$",
                methods=["PUT"],
            )
        )
