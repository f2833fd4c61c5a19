"""Seed 001 "Varedata": synced product fields reach e-conomic, unsynced ones stay out; and the start-up
sync's product ("Varenummer, navn, varegruppe, beskrivelse, salgspris, vejl. pris, forventet kostpris,
stregkode og enhed")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ledgerbridge.engine.streams import MappingError
from ledgerbridge.integrations.rackbeat_economic.mappers.product import ProductToEconomic, ProductToRackbeat
from ledgerbridge.integrations.rackbeat_economic.settings import RackbeatEconomicSettings
from tests.integrations.mappers.support import FakeContext

CTX = FakeContext(RackbeatEconomicSettings())
PRODUCT: dict[str, Any] = {"number": "5020", "name": "Bolt", "group_id": 1}


def to_economic(**fields: Any) -> dict[str, Any]:
    return ProductToEconomic().map({**PRODUCT, **fields}, CTX)


@pytest.mark.parametrize(
    ("seed_field", "rackbeat", "target", "expected"),
    [
        ("Nummer", {"number": 5021}, "productNumber", "5021"),
        ("Navn", {"name": "Møtrik"}, "name", "Møtrik"),
        ("Gruppe", {"group": {"number": 4}}, "productGroup", {"productGroupNumber": 4}),
        ("Salgspris", {"sales_price": "12.50"}, "salesPrice", Decimal("12.50")),
        ("Vejledende pris", {"recommended_sales_price": "15"}, "recommendedPrice", Decimal(15)),
        ("Stregkode", {"barcode": "5701234567890"}, "barCode", "5701234567890"),
        ("Status", {"is_barred": True}, "barred", True),
        ("Enhed", {"unit": {"number": 2}}, "unit", {"unitNumber": 2}),
        ("Afdeling", {"department_id": 3}, "departmentalDistribution", {"departmentalDistributionNumber": 3}),
        ("Kostpris", {"recommended_cost_price": "4.25"}, "costPrice", Decimal("4.25")),
    ],
)
def test_a_synced_field_reaches_economic(
    seed_field: str, rackbeat: dict[str, Any], target: str, expected: Any
) -> None:
    assert to_economic(**rackbeat)[target] == expected, seed_field


def test_use_actual_cost_price_picks_the_actual_one() -> None:
    settings = RackbeatEconomicSettings.model_validate({"products": {"use_actual_cost_price": True}})
    record = {**PRODUCT, "cost_price": "3.10", "recommended_cost_price": "4.25"}
    payload = ProductToEconomic().map(record, FakeContext(settings))
    assert payload["costPrice"] == Decimal("3.10")


@pytest.mark.parametrize(
    ("seed_field", "rackbeat_field"),
    [
        ("Unit converter enhed", "unit_converter_unit"),
        ("Lagerbeholdning", "stock_quantity"),
        ("Vægt", "weight"),
        ("Enhedens vægt", "unit_weight"),
        ("Bredde", "width"),
        ("Højde", "height"),
        ("Størrelse", "size"),
        ("Dybde", "depth"),
        ("Enhedsstørrelse", "unit_size"),
        ("Brugerdefinerede felter", "custom_fields"),
    ],
)
def test_an_unsynced_field_stays_out(seed_field: str, rackbeat_field: str) -> None:
    assert rackbeat_field in ProductToEconomic.ignored
    assert "sentinel" not in to_economic(**{rackbeat_field: "sentinel"}).values(), seed_field


def test_a_product_without_a_group_is_refused_and_a_missing_price_is_zero() -> None:
    assert to_economic()["salesPrice"] == Decimal(0)
    with pytest.raises(MappingError, match="no product group in Rackbeat"):
        to_economic(group_id=None)


ECONOMIC_PRODUCT: dict[str, Any] = {"productNumber": "5020", "productGroup": {"productGroupNumber": 1}}


def to_rackbeat(**fields: Any) -> dict[str, Any]:
    return ProductToRackbeat().map({**ECONOMIC_PRODUCT, **fields}, CTX)


@pytest.mark.parametrize(
    ("seed_field", "economic", "target", "expected"),
    [
        ("Varenummer", {"productNumber": 77}, "number", "77"),
        ("navn", {"name": "Bolt"}, "name", "Bolt"),
        ("varegruppe", {"productGroup": {"productGroupNumber": 4}}, "group", 4),
        ("beskrivelse", {"description": "M8"}, "description", "M8"),
        ("salgspris", {"salesPrice": "12.5"}, "sales_price", Decimal("12.5")),
        ("vejl. pris", {"recommendedPrice": 15}, "recommended_sales_price", Decimal(15)),
        ("forventet kostpris", {"costPrice": "4"}, "recommended_cost_price", Decimal(4)),
        ("stregkode", {"barCode": "570"}, "barcode", "570"),
        ("enhed", {"unit": {"unitNumber": 2}}, "unit_id", 2),
    ],
)
def test_startup_brings_a_product_field(
    seed_field: str, economic: dict[str, Any], target: str, expected: Any
) -> None:
    assert to_rackbeat(**economic)[target] == expected, seed_field


def test_startup_brings_nothing_else() -> None:
    payload = to_rackbeat(barred=True, departmentalDistribution={"departmentalDistributionNumber": 1})
    assert "is_barred" not in payload and "department_id" not in payload
    assert set(payload) <= {
        "number", "name", "group", "description", "sales_price", "recommended_sales_price",
        "recommended_cost_price", "barcode", "unit_id",
    }  # fmt: skip
