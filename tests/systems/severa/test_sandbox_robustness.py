"""Bad input to every Severa sandbox operation gets a clear 4xx in Severa's format, never a 5xx."""

from __future__ import annotations

from typing import Any

import httpx

from tests.systems.severa.walk_support import concrete_params

BAD_BODIES = (
    b"not json",
    b"[]",
    b"{}",
    b'"text"',
    b"null",
    b"\xff\xfe",
    b'{"name": 5, "number": "x", "customer": "x", "project": [], "projects": [1], "phase": {"guid": 5},'
    b' "unitPrice": 5, "quantity": "many", "eventDate": "yesterday", "percentage": "x", "type": 7,'
    b' "expenseClass": "Car", "value": {}, "firstName": [], "lastName": {}, "code": 1}',
    b'[{"op": "replace"}]',
    b'[{"op": 5}]',
    b'[{"op": "replace", "path": 5, "value": 1}]',
    b'[{"op": "replace", "path": "/name", "value": {"a": 1}}]',
    b'[{"op": "replace", "path": "/quantity", "value": "abc"}]',
    b'[{"op": "replace", "path": "/status/guid", "value": 5}]',
    b'[{"op": "replace", "path": "/eventDate", "value": "x"}]',
    b'[{"op": "replace", "path": "/number", "value": "1e9999"}]',
    b'[{"op": "replace", "path": "/unitPrice/amount", "value": "NaN"}]',
    b'[{"op": "replace", "path": "/workHourGrouping", "value": null}]',
)


def test_no_operation_answers_bad_input_with_a_server_error(severa_sandbox: Any) -> None:
    token = httpx.post(
        f"{severa_sandbox.base_url}/v1/token", json={"client_id": "sandbox", "client_secret": "sandbox"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    failures: list[str] = []
    refusals = 0
    with httpx.Client(base_url=severa_sandbox.base_url, headers=headers) as client:
        for route in severa_sandbox.app.routes:
            path = route.template
            for name, value in concrete_params(severa_sandbox.state, route.template).items():
                path = path.replace("{" + name + "}", value)
            if route.method in ("POST", "PATCH"):
                for body in BAD_BODIES:
                    response = client.request(route.method, path, content=body)
                    if response.status_code >= 500:
                        failures.append(
                            f"{route.method} {route.template} {body[:30]!r}: {response.status_code}"
                        )
                    elif response.status_code >= 400 and response.content:
                        assert response.json()["error"]["httpStatusCode"] == response.status_code
                        refusals += 1
            garbage = {name: "%%bad" for name in route.meta.get("query", {})}
            garbage.update({"sortings[0].key": "nope", "sortings[0].value": "Sideways", "rowCount": "-1"})
            if route.method == "GET":
                response = client.get(path, params=garbage)
                if response.status_code >= 500:
                    failures.append(f"GET {route.template} with bad query: {response.status_code}")
            malformed = path.replace(
                concrete_params(severa_sandbox.state, route.template).get("guid", "-"), "x"
            )
            if malformed != path:
                response = client.request(route.method, malformed, content=b"[]")
                assert response.status_code == 400, (route.template, response.status_code)
    assert failures == []
    assert refusals > 300  # the bodies were really refused, not quietly accepted
