"""The Rackbeat sandbox on the wire: status codes, envelopes, validation, filters and record shapes."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from ledgerbridge.systems.rackbeat import RackbeatState, create_app
from ledgerbridge.systems.rackbeat.sandbox import SandboxValidationError

from .conftest import FakeClock


def test_list_is_206_with_the_plural_envelope_and_paging_fields(
    raw: httpx.Client, seeded: RackbeatState
) -> None:
    for number in range(2, 6):
        seeded.add("customer-groups", {"number": number, "name": f"Group {number}"})
    response = raw.get("/customer-groups", params={"limit": 2, "page": 2})
    assert response.status_code == 206
    body = response.json()
    assert set(body) == {"customer_groups", "total", "pages", "limit", "page"}
    assert (body["total"], body["pages"], body["limit"], body["page"]) == (5, 3, 2, 2)
    assert [g["number"] for g in body["customer_groups"]] == [3, 4]


def test_list_defaults_to_20_and_an_empty_list_has_one_page(raw: httpx.Client, state: RackbeatState) -> None:
    body = raw.get("/employees").json()
    assert (body["employees"], body["total"], body["pages"], body["limit"], body["page"]) == ([], 0, 1, 20, 1)
    assert raw.get("/employees", params={"page": 5}).json()["employees"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 1001}, "limit"),
        ({"limit": 0}, "limit"),
        ({"page": "x"}, "page"),
        ({"order_by": "nope"}, "order_by"),
    ],
)
def test_bad_list_parameters_are_422(
    raw: httpx.Client, state: RackbeatState, params: dict, field: str
) -> None:
    response = raw.get("/customers", params=params)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


def test_limit_1000_is_allowed(raw: httpx.Client, state: RackbeatState) -> None:
    assert raw.get("/units", params={"limit": 1000}).status_code == 206


def test_create_is_201_with_the_singular_envelope_and_server_fields(
    raw: httpx.Client, seeded: RackbeatState, base_url: str
) -> None:
    response = raw.post(
        "/payment-terms", json={"number": 14, "name": "Net 14", "type": "net", "maturity_days": 14}
    )
    assert response.status_code == 201
    term = response.json()["payment_term"]
    assert term["number"] == 14 and term["type_translated"] == "Net"
    assert isinstance(term["id"], int)
    assert term["created_at"] == "2025-01-08T10:30:00+00:00" == term["updated_at"]
    assert term["self"] == f"{base_url}/payment-terms/14"
    single = raw.get("/payment-terms/14")
    assert single.status_code == 200 and single.json() == {"payment_term": term}


def test_api_prefix_works_too(raw: httpx.Client, seeded: RackbeatState, base_url: str) -> None:
    unit = raw.get("/api/units/1").json()["unit"]
    assert unit["self"] == f"{base_url}/api/units/1"


def test_missing_number_gets_max_plus_one(raw: httpx.Client, seeded: RackbeatState) -> None:
    seeded.add("units", {"number": 7, "name": "kg"})
    assert raw.post("/units", json={"name": "m"}).json()["unit"]["number"] == 8
    seeded.add("products", {"number": "41", "name": "a", "group": 1, "sales_price": 1, "unit_id": 1})
    seeded.add("products", {"number": "X-9", "name": "b", "group": 1, "sales_price": 1, "unit_id": 1})
    product = raw.post("/products", json={"name": "c", "group": 1, "sales_price": 1, "unit_id": 1})
    assert product.json()["product"]["number"] == "42"


def test_delete_is_200_and_unknown_key_404(raw: httpx.Client, seeded: RackbeatState) -> None:
    seeded.add("layouts", {"number": 2, "name": "Other"})
    deleted = raw.delete("/layouts/2")
    assert (deleted.status_code, deleted.json()) == (200, {})
    missing = raw.get("/layouts/2")
    assert missing.status_code == 404
    assert missing.json() == {"message": "No query results for model [App\\Models\\Layout] 2"}


def test_unknown_route_and_wrong_method(raw: httpx.Client, state: RackbeatState) -> None:
    assert raw.get("/no-such-thing").status_code == 404
    response = raw.patch("/customers/1", json={})
    assert response.status_code == 405
    assert "Supported methods: DELETE, GET, HEAD, PUT." in response.json()["message"]


def test_wrong_or_missing_token_is_401(base_url: str, state: RackbeatState) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "test-token"}):
        response = httpx.get(f"{base_url}/customers", headers=headers)
        assert response.status_code == 401
        assert response.json() == {"message": "Unauthenticated."}


def test_invalid_json_is_400(raw: httpx.Client, state: RackbeatState) -> None:
    response = raw.post("/units", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "message" in response.json()


# -- validation --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("resource", "body", "errors"),
    [
        ("units", {"number": 3}, {"name": ["The name field is required."]}),
        ("units", {"number": "three", "name": "x"}, {"number": ["The number field must be an integer."]}),
        (
            "units",
            {"number": 4, "name": "x" * 256},
            {"name": ["The name field must not be greater than 255 characters."]},
        ),
        (
            "customers",
            {"number": 1, "name": "A", "customer_group_id": 1, "vat_zone": "mars"},
            {"vat_zone": ["The selected vat zone is invalid."]},
        ),
        (
            "customers",
            {"number": 1, "name": "A", "customer_group_id": 1, "max_credit": "1.1234567"},
            {"max_credit": ["The max credit field must have 0-6 decimal places."]},
        ),
        (
            "customers",
            {"number": 1, "name": "A", "customer_group_id": 1, "is_barred": "yes"},
            {"is_barred": ["The is barred field must be true or false."]},
        ),
        (
            "customers",
            {"number": 1, "customer_group_id": 1, "payment_terms_id": 9, "employee_id": 9},
            {
                "name": ["The name field is required."],
                "payment_terms_id": ["The selected payment terms id is invalid."],
                "employee_id": ["The selected employee id is invalid."],
            },
        ),
        (
            "suppliers",
            {"number": 1, "name": "S"},
            {"supplier_group_id": ["The supplier group id field is required."]},
        ),
        (
            "payment-terms",
            {"name": "P", "type": "whenever"},
            {
                "type": ["The selected type is invalid."],
                "maturity_days": ["The maturity days field is required."],
            },
        ),
        (
            "payment-terms",
            {"name": "P", "type": "net", "maturity_days": 40000},
            {"maturity_days": ["The maturity days field must not be greater than 32767."]},
        ),
        (
            "products",
            {"number": "X" * 26, "name": "P", "group": 1, "sales_price": 1, "unit_id": 1},
            {"number": ["The number field must not be greater than 25 characters."]},
        ),
        (
            "products",
            {"number": "P1", "name": "P", "group": 1, "sales_price": "cheap", "unit_id": 77},
            {
                "sales_price": ["The sales price field must be a number."],
                "unit_id": ["The selected unit id is invalid."],
            },
        ),
        (
            "product-groups",
            {"name": "G", "has_inventory": "maybe"},
            {"has_inventory": ["The has inventory field must be true or false."]},
        ),
        ("product-groups", {"name": "G"}, {"has_inventory": ["The has inventory field is required."]}),
    ],
)
def test_validation_errors_are_laravel_maps(
    raw: httpx.Client, seeded: RackbeatState, resource: str, body: dict, errors: dict
) -> None:
    response = raw.post(f"/{resource}", json=body)
    assert response.status_code == 422
    assert response.json() == {"errors": errors}


def test_strings_are_trimmed_and_empty_strings_become_null(raw: httpx.Client, seeded: RackbeatState) -> None:
    body = {
        "number": 5,
        "name": "  Trim A/S ",
        "customer_group_id": 1,
        "address_street2": "",
        "company_name": "ignored",
    }
    customer = raw.post("/customers", json=body).json()["customer"]
    assert customer["name"] == "Trim A/S" == customer["company_name"]
    assert customer["address_street2"] is None


def test_company_name_is_an_alias_of_name(raw: httpx.Client, seeded: RackbeatState) -> None:
    supplier = raw.post(
        "/suppliers", json={"number": 3, "company_name": "Leverandør ApS", "supplier_group_id": 1}
    ).json()["supplier"]
    assert supplier["name"] == supplier["company_name"] == "Leverandør ApS"


def test_money_is_exact_on_the_wire(raw: httpx.Client, seeded: RackbeatState) -> None:
    # 17 significant digits: a float would round this; the sandbox must not.
    body = (
        '{"number": "M1", "name": "Money", "group": 1, "unit_id": 1, "sales_price": 12345678901.123456, '
        '"recommended_cost_price": "0.10"}'
    )
    response = raw.post("/products", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 201
    assert '"sales_price":12345678901.123456' in response.text
    assert '"recommended_cost_price":0.1' in response.text
    assert '"cost_price":0' in response.text


def test_product_shape(raw: httpx.Client, seeded: RackbeatState) -> None:
    body = {
        "number": "A 1/2",
        "name": "Bolt",
        "group": 1,
        "unit_id": 1,
        "sales_price": 2.5,
        "recommended_sales_price": 3,
        "recommended_cost_price": 1.25,
        "cost_price": 99,
        "barcode": "5701234",
        "description": "M8",
        "is_barred": False,
        "department_id": 3,
    }
    product = raw.post("/products", json=body).json()["product"]
    assert product["urlfriendly_number"] == "A%201%2F2"
    assert product["type"] == "product"
    assert product["cost_price"] == 0  # read-only: the average cost, not what we sent
    assert product["group_id"] == 1
    assert product["group"]["number"] == 1 and product["group"]["name"] == "Goods"
    assert product["unit_id"] == 1 and product["unit"] == {
        "id": 1,
        "number": 1,
        "name": "pcs.",
        "self": product["unit"]["self"],
    }
    assert product["stock_quantity"] == product["available_quantity"] == 0
    assert product["inventory_enabled"] is True
    # A GET body can be PUT back as it is (group/unit come back as objects).
    again = raw.put("/products/A%201%2F2", json=product)
    assert again.status_code == 200, again.text
    assert raw.get("/products/A%201%2F2").json()["product"]["updated_at"] == product["updated_at"]


def test_a_product_may_have_no_unit(raw: httpx.Client, seeded: RackbeatState) -> None:
    body = {"number": "NU", "name": "Service", "group": 1, "sales_price": 100, "unit_id": None}
    product = raw.post("/products", json=body).json()["product"]
    assert product["unit_id"] is None and product["unit"] is None


def test_customer_shows_related_records(raw: httpx.Client, seeded: RackbeatState) -> None:
    body = {
        "number": 8,
        "name": "Rel",
        "customer_group_id": 1,
        "payment_terms_id": 1,
        "employee_id": 1,
        "layout_id": 1,
    }
    customer = raw.post("/customers", json=body).json()["customer"]
    assert customer["payment_terms"]["number"] == 1 and customer["payment_terms"]["maturity_days"] == 8
    assert customer["employee"]["name"] == "Ada Lovelace"
    assert customer["customer_group"]["name"] == "Danish customers"
    assert customer["currency"] == "DKK" and customer["vat_zone"] == "domestic"


def test_renumbering_a_group_keeps_its_members(raw: httpx.Client, seeded: RackbeatState) -> None:
    raw.post("/customers", json={"number": 9, "name": "Member", "customer_group_id": 1})
    assert raw.put("/customer-groups/1", json={"number": 10}).status_code == 200
    assert raw.get("/customers/9").json()["customer"]["customer_group_id"] == 10
    assert raw.get("/customer-groups/1").status_code == 404


def test_referenced_records_cannot_be_deleted(raw: httpx.Client, seeded: RackbeatState) -> None:
    raw.post("/customers", json={"number": 9, "name": "Member", "customer_group_id": 1})
    response = raw.delete("/customer-groups/1")
    assert response.status_code == 422
    assert response.json()["errors"]["number"] == [
        "The customer group cannot be deleted because it is used by 1 customer."
    ]


def test_suppress_webhooks_in_the_body(raw: httpx.Client, seeded: RackbeatState) -> None:
    raw.post("/units", json={"number": 5, "name": "l", "suppress_webhooks": True})
    raw.put("/units/5?suppress_webhooks=1", json={"name": "litre"})
    raw.put("/units/5", json={"name": "L"})
    assert [w.suppress_webhooks for w in seeded.writes("units")] == [True, True, False]
    assert seeded.writes("units")[0].payload == {"number": 5, "name": "l"}  # the flag is not data
    assert raw.get("/units/5").json()["unit"]["name"] == "L"


# -- list modifiers ----------------------------------------------------------------------------------
def test_search_order_fields_and_updated_at_filters(
    raw: httpx.Client, seeded: RackbeatState, clock: FakeClock
) -> None:
    start = clock.now
    try:
        seeded.add("customers", {"number": 1, "name": "Alpha", "customer_group_id": 1})
        clock.advance(60)
        seeded.add("customers", {"number": 2, "name": "Beta", "customer_group_id": 1, "company_vat": "DK999"})
        clock.advance(60)
        seeded.add("customers", {"number": 3, "name": "alphabet", "customer_group_id": 1})
        found = raw.get("/customers", params={"search": "ALPHA"}).json()["customers"]
        assert [c["number"] for c in found] == [1, 3]
        by_vat = raw.get("/customers", params={"search": "dk99"}).json()["customers"]
        assert [c["number"] for c in by_vat] == [2]
        ordered = raw.get("/customers", params={"order_by": "name", "order_direction": "DESC"}).json()
        assert [c["name"] for c in ordered["customers"]] == ["alphabet", "Beta", "Alpha"]
        sparse = raw.get("/customers", params={"fields": "number,name", "limit": 1}).json()["customers"]
        assert sparse == [{"number": 1, "name": "Alpha"}]
        single = raw.get("/customers/2", params={"fields": "number,is_barred"}).json()
        assert single == {"customer": {"number": 2, "is_barred": False}}
        since = (start + timedelta(seconds=60)).strftime("%Y-%m-%d %H:%M:%S")
        recent = raw.get("/customers", params={"updated_at_from": since}).json()["customers"]
        assert [c["number"] for c in recent] == [2, 3]
        until = (start + timedelta(seconds=60)).isoformat()
        older = raw.get("/customers", params={"updated_at_to": until}).json()["customers"]
        assert [c["number"] for c in older] == [1, 2]
        # updated_at moves only when a value changes
        clock.advance(60)
        raw.put("/customers/1", json={"name": "Alpha"})
        assert raw.get("/customers/1").json()["customer"]["updated_at"].startswith("2025-01-08T10:30:00")
        raw.put("/customers/1", json={"name": "Alpha 2"})
        assert raw.get("/customers/1").json()["customer"]["updated_at"] == clock.now.isoformat()
    finally:
        clock.now = start


def test_settings_list_and_self(raw: httpx.Client, state: RackbeatState) -> None:
    settings = raw.get("/settings")
    assert settings.status_code == 206
    assert [s["identifier"] for s in settings.json()["settings"]] == ["company"]
    me = raw.get("/self").json()
    assert me["user_account"]["id"] == 1 and me["user_account"]["company_name"] == "Rackbeat Sandbox ApS"
    assert set(me["user"]) == {"id", "name", "email"}
    assert raw.put("/settings/company", json={}).status_code == 422


# -- state API and app wiring (in-process) -----------------------------------------------------------
def test_state_api_validates_and_renders() -> None:
    state = RackbeatState()
    state.add("units", {"number": 1, "name": "pcs."})
    with pytest.raises(SandboxValidationError) as caught:
        state.add("units", {"number": 1, "name": "again"})
    assert caught.value.errors == {"number": ["The number has already been taken."]}
    assert [u["name"] for u in state.records("units")] == ["pcs."]
    assert state.records("units")[0]["self"] == "/units/1"
    state.update("units", 1, {"name": "stk."})
    unit = state.get("units", "1")
    assert unit is not None and unit["name"] == "stk."
    state.delete("units", 1)
    assert state.records("units") == [] and state.writes() == []


def test_create_app_defaults_and_attributes() -> None:
    app = create_app()
    assert app.kit.bucket is not None
    assert (app.kit.bucket.capacity, app.kit.bucket.window_seconds) == (480, 60.0)
    assert isinstance(app.rackbeat_state, RackbeatState)
    assert app.state.kit is app.kit and app.state.rackbeat is app.rackbeat_state
    assert create_app(rate_limit=None).kit.bucket is None
    assert create_app(latency_ms=25).kit.plan.latency_ms == 25


def test_429_body_and_headers(base_url: str, raw: httpx.Client, state: RackbeatState) -> None:
    raw.put("/_sandbox/rate-limit", json={"capacity": 2, "window_seconds": 60})
    first = raw.get("/self")
    assert first.headers["X-RateLimit-Limit"] == "2" and first.headers["X-RateLimit-Remaining"] == "1"
    raw.get("/self")
    limited = raw.get("/self")
    assert limited.status_code == 429
    assert limited.json() == {"message": "Too Many Attempts."}
    assert limited.headers["Retry-After"] == "30"
