"""Coverage of the sandboxes against the published specs (``ledgerbridge.sandbox.coverage``): the figures
the README quotes, no server error on any documented operation, and floors so coverage only grows."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledgerbridge.sandbox.coverage import measure_eaccounting, measure_economic, measure_rackbeat

pytestmark = pytest.mark.contract

# Served / documented when last measured; raise them when a sandbox serves more.
FLOORS = {"economic": 119, "eaccounting": 91, "rackbeat": 91}
# Endpoints issue 13 lists as answering 404 that general clients call.
ISSUE_13_ECONOMIC = [
    ("GET", "/app-roles"),
    ("GET", "/accounts/{accountNumber}/accounting-years"),
    ("GET", "/product-groups/{productGroupNumber}/products"),
    ("GET", "/customer-groups/{customerGroupNumber}/customers"),
    ("GET", "/employees/{employeeNumber}/customers"),
]


def test_economic_coverage(specs_dir: Path) -> None:
    coverage = measure_economic(specs_dir)
    print(coverage.line())
    assert len(coverage.documented) == 160
    assert not coverage.server_errors
    assert len(coverage.served) >= FLOORS["economic"], coverage.unserved
    assert set(ISSUE_13_ECONOMIC) <= set(coverage.served)


def test_eaccounting_coverage(specs_dir: Path) -> None:
    coverage = measure_eaccounting(specs_dir)
    print(coverage.line())
    assert not coverage.server_errors
    assert len(coverage.served) >= FLOORS["eaccounting"], coverage.unserved
    assert {("GET", "/v2/currencies"), ("GET", "/v2/countries"), ("GET", "/v2/accountTypes")} <= set(
        coverage.served
    )


def test_rackbeat_coverage(specs_dir: Path) -> None:
    coverage = measure_rackbeat(specs_dir)
    print(coverage.line())
    assert not coverage.server_errors
    assert len(coverage.served) >= FLOORS["rackbeat"], coverage.unserved
