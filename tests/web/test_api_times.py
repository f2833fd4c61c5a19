"""The admin API writes times with their zone (issue 17): every time in an answer about one integration is
ISO 8601 with the offset of the integration's ``general.timezone``; times not about one integration (API
tokens) are UTC with ``+00:00``; the OpenAPI document says ``format: date-time`` for each of them."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from ledgerbridge.store import ErrorEntry, SyncRun, Transfer
from ledgerbridge.store.console_models import Notification
from tests.web.conftest import INVOICE_SETTINGS, LEGACY_TOKEN, Web, book_invoice

NOON = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)  # 13:00 in Stockholm (CET, +01:00)
AUTH = {"Authorization": f"Bearer {LEGACY_TOKEN}"}
STOCKHOLM = "+01:00"


def parsed(value: str) -> datetime:
    """An API time: ISO 8601 with an offset (a naive one would be ambiguous)."""
    moment = datetime.fromisoformat(value)
    assert moment.tzinfo is not None, f"{value!r} has no offset"
    return moment


def in_stockholm(value: str, expected: datetime | None = None) -> None:
    assert value.endswith(STOCKHOLM), value
    if expected is not None:
        assert parsed(value) == expected, value


def get(web: Web, path: str) -> Any:
    answer = web.client.get(path, headers=AUTH)
    assert answer.status_code == 200, (path, answer.text)
    return answer.json()


def test_an_integrations_times_come_in_its_zone_with_the_offset(web: Web) -> None:
    settings = {**INVOICE_SETTINGS, "general": {"timezone": "Europe/Stockholm"}}
    assert web.client.put("/api/integrations/acme/settings", json=settings, headers=AUTH).status_code == 200
    started = web.client.post("/api/integrations/acme/startup", json={}, headers=AUTH).json()
    in_stockholm(started["started_at"])
    for _ in range(600):
        startup = get(web, "/api/integrations/acme/startup")
        if startup["done"]:
            break
        time.sleep(0.2)
    assert startup["status"] == "succeeded", startup
    in_stockholm(startup["started_at"])
    in_stockholm(startup["finished_at"])
    number = book_invoice(web.world)
    sent = web.client.post(f"/api/integrations/acme/transfers/invoice/{number}", headers=AUTH).json()
    assert sent["outcome"] == "transferred", sent
    web.client.post("/api/integrations/acme/transfers/invoice/999999", headers=AUTH)  # into the error log
    with web.service.store.session() as session:  # everything at noon UTC on 6 December
        session.execute(update(SyncRun).values(started_at=NOON, finished_at=NOON + timedelta(minutes=1)))
        session.execute(update(Transfer).values(created_at=NOON, updated_at=NOON))
        session.execute(update(ErrorEntry).values(first_seen=NOON, last_seen=NOON))
        session.execute(update(Notification).values(created_at=NOON))

    integration = get(web, "/api/integrations/acme")
    in_stockholm(integration["created_at"])
    in_stockholm(integration["startup_completed_at"])
    in_stockholm(integration["health"]["last_sync"]["at"], NOON + timedelta(minutes=1))
    assert integration["health"]["last_sync"]["at"] == "2026-12-06T13:01:00+01:00"
    in_stockholm(integration["health"]["last_transfer_at"], NOON)
    [listed] = [i for i in get(web, "/api/integrations") if i["name"] == "acme"]
    assert listed["health"]["last_transfer_at"] == "2026-12-06T13:00:00+01:00"

    [run] = get(web, "/api/integrations/acme/runs")
    assert run["started_at"] == "2026-12-06T13:00:00+01:00"
    assert run["finished_at"] == "2026-12-06T13:01:00+01:00"
    [transfer] = [t for t in get(web, "/api/integrations/acme/transfers") if t["key"] == str(number)]
    in_stockholm(transfer["created_at"], NOON)
    in_stockholm(transfer["updated_at"], NOON)
    history = get(web, f"/api/integrations/acme/transfers/invoice/{number}")
    assert history["transfer"]["updated_at"] == "2026-12-06T13:00:00+01:00"
    for event in history["events"]:
        in_stockholm(event["received_at"])

    [error] = get(web, "/api/integrations/acme/errors")
    assert error["first_seen"] == error["last_seen"] == "2026-12-06T13:00:00+01:00"
    [everywhere] = get(web, "/api/errors?integration=acme")  # a list over integrations: each in its zone
    assert everywhere["last_seen"] == "2026-12-06T13:00:00+01:00"
    notes = get(web, "/api/notifications")["items"]
    assert notes and all(n["created_at"] == "2026-12-06T13:00:00+01:00" for n in notes)
    dismissed = web.client.post(f"/api/integrations/acme/errors/{error['id']}/dismiss", headers=AUTH).json()
    in_stockholm(dismissed["last_seen"])  # dismissing is a change: now, in Stockholm

    # Another zone, the same instants: only the offset changes.
    web.service.update_settings("acme", {**settings, "general": {"timezone": "Asia/Kolkata"}})
    [run] = get(web, "/api/integrations/acme/runs")
    assert run["started_at"] == "2026-12-06T17:30:00+05:30" and parsed(run["started_at"]) == NOON


def test_times_about_no_integration_are_utc_with_the_offset(web: Web) -> None:
    created = web.client.post("/api/tokens", json={"name": "script"}, headers=AUTH).json()
    web.client.get("/api/kinds", headers={"Authorization": f"Bearer {created['token']}"})
    [token] = [t for t in get(web, "/api/tokens") if t["id"] == created["id"]]
    assert token["created_at"].endswith("+00:00") and parsed(token["last_used_at"]).utcoffset() == timedelta(
        0
    )


def test_the_openapi_document_says_date_time_for_every_time(web: Web) -> None:
    web.login()
    schemas = web.client.get("/openapi.json").json()["components"]["schemas"]
    times = {
        "RunView": ["started_at", "finished_at"],
        "TransferView": ["created_at", "updated_at"],
        "ErrorView": ["first_seen", "last_seen"],
        "EventView": ["received_at", "processed_at"],
        "ConflictView": ["detected_at"],
        "LastSync": ["at"],
        "HealthView": ["last_transfer_at"],
        "IntegrationOut": ["created_at", "startup_completed_at"],
        "NotificationView": ["created_at"],
        "TokenView": ["created_at", "last_used_at"],
    }
    for model, fields in times.items():
        for name in fields:
            prop = schemas[model]["properties"][name]
            formats = {prop.get("format")} | {each.get("format") for each in prop.get("anyOf", [])}
            assert "date-time" in formats, (model, name, prop)
