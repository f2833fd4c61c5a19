"""What the Rackbeat ↔ e-conomic tests over HTTP share: the integration ``acme`` set up for invoices and
supplier invoices with its start-up sync run, and a supplier invoice booked in Rackbeat.

A test module takes the fixture by name: ``acme = economic_support.acme``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.systems.rackbeat import RackbeatClient
from tests.integrations.conftest import RACKBEAT_TOKEN, World

SETTINGS: dict[str, object] = {
    "customer_invoices": {"enabled": True, "post_invoices": True, "account_for_customer_groups": 5600},
    "supplier_invoices": {"enabled": True, "day_book": 2, "account_for_supplier_groups": 6110},
    "accounting": {"standard_account": 1210},
}


@pytest.fixture
def acme(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[RealtimeHub]:
    """``acme`` with :data:`SETTINGS` and its start-up sync run, the CLI pointed at it (wide output), and
    the hub a test transfers with."""
    monkeypatch.setenv("LEDGERBRIDGE_HOME", str(world.config.home))
    monkeypatch.setenv("LEDGERBRIDGE_DATABASE_URL", world.config.database_url)
    monkeypatch.setenv("COLUMNS", "250")
    world.service.update_settings("acme", SETTINGS)
    assert world.service.run_startup("acme").ok
    hub = RealtimeHub(world.service)
    try:
        yield hub
    finally:
        hub.close()


def booked_supplier_invoice(
    world: World,
    number: str,
    day: date,
    *,
    currency: str | None = None,
    heading: str | None = None,
    quantity: int = 2,
    price: str = "100.00",
) -> dict[str, Any]:
    """A Rackbeat user books supplier invoice ``number`` of one line (the first supplier, the first product,
    25 % VAT) through the Rackbeat API, without webhooks; Rackbeat's answer to the booking."""
    supplier = world.ops.records("suppliers")[0]
    product = world.ops.records("products")[0]
    with RackbeatClient(world.rackbeat_url, RACKBEAT_TOKEN) as rackbeat:
        bill = rackbeat.create(
            "supplier-invoices",
            {
                "supplier_id": supplier["number"],
                "invoice_number": number,
                "invoice_date": day.isoformat(),
                **({"currency": currency} if currency else {}),
                **({"heading": heading} if heading else {}),
                "lines": [
                    {
                        "child_id": product["number"],
                        "quantity": quantity,
                        "line_price": price,
                        "vat_percentage": 25,
                    }
                ],
            },
            suppress_webhooks=True,
        )
        booked: dict[str, Any] = rackbeat.book("supplier-invoices", bill["number"])
    return booked
