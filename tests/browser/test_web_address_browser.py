"""The connection's optional "web address of a document" in a real browser, in every language at 390 and
1366 px (issue 18): the Connections page with the new field, its refusal of an http:// address, and the
document's link into Rackbeat once a template is set; no sideways scroll on a phone, no English left, no axe
violation. ``LEDGERBRIDGE_SCREENSHOTS=docs/screenshots`` saves the connections and document pages per
language."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ledgerbridge.web import i18n
from tests.browser.conftest import Console
from tests.browser.pages import DESKTOP, PHONE, check_page, english_leftovers, set_width
from tests.web.conftest import INVOICE_SETTINGS, PASSWORD, book_invoice

pytestmark = pytest.mark.slow

FIELD = "connections.rackbeat.document_address"


def _submit_rackbeat(page: Any, address: str) -> None:
    form = page.locator("form", has=page.locator(f"input[name='{FIELD}']"))
    form.locator(f"input[name='{FIELD}']").fill(address)
    with page.expect_navigation():  # the answer page is loaded before anything on it is counted
        form.locator("button[type=submit]").first.click()


def test_document_address_in_every_language_at_both_widths(console: Console) -> None:
    world, page = console.world, console.page
    world.service.set_admin_password(PASSWORD)
    world.service.update_settings("acme", INVOICE_SETTINGS)
    assert world.service.run_startup("acme").ok
    number = book_invoice(world)
    assert console.hub.transfer("acme", "invoice", str(number)).ok
    console.go("/console/login")
    page.locator("#password").fill(PASSWORD)
    page.locator("form[action='/console/login'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/console$"))

    connections = "/console/integrations/acme/connections"
    document = f"/console/integrations/acme/documents/invoice/{number}"
    problems: list[str] = []
    for language in i18n.LANGUAGES:
        page.context.add_cookies([{"name": i18n.COOKIE, "value": language, "url": console.url}])
        leftovers = english_leftovers(language)
        for width in (PHONE, DESKTOP):
            set_width(page, width)
            console.go(connections)
            label = i18n.translate(language, "Web address of a document")
            assert page.get_by_label(label).count() >= 2  # a field per side
            _submit_rackbeat(page, "http://rackbeat.example/invoices/{number}")
            alert = page.locator(".field-error").first.inner_text()
            assert alert.endswith(i18n.translate(language, "The address must start with https://.")), alert
            problems += check_page(page, language, width, leftovers)

            _submit_rackbeat(page, f"https://rackbeat.example/{language}/invoices/{{number}}")
            assert page.locator(".flash.success").count() == 1
            if width == DESKTOP:
                console.shot(f"connections-{language}")
            console.go(document)
            link = page.locator(f"a.web-link[href='https://rackbeat.example/{language}/invoices/{number}']")
            assert link.count() == 1 and link.is_visible()
            problems += check_page(page, language, width, leftovers)
            if width == DESKTOP:
                console.shot(f"document-{language}")
    assert problems == [], "\n".join(problems)
