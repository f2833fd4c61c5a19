"""A document's keys on both sides (issue 18): the document page and Activity show each side's key; a link
into a system's own web app only where an address is known (none of Rackbeat, e-conomic, eAccounting and
Severa documents one, so none is shown rather than a guessed one until the operator enters a template on
the connection: test_web_address.py); orders
brought over into Rackbeat show Rackbeat's own order number next to the link back it is bound by."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from ledgerbridge.integrations.rackbeat_economic import RackbeatEconomic
from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.services import history
from ledgerbridge.store import Binding
from ledgerbridge.systems.eaccounting import EACCOUNTING_SIDE
from ledgerbridge.systems.economic import ECONOMIC_SIDE, EconomicClient
from ledgerbridge.systems.rackbeat import RACKBEAT_SIDE
from ledgerbridge.systems.severa import SEVERA_SIDE
from ledgerbridge.systems.web_address import template_address
from ledgerbridge.web.app import create_app
from tests.integrations.eaccounting_support import eaccounting_world
from tests.web.conftest import INVOICE_SETTINGS, LEGACY_TOKEN, PASSWORD, Web, book_invoice
from tests.web.test_activity_orders import login

AUTH = {"Authorization": f"Bearer {LEGACY_TOKEN}"}


def economic_order(web: Web) -> int:
    """An e-conomic user makes a draft order for a customer the start-up sync brought to Rackbeat."""
    with EconomicClient(web.world.economic_url, "app-secret", "grant") as economic:
        customer = economic.get(f"customers/{web.world.books.records('customers')[0]['customerNumber']}")
        product = web.world.books.records("products")[0]["productNumber"]
        order = economic.create(
            "orders/drafts",
            {
                "date": date.today().isoformat(),
                "currency": customer["currency"],
                "customer": {"customerNumber": customer["customerNumber"]},
                "layout": customer["layout"],
                "paymentTerms": customer["paymentTerms"],
                "recipient": {"name": customer["name"], "vatZone": customer["vatZone"]},
                "lines": [
                    {
                        "lineNumber": 1,
                        "description": "Vare",
                        "product": {"productNumber": product},
                        "quantity": 3,
                        "unitNetPrice": 49.5,
                    }
                ],
            },
        )
    return int(order["orderNumber"])


def rackbeat_number(orders: list[dict[str, Any]], marker: str) -> str:
    [found] = [o for o in orders if o.get("other_reference") == marker]
    return str(found["number"])


def test_both_sides_keys_links_only_where_documented_and_rackbeats_order_number(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = {**INVOICE_SETTINGS, "orders": {"enabled": True}}
    assert web.client.put("/api/integrations/acme/settings", json=settings, headers=AUTH).status_code == 200
    assert web.service.run_startup("acme").ok
    number = book_invoice(web.world)
    sent = web.client.post(f"/api/integrations/acme/transfers/invoice/{number}", headers=AUTH).json()
    assert sent["outcome"] == "transferred", sent
    web.login()

    # Both keys, and no link: neither Rackbeat nor e-conomic documents a web address for a document.
    document = web.client.get(f"/console/integrations/acme/documents/invoice/{number}").text
    sides = document[document.index('id="both-sides"') :]
    assert re.search(rf'data-side="rackbeat">{number}\b', sides)
    assert re.search(rf'data-side="economic">booked invoice {number}\b', sides)
    assert "No link into Rackbeat: it documents no web address for its records." in sides
    assert "Enter the web address of a document on the Connections page to get one." in sides
    assert "web-link" not in document
    assert "web-link" not in web.client.get("/console/integrations/acme/activity").text
    danish = web.client.get(
        f"/console/integrations/acme/documents/invoice/{number}", headers={"Accept-Language": "da"}
    ).text
    assert "På begge sider" in danish

    # A side that declares a scheme gets its link next to its key, on the document page and in Activity.
    def rackbeat_address(connection: Any, entity: str, key: str) -> str:
        return f"https://rackbeat.example/{entity}s/{key}"

    linked = dataclasses.replace(
        RackbeatEconomic.side_specs[0], web_address=rackbeat_address, web_address_note=""
    )
    monkeypatch.setattr(RackbeatEconomic, "side_specs", (linked, RackbeatEconomic.side_specs[1]))
    document = web.client.get(f"/console/integrations/acme/documents/invoice/{number}").text
    link = f'<a class="web-link" href="https://rackbeat.example/invoices/{number}"'
    assert link in document and "No link into Rackbeat" not in document
    assert "No link into E-conomic" in document or "No link into e-conomic" in document
    assert link in web.client.get("/console/integrations/acme/activity").text
    monkeypatch.undo()

    # An e-conomic order brought over: Rackbeat numbers it itself; Activity shows that number.
    order = economic_order(web)
    _, session = web.hub.session("acme")
    session.poll_orders()  # type: ignore[attr-defined]
    marker = f"e-conomic order {order}"
    own = rackbeat_number(web.world.ops.records("orders"), marker)
    activity = web.client.get("/console/integrations/acme/activity").text
    listed = activity[activity.index('id="orders"') :]
    assert f'<td data-side="rackbeat">{own} <span class="muted">({marker})</span></td>' in listed
    assert f'<td data-side="economic">{order}</td>' in listed
    [api] = [
        o
        for o in web.client.get("/api/integrations/acme/orders", headers=AUTH).json()
        if o["numbers"]["economic"] == str(order)
    ]
    assert api["numbers"]["rackbeat"] == marker and api["own"] == {"rackbeat": own}
    assert api["synced_at"].endswith(("+01:00", "+02:00"))  # in acme's zone, Copenhagen

    # A binding from before migration 0014 (no number stored) while Rackbeat refuses to answer: the page
    # shows the link back alone, at once, and asks again only later (test_stored_own_numbers.py: the rest).
    second = economic_order(web)
    session.poll_orders()  # type: ignore[attr-defined]
    marker = f"e-conomic order {second}"
    own = rackbeat_number(web.world.ops.records("orders"), marker)
    with web.service.store.session() as db:
        db.execute(update(Binding).where(Binding.a_key == marker).values(own_number=None))
    plan = web.world.rackbeat_app.kit.plan
    plan.path_pattern, plan.methods, plan.error_status, plan.error_rate = "orders", ["GET"], 400, 1.0
    activity = web.client.get("/console/integrations/acme/activity").text
    assert f'<td data-side="rackbeat">{marker}</td>' in activity
    plan.error_rate = 0.0
    activity = web.client.get("/console/integrations/acme/activity").text
    assert f'<td data-side="rackbeat">{marker}</td>' in activity  # not asked again yet
    monkeypatch.setattr(history, "OWN_NUMBER_RETRY_SECONDS", 0.0)
    activity = web.client.get("/console/integrations/acme/activity").text
    assert f'<td data-side="rackbeat">{own} <span class="muted">({marker})</span></td>' in activity


def test_eaccounting_orders_show_rackbeats_own_number(tmp_path: Path) -> None:
    with eaccounting_world(f"sqlite:///{tmp_path / 'lb.sqlite3'}", tmp_path) as world:
        world.add("se", orders={"enabled": True})
        world.service.set_admin_password(PASSWORD)
        hub = RealtimeHub(world.service)
        try:
            with TestClient(create_app(hub, None), base_url="http://testserver") as client:
                login(client)
                assert world.service.run_startup("se").ok
                _, session = hub.session("se")
                session.poll_orders()  # type: ignore[attr-defined]
                page = client.get("/console/integrations/se/activity").text
                listed = page[page.index('id="orders"') :]
                rackbeat_orders = world.ops.records("orders")
                assert rackbeat_orders
                for order in rackbeat_orders:
                    own, marker = str(order["number"]), order["other_reference"]
                    assert f'<td data-side="rackbeat">{own} <span class="muted">({marker})</span>' in listed
        finally:
            hub.close()


def test_every_side_says_why_it_gives_no_link_of_its_own() -> None:
    """No side declares an address scheme of its own; each takes the operator's template (none by
    default) and says why it has none."""
    for side in (RACKBEAT_SIDE, ECONOMIC_SIDE, EACCOUNTING_SIDE, SEVERA_SIDE):
        assert side.web_address is template_address and "documents no web address" in side.web_address_note
        assert side.address_of(side.connection.model_construct(), "invoice", "1021") is None
