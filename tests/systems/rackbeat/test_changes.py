"""What the integration's change scan reads: ``updated_at_from``/``order_by=updated_at`` everywhere, and a
customer's contacts and addresses (whose writes count as a change of the customer)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgerbridge.systems.errors import NotFoundError, ValidationError
from ledgerbridge.systems.rackbeat import RackbeatClient, RackbeatState, envelope_keys
from ledgerbridge.systems.rackbeat.sandbox import RackbeatSandboxApp

from .conftest import FakeClock, Receiver

# resource -> (old record, new record, key of the new one)
SCANNED: dict[str, tuple[dict[str, Any], dict[str, Any], Any]] = {
    "customer-groups": ({"number": 2, "name": "Old"}, {"number": 3, "name": "New"}, 3),
    "supplier-groups": ({"number": 2, "name": "Old"}, {"number": 3, "name": "New"}, 3),
    "product-groups": (
        {"number": 2, "name": "Old", "has_inventory": True},
        {"number": 3, "name": "New", "has_inventory": True},
        3,
    ),
    "units": ({"number": 2, "name": "Old"}, {"number": 3, "name": "New"}, 3),
    "layouts": ({"number": 2, "name": "Old"}, {"number": 3, "name": "New"}, 3),
    "employees": ({"number": 2, "name": "Old"}, {"number": 3, "name": "New"}, 3),
    "payment-terms": (
        {"number": 2, "name": "Old", "type": "net", "maturity_days": 1},
        {"number": 3, "name": "New", "type": "net", "maturity_days": 2},
        3,
    ),
    "customers": (
        {"number": 2, "name": "Old", "customer_group_id": 1},
        {"number": 3, "name": "New", "customer_group_id": 1},
        3,
    ),
    "suppliers": (
        {"number": 2, "name": "Old", "supplier_group_id": 1},
        {"number": 3, "name": "New", "supplier_group_id": 1},
        3,
    ),
    "products": (
        {"number": "A", "name": "Old", "group": 1, "sales_price": 1},
        {"number": "B", "name": "New", "group": 1, "sales_price": 1},
        "B",
    ),
    "lots": (
        {"number": "LA", "name": "Old", "lines": [{"product_id": "P", "quantity": 1}]},
        {"number": "LB", "name": "New", "lines": [{"product_id": "P", "quantity": 1}]},
        "LB",
    ),
    "customer-invoices": ({"number": 2, "customer_id": 9}, {"number": 3, "customer_id": 9}, 3),
    "supplier-invoices": ({"number": 2, "supplier_id": 9}, {"number": 3, "supplier_id": 9}, 3),
}


@pytest.mark.parametrize("resource", list(SCANNED))
def test_every_resource_lists_changes_since_a_time(
    client: RackbeatClient, seeded: RackbeatState, moving_clock: FakeClock, resource: str
) -> None:
    seeded.add("products", {"number": "P", "name": "Part", "group": 1, "sales_price": 1})
    seeded.add("customers", {"number": 9, "name": "C", "customer_group_id": 1})
    seeded.add("suppliers", {"number": 9, "name": "S", "supplier_group_id": 1})
    old, new, key = SCANNED[resource]
    seeded.add(resource, old)
    moving_clock.advance(3600)
    since = moving_clock.now.strftime("%Y-%m-%d %H:%M:%S")
    seeded.add(resource, new)
    changed = list(client.iter_all(resource, params={"updated_at_from": since, "order_by": "updated_at"}))
    assert [r[envelope_key(resource)] for r in changed] == [key]
    newest_first = list(
        client.iter_all(resource, params={"order_by": "updated_at", "order_direction": "desc"})
    )
    assert newest_first[0][envelope_key(resource)] == key


def envelope_key(resource: str) -> str:
    return "number"


# -- contacts ------------------------------------------------------------------------------------------
@pytest.fixture
def customer(seeded: RackbeatState) -> RackbeatState:
    seeded.add("customers", {"number": 10, "name": "Hansen ApS", "customer_group_id": 1})
    seeded.add("customers", {"number": 11, "name": "Jensen A/S", "customer_group_id": 1})
    return seeded


def test_contacts_crud_with_numbers_per_customer(
    raw: httpx.Client, customer: RackbeatState, base_url: str
) -> None:
    created = raw.post(
        "/customers/10/contacts",
        json={
            "name": "Bo Hansen",
            "contact_email": "bo@hansen.dk",
            "contact_phone": "+45 1234",
            "role": "Bookkeeper",
        },
    )
    assert created.status_code == 201
    contact = created.json()["customer_contact"]
    assert contact["number"] == 1 and contact["role"] == "Bookkeeper"
    assert contact["self"] == f"{base_url}/customers/10/contacts/1"
    assert raw.post("/customers/10/contacts", json={"name": "Ida"}).json()["customer_contact"]["number"] == 2
    assert raw.post("/customers/11/contacts", json={"name": "Jens"}).json()["customer_contact"]["number"] == 1
    listed = raw.get("/customers/10/contacts")
    assert listed.status_code == 206
    body = listed.json()
    assert set(body) == {"customer_contacts", "total", "pages", "limit", "page"}
    assert [c["name"] for c in body["customer_contacts"]] == ["Bo Hansen", "Ida"]
    assert raw.get("/customers/10/contacts/2").json()["customer_contact"]["name"] == "Ida"
    changed = raw.put("/customers/10/contacts/2", json={"role": "CEO"}).json()["customer_contact"]
    assert changed["role"] == "CEO" and changed["name"] == "Ida"
    assert raw.delete("/customers/10/contacts/2").json() == {}
    assert raw.get("/customers/10/contacts/2").status_code == 404
    assert raw.get("/customers/99/contacts").status_code == 404
    taken = raw.post("/customers/10/contacts", json={"number": 1, "name": "Again"})
    assert taken.status_code == 422 and taken.json()["errors"] == {
        "number": ["The number has already been taken."]
    }
    assert raw.post("/customers/10/contacts", json={}).json()["errors"] == {
        "name": ["The name field is required."]
    }


def test_addresses_crud(client: RackbeatClient, customer: RackbeatState) -> None:
    delivery = client.create_sub(
        "customers",
        10,
        "addresses",
        {"type": "delivery", "name": "Lager", "street": "Havnen 1", "city": "Aarhus"},
    )
    assert delivery["type"] == "delivery" and isinstance(delivery["id"], int)
    invoice = client.create_sub("customers", 10, "addresses", {"type": "invoice", "street": "Box 7"})
    assert [a["type"] for a in client.list_sub("customers", 10, "addresses")] == ["delivery", "invoice"]
    moved = client.update_sub("customers", 10, "addresses", delivery["id"], {"street": "Havnen 2"})
    assert moved["street"] == "Havnen 2" and moved["city"] == "Aarhus"
    client.delete_sub("customers", 10, "addresses", invoice["id"])
    assert [a["id"] for a in client.list_sub("customers", 10, "addresses")] == [delivery["id"]]
    with pytest.raises(ValidationError) as caught:
        client.create_sub("customers", 10, "addresses", {"type": "summer house"})
    assert caught.value.errors == {"type": ["The selected type is invalid."]}
    with pytest.raises(NotFoundError):
        client.update_sub("customers", 11, "addresses", delivery["id"], {"street": "x"})  # not Jensen's


def test_sub_writes_touch_the_customer_and_fire_customer_updated(
    client: RackbeatClient,
    customer: RackbeatState,
    moving_clock: FakeClock,
    hooks: RackbeatSandboxApp,
    receiver: Receiver,
) -> None:
    client.subscribe_webhook("customer.updated", receiver.url())
    moving_clock.advance(60)
    contact = client.create_sub("customers", 10, "contacts", {"name": "Bo"})
    assert client.get("customers", 10)["updated_at"] == moving_clock.now.isoformat()
    since = moving_clock.now.strftime("%Y-%m-%d %H:%M:%S")
    assert [c["number"] for c in client.iter_all("customers", params={"updated_at_from": since})] == [10]
    moving_clock.advance(60)
    client.update_sub("customers", 10, "contacts", contact["number"], {"name": "Bo"})  # no change: no event
    client.update_sub("customers", 10, "contacts", contact["number"], {"role": "Owner"})
    client.create_sub("customers", 11, "addresses", {"type": "delivery"})
    client.delete_sub("customers", 10, "contacts", contact["number"])
    assert hooks.webhooks.flush(5)
    assert receiver.events() == [("customer.updated", "10")] * 2 + [
        ("customer.updated", "11"),
        ("customer.updated", "10"),
    ]
    # the Python side of it: quiet unless asked
    customer.sub_create("customers", 10, "contacts", {"name": "Seeded"})
    customer.sub_create("customers", 10, "contacts", {"name": "Typed in the UI"}, emit=True)
    assert hooks.webhooks.flush(5)
    assert len(receiver.requests) == 5


def test_deleting_a_customer_deletes_its_contacts_and_addresses(
    raw: httpx.Client, customer: RackbeatState
) -> None:
    customer.sub_create("customers", 10, "contacts", {"name": "Bo"})
    customer.sub_create("customers", 10, "addresses", {"type": "delivery"})
    assert raw.delete("/customers/10").status_code == 200
    raw.post("/customers", json={"number": 10, "name": "New Hansen", "customer_group_id": 1})
    assert raw.get("/customers/10/contacts").json()["customer_contacts"] == []
    assert raw.get("/customers/10/addresses").json()["addresses"] == []


def test_contacts_filter_on_updated_at(
    client: RackbeatClient, customer: RackbeatState, moving_clock: FakeClock
) -> None:
    customer.sub_create("customers", 10, "contacts", {"name": "Old"})
    moving_clock.advance(60)
    customer.sub_create("customers", 10, "contacts", {"name": "New"})
    since = moving_clock.now.isoformat()
    names = [
        c["name"] for c in client.list_sub("customers", 10, "contacts", params={"updated_at_from": since})
    ]
    assert names == ["New"]


def test_writes_are_logged_under_their_own_names(raw: httpx.Client, customer: RackbeatState) -> None:
    raw.post("/customers/10/contacts", json={"name": "Bo"})
    raw.post("/customers/10/addresses", json={"type": "invoice"})
    assert [(w.resource, w.action) for w in customer.writes()] == [
        ("customer-contacts", "create"),
        ("customer-addresses", "create"),
    ]


def test_new_envelope_keys() -> None:
    assert envelope_keys("webhooks/3/logs") == ("webhook_logs", "webhook_log")
    assert envelope_keys("lots") == ("lots", "lot")
    assert envelope_keys("supplier-invoices") == ("supplier_invoices", "supplier_invoice")
