"""What both "Rackbeat → ledger" harnesses share: Rackbeat as the source (its API to make records, its
webhooks over HTTP to the embedded receiver to announce them) and the embedded runtime around the
service. A subclass adds the ledger: its sandbox, what it holds, and where to break it."""

from __future__ import annotations

import uuid
from abc import abstractmethod
from datetime import date
from typing import Any, ClassVar

from ledgerbridge.service import Ledgerbridge
from ledgerbridge.systems.rackbeat import RackbeatClient
from tests.conformance.harness import (
    Document,
    KindHarness,
    Receiver,
    ServeProcess,
    heal_sandboxes,
    sandbox_writes,
)
from tests.support import invoice_body

INVOICE, CREDIT_NOTE, SUPPLIER_INVOICE = "invoice", "credit-note", "supplier-invoice"
CUSTOMER_DOCUMENTS = (INVOICE, CREDIT_NOTE)  # a credit note is a customer invoice with is_credit_note
BOOKED_EVENT = {
    INVOICE: "customer_invoice.booked",
    CREDIT_NOTE: "customer_invoice.booked",
    SUPPLIER_INVOICE: "supplier_invoice.booked",
}
RESOURCE = {
    INVOICE: "customer-invoices",
    CREDIT_NOTE: "customer-invoices",
    SUPPLIER_INVOICE: "supplier-invoices",
}
SETTLE_SECONDS = 30.0
# How long a held answer stalls: longer than a check takes to see the send and kill the process.
HELD_SECONDS = 20.0


def new_marker() -> str:
    """A text short enough for any reference field, unique to one document."""
    return f"CF-{uuid.uuid4().hex[:10]}"


class RackbeatHarness(KindHarness):
    """``world`` is the kind's World of tests/integrations (``ops``, ``rackbeat_app``, ``service``,
    ``config``); ``receiver`` the running ``serve`` in this process."""

    document_types = (INVOICE, CREDIT_NOTE, SUPPLIER_INVOICE)
    error_entities = {CREDIT_NOTE: INVOICE}  # the transfer ledger's type for both
    #: customer fields the ledger cannot do without: left out of a customer it must refuse
    needed_by_target: ClassVar[tuple[str, ...]]

    def __init__(self, world: Any, rackbeat: RackbeatClient) -> None:
        self.world = world
        self.rackbeat = rackbeat
        self.receiver: Receiver | None = None
        self.serve_port = 0

    # -- the world -----------------------------------------------------------------------------------
    @property
    def service(self) -> Ledgerbridge:
        service: Ledgerbridge = self.world.service
        return service

    @property
    def target_app(self) -> Any:
        """The ledger's sandbox app (its ``kit`` holds faults and the request log)."""
        raise NotImplementedError

    def start_receiving(self) -> None:
        """``serve``: the receiver up and Rackbeat's webhooks pointed at it."""
        self.world.rackbeat_app.webhooks.configure(retry_base_seconds=0.05)
        self.receiver = Receiver(self.service).start()
        self.receiver.hub.register_webhooks(self.name, self.receiver.url)

    def stop_receiving(self) -> None:
        if self.receiver is not None:
            self.receiver.stop()
            self.receiver = None

    @property
    def hub(self) -> Any:
        assert self.receiver is not None, "the receiver is not running"
        return self.receiver.hub

    def restart(self) -> None:
        assert self.receiver is not None
        port = self.receiver.port
        self.receiver.stop()  # whatever it was doing is gone with it
        self.world.service.close()
        self.world.service = Ledgerbridge(self.world.config)
        self.receiver = Receiver(self.service, port=port).start()

    def serve_in_subprocess(self) -> ServeProcess:
        assert self.receiver is not None
        port = self.receiver.port
        self.stop_receiving()  # the port is the subprocess's now; the service stays open, idle
        serve = ServeProcess(self.world.config, port)
        self.serve_port = port
        serve.wait_ready()
        return serve

    def resume_in_process(self) -> None:
        assert self.receiver is None, "the subprocess's receiver should be gone"
        self.world.service.close()
        self.world.service = Ledgerbridge(self.world.config)
        self.receiver = Receiver(self.service, port=self.serve_port).start()

    def heal(self) -> None:
        heal_sandboxes(self.world.rackbeat_app, self.target_app)
        self.world.rackbeat_app.webhooks.configure(duplicate_rate=0.0, out_of_order=False, paused=False)

    # -- the source side -------------------------------------------------------------------------------
    def customer_fields(self) -> dict[str, Any]:
        """A customer as the ledger takes it (group, terms, and what the ledger needs besides)."""
        return {
            "customer_group_id": self.world.ops.records("customer-groups")[0]["number"],
            "payment_terms_id": self.world.ops.records("payment-terms")[0]["number"],
        }

    def new_customer(self, name: str) -> str:
        return self._customer({"name": name, **self.customer_fields()})

    def _customer(self, fields: dict[str, Any]) -> str:
        made = self.rackbeat.create("customers", fields, suppress_webhooks=True)
        return str(made["number"])

    def rename_customer(self, key: str, name: str) -> None:
        self.rackbeat.update("customers", key, {"name": name}, suppress_webhooks=True)

    def invoice_products(self) -> list[dict[str, Any]] | None:
        """The products invoice lines are made of (None: the first two)."""
        return None

    def new_document(self, document_type: str, *, customer: str | None = None) -> Document:
        if document_type == CREDIT_NOTE:
            invoice = self.new_document(INVOICE, customer=customer)
            self.deliver(invoice)  # the invoice credited is in the books, as it would be
            self.settle()
            return self._credit_note(invoice)
        marker = new_marker()
        if document_type == INVOICE:
            fields: dict[str, Any] = {"heading": f"Conformance {marker}", "their_reference": marker}
            if customer is not None:
                fields["customer_id"] = int(customer)
            body = invoice_body(self.world.ops, products=self.invoice_products(), **fields)
        else:
            body = self._supplier_invoice_body(marker)
        made = self.rackbeat.create(RESOURCE[document_type], body, suppress_webhooks=True)
        self.rackbeat.book(RESOURCE[document_type], made["number"], {"suppress_webhooks": True})
        return Document(document_type, str(made["number"]), marker)

    def _credit_note(self, invoice: Document) -> Document:
        """A credit note of the booked invoice, with a marker of its own."""
        marker = new_marker()
        made = self.rackbeat.credit_note(invoice.key, {"suppress_webhooks": True})
        header = {"heading": f"Conformance {marker}", "their_reference": marker}
        self.rackbeat.update("customer-invoices", made["number"], header, suppress_webhooks=True)
        self.rackbeat.book("customer-invoices", made["number"], {"suppress_webhooks": True})
        return Document(CREDIT_NOTE, str(made["number"]), marker)

    def _supplier_invoice_body(self, marker: str) -> dict[str, Any]:
        supplier = self.world.ops.records("suppliers")[0]
        product = self.world.ops.records("products")[0]
        return {
            "supplier_id": supplier["number"],
            "invoice_number": marker,
            "invoice_date": date.today().isoformat(),
            "heading": "Conformance",
            "lines": [
                {
                    "child_id": product["number"],
                    "name": "Inköp",
                    "quantity": 4,
                    "line_price": "55.00",
                    "vat_percentage": 25,
                }
            ],
        }

    def new_refused_document(self) -> Document:
        fields = {"name": "Ofullständig Kund", **self.customer_fields()}
        for needed in self.needed_by_target:
            fields.pop(needed, None)
        return self.new_document(INVOICE, customer=self._customer(fields))

    def fix_cause(self, document: Document) -> None:
        invoice = self.rackbeat.get("customer-invoices", document.key)
        customer = invoice.get("customer_id") or (invoice.get("customer") or {}).get("number")
        fixed = {k: v for k, v in self.customer_fields().items() if k in self.needed_by_target}
        self.rackbeat.update("customers", customer, fixed, suppress_webhooks=True)

    # -- deliveries ------------------------------------------------------------------------------------
    def deliver(self, document: Document, *, times: int = 1) -> None:
        for _ in range(times):
            self.world.rackbeat_app.webhooks.emit(BOOKED_EVENT[document.document_type], document.key)

    def deliver_customer(self, key: str, action: str) -> None:
        self.world.rackbeat_app.webhooks.emit(f"customer.{action}", key)

    def settle(self) -> None:
        assert self.world.rackbeat_app.webhooks.flush(SETTLE_SECONDS), "Rackbeat's webhooks were not all sent"
        assert self.hub.drain(timeout=SETTLE_SECONDS), "the inbox was not worked off"

    def catch_up(self) -> None:
        self.scan()
        self.settle()

    def scan(self) -> int:
        queued: int = self.hub.scan(self.name)
        return queued

    def retry(self) -> list[tuple[int, str]]:
        results: list[tuple[int, str]] = self.hub.retry(self.name)
        return results

    # -- dry run -----------------------------------------------------------------------------------------
    @abstractmethod
    def add_integration(self, name: str) -> None:
        """Another integration of this kind over the same sandboxes, connected, not started."""

    def dry_run(self) -> tuple[list[tuple[str, str, str]], list[str]]:
        self.add_integration("dry-run")
        # The running integration would write meanwhile (its periodic jobs poll the ledger): it stops,
        # so every write the logs show is the dry run's.
        assert self.receiver is not None
        port = self.receiver.port
        self.stop_receiving()
        try:
            for app in (self.world.rackbeat_app, self.target_app):
                app.kit.clear_log()
            result = self.service.run_startup("dry-run", dry_run=True)
            planned = [(item.entity, item.source_key, item.action) for item in result.plan]
            return planned, sandbox_writes(self.world.rackbeat_app, self.target_app)
        finally:
            self.service.delete_integration("dry-run")
            self.receiver = Receiver(self.service, port=port).start()
