"""The shared client's retry policy, through httpx's MockTransport seam."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from ledgerbridge.systems.errors import (
    AuthError,
    NotFoundError,
    RateLimitedError,
    TransientError,
    ValidationError,
)
from ledgerbridge.systems.http import JsonApiClient


def client_for(
    responses: list[httpx.Response | Exception], **kwargs: object
) -> tuple[JsonApiClient, list[float]]:
    waits: list[float] = []
    seen = iter(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = next(seen)
        if isinstance(item, Exception):
            raise item
        return item

    client = JsonApiClient(
        "https://api.test",
        http=httpx.Client(transport=httpx.MockTransport(handler)),
        sleep=waits.append,
        **kwargs,
    )  # type: ignore[arg-type]
    return client, waits


def test_transient_failures_are_retried_with_backoff() -> None:
    client, waits = client_for(
        [httpx.Response(503), httpx.ConnectError("refused"), httpx.Response(200, json={"a": 1})]
    )
    assert client.get_json("/x") == {"a": 1}
    assert client.calls == 3 and len(waits) == 2


def test_retry_after_wins_over_backoff() -> None:
    client, waits = client_for(
        [httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json={})]
    )
    client.get_json("/x")
    assert waits == [7.0]


def test_retries_are_bounded() -> None:
    client, waits = client_for([httpx.Response(500)] * 3, max_retries=2)
    with pytest.raises(TransientError):
        client.get_json("/x")
    assert client.calls == 3


def test_last_429_surfaces_as_rate_limited() -> None:
    client, _ = client_for([httpx.Response(429, headers={"Retry-After": "1"})] * 2, max_retries=1)
    with pytest.raises(RateLimitedError) as caught:
        client.get_json("/x")
    assert caught.value.retry_after == 1.0


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, AuthError),
        (403, AuthError),
        (404, NotFoundError),
        (422, ValidationError),
        (400, ValidationError),
    ],
)
def test_business_errors_are_not_retried(status: int, error: type[Exception]) -> None:
    client, waits = client_for([httpx.Response(status, json={"message": "no"})])
    with pytest.raises(error) as caught:
        client.get_json("/x")
    assert client.calls == 1 and waits == []
    assert caught.value.remote_message == "no"  # type: ignore[attr-defined]


def test_decimals_go_out_exactly_and_lossy_ones_are_refused() -> None:
    sent: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.content)
        return httpx.Response(200, json={})

    client = JsonApiClient("https://api.test", http=httpx.Client(transport=httpx.MockTransport(handler)))
    client.request("POST", "/x", json_body={"price": Decimal("1234567.125")})
    assert sent == [b'{"price": 1234567.125}']
    with pytest.raises(ValueError, match="precision"):
        client.request("POST", "/x", json_body={"price": Decimal("0.12345678901234567891")})


def test_money_comes_back_as_decimal() -> None:
    client, _ = client_for([httpx.Response(200, content=b'{"salesPrice": 0.1, "count": 3}')])
    body = client.get_json("/x")
    assert body == {"salesPrice": Decimal("0.1"), "count": 3}
    assert isinstance(body["salesPrice"], Decimal) and isinstance(body["count"], int)
