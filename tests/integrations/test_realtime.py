"""Rackbeat → e-conomic in real time, end to end: Rackbeat's webhooks reach `serve`'s receiver over HTTP,
the inbox worker transfers, and we look at the result through e-conomic's own API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.runtime.threads import InboxWorker
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.systems.economic import EconomicClient
from ledgerbridge.systems.rackbeat import RackbeatClient
from ledgerbridge.web.app import create_app
from tests.integrations.conftest import RACKBEAT_TOKEN, World
from tests.support import book_one_line_invoice, invoice_body

LIVE_SETTINGS: dict[str, Any] = {
    "customer_invoices": {
        "enabled": True,
        "post_invoices": True,
        "mark_invoices_as_sent": True,
        "account_for_customer_groups": 5600,
    },
    "supplier_invoices": {"enabled": True, "day_book": 2, "account_for_supplier_groups": 6110},
    "accounting": {"standard_account": 1210},  # "Varekøb Danmark" in the demo chart of accounts
}


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Live:
    world: World
    hub: RealtimeHub
    worker: InboxWorker
    url: str
    rackbeat: RackbeatClient
    economic: EconomicClient

    def booked(self) -> list[dict[str, Any]]:
        return list(self.economic.iter_collection("invoices/booked"))

    def drafts(self) -> list[dict[str, Any]]:
        return list(self.economic.iter_collection("invoices/drafts"))

    def new_invoice(self, *, lines: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
        """An invoice as a Rackbeat user would make it (not yet booked)."""
        body = invoice_body(
            self.world.ops,
            lines=lines,
            **{
                "heading": "Levering uge 47",
                "note": "Tak for handlen",
                "other_reference": "PO-4711",
                **fields,
            },
        )
        return self.rackbeat.create("customer-invoices", body)

    def book(self, invoice: dict[str, Any]) -> dict[str, Any]:
        return self.rackbeat.book("customer-invoices", invoice["number"])


@contextmanager
def open_live(world: World, name: str, settings: dict[str, Any]) -> Iterator[Live]:
    world.service.add_integration(name, "rackbeat-economic", world.connection(**settings))
    assert world.service.run_startup(name).ok
    world.rackbeat_app.webhooks.configure(retry_base_seconds=0.05)
    hub = RealtimeHub(world.service)
    worker = InboxWorker(hub, poll_seconds=0.2)
    economic = EconomicClient(world.economic_url, "app-secret", "grant")
    rackbeat = RackbeatClient(world.rackbeat_url, RACKBEAT_TOKEN)
    with SandboxServer(create_app(hub, worker)) as server:
        hub.register_webhooks(name, server.base_url)
        worker.start()
        try:
            yield Live(world, hub, worker, server.base_url, rackbeat, economic)
        finally:
            worker.stop()
            worker.join(5)
            hub.close()
            economic.close()
            rackbeat.close()


@pytest.fixture
def live(world: World) -> Iterator[Live]:
    with open_live(world, "live", LIVE_SETTINGS) as opened:
        yield opened


def test_a_booked_invoice_arrives_booked_with_rackbeats_number_and_amounts(live: Live) -> None:
    invoice = live.book(live.new_invoice())
    started = time.monotonic()
    [booked] = wait_for(
        lambda: [b for b in live.booked() if b["bookedInvoiceNumber"] == invoice["number"]],
        what="the booked invoice in e-conomic",
    )
    elapsed = time.monotonic() - started
    print(f"booked in Rackbeat → booked in e-conomic: {elapsed:.2f} s")

    assert booked["customer"]["customerNumber"] == invoice["customer_id"]
    assert booked["date"] == invoice["invoice_date"]
    assert Decimal(str(booked["netAmount"])) == Decimal(str(invoice["total_subtotal"]))
    assert Decimal(str(booked["grossAmount"])) == Decimal(str(invoice["total_total"]))
    assert booked["notes"]["heading"] == "Levering uge 47"
    assert booked["notes"]["textLine1"] == "Tak for handlen"
    assert booked["references"]["other"] == "PO-4711"
    # "Mark invoices as sent when posted in e-conomic"
    wait_for(lambda: live.rackbeat.get("customer-invoices", invoice["number"]).get("is_sent"), what="is_sent")


def test_duplicate_webhooks_and_manual_transfers_never_make_a_second_invoice(live: Live) -> None:
    live.world.rackbeat_app.webhooks.configure(duplicate_rate=1.0)
    invoice = live.book(live.new_invoice())
    wait_for(lambda: [b for b in live.booked() if b["bookedInvoiceNumber"] == invoice["number"]])
    live.world.rackbeat_app.webhooks.flush(5.0)
    assert live.hub.drain()

    for _ in range(3):
        again = live.hub.transfer("live", "invoice", str(invoice["number"]))
        assert again.outcome == "already"
        assert again.message == f"already transferred as e-conomic invoice {invoice['number']}"
    assert [b["bookedInvoiceNumber"] for b in live.booked()].count(invoice["number"]) == 1
    assert live.drafts() == []


def test_a_repeat_of_a_finished_transfer_asks_neither_system(live: Live) -> None:
    # Every step done (booked, marked sent): a duplicate delivery, a scan or a manual re-run is answered
    # by the ledger alone — no read of the invoice from Rackbeat, nothing sent to e-conomic (issue 10).
    invoice = live.book(live.new_invoice())
    number = invoice["number"]
    wait_for(lambda: live.rackbeat.get("customer-invoices", number).get("is_sent"), what="is_sent")
    assert live.hub.drain()
    live.world.rackbeat_app.kit.clear_log()
    live.world.economic_app.kit.clear_log()

    again = live.hub.transfer("live", "invoice", str(number))

    assert again.outcome == "already"
    assert again.message == f"already transferred as e-conomic invoice {number}"
    assert [
        r.path for r in live.world.rackbeat_app.kit.requests if f"/customer-invoices/{number}" in r.path
    ] == []
    assert [r.path for r in live.world.economic_app.kit.requests if r.method != "GET"] == []


def test_a_lost_answer_from_economic_is_replayed_not_repeated(live: Live) -> None:
    # e-conomic books the invoice but its answer is lost: the client retries with the same key.
    live.world.economic_app.kit.plan.lose_answers = 1
    live.world.economic_app.kit.plan.path_pattern = r"^/invoices/booked$"
    invoice = live.book(live.new_invoice())
    wait_for(lambda: [b for b in live.booked() if b["bookedInvoiceNumber"] == invoice["number"]])
    assert live.hub.drain()
    assert len([b for b in live.booked() if b["customer"]["customerNumber"] == invoice["customer_id"]]) == 1


def test_transient_faults_in_economic_are_retried(live: Live) -> None:
    live.world.economic_app.kit.plan.fail_next.extend([503, 502, 500])
    invoice = live.book(live.new_invoice())
    wait_for(lambda: [b for b in live.booked() if b["bookedInvoiceNumber"] == invoice["number"]], timeout=20)


def test_actual_quantity_with_many_decimals_still_totals_to_the_ore(world: World) -> None:
    settings = {
        **LIVE_SETTINGS,
        "customer_invoices": {**LIVE_SETTINGS["customer_invoices"], "use_actual_quantity": True},
    }
    with open_live(world, "exact", settings) as live:
        products = world.ops.records("products")[:3]
        lines = [
            {
                "child_id": products[0]["number"],
                "name": "Kabel",
                "quantity": "1.333",
                "line_price": "10.125",
                "vat_percentage": 25,
            },
            {
                "child_id": products[1]["number"],
                "name": "Rør",
                "quantity": "2.5",
                "line_price": "3.3333",
                "discount_percentage": "12.5",
                "vat_percentage": 25,
            },
            {
                "child_id": products[2]["number"],
                "name": "Skrue",
                "quantity": "7",
                "line_price": "0.99",
                "vat_percentage": 25,
            },
        ]
        invoice = live.book(live.new_invoice(lines=lines))
        [booked] = wait_for(
            lambda: [b for b in live.booked() if b["bookedInvoiceNumber"] == invoice["number"]]
        )
        assert Decimal(str(booked["netAmount"])) == Decimal(str(invoice["total_subtotal"]))
        assert Decimal(str(booked["grossAmount"])) == Decimal(str(invoice["total_total"]))


def test_drafts_when_not_posting_and_ean_invoices_never_posted(world: World) -> None:
    settings = {
        **LIVE_SETTINGS,
        "customer_invoices": {**LIVE_SETTINGS["customer_invoices"], "never_post_ean_invoices": True},
    }
    with open_live(world, "ean", settings) as live:
        plain = live.book(live.new_invoice())
        with_ean = live.book(live.new_invoice(ean="5790001234567"))
        wait_for(lambda: [b for b in live.booked() if b["bookedInvoiceNumber"] == plain["number"]])
        [draft] = wait_for(lambda: live.drafts(), what="the EAN invoice as a draft")
        assert draft["recipient"]["ean"] == "5790001234567"
        assert all(b["bookedInvoiceNumber"] != with_ean["number"] for b in live.booked())
        # The draft is there before its transfer is done (its totals are checked after it is made): a manual
        # transfer now races the running steps and must wait its turn, never run them a second time.
        racing = live.hub.transfer("ean", "invoice", str(with_ean["number"]))
        assert racing.outcome in ("in_progress", "already"), racing.message
        wait_for(
            lambda: any(
                t.source_key == str(with_ean["number"]) and t.state == "confirmed"
                for t in live.world.service.transfers("ean")
            ),
            what="the EAN invoice's transfer confirmed",
        )
        result = live.hub.transfer("ean", "invoice", str(with_ean["number"]))
        assert (
            result.message == f"already transferred as e-conomic draft invoice {draft['draftInvoiceNumber']}"
        )
        assert [d["draftInvoiceNumber"] for d in live.drafts()] == [draft["draftInvoiceNumber"]]  # one draft


def test_customer_and_product_edits_follow_in_real_time(live: Live) -> None:
    customer = live.world.ops.records("customers")[1]
    before = live.economic.get(f"customers/{customer['number']}")
    live.rackbeat.update("customers", customer["number"], {"name": "Nyt Navn ApS", "max_credit": "25000.50"})
    after = wait_for(
        lambda: (c := live.economic.get(f"customers/{customer['number']}"))["name"] == "Nyt Navn ApS" and c,
        what="the customer rename in e-conomic",
    )
    assert Decimal(str(after["creditLimit"])) == Decimal("25000.50")
    # e-conomic's PUT replaces the record: fields we do not manage must survive it.
    for kept in ("website", "mobilePhone", "salesPerson"):
        assert after.get(kept) == before.get(kept)

    product = live.world.ops.records("products")[4]
    live.rackbeat.update("products", product["number"], {"sales_price": "777.25", "is_barred": True})
    path = EconomicClient.product_path(str(product["number"]))
    wait_for(lambda: Decimal(str(live.economic.get(path)["salesPrice"])) == Decimal("777.25"))
    assert live.economic.get(path).get("barred") is True


def test_a_new_customer_in_a_new_group_brings_its_group_first(live: Live) -> None:
    live.rackbeat.create("customer-groups", {"number": 77, "name": "Webshop"})
    terms = live.world.ops.records("payment-terms")[0]["number"]
    live.rackbeat.create(
        "customers",
        {
            "number": 90001,
            "name": "Ny Kunde A/S",
            "customer_group_id": 77,
            "payment_terms_id": terms,
            "vat_zone": "domestic",
            "currency": "DKK",
        },
    )
    created = wait_for(lambda: _find(live.economic, "customers/90001"), what="the new customer")
    assert created["customerGroup"]["customerGroupNumber"] == 77
    assert live.economic.get("customer-groups/77")["name"] == "Webshop"


def test_business_errors_wait_in_the_error_log_and_retry_fixes_them(live: Live) -> None:
    group = live.world.ops.records("customer-groups")[0]["number"]
    live.rackbeat.create(
        "customers",
        {
            "number": 90002,
            "name": "Uden Betingelser ApS",
            "customer_group_id": group,
            "vat_zone": "domestic",
            "currency": "DKK",
        },
    )
    invoice = live.book(live.new_invoice(customer_id=90002))
    transfer_errors = wait_for(
        lambda: [e for e in live.world.service.errors("live") if e.operation == "transfer"], what="the error"
    )
    assert transfer_errors[0].record_key == str(invoice["number"])
    assert "customer 90002 could not be synced" in transfer_errors[0].message
    reasons = [e.message for e in live.world.service.errors("live") if e.entity == "customer"]
    assert any("no payment terms" in reason for reason in reasons)
    assert not [b for b in live.booked() if b["bookedInvoiceNumber"] == invoice["number"]]

    # The user fixes the customer in Rackbeat; its webhook syncs it; then retries the invoice.
    terms = live.world.ops.records("payment-terms")[0]["number"]
    live.rackbeat.update("customers", 90002, {"payment_terms_id": terms})
    wait_for(lambda: _find(live.economic, "customers/90002"), what="the fixed customer in e-conomic")
    results = live.hub.retry("live")
    assert any(
        f"transferred as e-conomic invoice {invoice['number']}" in outcome for _, outcome in results
    ), results
    assert live.world.service.errors("live") == []


def test_supplier_invoices_become_balanced_vouchers_in_the_day_book(live: Live) -> None:
    supplier = live.world.ops.records("suppliers")[0]
    products = live.world.ops.records("products")[:2]
    invoice = live.rackbeat.create(
        "supplier-invoices",
        {
            "supplier_id": supplier["number"],
            "invoice_number": "F-2026-118",
            "invoice_date": date.today().isoformat(),
            "heading": "Varekøb",
            "lines": [
                {
                    "child_id": products[0]["number"],
                    "name": "Kabel",
                    "quantity": 10,
                    "line_price": "12.40",
                    "vat_percentage": 25,
                },
                {
                    "child_id": products[1]["number"],
                    "name": "Rør",
                    "quantity": 4,
                    "line_price": "55.00",
                    "vat_percentage": 25,
                },
            ],
        },
    )
    live.rackbeat.book("supplier-invoices", invoice["number"])
    vouchers = wait_for(
        lambda: list(live.economic.iter_collection("journals/2/vouchers")), what="the voucher"
    )
    entries = [e for v in vouchers for e in (v.get("entries") or {}).get("supplierInvoices", [])]
    assert {e["supplierInvoiceNumber"] for e in entries} == {"F-2026-118"}
    assert sum(Decimal(str(e["amount"])) for e in entries) == -Decimal(str(invoice["total_total"]))
    postings = live.world.books.journal_entries(2)
    assert sum(Decimal(str(p["amountBaseCurrency"])) for p in postings) == 0  # the voucher balances
    assert {p["accountNumber"] for p in postings if p["side"] == "contra"} == {1210}

    assert live.hub.drain()  # the voucher shows before the transfer's follow-up steps are done
    again = live.hub.transfer("live", "supplier-invoice", str(invoice["number"]))
    assert again.outcome == "already"


def test_the_safety_net_scan_catches_what_a_lost_webhook_missed(live: Live) -> None:
    live.world.rackbeat_app.webhooks.pause()
    # Rackbeat stamps changes to the second; the scan sees changes made after the second we synced in.
    time.sleep(1.1)
    customer = live.world.ops.records("customers")[3]
    live.rackbeat.update("customers", customer["number"], {"name": "Fundet Af Scan ApS"})
    assert live.hub.scan("live") == 1  # only the changed record: the rest was synced and is unchanged
    assert live.hub.drain()
    assert live.economic.get(f"customers/{customer['number']}")["name"] == "Fundet Af Scan ApS"


def test_inventory_value_is_posted_once_per_period_even_after_downtime(world: World) -> None:
    settings = {
        **LIVE_SETTINGS,
        "inventory_value": {
            "enabled": True,
            "frequency": "daily",
            "day_book": 3,
            "inventory_account": 5510,
            "offset_account": 1250,
        },
    }
    with open_live(world, "stock", settings) as live:
        product = world.ops.records("products")[0]["number"]
        day0 = datetime.now(UTC).replace(hour=12) - timedelta(days=5)
        world.ops.adjust_stock(
            product, Decimal("10"), unit_cost=Decimal("20.00"), at=day0 - timedelta(days=1)
        )
        assert any("starting point" in line for line in live.hub.periodic_all(day0))
        world.ops.adjust_stock(
            product, Decimal("5"), unit_cost=Decimal("20.00"), at=day0 + timedelta(hours=1)
        )
        world.ops.adjust_stock(product, Decimal("-3"), at=day0 + timedelta(days=2, hours=1))
        # Down for four days: each closed day is posted once on return, changes only.
        done = live.hub.periodic_all(day0 + timedelta(days=4))
        assert live.hub.periodic_all(day0 + timedelta(days=4)) == []
        vouchers = [e for e in world.books.journal_entries(3) if e["accountNumber"] == 5510]
        amounts = sorted(Decimal(str(e["amount"])) for e in vouchers)
        assert amounts == [Decimal("-60.00"), Decimal("100.00")], done
        assert sum(Decimal(str(e["amountBaseCurrency"])) for e in world.books.journal_entries(3)) == 0


def test_killed_mid_transfer_and_restarted_makes_one_invoice(world: World) -> None:
    settings = {**LIVE_SETTINGS}
    world.service.add_integration("cli", "rackbeat-economic", world.connection(**settings))
    assert world.service.run_startup("cli").ok
    rackbeat = RackbeatClient(world.rackbeat_url, RACKBEAT_TOKEN)
    economic = EconomicClient(world.economic_url, "app-secret", "grant")
    invoice = book_one_line_invoice(rackbeat, world.ops)
    env = {
        **os.environ,
        "LEDGERBRIDGE_HOME": str(world.config.home),
        "LEDGERBRIDGE_DATABASE_URL": world.config.database_url,
    }
    command = [sys.executable, "-m", "ledgerbridge", "transfer", "cli", "invoice", str(invoice["number"])]

    # Booking is slow: the process is killed while its booking call is in flight (the draft exists).
    world.economic_app.kit.plan.path_pattern = r"^/invoices/booked$"
    world.economic_app.kit.plan.latency_ms = 3000
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # A fresh CLI process: slow to start on a busy machine.
    wait_for(lambda: list(economic.iter_collection("invoices/drafts")), timeout=90, what="the draft")
    time.sleep(0.3)
    assert process.poll() is None, "the transfer finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    world.economic_app.kit.plan.latency_ms = 0

    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert f"Already transferred as e-conomic invoice {invoice['number']}" in again.stdout
    booked = [
        b
        for b in economic.iter_collection("invoices/booked")
        if b["customer"]["customerNumber"] == invoice["customer_id"]
    ]
    assert len(booked) == 1 and list(economic.iter_collection("invoices/drafts")) == []
    rackbeat.close()
    economic.close()


def _find(client: EconomicClient, path: str) -> dict[str, Any] | None:
    from ledgerbridge.systems.errors import NotFoundError

    try:
        return client.get(path)
    except NotFoundError:
        return None


def test_out_of_order_and_repeated_deliveries_end_in_rackbeats_current_state(live: Live) -> None:
    live.world.rackbeat_app.webhooks.configure(out_of_order=True, duplicate_rate=0.5, seed=7)
    customer = live.world.ops.records("customers")[5]["number"]
    for name in ("Første Navn ApS", "Andet Navn ApS", "Sidste Navn ApS"):
        live.rackbeat.update("customers", customer, {"name": name})
    live.world.rackbeat_app.webhooks.flush(10.0)
    assert live.hub.drain()
    # Whatever order the deliveries came in, each reads Rackbeat's current record: the last name wins.
    assert live.economic.get(f"customers/{customer}")["name"] == "Sidste Navn ApS"


def test_faults_in_rackbeat_are_retried_too(live: Live) -> None:
    invoice = live.new_invoice()
    live.world.rackbeat_app.kit.plan.path_pattern = r"^/customer-invoices/\d+$"
    live.world.rackbeat_app.kit.plan.fail_next.extend([503, 502, 500, 503, 503, 503, 503])
    live.rackbeat.book("customer-invoices", invoice["number"])
    wait_for(lambda: [b for b in live.booked() if b["bookedInvoiceNumber"] == invoice["number"]], timeout=30)
    assert live.world.rackbeat_app.kit.plan.fail_next == []  # every injected fault was met and retried


def test_use_actual_cost_price_picks_rackbeats_average_cost(world: World) -> None:
    settings = {**LIVE_SETTINGS, "products": {"use_actual_cost_price": True}}
    with open_live(world, "cost", settings) as live:
        product = world.ops.records("products")[6]["number"]
        world.ops.adjust_stock(product, Decimal("4"), unit_cost=Decimal("31.25"))
        actual = Decimal(str(world.ops.get("products", product)["cost_price"]))
        live.rackbeat.update("products", product, {"name": "Omdøbt vare"})
        path = EconomicClient.product_path(str(product))
        wait_for(lambda: live.economic.get(path)["name"] == "Omdøbt vare", what="the product update")
        assert Decimal(str(live.economic.get(path)["costPrice"])) == round(actual, 2)
        assert actual != Decimal(str(world.ops.get("products", product)["recommended_cost_price"] or 0))


def test_contact_persons_and_delivery_addresses_follow_the_customer(live: Live) -> None:
    customer = live.world.ops.records("customers")[7]["number"]
    live.rackbeat.create_sub(
        "customers", customer, "contacts", {"name": "Jette Hansen", "contact_email": "jette@kunde.dk"}
    )
    live.rackbeat.create_sub(
        "customers",
        customer,
        "addresses",
        {
            "type": "delivery",
            "name": "Lager",
            "street": "Industrivej 4",
            "zipcode": "7400",
            "city": "Herning",
            "country": "Danmark",
        },
    )
    contacts = wait_for(
        lambda: [
            c
            for c in live.economic.iter_collection(f"customers/{customer}/contacts")
            if c["name"] == "Jette Hansen"
        ],
        what="the contact person",
    )
    assert contacts[0]["email"] == "jette@kunde.dk"
    places = wait_for(
        lambda: list(live.economic.iter_collection(f"customers/{customer}/delivery-locations")),
        what="the delivery address",
    )
    assert places[0]["address"] == "Industrivej 4" and places[0]["city"] == "Herning"


def test_layout_mapping_chooses_the_economic_layout(world: World) -> None:
    # "Layouts": e-conomic layout 21 ("Standard engelsk") matches Rackbeat layout 901 (made in Rackbeat).
    settings = {**LIVE_SETTINGS, "layouts": {"21": 901}}
    with open_live(world, "layouts", settings) as live:
        live.rackbeat.create("layouts", {"number": 901, "name": "Rackbeat-faktura"})
        invoice = live.book(live.new_invoice(layout_id=901))
        [booked] = wait_for(
            lambda: [b for b in live.booked() if b["bookedInvoiceNumber"] == invoice["number"]]
        )
        assert booked["layout"]["layoutNumber"] == 21


def test_one_stop_vat_gives_eu_private_customers_their_countrys_vat_zone(world: World) -> None:
    # The bookkeeper has set up an OSS VAT zone for Germany in e-conomic (e-conomic has no OSS field).
    world.books.add_vat_zone({"vatZoneNumber": 17, "name": "Tyskland (OSS)", "enabledForCustomer": True})
    settings = {
        **LIVE_SETTINGS,
        "customer_invoices": {
            **LIVE_SETTINGS["customer_invoices"],
            "one_stop_vat": True,
            "one_stop_vat_zones": {"Tyskland": 17},
        },
    }
    with open_live(world, "oss", settings) as live:
        group = world.ops.records("customer-groups")[0]["number"]
        terms = world.ops.records("payment-terms")[0]["number"]
        common = {
            "customer_group_id": group,
            "payment_terms_id": terms,
            "vat_zone": "eu",
            "currency": "DKK",
            "address_country": "Tyskland",
        }
        live.rackbeat.create("customers", {"number": 91001, "name": "Privat Kunde", **common})
        live.rackbeat.create(
            "customers", {"number": 91002, "name": "Firma GmbH", "company_vat": "DE123456789", **common}
        )
        private = wait_for(lambda: _find(live.economic, "customers/91001"), what="the private customer")
        business = wait_for(lambda: _find(live.economic, "customers/91002"), what="the business customer")
        assert private["vatZone"]["vatZoneNumber"] == 17
        assert business["vatZone"]["vatZoneNumber"] == 2  # B2B in the EU: the EU zone (reverse charge)

        # Rackbeat charges the buyer country's rate (19 % in Germany), as does the OSS zone in e-conomic:
        # the totals agree, so it is booked (issue 11: a 0 % line there would stay a draft).
        product = world.ops.records("products")[0]
        oss_line = {"child_id": product["number"], "name": "Vare", "quantity": 2, "line_price": "50.00"}
        invoice = live.book(live.new_invoice(customer_id=91001, lines=[{**oss_line, "vat_percentage": 19}]))
        [booked] = wait_for(
            lambda: [b for b in live.booked() if b["bookedInvoiceNumber"] == invoice["number"]]
        )
        assert booked["recipient"]["vatZone"]["vatZoneNumber"] == 17
        assert Decimal(str(booked["vatAmount"])) == Decimal(str(invoice["total_vat"])) == Decimal(19)

        live.rackbeat.create(
            "customers", {"number": 91003, "name": "Privat i Sverige", **common, "address_country": "Sverige"}
        )
        wait_for(
            lambda: [e for e in world.service.errors("oss") if e.record_key == "91003"], what="the error"
        )
        [entry] = [e for e in world.service.errors("oss") if e.record_key == "91003"]
        assert "add that country's e-conomic VAT zone" in entry.message


def test_a_bom_made_in_rackbeat_becomes_an_economic_product(live: Live) -> None:
    parts = [p["number"] for p in live.world.ops.records("products")[:2]]
    group = live.world.ops.records("product-groups")[0]["number"]
    unit = live.world.ops.records("units")[0]["number"]
    live.rackbeat.create(
        "lots",
        {
            "number": "KIT-100",
            "name": "Monteringssæt",
            "group": group,
            "unit_id": unit,
            "sales_price": "249.00",
            "lines": [{"product_id": parts[0], "quantity": 2}, {"product_id": parts[1], "quantity": 1}],
        },
    )
    path = EconomicClient.product_path("KIT-100")
    product = wait_for(lambda: _find(live.economic, path), what="the BOM as an e-conomic product")
    assert product["name"] == "Monteringssæt"
    assert Decimal(str(product["salesPrice"])) == Decimal("249.00")
    assert product["productGroup"]["productGroupNumber"] == group
