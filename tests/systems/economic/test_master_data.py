"""Master-data writes the integration needs: contacts, delivery locations, products, the OpenAPI groups."""

from __future__ import annotations

from typing import Any

import pytest

from ledgerbridge.systems.economic import EconomicClient, EconomicState
from ledgerbridge.systems.errors import ConflictError, NotFoundError, ValidationError

from .builders import call, codes, errors_of


def contact_body(**extra: Any) -> dict[str, Any]:
    return {"name": "Jens Hansen", "email": "jh@hansensbyg.dk", "phone": "+45 20 30 40 50", **extra}


def test_customer_contacts(base_url: str, state: EconomicState) -> None:
    created = call(
        base_url, "POST", "/customers/1/contacts", json=contact_body(emailNotifications=["invoices"])
    )
    assert created.status_code == 201, created.text
    contact = created.json()
    assert contact["customerContactNumber"] == 1 and contact["sortKey"] == 1
    assert created.headers["Location"] == contact["self"] == f"{base_url}/customers/1/contacts/1"
    assert contact["customer"] == {"customerNumber": 1, "self": f"{base_url}/customers/1"}
    second = call(base_url, "POST", "/customers/2/contacts", json={"name": "Herr Schmidt"}).json()
    assert second["customerContactNumber"] == 2 and second["sortKey"] == 1  # numbers are agreement-wide
    third = call(base_url, "POST", "/customers/1/contacts", json={"name": "Anne Hansen"}).json()
    assert third["customerContactNumber"] == 3 and third["sortKey"] == 2
    listed = call(base_url, "GET", "/customers/1/contacts").json()
    assert [c["customerContactNumber"] for c in listed["collection"]] == [1, 3]
    assert listed["self"] == f"{base_url}/customers/1/contacts"
    assert (
        call(base_url, "GET", "/customers/1/contacts", params={"filter": "name$like:anne"}).json()[
            "pagination"
        ]["results"]
        == 1
    )
    assert call(base_url, "GET", "/customers/2/contacts/1").status_code == 404  # not customer 2's
    put = call(
        base_url, "PUT", "/customers/1/contacts/1", json={"customerContactNumber": 1, "name": "Jens H."}
    )
    assert put.status_code == 200 and put.json()["name"] == "Jens H." and "email" not in put.json()
    assert put.json()["sortKey"] == 1  # kept
    assert set(errors_of(call(base_url, "PUT", "/customers/1/contacts/1", json={"name": "x"}))) == {
        "customerContactNumber"
    }
    assert "name" in errors_of(call(base_url, "POST", "/customers/1/contacts", json={}))
    bad = errors_of(
        call(base_url, "POST", "/customers/1/contacts", json=contact_body(emailNotifications=["fax"]))
    )
    assert "emailNotifications" in bad
    assert call(base_url, "POST", "/customers/9/contacts", json=contact_body()).status_code == 404
    assert call(base_url, "DELETE", "/customers/1/contacts/3").status_code == 204
    assert call(base_url, "GET", "/customers/1/contacts/3").status_code == 404


def test_delivery_locations(base_url: str) -> None:
    body = {"address": "Byggepladsen 4", "postalCode": "8200", "city": "Aarhus N", "country": "Danmark"}
    created = call(base_url, "POST", "/customers/1/delivery-locations", json=body)
    assert created.status_code == 201, created.text
    location = created.json()
    assert location["deliveryLocationNumber"] == 1 and location["sortKey"] == 1
    assert location["self"] == f"{base_url}/customers/1/delivery-locations/1"
    replaced = call(
        base_url, "PUT", "/customers/1/delivery-locations/1", json={**body, "barred": True}
    ).json()
    assert replaced["barred"] is True and replaced["city"] == "Aarhus N"
    listed = call(
        base_url, "GET", "/customers/1/delivery-locations", params={"filter": "barred$eq:true"}
    ).json()
    assert listed["pagination"]["results"] == 1
    too_long = errors_of(
        call(base_url, "POST", "/customers/1/delivery-locations", json={"postalCode": "x" * 16})
    )
    assert "postalCode" in too_long
    assert call(base_url, "DELETE", "/customers/1/delivery-locations/1").status_code == 204


def test_customer_references_its_own_contact_and_location(base_url: str, state: EconomicState) -> None:
    mine = state.add_contact(1, {"name": "Jens Hansen"})["customerContactNumber"]
    theirs = state.add_contact(2, {"name": "Herr Schmidt"})["customerContactNumber"]
    location = state.add_delivery_location(1, {"address": "Lagervej 1"})["deliveryLocationNumber"]
    customer = call(base_url, "GET", "/customers/1").json()
    body = {
        key: customer[key]
        for key in (
            "name",
            "currency",
            "customerGroup",
            "paymentTerms",
            "vatZone",
            "corporateIdentificationNumber",
        )
    }
    body.update(
        attention={"customerContactNumber": mine},
        customerContact={"customerContactNumber": mine},
        defaultDeliveryLocation={"deliveryLocationNumber": location},
    )
    replaced = call(base_url, "PUT", "/customers/1", json=body)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["attention"]["self"] == f"{base_url}/customers/1/contacts/{mine}"
    assert (
        replaced.json()["defaultDeliveryLocation"]["self"]
        == f"{base_url}/customers/1/delivery-locations/{location}"
    )
    wrong = errors_of(
        call(base_url, "PUT", "/customers/1", json={**body, "attention": {"customerContactNumber": theirs}})
    )
    assert "attention" in wrong
    assert codes(
        errors_of(
            call(
                base_url,
                "PUT",
                "/customers/1",
                json={**body, "customerContact": {"customerContactNumber": 99}},
            )
        )
    ) == ["E06000"]
    assert (
        call(base_url, "DELETE", f"/customers/1/contacts/{mine}").status_code == 400
    )  # the customer uses it
    # POST ignores these PUT-only references, like any unknown property
    created = call(
        base_url, "POST", "/customers", json={**body, "attention": {"customerContactNumber": theirs}}
    )
    assert created.status_code == 201 and "attention" not in created.json()


def test_deleting_a_customer_takes_its_contacts_and_locations(base_url: str, state: EconomicState) -> None:
    state.add_contact(2, {"name": "Herr Schmidt"})
    state.add_delivery_location(2, {"address": "Baustelle 1"})
    assert call(base_url, "DELETE", "/customers/2").status_code == 204
    assert state.count("customer-contacts") == 0 and state.count("delivery-locations") == 0


def test_product_put_replaces_barred_and_departmental_distribution(base_url: str) -> None:
    body = {
        "productNumber": "RB-1",
        "name": "Hammer",
        "productGroup": {"productGroupNumber": 1},
        "barred": True,
        "departmentalDistribution": {"departmentalDistributionNumber": 3},
        "salesPrice": 100,
    }
    created = call(base_url, "POST", "/products", json=body).json()
    assert created["barred"] is True
    assert created["departmentalDistribution"] == {
        "departmentalDistributionNumber": 3,
        "self": f"{base_url}/departmental-distributions/3",
    }
    replaced = call(
        base_url,
        "PUT",
        "/products/RB-1",
        json={k: body[k] for k in ("productNumber", "name", "productGroup")},
    )
    assert replaced.status_code == 200
    assert replaced.json()["barred"] is False and "departmentalDistribution" not in replaced.json()
    assert "salesPrice" not in replaced.json()


def test_customer_group_writes(base_url: str) -> None:
    created = call(
        base_url,
        "POST",
        "/customer-groups",
        json={"customerGroupNumber": 9, "name": "Web", "account": {"accountNumber": 5600}},
    )
    assert created.status_code == 201 and created.headers["Location"].endswith("/customer-groups/9")
    replaced = call(
        base_url, "PUT", "/customer-groups/9", json={"name": "Webshop", "account": {"accountNumber": 5600}}
    )
    assert replaced.status_code == 200 and replaced.json()["name"] == "Webshop"
    assert "customerGroupNumber" in errors_of(call(base_url, "POST", "/customer-groups", json={"name": "x"}))


# -- the OpenAPI groups ----------------------------------------------------------------------------


def test_supplier_groups_through_the_client(client: EconomicClient, state: EconomicState) -> None:
    created = client.create_supplier_group({"number": 7, "name": "Leverandører Norge", "accountNumber": 6110})
    assert created["number"] == 7 and created["name"] == "Leverandører Norge" and created["objectVersion"]
    assert state.get("supplier-groups", 7)["account"] == {"accountNumber": 6110}
    replaced = client.replace_supplier_group(7, {"name": "Leverandører Norden", "accountNumber": 6110})
    assert replaced["name"] == "Leverandører Norden" and replaced["objectVersion"] != created["objectVersion"]
    assert client.get("supplier-groups/7")["name"] == "Leverandører Norden"  # the same group on legacy REST
    with pytest.raises(ConflictError) as conflict:
        client.replace_supplier_group(
            7, {"name": "Stale", "accountNumber": 6110, "objectVersion": created["objectVersion"]}
        )
    assert conflict.value.status_code == 409 and "UpdateConflict" in str(conflict.value)
    assert client.get_supplier_group(7)["name"] == "Leverandører Norden"
    with pytest.raises(ValidationError) as exists:
        client.create_supplier_group({"number": 7, "name": "Igen", "accountNumber": 6110})
    assert "SupplierGroupIdAlreadyExists" in str(exists.value)
    with pytest.raises(ValidationError) as no_account:
        client.create_supplier_group({"number": 8, "name": "X", "accountNumber": 4242})
    assert "ERROR_CODE_AccountDoesNotExist" in str(no_account.value)
    with pytest.raises(ValidationError):
        client.create_supplier_group({"number": 8, "name": "", "accountNumber": 6110})
    with pytest.raises(NotFoundError):
        client.replace_supplier_group(99, {"name": "Nope", "accountNumber": 6110})
    with pytest.raises(ValidationError) as in_use:
        client.delete_supplier_group(1)
    assert "SupplierGroupIsInUse" in str(in_use.value)
    client.delete_supplier_group(7)
    assert not state.exists("supplier-groups", 7)


def test_put_needs_the_object_version(base_url: str) -> None:
    group = {"number": 1, "name": "Danske leverandører", "accountNumber": 6110}
    missing = call(base_url, "PUT", "/suppliersapi/v2.0.0/Groups", json=group)
    assert missing.status_code == 409 and missing.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert missing.json()["errorCode"] == "UpdateConflict"
    assert call(base_url, "PUT", "/suppliersapi/v2.0.0/Groups/1", json=group).status_code == 405


def test_product_groups_are_written_on_the_products_api(client: EconomicClient, base_url: str) -> None:
    created = client.create_product_group({"id": 20, "name": "Rackbeat varer", "domesticAccountId": 1100})
    assert created == {**created, "id": 20, "name": "Rackbeat varer", "domesticAccountId": 1100}
    legacy = client.get("product-groups/20")
    assert legacy["name"] == "Rackbeat varer" and legacy["inventoryEnabled"] is False
    replaced = client.replace_product_group(20, {"name": "Rackbeat lagervarer", "domesticAccountId": 1100})
    assert replaced["name"] == "Rackbeat lagervarer"
    listed = call(base_url, "GET", "/productsapi/v2.0.0/productgroups", params={"filter": "id$gte:2"}).json()
    assert [g["id"] for g in listed["items"]] == [2, 20]
    assert (
        call(base_url, "POST", "/product-groups", json={"productGroupNumber": 30, "name": "x"}).status_code
        == 405
    )
