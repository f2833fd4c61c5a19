"""Customer invoice drafts, invoices (convert, direct POST, e-mail) and sales orders, over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from ledgerbridge.systems.eaccounting import EAccountingClient, EAccountingState
from ledgerbridge.systems.eaccounting.sandbox.chart import fiscal_year_id
from ledgerbridge.systems.errors import ApiError, NotFoundError, ValidationError
from tests.support import FakeClock

Ids = dict[str, dict[str, str]]


def row(article: str, demo: Ids, quantity: Any, **extra: Any) -> dict[str, Any]:
    return {
        "ArticleId": demo["article"][article],
        "Quantity": Decimal(str(quantity)),
        "IsTextRow": False,
        **extra,
    }


def mixed_draft(demo: Ids, customer: str = "1001", **extra: Any) -> dict[str, Any]:
    """Rows at 25 %, 12 % and 6 %, a discount, an öre rounding and a text row."""
    return {
        "CustomerId": demo["customer"][customer],
        "Rows": [
            row("SKR-18V", demo, 4, DiscountPercentage=Decimal("0.1")),  # 4 × 1995 × 0.9 = 7182.00
            row("TRS-550", demo, "2.5"),  # 322.50
            row("PLA-020", demo, "3.33", DiscountPercentage=Decimal("0.0333")),  # 59.5535535 → 59.55
            row("FIK-01", demo, 3),  # 12 %: 1185.00
            row("BOK-BBR", demo, 1, DiscountPercentage=Decimal("0.15")),  # 6 %: 296.65
            {"IsTextRow": True, "Text": "Leverans till Norra hamnen"},
        ],
        **extra,
    }


def test_draft_totals_to_the_ore(client: EAccountingClient, demo: Ids) -> None:
    draft = client.create("customerinvoicedrafts", mixed_draft(demo))
    amounts = [r["Amount"] for r in draft["Rows"]]
    assert amounts == [
        Decimal("7182"),
        Decimal("322.5"),
        Decimal("59.55"),
        Decimal("1185"),
        Decimal("296.65"),
        0,
    ]
    assert [r["VatRate"] for r in draft["Rows"]] == [
        Decimal("0.25"), Decimal("0.25"), Decimal("0.25"), Decimal("0.12"), Decimal("0.06"), None,
    ]  # fmt: skip
    # VAT per rate: 7564.05 × 25 % = 1891.0125 → 1891.01; 1185 × 12 % = 142.20; 296.65 × 6 % = 17.799 → 17.80
    assert draft["TotalVatAmount"] == Decimal("2051.01")
    assert draft["TotalAmount"] == Decimal("11096.71")  # 9045.70 net + 2051.01 VAT
    assert draft["TotalRoundings"] == 0
    first = draft["Rows"][0]
    assert first["UnitPrice"] == Decimal("1995") and first["Text"] == "Skruvdragare 18V med 2 batterier"
    assert first["ArticleNumber"] == "SKR-18V" and first["UnitAbbreviation"] == "st"
    assert draft["Rows"][5]["IsTextRow"] is True and draft["Rows"][5]["UnitPrice"] is None
    assert draft["CustomerName"] == "Byggmästarna i Luleå AB" and draft["CustomerNumber"] == "1001"
    assert draft["InvoiceAddress1"] == "Industrigatan 4" and draft["InvoiceCity"] == "Luleå"
    assert draft["InvoicePostalCode"] == "973 45"
    assert draft["TermsOfPaymentId"] == demo["terms"]["30"]
    assert draft["CreatedUtc"] == "2025-01-08T10:30:00.000Z"
    assert client.get(f"customerinvoicedrafts/{draft['Id']}") == draft


def test_draft_put_replaces_and_delete_removes(
    client: EAccountingClient, demo: Ids, clock: FakeClock
) -> None:
    draft = client.create(
        "customerinvoicedrafts", mixed_draft(demo, YourReference="Kalle", InvoiceAddress1="Box 1")
    )
    assert draft["InvoiceAddress1"] == "Box 1"
    clock.advance(30)
    replaced = client.replace(
        f"customerinvoicedrafts/{draft['Id']}",
        {
            "CustomerId": demo["customer"]["1001"],
            "Rows": [row("MON-TIM", demo, "1.5", UnitPrice=Decimal("700"))],
        },
    )
    assert replaced["Id"] == draft["Id"] and replaced["CreatedUtc"] == draft["CreatedUtc"]
    assert replaced["YourReference"] is None  # PUT is a full replace
    assert replaced["InvoiceAddress1"] == "Industrigatan 4"  # null → the customer's
    assert replaced["TotalAmount"] == Decimal("1312.5") and replaced["TotalVatAmount"] == Decimal("262.5")
    assert [d["Id"] for d in client.iter_collection("customerinvoicedrafts")] == [draft["Id"]]
    client.delete(f"customerinvoicedrafts/{draft['Id']}")
    with pytest.raises(NotFoundError):
        client.get(f"customerinvoicedrafts/{draft['Id']}")
    with pytest.raises(NotFoundError):
        client.delete(f"customerinvoicedrafts/{draft['Id']}")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"CustomerId": "00000000-0000-0000-0000-000000000001"}, "CustomerId"),
        (
            {"Rows": [{"ArticleId": "00000000-0000-0000-0000-000000000002", "Quantity": 1}]},
            "Rows[0].ArticleId",
        ),
        ({"Rows": [{"Quantity": 1, "IsTextRow": False}]}, "Rows[0].ArticleId"),
        ({"Rows": [{"IsTextRow": True, "Text": " "}]}, "Rows[0].Text"),
        ({"Rows": "quantity"}, "Rows"),
        ({"TermsOfPaymentId": "00000000-0000-0000-0000-000000000003"}, "TermsOfPaymentId"),
        ({"YourReference": "x" * 101}, "YourReference"),
    ],
)
def test_draft_validation_names_the_field(
    client: EAccountingClient, demo: Ids, change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        client.create("customerinvoicedrafts", {**mixed_draft(demo), **change})
    assert caught.value.status_code == 400 and caught.value.body["ErrorCode"] == 2000
    assert field in caught.value.errors


def test_draft_row_number_rules(client: EAccountingClient, demo: Ids) -> None:
    body = {
        "CustomerId": demo["customer"]["1001"],
        "Rows": [
            row("HAM-600", demo, "1.234"),
            row("HAM-600", demo, 1, DiscountPercentage=Decimal("1.5")),
            row("HAM-600", demo, 1, DiscountPercentage=Decimal("0.12345")),
            row("HAM-600", demo, 1, UnitPrice=Decimal("10.125")),
        ],
    }
    with pytest.raises(ValidationError) as caught:
        client.create("customerinvoicedrafts", body)
    assert set(caught.value.errors) == {
        "Rows[0].Quantity",
        "Rows[1].DiscountPercentage",
        "Rows[2].DiscountPercentage",
        "Rows[3].UnitPrice",
    }
    # A foreign customer may have four decimals in the unit price.
    ok = client.create(
        "customerinvoicedrafts",
        {
            "CustomerId": demo["customer"]["1007"],
            "Rows": [row("HAM-600", demo, 2, UnitPrice=Decimal("10.1255"))],
        },
    )
    assert ok["Rows"][0]["Amount"] == Decimal("20.25")  # 20.251 → 20.25


def test_convert_books_numbers_and_removes_the_draft(
    client: EAccountingClient, state: EAccountingState, demo: Ids
) -> None:
    draft = client.create("customerinvoicedrafts", mixed_draft(demo))
    invoice = client.action(f"customerinvoicedrafts/{draft['Id']}/convert")
    assert invoice["InvoiceNumber"] == 1001
    assert invoice["CreatedFromDraftId"] == draft["Id"]
    assert invoice["InvoiceDate"] == "2025-01-08T00:00:00Z"
    assert invoice["DueDate"] == "2025-02-07T00:00:00Z"  # 30 dagar netto
    assert invoice["TotalAmount"] == Decimal("11096.71") == invoice["RemainingAmount"]
    assert invoice["TotalVatAmount"] == Decimal("2051.01") and invoice["PaymentStatus"] == 1
    assert invoice["VatSpecification"] == [
        {
            "AmountInvoiceCurrency": Decimal("7564.05"),
            "VatAmountInvoiceCurrency": Decimal("1891.01"),
            "VatPercent": 25,
        },
        {
            "AmountInvoiceCurrency": Decimal("1185"),
            "VatAmountInvoiceCurrency": Decimal("142.2"),
            "VatPercent": 12,
        },
        {
            "AmountInvoiceCurrency": Decimal("296.65"),
            "VatAmountInvoiceCurrency": Decimal("17.8"),
            "VatPercent": 6,
        },
    ]
    assert invoice["CustomerEmail"] == "faktura@byggmastarna-lulea.se"
    with pytest.raises(NotFoundError):
        client.get(f"customerinvoicedrafts/{draft['Id']}")
    assert client.get(f"customerinvoices/{invoice['Id']}") == invoice
    assert client.get("companysettings")["NextCustomerInvoiceNumber"] == 1002

    voucher = client.get(f"vouchers/{fiscal_year_id(2025)}/{invoice['VoucherId']}")
    assert voucher["NumberAndNumberSeries"] == invoice["VoucherNumber"] == "B1"
    assert voucher["VoucherType"] == 14 and voucher["SourceId"] == invoice["Id"]
    booked = {(r["AccountNumber"], r["DebitAmount"], r["CreditAmount"]) for r in voucher["Rows"]}
    assert booked == {
        (1510, Decimal("11096.71"), 0),
        (3001, 0, Decimal("7564.05")),
        (3002, 0, Decimal("1185")),
        (3003, 0, Decimal("296.65")),
        (2611, 0, Decimal("1891.01")),
        (2621, 0, Decimal("142.2")),
        (2631, 0, Decimal("17.8")),
    }
    assert sum(r["DebitAmount"] for r in voucher["Rows"]) == sum(r["CreditAmount"] for r in voucher["Rows"])

    second = client.create("customerinvoicedrafts", mixed_draft(demo, customer="1002"))
    assert client.action(f"customerinvoicedrafts/{second['Id']}/convert", {})["InvoiceNumber"] == 1002
    assert client.get(f"customers/{demo['customer']['1001']}")["UnpaidInvoicesAmount"] == Decimal("11096.71")


def test_convert_refuses_a_future_date_and_checks_totals(client: EAccountingClient, demo: Ids) -> None:
    future = client.create("customerinvoicedrafts", mixed_draft(demo, InvoiceDate="2025-01-09"))
    with pytest.raises(ValidationError) as caught:
        client.action(f"customerinvoicedrafts/{future['Id']}/convert")
    assert caught.value.body["ErrorCode"] == 4023
    assert client.get(f"customerinvoicedrafts/{future['Id']}")["Id"] == future["Id"]  # still there
    draft = client.create("customerinvoicedrafts", mixed_draft(demo, InvoiceDate="2025-01-02"))
    with pytest.raises(ValidationError) as mismatch:
        client.action(
            f"customerinvoicedrafts/{draft['Id']}/convert",
            {"TotalAmountInvoiceCurrency": Decimal("11096.72")},
        )
    assert "TotalAmountInvoiceCurrency" in mismatch.value.errors
    invoice = client.action(
        f"customerinvoicedrafts/{draft['Id']}/convert", {"TotalAmountInvoiceCurrency": Decimal("11096.71")}
    )
    assert invoice["InvoiceDate"] == "2025-01-02T00:00:00Z" and invoice["DueDate"] == "2025-02-01T00:00:00Z"
    with pytest.raises(NotFoundError):
        client.action("customerinvoicedrafts/00000000-0000-0000-0000-000000000009/convert")


def test_invoice_date_is_today_in_stockholm(client: EAccountingClient, demo: Ids, clock: FakeClock) -> None:
    clock.now = datetime(2025, 1, 8, 23, 30, tzinfo=UTC)  # already 9 January in Sweden
    draft = client.create("customerinvoicedrafts", mixed_draft(demo, InvoiceDate="2025-01-09"))
    assert (
        client.action(f"customerinvoicedrafts/{draft['Id']}/convert")["InvoiceDate"] == "2025-01-09T00:00:00Z"
    )
    undated = client.create("customerinvoicedrafts", mixed_draft(demo))
    assert (
        client.action(f"customerinvoicedrafts/{undated['Id']}/convert")["InvoiceDate"]
        == "2025-01-09T00:00:00Z"
    )


def test_export_and_eu_customers_get_no_swedish_vat(client: EAccountingClient, demo: Ids) -> None:
    for customer, goods_account in (("1007", 3105), ("1008", 3108)):
        draft = client.create(
            "customerinvoicedrafts",
            {
                "CustomerId": demo["customer"][customer],
                "Rows": [row("HAM-600", demo, 2), row("MON-TIM", demo, 1)],
            },
        )
        assert draft["TotalVatAmount"] == 0 and draft["TotalAmount"] == Decimal("1148")
        invoice = client.action(f"customerinvoicedrafts/{draft['Id']}/convert")
        voucher = client.get(f"vouchers/{fiscal_year_id(2025)}/{invoice['VoucherId']}")
        credits = {r["AccountNumber"]: r["CreditAmount"] for r in voucher["Rows"] if r["CreditAmount"]}
        services = 3305 if customer == "1007" else 3308
        assert credits == {goods_account: Decimal("498"), services: Decimal("650")}
    # A private person in Sweden pays VAT as usual.
    private = client.create(
        "customerinvoicedrafts", {"CustomerId": demo["customer"]["1005"], "Rows": [row("HAM-600", demo, 1)]}
    )
    assert private["TotalAmount"] == Decimal("311.25") and private["CustomerIsPrivatePerson"] is True


def test_direct_invoice_and_created_from_draft(client: EAccountingClient, demo: Ids) -> None:
    invoice = client.create(
        "customerinvoices",
        {
            "CustomerId": demo["customer"]["1003"],
            "InvoiceDate": "2025-01-03",
            "Rows": [row("ARM-10", demo, "12.3456"), {"Text": "Enligt offert 42"}],
        },
    )
    assert invoice["Rows"][0]["Amount"] == Decimal("307.41")  # 12.3456 × 24.90 = 307.40544
    assert invoice["Rows"][1]["IsTextRow"] is True and invoice["Rows"][1]["VatRate"] is None
    assert invoice["DueDate"] == "2025-01-13T00:00:00Z"  # 10 dagar netto
    assert invoice["TotalAmount"] == Decimal("384.26") and invoice["CreatedFromDraftId"] is None
    draft = client.create("customerinvoicedrafts", mixed_draft(demo))
    booked = client.create(
        "customerinvoices", {"CustomerId": demo["customer"]["1001"], "CreatedFromDraftId": draft["Id"]}
    )
    assert booked["CreatedFromDraftId"] == draft["Id"] and booked["TotalAmount"] == Decimal("11096.71")
    with pytest.raises(NotFoundError):
        client.get(f"customerinvoicedrafts/{draft['Id']}")
    with pytest.raises(ValidationError) as caught:
        client.create("customerinvoices", {"CustomerId": demo["customer"]["1001"], "Rows": []})
    assert "Rows" in caught.value.errors


def test_invoice_lists_filter_and_modified_since(
    client: EAccountingClient, demo: Ids, clock: FakeClock
) -> None:
    first = client.create(
        "customerinvoices", {"CustomerId": demo["customer"]["1001"], "Rows": [row("HAM-600", demo, 1)]}
    )
    watermark = client.list_page("customerinvoices")["Meta"]["ServerTimeUtc"]
    clock.advance(10)
    second = client.create(
        "customerinvoices", {"CustomerId": demo["customer"]["1002"], "Rows": [row("HAM-600", demo, 2)]}
    )
    since = client.list_page("customerinvoices", params={"modifiedSinceUtc": "2025-01-08T10:30:05Z"})["Data"]
    assert [i["Id"] for i in since] == [second["Id"]]
    changed = list(client.iter_collection("customerinvoices", filter=f"ModifiedUtc gt {watermark}"))
    assert [i["InvoiceNumber"] for i in changed] == [1002]
    assert [i["Id"] for i in client.iter_collection("customerinvoices", filter="InvoiceNumber lt 1002")] == [
        first["Id"]
    ]
    assert len(list(client.iter_collection("customerinvoices", filter="PaymentStatus eq 1", pagesize=1))) == 2
    with pytest.raises(ValidationError):
        client.list_page("customerinvoices", params={"modifiedSinceUtc": "yesterday"})


def test_email_is_recorded(client: EAccountingClient, state: EAccountingState, demo: Ids) -> None:
    invoice = client.create(
        "customerinvoices", {"CustomerId": demo["customer"]["1001"], "Rows": [row("HAM-600", demo, 1)]}
    )
    assert client.action(f"customerinvoices/{invoice['Id']}/email") is None
    assert (
        client.action(
            f"customerinvoices/{invoice['Id']}/email",
            {
                "Email": "projekt@byggmastarna-lulea.se",
                "Subject": "Faktura #### för bygget",
                "CcRecipients": None,
            },
        )
        is None
    )
    assert [(e["InvoiceId"], e["Email"], e["Subject"]) for e in state.sent_emails] == [
        (invoice["Id"], "faktura@byggmastarna-lulea.se", "Faktura 1001 från Norrlands Verktyg & Bygg AB"),
        (invoice["Id"], "projekt@byggmastarna-lulea.se", "Faktura 1001 för bygget"),
    ]
    assert state.sent_emails[0]["Message"].startswith("Hej!")
    no_address = client.create(
        "customerinvoices", {"CustomerId": demo["customer"]["1006"], "Rows": [row("HAM-600", demo, 1)]}
    )
    with pytest.raises(ValidationError) as caught:
        client.action(f"customerinvoices/{no_address['Id']}/email", {})
    assert "Email" in caught.value.errors
    assert len(state.sent_emails) == 2
    with pytest.raises(NotFoundError):
        client.action("customerinvoices/00000000-0000-0000-0000-000000000009/email")
    draft = client.create("customerinvoicedrafts", mixed_draft(demo))
    with pytest.raises(NotFoundError):  # drafts cannot be e-mailed: the route does not exist
        client.action(f"customerinvoicedrafts/{draft['Id']}/email")


def test_orders(client: EAccountingClient, demo: Ids, clock: FakeClock) -> None:
    seeded = list(client.iter_collection("orders"))
    assert [(o["Number"], o["Status"]) for o in seeded] == [(1, 2), (2, 1)]
    assert seeded[0]["Amount"] == Decimal("15871.25")  # (7182 + 1290 + 4225) × 1.25, incl. VAT
    assert seeded[0]["VatAmount"] == Decimal("3174.25")
    watermark = client.list_page("orders")["Meta"]["ServerTimeUtc"]
    clock.advance(5)
    body = {
        "CustomerId": demo["customer"]["1004"],
        "OrderDate": "2025-01-08",
        "Status": 2,
        "Rows": [
            {
                "ArticleNumber": "TRS-550",
                "Quantity": 10,
                "DeliveredQuantity": 4,
                "IsTextRow": False,
                "LineNumber": 0,
            },
            {"IsTextRow": True, "Text": "Hämtas i butiken", "LineNumber": 1},
        ],
    }
    order = client.create("orders", body)
    assert order["Number"] == 3 and order["CustomerName"] == "Skellefteå Snickeri HB"
    assert order["Rows"][0]["ArticleId"] == demo["article"]["TRS-550"] and order["Rows"][0]["Amount"] == 1290
    assert order["Amount"] == Decimal("1612.5") and order["VatAmount"] == Decimal("322.5")
    assert order["DeliveredAmount"] == Decimal("645") and order["CurrencyCode"] == "SEK"
    assert [o["Id"] for o in client.iter_collection("orders", filter=f"ModifiedUtc gt {watermark}")] == [
        order["Id"]
    ]
    assert [o["Number"] for o in client.iter_collection("orders", filter="Status eq 2")] == [1, 3]
    clock.advance(5)
    shipped = client.replace(f"orders/{order['Id']}", {**body, "Status": 3})
    assert shipped["Status"] == 3 and shipped["Number"] == 3 and shipped["ModifiedUtc"] > order["ModifiedUtc"]
    with pytest.raises(ValidationError) as caught:
        client.create("orders", {**body, "Status": 7, "OrderDate": None})
    assert {"Status", "OrderDate"} <= set(caught.value.errors)
    with pytest.raises(ValidationError) as unknown:
        client.create("orders", {**body, "Rows": [{"ArticleNumber": "NOPE", "Quantity": 1}]})
    assert "Rows[0].ArticleNumber" in unknown.value.errors
    with pytest.raises(NotFoundError):
        client.get("orders/00000000-0000-0000-0000-000000000009")


def test_action_needs_a_token_or_auth(base_url: str) -> None:
    with pytest.raises(ValueError):
        EAccountingClient(base_url)


def test_action_errors_are_not_retried(client: EAccountingClient, demo: Ids) -> None:
    with pytest.raises(ApiError):
        client.action("customerinvoices/not-a-guid/email")
    assert client.calls == 1
