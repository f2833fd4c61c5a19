"""Rackbeat webhooks in the sandbox: subscriptions, real deliveries to a receiver, retries and switches."""

from __future__ import annotations

import json
import string
import time

import httpx
import pytest

from ledgerbridge.systems.errors import ValidationError
from ledgerbridge.systems.rackbeat import RackbeatClient, RackbeatState
from ledgerbridge.systems.rackbeat.sandbox import RackbeatSandboxApp, webhooks
from ledgerbridge.systems.rackbeat.sandbox.resources import EVENT_NAMES, WEBHOOK_EVENTS

from .conftest import Receiver, seed_basics


def subscribe(raw: httpx.Client, event: str, url: str) -> dict:
    response = raw.post("/webhooks", json={"event": event, "url": url, "is_active": True})
    assert response.status_code in (200, 201), response.text
    return response.json()["webhook"]


# -- subscriptions -----------------------------------------------------------------------------------
def test_subscribe_shows_the_token_once_and_upserts_on_event_and_url(
    raw: httpx.Client, state: RackbeatState
) -> None:
    created = raw.post(
        "/webhooks", json={"event": "customer.created", "url": "https://hooks.example/rb", "is_active": True}
    )
    assert created.status_code == 201
    hook = created.json()["webhook"]
    assert set(hook) == {
        "id",
        "event",
        "url",
        "is_active",
        "plugin",
        "failures_since_last_success",
        "token",
        "created_at",
        "updated_at",
    }
    assert hook["plugin"] is None and hook["failures_since_last_success"] == 0
    assert len(hook["token"]) == 32 and set(hook["token"]) <= set(string.ascii_letters + string.digits)
    # never again outside the POST
    shown = raw.get(f"/webhooks/{hook['id']}").json()["webhook"]
    assert "token" not in shown and shown["url"] == "https://hooks.example/rb"
    assert all("token" not in w for w in raw.get("/webhooks").json()["webhooks"])
    # the same event and url again: the same subscription (200), the same token
    again = raw.post(
        "/webhooks", json={"event": "customer.created", "url": "https://hooks.example/rb", "is_active": False}
    )
    assert again.status_code == 200
    assert again.json()["webhook"]["id"] == hook["id"]
    assert again.json()["webhook"]["token"] == hook["token"]
    assert again.json()["webhook"]["is_active"] is False
    other = raw.post("/webhooks", json={"event": "customer.updated", "url": "https://hooks.example/rb"})
    assert other.status_code == 201 and other.json()["webhook"]["id"] != hook["id"]
    assert other.json()["webhook"]["is_active"] is True  # the default


def test_list_filter_update_and_delete(raw: httpx.Client, state: RackbeatState) -> None:
    first = subscribe(raw, "product.created", "https://a.example/1")
    subscribe(raw, "product.updated", "https://a.example/1")
    listed = raw.get("/webhooks", params={"event": "product.created"})
    assert listed.status_code == 206
    assert [w["id"] for w in listed.json()["webhooks"]] == [first["id"]]
    assert raw.get("/webhooks").json()["total"] == 2
    changed = raw.put(f"/webhooks/{first['id']}", json={"is_active": False, "url": "https://b.example/2"})
    assert changed.status_code == 200
    assert changed.json()["webhook"]["is_active"] is False
    assert changed.json()["webhook"]["url"] == "https://b.example/2"
    clash = raw.put(
        f"/webhooks/{first['id']}", json={"event": "product.updated", "url": "https://a.example/1"}
    )
    assert clash.status_code == 422 and "url" in clash.json()["errors"]
    assert raw.delete(f"/webhooks/{first['id']}").json() == {}
    assert raw.get(f"/webhooks/{first['id']}").status_code == 404
    assert raw.get("/webhooks/nope").status_code == 404


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"event": ["The event field is required."], "url": ["The url field is required."]}),
        (
            {"event": "orders.created", "url": "https://x.example"},
            {"event": ["The selected event is invalid."]},
        ),
        ({"event": "customer.created", "url": "ftp://x"}, {"url": ["The url field must be a valid URL."]}),
        (
            {"event": "customer.created", "url": "https://x.example", "is_active": "yes"},
            {"is_active": ["The is active field must be true or false."]},
        ),
    ],
)
def test_subscription_validation(raw: httpx.Client, state: RackbeatState, body: dict, errors: dict) -> None:
    response = raw.post("/webhooks", json=body)
    assert response.status_code == 422
    assert response.json() == {"errors": errors}


def test_the_event_table_is_what_the_integration_expects() -> None:
    for prefix in (
        "customer",
        "customer_group",
        "supplier",
        "supplier_group",
        "product",
        "product_group",
        "lot",
        "payment_terms",
        "employee",
        "unit",
    ):
        assert {f"{prefix}.created", f"{prefix}.updated", f"{prefix}.deleted"} <= EVENT_NAMES
    assert {
        "customer_invoice.created",
        "customer_invoice.booked",
        "supplier_invoice.created",
        "supplier_invoice.booked",
        "order.created",
        "order.updated",
        "order.booked",
    } <= EVENT_NAMES
    assert all(resource in (*WEBHOOK_EVENTS,) for resource in ("lots", "customer-invoices"))


# -- delivery ----------------------------------------------------------------------------------------
def test_delivery_has_the_production_headers_and_exact_body(
    raw: httpx.Client, seeded: RackbeatState, hooks: RackbeatSandboxApp, receiver: Receiver
) -> None:
    hook = subscribe(raw, "customer.created", receiver.url("rb/customers"))
    subscribe(raw, "product.created", receiver.url("rb/products"))
    raw.post("/customers", json={"number": 1021, "name": "Hansen ApS", "customer_group_id": 1})
    raw.post("/products", json={"number": "AB/1 ø", "name": "Bolt", "group": 1, "sales_price": 1})
    assert hooks.webhooks.flush(5)
    first, second = receiver.requests
    assert first.path == "/rb/customers"
    assert first.headers["rackbeat-webhook-token"] == hook["token"]
    assert first.headers["rackbeat-webhook-event"] == "customer.created"
    assert first.headers["rackbeat-account-id"] == str(seeded.account_id)
    assert first.headers["user-agent"] == "Rackbeat Webhook"
    assert first.headers["content-type"] == "application/json"
    assert first.body == b'{"key_name":"number","key":"1021"}'
    assert json.loads(first.body) == {"key_name": "number", "key": "1021"}
    # PHP's json_encode: "/" escaped, non-ASCII as \\u escapes; any JSON parser reads the number back
    assert second.body == b'{"key_name":"number","key":"AB\\/1 \\u00f8"}'
    assert json.loads(second.body) == {"key_name": "number", "key": "AB/1 ø"}


def test_deliveries_never_hold_up_the_api(
    raw: httpx.Client, seeded: RackbeatState, hooks: RackbeatSandboxApp, receiver: Receiver
) -> None:
    receiver.delay = 0.5
    subscribe(raw, "unit.created", receiver.url())
    started = time.monotonic()
    assert raw.post("/units", json={"number": 5, "name": "box"}).status_code == 201
    assert raw.post("/units", json={"number": 6, "name": "crate"}).status_code == 201
    assert time.monotonic() - started < 0.4  # the receiver takes 0.5 s per delivery
    assert hooks.webhooks.flush(5)
    assert receiver.keys() == ["5", "6"]


def test_writes_fire_created_updated_deleted_and_a_no_op_fires_nothing(
    raw: httpx.Client, seeded: RackbeatState, hooks: RackbeatSandboxApp, receiver: Receiver
) -> None:
    for action in ("created", "updated", "deleted"):
        subscribe(raw, f"customer.{action}", receiver.url())
    raw.post("/customers", json={"number": 7, "name": "A", "customer_group_id": 1})
    raw.put("/customers/7", json={"name": "A"})  # nothing changes: Eloquent fires no "updated"
    raw.put("/customers/7", json={"name": "B"})
    raw.put("/customers/7", json={"number": 8})  # renumbered: the event carries the new number
    raw.delete("/customers/8")
    assert hooks.webhooks.flush(5)
    assert receiver.events() == [
        ("customer.created", "7"),
        ("customer.updated", "7"),
        ("customer.updated", "8"),
        ("customer.deleted", "8"),
    ]


@pytest.mark.parametrize(
    ("resource", "body", "key", "prefix"),
    [
        ("customer-groups", {"number": 5, "name": "G"}, 5, "customer_group"),
        ("supplier-groups", {"number": 5, "name": "G"}, 5, "supplier_group"),
        ("product-groups", {"number": 5, "name": "G", "has_inventory": True}, 5, "product_group"),
        ("units", {"number": 5, "name": "kg"}, 5, "unit"),
        ("employees", {"number": 5, "name": "Bo"}, 5, "employee"),
        (
            "payment-terms",
            {"number": 5, "name": "Net", "type": "net", "maturity_days": 5},
            5,
            "payment_terms",
        ),
        ("suppliers", {"number": 5, "name": "S", "supplier_group_id": 1}, 5, "supplier"),
        ("products", {"number": "P-5", "name": "P", "group": 1, "sales_price": 2}, "P-5", "product"),
        (
            "lots",
            {"number": "L-5", "name": "Kit", "lines": [{"product_id": "P-1", "quantity": 2}]},
            "L-5",
            "lot",
        ),
    ],
)
def test_each_resource_fires_its_own_events(
    client: RackbeatClient,
    seeded: RackbeatState,
    hooks: RackbeatSandboxApp,
    receiver: Receiver,
    resource: str,
    body: dict,
    key: int | str,
    prefix: str,
) -> None:
    seeded.add("products", {"number": "P-1", "name": "Part", "group": 1, "sales_price": 1})
    for action in ("created", "updated", "deleted"):
        client.subscribe_webhook(f"{prefix}.{action}", receiver.url())
    client.create(resource, body)
    client.update(resource, key, {"name": "Renamed"})
    client.delete(resource, key)
    assert hooks.webhooks.flush(5)
    assert receiver.events() == [(f"{prefix}.{a}", str(key)) for a in ("created", "updated", "deleted")]


def test_suppress_webhooks_sends_nothing(
    client: RackbeatClient,
    raw: httpx.Client,
    seeded: RackbeatState,
    hooks: RackbeatSandboxApp,
    receiver: Receiver,
) -> None:
    for action in ("created", "updated", "deleted"):
        client.subscribe_webhook(f"customer.{action}", receiver.url())
    client.subscribe_webhook("customer_invoice.created", receiver.url())
    client.subscribe_webhook("customer_invoice.booked", receiver.url())
    client.create("customers", {"number": 9, "name": "Quiet", "customer_group_id": 1}, suppress_webhooks=True)
    raw.put("/customers/9", json={"name": "Still quiet", "suppress_webhooks": True})
    raw.put("/customers/9?suppress_webhooks=1", json={"name": "Shh"})
    raw.post("/customers/9/contacts?suppress_webhooks=true", json={"name": "Bo"})
    invoice = raw.post(
        "/customer-invoices",
        json={"customer_id": 9, "suppress_webhooks": True, "lines": [{"name": "x", "quantity": 1}]},
    ).json()["customer_invoice"]
    client.book("customer-invoices", invoice["number"], {"suppress_webhooks": True})
    assert hooks.webhooks.flush(5)
    assert receiver.requests == [] and hooks.webhooks.deliveries == []


def test_python_writes_are_quiet_unless_they_act_as_a_user(
    seeded: RackbeatState, hooks: RackbeatSandboxApp, receiver: Receiver, raw: httpx.Client
) -> None:
    subscribe(raw, "customer.created", receiver.url())
    subscribe(raw, "customer.updated", receiver.url())
    subscribe(raw, "order.created", receiver.url())
    seeded.add("customers", {"number": 3, "name": "Seeded", "customer_group_id": 1})
    seeded.update("customers", 3, {"name": "Seeded again"})
    seeded.update("customers", 3, {"name": "Edited in the UI"}, emit=True)
    seeded.create("customers", {"number": 4, "name": "Made in the UI", "customer_group_id": 1}, emit=True)
    seeded.emit("order.created", 77)  # fires without any such record
    assert hooks.webhooks.flush(5)
    assert receiver.events() == [
        ("customer.updated", "3"),
        ("customer.created", "4"),
        ("order.created", "77"),
    ]
    with pytest.raises(ValueError):
        seeded.emit("no.such_event", 1)


def test_a_failing_receiver_is_retried_with_backoff_until_it_succeeds(
    client: RackbeatClient, seeded: RackbeatState, hooks: RackbeatSandboxApp, receiver: Receiver
) -> None:
    hooks.webhooks.configure(retry_base_seconds=0.1, max_attempts=5)
    hook = client.subscribe_webhook("customer.created", receiver.url())
    receiver.fail_next = [500, 503]
    client.create("customers", {"number": 12, "name": "Retry", "customer_group_id": 1})
    assert hooks.webhooks.flush(5)
    arrivals = [r.at for r in receiver.requests]
    assert len(arrivals) == 3
    assert all(r.body == receiver.requests[0].body for r in receiver.requests)
    # exponential: base, then 2 × base (with a little slack for the clock's resolution)
    assert arrivals[1] - arrivals[0] >= 0.09
    assert arrivals[2] - arrivals[1] >= 0.19
    [entry] = client.webhook_logs(hook["id"])
    assert (entry["status"], entry["attempts"], entry["response_code"]) == ("succeeded", 3, 200)
    assert entry["delivered_at"] is not None and entry["next_attempt_at"] is None
    assert client.get("webhooks", hook["id"])["failures_since_last_success"] == 0


def test_failures_since_last_success_counts_until_a_delivery_succeeds(
    client: RackbeatClient, seeded: RackbeatState, hooks: RackbeatSandboxApp, receiver: Receiver
) -> None:
    hooks.webhooks.configure(retry_base_seconds=0.01, max_attempts=3)
    hook = client.subscribe_webhook("unit.created", receiver.url())
    receiver.status = 500
    client.create("units", {"number": 2, "name": "box"})
    assert hooks.webhooks.flush(5)
    assert len(receiver.requests) == 3  # max_attempts, then it gives up
    assert client.get("webhooks", hook["id"])["failures_since_last_success"] == 3
    [failed] = client.webhook_logs(hook["id"])
    assert (failed["status"], failed["attempts"], failed["response_code"]) == ("failed", 3, 500)
    assert failed["response_body"] == "nope"
    receiver.status = 204
    client.create("units", {"number": 3, "name": "crate"})
    assert hooks.webhooks.flush(5)
    assert client.get("webhooks", hook["id"])["failures_since_last_success"] == 0
    assert [e["status"] for e in client.webhook_logs(hook["id"])] == ["failed", "succeeded"]


def test_unreachable_and_slow_receivers_are_failures_with_an_error(
    client: RackbeatClient, seeded: RackbeatState, hooks: RackbeatSandboxApp, receiver: Receiver
) -> None:
    assert (hooks.webhooks.config.connect_timeout, hooks.webhooks.config.read_timeout) == (3.0, 15.0)
    hooks.webhooks.configure(max_attempts=1, read_timeout=0.2)
    closed = client.subscribe_webhook("unit.created", "http://127.0.0.1:9/closed")
    slow = client.subscribe_webhook("unit.created", receiver.url("slow"))
    receiver.delay = 1.0
    client.create("units", {"number": 4, "name": "pallet"})
    assert hooks.webhooks.flush(5)
    [refused] = client.webhook_logs(closed["id"])
    assert refused["status"] == "failed" and refused["response_code"] is None
    assert refused["error"].startswith("ConnectError")
    [timed_out] = client.webhook_logs(slow["id"])
    assert timed_out["status"] == "failed" and timed_out["error"].startswith("ReadTimeout")


def test_duplicate_rate_one_delivers_every_event_twice(
    client: RackbeatClient, seeded: RackbeatState, hooks: RackbeatSandboxApp, receiver: Receiver
) -> None:
    hooks.webhooks.configure(duplicate_rate=1.0)
    hook = client.subscribe_webhook("unit.created", receiver.url())
    client.create("units", {"number": 2, "name": "box"})
    client.create("units", {"number": 3, "name": "crate"})
    assert hooks.webhooks.flush(5)
    assert receiver.keys() == ["2", "2", "3", "3"]
    logs = client.webhook_logs(hook["id"])
    assert [e["is_duplicate"] for e in logs] == [False, True, False, True]


def test_fifo_by_default_and_out_of_order_shuffles(
    client: RackbeatClient, seeded: RackbeatState, hooks: RackbeatSandboxApp, receiver: Receiver
) -> None:
    client.subscribe_webhook("unit.created", receiver.url())
    numbers = [str(n) for n in range(10, 22)]
    hooks.webhooks.pause()
    for number in numbers:
        client.create("units", {"number": int(number), "name": f"u{number}"})
    assert hooks.webhooks.pending == len(numbers) and receiver.requests == []
    hooks.webhooks.resume()
    assert hooks.webhooks.flush(5)
    assert receiver.keys() == numbers  # FIFO

    receiver.reset()
    hooks.webhooks.configure(out_of_order=True, seed=7, out_of_order_hold_seconds=0.05)
    client.subscribe_webhook("unit.updated", receiver.url())
    hooks.webhooks.pause()
    for number in numbers:
        client.update("units", int(number), {"name": f"renamed {number}"})
    hooks.webhooks.resume()
    assert hooks.webhooks.flush(5)
    received = receiver.keys()
    assert sorted(received) == sorted(numbers) and received != numbers


def test_paused_deliveries_wait_and_flush_says_so(
    client: RackbeatClient, seeded: RackbeatState, hooks: RackbeatSandboxApp, receiver: Receiver
) -> None:
    client.subscribe_webhook("unit.created", receiver.url())
    hooks.webhooks.pause()
    client.create("units", {"number": 2, "name": "box"})
    started = time.monotonic()
    assert hooks.webhooks.flush(timeout=2) is False
    assert time.monotonic() - started < 1  # nothing would drain the queue: no point waiting
    assert [d.status for d in hooks.webhooks.deliveries] == ["pending"]
    hooks.webhooks.resume()
    assert hooks.webhooks.flush(5) is True
    assert [d.status for d in hooks.webhooks.deliveries] == ["succeeded"] and receiver.keys() == ["2"]


def test_deleting_or_disabling_a_subscription_cancels_its_queued_deliveries(
    client: RackbeatClient,
    raw: httpx.Client,
    seeded: RackbeatState,
    hooks: RackbeatSandboxApp,
    receiver: Receiver,
) -> None:
    gone = client.subscribe_webhook("unit.created", receiver.url("gone"))
    off = client.subscribe_webhook("unit.created", receiver.url("off"))
    hooks.webhooks.pause()
    client.create("units", {"number": 2, "name": "box"})
    client.delete_webhook(gone["id"])
    raw.put(f"/webhooks/{off['id']}", json={"is_active": False})
    hooks.webhooks.resume()
    assert hooks.webhooks.flush(5)
    assert receiver.requests == []
    assert [d.status for d in hooks.webhooks.deliveries] == ["cancelled", "cancelled"]
    client.create("units", {"number": 3, "name": "crate"})  # inactive: nothing is queued at all
    assert len(hooks.webhooks.deliveries) == 2


def test_logs_are_a_206_list_and_single_entries(
    raw: httpx.Client, seeded: RackbeatState, hooks: RackbeatSandboxApp, receiver: Receiver
) -> None:
    hook = subscribe(raw, "unit.created", receiver.url())
    raw.post("/units", json={"number": 2, "name": "box"})
    raw.post("/units", json={"number": 3, "name": "crate"})
    assert hooks.webhooks.flush(5)
    response = raw.get(f"/webhooks/{hook['id']}/logs", params={"order_direction": "desc"})
    assert response.status_code == 206
    body = response.json()
    assert body["total"] == 2 and [e["payload"]["key"] for e in body["webhook_logs"]] == ["3", "2"]
    entry = body["webhook_logs"][0]
    assert {
        "id",
        "webhook_id",
        "event",
        "status",
        "attempts",
        "response_code",
        "created_at",
        "last_attempt_at",
        "delivered_at",
    } <= set(entry)
    single = raw.get(f"/webhooks/logs/{entry['id']}").json()["webhook_log"]
    assert single == entry
    assert raw.get("/webhooks/logs/999").status_code == 404
    assert raw.get("/webhooks/999/logs").status_code == 404


def test_control_routes_over_http(
    raw: httpx.Client, seeded: RackbeatState, app: RackbeatSandboxApp, receiver: Receiver
) -> None:
    changed = raw.put(
        "/_sandbox/webhooks",
        json={
            "retry_base_seconds": 0.05,
            "max_attempts": 8,
            "duplicate_rate": 0.0,
            "paused": True,
            "seed": None,
        },
    )
    assert changed.status_code == 200
    assert changed.json()["max_attempts"] == 8 and changed.json()["paused"] is True
    assert app.webhooks.config.retry_base_seconds == 0.05
    subscribe(raw, "employee.updated", receiver.url())
    emitted = raw.post("/_sandbox/webhooks/emit", json={"event": "employee.updated", "key": 1})
    assert emitted.status_code == 200 and len(emitted.json()["deliveries"]) == 1
    assert raw.get("/_sandbox/webhooks").json()["pending"] == 1
    assert raw.post("/_sandbox/webhooks/flush", json={"timeout": 1}).json() == {
        "flushed": False,
        "pending": 1,
    }
    raw.put("/_sandbox/webhooks", json={"paused": False})
    assert raw.post("/_sandbox/webhooks/flush", json={"timeout": 5}).json() == {"flushed": True, "pending": 0}
    [delivery] = raw.get("/_sandbox/webhooks/deliveries").json()
    assert delivery["status"] == "succeeded" and delivery["payload"] == {"key_name": "number", "key": "1"}
    assert raw.delete("/_sandbox/webhooks/deliveries").status_code == 204
    assert raw.get("/_sandbox/webhooks/deliveries").json() == []
    assert raw.put("/_sandbox/webhooks", json={"colour": "blue"}).status_code == 400
    assert raw.put("/_sandbox/webhooks", json={"duplicate_rate": 2}).status_code == 400
    assert raw.post("/_sandbox/webhooks/emit", json={"event": "nope", "key": 1}).status_code == 400
    assert raw.get("/_sandbox/webhooks/nope").status_code == 404


def test_reset_forgets_subscriptions_and_switches(raw: httpx.Client, app: RackbeatSandboxApp) -> None:
    state = app.rackbeat_state
    state.reset()
    seed_basics(state)
    subscribe(raw, "unit.created", "https://x.example/hook")
    app.webhooks.configure(max_attempts=2, paused=True)
    state.reset()
    assert raw.get("/webhooks").json()["webhooks"] == []
    assert app.webhooks.config.max_attempts == 11 and app.webhooks.config.paused is False


def test_client_webhook_helpers(client: RackbeatClient, state: RackbeatState) -> None:
    hook = client.subscribe_webhook("product.updated", "https://x.example/hook")
    assert len(hook["token"]) == 32
    assert client.subscribe_webhook("product.updated", "https://x.example/hook")["id"] == hook["id"]
    assert [w["id"] for w in client.list_webhooks("product.updated")] == [hook["id"]]
    assert client.list_webhooks("product.created") == []
    assert client.webhook_logs(hook["id"]) == []
    with pytest.raises(ValidationError) as caught:
        client.subscribe_webhook("products.updated", "https://x.example/hook")
    assert caught.value.errors == {"event": ["The selected event is invalid."]}
    client.delete_webhook(hook["id"])
    assert client.list_webhooks() == []


def test_a_state_alone_delivers_through_a_given_transport_and_caps_its_log(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    monkeypatch.setattr(webhooks, "LOG_LIMIT", 3)
    state = RackbeatState(webhook_transport=httpx.MockTransport(handler), account_id=42)
    try:
        state.webhooks.subscribe({"event": "unit.created", "url": "https://hooks.example/rb"})
        for number in range(1, 6):
            state.create("units", {"number": number, "name": f"u{number}"}, emit=True)
        assert state.webhooks.flush(5)
        assert [json.loads(r.content)["key"] for r in seen] == ["1", "2", "3", "4", "5"]
        assert {r.headers["rackbeat-account-id"] for r in seen} == {"42"}
        assert [d.key for d in state.webhooks.deliveries] == ["3", "4", "5"]
    finally:
        state.webhooks.close()
