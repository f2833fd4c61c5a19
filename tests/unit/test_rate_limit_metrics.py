"""A 429 waited out is counted for /metrics (ledgerbridge_rate_limit_waits_total and the seconds waited)."""

from __future__ import annotations

import httpx

from ledgerbridge.runtime import metrics
from ledgerbridge.systems.http import JsonApiClient


class Limited(JsonApiClient):
    system = "limited-test-system"


def test_a_429_waited_out_is_counted() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "1.5"}), httpx.Response(200, json={"ok": 1})])
    http = httpx.Client(transport=httpx.MockTransport(lambda request: next(answers)))
    slept: list[float] = []
    client = Limited("http://limited.test", http=http, sleep=slept.append)
    before = metrics.RATE_LIMIT_WAITS.labels("limited-test-system")._value.get()
    seconds = metrics.RATE_LIMIT_WAIT_SECONDS.labels("limited-test-system")._value.get()
    assert client.request("GET", "x").json() == {"ok": 1}
    assert slept == [1.5]
    assert metrics.RATE_LIMIT_WAITS.labels("limited-test-system")._value.get() == before + 1
    assert metrics.RATE_LIMIT_WAIT_SECONDS.labels("limited-test-system")._value.get() == seconds + 1.5
