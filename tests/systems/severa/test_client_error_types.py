"""Every official ``ExceptionTypeEnum`` value, answered over real HTTP, reaches the caller of the Severa
client as its class in the project's exception tree (issue 14: "each error type mapped").

The sandbox produces the types a sandbox can (``InvalidParameter``, ``InvalidOperation``,
``InvalidRequest``, ``AuthenticationRequired``, ``InsufficientApiScope``, ``InternalSystemError``; see
``test_client.py``); the others (add-ons, licences, trials, terms of service …) need a real organisation in
that state. Here the served sandbox signs the client in as usual and a thin layer in front of it answers
``GET /v1/customers`` with the ``ExceptionModel`` of each type, at the status the research proposes, so the
whole path — httpx, the client's retries and token renewal, the error mapping — is the one production runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.systems.errors import ApiError, TransientError
from ledgerbridge.systems.severa.adapters import Severa
from ledgerbridge.systems.severa.client import SeveraClient
from ledgerbridge.systems.severa.connection import SeveraConnection
from ledgerbridge.systems.severa.sandbox import create_app
from tests.systems.severa.test_errors import EXPECTED

#: The status each type is answered with: the research's proposal (Part 2), 400 where it has none.
STATUS = {
    "AuthenticationRequired": 401,
    "InsufficientApiScope": 403,
    "PermissionDenied": 403,
    "AddonMissing": 403,
    "InternalSystemError": 500,
}


class Refusing:
    """ASGI: the sandbox, except that ``GET /v1/customers`` answers ``refuse`` (an error type) when set."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.refuse: str | None = None
        self.refused = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        kind = self.refuse
        if kind is None or scope.get("type") != "http" or scope.get("path") != "/v1/customers":
            await self.inner(scope, receive, send)
            return
        self.refused += 1
        status = STATUS.get(kind, 400)
        detail = {"message": f"{kind} (test)", "location": {"type": "QueryParameter", "name": "rowCount"}}
        body = json.dumps(
            {"error": {"httpStatusCode": status, "type": kind, "details": [detail], "stack": None}}
        ).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Refusing, str]]:
    front = Refusing(create_app(seed="demo", client_id="types", client_secret="types"))
    with SandboxServer(front) as server:
        yield front, server.base_url


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_each_error_type_reaches_the_caller_as_its_class(served: tuple[Refusing, str], kind: str) -> None:
    front, base_url = served
    connection = SeveraConnection(base_url=base_url, client_id="types", client_secret="types")
    with SeveraClient.open(connection, pacer=None, sleep=lambda seconds: None) as client:
        severa = Severa(client)
        assert severa.customers.by_number(1001) is not None  # signed in, the sandbox answers
        front.refuse, front.refused = kind, 0
        try:
            with pytest.raises(ApiError) as caught:
                severa.customers.by_number(1001)
        finally:
            front.refuse = None
    error = caught.value
    assert type(error) is EXPECTED[kind], f"{kind}: {type(error).__name__}"
    assert error.status_code == STATUS.get(kind, 400)
    assert kind in error.remote_message and f"{kind} (test)" in error.remote_message
    # Only Severa's own trouble is tried again; a type no retry can fix is given up at once, but for a 401,
    # which renews the token once and sends the request again.
    if error.status_code == 401:
        assert front.refused == 2
    elif isinstance(error, TransientError):
        assert front.refused > 1
    else:
        assert front.refused == 1
