"""The Severa sandbox over HTTP: auth and scopes, paging, filters, writes, errors, limits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest


def _token(sandbox: Any, **extra: Any) -> dict[str, Any]:
    body = {"client_id": sandbox.client_id, "client_secret": sandbox.client_secret, **extra}
    response = httpx.post(f"{sandbox.base_url}/v1/token", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.fixture
def api(severa_sandbox: Any) -> Iterator[httpx.Client]:
    """An HTTP client signed in with every scope, sending Client_Id as documented."""
    token = _token(severa_sandbox)["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Client_Id": severa_sandbox.client_id}
    with httpx.Client(base_url=severa_sandbox.base_url, headers=headers) as client:
        yield client


def _error(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["httpStatusCode"] == status
    assert error["type"] == kind
    return dict(error)


def _all_pages(api: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    token = None
    for _ in range(100):
        response = api.get(path, params={**params, **({"pageToken": token} if token else {})})
        assert response.status_code == 200, response.text
        rows += response.json()
        token = response.headers.get("NextPageToken")
        if token is None:
            return rows
    raise AssertionError("paging did not end")


# -- auth ----------------------------------------------------------------------------------------------
def test_token_answers_every_documented_field(severa_sandbox: Any) -> None:
    token = _token(severa_sandbox, scope="customers:read settings:read")
    assert token["access_token_type"] == "Bearer"
    assert token["access_token_expires_in"] == 3600
    assert datetime.fromisoformat(token["access_token_expires_utc"]) > datetime.now(UTC)
    assert token["refresh_token"] and token["refresh_token_expires_in"] > 3600
    assert set(token["scope"].split(",")) == {"customers:read", "settings:read"}


@pytest.mark.parametrize(
    ("body", "status", "kind"),
    [
        ({"client_id": "sandbox"}, 400, "InvalidParameter"),
        ({"client_id": "", "client_secret": "sandbox"}, 400, "InvalidParameter"),
        ({"client_id": "sandbox", "client_secret": "wrong"}, 401, "AuthenticationRequired"),
        ({"client_id": "nobody", "client_secret": "sandbox"}, 401, "AuthenticationRequired"),
    ],
)
def test_token_refuses_bad_credentials(
    severa_sandbox: Any, body: dict[str, str], status: int, kind: str
) -> None:
    response = httpx.post(f"{severa_sandbox.base_url}/v1/token", json=body)
    error = _error(response, status, kind)
    if status == 400:
        assert error["details"][0]["location"]["type"] == "RequestBody"


def test_token_accepts_third_party_casing_and_comma_scopes(severa_sandbox: Any) -> None:
    body = {"client_Id": "sandbox", "client_Secret": "sandbox", "scope": "customers:read, invoices:read"}
    response = httpx.post(f"{severa_sandbox.base_url}/v1/token", json=body)
    assert response.status_code == 200
    assert set(response.json()["scope"].split(",")) == {"customers:read", "invoices:read"}


def test_missing_scope_is_403_insufficient_api_scope(severa_sandbox: Any) -> None:
    token = _token(severa_sandbox, scope="settings:read")["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Client_Id": "sandbox"}
    response = httpx.get(f"{severa_sandbox.base_url}/v1/customers", headers=headers)
    _error(response, 403, "InsufficientApiScope")


def test_calls_without_a_valid_token_are_401(severa_sandbox: Any) -> None:
    base = severa_sandbox.base_url
    _error(httpx.get(f"{base}/v1/customers"), 401, "AuthenticationRequired")
    _error(
        httpx.get(f"{base}/v1/customers", headers={"Authorization": "Bearer nope"}),
        401,
        "AuthenticationRequired",
    )
    assert httpx.get(f"{base}/heartbeat/server").text == "Server is alive."


def test_expired_token_is_refused_and_the_refresh_token_gives_a_new_pair(severa_sandbox: Any) -> None:
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    severa_sandbox.state.clock = lambda: now
    pair = _token(severa_sandbox)
    headers = {"Authorization": f"Bearer {pair['access_token']}", "Client_Id": "sandbox"}
    url = f"{severa_sandbox.base_url}/heartbeat/authorized"
    assert httpx.get(url, headers=headers).status_code == 204
    severa_sandbox.state.clock = lambda: now + timedelta(seconds=3600)
    _error(httpx.get(url, headers=headers), 401, "AuthenticationRequired")
    refreshed = httpx.post(f"{severa_sandbox.base_url}/v1/refreshtoken", json=pair["refresh_token"])
    assert refreshed.status_code == 200
    new_headers = {"Authorization": f"Bearer {refreshed.json()['access_token']}", "Client_Id": "sandbox"}
    assert httpx.get(url, headers=new_headers).status_code == 204
    # A refresh token is used once.
    again = httpx.post(f"{severa_sandbox.base_url}/v1/refreshtoken", json=pair["refresh_token"])
    _error(again, 401, "AuthenticationRequired")


def test_client_id_header_must_match_and_is_required_in_strict_mode(
    severa_sandbox: Any, api: httpx.Client
) -> None:
    _error(api.get("/heartbeat/authorized", headers={"Client_Id": "other"}), 401, "AuthenticationRequired")
    bare = {"Authorization": api.headers["Authorization"]}
    url = f"{severa_sandbox.base_url}/heartbeat/authorized"
    assert httpx.get(url, headers=bare).status_code == 204
    severa_sandbox.app.gate.strict = True
    _error(httpx.get(url, headers=bare), 401, "AuthenticationRequired")


# -- routing -------------------------------------------------------------------------------------------
def test_unknown_route_is_404_without_body_and_wrong_method_is_405_with_allow(api: httpx.Client) -> None:
    missing = api.get("/v1/no-such-thing")
    assert missing.status_code == 404 and missing.content == b""
    wrong = api.put("/v1/customers", json={})
    assert wrong.status_code == 405
    assert wrong.headers["Allow"] == "GET, POST"


def test_unknown_guid_is_404_with_empty_body_and_malformed_guid_is_400(api: httpx.Client) -> None:
    missing = api.get("/v1/customers/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and missing.content == b""
    error = _error(api.get("/v1/customers/not-a-guid"), 400, "InvalidParameter")
    assert error["details"][0]["location"]["type"] == "PathParameter"


# -- paging --------------------------------------------------------------------------------------------
def test_cursor_paging_walks_every_customer_once(api: httpx.Client, severa_sandbox: Any) -> None:
    first = api.get("/v1/customers", params={"rowCount": 7})
    assert len(first.json()) == 7 and "NextPageToken" in first.headers
    rows = _all_pages(api, "/v1/customers", rowCount=7)
    assert len(rows) == len(severa_sandbox.state.table("customers")) == 20
    assert len({r["guid"] for r in rows}) == 20
    default = api.get("/v1/customers")
    assert len(default.json()) == 20 and "NextPageToken" not in default.headers


def test_cursor_row_count_is_clamped_to_100_and_token_is_tied_to_its_query(api: httpx.Client) -> None:
    for i in range(100):
        assert api.post("/v1/customers", json={"name": f"Extra {i}"}).status_code == 201
    big = api.get("/v1/customers", params={"rowCount": 500})
    assert len(big.json()) == 100 and "NextPageToken" in big.headers
    token = big.headers["NextPageToken"]
    _error(api.get("/v1/customers", params={"pageToken": token, "isActive": "true"}), 400, "InvalidParameter")
    _error(api.get("/v1/customers", params={"pageToken": "garbage!"}), 400, "InvalidParameter")
    rest = api.get("/v1/customers", params={"pageToken": token, "rowCount": 500})
    assert len(rest.json()) == 20 and "NextPageToken" not in rest.headers


def test_offset_paging_on_addresses(api: httpx.Client, severa_sandbox: Any) -> None:
    total = len(severa_sandbox.state.table("addresses"))
    seen = []
    first_row = 0
    while True:
        page = api.get("/v1/addresses", params={"firstRow": first_row, "rowCount": 5}).json()
        seen += page
        if len(page) < 5:
            break
        first_row += 5
    assert len(seen) == total and len({a["guid"] for a in seen}) == total
    assert len(api.get("/v1/addresses").json()) == 20  # default page size


def test_repeated_key_array_filters_and_booleans(api: httpx.Client) -> None:
    found = api.get("/v1/customers", params=[("numbers", "1001"), ("numbers", "1234")]).json()
    assert sorted(c["number"] for c in found) == [1001, 1234]
    same_name = api.get("/v1/customers", params={"customerNames": "Nordic Sustain AB"}).json()
    assert len(same_name) == 2
    inactive = api.get("/v1/customers", params={"isActive": "false"}).json()
    assert [c["name"] for c in inactive] == ["Kalix Fiber AB"]
    internal = api.get("/v1/customers", params={"isInternal": "true"}).json()
    assert [c["number"] for c in internal] == [1020]
    _error(api.get("/v1/customers", params={"numbers": "x"}), 400, "InvalidParameter")


def test_changed_since_is_greater_or_equal_on_last_update(api: httpx.Client, severa_sandbox: Any) -> None:
    later = datetime.now(UTC) + timedelta(minutes=10)
    severa_sandbox.state.clock = lambda: later
    guid = api.get("/v1/customers", params={"numbers": "1007"}).json()[0]["guid"]
    patched = api.patch(
        f"/v1/customers/{guid}", json=[{"op": "replace", "path": "/email", "value": "ny@sl.se"}]
    )
    assert patched.status_code == 200
    changed = api.get("/v1/customers", params={"changedSince": later.isoformat()}).json()
    assert [c["guid"] for c in changed] == [guid]
    assert changed[0]["lastUpdatedDateTime"] == later.isoformat(timespec="milliseconds")


# -- writes --------------------------------------------------------------------------------------------
def test_post_customer_is_201_with_server_fields_and_validation_errors_name_the_field(
    api: httpx.Client,
) -> None:
    created = api.post("/v1/customers", json={"name": "Ny Kund AB", "guid": "ignored", "isInternal": True})
    assert created.status_code == 201
    body = created.json()
    assert body["guid"] != "ignored" and body["isInternal"] is False
    assert body["number"] == 1235  # the next number after the highest used (1234)
    assert body["createdDateTime"] == body["lastUpdatedDateTime"]
    error = _error(api.post("/v1/customers", json={"email": "x@y.se"}), 400, "InvalidParameter")
    assert error["details"][0]["location"] == {"type": "RequestBody", "name": "name"}
    _error(api.post("/v1/customers", json={"name": "Dubblett", "number": 1001}), 400, "InvalidOperation")


def test_patch_takes_json_pointers_and_answers_an_array(api: httpx.Client) -> None:
    customer = api.get("/v1/customers", params={"numbers": "1002"}).json()[0]
    addresses = api.get(f"/v1/customers/{customer['guid']}/addresses").json()
    billing = next(a for a in addresses if a["addressline"].startswith("Ekonomi"))
    ops = [
        {"op": "Replace", "path": "/paymentTerm", "value": "14"},
        {"op": "replace", "path": "/headquarterAddress/guid", "value": billing["guid"]},
    ]
    patched = api.patch(f"/v1/customers/{customer['guid']}", json=ops)
    assert patched.status_code == 200
    [body] = patched.json()
    assert body["paymentTerm"] == 14
    assert body["headquarterAddress"]["guid"] == billing["guid"]
    assert body["headquarterAddress"]["addressline"] == "Ekonomiavdelningen\nBox 45"
    _error(
        api.patch(f"/v1/customers/{customer['guid']}", json=[{"op": "add", "path": "/notes", "value": "x"}]),
        400,
        "InvalidOperation",
    )
    _error(
        api.patch(
            f"/v1/customers/{customer['guid']}",
            json=[{"op": "replace", "path": "/isInternal", "value": True}],
        ),
        400,
        "InvalidParameter",
    )
    # Nothing of a refused patch is kept.
    mixed = [
        {"op": "replace", "path": "/notes", "value": "kept?"},
        {"op": "replace", "path": "/nope", "value": 1},
    ]
    _error(api.patch(f"/v1/customers/{customer['guid']}", json=mixed), 400, "InvalidParameter")
    assert api.get(f"/v1/customers/{customer['guid']}").json()["notes"] is None


def test_address_create_and_delete(api: httpx.Client) -> None:
    customer = api.get("/v1/customers", params={"numbers": "1004"}).json()[0]
    assert customer["headquarterAddress"] is None
    created = api.post(
        f"/v1/customers/{customer['guid']}/addresses",
        json={
            "addressline": "Strandvägen 1",
            "postalCode": "941 63",
            "city": "Piteå",
            "isBillingAddress": True,
        },
    )
    assert created.status_code == 201
    address = created.json()
    assert address["customer"]["guid"] == customer["guid"]
    assert (
        api.get(f"/v1/customers/{customer['guid']}").json()["headquarterAddress"]["guid"] == address["guid"]
    )
    deleted = api.delete(f"/v1/addresses/{address['guid']}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert api.get(f"/v1/addresses/{address['guid']}").status_code == 404
    assert api.delete(f"/v1/addresses/{address['guid']}").status_code == 404


# -- limits and faults ---------------------------------------------------------------------------------
def test_ten_requests_per_second_then_429_without_retry_after_unless_switched_on(
    api: httpx.Client, severa_sandbox: Any
) -> None:
    severa_sandbox.app.gate.bucket_clock = lambda: 1000.0  # frozen: nothing refills during the test
    severa_sandbox.app.gate.set_rate_limit(10, 1.0)
    statuses = [api.get("/heartbeat/authorized").status_code for _ in range(11)]
    assert statuses == [204] * 10 + [429]
    refused = api.get("/heartbeat/authorized")
    assert refused.text == "API calls quota exceeded! maximum admitted 10 per 1s."
    assert "Retry-After" not in refused.headers
    severa_sandbox.app.gate.set_rate_limit(10, 1.0, retry_after=True)
    for _ in range(10):
        api.get("/heartbeat/authorized")
    assert api.get("/heartbeat/authorized").headers["Retry-After"] == "1"


def test_shared_fault_injection_and_request_log(api: httpx.Client, severa_sandbox: Any) -> None:
    httpx.put(f"{severa_sandbox.base_url}/_sandbox/faults", json={"fail_next": [503]})
    _error(api.get("/v1/customers"), 503, "InternalSystemError")
    assert api.get("/v1/customers").status_code == 200
    log = httpx.get(f"{severa_sandbox.base_url}/_sandbox/requests").json()
    assert [(r["method"], r["path"], r["status"]) for r in log[-2:]] == [
        ("GET", "/v1/customers", 503),
        ("GET", "/v1/customers", 200),
    ]


def test_request_limit_is_switchable_over_http(api: httpx.Client, severa_sandbox: Any) -> None:
    control = f"{severa_sandbox.base_url}/_sandbox/severa/rate-limit"
    assert httpx.get(control).json() == {"capacity": None, "window_seconds": None, "retry_after": False}
    switched = httpx.put(control, json={"capacity": 3, "window_seconds": 60, "retry_after": True})
    assert switched.json() == {"capacity": 3, "window_seconds": 60.0, "retry_after": True}
    statuses = [api.get("/heartbeat/authorized").status_code for _ in range(4)]
    assert statuses == [204, 204, 204, 429]
    assert int(api.get("/heartbeat/authorized").headers["Retry-After"]) >= 1
    assert httpx.put(control, json={"capacity": 0}).status_code == 400
    httpx.put(control, json={"capacity": None})
    assert api.get("/heartbeat/authorized").status_code == 204
