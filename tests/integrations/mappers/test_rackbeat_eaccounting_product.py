"""Products ↔ articles, Rackbeat ↔ eAccounting (seed 002 "Product settings"; start-up "Varer"; seed 000:
no stock goes to eEkonomi), and the groups, units and terms the start-up sync numbers by name."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ledgerbridge.engine.streams import MappingError, Record
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.groups import (
    CustomerGroupToEAccounting,
    NamedToRackbeat,
    ProductGroupToRackbeat,
)
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.payment_term import PaymentTermToRackbeat
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.product import (
    ProductToEAccounting,
    ProductToRackbeat,
)
from ledgerbridge.integrations.rackbeat_eaccounting.settings import RackbeatEAccountingSettings
from tests.integrations.mappers.support import FakeContext

CTX = FakeContext(RackbeatEAccountingSettings())


class Refs:
    def __init__(self, coding: Record) -> None:
        self.coding = coding

    def coding_for_group(self, group: Any) -> Record:
        return self.coding

    def unit_id(self, unit: Any) -> str:
        return f"U{unit}"

    def terms_id(self, payment_terms_id: Any) -> str:
        return "T"

    def label_id(self, name: str) -> str | None:
        return None


GOODS = {"Id": "C25", "VatRatePercent": 25, "Type": "Goods"}
PRODUCT: dict[str, Any] = {"number": "5020", "name": "Bolt", "group_id": 1, "unit_id": 2}


def to_eaccounting(coding: Record = GOODS, **fields: Any) -> dict[str, Any]:
    return ProductToEAccounting(Refs(coding)).map({**PRODUCT, **fields}, CTX)


@pytest.mark.parametrize(
    ("rackbeat", "target", "expected"),
    [
        ({"number": 77}, "Number", "77"),
        ({"name": "B" * 60}, "Name", "B" * 50),
        ({}, "CodingId", "C25"),
        ({"unit_id": 3}, "UnitId", "U3"),
        ({"sales_price": "100.005"}, "NetPrice", Decimal("100.01")),
        ({"sales_price": "100"}, "GrossPrice", Decimal("125.00")),
        ({"is_barred": True}, "IsActive", False),
        ({}, "IsStock", True),
        ({"recommended_cost_price": "40.123"}, "PurchasePrice", Decimal("40.12")),
        ({"barcode": 570}, "Barcodes", [{"Barcode": "570", "BarcodeType": 0}]),
    ],
)
def test_a_product_field_reaches_eaccounting(rackbeat: dict[str, Any], target: str, expected: Any) -> None:
    assert to_eaccounting(**rackbeat)[target] == expected


def test_no_stock_goes_to_eaccounting() -> None:
    assert "stock_quantity" in ProductToEAccounting.ignored
    assert "sentinel" not in to_eaccounting(stock_quantity="sentinel").values()


def test_a_service_codings_article_keeps_no_stock_and_its_rate_may_be_a_fraction() -> None:
    payload = to_eaccounting({"Id": "S", "VatRatePercent": "0.12", "Type": "Service"}, sales_price=100)
    assert payload["IsStock"] is False and payload["GrossPrice"] == Decimal("112.00")


def test_absent_cost_price_and_barcode_stay_out() -> None:
    payload = to_eaccounting()
    assert "PurchasePrice" not in payload and "Barcodes" not in payload


ARTICLE: dict[str, Any] = {"Number": "5020", "Name": "Bolt", "CodingId": "c1"}
# Codings and units are keyed by GUID in eAccounting, bound to Rackbeat numbers by the start-up sync.
BOUND = FakeContext(
    RackbeatEAccountingSettings(),
    bindings={("product_group", "c1"): "3", ("product_group", "c2"): "4", ("unit", "u1"): "2"},
)


@pytest.mark.parametrize(
    ("eaccounting", "target", "expected"),
    [
        ({"Number": 77}, "number", "77"),
        ({"Name": "Mutter"}, "name", "Mutter"),
        ({"CodingId": "c2"}, "group", 4),
        ({"NetPrice": "12.5"}, "sales_price", Decimal("12.5")),
        ({"PurchasePrice": 4}, "recommended_cost_price", Decimal(4)),
        ({"Barcodes": [{"Barcode": "570"}, {"Barcode": "571"}]}, "barcode", "570"),
        ({"UnitId": "u1"}, "unit_id", 2),
        ({"IsActive": False}, "is_barred", True),
    ],
)
def test_startup_brings_an_article_field(eaccounting: dict[str, Any], target: str, expected: Any) -> None:
    assert ProductToRackbeat().map({**ARTICLE, **eaccounting}, BOUND)[target] == expected


def test_startup_refuses_an_article_without_a_coding() -> None:
    with pytest.raises(MappingError, match="no account coding"):
        ProductToRackbeat().map({"Number": "1"}, CTX)


class Numbers:
    def number_for(self, name: str) -> int:
        return {"Tjänster": 1, "st": 2, "30 dagar": 3}[name]


def test_startup_numbers_codings_units_and_terms_by_name() -> None:
    assert ProductGroupToRackbeat(Numbers()).map({"Name": " Tjänster "}, CTX) == {
        "number": 1,
        "name": "Tjänster",
        "has_inventory": True,
    }
    assert NamedToRackbeat(Numbers()).map({"Name": "st"}, CTX) == {"number": 2, "name": "st"}
    terms = {"Name": "30 dagar", "TermsOfPaymentTypeId": 1, "NumberOfDays": 30}
    assert PaymentTermToRackbeat(Numbers()).map(terms, CTX) == {
        "number": 3,
        "name": "30 dagar",
        "type": "current_month",
        "maturity_days": 30,
    }
    with pytest.raises(MappingError, match="the account coding has no name"):
        ProductGroupToRackbeat(Numbers()).map({"Name": ""}, CTX)


def test_a_customer_group_becomes_a_customer_label() -> None:
    assert CustomerGroupToEAccounting().map({"number": 2, "name": "Grossister"}, CTX) == {
        "Name": "Grossister",
        "Description": "Rackbeat customer group 2",
    }
