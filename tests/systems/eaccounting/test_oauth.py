"""Connecting eAccounting through Visma Connect, over HTTP: the emulated identity server on a loopback
port, the loopback callback of ``authorize_via_loopback``, tokens in a real database (SQLite and
PostgreSQL, through the store's token vault), and API calls authorised by :class:`BearerAuth`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from ledgerbridge.crypto import SecretBox
from ledgerbridge.engine.tokens import ReconnectRequired, TokenStore
from ledgerbridge.integrations.token_vaults import StoredTokenVault
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.sandbox.server import free_port
from ledgerbridge.store import Integration, Store
from ledgerbridge.store.models import OAuthConnection
from ledgerbridge.systems.eaccounting import EAccountingClient, create_app
from ledgerbridge.systems.eaccounting.oauth import (
    DEFAULT_SCOPES,
    AuthorizationDenied,
    BearerAuth,
    InvalidGrant,
    VismaConnect,
    authorize_via_loopback,
)
from ledgerbridge.systems.eaccounting.sandbox.identity import IdentityServer
from ledgerbridge.systems.errors import AuthError, TransientError
from ledgerbridge.systems.tokens import RefreshingTokens
from tests.support import FakeClock

CLIENT_ID = "ledgerbridge-test"
CLIENT_SECRET = "s3cret-for-tests"
SIDE = "eaccounting"


@pytest.fixture
def idp_clock() -> FakeClock:
    return FakeClock(datetime(2025, 1, 8, 10, 30, tzinfo=UTC))


@pytest.fixture
def redirect_uri() -> str:
    return f"http://127.0.0.1:{free_port()}/callback"


@pytest.fixture
def identity(idp_clock: FakeClock, redirect_uri: str) -> IdentityServer:
    server = IdentityServer(clock=idp_clock)
    server.register_client(CLIENT_ID, CLIENT_SECRET, [redirect_uri], name="ledgerbridge (tests)")
    return server


@pytest.fixture
def idp(identity: IdentityServer) -> Iterator[SandboxServer]:
    with SandboxServer(identity.app) as running:
        yield running


@pytest.fixture
def connect(idp: SandboxServer, redirect_uri: str, idp_clock: FakeClock) -> Iterator[VismaConnect]:
    with VismaConnect(idp.base_url, CLIENT_ID, CLIENT_SECRET, redirect_uri, clock=idp_clock) as made:
        yield made


@pytest.fixture
def api(identity: IdentityServer) -> Iterator[SandboxServer]:
    """The eAccounting sandbox, accepting only tokens the identity server issued (and serving /connect/)."""
    with SandboxServer(create_app(identity=identity)) as running:
        yield running


@pytest.fixture
def integration_id(store: Store) -> int:
    with store.session() as session:
        row = Integration(name="shop", kind="rackbeat-eaccounting", settings={}, credentials="-")
        session.add(row)
        session.flush()
        return row.id


@pytest.fixture
def tokens(store: Store) -> TokenStore:
    return TokenStore(store, SecretBox(Fernet.generate_key()))


def browser_that_grants(decision: str = "grant") -> Callable[[str], None]:
    """A "browser": load the consent page, press a button, follow the redirect to the callback."""

    def open_browser(url: str) -> None:
        with httpx.Client(follow_redirects=False, timeout=10) as browser:
            page = browser.get(url)
            assert page.status_code == 200, page.text
            form = re.search(r'<form method=post action="([^"]+)">', page.text)
            request_id = re.search(r'name=request_id value="([^"]+)"', page.text)
            assert form and request_id
            answer = browser.post(
                urljoin(url, form.group(1)), data={"request_id": request_id.group(1), "decision": decision}
            )
            assert answer.status_code == 302
            landed = browser.get(answer.headers["location"])
            assert landed.status_code == 200

    return open_browser


def connected(
    connect: VismaConnect, tokens: TokenStore, integration_id: int, idp_clock: FakeClock
) -> RefreshingTokens:
    token = authorize_via_loopback(connect, open_browser=browser_that_grants(), timeout=10)
    tokens.save(integration_id, SIDE, token, expected_version=None)
    return flight_for(tokens, integration_id, connect, idp_clock)


def flight_for(
    tokens: TokenStore, integration_id: int, connect: VismaConnect, idp_clock: FakeClock
) -> RefreshingTokens:
    """The grant kept fresh in the store's vault, as ``systems/eaccounting/connection.py`` opens it."""
    return RefreshingTokens(StoredTokenVault(tokens, integration_id, SIDE), connect.refresh, clock=idp_clock)


# -- the whole journey ---------------------------------------------------------------------------
def test_connect_store_call_refresh_and_lose_the_grant(
    store: Store,
    connect: VismaConnect,
    identity: IdentityServer,
    api: SandboxServer,
    tokens: TokenStore,
    integration_id: int,
    idp_clock: FakeClock,
) -> None:
    token = authorize_via_loopback(connect, open_browser=browser_that_grants(), timeout=10)
    assert token["token_type"] == "bearer" and token["expires_in"] == 3600
    assert token["scope"].split() == list(DEFAULT_SCOPES) and token["refresh_token"]
    assert identity.accepts(token["access_token"])

    tokens.save(integration_id, SIDE, token, expected_version=None)
    with store.session() as session:
        raw = session.scalars(select(OAuthConnection.token)).one()
    assert token["access_token"] not in raw and token["refresh_token"] not in raw

    flight = flight_for(tokens, integration_id, connect, idp_clock)
    with httpx.Client(base_url=api.base_url, auth=BearerAuth(flight)) as http:
        assert http.get("/v2/customers").status_code == 200
        assert identity.refresh_requests == 0

        idp_clock.advance(3600)  # the access token has expired
        assert not identity.accepts(token["access_token"])
        assert http.get("/v2/customers").status_code == 200
        assert identity.refresh_requests == 1

        identity.kill_refresh_tokens()  # the user changed the password
        idp_clock.advance(3600)
        with pytest.raises(ReconnectRequired) as caught:
            http.get("/v2/customers")
    assert "invalid_grant" in caught.value.reason
    assert tokens.state(integration_id, SIDE) == "reconnect_required"
    stored = tokens.load(integration_id, SIDE)
    assert stored is not None and stored.reason == caught.value.reason
    assert identity.refresh_requests == 2


def test_the_eaccounting_sandbox_serves_connect_and_the_client_uses_stored_tokens(
    api: SandboxServer,
    identity: IdentityServer,
    tokens: TokenStore,
    integration_id: int,
    redirect_uri: str,
    idp_clock: FakeClock,
    sleeps: list[float],
) -> None:
    """One sandbox port for both hosts: ``/connect/...`` is forwarded to the identity emulator."""
    with VismaConnect(api.base_url, CLIENT_ID, CLIENT_SECRET, redirect_uri, clock=idp_clock) as connect:
        flight = connected(connect, tokens, integration_id, idp_clock)
        with httpx.Client(auth=BearerAuth(flight), timeout=10) as http:
            # The client's own Authorization header is replaced by the auth flow's.
            client = EAccountingClient(f"{api.base_url}/v2", "not-a-token", http=http, sleep=sleeps.append)
            assert client.list_page("customers")["Data"] == []
            idp_clock.advance(3600)
            assert client.list_page("customers")["Data"] == []
            assert identity.refresh_requests == 1

            identity.revoke_all_for(CLIENT_ID)  # the user removed the app in Visma
            with pytest.raises(ReconnectRequired):
                client.list_page("customers")
    assert tokens.state(integration_id, SIDE) == "reconnect_required"
    assert identity.refresh_requests == 2  # the 401 forced one refresh, which was refused; no retries


@pytest.mark.parametrize("rotate", [True, False], ids=["rotating", "reusable"])
def test_eight_threads_after_expiry_make_one_refresh(
    connect: VismaConnect,
    identity: IdentityServer,
    api: SandboxServer,
    tokens: TokenStore,
    integration_id: int,
    idp_clock: FakeClock,
    rotate: bool,
) -> None:
    identity.rotate_refresh_tokens = rotate
    flight = connected(connect, tokens, integration_id, idp_clock)
    first = tokens.load(integration_id, SIDE)
    assert first is not None
    idp_clock.advance(3600 - 30)  # inside the 60 s margin

    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def call() -> None:
        with httpx.Client(base_url=api.base_url, auth=BearerAuth(flight)) as http:
            barrier.wait()
            statuses.append(http.get("/v2/customers").status_code)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert statuses == [200] * 8
    assert identity.refresh_requests == 1
    stored = tokens.load(integration_id, SIDE)
    assert stored is not None and identity.accepts(str(stored.access_token))
    assert (stored.refresh_token != first.refresh_token) is rotate
    # The stored refresh token is the live one: the next refresh works.
    idp_clock.advance(3600)
    assert identity.accepts(flight.access_token())
    assert identity.refresh_requests == 2


def test_two_processes_refreshing_a_rotating_token_do_not_burn_it(
    store: Store,
    connect: VismaConnect,
    identity: IdentityServer,
    integration_id: int,
    idp_clock: FakeClock,
) -> None:
    box = SecretBox(Fernet.generate_key())
    other_store = Store(store.url)  # a second engine: another process's connections
    try:
        first, second = TokenStore(store, box), TokenStore(other_store, box)
        token = authorize_via_loopback(connect, open_browser=browser_that_grants(), timeout=10)
        first.save(integration_id, SIDE, token, expected_version=None)
        flights = [
            flight_for(first, integration_id, connect, idp_clock),
            flight_for(second, integration_id, connect, idp_clock),
        ]
        idp_clock.advance(3600)

        barrier = threading.Barrier(8)
        answers: list[str] = []
        failures: list[BaseException] = []

        def call(i: int) -> None:
            barrier.wait()
            try:
                answers.append(flights[i % 2].access_token())
            except BaseException as exc:  # noqa: BLE001 - asserted below
                failures.append(exc)

        threads = [threading.Thread(target=call, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert failures == []
        assert identity.refresh_requests == 1
        assert len(set(answers)) == 1 and identity.accepts(answers[0])
        assert first.state(integration_id, SIDE) == "connected"
    finally:
        other_store.dispose()


def test_a_401_forces_one_refresh_and_one_retry(
    connect: VismaConnect,
    identity: IdentityServer,
    api: SandboxServer,
    tokens: TokenStore,
    integration_id: int,
    idp_clock: FakeClock,
) -> None:
    flight = connected(connect, tokens, integration_id, idp_clock)
    old = flight.access_token()
    connect.revoke(old, "access_token")  # the API stops accepting it before it expires
    assert not identity.accepts(old)

    with httpx.Client(base_url=api.base_url, auth=BearerAuth(flight)) as http:
        response = http.get("/v2/customers")
    assert response.status_code == 200
    assert response.request.headers["Authorization"] != f"Bearer {old}"
    assert identity.refresh_requests == 1


def test_a_token_endpoint_outage_is_transient(
    connect: VismaConnect,
    identity: IdentityServer,
    tokens: TokenStore,
    integration_id: int,
    idp_clock: FakeClock,
) -> None:
    flight = connected(connect, tokens, integration_id, idp_clock)
    identity.fail_next = [503]
    idp_clock.advance(3600)

    with pytest.raises(TransientError):
        flight.access_token()
    assert tokens.state(integration_id, SIDE) == "connected"
    assert identity.accepts(flight.access_token())  # the refresh token survived the outage


# -- the authorisation server's rules ------------------------------------------------------------
def test_the_authorize_url_asks_for_a_company_with_eaccounting(
    connect: VismaConnect, redirect_uri: str
) -> None:
    url = urlsplit(connect.authorization_url("xyz"))
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert url.path == "/connect/authorize"
    assert query == {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": redirect_uri,
        "scope": "ea:api offline_access ea:sales ea:purchase ea:accounting",
        "state": "xyz",
        "prompt": "select_account",
        "acr_values": "service:44643EB1-3F76-4C1C-A672-402AE8085934",
    }


def test_the_consent_page_names_the_client_and_the_scopes(connect: VismaConnect) -> None:
    page = httpx.get(connect.authorization_url("s"))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "ledgerbridge (tests)" in page.text
    for scope in DEFAULT_SCOPES:
        assert f"<code>{scope}</code>" in page.text
    assert ">Grant access</button>" in page.text and ">Deny</button>" in page.text


def test_bad_authorize_requests(idp: SandboxServer, connect: VismaConnect, redirect_uri: str) -> None:
    base = f"{idp.base_url}/connect/authorize"
    good = {"client_id": CLIENT_ID, "redirect_uri": redirect_uri, "response_type": "code", "scope": "ea:api"}
    with httpx.Client(follow_redirects=False) as browser:
        assert browser.get(base, params={**good, "client_id": "nobody"}).status_code == 400
        assert browser.get(base, params={**good, "redirect_uri": "http://evil.example/cb"}).status_code == 400
        wrong_type = browser.get(base, params={**good, "response_type": "token", "state": "s"})
        assert wrong_type.status_code == 302
        assert parse_qs(urlsplit(wrong_type.headers["location"]).query)["error"] == [
            "unsupported_response_type"
        ]
        no_api = browser.get(base, params={**good, "scope": "ea:sales offline_access"})
        assert parse_qs(urlsplit(no_api.headers["location"]).query)["error"] == ["invalid_scope"]


def test_deny_ends_the_loopback_flow(connect: VismaConnect) -> None:
    with pytest.raises(AuthorizationDenied, match="access_denied"):
        authorize_via_loopback(connect, open_browser=browser_that_grants("deny"), timeout=10)


def test_auto_grant_redirects_at_once(connect: VismaConnect, identity: IdentityServer) -> None:
    identity.auto_grant = True

    def follow(url: str) -> None:
        httpx.get(url, follow_redirects=True, timeout=10).raise_for_status()

    token = authorize_via_loopback(connect, open_browser=follow, timeout=10)
    assert identity.accepts(token["access_token"])


def code_for(connect: VismaConnect, identity: IdentityServer) -> str:
    """A fresh code, taken from the redirect without exchanging it."""
    identity.auto_grant = True
    redirect = httpx.get(connect.authorization_url("s"), follow_redirects=False)
    return parse_qs(urlsplit(redirect.headers["location"]).query)["code"][0]


def test_a_code_works_once_and_for_five_minutes(
    connect: VismaConnect, identity: IdentityServer, idp_clock: FakeClock
) -> None:
    code = code_for(connect, identity)
    assert identity.accepts(connect.exchange_code(code)["access_token"])
    with pytest.raises(InvalidGrant, match="already been used"):
        connect.exchange_code(code)

    late = code_for(connect, identity)
    idp_clock.advance(5 * 60)
    with pytest.raises(InvalidGrant, match="expired"):
        connect.exchange_code(late)


def test_the_code_exchange_checks_redirect_uri_and_client_secret(
    idp: SandboxServer, connect: VismaConnect, identity: IdentityServer, redirect_uri: str
) -> None:
    other_uri = "http://127.0.0.1:1/elsewhere"
    identity.clients[CLIENT_ID].redirect_uris.append(other_uri)
    code = code_for(connect, identity)
    with VismaConnect(idp.base_url, CLIENT_ID, CLIENT_SECRET, other_uri) as wrong_uri:
        with pytest.raises(InvalidGrant, match="redirect_uri"):
            wrong_uri.exchange_code(code)
    with VismaConnect(idp.base_url, CLIENT_ID, "wrong", redirect_uri) as wrong_secret:
        with pytest.raises(AuthError) as caught:
            wrong_secret.exchange_code(code)
    assert caught.value.status_code == 401 and not isinstance(caught.value, InvalidGrant)
    assert caught.value.body == {
        "error": "invalid_client",
        "error_description": "Client authentication failed.",
    }

    # On the wire: form-field client authentication works too; a wrong grant type is named.
    token_url = f"{idp.base_url}/connect/token"
    form = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    answer = httpx.post(
        token_url,
        data={**form, "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
    )
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    assert (
        httpx.post(token_url, data={**form, "grant_type": "password"}).json()["error"]
        == "unsupported_grant_type"
    )
    assert httpx.post(token_url, data=form).json()["error"] == "invalid_request"


def test_refresh_rotating_and_reusable(connect: VismaConnect, identity: IdentityServer) -> None:
    first = identity.issue_tokens(CLIENT_ID, DEFAULT_SCOPES)
    again = connect.refresh(first["refresh_token"])
    assert again["refresh_token"] != first["refresh_token"]
    with pytest.raises(InvalidGrant):
        connect.refresh(first["refresh_token"])  # rotated away

    identity.rotate_refresh_tokens = False
    reusable = identity.issue_tokens(CLIENT_ID, DEFAULT_SCOPES)
    for _ in range(2):
        assert connect.refresh(reusable["refresh_token"])["refresh_token"] == reusable["refresh_token"]

    without_offline = identity.issue_tokens(CLIENT_ID, ["ea:api", "ea:sales"])
    assert "refresh_token" not in without_offline


def test_revoking_a_refresh_token_ends_its_access_tokens(
    connect: VismaConnect, identity: IdentityServer
) -> None:
    token = identity.issue_tokens(CLIENT_ID, DEFAULT_SCOPES)
    other = identity.issue_tokens(CLIENT_ID, DEFAULT_SCOPES)
    connect.revoke(token["refresh_token"])
    assert not identity.accepts(token["access_token"])
    with pytest.raises(InvalidGrant):
        connect.refresh(token["refresh_token"])
    assert identity.accepts(other["access_token"])  # another grant is untouched
    connect.revoke("never-issued")  # unknown tokens: 200 as well (RFC 7009)
    assert identity.revocation_requests == 2

    identity.revoke_all_for(CLIENT_ID)
    assert not identity.accepts(other["access_token"])


def test_connection_errors_are_transient(redirect_uri: str) -> None:
    with VismaConnect(f"http://127.0.0.1:{free_port()}", CLIENT_ID, CLIENT_SECRET, redirect_uri) as down:
        with pytest.raises(TransientError):
            down.refresh("anything")
