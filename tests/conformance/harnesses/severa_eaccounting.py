"""severa-eaccounting for the conformance suite: Severa invoices in the "to transfer" status become eEkonomi
drafts (then the "transferred" status in Severa: the step after the send); booked eEkonomi supplier
invoices' rows become Severa project costs. No webhooks: a delivery is a register run, and duplicate
deliveries are the same register started several times at once (the schedule and the console's button)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.sandbox.faults import FaultPlan
from ledgerbridge.service import Ledgerbridge
from ledgerbridge.systems.severa.sandbox import create_app as create_severa_app
from ledgerbridge.systems.severa.sandbox.demo_data import demo_guid
from tests.conformance.harness import Check, Document, KindHarness, heal_sandboxes, sandbox_writes
from tests.integrations.severa_support import NAME, STATUS, SWorld, severa_world
from tests.integrations.test_severa_eaccounting import book_supplier_invoice, fix_code_clash, master_data

INVOICE, SUPPLIER_INVOICE = "invoice", "supplier-invoice"
REGISTER = {INVOICE: "invoices", SUPPLIER_INVOICE: "supplier-invoices"}
# What the schedule runs, in dependency order; not products (no check makes one, and every invoice row's
# article is there since open()) nor check sent/paid (no check looks at what they change): each run
# costs seconds under Severa's request limit.
SETTLING_REGISTERS = ("customers", "projects", "invoices", "supplier-invoices")
SEVERA_CLIENT = "sandbox"
NO_WEBHOOKS = "no webhooks: Severa is read register by register, by hand or on the schedule"


class SeveraEAccountingHarness(KindHarness):
    kind = "severa-eaccounting"
    document_types = (INVOICE, SUPPLIER_INVOICE)
    not_applicable = {
        Check.UPDATE_BEFORE_CREATE: f"{NO_WEBHOOKS}; a run reads each record as it is now",
        Check.SAFETY_NET_SCAN: f"{NO_WEBHOOKS}; every run reads the whole register, so none is lost",
        Check.SERVE_KILLED: f"{NO_WEBHOOKS}; the kill-and-restart check covers a register run that dies",
    }
    name = NAME
    slow = True  # each register run waits out Severa's request limit (8 a second): 1-2 s
    error_entities = {INVOICE: "severa-invoice", SUPPLIER_INVOICE: "supplier-cost"}

    def __init__(self, world: SWorld) -> None:
        self.world = world
        self._numbers = itertools.count(4701)

    @classmethod
    @contextmanager
    def open(cls, home: Path, database_url: str) -> Iterator[SeveraEAccountingHarness]:
        app = create_severa_app(seed="demo", client_id=SEVERA_CLIENT, client_secret=SEVERA_CLIENT)
        with SandboxServer(app) as server:
            sandbox = SimpleNamespace(
                base_url=server.base_url,
                app=app,
                state=app.state,
                client_id=SEVERA_CLIENT,
                client_secret=SEVERA_CLIENT,
            )
            with severa_world(database_url, home, sandbox) as world:
                harness = cls(world)
                try:
                    world.add(cls.name)
                    fix_code_clash(world)
                    master_data(world)
                    world.run("invoices")  # the demo's own invoices (two are refused, for good)
                    yield harness
                finally:
                    world.service.close()

    @property
    def service(self) -> Ledgerbridge:
        return self.world.service

    @property
    def severa_app(self) -> Any:
        return self.world.severa_sandbox.app

    def heal(self) -> None:
        heal_sandboxes(self.severa_app, self.world.books_app)

    def restart(self) -> None:
        self.world.service.close()
        self.world.service = Ledgerbridge(self.world.config)

    # -- the source side -------------------------------------------------------------------------------
    def new_customer(self, name: str) -> str:
        return self._customer(name, with_address=True)

    def _customer(self, name: str, *, with_address: bool) -> str:
        number = next(self._numbers)
        with self.world.severa() as severa:
            customer = severa.customers.create({"name": name, "number": number, "isActive": True})
            if with_address:
                self._add_address(severa, str(customer["guid"]))
        return str(number)

    @staticmethod
    def _add_address(severa: Any, customer_guid: str) -> None:
        sweden = next(c["guid"] for c in severa.countries.all() if c.get("code2") == "SE")
        severa.customers.add_address(
            customer_guid,
            {
                "addressline": "Storgatan 1",
                "postalCode": "972 38",
                "city": "Luleå",
                "country": {"guid": sweden},
                "isBillingAddress": True,
            },
        )

    def rename_customer(self, key: str, name: str) -> None:
        with self.world.severa() as severa:
            customer = severa.customers.by_number(int(key))
            assert customer is not None
            severa.customers.update(str(customer["guid"]), {"/name": name})

    def new_document(self, document_type: str, *, customer: str | None = None) -> Document:
        if document_type == SUPPLIER_INVOICE:
            booked = book_supplier_invoice(self.world, [("10001", "321.50")])
            text = f"2026-11-25 {booked['VoucherNumber']} {booked['SupplierName']}"
            rows = tuple(str(row["Id"]) for row in booked["Rows"])
            return Document(document_type, str(booked["Id"]), text, {"rows": rows})
        with self.world.severa() as severa:
            if customer is None:
                project = demo_guid("project", 10001)  # its customer and project are in eEkonomi
            else:
                project = self._project_of(severa, customer)
            severa.project_fees.create(
                {
                    "name": "Granskning",
                    "eventDate": date.today().isoformat(),
                    "quantity": Decimal(1),
                    "unitCost": {"amount": Decimal(100), "currencyCode": "SEK"},
                    "unitPrice": {"amount": Decimal(1500), "currencyCode": "SEK"},
                    "vatRate": Decimal(25),
                    "isBillable": True,
                    "project": {"guid": project},
                }
            )
            [invoice] = severa.invoices.create_from_projects([project], status_guid=STATUS["to_transfer"])
        guid = str(invoice["guid"])
        return Document(INVOICE, guid, f"Severa {guid}")

    @staticmethod
    def _project_of(severa: Any, customer: str) -> str:
        found = severa.customers.by_number(int(customer))
        assert found is not None
        project = severa.projects.create(
            {
                "name": f"Konformitet {customer}",
                "customer": {"guid": found["guid"]},
                "projectOwner": {"guid": demo_guid("user", "AL")},
            }
        )
        return str(project["guid"])

    def new_refused_document(self) -> Document:
        return self.new_document(INVOICE, customer=self._customer("Adresslös AB", with_address=False))

    def fix_cause(self, document: Document) -> None:
        with self.world.severa() as severa:
            invoice = severa.invoices.read(document.key)
            customer = invoice.get("billingCustomer") or invoice["customer"]
            self._add_address(severa, str(customer["guid"]))

    # -- deliveries ------------------------------------------------------------------------------------
    def deliver(self, document: Document, *, times: int = 1) -> None:
        register = REGISTER[document.document_type]
        if times == 1:
            self.world.run(register)
            return
        with ThreadPoolExecutor(max_workers=times) as runs:  # at once, each to its end
            for run in [runs.submit(self.world.run, register) for _ in range(times)]:
                run.result()

    def deliver_customer(self, key: str, action: str) -> None:
        self.world.run("customers")

    def settle(self) -> None:
        for register in SETTLING_REGISTERS:
            self.world.run(register)

    def catch_up(self) -> None:
        self.settle()

    def error_keys(self, document: Document) -> set[str]:
        if document.document_type == SUPPLIER_INVOICE:
            return set(document.extra["rows"])  # each row is transferred, and logged, on its own
        return {document.key}

    def retry(self) -> list[tuple[int, str]]:
        hub = RealtimeHub(self.service)
        try:
            results: list[tuple[int, str]] = hub.retry(self.name)
            return results
        finally:
            hub.close()

    # -- the target side ---------------------------------------------------------------------------
    def target_documents(self, document: Document) -> list[dict[str, Any]]:
        if document.document_type == SUPPLIER_INVOICE:
            with self.world.severa() as severa:
                return [f for f in severa.project_fees.search() if f.get("name") == document.marker]
        with self.world.api() as books:
            return [
                made
                for collection in ("customerinvoicedrafts", "customerinvoices")
                for made in books.iter_collection(collection)
                if made.get("ContractNumber") == document.marker
            ]

    def follow_ups_done(self, document: Document) -> bool:
        if document.document_type != INVOICE:
            return True
        with self.world.severa() as severa:
            status = severa.invoices.read(document.key)["status"]["guid"]
        return bool(status == STATUS["transferred"])

    def target_customer_names(self, key: str) -> list[str]:
        with self.world.api() as books:
            return [
                str(c["Name"]) for c in books.iter_collection("customers") if c.get("CustomerNumber") == key
            ]

    def fail_after_send(self, document: Document) -> None:
        # The draft is made; Severa refuses the "transferred" status.
        self.severa_app.kit.set_faults(
            FaultPlan(
                error_rate=1.0,
                error_status=400,
                path_pattern=rf"/invoices/{document.key}$",
                methods=["PATCH"],
            )
        )

    def new_record_to_plan(self) -> str:
        return self.new_customer("Bara Planerad AB")

    def dry_run(self) -> tuple[list[tuple[str, str, str]], list[str]]:
        self.world.add("dry-run")
        try:
            for app in (self.severa_app, self.world.books_app):
                app.kit.clear_log()
            planned = [
                (item.entity, item.source_key, item.action)
                for register in self.service.registers("dry-run")
                for item in self.world.run(register, name="dry-run", dry_run=True).plan
            ]
            return planned, sandbox_writes(self.severa_app, self.world.books_app)
        finally:
            self.service.delete_integration("dry-run")
