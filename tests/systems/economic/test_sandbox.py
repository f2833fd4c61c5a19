"""The sandbox over HTTP: envelope, paging, errors, writes, idempotency, headers, the OpenAPI groups."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.systems.economic import EconomicState, create_app
from ledgerbridge.systems.economic.sandbox import EconomicSandbox

from .conftest import APP_SECRET, GRANT, HTTP, FakeClock

AUTH = {"X-AppSecretToken": APP_SECRET, "X-AgreementGrantToken": GRANT}
RATE = re.compile(r"^token-limit-\d+-per-\d+-seconds: \d+/\d+$")


def call(
    base_url: str, method: str, path: str, *, auth: dict[str, str] | None = None, **kwargs: Any
) -> httpx.Response:
    return HTTP.request(
        method,
        f"{base_url}{path}",
        headers={**(AUTH if auth is None else auth), **kwargs.pop("headers", {})},
        **kwargs,
    )


def customer_body(**extra: Any) -> dict[str, Any]:
    return {
        "name": "Ny Kunde ApS",
        "currency": "DKK",
        "customerGroup": {"customerGroupNumber": 1},
        "paymentTerms": {"paymentTermsNumber": 1},
        "vatZone": {"vatZoneNumber": 1},
        **extra,
    }


def test_app_exposes_state_and_kit(app: EconomicSandbox) -> None:
    assert isinstance(app.economic_state, EconomicState)
    assert app.state.kit is app.kit and app.state.economic_state is app.economic_state
    slow = create_app(seed="minimal", latency_ms=25, rate_limit=(100, 10))
    assert slow.kit.plan.latency_ms == 25 and slow.kit.bucket is not None and slow.kit.bucket.capacity == 100
    with pytest.raises(ValueError):
        create_app(seed="bogus")


# -- collections ---------------------------------------------------------------------------------


def test_collection_envelope_matches_the_recording(base_url: str) -> None:
    body = call(base_url, "GET", "/customers?pagesize=1").json()
    assert list(body) == ["collection", "pagination", "metaData", "self"]
    assert list(body["pagination"]) == [
        "skipPages",
        "pageSize",
        "maxPageSizeAllowed",
        "results",
        "resultsWithoutFilter",
        "firstPage",
        "nextPage",
        "lastPage",
    ]
    assert body["pagination"]["firstPage"] == f"{base_url}/customers?pagesize=1&skippages=0"
    assert body["pagination"]["nextPage"] == f"{base_url}/customers?pagesize=1&skippages=1"
    assert body["pagination"]["lastPage"] == f"{base_url}/customers?pagesize=1&skippages=1"
    assert body["self"] == f"{base_url}/customers?pagesize=1"
    assert body["metaData"] == {
        "create": {"description": "Create a new customer", "href": body["self"], "httpMethod": "post"}
    }
    # Read-only collections carry no metaData (as the recorded /accounts page).
    assert "metaData" not in call(base_url, "GET", "/accounts").json()


def test_last_page_has_no_next_and_skipping_past_the_end_is_empty(base_url: str) -> None:
    last = call(base_url, "GET", "/customers?pagesize=1&skippages=1").json()
    assert "nextPage" not in last["pagination"] and len(last["collection"]) == 1
    beyond = call(base_url, "GET", "/customers?pagesize=1&skippages=5").json()
    assert beyond["collection"] == [] and beyond["pagination"]["results"] == 2
    default = call(base_url, "GET", "/accounts").json()["pagination"]
    assert default["pageSize"] == 20 and "nextPage" not in default


@pytest.mark.parametrize("query", ["pagesize=1001", "pagesize=0", "pagesize=abc"])
def test_page_size_out_of_range(base_url: str, query: str) -> None:
    response = call(base_url, "GET", f"/customers?{query}")
    assert response.status_code == 400
    assert response.json()["errorCode"] == "E04810"


def test_filter_results_and_links(base_url: str) -> None:
    body = call(base_url, "GET", "/customers", params={"filter": "currency$eq:eur", "pagesize": 5}).json()
    assert [c["customerNumber"] for c in body["collection"]] == [2]
    assert body["pagination"]["results"] == 1 and body["pagination"]["resultsWithoutFilter"] == 2
    assert "filter=currency$eq:eur" in body["pagination"]["firstPage"]


def test_sort_and_bad_sort(base_url: str) -> None:
    body = call(base_url, "GET", "/customers?sort=-customerNumber").json()
    assert [c["customerNumber"] for c in body["collection"]] == [2, 1]
    bad = call(base_url, "GET", "/customers?sort=dueAmount")
    assert bad.status_code == 400
    assert bad.json()["message"] == "Could not parse query string sort parameter."


def test_non_filterable_resource_lists_no_fields(base_url: str) -> None:
    response = call(base_url, "GET", "/units?filter=name$eq:stk.")
    assert response.status_code == 400 and response.json()["allowedFilteringFields"] == []


def test_booleans_and_money_on_the_wire(base_url: str, state: EconomicState) -> None:
    state.update_customer(2, {"barred": True})
    customers = call(base_url, "GET", "/customers").json()["collection"]
    assert "barred" not in customers[0] and customers[1]["barred"] is True
    assert customers[0]["eInvoicingDisabledByDefault"] is False  # present although false, as recorded
    products = call(base_url, "GET", "/products").json()["collection"]
    assert products[0]["barred"] is False and products[1]["barred"] is True
    assert products[0]["salesPrice"] == 70.0 and isinstance(products[0]["salesPrice"], float)
    assert products[0]["productGroup"]["inventoryEnabled"] is False


# -- single resources and errors -----------------------------------------------------------------


def test_single_resource_and_not_found(base_url: str) -> None:
    one = call(base_url, "GET", "/customers/1").json()
    assert one["self"] == f"{base_url}/customers/1"
    assert one["metaData"]["replace"]["httpMethod"] == "put"
    missing = call(base_url, "GET", "/customers/99")
    assert missing.status_code == 404 and missing.json()["errorCode"] == "E06000"
    assert call(base_url, "GET", "/customers/abc").status_code == 404
    assert call(base_url, "GET", "/no-such-thing").status_code == 404


def test_auth_errors_use_the_legacy_format(base_url: str) -> None:
    response = call(base_url, "GET", "/customers", auth={})
    assert response.status_code == 401
    assert set(response.json()) == {"message", "developerHint", "logId", "httpStatusCode", "logTime"}
    demo = call(
        base_url,
        "POST",
        "/units",
        auth={"X-AppSecretToken": "demo", "X-AgreementGrantToken": "demo"},
        json={"name": "x"},
    )
    assert demo.status_code == 403 and demo.json()["httpStatusCode"] == 403


def test_method_and_media_type_errors(base_url: str) -> None:
    assert call(base_url, "POST", "/accounts", json={}).status_code == 405
    assert call(base_url, "DELETE", "/vat-zones/1").status_code == 405
    response = call(base_url, "POST", "/units", content=b"name=x", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    broken = call(
        base_url, "POST", "/units", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400


# -- writes --------------------------------------------------------------------------------------


def test_post_answers_201_with_location_and_entity(base_url: str) -> None:
    response = call(base_url, "POST", "/customers", json=customer_body(balance=999.99, unknownThing=1))
    assert response.status_code == 201
    body = response.json()
    assert response.headers["Location"] == body["self"] == f"{base_url}/customers/3"
    assert body["balance"] == 0.0  # read-only input ignored
    assert "unknownThing" not in body


def test_numbers_of_deleted_records_are_reused(base_url: str) -> None:
    first = call(base_url, "POST", "/units", json={"name": "palle"}).json()["unitNumber"]
    assert call(base_url, "DELETE", f"/units/{first}").status_code == 204
    assert call(base_url, "DELETE", f"/units/{first}").json()["errorCode"] == "E06000"
    assert call(base_url, "POST", "/units", json={"name": "kasse"}).json()["unitNumber"] == first


def test_put_to_a_missing_id_creates(base_url: str) -> None:
    response = call(base_url, "PUT", "/customers/500", json=customer_body())
    assert response.status_code == 201 and response.json()["customerNumber"] == 500


def test_references_by_self_link(base_url: str) -> None:
    body = customer_body(customerGroup={"self": f"{base_url}/customer-groups/2"})
    assert call(base_url, "POST", "/customers", json=body).json()["customerGroup"]["customerGroupNumber"] == 2


def annotated(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["message"] == "Validation error."
    return body["errors"]  # type: ignore[no-any-return]


def test_validation_rules(base_url: str) -> None:
    errors = annotated(
        call(
            base_url,
            "POST",
            "/customers",
            json=customer_body(
                address=None,
                customerNumber=0,
                currency="ZUL",
                paymentTerms={},
                vatZone={"vatZoneNumber": 77},
                creditLimit=1.005,
                pNumber="123",
            ),
        )
    )
    assert errors["address"]["errors"][0]["message"] == "Expected String but got Null."
    assert errors["customerNumber"]["errors"][0]["message"] == "Integer 0 is less than minimum value of 1."
    assert errors["currency"]["errors"][0]["errorCode"] == "E06000"
    assert errors["currency"]["errors"][0]["value"] == "ZUL"
    assert errors["paymentTerms"]["errors"][0]["errorCode"] == "E04500"
    assert errors["vatZone"]["errors"][0] == {
        "errorCode": "E06000",
        "message": "vatZone does not exist.",
        "value": 77,
        "developerHint": f"Find a list of vat zones at {base_url}/vat-zones.",
    }
    assert errors["creditLimit"]["errors"][0]["errorCode"] == "E04740"
    assert "minimum length of 10" in errors["pNumber"]["errors"][0]["message"]


def test_caller_supplied_keys(base_url: str) -> None:
    assert "productNumber" in annotated(
        call(base_url, "POST", "/products", json={"name": "x", "productGroup": {"productGroupNumber": 1}})
    )
    assert "productNumber" in annotated(
        call(
            base_url,
            "POST",
            "/products",
            json={"productNumber": "1", "name": "x", "productGroup": {"productGroupNumber": 1}},
        )
    )
    created = call(
        base_url,
        "POST",
        "/customer-groups",
        json={"customerGroupNumber": 9, "name": "Nye", "account": {"accountNumber": 5600}},
    )
    assert created.status_code == 201 and created.json()["account"]["name"] == "Debitorer"
    heading = call(
        base_url,
        "POST",
        "/customer-groups",
        json={"customerGroupNumber": 10, "account": {"accountNumber": 1000}},
    )
    assert "account" in annotated(heading)


def test_put_of_products_and_suppliers_needs_the_number_in_the_body(base_url: str) -> None:
    errors = annotated(
        call(base_url, "PUT", "/products/1", json={"name": "x", "productGroup": {"productGroupNumber": 1}})
    )
    assert list(errors) == ["productNumber"]
    assert call(base_url, "PUT", "/customers/1", json=customer_body()).status_code == 200


def test_payment_terms_type_cannot_change(base_url: str) -> None:
    response = call(
        base_url,
        "PUT",
        "/payment-terms/1",
        json={"name": "Netto 8", "paymentTermsType": "net", "daysOfCredit": 14},
    )
    assert annotated(response)["daysOfCredit"]["errors"][0]["errorCode"] == "E06151"
    assert "paymentTermsType" in annotated(
        call(base_url, "POST", "/payment-terms", json={"name": "x", "paymentTermsType": "Net"})
    )


def test_vat_zone_must_fit_the_party(base_url: str) -> None:
    body = {
        "name": "L",
        "currency": "DKK",
        "paymentTerms": {"paymentTermsNumber": 1},
        "supplierGroup": {"supplierGroupNumber": 1},
        "vatZone": {"vatZoneNumber": 4},
    }
    assert "vatZone" in annotated(call(base_url, "POST", "/suppliers", json=body))
    body["vatZone"] = {"vatZoneNumber": 1}
    assert call(base_url, "POST", "/suppliers", json=body).status_code == 201


def test_records_in_use_cannot_be_deleted(base_url: str) -> None:
    response = call(base_url, "DELETE", "/payment-terms/1")
    assert response.status_code == 400 and "used by" in response.json()["message"]


def test_product_writes_bump_last_updated(base_url: str, clock: FakeClock) -> None:
    clock.advance(3600)
    body = {"productNumber": "1", "name": "T-shirt", "productGroup": {"productGroupNumber": 1}}
    updated = call(base_url, "PUT", "/products/1", json=body).json()
    assert updated["lastUpdated"] == "2026-02-01T10:00:00Z"
    assert "description" not in updated  # replaced, not merged


def test_idempotency_key_replays_the_first_response(base_url: str) -> None:
    headers = {"Idempotency-Key": "k-1"}
    first = call(base_url, "POST", "/units", json={"name": "a"}, headers=headers)
    second = call(base_url, "POST", "/units", json={"name": "b"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second.headers["X-ResultFromCache"] == "true"
    assert "X-ResultFromCache" not in first.headers
    assert call(base_url, "GET", "/units").json()["pagination"]["results"] == 3


def test_employee_writes_are_a_sandbox_extension(base_url: str) -> None:
    created = call(base_url, "POST", "/employees", json={"name": "Ny Sælger", "email": "ny@minimal.dk"})
    assert created.status_code == 201 and created.json()["employeeNumber"] == 3


# -- headers, rate limit, faults -----------------------------------------------------------------


def test_every_response_carries_rate_headers(base_url: str) -> None:
    for response in (
        call(base_url, "GET", "/self"),
        call(base_url, "GET", "/customers", auth={}),
        call(base_url, "GET", "/nowhere"),
        call(base_url, "POST", "/units", json={"name": "x"}),
    ):
        assert RATE.match(response.headers["X-RateLimiting"]), response.headers
        assert response.headers["X-CallCost"] in ("1", "3")
    HTTP.put(f"{base_url}/_sandbox/faults", json={"fail_next": [503]}).raise_for_status()
    injected = call(base_url, "GET", "/self")
    assert injected.status_code == 503 and RATE.match(injected.headers["X-RateLimiting"])
    assert injected.json()["httpStatusCode"] == 503


def test_exhausted_bucket_answers_429(base_url: str) -> None:
    HTTP.put(f"{base_url}/_sandbox/rate-limit", json={"capacity": 3, "window_seconds": 60}).raise_for_status()
    assert call(base_url, "GET", "/self").headers["X-RateLimiting"] == "token-limit-3-per-60-seconds: 1/3"
    assert call(base_url, "POST", "/units", json={"name": "x"}).status_code == 429  # a write costs 3
    limited = call(base_url, "GET", "/self")
    assert limited.status_code == 200
    limited = call(base_url, "GET", "/self")
    assert limited.status_code == 200
    limited = call(base_url, "GET", "/self")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    body = limited.json()
    assert body["httpStatusCode"] == 429 and "logId" in body and "message" in body
    assert limited.headers["X-RateLimiting"].startswith("token-limit-3-per-60-seconds: 3/3")


# -- OpenAPI supplier groups ---------------------------------------------------------------------


def test_oas_groups(base_url: str, state: EconomicState) -> None:
    state.oas_cursor_page_size = 1
    page = call(base_url, "GET", "/suppliersapi/v2.0.0/Groups").json()
    assert list(page) == ["cursor", "items"] and page["cursor"] == "2"
    last = call(base_url, "GET", "/suppliersapi/v2.0.0/Groups?cursor=2").json()
    assert "cursor" not in last and [g["number"] for g in last["items"]] == [2]
    assert call(base_url, "GET", "/suppliersapi/v2.0.0/Groups/count").json() == 2
    assert len(call(base_url, "GET", "/suppliersapi/v2.0.0/Groups/paged?pagesize=1").json()) == 1
    assert call(base_url, "GET", "/suppliersapi/v2.0.0/Groups/paged?pagesize=101").status_code == 400
    assert call(base_url, "GET", "/suppliersapi/v2.0.0/Groups/1").json()["name"] == "Danske leverandører"
    bad = call(base_url, "GET", "/suppliersapi/v2.0.0/Groups?filter=objectVersion$eq:1")
    assert bad.status_code == 400 and bad.json()["errorCode"] == "BadFilterRequest"
    assert bad.headers["content-type"].startswith("application/problem+json")
    unauthorized = call(base_url, "GET", "/suppliersapi/v2.0.0/Groups", auth={})
    assert unauthorized.status_code == 401 and unauthorized.json()["status"] == 401
    assert call(base_url, "GET", "/suppliersapi/v2.0.0/Contacts").status_code == 404


def test_object_version_changes_on_write(base_url: str, state: EconomicState) -> None:
    before = call(base_url, "GET", "/suppliersapi/v2.0.0/Groups/1").json()["objectVersion"]
    state.update("supplier-groups", 1, {"name": "Omdøbt"})
    after = call(base_url, "GET", "/suppliersapi/v2.0.0/Groups/1").json()
    assert after["objectVersion"] != before and after["name"] == "Omdøbt"


def test_demo_seeded_app_serves(demo_server: SandboxServer) -> None:
    me = call(demo_server.base_url, "GET", "/self").json()
    assert me["company"]["name"] == "Vestjysk Værktøj & Byg ApS"
