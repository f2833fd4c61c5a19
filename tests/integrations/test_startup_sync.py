"""The start-up sync e-conomic → Rackbeat end to end: both sandboxes over HTTP, SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ledgerbridge.service import StartupAlreadyDone
from ledgerbridge.store import Binding, SyncRun
from tests.integrations.conftest import World

# What seed 001 brings over, as (e-conomic resource, Rackbeat resource, e-conomic key).
ENTITIES = [
    ("customer-groups", "customer-groups", "customerGroupNumber"),
    ("supplier-groups", "supplier-groups", "supplierGroupNumber"),
    ("units", "units", "unitNumber"),
    ("payment-terms", "payment-terms", "paymentTermsNumber"),
    ("employees", "employees", "employeeNumber"),
    ("product-groups", "product-groups", "productGroupNumber"),
    ("products", "products", "productNumber"),
    ("customers", "customers", "customerNumber"),
    ("suppliers", "suppliers", "supplierNumber"),
]


def numbers(records: list[dict], key: str) -> list[str]:
    return sorted(str(r[key]) for r in records)


def assert_everything_arrived_once(world: World) -> None:
    for eco_resource, rb_resource, key in ENTITIES:
        expected = numbers(world.books.records(eco_resource), key)
        actual = numbers(world.ops.records(rb_resource), "number")
        assert actual == expected, rb_resource
    layouts = [r for r in world.books.records("layouts") if not r.get("deleted")]
    assert numbers(world.ops.records("layouts"), "number") == numbers(layouts, "layoutNumber")


def test_brings_over_every_entity_of_the_seed_list(world: World) -> None:
    result = world.service.run_startup("acme")

    assert result.ok, result.message
    assert_everything_arrived_once(world)
    assert set(result.counts) == {
        "customer_group",
        "supplier_group",
        "unit",
        "payment_term",
        "layout",
        "employee",
        "product_group",
        "product",
        "customer",
        "supplier",
        "company",
        "bank_account",
    }
    assert sum(c["failed"] for c in result.counts.values()) == 0


def test_product_fields_follow_the_seed(world: World) -> None:
    world.service.run_startup("acme")
    for source in world.books.records("products")[:25]:
        target = world.ops.get("products", source["productNumber"])
        assert target is not None
        assert target["name"] == source["name"]
        assert target["description"] == source.get("description", target["description"])
        assert Decimal(str(target["sales_price"])) == Decimal(str(source.get("salesPrice", 0)))
        if "recommendedPrice" in source:
            assert Decimal(str(target["recommended_sales_price"])) == Decimal(str(source["recommendedPrice"]))
        if "costPrice" in source:  # "forventet kostpris"
            assert Decimal(str(target["recommended_cost_price"])) == Decimal(str(source["costPrice"]))
        assert target.get("barcode") == source.get("barCode", target.get("barcode"))
        assert target["group"]["number"] == source["productGroup"]["productGroupNumber"]
        if source.get("unit"):
            assert target["unit"]["number"] == source["unit"]["unitNumber"]


def test_product_groups_always_arrive_with_inventory_enabled(world: World) -> None:
    assert any(not g.get("inventoryEnabled") for g in world.books.records("product-groups"))
    world.service.run_startup("acme")
    assert all(g["has_inventory"] for g in world.ops.records("product-groups"))


def test_customer_fields_and_the_not_synced_list(world: World) -> None:
    first = world.books.records("customers")[0]["customerNumber"]
    world.books.update("customers", first, {"email": "primary@kunde.dk; invoices@kunde.dk"})
    world.service.run_startup("acme")

    target = world.ops.get("customers", first)
    assert target["contact_email"] == "primary@kunde.dk"  # only the primary e-mail
    for source in world.books.records("customers")[:20]:
        target = world.ops.get("customers", source["customerNumber"])
        assert target["name"] == source["name"]
        assert target["customer_group_id"] == source["customerGroup"]["customerGroupNumber"]
        assert (
            target["vat_zone"]
            == {1: "domestic", 2: "eu", 3: "abroad", 4: "domestic_exempt"}[source["vatZone"]["vatZoneNumber"]]
        )
        assert target["payment_terms_id"] == source["paymentTerms"]["paymentTermsNumber"]
        assert target.get("address_city") == source.get("city")
        if "creditLimit" in source:
            assert Decimal(str(target["max_credit"])) == Decimal(str(source["creditLimit"]))

    # Seed 001's "not synced" list: no contacts, delivery addresses, languages or extra e-mails written.
    forbidden = {
        "contacts",
        "delivery_address",
        "addresses",
        "locale",
        "prices",
        "translations",
        "currency_prices",
        "locations",
        "invoice_email",
        "order_email",
        "offer_email",
    }
    for write in world.ops.writes():
        assert not forbidden & set(write.payload), (write.resource, write.payload)
    assert {w.resource for w in world.ops.writes()} <= {
        "customer-groups",
        "supplier-groups",
        "units",
        "payment-terms",
        "layouts",
        "employees",
        "product-groups",
        "products",
        "customers",
        "suppliers",
        "bank-accounts",
        "settings",
    }


def test_company_and_bank_information(world: World) -> None:
    world.service.run_startup("acme")
    agreement = world.books.agreement  # what e-conomic's /self answers
    rb_company = world.ops.setting("company")
    assert rb_company["name"] == agreement["company"]["name"]
    assert rb_company["company_identification_number"] == agreement["company"]["companyIdentificationNumber"]
    accounts = world.ops.records("bank-accounts")
    assert len(accounts) == 1  # "Yderligere bankkonti hentes ikke"
    assert accounts[0]["account_number"] == agreement["bankInformation"]["bankAccountNumber"]


def test_runs_once_and_force_writes_nothing_new(world: World) -> None:
    world.service.run_startup("acme")
    with pytest.raises(StartupAlreadyDone, match="already ran on .* use --force"):
        world.service.run_startup("acme")

    world.rackbeat_app.kit.clear_log()
    again = world.service.run_startup("acme", force=True)
    assert again.ok
    assert world.rackbeat_writes() == []  # unchanged records cost no write
    assert all(c["created"] == c["updated"] == 0 for c in again.counts.values())
    assert_everything_arrived_once(world)


def test_a_change_in_economic_costs_exactly_one_write_on_a_forced_rerun(world: World) -> None:
    world.service.run_startup("acme")
    product = world.books.records("products")[3]
    world.books.update("products", product["productNumber"], {"salesPrice": Decimal("1234.50")})
    world.rackbeat_app.kit.clear_log()

    result = world.service.run_startup("acme", force=True)
    writes = world.rackbeat_writes()
    assert [(w.method, w.path.rsplit("/", 1)[0]) for w in writes] == [("PUT", "/products")]
    assert result.counts["product"]["updated"] == 1
    assert Decimal(str(world.ops.get("products", product["productNumber"])["sales_price"])) == Decimal(
        "1234.50"
    )


def test_dry_run_writes_nothing_and_plans_per_field(world: World) -> None:
    plan = world.service.run_startup("acme", dry_run=True)

    assert world.rackbeat_writes() == []
    with world.service.store.session() as session:
        assert session.scalar(select(func.count()).select_from(Binding)) == 0
        assert session.scalar(select(func.count()).select_from(SyncRun)) == 0
    products = [item for item in plan.plan if item.entity == "product"]
    assert len(products) == len(world.books.records("products"))
    first = products[0]
    assert first.action == "create"
    assert {"number", "name", "group", "sales_price"} <= {c.field for c in first.changes}
    # A dry run does not use up the one-time start-up sync.
    assert world.service.run_startup("acme").ok


def test_transient_faults_are_retried(world: World) -> None:
    world.rackbeat_app.kit.plan.fail_next.extend([503, 502, 503, 500])
    world.economic_app.kit.plan.fail_next.extend([503, 500])
    result = world.service.run_startup("acme")
    assert result.ok, result.message
    assert_everything_arrived_once(world)


def test_business_errors_are_logged_with_the_remote_message_and_fixed_by_a_rerun(world: World) -> None:
    customer = world.books.records("customers")[5]
    world.books.update("customers", customer["customerNumber"], {"name": "N" * 290})  # Rackbeat allows 255

    result = world.service.run_startup("acme")
    assert result.status == "failed" and result.counts["customer"]["failed"] == 1
    [entry] = world.service.errors("acme")
    assert entry.entity == "customer" and entry.record_key == str(customer["customerNumber"])
    assert entry.status_code == 422
    assert "name" in (entry.remote_message or "")
    assert entry.payload["name"] == "N" * 290

    world.books.update("customers", customer["customerNumber"], {"name": "Fixed ApS"})
    fixed = world.service.run_startup("acme", force=True)
    assert fixed.ok
    assert world.service.errors("acme") == []
    assert world.ops.get("customers", customer["customerNumber"])["name"] == "Fixed ApS"


def test_unmappable_payment_terms_fail_their_users_with_the_reason(world: World) -> None:
    term = world.books.records("payment-terms")[0]
    world.books.update("payment-terms", term["paymentTermsNumber"], {"paymentTermsType": "factoring"})
    users = [
        c
        for c in world.books.records("customers")
        if c["paymentTerms"]["paymentTermsNumber"] == term["paymentTermsNumber"]
    ]
    assert users, "the demo data should use every payment term"

    result = world.service.run_startup("acme")
    assert result.counts["payment_term"]["failed"] == 1
    messages = {(e.entity, e.record_key): e.message for e in world.service.errors("acme")}
    assert "has no counterpart in Rackbeat" in messages[("payment_term", str(term["paymentTermsNumber"]))]
    first_user = str(users[0]["customerNumber"])
    assert (
        f"payment term {term['paymentTermsNumber']} has not been synced" in messages[("customer", first_user)]
    )


def test_wrong_rackbeat_token_stops_the_run_with_a_clear_message(world: World) -> None:
    # The sandbox accepts only RACKBEAT_TOKEN.
    world.service.add_integration(
        "wrong",
        "rackbeat-economic",
        {**world.connection(), "rackbeat": {"base_url": world.rackbeat_url, "token": "nope"}},
    )
    result = world.service.run_startup("wrong")
    assert result.status == "crashed"
    assert "Unauthenticated" in (result.message or "")


def test_killed_mid_sync_then_resumed_without_duplicates(world: World) -> None:
    """A real process, killed with SIGKILL while it writes to Rackbeat, then run again."""
    world.rackbeat_app.kit.plan.latency_ms = 15  # slow enough to be killed mid-way
    env = {
        **os.environ,
        "LEDGERBRIDGE_HOME": str(world.config.home),
        "LEDGERBRIDGE_DATABASE_URL": world.config.database_url,
    }
    command = [sys.executable, "-m", "ledgerbridge", "sync", "acme", "--startup"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(world.ops.records("products")) < 20 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.01)
    assert process.poll() is None, "the sync finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert 0 < len(world.ops.records("products")) < len(world.books.records("products"))

    world.rackbeat_app.kit.plan.latency_ms = 0
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "Resumed the start-up sync" in finished.stdout

    assert_everything_arrived_once(world)
    creates = [(w.resource, str(w.key)) for w in world.ops.writes() if w.action == "create"]
    assert len(creates) == len(set(creates)), "a record was created twice"
    with world.service.store.session() as session:
        statuses = [r.status for r in session.scalars(select(SyncRun).order_by(SyncRun.id))]
    assert statuses == ["crashed", "succeeded"]
