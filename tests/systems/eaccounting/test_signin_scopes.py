"""Scopes of tokens from the Visma Connect emulator, over HTTP: a token holds what its sign-in asked for
(kept across refreshes), and the eAccounting sandbox checks it per operation as the spec's "Requires any of
the following scopes" says (403, ErrorCode 4006); our own sign-in asks for what every operation needs and
still works end to end."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import httpx
import pytest

from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.sandbox.server import free_port
from ledgerbridge.systems.eaccounting import EAccountingClient, EAccountingState, create_app
from ledgerbridge.systems.eaccounting.oauth import DEFAULT_SCOPES, VismaConnect, authorize_via_loopback
from ledgerbridge.systems.eaccounting.sandbox.demo_data import seed_demo_company
from ledgerbridge.systems.eaccounting.sandbox.identity import IdentityServer
from ledgerbridge.systems.eaccounting.sandbox.scopes import OPERATION_SCOPES
from ledgerbridge.systems.errors import AuthError

CLIENT_ID, CLIENT_SECRET = "ledgerbridge-scopes", "scopes-secret"


@pytest.fixture
def redirect_uri() -> str:
    return f"http://127.0.0.1:{free_port()}/callback"


@pytest.fixture
def identity(redirect_uri: str) -> IdentityServer:
    server = IdentityServer(auto_grant=True)  # the consent page is tested in test_oauth.py
    server.register_client(CLIENT_ID, CLIENT_SECRET, [redirect_uri], name="ledgerbridge")
    return server


@pytest.fixture
def api(identity: IdentityServer) -> Iterator[SandboxServer]:
    state = EAccountingState()
    seed_demo_company(state)
    with SandboxServer(create_app(state, identity=identity)) as running:
        yield running


def follow(url: str) -> None:
    """The browser: the authorize URL answers the redirect to the loopback callback at once (auto grant)."""
    with httpx.Client(follow_redirects=True, timeout=10) as browser:
        browser.get(url).raise_for_status()


def sign_in(api: SandboxServer, redirect_uri: str, scopes: Iterable[str] = DEFAULT_SCOPES) -> dict[str, str]:
    """The authorization-code flow as `ledgerbridge connect` runs it, asking for ``scopes``."""
    with VismaConnect(api.base_url, CLIENT_ID, CLIENT_SECRET, redirect_uri, scopes=scopes) as connect:
        return authorize_via_loopback(connect, open_browser=follow, timeout=10)


def call(api: SandboxServer, token: str, method: str, path: str, body: object = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.request(method, f"{api.base_url}/v2/{path}", json=body, headers=headers, timeout=10)


def refused_for_scopes(response: httpx.Response) -> bool:
    return response.status_code == 403 and response.json()["ErrorCode"] == 4006


def test_our_sign_in_asks_for_a_scope_of_every_served_operation() -> None:
    lacking = [op for op, accepted in OPERATION_SCOPES.items() if not set(accepted) & set(DEFAULT_SCOPES)]
    assert lacking == []
    assert "ea:api" in DEFAULT_SCOPES and "offline_access" in DEFAULT_SCOPES


def test_our_sign_in_works_end_to_end_with_scopes_checked(
    api: SandboxServer, identity: IdentityServer, redirect_uri: str
) -> None:
    token = sign_in(api, redirect_uri)
    assert set(token["scope"].split()) == set(DEFAULT_SCOPES)
    granted = identity.introspect(token["access_token"])
    assert granted is not None and set(granted["scope"]) == set(DEFAULT_SCOPES)
    with EAccountingClient(f"{api.base_url}/v2", token["access_token"]) as client:
        label = client.create("articlelabels", {"Name": "Signed in", "Description": "ea:sales"})
        assert label["Id"]
        assert list(client.iter_collection("customerinvoices")) is not None  # ea:sales
        assert list(client.iter_collection("suppliers")) is not None  # ea:purchase
        assert list(client.iter_collection("vatcodes"))  # ea:accounting
    with VismaConnect(api.base_url, CLIENT_ID, CLIENT_SECRET, redirect_uri) as connect:
        fresh = connect.refresh(token["refresh_token"])
    assert call(api, fresh["access_token"], "GET", "customerinvoices").status_code == 200


def test_a_sign_in_without_ea_sales_is_refused_403_on_invoices(api: SandboxServer, redirect_uri: str) -> None:
    scopes = ("ea:api", "offline_access", "ea:purchase", "ea:accounting")
    token = sign_in(api, redirect_uri, scopes)
    access = token["access_token"]
    listed = call(api, access, "GET", "customerinvoices")
    assert refused_for_scopes(listed), listed.text
    assert "ea:sales" in listed.json()["DeveloperErrorMessage"]
    assert refused_for_scopes(call(api, access, "POST", "customerinvoicedrafts", {}))
    assert refused_for_scopes(call(api, access, "GET", "articles"))
    # What it was granted answers.
    assert call(api, access, "GET", "suppliers").status_code == 200
    assert call(api, access, "GET", "vatcodes").status_code == 200
    # Our client reads the 403 as an authorisation a person must fix (reconnect with the scopes).
    with EAccountingClient(f"{api.base_url}/v2", access) as client, pytest.raises(AuthError):
        client.get("customerinvoices")
    # A refresh keeps the grant's scopes: the new token is refused the same way.
    with VismaConnect(api.base_url, CLIENT_ID, CLIENT_SECRET, redirect_uri) as connect:
        fresh = connect.refresh(token["refresh_token"])
    assert fresh["access_token"] != access
    assert refused_for_scopes(call(api, fresh["access_token"], "GET", "customerinvoices"))


def test_a_read_only_sales_token_reads_invoices_but_writes_none(
    api: SandboxServer, redirect_uri: str
) -> None:
    access = sign_in(api, redirect_uri, ("ea:api", "ea:sales_readonly"))["access_token"]
    assert call(api, access, "GET", "customerinvoices").status_code == 200
    assert call(api, access, "GET", "articlelabels").status_code == 200
    assert refused_for_scopes(call(api, access, "POST", "articlelabels", {"Name": "Nope"}))
    assert refused_for_scopes(call(api, access, "GET", "suppliers"))


def test_a_token_without_ea_api_is_refused_everywhere(api: SandboxServer, identity: IdentityServer) -> None:
    # The authorize page refuses such a request (test_oauth.py); a grant made without it still must not pass.
    access = identity.issue_tokens(CLIENT_ID, ["ea:sales", "ea:purchase", "ea:accounting"])["access_token"]
    for path in ("customerinvoices", "articles", "suppliers", "vatcodes"):
        answer = call(api, access, "GET", path)
        assert refused_for_scopes(answer) and "ea:api" in answer.json()["DeveloperErrorMessage"]
