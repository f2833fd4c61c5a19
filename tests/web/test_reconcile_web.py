"""Reconcile in the admin API and the console (rackbeat-economic, against both sandboxes over HTTP)."""

from __future__ import annotations

from datetime import date

from ledgerbridge.systems.rackbeat import RackbeatClient
from tests.integrations.conftest import RACKBEAT_TOKEN
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

    # A supplier invoice (a voucher in day book 2) is compared too: gross and input VAT.
    with RackbeatClient(web.world.rackbeat_url, RACKBEAT_TOKEN) as rackbeat:
        supplier = web.world.ops.records("suppliers")[0]
        product = web.world.ops.records("products")[0]
        bill = rackbeat.create(
            "supplier-invoices",
            {
                "supplier_id": supplier["number"],
                "invoice_number": "R-2026-7",
                "invoice_date": date.today().isoformat(),
                "lines": [
                    {
                        "child_id": product["number"],
                        "quantity": 2,
                        "line_price": "100.00",
                        "vat_percentage": 25,
                    }
                ],
            },
            suppress_webhooks=True,
        )
        rackbeat.book("supplier-invoices", bill["number"])
    sent = web.client.post(
        f"/api/integrations/acme/transfers/supplier-invoice/{bill['number']}", headers=AUTH
    )
    assert sent.json()["outcome"] == "transferred", sent.json()
    both = web.client.get("/api/integrations/acme/reconcile", headers=AUTH).json()
    assert both["agree"] is True and both["checked"] == 2, both

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


def test_an_invoice_only_in_economic_over_the_api_and_in_the_console(web: Web) -> None:
    from decimal import Decimal

    from ledgerbridge.systems.economic import EconomicClient

    web.login()
    assert web.client.put("/api/integrations/acme/settings", json=INVOICE_SETTINGS, headers=AUTH).is_success
    assert web.service.run_startup("acme").ok
    number = book_invoice(web.world)
    sent = web.client.post(f"/api/integrations/acme/transfers/invoice/{number}", headers=AUTH).json()
    assert sent["outcome"] == "transferred", sent
    today = date.today().isoformat()
    with EconomicClient(web.world.economic_url, "app-secret", "grant") as economic:
        draft = economic.create(
            "invoices/drafts",
            {
                "date": today,
                "currency": "DKK",
                "customer": {"customerNumber": 2},
                "layout": {"layoutNumber": 19},
                "paymentTerms": {"paymentTermsNumber": 1},
                "recipient": {"name": "Booked by hand A/S", "vatZone": {"vatZoneNumber": 1}},
                "lines": [{"description": "Montage", "quantity": 1, "unitNetPrice": Decimal("80.00")}],
            },
        )
        by_hand = str(economic.book_invoice(draft["draftInvoiceNumber"])["bookedInvoiceNumber"])

    found = web.client.get("/api/integrations/acme/reconcile", headers=AUTH).json()
    assert found["agree"] is False and found["checked"] == 1, found
    [only] = found["findings"]
    assert (only["kind"], only["entity"], only["key"], only["repairable"]) == (
        "only_in_ledger",
        "invoice",
        by_hand,
        False,
    )
    assert only["ledger"] == {
        "number": by_hand,
        "date": today,
        "party": "customer 2 Booked by hand A/S",
        "net": "80.00",
        "vat": "20.00",
        "gross": "100.00",
        "currency": "DKK",
    }
    repaired = web.client.post("/api/integrations/acme/reconcile", headers=AUTH).json()
    assert repaired["repaired"] == [] and repaired["findings"] == found["findings"]
    assert by_hand in {str(n) for n in web.world.books.tables["invoices-booked"]}

    page = web.client.get("/console/integrations/acme/reconcile?run=1")
    assert page.status_code == 200
    assert f"only in e-conomic: invoice {by_hand} of {today}" in page.text and "Needs a person" in page.text
