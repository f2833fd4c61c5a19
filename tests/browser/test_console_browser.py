"""A new user in a real browser: set the password, log in, create and connect an integration against the
sandboxes, change settings, run the start-up sync with live progress, see an error after a fault is
injected, retry it, and transfer an invoice twice without a duplicate."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import Console
from tests.web.conftest import book_invoice, booked_in_economic

PASSWORD = "browser-password-1"


def test_a_new_user_sets_up_an_integration_and_fixes_a_failed_invoice(console: Console) -> None:
    page = console.page

    # -- first start: the password, from this machine; log out and in again ------------------------------
    console.go("/console")
    expect(page).to_have_url(re.compile(r"/console/setup$"))
    page.get_by_label("Password (at least").fill(PASSWORD)
    page.get_by_label("The same again").fill(PASSWORD)
    page.get_by_role("button", name="Set password and log in").click()
    expect(page.get_by_role("heading", name="Integrations")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    console.shot("login", full_page=False)
    page.get_by_label("Admin password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("not the admin password")
    page.get_by_label("Admin password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#integrations")).to_contain_text("acme")

    # -- create and connect an integration against the sandboxes -----------------------------------------
    page.get_by_role("link", name="New integration").click()
    page.get_by_role("link", name=re.compile("Rackbeat ↔ Visma e-conomic")).click()
    page.get_by_label("Name").fill("shop")
    page.locator('input[name="connections.economic.base_url"]').fill(console.world.economic_url)
    page.locator('input[name="connections.economic.app_secret_token"]').fill("app-secret")
    page.locator('input[name="connections.rackbeat.base_url"]').fill(console.world.rackbeat_url)
    page.locator('input[name="connections.rackbeat.token"]').fill("test-token")
    console.shot("new-integration")
    page.locator('input[name="connections.economic.agreement_grant_token"]').evaluate(
        "e => e.required = false"
    )
    page.get_by_role("button", name="Create integration").click()
    expect(page.locator("#f-connections-economic-agreement_grant_token .field-error")).to_be_visible()
    page.locator('input[name="connections.economic.app_secret_token"]').fill("app-secret")
    page.locator('input[name="connections.rackbeat.token"]').fill("test-token")
    page.locator('input[name="connections.economic.agreement_grant_token"]').fill("grant")
    page.get_by_role("button", name="Create integration").click()
    expect(page.locator(".flash.success")).to_contain_text("Integration shop is created")

    # -- settings: a validation error next to its field, then a good save --------------------------------
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    day_book = page.locator('select[name="supplier_invoices.day_book"]')
    expect(day_book.locator("option", has_text="2 Kreditorfakturaer")).to_have_count(1)  # read live
    page.get_by_label("Activate creditor integration").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#f-supplier_invoices-day_book .field-error")).to_contain_text("choose the day book")
    day_book.select_option("2")
    page.get_by_label("Activate debtor integration").check()
    page.get_by_label("Post invoices in e-conomic when posted in Rackbeat").check()
    page.locator('select[name="accounting.account_matrix.0.domestic"]').select_option("1210")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".flash.success")).to_contain_text("Settings saved")
    settings = console.world.service.describe("shop").settings
    assert settings["supplier_invoices"]["day_book"] == 2 and settings["customer_invoices"]["post_invoices"]
    assert settings["accounting"]["account_matrix"]["1"] == {"domestic": 1210}
    # A full-page shot, not a viewport (a script sets the style: the console's CSP refuses inline styles).
    page.evaluate("document.querySelectorAll('.sticky-actions').forEach(e => e.style.position = 'static')")
    console.shot("settings")

    # -- the start-up sync: preview, run with live progress to 100 %, a second run refused ---------------
    page.get_by_role("link", name="Start-up sync", exact=True).click()
    expect(page.get_by_role("heading", name="Once per integration")).to_be_visible()
    page.get_by_role("button", name="Preview (dry run)").click()
    expect(page.locator("#preview")).to_contain_text("customer: 40 record(s)")
    page.get_by_role("button", name="Run the start-up sync").click()
    expect(page.locator("#overall-percent")).to_have_text("100 %", timeout=60_000)
    expect(page.locator("#overall-status")).to_have_text("succeeded")
    expect(page.locator("#entity-progress")).to_contain_text("customers40 / 40")
    console.shot("startup-sync")
    page.reload()
    expect(page.locator("#startup-refusal")).to_contain_text("already ran")
    page.get_by_role("button", name="Run the start-up sync").click()
    expect(page.locator(".flash.error")).to_contain_text("Not started")

    # -- a fault in e-conomic makes the transfer fail; the error and a notification appear ---------------
    number = book_invoice(console.world)
    fault = {"error_rate": 1.0, "error_status": 400, "path_pattern": r"^/invoices/(drafts|booked)$"}
    httpx.put(f"{console.world.economic_url}/_sandbox/faults", json=fault).raise_for_status()
    page.get_by_role("link", name="Overview", exact=True).click()
    page.get_by_label("Invoice number in Rackbeat").fill(str(number))
    page.get_by_role("button", name="Transfer").click()
    expect(page.locator(".flash.error")).to_contain_text("Not transferred")
    expect(page.locator("#unread-count")).to_be_visible()
    page.get_by_role("link", name="Errors", exact=True).first.click()
    entry = page.locator("article.error-entry", has_text=f"invoice {number}")
    expect(entry).to_contain_text("Injected fault 400")
    entry.get_by_text("Payload sent").click()
    console.shot("errors")
    page.locator("#nav-notifications").click()
    expect(page.locator("ul.notifications")).to_contain_text(f"transfer: invoice {number} failed")
    console.shot("notifications")

    # -- clear the fault, retry from the error log -------------------------------------------------------
    httpx.put(f"{console.world.economic_url}/_sandbox/faults", json={}).raise_for_status()
    page.get_by_role("link", name="Errors", exact=True).first.click()
    page.locator("article.error-entry", has_text=f"invoice {number}").get_by_role(
        "button", name="Retry"
    ).click()
    expect(page.locator(".flash.success")).to_contain_text(f"transferred as e-conomic invoice {number}")
    expect(page.locator("#no-errors")).to_be_visible()

    # -- transfer it by hand twice: "already transferred", one invoice in e-conomic ----------------------
    console.go("/console/integrations/shop")
    for _ in range(2):
        page.get_by_label("Invoice number in Rackbeat").fill(str(number))
        page.get_by_role("button", name="Transfer").click()
        expect(page.locator(".flash.info")).to_have_text(
            f"Already transferred as e-conomic invoice {number}."
        )
    assert booked_in_economic(console.world, number) == 1
    console.shot("integration")

    # -- activity: the run and the document's history ----------------------------------------------------
    page.get_by_role("link", name="Activity", exact=True).click()
    page.get_by_role("link", name=f"invoice {number}").first.click()
    expect(page.locator("#transfer-state")).to_have_text("confirmed")
    console.go("/console/integrations/shop/activity")
    console.shot("activity")
    console.go("/console")
    # "Last sync" is the last activity of any kind (the retried transfer), and the month in a sparkline.
    expect(page.locator('tr[data-integration="shop"] svg.sparkline')).to_have_attribute(
        "aria-label", "Last 30 days: 1 transferred, 1 failed"
    )
    expect(page.locator('tr[data-integration="shop"]')).not_to_contain_text("never")
    console.shot("integrations", full_page=False)
