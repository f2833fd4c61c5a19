"""The reconciliation page's agreement per document type: bars of documents that agree and of differences
(repairable or for a person), from a real comparison against the sandboxes over HTTP."""

from __future__ import annotations

from datetime import date

from ledgerbridge.integrations.reconcile import Finding, Reconciliation
from tests.web.conftest import INVOICE_SETTINGS, LEGACY_TOKEN, Web, book_invoice

AUTH = {"Authorization": f"Bearer {LEGACY_TOKEN}"}


def test_agreeing_counts_the_compared_documents_without_a_finding_per_type() -> None:
    result = Reconciliation("t", date(2026, 12, 1), date(2026, 12, 31))
    for document_type, number in [("invoice", "1"), ("invoice", "2"), ("supplier-invoice", "7")]:
        result.count_compared(document_type, number)
    result.findings += [
        Finding("differs", "invoice", "2", "VAT differs"),
        Finding("failed", "invoice", "3", "never sent", repair="transfer"),  # never compared
    ]
    assert result.checked == 3
    assert result.agreeing() == {"invoice": 1, "supplier-invoice": 1}


def test_the_agreement_chart_has_a_bar_per_document_type(web: Web) -> None:
    web.login()
    assert web.client.put("/api/integrations/acme/settings", json=INVOICE_SETTINGS, headers=AUTH).is_success
    assert web.service.run_startup("acme").ok
    numbers = [book_invoice(web.world) for _ in range(2)]
    for number in numbers:
        sent = web.client.post(f"/api/integrations/acme/transfers/invoice/{number}", headers=AUTH).json()
        assert sent["outcome"] == "transferred", sent
    booked = web.world.books.tables["invoices-booked"][numbers[1]]
    booked["vatAmount"] = booked["vatAmount"] + 1  # someone edits the booked invoice's VAT in e-conomic

    page = web.client.get("/console/integrations/acme/reconcile?run=1", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    chart = page.text[page.text.index('id="agreement"') :]
    assert "<title>invoice: agree 1, Repair fixes it 0, Needs a person 1</title>" in chart
    assert "<title>All documents: agree 1, Repair fixes it 0, Needs a person 1</title>" in chart
