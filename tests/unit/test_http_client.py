"""The shared client's retry policy, through httpx's MockTransport seam."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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
from ledgerbridge.systems.http import JsonApiClient, WaitDeferral, deferring


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


# -- long waits handed to a caller that comes back later (the hub's inbox) --------------------------------
def test_a_long_retry_after_is_raised_to_a_deferring_caller_instead_of_slept() -> None:
    client, waits = client_for([httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200)])
    deferral = WaitDeferral()
    with deferring(deferral), pytest.raises(RateLimitedError) as caught:
        client.get_json("/x")
    assert client.calls == 1 and waits == []  # nothing slept in the call
    assert caught.value.wait_seconds == 7.0 and deferral.seconds == 7.0


def test_a_short_back_off_is_still_retried_in_place_under_a_deferral() -> None:
    client, waits = client_for([httpx.Response(503), httpx.Response(200, json={"a": 1})])
    deferral = WaitDeferral(longer_than=0.5)
    with deferring(deferral):
        assert client.get_json("/x") == {"a": 1}  # the first back-off is 0.2-0.4 s
    assert client.calls == 2 and len(waits) == 1 and deferral.seconds is None


def test_back_offs_grow_until_one_is_handed_to_the_deferring_caller() -> None:
    client, waits = client_for([httpx.Response(503)] * 6)
    deferral = WaitDeferral(longer_than=0.5)
    with deferring(deferral), pytest.raises(TransientError) as caught:
        client.get_json("/x")
    assert all(wait <= 0.5 for wait in waits) and client.calls == len(waits) + 1 < 6
    assert caught.value.wait_seconds is not None and caught.value.wait_seconds > 0.5
    assert deferral.seconds == caught.value.wait_seconds


def test_without_a_deferral_every_wait_is_slept_in_the_call() -> None:
    """The CLI and one-shot transfers: no caller comes back later, so the call waits (also after a
    deferring block has ended)."""
    client, waits = client_for([httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200)] * 2)
    with deferring(None):
        client.request("GET", "/x")
    with deferring(WaitDeferral()):
        pass
    client.request("GET", "/x")
    assert waits == [7.0, 7.0] and client.calls == 4


def test_a_short_wait_under_a_deferral_is_slept_inside_its_while_sleeping() -> None:
    """The hub lends the document's slot there while the call sleeps."""
    events: list[str] = []
    answers = iter([httpx.Response(429, headers={"Retry-After": "0.5"}), httpx.Response(200, json={})])
    http = httpx.Client(transport=httpx.MockTransport(lambda request: next(answers)))
    client = JsonApiClient("https://api.test", http=http, sleep=lambda wait: events.append(f"sleep {wait}"))

    @contextmanager
    def lending() -> Iterator[None]:
        events.append("lent")
        yield
        events.append("back")

    with deferring(WaitDeferral(longer_than=1.0, while_sleeping=lending)):
        client.request("GET", "/x")
    assert events == ["lent", "sleep 0.5", "back"]
