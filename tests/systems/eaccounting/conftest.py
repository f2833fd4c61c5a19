"""One eAccounting sandbox served on a loopback port for the whole session, reset before every test."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.sandbox.faults import FaultPlan
from ledgerbridge.systems.eaccounting import EAccountingClient, EAccountingState, create_app
from ledgerbridge.systems.eaccounting.sandbox import EAccountingSandboxApp
from ledgerbridge.systems.eaccounting.sandbox.chart import CODING_IDS
from ledgerbridge.systems.eaccounting.sandbox.demo_data import seed_demo_company
from tests.support import FakeClock, client_factory

TOKEN = "test-token"


@pytest.fixture(scope="session")
def clock() -> FakeClock:
    return FakeClock(datetime(2025, 1, 8, 10, 30, tzinfo=UTC))


@pytest.fixture(scope="session")
def app(clock: FakeClock) -> EAccountingSandboxApp:
    return create_app(EAccountingState(clock=clock))


@pytest.fixture(scope="session")
def server(app: EAccountingSandboxApp) -> Iterator[SandboxServer]:
    with SandboxServer(app) as running:
        yield running


@pytest.fixture
def state(app: EAccountingSandboxApp, server: SandboxServer, clock: FakeClock) -> Iterator[EAccountingState]:
    """The sandbox's data, emptied, with faults off and the documented 600/min limit fresh."""
    start = clock.now
    app.eaccounting_state.reset()
    app.eaccounting_state.allowed_tokens.clear()
    app.kit.set_faults(FaultPlan())
    app.kit.set_rate_limit(None)
    app.kit.clear_log()
    app.api.bucket_clock = time.monotonic
    app.api.set_rate_limit(600, 60.0)
    yield app.eaccounting_state
    clock.now = start


@pytest.fixture
def base_url(server: SandboxServer, state: EAccountingState) -> str:
    return f"{server.base_url}/v2"


@pytest.fixture
def make_client(base_url: str, sleeps: list[float]) -> Iterator[Callable[..., EAccountingClient]]:
    with client_factory(lambda token=TOKEN, **kw: EAccountingClient(base_url, token, **kw), sleeps) as make:
        yield make


@pytest.fixture
def client(make_client: Callable[..., EAccountingClient]) -> EAccountingClient:
    return make_client()


@pytest.fixture
def raw(server: SandboxServer, state: EAccountingState) -> Iterator[httpx.Client]:
    """Plain HTTP to the sandbox with a token, for checking what is on the wire."""
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        yield http


def seed_basics(state: EAccountingState) -> dict[str, str]:
    """A term of payment, a unit and a coding (the standard "Varor 25% moms"), as customers and articles
    refer to them."""
    terms = state.add(
        "termsofpayments",
        {"Name": "30 dagar netto", "NumberOfDays": 30, "TermsOfPaymentTypeId": 0, "AvailableForSales": True},
    )
    unit = state.add("units", {"Name": "Styck", "Code": "st", "Abbreviation": "st"})
    return {
        "terms": terms["Id"],
        "unit": unit["Id"],
        "coding": CODING_IDS["Varor 25% moms"],
    }


@pytest.fixture
def ids(state: EAccountingState) -> dict[str, str]:
    return seed_basics(state)


def customer_body(terms_id: str, name: str = "Acme AB", **extra: Any) -> dict[str, Any]:
    return {
        "Name": name,
        "IsPrivatePerson": False,
        "IsActive": True,
        "TermsOfPaymentId": terms_id,
        "InvoicePostalCode": "111 22",
        "InvoiceCity": "Stockholm",
        **extra,
    }


@pytest.fixture
def demo(state: EAccountingState) -> dict[str, dict[str, str]]:
    """The demo company ("Norrlands Verktyg & Bygg AB") on top of the standard chart."""
    return seed_demo_company(state)
