"""Every status code the 2026 OpenAPI documents for a served operation is reached over HTTP, or listed with
its reason under "Status codes not reached" in docs/sandboxes/eaccounting.md (issue 13).

Per served operation and documented status the walk drives the sandbox: 2xx with a valid request (a record
read back and sent again for PUT, a record of the demo company copied for POST), 400 with a body that is
no JSON object or a path/query value of the wrong type, 401 without a token, 403 with a token limited to a
scope the operation does not accept, 404 with an unknown id. Undocumented but served answers are checked
once each: 405 with ``Allow`` and 429 with the rate switch.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.sandbox.coverage import measure_eaccounting
from ledgerbridge.systems.eaccounting import EAccountingState
from ledgerbridge.systems.eaccounting.sandbox import EAccountingSandboxApp

from .test_contract import SPEC
from .test_spec_gaps import _examples

pytestmark = pytest.mark.contract

DOC = Path(__file__).resolve().parents[3] / "docs" / "sandboxes" / "eaccounting.md"
SECTION = "## Status codes not reached"
_LISTED = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s]+)` (\d{3})")
UNKNOWN_ID = "0f0f0f0f-0000-4000-8000-00000000abcd"
Key = tuple[str, str, str]  # method, spec template (with /v2), status


def listed_unreached() -> set[Key]:
    text = DOC.read_text(encoding="utf-8")
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return {(m.group(1), m.group(2), m.group(3)) for m in _LISTED.finditer(section)}


def documented_statuses(specs_dir: Path) -> tuple[dict[tuple[str, str], set[str]], set[tuple[str, str]]]:
    """Each operation's documented statuses, and the operations that take a request body."""
    spec = json.loads((specs_dir / SPEC).read_text(encoding="utf-8"))
    operations = [
        ((method.upper(), "/v2" + path), operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "delete", "patch")
    ]
    statuses = {key: set(operation.get("responses", {})) for key, operation in operations}
    return statuses, {key for key, operation in operations if "requestBody" in operation}


class Walk:
    """Drives one operation to one status against the served sandbox."""

    def __init__(self, http: httpx.Client, examples: dict[str, list[str]]) -> None:
        self.http = http
        self.examples = examples

    def path(self, template: str, *, replace: str | None = None, last_only: bool = False) -> str:
        """The template with the example ids of its resource; ``replace`` swaps the last placeholder (or,
        without ``last_only``, the first) for the given value."""
        _, _, name, *rest = template.split("/")
        name = name.lower()
        holes = [i for i, part in enumerate(rest) if part.startswith("{")]
        ids = iter(self.examples.get(f"{name}/{len(rest)}", self.examples.get(name, [])))
        parts = [next(ids, UNKNOWN_ID) if part.startswith("{") else part for part in rest]
        if replace is not None and holes:
            parts[holes[-1] if last_only else holes[0]] = replace
        return "/".join(["/v2", name, *parts])

    def success_body(self, template: str) -> Any:
        """A body for a write: the record read back (PUT) or a copy of an example record (POST)."""
        _, _, name, *rest = template.split("/")
        if rest and rest[-1] in ("convert",):
            return {}
        if rest and rest[-1] == "email":
            return {"Email": "kund@example.se"}
        if rest and rest[-1] == "payments":
            bank = self.examples["bankaccounts"][0]
            return {
                "CompanyBankAccountId": bank,
                "PaymentDate": "2025-01-08",
                "PaymentAmount": 10,
                "PaymentCurrency": "SEK",
                "PaymentType": 1,
            }
        if name == "costcenters":  # no GET of one cost center: read it from the list
            listed = self.http.get("/v2/costcenters", headers={"Authorization": "Bearer walk"}).json()
            return next(c for c in listed["Data"] if c["Id"] == self.examples["costcenters"][0])
        singleton = name in ("companysettings",)
        source = self.path(template) if rest or singleton else self.path(f"/v2/{name}/{{id}}")
        if name == "vouchers":
            source = self.path("/v2/vouchers/{fiscalyearId}/{voucherId}")
        answer = self.http.get(source, headers={"Authorization": "Bearer walk"})
        if answer.status_code != 200:
            return None
        body: dict[str, Any] = answer.json()
        if not rest and not singleton:
            for field in ("Id", "CustomerNumber", "SupplierNumber", "InvoiceNumber", "CreatedFromDraftId"):
                body.pop(field, None)
            fresh = {
                "articles": "Number",
                "supplierinvoices": "InvoiceNumber",
                "costcenteritems": "ShortName",
            }
            if name in fresh:
                body[fresh[name]] = "WALK1"
            if "Name" in body and name.endswith("labels"):
                body["Name"] = "Walk"
        return body

    def answer(self, method: str, template: str, status: str, has_body: bool) -> int:
        send = {"Authorization": "Bearer walk", "Content-Type": "application/json"}
        has_params = "{" in template
        if status in ("200", "201"):
            if method == "DELETE":  # a record of its own, so the others keep their examples
                name = template.split("/")[2].lower()
                made = self.http.post(f"/v2/{name}", json=self.success_body(f"/v2/{name}"), headers=send)
                path = f"/v2/{name}/{made.json().get('Id')}"
                return self.http.delete(path, headers=send).status_code
            if template == "/v2/supplierinvoicedrafts/{id}/convert":  # a draft needs its number to book
                one = self.path("/v2/supplierinvoicedrafts/{id}")
                draft = self.http.get(one, headers=send).json()
                self.http.put(one, content=json.dumps({**draft, "InvoiceNumber": "WALK2"}), headers=send)
            body = None if method == "GET" else self.success_body(template)
            if method not in ("GET", "DELETE") and body is None:
                return 0
            content = None if body is None else json.dumps(body)
            return self.http.request(method, self.path(template), content=content, headers=send).status_code
        if status == "400":
            if has_body:
                content = "[1]"  # a JSON array where an object is required
                path = self.path(template)
                return self.http.request(method, path, content=content, headers=send).status_code
            if has_params:
                return self.http.request(method, self.path(template, replace="x"), headers=send).status_code
            return self.http.request(method, self.path(template) + "?$page=0", headers=send).status_code
        if status == "401":
            send.pop("Authorization")
            return self.http.request(method, self.path(template), content="{}", headers=send).status_code
        if status == "403":
            send["Authorization"] = "Bearer narrow"
            return self.http.request(method, self.path(template), content="{}", headers=send).status_code
        if status == "404":
            if "{accountNumber}" in template:  # an account number the chart lacks
                path = self.path(template, replace="9999", last_only=template.endswith("{accountNumber}"))
            else:
                path = self.path(template, replace=UNKNOWN_ID, last_only=True)
            return self.http.request(method, path, content="{}", headers=send).status_code
        return 0


def test_every_documented_status_of_a_served_operation_is_reached_or_listed(
    specs_dir: Path, server: SandboxServer, state: EAccountingState, demo: dict[str, dict[str, str]]
) -> None:
    served = measure_eaccounting(specs_dir).served
    documented, with_body = documented_statuses(specs_dir)
    state.token_scopes["narrow"] = {"ea:api"}  # holds none of an operation's scopes
    examples = _examples(state, demo)
    reached: set[Key] = set()
    unreached: set[Key] = set()
    # Conversions last: they consume the example drafts the other operations (deletes copy them) use.
    order = sorted(served, key=lambda op: (op[1].endswith("/convert"), op[0] == "DELETE", op[1], op[0]))
    with httpx.Client(base_url=server.base_url) as http:
        walk = Walk(http, examples)
        for method, template in order:
            for status in sorted(documented[(method, template)], key=lambda s: s.startswith("2")):
                got = walk.answer(method, template, status, (method, template) in with_body)
                (reached if str(got) == status else unreached).add((method, template, status))
    listed = listed_unreached()
    assert len(reached) >= 213
    assert not unreached - listed, "reached by no request and not listed:\n" + "\n".join(
        f"`{m} {t}` {s}" for m, t, s in sorted(unreached - listed)
    )
    assert not listed & reached, f"listed as not reached but reached: {sorted(listed & reached)}"


def test_undocumented_answers_are_reachable_too(
    raw: httpx.Client, app: EAccountingSandboxApp, state: EAccountingState
) -> None:
    other = raw.patch("/v2/customers", json={})
    assert other.status_code == 405 and other.headers["Allow"] == "GET, POST"
    app.api.bucket_clock = lambda: 0.0
    app.api.set_rate_limit(2, 60.0)
    answers = [raw.get("/v2/units").status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    assert raw.get("/v2/units").json()["ErrorCode"] == 4010


def test_a_token_without_the_scope_is_refused_403(raw: httpx.Client, state: EAccountingState) -> None:
    state.token_scopes["sales-reader"] = {"ea:api", "ea:sales_readonly"}
    reader = {"Authorization": "Bearer sales-reader"}
    assert raw.get("/v2/customers", headers=reader).status_code == 200
    refused = raw.post("/v2/customers", json={}, headers=reader)
    assert refused.status_code == 403
    assert refused.json()["ErrorCode"] == 4006 and "ea:sales" in refused.json()["DeveloperErrorMessage"]
    assert raw.get("/v2/vouchers", headers=reader).status_code == 403  # ea:accounting
    assert raw.get("/v2/termsofpayment", headers=reader).status_code == 200  # the alias: its endpoint's
    assert raw.post("/v2/customers", json={}).status_code == 400  # an unlimited token reaches validation
