"""The e-conomic and Rackbeat CRUD adapters over HTTP against their sandboxes: each passes straight to the
client (same paths, same answers), a sub-collection is its own adapter, and documents book."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.systems import economic, rackbeat
from ledgerbridge.systems.economic import EconomicClient, Filter
from ledgerbridge.systems.economic.adapters import Economic
from ledgerbridge.systems.errors import NotFoundError
from ledgerbridge.systems.rackbeat import RackbeatClient
from ledgerbridge.systems.rackbeat.adapters import Rackbeat

TOKEN = "adapters-token"


@pytest.fixture(scope="module")
def books() -> Iterator[Economic]:
    state = economic.EconomicState()
    economic.seed_minimal(state)
    with SandboxServer(economic.create_app(state, rate_limit=None)) as served:
        with EconomicClient(served.base_url, "secret", "grant") as client:
            yield Economic(client)


@pytest.fixture(scope="module")
def ops() -> Iterator[Rackbeat]:
    app = rackbeat.create_app(token=TOKEN, rate_limit=None)
    app.rackbeat_state.add("layouts", {"number": 1, "name": "Standard"})
    app.rackbeat_state.add("customer-groups", {"number": 1, "name": "Danish customers"})
    with SandboxServer(app) as served:
        with RackbeatClient(served.base_url, TOKEN) as client:
            yield Rackbeat(client)


def test_economic_customers_read_search_update_and_their_contacts(books: Economic) -> None:
    customer = books.customers.read(1)
    assert customer["customerNumber"] == 1 and books.customers.find(999999) is None
    with pytest.raises(NotFoundError):
        books.customers.read(999999)
    assert [c["customerNumber"] for c in books.customers.search(filter=Filter.eq("customerNumber", 1))] == [1]
    renamed = books.customers.update(1, {**customer, "name": "Omdøbt A/S"})
    assert renamed["name"] == "Omdøbt A/S" == books.customers.read(1)["name"]

    contacts = books.customers.contacts(1)
    created = contacts.create({"name": "Jette", "customer": {"customerNumber": 1}})
    number = created["customerContactNumber"]
    assert contacts.read(number)["name"] == "Jette"
    contacts.update(number, {**created, "email": "jette@kunde.dk"})
    assert [c["email"] for c in contacts.search() if c["customerContactNumber"] == number] == [
        "jette@kunde.dk"
    ]
    contacts.delete(number)
    assert contacts.find(number) is None


def test_economic_products_by_encoded_number_and_a_draft_booked(books: Economic) -> None:
    assert books.products.read("1")["productNumber"] == "1"
    layout = next(iter(books.layouts.search()))
    draft = books.draft_invoices.create(
        {
            "date": "2026-02-01",
            "currency": "DKK",
            "customer": {"customerNumber": 1},
            "layout": {"layoutNumber": layout["layoutNumber"]},
            "paymentTerms": books.customers.read(1)["paymentTerms"],
            "recipient": {"name": "Kunde", "vatZone": {"vatZoneNumber": 1}},
            "references": {"other": "adapters-1"},
            "lines": [
                {"product": {"productNumber": "1"}, "description": "Vare", "quantity": 1, "unitNetPrice": 100}
            ],
        }
    )
    pending = books.draft_invoices.by_reference("adapters-1")
    assert pending is not None and pending["draftInvoiceNumber"] == draft["draftInvoiceNumber"]
    booked = books.draft_invoices.book(draft["draftInvoiceNumber"], idempotency_key="adapters-1:book")
    found = books.booked_invoices.by_reference("adapters-1")
    assert found is not None and found["bookedInvoiceNumber"] == booked["bookedInvoiceNumber"]
    assert books.draft_invoices.find(draft["draftInvoiceNumber"]) is None


def test_rackbeat_entities_create_read_update_delete(ops: Rackbeat) -> None:
    group = ops.product_groups.create({"number": 5, "name": "Varer", "has_inventory": False})
    assert ops.product_groups.read(5)["name"] == "Varer" == group["name"]
    ops.product_groups.update(5, {"name": "Lagervarer"})
    assert [g["name"] for g in ops.product_groups.search() if g["number"] == 5] == ["Lagervarer"]
    ops.product_groups.delete(5)
    assert ops.product_groups.find(5) is None
    assert [layout["number"] for layout in ops.layouts.search()] == [1]


def test_rackbeat_customer_contacts_and_addresses_are_read_through_the_customer(ops: Rackbeat) -> None:
    ops.customers.create({"number": 77, "name": "Kunde ApS", "customer_group_id": 1})
    ops.client.create_sub("customers", 77, "contacts", {"name": "Jette"})
    assert [c["name"] for c in ops.customers.contacts(77)] == ["Jette"]
    assert isinstance(list(ops.customers.addresses(77)), list)
