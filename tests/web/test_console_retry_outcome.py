"""A retried error-log entry of master data: the console says the record's outcome (failed again, created,
…) in the user's language, not the engine's bare English word. Rackbeat ↔ e-conomic sandboxes, the console
through its routes."""

from __future__ import annotations

import html
import re

import pytest

from ledgerbridge.web import i18n
from tests.web.conftest import INVOICE_SETTINGS, LEGACY_TOKEN, Web

FLASH = re.compile(r'class="flash (?:error|success|info)"[^>]*>(.*?)<', re.S)


@pytest.mark.parametrize(
    ("language", "failed", "created"),
    [
        ("sv", "misslyckades igen: felposten säger varför", "posten skapades"),
        ("da", "mislykkedes igen: fejlposten siger hvorfor", "posten blev oprettet"),
        ("nb", "mislyktes igjen: feilposten sier hvorfor", "posten ble opprettet"),
        ("en", "failed again: the entry says why", "the record was created"),
    ],
)
def test_a_retried_customer_says_its_outcome_in_the_language(
    web: Web, language: str, failed: str, created: str
) -> None:
    auth = {"Authorization": f"Bearer {LEGACY_TOKEN}"}
    settings = web.client.put("/api/integrations/acme/settings", json=INVOICE_SETTINGS, headers=auth)
    assert settings.status_code == 200
    assert web.service.run_startup("acme").ok
    group = web.world.ops.records("customer-groups")[0]["number"]
    customer = {"number": 90007, "name": "Ny Kund AB", "customer_group_id": group, "vat_zone": "domestic"}
    web.world.ops.create("customers", {**customer, "currency": "DKK"})
    # No payment terms in Rackbeat: e-conomic needs them, so the webhook's sync fails into the error log.
    _, session = web.hub.session("acme")
    assert session.handle("customer.created", "90007").startswith("failed")
    [entry] = [e for e in web.service.errors("acme") if e.record_key == "90007"]
    web.login()
    web.client.cookies.set(i18n.COOKIE, language)

    def retried() -> list[str]:
        answer = web.post(f"/console/integrations/acme/errors/{entry.id}/retry", page="/console/errors")
        page = web.client.get(answer.headers["location"]).text
        return [html.unescape(" ".join(m.split())) for m in FLASH.findall(page)]

    still_open = i18n.translate(language, "(still open)")
    assert retried() == [f"#{entry.id}: {failed} {still_open}"]
    terms = web.world.ops.records("payment-terms")[0]["number"]
    web.world.ops.update("customers", 90007, {"payment_terms_id": terms})  # the user fixes it in Rackbeat
    assert retried() == [f"#{entry.id}: {created}"]
    assert web.service.error("acme", entry.id).state == "resolved"
    assert web.client.get("/api/integrations/acme/errors", headers=auth).json() == []  # nothing open
