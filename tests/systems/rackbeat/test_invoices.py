"""Customer and supplier invoices in the sandbox: drafts, defaults, totals to the øre, booking, locks."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from ledgerbridge.systems.errors import NotFoundError, ValidationError
from ledgerbridge.systems.rackbeat import RackbeatClient, RackbeatState
from ledgerbridge.systems.rackbeat.sandbox import RackbeatSandboxApp

from .conftest import FakeClock, Receiver


@pytest.fixture
def shop(seeded: RackbeatState) -> RackbeatState:
    """Basics plus a customer with address and terms, a supplier, two products and a BOM."""
    seeded.add(
        "payment-terms",
        {"number": 2, "name": "Running month + 30", "type": "invoice_month", "maturity_days": 30},
    )
    seeded.add(
        "customers",
        {
            "number": 100,
            "name": "Hansen Tømrer ApS",
            "customer_group_id": 1,
            "company_vat": "DK12345678",
            "ean": "5790000000000",
            "payment_terms_id": 1,
            "layout_id": 1,
            "employee_id": 1,
            "locale": "da-DK",
            "attention": "Bogholderiet",
            "their_reference": "Bo",
            "address_street": "Vestergade 1",
            "address_zipcode": "8000",
            "address_city": "Aarhus C",
            "address_country": "Denmark",
        },
    )
    seeded.add(
        "customers",
        {"number": 200, "name": "Export GmbH", "customer_group_id": 1, "currency": "EUR", "vat_zone": "eu"},
    )
    seeded.add(
        "suppliers",
        {"number": 300, "name": "Stål A/S", "supplier_group_id": 1, "payment_terms_id": 2, "currency": "EUR"},
    )
    seeded.add("product-groups", {"number": 2, "name": "Services", "has_inventory": False})
    seeded.add(
        "products",
        {
            "number": "P1",
            "name": "Bolt",
            "group": 1,
            "unit_id": 1,
            "sales_price": "12.5",
            "recommended_cost_price": "4.25",
        },
    )
    seeded.add("products", {"number": "S1", "name": "Assembly", "group": 2, "sales_price": 400})
    seeded.add(
        "lots",
        {
            "number": "KIT",
            "name": "Bolt kit",
            "sales_price": 99,
            "lines": [{"product_id": "P1", "quantity": 4}],
        },
    )
    return seeded


def post_invoice(raw: httpx.Client, body: dict, path: str = "/customer-invoices") -> dict:
    response = raw.post(path, json=body)
    assert response.status_code == 201, response.text
    return response.json()["customer_invoice" if "customer" in path else "supplier_invoice"]


# -- totals --------------------------------------------------------------------------------------------
def test_totals_are_exact_to_the_ore_with_six_decimal_quantities_and_prices(
    raw: httpx.Client, shop: RackbeatState
) -> None:
    body = {
        "customer_id": 100,
        "lines": [
            # 2.123456 × 19.999999 = 42.469117876544; × 0.875 = 37.160478… -> 37.16; VAT 25 % = 9.29
            {
                "child_id": "P1",
                "quantity": "2.123456",
                "line_price": "19.999999",
                "discount_percentage": "12.5",
            },
            # 0.333333 × 3.000003 = 0.999999999999 -> 1.00; VAT 0.25
            {"child_id": "P1", "quantity": "0.333333", "line_price": "3.000003"},
            # 0.125 -> 0.13 (half-up; half-even would say 0.12); VAT 0.0325 -> 0.03
            {"child_id": "P1", "quantity": 1, "line_price": "0.125"},
            # 3 × 0.015 = 0.045 -> 0.05 (half-even: 0.04); VAT 0.0125 -> 0.01
            {"child_id": "P1", "quantity": 3, "line_price": "0.015"},
            # a text line without VAT: 49.50
            {"name": "Fragt", "quantity": 1, "line_price": "49.5", "vat_percentage": 0},
        ],
    }
    response = raw.post("/customer-invoices", json=body)
    assert response.status_code == 201
    invoice = response.json()["customer_invoice"]
    assert [line["line_total"] for line in invoice["lines"]] == [37.16, 1.0, 0.13, 0.05, 49.5]
    # VAT is summed per line (9.29 + 0.25 + 0.03 + 0.01 = 9.58), not taken of the subtotal (9.585 -> 9.59)
    assert '"total_subtotal":87.84' in response.text
    assert '"total_vat":9.58' in response.text
    assert '"total_total":97.42' in response.text
    assert '"quantity":2.123456' in response.text and '"line_price":19.999999' in response.text


def test_client_reads_totals_as_decimals(client: RackbeatClient, shop: RackbeatState) -> None:
    invoice = client.create(
        "customer-invoices",
        {
            "customer_id": 100,
            "lines": [{"child_id": "P1", "quantity": Decimal("1.5"), "line_price": Decimal("0.33")}],
        },
    )
    # 1.5 × 0.33 = 0.495 -> 0.50; VAT 0.125 -> 0.13
    assert invoice["lines"][0]["line_total"] == Decimal("0.5")
    assert (invoice["total_subtotal"], invoice["total_vat"], invoice["total_total"]) == (
        Decimal("0.5"),
        Decimal("0.13"),
        Decimal("0.63"),
    )


# -- drafts and defaults ---------------------------------------------------------------------------------
def test_a_draft_takes_its_defaults_from_the_customer_and_the_item(
    raw: httpx.Client, shop: RackbeatState, base_url: str
) -> None:
    shop.sub_create("customers", 100, "addresses", {"type": "invoice", "name": "Bills", "city": "Vejle"})
    shop.sub_create(
        "customers",
        100,
        "addresses",
        {"type": "delivery", "name": "Værksted", "street": "Havnen 3", "city": "Aarhus N"},
    )
    invoice = post_invoice(raw, {"customer_id": 100, "lines": [{"child_id": "P1", "quantity": 2}]})
    assert invoice["number"] == 1 and invoice["is_booked"] is False and invoice["booked_at"] is None
    assert invoice["customer_id"] == 100
    assert invoice["customer"] == {"number": 100, "name": "Hansen Tømrer ApS"}
    assert invoice["our_reference"] == {"number": 1, "name": "Ada Lovelace"}
    assert (invoice["invoice_date"], invoice["due_date"]) == ("2025-01-08", "2025-01-16")  # net 8 days
    assert (invoice["currency"], invoice["currency_rate"], invoice["vat_zone"]) == ("DKK", 100, "domestic")
    assert (invoice["layout_id"], invoice["payment_terms_id"]) == (1, 1)
    assert (invoice["ean"], invoice["company_vat"], invoice["locale"]) == (
        "5790000000000",
        "DK12345678",
        "da-DK",
    )
    assert (invoice["attention"], invoice["their_reference"]) == ("Bogholderiet", "Bo")
    assert invoice["address_name"] == "Hansen Tømrer ApS"
    assert (invoice["address_street"], invoice["address_zipcode"], invoice["address_city"]) == (
        "Vestergade 1",
        "8000",
        "Aarhus C",
    )
    assert (invoice["delivery_address_name"], invoice["delivery_address_street"]) == ("Værksted", "Havnen 3")
    assert invoice["is_sent"] is False and invoice["self"] == f"{base_url}/customer-invoices/1"
    [line] = invoice["lines"]
    assert line["child_id"] == "P1" and line["child_type"] == "product" and line["name"] == "Bolt"
    assert (line["line_price"], line["vat_percentage"], line["discount_percentage"], line["unit_id"]) == (
        12.5,
        25,
        0,
        1,
    )
    assert line["line_total"] == 25 and isinstance(line["id"], int)
    assert invoice["total_total"] == 31.25
    for field in ("project", "other_reference", "heading", "note", "delivery_terms", "delivery_date"):
        assert invoice[field] is None


def test_given_fields_win_and_a_foreign_currency_gets_a_rate(raw: httpx.Client, shop: RackbeatState) -> None:
    invoice = post_invoice(
        raw,
        {
            "number": 5000,
            "customer_id": 200,
            "invoice_date": "2025-02-10",
            "heading": "Order 77",
            "project": "P-17",
            "other_reference": "PO-1",
            "our_reference": {"number": 1},
            "lines": [{"child_id": "KIT", "quantity": 1}],
        },
    )
    assert invoice["number"] == 5000
    assert (invoice["currency"], invoice["currency_rate"], invoice["vat_zone"]) == ("EUR", 745.5, "eu")
    assert invoice["due_date"] == "2025-02-10"  # no payment terms: due at once
    assert (invoice["heading"], invoice["project"], invoice["other_reference"]) == (
        "Order 77",
        "P-17",
        "PO-1",
    )
    [line] = invoice["lines"]
    assert (line["child_id"], line["child_type"], line["line_price"], line["vat_percentage"]) == (
        "KIT",
        "lot",
        99,
        0,
    )
    assert post_invoice(raw, {"customer_id": 200})["number"] == 5001  # max + 1; lines may wait on a draft
    refused = raw.post("/customer-invoices", json={"customer_id": 100, "currency": "CHF"})
    assert refused.status_code == 422 and list(refused.json()["errors"]) == ["currency_rate"]
    chf = post_invoice(raw, {"customer_id": 100, "currency": "CHF", "currency_rate": "689.12"})
    assert chf["currency_rate"] == 689.12
    assert raw.post("/customer-invoices", json={"number": 5000, "customer_id": 100}).json() == {
        "errors": {"number": ["The number has already been taken."]}
    }


def test_invoice_month_terms_fall_due_after_the_end_of_the_month(
    raw: httpx.Client, shop: RackbeatState
) -> None:
    invoice = post_invoice(raw, {"customer_id": 100, "payment_terms_id": 2, "invoice_date": "2025-02-10"})
    assert invoice["due_date"] == "2025-03-30"  # 28 February + 30 days


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"lines": []}, {"customer_id": ["The customer id field is required."]}),
        ({"customer_id": 999}, {"customer_id": ["The selected customer id is invalid."]}),
        (
            {"customer_id": 100, "lines": [{"child_id": "NOPE", "quantity": 1}]},
            {"lines.0.child_id": ["The selected lines.0.child id is invalid."]},
        ),
        (
            {"customer_id": 100, "lines": [{"child_id": "P1"}]},
            {"lines.0.quantity": ["The lines.0.quantity field is required."]},
        ),
        (
            {"customer_id": 100, "lines": [{"child_id": "P1", "quantity": "1.1234567"}]},
            {"lines.0.quantity": ["The lines.0.quantity field must have 0-6 decimal places."]},
        ),
        (
            {"customer_id": 100, "lines": [{"quantity": 1}]},
            {"lines.0.name": ["The lines.0.name field is required when lines.0.child id is not present."]},
        ),
        (
            {"customer_id": 100, "lines": [{"child_id": "P1", "quantity": 1, "discount_percentage": 101}]},
            {
                "lines.0.discount_percentage": [
                    "The lines.0.discount percentage field must be between 0 and 100."
                ]
            },
        ),
        (
            {"customer_id": 100, "lines": [{"child_id": "P1", "child_type": "lot", "quantity": 1}]},
            {"lines.0.child_id": ["The selected lines.0.child id is invalid."]},
        ),
        ({"customer_id": 100, "lines": "P1"}, {"lines": ["The lines field must be an array."]}),
        (
            {"customer_id": 100, "invoice_date": "08-01-2025", "vat_zone": "moon"},
            {
                "invoice_date": ["The invoice date field must be a valid date."],
                "vat_zone": ["The selected vat zone is invalid."],
            },
        ),
    ],
)
def test_validation_is_laravel_style(
    raw: httpx.Client, shop: RackbeatState, body: dict, errors: dict
) -> None:
    response = raw.post("/customer-invoices", json=body)
    assert response.status_code == 422
    assert response.json() == {"errors": errors}


def test_legacy_line_names_work_too(raw: httpx.Client, shop: RackbeatState) -> None:
    invoice = post_invoice(
        raw,
        {
            "customer_id": 100,
            "lines": [
                {"product_id": "P1", "quantity": 1},
                {"lot_id": "KIT", "quantity": 1},
                {"item_id": "S1", "quantity": 1},
            ],
        },
    )
    assert [(line["child_id"], line["child_type"]) for line in invoice["lines"]] == [
        ("P1", "product"),
        ("KIT", "lot"),
        ("S1", "product"),
    ]


def test_a_draft_can_change_and_be_deleted(raw: httpx.Client, shop: RackbeatState) -> None:
    invoice = post_invoice(raw, {"customer_id": 100, "lines": [{"child_id": "P1", "quantity": 1}]})
    first_line = invoice["lines"][0]
    changed = raw.put(
        f"/customer-invoices/{invoice['number']}",
        json={"heading": "New", "lines": [first_line, {"name": "Extra", "quantity": 2, "line_price": 10}]},
    )
    assert changed.status_code == 200
    lines = changed.json()["customer_invoice"]["lines"]
    assert lines[0]["id"] == first_line["id"]  # a line sent back with its id keeps it
    assert [line["name"] for line in lines] == ["Bolt", "Extra"]
    assert changed.json()["customer_invoice"]["total_subtotal"] == 32.5
    assert raw.delete(f"/customer-invoices/{invoice['number']}").json() == {}
    assert raw.get(f"/customer-invoices/{invoice['number']}").status_code == 404


# -- booking --------------------------------------------------------------------------------------------
def test_booking_locks_everything_but_is_sent(
    raw: httpx.Client, client: RackbeatClient, shop: RackbeatState, moving_clock: FakeClock
) -> None:
    invoice = post_invoice(raw, {"customer_id": 100, "lines": [{"child_id": "P1", "quantity": 2}]})
    number = invoice["number"]
    moving_clock.advance(3600)
    booked = client.book("customer-invoices", number)
    assert booked["is_booked"] is True and booked["booked_at"] == "2025-01-08T11:30:00+00:00"
    assert booked["updated_at"] == booked["booked_at"]
    refused = raw.put(f"/customer-invoices/{number}", json={"heading": "Too late"})
    assert refused.status_code == 422
    assert refused.json() == {
        "message": "A booked invoice cannot be changed.",
        "errors": {"is_booked": ["A booked invoice cannot be changed."]},
    }
    lines = raw.put(f"/customer-invoices/{number}", json={"lines": [{"child_id": "P1", "quantity": 3}]})
    assert lines.status_code == 422
    sent = raw.put(f"/customer-invoices/{number}", json={"is_sent": True})
    assert sent.status_code == 200 and sent.json()["customer_invoice"]["is_sent"] is True
    # A GET body sent back unchanged is no change, so it is allowed.
    body = raw.get(f"/customer-invoices/{number}").json()["customer_invoice"]
    assert raw.put(f"/customer-invoices/{number}", json=body).status_code == 200
    deleted = raw.delete(f"/customer-invoices/{number}")
    assert deleted.status_code == 422 and deleted.json()["errors"] == {
        "is_booked": ["A booked invoice cannot be deleted."]
    }
    with pytest.raises(ValidationError) as caught:
        client.book("customer-invoices", number)
    assert caught.value.errors == {"is_booked": ["The invoice is already booked."]}


def test_booking_needs_lines_and_an_existing_invoice(client: RackbeatClient, shop: RackbeatState) -> None:
    empty = client.create("customer-invoices", {"customer_id": 100})
    with pytest.raises(ValidationError) as caught:
        client.book("customer-invoices", empty["number"])
    assert caught.value.errors == {"lines": ["The invoice must have at least one line."]}
    with pytest.raises(NotFoundError):
        client.book("customer-invoices", 424242)


def test_booking_can_mark_sent_and_takes_stock_out(raw: httpx.Client, shop: RackbeatState) -> None:
    shop.adjust_stock("P1", 100, unit_cost=5)
    invoice = post_invoice(
        raw,
        {
            "customer_id": 100,
            "lines": [
                {"child_id": "P1", "quantity": "2.5"},
                {"child_id": "KIT", "quantity": 2},  # 2 kits of 4 bolts
                {"child_id": "S1", "quantity": 1},  # a service: no inventory
            ],
        },
    )
    booked = raw.post(f"/customer-invoices/{invoice['number']}/book", json={"mail": {"send": True}})
    assert booked.status_code == 200
    assert booked.json()["customer_invoice"]["is_sent"] is True
    assert shop.get("products", "P1")["stock_quantity"] == Decimal("89.5")
    assert [(i["type"], i["quantity"]) for i in shop.ledger("P1")][1:] == [
        ("sale", Decimal("-2.5")),
        ("sale", -8),
    ]


def test_draft_and_booked_filters_and_the_pdf(
    raw: httpx.Client, client: RackbeatClient, shop: RackbeatState
) -> None:
    draft = post_invoice(
        raw, {"customer_id": 100, "invoice_date": "2025-01-02", "lines": [{"name": "a", "quantity": 1}]}
    )
    booked = post_invoice(
        raw, {"customer_id": 100, "invoice_date": "2025-01-05", "lines": [{"name": "b", "quantity": 1}]}
    )
    client.book("customer-invoices", booked["number"])

    def numbers(**params: str) -> list[int]:
        response = raw.get("/customer-invoices", params=params)
        assert response.status_code == 206
        return [i["number"] for i in response.json()["customer_invoices"]]

    assert numbers(is_booked="true") == [booked["number"]]
    assert numbers(is_booked="false") == [draft["number"]]
    assert numbers(invoice_date_from="2025-01-03") == [booked["number"]]
    assert numbers(invoice_date_to="2025-01-02 00:00:00") == [draft["number"]]
    assert numbers(number_from=str(booked["number"])) == [booked["number"]]
    assert raw.get(f"/customer-invoices/{draft['number']}.pdf").status_code == 404
    pdf = client.get_pdf("customer-invoices", booked["number"])
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    with pytest.raises(NotFoundError):
        client.get_pdf("customer-invoices", draft["number"])


def test_invoice_events(
    client: RackbeatClient, shop: RackbeatState, hooks: RackbeatSandboxApp, receiver: Receiver
) -> None:
    for event in (
        "customer_invoice.created",
        "customer_invoice.booked",
        "supplier_invoice.created",
        "supplier_invoice.booked",
    ):
        client.subscribe_webhook(event, receiver.url())
    first = client.create("customer-invoices", {"customer_id": 100, "lines": [{"name": "x", "quantity": 1}]})
    client.update("customer-invoices", first["number"], {"heading": "no event for this"})
    client.book("customer-invoices", first["number"])
    second = shop.create(
        "customer-invoices", {"customer_id": 100, "lines": [{"name": "y", "quantity": 1}]}
    )  # seeded quietly...
    shop.book_customer_invoice(second["number"])  # ...and booked by a user in the UI
    supplier = client.create(
        "supplier-invoices", {"supplier_id": 300, "lines": [{"name": "z", "quantity": 1}]}
    )
    shop.book_supplier_invoice(supplier["number"])
    assert hooks.webhooks.flush(5)
    assert receiver.events() == [
        ("customer_invoice.created", "1"),
        ("customer_invoice.booked", "1"),
        ("customer_invoice.booked", "2"),
        ("supplier_invoice.created", "1"),
        ("supplier_invoice.booked", "1"),
    ]


# -- supplier invoices ------------------------------------------------------------------------------------
def test_supplier_invoice_shape_defaults_and_receiving_stock(
    raw: httpx.Client, client: RackbeatClient, shop: RackbeatState
) -> None:
    invoice = post_invoice(
        raw,
        {
            "supplier_id": 300,
            "invoice_number": "F-2025-001",
            "invoice_date": "2025-01-06",
            "their_reference": "Kim",
            "lines": [
                {"child_id": "P1", "quantity": 10, "line_price": "2", "discount_percentage": 10},
                {"child_id": "S1", "quantity": 1, "line_price": "50"},
                {"name": "Freight", "quantity": 1, "line_price": "7.5"},
            ],
        },
        path="/supplier-invoices",
    )
    assert invoice["supplier"] == {"number": 300, "name": "Stål A/S"}
    assert (invoice["supplier_id"], invoice["invoice_number"], invoice["their_reference"]) == (
        300,
        "F-2025-001",
        "Kim",
    )
    assert (invoice["currency"], invoice["currency_rate"], invoice["payment_terms_id"]) == ("EUR", 745.5, 2)
    assert invoice["due_date"] == "2025-03-02"  # end of January + 30 days
    assert [line["product_group"] for line in invoice["lines"]] == [1, 2, None]
    assert [line["line_total"] for line in invoice["lines"]] == [18, 50, 7.5]
    assert (invoice["total_subtotal"], invoice["total_vat"], invoice["total_total"]) == (75.5, 18.88, 94.38)
    assert invoice["is_booked"] is False and invoice["is_received"] is False
    default_price = post_invoice(
        raw, {"supplier_id": 300, "lines": [{"child_id": "P1", "quantity": 1}]}, path="/supplier-invoices"
    )
    assert default_price["lines"][0]["line_price"] == 4.25  # the product's recommended cost price

    booked = client.book(
        "supplier-invoices", invoice["number"], {"mark_received": True, "use_invoice_date": True}
    )
    assert booked["is_booked"] is True and booked["is_received"] is True
    # 10 bolts at 2 EUR less 10 % = 1.8 EUR = 13.419 DKK each, dated the invoice date
    product = client.get("products", "P1")
    assert product["stock_quantity"] == 10 and product["cost_price"] == Decimal("13.419")
    [receipt] = client.iter_ledger("P1")
    assert (receipt["type"], receipt["date"], receipt["value"]) == (
        "purchase",
        "2025-01-06T00:00:00+00:00",
        Decimal("134.19"),
    )
    refused = raw.put(f"/supplier-invoices/{invoice['number']}", json={"invoice_number": "F-2"})
    assert refused.status_code == 422
    # booked without mark_received: no stock moves
    client.book("supplier-invoices", default_price["number"])
    assert client.get("products", "P1")["stock_quantity"] == 10


def test_supplier_invoice_validation(raw: httpx.Client, shop: RackbeatState) -> None:
    response = raw.post(
        "/supplier-invoices", json={"supplier_id": 1234, "lines": [{"child_id": "P9", "quantity": 1}]}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "supplier_id": ["The selected supplier id is invalid."],
        "lines.0.child_id": ["The selected lines.0.child id is invalid."],
    }


def test_items_on_invoices_cannot_be_deleted_and_renumbering_follows(
    raw: httpx.Client, shop: RackbeatState
) -> None:
    post_invoice(raw, {"customer_id": 100, "lines": [{"child_id": "S1", "quantity": 1}]})
    refused = raw.delete("/products/S1")
    assert refused.status_code == 422
    assert refused.json()["errors"]["number"] == [
        "The product cannot be deleted because it is used by 1 customer invoice."
    ]
    customer = raw.delete("/customers/100")
    assert customer.status_code == 422
    raw.put("/products/S1", json={"number": "S2"})
    assert raw.get("/customer-invoices/1").json()["customer_invoice"]["lines"][0]["child_id"] == "S2"


# -- the field names the integration is written against ------------------------------------------------
CUSTOMER_INVOICE_FIELDS = """
id number customer_id customer invoice_date due_date currency currency_rate heading note our_reference
their_reference other_reference project attention ean company_vat vat_zone layout_id payment_terms_id
address_name address_street address_street2 address_zipcode address_city address_country
delivery_address_name delivery_address_street delivery_address_street2 delivery_address_zipcode
delivery_address_city delivery_address_country delivery_terms delivery_date locale lines
total_subtotal total_vat total_total is_booked booked_at is_sent created_at updated_at self
""".split()
SUPPLIER_INVOICE_FIELDS = """
id number supplier_id supplier invoice_number invoice_date due_date currency currency_rate heading note
their_reference our_reference other_reference project vat_zone layout_id payment_terms_id lines
total_subtotal total_vat total_total is_booked booked_at created_at updated_at self
""".split()
LINE_FIELDS = """
id child_id child_type name quantity line_price discount_percentage vat_percentage unit_id line_total
""".split()


def test_the_contracted_field_names(client: RackbeatClient, shop: RackbeatState) -> None:
    line = {"child_id": "P1", "quantity": 1}
    customer_invoice = client.create("customer-invoices", {"customer_id": 100, "lines": [line]})
    assert set(CUSTOMER_INVOICE_FIELDS) <= set(customer_invoice)
    assert set(LINE_FIELDS) <= set(customer_invoice["lines"][0])
    supplier_invoice = client.create("supplier-invoices", {"supplier_id": 300, "lines": [line]})
    assert set(SUPPLIER_INVOICE_FIELDS) <= set(supplier_invoice)
    assert {*LINE_FIELDS, "product_group"} <= set(supplier_invoice["lines"][0])
    lot = client.get("lots", "KIT")
    assert {
        "number",
        "urlfriendly_number",
        "name",
        "description",
        "sales_price",
        "recommended_sales_price",
        "cost_price",
        "recommended_cost_price",
        "barcode",
        "group",
        "group_id",
        "unit",
        "unit_id",
        "is_barred",
        "department_id",
        "lines",
        "type",
    } <= set(lot)
    assert {"id", "product_id", "quantity"} <= set(lot["lines"][0])
    contact = client.create_sub("customers", 100, "contacts", {"name": "Bo"})
    assert {"number", "name", "contact_email", "contact_phone", "role"} <= set(contact)
    address = client.create_sub("customers", 100, "addresses", {"type": "delivery"})
    assert {"id", "type", "name", "street", "street2", "zipcode", "city", "country"} <= set(address)
    valuation = client.get_valuation()
    assert set(valuation) == {"date", "total_value", "currency", "groups"}
    assert set(valuation["groups"][0]) == {"number", "name", "value"}
