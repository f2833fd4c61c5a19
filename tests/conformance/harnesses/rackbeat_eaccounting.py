"""rackbeat-eaccounting for the conformance suite: Rackbeat's booked invoices become eAccounting invoices
(a draft, then converted: the step after the send), supplier invoices become supplier-invoice drafts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ledgerbridge.sandbox.faults import FaultPlan
from ledgerbridge.systems.eaccounting import EAccountingClient
from tests.conformance.harness import Document
from tests.conformance.harnesses.rackbeat_side import CUSTOMER_DOCUMENTS, HELD_SECONDS, RackbeatHarness
from tests.integrations.eaccounting_support import EWorld, eaccounting_world, goods_at_25

DRAFTS, INVOICES = "customerinvoicedrafts", "customerinvoices"
# Invoices as eAccounting invoices (a draft converted: a step after the send), supplier invoices on.
LIVE: dict[str, Any] = {"invoices": {"status": "invoiced"}, "supplier_invoices": {"enabled": True}}


class RackbeatEAccountingHarness(RackbeatHarness):
    kind = "rackbeat-eaccounting"
    # eAccounting needs a customer's postal code and city
    needed_by_target = ("address_zipcode", "address_city")

    def __init__(self, world: EWorld, books: EAccountingClient) -> None:
        super().__init__(world, world.rackbeat())
        self.books = books

    @classmethod
    @contextmanager
    def open(cls, home: Path, database_url: str) -> Iterator[RackbeatEAccountingHarness]:
        with eaccounting_world(database_url, home) as world:
            harness = cls(world, world.api())
            try:
                harness.add_integration(cls.name)
                assert world.service.run_startup(cls.name).ok
                harness.start_receiving()
                yield harness
            finally:
                harness.stop_receiving()
                world.service.close()
                harness.rackbeat.close()
                harness.books.close()

    @property
    def target_app(self) -> Any:
        return self.world.books_app

    def add_integration(self, name: str) -> None:
        self.world.add(name, **LIVE)  # signs in through Visma Connect as `ledgerbridge connect` does

    def customer_fields(self) -> dict[str, Any]:
        return {**super().customer_fields(), "address_zipcode": "903 26", "address_city": "Umeå"}

    def invoice_products(self) -> list[dict[str, Any]]:
        return goods_at_25(self.world.ops)  # Rackbeat's 25 % is the articles' coding: the totals agree

    def new_record_to_plan(self) -> str:
        """A customer only eAccounting has: the start-up sync would bring it to Rackbeat."""
        numbers = [int(c["CustomerNumber"]) for c in self.books.iter_collection("customers")]
        number = str(max(numbers, default=0) + 1)
        terms = next(self.books.iter_collection("termsofpayments"))
        self.books.create(
            "customers",
            {
                "CustomerNumber": number,
                "Name": "Bara I eAccounting AB",
                "IsPrivatePerson": False,
                "IsActive": True,
                "TermsOfPaymentId": terms["Id"],
                "InvoicePostalCode": "903 26",
                "InvoiceCity": "Umeå",
            },
        )
        return number

    # -- the target side ---------------------------------------------------------------------------
    def _made(self, collection: str, field: str, marker: str) -> list[dict[str, Any]]:
        return [d for d in self.books.iter_collection(collection) if d.get(field) == marker]

    def target_documents(self, document: Document) -> list[dict[str, Any]]:
        if document.document_type in CUSTOMER_DOCUMENTS:
            return [
                made for c in (DRAFTS, INVOICES) for made in self._made(c, "YourReference", document.marker)
            ]
        return [
            made
            for c in ("supplierinvoicedrafts", "supplierinvoices")
            for made in self._made(c, "InvoiceNumber", document.marker)
        ]

    def follow_ups_done(self, document: Document) -> bool:
        if document.document_type not in CUSTOMER_DOCUMENTS:
            return True
        return not self._made(DRAFTS, "YourReference", document.marker)  # converted into an invoice

    def target_customer_names(self, key: str) -> list[str]:
        return [str(c["Name"]) for c in self._made("customers", "CustomerNumber", key)]

    def hold_after_send(self, document: Document) -> None:
        # The draft is made; eAccounting holds its conversion back (and carries nothing out).
        self.world.books_app.kit.set_faults(
            FaultPlan(
                timeout_rate=1.0, timeout_seconds=HELD_SECONDS, path_pattern=r"/convert$", methods=["POST"]
            )
        )

    def fail_after_send(self, document: Document) -> None:
        # The draft is made; eAccounting refuses to convert it.
        self.world.books_app.kit.set_faults(
            FaultPlan(error_rate=1.0, error_status=400, path_pattern=r"/convert$", methods=["POST"])
        )
