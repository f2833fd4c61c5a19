"""The admin API: every endpoint, and who may call it."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.web.conftest import INVOICE_SETTINGS, LEGACY_TOKEN, Web, book_invoice, booked_in_economic

# Every admin-API route, with a body where it takes one: none may answer without credentials.
ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/api/kinds", None),
    ("GET", "/api/integrations", None),
    ("POST", "/api/integrations", {"name": "x", "kind": "rackbeat-economic", "connections": {}}),
    ("GET", "/api/integrations/acme", None),
    ("PUT", "/api/integrations/acme/connections", {}),
    ("DELETE", "/api/integrations/acme", None),
    ("GET", "/api/integrations/acme/settings", None),
    ("PUT", "/api/integrations/acme/settings", {}),
    ("GET", "/api/integrations/acme/settings/choices", None),
    ("GET", "/api/integrations/acme/runs", None),
    ("POST", "/api/integrations/acme/startup/preview", None),
    ("POST", "/api/integrations/acme/startup", {}),
    ("GET", "/api/integrations/acme/startup", None),
    ("GET", "/api/errors", None),
    ("GET", "/api/integrations/acme/errors", None),
    ("POST", "/api/integrations/acme/retry", None),
    ("POST", "/api/integrations/acme/errors/1/retry", None),
    ("POST", "/api/integrations/acme/errors/1/dismiss", None),
    ("POST", "/api/integrations/acme/transfers/invoice/1", None),
    ("GET", "/api/integrations/acme/transfers", None),
    ("GET", "/api/integrations/acme/transfers/invoice/1", None),
    ("GET", "/api/integrations/acme/conflicts", None),
    ("GET", "/api/integrations/acme/orders", None),
    ("GET", "/api/notifications", None),
    ("POST", "/api/notifications/read", None),
    ("GET", "/api/tokens", None),
    ("POST", "/api/tokens", {"name": "x"}),
    ("DELETE", "/api/tokens/1", None),
]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_every_api_route_refuses_without_credentials_or_with_a_bad_token(web: Web) -> None:
    for method, path, body in ROUTES:
        anonymous = web.client.request(method, path, json=body)
        assert anonymous.status_code == 401, (method, path, anonymous.text)
        assert anonymous.headers["www-authenticate"] == "Bearer"
        wrong = web.client.request(method, path, json=body, headers=bearer("lb_not-a-token"))
        assert wrong.status_code == 401, (method, path)
        legacy_wrong = web.client.request(method, path, json=body, headers=bearer("legacy-admin-tokeX"))
        assert legacy_wrong.status_code == 401, (method, path)
    # Nothing changed.
    assert [v.name for v in web.service.list_integrations()] == ["acme"]


def test_tokens_from_the_cli_or_the_api_work_until_revoked_and_the_legacy_token_keeps_working(
    web: Web,
) -> None:
    plain, row = web.service.create_api_token("script")
    assert plain.startswith("lb_") and plain not in repr(row.token_hash)
    assert web.client.get("/api/integrations", headers=bearer(plain)).status_code == 200
    assert web.client.get("/api/integrations", headers=bearer(LEGACY_TOKEN)).status_code == 200

    # Tokens are administered by the password holder (here the legacy admin token), not by lb_ tokens.
    assert web.client.post("/api/tokens", json={"name": "x"}, headers=bearer(plain)).status_code == 403
    made = web.client.post("/api/tokens", json={"name": "backup"}, headers=bearer(LEGACY_TOKEN))
    assert made.status_code == 201
    second = made.json()["token"]
    assert web.client.get("/api/integrations", headers=bearer(second)).status_code == 200
    listed = web.client.get("/api/tokens", headers=bearer(LEGACY_TOKEN)).json()
    assert {t["name"] for t in listed} == {"script", "backup"}
    assert all("token" not in t for t in listed)  # never shown again
    assert web.client.delete(f"/api/tokens/{row.id}", headers=bearer(LEGACY_TOKEN)).status_code == 204
    assert web.client.get("/api/integrations", headers=bearer(plain)).status_code == 401


def test_the_consoles_session_works_on_the_api_but_changes_need_the_csrf_header(web: Web) -> None:
    web.login()
    assert web.client.get("/api/integrations").status_code == 200
    refused = web.client.post("/api/notifications/read")
    assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["detail"]
    token = web.csrf("/console")
    assert web.client.post("/api/notifications/read", headers={"X-CSRF-Token": token}).status_code == 200


def test_webhooks_health_and_metrics_stay_open(web: Web) -> None:
    assert web.client.get("/healthz").json()["status"] == "ok"
    assert "ledgerbridge_" in web.client.get("/metrics").text
    # A webhook is refused for its own reason (no webhook token), not for a missing login.
    hook = web.client.post("/webhooks/rackbeat/acme", json={"key": 1})
    assert hook.status_code == 401 and hook.json()["detail"] == "unknown webhook token"
    # The API's description and docs are behind the login (see tests/web/test_security.py).
    schema = web.client.get("/openapi.json", headers=bearer(LEGACY_TOKEN)).json()
    for path in (
        "/api/integrations/{name}/settings",
        "/api/integrations/{name}/startup",
        "/api/notifications",
    ):
        assert path in schema["paths"]


def test_integrations_crud_never_returns_secrets(web: Web) -> None:
    auth = bearer(LEGACY_TOKEN)
    kinds = web.client.get("/api/kinds", headers=auth).json()
    assert "rackbeat-economic" in [k["kind"] for k in kinds]

    connection = web.world.connection()
    body = {
        "name": "shop",
        "kind": "rackbeat-economic",
        "connections": {k: connection[k] for k in ("economic", "rackbeat")},
    }
    created = web.client.post("/api/integrations", json=body, headers=auth)
    assert created.status_code == 201, created.text
    assert "test-token" not in created.text and "app-secret" not in created.text
    assert created.json()["endpoints"]["rackbeat"].startswith(web.world.rackbeat_url)

    listed = web.client.get("/api/integrations", headers=auth).json()
    shop = next(i for i in listed if i["name"] == "shop")
    assert shop["health"]["connections"] == {"economic": "connected", "rackbeat": "connected"}
    assert shop["health"]["errors_24h"] == 0 and shop["health"]["last_sync"] is None
    assert "test-token" not in str(listed)

    # A secret left out keeps its stored value; a new endpoint is taken.
    changed = web.client.put(
        "/api/integrations/shop/connections",
        json={"rackbeat": {"base_url": web.world.rackbeat_url + "/"}},
        headers=auth,
    )
    assert changed.status_code == 200, changed.text
    _, kind = web.service.integration("shop")
    assert kind.connections.rackbeat.token.get_secret_value() == "test-token"  # type: ignore[attr-defined]

    bad = web.client.put(
        "/api/integrations/shop/connections", json={"rackbeat": {"base_url": "not a url"}}, headers=auth
    )
    assert bad.status_code == 422
    assert [d["field"] for d in bad.json()["detail"]] == ["rackbeat.base_url"]

    missing = web.client.post(
        "/api/integrations",
        json={
            "name": "half",
            "kind": "rackbeat-economic",
            "connections": {"rackbeat": connection["rackbeat"]},
        },
        headers=auth,
    )
    assert missing.status_code == 422
    assert "economic" in [d["field"] for d in missing.json()["detail"]]

    assert web.client.get("/api/integrations/shop", headers=auth).json()["health"]["queued"] == 0
    assert web.client.delete("/api/integrations/shop", headers=auth).status_code == 204
    assert web.client.get("/api/integrations/shop", headers=auth).status_code == 404


def test_settings_get_put_with_field_paths_and_live_choices(web: Web) -> None:
    auth = bearer(LEGACY_TOKEN)
    settings = web.client.get("/api/integrations/acme/settings", headers=auth).json()
    assert settings["customer_invoices"]["enabled"] is False

    invalid = web.client.put(
        "/api/integrations/acme/settings",
        json={
            "supplier_invoices": {"enabled": True},
            "customer_invoices": {"never_post_ean_invoices": True},
            "inventory_value": {"frequency": "hourly"},
        },
        headers=auth,
    )
    assert invalid.status_code == 422
    fields = {d["field"] for d in invalid.json()["detail"]}
    assert fields == {
        "settings.supplier_invoices.day_book",
        "settings.customer_invoices.never_post_ean_invoices",
        "settings.inventory_value.frequency",
    }
    assert web.client.get("/api/integrations/acme/settings", headers=auth).json() == settings  # unchanged

    saved = web.client.put("/api/integrations/acme/settings", json=INVOICE_SETTINGS, headers=auth)
    assert saved.status_code == 200, saved.text
    assert saved.json()["supplier_invoices"]["day_book"] == 2

    choices = web.client.get("/api/integrations/acme/settings/choices", headers=auth).json()
    assert {c["value"] for c in choices["supplier_invoices.day_book"]} == {"1", "2", "3"}
    accounts = {c["value"] for c in choices["accounting.standard_account"]}
    assert {"1210", "5600", "6110"} <= accounts
    assert [c["value"] for c in choices["accounting.account_matrix.*.keys"]] == [
        "domestic",
        "eu",
        "abroad",
        "domestic_exempt",
    ]
    assert choices["accounting.account_matrix.keys"] and choices["layouts.keys"]
    assert "customer_invoices.one_stop_vat_zones.*" in choices


def _wait_done(web: Web, name: str = "acme") -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        progress = web.client.get(f"/api/integrations/{name}/startup", headers=bearer(LEGACY_TOKEN)).json()
        if progress["done"]:
            return progress
        time.sleep(0.1)
    raise AssertionError("the start-up sync did not finish")


def test_startup_preview_run_progress_and_the_one_time_rule(web: Web) -> None:
    auth = bearer(LEGACY_TOKEN)
    idle = web.client.get("/api/integrations/acme/startup", headers=auth).json()
    assert idle["status"] == "idle" and idle["refusal"] is None

    preview = web.client.post("/api/integrations/acme/startup/preview", headers=auth).json()
    assert preview["counts"]["customer"]["created"] == 40
    assert {i["action"] for i in preview["plan"] if i["entity"] == "customer"} == {"create"}
    assert web.world.ops.records("customers") == []  # a preview writes nothing

    started = web.client.post("/api/integrations/acme/startup", json={}, headers=auth)
    assert started.status_code == 202, started.text
    done = _wait_done(web)
    assert done["status"] == "succeeded" and done["percent"] == 100
    assert {e["entity"] for e in done["entities"]} >= {"customer", "product"}
    assert all(e["done"] == e["total"] for e in done["entities"])

    again = web.client.post("/api/integrations/acme/startup", json={}, headers=auth)
    assert again.status_code == 409
    assert "already ran" in again.json()["detail"]
    assert "already ran" in web.client.get("/api/integrations/acme/startup", headers=auth).json()["refusal"]

    runs = web.client.get("/api/integrations/acme/runs", headers=auth).json()
    assert runs[0]["kind"] == "startup" and runs[0]["status"] == "succeeded"
    assert runs[0]["counts"]["customer"]["created"] == 40

    forced = web.client.post("/api/integrations/acme/startup", json={"force": True}, headers=auth)
    assert forced.status_code == 202
    assert _wait_done(web)["status"] == "succeeded"


def test_transfer_errors_retry_dismiss_history_and_notifications(web: Web) -> None:
    auth = bearer(LEGACY_TOKEN)
    assert (
        web.client.put("/api/integrations/acme/settings", json=INVOICE_SETTINGS, headers=auth).status_code
        == 200
    )
    assert web.service.run_startup("acme").ok
    number = book_invoice(web.world)

    # e-conomic refuses the invoice (a 400 injected in the sandbox): the transfer fails into the error log.
    web.world.economic_app.kit.plan.path_pattern = r"^/invoices/(drafts|booked)$"
    web.world.economic_app.kit.plan.error_rate = 1.0
    web.world.economic_app.kit.plan.error_status = 400
    failed = web.client.post(f"/api/integrations/acme/transfers/invoice/{number}", headers=auth).json()
    assert failed["outcome"] == "failed", failed
    errors = web.client.get("/api/integrations/acme/errors", headers=auth).json()
    [entry] = [e for e in errors if e["record_key"] == str(number)]
    assert entry["entity"] == "invoice" and entry["state"] == "open"
    assert "Injected fault 400" in (entry["remote_message"] or "")
    assert web.client.get("/api/errors?entity=invoice", headers=auth).json()[0]["integration"] == "acme"
    assert web.client.get("/api/errors?entity=customer", headers=auth).json() == []

    notes = web.client.get("/api/notifications", headers=auth).json()
    assert notes["unread"] >= 1
    assert any(n["error_id"] == entry["id"] and n["kind"] == "failure" for n in notes["items"])

    # Still failing: the retry says so and the entry stays open.
    still = web.client.post(f"/api/integrations/acme/errors/{entry['id']}/retry", headers=auth).json()
    assert still[0]["error_id"] == entry["id"]
    assert web.service.error("acme", entry["id"]).state == "open"

    web.world.economic_app.kit.plan.error_rate = 0.0
    fixed = web.client.post(f"/api/integrations/acme/errors/{entry['id']}/retry", headers=auth).json()
    assert f"transferred as e-conomic invoice {number}" in fixed[0]["outcome"]
    assert web.client.get("/api/integrations/acme/errors", headers=auth).json() == []
    assert (
        web.client.get("/api/integrations/acme/errors?state=resolved", headers=auth).json()[0]["id"]
        == entry["id"]
    )

    # Safe to repeat.
    for _ in range(2):
        again = web.client.post(f"/api/integrations/acme/transfers/invoice/{number}", headers=auth).json()
        assert again == {
            "outcome": "already",
            "remote_key": f"booked:{number}",
            "message": f"already transferred as e-conomic invoice {number}",
        }
    assert booked_in_economic(web.world, number) == 1

    history = web.client.get(f"/api/integrations/acme/transfers/invoice/{number}", headers=auth).json()
    assert (
        history["transfer"]["state"] == "confirmed"
        and history["transfer"]["remote_key"] == f"booked:{number}"
    )
    assert [e["state"] for e in history["errors"]] == ["resolved"]
    assert web.client.get("/api/integrations/acme/transfers", headers=auth).json()[0]["key"] == str(number)
    assert web.client.get("/api/integrations/acme/transfers/invoice/424242", headers=auth).status_code == 404

    # Dismiss: a document Rackbeat does not have.
    web.client.post("/api/integrations/acme/transfers/invoice/999999", headers=auth)
    [missing] = web.client.get("/api/integrations/acme/errors", headers=auth).json()
    dismissed = web.client.post(f"/api/integrations/acme/errors/{missing['id']}/dismiss", headers=auth)
    assert dismissed.json()["state"] == "dismissed"
    assert (
        web.client.post(f"/api/integrations/acme/errors/{missing['id']}/dismiss", headers=auth).status_code
        == 400
    )
    assert (
        web.client.post(f"/api/integrations/acme/errors/{missing['id']}/retry", headers=auth).status_code
        == 400
    )
    assert (
        web.client.get("/api/integrations/acme/errors?state=dismissed", headers=auth).json()[0]["id"]
        == missing["id"]
    )

    health = web.client.get("/api/integrations/acme", headers=auth).json()["health"]
    assert health["open_errors"] == 0 and health["last_transfer_at"]

    marked = web.client.post("/api/notifications/read", json={}, headers=auth).json()
    assert marked["marked"] >= 2
    assert web.client.get("/api/notifications", headers=auth).json()["unread"] == 0
    assert web.client.post("/api/integrations/acme/retry", headers=auth).json() == []


def test_conflicts_are_listed(web: Web) -> None:
    from ledgerbridge.store import Conflict

    integration_id, _ = web.service.integration("acme")
    with web.service.store.session() as session:
        session.add(
            Conflict(
                integration_id=integration_id,
                entity="customer",
                record_key="7",
                winner="rackbeat",
                loser="economic",
                field="name",
                winning_value="Kept ApS",
                losing_value="Lost ApS",
            )
        )
    [conflict] = web.client.get("/api/integrations/acme/conflicts", headers=bearer(LEGACY_TOKEN)).json()
    assert conflict["winning_value"] == "Kept ApS" and conflict["losing_value"] == "Lost ApS"


@pytest.mark.parametrize("path", ["/api/integrations/nope", "/api/integrations/nope/settings"])
def test_unknown_integrations_are_404(web: Web, path: str) -> None:
    assert web.client.get(path, headers=bearer(LEGACY_TOKEN)).status_code == 404
