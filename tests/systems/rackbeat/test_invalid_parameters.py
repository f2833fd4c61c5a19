"""Invalid parameters, walked over every list Rackbeat documents and the sandbox serves (issue 13): paging,
ordering, the ``updated_at`` window, ``is_barred`` where records have it and the document filters, each
given values its type refuses. Rackbeat is a Laravel application, so a refused query value is Laravel's
422 ``{"errors": {<parameter>: [message]}}`` — never a 5xx, never silently ignored. Record keys in the
path are found or not (Laravel's route model binding): a key of the wrong type is 404 naming the model."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from ledgerbridge.sandbox.coverage import measure_rackbeat
from ledgerbridge.systems.rackbeat import RackbeatState
from ledgerbridge.systems.rackbeat.sandbox.resources import RESOURCES

pytestmark = pytest.mark.contract

COMMON = [
    ("limit", "x"),
    ("limit", "0"),
    ("limit", "-1"),
    ("limit", "1001"),
    ("limit", "2.5"),
    ("page", "x"),
    ("page", "0"),
    ("order_by", "no_such_field"),
    ("order_direction", "sideways"),
    ("updated_at_from", "yesterday"),
    ("updated_at_to", "2025-13-45"),
]


def refused_queries(collection: str) -> list[tuple[str, str]]:
    spec = RESOURCES.get(collection)
    queries = list(COMMON)
    if spec is None:  # /settings, /webhooks: paging only
        return [q for q in queries if q[0] in ("limit", "page")]
    if spec.has_barred:
        queries.append(("is_barred", "maybe"))
    if spec.document:
        dated = spec.date_field
        queries += [("is_booked", "maybe"), (f"{dated}_from", "soon"), (f"{dated}_to", "2025-02-30")]
        queries += [("number_from", "x"), ("number_to", "-3")]
    return queries


def test_every_list_refuses_query_values_of_the_wrong_type(
    specs_dir: Path, raw: httpx.Client, state: RackbeatState
) -> None:
    lists = [t for m, t in measure_rackbeat(specs_dir).served if m == "GET" and not t.endswith("}")]
    lists.remove("/self")  # one record, no paging
    category = raw.post("/product-categories", json={"name": "Værktøj"}).json()["product_category"]
    sent = 0
    for template in lists:
        collection = template.split("/")[1]
        if template.endswith("/products"):  # a category's products: the products list's parameters
            collection = "products"
        path = template.replace("{number}", str(category["number"]))
        for name, value in refused_queries(collection):
            answer = raw.get(path, params={name: value})
            assert answer.status_code == 422, (template, name, value, answer.status_code, answer.text)
            assert list(answer.json()["errors"]) == [name], (template, name, answer.text)
            sent += 1
    assert len(lists) == 19 and sent > 200


def test_a_key_of_the_wrong_type_is_not_found(raw: httpx.Client, state: RackbeatState) -> None:
    for path, model in (("/customers/abc", "Customer"), ("/customer-invoices/1.5", "CustomerInvoice")):
        answer = raw.get(path)
        assert answer.status_code == 404
        assert answer.json()["message"].startswith(f"No query results for model [App\\Models\\{model}]")


def test_well_typed_values_pass(raw: httpx.Client, state: RackbeatState) -> None:
    query = {"limit": "1000", "page": "2", "order_by": "number", "order_direction": "DESC"}
    assert raw.get("/customers", params={**query, "is_barred": "0"}).status_code == 206
    dated = {"invoice_date_from": "2025-01-01", "is_booked": "true", "number_from": "3"}
    assert raw.get("/customer-invoices", params=dated).status_code == 206
