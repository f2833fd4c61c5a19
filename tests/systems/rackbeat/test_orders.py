"""Sales orders in the sandbox (``/orders``): lines and totals, "Product needed", customer defaults,
the booking lock, the ``/lines`` sub-resource, the ``other_reference`` filter and webhooks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgerbridge.systems.errors import NotFoundError, ValidationError
from ledgerbridge.systems.rackbeat import RackbeatClient, RackbeatState
from ledgerbridge.systems.rackbeat.sandbox import RackbeatSandboxApp

from .conftest import Receiver


@pytest.fixture
def shop(seeded: RackbeatState) -> RackbeatState:
    """Basics plus a customer with address, terms and a delivery address, a foreign customer,
    a product and a BOM."""
    seeded.add(
        "customers",
        {
            "number": 100,
            "name": "Hansen Tømrer ApS",
            "customer_group_id": 1,
            "payment_terms_id": 1,
            "layout_id": 1,
            "employee_id": 1,
            "their_reference": "Bo",
            "address_street": "Vestergade 1",
            "address_zipcode": "8000",
            "address_city": "Aarhus C",
            "address_country": "Denmark",
        },
    )
    seeded.sub_create(
        "customers", 100, "addresses", {"type": "delivery", "name": "Byggeplads", "street": "Havnen 3"}
    )
    seeded.add(
        "customers",
        {"number": 200, "name": "Export GmbH", "customer_group_id": 1, "currency": "EUR", "vat_zone": "eu"},
    )
    seeded.add("products", {"number": "P1", "name": "Bolt", "group": 1, "unit_id": 1, "sales_price": "12.5"})
    seeded.add("products", {"number": "P/2", "name": "Nut", "group": 1, "sales_price": "0.4"})
    seeded.add(
        "lots",
        {
            "number": "KIT",
            "name": "Bolt kit",
            "sales_price": 99,
            "lines": [{"product_id": "P1", "quantity": 4}],
        },
    )
    return seeded


def post_order(raw: httpx.Client, body: dict[str, Any], path: str = "/orders") -> dict[str, Any]:
    response = raw.post(path, json=body)
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()["order"]
    return order


def subscribe(raw: httpx.Client, event: str, url: str) -> None:
    assert raw.post("/webhooks", json={"event": event, "url": url}).status_code == 201


# -- create, lines and totals ------------------------------------------------------------------------
def test_create_with_lines_has_exact_totals_and_the_documented_fields(
    raw: httpx.Client, shop: RackbeatState
) -> None:
    response = raw.post(
        "/orders",
        json={
            "customer_id": 100,
            "order_date": "2025-01-07",
            "deliver_at": "2025-01-20",
            "heading": "Ordre fra e-conomic",
            "other_reference": "economic-order-17",
            "lines": [
                # 3 × 12.5 (the product's price) = 37.50; VAT 9.375 -> 9.38
                {"item_id": "P1", "quantity": 3},
                # 2.5 × 19.999999 × 0.9 = 44.99999775 -> 45.00; VAT 11.25
                {"child_id": "P/2", "quantity": "2.5", "line_price": "19.999999", "discount_percentage": 10},
                # a BOM, its price, no VAT: 99.00
                {"item_id": "KIT", "quantity": 1, "vat_percentage": 0, "name": "Kit (special)"},
            ],
        },
    )
    assert response.status_code == 201, response.text
    order = response.json()["order"]
    assert order["number"] == 1
    assert order["customer_id"] == 100 and order["customer"] == {"number": 100, "name": "Hansen Tømrer ApS"}
    assert order["order_date"] == "2025-01-07" and order["deliver_at"] == "2025-01-20"
    assert [line["line_total"] for line in order["lines"]] == [37.5, 45.0, 99.0]
    assert '"total_subtotal":181.5' in response.text
    assert '"total_vat":20.63' in response.text  # 9.38 + 11.25 + 0, summed per line
    assert '"total_total":202.13' in response.text
    first, second, third = order["lines"]
    assert first["child_id"] == "P1" and first["child_type"] == "product" and first["name"] == "Bolt"
    assert first["line_price"] == 12.5 and first["vat_percentage"] == 25 and first["unit_id"] == 1
    assert second["child_id"] == "P/2" and second["discount_percentage"] == 10
    assert third["child_type"] == "lot" and third["name"] == "Kit (special)"
    assert {"id", "quantity"} <= set(first)
    for flag in ("is_booked", "is_archived", "is_cancelled", "is_shipped", "is_invoiced"):
        assert order[flag] is False
    assert order["other_reference"] == "economic-order-17"
    assert order["self"].endswith("/orders/1")
    assert raw.get("/orders/1").json()["order"] == order


def test_client_round_trip_reads_decimals_and_numbers_max_plus_one(
    client: RackbeatClient, shop: RackbeatState
) -> None:
    first = client.create(
        "orders", {"number": 41, "customer_id": 100, "lines": [{"item_id": "P1", "quantity": 1}]}
    )
    second = client.create("orders", {"customer_id": 100, "lines": [{"item_id": "P1", "quantity": "0.5"}]})
    assert (first["number"], second["number"]) == (41, 42)
    assert second["total_total"] == Decimal("7.81")  # 6.25 + VAT 1.5625 -> 1.56
    assert client.get("orders", 42)["number"] == 42
    assert client.find("orders", 99) is None
    draft = client.create("orders/drafts", {"customer_id": 100})
    assert draft["number"] == 43 and draft["lines"] == [] and draft["is_booked"] is False


def test_every_line_needs_a_known_product(raw: httpx.Client, shop: RackbeatState) -> None:
    response = raw.post(
        "/orders",
        json={
            "customer_id": 100,
            "lines": [
                {"item_id": "P1", "quantity": 1},
                {"name": "Fragt", "quantity": 1, "line_price": 50},  # a text line: no product
                {"child_id": "NOPE", "quantity": 1},  # unknown, through the alias
                {"item_id": "NOPE", "quantity": 1},
            ],
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "lines.1.item_id": ["Product needed"],
        "lines.2.item_id": ["Product needed"],
        "lines.3.item_id": ["Product needed"],
    }
    assert shop.records("orders") == []


def test_validation_is_laravel_style(client: RackbeatClient, shop: RackbeatState) -> None:
    with pytest.raises(ValidationError) as caught:
        client.create("orders", {"customer_id": 999, "order_date": "soon", "lines": [{"item_id": "P1"}]})
    assert caught.value.errors == {
        "customer_id": ["The selected customer id is invalid."],
        "order_date": ["The order date field must be a valid date."],
        "lines.0.quantity": ["The lines.0.quantity field is required."],
    }
    with pytest.raises(ValidationError) as missing:
        client.create("orders", {})
    assert missing.value.errors == {"customer_id": ["The customer id field is required."]}


def test_defaults_come_from_the_customer(raw: httpx.Client, shop: RackbeatState) -> None:
    order = post_order(raw, {"customer_id": 100})
    assert order["order_date"] == "2025-01-08"  # the sandbox clock's today
    assert order["deliver_at"] is None
    assert order["address_name"] == "Hansen Tømrer ApS"
    assert order["address_street"] == "Vestergade 1" and order["address_city"] == "Aarhus C"
    assert order["delivery_address_name"] == "Byggeplads" and order["delivery_address_street"] == "Havnen 3"
    assert (order["payment_terms_id"], order["layout_id"], order["their_reference"]) == (1, 1, "Bo")
    assert order["our_reference"] == {"number": 1, "name": "Ada Lovelace"}
    assert (order["currency"], order["currency_rate"], order["vat_zone"]) == ("DKK", 100, "domestic")

    export = post_order(raw, {"customer_id": 200, "lines": [{"item_id": "P1", "quantity": 2}]})
    assert (export["currency"], export["currency_rate"], export["vat_zone"]) == ("EUR", 745.5, "eu")
    assert export["lines"][0]["vat_percentage"] == 0 and export["total_total"] == 25

    given = post_order(raw, {"customer_id": 100, "address_name": "Someone else", "their_reference": None})
    assert given["address_name"] == "Someone else" and given["their_reference"] is None


# -- PUT, booking, DELETE ----------------------------------------------------------------------------
def test_put_before_booking_changes_anything_after_only_note_and_heading(
    client: RackbeatClient, shop: RackbeatState
) -> None:
    created = client.create("orders", {"customer_id": 100, "lines": [{"item_id": "P1", "quantity": 1}]})
    changed = client.update(
        "orders",
        created["number"],
        {
            "deliver_at": "2025-02-01",
            "lines": [{"item_id": "P1", "quantity": 4}, {"item_id": "P/2", "quantity": 10}],
        },
    )
    assert changed["deliver_at"] == "2025-02-01"
    assert changed["total_subtotal"] == Decimal("54")  # 50 + 4
    assert changed["address_street"] == "Vestergade 1"  # a partial update keeps the rest

    booked = client.book("orders", 1, {"mail": {"send": False}})
    assert booked["is_booked"] is True and booked["booked_at"] is not None

    noted = client.update("orders", 1, {"note": "Ring før levering", "heading": "Haster"})
    assert (noted["note"], noted["heading"]) == ("Ring før levering", "Haster")
    unchanged = client.update(
        "orders", 1, {key: noted[key] for key in ("deliver_at", "lines", "customer_id")}
    )
    assert unchanged == noted  # the same values sent back are no change
    for body in ({"deliver_at": "2025-03-01"}, {"lines": [{"item_id": "P1", "quantity": 1}]}):
        with pytest.raises(ValidationError) as caught:
            client.update("orders", 1, body)
        assert caught.value.errors == {"is_booked": ["A booked order cannot be changed."]}
    with pytest.raises(ValidationError) as twice:
        client.book("orders", 1)
    assert twice.value.errors == {"is_booked": ["The order is already booked."]}
    with pytest.raises(ValidationError) as locked:
        client.delete("orders", 1)
    assert locked.value.errors == {"is_booked": ["A booked order cannot be deleted."]}


def test_booking_needs_lines_moves_no_stock_and_delete_only_unbooked(
    client: RackbeatClient, shop: RackbeatState
) -> None:
    shop.adjust_stock("P1", 10, 4)
    empty = client.create("orders/drafts", {"customer_id": 100})
    with pytest.raises(ValidationError) as caught:
        client.book("orders", empty["number"])
    assert caught.value.errors == {"lines": ["The order must have at least one line."]}
    client.delete("orders", empty["number"])
    assert client.find("orders", empty["number"]) is None
    with pytest.raises(NotFoundError):
        client.delete("orders", empty["number"])
    order = client.create("orders", {"customer_id": 100, "lines": [{"item_id": "P1", "quantity": 3}]})
    client.book("orders", order["number"])
    assert client.get("products", "P1")["stock_quantity"] == 10
    # the product and the customer are in use now
    with pytest.raises(ValidationError):
        client.delete("products", "P1")
    with pytest.raises(ValidationError):
        client.delete("customers", 100)


# -- lines sub-resource ------------------------------------------------------------------------------
def test_lines_sub_resource(raw: httpx.Client, client: RackbeatClient, shop: RackbeatState) -> None:
    order = client.create("orders", {"customer_id": 100, "lines": [{"item_id": "P1", "quantity": 1}]})
    listed = raw.get("/orders/1/lines")
    assert listed.status_code == 206 and listed.json()["total"] == 1
    assert list(client.list_sub("orders", 1, "lines")) == order["lines"]

    added = client.create_sub("orders", 1, "lines", {"item_id": "P/2", "quantity": 5, "line_price": "0.5"})
    assert added["child_id"] == "P/2" and added["line_total"] == Decimal("2.5")
    assert raw.get(f"/orders/1/lines/{added['id']}").json()["order_line"]["id"] == added["id"]

    changed = client.update_sub("orders", 1, "lines", added["id"], {"quantity": 6})
    assert changed["line_total"] == Decimal("3") and changed["line_price"] == Decimal("0.5")
    swapped = client.update_sub("orders", 1, "lines", added["id"], {"item_id": "P1"})
    assert (swapped["name"], swapped["line_price"], swapped["quantity"]) == ("Bolt", Decimal("12.5"), 6)
    assert client.get("orders", 1)["total_subtotal"] == Decimal("87.5")  # 12.5 + 75

    with pytest.raises(ValidationError) as caught:
        client.create_sub("orders", 1, "lines", {"name": "Fragt", "quantity": 1})
    assert caught.value.errors == {"item_id": ["Product needed"]}
    with pytest.raises(ValidationError):
        client.update_sub("orders", 1, "lines", added["id"], {"item_id": "NOPE"})

    client.delete_sub("orders", 1, "lines", order["lines"][0]["id"])
    assert [line["id"] for line in client.get("orders", 1)["lines"]] == [added["id"]]
    with pytest.raises(NotFoundError):
        client.update_sub("orders", 1, "lines", 9999, {"quantity": 1})
    assert raw.get("/orders/77/lines").status_code == 404

    client.book("orders", 1)
    with pytest.raises(ValidationError) as locked:
        client.update_sub("orders", 1, "lines", added["id"], {"quantity": 1})
    assert locked.value.errors == {"is_booked": ["A booked order cannot be changed."]}
    with pytest.raises(ValidationError):
        client.create_sub("orders", 1, "lines", {"item_id": "P1", "quantity": 1})
    with pytest.raises(ValidationError):
        client.delete_sub("orders", 1, "lines", added["id"])
    assert [(w.resource, w.action, w.key) for w in shop.writes("order-lines")] == [
        ("order-lines", "create", 1),
        ("order-lines", "update", 1),
        ("order-lines", "update", 1),
        ("order-lines", "delete", 1),
    ]


# -- lists -------------------------------------------------------------------------------------------
def test_list_filters(raw: httpx.Client, client: RackbeatClient, shop: RackbeatState) -> None:
    for ref in ("economic-1", "economic-2", None):
        client.create(
            "orders",
            {"customer_id": 100, "other_reference": ref, "lines": [{"item_id": "P1", "quantity": 1}]},
        )
    client.book("orders", 2)
    found = list(client.iter_all("orders", params={"other_reference": "economic-2"}))
    assert [o["number"] for o in found] == [2]
    assert list(client.iter_all("orders", params={"other_reference": "economic"})) == []  # exact match only
    listed = raw.get("/orders", params={"is_booked": "false"})
    assert listed.status_code == 206 and [o["number"] for o in listed.json()["orders"]] == [1, 3]
    ranged = raw.get("/orders", params={"number_from": 2, "number_to": 3}).json()["orders"]
    assert [o["number"] for o in ranged] == [2, 3]
    since = raw.get("/orders", params={"updated_at_from": "2025-01-08 10:30:00"}).json()
    assert since["total"] == 3
    assert raw.get("/orders", params={"updated_at_to": "2025-01-01"}).json()["total"] == 0


# -- webhooks ----------------------------------------------------------------------------------------
def test_webhooks_fire_and_can_be_suppressed(
    raw: httpx.Client,
    client: RackbeatClient,
    shop: RackbeatState,
    hooks: RackbeatSandboxApp,
    receiver: Receiver,
) -> None:
    for event in ("order.created", "order.updated", "order.booked"):
        subscribe(raw, event, receiver.url())
    client.create("orders", {"customer_id": 100, "lines": [{"item_id": "P1", "quantity": 1}]})
    client.update("orders", 1, {"heading": "Ny"})
    client.update("orders", 1, {"heading": "Ny"})  # no change, no event
    line = client.create_sub("orders", 1, "lines", {"item_id": "P1", "quantity": 2})
    client.book("orders", 1)
    # the same writes, suppressed
    client.create(
        "orders", {"customer_id": 100, "lines": [{"item_id": "P1", "quantity": 1}]}, suppress_webhooks=True
    )
    client.update("orders", 2, {"heading": "Stille"}, suppress_webhooks=True)
    client.create_sub("orders", 2, "lines", {"item_id": "P1", "quantity": 1}, suppress_webhooks=True)
    client.book("orders", 2, {"suppress_webhooks": True})
    assert hooks.webhooks.flush(5)
    assert receiver.events() == [
        ("order.created", "1"),
        ("order.updated", "1"),
        ("order.updated", "1"),
        ("order.booked", "1"),
    ]
    assert line["id"]
    writes = [(w.resource, w.action, w.key, w.suppress_webhooks) for w in shop.writes()]
    assert writes == [
        ("orders", "create", 1, False),
        ("orders", "update", 1, False),
        ("orders", "update", 1, False),
        ("order-lines", "create", 1, False),
        ("orders", "book", 1, False),
        ("orders", "create", 2, True),
        ("orders", "update", 2, True),
        ("order-lines", "create", 2, True),
        ("orders", "book", 2, True),
    ]


def test_a_user_booking_in_the_ui_fires_order_booked(
    raw: httpx.Client, shop: RackbeatState, hooks: RackbeatSandboxApp, receiver: Receiver
) -> None:
    subscribe(raw, "order.booked", receiver.url())
    shop.add("orders", {"number": 5, "customer_id": 100, "lines": [{"item_id": "P1", "quantity": 1}]})
    assert shop.book_order(5)["is_booked"] is True
    assert hooks.webhooks.flush(5)
    assert receiver.events() == [("order.booked", "5")]
    assert shop.writes() == []  # Python writes are not API writes
