"""The console with Rackbeat ↔ eAccounting in headless Chromium: connect eAccounting by Visma Connect's
real sign-in page, set seed 002's invoice settings, run the start-up sync, and transfer an invoice twice."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.runtime.threads import InboxWorker
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.web.app import create_app
from tests.browser.conftest import Console
from tests.integrations.eaccounting_support import CLIENT_ID, CLIENT_SECRET, EWorld, eaccounting_world
from tests.support import book_one_line_invoice
from tests.web.conftest import PASSWORD

expect: Any = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def se_console(
    tmp_path: Path, browser: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[EWorld, Console]]:
    import os

    monkeypatch.delenv("LEDGERBRIDGE_PUBLIC_URL", raising=False)
    monkeypatch.delenv("LEDGERBRIDGE_SECURE_COOKIES", raising=False)
    shots_dir = os.environ.get("LEDGERBRIDGE_SCREENSHOTS")
    with eaccounting_world(f"sqlite:///{tmp_path / 'lb.sqlite3'}", tmp_path) as world:
        world.add("se", connect=False)
        world.service.set_admin_password(PASSWORD)
        hub = RealtimeHub(world.service)
        worker = InboxWorker(hub, poll_seconds=0.2)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        context.set_default_timeout(15_000)
        page = context.new_page()
        with SandboxServer(create_app(hub, worker)) as server:
            callback = f"{server.base_url}/console/integrations/se/connect/eaccounting/callback"
            world.identity.register_client(CLIENT_ID, CLIENT_SECRET, [world.redirect_uri, callback])
            worker.start()
            try:
                yield (
                    world,
                    Console(world, hub, server.base_url, page, Path(shots_dir) if shots_dir else None),
                )  # type: ignore[arg-type]
            finally:
                worker.stop()
                worker.join(5)
                context.close()
                hub.close()


def test_connect_eaccounting_set_invoice_status_sync_and_transfer_twice(
    se_console: tuple[EWorld, Console],
) -> None:
    world, console = se_console
    page = console.page
    console.go("/console/login")
    page.get_by_label("Admin password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#integrations")).to_contain_text("se")

    # -- connect: the console sends the browser to Visma Connect; "Grant access" brings it back -----------
    console.go("/console/integrations/se/connections")
    page.locator('a[href$="/connect/eaccounting"]').click()
    expect(page.get_by_role("heading", name="Grant access")).to_be_visible()
    expect(page.locator("ul.scopes")).to_contain_text("ea:api")
    page.get_by_role("button", name="Grant access").click()
    expect(page.locator(".flash.success")).to_contain_text("eAccounting is connected")
    assert world.service.connection_states("se")["eaccounting"] == "connected"

    # -- seed 002's settings page: choices read live from eAccounting, a status chosen -------------------
    console.go("/console/integrations/se/settings")
    expect(page.get_by_role("group", name="Invoice settings")).to_be_visible()
    coding = world.books.all("articleaccountcodings")[0]["Name"]
    expect(page.locator('select[name="products.default_coding"]')).to_contain_text(coding)
    page.locator('select[name="invoices.status"]').select_option("invoiced")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".flash.success")).to_contain_text("Settings saved")
    assert world.service.describe("se").settings["invoices"]["status"] == "invoiced"
    page.evaluate("document.querySelectorAll('.sticky-actions').forEach(e => e.style.position = 'static')")
    console.shot("settings-eaccounting")

    # -- the start-up sync from the console, to 100 % ---------------------------------------------------
    page.get_by_role("link", name="Start-up sync", exact=True).click()
    page.get_by_role("button", name="Run the start-up sync").click()
    expect(page.locator("#overall-percent")).to_have_text("100 %", timeout=30_000)
    assert len(world.ops.records("products")) == len(world.books.all("articles"))

    # -- a booked invoice transferred by hand, twice: one eAccounting invoice ---------------------------
    rackbeat = world.rackbeat()
    invoice = book_one_line_invoice(rackbeat, world.ops)
    rackbeat.close()
    console.go("/console/integrations/se")
    page.get_by_label("Invoice number in Rackbeat").fill(str(invoice["number"]))
    page.get_by_role("button", name="Transfer").click()
    expect(page.locator(".flash")).to_contain_text(re.compile("eAccounting invoice 1001"))
    page.get_by_label("Invoice number in Rackbeat").fill(str(invoice["number"]))
    page.get_by_role("button", name="Transfer").click()
    expect(page.locator(".flash.info")).to_have_text("Already transferred as eAccounting invoice 1001.")
    assert len(world.books.all("customerinvoices")) == 1
