"""The sandbox kit over real HTTP: faults, the token bucket, the request log and the control routes."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from ledgerbridge.sandbox import SandboxKit, SandboxServer, TokenBucket


@pytest.fixture
def served() -> Iterator[tuple[SandboxKit, httpx.Client]]:
    kit = SandboxKit(
        rate_headers=lambda decision, cost: {"X-Used": f"{decision.used:.0f}/{decision.capacity}"}
    )
    inner = Starlette(routes=[Route("/things", lambda request: JSONResponse({"ok": True}))])
    with SandboxServer(kit.wrap(inner)) as server, httpx.Client(base_url=server.base_url) as client:
        yield kit, client


def test_fail_next_injects_statuses_in_order_then_recovers(served: tuple[SandboxKit, httpx.Client]) -> None:
    kit, client = served
    assert client.put("/_sandbox/faults", json={"fail_next": [503, 500]}).status_code == 200
    assert [client.get("/things").status_code for _ in range(3)] == [503, 500, 200]


def test_error_rate_is_reproducible_with_a_seed(served: tuple[SandboxKit, httpx.Client]) -> None:
    kit, client = served
    runs = []
    for _ in range(2):
        client.put("/_sandbox/faults", json={"error_rate": 0.5, "seed": 7, "error_status": 502})
        runs.append([client.get("/things").status_code for _ in range(20)])
    assert runs[0] == runs[1]
    assert {502, 200} == set(runs[0])


def test_path_pattern_limits_faults(served: tuple[SandboxKit, httpx.Client]) -> None:
    kit, client = served
    client.put("/_sandbox/faults", json={"error_rate": 1.0, "path_pattern": "^/other"})
    assert client.get("/things").status_code == 200


def test_timeouts_are_injected(served: tuple[SandboxKit, httpx.Client]) -> None:
    kit, client = served
    client.put("/_sandbox/faults", json={"fail_next": ["timeout"], "timeout_seconds": 2})
    with pytest.raises(httpx.ReadTimeout):
        client.get("/things", timeout=0.3)


def test_bucket_answers_429_with_retry_after_and_usage_headers(
    served: tuple[SandboxKit, httpx.Client],
) -> None:
    kit, client = served
    client.put("/_sandbox/rate-limit", json={"capacity": 2, "window_seconds": 60})
    responses = [client.get("/things") for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert responses[0].headers["X-Used"] == "1/2"
    assert int(responses[2].headers["Retry-After"]) >= 1


def test_bad_fault_plan_is_refused(served: tuple[SandboxKit, httpx.Client]) -> None:
    kit, client = served
    assert client.put("/_sandbox/faults", json={"error_rate": 3}).status_code == 400


def test_request_log_records_and_clears(served: tuple[SandboxKit, httpx.Client]) -> None:
    kit, client = served
    client.get("/things?x=1", headers={"Idempotency-Key": "k-1"})
    log = client.get("/_sandbox/requests").json()
    assert [(r["method"], r["path"], r["query"], r["status"], r["idempotency_key"]) for r in log] == [
        ("GET", "/things", "x=1", 200, "k-1")
    ]
    assert client.delete("/_sandbox/requests").status_code == 204
    assert client.get("/_sandbox/requests").json() == []


def test_token_bucket_refills_with_time() -> None:
    now = [0.0]
    bucket = TokenBucket(10, 10.0, clock=lambda: now[0])
    assert bucket.take(10).allowed
    refused = bucket.take(2)
    assert not refused.allowed and refused.retry_after == pytest.approx(2.0)
    now[0] = 2.0
    assert bucket.take(2).allowed


def test_lost_answers_are_processed_but_answered_504() -> None:
    calls: list[str] = []

    async def write(request):  # type: ignore[no-untyped-def]
        calls.append(request.url.path)
        return JSONResponse({"written": True}, status_code=201)

    kit = SandboxKit()
    inner = Starlette(routes=[Route("/things", write, methods=["POST"])])
    with SandboxServer(kit.wrap(inner)) as server, httpx.Client(base_url=server.base_url) as client:
        client.put("/_sandbox/faults", json={"lose_answers": 1})
        lost = client.post("/things")
        kept = client.post("/things")
    assert (lost.status_code, kept.status_code) == (504, 201)
    assert calls == ["/things", "/things"]  # the first write happened although its answer was lost
