"""The eAccounting client against the sandbox over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from ledgerbridge.systems.eaccounting import EAccountingClient, EAccountingState
from ledgerbridge.systems.eaccounting.client import retry_after_from_message
from ledgerbridge.systems.errors import (
    AuthError,
    NotFoundError,
    RateLimitedError,
    TransientError,
    ValidationError,
)
from tests.support import FakeClock

from .conftest import customer_body


def test_paging_returns_each_record_once(
    client: EAccountingClient, state: EAccountingState, ids: dict[str, str], raw: httpx.Client
) -> None:
    for n in range(1, 24):
        state.add("customers", customer_body(ids["terms"], name=f"Customer {n}"))
    raw.delete("/_sandbox/requests")
    names = [c["Name"] for c in client.iter_collection("customers", pagesize=5)]
    assert names == [f"Customer {n}" for n in range(1, 24)]
    log = raw.get("/_sandbox/requests").json()
    assert [entry["query"] for entry in log] == [f"%24page={page}&%24pagesize=5" for page in range(1, 6)]


def test_empty_collection(client: EAccountingClient, state: EAccountingState) -> None:
    assert list(client.iter_collection("customers")) == []


def test_filter_on_changed_utc(
    client: EAccountingClient, state: EAccountingState, ids: dict[str, str], clock: FakeClock
) -> None:
    state.add("customers", customer_body(ids["terms"], name="Old"))
    watermark = client.list_page("customers")["Meta"]["ServerTimeUtc"]
    clock.advance(5)
    state.add("customers", customer_body(ids["terms"], name="New"))
    changed = list(client.iter_collection("customers", filter=f"ChangedUtc gt {watermark}"))
    assert [c["Name"] for c in changed] == ["New"]
    same = list(client.iter_collection("customers", filter="Name eq 'old' or Name eq 'Nobody'"))
    assert [c["Name"] for c in same] == ["Old"]


def test_bad_filter_is_a_validation_error(client: EAccountingClient, state: EAccountingState) -> None:
    with pytest.raises(ValidationError) as caught:
        list(client.iter_collection("customers", filter="Nope eq 1"))
    assert "6000" in caught.value.remote_message


def test_create_get_replace(client: EAccountingClient, ids: dict[str, str], clock: FakeClock) -> None:
    created = client.create(
        "customers",
        customer_body(ids["terms"], EmailAddress="a@example.com", Note="VIP", DiscountPercentage=0.125),
    )
    assert created["CustomerNumber"] == "1"
    assert created["TermsOfPayment"]["NumberOfDays"] == 30
    assert created["DiscountPercentage"] == Decimal("0.125")
    fetched = client.get(f"customers/{created['Id']}")
    assert fetched == created
    clock.advance(60)
    replaced = client.replace(
        f"customers/{created['Id']}", customer_body(ids["terms"], name="Acme Sverige AB")
    )
    assert replaced["Name"] == "Acme Sverige AB"
    assert replaced["EmailAddress"] is None and replaced["Note"] is None  # PUT replaces the whole record
    assert replaced["DiscountPercentage"] == 0
    assert replaced["CustomerNumber"] == "1"
    assert replaced["ChangedUtc"] > created["ChangedUtc"]


def test_article_with_unit(client: EAccountingClient, ids: dict[str, str]) -> None:
    body = {
        "Number": "A-1",
        "Name": "Widget",
        "CodingId": ids["coding"],
        "UnitId": ids["unit"],
        "IsActive": True,
    }
    article = client.create("articles", {**body, "NetPrice": 99.5})
    assert article["UnitName"] == "Styck" and article["NetPrice"] == Decimal("99.5")
    with pytest.raises(ValidationError) as caught:
        client.replace(f"articles/{article['Id']}", {"Name": "Only a name"})
    assert set(caught.value.errors) == {"Number", "CodingId", "UnitId", "IsActive"}


def test_validation_error_is_mapped(client: EAccountingClient, ids: dict[str, str]) -> None:
    with pytest.raises(ValidationError) as caught:
        client.create("customers", customer_body(ids["terms"], name="x" * 51, InvoiceCity=None))
    error = caught.value
    assert error.status_code == 400
    assert set(error.errors) == {"Name", "InvoiceCity"}
    assert "ErrorCode 2000" in error.remote_message
    assert "InvoiceCity: The InvoiceCity field is required." in error.remote_message
    assert error.body["ErrorId"]


def test_missing_record_is_not_found(client: EAccountingClient, state: EAccountingState) -> None:
    with pytest.raises(NotFoundError):
        client.get("customers/00000000-0000-0000-0000-000000000001")


def test_unauthorized(make_client: Callable[..., EAccountingClient], state: EAccountingState) -> None:
    state.allowed_tokens.add("the-right-one")
    with pytest.raises(AuthError) as caught:
        list(make_client(token="wrong").iter_collection("units"))
    assert caught.value.status_code == 401
    assert list(make_client(token="the-right-one").iter_collection("units")) == []


def test_rate_limit_4010_honoured(
    make_client: Callable[..., EAccountingClient], app: object, sleeps: list[float], ids: dict[str, str]
) -> None:
    app.api.set_rate_limit(2, 60.0)  # type: ignore[attr-defined]
    client = make_client(max_retries=0)
    client.get_json("units")
    client.get_json("units")
    with pytest.raises(RateLimitedError) as caught:
        client.get_json("units")
    assert caught.value.retry_after == 30
    assert "Try again in 30 seconds" in caught.value.remote_message
    client.get_json("customers")  # the limit is per endpoint


def test_rate_limit_wait_is_used_before_retrying(
    make_client: Callable[..., EAccountingClient], app: object, sleeps: list[float], state: EAccountingState
) -> None:
    app.api.set_rate_limit(1, 0.05)  # type: ignore[attr-defined]

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        time.sleep(0.06)  # the window is 50 ms here, so the bucket has refilled by the retry

    client = make_client(max_retries=3, sleep=sleep)
    client.get_json("units")
    client.get_json("units")
    assert sleeps == [1.0]  # "Try again in 1 seconds": the whole seconds the server asked for


def test_injected_5xx_is_retried(client: EAccountingClient, raw: httpx.Client, sleeps: list[float]) -> None:
    raw.put("/_sandbox/faults", json={"fail_next": [503, 502]})
    assert list(client.iter_collection("units")) == []
    assert client.calls == 3 and len(sleeps) == 2


def test_5xx_gives_up(make_client: Callable[..., EAccountingClient], raw: httpx.Client) -> None:
    raw.put("/_sandbox/faults", json={"fail_next": [503, 503]})
    with pytest.raises(TransientError) as caught:
        make_client(max_retries=1).get_json("units")
    assert "ErrorCode 5001" in caught.value.remote_message


def test_retry_after_from_message() -> None:
    text = "API calls quota exceeded! maximum admitted 600 per Minute. Try again in 55 seconds."
    assert retry_after_from_message(text) == 55
    assert retry_after_from_message("no hint") is None


def test_the_endpoint_budget_paces_requests_so_eaccounting_never_says_429(
    base_url: str, state: EAccountingState, app
) -> None:  # type: ignore[no-untyped-def]
    from ledgerbridge.systems.eaccounting.client import EndpointBudget

    # The server: 4 per 3 s per endpoint, a window wide enough for 8 unpaced calls on a busy machine.
    app.api.set_rate_limit(4, 3.0)
    without = EAccountingClient(base_url, "t1", max_retries=0)
    refused = 0
    for _ in range(8):
        try:
            without.get("units")
        except RateLimitedError:
            refused += 1
    assert refused > 0  # unpaced, the server refuses

    app.api.set_rate_limit(4, 0.4)
    budget = EndpointBudget(3, 0.4)  # ours: a little under the server's
    paced = EAccountingClient(base_url, "t2", max_retries=0, budget=budget)
    for _ in range(8):
        paced.get("units")  # would raise RateLimitedError (no retries) if the server refused
    paced.iter_collection("termsofpayments")  # another endpoint has its own budget
    assert budget.waited > 0.3
    assert EndpointBudget.endpoint("customerinvoicedrafts/abc/convert") == "customerinvoicedrafts"
    assert EndpointBudget.shared("client-a") is EndpointBudget.shared("client-a")
    assert EndpointBudget.shared("client-a") is not EndpointBudget.shared("client-b")
