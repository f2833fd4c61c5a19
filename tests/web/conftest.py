"""The console and the admin API in-process (Starlette's TestClient) against both sandboxes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.web.app import create_app
from tests.integrations import conftest as integration_fixtures
from tests.integrations.conftest import World

world = integration_fixtures.world  # both sandboxes with demo data, and an integration `acme`

PASSWORD = "correct horse battery"
LEGACY_TOKEN = "legacy-admin-token"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """The console's tests run on SQLite only (the store's own tests cover PostgreSQL)."""
    return f"sqlite:///{tmp_path / 'ledgerbridge.sqlite3'}"


@dataclass
class Web:
    world: World
    hub: RealtimeHub
    client: TestClient

    @property
    def service(self):  # type: ignore[no-untyped-def]
        return self.world.service

    def csrf(self, path: str = "/console/login") -> str:
        page = self.client.get(path)
        found = CSRF.search(page.text)
        assert found, f"no CSRF token on {path}: {page.status_code} {page.text[:300]}"
        return found.group(1)

    def login(self) -> None:
        if not self.service.has_admin_password():
            self.service.set_admin_password(PASSWORD)
        token = self.csrf("/console/login")
        answer = self.client.post(
            "/console/login", data={"password": PASSWORD, "csrf_token": token}, follow_redirects=False
        )
        assert answer.status_code == 303, answer.text

    def post(self, path: str, data: dict[str, object] | None = None, *, page: str = "/console"):  # type: ignore[no-untyped-def]
        """A console form post with the session's CSRF token."""
        return self.client.post(
            path, data={**(data or {}), "csrf_token": self.csrf(page)}, follow_redirects=False
        )


@pytest.fixture
def web(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[Web]:
    monkeypatch.delenv("LEDGERBRIDGE_PUBLIC_URL", raising=False)
    monkeypatch.delenv("LEDGERBRIDGE_SECURE_COOKIES", raising=False)
    hub = RealtimeHub(world.service)
    app = create_app(hub, None, admin_token=LEGACY_TOKEN)
    with TestClient(app, base_url="http://testserver") as client:
        yield Web(world, hub, client)
    hub.close()


# Customer invoices on, booked in e-conomic (what the transfer tests need); the demo chart of accounts.
INVOICE_SETTINGS: dict[str, object] = {
    "customer_invoices": {
        "enabled": True,
        "post_invoices": True,
        "account_for_customer_groups": 5600,
    },
    "supplier_invoices": {"enabled": True, "day_book": 2, "account_for_supplier_groups": 6110},
    "accounting": {"standard_account": 1210},
}


def book_invoice(world: World) -> int:
    """A Rackbeat user makes and books an invoice (after the start-up sync); returns its number."""
    from ledgerbridge.systems.rackbeat import RackbeatClient
    from tests.integrations.conftest import RACKBEAT_TOKEN
    from tests.support import book_one_line_invoice

    with RackbeatClient(world.rackbeat_url, RACKBEAT_TOKEN) as rackbeat:
        invoice = book_one_line_invoice(rackbeat, world.ops, quantity=2, price="125.50")
    return int(invoice["number"])


def booked_in_economic(world: World, number: int) -> int:
    """How many booked e-conomic invoices carry ``number``."""
    from ledgerbridge.systems.economic import EconomicClient

    with EconomicClient(world.economic_url, "app-secret", "grant") as economic:
        booked = list(economic.iter_collection("invoices/booked"))
    return sum(1 for b in booked if b.get("bookedInvoiceNumber") == number)
