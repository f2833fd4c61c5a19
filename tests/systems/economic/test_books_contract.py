"""The sandbox's books against e-conomic's published schemas: entries, totals, VAT and sales accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ledgerbridge.systems.economic import EconomicState

from .builders import call, draft_body, line, supplier_invoice, voucher
from .test_books import add_books_accounts
from .test_contract import assert_valid, schema


@pytest.fixture(scope="module")
def economic_specs(specs_dir: Path) -> Path:
    return specs_dir / "economic"


pytestmark = pytest.mark.contract


@pytest.fixture
def booked(base_url: str, state: EconomicState) -> str:
    """An invoice and a supplier voucher, both booked."""
    add_books_accounts(state)
    draft = call(
        base_url, "POST", "/invoices/drafts", json=draft_body(line("1", 2, 100), line("5020", 1, 40))
    )
    number = draft.json()["draftInvoiceNumber"]
    assert call(
        base_url, "POST", "/invoices/booked", json={"draftInvoice": {"draftInvoiceNumber": number}}
    ).is_success
    entry = supplier_invoice(contraVatAccount={"vatCode": "I25"})
    assert call(base_url, "POST", "/journals/2/vouchers", json=voucher(supplierInvoices=[entry])).is_success
    assert call(base_url, "POST", "/_sandbox/journals/2/book").is_success
    return base_url


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("accounting-years/2026/entries", "accounting-years.accountingYear.entries.get"),
        ("accounting-years/2026/totals", "accounting-years.accountingYear.totals.get"),
        (
            "accounts/5600/accounting-years/2026/entries",
            "accounts.accountNumber.accounting-years.accountingYear.entries.get",
        ),
        (
            "accounts/5600/accounting-years/2026/totals",
            "accounts.accountNumber.accounting-years.accountingYear.totals.get",
        ),
        ("vat-accounts", "vat-accounts.get"),
        ("vat-accounts/U25", "vat-accounts.id.get"),
        ("product-groups/1/sales-accounts", "product-groups.productGroupNumber.sales-accounts.get"),
    ],
)
def test_books_documents_match_the_schemas(booked: str, economic_specs: Path, path: str, name: str) -> None:
    response = call(booked, "GET", f"/{path}")
    assert response.status_code == 200, response.text
    document: Any = response.json()
    if "collection" in document:
        assert document["collection"], path
    assert_valid(document, schema(economic_specs, name), f"GET /{path}")
