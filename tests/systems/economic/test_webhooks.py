"""Webhooks: registered via the control route or the Webhooks API, delivered to a recording receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.systems.economic import EconomicClient, EconomicState
from ledgerbridge.systems.economic.sandbox import EconomicSandbox

from .builders import call, draft_body
from .conftest import HTTP

WEBHOOKS_API = "/webhooksapi/v1.0.0"


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: str


class Receiver:
    """A tiny web app that records every request; ``fail_next`` answers 500 that many times first."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.fail_next = 0
        self.lock = threading.Lock()
        self.app = Starlette(routes=[Route("/{path:path}", self.endpoint, methods=["GET", "POST"])])

    async def endpoint(self, request: Request) -> PlainTextResponse:
        body = (await request.body()).decode()
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return PlainTextResponse("try later", status_code=500)
            self.received.append(
                Received(
                    request.method,
                    request.url.path,
                    parse_qs(urlsplit(str(request.url)).query),
                    {k.lower(): v for k, v in request.headers.items()},
                    body,
                )
            )
        return PlainTextResponse("ok")

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
            self.fail_next = 0


@pytest.fixture(scope="module")
def receiver_server() -> Iterator[tuple[Receiver, str]]:
    receiver = Receiver()
    with SandboxServer(receiver.app) as served:
        yield receiver, served.base_url


@pytest.fixture
def receiver(receiver_server: tuple[Receiver, str], app: EconomicSandbox) -> Iterator[tuple[Receiver, str]]:
    receiver_server[0].reset()
    delays = app.webhooks.retry_delays
    app.webhooks.retry_delays = (0.01, 0.01, 0.01)
    yield receiver_server
    app.webhooks.retry_delays = delays


def register(base_url: str, **body: Any) -> dict[str, Any]:
    response = HTTP.post(f"{base_url}/_sandbox/webhooks", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_invoice_booked_with_merge_fields(
    base_url: str, app: EconomicSandbox, receiver: tuple[Receiver, str]
) -> None:
    got, url = receiver
    register(base_url, type="InvoiceBooked", url=f"{url}/economic/invoice?no=[INVOICENO]&x=1", method="GET")
    call(base_url, "POST", "/invoices/drafts", json=draft_body())
    booked = call(
        base_url,
        "POST",
        "/invoices/booked",
        json={"draftInvoice": {"draftInvoiceNumber": 1}, "bookWithNumber": 42},
    )
    assert booked.status_code == 201
    assert app.webhooks.flush(5)
    assert [(r.method, r.path, r.query) for r in got.received] == [
        ("GET", "/economic/invoice", {"no": ["42"], "x": ["1"]})
    ]


def test_customer_and_product_updates_from_any_writer(
    base_url: str,
    app: EconomicSandbox,
    state: EconomicState,
    client: EconomicClient,
    receiver: tuple[Receiver, str],
) -> None:
    got, url = receiver
    register(
        base_url,
        type="CustomerUpdated",
        url=f"{url}/customer",
        method="POST",
        body='{"new": "[NEWNUMBER]", "old": "[OLDNUMBER]"}',
        headers={"Content-Type": "application/json", "X-Secret": "s3"},
    )
    register(
        base_url, type="ProductUpdated", url=f"{url}/product?new=[NEWNUMBER]&old=[OLDNUMBER]", method="GET"
    )
    body = {
        "name": "Ny Kunde ApS",
        "currency": "DKK",
        "customerGroup": {"customerGroupNumber": 1},
        "paymentTerms": {"paymentTermsNumber": 1},
        "vatZone": {"vatZoneNumber": 1},
    }
    client.create("customers", body, idempotency_key="c-1")
    client.create("customers", body, idempotency_key="c-1")  # replayed: no second change, no second hook
    client.replace("customers/3", {**body, "city": "Herning"})
    state.update_customer(1, {"city": "Vejle"})  # as a user in e-conomic's UI
    client.delete("customers/3")
    client.create(
        "products", {"productNumber": "A B/1", "name": "Skrue", "productGroup": {"productGroupNumber": 1}}
    )
    assert app.webhooks.flush(5)
    customers = [r for r in got.received if r.path == "/customer"]
    assert [r.body for r in customers] == [
        '{"new": "3", "old": "3"}',
        '{"new": "3", "old": "3"}',
        '{"new": "1", "old": "1"}',
        '{"new": "3", "old": "3"}',
    ]
    assert all(r.method == "POST" and r.headers["x-secret"] == "s3" for r in customers)
    assert customers[0].headers["content-type"] == "application/json"
    products = [r for r in got.received if r.path == "/product"]
    assert [r.query for r in products] == [{"new": ["A B/1"], "old": ["A B/1"]}]


def test_failed_deliveries_are_retried_then_given_up(
    base_url: str, app: EconomicSandbox, state: EconomicState, receiver: tuple[Receiver, str]
) -> None:
    got, url = receiver
    register(base_url, type="CustomerUpdated", url=f"{url}/c?n=[NEWNUMBER]", method="GET")
    got.fail_next = 2
    state.update_customer(1, {"city": "Vejle"})
    assert app.webhooks.flush(5)
    assert len(got.received) == 1
    log = HTTP.get(f"{base_url}/_sandbox/webhooks/deliveries").json()
    assert [(d["attempts"], d["state"], d["status"]) for d in log] == [(3, "delivered", 200)]
    got.fail_next = 100
    state.update_customer(1, {"city": "Kolding"})
    assert app.webhooks.flush(5)
    assert app.webhooks.deliveries[-1].attempts == 4 and app.webhooks.deliveries[-1].state == "failed"
    assert app.webhooks.pending() == 0


def test_control_route(base_url: str, app: EconomicSandbox) -> None:
    assert (
        HTTP.post(
            f"{base_url}/_sandbox/webhooks", json={"type": "OrderCreated", "url": "http://x/"}
        ).status_code
        == 400
    )
    bad_method = {"type": "InvoiceBooked", "url": "http://x/", "method": "PUT"}
    assert HTTP.post(f"{base_url}/_sandbox/webhooks", json=bad_method).status_code == 400
    made = register(base_url, type="InvoiceBooked", url="https://example.invalid/hook?no=[INVOICENO]")
    assert made["method"] == "POST" and made["source"] == "ui"
    assert [w["id"] for w in HTTP.get(f"{base_url}/_sandbox/webhooks").json()] == [made["id"]]
    assert HTTP.delete(f"{base_url}/_sandbox/webhooks").status_code == 204
    assert HTTP.get(f"{base_url}/_sandbox/webhooks").json() == []
    python = app.webhooks.register("ProductUpdated", "https://example.invalid/p", method="get")
    assert python.method == "GET" and app.economic_state.webhook_subscriptions == [python]


def test_webhooks_api(base_url: str, app: EconomicSandbox, receiver: tuple[Receiver, str]) -> None:
    got, url = receiver
    hook = {
        "eventType": "INVOICE_BOOKED",
        "name": "Rackbeat",
        "url": f"{url}/api-hook",
        "contentType": "application/json",
        "postData": '{"invoice": [INVOICENO]}',
        "customHeaders": [{"key": "X-Token", "value": "abc"}],
    }
    created = call(base_url, "POST", f"{WEBHOOKS_API}/webhooks", json=hook)
    assert created.status_code == 201 and created.json() == {"eventType": "INVOICE_BOOKED"}
    again = call(base_url, "POST", f"{WEBHOOKS_API}/webhooks", json=hook)
    assert again.status_code == 400 and again.json()["errorCode"] == "WebhookAlreadyExistsForEventType"
    insecure = call(
        base_url,
        "POST",
        f"{WEBHOOKS_API}/webhooks",
        json={**hook, "eventType": "CUSTOMER_UPDATED", "url": "http://example.com/x"},
    )
    assert insecure.json()["errorCode"] == "WebhookInvalidUrlScheme"
    unknown = call(base_url, "POST", f"{WEBHOOKS_API}/webhooks", json={**hook, "eventType": "ORDER_SENT"})
    assert unknown.json()["errorCode"] == "WebhookInvalidType"
    many = [{"key": f"X-{i}", "value": "v"} for i in range(6)]
    assert (
        call(base_url, "POST", f"{WEBHOOKS_API}/webhooks", json={**hook, "customHeaders": many}).json()[
            "errorCode"
        ]
        == "WebhookCustomHeadersTooMany"
    )
    stored = call(base_url, "GET", f"{WEBHOOKS_API}/webhooks/INVOICE_BOOKED").json()
    assert stored["customHeaders"] == hook["customHeaders"] and stored["isDisabled"] is False
    assert call(base_url, "GET", f"{WEBHOOKS_API}/webhooks/count").json() == 1
    stale = call(base_url, "PUT", f"{WEBHOOKS_API}/webhooks", json={**hook, "objectVersion": "AAAAAAAAAAA="})
    assert stale.status_code == 409
    updated = call(
        base_url,
        "PUT",
        f"{WEBHOOKS_API}/webhooks",
        json={**hook, "name": "RB", "objectVersion": stored["objectVersion"]},
    )
    assert updated.status_code == 204
    names = [t["name"] for t in call(base_url, "GET", f"{WEBHOOKS_API}/EventTypes").json()]
    assert names == ["INVOICE_BOOKED", "CUSTOMER_UPDATED", "PRODUCT_UPDATED"]

    call(base_url, "POST", "/invoices/drafts", json=draft_body())
    call(base_url, "POST", "/invoices/booked", json={"draftInvoice": {"draftInvoiceNumber": 1}})
    assert app.webhooks.flush(5)
    assert [(r.method, r.path, r.body) for r in got.received] == [("POST", "/api-hook", '{"invoice": 1}')]
    assert (
        got.received[0].headers["x-token"] == "abc"
        and got.received[0].headers["content-type"] == "application/json"
    )
    assert call(base_url, "DELETE", f"{WEBHOOKS_API}/webhooks/INVOICE_BOOKED").status_code == 204
    assert call(base_url, "GET", f"{WEBHOOKS_API}/webhooks").json() == {"items": []}
