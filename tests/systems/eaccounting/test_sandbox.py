"""The eAccounting sandbox on the wire: envelopes, paging rules, replace semantics, errors, limits."""

from __future__ import annotations

import httpx

from ledgerbridge.systems.eaccounting import EAccountingState
from ledgerbridge.systems.eaccounting.sandbox import EAccountingSandboxApp
from tests.support import FakeClock

from .conftest import customer_body


def test_list_envelope_and_paging(raw: httpx.Client, state: EAccountingState, ids: dict[str, str]) -> None:
    for n in range(3):
        state.add("customers", customer_body(ids["terms"], name=f"C{n}"))
    body = raw.get("/v2/customers", params={"$page": 2, "$pagesize": 2}).json()
    assert body["Meta"] == {
        "CurrentPage": 2,
        "PageSize": 2,
        "TotalNumberOfPages": 2,
        "TotalNumberOfResults": 3,
        "ServerTimeUtc": "2025-01-08T10:30:00.000Z",
    }
    assert [c["Name"] for c in body["Data"]] == ["C2"]
    default = raw.get("/v2/customers").json()["Meta"]
    assert default["PageSize"] == 50 and default["CurrentPage"] == 1
    assert raw.get("/v2/customers", params={"$pagesize": 5000}).json()["Meta"]["PageSize"] == 1000
    assert raw.get("/v2/customers", params={"$page": 9}).json()["Data"] == []
    bad = raw.get("/v2/customers", params={"$page": 0})
    assert bad.status_code == 400 and bad.json()["ErrorCode"] == 6000


def test_filters(raw: httpx.Client, state: EAccountingState, ids: dict[str, str], clock: FakeClock) -> None:
    first = state.add("customers", customer_body(ids["terms"], name="O'Brien", IsActive=False))
    clock.advance(1)
    state.add("customers", customer_body(ids["terms"], name="Second"))

    def names(expression: str) -> list[str]:
        response = raw.get("/v2/customers", params={"$filter": expression})
        assert response.status_code == 200, response.text
        return [c["Name"] for c in response.json()["Data"]]

    assert names("Name eq 'O''Brien'") == ["O'Brien"]
    assert names("IsActive eq true") == ["Second"]
    assert names("ChangedUtc gt 2025-01-08T10:30:00Z") == ["Second"]
    assert names("ChangedUtc ge 2025-01-08T10:30:00.000Z and IsActive eq false") == ["O'Brien"]
    assert names(f"Id eq {first['Id'].upper()}") == ["O'Brien"]
    for guid in ("abcdef01-0000-4000-8000-000000000000", "0bcdef01-0000-4000-8000-000000000000"):
        assert names(f"Id eq {guid}") == []  # GUIDs starting with a letter or a digit both parse
    assert names("CustomerNumber gt '1'") == ["Second"]
    bad = raw.get("/v2/customers", params={"$filter": "Name eq"})
    assert bad.status_code == 400 and bad.json()["ErrorCode"] == 6000


def test_post_and_put(raw: httpx.Client, ids: dict[str, str]) -> None:
    created = raw.post(
        "/v2/customers", json={**customer_body(ids["terms"]), "Id": "not-kept", "Telephone": "1"}
    )
    assert created.status_code == 201
    record = created.json()
    assert record["Id"] != "not-kept" and record["Telephone"] == "1"
    replaced = raw.put(f"/v2/customers/{record['Id']}", json=customer_body(ids["terms"], name="Renamed"))
    assert replaced.status_code == 200
    assert replaced.json()["Telephone"] is None
    assert raw.get(f"/v2/customers/{record['Id'].upper()}").json()["Name"] == "Renamed"
    assert raw.delete(f"/v2/customers/{record['Id']}").status_code == 200
    assert raw.get(f"/v2/customers/{record['Id']}").status_code == 404


def test_validation_format(raw: httpx.Client, ids: dict[str, str]) -> None:
    response = raw.post(
        "/v2/customers",
        json=customer_body("00000000-0000-0000-0000-000000000000", IsActive="yes", InvoicePostalCode=""),
    )
    assert response.status_code == 400
    body = response.json()
    assert body["ErrorCode"] == 2000 and body["DeveloperErrorMessage"] and body["ErrorId"]
    fields = {(e["Field"], e["ErrorCode"]) for e in body["Errors"]}
    assert fields == {
        ("IsActive", "InvalidType"),
        ("InvoicePostalCode", "Required"),
        ("TermsOfPaymentId", "NotFound"),
    }
    assert raw.post("/v2/customers", content=b"[1]").json()["ErrorCode"] == 6001


def test_articles_cannot_be_deleted(raw: httpx.Client, ids: dict[str, str]) -> None:
    body = {
        "Number": "A-1",
        "Name": "Widget",
        "CodingId": ids["coding"],
        "UnitId": ids["unit"],
        "IsActive": True,
    }
    article = raw.post("/v2/articles", json=body).json()
    response = raw.delete(f"/v2/articles/{article['Id']}")
    assert response.status_code == 405 and response.json()["ErrorCode"] == 4000
    assert raw.get(f"/v2/articles/{article['Id']}").status_code == 200


def test_auth_and_unknown_routes(raw: httpx.Client, state: EAccountingState) -> None:
    unauthorised = httpx.get(f"{raw.base_url}/v2/units")
    assert unauthorised.status_code == 401 and unauthorised.json()["ErrorCode"] == 4005
    assert raw.get("/v2/quotes").status_code == 404  # not emulated
    assert raw.get("/v2/customerinvoicedrafts/00000000-0000-0000-0000-000000000001/email").status_code == 404
    not_a_guid = raw.get("/v2/units/not-a-guid")  # the spec types the id as a uuid
    assert not_a_guid.status_code == 400 and not_a_guid.json()["ErrorCode"] == 6000


def test_rate_limit_per_endpoint(raw: httpx.Client, app: EAccountingSandboxApp) -> None:
    app.api.bucket_clock = lambda: 0.0  # no refill while the test sends its 600 requests
    app.api.set_rate_limit(600, 60.0)
    for _ in range(600):
        assert raw.get("/v2/units").status_code == 200
    limited = raw.get("/v2/units")
    assert limited.status_code == 429
    body = limited.json()
    assert body["ErrorCode"] == 4010
    assert body["DeveloperErrorMessage"].startswith(
        "API calls quota exceeded! maximum admitted 600 per Minute."
    )
    assert "Try again in 1 seconds." in body["DeveloperErrorMessage"]
    assert "retry-after" not in limited.headers
    assert raw.get("/v2/termsofpayments").status_code == 200
    other_client = httpx.get(f"{raw.base_url}/v2/units", headers={"Authorization": "Bearer another"})
    assert other_client.status_code == 200
