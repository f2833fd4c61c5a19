"""Seed 001 "Kundedata": each synced field reaches e-conomic, each unsynced one stays out; and the start-up
sync's customer (e-conomic → Rackbeat)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ledgerbridge.engine.streams import MappingError
from ledgerbridge.integrations.rackbeat_economic.mappers.customer import (
    CustomerToEconomic,
    CustomerToRackbeat,
)
from ledgerbridge.integrations.rackbeat_economic.settings import RackbeatEconomicSettings
from tests.integrations.mappers.support import FakeContext

CTX = FakeContext(RackbeatEconomicSettings(), {"vat_zone": {1: "domestic", 2: "eu"}})
RACKBEAT_CUSTOMER: dict[str, Any] = {"number": 1042, "name": "Hansen ApS", "payment_terms_id": 1}


def to_economic(**fields: Any) -> dict[str, Any]:
    return CustomerToEconomic().map({**RACKBEAT_CUSTOMER, **fields}, CTX)


@pytest.mark.parametrize(
    ("seed_field", "rackbeat", "target", "expected"),
    [
        ("Nummer", {"number": 7}, "customerNumber", 7),
        ("Navn", {"name": "Jensen A/S"}, "name", "Jensen A/S"),
        ("Gruppe", {"customer_group_id": 3}, "customerGroup", {"customerGroupNumber": 3}),
        ("CVR nummer", {"company_vat": "DK12345678"}, "corporateIdentificationNumber", "DK12345678"),
        (
            "Faktureringsadresse",
            {"address_street": "Vej 1", "address_street2": "2. sal"},
            "address",
            "Vej 1\n2. sal",
        ),
        ("Adresse", {"address_street": "Vej 1"}, "address", "Vej 1"),
        ("Postnummer", {"address_zipcode": "8000"}, "zip", "8000"),
        ("By", {"address_city": "Aarhus"}, "city", "Aarhus"),
        ("Land", {"address_country": "Denmark"}, "country", "Denmark"),
        ("Telefon", {"contact_phone": "70202020"}, "telephoneAndFaxNumber", "70202020"),
        ("Betalingsbetingelser", {"payment_terms_id": 2}, "paymentTerms", {"paymentTermsNumber": 2}),
        ("Status", {"is_barred": True}, "barred", True),
        ("Momszone", {"vat_zone": "abroad"}, "vatZone", {"vatZoneNumber": 3}),
        ("Valuta", {"currency": "EUR"}, "currency", "EUR"),
        ("Layout", {"layout_id": 19}, "layout", {"layoutNumber": 19}),
        ("Max Kredit", {"max_credit": "25000.50"}, "creditLimit", Decimal("25000.50")),
        ("EAN nummer", {"ean": "5790000000012"}, "ean", "5790000000012"),
    ],
)
def test_a_synced_field_reaches_economic(
    seed_field: str, rackbeat: dict[str, Any], target: str, expected: Any
) -> None:
    assert to_economic(**rackbeat)[target] == expected, seed_field


@pytest.mark.parametrize(
    ("seed_field", "rackbeat_field"),
    [
        ("Leveringsbetingelser", "delivery_terms"),
        ("Mail til leveringsadresse", "delivery_address_email"),
        ("Telefon til leveringsadresse", "delivery_address_phone"),
        ("Sprog", "locale"),
        ("E-mail adresse til Tilbud", "quote_email"),
        ("E-mail adresse til Ordrer", "order_email"),
        ("E-mail adresse til Faktura", "invoice_email"),
        ("Brugerdefinerede felter", "custom_fields"),
    ],
)
def test_an_unsynced_field_stays_out(seed_field: str, rackbeat_field: str) -> None:
    assert rackbeat_field in CustomerToEconomic.ignored
    payload = to_economic(**{rackbeat_field: "sentinel"})
    assert "sentinel" not in payload.values(), seed_field


def test_defaults_and_refusals() -> None:
    payload = to_economic()
    assert payload["currency"] == "DKK" and payload["vatZone"] == {"vatZoneNumber": 1}
    with pytest.raises(MappingError, match="no payment terms"):
        to_economic(payment_terms_id=None)
    with pytest.raises(MappingError, match="no counterpart in e-conomic"):
        to_economic(vat_zone="mars")


def test_one_stop_vat_gives_an_eu_private_customer_its_countrys_zone() -> None:
    settings = RackbeatEconomicSettings.model_validate(
        {"customer_invoices": {"one_stop_vat": True, "one_stop_vat_zones": {"Germany": 11}}}
    )
    record = {**RACKBEAT_CUSTOMER, "vat_zone": "eu", "address_country": "Germany"}
    assert CustomerToEconomic().map(record, FakeContext(settings))["vatZone"] == {"vatZoneNumber": 11}


ECONOMIC_CUSTOMER: dict[str, Any] = {"customerNumber": 1042, "name": "Hansen ApS"}


def to_rackbeat(**fields: Any) -> dict[str, Any]:
    return CustomerToRackbeat().map({**ECONOMIC_CUSTOMER, **fields}, CTX)


@pytest.mark.parametrize(
    ("economic", "target", "expected"),
    [
        ({"customerNumber": 7}, "number", 7),
        ({"customerGroup": {"customerGroupNumber": 3}}, "customer_group_id", 3),
        ({"corporateIdentificationNumber": "DK1"}, "company_vat", "DK1"),
        ({"ean": "579"}, "ean", "579"),
        ({"currency": "EUR"}, "currency", "EUR"),
        ({"vatZone": {"vatZoneNumber": 2}}, "vat_zone", "eu"),
        ({"paymentTerms": {"paymentTermsNumber": 2}}, "payment_terms_id", 2),
        ({"layout": {"layoutNumber": 19}}, "layout_id", 19),
        ({"salesPerson": {"employeeNumber": 4}}, "employee_id", 4),
        ({"creditLimit": 1000}, "max_credit", Decimal(1000)),
        ({"telephoneAndFaxNumber": "70"}, "contact_phone", "70"),
        ({"barred": True}, "is_barred", True),
        ({"address": "Vej 1", "zip": "8000"}, "address_zipcode", "8000"),
        ({"city": "Aarhus"}, "address_city", "Aarhus"),
    ],
)
def test_startup_brings_a_customer_field(economic: dict[str, Any], target: str, expected: Any) -> None:
    assert to_rackbeat(**economic)[target] == expected


def test_startup_brings_only_the_primary_email_and_no_empty_fields() -> None:
    payload = to_rackbeat(email="a@x.dk; faktura@x.dk", ean="", currency=None)
    assert payload["contact_email"] == "a@x.dk"
    assert "ean" not in payload and "currency" not in payload


@pytest.mark.parametrize("economic_field", CustomerToRackbeat.ignored)
def test_startup_leaves_out_contacts_locations_and_language(economic_field: str) -> None:
    assert "sentinel" not in to_rackbeat(**{economic_field: "sentinel"}).values()
