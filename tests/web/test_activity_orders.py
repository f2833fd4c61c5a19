"""eAccounting sales orders in the console's Activity page: orders polled from eAccounting into Rackbeat are
listed with their number on both sides (they come over by a sync, not the transfer ledger), in the user's
language, over HTTP against the sandboxes."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.web.app import create_app
from tests.integrations.eaccounting_support import eaccounting_world
from tests.web.conftest import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def login(client: TestClient) -> None:
    token = CSRF.search(client.get("/console/login").text).group(1)  # type: ignore[union-attr]
    answer = client.post(
        "/console/login", data={"password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert answer.status_code == 303


def test_sales_orders_from_eaccounting_appear_in_activity(tmp_path: Path) -> None:
    with eaccounting_world(f"sqlite:///{tmp_path / 'lb.sqlite3'}", tmp_path) as world:
        world.add("se", orders={"enabled": True})
        world.service.set_admin_password(PASSWORD)
        hub = RealtimeHub(world.service)
        try:
            with TestClient(create_app(hub, None), base_url="http://testserver") as client:
                login(client)
                swedish = {"Accept-Language": "sv-SE,sv;q=0.9"}
                before = client.get("/console/integrations/se/activity", headers=swedish).text
                assert "Inga försäljningsordrar överförda än." in before

                assert world.service.run_startup("se").ok
                _, session = hub.session("se")
                session.poll_orders()  # type: ignore[attr-defined]
                orders = world.books.all("orders")
                assert orders, "the demo company has open orders"

                page = client.get("/console/integrations/se/activity", headers=swedish).text
                listed = page[page.index('id="orders"') :]
                assert "Överförda försäljningsordrar" in listed
                assert "Order i eEkonomi" in listed and "Order i Rackbeat" in listed  # each side by its name
                for order in orders:
                    assert f"""<td data-side="eaccounting">{order["Number"]}</td>""" in listed
        finally:
            hub.close()
