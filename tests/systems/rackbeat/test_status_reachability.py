"""Every status Rackbeat documents for an operation the sandbox serves is reached over HTTP, or listed with
its reason under "Status codes not reached" in docs/sandboxes/rackbeat.md (issue 13).

Rackbeat publishes no status per operation; its documentation (research Part A: errors and pagination)
gives them per kind of operation, and those are what is expected here: a list 206, 401 and 422 (a bad
``limit``); one record 200, 401, 404; a create (POST of a collection or ``/drafts``) 201, 400 (a body that
is no JSON), 401, 422; an update 200, 400, 401, 404, 422; a delete 200, 401, 404; a ``/book`` 200, 401,
404, 422 (booking twice). Undocumented but served: 405 with ``Allow``, 429 with its headers.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerbridge.sandbox.coverage import measure_rackbeat
from ledgerbridge.systems.rackbeat import RackbeatState
from ledgerbridge.systems.rackbeat.sandbox import RackbeatSandboxApp

from .conftest import TOKEN

pytestmark = pytest.mark.contract

DOC = Path(__file__).resolve().parents[3] / "docs" / "sandboxes" / "rackbeat.md"
SECTION = "## Status codes not reached"
_LISTED = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s]+)` (\d{3})")
AUTH = {"Authorization": f"Bearer {TOKEN}"}
Key = tuple[str, str, str]

# A valid body per collection, in the order their references need (every referenced record is number 1).
BODIES: dict[str, dict[str, Any]] = {
    "customer-groups": {"name": "Danske kunder"},
    "supplier-groups": {"name": "Danske leverandører"},
    "units": {"name": "stk."},
    "product-categories": {"name": "Værktøj"},
    "users": {"name": "Mette Jensen", "initials": "MJ"},
    "payment-terms": {"name": "Netto 8 dage", "type": "net", "maturity_days": 8},
    "employees": {"name": "Ada Lovelace", "initials": "AL"},
    "product-groups": {"name": "Varer", "has_inventory": True},
    "products": {"number": "P1", "name": "Hammer", "group": 1, "unit_id": 1, "sales_price": 100},
    "lots": {"number": "L1", "name": "Sæt", "group": 1, "lines": [{"product_id": "P1", "quantity": 2}]},
    "customers": {"name": "Jensen ApS", "customer_group_id": 1, "payment_terms_id": 1},
    "suppliers": {"name": "Værktøj A/S", "supplier_group_id": 1, "payment_terms_id": 1},
    "customer-invoices": {"customer_id": 1, "lines": [{"child_id": "P1", "quantity": 1}]},
    "supplier-invoices": {"supplier_id": 1, "lines": [{"child_id": "P1", "quantity": 1}]},
    "orders": {"customer_id": 1, "lines": [{"child_id": "P1", "quantity": 1}]},
    "webhooks": {"event": "product.created", "url": "http://127.0.0.1:9/hook"},
}
# What makes a write refuse its body (422).
REFUSED: dict[str, dict[str, Any]] = {
    "webhooks": {"event": "no.such.event", "url": "ftp://x"},
    "settings": {"value": {"no_such_key": 1}},
    "customer-invoices": {"customer_id": 999999},
    "supplier-invoices": {"supplier_id": 999999},
    "orders": {"customer_id": 999999},
    "lots": {"lines": [{"product_id": "NO-SUCH", "quantity": 0}]},
}


def listed_unreached() -> set[Key]:
    text = DOC.read_text(encoding="utf-8")
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return {(m.group(1), m.group(2), m.group(3)) for m in _LISTED.finditer(section)}


def expected_statuses(method: str, template: str) -> set[str]:
    keyed = template.endswith("}")
    if method == "GET":
        if template == "/self":
            return {"200", "401"}
        return {"200", "401", "404"} if keyed else {"206", "401", "422"}
    if method == "POST" and template.endswith("/book"):
        return {"200", "401", "404", "422"}
    if method == "POST":
        return {"201", "400", "401", "422"}
    if method == "PUT":
        return {"200", "400", "401", "404", "422"}
    return {"200", "401", "404"}  # DELETE


class Walk:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.keys: dict[str, str] = {"settings": "company"}

    def seed(self) -> None:
        for collection, body in BODIES.items():
            made = self.http.post(f"/{collection}", json=body, headers=AUTH)
            assert made.status_code == 201, (collection, made.text)
            record = next(iter(made.json().values()))
            self.keys[collection] = str(record.get("number", record.get("id")))

    def path(self, template: str, key: str | None = None) -> str:
        collection = template.split("/")[1]
        return re.sub(r"\{[^}]*\}", key or self.keys.get(collection, "1"), template, count=1)

    def fresh(self, collection: str) -> str:
        """A new record of the collection (for deletes and bookings that consume theirs)."""
        return self.create(collection)[1]

    def create(self, collection: str) -> tuple[int, str]:
        """POST a valid body (products, BOMs and webhooks made unique): the status and the new key."""
        body = dict(BODIES[collection])
        if collection in ("products", "lots"):
            body["number"] = f"{body['number']}-{len(self.http.get(f'/{collection}', headers=AUTH).text)}"
        if collection == "webhooks":
            body["url"] = f"http://127.0.0.1:9/hook/{len(self.http.get('/webhooks', headers=AUTH).text)}"
        made = self.http.post(f"/{collection}", json=body, headers=AUTH)
        record = next(iter(made.json().values()))
        return made.status_code, str(record.get("number", record.get("id")))

    def answer(self, method: str, template: str, status: str) -> int:
        collection = template.split("/")[1]
        if status == "401":
            return self.http.request(method, self.path(template), json={}).status_code
        if status == "404":
            return self.http.request(method, self.path(template, "999999"), json={}, headers=AUTH).status_code
        if status == "400":
            send = {**AUTH, "Content-Type": "application/json"}
            path = self.path(template)
            return self.http.request(method, path, content=b"{not json", headers=send).status_code
        if status == "422":
            if method == "GET":
                return self.http.get(self.path(template), params={"limit": 0}, headers=AUTH).status_code
            if template.endswith("/book"):
                key = self.fresh(collection)
                self.http.post(f"/{collection}/{key}/book", json={}, headers=AUTH)
                return self.http.post(f"/{collection}/{key}/book", json={}, headers=AUTH).status_code
            body = REFUSED.get(collection, {"name": ["not", "a", "string"]})
            if method == "POST" and collection not in REFUSED:
                body = {}  # a create without its required fields
            return self.http.request(method, self.path(template), json=body, headers=AUTH).status_code
        # 2xx
        if method == "GET":
            return self.http.get(self.path(template), headers=AUTH).status_code
        if method == "DELETE":
            path = self.path(template, self.fresh(collection) if collection in BODIES else None)
            return self.http.delete(path, headers=AUTH).status_code
        if template.endswith("/book"):
            path = self.path(template, self.fresh(collection))
            return self.http.post(path, json={}, headers=AUTH).status_code
        if method == "POST":
            body = dict(BODIES.get(collection, {}))
            if collection in ("products", "lots", "webhooks") and not template.endswith("/drafts"):
                return self.create(collection)[0]
            return self.http.post(self.path(template), json=body, headers=AUTH).status_code
        body = {"value": {"name": "Værktøjshuset ApS"}} if collection == "settings" else {"name": "Omdøbt"}
        if collection == "webhooks":
            body = {"is_active": False}
        return self.http.put(self.path(template), json=body, headers=AUTH).status_code


def test_every_documented_status_of_a_served_operation_is_reached_or_listed(
    specs_dir: Path, base_url: str, state: RackbeatState
) -> None:
    served = measure_rackbeat(specs_dir).served
    reached: set[Key] = set()
    unreached: set[Key] = set()
    order = sorted(served, key=lambda op: (op[0] == "DELETE", op[1], op[0]))
    with httpx.Client(base_url=base_url) as http:
        walk = Walk(http)
        walk.seed()
        for method, template in order:
            for status in sorted(expected_statuses(method, template)):
                got = walk.answer(method, template, status)
                (reached if str(got) == status else unreached).add((method, template, status))
    listed = listed_unreached()
    assert len(reached) > 300
    assert not unreached - listed, "reached by no request and not listed:\n" + "\n".join(
        f"`{m} {t}` {s}" for m, t, s in sorted(unreached - listed)
    )
    assert not listed & reached, f"listed as not reached but reached: {sorted(listed & reached)}"


def test_undocumented_answers_are_reachable_too(raw: httpx.Client, app: RackbeatSandboxApp) -> None:
    other = raw.patch("/units", json={})
    assert other.status_code == 405 and other.headers["Allow"] == "GET, HEAD, POST"
    app.kit.set_rate_limit(2, 60.0)
    try:
        answers = [raw.get("/units") for _ in range(3)]
    finally:
        app.kit.set_rate_limit(None)
    assert [a.status_code for a in answers] == [206, 206, 429]
    assert answers[-1].json() == {"message": "Too Many Attempts."}
    assert int(answers[-1].headers["Retry-After"]) >= 1
