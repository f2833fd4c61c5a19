"""Browser tests: Debian's Chromium driven by Playwright against a real uvicorn server on a loopback port.

Playwright's own browser downloads are not used: ``.ci/run`` installs Debian's ``chromium`` and the
tests launch ``/usr/bin/chromium`` (or ``$LEDGERBRIDGE_CHROMIUM``). Where it is absent they skip with the
reason, except in CI (``CI`` set), where a missing browser is a failure.

``LEDGERBRIDGE_SCREENSHOTS=docs/screenshots`` makes the tests save screenshots of the main pages there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.runtime.threads import InboxWorker
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.web.app import create_app
from tests.integrations import conftest as integration_fixtures
from tests.integrations.conftest import World

world = integration_fixtures.world  # both sandboxes with demo data

CHROMIUM = Path(os.environ.get("LEDGERBRIDGE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledgerbridge.sqlite3'}"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(
            f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install -y chromium) or set "
            "LEDGERBRIDGE_CHROMIUM; browser tests drive the console in a real browser"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Console:
    world: World
    hub: RealtimeHub
    url: str
    page: Any
    shots: Path | None

    def go(self, path: str) -> None:
        self.page.goto(self.url + path)

    def shot(self, name: str, *, full_page: bool = True) -> None:
        if self.shots is not None:
            self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=full_page)


@pytest.fixture
def console(world: World, browser: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Console]:
    monkeypatch.delenv("LEDGERBRIDGE_PUBLIC_URL", raising=False)
    monkeypatch.delenv("LEDGERBRIDGE_SECURE_COOKIES", raising=False)
    shots_dir = os.environ.get("LEDGERBRIDGE_SCREENSHOTS")
    shots = Path(shots_dir) if shots_dir else None
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    hub = RealtimeHub(world.service)
    worker = InboxWorker(hub, poll_seconds=0.2)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    with SandboxServer(create_app(hub, worker)) as server:
        worker.start()
        try:
            yield Console(world, hub, server.base_url, page, shots)
        finally:
            worker.stop()
            worker.join(5)
            context.close()
            hub.close()
