"""Invalid parameters of the e-conomic OpenAPI services, walked from their documents (issue 13): every query
and path parameter of every served operation gets the values its schema refuses — non-integers, a number
outside ``minimum``/``maximum`` or int32, a string over ``maxLength`` or outside ``pattern`` — and the free
``filter``/``sort`` strings an unknown property. Each must be a 400 ``problem+json``: no 5xx, no value
silently ignored. Legacy REST publishes no OpenAPI parameters and is not walked here."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from .test_contract import AUTH
from .test_fuzz import SERVICES

pytestmark = pytest.mark.contract


def refused_values(name: str, schema: dict[str, Any]) -> list[str]:
    """Values the parameter's schema refuses (for the free filter/sort strings: an unknown property)."""
    if name == "filter":
        return ["noSuchField$eq:1", "name$eq"]
    if name == "sort":
        return ["noSuchField"]
    values: list[str] = []
    if schema.get("type") == "integer":
        values += ["x", "1.5"]
        if schema.get("format") == "int32":
            values.append(str(2**31))
        if "minimum" in schema:
            values.append(str(schema["minimum"] - 1))
        if "maximum" in schema:
            values.append(str(schema["maximum"] + 1))
    if "maxLength" in schema:
        values.append("x" * (schema["maxLength"] + 1))
    if "pattern" in schema:
        values += [v for v in ("lower_case", "A-B") if not re.search(schema["pattern"], v)]
    return values


def test_every_parameter_of_a_served_operation_refuses_what_its_schema_refuses(
    specs_dir: Path, base_url: str
) -> None:
    sent = 0
    with httpx.Client(base_url=base_url, headers=AUTH) as http:
        for name, prefix, paths in SERVICES:
            document = json.loads((specs_dir / "economic" / "openapi" / name).read_text(encoding="utf-8"))
            for path in paths:
                for method, operation in document["paths"][path].items():
                    if method not in ("get", "delete"):
                        continue
                    for parameter in operation.get("parameters", []):
                        if "$ref" in parameter:
                            parameter = document["components"]["parameters"][parameter["$ref"].split("/")[-1]]
                        for value in refused_values(parameter["name"], parameter.get("schema", {})):
                            if parameter["in"] == "path":
                                url = prefix + path.replace("{" + parameter["name"] + "}", value)
                                params: dict[str, str] = {}
                            else:
                                url = prefix + re.sub(r"\{[^}]+\}", "1", path)
                                params = {parameter["name"]: value}
                            answer = http.request(method.upper(), url, params=params)
                            what = f"{method.upper()} {url} {parameter['name']}={value}"
                            assert answer.status_code == 400, (
                                f"{what}: {answer.status_code} {answer.text[:200]}"
                            )
                            assert answer.headers["content-type"].startswith("application/problem+json"), what
                            sent += 1
    assert sent >= 60


def test_well_typed_values_still_pass(base_url: str) -> None:
    with httpx.Client(base_url=base_url, headers=AUTH) as http:
        paged = http.get("/suppliersapi/v2.0.0/Groups/paged", params={"skipPages": 100, "pageSize": 100})
        assert paged.status_code == 200 and paged.json() == []
        assert http.get("/productsapi/v2.0.0/productgroups", params={"cursor": "1"}).status_code == 200
        assert http.get("/webhooksapi/v1.0.0/webhooks/CUSTOMER_UPDATED").status_code == 404  # none registered
        for path, field in (
            ("/suppliersapi/v2.0.0/Groups", "name"),
            ("/productsapi/v2.0.0/productgroups", "id"),
        ):
            names = [g[field] for g in http.get(f"{path}/paged").json()]
            assert len(names) > 1, path
            backwards = http.get(f"{path}/paged", params={"sort": f"-{field}"})
            assert [g[field] for g in backwards.json()] == sorted(names, reverse=True), path
