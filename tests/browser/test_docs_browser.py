"""The admin API's docs in a real browser: behind the login, Swagger UI from this server, no CSP violation."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import Console

PASSWORD = "browser-password-2"


def test_docs_render_from_local_assets_under_the_consoles_csp(console: Console) -> None:
    page = console.page
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    console.world.service.set_admin_password(PASSWORD)

    console.go("/docs")
    expect(page).to_have_url(re.compile(r"/console/login"))  # behind the login
    page.get_by_label("Admin password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    console.go("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("ledgerbridge")
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    assert all(url.startswith(console.url) for url in requested), [
        u for u in requested if not u.startswith(console.url)
    ]
    assert not [p for p in problems if "Content Security Policy" in p], problems
