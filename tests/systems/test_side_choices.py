"""Each side's live setting choices and connection check, over HTTP against its sandbox, opened the way a
pair opens it (``Side.open_client`` with the side's connection model)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.systems import economic, rackbeat
from ledgerbridge.systems.eaccounting import EACCOUNTING_SIDE, EAccountingState
from ledgerbridge.systems.eaccounting import create_app as eaccounting_app
from ledgerbridge.systems.economic import ECONOMIC_SIDE
from ledgerbridge.systems.errors import AuthError
from ledgerbridge.systems.rackbeat import RACKBEAT_SIDE
from ledgerbridge.systems.severa import SEVERA_SIDE
from ledgerbridge.systems.side import AnySide, numbered
from ledgerbridge.systems.tokens import MemoryVault

RACKBEAT_TOKEN = "choices-token"


def open_side(side: AnySide, **connection: Any) -> Any:
    return side.open_client(side.connection.model_validate(connection), MemoryVault())


@pytest.fixture(scope="module")
def economic_url() -> Iterator[str]:
    books = economic.EconomicState()
    economic.seed_minimal(books)
    with SandboxServer(economic.create_app(books, rate_limit=None)) as served:
        yield served.base_url


@pytest.fixture(scope="module")
def rackbeat_url() -> Iterator[str]:
    app = rackbeat.create_app(token=RACKBEAT_TOKEN, rate_limit=None)
    state = app.rackbeat_state
    state.add("layouts", {"number": 2, "name": "Faktura"})
    state.add("layouts", {"number": 1, "name": "Standard"})
    state.add("product-groups", {"number": 10, "name": "Lagervarer", "has_inventory": True})
    state.add("product-groups", {"number": 9, "name": "Varer", "has_inventory": False})
    state.add("payment-terms", {"number": 1, "name": "Net 8 days", "type": "net", "maturity_days": 8})
    with SandboxServer(app) as served:
        yield served.base_url


@pytest.fixture(scope="module")
def eaccounting_url() -> Iterator[str]:
    state = EAccountingState()
    state.seed_standard()
    with SandboxServer(eaccounting_app(state)) as served:
        yield f"{served.base_url}/v2"


def test_economic_offers_its_lists_numbered_and_postable_accounts_only(economic_url: str) -> None:
    client = open_side(ECONOMIC_SIDE, base_url=economic_url, app_secret_token="s", agreement_grant_token="g")
    with client:
        lists = ECONOMIC_SIDE.choices(client)
        accounts = list(client.iter_collection("accounts"))
    assert set(lists) == {
        "day_books",
        "accounts",
        "vat_zones",
        "vat_rates",
        "layouts",
        "product_groups",
        "products",
    }
    assert [v for v, _ in lists["day_books"]] == ["1", "2", "3"]
    assert ("1", "1 Varer m/moms") in lists["product_groups"]
    assert {v for v, _ in lists["layouts"]} == {"19", "21"}
    assert [v for v, _ in lists["products"]] == ["1"]  # "2" is barred
    postable = {
        str(a["accountNumber"]) for a in accounts if a.get("accountType") in ("profitAndLoss", "status")
    }
    assert {v for v, _ in lists["accounts"]} == postable and "1100" in postable
    assert len(postable) < len(accounts)  # headings and totals are left out
    assert ("25", "25 %") in lists["vat_rates"]
    assert len(lists["vat_zones"]) == 4
    values = [v for v, _ in lists["accounts"]]
    assert values == sorted(values, key=int)


def test_only_the_lists_asked_for_are_read(economic_url: str) -> None:
    client = open_side(ECONOMIC_SIDE, base_url=economic_url, app_secret_token="s", agreement_grant_token="g")
    with client:
        assert set(ECONOMIC_SIDE.choices(client, ["layouts"])) == {"layouts"}


def test_rackbeat_offers_layouts_groups_and_terms_by_number(rackbeat_url: str) -> None:
    client = open_side(RACKBEAT_SIDE, base_url=rackbeat_url, token=RACKBEAT_TOKEN)
    with client:
        lists = RACKBEAT_SIDE.choices(client)
    assert lists["layouts"] == [("1", "1 Standard"), ("2", "2 Faktura")]
    assert lists["product_groups"] == [("9", "9 Varer"), ("10", "10 Lagervarer")]  # by number, not text
    assert lists["payment_terms"] == [("1", "1 Net 8 days")]


def test_a_side_that_refuses_offers_no_lists_and_raises_nothing(rackbeat_url: str) -> None:
    client = open_side(RACKBEAT_SIDE, base_url=rackbeat_url, token="wrong")
    with client:
        assert RACKBEAT_SIDE.choices(client) == {}


def test_eaccounting_offers_codings_units_terms_cost_centers_and_articles(eaccounting_url: str) -> None:
    client = open_side(EACCOUNTING_SIDE, base_url=eaccounting_url, access_token="dev", client_id="c")
    with client:
        lists = EACCOUNTING_SIDE.choices(client)
        found = EACCOUNTING_SIDE.check(client) if EACCOUNTING_SIDE.check else ""
        codings = list(client.iter_collection("articleaccountcodings"))
    assert [v for v, _ in lists["article_codings"]] == [str(c["Id"]) for c in codings]
    first = codings[0]
    assert (str(first["Id"]), f"{first['Name']} ({first['VatRatePercent']} % VAT)") in lists[
        "article_codings"
    ]
    assert (str(first["Id"]), first["Name"]) in lists["article_coding_names"]
    assert [label.split(":")[0] for _, label in lists["cost_centers"]] == ["1", "2", "3"]
    assert {"units", "terms_of_payment", "articles"} <= set(lists)
    assert found.startswith("signed in to ")


def test_severa_offers_invoice_statuses_and_checks_its_client_credentials(severa_sandbox: Any) -> None:
    connection = {
        "base_url": severa_sandbox.base_url,
        "client_id": severa_sandbox.client_id,
        "client_secret": severa_sandbox.client_secret,
    }
    assert SEVERA_SIDE.check is not None
    with open_side(SEVERA_SIDE, **connection) as client:
        statuses = SEVERA_SIDE.choices(client)["invoice_statuses"]
        assert SEVERA_SIDE.check(client).startswith("signed in to ")
    names = {label for _, label in statuses}
    assert statuses and all(len(guid) > 8 for guid, _ in statuses) and "" not in names
    with (
        open_side(SEVERA_SIDE, **{**connection, "client_secret": "wrong"}) as client,
        pytest.raises(AuthError),
    ):
        SEVERA_SIDE.check(client)


def test_numbered_labels_and_orders_by_number_leaving_out_records_without_one() -> None:
    records = [{"n": 10, "name": "Ten"}, {"n": "X1", "name": None}, {"n": 2, "name": "Two"}, {"name": "none"}]
    assert numbered(records, "n", "name") == [("2", "2 Two"), ("10", "10 Ten"), ("X1", "X1")]
