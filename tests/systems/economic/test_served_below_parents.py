"""The legacy REST operations served below a parent record (issue 13): sub-collections, link documents,
templates, totals, currency-specific sales prices, /self's parts, and 405 with ``Allow``."""

from __future__ import annotations

from decimal import Decimal

from ledgerbridge.systems.economic import EconomicState
from ledgerbridge.systems.economic.sandbox import create_app

from .conftest import HTTP
from .test_contract import AUTH


def get(base: str, path: str) -> dict:
    response = HTTP.get(f"{base}{path}", headers=AUTH)
    assert response.status_code == 200, (path, response.text)
    return response.json()


def numbers(page: dict, key: str) -> list:
    return [item[key] for item in page["collection"]]


def test_children_are_those_of_the_parent(base_url: str, state: EconomicState) -> None:
    groups = sorted({p["productGroup"]["productGroupNumber"] for p in state.tables["products"].values()})
    assert groups
    for group in groups:
        expected = sorted(
            n for n, p in state.tables["products"].items() if p["productGroup"]["productGroupNumber"] == group
        )
        assert (
            sorted(numbers(get(base_url, f"/product-groups/{group}/products"), "productNumber")) == expected
        )
    customers_of_group = get(base_url, "/customer-groups/1/customers")
    assert all(c["customerGroup"]["customerGroupNumber"] == 1 for c in customers_of_group["collection"])
    assert HTTP.get(f"{base_url}/product-groups/999/products", headers=AUTH).status_code == 404


def test_invoice_links_and_totals_of_a_customer(base_url: str, state: EconomicState) -> None:
    customer = min(state.tables["customers"])
    links = get(base_url, f"/customers/{customer}/invoices")
    assert links["drafts"].endswith(f"/customers/{customer}/invoices/drafts")
    totals = get(base_url, f"/customers/{customer}/totals")
    drafts = get(base_url, totals["drafts"][len(base_url) :])
    mine = [
        d for d in state.tables["invoices-drafts"].values() if d["customer"]["customerNumber"] == customer
    ]
    assert drafts["invoiceCount"] == len(mine)
    expected = sum((Decimal(str(d["netAmountInBaseCurrency"])) for d in mine), Decimal("0"))
    assert Decimal(str(drafts["netAmountInBaseCurrency"])) == expected


def test_customer_templates_give_a_draft_body_and_line_per_product(
    base_url: str, state: EconomicState
) -> None:
    customer = min(state.tables["customers"])
    invoice = get(base_url, f"/customers/{customer}/templates/invoice")
    assert invoice["customer"]["customerNumber"] == customer
    lines = get(base_url, f"/customers/{customer}/templates/invoiceline")
    assert len(lines["collection"]) == len(state.tables["products"])
    line = get(base_url, lines["collection"][0]["self"][len(base_url) :])
    assert line["product"] == lines["collection"][0]["product"]


def test_currency_specific_sales_prices_are_kept(base_url: str, state: EconomicState) -> None:
    product = min(state.tables["products"])
    prices = f"{base_url}/products/{product}/pricing/currency-specific-sales-prices"
    assert get(base_url, prices[len(base_url) :])["collection"] == []
    created = HTTP.post(prices, headers=AUTH, json={"price": 12.5, "currency": {"code": "EUR"}})
    assert created.status_code == 201, created.text
    assert created.headers["Location"].endswith("/EUR")
    assert get(base_url, created.headers["Location"][len(base_url) :])["price"] == 12.5
    changed = HTTP.put(f"{prices}/EUR", headers=AUTH, json={"price": 13, "currency": {"code": "EUR"}})
    assert changed.status_code == 200
    assert (
        HTTP.post(prices, headers=AUTH, json={"price": 1.234, "currency": {"code": "EUR"}}).status_code == 400
    )
    assert HTTP.post(prices, headers=AUTH, json={"price": 1, "currency": {"code": "XXX"}}).status_code == 400


def test_other_methods_answer_405_with_allow(base_url: str) -> None:
    answer = HTTP.patch(f"{base_url}/customers", headers=AUTH, json={})
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET, POST"
    answer = HTTP.post(f"{base_url}/invoices/paid", headers=AUTH, json={})
    assert (answer.status_code, answer.headers["Allow"]) == (405, "GET")
    unknown = HTTP.get(f"{base_url}/no-such-thing", headers=AUTH)
    assert unknown.status_code == 404
    assert unknown.json()["message"] == "The requested endpoint does not exist."


def test_a_products_minimum_stock_survives_a_put_of_its_read_back(
    base_url: str, state: EconomicState
) -> None:
    number = min(state.tables["products"])
    state.tables["products"][number]["minimumStock"] = Decimal("5.00")  # set in the UI
    product = get(base_url, f"/products/{number}")
    assert product["minimumStock"] == 5
    del product["minimumStock"]  # a client that does not know the property
    assert HTTP.put(f"{base_url}/products/{number}", headers=AUTH, json=product).status_code == 200
    assert get(base_url, f"/products/{number}")["minimumStock"] == 5


def test_openapi_paging_parameters_are_refused_beyond_the_spec(base_url: str) -> None:
    groups = f"{base_url}/productsapi/v2.0.0/productgroups"
    assert HTTP.get(groups, headers=AUTH, params={"cursor": "1" * 51}).status_code == 400
    assert HTTP.get(groups, headers=AUTH, params={"cursor": "1" * 50}).status_code == 200
    paged = f"{groups}/paged"
    assert HTTP.get(paged, headers=AUTH, params={"skippages": 101}).status_code == 400
    assert HTTP.get(paged, headers=AUTH, params={"skippages": 100}).status_code == 200


def test_demo_customers_have_contacts_and_delivery_locations_and_orders() -> None:
    demo_state = create_app(seed="demo", rate_limit=None).economic_state
    with_contact = [c for c in demo_state.tables["customers"].values() if "attention" in c]
    assert with_contact
    for customer in with_contact:
        contact = demo_state.tables["customer-contacts"][customer["customerContact"]["customerContactNumber"]]
        assert contact["customer"]["customerNumber"] == customer["customerNumber"]
        location = customer["defaultDeliveryLocation"]["deliveryLocationNumber"]
        assert demo_state.tables["delivery-locations"][location]["customer"] == contact["customer"]
    assert len(demo_state.tables["orders-drafts"]) == 3
    assert len(demo_state.tables["orders-sent"]) == 1
