"""e-conomic → Rackbeat: orders by poll, master data per entity, conflicts, across both sandboxes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from ledgerbridge.systems.economic import EconomicClient
from tests.integrations.conftest import World
from tests.integrations.test_realtime import LIVE_SETTINGS, Live, open_live, wait_for


def with_settings(**sections: Any) -> dict[str, Any]:
    return {**LIVE_SETTINGS, **sections}


@pytest.fixture
def orders_live(world: World) -> Iterator[Live]:
    with open_live(world, "orders", with_settings(orders={"enabled": True})) as live:
        yield live


def economic_order(live: Live, *, lines: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An order as an e-conomic user makes it."""
    customer = live.economic.get(f"customers/{live.world.books.records('customers')[0]['customerNumber']}")
    product = live.world.books.records("products")[0]["productNumber"]
    return live.economic.create(
        "orders/drafts",
        {
            "date": date.today().isoformat(),
            "currency": customer["currency"],
            "customer": {"customerNumber": customer["customerNumber"]},
            "layout": customer["layout"],
            "paymentTerms": customer["paymentTerms"],
            "recipient": {"name": customer["name"], "vatZone": customer["vatZone"]},
            "notes": {"heading": "Ordre fra e-conomic"},
            "lines": lines
            or [
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


def rackbeat_order(live: Live, number: int) -> dict[str, Any] | None:
    found = [
        o for o in live.world.ops.records("orders") if o.get("other_reference") == f"e-conomic order {number}"
    ]
    return live.rackbeat.get("orders", found[0]["number"]) if found else None


def session_of(live: Live, name: str) -> Any:
    return live.hub.session(name)[1]


def test_new_and_changed_orders_reach_rackbeat_and_an_idle_poll_costs_one_call_each(
    orders_live: Live,
) -> None:
    live = orders_live
    session = session_of(live, "orders")
    order = economic_order(live)
    assert "orders: 1 seen" in session.poll_orders()
    copy = rackbeat_order(live, order["orderNumber"])
    assert copy is not None
    assert copy["customer_id"] == order["customer"]["customerNumber"]
    assert copy["heading"] == "Ordre fra e-conomic"
    assert [(line["child_id"], str(line["quantity"])) for line in copy["lines"]] == [
        (order["lines"][0]["product"]["productNumber"], "3")
    ]
    # Our write to Rackbeat carried suppress_webhooks: it does not come back as an echo.
    assert all(w.suppress_webhooks for w in live.world.ops.writes("orders"))

    changed = {**order, "notes": {"heading": "Ændret ordre"}}
    live.economic.replace(f"orders/drafts/{order['orderNumber']}", changed)
    session.poll_orders()
    assert rackbeat_order(live, order["orderNumber"])["heading"] == "Ændret ordre"

    writes_before = len(live.world.ops.writes("orders"))
    live.world.economic_app.kit.clear_log()
    session.poll_orders()  # nothing changed
    calls = [r for r in live.world.economic_app.kit.requests if r.path.startswith("/orders")]
    assert [r.path for r in calls] == ["/orders/drafts", "/orders/sent"]  # one call per collection
    assert len(live.world.ops.writes("orders")) == writes_before


def test_lines_without_a_product_need_the_setting(world: World) -> None:
    text_line = [{"lineNumber": 1, "description": "Fragt", "quantity": 1, "unitNetPrice": 95}]
    with open_live(world, "noproduct", with_settings(orders={"enabled": True})) as live:
        order = economic_order(live, lines=text_line)
        session_of(live, "noproduct").poll_orders()
        assert rackbeat_order(live, order["orderNumber"]) is None
        [entry] = [e for e in live.world.service.errors("noproduct") if e.entity == "order"]
        assert "Product nr. for empty e-conomic product lines" in entry.message

    freight = world.ops.records("products")[1]["number"]
    settings = with_settings(
        orders={"enabled": True},
        customer_invoices={**LIVE_SETTINGS["customer_invoices"], "empty_line_product_number": freight},
    )
    with open_live(world, "withproduct", settings) as live:
        session_of(live, "withproduct").poll_orders()
        copy = rackbeat_order(live, order["orderNumber"])
        assert copy is not None and copy["lines"][0]["child_id"] == freight
        assert copy["lines"][0]["name"] == "Fragt"


def test_economic_as_master_edits_flow_to_rackbeat_and_rackbeat_edits_do_not_flow_back(world: World) -> None:
    with open_live(world, "ecomaster", with_settings(master_data={"customers": "economic"})) as live:
        number = world.books.records("customers")[2]["customerNumber"]
        current = live.economic.get(f"customers/{number}")
        live.economic.replace(f"customers/{number}", {**current, "name": "Omdøbt i e-conomic"})
        session_of(live, "ecomaster").poll_master_data()
        assert world.ops.get("customers", number)["name"] == "Omdøbt i e-conomic"

        live.rackbeat.update("customers", number, {"name": "Omdøbt i Rackbeat"})
        world.rackbeat_app.webhooks.flush(5.0)
        assert live.hub.drain()
        assert live.economic.get(f"customers/{number}")["name"] == "Omdøbt i e-conomic"


def test_new_customers_may_start_in_economic_while_rackbeat_is_master(world: World) -> None:
    with open_live(world, "rbmaster", LIVE_SETTINGS) as live:
        template = live.economic.get(f"customers/{world.books.records('customers')[0]['customerNumber']}")
        live.economic.create(
            "customers",
            {
                "customerNumber": 70001,
                "name": "Født i e-conomic ApS",
                "currency": "DKK",
                "customerGroup": template["customerGroup"],
                "paymentTerms": template["paymentTerms"],
                "vatZone": template["vatZone"],
                "layout": template["layout"],
            },
        )
        existing = world.books.records("customers")[1]["customerNumber"]
        before = world.ops.get("customers", existing)["name"]
        current = live.economic.get(f"customers/{existing}")
        live.economic.replace(f"customers/{existing}", {**current, "name": "Ændret i e-conomic"})
        session_of(live, "rbmaster").poll_master_data()
        assert world.ops.get("customers", 70001)["name"] == "Født i e-conomic ApS"
        assert world.ops.get("customers", existing)["name"] == before  # Rackbeat maintains existing ones


def test_both_sides_changed_the_master_wins_and_the_conflict_is_listed(world: World) -> None:
    with open_live(world, "conflict", with_settings(master_data={"customers": "economic"})) as live:
        world.rackbeat_app.webhooks.pause()
        number = world.books.records("customers")[4]["customerNumber"]
        live.rackbeat.update("customers", number, {"contact_phone": "11 11 11 11"})
        current = live.economic.get(f"customers/{number}")
        live.economic.replace(f"customers/{number}", {**current, "telephoneAndFaxNumber": "22 22 22 22"})
        session_of(live, "conflict").poll_master_data()

        assert world.ops.get("customers", number)["contact_phone"] == "22 22 22 22"
        conflicts = world.service.conflicts("conflict")
        assert [
            (c.entity, c.record_key, c.field, c.winning_value, c.losing_value, c.winner) for c in conflicts
        ] == [("customer", str(number), "contact_phone", "22 22 22 22", "11 11 11 11", "economic")]


def test_order_poll_runs_on_the_scheduler(orders_live: Live) -> None:
    order = economic_order(orders_live)
    done = orders_live.hub.periodic_all()
    assert any("orders: 1 seen" in line for line in done)
    wait_for(lambda: rackbeat_order(orders_live, order["orderNumber"]), what="the order in Rackbeat")


@pytest.fixture
def economic_hooks(world: World) -> Iterator[Live]:
    settings = with_settings(
        master_data={"customers": "economic", "products": "economic", "economic_changes": "webhooks"}
    )
    with open_live(world, "hooks", settings) as live:
        for hook, url in live.hub.webhook_urls("hooks", "economic", live.url).items():
            world.economic_app.webhooks.register(hook, url, method="GET")
        yield live


def test_economic_webhooks_carry_edits_to_rackbeat(economic_hooks: Live) -> None:
    live = economic_hooks
    number = live.world.books.records("customers")[6]["customerNumber"]
    current = live.economic.get(f"customers/{number}")
    live.economic.replace(f"customers/{number}", {**current, "name": "Ændret via webhook"})
    wait_for(lambda: live.world.ops.get("customers", number)["name"] == "Ændret via webhook", what="the edit")


def test_renumbering_in_economic_keeps_the_binding(economic_hooks: Live) -> None:
    from ledgerbridge.engine.binder import Binder

    live = economic_hooks
    before = len(live.world.ops.records("customers"))
    old = live.world.books.records("customers")[8]["customerNumber"]
    live.world.books.renumber_customer(old, 88888)
    wait_for(lambda: live.world.ops.get("customers", 88888), what="the renumbered customer in Rackbeat")
    assert live.world.ops.get("customers", old) is None  # the same record, renumbered: not a second one
    assert len(live.world.ops.records("customers")) == before
    integration_id, _ = live.world.service.integration("hooks")

    def binding() -> Any:
        # committed just after the write to Rackbeat that the wait above saw: look until it is there
        with live.world.service.store.session() as session:
            found = Binder(session, integration_id, ("rackbeat", "economic")).find(
                "customer", "economic", "88888"
            )
            return found if found is not None and found.a_key == "88888" else None

    wait_for(binding, what="the binding under the new number")


def test_deleted_in_economic_is_barred_in_rackbeat(economic_hooks: Live) -> None:
    live = economic_hooks
    number = live.world.books.records("products")[9]["productNumber"]
    live.economic.delete(EconomicClient.product_path(str(number)))
    wait_for(
        lambda: live.world.ops.get("products", number)["is_barred"], what="the product barred in Rackbeat"
    )


def test_economic_webhooks_need_their_token(economic_hooks: Live) -> None:
    import httpx

    answer = httpx.get(
        f"{economic_hooks.url}/webhooks/economic/hooks",
        params={"token": "wrong", "type": "CustomerUpdated", "new": "1", "old": "1"},
    )
    assert answer.status_code == 401


def test_a_customer_from_economic_gets_its_billing_address_as_delivery_address(world: World) -> None:
    with open_live(world, "delivery", with_settings(master_data={"customers": "economic"})) as live:
        number = world.books.records("customers")[10]["customerNumber"]
        current = live.economic.get(f"customers/{number}")
        live.economic.replace(
            f"customers/{number}", {**current, "address": "Ny Vej 1", "zip": "7400", "city": "Herning"}
        )
        session_of(live, "delivery").poll_master_data()
        addresses = list(live.rackbeat.list_sub("customers", number, "addresses"))
        assert [(a["type"], a["street"], a["city"]) for a in addresses] == [
            ("delivery", "Ny Vej 1", "Herning")
        ]
        session_of(live, "delivery").poll_master_data()  # nothing changed: no second address
        assert len(list(live.rackbeat.list_sub("customers", number, "addresses"))) == 1


def test_our_writes_to_economic_do_not_bounce_back(world: World) -> None:
    with open_live(world, "echo", with_settings(master_data={"customers": "economic"})) as live:
        group = world.ops.records("customer-groups")[0]["number"]
        terms = world.ops.records("payment-terms")[0]["number"]
        # Born in Rackbeat: created in e-conomic by us (that write bumps e-conomic's lastUpdated).
        live.rackbeat.create(
            "customers",
            {
                "number": 92001,
                "name": "Ekko ApS",
                "customer_group_id": group,
                "payment_terms_id": terms,
                "vat_zone": "domestic",
                "currency": "DKK",
            },
        )
        wait_for(lambda: _exists(live, "customers/92001"), what="the customer in e-conomic")
        writes = len(world.ops.writes("customers"))
        report = session_of(live, "echo").poll_master_data()
        assert "unchanged" in report  # seen in the poll, recognised as our own write
        assert len(world.ops.writes("customers")) == writes


def test_switching_the_master_of_customers(world: World, tmp_path: Any) -> None:
    with open_live(world, "switch", LIVE_SETTINGS) as live:
        number = world.books.records("customers")[11]["customerNumber"]
        current = live.economic.get(f"customers/{number}")
        live.economic.replace(f"customers/{number}", {**current, "name": "Før skiftet"})
        session_of(live, "switch").poll_master_data()
        assert world.ops.get("customers", number)["name"] != "Før skiftet"  # Rackbeat is master

        config = tmp_path / "switch.toml"
        config.write_text(
            f'[economic]\nbase_url = "{world.economic_url}"\napp_secret_token = "app-secret"\n'
            f'agreement_grant_token = "grant"\n[rackbeat]\nbase_url = "{world.rackbeat_url}"\n'
            f'token = "test-token"\n[settings.master_data]\ncustomers = "economic"\n'
        )
        world.service.update_integration_from_file("switch", config)
        live.hub.reload("switch")
        current = live.economic.get(f"customers/{number}")
        live.economic.replace(f"customers/{number}", {**current, "name": "Efter skiftet"})
        session_of(live, "switch").poll_master_data()
        assert world.ops.get("customers", number)["name"] == "Efter skiftet"


def _exists(live: Live, path: str) -> bool:
    from ledgerbridge.systems.errors import NotFoundError

    try:
        live.economic.get(path)
        return True
    except NotFoundError:
        return False
