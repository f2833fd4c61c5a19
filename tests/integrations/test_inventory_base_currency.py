"""Issue 11, Rackbeat → e-conomic inventory value: Rackbeat values the stock in its base currency; when
e-conomic keeps its books in another one, nothing is posted and the error log says why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tests.integrations.conftest import World
from tests.integrations.test_realtime import LIVE_SETTINGS, open_live

SETTINGS = {
    **LIVE_SETTINGS,
    "inventory_value": {
        "enabled": True,
        "frequency": "daily",
        "day_book": 3,
        "inventory_account": 5510,
        "offset_account": 1250,
    },
}


def test_an_inventory_value_in_another_base_currency_than_economics_is_not_posted(world: World) -> None:
    world.ops.set_base_currency("SEK")  # a Swedish Rackbeat company; e-conomic keeps DKK
    with open_live(world, "stock", SETTINGS) as live:
        product = world.ops.records("products")[0]["number"]
        day0 = datetime.now(UTC).replace(hour=12) - timedelta(days=3)
        world.ops.adjust_stock(
            product, Decimal("10"), unit_cost=Decimal("20.00"), at=day0 - timedelta(days=1)
        )
        assert any("starting point" in line for line in live.hub.periodic_all(day0))
        world.ops.adjust_stock(
            product, Decimal("5"), unit_cost=Decimal("20.00"), at=day0 + timedelta(hours=1)
        )

        live.hub.periodic_all(day0 + timedelta(days=2))

        assert world.books.journal_entries(3) == []  # nothing posted as DKK
        [entry] = [e for e in world.service.errors("stock") if e.entity == "inventory-value"]
        assert "is in SEK (Rackbeat's base currency), but e-conomic keeps its books in DKK" in entry.message
        assert "nothing is posted" in entry.message


def test_an_inventory_value_in_economics_base_currency_is_posted_in_it(world: World) -> None:
    with open_live(world, "stock", SETTINGS) as live:
        product = world.ops.records("products")[0]["number"]
        day0 = datetime.now(UTC).replace(hour=12) - timedelta(days=3)
        world.ops.adjust_stock(
            product, Decimal("10"), unit_cost=Decimal("20.00"), at=day0 - timedelta(days=1)
        )
        live.hub.periodic_all(day0)
        world.ops.adjust_stock(
            product, Decimal("5"), unit_cost=Decimal("20.00"), at=day0 + timedelta(hours=1)
        )

        live.hub.periodic_all(day0 + timedelta(days=2))

        entries = world.books.journal_entries(3)
        assert sorted(Decimal(str(e["amount"])) for e in entries if e["accountNumber"] == 5510) == [
            Decimal("100.00")
        ]
