"""Every operation a published spec documents is either served by its sandbox or listed, with its family's
reason, under "Deliberately unserved operations" in ``docs/sandboxes/<system>.md`` — never both (issue 13).

"Served" is what ``ledgerbridge.sandbox.coverage`` measures: each documented operation is sent to a fresh
sandbox, and one answered with anything but the sandbox's own "no such route" (404 naming the route, or
405) counts as served. So a listed operation is also one the sandbox answers as the real API answers a
route it lacks; the tests below check those answers' shape too.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.sandbox.coverage import (
    Coverage,
    Operation,
    measure_eaccounting,
    measure_economic,
    measure_rackbeat,
    measure_severa,
)
from ledgerbridge.systems.eaccounting import EAccountingState
from ledgerbridge.systems.eaccounting import create_app as eaccounting_app
from ledgerbridge.systems.rackbeat.sandbox import create_app as rackbeat_app

pytestmark = pytest.mark.contract

DOCS = Path(__file__).resolve().parents[2] / "docs" / "sandboxes"
SECTION = "## Deliberately unserved operations"
_LISTED = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s]+)`")


def listed_operations(doc: Path) -> list[Operation]:
    """The ``METHOD /path`` items of the doc's unserved section (up to the next ``## `` heading)."""
    text = doc.read_text(encoding="utf-8")
    assert SECTION in text, f"{doc.name} has no '{SECTION}' section"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return [(m.group(1), m.group(2)) for m in _LISTED.finditer(section)]


def _check(coverage: Coverage, listed: list[Operation]) -> None:
    twice = [op for op, n in Counter(listed).items() if n > 1]
    assert not twice, f"listed twice: {twice}"
    documented, served, named = set(coverage.documented), set(coverage.served), set(listed)
    assert not named - documented, f"listed but not in the spec: {sorted(named - documented)}"
    assert not named & served, f"listed as unserved but served: {sorted(named & served)}"
    neither = documented - served - named
    assert not neither, f"neither served nor listed in docs/sandboxes: {sorted(neither)}"
    assert not coverage.server_errors, coverage.server_errors


# Each system's measure of its sandbox against its published spec, by the name of its docs/sandboxes page.
MEASURES: dict[str, Callable[[Path], Coverage]] = {
    "eaccounting": measure_eaccounting,
    "rackbeat": measure_rackbeat,
    "economic": measure_economic,
    "severa": measure_severa,
}


@pytest.mark.parametrize("system", list(MEASURES))
def test_every_operation_is_served_or_listed(specs_dir: Path, system: str) -> None:
    coverage = MEASURES[system](specs_dir)
    listed = listed_operations(DOCS / f"{system}.md")
    _check(coverage, listed)
    assert len(listed) == len(coverage.documented) - len(coverage.served)


def test_the_check_catches_an_operation_neither_served_nor_listed(specs_dir: Path) -> None:
    coverage = measure_eaccounting(specs_dir)
    listed = listed_operations(DOCS / "eaccounting.md")
    with pytest.raises(AssertionError, match="neither served nor listed"):
        _check(coverage, listed[1:])
    with pytest.raises(AssertionError, match="listed as unserved but served"):
        _check(coverage, [*listed, coverage.served[0]])


def test_unserved_eaccounting_routes_answer_like_an_unknown_route() -> None:
    with (
        SandboxServer(eaccounting_app(EAccountingState())) as server,
        httpx.Client(base_url=server.base_url) as api,
    ):
        # No token: routing comes before authentication, as in ASP.NET Web API.
        missing = api.get("/v2/quotes")
        assert missing.status_code == 404
        body = missing.json()
        assert body["ErrorCode"] == 3000 and body["Errors"] is None
        assert body["DeveloperErrorMessage"].startswith("No HTTP resource was found that matches")
        other_method = api.post("/v2/fiscalyears", json={})
        assert other_method.status_code == 405 and other_method.json()["ErrorCode"] == 4000
        assert other_method.headers["Allow"] == "GET"


def test_unserved_rackbeat_routes_answer_like_an_unknown_route() -> None:
    with (
        SandboxServer(rackbeat_app(token="t", rate_limit=None)) as server,
        httpx.Client(base_url=server.base_url) as api,
    ):
        missing = api.get("/api/purchase-orders")
        assert missing.status_code == 404
        assert missing.json() == {"message": "The route api/purchase-orders could not be found."}
        other_method = api.post("/api/self", json={})
        assert other_method.status_code == 405
        assert other_method.headers["Allow"] == "GET, HEAD"


def test_unserved_severa_routes_answer_like_an_unknown_route() -> None:
    from ledgerbridge.systems.severa.sandbox import create_app as severa_app

    with SandboxServer(severa_app(seed="demo")) as server, httpx.Client(base_url=server.base_url) as api:
        missing = api.get("/v1/proposals")
        assert missing.status_code == 404 and missing.content == b""
        other_method = api.post("/v1/users", json={})
        assert other_method.status_code == 405 and other_method.headers["Allow"] == "GET"
