"""The sandbox kit over real HTTP: faults, the token bucket, the request log and the control routes."""

from __future__ import annotations

import time
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


@pytest.fixture
def writes() -> Iterator[tuple[list[str], httpx.Client]]:
    """A sandbox whose POST /things records each write it carries out, served over HTTP."""
    calls: list[str] = []

    async def write(request):  # type: ignore[no-untyped-def]
        calls.append(request.method)
        return JSONResponse({"written": True}, status_code=201)

    async def read(request):  # type: ignore[no-untyped-def]
        return JSONResponse({"ok": True})

    kit = SandboxKit()
    inner = Starlette(
        routes=[Route("/things", write, methods=["POST"]), Route("/things", read, methods=["GET"])]
    )
    with SandboxServer(kit.wrap(inner)) as server, httpx.Client(base_url=server.base_url) as client:
        yield calls, client


def test_lost_answer_rate_carries_out_the_write_and_loses_about_that_share(
    writes: tuple[list[str], httpx.Client],
) -> None:
    calls, client = writes
    assert client.put("/_sandbox/faults", json={"lost_answer_rate": 0.3, "seed": 11}).status_code == 200
    statuses = [client.post("/things").status_code for _ in range(200)]
    assert len(calls) == 200  # every write happened, lost answer or not
    assert set(statuses) == {201, 504}
    assert 40 <= statuses.count(504) <= 80  # 30% of 200, with a seeded generator
    log = client.get("/_sandbox/requests").json()
    assert [r["fault"] for r in log].count("lost") == statuses.count(504)


def test_a_lost_answer_can_stall_until_the_clients_read_timeout(
    writes: tuple[list[str], httpx.Client],
) -> None:
    calls, client = writes
    client.put(
        "/_sandbox/faults", json={"fail_next": ["lost"], "lost_answer_as": "timeout", "timeout_seconds": 1.2}
    )
    with pytest.raises(httpx.ReadTimeout):
        client.post("/things", timeout=0.3)
    assert calls == ["POST"]  # carried out although the client never heard back


def test_a_timeout_stalls_before_the_app_and_carries_nothing_out(
    writes: tuple[list[str], httpx.Client],
) -> None:
    calls, client = writes
    client.put("/_sandbox/faults", json={"timeout_rate": 1.0, "timeout_seconds": 1.5})
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        client.post("/things", timeout=httpx.Timeout(5.0, read=0.4))
    assert 0.35 < time.monotonic() - started < 1.2  # the client's read timeout, not the stall, ended it
    assert calls == []


def test_error_status_mix_draws_each_status_by_its_weight(served: tuple[SandboxKit, httpx.Client]) -> None:
    kit, client = served
    mix = {"500": 0.3, "503": 0.3, "429": 0.4}
    assert (
        client.put("/_sandbox/faults", json={"error_rate": 1.0, "error_status": mix, "seed": 3}).status_code
        == 200
    )
    responses = [client.get("/things") for _ in range(300)]
    counts = {status: [r.status_code for r in responses].count(status) for status in (500, 503, 429)}
    assert sum(counts.values()) == 300
    assert 60 <= counts[500] <= 120 and 60 <= counts[503] <= 120 and 90 <= counts[429] <= 150
    limited = next(r for r in responses if r.status_code == 429)
    assert limited.headers["Retry-After"] == "1"


def test_error_status_list_draws_each_status_alike(served: tuple[SandboxKit, httpx.Client]) -> None:
    kit, client = served
    client.put(
        "/_sandbox/faults",
        json={"error_rate": 1.0, "error_status": [502, 503], "seed": 5, "retry_after_seconds": None},
    )
    statuses = [client.get("/things").status_code for _ in range(100)]
    assert set(statuses) == {502, 503} and 30 <= statuses.count(502) <= 70


def test_methods_choose_which_requests_get_faults(writes: tuple[list[str], httpx.Client]) -> None:
    calls, client = writes
    client.put("/_sandbox/faults", json={"error_rate": 1.0, "error_status": 500, "methods": ["post"]})
    assert client.get("/things").status_code == 200
    assert client.post("/things").status_code == 500
    assert calls == []
    assert client.get("/_sandbox/faults").json()["methods"] == ["POST"]


def test_methods_and_path_together(writes: tuple[list[str], httpx.Client]) -> None:
    calls, client = writes
    client.put("/_sandbox/faults", json={"fail_next": [503], "methods": ["POST"], "path_pattern": "^/other"})
    assert client.post("/things").status_code == 201  # method matches, path does not: untouched
    assert client.get("/_sandbox/faults").json()["fail_next"] == [503]


@pytest.mark.parametrize(
    "plan",
    [
        {"lost_answer_rate": 1.5},
        {"error_status": {"500": -1}},
        {"error_status": [200]},
        {"error_status": "teapot"},
        {"lost_answer_as": "never"},
        {"fail_next": ["sometimes"]},
        {"methods": "POST"},
        {"path_pattern": "("},
        {"no_such_switch": 1},
    ],
)
def test_nonsense_plans_are_refused_with_the_reason(
    served: tuple[SandboxKit, httpx.Client], plan: dict
) -> None:
    kit, client = served
    response = client.put("/_sandbox/faults", json=plan)
    assert response.status_code == 400 and response.json()["message"]
    assert client.get("/_sandbox/faults").json()["error_rate"] == 0.0  # the old plan stays


def test_request_log_can_keep_more_than_ten_thousand_entries(served: tuple[SandboxKit, httpx.Client]) -> None:
    kit, client = served
    assert client.get("/_sandbox/request-log").json() == {"limit": 10_000, "kept": 0}
    assert client.put("/_sandbox/request-log", json={"limit": 3}).json() == {"limit": 3, "kept": 0}
    for n in range(5):
        client.get(f"/things?n={n}")
    assert [r["query"] for r in client.get("/_sandbox/requests").json()] == ["n=2", "n=3", "n=4"]
    assert client.put("/_sandbox/request-log", json={"limit": 250_000}).json() == {
        "limit": 250_000,
        "kept": 3,
    }
    assert client.put("/_sandbox/request-log", json={"limit": 0}).status_code == 400
    assert client.put("/_sandbox/request-log", json={}).status_code == 400
    assert SandboxKit(log_limit=50_000).log_limit == 50_000
