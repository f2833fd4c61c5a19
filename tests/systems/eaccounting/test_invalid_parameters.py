"""Invalid parameters, walked from the spec (issue 13): for every served operation, every query and path
parameter the 2026 OpenAPI types (boolean, uuid, date-time, integer, enum) gets values that type refuses,
and every paged list gets a non-integer, zero or negative ``$page``/``$pagesize`` and a broken ``$filter``.
Each must be a 400 in eAccounting's error envelope — no 5xx, no value silently ignored."""

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

from .test_contract import SPEC
from .test_spec_gaps import _examples

pytestmark = pytest.mark.contract

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PAGING = [("$page", "x"), ("$page", "0"), ("$page", "1.5"), ("$pagesize", "-1"), ("$pagesize", "ten")]
PAGING += [("$filter", "Name eq"), ("$filter", "NoSuchField eq 1")]


def refused_values(schema: dict[str, Any]) -> list[str]:
    """Values the parameter's schema refuses (none for a free string)."""
    if "enum" in schema:
        return ["no-such-value"]
    kind, form = schema.get("type"), schema.get("format")
    if kind == "boolean":
        return ["maybe", "null", "2"]
    if kind == "integer":
        return ["x", "1.5"]
    if form == "uuid":
        return ["not-a-guid", "1234"]
    if form in ("date-time", "date"):
        return ["yesterday", "2025-13-45"]
    return []


def _concrete(template: str, examples: dict[str, list[str]]) -> list[str]:
    _, _, name, *rest = template.split("/")
    name = name.lower()
    ids = iter(examples.get(f"{name}/{len(rest)}", examples.get(name, [])))
    return ["", "v2", name, *[next(ids, "x") if part.startswith("{") else part for part in rest]]


def assert_refused(answer: httpx.Response, name: str, value: str, what: str) -> None:
    """400 in the envelope, refusing this parameter (6000 naming it or its value): not some other error
    of the request (a body the operation would refuse anyway)."""
    assert answer.status_code == 400, f"{what}: {answer.status_code} {answer.text[:200]}"
    body = answer.json()
    assert isinstance(body["ErrorCode"], int) and isinstance(body["DeveloperErrorMessage"], str), what
    assert GUID.match(body["ErrorId"]) and "Errors" in body, what
    message = body["DeveloperErrorMessage"]
    assert body["ErrorCode"] == 6000 and (name in message or value in message), f"{what}: {body}"


def test_every_typed_parameter_of_a_served_operation_refuses_what_its_type_refuses(
    specs_dir: Path, server: SandboxServer, state: EAccountingState, demo: dict[str, dict[str, str]]
) -> None:
    spec = json.loads((specs_dir / SPEC).read_text(encoding="utf-8"))
    served = measure_eaccounting(specs_dir).served
    examples = _examples(state, demo)
    sent = 0
    with httpx.Client(base_url=server.base_url, headers={"Authorization": "Bearer walk"}) as http:
        for method, template in served:
            operation = spec["paths"][template.removeprefix("/v2")][method.lower()]
            parts = _concrete(template, examples)
            for parameter in operation.get("parameters", []):
                for value in refused_values(parameter["schema"]):
                    if parameter["in"] == "path":
                        # The spec spells some names differently in path and parameter (articlelabelid).
                        position = template.lower().split("/").index("{" + parameter["name"].lower() + "}")
                        path = "/".join([*parts[:position], value, *parts[position + 1 :]])
                        params: dict[str, str] = {}
                    else:
                        path, params = "/".join(parts), {parameter["name"]: value}
                    answer = http.request(method, path, params=params, content="{}")
                    what = f"{method} {path} {parameter['name']}={value}"
                    assert_refused(answer, parameter["name"], value, what)
                    sent += 1
            schema_ref = json.dumps(operation["responses"].get("200", {}))
            if method == "GET" and "PaginatedResponseOf" in schema_ref:
                for name, value in PAGING:
                    answer = http.get("/".join(parts), params={name: value})
                    assert_refused(answer, name, value, f"GET {template} {name}={value}")
                    sent += 1
    assert sent > 250


def test_well_typed_values_still_pass(raw: httpx.Client, demo: dict[str, dict[str, str]]) -> None:
    customer = demo["customer"]["1001"]
    assert raw.get("/v2/articles", params={"customerId": customer.upper()}).status_code == 200
    assert raw.get("/v2/customerinvoices", params={"modifiedSinceUtc": "2025-01-01T00:00:00Z"}).is_success
    assert raw.get("/v2/supplierinvoicedrafts", params={"approvableByCurrentUser": "False"}).is_success
    assert raw.get("/v2/accountbalances/2025-01-08", params={"$page": "1", "$pagesize": "5"}).is_success
