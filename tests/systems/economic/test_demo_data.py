"""The demo company: sizes, determinism, realism checks and referential integrity."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from ledgerbridge.systems.economic import EconomicClient, EconomicState, seed_demo, seed_minimal
from ledgerbridge.systems.economic.sandbox.demo_data import gs1_check_digit
from ledgerbridge.systems.economic.sandbox.resources import SPECS
from ledgerbridge.systems.economic.sandbox.state import get_path


def cvr_ok(number: str) -> bool:
    return (
        len(number) == 8
        and number.isdigit()
        and (sum(int(d) * w for d, w in zip(number, (2, 7, 6, 5, 4, 3, 2, 1), strict=True)) % 11 == 0)
    )


def ean_ok(code: str) -> bool:
    return len(code) == 13 and code.isdigit() and gs1_check_digit(code[:12]) == code[12]


def test_sizes(demo_state: EconomicState) -> None:
    sizes = {name: demo_state.count(name) for name in SPECS}
    assert sizes["customers"] == 300 and sizes["products"] == 600 and sizes["suppliers"] == 60
    assert sizes["customer-groups"] == 6 and sizes["supplier-groups"] == 3 and sizes["product-groups"] == 12
    assert sizes["layouts"] == 3 and sizes["employees"] == 10 and sizes["vat-zones"] == 4
    assert sizes["units"] >= 6 and sizes["currencies"] >= 4 and 55 <= sizes["accounts"] <= 80
    zones = [z["name"] for z in demo_state.records("vat-zones")]
    assert zones == ["Domestic", "EU", "Abroad", "Domestic exempt VAT"]
    units = {u["name"] for u in demo_state.records("units")}
    assert {"stk.", "time", "kg", "m", "l", "pakke"} <= units
    kinds = {t["paymentTermsType"] for t in demo_state.records("payment-terms")}
    assert {"net", "invoiceMonth", "paidInCash", "prepaid", "dueDate"} <= kinds
    assert {
        t["daysOfCredit"] for t in demo_state.records("payment-terms") if t["paymentTermsType"] == "net"
    } == {8, 14, 30}
    inventory = Counter(g["inventoryEnabled"] for g in demo_state.records("product-groups"))
    assert inventory[True] and inventory[False]


def test_custom_sizes_and_determinism() -> None:
    a, b, c = EconomicState(), EconomicState(), EconomicState()
    seed_demo(a, customers=20, products=700, suppliers=5)
    seed_demo(b, customers=20, products=700, suppliers=5)
    seed_demo(c, customers=20, products=700, suppliers=5, seed=1)
    assert a.count("products") == 700 and a.count("customers") == 20
    assert a.records("customers") == b.records("customers") and a.records("products") == b.records("products")
    assert a.agreement == b.agreement
    assert a.records("customers") != c.records("customers")
    assert len({p["productNumber"] for p in a.records("products")}) == 700


def test_company(demo_state: EconomicState) -> None:
    company, bank = demo_state.agreement["company"], demo_state.agreement["bankInformation"]
    for field in (
        "name",
        "addressLine1",
        "zip",
        "city",
        "country",
        "companyIdentificationNumber",
        "vatNumber",
        "phoneNumber",
        "email",
        "website",
    ):
        assert company[field], field
    assert cvr_ok(company["companyIdentificationNumber"])
    assert company["vatNumber"] == "DK" + company["companyIdentificationNumber"]
    for field in ("bankName", "bankSortCode", "bankAccountNumber", "bankGiroNumber"):
        assert bank[field], field


def test_customers_are_realistic(demo_state: EconomicState) -> None:
    customers = demo_state.records("customers")
    zones = Counter(c["vatZone"]["vatZoneNumber"] for c in customers)
    assert zones[1] > 150 and zones[2] > 20 and zones[3] > 10 and zones[4] >= 1
    assert {c["currency"] for c in customers} >= {"DKK", "EUR", "SEK", "NOK"}
    danish_cvr = [
        c["corporateIdentificationNumber"]
        for c in customers
        if c["country"] == "Danmark" and "corporateIdentificationNumber" in c
    ]
    assert len(danish_cvr) > 100 and all(cvr_ok(n) for n in danish_cvr)
    eans = [c["ean"] for c in customers if "ean" in c]
    assert eans and all(ean_ok(e) and e.startswith("5798") for e in eans)
    assert all(c.get("email") and c.get("name") for c in customers)
    assert any(c.get("barred") for c in customers)
    limits = [c["creditLimit"] for c in customers if "creditLimit" in c]
    assert limits and all(isinstance(v, Decimal) and v == v.quantize(Decimal("0.01")) for v in limits)
    assert len({c["name"] for c in customers}) > 250


def test_products_are_realistic(demo_state: EconomicState) -> None:
    products = demo_state.records("products")
    assert all(isinstance(p["productNumber"], str) for p in products)
    assert any(" " in p["productNumber"] for p in products) and any(
        "." in p["productNumber"] for p in products
    )
    with_barcode = [p["barCode"] for p in products if "barCode" in p]
    assert len(with_barcode) > 400 and all(ean_ok(code) for code in with_barcode)
    assert len(set(with_barcode)) == len(with_barcode)
    assert 0 < sum(p["barred"] for p in products) < 60
    for p in products:
        for field in ("salesPrice", "costPrice", "recommendedPrice"):
            value = p[field]
            assert isinstance(value, Decimal) and value == value.quantize(Decimal("0.01")), (p, field)
        assert p["salesPrice"] >= p["costPrice"] or p["productGroup"]["productGroupNumber"] == 12
    assert len({p["name"] for p in products}) == 600


def referential_problems(state: EconomicState) -> list[str]:
    problems: list[str] = []
    for spec in SPECS.values():
        for record in state.records(spec.name):
            for ref in spec.refs:
                number = get_path(record, f"{ref.name}.{ref.key}")
                if number is not None and ref.target and not state.exists(ref.target, number):
                    problems.append(f"{spec.name} {record[spec.key]}: {ref.name} {number}")
    for account in state.records("accounts"):
        for summed in account.get("accountsSummed", []):
            for end in ("fromAccount", "toAccount"):
                number = summed[end]["accountNumber"]
                if not state.exists("accounts", number):
                    problems.append(f"account {account['accountNumber']}: {end} {number}")
    return problems


@pytest.mark.parametrize("seed", ["demo", "minimal"])
def test_every_reference_points_at_an_existing_record(seed: str, demo_state: EconomicState) -> None:
    state = demo_state
    if seed == "minimal":
        state = EconomicState()
        seed_minimal(state)
    assert referential_problems(state) == []
    required = {
        ("customers", "customerGroup"),
        ("customers", "paymentTerms"),
        ("customers", "vatZone"),
        ("products", "productGroup"),
        ("suppliers", "supplierGroup"),
        ("suppliers", "vatZone"),
    }
    for resource, ref in required:
        assert all(get_path(r, ref) for r in state.records(resource)), (resource, ref)


def test_references_resolve_over_http(demo_client: EconomicClient) -> None:
    """Follow every distinct reference link the API hands out for customers, products and suppliers."""
    links: set[str] = set()

    def collect(document: dict[str, Any]) -> None:
        for value in document.values():
            # References carry their key ("customerGroupNumber": 1); plain link bundles do not.
            if isinstance(value, dict) and "self" in value and any(k.endswith("Number") for k in value):
                links.add(value["self"])

    for resource in ("customers", "products", "suppliers", "customer-groups"):
        for index, item in enumerate(demo_client.iter_collection(resource)):
            collect(item)
            if (
                index % 10 == 0
                or " " in item.get("productNumber", "")
                or "." in item.get("productNumber", "")
            ):
                links.add(item["self"])
    assert len(links) > 100
    for link in sorted(links):
        assert demo_client.get(link)["self"] == link
