"""The sandbox against e-conomic's published schemas and recorded responses (``shared/specs/economic``).

Legacy REST documents are validated with ``Draft3Validator`` (e-conomic publishes draft-03 schemas),
extended with e-conomic's own ``maxDecimal`` keyword. Known problems in the published schemas, and
how these tests deal with them:

- ``lastUpdated`` says ``format: full-date`` but its ``pattern`` (and the live API) is a timestamp; formats
  are not asserted (draft-03 ``uri``/``full-date`` checking would need extra libraries), patterns are.
- ``products...inventory.inventoryLastUpdated`` has a broken pattern (``Td{2}:d{2}`` without
  backslashes) that no real timestamp matches; the sandbox does not send that property.
- ``suppliers.get`` marks ``paymentTerms`` with ``minimum: 1`` on an object (meaningless, harmless).
- ``product-groups``, ``units``, ``payment-terms``, ``layouts``, ``vat-zones`` and ``currencies`` mark no
  property filterable; the sandbox refuses every filter there, as the live API does for currencies.
- There is no schema for legacy ``/supplier-groups`` (undocumented); it is not validated here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from jsonschema import Draft3Validator, Draft4Validator

from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.systems.economic import EconomicState
from ledgerbridge.systems.economic.sandbox.resources import SPECS, STRING
from tests.conftest import load_lenient_json

from .conftest import APP_SECRET, GRANT, HTTP

pytestmark = pytest.mark.contract
AUTH = {"X-AppSecretToken": APP_SECRET, "X-AgreementGrantToken": GRANT}


def _max_decimal(validator: Any, places: int, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
    if validator.is_type(instance, "number") and not isinstance(instance, bool):
        value = Decimal(str(instance))
        if value != value.quantize(Decimal(1).scaleb(-places)):
            yield jsonschema.ValidationError(f"{instance} has more than {places} decimals")


EconomicDraft3 = jsonschema.validators.extend(Draft3Validator, {"maxDecimal": _max_decimal})

# resource -> (collection schema, single schema)
ENDPOINTS: dict[str, tuple[str, str]] = {
    "customers": ("customers.get", "customers.customerNumber.get"),
    "customer-groups": ("customer-groups.get", "customer-groups.customerGroupNumber.get"),
    "suppliers": ("suppliers.get", "suppliers.supplierNumber.get"),
    "products": ("products.get", "products.productNumber.get"),
    "product-groups": ("product-groups.get", "product-groups.productGroupNumber.get"),
    "units": ("units.get", "units.unitNumber.get"),
    "payment-terms": ("payment-terms.get", "payment-terms.paymentTermsNumber.get"),
    "layouts": ("layouts.get", "layouts.layoutNumber.get"),
    "employees": ("employees.get", "employees.employeeNumber.get"),
    "vat-zones": ("vat-zones.get", "vat-zones.vatZoneNumber.get"),
    "accounts": ("accounts.get", "accounts.accountNumber.get"),
    "currencies": ("currencies.get", "currencies.code.get"),
}


@pytest.fixture(scope="module")
def economic_specs(specs_dir: Path) -> Path:
    return specs_dir / "economic"


def schema(specs: Path, name: str) -> dict[str, Any]:
    loaded = load_lenient_json(specs / "restapi-schemas" / f"{name}.schema.json")
    assert isinstance(loaded, dict)
    return loaded


def recorded(specs: Path, name: str) -> Any:
    return json.loads((specs / "recorded" / name).read_text(encoding="utf-8"))


def assert_valid(document: Any, schema_doc: dict[str, Any], what: str) -> None:
    errors = sorted(EconomicDraft3(schema_doc).iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, f"{what}: " + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def get(base: str, path: str, **params: Any) -> Any:
    response = HTTP.get(f"{base}/{path}", params=params or None, headers=AUTH)
    assert response.status_code == 200, response.text
    return response.json()


def self_links(document: Any) -> Iterator[str]:
    if isinstance(document, dict):
        for key, value in document.items():
            if key in ("self", "href") and isinstance(value, str):
                yield value
            else:
                yield from self_links(value)
    elif isinstance(document, list):
        for item in document:
            yield from self_links(item)


# -- GET documents against the schemas -----------------------------------------------------------


def test_self(economic_specs: Path, demo_server: SandboxServer) -> None:
    assert_valid(get(demo_server.base_url, "self"), schema(economic_specs, "self.get"), "/self")


@pytest.mark.parametrize("resource", sorted(ENDPOINTS))
def test_collection_and_single_documents(
    resource: str, economic_specs: Path, demo_server: SandboxServer
) -> None:
    base = demo_server.base_url
    collection_schema, single_schema = (schema(economic_specs, n) for n in ENDPOINTS[resource])
    page = get(base, resource, pagesize=1000)
    assert page["collection"], resource
    assert_valid(page, collection_schema, f"GET /{resource}")
    single = single_schema
    items = page["collection"]
    sample = (
        items[:: max(1, len(items) // 25)] + [i for i in items if " " in str(i.get("productNumber", ""))][:3]
    )
    for item in sample:
        document = get(base, item["self"][len(base) + 1 :])
        assert_valid(document, single, item["self"])
    assert all(link.startswith(base + "/") for link in self_links(page))


def test_minimal_seed_documents_validate(economic_specs: Path, base_url: str, state: EconomicState) -> None:
    for resource, (collection_schema, _) in ENDPOINTS.items():
        assert_valid(get(base_url, resource), schema(economic_specs, collection_schema), resource)


def test_recorded_samples_satisfy_the_same_schemas(economic_specs: Path) -> None:
    """Sanity check of the validator set-up: e-conomic's own responses pass it."""
    for name, schema_name in (
        ("demo-customers.collection.json", "customers.get"),
        ("demo-products.collection.json", "products.get"),
        ("demo-accounts.collection.json", "accounts.get"),
    ):
        assert_valid(recorded(economic_specs, name), schema(economic_specs, schema_name), name)


# -- shapes compared with the recordings ----------------------------------------------------------


@pytest.mark.parametrize("resource", ["customers", "products", "accounts"])
def test_envelope_matches_recording(resource: str, economic_specs: Path, demo_server: SandboxServer) -> None:
    base = demo_server.base_url
    ours = get(base, resource, pagesize=2)
    real = recorded(economic_specs, f"demo-{resource}.collection.json")
    assert list(ours) == list(real)
    assert list(ours["pagination"]) == list(real["pagination"])
    assert ours["pagination"]["firstPage"] == f"{base}/{resource}?pagesize=2&skippages=0"
    assert ours["self"] == f"{base}/{resource}?pagesize=2"
    if "metaData" in real:
        assert ours["metaData"]["create"]["description"] == real["metaData"]["create"]["description"]
        assert ours["metaData"]["create"]["href"] == ours["self"]
    # Every property we send on an item is one e-conomic sends (recorded) or documents (schema).
    documented = set(
        schema(economic_specs, f"{resource}.get")["properties"]["collection"]["items"]["properties"]
    )
    recorded_keys = set().union(*(item.keys() for item in real["collection"]))
    for item in ours["collection"]:
        assert set(item) <= documented | recorded_keys, set(item) - documented - recorded_keys


def test_nested_references_match_recording(economic_specs: Path, base_url: str, state: EconomicState) -> None:
    real_product = recorded(economic_specs, "demo-products.collection.json")["collection"][0]
    ours = get(base_url, "products/1")
    for key in ("productGroup", "unit", "invoices", "pricing"):
        assert list(ours[key]) == list(real_product[key]), key
    assert ours["productGroup"]["name"] == real_product["productGroup"]["name"] == "Varer m/moms"
    real_customer = recorded(economic_specs, "demo-customers.collection.json")["collection"][0]
    customer = get(base_url, "customers/1")
    for key in ("paymentTerms", "customerGroup", "vatZone", "salesPerson", "templates", "totals", "invoices"):
        assert list(customer[key]) == list(real_customer[key]), key


def test_bad_filter_body_matches_recording(economic_specs: Path, base_url: str) -> None:
    real = recorded(economic_specs, "restapi-error-400-bad-filter.json")
    response = HTTP.get(f"{base_url}/customers", params={"filter": "bogusProp$eq:1"}, headers=AUTH)
    assert response.status_code == 400
    ours = response.json()
    assert list(ours) == list(real)
    for key in real:
        assert type(ours[key]) is type(real[key]), key
    assert ours["message"] == real["message"] and ours["developerHint"] == real["developerHint"]
    assert ours["errors"] == real["errors"] and ours["httpStatusCode"] == real["httpStatusCode"]
    assert set(real["allowedFilteringFields"]) <= set(ours["allowedFilteringFields"])
    assert re.fullmatch(r"[0-9a-f]{16}-CPH", ours["logId"]) and re.fullmatch(
        r"[0-9a-f]{16}-CPH", real["logId"]
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", ours["logTime"])


def test_filterable_and_sortable_lists_follow_the_schemas(economic_specs: Path) -> None:
    deliberate_extras = {"customers": {"pNumber"}}  # accepted live although the schema omits it

    def marked(properties: dict[str, Any], flag: str, prefix: str = "") -> set[str]:
        found: set[str] = set()
        for name, prop in properties.items():
            if prop.get(flag):
                found.add(prefix + name)
            if isinstance(prop.get("properties"), dict):
                found |= marked(prop["properties"], flag, f"{prefix}{name}.")
        return found

    for resource, (collection_schema, _) in ENDPOINTS.items():
        items = schema(economic_specs, collection_schema)["properties"]["collection"]["items"]["properties"]
        spec = SPECS[resource]
        assert set(spec.filterable) == marked(items, "filterable") | deliberate_extras.get(resource, set()), (
            resource
        )
        assert set(spec.sortable) == marked(items, "sortable"), resource


# -- OpenAPI supplier groups ---------------------------------------------------------------------


def oas_validator(specs: Path, component: str) -> Draft4Validator:
    spec = json.loads((specs / "openapi" / "openapi-Suppliers.json").read_text(encoding="utf-8"))
    root = {"$ref": f"#/components/schemas/{component}", "components": spec["components"]}
    return Draft4Validator(root)


def test_supplier_groups_match_the_openapi_schemas(
    economic_specs: Path, base_url: str, state: EconomicState
) -> None:
    state.oas_cursor_page_size = 1
    page = get(base_url, "suppliersapi/v2.0.0/Groups")
    assert "cursor" in page
    oas_validator(economic_specs, "GroupCursorResults").validate(page)
    oas_validator(economic_specs, "Group").validate(get(base_url, "suppliersapi/v2.0.0/Groups/2"))
    state.oas_cursor_page_size = 1000
    oas_validator(economic_specs, "GroupCursorResults").validate(get(base_url, "suppliersapi/v2.0.0/Groups"))


def test_problem_404_matches_recording(economic_specs: Path, base_url: str) -> None:
    real = recorded(economic_specs, "openapi-problem-404.json")
    response = HTTP.get(f"{base_url}/suppliersapi/v2.0.0/Groups/999", headers=AUTH)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    ours = response.json()
    assert list(ours) == list(real)
    assert {k: ours[k] for k in ("type", "title", "status", "errorCode")} == {
        k: real[k] for k in ("type", "title", "status", "errorCode")
    }
    oas_validator(economic_specs, "ProblemDetails").validate(ours)
    bad = HTTP.get(f"{base_url}/suppliersapi/v2.0.0/Groups", params={"filter": "x$eq:1"}, headers=AUTH).json()
    oas_validator(economic_specs, "ProblemDetails").validate(bad)


# -- write payloads ------------------------------------------------------------------------------

# What the integration sends: minimal but complete documents, as JSON (money as numbers).
PAYLOADS: dict[str, dict[str, Any]] = {
    "customers": {
        "name": "Rackbeat Kunde ApS",
        "currency": "DKK",
        "customerGroup": {"customerGroupNumber": 1},
        "paymentTerms": {"paymentTermsNumber": 1},
        "vatZone": {"vatZoneNumber": 1},
        "address": "Vestergade 1",
        "zip": "8000",
        "city": "Aarhus C",
        "country": "Danmark",
        "email": "info@kunde.dk",
        "corporateIdentificationNumber": "29403473",
        "creditLimit": 10000.5,
        "layout": {"layoutNumber": 19},
        "salesPerson": {"employeeNumber": 1},
    },
    "products": {
        "productNumber": "RB-1001",
        "name": "Hammer 500 g",
        "productGroup": {"productGroupNumber": 1},
        "salesPrice": 149.95,
        "costPrice": 62.1,
        "recommendedPrice": 179.0,
        "barCode": "5701234567892",
        "unit": {"unitNumber": 1},
        "description": "Fra Rackbeat",
    },
    "suppliers": {
        "name": "Leverandør A/S",
        "currency": "DKK",
        "supplierGroup": {"supplierGroupNumber": 1},
        "paymentTerms": {"paymentTermsNumber": 2},
        "vatZone": {"vatZoneNumber": 1},
        "email": "ordre@lev.dk",
        "phone": "+45 70 11 22 33",
        "costAccount": {"accountNumber": 1210},
    },
    "customer-groups": {"customerGroupNumber": 7, "name": "Webshop", "account": {"accountNumber": 5600}},
    "units": {"name": "palle"},
    "payment-terms": {"name": "Netto 45 dage", "paymentTermsType": "net", "daysOfCredit": 45},
}
POST_SCHEMAS = {
    "customers": "customers.post",
    "products": "products.post",
    "suppliers": "suppliers.post",
    "customer-groups": "customer-groups.post",
    "units": "units.post",
    "payment-terms": "payment-terms.post",
}
PUT_SCHEMAS = {
    "customers": "customers.customerNo.put",
    "products": "products.productNumber.put",
    "suppliers": "suppliers.supplierNumber.put",
    "customer-groups": "customer-groups.customergroupnumber.put",
    "units": "units.unitNumber.put",
    "payment-terms": "payment-terms.paymentTermsNumber.put",
}


@pytest.mark.parametrize("resource", sorted(PAYLOADS))
def test_write_payloads_validate_and_are_accepted(
    resource: str, economic_specs: Path, base_url: str, state: EconomicState
) -> None:
    payload = PAYLOADS[resource]
    assert_valid(payload, schema(economic_specs, POST_SCHEMAS[resource]), f"POST /{resource}")
    created = HTTP.post(f"{base_url}/{resource}", json=payload, headers=AUTH)
    assert created.status_code == 201, created.text
    key = created.json()[SPECS[resource].key]
    put_body = {**payload, SPECS[resource].key: key}
    if resource == "customer-groups":
        put_body.pop("customerGroupNumber")  # read-only on PUT
    assert_valid(put_body, schema(economic_specs, PUT_SCHEMAS[resource]), f"PUT /{resource}")
    replaced = HTTP.put(created.headers["Location"], json=put_body, headers=AUTH)
    assert replaced.status_code == 200, replaced.text
    # What the API then hands back satisfies the GET schemas, single and collection.
    collection_schema, single_schema = ENDPOINTS[resource]
    assert_valid(replaced.json(), schema(economic_specs, single_schema), f"PUT /{resource} response")
    assert_valid(get(base_url, resource), schema(economic_specs, collection_schema), f"GET /{resource}")


@pytest.mark.parametrize("resource", sorted(POST_SCHEMAS))
def test_required_properties_match_the_post_schemas(
    resource: str, economic_specs: Path, base_url: str, state: EconomicState
) -> None:
    properties = schema(economic_specs, POST_SCHEMAS[resource])["properties"]
    required = {name for name, prop in properties.items() if prop.get("required") is True}
    response = HTTP.post(f"{base_url}/{resource}", json={}, headers=AUTH)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == required


@pytest.mark.parametrize("resource", sorted(POST_SCHEMAS))
def test_field_rules_match_the_post_schemas(resource: str, economic_specs: Path) -> None:
    properties = schema(economic_specs, POST_SCHEMAS[resource])["properties"]

    def prop(path: str) -> dict[str, Any]:
        node: dict[str, Any] = {"properties": properties}
        for part in path.split("."):
            node = node["properties"][part]
        return node

    for field in SPECS[resource].fields:
        published = prop(field.path)
        if field.type == STRING:
            assert field.max_length == published.get("maxLength"), field.path
            assert field.min_length == published.get("minLength"), field.path
        assert (field.enum and list(field.enum)) == published.get("enum"), field.path
        # An enum property may carry no "type" (paymentTermsType); its values are strings.
        assert published.get("type", "string" if "enum" in published else None) == field.type, field.path
    for ref in SPECS[resource].refs:
        if "." not in ref.name and not ref.put_only:
            assert prop(ref.name)["type"] == "object", ref.name
