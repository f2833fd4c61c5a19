"""Severa's tokens kept by the engine's encrypted token store (``StoredTokenVault``), on SQLite and
PostgreSQL, signing in over HTTP against the Severa sandbox."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import select

from ledgerbridge.crypto import SecretBox
from ledgerbridge.engine.tokens import TokenStore
from ledgerbridge.integrations.token_vaults import StoredTokenVault
from ledgerbridge.store import Store
from ledgerbridge.store.models import OAuthConnection
from ledgerbridge.systems.severa.client import SeveraClient
from ledgerbridge.systems.severa.connection import SeveraConnection
from ledgerbridge.systems.severa.errors import SeveraAuthError
from tests.support import FakeClock, add_integration

SIDE = "severa"


@pytest.fixture
def clock(severa_sandbox: Any) -> FakeClock:
    clock = FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    severa_sandbox.state.clock = clock
    return clock


@pytest.fixture
def integration_id(store: Store) -> int:
    return add_integration(store, name="severa")


@pytest.fixture
def box() -> SecretBox:
    return SecretBox(Fernet.generate_key())


@pytest.fixture
def connection(severa_sandbox: Any) -> SeveraConnection:
    return SeveraConnection(base_url=severa_sandbox.base_url, client_id="sandbox", client_secret="sandbox")


@pytest.fixture
def open_client(
    connection: SeveraConnection, clock: FakeClock
) -> Iterator[Callable[[StoredTokenVault], SeveraClient]]:
    made: list[SeveraClient] = []

    def open_(vault: StoredTokenVault, **kwargs: Any) -> SeveraClient:
        client = SeveraClient.open(kwargs.pop("connection", connection), vault, pacer=None, clock=clock)
        made.append(client)
        return client

    yield open_
    for client in made:
        client.close()


def token_calls(base_url: str) -> list[tuple[str, int]]:
    log = httpx.get(f"{base_url}/_sandbox/requests").json()
    return [(e["path"], e["status"]) for e in log if e["path"] in ("/v1/token", "/v1/refreshtoken")]


def test_tokens_are_stored_encrypted_and_reused(
    store: Store, box: SecretBox, integration_id: int, open_client: Any, severa_sandbox: Any
) -> None:
    tokens = TokenStore(store, box)
    open_client(StoredTokenVault(tokens, integration_id, SIDE)).test_connection()
    stored = tokens.load(integration_id, SIDE)
    assert stored is not None and stored.state == "connected" and stored.expires_at is not None
    with store.session() as session:
        sealed = session.scalars(select(OAuthConnection.token)).one()
    assert stored.access_token and stored.access_token not in sealed
    assert str(stored.refresh_token) not in sealed
    # A second client (a later run) uses the stored token: no new sign-in.
    open_client(StoredTokenVault(tokens, integration_id, SIDE)).test_connection()
    assert token_calls(severa_sandbox.base_url) == [("/v1/token", 200)]


def test_two_processes_and_many_threads_renew_an_expired_token_once(
    store: Store,
    box: SecretBox,
    integration_id: int,
    open_client: Any,
    clock: FakeClock,
    severa_sandbox: Any,
) -> None:
    first = TokenStore(store, box)
    open_client(StoredTokenVault(first, integration_id, SIDE)).test_connection()
    clock.advance(2 * 3600)
    # Two TokenStore instances behave like two processes: only the row lease keeps them apart.
    clients = [
        open_client(StoredTokenVault(tokens, integration_id, SIDE))
        for tokens in (first, TokenStore(store, box))
        for _ in range(3)
    ]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(clients))

    def work(client: SeveraClient) -> None:
        try:
            barrier.wait()
            client.test_connection()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # Severa's refresh tokens work once: a second refresh would have been refused (401) or signed in.
    assert token_calls(severa_sandbox.base_url) == [("/v1/token", 200), ("/v1/refreshtoken", 200)]


def test_refused_credentials_mark_reconnect_required_until_they_work_again(
    store: Store,
    box: SecretBox,
    integration_id: int,
    open_client: Any,
    connection: SeveraConnection,
    clock: FakeClock,
) -> None:
    tokens = TokenStore(store, box)
    open_client(StoredTokenVault(tokens, integration_id, SIDE)).test_connection()
    clock.advance(40 * 24 * 3600)  # access and refresh token both expired: a new sign-in is needed
    wrong = connection.model_copy(update={"client_secret": SecretStr("changed in Severa")})
    with pytest.raises(SeveraAuthError):
        open_client(StoredTokenVault(tokens, integration_id, SIDE), connection=wrong).test_connection()
    assert tokens.state(integration_id, SIDE) == "reconnect_required"
    stored = tokens.load(integration_id, SIDE)
    assert stored is not None and "Invalid client credentials" in str(stored.reason)
    # The secret is fixed in the connection: the next call signs in and the mark is gone.
    open_client(StoredTokenVault(tokens, integration_id, SIDE)).test_connection()
    assert tokens.state(integration_id, SIDE) == "connected"
