"""Seed 004's article rules (C46–C53), both directions: a synced field reaches its target field, a field
not synced is absent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import pytest

from ledgerbridge.engine.streams import MappingError
from ledgerbridge.integrations.severa_eaccounting.lookups import Lookups
from ledgerbridge.integrations.severa_eaccounting.mappers.product import (
    ArticleToEAccounting,
    ProductToSevera,
)
from tests.integrations.mappers.severa_support import CTX, FakeLookups

PRODUCT = {
    "guid": "p-1",
    "_register": "product",
    "code": " P-100 ",
    "name": "Virke",
    "isActive": True,
    "measurementUnit": "kg",
    "unitPrice": {"amount": 100, "currencyCode": "SEK"},
    "vatRate": 12,
}
WORK_TYPE = {"guid": "wt-1", "_register": "work type", "code": "KONS", "name": "Konsult", "isActive": True}
TRAVEL = {
    "guid": "tt-1",
    "_register": "travel expense type",
    "code": "MIL",
    "name": "Milersättning",
    "expenseClass": "Mileage",
    "vatRate": 25,
}
ARTICLE = {
    "Id": "a-1",
    "Number": "A-7",
    "Name": "Skruv",
    "IsActive": False,
    "UnitId": "U-st",
    "NetPrice": "12.50",
    "CodingId": "C12",
}


def to_article(item: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return ArticleToEAccounting(cast(Lookups, FakeLookups())).map({**item, **fields}, CTX)


def to_severa(**fields: Any) -> dict[str, Any]:
    return ProductToSevera(cast(Lookups, FakeLookups())).map({**ARTICLE, **fields}, CTX)


# -- Severa → eEkonomi --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("Number", "P-100"),  # C47: the code
        ("Name", "Virke"),  # C48
        ("IsActive", True),  # C46
        ("UnitId", "U-kg"),  # C50: the product's own unit where eEkonomi has it
        ("NetPrice", Decimal("100")),  # C51
        ("GrossPrice", Decimal("112.00")),  # C52: at Severa's rate
        ("CodingId", "C12"),  # C49: the coding of that rate
    ],
)
def test_a_synced_product_field_reaches_the_article(target: str, expected: Any) -> None:
    assert to_article(PRODUCT)[target] == expected


def test_a_work_type_takes_the_price_list_price_the_default_vat_and_the_hour_unit() -> None:  # A16
    article = to_article(WORK_TYPE)
    assert (article["UnitId"], article["NetPrice"], article["GrossPrice"]) == (
        "U-tim",
        Decimal("950"),
        Decimal("1187.50"),
    )
    assert to_article(WORK_TYPE, guid="wt-unpriced")["NetPrice"] == Decimal(0)


def test_a_travel_type_takes_its_travel_price_and_its_class_unit() -> None:  # C50, A16
    article = to_article(TRAVEL)
    assert (article["UnitId"], article["NetPrice"], article["GrossPrice"]) == (
        "U-km",
        Decimal("25"),
        Decimal("31.25"),
    )
    assert to_article(TRAVEL, expenseClass="OtherTravelExpense")["UnitId"] == "U-st"


def test_a_product_without_a_known_unit_takes_the_settings_unit_and_one_without_the_flag_is_active() -> None:
    article = to_article({k: v for k, v in PRODUCT.items() if k != "isActive"}, measurementUnit="fat")
    assert (article["UnitId"], article["IsActive"]) == ("U-st", True)


@pytest.mark.parametrize("severa_field", ArticleToEAccounting.ignored)
def test_a_severa_field_not_synced_is_absent(severa_field: str) -> None:
    assert "sentinel" not in to_article(PRODUCT, **{severa_field: "sentinel"}).values()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"code": " "}, "has no code"),  # C8
        ({"_clash": True}, "more than one Severa register"),  # C8
        ({"name": "N" * 51}, "eEkonomi allows 50"),  # A8
    ],
)
def test_an_item_eaccounting_cannot_take_is_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(MappingError, match=message):
        to_article(PRODUCT, **fields)


# -- eEkonomi → Severa --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("code", "A-7"),
        ("name", "Skruv"),
        ("isActive", False),
        ("type", "Materials"),  # C53, A18: everything goes to the product register
        ("measurementUnit", "st"),
        ("unitPrice", {"amount": Decimal("12.50"), "currencyCode": "SEK"}),
        ("vatRate", Decimal("12")),  # the coding's rate
    ],
)
def test_a_synced_article_field_reaches_the_severa_product(target: str, expected: Any) -> None:
    assert to_severa()[target] == expected


def test_an_article_without_a_coding_rate_takes_the_default_vat() -> None:
    assert to_severa(CodingId="gone")["vatRate"] == Decimal("25")


@pytest.mark.parametrize("eaccounting_field", ProductToSevera.ignored)
def test_an_article_field_not_synced_is_absent(eaccounting_field: str) -> None:
    assert "sentinel" not in str(to_severa(**{eaccounting_field: "sentinel"}))
