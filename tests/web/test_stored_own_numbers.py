"""Issue 18: Rackbeat's own number of an order brought over from e-conomic is stored on its binding from the
answer to our create (migration 0014), so the console and the API show it without asking Rackbeat; a
binding made before 0014 has it looked up live once, and the number found is stored."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from ledgerbridge.sandbox.faults import FaultPlan
from ledgerbridge.services import history
from ledgerbridge.store import Binding
from tests.web.conftest import INVOICE_SETTINGS, Web
from tests.web.test_both_sides import AUTH, economic_order, rackbeat_number


def order_brought_over(web: Web) -> tuple[int, str, str]:
    """An e-conomic order polled into Rackbeat: its e-conomic number, its marker, Rackbeat's own number."""
    settings = {**INVOICE_SETTINGS, "orders": {"enabled": True}}
    assert web.client.put("/api/integrations/acme/settings", json=settings, headers=AUTH).status_code == 200
    assert web.service.run_startup("acme").ok
    order = economic_order(web)
    _, session = web.hub.session("acme")
    session.poll_orders()  # type: ignore[attr-defined]
    marker = f"e-conomic order {order}"
    return order, marker, rackbeat_number(web.world.ops.records("orders"), marker)


def stored_number(web: Web, marker: str) -> str | None:
    with web.service.store.session() as session:
        return session.scalars(
            select(Binding.own_number).where(Binding.entity == "order", Binding.a_key == marker)
        ).one()


def listed_orders(web: Web) -> tuple[dict[str, Any], str]:
    """The orders as the API lists them, and the Activity page's orders table."""
    api = web.client.get("/api/integrations/acme/orders", headers=AUTH)
    assert api.status_code == 200, api.text
    page = web.client.get("/console/integrations/acme/activity").text
    return {o["numbers"]["rackbeat"]: o for o in api.json()}, page[page.index('id="orders"') :]


def refuse_everything(web: Web) -> list[Any]:
    """Rackbeat's sandbox answers every request 400 from now on; its request log, to count calls."""
    web.world.rackbeat_app.kit.set_faults(FaultPlan(error_rate=1.0, error_status=400))
    return list(web.world.rackbeat_app.kit.requests)


def test_the_order_number_from_rackbeats_answer_is_shown_with_rackbeat_refusing_every_call(web: Web) -> None:
    order, marker, own = order_brought_over(web)
    assert stored_number(web, marker) == own  # from the create's answer

    before = refuse_everything(web)
    web.login()
    by_marker, activity = listed_orders(web)

    assert by_marker[marker]["own"] == {"rackbeat": own} and by_marker[marker]["numbers"]["economic"] == str(
        order
    )
    assert f'<td data-side="rackbeat">{own} <span class="muted">({marker})</span></td>' in activity
    assert list(web.world.rackbeat_app.kit.requests) == before  # not one call to Rackbeat


def test_a_binding_from_before_0014_is_looked_up_live_once_and_then_stored(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    order, marker, own = order_brought_over(web)
    with web.service.store.session() as db:  # as a binding made before the column existed
        db.execute(update(Binding).where(Binding.a_key == marker).values(own_number=None))
    web.login()

    # Rackbeat down: the link back alone, and not asked again at once.
    before = refuse_everything(web)
    by_marker, activity = listed_orders(web)
    assert by_marker[marker]["own"] == {} and f'<td data-side="rackbeat">{marker}</td>' in activity
    assert len(web.world.rackbeat_app.kit.requests) == len(before) + 1  # one look-up, refused
    web.world.rackbeat_app.kit.set_faults(FaultPlan())
    monkeypatch.setattr(history, "OWN_NUMBER_RETRY_SECONDS", 0.0)

    by_marker, activity = listed_orders(web)  # looked up live, found, stored
    assert by_marker[marker]["own"] == {"rackbeat": own}
    assert stored_number(web, marker) == own

    before = refuse_everything(web)
    by_marker, activity = listed_orders(web)
    assert by_marker[marker]["own"] == {"rackbeat": own}
    assert f'<td data-side="rackbeat">{own} <span class="muted">({marker})</span></td>' in activity
    assert list(web.world.rackbeat_app.kit.requests) == before
