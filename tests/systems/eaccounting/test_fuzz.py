"""Schemathesis against the eAccounting sandbox with the official OpenAPI 2026, bounded (issue 13).

Every documented operation the sandbox serves (as ``ledgerbridge.sandbox.coverage`` measures it) gets a few
derandomised generated requests, valid and invalid by the spec, against the demo company; the checks are
that no answer is a server error and that every documented response body validates against the spec.
Driven by hand as the Severa fuzz is (schemathesis' pytest plugin does not run under this pytest).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
hypothesis = pytest.importorskip("hypothesis")

from ledgerbridge.sandbox import SandboxServer  # noqa: E402
from ledgerbridge.sandbox.coverage import measure_eaccounting  # noqa: E402
from ledgerbridge.systems.eaccounting import EAccountingState  # noqa: E402
from ledgerbridge.systems.eaccounting.sandbox import EAccountingSandboxApp  # noqa: E402
from ledgerbridge.systems.eaccounting.sandbox.demo_data import seed_demo_company  # noqa: E402

from .conftest import TOKEN  # noqa: E402

pytestmark = pytest.mark.contract
EXAMPLES = 3
from schemathesis.specs.openapi import checks as openapi_checks  # noqa: E402

CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.response_schema_conformance,
]  # not status_code_conformance: the document lists 200/201 only, no 400/404, which the real API sends


def _served_document(specs_dir: Path) -> dict[str, Any]:
    document = json.loads((specs_dir / "eaccounting" / "openapi-v2-2026.json").read_text(encoding="utf-8"))
    served: dict[str, set[str]] = {}
    for method, template in measure_eaccounting(specs_dir).served:
        served.setdefault(template.removeprefix("/v2"), set()).add(method.lower())
    document["paths"] = {
        path: {m: op for m, op in operations.items() if m in served[path] or m == "parameters"}
        for path, operations in document["paths"].items()
        if path in served
    }
    return dict(document)


def test_generated_requests_never_get_a_server_error(
    specs_dir: Path, app: EAccountingSandboxApp, server: SandboxServer, state: EAccountingState
) -> None:
    seed_demo_company(state)
    schema = schemathesis.openapi.from_dict(_served_document(specs_dir))
    headers = {"Authorization": f"Bearer {TOKEN}"}
    app.api.set_rate_limit(None)
    failures: list[str] = []
    operations = 0
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
            case.call_and_validate(base_url=f"{server.base_url}/v2", headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - every operation's failure is reported together
            failures.append(f"{operation.label}: {str(exc)[:600]}")
    assert operations >= 80
    statuses = {r.status for r in app.kit.requests}
    assert {200, 400} <= statuses, statuses  # valid and invalid requests both went out
    assert failures == [], "\n\n".join(failures)
