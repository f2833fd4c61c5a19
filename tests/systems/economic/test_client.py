"""EconomicClient against the served sandbox: auth, paging, filters, errors, retries, writes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.sandbox.faults import LoggedRequest
from ledgerbridge.systems.economic import EconomicClient, EconomicState, Filter
from ledgerbridge.systems.economic.client import RateLimitStatus, flatten_errors
from ledgerbridge.systems.economic.sandbox import EconomicSandbox
from ledgerbridge.systems.errors import (
    ApiError,
    AuthError,
    NotFoundError,
    RateLimitedError,
    TransientError,
    ValidationError,
)

from .conftest import HTTP, FakeClock

MakeClient = Callable[..., EconomicClient]


def new_customer(**extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "name": "Nyt Firma ApS",
        "currency": "DKK",
        "customerGroup": {"customerGroupNumber": 1},
        "paymentTerms": {"paymentTermsNumber": 1},
        "vatZone": {"vatZoneNumber": 1},
    }
    body.update(extra)
    return body


# -- auth ----------------------------------------------------------------------------------------


def test_self_with_tokens(client: EconomicClient) -> None:
    me = client.get("self")
    assert me["company"]["name"] == "Minimal ApS"
    assert me["self"].endswith("/self")


def test_missing_tokens_are_an_auth_error(make_client: MakeClient) -> None:
    with pytest.raises(AuthError) as caught:
        make_client("", "").get("customers")
    assert caught.value.status_code == 401
    assert "X-AppSecretToken" in caught.value.remote_message


def test_unknown_tokens_are_refused_when_the_agreement_lists_its_grants(
    make_client: MakeClient, state: EconomicState
) -> None:
    state.accepted_tokens = {("app", "grant")}
    assert make_client("app", "grant").get("self")
    with pytest.raises(AuthError):
        make_client("app", "someone-else").get("self")


def test_demo_tokens_read_but_cannot_write(make_client: MakeClient) -> None:
    demo = make_client("demo", "demo")
    assert demo.count("customers") == 2
    with pytest.raises(AuthError) as caught:
        demo.create("customers", new_customer())
    assert caught.value.status_code == 403
    assert "read-only" in caught.value.remote_message


# -- paging --------------------------------------------------------------------------------------


def test_paging_returns_every_record_exactly_once(demo_client: EconomicClient) -> None:
    numbers = [c["customerNumber"] for c in demo_client.iter_collection("customers", pagesize=7)]
    assert len(numbers) == 300
    assert sorted(numbers) == list(range(1, 301))
    assert demo_client.calls == 43  # ceil(300 / 7)


def test_paging_keeps_filter_and_sort(demo_client: EconomicClient) -> None:
    eu = Filter.eq("customerGroup.customerGroupNumber", 4)
    names = [c["name"] for c in demo_client.iter_collection("customers", filter=eu, sort="-name", pagesize=5)]
    assert len(names) == demo_client.count("customers", filter=eu) > 5
    assert names == sorted(names, key=str.lower, reverse=True)


def test_paging_products_with_encoded_numbers(demo_client: EconomicClient) -> None:
    products = list(
        demo_client.iter_collection("products", filter=Filter.startswith("productNumber", "VVS "))
    )
    assert products and all(p["productNumber"].startswith("VVS ") for p in products)
    one = products[0]
    assert one["self"].endswith("/products/" + one["productNumber"].replace(" ", "_9_"))
    assert (
        demo_client.get(EconomicClient.product_path(one["productNumber"]))["productNumber"]
        == one["productNumber"]
    )
    assert demo_client.get(one["self"])["name"] == one["name"]  # following a self link works too


def test_pagesize_is_checked_before_calling(client: EconomicClient) -> None:
    with pytest.raises(ValueError):
        list(client.iter_collection("customers", pagesize=1001))


def test_pagesize_out_of_range_from_the_server(client: EconomicClient) -> None:
    with pytest.raises(ValidationError) as caught:
        client.get("customers", params={"pagesize": 1001})
    assert "E04810" in caught.value.remote_message


def test_count(demo_client: EconomicClient) -> None:
    assert demo_client.count("products") == 600
    assert 0 < demo_client.count("products", filter=Filter.eq("barred", True)) < 600


def test_supplier_groups_follow_the_cursor(client: EconomicClient, state: EconomicState) -> None:
    for number in range(3, 8):
        state.add_supplier_group(
            {"supplierGroupNumber": number, "name": f"Gruppe {number}", "account": {"accountNumber": 6110}}
        )
    state.oas_cursor_page_size = 2
    groups = list(client.iter_supplier_groups())
    assert [g["number"] for g in groups] == [1, 2, 3, 4, 5, 6, 7]
    assert client.calls == 4
    assert set(groups[0]) == {"number", "name", "accountNumber", "objectVersion"}
    assert [g["number"] for g in client.iter_supplier_groups(filter=Filter.like("name", "Gruppe*"))] == [
        3,
        4,
        5,
        6,
        7,
    ]


def test_supplier_groups_on_a_separate_apis_host(make_client: MakeClient, base_url: str) -> None:
    client = make_client(url="http://127.0.0.1:9", apis_base_url=base_url, max_retries=0)
    assert len(list(client.iter_supplier_groups())) == 2


def test_rate_limit_status_is_read_from_headers(client: EconomicClient) -> None:
    client.get("self")
    assert client.rate_limit is not None
    assert client.rate_limit.limit == 10000 and client.rate_limit.window_seconds == 60
    assert client.rate_limit.call_cost == 1
    parsed = RateLimitStatus.from_headers(
        {"X-RateLimiting": "token-limit-10000-per-60-seconds: 147/10000", "X-CallCost": "3"}
    )
    assert parsed == RateLimitStatus(10000, 60, 147.0, 3.0) and parsed.remaining == 9853


# -- filters against the server ------------------------------------------------------------------


@pytest.fixture
def people(state: EconomicState) -> EconomicState:
    state.add_customer(
        {"customerNumber": 10, "name": "Joe Jensen", "city": "Newport", "ean": "5798000000011"}
    )
    state.add_customer({"customerNumber": 11, "name": "JOE SMITH", "city": "Aarhus"})
    state.add_customer({"customerNumber": 12, "name": "Ann (UK) $ Co, Ltd*", "city": "Portsmouth"})
    return state


def numbers(client: EconomicClient, f: Filter | str) -> list[int]:
    return [c["customerNumber"] for c in client.iter_collection("customers", filter=f)]


def test_filter_semantics(client: EconomicClient, people: EconomicState) -> None:
    assert numbers(client, Filter.eq("name", "joe smith")) == [11]
    assert numbers(client, Filter.like("name", "joe*")) == [10, 11]
    assert numbers(client, Filter.contains("city", "PORT")) == [10, 12]
    assert numbers(client, Filter.in_("customerNumber", [1, 11, 99])) == [1, 11]
    assert numbers(client, Filter.eq("city", "Aarhus") | Filter.eq("city", "Newport")) == [10, 11]
    assert numbers(
        client, (Filter.like("name", "joe") | Filter.eq("customerNumber", 1)) & Filter.ne("city", "aarhus")
    ) == [1, 10]
    assert numbers(client, Filter.eq("name", "Ann (UK) $ Co, Ltd*")) == [12]
    assert numbers(client, Filter.not_null("ean")) == [10]
    assert 10 not in numbers(client, Filter.is_null("ean"))


def test_last_updated_filter_for_incremental_sync(
    client: EconomicClient, state: EconomicState, clock: FakeClock
) -> None:
    checkpoint = clock.advance(60)
    clock.advance(5)
    created = client.create("customers", new_customer())
    clock.advance(5)
    state.update_customer(1, {"city": "Vejle"})
    changed = numbers(client, Filter.gt("lastUpdated", checkpoint))
    assert changed == [1, created["customerNumber"]]
    assert created["lastUpdated"] == (checkpoint + timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_bad_filter_is_a_validation_error_naming_the_allowed_fields(client: EconomicClient) -> None:
    with pytest.raises(ValidationError) as caught:
        list(client.iter_collection("customers", filter="bogusProp$eq:1"))
    error = caught.value
    assert error.status_code == 400
    assert "Could not parse query string filter." in error.remote_message
    assert "bogusProp" in error.remote_message
    assert "Allowed filtering fields:" in error.remote_message and "customerNumber" in error.remote_message
    assert "customerGroup.customerGroupNumber" in error.body["allowedFilteringFields"]
    assert error.errors == {"": ["Filtering is not allowed on property 'bogusProp'."]}


def test_known_500_filter_is_retried_then_transient(make_client: MakeClient, sleeps: list[float]) -> None:
    client = make_client(max_retries=1)
    with pytest.raises(TransientError):
        client.count("products", filter="barred$ne:true")
    assert client.calls == 2 and len(sleeps) == 1


# -- rate limiting and faults --------------------------------------------------------------------


def test_429_is_honoured_with_retry_after(
    make_client: MakeClient, base_url: str, app: EconomicSandbox, sleeps: list[float]
) -> None:
    HTTP.put(f"{base_url}/_sandbox/rate-limit", json={"capacity": 2, "window_seconds": 20}).raise_for_status()

    def wait(seconds: float) -> None:  # "waiting" refills the bucket, as time would
        sleeps.append(seconds)
        app.kit.set_rate_limit(2, 20)

    client = make_client(sleep=wait)
    client.get("self")
    client.get("self")
    assert client.get("self")["company"]
    assert sleeps == [10.0]  # the third call needs 1 token at 2 per 20 s: Retry-After 10
    assert client.calls == 4
    limited = [r for r in app.kit.requests if r.status == 429]
    assert len(limited) == 1


def test_429_beyond_retries_raises_rate_limited(
    make_client: MakeClient, base_url: str, sleeps: list[float]
) -> None:
    HTTP.put(f"{base_url}/_sandbox/rate-limit", json={"capacity": 1, "window_seconds": 60}).raise_for_status()
    client = make_client(max_retries=2)
    client.get("self")
    with pytest.raises(RateLimitedError) as caught:
        client.get("self")
    assert caught.value.retry_after == 60
    assert "rate limit" in caught.value.remote_message
    assert sleeps == [30.0, 30.0]  # Retry-After 60, capped by the client's backoff_max of 30 s


def test_injected_5xx_is_retried_then_succeeds(
    client: EconomicClient, base_url: str, sleeps: list[float]
) -> None:
    HTTP.put(f"{base_url}/_sandbox/faults", json={"fail_next": [503, 502]}).raise_for_status()
    assert client.get("customers/1")["customerNumber"] == 1
    assert client.calls == 3 and len(sleeps) == 2


def test_fault_beyond_max_retries_is_transient(make_client: MakeClient, base_url: str) -> None:
    HTTP.put(f"{base_url}/_sandbox/faults", json={"fail_next": [500, 500, 500, 500]}).raise_for_status()
    client = make_client(max_retries=2)
    with pytest.raises(TransientError) as caught:
        client.get("customers/1")
    assert caught.value.status_code == 500 and client.calls == 3
    assert "Injected fault" in caught.value.remote_message


# -- writes --------------------------------------------------------------------------------------


def logged_posts(app: EconomicSandbox, expected: int) -> list[LoggedRequest]:
    """The POSTs in the sandbox's request log (the kit logs just after answering, so wait a moment)."""
    deadline = time.monotonic() + 2
    while True:
        posts = [r for r in app.kit.requests if r.method == "POST"]
        if len(posts) >= expected or time.monotonic() > deadline:
            return posts
        time.sleep(0.005)


def test_create_returns_the_entity_and_sends_an_idempotency_key(
    client: EconomicClient, app: EconomicSandbox
) -> None:
    created = client.create("customers", new_customer(city="Herning", creditLimit=Decimal("2500.50")))
    assert created["customerNumber"] == 3 and created["creditLimit"] == 2500.5
    assert created["self"].endswith("/customers/3")
    assert client.get("customers/3")["city"] == "Herning"
    logged = logged_posts(app, 1)
    assert len(logged) == 1 and uuid.UUID(logged[0].idempotency_key).version == 4


def test_retried_create_uses_one_key_and_creates_once(
    client: EconomicClient, base_url: str, app: EconomicSandbox
) -> None:
    # The sandbox fails the first attempt after storing nothing; the retry carries the same key.
    HTTP.put(f"{base_url}/_sandbox/faults", json={"fail_next": [503]}).raise_for_status()
    client.create("customers", new_customer(), idempotency_key="order-42")
    keys = [r.idempotency_key for r in logged_posts(app, 2)]
    assert keys == ["order-42", "order-42"]
    again = client.create("customers", new_customer(), idempotency_key="order-42")
    assert again["customerNumber"] == 3
    assert client.count("customers") == 3


def test_validation_errors_carry_field_paths(client: EconomicClient) -> None:
    body = {
        "productNumber": "X-1",
        "name": "Test",
        "salesPrice": Decimal("10.123"),
        "productGroup": {"productGroupNumber": 99},
        "inventory": {"packageVolume": Decimal("0.125")},
    }
    with pytest.raises(ValidationError) as caught:
        client.create("products", body)
    errors = caught.value.errors
    assert errors["salesPrice"] == ["salesPrice scale cannot be greater then two decimal places."]
    assert errors["inventory.packageVolume"] == [
        "packageVolume scale cannot be greater then two decimal places."
    ]
    assert errors["productGroup"] == ["productGroup does not exist."]
    assert caught.value.remote_message.startswith("Validation error. ")
    assert "(E04740)" in caught.value.remote_message


def test_missing_required_fields(client: EconomicClient) -> None:
    with pytest.raises(ValidationError) as caught:
        client.create("customers", {"name": "Uden alt"})
    assert set(caught.value.errors) == {"currency", "customerGroup", "paymentTerms", "vatZone"}


def test_put_replaces_the_whole_record(client: EconomicClient) -> None:
    current = client.get("customers/1")
    assert current["city"] and current["email"]
    body = new_customer(name="Hansens Byg ApS")
    replaced = client.replace("customers/1", body)
    assert replaced["name"] == "Hansens Byg ApS"
    assert "city" not in replaced and "email" not in replaced
    assert "city" not in client.get("customers/1")
    assert replaced["balance"] == current["balance"]  # read-only values survive


def test_delete_then_not_found(client: EconomicClient) -> None:
    created = client.create("units", {"name": "palle"})
    client.delete(f"units/{created['unitNumber']}")
    with pytest.raises(NotFoundError) as caught:
        client.get(f"units/{created['unitNumber']}")
    assert "E06000" in caught.value.remote_message


def test_products_with_awkward_numbers(client: EconomicClient) -> None:
    number = "Skrue 4.5/50 #2"
    created = client.create(
        "products", {"productNumber": number, "name": "Skrue", "productGroup": {"productGroupNumber": 1}}
    )
    assert created["self"].endswith("/products/Skrue_9_4_11_5_6_50_9__12_2")
    path = EconomicClient.product_path(number)
    assert (
        client.replace(
            path, {"productNumber": number, "name": "Skrue v2", "productGroup": {"productGroupNumber": 1}}
        )["name"]
        == "Skrue v2"
    )
    client.delete(path)
    with pytest.raises(NotFoundError):
        client.get(path)


# -- error mapping without a server ---------------------------------------------------------------


def mapped(status: int, body: object, content_type: str = "application/json") -> ApiError:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body, headers={"content-type": content_type, "Retry-After": "7"})

    client = EconomicClient(
        "https://restapi.e-conomic.com",
        "a",
        "b",
        max_retries=0,
        http=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    with pytest.raises(ApiError) as caught:
        client.get("customers")
    return caught.value


DOCS_EXAMPLE = {
    "message": "Validation error.",
    "developerHint": "Inspect validation errors and correct your request.",
    "logId": "c7ca5bc2-ad2d-4639-93f9-b22ba88c97d7",
    "httpStatusCode": 400,
    "errors": {
        "currency": {
            "errors": [
                {
                    "errorCode": "E06000",
                    "message": "currency does not exist.",
                    "value": "ZUL",
                    "developerHint": "Find a list of currencies at https://restapi.e-conomic.com/currencies.",
                }
            ]
        },
        "lines": [
            {
                "arrayIndex": 0,
                "unit": {"errors": [{"errorCode": "E06000", "message": "unit does not exist.", "value": 10}]},
                "unitNetPrice": {
                    "errors": [
                        {
                            "errorCode": "E04740",
                            "message": "unitNetPrice scale cannot be greater then two decimal places.",
                            "value": 10.12345,
                        }
                    ]
                },
            },
            {
                "arrayIndex": 1,
                "product": {
                    "errors": [{"errorCode": "E04500", "message": "No identifiers present on product."}]
                },
            },
        ],
    },
    "logTime": "2015-03-12T16:44:56",
}


def test_annotated_errors_are_flattened() -> None:
    error = mapped(400, DOCS_EXAMPLE)
    assert isinstance(error, ValidationError)
    assert error.errors == {
        "currency": ["currency does not exist."],
        "lines[0].unit": ["unit does not exist."],
        "lines[0].unitNetPrice": ["unitNetPrice scale cannot be greater then two decimal places."],
        "lines[1].product": ["No identifiers present on product."],
    }
    assert error.remote_message == (
        "Validation error. currency: currency does not exist. (E06000) lines[0].unit: unit does not exist. "
        "(E06000) lines[0].unitNetPrice: unitNetPrice scale cannot be greater then two decimal places. "
        "(E04740) (+1 more)"
    )
    assert flatten_errors(["plain"]) == [("", "plain", None)]


def test_problem_json_is_mapped() -> None:
    recorded = {
        "type": "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        "title": "Resource not found.",
        "status": 404,
        "traceId": "a2a259bbe959d8d5-CPH",
        "errorCode": "ResourceNotFound",
    }
    error = mapped(404, recorded, "application/problem+json")
    assert isinstance(error, NotFoundError)
    assert error.remote_message == "Resource not found. (ResourceNotFound)"
    bad = mapped(
        400,
        {
            "title": "Bad request.",
            "status": 400,
            "detail": "Invalid filter.",
            "errors": [
                {"message": "Unknown property.", "errorCode": "BadFilterRequest", "property": "bogus"}
            ],
            "errorCode": "BadFilterRequest",
        },
        "application/problem+json",
    )
    assert isinstance(bad, ValidationError) and bad.errors == {"bogus": ["Unknown property."]}
    assert "bogus: Unknown property." in bad.remote_message


def test_429_and_odd_bodies() -> None:
    limited = mapped(429, {"message": "Too many requests.", "httpStatusCode": 429})
    assert isinstance(limited, RateLimitedError) and limited.retry_after == 7
    odd = mapped(502, ["not", "an", "object"])
    assert isinstance(odd, TransientError)


def test_demo_server_links_stay_on_the_sandbox(
    demo_client: EconomicClient, demo_server: SandboxServer
) -> None:
    page = demo_client.get("products", params={"pagesize": 3})
    assert page["pagination"]["nextPage"].startswith(demo_server.base_url + "/products?")
    assert all(p["self"].startswith(demo_server.base_url) for p in page["collection"])
