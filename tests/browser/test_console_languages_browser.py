"""Every console page in every language at 390 px and 1366 px, in Debian's Chromium: no sideways scroll on a
phone, no English text of ours left in a Danish/Swedish/Norwegian page, no axe-core violation of WCAG 2.1
A/AA, and the charts drawn with data. One demo-like world per module (the start-up sync has run, one
invoice went through, one failed), so the pages have something to show.

``LEDGERBRIDGE_SCREENSHOTS=docs/screenshots`` also saves the settings, activity and reconcile pages per
language and a few pages at both widths there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ledgerbridge.config import Config
from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.runtime.threads import InboxWorker
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.service import Ledgerbridge
from ledgerbridge.systems import economic, rackbeat
from ledgerbridge.web import i18n
from ledgerbridge.web.app import create_app
from tests.browser.pages import (
    DESKTOP,
    PHONE,
    check_page,
    english_leftovers,
    language_page,
    log_in,
    set_width,
)
from tests.integrations.conftest import RACKBEAT_TOKEN, World
from tests.integrations.severa_support import NAME as SEVERA_NAME
from tests.integrations.severa_support import severa_world
from tests.web.conftest import INVOICE_SETTINGS, PASSWORD, book_invoice

pytestmark = pytest.mark.slow

NAME = "acme"


@dataclass
class Demo:
    world: World
    url: str
    invoice: int


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    tmp = tmp_path_factory.mktemp("console-languages")
    books = economic.EconomicState()
    economic.seed_demo(books, customers=40, products=80, suppliers=10)
    economic_app, rackbeat_app = economic.create_app(books), rackbeat.create_app(token=RACKBEAT_TOKEN)
    with SandboxServer(economic_app) as eco, SandboxServer(rackbeat_app) as rb:
        config = Config(home=tmp / "home", database_url=f"sqlite:///{tmp / 'lb.sqlite3'}", secret_key=None)
        service = Ledgerbridge(config)
        world = World(economic_app, rackbeat_app, eco.base_url, rb.base_url, service, config)
        service.add_integration(NAME, "rackbeat-economic", world.connection(**INVOICE_SETTINGS))
        service.run_startup(NAME)
        service.set_admin_password(PASSWORD)
        hub = RealtimeHub(service)
        worker = InboxWorker(hub, poll_seconds=0.2)
        number = book_invoice(world)
        assert hub.transfer(NAME, "invoice", str(number)).ok
        assert not hub.transfer(NAME, "invoice", "777777").ok  # an error entry and a notification
        try:
            with SandboxServer(create_app(hub, worker)) as server:
                worker.start()
                try:
                    yield Demo(world, server.base_url, number)
                finally:
                    worker.stop()
                    worker.join(5)
        finally:
            hub.close()
            service.close()


def _pages(demo: Demo) -> list[str]:
    base = f"/console/integrations/{NAME}"
    return [
        "/console",
        base,
        f"{base}/settings",
        f"{base}/connections",
        f"{base}/startup",
        f"/console/errors?integration={NAME}",
        f"{base}/activity",
        f"{base}/reconcile?run=1",
        f"{base}/documents/invoice/{demo.invoice}",
        "/console/notifications",
        "/console/tokens",
        "/console/integrations/new",
        "/console/integrations/new?kind=rackbeat-economic",
        f"{base}/delete",
    ]


def _charts_drawn(page: Any, selector: str) -> bool:
    """At least one bar or line of the chart has a size: the chart shows data, not only its frame."""
    return bool(
        page.evaluate(
            """sel => Array.from(document.querySelectorAll(sel)).some(e =>
                e.tagName === 'polyline' ? /,(?!26\\.0)/.test(e.getAttribute('points'))
                : parseFloat(e.getAttribute('height')) > 0 && parseFloat(e.getAttribute('width')) > 0)""",
            selector,
        )
    )


def _shots() -> Path | None:
    target = os.environ.get("LEDGERBRIDGE_SCREENSHOTS")
    if not target:
        return None
    Path(target).mkdir(parents=True, exist_ok=True)
    return Path(target)


@pytest.mark.parametrize("language", list(i18n.LANGUAGES))
def test_every_page_in_every_language_at_both_widths(demo: Demo, browser: Any, language: str) -> None:
    page = language_page(browser, demo.url, language)
    leftovers = english_leftovers(language)
    shots = _shots()
    problems: list[str] = []
    try:
        page.goto(demo.url + "/console/login")
        problems += check_page(page, language, PHONE, leftovers)
        log_in(page)
        for width in (PHONE, DESKTOP):
            set_width(page, width)
            for path in _pages(demo):
                page.goto(demo.url + path)
                problems += check_page(page, language, width, leftovers)
                if path == "/console":
                    assert _charts_drawn(page, "svg.sparkline polyline"), "no sparkline with data"
                if path == f"/console/integrations/{NAME}":
                    assert _charts_drawn(page, "#activity-chart svg g rect"), page.inner_html(
                        "#activity-chart"
                    )
                    assert _charts_drawn(page, "#startup-chart svg g rect"), "no start-up bars"
                if path.endswith("reconcile?run=1"):
                    assert _charts_drawn(page, "#agreement svg g rect"), "no agreement bars"
                if shots is not None and path.endswith("/settings") and width == DESKTOP:
                    page.screenshot(path=str(shots / f"settings-{language}.png"), full_page=True)
                if shots is not None and path == f"/console/integrations/{NAME}":
                    page.screenshot(path=str(shots / f"overview-{width}-{language}.png"), full_page=True)
                if shots is not None and width == DESKTOP and path.endswith(("/activity", "reconcile?run=1")):
                    shot = "activity" if path.endswith("/activity") else "reconcile"
                    page.screenshot(path=str(shots / f"{shot}-{language}.png"), full_page=True)
                if shots is not None and path == "/console" and width == PHONE:
                    page.screenshot(path=str(shots / f"integrations-{width}-{language}.png"), full_page=True)
        # On a phone the navigation is folded behind "Menu" and opens with the keyboard.
        page.set_viewport_size({"width": PHONE, "height": 844})
        page.goto(demo.url + "/console")
        menu = page.locator("nav.main-nav")
        assert not menu.is_visible()
        page.locator("#nav-toggle").focus()
        page.keyboard.press("Space")
        assert menu.is_visible()
    finally:
        page.context.close()
    assert problems == [], "\n".join(problems)


def test_the_severa_integration_pages_in_every_language(
    browser: Any, severa_sandbox: Any, tmp_path: Path
) -> None:
    """Its settings (the seed 004 wording), its connections, its transfer buttons with the status line and
    the registers' previews."""
    with severa_world(f"sqlite:///{tmp_path / 'lb.sqlite3'}", tmp_path, severa_sandbox) as world:
        world.add()
        world.service.set_admin_password(PASSWORD)
        hub = RealtimeHub(world.service)
        base = f"/console/integrations/{SEVERA_NAME}"
        problems: list[str] = []
        try:
            with SandboxServer(create_app(hub, None)) as server:
                for language in i18n.LANGUAGES:
                    leftovers = english_leftovers(language)
                    page = language_page(browser, server.base_url, language)
                    try:
                        page.goto(server.base_url + "/console/login")
                        log_in(page)
                        for width in (PHONE, DESKTOP):
                            set_width(page, width)
                            for path in (
                                base,
                                f"{base}/settings",
                                f"{base}/connections",
                                f"{base}/registers/customers/preview",  # per record and field
                                f"{base}/registers/invoices/preview",  # drafts' rows, what goes first
                            ):
                                page.goto(server.base_url + path)
                                problems += check_page(page, language, width, leftovers)
                        page.goto(server.base_url + base)
                        page.locator(f"form[action='{base}/registers/customers'] button").click()
                        status = page.locator(".flash").first.inner_text()
                        expected = i18n.translate(language, "Customers")
                        assert status.startswith(f"{expected}: "), status
                        problems += check_page(page, language, DESKTOP, leftovers)
                    finally:
                        page.context.close()
        finally:
            hub.close()
    assert problems == [], "\n".join(problems)
