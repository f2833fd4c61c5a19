"""Orders (/orders/drafts|sent|archived), renumbering webhooks and the cost of an idle poll."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.systems.economic import EconomicClient, EconomicState
from ledgerbridge.systems.economic.sandbox import EconomicSandbox
from ledgerbridge.systems.economic.sandbox.orders import add_order, update_order
from ledgerbridge.systems.economic.sandbox.resources import ORDER_SPECS
from ledgerbridge.systems.errors import NotFoundError
from tests.support import FakeClock

from .builders import call, codes, doc, draft_body, errors_of, line
from .test_contract import assert_valid, schema
from .test_webhooks import Receiver, register

D = Decimal
T0 = datetime(2026, 2, 1, 9, 0, 0, tzinfo=UTC)


def order_body(*lines: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A complete draft order for customer 1 (the draft invoice's document)."""
    return draft_body(*lines, **extra)


FREIGHT = D("99.5")


def text_line(description: str = "Fragt", quantity: Any = 1, price: Any = FREIGHT) -> dict[str, Any]:
    """A line without product: description, quantity and price only."""
    return line(None, quantity, price, description=description)


def created(base_url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = call(base_url, "POST", path, json=body)
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == response.json()["self"]
    return dict(doc(response))


@pytest.fixture(scope="module")
def hook_server() -> Iterator[tuple[Receiver, str]]:
    receiver = Receiver()
    with SandboxServer(receiver.app) as served:
        yield receiver, served.base_url


@pytest.fixture
def hooks(hook_server: tuple[Receiver, str], app: EconomicSandbox) -> Iterator[tuple[Receiver, str]]:
    hook_server[0].reset()
    delays = app.webhooks.retry_delays
    app.webhooks.retry_delays = (0.01, 0.01, 0.01)
    yield hook_server
    app.webhooks.retry_delays = delays


# -- drafts: create, totals, replace, delete -----------------------------------------------------


def test_draft_order_lifecycle_with_totals(base_url: str, state: EconomicState) -> None:
    made = created(base_url, "/orders/drafts", order_body(line("1", 2, 100), text_line()))
    assert made["orderNumber"] == 1
    assert made["self"] == f"{base_url}/orders/drafts/1"
    assert made["lastUpdated"] == "2026-02-01T09:00:00Z"
    assert (made["netAmount"], made["vatAmount"], made["grossAmount"]) == (
        D("299.50"),
        D("74.88"),
        D("374.38"),
    )
    assert [ln["totalNetAmount"] for ln in made["lines"]] == [D("200.00"), D("99.50")]
    text = made["lines"][1]
    assert "product" not in text and text["description"] == "Fragt" and text["quantity"] == 1
    assert made["soap"] == {"orderHandle": {"id": 1}}
    assert made["templates"]["upgradeInstructions"].endswith(
        "/orders/drafts/1/templates/upgrade-instructions/draftInvoice"
    )

    single = doc(call(base_url, "GET", "/orders/drafts/1"))
    assert single["lines"] == made["lines"]
    listed = doc(call(base_url, "GET", "/orders/drafts"))["collection"]
    assert [o["orderNumber"] for o in listed] == [1] and "lines" not in listed[0]

    state.clock.now = T0 + timedelta(minutes=5)  # type: ignore[attr-defined]
    body = order_body(text_line("Kun tekst", 3, 10))
    replaced = call(base_url, "PUT", "/orders/drafts/1", json=body)
    assert replaced.status_code == 200, replaced.text
    assert doc(replaced)["netAmount"] == D("30.00")
    assert replaced.json()["lastUpdated"] == "2026-02-01T09:05:00Z"
    assert call(base_url, "PUT", "/orders/drafts/9", json=body).status_code == 404

    assert call(base_url, "DELETE", "/orders/drafts/1").status_code == 204
    assert call(base_url, "DELETE", "/orders/drafts/1").status_code == 404
    assert call(base_url, "GET", "/orders/drafts/1").status_code == 404


def test_order_validation_uses_the_draft_invoice_rules(base_url: str, state: EconomicState) -> None:
    body = order_body(line("404", 1, 10), line("1", None, 10))
    del body["customer"]
    errors = errors_of(call(base_url, "POST", "/orders/drafts", json=body))
    assert "customer" in errors and "lines" in errors
    assert "E04730" in codes(errors)  # quantity required with a product
    assert "E06000" in codes(errors)  # product 404 does not exist
    assert state.count("orders-drafts") == 0


def test_filter_and_sort_on_draft_orders(base_url: str, state: EconomicState) -> None:
    add_order(state, {"customer": 1, "references": {"other": "rb-1"}, "lines": [text_line()]})
    add_order(state, {"customer": 2, "references": {"other": "rb-2"}, "lines": [text_line()]})
    got = doc(call(base_url, "GET", "/orders/drafts", params={"filter": "references.other$eq:rb-2"}))
    assert [o["orderNumber"] for o in got["collection"]] == [2]
    got = doc(call(base_url, "GET", "/orders/drafts", params={"sort": "-orderNumber"}))
    assert [o["orderNumber"] for o in got["collection"]] == [2, 1]
    # lastUpdated is filterable but, like the schemas say, not sortable
    assert call(base_url, "GET", "/orders/drafts", params={"sort": "lastUpdated"}).status_code == 400
    # reproduced live quirk: paymentTerms filter on orders answers 500
    bad = call(base_url, "GET", "/orders/drafts", params={"filter": "paymentTerms.paymentTermsNumber$eq:1"})
    assert bad.status_code == 500


# -- lastUpdated semantics -----------------------------------------------------------------------


def test_last_updated_filter_is_strictly_greater(
    base_url: str, state: EconomicState, clock: FakeClock, client: EconomicClient
) -> None:
    first = add_order(state, {"lines": [text_line()]})
    clock.now = T0 + timedelta(seconds=1)
    second = add_order(state, {"lines": [text_line()]})
    clock.now = T0 + timedelta(seconds=2)
    assert first["lastUpdated"] == "2026-02-01T09:00:00Z" and second["lastUpdated"] == "2026-02-01T09:00:01Z"

    def numbers(filter_text: str) -> list[int]:
        page = doc(call(base_url, "GET", "/orders/drafts", params={"filter": filter_text}))
        return [o["orderNumber"] for o in page["collection"]]

    assert numbers("lastUpdated$gt:2026-02-01T09:00:00Z") == [2]
    assert numbers("lastUpdated$gt:2026-02-01T09:00:01Z") == []
    assert numbers("lastUpdated$gte:2026-02-01T09:00:00Z") == [1, 2]

    assert [o["orderNumber"] for o in client.iter_orders("drafts", changed_since=T0)] == [2]
    # a change to the older order brings it back, and the client sorts by lastUpdated
    update_order(state, 1, {"notes": {"heading": "Ændret"}})
    changed = list(client.iter_orders("drafts", changed_since=T0))
    assert [(o["orderNumber"], o["lastUpdated"]) for o in changed] == [
        (2, "2026-02-01T09:00:01Z"),
        (1, "2026-02-01T09:00:02Z"),
    ]
    # a naive datetime is UTC; "archived" has no lastUpdated to filter on
    assert [
        o["orderNumber"] for o in client.iter_orders("drafts", changed_since=datetime(2026, 2, 1, 9, 0, 1))
    ] == [1]
    with pytest.raises(ValueError):
        list(client.iter_orders("archived", changed_since=T0))
    with pytest.raises(ValueError):
        list(client.iter_orders("quotes", changed_since=T0))  # type: ignore[arg-type]


def test_add_order_keeps_a_given_last_updated_and_fills_defaults(state: EconomicState) -> None:
    stored = add_order(
        state, {"lastUpdated": datetime(2025, 12, 24, 18, 30, tzinfo=UTC), "lines": [line("1", 2, None)]}
    )
    assert stored["lastUpdated"] == "2025-12-24T18:30:00Z"
    assert stored["customer"] == {"customerNumber": 1}
    assert stored["recipient"]["name"] and stored["recipient"]["vatZone"] == {"vatZoneNumber": 1}
    assert stored["currency"] == "DKK" and stored["date"] == "2026-02-01"
    assert stored["lines"][0]["unitNetPrice"] == D("70.00")  # the product's sales price
    assert stored["netAmount"] == D("140.00") and stored["grossAmount"] == D("175.00")


# -- sent and archived ---------------------------------------------------------------------------


def test_mark_sent_cancel_and_delete(
    base_url: str, state: EconomicState, clock: FakeClock, client: EconomicClient
) -> None:
    made = created(base_url, "/orders/drafts", order_body(line("1", 1, 50), text_line()))
    clock.now = T0 + timedelta(minutes=1)
    sent = created(base_url, "/orders/sent", made)  # the full document, as GET gave it
    assert sent["orderNumber"] == 1 and sent["self"] == f"{base_url}/orders/sent/1"
    assert sent["lastUpdated"] == "2026-02-01T09:01:00Z"
    assert sent["grossAmount"] == made["grossAmount"]
    assert call(base_url, "GET", "/orders/drafts/1").status_code == 404
    assert [o["orderNumber"] for o in client.iter_orders("sent", changed_since=T0)] == [1]
    assert client.get_order("sent", 1)["lines"] == sent["lines"]
    with pytest.raises(NotFoundError):
        client.get_order("drafts", 1)

    assert call(base_url, "POST", "/orders/sent", json=made).status_code == 404  # no longer a draft
    no_number = {k: v for k, v in made.items() if k != "orderNumber"}
    assert "orderNumber" in errors_of(call(base_url, "POST", "/orders/sent", json=no_number))

    back = created(base_url, "/orders/drafts", sent)  # cancel the sent status: same number
    assert back["orderNumber"] == 1 and state.find_order(1) is not None
    assert state.find_order(1)[0] == "drafts"  # type: ignore[index]
    assert created(base_url, "/orders/drafts", order_body())["orderNumber"] == 2  # one series

    state.send_order(2)
    assert call(base_url, "DELETE", "/orders/sent/2").status_code == 204
    assert call(base_url, "DELETE", "/orders/sent/2").status_code == 404


def test_archived_orders(base_url: str, state: EconomicState, client: EconomicClient) -> None:
    add_order(state, {"lines": [text_line()]})
    state.send_order(1)
    archived = state.archive_order(1)
    assert "lastUpdated" not in archived
    got = doc(call(base_url, "GET", "/orders/archived/1"))
    assert "lastUpdated" not in got and "templates" not in got and got["netAmount"] == D("99.50")
    assert call(base_url, "GET", "/orders/sent/1").status_code == 404
    bad = call(base_url, "GET", "/orders/archived", params={"filter": "lastUpdated$gt:2026-01-01T00:00:00Z"})
    assert bad.status_code == 400 and "lastUpdated" not in bad.json()["allowedFilteringFields"]
    assert call(base_url, "DELETE", "/orders/archived/1").status_code == 405
    assert call(base_url, "POST", "/orders/archived", json=order_body()).status_code == 405
    assert [o["orderNumber"] for o in client.iter_orders("archived")] == [1]
    with pytest.raises(ValueError):
        state.send_order(1)
    root = call(base_url, "GET", "/orders").json()
    assert root["archived"] == f"{base_url}/orders/archived"


def test_upgrade_instructions_make_a_draft_invoice(base_url: str, state: EconomicState) -> None:
    add_order(state, {"lines": [line("1", 2, 100), text_line()]})
    template = call(base_url, "GET", "/orders/drafts/1/templates/upgrade-instructions/draftInvoice")
    assert template.status_code == 200, template.text
    invoice = created(base_url, "/invoices/drafts", doc(template))
    assert invoice["netAmount"] == D("299.50")


def test_orders_reference_customers_and_products(base_url: str, state: EconomicState) -> None:
    add_order(state, {"customer": 2, "lines": [line("1", 1, 10)]})
    assert call(base_url, "DELETE", "/customers/2").status_code == 400
    assert call(base_url, "DELETE", "/products/1").status_code == 400


# -- renumbering and deletion webhooks -----------------------------------------------------------


def test_renumber_follows_references_and_fires_old_and_new_numbers(
    base_url: str,
    app: EconomicSandbox,
    state: EconomicState,
    client: EconomicClient,
    clock: FakeClock,
    hooks: tuple[Receiver, str],
) -> None:
    got, url = hooks
    register(
        base_url,
        type="CustomerUpdated",
        url=f"{url}/customer",
        method="POST",
        body='{"new": "[NEWNUMBER]", "old": "[OLDNUMBER]"}',
    )
    register(
        base_url, type="ProductUpdated", url=f"{url}/product?new=[NEWNUMBER]&old=[OLDNUMBER]", method="GET"
    )
    contact = state.add_contact(1, {"name": "Jens"})["customerContactNumber"]
    add_order(state, {"customer": 1, "lines": [line("1", 1, 10)]})
    created(base_url, "/invoices/drafts", draft_body(line("1", 1, 10)))
    clock.now = T0 + timedelta(minutes=3)

    renumbered = state.renumber_customer(1, 1001)
    assert renumbered["customerNumber"] == 1001 and renumbered["lastUpdated"] == "2026-02-01T09:03:00Z"
    state.renumber_product("1", "P-1")
    assert app.webhooks.flush(5)

    assert call(base_url, "GET", "/customers/1").status_code == 404
    assert client.get("customers/1001/contacts/" + str(contact))["name"] == "Jens"
    order = client.get_order("drafts", 1)
    assert order["customer"]["customerNumber"] == 1001
    assert order["lines"][0]["product"]["productNumber"] == "P-1"
    assert client.get("invoices/drafts/1")["customer"]["customerNumber"] == 1001
    assert [
        c["customerNumber"]
        for c in client.iter_collection("customers", filter="lastUpdated$gt:2026-02-01T09:00:00Z")
    ] == [1001]

    customers = [r.body for r in got.received if r.path == "/customer"]
    assert customers == ['{"new": "1001", "old": "1"}']
    products = [r.query for r in got.received if r.path == "/product"]
    assert products == [{"new": ["P-1"], "old": ["1"]}]

    with pytest.raises(ValueError):
        state.renumber_customer(2, 1001)
    with pytest.raises(KeyError):
        state.renumber_customer(1, 5)


def test_webhooks_on_create_update_and_delete_via_api_and_python(
    base_url: str,
    app: EconomicSandbox,
    state: EconomicState,
    client: EconomicClient,
    hooks: tuple[Receiver, str],
) -> None:
    got, url = hooks
    register(base_url, type="CustomerUpdated", url=f"{url}/c?new=[NEWNUMBER]&old=[OLDNUMBER]", method="GET")
    body = {
        "name": "Ny Kunde ApS",
        "currency": "DKK",
        "customerGroup": {"customerGroupNumber": 1},
        "paymentTerms": {"paymentTermsNumber": 1},
        "vatZone": {"vatZoneNumber": 1},
    }
    number = client.create("customers", body)["customerNumber"]  # API create
    client.replace(f"customers/{number}", {**body, "city": "Herning"})  # API update
    state.renumber_customer(number, 77)  # UI renumber
    client.delete("customers/77")  # API delete: NEWNUMBER is the deleted number
    state.add_customer({"customerNumber": 50, "name": "Python"})  # Python-level create
    state.renumber_customer(50, 51, emit=False)  # asked not to announce it
    with state.quietly():
        state.update_customer(51, {"city": "Stille"})
    state.delete("customers", 51)  # Python-level delete
    assert app.webhooks.flush(5)
    assert [(r.query["new"][0], r.query["old"][0]) for r in got.received] == [
        (str(number), str(number)),
        (str(number), str(number)),
        ("77", str(number)),
        ("77", "77"),
        ("50", "50"),
        ("51", "51"),
    ]


# -- the cost of polling -------------------------------------------------------------------------


def test_an_idle_poll_costs_one_call_per_entity_type(
    app: EconomicSandbox, state: EconomicState, clock: FakeClock, client: EconomicClient
) -> None:
    add_order(state, {"lines": [text_line()]})
    add_order(state, {"lines": [text_line()]})
    state.send_order(2)
    clock.now = T0 + timedelta(hours=1)
    since = T0 + timedelta(minutes=30)
    app.kit.clear_log()

    assert list(client.iter_orders("drafts", changed_since=since)) == []
    assert list(client.iter_orders("sent", changed_since=since)) == []
    for resource in ("customers", "products"):
        assert (
            list(client.iter_collection(resource, filter=f"lastUpdated$gt:{since:%Y-%m-%dT%H:%M:%S}Z")) == []
        )

    logged = list(app.kit.requests)
    assert [(r.method, r.path) for r in logged] == [
        ("GET", "/orders/drafts"),
        ("GET", "/orders/sent"),
        ("GET", "/customers"),
        ("GET", "/products"),
    ]
    query = parse_qs(logged[0].query)
    assert query["filter"] == ["lastUpdated$gt:2026-02-01T09:30:00Z"] and query["pagesize"] == ["1000"]

    # one more order changed: the next poll finds it, still with one call (then one GET for its lines)
    update_order(state, 1, {"notes": {"heading": "Ny"}})
    app.kit.clear_log()
    changed = list(client.iter_orders("drafts", changed_since=since))
    assert [o["orderNumber"] for o in changed] == [1] and len(app.kit.requests) == 1
    assert client.get_order("drafts", 1)["notes"]["heading"] == "Ny"
    assert len(app.kit.requests) == 2


# -- contract ------------------------------------------------------------------------------------


BROKEN_PATTERN = "\\d{4}-\\d{2}-\\d{2}Td{2}:d{2}:d{2}Z"
FIXED_PATTERN = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z"


def order_schema(specs: Path, name: str) -> dict[str, Any]:
    """An ``orders.*`` schema with its ``lastUpdated`` pattern repaired: the published files write
    ``Td{2}:d{2}:d{2}Z`` (backslashes lost), which no timestamp matches; the invoice schemas have the
    intended ``T\\d{2}:\\d{2}:\\d{2}Z``."""

    def fix(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: FIXED_PATTERN if k == "pattern" and v == BROKEN_PATTERN else fix(v)
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [fix(v) for v in node]
        return node

    return dict(fix(schema(specs, name)))


@pytest.mark.contract
def test_order_documents_match_the_schemas(specs_dir: Path, base_url: str, state: EconomicState) -> None:
    specs = specs_dir / "economic"
    contact = state.add_contact(1, {"name": "Jens Hansen"})["customerContactNumber"]
    payload = order_body(
        line("1", D("3"), D("149.95"), discountPercentage=D("10"), unit={"unitNumber": 1, "name": "stk."}),
        text_line(),
        references={
            "customerContact": {"customerContactNumber": contact},
            "salesPerson": {"employeeNumber": 1},
            "other": "rb-7",
        },
        delivery={
            "address": "Byggepladsen 4",
            "zip": "8200",
            "city": "Aarhus N",
            "deliveryDate": "2026-02-03",
        },
        notes={"heading": "Ordre 7"},
    )
    assert_valid(payload, order_schema(specs, "orders.drafts.post"), "POST /orders/drafts payload")
    made = call(base_url, "POST", "/orders/drafts", json=payload)
    assert made.status_code == 201, made.text
    single = order_schema(specs, "orders.drafts.orderNumber.get")
    assert_valid(made.json(), single, "POST /orders/drafts answer")
    put_payload = copy.deepcopy(payload)
    assert_valid(put_payload, order_schema(specs, "orders.drafts.orderNumber.put"), "PUT payload")
    assert call(base_url, "PUT", "/orders/drafts/1", json=put_payload).status_code == 200
    created(base_url, "/orders/drafts", payload)
    created(base_url, "/orders/drafts", payload)
    assert_valid(call(base_url, "GET", "/orders/drafts/1").json(), single, "GET /orders/drafts/1")
    assert_valid(
        call(base_url, "GET", "/orders/drafts").json(), order_schema(specs, "orders.drafts.get"), "drafts"
    )
    assert_valid(call(base_url, "GET", "/orders").json(), order_schema(specs, "orders.get"), "GET /orders")

    created(base_url, "/orders/sent", call(base_url, "GET", "/orders/drafts/2").json())
    state.send_order(3)
    state.archive_order(3)
    for kind, number in (("sent", 2), ("archived", 3)):
        assert_valid(
            call(base_url, "GET", f"/orders/{kind}/{number}").json(),
            order_schema(specs, f"orders.{kind}.orderNumber.get"),
            f"GET /orders/{kind}/{number}",
        )
        page = call(base_url, "GET", f"/orders/{kind}").json()
        assert len(page["collection"]) == 1
        assert_valid(page, order_schema(specs, f"orders.{kind}.get"), f"GET /orders/{kind}")


@pytest.mark.contract
def test_order_filterable_and_sortable_lists_follow_the_schemas(specs_dir: Path) -> None:
    def marked(properties: dict[str, Any], flag: str, prefix: str = "") -> set[str]:
        found: set[str] = set()
        for name, prop in properties.items():
            if prop.get(flag):
                found.add(prefix + name)
            if isinstance(prop.get("properties"), dict):
                found |= marked(prop["properties"], flag, f"{prefix}{name}.")
        return found

    for kind, spec in ORDER_SPECS.items():
        items = schema(specs_dir / "economic", f"orders.{kind}.get")["properties"]["collection"]["items"]
        assert set(spec.filterable) == marked(items["properties"], "filterable"), kind
        assert set(spec.sortable) == marked(items["properties"], "sortable"), kind


def test_an_order_line_quantity_below_its_minimum_is_refused(base_url: str) -> None:
    """The orders' GET schemas bound a line's quantity to 0.01 …; a write below it is a 400 in the
    validation envelope (the line's ``quantity`` annotated), for a new draft order, a PUT of one and a
    POST to ``/orders/sent`` — and nothing is stored. Invoice drafts have no such bound (credit notes)."""
    before = call(base_url, "GET", "/orders/drafts").json()["pagination"]["results"]
    draft = created(base_url, "/orders/drafts", order_body())
    number = draft["orderNumber"]
    for quantity in (D("0"), D("0.00"), D("-1"), D("-0.01")):
        body = order_body(line("1", quantity))
        for method, path, sent in (
            ("POST", "/orders/drafts", body),
            ("PUT", f"/orders/drafts/{number}", body),
            ("POST", "/orders/sent", {**body, "orderNumber": number}),
        ):
            response = call(base_url, method, path, json=sent)
            errors = errors_of(response)
            assert response.json()["httpStatusCode"] == 400
            problem = errors["lines"][0]
            assert problem["arrayIndex"] == 0
            message = problem["quantity"]["errors"][0]["message"]
            assert "less than minimum value of 0.01" in message, (method, path, message)
    assert call(base_url, "GET", "/orders/drafts").json()["pagination"]["results"] == before + 1
    assert call(base_url, "GET", f"/orders/drafts/{number}").json()["lines"][0]["quantity"] == 1
    assert call(base_url, "GET", f"/orders/sent/{number}").status_code == 404
    # The least quantity is accepted; an invoice line may go negative (a credit note).
    assert call(base_url, "POST", "/orders/drafts", json=order_body(line("1", D("0.01")))).status_code == 201
    credit = call(base_url, "POST", "/invoices/drafts", json=draft_body(line("1", D("-1"))))
    assert credit.status_code == 201, credit.text
