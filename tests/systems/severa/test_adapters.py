"""The Severa adapters over HTTP against the sandbox's demo organisation: what the integration will do
with each register, through the adapters' public methods only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ledgerbridge.systems.errors import NotFoundError, ValidationError
from ledgerbridge.systems.severa.adapters import Severa
from ledgerbridge.systems.severa.client import SeveraClient
from ledgerbridge.systems.severa.connection import DEFAULT_SCOPES, SeveraConnection
from tests.support import FakeClock


@pytest.fixture
def severa(severa_sandbox: Any) -> Iterator[Severa]:
    connection = SeveraConnection(
        base_url=severa_sandbox.base_url,
        client_id=severa_sandbox.client_id,
        client_secret=severa_sandbox.client_secret,
        scopes=(
            *DEFAULT_SCOPES,
            "customers:delete",
            "hours:read",
            "hours:write",
            "travels:read",
            "travels:write",
        ),
    )
    with SeveraClient.open(connection, pacer=None) as client:
        yield Severa(client)


def new_customer(severa: Severa, name: str, number: int, **fields: Any) -> dict[str, Any]:
    return severa.customers.create({"name": name, "number": number, **fields})


# -- customers and what hangs on them -------------------------------------------------------------
def test_customer_found_by_number_and_by_exact_name(severa: Severa) -> None:
    made = new_customer(severa, "Fjällräven Konsult AB", 77001, vatNumber="SE556677889901")
    assert severa.customers.by_number(77001) == made
    assert severa.customers.by_number(77002) is None
    assert [c["guid"] for c in severa.customers.by_name("Fjällräven Konsult AB")] == [made["guid"]]
    assert severa.customers.by_name("Fjällräven") == []  # exact names only


def test_customer_addresses_billing_first_and_three_lines(severa: Severa) -> None:
    customer = new_customer(severa, "Adressbolaget AB", 77010)
    sweden = severa.countries.by_code2("se")
    assert sweden is not None
    visit = severa.customers.add_address(
        customer["guid"], {"addressline": "Besöksgatan 1", "city": "Umeå", "isVisitAddress": True}
    )
    billing = severa.addresses.create(
        {
            "customer": {"guid": customer["guid"]},  # the parent comes from the body
            "addressline": "Box 12\nFakturaavdelningen\nPlan 3",
            "postalCode": "901 10",
            "city": "Umeå",
            "country": {"guid": sweden["guid"]},
            "isBillingAddress": True,
        }
    )
    listed = severa.customers.addresses(customer["guid"])
    assert [a["guid"] for a in listed] == [visit["guid"], billing["guid"]]
    assert billing["addressline"].split("\n") == ["Box 12", "Fakturaavdelningen", "Plan 3"]
    assert billing["country"]["guid"] == sweden["guid"]
    moved = severa.addresses.update(billing["guid"], {"/postalCode": "901 11"})
    assert moved["postalCode"] == "901 11"
    assert severa.addresses.read(billing["guid"])["postalCode"] == "901 11"


def test_contact_with_communications_of_each_kind(severa: Severa) -> None:
    customer = new_customer(severa, "Kontaktbolaget AB", 77020)
    address = severa.customers.add_address(
        customer["guid"], {"addressline": "Gatan 2", "isBillingAddress": True}
    )
    contact = severa.contact_persons.create(
        {
            "firstName": "Anna",
            "lastName": "Lind",
            "customer": {"guid": customer["guid"]},
            "addressGuid": address["guid"],
        }
    )
    assert [c["guid"] for c in severa.customers.contact_persons(customer["guid"])] == [contact["guid"]]
    made = {}
    for kind, value in (
        ("EmailAddress", "anna@kontakt.se"),
        ("Phone", "090-12 34 56"),
        ("MobilePhone", "070-123 45 67"),
    ):
        kind_guid = severa.communication_types.of_kind(kind)[0]["guid"]
        made[kind] = severa.contact_communications.create(
            {"value": value, "contact": {"guid": contact["guid"]}, "communicationType": {"guid": kind_guid}}
        )
    found = severa.contact_communications.for_contact(contact["guid"])
    assert sorted(c["value"] for c in found) == sorted(c["value"] for c in made.values())
    renamed = severa.contact_persons.update(contact["guid"], {"lastName": "Lind-Berg"})
    assert (renamed["firstName"], renamed["lastName"]) == ("Anna", "Lind-Berg")


def test_a_contact_needs_a_customer(severa: Severa) -> None:
    with pytest.raises(ValidationError):
        severa.contact_persons.create({"firstName": "Ingen", "lastName": "Kund"})


def test_incremental_reads_of_customers_addresses_and_contacts(severa: Severa, severa_sandbox: Any) -> None:
    clock = FakeClock(datetime.now(UTC) + timedelta(days=1))  # after the demo organisation was seeded
    severa_sandbox.state.clock = clock
    since = clock.now
    customer = new_customer(severa, "Nyss Ändrad AB", 77030)
    address = severa.customers.add_address(customer["guid"], {"addressline": "Ny väg 1"})
    contact = severa.contact_persons.create(
        {"firstName": "Per", "lastName": "Ny", "customer": {"guid": customer["guid"]}}
    )
    assert [c["guid"] for c in severa.customers.search(changed_since=since)] == [customer["guid"]]
    assert [a["guid"] for a in severa.addresses.search(changed_since=since)] == [address["guid"]]
    assert [c["guid"] for c in severa.contact_persons.search(changed_since=since)] == [contact["guid"]]


def test_deleted_customer_is_gone(severa: Severa) -> None:
    customer = new_customer(severa, "Kortlivad AB", 77040)
    severa.customers.delete(customer["guid"])
    with pytest.raises(NotFoundError):
        severa.customers.read(customer["guid"])


# -- lookups ---------------------------------------------------------------------------------------
def test_lookups_vat_currency_country(severa: Severa) -> None:
    default = severa.vat_rates.default()
    assert default is not None and default["isDefault"]
    sek = severa.currencies.organisation_currency()
    assert sek is not None and sek["code"] == "SEK"
    assert severa.currencies.by_code("sek") == sek
    sweden = severa.countries.by_code2("SE")
    assert sweden is not None and sweden["code2"] == "SE"
    assert severa.countries.read(sweden["guid"])["code2"] == "SE"
    assert severa.countries.by_code2("XX") is None or severa.countries.by_code2("XX") == {}
