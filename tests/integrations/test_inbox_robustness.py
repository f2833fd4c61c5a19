"""Nothing blocks (issue 10 §1), through `serve`'s HTTP interface: deliveries of the wrong shape are refused
when they arrive, an item whose processing raises is settled and logged while the rest goes on, one
integration's trouble does not hold up another's, and /healthz says how long the oldest item has waited."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from ledgerbridge.engine.inbox import Inbox
from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.runtime.threads import InboxWorker
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.store.models import InboxItem
from ledgerbridge.systems import economic
from ledgerbridge.systems.economic import EconomicClient
from ledgerbridge.systems.rackbeat import RackbeatClient
from ledgerbridge.web.app import create_app
from tests.integrations.conftest import RACKBEAT_TOKEN, World
from tests.integrations.test_realtime import LIVE_SETTINGS, Live, wait_for
from tests.support import book_one_line_invoice


@contextmanager
def serving(world: World, names: list[str], **hub_options: Any) -> Iterator[Live]:
    """`serve` in-process for the integrations ``names`` (already added), webhooks subscribed."""
    world.rackbeat_app.webhooks.configure(retry_base_seconds=0.05)
    hub = RealtimeHub(world.service, **hub_options)
    worker = InboxWorker(hub, poll_seconds=0.2)
    economic_client = EconomicClient(world.economic_url, "app-secret", "grant")
    rackbeat = RackbeatClient(world.rackbeat_url, RACKBEAT_TOKEN)
    with SandboxServer(create_app(hub, worker)) as server:
        for name in names:
            hub.register_webhooks(name, server.base_url)
        worker.start()
        try:
            yield Live(world, hub, worker, server.base_url, rackbeat, economic_client)
        finally:
            worker.stop()
            worker.join(5)
            hub.close()
            economic_client.close()
            rackbeat.close()


@pytest.fixture
def live(world: World) -> Iterator[Live]:
    world.service.add_integration("live", "rackbeat-economic", world.connection(**LIVE_SETTINGS))
    assert world.service.run_startup("live").ok
    with serving(world, ["live"]) as opened:
        yield opened


def deliver(live: Live, event: str, body: Any, *, name: str = "live") -> httpx.Response:
    """A delivery with a valid token, as Rackbeat would send it, but with any body."""
    hooks = live.world.rackbeat_app.webhooks
    subscription = next(s for s in hooks.subscriptions(event) if s["url"].endswith(f"/{name}"))
    headers = {"Rackbeat-Webhook-Token": hooks.token_of(subscription["id"]), "Rackbeat-Webhook-Event": event}
    return httpx.post(f"{live.url}/webhooks/rackbeat/{name}", json=body, headers=headers, timeout=10)


def booked_in_economic(live: Live, number: int) -> bool:
    return any(b["bookedInvoiceNumber"] == number for b in live.booked())


def test_a_delivery_of_the_wrong_shape_is_refused_with_the_reason(live: Live) -> None:
    before = Inbox(live.world.service.store).count()
    refused = {
        ("customer.updated", '{"key": {"a": 1}}'): deliver(live, "customer.updated", {"key": {"a": 1}}),
        ("customer.updated", '{"key": "12a"}'): deliver(live, "customer.updated", {"key": "12a"}),
        ("customer_invoice.booked", '{"key": 0}'): deliver(live, "customer_invoice.booked", {"key": 0}),
        ("product.updated", '{"key": ""}'): deliver(live, "product.updated", {"key": ""}),
        ("customer.updated", "[1]"): deliver(live, "customer.updated", [1]),
    }
    assert {k: (r.status_code, r.json()["detail"]) for k, r in refused.items()} == {
        ("customer.updated", '{"key": {"a": 1}}'): (
            400,
            "customer.updated: key must be a whole number, not dict",
        ),
        ("customer.updated", '{"key": "12a"}'): (
            400,
            "customer.updated: key must be a whole number, not '12a'",
        ),
        ("customer_invoice.booked", '{"key": 0}'): (
            400,
            "customer_invoice.booked: key must be between 1 and 2147483647",
        ),
        ("product.updated", '{"key": ""}'): (400, "product.updated: key must be 1 to 25 characters"),
        ("customer.updated", "[1]"): (
            400,
            'the body must be a JSON object like {"key_name": "number", "key": "12"}',
        ),
    }
    assert Inbox(live.world.service.store).count() == before  # nothing refused was stored

    # Well-formed deliveries of both key types are taken in (a product's number is text).
    customer = live.world.ops.records("customers")[0]["number"]
    product = live.world.ops.records("products")[0]["number"]
    assert deliver(live, "customer.updated", {"key_name": "number", "key": str(customer)}).status_code == 200
    assert deliver(live, "product.updated", {"key_name": "number", "key": str(product)}).status_code == 200
    assert live.hub.drain()
    health = httpx.get(f"{live.url}/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"


def test_an_item_whose_processing_raises_is_settled_logged_and_holds_nothing_up(live: Live) -> None:
    # The delivery of issue 10, stored by a version that took any body: processing it raises ValueError.
    store = live.world.service.store
    integration_id, _ = live.hub.session("live")
    bad, _ = Inbox(store).put(
        integration_id, source="rackbeat", event="customer.updated", record_key="{'a': 1}", payload=None
    )
    invoice = book_one_line_invoice(
        live.rackbeat, live.world.ops, webhooks=True
    )  # its webhook arrives after the bad one
    wait_for(lambda: booked_in_economic(live, invoice["number"]), what="the later invoice in e-conomic")

    with store.session() as db:
        item = db.get(InboxItem, bad)
        assert item is not None and item.state == "failed" and item.error is not None
        assert item.error.startswith("failed: ValueError")
    [entry] = [e for e in live.world.service.errors("live") if e.operation == "inbox"]
    assert entry.entity == "customer.updated" and entry.record_key == "{'a': 1}"
    assert entry.message.startswith(
        f"delivery #{bad} (customer.updated {{'a': 1}}, via webhook) could not be"
    )
    assert "ValueError" in entry.message
    # The invoice's own item settles just after the invoice shows in e-conomic: nothing stays pending.
    wait_for(lambda: httpx.get(f"{live.url}/healthz").json()["inbox_pending"] == 0, what="an empty inbox")

    # Retryable: run again, it fails again for the same reason, and the entry stays open (not resolved).
    [(entry_id, outcome)] = [r for r in live.hub.retry("live") if r[0] == entry.id]
    assert outcome.startswith("failed: ValueError")
    assert [e.id for e in live.world.service.errors("live") if e.operation == "inbox"] == [entry_id]


def test_one_integrations_slow_ledger_does_not_hold_up_another(world: World) -> None:
    # A second company on an e-conomic that answers every call after 1.5 s.
    slow_books = economic.EconomicState()
    economic.seed_demo(slow_books, customers=40, products=80, suppliers=10)
    slow_app = economic.create_app(slow_books)
    slow_app.kit.plan.latency_ms = 1500
    world.service.add_integration("live", "rackbeat-economic", world.connection(**LIVE_SETTINGS))
    assert world.service.run_startup("live").ok
    with SandboxServer(slow_app) as slow:
        connection = world.connection(**LIVE_SETTINGS)
        connection["economic"]["base_url"] = slow.base_url
        world.service.add_integration("slow", "rackbeat-economic", connection)
        with serving(world, ["slow", "live"]) as live:
            # Both integrations get every invoice; the slow one takes many seconds per invoice.
            first = book_one_line_invoice(live.rackbeat, live.world.ops, webhooks=True)
            wait_for(lambda: booked_in_economic(live, first["number"]), timeout=20, what="the first invoice")
            started = time.monotonic()
            second = book_one_line_invoice(live.rackbeat, live.world.ops, webhooks=True)
            wait_for(
                lambda: booked_in_economic(live, second["number"]), timeout=20, what="the second invoice"
            )
            elapsed = time.monotonic() - started
            slow_pending = live.hub.inbox.count(integration_id=live.hub.session("slow")[0])
            print(f"2nd invoice in the fast ledger after {elapsed:.2f} s; {slow_pending} pending in the slow")
            assert slow_pending >= 1  # the slow company is still at work...
            assert (
                elapsed < 6
            )  # ...and the fast one did not wait behind it (one slow item alone takes longer)
            slow_app.kit.plan.latency_ms = 0


def test_healthz_reports_the_oldest_pending_item_and_turns_unhealthy_past_the_threshold(world: World) -> None:
    world.service.add_integration("live", "rackbeat-economic", world.connection(**LIVE_SETTINGS))
    assert world.service.run_startup("live").ok
    with serving(world, ["live"], unhealthy_after=1.0) as live:
        healthy = httpx.get(f"{live.url}/healthz")
        assert healthy.status_code == 200 and healthy.json()["integrations"] == {}

        # e-conomic is down: the invoice waits in the inbox, retried with back-off.
        world.economic_app.kit.plan.error_rate = 1.0
        invoice = book_one_line_invoice(live.rackbeat, live.world.ops, webhooks=True)
        wait_for(lambda: live.hub.inbox.count() == 1, what="the invoice in the inbox")
        time.sleep(1.2)
        stuck = httpx.get(f"{live.url}/healthz")
        report = stuck.json()
        assert stuck.status_code == 503 and report["status"] == "unhealthy" and report["stuck"] == ["live"]
        assert report["integrations"]["live"]["pending"] == 1
        assert report["integrations"]["live"]["oldest_pending_seconds"] > 1.0
        assert report["unhealthy_after_seconds"] == 1.0

        world.economic_app.kit.plan.error_rate = 0.0  # back up: it drains and health returns
        wait_for(lambda: booked_in_economic(live, invoice["number"]), timeout=30, what="the invoice")
        wait_for(lambda: httpx.get(f"{live.url}/healthz").status_code == 200, what="healthy again")


def test_invoices_of_one_new_customer_worked_side_by_side_create_the_customer_once(live: Live) -> None:
    group = live.world.ops.records("customer-groups")[0]["number"]
    terms = live.world.ops.records("payment-terms")[0]["number"]
    # A customer Rackbeat does not announce (webhooks suppressed): the invoices are the first to need it.
    live.rackbeat.create(
        "customers",
        {
            "number": 90077,
            "name": "Samtidig Kunde ApS",
            "customer_group_id": group,
            "payment_terms_id": terms,
            "vat_zone": "domestic",
            "currency": "DKK",
        },
        suppress_webhooks=True,
    )
    live.world.rackbeat_app.webhooks.pause()  # the three deliveries arrive together
    drafts = [live.new_invoice(customer_id=90077) for _ in range(3)]
    invoices = [live.rackbeat.book("customer-invoices", draft["number"]) for draft in drafts]
    live.world.rackbeat_app.webhooks.resume()
    numbers = {i["number"] for i in invoices}
    wait_for(
        lambda: numbers <= {b["bookedInvoiceNumber"] for b in live.booked()}, timeout=30, what="3 invoices"
    )
    customers = [c for c in live.economic.iter_collection("customers") if c["customerNumber"] == 90077]
    assert len(customers) == 1 and live.world.service.errors("live") == []
