"""Seed 004's customer field table (C31–C45), both directions: a synced field reaches its target field,
a field not synced is absent."""

from __future__ import annotations

from typing import Any, cast

import pytest

from ledgerbridge.engine.streams import MappingError
from ledgerbridge.integrations.severa_eaccounting.lookups import Lookups
from ledgerbridge.integrations.severa_eaccounting.mappers.customer import (
    CustomerToEAccounting,
    CustomerToSevera,
    address_lines,
    split_name,
)
from tests.integrations.mappers.severa_support import CTX, FakeLookups

ADDRESS = {
    "guid": "a-1",
    "addressline": "Storgatan 1",
    "postalCode": "111 22",
    "city": "Stockholm",
    "country": {"guid": "SE-guid"},
    "phone": "08-123",
}
CONTACT = {
    "guid": "c-1",
    "firstName": "Anna",
    "lastName": "Berg",
    "_communications": [
        {"communicationType": {"guid": "e"}, "value": "anna@trä.se"},
        {"communicationType": {"guid": "p"}, "value": "08-1"},
        {"communicationType": {"guid": "m"}, "value": "070-1"},
    ],
}
SEVERA_CUSTOMER = {
    "guid": "s-1",
    "number": 1001,
    "name": "Norrlands Trä AB",
    "isActive": True,
    "vatNumber": "SE556677889901",
    "email": "info@trä.se",
    "website": "trä.se",
    "paymentTerm": 30,
    "currency": {"code": "EUR"},
    "_address": ADDRESS,
    "_contact": CONTACT,
}
EACCOUNTING_CUSTOMER = {
    "Id": "e-1",
    "CustomerNumber": "01002",
    "Name": "Fjällbygg AB",
    "IsActive": True,
    "VatNumber": "",
    "CorporateIdentityNumber": "5566778899",
    "EmailAddress": "info@fjall.se",
    "WwwAddress": "fjall.se",
    "TermsOfPaymentId": "T30",
    "InvoiceAddress1": "Bygatan 2",
    "InvoiceAddress2": "Box 7",
    "InvoicePostalCode": "831 30",
    "InvoiceCity": "Östersund",
    "InvoiceCountryCode": "NO",
    "Telephone": "063-1",
    "ContactPersonName": "Per Olof Ek",
    "ContactPersonEmail": "per@fjall.se",
    "ContactPersonPhone": "063-2",
    "ContactPersonMobile": "070-2",
}


def to_eaccounting(settings: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    lookups = cast(Lookups, FakeLookups(settings))
    return CustomerToEAccounting(lookups).map({**SEVERA_CUSTOMER, **fields}, CTX)


def to_severa(by_name: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    lookups = cast(Lookups, FakeLookups(by_name=by_name or {}))
    return CustomerToSevera(lookups).map({**EACCOUNTING_CUSTOMER, **fields}, CTX)


# -- Severa → eEkonomi --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("CustomerNumber", "1001"),  # C6
        ("Name", "Norrlands Trä AB"),  # C32
        ("IsPrivatePerson", False),  # C33: "Företag"
        ("CorporateIdentityNumber", "SE556677889901"),  # C34: the same value in both
        ("VatNumber", "SE556677889901"),
        ("InvoiceAddress1", "Storgatan 1"),  # C35
        ("InvoicePostalCode", "111 22"),  # C37
        ("InvoiceCity", "Stockholm"),
        ("InvoiceCountryCode", "SE"),
        ("Telephone", "08-123"),  # C38: from the address
        ("EmailAddress", "info@trä.se"),  # C39: the company's
        ("WwwAddress", "trä.se"),  # C40
        ("ContactPersonName", "Anna Berg"),  # C41
        ("ContactPersonEmail", "anna@trä.se"),  # C42
        ("ContactPersonPhone", "08-1"),
        ("ContactPersonMobile", "070-1"),
        ("TermsOfPaymentId", "T30"),  # C43
        ("IsActive", True),  # C45
    ],
)
def test_a_synced_severa_field_reaches_eaccounting(target: str, expected: Any) -> None:
    assert to_eaccounting()[target] == expected


def test_address_lines_after_the_first_are_gathered_on_line_two() -> None:  # C36/A10
    payload = to_eaccounting(_address={**ADDRESS, "addressline": "Storgatan 1\nPlan 3\r\nBox 9"})
    assert (payload["InvoiceAddress1"], payload["InvoiceAddress2"]) == ("Storgatan 1", "Plan 3, Box 9")
    with pytest.raises(MappingError, match="more than its 50"):
        address_lines("a\n" + "b" * 30 + "\n" + "c" * 30)


def test_no_payment_term_takes_the_default_and_an_unknown_one_is_refused() -> None:  # C43/A12
    assert to_eaccounting(paymentTerm=None)["TermsOfPaymentId"] == "T-default"
    with pytest.raises(MappingError, match="14 days"):
        to_eaccounting(paymentTerm=14)


def test_the_currency_is_synced_only_with_currency_handling() -> None:  # C44/A13
    assert "CurrencyCode" not in to_eaccounting()
    assert to_eaccounting({"customers": {"transfer_currency": True}})["CurrencyCode"] == "EUR"


def test_a_customer_without_a_contact_sends_no_contact_fields() -> None:
    assert not any(key.startswith("ContactPerson") for key in to_eaccounting(_contact=None))


@pytest.mark.parametrize("severa_field", CustomerToEAccounting.ignored)
def test_a_severa_field_not_synced_is_absent(severa_field: str) -> None:
    assert "sentinel" not in to_eaccounting(**{severa_field: "sentinel"}).values()


def test_further_addresses_and_contacts_are_not_synced() -> None:
    payload = to_eaccounting(_addresses=[{"addressline": "Annan väg 9"}], _contacts=[{"firstName": "Bo"}])
    assert "Annan väg 9" not in payload.values() and "Bo" not in str(payload)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"number": None}, "has no number"),  # A7
        ({"name": "N" * 51}, "eEkonomi allows 50"),  # A8
        ({"_address": None}, "no billing or main address"),  # C5
        ({"_address": {**ADDRESS, "city": ""}}, "no postal code or city"),
    ],
)
def test_a_severa_customer_eaccounting_cannot_take_is_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(MappingError, match=message):
        to_eaccounting(**fields)


# -- eEkonomi → Severa --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("number", 1002),  # C31: leading zeros dropped
        ("name", "Fjällbygg AB"),  # C32
        ("isActive", True),
        ("email", "info@fjall.se"),
        ("website", "fjall.se"),
        ("vatNumber", "5566778899"),  # A9: the VAT number, else the organisation number
        ("paymentTerm", 30),
    ],
)
def test_a_synced_eaccounting_field_reaches_severa(target: str, expected: Any) -> None:
    assert to_severa()[target] == expected


def test_the_invoice_address_becomes_the_billing_address() -> None:  # A10, A11
    assert to_severa()["_address"] == {
        "addressline": "Bygatan 2\nBox 7",
        "postalCode": "831 30",
        "city": "Östersund",
        "country": "NO",
        "phone": "063-1",
    }
    assert to_severa(InvoiceCountryCode=None)["_address"]["country"] == "SE"


def test_the_contact_person_is_split_at_the_first_space() -> None:  # C41, C42, A14
    assert to_severa()["_contact"] == {
        "firstName": "Per",
        "lastName": "Olof Ek",
        "email": "per@fjall.se",
        "phone": "063-2",
        "mobile": "070-2",
    }
    assert split_name("Cher") == ("Cher", "-")
    assert to_severa(ContactPersonName="")["_contact"] is None


@pytest.mark.parametrize("eaccounting_field", CustomerToSevera.ignored)
def test_an_eaccounting_field_not_synced_is_absent(eaccounting_field: str) -> None:
    assert "sentinel" not in str(to_severa(**{eaccounting_field: "sentinel"}))


def test_a_non_numeric_number_is_refused() -> None:  # C31
    with pytest.raises(MappingError, match="not numeric"):
        to_severa(CustomerNumber="K-12")


def test_a_name_severa_gives_another_customer_is_refused() -> None:  # C32
    taken = {"Fjällbygg AB": [{"number": 77}]}
    with pytest.raises(MappingError, match="must be unique in Severa"):
        to_severa(by_name=taken)
    assert to_severa(by_name={"Fjällbygg AB": [{"number": 1002}]})["number"] == 1002
