"""Invoices, journals, sub-resources and the OpenAPI writes against e-conomic's published schemas.

Every GET document the new endpoints answer and every write payload the integration (and
``EconomicClient``) sends is validated with the draft-03 schemas (``maxDecimal`` enforced, see
``test_contract.py``) or, for the OpenAPI services, with the components of their OpenAPI files.

Known problems in the published files, and how these tests deal with them:

- ``journals.journalNumber.get`` gives ``settings.voucherNumbers.maximumVoucherNumber`` a *minimum* of
  999999999 (the collection schema says *maximum*, as the docs do); the test corrects it to maximum.
- ``invoices.drafts.post`` has no ``recipient.cvr``; the payloads here leave it out (the sandbox
  accepts it as an extension).
- draft-03 knows no ``oneOf``, so ``paymentDetails.paymentType``'s alternatives are not checked.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from ledgerbridge.systems.economic import EconomicClient, EconomicState
from ledgerbridge.systems.economic.sandbox.resources import BOOKED_STATE_FILTERS, SPECS

from .builders import call, doc, finance_voucher, line, supplier_invoice, voucher
from .test_contract import assert_valid, schema

pytestmark = pytest.mark.contract
D = Decimal


@pytest.fixture(scope="module")
def economic_specs(specs_dir: Path) -> Path:
    return specs_dir / "economic"


def s(specs: Path, name: str) -> dict[str, Any]:
    return schema(specs, name)


def json_doc(value: Any) -> Any:
    """A payload as it goes on the wire (Decimals as numbers), for validation."""
    return json.loads(json.dumps(value, default=float))


def get_ok(base_url: str, path: str, **params: Any) -> Any:
    response = call(base_url, "GET", path, params=params or None)
    assert response.status_code == 200, response.text
    return doc(response)


def oas(specs: Path, service: str, component: str) -> Draft4Validator:
    spec = json.loads((specs / "openapi" / f"openapi-{service}.json").read_text(encoding="utf-8"))
    return Draft4Validator({"$ref": f"#/components/schemas/{component}", "components": spec["components"]})


def rich_draft(state: EconomicState) -> dict[str, Any]:
    """A draft invoice using every part of the document the integration may send."""
    contact = state.add_contact(1, {"name": "Jens Hansen"})["customerContactNumber"]
    location = state.add_delivery_location(1, {"address": "Byggepladsen 4", "postalCode": "8200"})
    return {
        "date": "2026-02-01",
        "currency": "DKK",
        "customer": {"customerNumber": 1},
        "layout": {"layoutNumber": 19},
        "paymentTerms": {"paymentTermsNumber": 1},
        "recipient": {
            "name": "Hansens Byg ApS",
            "address": "Vestergade 1",
            "zip": "8000",
            "city": "Aarhus C",
            "country": "Danmark",
            "ean": "5790000123457",
            "publicEntryNumber": "PO-17",
            "attention": {"customerContactNumber": contact},
            "vatZone": {"vatZoneNumber": 1},
            "nemHandelType": "ean",
        },
        "delivery": {
            "address": "Byggepladsen 4",
            "zip": "8200",
            "city": "Aarhus N",
            "country": "Danmark",
            "deliveryTerms": "Frit leveret",
            "deliveryDate": "2026-02-03",
        },
        "deliveryLocation": {"deliveryLocationNumber": location["deliveryLocationNumber"]},
        "notes": {"heading": "Ordre 1001", "textLine1": "Tak for ordren", "textLine2": "Betaling: 8 dage"},
        "references": {
            "customerContact": {"customerContactNumber": contact},
            "salesPerson": {"employeeNumber": 1},
            "vendorReference": {"employeeNumber": 2},
            "other": "rackbeat:order:1001",
        },
        "project": {"projectNumber": 5},
        "lines": [
            {
                "lineNumber": 1,
                "sortKey": 1,
                "product": {"productNumber": "1"},
                "description": "T-shirt",
                "unit": {"unitNumber": 1},
                "quantity": D("3"),
                "unitNetPrice": D("149.95"),
                "discountPercentage": D("10"),
                "unitCostPrice": D("40"),
            },
            {
                "lineNumber": 2,
                "sortKey": 2,
                "description": "Fragt",
                "quantity": D("1"),
                "unitNetPrice": D("99.99"),
            },
            {
                "lineNumber": 3,
                "sortKey": 3,
                "description": "Abonnement",
                "quantity": D("1"),
                "unitNetPrice": D("12.5"),
                "accrual": {"startDate": "2026-02-01", "endDate": "2026-12-31"},
            },
        ],
    }


# -- draft invoices and booking --------------------------------------------------------------------


def test_draft_invoice_payloads_and_documents(
    economic_specs: Path, base_url: str, state: EconomicState
) -> None:
    payload = rich_draft(state)
    assert_valid(
        json_doc(payload), s(economic_specs, "invoices.drafts.post"), "POST /invoices/drafts payload"
    )
    created = call(base_url, "POST", "/invoices/drafts", json=payload)
    assert created.status_code == 201, created.text
    single = s(economic_specs, "invoices.drafts.draftInvoiceNumber.get")
    assert_valid(created.json(), single, "POST /invoices/drafts answer")
    put_payload = copy.deepcopy(payload)
    put_payload["draftInvoiceNumber"] = 1
    put_payload["lines"] = put_payload["lines"][:2]
    assert_valid(
        json_doc(put_payload), s(economic_specs, "invoices.drafts.draftInvoiceNumber.put"), "PUT payload"
    )
    replaced = call(base_url, "PUT", "/invoices/drafts/1", json=put_payload)
    assert replaced.status_code == 200, replaced.text
    assert_valid(replaced.json(), single, "PUT /invoices/drafts/1 answer")
    lines = {"lines": [line("1", 2, D("10.5"), sortKey=3)]}
    assert_valid(
        json_doc(lines), s(economic_specs, "invoices.drafts.draftInvoiceNumber.lines.post"), "lines payload"
    )
    assert call(base_url, "POST", "/invoices/drafts/1/lines", json=lines).status_code == 201
    assert_valid(get_ok(base_url, "/invoices/drafts/1"), single, "GET /invoices/drafts/1")
    minimal = {
        k: v for k, v in payload.items() if k in ("date", "currency", "customer", "layout", "paymentTerms")
    }
    minimal["recipient"] = {"name": "Hansens Byg ApS", "vatZone": {"vatZoneNumber": 1}}
    assert call(base_url, "POST", "/invoices/drafts", json=minimal).status_code == 201
    collection = get_ok(base_url, "/invoices/drafts")
    assert len(collection["collection"]) == 2
    assert_valid(collection, s(economic_specs, "invoices.drafts.get"), "GET /invoices/drafts")
    assert_valid(
        get_ok(base_url, "/customers/1/invoices/drafts"),
        s(economic_specs, "customers.customerNumber.invoices.drafts.get"),
        "GET /customers/1/invoices/drafts",
    )


def test_booking_payloads_and_booked_documents(
    economic_specs: Path, base_url: str, state: EconomicState
) -> None:
    payload = rich_draft(state)
    for _ in range(3):
        assert call(base_url, "POST", "/invoices/drafts", json=payload).status_code == 201
    booking = {
        "draftInvoice": {"draftInvoiceNumber": 1, "self": f"{base_url}/invoices/drafts/1"},
        "sendBy": "EAN",
    }
    assert_valid(booking, s(economic_specs, "invoices.booked.post"), "POST /invoices/booked payload")
    booked = call(base_url, "POST", "/invoices/booked", json=booking)
    assert booked.status_code == 201, booked.text
    single = s(economic_specs, "invoices.booked.bookedInvoiceNumber.get")
    assert_valid(booked.json(), single, "POST /invoices/booked answer")
    with_number = {"draftInvoice": {"draftInvoiceNumber": 2}, "bookWithNumber": 50}
    assert_valid(with_number, s(economic_specs, "invoices.booked.post"), "bookWithNumber payload")
    assert call(base_url, "POST", "/invoices/booked", json=with_number).status_code == 201
    by_put = {"draftInvoice": {"draftInvoiceNumber": 3}}
    assert_valid(
        by_put, s(economic_specs, "invoices.booked.bookWithNumber.put"), "PUT bookWithNumber payload"
    )
    assert call(base_url, "PUT", "/invoices/booked/60", json=by_put).status_code == 201
    state.pay_invoice(50)
    assert_valid(get_ok(base_url, "/invoices/booked/1"), single, "GET /invoices/booked/1")
    assert_valid(
        get_ok(base_url, "/invoices/booked"), s(economic_specs, "invoices.booked.get"), "GET /invoices/booked"
    )
    for view in ("paid", "unpaid", "overdue", "not-due"):
        assert_valid(get_ok(base_url, f"/invoices/{view}"), s(economic_specs, f"invoices.{view}.get"), view)
    sent = get_ok(base_url, "/invoices/sent")
    assert len(sent["collection"]) == 1
    assert_valid(sent, s(economic_specs, "invoices.sent.get"), "GET /invoices/sent")
    assert_valid(
        get_ok(base_url, "/invoices/sent/1"),
        s(economic_specs, "invoices.sent.id.get"),
        "GET /invoices/sent/1",
    )
    assert_valid(
        get_ok(base_url, "/customers/1/invoices/booked"),
        s(economic_specs, "customers.customerNumber.invoices.booked.get"),
        "GET /customers/1/invoices/booked",
    )


# -- journals --------------------------------------------------------------------------------------


def test_journal_documents_and_voucher_payloads(
    economic_specs: Path, base_url: str, state: EconomicState
) -> None:
    assert_valid(get_ok(base_url, "/journals"), s(economic_specs, "journals.get"), "GET /journals")
    journal_schema = s(economic_specs, "journals.journalNumber.get")
    numbers = journal_schema["properties"]["settings"]["properties"]["voucherNumbers"]["properties"]
    numbers["maximumVoucherNumber"] = {
        "type": "integer",
        "maximum": numbers["maximumVoucherNumber"].pop("minimum"),
    }
    for number in (1, 2, 3):
        assert_valid(get_ok(base_url, f"/journals/{number}"), journal_schema, f"GET /journals/{number}")
    assert_valid(get_ok(base_url, "/accounting-years"), s(economic_specs, "accounting-years.get"), "years")
    assert_valid(
        get_ok(base_url, "/accounting-years/2026"),
        s(economic_specs, "accounting-years.accountingYear.get"),
        "2026",
    )

    post_schema = s(economic_specs, "journals.journalNumber.vouchers.post")
    state.add_contact(1, {"name": "x"})
    vouchers = [
        {
            **voucher(
                supplierInvoices=[
                    supplier_invoice(
                        contraVatAccount={"vatCode": "I25"},
                        paymentDetails={"paymentType": {"paymentTypeNumber": 1}},
                    ),
                    supplier_invoice(
                        supplier=2, amount=-1000, currency={"code": "SEK"}, exchangeRate=D("68.5")
                    ),
                ],
                financeVouchers=[finance_voucher(1250, 5510, D("312.5"))],
                supplierPayments=[
                    {
                        "supplier": {"supplierNumber": 1},
                        "supplierInvoiceNumber": "F-1",
                        "amount": 1250,
                        "contraAccount": {"accountNumber": 5700},
                        "date": "2026-02-05",
                        "text": "Betaling",
                    }
                ],
                customerPayments=[
                    {
                        "customer": {"customerNumber": 1},
                        "customerInvoice": 1,
                        "amount": -125,
                        "contraAccount": {"accountNumber": 5700},
                        "date": "2026-02-05",
                        "text": "Indbetaling",
                    }
                ],
                manualCustomerInvoices=[
                    {
                        "customer": {"customerNumber": 1},
                        "customerInvoice": 900,
                        "amount": 500,
                        "contraAccount": {"accountNumber": 1100},
                        "date": "2026-02-05",
                        "dueDate": "2026-02-13",
                        "text": "Manuel faktura",
                    }
                ],
            ),
            "journal": {"journalNumber": 1},
        },
        voucher(financeVouchers=[finance_voucher(1250, None, 5), finance_voucher(5510, None, -5)]),
    ]
    for index, body in enumerate(vouchers):
        assert_valid(json_doc(body), post_schema, f"voucher payload {index}")
    created = call(base_url, "POST", "/journals/1/vouchers", json=vouchers)
    assert created.status_code == 201, created.text
    item_schema = s(economic_specs, "journals.journalNumber.vouchers.accountingYear-voucherNumber.get")
    for answer in created.json():
        assert_valid(answer, item_schema, "POST /journals/1/vouchers answer item")
    assert_valid(
        get_ok(base_url, "/journals/1/vouchers"),
        s(economic_specs, "journals.journalNumber.vouchers.get"),
        "vouchers",
    )
    assert_valid(get_ok(base_url, "/journals/1/vouchers/2026-1"), item_schema, "GET voucher 2026-1")
    entries = get_ok(base_url, "/journals/1/entries")
    assert len(entries["collection"]) == 8
    assert_valid(entries, s(economic_specs, "journals.journalNumber.entries.get"), "GET entries")
    assert_valid(
        get_ok(base_url, "/journals/1/entries/1"),
        s(economic_specs, "journals.journalNumber.entries.entryNumber.get"),
        "entry 1",
    )


# -- customers' sub-resources and master data -------------------------------------------------------


def test_contact_and_delivery_location_payloads(
    economic_specs: Path, base_url: str, state: EconomicState
) -> None:
    contact = {
        "name": "Jens Hansen",
        "email": "jh@hansensbyg.dk",
        "phone": "+45 20 30 40 50",
        "eInvoiceId": "5790000123457",
        "notes": "Indkøber",
        "emailNotifications": ["invoices", "reminders"],
    }
    assert_valid(contact, s(economic_specs, "customers.customerNumber.contacts.post"), "contact POST payload")
    created = call(base_url, "POST", "/customers/1/contacts", json=contact)
    assert created.status_code == 201, created.text
    contact_schema = s(economic_specs, "customers.customerNumber.contacts.contactNumber.get")
    assert_valid(created.json(), contact_schema, "contact POST answer")
    put = {**contact, "customerContactNumber": 1, "customer": {"customerNumber": 1}}
    assert_valid(
        put, s(economic_specs, "customers.customerNumber.contacts.contactNumber.put"), "contact PUT payload"
    )
    replaced = call(base_url, "PUT", "/customers/1/contacts/1", json=put)
    assert replaced.status_code == 200 and replaced.json()["emailNotifications"] == ["invoices", "reminders"]
    assert_valid(replaced.json(), contact_schema, "contact PUT answer")
    assert_valid(
        get_ok(base_url, "/customers/1/contacts"),
        s(economic_specs, "customers.customerNumber.contacts.get"),
        "contacts",
    )

    location = {
        "address": "Byggepladsen 4",
        "postalCode": "8200",
        "city": "Aarhus N",
        "country": "Danmark",
        "termsOfDelivery": "Frit leveret",
        "sortKey": 1,
    }
    assert_valid(
        location, s(economic_specs, "customers.customerNumber.delivery-locations.post"), "location POST"
    )
    made = call(base_url, "POST", "/customers/1/delivery-locations", json=location)
    assert made.status_code == 201, made.text
    location_schema = s(
        economic_specs, "customers.customerNumber.delivery-locations.deliveryLocationNumber.get"
    )
    assert_valid(made.json(), location_schema, "location POST answer")
    put_location = {**location, "barred": True}
    assert_valid(
        put_location,
        s(economic_specs, "customers.customerNumber.delivery-locations.deliveryLocationNumber.put"),
        "PUT",
    )
    assert_valid(
        call(base_url, "PUT", "/customers/1/delivery-locations/1", json=put_location).json(),
        location_schema,
        "PUT",
    )
    assert_valid(
        get_ok(base_url, "/customers/1/delivery-locations"),
        s(economic_specs, "customers.customerNumber.delivery-locations.get"),
        "locations",
    )

    customer = {
        "name": "Hansens Byg ApS",
        "currency": "DKK",
        "customerGroup": {"customerGroupNumber": 1},
        "paymentTerms": {"paymentTermsNumber": 1},
        "vatZone": {"vatZoneNumber": 1},
        "attention": {"customerContactNumber": 1},
        "customerContact": {"customerContactNumber": 1},
        "defaultDeliveryLocation": {"deliveryLocationNumber": 1},
    }
    assert_valid(customer, s(economic_specs, "customers.customerNo.put"), "customer PUT payload")
    answer = call(base_url, "PUT", "/customers/1", json=customer)
    assert answer.status_code == 200, answer.text
    assert_valid(answer.json(), s(economic_specs, "customers.customerNumber.get"), "customer PUT answer")

    product = {
        "productNumber": "RB-1",
        "name": "Hammer",
        "productGroup": {"productGroupNumber": 1},
        "barred": True,
        "departmentalDistribution": {"departmentalDistributionNumber": 2},
    }
    assert_valid(product, s(economic_specs, "products.productNumber.put"), "product PUT payload")
    put_product = call(base_url, "PUT", "/products/RB-1", json=product)
    assert put_product.status_code == 201, put_product.text
    assert_valid(put_product.json(), s(economic_specs, "products.productNumber.get"), "product PUT answer")


def test_filterable_and_sortable_lists_follow_the_schemas(economic_specs: Path) -> None:
    def marked(properties: dict[str, Any], flag: str, prefix: str = "") -> set[str]:
        found: set[str] = set()
        for name, prop in properties.items():
            if prop.get(flag):
                found.add(prefix + name)
            if isinstance(prop.get("properties"), dict):
                found |= marked(prop["properties"], flag, f"{prefix}{name}.")
        return found

    for resource, schema_name in (
        ("invoices-drafts", "invoices.drafts.get"),
        ("invoices-booked", "invoices.booked.get"),
        ("customer-contacts", "customers.customerNumber.contacts.get"),
        ("delivery-locations", "customers.customerNumber.delivery-locations.get"),
        ("journals", "journals.get"),
        ("journal-entries", "journals.journalNumber.entries.get"),
        ("accounting-years", "accounting-years.get"),
    ):
        items = s(economic_specs, schema_name)["properties"]["collection"]["items"]["properties"]
        spec = SPECS[resource]
        assert set(spec.filterable) == marked(items, "filterable"), resource
        assert set(spec.sortable) == marked(items, "sortable"), resource
    for view in ("paid", "unpaid", "overdue", "not-due"):
        items = s(economic_specs, f"invoices.{view}.get")["properties"]["collection"]["items"]["properties"]
        assert set(BOOKED_STATE_FILTERS) == marked(items, "filterable") == marked(items, "sortable"), view


# -- the OpenAPI services --------------------------------------------------------------------------


def test_openapi_group_payloads_and_answers(
    economic_specs: Path, base_url: str, client: EconomicClient, state: EconomicState
) -> None:
    group = {"number": 7, "name": "Leverandører Norge", "accountNumber": 6110}
    oas(economic_specs, "Suppliers", "Group").validate(group)
    created = call(base_url, "POST", "/suppliersapi/v2.0.0/Groups", json=group)
    assert created.status_code == 201
    oas(economic_specs, "Suppliers", "CreatedResult").validate(created.json())
    current = get_ok(base_url, "/suppliersapi/v2.0.0/Groups/7")
    oas(economic_specs, "Suppliers", "Group").validate(current)
    update = {**current, "name": "Leverandører Norden"}  # what replace_supplier_group sends
    oas(economic_specs, "Suppliers", "Group").validate(update)
    assert call(base_url, "PUT", "/suppliersapi/v2.0.0/Groups", json=update).status_code == 204
    stale = call(base_url, "PUT", "/suppliersapi/v2.0.0/Groups", json=update)
    assert stale.status_code == 409
    oas(economic_specs, "Suppliers", "ProblemDetails").validate(stale.json())
    invalid = call(base_url, "POST", "/suppliersapi/v2.0.0/Groups", json={**group, "name": ""})
    oas(economic_specs, "Suppliers", "ProblemDetails").validate(invalid.json())

    product_group = {"id": 20, "name": "Rackbeat varer", "domesticAccountId": 1100}
    oas(economic_specs, "Products", "ProductGroup").validate(product_group)
    made = call(base_url, "POST", "/productsapi/v2.0.0/productgroups", json=product_group)
    assert made.status_code == 201
    oas(economic_specs, "Products", "ProductGroupCreatedResult").validate(made.json())
    state.oas_cursor_page_size = 1
    first_page = get_ok(base_url, "/productsapi/v2.0.0/productgroups")
    assert first_page["cursor"] == "2"
    oas(economic_specs, "Products", "ProductGroupCursorResults").validate(json_doc(first_page))
    oas(economic_specs, "Products", "ProductGroup").validate(
        get_ok(base_url, "/productsapi/v2.0.0/productgroups/20")
    )


def test_webhooks_api_documents(economic_specs: Path, base_url: str) -> None:
    hook = {
        "eventType": "CUSTOMER_UPDATED",
        "name": "Rackbeat",
        "url": "https://hooks.example.com/economic?new=[NEWNUMBER]&old=[OLDNUMBER]",
        "contentType": "application/json",
        "postData": '{"new": "[NEWNUMBER]"}',
        "customHeaders": [{"key": "X-Token", "value": "abc"}],
    }
    oas(economic_specs, "webhooks-api", "Webhook").validate(hook)
    created = call(base_url, "POST", "/webhooksapi/v1.0.0/webhooks", json=hook)
    oas(economic_specs, "webhooks-api", "WebhookCreatedResult").validate(created.json())
    oas(economic_specs, "webhooks-api", "WebhookCursorResults").validate(
        get_ok(base_url, "/webhooksapi/v1.0.0/webhooks")
    )
    oas(economic_specs, "webhooks-api", "Webhook").validate(
        get_ok(base_url, "/webhooksapi/v1.0.0/webhooks/CUSTOMER_UPDATED")
    )
    for event_type in get_ok(base_url, "/webhooksapi/v1.0.0/EventTypes"):
        oas(economic_specs, "webhooks-api", "EventType").validate(event_type)
    refused = call(base_url, "POST", "/webhooksapi/v1.0.0/webhooks", json=hook)
    assert refused.json()["errorCode"] in oas_codes(economic_specs)


def oas_codes(specs: Path) -> set[str]:
    spec = json.loads((specs / "openapi" / "openapi-webhooks-api.json").read_text(encoding="utf-8"))
    return {code for tag in spec["tags"] for code in tag.get("x-error-codes", [])}
