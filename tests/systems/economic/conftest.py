"""Two e-conomic sandboxes served on loopback ports for the session.

- ``server``/``state``: a small agreement (:func:`seed_minimal`), re-seeded before every test, with a
  fake clock, no faults and no rate limit. Tests may change it freely.
- ``demo_server``/``demo_state``: the full demo company (:func:`seed_demo`), read-only by convention.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.sandbox.faults import FaultPlan
from ledgerbridge.systems.economic import EconomicClient, EconomicState, create_app, seed_demo, seed_minimal
from ledgerbridge.systems.economic.sandbox import EconomicSandbox
from tests.support import FakeClock, client_factory

APP_SECRET = "test-app-secret"
GRANT = "test-agreement-grant"

# One connection pool for the raw HTTP calls of the tests (httpx.get() would build a client per call).
HTTP = httpx.Client(timeout=30)


@pytest.fixture(scope="session", autouse=True)
def _close_http() -> Iterator[None]:
    yield
    HTTP.close()


@pytest.fixture(scope="session")
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 2, 1, 9, 0, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def app(clock: FakeClock) -> EconomicSandbox:
    # No bucket by default: the suite sends requests faster than any real agreement would.
    return create_app(EconomicState(clock=clock), rate_limit=None)


@pytest.fixture(scope="session")
def server(app: EconomicSandbox) -> Iterator[SandboxServer]:
    with SandboxServer(app) as running:
        yield running


@pytest.fixture
def state(app: EconomicSandbox, server: SandboxServer, clock: FakeClock) -> EconomicState:
    """The minimal agreement, freshly seeded, with faults and rate limit off."""
    economic = app.economic_state
    economic.reset()
    app.webhooks.clear()
    seed_minimal(economic)
    app.kit.set_faults(FaultPlan())
    app.kit.set_rate_limit(None)
    app.kit.clear_log()
    clock.now = datetime(2026, 2, 1, 9, 0, 0, tzinfo=UTC)
    return economic


@pytest.fixture
def base_url(server: SandboxServer, state: EconomicState) -> str:
    return server.base_url


@pytest.fixture
def make_client(base_url: str, sleeps: list[float]) -> Iterator[Callable[..., EconomicClient]]:
    def build(secret: str = APP_SECRET, grant: str = GRANT, **kwargs: Any) -> EconomicClient:
        return EconomicClient(kwargs.pop("url", base_url), secret, grant, **kwargs)

    with client_factory(build, sleeps) as make:
        yield make


@pytest.fixture
def client(make_client: Callable[..., EconomicClient]) -> EconomicClient:
    return make_client()


@pytest.fixture(scope="session")
def demo_app() -> EconomicSandbox:
    economic = EconomicState()
    seed_demo(economic)
    return create_app(economic, rate_limit=None)


@pytest.fixture(scope="session")
def demo_server(demo_app: EconomicSandbox) -> Iterator[SandboxServer]:
    with SandboxServer(demo_app) as running:
        yield running


@pytest.fixture(scope="session")
def demo_state(demo_app: EconomicSandbox) -> EconomicState:
    return demo_app.economic_state


@pytest.fixture
def demo_client(demo_server: SandboxServer) -> Iterator[EconomicClient]:
    client = EconomicClient(demo_server.base_url, APP_SECRET, GRANT, sleep=lambda s: None)
    yield client
    client.close()
