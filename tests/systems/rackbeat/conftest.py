"""One Rackbeat sandbox served on a loopback port for the whole session, reset before every test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.sandbox.faults import FaultPlan
from ledgerbridge.systems.rackbeat import RackbeatClient, RackbeatState, create_app
from ledgerbridge.systems.rackbeat.sandbox import RackbeatSandboxApp
from tests.support import FakeClock

TOKEN = "test-token"


@pytest.fixture(scope="session")
def clock() -> FakeClock:
    return FakeClock(datetime(2025, 1, 8, 10, 30, tzinfo=UTC))


@pytest.fixture(scope="session")
def app(clock: FakeClock) -> RackbeatSandboxApp:
    # No bucket by default: the suite itself sends more than 480 requests a minute.
    return create_app(RackbeatState(clock=clock), token=TOKEN, rate_limit=None)


@pytest.fixture(scope="session")
def server(app: RackbeatSandboxApp) -> Iterator[SandboxServer]:
    with SandboxServer(app) as running:
        yield running


@pytest.fixture
def state(app: RackbeatSandboxApp, server: SandboxServer) -> RackbeatState:
    """The sandbox's data, emptied, with faults and rate limit switched off."""
    app.rackbeat_state.reset()
    app.kit.set_faults(FaultPlan())
    app.kit.set_rate_limit(None)
    app.kit.clear_log()
    return app.rackbeat_state


@pytest.fixture
def base_url(server: SandboxServer, state: RackbeatState) -> str:
    return server.base_url


@pytest.fixture
def sleeps() -> list[float]:
    """The waits a client asked for (clients in these tests never really sleep)."""
    return []


@pytest.fixture
def make_client(base_url: str, sleeps: list[float]) -> Iterator[Callable[..., RackbeatClient]]:
    made: list[RackbeatClient] = []

    def make(token: str = TOKEN, **kwargs: Any) -> RackbeatClient:
        kwargs.setdefault("sleep", sleeps.append)
        client = RackbeatClient(base_url, token, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., RackbeatClient]) -> RackbeatClient:
    return make_client()


@pytest.fixture
def raw(base_url: str) -> Iterator[httpx.Client]:
    """Plain HTTP to the sandbox with the right token, for checking what is on the wire."""
    with httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    ) as http:
        yield http


def seed_basics(state: RackbeatState) -> None:
    """The records most writes refer to, each with number 1."""
    state.add("customer-groups", {"number": 1, "name": "Danish customers"})
    state.add("supplier-groups", {"number": 1, "name": "Danish suppliers"})
    state.add("product-groups", {"number": 1, "name": "Goods", "has_inventory": True})
    state.add("units", {"number": 1, "name": "pcs."})
    state.add("layouts", {"number": 1, "name": "Standard"})
    state.add("payment-terms", {"number": 1, "name": "Net 8 days", "type": "net", "maturity_days": 8})
    state.add("employees", {"number": 1, "name": "Ada Lovelace", "initials": "AL"})


@pytest.fixture
def seeded(state: RackbeatState) -> RackbeatState:
    seed_basics(state)
    return state
