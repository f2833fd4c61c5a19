"""The console pages the languages test does not reach (issue 18), in every language at 390 px and 1366 px,
with the same checks (no sideways scroll on a phone, no English text of ours left, no axe-core violation of
WCAG 2.1 A/AA): the first-start page that sets the admin password, the "not found" page, the form of a new
integration of each other kind, and a Rackbeat ↔ eAccounting integration's own pages (connected by Visma
Connect, its start-up sync run) — its overview, settings, connections, start-up, activity and reconcile."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.web import i18n
from ledgerbridge.web.app import create_app
from tests.browser.pages import (
    DESKTOP,
    PHONE,
    check_page,
    english_leftovers,
    language_page,
    set_width,
)
from tests.integrations.eaccounting_support import eaccounting_world
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.slow

NAME = "se"


def _pages() -> list[str]:
    base = f"/console/integrations/{NAME}"
    return [
        base,
        f"{base}/settings",
        f"{base}/connections",
        f"{base}/startup",
        f"{base}/activity",
        f"{base}/reconcile",
        "/console/integrations/new?kind=rackbeat-eaccounting",
        "/console/integrations/new?kind=severa-eaccounting",
        "/console/integrations/no-such-integration",  # the "not found" page
    ]


def test_first_start_new_forms_and_an_eaccounting_integration_in_every_language(
    browser: Any, tmp_path: Path
) -> None:
    with eaccounting_world(f"sqlite:///{tmp_path / 'lb.sqlite3'}", tmp_path) as world:
        world.ops.set_base_currency("SEK")
        world.add(NAME)
        assert world.service.run_startup(NAME).ok
        hub = RealtimeHub(world.service)
        problems: list[str] = []
        try:
            with SandboxServer(create_app(hub, None)) as server:
                for language in i18n.LANGUAGES:
                    leftovers = english_leftovers(language)
                    page = language_page(browser, server.base_url, language)
                    try:
                        if not world.service.has_admin_password():  # the first start, once
                            for width in (PHONE, DESKTOP):
                                set_width(page, width)
                                page.goto(server.base_url + "/console/setup")
                                assert page.locator("#again").is_visible()
                                problems += check_page(page, language, width, leftovers)
                            page.locator("#password").fill(PASSWORD)
                            page.locator("#again").fill(PASSWORD)
                            page.locator("form[action='/console/setup'] button[type=submit]").click()
                        else:
                            page.goto(server.base_url + "/console/login")
                            page.locator("#password").fill(PASSWORD)
                            page.locator("form[action='/console/login'] button[type=submit]").click()
                        page.wait_for_url(re.compile(r"/console$"))
                        for width in (PHONE, DESKTOP):
                            set_width(page, width)
                            for path in _pages():
                                answer = page.goto(server.base_url + path)
                                expected = 404 if "no-such" in path else 200
                                assert answer is not None and answer.status == expected, (path, answer)
                                problems += check_page(page, language, width, leftovers)
                    finally:
                        page.context.close()
        finally:
            hub.close()
    assert problems == [], "\n".join(problems)
