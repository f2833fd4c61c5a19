"""Labels, codings, suppliers, terms of payment, the demo company, the auth hook and per-endpoint limits."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from decimal import ROUND_HALF_UP, Decimal

import httpx
import pytest
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.systems.eaccounting import EAccountingClient, EAccountingState, create_app
from ledgerbridge.systems.eaccounting.sandbox import EAccountingSandboxApp
from ledgerbridge.systems.eaccounting.sandbox.chart import CODING_IDS
from ledgerbridge.systems.eaccounting.sandbox.demo_data import COMPANY_NAME, demo_id, seed_demo_company
from ledgerbridge.systems.errors import ApiError, AuthError, NotFoundError, RateLimitedError, ValidationError

Ids = dict[str, dict[str, str]]


@pytest.mark.parametrize("name", ["articlelabels", "customerlabels"])
def test_label_crud(client: EAccountingClient, state: EAccountingState, name: str) -> None:
    label = client.create(name, {"Name": "Kampanj", "Description": "Vår"})
    assert set(label) == {"Id", "Name", "Description"}
    assert client.replace(f"{name}/{label['Id']}", {"Name": "Rea"}) == {
        "Id": label["Id"],
        "Name": "Rea",
        "Description": None,
    }
    assert [x["Name"] for x in client.iter_collection(name, filter="Name eq 'rea'")] == ["Rea"]
    with pytest.raises(ValidationError) as caught:
        client.create(name, {"Name": "x" * 51, "Description": "y" * 401})
    assert set(caught.value.errors) == {"Name", "Description"}
    client.delete(f"{name}/{label['Id']}")
    with pytest.raises(NotFoundError):
        client.get(f"{name}/{label['Id']}")


def test_articles_carry_labels_and_codings(client: EAccountingClient, demo: Ids) -> None:
    article = client.get(f"articles/{demo['article']['SKR-18V']}")
    assert [label["Name"] for label in article["ArticleLabels"]] == ["Kampanj", "Lagervara"]
    assert article["CodingName"] == "Varor 25% moms" and article["IsServiceArticle"] is False
    assert client.get(f"articles/{demo['article']['MON-TIM']}")["IsServiceArticle"] is True
    body = {k: article[k] for k in ("Number", "Name", "CodingId", "UnitId", "IsActive")}
    with pytest.raises(ValidationError) as caught:
        client.create(
            "articles",
            {
                **body,
                "Number": "NEW-1",
                "CodingId": "00000000-0000-0000-0000-000000000001",
                "ArticleLabels": [{"Id": "00000000-0000-0000-0000-000000000002"}],
            },
        )
    assert set(caught.value.errors) == {"CodingId", "ArticleLabels"}
    relabelled = client.replace(
        f"articles/{article['Id']}", {**body, "ArticleLabels": [{"Id": demo["label"]["Beställningsvara"]}]}
    )
    assert [label["Name"] for label in relabelled["ArticleLabels"]] == ["Beställningsvara"]
    customer = client.get(f"customers/{demo['customer']['1001']}")
    assert [label["Name"] for label in customer["CustomerLabels"]] == ["Storkund"]


def test_codings_are_read_only_and_seeded(client: EAccountingClient, state: EAccountingState) -> None:
    codings = {c["Name"]: c for c in client.iter_collection("articleaccountcodings")}
    assert codings["Varor 25% moms"]["VatRatePercent"] == 25
    assert codings["Varor 25% moms"]["DomesticSalesSubjectToVatAccountNumber"] == 3001
    assert codings["Tjänster 25% moms"]["Type"] == "Service"
    assert client.get(f"articleaccountcodings/{CODING_IDS['Varor 12% moms']}")["VatRatePercent"] == 12
    with pytest.raises(ApiError) as caught:
        client.create("articleaccountcodings", {"Name": "Egen"})
    assert caught.value.status_code == 405


def test_suppliers(client: EAccountingClient, demo: Ids) -> None:
    supplier = client.create(
        "suppliers", {"Name": "Luleå Järn AB", "TermsOfPaymentId": demo["terms"]["10"], "Telephone": "0920-1"}
    )
    assert supplier["SupplierNumber"] == "4" and supplier["IsActive"] is True
    assert "ModifiedUtc" in supplier and "ChangedUtc" not in supplier and supplier["CreatedUtc"]
    replaced = client.replace(
        f"suppliers/{supplier['Id']}", {"Name": "Luleå Järn AB", "TermsOfPaymentId": demo["terms"]["10"]}
    )
    assert replaced["Telephone"] is None and replaced["SupplierNumber"] == "4"
    with pytest.raises(ValidationError) as caught:
        client.create("suppliers", {"Name": "Utan villkor"})
    assert set(caught.value.errors) == {"TermsOfPaymentId"}
    assert [s["Name"] for s in client.iter_collection("suppliers", filter="SupplierNumber eq '2'")] == [
        "Beijer Byggmaterial AB"
    ]
    client.delete(f"suppliers/{supplier['Id']}")
    with pytest.raises(NotFoundError):
        client.get(f"suppliers/{supplier['Id']}")


def test_terms_of_payments_path_and_alias(raw: httpx.Client, ids: dict[str, str]) -> None:
    plural = raw.get("/v2/termsofpayments").json()["Data"]
    assert [t["Name"] for t in plural] == ["30 dagar netto"]
    assert raw.get(f"/v2/termsofpayment/{ids['terms']}").json() == plural[0]  # undocumented alias


def test_demo_company(client: EAccountingClient, state: EAccountingState, demo: Ids) -> None:
    assert client.get("companysettings")["Name"] == COMPANY_NAME
    customers = list(client.iter_collection("customers"))
    assert len(customers) == 8 and sum(c["IsPrivatePerson"] for c in customers) == 2
    assert {c["InvoiceCountryCode"] for c in customers} == {"SE", "NO", "DE"}
    codings = {c["Id"]: c for c in client.iter_collection("articleaccountcodings")}
    articles = list(client.iter_collection("articles"))
    assert len(articles) == 12 and len({a["CodingId"] for a in articles}) == 4
    for article in articles:
        percent = Decimal(codings[article["CodingId"]]["VatRatePercent"])
        expected = (article["NetPrice"] * (1 + percent / 100)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        assert article["GrossPrice"] == expected, article["Number"]
        assert article["CodingName"] == codings[article["CodingId"]]["Name"]
    assert [u["Code"] for u in client.iter_collection("units")] == ["st", "tim", "kg", "m", "km"]
    assert [t["Name"] for t in client.iter_collection("termsofpayments")] == [
        "30 dagar netto",
        "10 dagar netto",
        "Kontant",
    ]
    assert len(list(client.iter_collection("articlelabels"))) == 3
    assert len(list(client.iter_collection("suppliers"))) == 3
    orders = list(client.iter_collection("orders", filter="Status lt 3"))
    assert len(orders) == 2 and all(o["Rows"] for o in orders)
    assert demo["customer"]["1001"] == demo_id("customer", "1001")
    assert seed_demo_company(state)["article"] == demo["article"]  # deterministic, and may be run again
    assert (
        len(list(client.iter_collection("customers"))) == 8
        and len(list(client.iter_collection("orders"))) == 2
    )


def test_rate_limit_per_endpoint_includes_actions(
    make_client: Callable[..., EAccountingClient], app: EAccountingSandboxApp, demo: Ids
) -> None:
    app.api.bucket_clock = lambda: 0.0  # no refill during the test
    app.api.set_rate_limit(3, 60.0)
    client = make_client(max_retries=0)
    body = {
        "CustomerId": demo["customer"]["1001"],
        "Rows": [{"ArticleId": demo["article"]["HAM-600"], "Quantity": 1}],
    }
    draft = client.create("customerinvoicedrafts", body)
    client.get(f"customerinvoicedrafts/{draft['Id']}")
    invoice = client.action(f"customerinvoicedrafts/{draft['Id']}/convert")
    with pytest.raises(RateLimitedError) as caught:
        client.list_page("customerinvoicedrafts")
    assert caught.value.body["ErrorCode"] == 4010
    client.action(f"customerinvoices/{invoice['Id']}/email")  # another endpoint, another bucket
    client.get("customerinvoices")
    client.get(f"customerinvoices/{invoice['Id']}")
    with pytest.raises(RateLimitedError):
        client.get("customerinvoices")
    client.get("vouchers")  # the voucher endpoint was not touched by the convert's internal booking


# -- the auth hook for the identity emulator ---------------------------------------------------------
class FakeIdentity:
    """Stands in for the OAuth engineer's identity emulator: one token endpoint, one issued token."""

    def __init__(self) -> None:
        self.issued = {"issued-token"}
        self.calls: list[str] = []

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls.append(scope["path"])
        await JSONResponse({"access_token": "issued-token", "token_type": "bearer", "expires_in": 3600})(
            scope, receive, send
        )

    def accepts(self, token: str) -> bool:
        return token in self.issued


@pytest.fixture
def identity_server() -> Iterator[tuple[SandboxServer, FakeIdentity]]:
    identity = FakeIdentity()
    with SandboxServer(create_app(EAccountingState(), identity=identity)) as running:
        yield running, identity


class BearerAuth(httpx.Auth):
    def __init__(self, token: str) -> None:
        self.token = token
        self.used = 0

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.used += 1
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


def test_identity_hook(identity_server: tuple[SandboxServer, FakeIdentity], sleeps: list[float]) -> None:
    server, identity = identity_server
    token = httpx.post(f"{server.base_url}/connect/token", data={"grant_type": "client_credentials"})
    assert token.status_code == 200 and token.json()["access_token"] == "issued-token"
    assert identity.calls == ["/connect/token"]
    auth = BearerAuth("issued-token")
    with EAccountingClient(f"{server.base_url}/v2", auth=auth, sleep=sleeps.append) as client:
        assert client.get("companysettings")["CountryCode"] == "SE"
        assert auth.used == 1
    with EAccountingClient(f"{server.base_url}/v2", "not-issued", sleep=sleeps.append) as stranger:
        with pytest.raises(AuthError) as caught:
            stranger.get("companysettings")
    assert caught.value.body["ErrorCode"] == 4005


def test_without_identity_connect_is_not_served(raw: httpx.Client, state: EAccountingState) -> None:
    assert raw.post("/connect/token").status_code == 404


def test_client_auth_replaces_the_header(
    make_client: Callable[..., EAccountingClient], base_url: str, state: EAccountingState, raw: httpx.Client
) -> None:
    state.allowed_tokens.add("from-auth")
    auth = BearerAuth("from-auth")
    with EAccountingClient(base_url, auth=auth) as client:
        assert client.create("customerlabels", {"Name": "Via auth"})["Name"] == "Via auth"
    assert auth.used == 1
    with pytest.raises(AuthError):
        make_client(token="wrong").get("customerlabels")
    assert raw.get("/v2/customers").status_code == 401  # raw's token is not in allowed_tokens
