"""Both sandboxes served on loopback ports, and a service with one rackbeat-economic integration."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ledgerbridge.config import Config
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.service import Ledgerbridge
from ledgerbridge.systems import economic, rackbeat

RACKBEAT_TOKEN = "test-token"


@dataclass
class World:
    """The two sandboxes, their data, and ledgerbridge pointed at them."""

    economic_app: Any
    rackbeat_app: Any
    economic_url: str
    rackbeat_url: str
    service: Ledgerbridge
    config: Config

    @property
    def books(self) -> economic.EconomicState:
        return self.economic_app.economic_state

    @property
    def ops(self) -> rackbeat.RackbeatState:
        return self.rackbeat_app.rackbeat_state

    def connection(self, **settings: Any) -> dict[str, Any]:
        return {
            "economic": {
                "base_url": self.economic_url,
                "app_secret_token": "app-secret",
                "agreement_grant_token": "grant",
            },
            "rackbeat": {"base_url": self.rackbeat_url, "token": RACKBEAT_TOKEN},
            "settings": settings,
        }

    def rackbeat_writes(self) -> list[Any]:
        return [r for r in self.rackbeat_app.kit.requests if r.method in ("POST", "PUT", "DELETE")]


@contextmanager
def economic_world(database_url: str, tmp_path: Path) -> Iterator[World]:
    """Both sandboxes served (e-conomic with demo data), a service over ``database_url``, no integration."""
    books = economic.EconomicState()
    economic.seed_demo(books, customers=40, products=80, suppliers=10)
    economic_app = economic.create_app(books)
    rackbeat_app = rackbeat.create_app(token=RACKBEAT_TOKEN)
    config = Config(home=tmp_path / "home", database_url=database_url, secret_key=None)
    with SandboxServer(economic_app) as eco, SandboxServer(rackbeat_app) as rb:
        service = Ledgerbridge(config)
        try:
            yield World(economic_app, rackbeat_app, eco.base_url, rb.base_url, service, config)
        finally:
            service.close()


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[World]:
    with economic_world(database_url, tmp_path) as built:
        built.service.add_integration("acme", "rackbeat-economic", built.connection())
        yield built
