"""Schemathesis against the e-conomic sandbox's OpenAPI services with their official documents, bounded
(issue 13).

The served operations of the Products (``/productgroups``), Suppliers (``/Groups``) and Webhooks services
each get a few derandomised generated requests, valid and invalid by the spec; the checks are that no answer
is a server error and that documented response bodies validate. The legacy REST API publishes JSON schemas
per operation rather than an OpenAPI document; it is walked by ``test_walk.py`` instead. Driven by hand as the
Severa fuzz is (schemathesis' pytest plugin does not run under this pytest).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
hypothesis = pytest.importorskip("hypothesis")

from schemathesis.specs.openapi import checks as openapi_checks  # noqa: E402

from ledgerbridge.sandbox import SandboxServer  # noqa: E402
from ledgerbridge.systems.economic.sandbox import create_app  # noqa: E402

from .test_contract import AUTH  # noqa: E402

pytestmark = pytest.mark.contract
EXAMPLES = 3
CHECKS = [schemathesis.checks.not_a_server_error, openapi_checks.response_schema_conformance]
# service document, URL prefix, the paths the sandbox serves (oas.py)
SERVICES = [
    (
        "openapi-Products.json",
        "/productsapi/v2.0.0",
        ("/productgroups", "/productgroups/{number}", "/productgroups/paged", "/productgroups/count"),
    ),
    (
        "openapi-Suppliers.json",
        "/suppliersapi/v2.0.0",
        ("/Groups", "/Groups/{number}", "/Groups/paged", "/Groups/count"),
    ),
    (
        "openapi-webhooks-api.json",
        "/webhooksapi/v1.0.0",
        ("/EventTypes", "/webhooks", "/webhooks/{eventType}", "/webhooks/paged", "/webhooks/count"),
    ),
]


@pytest.mark.parametrize(("name", "prefix", "paths"), SERVICES, ids=[s[0] for s in SERVICES])
def test_generated_requests_never_get_a_server_error(
    name: str, prefix: str, paths: tuple[str, ...], specs_dir: Path
) -> None:
    document = json.loads((specs_dir / "economic" / "openapi" / name).read_text(encoding="utf-8"))
    document["paths"] = {p: ops for p, ops in document["paths"].items() if p in paths}
    schema = schemathesis.openapi.from_dict(document)
    app = create_app(seed="minimal", rate_limit=None)
    failures: list[str] = []
    operations = 0
    with SandboxServer(app) as server:
        for result in schema.get_all_operations():
            operation = result.ok()
            operations += 1

            @hypothesis.given(case=operation.as_strategy())
            @hypothesis.settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(hypothesis.HealthCheck),
            )
            def run(case: Any) -> None:
                case.call_and_validate(base_url=server.base_url + prefix, headers=AUTH, checks=CHECKS)

            try:
                run()
            except Exception as exc:  # noqa: BLE001 - every operation's failure is reported together
                failures.append(f"{operation.label}: {str(exc)[:600]}")
    assert operations >= len(paths)
    assert len(app.kit.requests) >= operations * 2, "the fuzzer sent fewer requests than expected"
    statuses = {r.status for r in app.kit.requests}
    assert 200 in statuses and statuses - {200, 201, 204}, statuses  # answered, and invalid ones refused
    assert failures == [], "\n\n".join(failures)
