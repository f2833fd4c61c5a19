"""Seed 001 "Leverandørdata": synced supplier fields reach e-conomic, attention and payment type stay out;
and the start-up sync's supplier."""

from __future__ import annotations

from typing import Any

import pytest

from ledgerbridge.engine.streams import MappingError
from ledgerbridge.integrations.rackbeat_economic.mappers.supplier import (
    SupplierToEconomic,
    SupplierToRackbeat,
)
from ledgerbridge.integrations.rackbeat_economic.settings import RackbeatEconomicSettings
from tests.integrations.mappers.support import FakeContext

CTX = FakeContext(RackbeatEconomicSettings(), {"vat_zone": {3: "abroad"}})
SUPPLIER: dict[str, Any] = {"number": 301, "name": "Stål A/S", "payment_terms_id": 1}


def to_economic(**fields: Any) -> dict[str, Any]:
    return SupplierToEconomic().map({**SUPPLIER, **fields}, CTX)


@pytest.mark.parametrize(
    ("seed_field", "rackbeat", "target", "expected"),
    [
        ("Nummer", {"number": 302}, "supplierNumber", 302),
        ("Navn", {"name": "Jern ApS"}, "name", "Jern ApS"),
        ("Gruppe", {"supplier_group_id": 2}, "supplierGroup", {"supplierGroupNumber": 2}),
        ("CVR nummer", {"company_vat": "DK87654321"}, "corporateIdentificationNumber", "DK87654321"),
        ("Status/adgang", {"is_barred": True}, "barred", True),
        ("Telefon", {"contact_phone": "70101010"}, "phone", "70101010"),
        ("Valuta", {"currency": "SEK"}, "currency", "SEK"),
        ("Layout", {"layout_id": 5}, "layout", {"layoutNumber": 5}),
        ("Betalingsbetingelser", {"payment_terms_id": 4}, "paymentTerms", {"paymentTermsNumber": 4}),
        ("Momszone", {"vat_zone": "eu"}, "vatZone", {"vatZoneNumber": 2}),
    ],
)
def test_a_synced_field_reaches_economic(
    seed_field: str, rackbeat: dict[str, Any], target: str, expected: Any
) -> None:
    assert to_economic(**rackbeat)[target] == expected, seed_field


@pytest.mark.parametrize(
    ("seed_field", "rackbeat_field"), [("Attention", "attention"), ("Betalingstype", "payment_type")]
)
def test_an_unsynced_field_stays_out(seed_field: str, rackbeat_field: str) -> None:
    assert rackbeat_field in SupplierToEconomic.ignored
    assert "sentinel" not in to_economic(**{rackbeat_field: "sentinel"}).values(), seed_field


def test_a_supplier_without_payment_terms_is_refused() -> None:
    with pytest.raises(MappingError, match="no payment terms"):
        to_economic(payment_terms_id=None)


def test_startup_brings_a_supplier() -> None:
    record = {
        "supplierNumber": 301,
        "name": "Stål A/S",
        "supplierGroup": {"supplierGroupNumber": 2},
        "corporateIdentificationNumber": "DK1",
        "currency": "SEK",
        "vatZone": {"vatZoneNumber": 3},
        "paymentTerms": {"paymentTermsNumber": 4},
        "layout": {"layoutNumber": 5},
        "email": "a@x.dk; b@x.dk",
        "phone": "70",
        "barred": False,
        "city": "Vejle",
        "attention": {"number": 1},
    }
    assert SupplierToRackbeat().map(record, CTX) == {
        "number": 301,
        "name": "Stål A/S",
        "supplier_group_id": 2,
        "company_vat": "DK1",
        "currency": "SEK",
        "vat_zone": "abroad",
        "payment_terms_id": 4,
        "layout_id": 5,
        "contact_email": "a@x.dk",
        "contact_phone": "70",
        "is_barred": False,
        "address_city": "Vejle",
    }
