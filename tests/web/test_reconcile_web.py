"""Reconcile in the admin API and the console (rackbeat-economic, against both sandboxes over HTTP)."""

from __future__ import annotations

from tests.web.conftest import INVOICE_SETTINGS, LEGACY_TOKEN, Web, book_invoice

AUTH = {"Authorization": f"Bearer {LEGACY_TOKEN}"}


def test_reconcile_over_the_api_and_in_the_console(web: Web) -> None:
    web.login()
    assert web.client.put("/api/integrations/acme/settings", json=INVOICE_SETTINGS, headers=AUTH).is_success
    assert web.service.run_startup("acme").ok
    number = book_invoice(web.world)
    sent = web.client.post(f"/api/integrations/acme/transfers/invoice/{number}", headers=AUTH).json()
    assert sent["outcome"] == "transferred", sent

    checked = web.client.get("/api/integrations/acme/reconcile", headers=AUTH)
    assert checked.status_code == 200, checked.text
    assert checked.json()["agree"] is True, checked.json()
    assert checked.json()["checked"] == 1

    # A user changes customer 3 in e-conomic, and someone edits the booked invoice's VAT there.
    web.world.books.update_customer(3, {"name": "Renamed in e-conomic A/S"})
    booked = web.world.books.tables["invoices-booked"][number]
    booked["vatAmount"] = booked["vatAmount"] + 1

    found = web.client.get("/api/integrations/acme/reconcile", headers=AUTH).json()
    assert found["agree"] is False
    kinds = {(f["kind"], f["entity"], f["key"]): f for f in found["findings"]}
    assert kinds[("drift", "customer", "3")]["repairable"] is True
    assert "Renamed in e-conomic A/S" in kinds[("drift", "customer", "3")]["message"]
    differs = kinds[("differs", "invoice", str(number))]
    assert differs["repairable"] is False and "VAT" in differs["message"]

    page = web.client.get("/console/integrations/acme/reconcile?run=1")
    assert page.status_code == 200
    assert "Needs a person" in page.text and "Renamed in e-conomic A/S" in page.text

    repaired = web.post("/console/integrations/acme/reconcile", page="/console/integrations/acme/reconcile")
    assert repaired.status_code == 200
    assert "Repaired" in repaired.text and "Needs a person" in repaired.text
    after = web.client.post("/api/integrations/acme/reconcile", headers=AUTH).json()
    assert after["agree"] is False  # the invoice's VAT still needs a person
    assert [(f["kind"], f["key"]) for f in after["findings"]] == [("differs", str(number))]
    assert web.world.books.tables["customers"][3]["name"] != "Renamed in e-conomic A/S"

    booked["vatAmount"] = booked["vatAmount"] - 1  # corrected in e-conomic
    assert web.client.get("/api/integrations/acme/reconcile", headers=AUTH).json()["agree"] is True
    assert web.client.get("/api/integrations/nobody/reconcile", headers=AUTH).status_code == 404
    reversed_period = web.client.get(
        "/api/integrations/acme/reconcile?from=2026-02-01&to=2026-01-01", headers=AUTH
    )
    assert reversed_period.status_code == 400
