"""Generated requests against every operation the Rackbeat sandbox serves (issue 13), bounded.

Rackbeat publishes no machine-readable spec (the legacy swagger 0.5.4 survives as an endpoint list and model
pages), so Schemathesis cannot drive it; Hypothesis does: for each documented operation the sandbox serves
(``ledgerbridge.sandbox.coverage``), a few derandomised requests with generated JSON bodies and query
parameters against a seeded company. No answer may be a server error, and every answer must be JSON.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import strategies as st  # noqa: E402

from ledgerbridge.sandbox import SandboxServer  # noqa: E402
from ledgerbridge.sandbox.coverage import measure_rackbeat  # noqa: E402
from ledgerbridge.systems.rackbeat.sandbox import create_app  # noqa: E402

pytestmark = pytest.mark.contract
EXAMPLES = 3
FIELDS = (
    "name",
    "number",
    "group",
    "customer_id",
    "supplier_id",
    "lines",
    "sales_price",
    "currency",
    "is_barred",
)
values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.text(max_size=12)
    | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(FIELDS), inner, max_size=3),
    max_leaves=6,
)
bodies = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), values, max_size=5)
queries = st.dictionaries(
    st.sampled_from(("page", "limit", "fields", "filter", "sort", "updated_after", "number")),
    st.text(max_size=10) | st.integers(-5, 10**6).map(str),
    max_size=3,
)
path_values = st.sampled_from(("1", "2", "0", "-1", "abc", "1.pdf", "%2F", "9" * 20))


def _fuzz(http: httpx.Client, method: str, template: str) -> str | None:
    """Run the bounded examples of one operation; the failure, if any."""

    @hypothesis.given(body=bodies, query=queries, ids=st.lists(path_values, min_size=3, max_size=3))
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    def run(body: dict[str, Any], query: dict[str, str], ids: list[str]) -> None:
        taken = iter(ids)
        path = re.sub(r"\{[^}]*\}", lambda _: next(taken), template)
        sent = None if method in ("GET", "DELETE") else body
        answer = http.request(method, path, params=query, json=sent)
        assert answer.status_code < 500, f"{method} {path} {query} {body!r}: {answer.status_code}"
        assert "json" in answer.headers.get("content-type", "") or path.endswith(".pdf"), answer.text

    try:
        run()
    except Exception as exc:  # noqa: BLE001 - every operation's failure is reported together
        return f"{method} {template}: {str(exc)[:600]}"
    return None


def test_generated_requests_never_get_a_server_error(specs_dir: Path) -> None:
    served = measure_rackbeat(specs_dir).served
    app = create_app(token="fuzz", rate_limit=None)
    failures: list[str] = []
    with (
        SandboxServer(app) as server,
        httpx.Client(
            base_url=server.base_url + "/api", headers={"Authorization": "Bearer fuzz"}, timeout=30
        ) as http,
    ):
        for group in ("A", "B"):  # something to refer to
            http.post("/product-groups", json={"name": group, "has_inventory": True})
        http.post("/customer-groups", json={"name": "Kunder"})
        for method, template in served:
            failure = _fuzz(http, method, template)
            if failure is not None:
                failures.append(failure)
    assert len(served) >= 80
    assert len(app.kit.requests) >= len(served) * EXAMPLES
    statuses = {r.status for r in app.kit.requests}
    assert {200, 404, 422} <= statuses, statuses  # answered, missing records and refused bodies
    assert failures == [], "\n\n".join(failures)
