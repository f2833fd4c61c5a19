"""Issue 10 §3–4 over HTTP: where secrets may go, bad input gets 4xx, sessions, tokens, headers, docs."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.service import InvalidConfiguration
from ledgerbridge.web.app import create_app
from tests.integrations.conftest import RACKBEAT_TOKEN
from tests.web.conftest import LEGACY_TOKEN, PASSWORD, Web

ADMIN = {"Authorization": f"Bearer {LEGACY_TOKEN}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def strict_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Addresses checked as in production (the suite allows 127.0.0.1 for its sandboxes)."""
    monkeypatch.delenv("LEDGERBRIDGE_ALLOW_PRIVATE_URLS", raising=False)


# -- §3 stored secrets can be sent anywhere ---------------------------------------------------------------
def test_a_new_address_needs_the_sides_secrets_again(web: Web) -> None:
    moved = web.client.put(
        "/api/integrations/acme/connections",
        json={"economic": {"base_url": "https://evil.example.com"}},
        headers=ADMIN,
    )
    assert moved.status_code == 422, moved.text
    fields = {d["field"]: d["msg"] for d in moved.json()["detail"]}
    assert set(fields) == {"economic.app_secret_token", "economic.agreement_grant_token"}
    assert "enter this secret again" in fields["economic.app_secret_token"]
    _, kind = web.service.integration("acme")
    assert str(kind.connections.economic.base_url).rstrip("/") == web.world.economic_url  # type: ignore[attr-defined]

    # With the secrets given anew, the move is accepted; the other side keeps its stored token.
    given = web.client.put(
        "/api/integrations/acme/connections",
        json={
            "economic": {
                "base_url": "https://other.example.com",
                "app_secret_token": "new-app",
                "agreement_grant_token": "new-grant",
            }
        },
        headers=ADMIN,
    )
    assert given.status_code == 200, given.text
    _, kind = web.service.integration("acme")
    assert kind.connections.economic.app_secret_token.get_secret_value() == "new-app"  # type: ignore[attr-defined]
    assert kind.connections.rackbeat.token.get_secret_value() == RACKBEAT_TOKEN  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/latest/meta-data", "http://[fe80::1]:80/", "http://[::ffff:169.254.169.254]/"],
)
def test_link_local_addresses_are_refused_even_where_private_ones_are_allowed(web: Web, url: str) -> None:
    answer = web.client.put(
        "/api/integrations/acme/connections",
        json={"rackbeat": {"base_url": url, "token": "t"}},
        headers=ADMIN,
    )
    assert answer.status_code == 422
    assert "link-local" in answer.json()["detail"][0]["msg"]


@pytest.mark.parametrize(
    "url", ["http://[::1]:1/", "http://127.0.0.1:9/", "http://10.0.0.5/", "http://localhost/"]
)
def test_private_and_loopback_addresses_need_the_setting(web: Web, strict_urls: None, url: str) -> None:
    answer = web.client.put(
        "/api/integrations/acme/connections",
        json={"rackbeat": {"base_url": url, "token": "t"}},
        headers=ADMIN,
    )
    assert answer.status_code == 422
    assert "LEDGERBRIDGE_ALLOW_PRIVATE_URLS=1" in answer.json()["detail"][0]["msg"]
    # The same through a new integration and through the console's form.
    created = web.client.post(
        "/api/integrations",
        json={
            "name": "other",
            "kind": "rackbeat-economic",
            "connections": {
                "economic": {"base_url": url, "app_secret_token": "a", "agreement_grant_token": "b"},
                "rackbeat": {"base_url": "https://app.rackbeat.com/api", "token": "t"},
            },
        },
        headers=ADMIN,
    )
    assert created.status_code == 422 and created.json()["detail"][0]["field"] == "economic.base_url"
    web.login()
    form = web.post(
        "/console/integrations/acme/connections",
        {"side": "rackbeat", "connections.rackbeat.base_url": url, "connections.rackbeat.token": "t"},
    )
    # The console says it in the user's words (the setting is the operator's, named in the API's answer).
    assert form.status_code == 422 and "is an address inside your network: it is refused" in form.text


# -- §4 metrics, body size, 4xx never 500 -------------------------------------------------------------------
def _webhook_series(text: str) -> set[str]:
    return {
        line.rsplit(" ", 1)[0]
        for line in text.splitlines()
        if line.startswith("ledgerbridge_webhooks_total{")
    }


def test_junk_deliveries_make_no_metric_series(web: Web) -> None:
    # The registry is the process's: other tests in this worker may have counted their own deliveries.
    before = _webhook_series(web.client.get("/metrics").text)
    for i in range(40):
        answer = web.client.post(
            "/webhooks/rackbeat/acme",
            json={"key": i},
            headers={"Rackbeat-Webhook-Token": "wrong", "Rackbeat-Webhook-Event": f"junk.event{i}"},
        )
        assert answer.status_code == 401
    text = web.client.get("/metrics").text
    assert "junk.event" not in text
    assert len(_webhook_series(text) - before) <= 1


def test_webhook_bodies_over_a_megabyte_are_refused_and_not_stored(web: Web) -> None:
    big = json.dumps({"key": 1, "junk": "x" * 2_000_000})
    answer = web.client.post(
        "/webhooks/rackbeat/acme",
        content=big,
        headers={"Content-Type": "application/json", "Rackbeat-Webhook-Token": "t"},
    )
    assert answer.status_code == 413 and "larger than" in answer.json()["detail"]

    def streamed():  # type: ignore[no-untyped-def]  # no Content-Length: counted as it comes
        for _ in range(30):
            yield b"x" * 100_000

    chunked = web.client.post("/webhooks/rackbeat/acme", content=streamed())
    assert chunked.status_code == 413
    assert web.hub.inbox.count() == 0


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        ("[" * 100_000 + "]" * 100_000, "application/json", "nested too deeply"),
        ('{"a": ' * 40 + "1" + "}" * 40, "application/json", "nested too deeply"),
        ("key=1&event=customer.updated", "application/x-www-form-urlencoded", "must be JSON"),
        ("{not json", "application/json", "not valid JSON"),
        ("", "application/json", "the body is empty"),
    ],
)
def test_bad_webhook_bodies_get_400_with_the_real_reason(
    web: Web, body: str, content_type: str, reason: str
) -> None:
    answer = web.client.post(
        "/webhooks/rackbeat/acme",
        content=body.encode(),
        headers={
            "Content-Type": content_type,
            "Rackbeat-Webhook-Token": "t",
            "Rackbeat-Webhook-Event": "customer.updated",
        },
    )
    assert answer.status_code == 400, answer.text
    assert reason in answer.json()["detail"]
    assert "event header" not in answer.json()["detail"]


def test_non_ascii_tokens_are_refused_not_crashed_on(web: Web) -> None:
    hook = web.client.post(
        "/webhooks/rackbeat/acme",
        json={"key": 1},
        headers={"Rackbeat-Webhook-Token": "tök€n".encode(), "Rackbeat-Webhook-Event": "x"},
    )
    assert hook.status_code == 401
    url_hook = web.client.get("/webhooks/economic/acme", params={"token": "tök€n", "type": "invoice"})
    assert url_hook.status_code == 401
    api = web.client.get("/api/integrations", headers={"Authorization": "Bearer lb_tök€n".encode()})
    assert api.status_code == 401
    web.login()
    form = web.client.post(
        "/console/notifications/read", data={"csrf_token": "çsrf-tøken"}, follow_redirects=False
    )
    assert form.status_code == 403


def test_unknown_names_and_known_names_answer_webhooks_the_same(web: Web) -> None:
    headers = {"Rackbeat-Webhook-Token": "guess", "Rackbeat-Webhook-Event": "customer.updated"}
    known = web.client.post("/webhooks/rackbeat/acme", json={"key": 1}, headers=headers)
    unknown = web.client.post("/webhooks/rackbeat/nobody", json={"key": 1}, headers=headers)
    assert (
        (known.status_code, known.json())
        == (unknown.status_code, unknown.json())
        == (
            401,
            {"detail": "unknown webhook token"},
        )
    )
    known = web.client.get("/webhooks/economic/acme", params={"token": "guess", "type": "invoice"})
    unknown = web.client.get("/webhooks/economic/nobody", params={"token": "guess", "type": "invoice"})
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())


def test_ids_beyond_64_bits_and_unknown_document_types_are_4xx(web: Web) -> None:
    huge = 2**70
    for method, path in (
        ("POST", f"/api/integrations/acme/errors/{huge}/retry"),
        ("POST", f"/api/integrations/acme/errors/{huge}/dismiss"),
        ("DELETE", f"/api/tokens/{huge}"),
        ("GET", f"/api/integrations/acme/transfers?limit={huge}"),
        ("GET", f"/api/integrations/acme/runs?limit={huge}"),
    ):
        answer = web.client.request(method, path, headers=ADMIN)
        assert answer.status_code == 422, (path, answer.status_code, answer.text)
    read = web.client.post("/api/notifications/read", json={"ids": [huge]}, headers=ADMIN)
    assert read.status_code == 422
    web.login()
    console = web.post(f"/console/integrations/acme/errors/{huge}/dismiss")
    assert console.status_code == 422
    unknown_type = web.client.post("/api/integrations/acme/transfers/banana/1", headers=ADMIN)
    assert (
        unknown_type.status_code == 400 and "unknown document type 'banana'" in unknown_type.json()["detail"]
    )
    huge_key = web.client.post(f"/api/integrations/acme/transfers/invoice/{huge}", headers=ADMIN)
    assert huge_key.status_code == 200 and huge_key.json()["outcome"] == "failed"


def test_preview_against_a_remote_of_unexpected_shape_is_explained(web: Web) -> None:
    async def odd(request):  # type: ignore[no-untyped-def]
        return JSONResponse(["not", "an", "object"])

    odd_app = Starlette(routes=[Route("/{path:path}", odd, methods=["GET", "POST", "PUT"])])
    with SandboxServer(odd_app) as remote:
        web.service.update_connections(
            "acme",
            {
                "economic": {
                    "base_url": remote.base_url,
                    "app_secret_token": "app-secret",
                    "agreement_grant_token": "grant",
                }
            },
        )
        answer = web.client.post("/api/integrations/acme/startup/preview", headers=ADMIN)
    assert answer.status_code == 502, answer.text
    assert "unexpected shape" in answer.json()["detail"]


# -- sessions, throttle, tokens ------------------------------------------------------------------------------
def test_logout_ends_the_session_on_the_server(web: Web) -> None:
    web.login()
    saved = dict(web.client.cookies)
    assert web.client.get("/console", follow_redirects=False).status_code == 200
    assert web.post("/console/logout").status_code == 303
    web.client.cookies.clear()
    web.client.cookies.update(saved)  # the cookie as it was before logging out
    again = web.client.get("/console", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/console/login")
    assert web.client.get("/api/integrations").status_code == 401


def _login_attempt(client: TestClient, headers: dict[str, str]) -> int:
    page = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    return client.post(
        "/console/login",
        data={"password": "wrong password", "csrf_token": token},
        headers=headers,
        follow_redirects=False,
    ).status_code


def test_the_login_throttle_ignores_forwarded_for_from_untrusted_peers(web: Web, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("LEDGERBRIDGE_TRUSTED_PROXIES", raising=False)
    web.service.set_admin_password(PASSWORD)
    answers = [_login_attempt(web.client, {"X-Forwarded-For": f"10.0.0.{i}"}) for i in range(12)]
    assert answers[:10] == [401] * 10 and answers[10:] == [429, 429]


def test_behind_a_trusted_proxy_each_client_has_its_own_bucket(web: Web, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LEDGERBRIDGE_TRUSTED_PROXIES", "10.9.0.0/16")
    web.service.set_admin_password(PASSWORD)
    with TestClient(web.client.app, client=("10.9.0.2", 4000)) as proxied:
        one = [_login_attempt(proxied, {"X-Forwarded-For": "203.0.113.7"}) for _ in range(11)]
        assert one[-1] == 429
        # Another client behind the same proxy is not locked out; a forged hop before the real one is ignored.
        assert _login_attempt(proxied, {"X-Forwarded-For": "198.51.100.1"}) == 401
        assert _login_attempt(proxied, {"X-Forwarded-For": "198.51.100.99, 203.0.113.7"}) == 429


def test_the_throttles_map_is_pruned() -> None:
    from ledgerbridge.web.auth import LoginThrottle

    throttle = LoginThrottle(attempts=3, window=300.0, max_clients=50)
    for i in range(500):
        throttle.failed(f"10.1.{i // 256}.{i % 256}")
    assert len(throttle) <= 50
    short = LoginThrottle(attempts=3, window=0.0)
    for i in range(200):
        short.failed(f"10.2.0.{i}")
    assert len(short) <= 101  # failures out of the window are dropped as new ones come


def test_token_scopes_read_only_and_per_integration(web: Web) -> None:
    web.service.add_integration("beta", "rackbeat-economic", web.world.connection())
    reader = web.client.post("/api/tokens", json={"name": "reader", "read_only": True}, headers=ADMIN).json()[
        "token"
    ]
    assert web.client.get("/api/integrations/acme/settings", headers=bearer(reader)).status_code == 200
    refused = web.client.put("/api/integrations/acme/settings", json={}, headers=bearer(reader))
    assert refused.status_code == 403 and "read-only" in refused.json()["detail"]

    acme_only = web.client.post(
        "/api/tokens", json={"name": "acme", "integration": "acme"}, headers=ADMIN
    ).json()["token"]
    assert web.client.get("/api/integrations/acme/errors", headers=bearer(acme_only)).status_code == 200
    assert web.client.get("/api/integrations/beta/errors", headers=bearer(acme_only)).status_code == 403
    assert web.client.get("/api/errors", headers=bearer(acme_only)).status_code == 403
    assert web.client.delete("/api/integrations/beta", headers=bearer(acme_only)).status_code == 403

    # Token administration is the password holder's: no lb_ token lists, mints or revokes tokens.
    for token in (reader, acme_only):
        assert web.client.get("/api/tokens", headers=bearer(token)).status_code == 403
        assert web.client.post("/api/tokens", json={"name": "x"}, headers=bearer(token)).status_code == 403
    web.login()
    csrf = web.csrf("/console")
    assert web.client.get("/api/tokens").status_code == 200
    assert (
        web.client.post("/api/tokens", json={"name": "y"}, headers={"X-CSRF-Token": csrf}).status_code == 201
    )


# -- console headers, docs, OAuth2 return address, names -----------------------------------------------------
def test_the_console_sends_security_headers(web: Web) -> None:
    for path in ("/console/login", "/api/kinds", "/healthz"):
        headers = web.client.get(path, headers=ADMIN).headers
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "script-src 'self'" in headers["content-security-policy"]


def test_docs_are_behind_the_login_and_served_from_here(web: Web) -> None:
    anonymous = web.client.get("/docs", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/console/login")
    assert web.client.get("/openapi.json").status_code == 401
    web.login()
    page = web.client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower() and "https://" not in page.text
    for asset in re.findall(r'(?:src|href)="([^"]+)"', page.text):
        assert asset.startswith("/"), asset
        assert web.client.get(asset).status_code == 200, asset
    assert "/api/integrations" in web.client.get("/openapi.json").json()["paths"]


def test_the_oauth2_return_address_never_follows_the_host_header(web: Web, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.integrations.eaccounting_support import eaccounting_world

    with eaccounting_world(f"sqlite:///{tmp_path / 'e.sqlite3'}", tmp_path / "e") as world:
        world.add("se", connect=False)
        world.service.set_admin_password(PASSWORD)
        with TestClient(
            create_app(RealtimeHub(world.service), None), base_url="http://evil.example"
        ) as client:
            page = client.get("/console/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            client.post("/console/login", data={"password": PASSWORD, "csrf_token": token})
            answer = client.get("/console/integrations/se/connect/eaccounting", follow_redirects=False)
            assert answer.status_code == 400
            assert "LEDGERBRIDGE_PUBLIC_URL" in answer.text and "evil.example" not in answer.headers.get(
                "location", ""
            )


@pytest.mark.parametrize("name", ["", "../etc", "a b", "<script>", "x" * 101, "-lead"])
def test_integration_names_are_checked_the_same_in_the_api_and_the_console(web: Web, name: str) -> None:
    api = web.client.post(
        "/api/integrations",
        json={"name": name, "kind": "rackbeat-economic", "connections": {}},
        headers=ADMIN,
    )
    assert api.status_code == 422
    web.login()
    form = web.post(
        "/console/integrations/new",
        {"name": name, "kind": "rackbeat-economic"},
        page="/console/integrations/new",
    )
    assert form.status_code in (303, 400, 422)
    assert name == "" or name not in [v.name for v in web.service.list_integrations()]


def test_tracebacks_are_logged_without_local_variables(web: Web, capsys) -> None:  # type: ignore[no-untyped-def]
    import structlog

    def failing() -> None:
        secret_payload = "hunter2-payload-value"  # noqa: F841 - a local the log must not show
        raise RuntimeError("boom")

    try:
        failing()
    except RuntimeError:
        structlog.get_logger("ledgerbridge.runtime").exception("inbox processing failed")
    logged = capsys.readouterr()
    text = logged.out + logged.err
    assert "RuntimeError: boom" in text
    assert "hunter2-payload-value" not in text


def test_serves_uvicorn_does_not_take_client_addresses_from_forwarded_for(web: Web, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A real socket from 127.0.0.1, as `serve` runs: 12 made-up X-Forwarded-For values are one client."""
    import threading
    import time

    import httpx
    import uvicorn

    from ledgerbridge.sandbox.server import free_port
    from ledgerbridge.web.app import server_config

    monkeypatch.delenv("LEDGERBRIDGE_TRUSTED_PROXIES", raising=False)
    web.service.set_admin_password(PASSWORD)
    port = free_port("127.0.0.1")
    server = uvicorn.Server(server_config(create_app(RealtimeHub(web.service)), "127.0.0.1", port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            answers = []
            for i in range(12):
                page = client.get("/console/login")
                token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
                answers.append(
                    client.post(
                        "/console/login",
                        data={"password": "wrong password", "csrf_token": token},
                        headers={"X-Forwarded-For": f"198.51.100.{i}"},
                    ).status_code
                )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert answers[:10] == [401] * 10 and answers[10:] == [429, 429]


def test_after_a_lost_key_the_console_says_so_and_takes_the_connections_side_by_side(web: Web) -> None:
    from cryptography.fernet import Fernet

    from ledgerbridge.crypto import SecretBox

    web.login()
    web.service.box = SecretBox(Fernet.generate_key())  # the key the credentials were sealed with is gone
    listing = web.client.get("/console")
    assert listing.status_code == 200 and "cannot be read: enter them again" in listing.text
    page = web.client.get("/console/integrations/acme/connections")
    assert page.status_code == 200 and "credentials unreadable" in page.text
    economic = web.post(
        "/console/integrations/acme/connections",
        {
            "side": "economic",
            "connections.economic.base_url": web.world.economic_url,
            "connections.economic.app_secret_token": "app-secret",
            "connections.economic.agreement_grant_token": "grant",
        },
    )
    assert economic.status_code == 303, economic.text
    assert "enter the connection to Rackbeat again" in web.client.get("/console").text
    rackbeat = web.post(
        "/console/integrations/acme/connections",
        {
            "side": "rackbeat",
            "connections.rackbeat.base_url": web.world.rackbeat_url,
            "connections.rackbeat.token": RACKBEAT_TOKEN,
        },
    )
    assert rackbeat.status_code == 303, rackbeat.text
    assert "credentials unreadable" not in web.client.get("/console").text
    _, kind = web.service.integration("acme")
    assert kind.connections.rackbeat.token.get_secret_value() == RACKBEAT_TOKEN  # type: ignore[attr-defined]


def test_moving_an_oauth2_side_forgets_its_tokens(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.integrations.eaccounting_support import eaccounting_world

    with eaccounting_world(f"sqlite:///{tmp_path / 'e.sqlite3'}", tmp_path / "e") as world:
        world.add("se")
        assert world.service.connection_states("se")["eaccounting"] == "connected"
        stored = world.service.stored_connections("se")["eaccounting"]
        with pytest.raises(InvalidConfiguration, match="eaccounting.client_secret"):
            world.service.update_connections(
                "se", {"eaccounting": {"identity_url": "https://id.example.com"}}
            )
        world.service.update_connections(
            "se", {"eaccounting": {**stored, "identity_url": "https://id.example.com", "client_secret": "s"}}
        )
        assert world.service.connection_states("se")["eaccounting"] == "not_connected"
