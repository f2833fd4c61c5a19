"""Seed 004's invoice field table (C17, C29, C57–C60; readings A20–A22, A24, A27–A29): a Severa invoice and
its rows as an eEkonomi draft. A synced field reaches its draft field; a field not synced is absent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ledgerbridge.engine.streams import MappingError
from ledgerbridge.integrations.severa_eaccounting.mappers.invoice import (
    InvoiceRowToEAccounting,
    InvoiceToEAccounting,
    row_code,
)
from ledgerbridge.integrations.severa_eaccounting.settings import SeveraEAccountingSettings
from tests.integrations.mappers.severa_support import CTX

INVOICE = {
    "guid": "0f1e2d3c-0000-4000-8000-000000000001",
    "number": None,
    "isCreditNote": False,
    "customer": {"guid": "cu-1", "number": 1001, "name": "Norrlands Trä AB"},
    "billingCustomer": None,
    "projects": [{"guid": "pr-1", "number": 4711, "name": "Nytt tak"}],
    "date": "2026-12-01",
    "dueDate": "2026-12-31",
    "paymentTerm": 30,
    "ourReference": "Karin Lind",
    "yourReference": "Per Berg",
    "receiverCustomerName": "Norrlands Trä AB",
    "receiverAddress": {"addressline": "Box 12\nHamnen\nPlan 3", "postalCode": "972 31", "city": "Luleå"},
    "notes": "Enligt avtal",
    "freeText1": {"value": "Tack för uppdraget"},
    "freeText2": None,
}
ROW = {
    "guid": "r-1",
    "sortOrder": 1,
    "description": "Utveckling november",
    "quantity": 12.5,
    "unitPrice": {"amount": 950, "currencyCode": "SEK"},
    "code": ["UTV"],
}


class References:
    """The draft's eEkonomi ids as small tables; rows of project 4711 sit on item I-4711, slot 1."""

    def __init__(self, **settings: Any) -> None:
        self.settings = SeveraEAccountingSettings.model_validate(
            {"invoices": {"default_article_number": "ARB", **settings}}
        )
        self.cost_center_slot = 1
        self.customers = {"1001": "C-1001", "2002": "C-2002"}
        self.articles = {"UTV": "A-UTV", "ARB": "A-ARB", "KONS": "A-KONS"}
        self.items = {"4711": "I-4711"}
        self.row_projects: dict[str, str | None] = {}

    def customer_id(self, invoice: dict[str, Any]) -> str:
        customer = invoice.get("billingCustomer") or invoice.get("customer") or {}
        found = self.customers.get(str(customer.get("number")))
        if found is None:
            raise MappingError(f"customer {customer.get('number')} is not in eEkonomi")
        return found

    def terms_id(self, days: Any) -> str:
        return f"T{days}"

    def article_id(self, number: str) -> str:
        if number not in self.articles:
            raise MappingError(f"article {number} is not in eEkonomi")
        return self.articles[number]

    def row_project_number(self, invoice: dict[str, Any], row: dict[str, Any]) -> str | None:
        return self.row_projects.get(str(row["guid"]), "4711")

    def item_id(self, project_number: str) -> str:
        if project_number not in self.items:
            raise MappingError(f"project {project_number} is not a cost center item")
        return self.items[project_number]


def draft(
    references: References | None = None, rows: list[dict[str, Any]] | None = None, **fields: Any
) -> dict[str, Any]:
    mapper = InvoiceToEAccounting(references or References(), [ROW] if rows is None else rows)
    return mapper.map({**INVOICE, **fields}, CTX)


def goods(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in payload["Rows"] if not r["IsTextRow"]]


# -- the header (C57) ----------------------------------------------------------------------------------
def test_header_fields_reach_the_draft() -> None:  # C57, A12, A22
    payload = draft()
    assert {k: v for k, v in payload.items() if k != "Rows"} == {
        "CustomerId": "C-1001",
        "IsCreditInvoice": False,
        "InvoiceDate": "2026-12-01",
        "DueDate": "2026-12-31",
        "OurReference": "Karin Lind",
        "YourReference": "Per Berg",
        "InvoiceCustomerName": "Norrlands Trä AB",
        "InvoiceAddress1": "Box 12",
        "InvoiceAddress2": "Hamnen, Plan 3",  # A10: further lines folded onto line 2
        "ContractNumber": f"Severa {INVOICE['guid']}",  # how an earlier attempt is found
        "TermsOfPaymentId": "T30",
    }


def test_the_billing_customer_wins_over_the_customer() -> None:  # A22
    billing = {"guid": "cu-2", "number": 2002, "name": "Fakturamottagaren AB"}
    assert draft(billingCustomer=billing)["CustomerId"] == "C-2002"


def test_a_credit_note_is_a_credit_draft() -> None:  # A27
    assert draft(isCreditNote=True)["IsCreditInvoice"] is True


def test_empty_header_fields_are_not_sent() -> None:  # Severa's empty texts do not blank eEkonomi's
    payload = draft(ourReference="", yourReference=None, receiverAddress=None, paymentTerm=None)
    for field in ("OurReference", "YourReference", "InvoiceAddress1", "InvoiceAddress2", "TermsOfPaymentId"):
        assert field not in payload


@pytest.mark.parametrize("severa_field", InvoiceToEAccounting.ignored)
def test_an_invoice_field_not_synced_is_absent(severa_field: str) -> None:
    payload = draft(**{severa_field: "sentinel"})
    assert "sentinel" not in payload.values()
    assert all("sentinel" not in row.values() for row in payload["Rows"])


def test_postal_code_and_city_are_not_on_the_draft() -> None:  # A24: read-only on drafts
    payload = draft()
    assert "972 31" not in payload.values() and "Luleå" not in payload.values()


def test_a_customer_not_in_eaccounting_is_refused_with_the_reason() -> None:  # A2
    with pytest.raises(MappingError, match="customer 3003 is not in eEkonomi"):
        draft(customer={"guid": "cu-3", "number": 3003})


# -- the rows (C58–C60) ----------------------------------------------------------------------------------
def test_a_row_reaches_the_draft_with_its_project() -> None:  # C58, C60, A29
    assert goods(draft()) == [
        {
            "ArticleId": "A-UTV",
            "Text": "Utveckling november",
            "Quantity": Decimal("12.5"),
            "UnitPrice": Decimal("950.00"),
            "IsTextRow": False,
            "CostCenterItemId1": "I-4711",
        }
    ]


def test_the_cost_center_slot_is_the_cost_centers_number() -> None:  # A29
    references = References()
    references.cost_center_slot = 2
    row = goods(draft(references))[0]
    assert row["CostCenterItemId2"] == "I-4711" and "CostCenterItemId1" not in row


def test_a_row_without_a_project_has_no_cost_center_item() -> None:
    references = References()
    references.row_projects["r-1"] = None
    assert not any(k.startswith("CostCenterItemId") for k in goods(draft(references))[0])


@pytest.mark.parametrize(
    ("codes", "article"),
    [
        (["UTV"], "A-UTV"),  # C58: the row's code
        ([], "A-ARB"),  # C17: no code → the default article number
        (["KONS", "KONS"], "A-KONS"),  # C29: a grouped row with one code keeps it
        (["UTV", "KONS"], "A-ARB"),  # A21: several codes → the default
        ([" ", ""], "A-ARB"),
    ],
)
def test_the_rows_article(codes: list[str], article: str) -> None:
    assert goods(draft(rows=[{**ROW, "code": codes}]))[0]["ArticleId"] == article


def test_row_code_reads_the_default_from_the_settings() -> None:
    assert row_code({"code": None}, "ARB") == "ARB" and row_code({"code": None}, None) == ""


def test_rows_keep_severas_order() -> None:
    rows = [{**ROW, "guid": "r-2", "sortOrder": 2, "description": "två"}, {**ROW, "description": "ett"}]
    assert [r["Text"] for r in goods(draft(rows=rows))] == ["ett", "två"]


def test_a_quantity_with_more_than_two_decimals_is_refused() -> None:  # A28
    with pytest.raises(MappingError, match="2 decimals"):
        draft(rows=[{**ROW, "quantity": 1.125}])


def test_a_long_description_is_cut_to_2000() -> None:
    assert len(goods(draft(rows=[{**ROW, "description": "x" * 2500}]))[0]["Text"]) == 2000


@pytest.mark.parametrize("severa_field", InvoiceRowToEAccounting.ignored)
def test_a_row_field_not_synced_is_absent(severa_field: str) -> None:  # A31: the article's unit applies
    row = goods(draft(rows=[{**ROW, severa_field: "sentinel"}]))[0]
    assert "sentinel" not in row.values() and "UnitId" not in row


def test_a_row_whose_article_is_missing_is_refused() -> None:
    with pytest.raises(MappingError, match="article PL is not in eEkonomi"):
        draft(rows=[{**ROW, "code": ["PL"]}])


# -- text rows (A20) -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("where", "texts"),
    [("top", [0, 1]), ("bottom", [1, 2]), ("off", [])],
)
def test_notes_and_free_texts_become_text_rows(where: str, texts: list[int]) -> None:
    rows = draft(References(note_rows=where))["Rows"]
    assert [i for i, r in enumerate(rows) if r["IsTextRow"]] == texts
    assert [r["Text"] for r in rows if r["IsTextRow"]] == (
        ["Enligt avtal", "Tack för uppdraget"] if texts else []
    )


def test_a_free_text_given_as_plain_text_is_read_too() -> None:
    rows = draft(notes=None, freeText1=None, freeText2="Gammal form")["Rows"]
    assert rows[0] == {"IsTextRow": True, "Text": "Gammal form"}
