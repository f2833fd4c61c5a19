"""Issue 16: Severa's token endpoint costs an idle tenant nothing. It used to build an httpx.Client with a
TLS context of its own at construction (and ``SeveraClient.open`` made one pool for both sides that was
never let go); now the token endpoint and the API client each use the process's one TLS context, open
their pool at their first call and close it when idle. Against the served Severa sandbox over HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from ledgerbridge.systems.http import IdlePool, release_idle_clients, shared_ssl_context
from ledgerbridge.systems.severa.auth import MemoryVault, SeveraTokenEndpoint
from ledgerbridge.systems.severa.client import SeveraClient
from ledgerbridge.systems.severa.connection import DEFAULT_SCOPES, SeveraConnection
from tests.runtime.test_idle_tenants_memory import open_connections


def tls_context_of(pool: IdlePool) -> object:
    """The TLS context the pool's httpx.Client verifies with (httpx keeps it on its connection pool)."""
    with pool.use() as client:
        return client._transport._pool._ssl_context  # type: ignore[attr-defined]


def test_the_token_endpoint_and_the_api_client_open_lazily_share_tls_and_close_when_idle(
    severa_sandbox: Any,
) -> None:
    port = int(severa_sandbox.base_url.rsplit(":", 1)[1])
    release_idle_clients(0)
    before = open_connections(port)  # connections other clients of this process keep (not ours)
    connection = SeveraConnection(
        base_url=severa_sandbox.base_url,
        client_id="sandbox",
        client_secret="sandbox",  # type: ignore[arg-type]
    )
    client = SeveraClient.open(connection, MemoryVault(), pacer=None)
    endpoint = client.tokens.endpoint  # type: ignore[attr-defined]
    try:
        assert not client.pool.is_open and not endpoint.pool.is_open  # nothing made before the first call
        client.test_connection()  # signs in (token endpoint), then calls the API
        assert client.pool.is_open and endpoint.pool.is_open
        assert tls_context_of(endpoint.pool) is tls_context_of(client.pool) is shared_ssl_context()
        assert open_connections(port) - before == 2

        assert release_idle_clients(3600) == 0  # used just now: kept
        assert release_idle_clients(0) >= 2
        assert not client.pool.is_open and not endpoint.pool.is_open
        assert open_connections(port) == before  # before: the shared pool of open() was never let go

        client.test_connection()  # the token in hand: only the API client's pool is made again
        assert client.pool.is_open and not endpoint.pool.is_open
    finally:
        client.close()
    assert not endpoint.pool.is_open


def test_another_tenants_endpoint_shares_the_tls_context(severa_sandbox: Any) -> None:
    url = severa_sandbox.base_url
    endpoints = [SeveraTokenEndpoint(url, "sandbox", "sandbox", DEFAULT_SCOPES) for _ in range(2)]
    try:
        for endpoint in endpoints:
            assert endpoint.sign_in()["access_token"]
        first, second = (tls_context_of(endpoint.pool) for endpoint in endpoints)
        assert first is second is shared_ssl_context()
    finally:
        for endpoint in endpoints:
            endpoint.close()


def test_an_injected_client_stays_its_givers(severa_sandbox: Any) -> None:
    with httpx.Client() as given:
        url = severa_sandbox.base_url
        endpoint = SeveraTokenEndpoint(url, "sandbox", "sandbox", DEFAULT_SCOPES, http=given)
        assert endpoint.sign_in()["access_token"]
        assert not endpoint.pool.release_idle(0)
        endpoint.close()
        assert not given.is_closed
