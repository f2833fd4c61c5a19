"""Issue 16: Visma Connect's token client costs an idle tenant nothing. It used to build an httpx.Client,
with a TLS context of its own (the CA bundle loaded again), when it was made, and to keep its connection
open for the life of the process; now it uses the process's one TLS context, opens its pool at its first
call and lets it go when idle, like the API clients. Against the identity sandbox over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.sandbox.server import free_port
from ledgerbridge.systems.eaccounting.oauth import VismaConnect
from ledgerbridge.systems.eaccounting.sandbox.identity import IdentityServer
from ledgerbridge.systems.http import IdlePool, release_idle_clients, shared_ssl_context
from tests.runtime.test_idle_tenants_memory import open_connections

CLIENT_ID, CLIENT_SECRET = "ledgerbridge-test", "s3cret-for-tests"
SCOPES = "ea:api offline_access ea:sales"


@pytest.fixture
def identity() -> IdentityServer:
    server = IdentityServer()
    server.register_client(CLIENT_ID, CLIENT_SECRET, [f"http://127.0.0.1:{free_port()}/cb"], name="tests")
    return server


@pytest.fixture
def idp(identity: IdentityServer) -> Iterator[SandboxServer]:
    with SandboxServer(identity.app) as running:
        yield running


def tls_context_of(pool: IdlePool) -> object:
    """The TLS context the pool's httpx.Client verifies with (httpx keeps it on its connection pool)."""
    with pool.use() as client:
        return client._transport._pool._ssl_context  # type: ignore[attr-defined]


def test_token_clients_share_one_tls_context_open_lazily_and_close_when_idle(
    identity: IdentityServer, idp: SandboxServer
) -> None:
    port = int(idp.base_url.rsplit(":", 1)[1])
    connects = [
        VismaConnect(idp.base_url, CLIENT_ID, CLIENT_SECRET, "http://127.0.0.1:9/cb") for _ in range(2)
    ]
    try:
        assert not any(c.pool.is_open for c in connects)  # before: an httpx.Client each, at construction
        for connect in connects:
            grant = identity.issue_tokens(CLIENT_ID, SCOPES)
            assert connect.refresh(grant["refresh_token"])["access_token"]
        assert all(c.pool.is_open for c in connects)
        assert tls_context_of(connects[0].pool) is tls_context_of(connects[1].pool) is shared_ssl_context()
        assert open_connections(port) == 2

        assert not connects[0].pool.release_idle(3600)  # used just now: kept
        assert release_idle_clients(0) >= 2
        assert not any(c.pool.is_open for c in connects)
        assert open_connections(port) == 0  # before: each kept its keep-alive connection for good

        grant = identity.issue_tokens(CLIENT_ID, SCOPES)
        assert connects[0].refresh(grant["refresh_token"])["access_token"]  # a new pool, at once
        assert connects[0].pool.is_open and open_connections(port) == 1
    finally:
        for connect in connects:
            connect.close()
    with pytest.raises(RuntimeError, match="closed"):
        connects[0].refresh("anything")  # a closed client stays closed


def test_an_injected_client_is_used_as_it_is(identity: IdentityServer, idp: SandboxServer) -> None:
    sent: list[str] = []
    with httpx.Client(event_hooks={"request": [lambda request: sent.append(request.url.path)]}) as given:
        connect = VismaConnect(idp.base_url, CLIENT_ID, CLIENT_SECRET, "http://127.0.0.1:9/cb", http=given)
        grant = identity.issue_tokens(CLIENT_ID, SCOPES)
        connect.refresh(grant["refresh_token"])
        assert sent == ["/connect/token"]
        assert not connect.pool.release_idle(0)  # not ours to release
        connect.close()  # nor to close
        assert not given.is_closed
