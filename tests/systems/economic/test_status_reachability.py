"""Every status code the OpenAPI services' documents give a served operation is reached over HTTP, or listed
with its reason under "Status codes not reached" in docs/sandboxes/economic.md (issue 13).

Only the OpenAPI services are walked (Suppliers ``/Groups``, Products ``/productgroups``, Webhooks — the
paths ``test_fuzz.py`` serves): legacy REST publishes one JSON schema per operation and no per-operation
statuses, so it has nothing to walk here (``test_walk.py`` follows its links instead).

Per served operation and documented status: 2xx with a valid request (a record made for the purpose, read
back and sent again for PUT), 400 with a value the spec refuses (a cursor over its ``maxLength``,
``skipPages`` over its ``maximum``, a non-integer number, a body without its required name), 401 without
tokens, 403 with the read-only demo tokens on a write and, on a read, with a grant minted by the
sandbox's admin endpoint (``POST /_sandbox/grants``) whose role the tag's ``x-required-roles`` omits,
404 with an unknown number, 409 with a stale ``objectVersion``, 429 with the kit's bucket emptied, 500
with the kit's fault switch (``fail_next``).
Undocumented: a served path with another method answers 405 with ``Allow``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerbridge.sandbox.faults import FaultPlan
from ledgerbridge.systems.economic.sandbox import EconomicSandbox

from .test_contract import AUTH
from .test_fuzz import SERVICES

pytestmark = pytest.mark.contract

DOC = Path(__file__).resolve().parents[3] / "docs" / "sandboxes" / "economic.md"
SECTION = "## Status codes not reached"
_LISTED = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s]+)` (\d{3})")
DEMO = {"X-AppSecretToken": "demo", "X-AgreementGrantToken": "demo"}
Key = tuple[str, str, str]  # method, full path template (with the service prefix), status


def listed_unreached() -> set[Key]:
    text = DOC.read_text(encoding="utf-8")
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return {(m.group(1), m.group(2), m.group(3)) for m in _LISTED.finditer(section)}


def served_statuses(specs_dir: Path) -> dict[Key, None]:
    """(method, prefix + template, status) of every served operation, in document order."""
    out: dict[Key, None] = {}
    for name, prefix, paths in SERVICES:
        document = json.loads((specs_dir / "economic" / "openapi" / name).read_text(encoding="utf-8"))
        for path in paths:
            for method, operation in document["paths"][path].items():
                if method in ("get", "post", "put", "delete"):
                    for status in operation["responses"]:
                        out[(method.upper(), prefix + path, status)] = None
    return out


class Walk:
    """Makes records of each service and drives one operation to one status."""

    def __init__(self, http: httpx.Client, app: EconomicSandbox) -> None:
        self.http = http
        self.app = app
        self.next_number = 40
        self.made_status = 0  # the status of the last POST that made a record

    def make(self, template: str) -> str:
        """A fresh record of the template's collection; its key."""
        self.next_number += 1
        n = self.next_number
        if "/Groups" in template:
            body: dict[str, Any] = {"number": n, "name": f"Walk {n}", "accountNumber": 6110}
            url = "/suppliersapi/v2.0.0/Groups"
        elif "/productgroups" in template:
            body = {"id": n, "name": f"Walk {n}", "domesticAccountId": 1100}
            url = "/productsapi/v2.0.0/productgroups"
        else:
            events = [e["name"] for e in self.http.get("/webhooksapi/v1.0.0/EventTypes").json()]
            taken = {h["eventType"] for h in self.http.get("/webhooksapi/v1.0.0/webhooks").json()["items"]}
            free = [e for e in events if e not in taken]
            event = free[0] if free else sorted(taken)[0]
            if not free:  # one webhook per event type, and only a few types: the oldest walk's goes
                self.http.delete(f"/webhooksapi/v1.0.0/webhooks/{event}")
            body = {
                "eventType": event,
                "name": "Walk",
                "url": "https://hooks.example.com/walk",
                "contentType": "application/json",
            }
            made = self.http.post("/webhooksapi/v1.0.0/webhooks", json=body)
            self.made_status = made.status_code
            assert made.status_code == 201, made.text
            return str(event)
        made = self.http.post(url, json=body)
        self.made_status = made.status_code
        assert made.status_code == 201, made.text
        return str(n)

    def grant(self, roles: list[str], read_only: bool = False) -> dict[str, str]:
        """The headers of a token pair minted by the sandbox's admin endpoint with these roles."""
        base = str(self.http.base_url).rstrip("/")
        minted = httpx.post(f"{base}/_sandbox/grants", json={"roles": roles, "readOnly": read_only})
        assert minted.status_code == 201, minted.text
        tokens = minted.json()
        return {
            "X-AppSecretToken": tokens["appSecretToken"],
            "X-AgreementGrantToken": tokens["agreementGrantToken"],
        }

    def collection(self, template: str) -> str:
        return re.sub(r"/(\{[^}]+\}|paged|count)$", "", template)

    def body(self, template: str) -> dict[str, Any]:
        """A fresh record read back, as a PUT sends it."""
        key = self.make(template)
        return dict(self.http.get(f"{self.collection(template)}/{key}").json())

    def answer(self, method: str, template: str, status: str) -> int:
        one = "{" in template
        if status in ("200", "201", "204"):
            if method == "POST":
                self.make(template)
                return self.made_status
            if method == "PUT":
                return self.http.put(template, json=self.body(template)).status_code
            path = re.sub(r"\{[^}]+\}", self.make(template), template) if one else template
            return self.http.request(method, path).status_code
        if status == "400":
            if method in ("POST", "PUT"):
                return self.http.request(method, template, json={"name": ""}).status_code
            if one:
                return self.http.request(method, re.sub(r"\{[^}]+\}", "x", template)).status_code
            if template.endswith("/paged"):
                return self.http.get(template, params={"skipPages": 101}).status_code
            if template.endswith("/count"):
                return self.http.get(template, params={"filter": "noSuchField$eq:1"}).status_code
            return self.http.get(template, params={"cursor": "x" * 51}).status_code
        if status == "401":
            base = str(self.http.base_url).rstrip("/")
            return httpx.request(method, base + template, json={}).status_code
        if status == "403":
            path = re.sub(r"\{[^}]+\}", "1", template)
            if method == "GET":  # a grant whose role the tag's x-required-roles does not name
                return self.http.get(path, headers=self.grant(["ProjectEmployee"])).status_code
            return self.http.request(method, path, json={}, headers=DEMO).status_code
        if status == "404":
            if method == "PUT":
                gone = self.body(template)  # a record read back, then deleted
                key = next(str(gone[k]) for k in ("number", "id", "eventType") if k in gone)
                assert self.http.delete(f"{template}/{key}").status_code == 204
                return self.http.put(template, json=gone).status_code
            if not one:
                return 0
            return self.http.request(method, re.sub(r"\{[^}]+\}", "9999", template)).status_code
        if status == "409":
            current = self.body(template)
            self.http.put(template, json=current)
            return self.http.put(template, json=current).status_code  # the objectVersion is stale now
        if status == "429":
            self.app.kit.set_rate_limit(1, 3600.0)
            try:
                self.http.get("/webhooksapi/v1.0.0/EventTypes")  # the bucket's one token
                return self.http.request(
                    method, template.replace("{", "").replace("}", ""), json={}
                ).status_code
            finally:
                self.app.kit.set_rate_limit(None)
        if status == "500":
            self.app.kit.set_faults(FaultPlan(fail_next=[500]))
            try:
                return self.http.request(
                    method, template.replace("{", "").replace("}", ""), json={}
                ).status_code
            finally:
                self.app.kit.set_faults(FaultPlan())
        return 0


def test_every_documented_status_of_a_served_operation_is_reached_or_listed(
    specs_dir: Path, base_url: str, app: EconomicSandbox
) -> None:
    reached: set[Key] = set()
    unreached: dict[Key, int] = {}
    with httpx.Client(base_url=base_url, headers=AUTH) as http:
        walk = Walk(http, app)
        for method, template, status in served_statuses(specs_dir):
            got = walk.answer(method, template, status)
            if str(got) == status:
                reached.add((method, template, status))
            else:
                unreached[(method, template, status)] = got
    listed = listed_unreached()
    assert len(reached) >= 142, len(reached)  # of 144 pairs; the 2 others are listed
    missing = {key: got for key, got in unreached.items() if key not in listed}
    assert not missing, "reached by no request and not listed:\n" + "\n".join(
        f"`{m} {t}` {s} (got {got})" for (m, t, s), got in sorted(missing.items())
    )
    assert not listed & reached, f"listed as not reached but reached: {sorted(listed & reached)}"


def test_another_method_on_a_served_path_answers_405_with_allow(base_url: str) -> None:
    for path, allow in (
        ("/suppliersapi/v2.0.0/Groups", "GET, POST, PUT"),
        ("/productsapi/v2.0.0/productgroups/1", "GET, DELETE"),
        ("/productsapi/v2.0.0/productgroups/count", "GET"),
        ("/webhooksapi/v1.0.0/EventTypes", "GET"),
    ):
        answer = httpx.patch(f"{base_url}{path}", json={}, headers=AUTH)
        assert answer.status_code == 405, path
        assert answer.headers["Allow"] == allow, path
        assert answer.headers["content-type"].startswith("application/problem+json"), path


def test_a_grant_reaches_what_its_roles_allow_and_a_read_only_one_cannot_write(
    base_url: str, app: EconomicSandbox
) -> None:
    """Grants minted with roles (``POST /_sandbox/grants``): the OpenAPI services answer 403
    problem+json where the tag's ``x-required-roles`` names none of the grant's roles; a read-only grant
    reads, and every write is a 403 — in the legacy envelope on legacy REST, problem+json on the OpenAPI
    services — that stores nothing. Minted pairs are accepted even when ``accepted_tokens`` restricts."""
    with httpx.Client(base_url=base_url, headers=AUTH) as http:
        walk = Walk(http, app)
        sales, bookkeeping = walk.grant(["Sales"]), walk.grant(["Bookkeeping"])
        reader = walk.grant(["SuperUser"], read_only=True)
    groups, productgroups = "/suppliersapi/v2.0.0/Groups", "/productsapi/v2.0.0/productgroups"
    app.economic_state.accepted_tokens = {("only", "these")}
    try:
        assert httpx.get(base_url + productgroups, headers=sales).status_code == 200
        refused = httpx.get(base_url + groups, headers=sales)
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["status"] == 403 and "Bookkeeping" in refused.json()["detail"]
        assert httpx.get(base_url + groups, headers=bookkeeping).status_code == 200
        assert httpx.get(base_url + productgroups, headers=bookkeeping).status_code == 403
        assert httpx.get(base_url + "/webhooksapi/v1.0.0/webhooks", headers=sales).status_code == 403
        assert httpx.get(base_url + "/webhooksapi/v1.0.0/EventTypes", headers=sales).status_code == 200

        assert httpx.get(base_url + "/customers", headers=reader).status_code == 200
        before = httpx.get(base_url + "/units", headers=reader).json()["pagination"]["results"]
        legacy = httpx.post(base_url + "/units", json={"name": "kasse"}, headers=reader)
        assert legacy.status_code == 403
        body = legacy.json()
        assert body["httpStatusCode"] == 403 and "read-only" in body["message"] and body["logId"]
        assert httpx.get(base_url + "/units", headers=reader).json()["pagination"]["results"] == before
        oas = httpx.post(
            base_url + groups, json={"number": 77, "name": "x", "accountNumber": 6110}, headers=reader
        )
        assert oas.status_code == 403 and oas.json()["status"] == 403
        assert httpx.get(f"{base_url}{groups}/77", headers=reader).status_code == 404
        listed = httpx.get(base_url + "/_sandbox/grants").json()
        assert {"roles": ["SuperUser"], "readOnly": True}.items() <= listed[-1].items()
        assert httpx.post(base_url + "/_sandbox/grants", json={"roles": ["Admin"]}).status_code == 400
    finally:
        app.economic_state.accepted_tokens = None
