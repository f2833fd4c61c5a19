"""Customers and suppliers, Rackbeat ↔ eAccounting (seed 002 "Customer settings"; seed 000's start-up
sync and its list of what is not synchronised)."""

from __future__ import annotations

from typing import Any

import pytest

from ledgerbridge.engine.streams import MappingError, Record
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.customer import (
    CustomerToEAccounting,
    CustomerToRackbeat,
)
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.supplier import (
    SupplierToEAccounting,
    SupplierToRackbeat,
)
from ledgerbridge.integrations.rackbeat_eaccounting.settings import RackbeatEAccountingSettings
from tests.integrations.mappers.support import FakeContext

# eAccounting keys terms by GUID; the one Rackbeat customer/supplier group is bound as "default".
CTX = FakeContext(
    RackbeatEAccountingSettings(),
    {"company": {"CountryCode": "SE", "CurrencyCode": "SEK"}},
    {
        ("customer_group", "default"): "1",
        ("supplier_group", "default"): "1",
        ("payment_term", "t1"): "5",
        ("payment_term", "t2"): "6",
    },
)


class Refs:
    """eAccounting's ids: terms "T<n>", the label of a group "L-<name>"."""

    def coding_for_group(self, group: Any) -> Record:
        return {"Id": "C1", "VatRatePercent": 25}

    def unit_id(self, unit: Any) -> str:
        return "U1"

    def terms_id(self, payment_terms_id: Any) -> str:
        return f"T{payment_terms_id}"

    def label_id(self, name: str) -> str | None:
        return f"L-{name}"


CUSTOMER: dict[str, Any] = {
    "number": 1042,
    "name": "Hansen AB",
    "address_zipcode": "11122",
    "address_city": "Stockholm",
}


def to_eaccounting(**fields: Any) -> dict[str, Any]:
    return CustomerToEAccounting(Refs()).map({**CUSTOMER, **fields}, CTX)


@pytest.mark.parametrize(
    ("rackbeat", "target", "expected"),
    [
        ({"number": 7}, "CustomerNumber", "7"),
        ({"name": "N" * 60}, "Name", "N" * 50),
        ({"is_barred": True}, "IsActive", False),
        ({"payment_terms_id": 3}, "TermsOfPaymentId", "T3"),
        ({"address_street": "Gatan 1"}, "InvoiceAddress1", "Gatan 1"),
        ({"address_street2": "c/o"}, "InvoiceAddress2", "c/o"),
        ({"address_zipcode": "111 22"}, "InvoicePostalCode", "111 22"),
        ({"address_city": "Solna"}, "InvoiceCity", "Solna"),
        ({"address_country": "se"}, "InvoiceCountryCode", "SE"),
        ({"contact_email": "a@x.se"}, "EmailAddress", "a@x.se"),
        ({"contact_phone": "08"}, "Telephone", "08"),
        ({"currency": "EUR"}, "CurrencyCode", "EUR"),
        ({"customer_group_id": 2}, "CustomerLabels", [{"Id": "L-2"}]),
        ({"company_vat": "SE556677889901"}, "VatNumber", "SE556677889901"),
        ({"company_vat": "5566778899"}, "CorporateIdentityNumber", "5566778899"),
    ],
)
def test_a_customer_field_reaches_eaccounting(rackbeat: dict[str, Any], target: str, expected: Any) -> None:
    assert to_eaccounting(**rackbeat)[target] == expected


@pytest.mark.parametrize("rackbeat_field", CustomerToEAccounting.ignored)
def test_fields_eaccounting_is_not_sent(rackbeat_field: str) -> None:
    assert "sentinel" not in to_eaccounting(**{rackbeat_field: "sentinel"}).values()


def test_a_new_customer_is_a_company_an_update_keeps_what_eaccounting_says() -> None:
    assert to_eaccounting()["IsPrivatePerson"] is False
    update = CustomerToEAccounting(Refs()).map(CUSTOMER, CTX, for_create=False)
    assert "IsPrivatePerson" not in update


def test_a_customer_needs_a_postal_code_and_city() -> None:
    with pytest.raises(MappingError, match="postal code and a city"):
        to_eaccounting(address_city="")


def test_a_supplier_reaches_eaccounting() -> None:
    record = {
        "number": 301,
        "name": "Stål AB",
        "payment_terms_id": 1,
        "address_city": "Malmö",
        "company_vat": "SE1",
    }
    assert SupplierToEAccounting(Refs()).map(record, CTX) == {
        "SupplierNumber": "301",
        "Name": "Stål AB",
        "IsActive": True,
        "TermsOfPaymentId": "T1",
        "City": "Malmö",
        "VatNumber": "SE1",
    }


EACCOUNTING_CUSTOMER: dict[str, Any] = {
    "CustomerNumber": "1042",
    "Name": "Hansen AB",
    "TermsOfPaymentId": "t1",
}


def to_rackbeat(**fields: Any) -> dict[str, Any]:
    return CustomerToRackbeat().map({**EACCOUNTING_CUSTOMER, **fields}, CTX)


@pytest.mark.parametrize(
    ("eaccounting", "target", "expected"),
    [
        ({"CustomerNumber": "7"}, "number", 7),
        ({"Name": "Jensen AB"}, "name", "Jensen AB"),
        ({}, "customer_group_id", 1),
        ({"VatNumber": "SE1"}, "company_vat", "SE1"),
        ({}, "currency", "SEK"),
        ({"CurrencyCode": "EUR"}, "currency", "EUR"),
        ({"InvoiceCountryCode": "DE"}, "vat_zone", "eu"),
        ({"InvoiceCountryCode": "US"}, "vat_zone", "abroad"),
        ({}, "vat_zone", "domestic"),
        ({"TermsOfPaymentId": "t2"}, "payment_terms_id", 6),
        ({"EmailAddress": "a@x.se"}, "contact_email", "a@x.se"),
        ({"MobilePhone": "070"}, "contact_phone", "070"),
        ({"IsActive": False}, "is_barred", True),
        ({"InvoiceAddress1": "Gatan 1"}, "address_street", "Gatan 1"),
        ({"InvoicePostalCode": "11122"}, "address_zipcode", "11122"),
        ({"InvoiceCity": "Solna"}, "address_city", "Solna"),
    ],
)
def test_startup_brings_a_customer_field(eaccounting: dict[str, Any], target: str, expected: Any) -> None:
    assert to_rackbeat(**eaccounting)[target] == expected


@pytest.mark.parametrize("eaccounting_field", CustomerToRackbeat.ignored)
def test_startup_leaves_out_what_seed_000_does_not_synchronise(eaccounting_field: str) -> None:
    assert "sentinel" not in to_rackbeat(**{eaccounting_field: "sentinel"}).values()


def test_startup_refuses_a_number_rackbeat_cannot_hold() -> None:
    with pytest.raises(MappingError, match="not a whole number"):
        to_rackbeat(CustomerNumber="K-12")


def test_startup_supplier_uses_the_plain_address_fields() -> None:
    record = {"SupplierNumber": "301", "Name": "Stål AB", "Address1": "Gatan 2", "CountryCode": "NO"}
    payload = SupplierToRackbeat().map(record, CTX)
    assert payload["address_street"] == "Gatan 2" and payload["vat_zone"] == "abroad"
    assert payload["number"] == 301
