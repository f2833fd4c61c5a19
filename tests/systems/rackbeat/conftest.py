"""One Rackbeat sandbox served on a loopback port for the whole session, reset before every test."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.sandbox.faults import FaultPlan
from ledgerbridge.systems.rackbeat import RackbeatClient, RackbeatState, create_app
from ledgerbridge.systems.rackbeat.sandbox import RackbeatSandboxApp
from tests.support import FakeClock, client_factory

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
    """The sandbox's data, emptied, with faults and rate limit switched off (webhooks reset too)."""
    app.rackbeat_state.reset()
    # A delivery of the previous test may still be on the wire; let it land before the next test.
    app.webhooks.flush(timeout=5)
    app.kit.set_faults(FaultPlan())
    app.kit.set_rate_limit(None)
    app.kit.clear_log()
    return app.rackbeat_state


@pytest.fixture
def moving_clock(clock: FakeClock) -> Iterator[FakeClock]:
    """The session clock, put back where it was after the test."""
    start = clock.now
    yield clock
    clock.now = start


# -- a webhook receiver ------------------------------------------------------------------------------
@dataclass
class Received:
    """One request the receiver got (``at`` is time.monotonic() on arrival)."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float


class Receiver:
    """A tiny web app that records every POST and answers 200, or what ``fail_next``/``status`` say."""

    def __init__(self) -> None:
        self.base_url = ""
        self.requests: list[Received] = []
        self.fail_next: list[int] = []
        self.status = 200
        self.delay = 0.0
        self._lock = threading.Lock()
        self.app = Starlette(routes=[Route("/{path:path}", self._handle, methods=["POST"])])

    def url(self, path: str = "hook") -> str:
        return f"{self.base_url}/{path}"

    def reset(self) -> None:
        with self._lock:
            self.requests = []
            self.fail_next = []
            self.status = 200
            self.delay = 0.0

    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        with self._lock:
            self.requests.append(Received(request.url.path, dict(request.headers), body, time.monotonic()))
            status = self.fail_next.pop(0) if self.fail_next else self.status
            delay = self.delay
        if delay:
            await asyncio.sleep(delay)
        return Response(b"ok" if status < 300 else b"nope", status_code=status)

    def keys(self) -> list[str]:
        """The ``key`` of every body received, in order of arrival."""
        with self._lock:
            return [json.loads(r.body)["key"] for r in self.requests]

    def events(self) -> list[tuple[str, str]]:
        with self._lock:
            return [(r.headers["rackbeat-webhook-event"], json.loads(r.body)["key"]) for r in self.requests]


@pytest.fixture(scope="session")
def receiver_server() -> Iterator[Receiver]:
    receiver = Receiver()
    with SandboxServer(receiver.app) as running:
        receiver.base_url = running.base_url
        yield receiver


@pytest.fixture
def receiver(receiver_server: Receiver, state: RackbeatState) -> Receiver:
    """The receiver, forgetting earlier requests (after the sandbox's reset, so nothing stale lands)."""
    receiver_server.reset()
    return receiver_server


@pytest.fixture
def hooks(app: RackbeatSandboxApp, state: RackbeatState) -> RackbeatSandboxApp:
    """The app with quick retries (tests wait milliseconds, not Rackbeat's hours)."""
    app.webhooks.configure(retry_base_seconds=0.05, max_attempts=4)
    return app


@pytest.fixture
def base_url(server: SandboxServer, state: RackbeatState) -> str:
    return server.base_url


@pytest.fixture
def make_client(base_url: str, sleeps: list[float]) -> Iterator[Callable[..., RackbeatClient]]:
    with client_factory(lambda token=TOKEN, **kw: RackbeatClient(base_url, token, **kw), sleeps) as make:
        yield make


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
