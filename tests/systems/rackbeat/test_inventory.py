"""BOMs (lots), stock movements at moving average cost, the valuation report and the item ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pytest

from ledgerbridge.systems.errors import NotFoundError, ValidationError
from ledgerbridge.systems.rackbeat import RackbeatClient, RackbeatState
from ledgerbridge.systems.rackbeat.sandbox import SandboxNotFoundError


@pytest.fixture
def goods(seeded: RackbeatState) -> RackbeatState:
    seeded.add("product-groups", {"number": 2, "name": "Raw materials", "has_inventory": True})
    seeded.add("product-groups", {"number": 3, "name": "Services", "has_inventory": False})
    seeded.add("products", {"number": "P1", "name": "Bolt", "group": 1, "unit_id": 1, "sales_price": 2})
    seeded.add("products", {"number": "P2", "name": "Nut", "group": 1, "unit_id": 1, "sales_price": 1})
    seeded.add("products", {"number": "R1", "name": "Steel", "group": 2, "sales_price": 50})
    return seeded


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2025, 1, day, hour, tzinfo=UTC)


# -- BOMs ---------------------------------------------------------------------------------------------
def test_lot_crud_and_shape(client: RackbeatClient, goods: RackbeatState, base_url: str) -> None:
    lot = client.create(
        "lots",
        {
            "number": "KIT/1",
            "name": "Bolt kit",
            "description": "Bolts and nuts",
            "sales_price": "19.95",
            "recommended_sales_price": 25,
            "recommended_cost_price": 6,
            "barcode": "5701",
            "group": 1,
            "unit_id": 1,
            "department_id": 2,
            "lines": [{"product_id": "P1", "quantity": 4}, {"product_id": "P2", "quantity": "4.5"}],
        },
    )
    assert lot["type"] == "lot" and lot["urlfriendly_number"] == "KIT%2F1"
    assert lot["group"]["number"] == 1 and lot["group_id"] == 1
    assert lot["unit"]["name"] == "pcs." and lot["unit_id"] == 1
    assert lot["sales_price"] == Decimal("19.95") and lot["is_barred"] is False
    assert [(line["product_id"], line["name"], line["quantity"]) for line in lot["lines"]] == [
        ("P1", "Bolt", 4),
        ("P2", "Nut", Decimal("4.5")),
    ]
    assert lot["cost_price"] == 0  # components without stock cost nothing yet
    assert lot["self"] == f"{base_url}/lots/KIT%2F1"
    assert client.get("lots", "KIT/1")["id"] == lot["id"]
    changed = client.update(
        "lots", "KIT/1", {"lines": [{"product_id": "P2", "quantity": 2}], "is_barred": True}
    )
    assert [line["product_id"] for line in changed["lines"]] == ["P2"] and changed["is_barred"] is True
    assert [lot["number"] for lot in client.iter_all("lots")] == ["KIT/1"]
    client.delete("lots", "KIT/1")
    assert client.find("lots", "KIT/1") is None


def test_lot_cost_price_follows_the_components_average_cost(raw: httpx.Client, goods: RackbeatState) -> None:
    goods.add("lots", {"number": "K", "name": "Kit", "lines": [{"product_id": "P1", "quantity": 4}]})
    goods.adjust_stock("P1", 10, unit_cost="1.25")
    assert raw.get("/lots/K").json()["lot"]["cost_price"] == 5


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"number": "K", "name": "Kit"}, {"lines": ["The lines field is required."]}),
        ({"number": "K", "name": "Kit", "lines": []}, {"lines": ["The lines field is required."]}),
        (
            {"number": "K", "name": "Kit", "lines": [{"product_id": "NOPE", "quantity": 1}]},
            {"lines.0.product_id": ["The selected lines.0.product id is invalid."]},
        ),
        (
            {"number": "K", "name": "Kit", "lines": [{"product_id": "P1", "quantity": 0}]},
            {"lines.0.quantity": ["The lines.0.quantity field must be greater than 0."]},
        ),
        (
            {"number": "K", "lines": [{"quantity": 1}]},
            {
                "name": ["The name field is required."],
                "lines.0.product_id": ["The lines.0.product id field is required."],
            },
        ),
    ],
)
def test_lot_validation(raw: httpx.Client, goods: RackbeatState, body: dict, errors: dict) -> None:
    response = raw.post("/lots", json=body)
    assert response.status_code == 422
    assert response.json() == {"errors": errors}


def test_a_component_cannot_be_deleted_and_renumbering_follows(
    raw: httpx.Client, goods: RackbeatState
) -> None:
    goods.add("lots", {"number": "K", "name": "Kit", "lines": [{"product_id": "P1", "quantity": 4}]})
    refused = raw.delete("/products/P1")
    assert refused.status_code == 422
    assert refused.json()["errors"]["number"] == [
        "The product cannot be deleted because it is used by 1 lot."
    ]
    raw.put("/products/P1", json={"number": "P1-NEW"})
    assert raw.get("/lots/K").json()["lot"]["lines"][0]["product_id"] == "P1-NEW"


# -- stock at moving average cost -------------------------------------------------------------------------
def test_moving_average_cost_and_stock_on_the_product(raw: httpx.Client, goods: RackbeatState) -> None:
    goods.adjust_stock("P1", 10, unit_cost=5)
    goods.adjust_stock("P1", 10, unit_cost=8)
    product = goods.adjust_stock("P1", -5)
    assert product["stock_quantity"] == 15 and product["cost_price"] == Decimal("6.5")
    shown = raw.get("/products/P1").json()["product"]
    assert (shown["stock_quantity"], shown["available_quantity"], shown["cost_price"]) == (15, 15, 6.5)
    assert shown["sales_profit"] == -4.5  # 2 - 6.5
    # a count without a cost comes in at the average; stock can go negative and come back at the new cost
    goods.adjust_stock("P1", 5)
    assert goods.get("products", "P1")["cost_price"] == Decimal("6.5")
    goods.adjust_stock("P1", -25)
    goods.adjust_stock("P1", 10, unit_cost=3)
    assert goods.get("products", "P1")["cost_price"] == 3


def test_the_average_keeps_its_digits(goods: RackbeatState) -> None:
    goods.adjust_stock("P2", 3, unit_cost=1)
    goods.adjust_stock("P2", 3, unit_cost=2)
    goods.adjust_stock("P2", 3, unit_cost=2)
    # (3 + 6 + 6) / 9 = 1.666…: shown to 6 decimals, valued at full precision (9 × 1.666… = 15.00)
    assert goods.get("products", "P2")["cost_price"] == Decimal("1.666667")
    assert goods.valuation()["total_value"] == Decimal("15.00")


def test_adjust_stock_refuses_nonsense(goods: RackbeatState) -> None:
    with pytest.raises(ValueError):
        goods.adjust_stock("P1", 0)
    with pytest.raises(ValueError):
        goods.adjust_stock("P1", -1, unit_cost=5)
    with pytest.raises(ValueError):
        goods.adjust_stock("P1", 1, unit_cost=-5)
    with pytest.raises(ValueError):
        goods.adjust_stock("P1", "lots")
    with pytest.raises(SandboxNotFoundError):
        goods.adjust_stock("NOPE", 1)


def test_valuation_at_past_dates_and_now(
    raw: httpx.Client, client: RackbeatClient, goods: RackbeatState
) -> None:
    goods.adjust_stock("P1", 10, unit_cost=5, at=at(1))
    goods.adjust_stock("P1", 10, unit_cost=8, at=at(3))
    goods.adjust_stock("P1", -5, at=at(5))
    goods.adjust_stock("R1", "2.5", unit_cost="100.004", at=at(2, 23))  # 250.01

    def value(day: date | None) -> dict:
        return client.get_valuation(day)

    before = value(date(2024, 12, 31))
    assert before == {
        "date": "2024-12-31",
        "total_value": 0,
        "currency": "DKK",
        "groups": [
            {"number": 1, "name": "Goods", "value": 0},
            {"number": 2, "name": "Raw materials", "value": 0},
        ],
    }  # the services group has no inventory and holds nothing: not listed
    assert value(date(2025, 1, 1))["total_value"] == Decimal("50")
    day2 = value(date(2025, 1, 2))  # the end of the day counts: Steel came in at 23:00
    assert [g["value"] for g in day2["groups"]] == [Decimal("50"), Decimal("250.01")]
    assert value(date(2025, 1, 3))["total_value"] == Decimal("380.01")  # 20 × 6.5 + 250.01
    assert value(date(2025, 1, 5))["total_value"] == Decimal("347.51")  # 15 × 6.5 + 250.01
    now = value(None)  # the clock says 2025-01-08
    assert now["date"] == "2025-01-08" and now["total_value"] == Decimal("347.51")
    # a late entry, back-dated: the averages after it are replayed
    goods.adjust_stock("P1", 5, unit_cost=2, at=at(2))
    assert value(date(2025, 1, 3))["groups"][0]["value"] == Decimal("140.00")  # 25 × 5.6
    assert value(None)["groups"][0]["value"] == Decimal("112.00")  # 20 × 5.6
    wire = raw.get("/reports/valuation", params={"date": "2025-01-01"})
    assert wire.status_code == 200 and '"total_value":50' in wire.text
    assert set(wire.json()) == {"valuation"}
    bad = raw.get("/reports/valuation", params={"date": "yesterday"})
    assert bad.status_code == 422 and bad.json() == {
        "errors": {"date": ["The date field must be a valid date."]}
    }


def test_a_valued_group_without_inventory_is_listed(goods: RackbeatState) -> None:
    goods.add("products", {"number": "S1", "name": "Service kit", "group": 3, "sales_price": 1})
    goods.adjust_stock("S1", 1, unit_cost=10)
    assert [g["number"] for g in goods.valuation()["groups"]] == [1, 2, 3]


def test_the_ledger_lists_movements_with_cost_and_value(
    raw: httpx.Client, client: RackbeatClient, goods: RackbeatState
) -> None:
    goods.adjust_stock("P1", 10, unit_cost=5, at=at(1), reference="count")
    goods.adjust_stock("P1", 10, unit_cost=8, at=at(3))
    goods.adjust_stock("P1", -3, at=at(4), type="sale")
    response = raw.get("/reports/ledger/P1", params={"limit": 2})
    assert response.status_code == 206
    body = response.json()
    assert (body["total"], body["pages"]) == (3, 2)
    first = body["ledger_items"][0]
    assert first == {
        "id": first["id"],
        "date": "2025-01-01T12:00:00+00:00",
        "quantity": 10,
        "unit_cost": 5,
        "value": 50,
        "type": "adjustment",
        "reference": "count",
        "stock_quantity": 10,
        "cost_price": 5,
    }
    items = list(client.iter_ledger("P1"))
    assert [(i["quantity"], i["unit_cost"], i["value"], i["type"]) for i in items] == [
        (10, 5, 50, "adjustment"),
        (10, 8, 80, "adjustment"),
        (-3, Decimal("6.5"), Decimal("-19.5"), "sale"),
    ]
    assert raw.get("/reports/ledger/NOPE").status_code == 404
    with pytest.raises(NotFoundError):
        list(client.iter_ledger("NOPE"))


def test_stock_does_not_touch_updated_at(raw: httpx.Client, goods: RackbeatState) -> None:
    before = raw.get("/products/P1").json()["product"]["updated_at"]
    goods.adjust_stock("P1", 1, unit_cost=1)
    assert raw.get("/products/P1").json()["product"]["updated_at"] == before


def test_stock_fields_are_read_only(client: RackbeatClient, goods: RackbeatState) -> None:
    updated = client.update("products", "P1", {"stock_quantity": 99, "cost_price": 12})
    assert updated["stock_quantity"] == 0 and updated["cost_price"] == 0
    with pytest.raises(ValidationError):
        client.create("lots", {"number": "X", "name": "X", "lines": [{"product_id": "P1", "quantity": -1}]})
