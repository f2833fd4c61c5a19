"""RackbeatClient against the served sandbox: envelopes, paging, keys, errors, retries, rate limits."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from ledgerbridge.systems.errors import (
    AuthError,
    NotFoundError,
    RateLimitedError,
    TransientError,
    ValidationError,
)
from ledgerbridge.systems.rackbeat import RackbeatClient, RackbeatState, envelope_keys
from ledgerbridge.systems.rackbeat.client import key_path

ClientFactory = Callable[..., RackbeatClient]


# -- envelope keys (no server needed) ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("resource", "plural", "singular"),
    [
        ("customers", "customers", "customer"),
        ("customer-groups", "customer_groups", "customer_group"),
        ("supplier-groups", "supplier_groups", "supplier_group"),
        ("payment-terms", "payment_terms", "payment_term"),
        ("bank-accounts", "bank_accounts", "bank_account"),
        ("product-groups", "product_groups", "product_group"),
        ("customer-invoices", "customer_invoices", "customer_invoice"),
        ("currencies", "currencies", "currency"),
        ("/customers/12/contacts", "customer_contacts", "customer_contact"),
        ("customers/12/addresses", "addresses", "address"),
        ("reports/ledger/AB%2F1", "ledger_items", "ledger_item"),
        ("settings", "settings", "setting"),
    ],
)
def test_envelope_keys_are_derived_from_the_path(resource: str, plural: str, singular: str) -> None:
    assert envelope_keys(resource) == (plural, singular)


@pytest.mark.parametrize(
    ("key", "path"),
    [
        (12, "customers/12"),
        ("AB/12 x", "customers/AB%2F12%20x"),
        ("50%+", "customers/50%25%2B"),
        ("..", "customers/%2E%2E"),
    ],
)
def test_keys_are_encoded_once(key: int | str, path: str) -> None:
    assert key_path("customers", key) == path


def test_an_empty_key_is_refused() -> None:
    with pytest.raises(ValueError):
        key_path("products", "")


# -- auth ----------------------------------------------------------------------------------------------
def test_wrong_token_raises_auth_error_without_retrying(make_client: ClientFactory) -> None:
    client = make_client("not-the-token")
    with pytest.raises(AuthError) as caught:
        client.get_self()
    assert caught.value.status_code == 401
    assert caught.value.remote_message == "Unauthenticated."
    assert client.calls == 1


def test_client_sends_bearer_token_json_headers_and_user_agent() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"user_account": {"id": 7}, "user": {}})

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        RackbeatClient("https://app.rackbeat.com/api", "tok", http=http).get_self()
    headers = seen[0].headers
    assert headers["authorization"] == "Bearer tok"
    assert headers["accept"] == "application/json"
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"].startswith("ledgerbridge")
    assert str(seen[0].url) == "https://app.rackbeat.com/api/self"


# -- lists ---------------------------------------------------------------------------------------------
def test_iter_all_walks_every_page_and_returns_each_record_once(
    make_client: ClientFactory, seeded: RackbeatState
) -> None:
    for number in range(1, 46):
        seeded.add("customers", {"number": number, "name": f"Customer {number}", "customer_group_id": 1})
    client = make_client()
    numbers = [c["number"] for c in client.iter_all("customers", limit=10)]
    assert numbers == list(range(1, 46))
    assert client.calls == 5  # 45 records, 10 per page


def test_iter_all_accepts_a_200_list_and_stops_at_pages() -> None:
    pages_served: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        page = request.url.params["page"]
        pages_served.append(page)
        rows = {"1": [{"number": 1}, {"number": 2}], "2": [{"number": 3}]}[page]
        return httpx.Response(
            200, json={"payment_terms": rows, "total": 3, "pages": 2, "limit": 2, "page": int(page)}
        )

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        client = RackbeatClient("https://rb.test/api", "t", http=http)
        assert [t["number"] for t in client.iter_all("payment-terms", limit=2)] == [1, 2, 3]
    assert pages_served == ["1", "2"]


def test_iter_all_passes_filters(client: RackbeatClient, seeded: RackbeatState) -> None:
    seeded.add("customers", {"number": 10, "name": "Active", "customer_group_id": 1})
    seeded.add("customers", {"number": 11, "name": "Barred", "customer_group_id": 1, "is_barred": True})
    barred = list(client.iter_all("customers", params={"is_barred": "true"}))
    assert [c["number"] for c in barred] == [11]


# -- create / get / update / delete --------------------------------------------------------------------
def test_create_unwraps_the_singular_envelope(client: RackbeatClient, seeded: RackbeatState) -> None:
    customer = client.create(
        "customers",
        {"number": 1001, "name": "Hansen ApS", "customer_group_id": 1, "max_credit": Decimal("1234.567891")},
    )
    assert customer["number"] == 1001
    assert customer["name"] == customer["company_name"] == "Hansen ApS"
    assert customer["customer_group_id"] == 1
    assert customer["max_credit"] == Decimal("1234.567891")  # exact: decoded as Decimal, not float
    assert client.get("customers", 1001)["id"] == customer["id"]
    assert seeded.get("customers", 1001) is not None


def test_duplicate_number_is_a_validation_error_with_a_readable_message(
    client: RackbeatClient, seeded: RackbeatState
) -> None:
    client.create("customer-groups", {"number": 5, "name": "Export"})
    with pytest.raises(ValidationError) as caught:
        client.create("customer-groups", {"number": 5, "name": "Export again"})
    error = caught.value
    assert error.status_code == 422
    assert error.errors == {"number": ["The number has already been taken."]}
    assert error.remote_message == "number: The number has already been taken."
    assert client.calls == 2  # a 422 is not retried


def test_reference_to_a_missing_group_is_422_on_that_field(
    client: RackbeatClient, seeded: RackbeatState
) -> None:
    with pytest.raises(ValidationError) as caught:
        client.create("customers", {"number": 7, "name": "Nobody", "customer_group_id": 99})
    assert caught.value.errors == {"customer_group_id": ["The selected customer group id is invalid."]}
    with pytest.raises(ValidationError) as caught:
        client.create(
            "products", {"number": "P-1", "name": "Thing", "group": 42, "sales_price": 1, "unit_id": 1}
        )
    assert caught.value.errors == {"group": ["The selected group is invalid."]}


def test_several_field_errors_are_joined_readably() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            422,
            json={
                "message": "The given data was invalid.",
                "errors": {
                    "name": ["The name field is required."],
                    "lines.0.item_id": ["Product needed", "Really."],
                },
            },
        )

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        client = RackbeatClient("https://rb.test/api", "t", http=http)
        with pytest.raises(ValidationError) as caught:
            client.create("orders", {})
    assert caught.value.remote_message == (
        "name: The name field is required.; lines.0.item_id: Product needed Really."
    )
    assert caught.value.errors["lines.0.item_id"] == ["Product needed", "Really."]


@pytest.mark.parametrize("number", ["AB/12 x", "100 % cotton+", "a/b/c", "Æble-1", "  #1?&=", ".."])
def test_product_numbers_with_slashes_and_spaces_round_trip(
    client: RackbeatClient, seeded: RackbeatState, number: str
) -> None:
    created = client.create(
        "products", {"number": number, "name": "Widget", "group": 1, "sales_price": 10, "unit_id": 1}
    )
    stored = number.strip()  # Laravel trims strings
    assert created["number"] == stored
    assert client.get("products", stored)["id"] == created["id"]
    updated = client.update("products", stored, {"sales_price": Decimal("12.50")})
    assert updated["sales_price"] == Decimal("12.5")
    assert updated["name"] == "Widget"
    # The urlfriendly_number works as a key too (clients that encode it again, like kg-bot's).
    assert client.get("products", created["urlfriendly_number"])["number"] == stored
    assert [p["number"] for p in client.iter_all("products")] == [stored]


def test_put_is_a_partial_update(client: RackbeatClient, seeded: RackbeatState) -> None:
    client.create(
        "customers",
        {
            "number": 20,
            "name": "Jensen A/S",
            "customer_group_id": 1,
            "company_vat": "DK12345678",
            "contact_email": "bogholderi@jensen.dk",
            "address_city": "Aarhus",
            "payment_terms_id": 1,
            "max_credit": 5000,
            "is_barred": False,
        },
    )
    updated = client.update("customers", 20, {"address_city": "Odense"})
    assert updated["address_city"] == "Odense"
    assert updated["name"] == "Jensen A/S"
    assert updated["company_vat"] == "DK12345678"
    assert updated["contact_email"] == "bogholderi@jensen.dk"
    assert updated["payment_terms_id"] == 1
    assert updated["max_credit"] == 5000


def test_missing_record_is_not_found_and_find_returns_none(
    client: RackbeatClient, state: RackbeatState
) -> None:
    with pytest.raises(NotFoundError) as caught:
        client.get("customers", 999)
    assert caught.value.remote_message == "No query results for model [App\\Models\\Customer] 999"
    assert client.find("customers", 999) is None
    assert client.find("products", "NO/SUCH") is None
    with pytest.raises(NotFoundError):
        client.delete("units", 3)


def test_delete_removes_the_record(client: RackbeatClient, seeded: RackbeatState) -> None:
    client.create("units", {"number": 2, "name": "box"})
    client.delete("units", 2)
    assert client.find("units", 2) is None


# -- retries and rate limits ---------------------------------------------------------------------------
def test_429_waits_for_retry_after_then_succeeds(
    make_client: ClientFactory, raw: httpx.Client, state: RackbeatState
) -> None:
    raw.put("/_sandbox/rate-limit", json={"capacity": 1, "window_seconds": 10})
    waits: list[float] = []

    def fake_sleep(seconds: float) -> None:
        waits.append(seconds)
        raw.put("/_sandbox/rate-limit", json={"capacity": None})  # as if the window had passed

    client = make_client(sleep=fake_sleep)
    client.get_self()  # takes the only token
    assert client.get_self()["user_account"]["id"] == 1
    assert waits == [10.0]
    assert client.calls == 3


def test_429_surfaces_retry_after_when_retries_run_out(make_client: ClientFactory, raw: httpx.Client) -> None:
    raw.put("/_sandbox/rate-limit", json={"capacity": 1, "window_seconds": 60})
    client = make_client(max_retries=0)
    client.get_self()
    with pytest.raises(RateLimitedError) as caught:
        client.get_self()
    assert caught.value.retry_after == 60
    assert caught.value.remote_message == "Too Many Attempts."


def test_injected_5xx_is_retried_transparently(
    make_client: ClientFactory, raw: httpx.Client, seeded: RackbeatState, sleeps: list[float]
) -> None:
    raw.put("/_sandbox/faults", json={"fail_next": [503, 502]})
    client = make_client()
    assert client.get("units", 1)["name"] == "pcs."
    assert client.calls == 3
    assert len(sleeps) == 2


def test_more_failures_than_retries_raise_transient_error(
    make_client: ClientFactory, raw: httpx.Client, state: RackbeatState
) -> None:
    raw.put("/_sandbox/faults", json={"fail_next": [503, 503, 503]})
    client = make_client(max_retries=2)
    with pytest.raises(TransientError) as caught:
        client.get_self()
    assert caught.value.status_code == 503
    assert client.calls == 3


# -- webhooks flag, settings, bank accounts -------------------------------------------------------------
def test_suppress_webhooks_is_recorded_per_write(client: RackbeatClient, seeded: RackbeatState) -> None:
    client.create(
        "customers", {"number": 30, "name": "Quiet", "customer_group_id": 1}, suppress_webhooks=True
    )
    client.update("customers", 30, {"name": "Loud"})
    client.update("customers", 30, {"name": "Quiet again"}, suppress_webhooks=True)
    client.delete("customers", 30, suppress_webhooks=True)
    log = seeded.writes("customers")
    assert [(w.action, w.key, w.suppress_webhooks) for w in log] == [
        ("create", 30, True),
        ("update", 30, False),
        ("update", 30, True),
        ("delete", 30, True),
    ]
    assert seeded.writes("units") == []  # seeding is not an API write


def test_company_settings_round_trip(client: RackbeatClient, state: RackbeatState) -> None:
    value = client.put_setting(
        "company",
        {
            "name": "Hansen Tømrer ApS",
            "address_street": "Vestergade 1",
            "address_zipcode": "8000",
            "address_city": "Aarhus C",
            "vat_number": "DK12345678",
        },
    )
    assert value["name"] == "Hansen Tømrer ApS"
    company = client.get_setting("company")
    assert company["address_city"] == "Aarhus C"
    assert company["address_country"] == "Denmark"  # untouched keys are kept
    assert set(company) == {
        "name",
        "address_street",
        "address_street2",
        "address_zipcode",
        "address_city",
        "address_country",
        "phone",
        "email",
        "website",
        "company_identification_number",
        "vat_number",
        "attention",
    }
    assert client.get_self()["user_account"]["company_name"] == "Hansen Tømrer ApS"
    with pytest.raises(ValidationError) as caught:
        client.put_setting("company", {"colour": "blue"})
    assert "value.colour" in caught.value.errors
    with pytest.raises(NotFoundError):
        client.get_setting("no-such-setting")
    assert client.put_setting("invoice_prefix", "RB-") == "RB-"
    assert client.get_setting("invoice_prefix") == "RB-"


def test_bank_accounts_crud(client: RackbeatClient, state: RackbeatState) -> None:
    first = client.create(
        "bank-accounts",
        {
            "name": "Main",
            "bank_name": "Danske Bank",
            "reg_number": "1234",
            "account_number": "0012345678",
            "is_default": True,
        },
    )
    second = client.create(
        "bank-accounts", {"name": "Savings", "account_number": "99887766", "iban": "DK5000400440116243"}
    )
    assert isinstance(first["id"], int) and second["id"] == first["id"] + 1
    assert client.get("bank-accounts", first["id"])["account_number"] == "0012345678"
    updated = client.update("bank-accounts", second["id"], {"is_default": True, "swift": "DABADKKK"})
    assert updated["is_default"] is True and updated["iban"] == "DK5000400440116243"
    assert client.get("bank-accounts", first["id"])["is_default"] is False  # one default at a time
    assert [a["name"] for a in client.iter_all("bank-accounts")] == ["Main", "Savings"]
    client.delete("bank-accounts", first["id"])
    assert client.find("bank-accounts", first["id"]) is None
    with pytest.raises(ValidationError) as caught:
        client.create("bank-accounts", {"name": "No number"})
    assert caught.value.errors == {"account_number": ["The account number field is required."]}
