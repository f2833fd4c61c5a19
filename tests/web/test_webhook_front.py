"""The webhook intake's lean path (issue 16): ``/webhooks/{system}/{name}`` is answered ahead of FastAPI's
routing and middleware, and every answer is the one the FastAPI route gives (same status, same JSON, the
same ``Allow``), with the security headers; ``serve`` runs on httptools and uvloop when they are installed."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from ledgerbridge.engine.webhook_secrets import WebhookSecrets
from ledgerbridge.logs import configure_logging
from ledgerbridge.web.app import create_app, server_config
from ledgerbridge.web.intake import WebhookFront
from tests.web.conftest import LEGACY_TOKEN, Web

SECURITY = ("content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy")


@pytest.fixture
def routed(web: Web) -> Iterator[TestClient]:
    """The same app without the front: every delivery goes through FastAPI's route, as before issue 16."""
    app = create_app(web.hub, None, admin_token=LEGACY_TOKEN)
    app.user_middleware = [m for m in app.user_middleware if m.cls is not WebhookFront]
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def _rackbeat_headers(web: Web, event: str) -> dict[str, str]:
    web.hub.register_webhooks("acme", "http://testserver")
    integration_id = web.hub.session("acme")[0]
    with web.service.store.session() as db:
        tokens = web.hub._open_tokens(WebhookSecrets(db, integration_id).get("rackbeat"))
    return {"Rackbeat-Webhook-Token": tokens[event], "Rackbeat-Webhook-Event": event}


def _economic_url(web: Web) -> str:
    url = web.hub.webhook_urls("acme", "economic", "http://testserver")["CustomerUpdated"]
    return url.replace("[NEWNUMBER]", "7").replace("[OLDNUMBER]", "7")


def _streamed() -> Iterator[bytes]:  # no Content-Length: counted as it comes
    for _ in range(12):
        yield b"x" * 100_000


def _calls(web: Web) -> list[tuple[str, str, dict[str, Any]]]:
    booked = _rackbeat_headers(web, "customer_invoice.booked")
    customer = _rackbeat_headers(web, "customer.updated")
    url = _economic_url(web)
    json_type = {"Content-Type": "application/json"}
    return [
        ("POST", "/webhooks/rackbeat/acme", {"json": {"key_name": "number", "key": 41}, "headers": booked}),
        ("POST", "/webhooks/rackbeat/acme", {"json": {"key": "42"}, "headers": customer}),
        ("GET", url, {}),
        ("POST", url, {"content": b"not json: the query is what counts"}),
        ("GET", url.replace("token=", "token=x"), {}),
        ("GET", url.replace("/acme?", "/nobody?"), {}),
        ("GET", "/webhooks/rackbeat/acme", {}),
        ("GET", "/webhooks/nosuch/acme", {}),
        ("POST", "/webhooks/nosuch/acme", {"json": {"key": 1}}),
        (
            "POST",
            "/webhooks/rackbeat/acme",
            {"json": {"key": 1}, "headers": {**booked, "Rackbeat-Webhook-Token": "x"}},
        ),
        ("POST", "/webhooks/rackbeat/nobody", {"json": {"key": 1}, "headers": booked}),
        ("POST", "/webhooks/rackbeat/acme", {"json": {"key": 0}, "headers": booked}),
        ("POST", "/webhooks/rackbeat/acme", {"json": [1], "headers": booked}),
        ("POST", "/webhooks/rackbeat/acme", {"content": b"{not json", "headers": {**booked, **json_type}}),
        ("POST", "/webhooks/rackbeat/acme", {"content": b"", "headers": {**booked, **json_type}}),
        ("POST", "/webhooks/rackbeat/acme", {"content": b"[" * 50 + b"]" * 50, "headers": booked}),
        ("POST", "/webhooks/rackbeat/acme", {"data": {"key": "1"}, "headers": booked}),
        ("POST", "/webhooks/rackbeat/acme", {"content": b"\xff\xfe", "headers": {**booked, **json_type}}),
        (
            "POST",
            "/webhooks/rackbeat/acme",
            {"json": {"key": 1}, "headers": {"Rackbeat-Webhook-Token": "tök€n".encode()}},
        ),
        ("POST", "/webhooks/rackbeat/acme", {"json": {"key": 1, "junk": "x" * 1_100_000}, "headers": booked}),
        ("POST", "/webhooks/rackbeat/acme", {"content": _streamed, "headers": booked}),
        (
            "POST",
            "/webhooks/rackbeat/acme",
            {"content": b"{}", "headers": {**booked, "Content-Length": "x1"}},
        ),
        # Not the route's shape, or another method: FastAPI answers these in both apps.
        ("PUT", "/webhooks/rackbeat/acme", {"json": {"key": 1}, "headers": booked}),
        ("POST", "/webhooks/rackbeat/acme/extra", {"json": {"key": 1}, "headers": booked}),
        ("POST", "/webhooks/rackbeat", {"json": {"key": 1}, "headers": booked}),
    ]


def _seen(answer: httpx.Response) -> tuple[int, Any, str | None, str | None]:
    return answer.status_code, answer.json(), answer.headers.get("content-type"), answer.headers.get("allow")


def test_the_front_answers_every_delivery_as_the_route_does(web: Web, routed: TestClient) -> None:
    answers = []
    for method, url, options in _calls(web):
        given = {k: (v() if callable(v) else v) for k, v in options.items()}
        front = web.client.request(method, url, **given)
        given = {k: (v() if callable(v) else v) for k, v in options.items()}
        route = routed.request(method, url, **given)
        answers.append(front.status_code)
        assert _seen(front) == _seen(route), (method, url[:80], front.text[:200], route.text[:200])
        assert all(front.headers.get(name) for name in SECURITY), (method, url[:80])
        if route.status_code != 413:  # the route's 413 comes from the outermost wrapper, before them
            assert {n: front.headers.get(n) for n in SECURITY} == {n: route.headers.get(n) for n in SECURITY}
    # Every kind of answer was met: stored, refused by shape, token, size, method and system.
    assert {200, 400, 401, 404, 405, 413} <= set(answers)
    # What the front stored, the route found pending: one item per record, each delivered twice.
    pending = {item.record_key: item.deliveries for item in web.hub.inbox.pending(limit=100)}
    assert pending == {"41": 2, "42": 2, "7": 4}


def test_the_front_keeps_the_senders_request_id_in_its_log_lines(web: Web) -> None:
    headers = _rackbeat_headers(web, "customer_invoice.booked")
    stream = io.StringIO()
    configure_logging("json", "info", stream=stream, force=True)
    try:
        given = web.client.post(
            "/webhooks/rackbeat/acme", json={"key": 5}, headers={**headers, "X-Request-ID": "s-77"}
        )
        made = web.client.post("/webhooks/rackbeat/acme", json={"key": 6}, headers=headers)
    finally:
        configure_logging("console", "info", force=True)
    assert given.status_code == made.status_code == 200
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    received = {line["record_key"]: line for line in lines if line["event"] == "webhook received"}
    assert received["5"]["request_id"] == "s-77" and received["5"]["delivery"] == given.json()["queued"]
    assert len(received["6"]["request_id"]) == 16  # none given: one of its own


def test_serve_runs_on_httptools_and_uvloop_when_installed() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:  # what runs on them does not matter here
        raise NotImplementedError

    config = server_config(app, "127.0.0.1", 0)
    config.load()
    assert config.http_protocol_class.__name__ == "HttpToolsProtocol"
    loop = config.get_loop_factory()()
    try:
        assert type(loop).__module__.startswith("uvloop")
    finally:
        loop.close()
