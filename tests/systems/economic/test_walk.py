"""A walk over the demo agreement: every link in every response resolves, and every document whose path
has a published schema validates against it (``shared/specs/economic/restapi-schemas``).

Starting from the collections, each link the sandbox sends (``self`` and every other URI below its base)
is followed once per path shape (numbers folded), up to three times per shape. A 4xx/5xx on a link is a
dangling link; a document at a path that matches a schema file's template is validated with e-conomic's
draft-03 schema. The documented operations the walk never reached are listed by the coverage test.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.sandbox.coverage import economic_operations
from ledgerbridge.systems.economic.sandbox import create_app

from .conftest import HTTP
from .test_contract import AUTH, assert_valid, schema
from .test_orders import BROKEN_PATTERN, FIXED_PATTERN


def order_schema_fix(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: FIXED_PATTERN if k == "pattern" and v == BROKEN_PATTERN else order_schema_fix(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [order_schema_fix(v) for v in node]
    return node


pytestmark = pytest.mark.contract

ROOTS = (
    "self", "customers", "customer-groups", "suppliers", "supplier-groups", "products", "product-groups",
    "units", "payment-terms", "layouts", "employees", "vat-zones", "accounts", "currencies",
    "accounting-years", "journals", "invoices", "invoices/drafts", "invoices/booked", "orders",
    "orders/drafts", "orders/sent", "orders/archived", "quotes", "quotes/drafts", "quotes/sent",
    "quotes/archived", "vat-accounts", "app-roles",
)  # fmt: skip
PER_SHAPE = 3


def _corrected(name: str, document: dict[str, Any]) -> dict[str, Any]:
    """Known errors of the published schemas, corrected as test_contract_documents.py and test_orders.py
    do: the orders' (and quotes') broken ``lastUpdated`` pattern, the journal's ``minimum`` meant as
    ``maximum``, and a booking template whose draft number may not be 1 (``exclusiveMinimum`` on a minimum
    of 1)."""
    if name.startswith(("orders.", "quotes.")):
        document = order_schema_fix(document)
    if name == "invoices.drafts.draftInvoiceNumber.templates.booking-instructions.get":
        document["properties"]["draftInvoice"]["properties"]["draftInvoiceNumber"].pop("exclusiveMinimum")
    if name == "journals.journalNumber.get":
        numbers = document["properties"]["settings"]["properties"]["voucherNumbers"]["properties"]
        numbers["maximumVoucherNumber"] = {
            "type": "integer",
            "maximum": numbers["maximumVoucherNumber"].pop("minimum"),
        }
    return document


def _links(document: Any, base: str) -> set[str]:
    found: set[str] = set()
    if isinstance(document, dict):
        for value in document.values():
            found |= _links(value, base)
    elif isinstance(document, list):
        for value in document:
            found |= _links(value, base)
    elif isinstance(document, str) and document.startswith(base + "/"):
        found.add(document)
    return found


def _schema_names(specs: Path) -> list[tuple[re.Pattern[str], str]]:
    """(path pattern, schema file name) of every documented GET."""
    out = []
    for method, template in economic_operations(specs.parent):
        if method != "GET":
            continue
        pattern = re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(template))
        out.append((re.compile(f"^{pattern}$"), template))
    # Literal templates first, so /invoices/drafts is not taken for /invoices/{id}.
    out.sort(key=lambda item: item[1].count("{"))
    return out


def _schema_file(specs: Path, template: str) -> str:
    """``/customers/{customerNumber}`` -> the schema file's name (its own placeholder spelling)."""
    wanted = template.strip("/").split("/")
    for path in (specs / "restapi-schemas").glob("*.get.schema.json"):
        segments = path.name.removesuffix(".get.schema.json").split(".")
        if len(segments) == len(wanted) and all(
            w == s or (w.startswith("{") and w[1:-1] == s) for w, s in zip(wanted, segments, strict=True)
        ):
            return path.name.removesuffix(".schema.json")
    raise LookupError(template)


@pytest.fixture(scope="module")
def walked() -> Iterator[str]:
    """The demo agreement of its own, plus a draft invoice made from a customer's templates and an
    invoice booked with the draft's booking instructions (the demo has orders but no invoices)."""
    with SandboxServer(create_app(seed="demo", rate_limit=None)) as server:
        base = server.base_url

        def get(path: str) -> Any:
            answer = HTTP.get(base + path, headers=AUTH)
            assert answer.status_code == 200, answer.text
            return answer.json()

        for customer in (1, 11):
            draft = get(f"/customers/{customer}/templates/invoice")
            draft["layout"] = {"layoutNumber": get("/layouts")["collection"][0]["layoutNumber"]}
            lines = get(f"/customers/{customer}/templates/invoiceline")["collection"][:2]
            draft["lines"] = [
                {k: v for k, v in get(line["self"][len(base) :]).items() if k != "self"} for line in lines
            ]
            created = HTTP.post(f"{base}/invoices/drafts", headers=AUTH, json=draft)
            assert created.status_code == 201, created.text
        number = created.json()["draftInvoiceNumber"]
        instructions = get(f"/invoices/drafts/{number}/templates/booking-instructions")
        booked = HTTP.post(f"{base}/invoices/booked", headers=AUTH, json=instructions)
        assert booked.status_code == 201, booked.text
        yield base


def test_every_link_resolves_and_every_documented_document_validates(specs_dir: Path, walked: str) -> None:
    specs = specs_dir / "economic"
    base = walked
    templates = _schema_names(specs)
    todo = deque(f"{base}/{root}" for root in ROOTS)
    seen: set[str] = set()
    per_shape: Counter[str] = Counter()
    dangling: dict[str, str] = {}
    invalid: list[str] = []
    validated: set[str] = set()
    while todo:
        url = todo.popleft()
        if url in seen:
            continue
        seen.add(url)
        path = url[len(base) :].split("?")[0]
        shape = re.sub(r"/[^/]*\d[^/]*", "/N", path)
        per_shape[shape] += 1
        if per_shape[shape] > PER_SHAPE:
            continue
        response = HTTP.get(url, headers=AUTH)
        if response.status_code != 200:
            dangling[shape] = f"{response.status_code} {url}"
            continue
        if "json" not in response.headers.get("content-type", ""):
            continue  # a PDF
        document = response.json()
        template = next((t for pattern, t in templates if pattern.match(path)), None)
        if template is not None:
            name = _schema_file(specs, template)
            try:
                assert_valid(document, _corrected(name, schema(specs, name)), url)
                validated.add(template)
            except AssertionError as exc:
                invalid.append(str(exc))
        todo.extend(sorted(_links(document, base) - seen))
    assert not dangling, f"links that do not resolve: {sorted(dangling.values())}"
    assert not invalid, "documents that break their schema:\n" + "\n".join(invalid[:10])
    # The walk reaches far: most documented GETs were validated on the way.
    assert len(validated) >= 60, sorted(validated)
