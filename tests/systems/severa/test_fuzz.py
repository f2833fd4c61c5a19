"""Schemathesis against the Severa sandbox with the official OpenAPI: every served operation, bounded.

Generated requests (valid and invalid by the spec) go to the served demo organisation; the checks are: no
server error, a documented status code, the documented content type, and response bodies and headers
that validate against the spec. Bounded: a few examples per operation, derandomised, no deadline. The
document is read as in the contract tests (nullable ``$ref``s as nullable) and pruned to the served
operations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

schemathesis = pytest.importorskip("schemathesis")
hypothesis = pytest.importorskip("hypothesis")
yaml = pytest.importorskip("yaml")

from schemathesis.specs.openapi import checks as openapi_checks  # noqa: E402

from tests.systems.severa.walk_support import nullable_references  # noqa: E402

pytestmark = pytest.mark.contract
EXAMPLES = 4
CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.response_headers_conformance,
]


def _served_document(specs_dir: Path) -> dict[str, Any]:
    from ledgerbridge.systems.severa.sandbox import create_app

    with (specs_dir / "severa" / "openapi-v1.0.yaml").open(encoding="utf-8") as handle:
        document = nullable_references(
            yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        )
    served: dict[str, set[str]] = {}
    for route in create_app().routes:
        served.setdefault(route.template, set()).add(route.method.lower())
    document["paths"] = {
        path: {method: operation for method, operation in operations.items() if method in served[path]}
        for path, operations in document["paths"].items()
        if path in served
    }
    return dict(document)


def test_generated_requests_get_documented_answers(specs_dir: Path, severa_sandbox: Any) -> None:
    # Driven by hand rather than schemathesis' pytest plugin (which does not run under this pytest): one
    # Hypothesis run per operation, every failure collected with the operation's label.
    schema = schemathesis.openapi.from_dict(_served_document(specs_dir))
    token = httpx.post(
        f"{severa_sandbox.base_url}/v1/token", json={"client_id": "sandbox", "client_secret": "sandbox"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Client_Id": "sandbox"}
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
            case.call_and_validate(base_url=severa_sandbox.base_url, headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - every operation's failure is reported together
            failures.append(f"{operation.label}: {str(exc)[:600]}")
    assert operations == len(severa_sandbox.app.routes)
    sent = [r for r in severa_sandbox.app.kit.requests if r.path != "/v1/token"]
    assert len(sent) >= operations * 2, "the fuzzer sent fewer requests than expected"
    statuses = {r.status for r in sent}
    assert {200, 201, 204, 400} <= statuses, statuses  # valid and invalid requests both went out
    assert failures == [], "\n\n".join(failures)
