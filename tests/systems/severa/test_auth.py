"""Readings the research leaves open, which the sandbox cannot tell apart (it accepts both): the scope
separator and the token's lifetime fields. A recording transport stands in for Severa's token route here;
everything else about signing in runs against the served sandbox (test_client.py, test_token_vault.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from ledgerbridge.systems.errors import ValidationError
from ledgerbridge.systems.severa.auth import SeveraTokenEndpoint, normalise_token

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def endpoint_accepting(separator: str | None, bodies: list[dict[str, object]]) -> SeveraTokenEndpoint:
    """A token route that takes only scopes joined by ``separator`` (None: refuses every sign-in)."""

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        bodies.append(body)
        scope = str(body.get("scope", ""))
        if separator is None or (separator not in scope):
            error = {
                "error": {
                    "httpStatusCode": 400,
                    "type": "InvalidParameter",
                    "details": [{"message": "scope"}],
                }
            }
            return httpx.Response(400, json=error)
        return httpx.Response(
            200, json={"access_token": "a", "access_token_expires_in": 3600, "refresh_token": "r"}
        )

    http = httpx.Client(transport=httpx.MockTransport(answer))
    return SeveraTokenEndpoint(
        "https://severa.test/rest-api",
        "id",
        "secret",
        ("customers:read", "invoices:read"),
        http=http,
        clock=lambda: NOW,
    )


def test_comma_first_then_space_and_the_one_taken_is_remembered() -> None:
    bodies: list[dict[str, object]] = []
    endpoint = endpoint_accepting(" ", bodies)
    assert endpoint.sign_in()["access_token"] == "a"
    assert endpoint.sign_in()["access_token"] == "a"
    assert [b["scope"] for b in bodies] == [
        "customers:read,invoices:read",
        "customers:read invoices:read",
        "customers:read invoices:read",  # the second sign-in goes straight to the separator that worked
    ]


def test_refused_both_ways_is_the_first_refusal() -> None:
    bodies: list[dict[str, object]] = []
    with pytest.raises(ValidationError) as caught:  # the first answer: InvalidParameter
        endpoint_accepting(None, bodies).sign_in()
    assert "InvalidParameter" in str(caught.value)
    assert len(bodies) == 2


def test_expiry_from_the_utc_stamp_else_from_seconds() -> None:
    stamped = normalise_token(
        {
            "access_token": "a",
            "access_token_expires_in": 10,
            "access_token_expires_utc": "2026-03-02T09:00:00Z",
        },
        NOW,
    )
    assert stamped["expires_at"] == int(datetime(2026, 3, 2, 9, 0, tzinfo=UTC).timestamp())
    counted = normalise_token(
        {"access_token": "a", "access_token_expires_in": 600, "refresh_token_expires_in": 60}, NOW
    )
    assert counted["expires_at"] == int(NOW.timestamp()) + 600
    assert counted["refresh_expires_at"] == int(NOW.timestamp()) + 60
    plain_oauth = normalise_token({"access_token": "a", "expires_in": 30}, NOW)
    assert plain_oauth["expires_at"] == int(NOW.timestamp()) + 30
    assert "expires_at" not in normalise_token({"access_token": "a"}, NOW)


def test_connection_model_keeps_the_secret_out_of_sight_and_refuses_nonsense() -> None:
    from pydantic import ValidationError as ModelError

    from ledgerbridge.systems.severa.connection import DEFAULT_BASE_URL, SeveraConnection

    connection = SeveraConnection(client_id=" api-client ", client_secret="s3cret")
    assert connection.client_id == "api-client"
    assert connection.api_url == DEFAULT_BASE_URL
    for pasted in (f"{DEFAULT_BASE_URL}/", f"{DEFAULT_BASE_URL}/v1", f"{DEFAULT_BASE_URL}/v1.0/"):
        assert SeveraConnection(base_url=pasted, client_id="x", client_secret="x").api_url == DEFAULT_BASE_URL
    assert "s3cret" not in repr(connection) and "s3cret" not in connection.model_dump_json()
    assert "invoices:write" in connection.scopes
    for bad in (
        {"client_id": "x", "client_secret": "  "},
        {"client_id": " ", "client_secret": "x"},
        {"client_id": "x", "client_secret": "x", "scopes": ["invoices"]},
        {"client_id": "x", "client_secret": "x", "scopes": ["invoices:admin"]},
        {"client_id": "x", "client_secret": "x", "timeout_seconds": 0},
        {"client_id": "x", "client_secret": "x", "surprise": 1},
    ):
        with pytest.raises(ModelError):
            SeveraConnection(**bad)  # type: ignore[arg-type]
