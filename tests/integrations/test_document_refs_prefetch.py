"""A document's master-data references are read from the bindings in one query before it is mapped, not
one query per reference: a Rackbeat invoice's customer, payment terms and sales person on its way to
e-conomic; its customer, payment terms and items on its way to eAccounting. Counted with a statement
listener on the store (no timing). A customer that is not bound yet is still synced first, under the
master lock, and created once, when two invoices of it are transferred side by side."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from ledgerbridge.engine.ledger import TransferResult
from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.store.db import Store
from ledgerbridge.systems.rackbeat import RackbeatClient
from tests.integrations import economic_support
from tests.integrations.conftest import RACKBEAT_TOKEN, World
from tests.integrations.eaccounting_support import EWorld, eaccounting_world, goods_at_25
from tests.support import invoice_body, recorded_statements

acme = economic_support.acme


def binding_reads(store: Store) -> AbstractContextManager[list[str]]:
    return recorded_statements(store, binding_reads=True)


def booked(rackbeat: RackbeatClient, body: dict[str, Any]) -> dict[str, Any]:
    """A Rackbeat user books a customer invoice through the API, with no webhook (the test transfers it)."""
    created = rackbeat.create("customer-invoices", body, suppress_webhooks=True)
    answer: dict[str, Any] = rackbeat.book(
        "customer-invoices", created["number"], {"suppress_webhooks": True}
    )
    return answer


def new_customer(rackbeat: RackbeatClient, ops: Any, number: int) -> None:
    """A customer made in Rackbeat with no webhook: not bound, so its first invoice has to sync it."""
    like = ops.records("customers")[0]
    rackbeat.create(
        "customers",
        {
            "number": number,
            "name": f"Ny Kunde {number}",
            "customer_group_id": like["customer_group_id"],
            "payment_terms_id": like["payment_terms_id"],
            "vat_zone": "domestic",
            "currency": like["currency"],
            "address_street": "Nygade 1",
            "address_zipcode": like.get("address_zipcode") or "1000",
            "address_city": like.get("address_city") or "København",
            "address_country": like.get("address_country") or None,
        },
        suppress_webhooks=True,
    )


def side_by_side(transfer: Callable[[str], TransferResult], keys: list[str]) -> list[TransferResult]:
    with ThreadPoolExecutor(len(keys)) as pool:
        return list(pool.map(transfer, keys))


# -- Rackbeat → e-conomic ------------------------------------------------------------------------------
def economic_invoice(world: World, **fields: Any) -> dict[str, Any]:
    with RackbeatClient(world.rackbeat_url, RACKBEAT_TOKEN) as rackbeat:
        return booked(rackbeat, invoice_body(world.ops, **fields))


def test_an_economic_invoice_reads_its_customer_terms_and_sales_person_in_one_query(
    world: World, acme: RealtimeHub
) -> None:
    invoice = economic_invoice(world)
    # Three references the mapper resolves through the bindings (was one query each).
    assert invoice["customer_id"] and invoice["payment_terms_id"] and invoice["our_reference"]["number"]
    with binding_reads(world.service.store) as reads:
        result = acme.transfer("acme", "invoice", str(invoice["number"]))
    assert result.outcome == "transferred", result.message
    assert len(reads) == 1


def test_a_new_customer_on_two_economic_invoices_is_synced_first_and_created_once(
    world: World, acme: RealtimeHub
) -> None:
    with RackbeatClient(world.rackbeat_url, RACKBEAT_TOKEN) as rackbeat:
        new_customer(rackbeat, world.ops, 90501)
    invoices = [economic_invoice(world, customer_id=90501) for _ in range(2)]
    assert 90501 not in world.books.tables["customers"]

    results = side_by_side(
        lambda key: acme.transfer("acme", "invoice", key), [str(i["number"]) for i in invoices]
    )

    assert [r.outcome for r in results] == ["transferred", "transferred"], [r.message for r in results]
    named = [c for c in world.books.tables["customers"].values() if c["name"] == "Ny Kunde 90501"]
    assert len(named) == 1
    for result in results:
        posted = world.books.tables["invoices-booked"][int(str(result.remote_key).partition(":")[2])]
        assert posted["customer"]["customerNumber"] == named[0]["customerNumber"]


# -- Rackbeat → eAccounting ----------------------------------------------------------------------------
@pytest.fixture
def se(database_url: str, tmp_path: Path) -> Iterator[tuple[EWorld, RealtimeHub]]:
    with eaccounting_world(database_url, tmp_path) as world:
        world.add("se", invoices={"status": "draft"})
        assert world.service.run_startup("se").ok
        hub = RealtimeHub(world.service)
        try:
            yield world, hub
        finally:
            hub.close()


def eaccounting_invoice(world: EWorld, **fields: Any) -> dict[str, Any]:
    with world.rackbeat() as rackbeat:
        return booked(rackbeat, invoice_body(world.ops, products=goods_at_25(world.ops), **fields))


def test_an_eaccounting_invoice_reads_its_customer_terms_and_items_in_one_query(
    se: tuple[EWorld, RealtimeHub],
) -> None:
    world, hub = se
    invoice = eaccounting_invoice(world)
    assert len({line["child_id"] for line in invoice["lines"]}) == 2  # a customer and two items
    assert invoice["payment_terms_id"]  # and payment terms, through the terms mapping's binding
    with binding_reads(world.service.store) as reads:
        result = hub.transfer("se", "invoice", str(invoice["number"]))
    assert result.outcome == "transferred", result.message
    # The customer's, the payment terms' and the items' bindings together (were two reads of the
    # customer, one of the terms and two of each item).
    assert len(reads) == 1


def test_a_new_customer_on_two_eaccounting_invoices_is_synced_first_and_created_once(
    se: tuple[EWorld, RealtimeHub],
) -> None:
    world, hub = se
    with world.rackbeat() as rackbeat:
        new_customer(rackbeat, world.ops, 90502)
    invoices = [eaccounting_invoice(world, customer_id=90502) for _ in range(2)]
    assert not [c for c in world.books.all("customers") if c.get("Name") == "Ny Kunde 90502"]

    results = side_by_side(
        lambda key: hub.transfer("se", "invoice", key), [str(i["number"]) for i in invoices]
    )

    assert [r.outcome for r in results] == ["transferred", "transferred"], [r.message for r in results]
    named = [c for c in world.books.all("customers") if c.get("Name") == "Ny Kunde 90502"]
    assert len(named) == 1
    drafts = world.books.all("customerinvoicedrafts")
    assert len(drafts) == 2 and {d["CustomerId"] for d in drafts} == {named[0]["Id"]}
