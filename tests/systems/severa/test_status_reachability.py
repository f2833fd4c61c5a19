"""Every status code the Severa OpenAPI documents for a served operation is reached over HTTP, or listed with
its reason under "Status codes not reached" in docs/sandboxes/severa.md (issue 13).

The document gives each operation its success status (200, 201 or 204), ``404`` and ``default`` (the
``ExceptionModel`` of any other error). ``test_contract.py`` already reaches every success status (it calls
every served operation with ``expect=``); this walk drives the rest per operation: 404 with an unknown GUID in
the path (the last one, so the parents exist), and ``default`` with the error a client meets first — 401
without a token (400 with a wrong secret on the token routes) — whose body must be an ``ExceptionModel``. The
2xx of every read is driven here too (a GET with the demo's ids), so a list that stopped answering shows.
The undocumented answers a client also meets — 405 with ``Allow``, 429 past the request limit — are
``test_sandbox.py``'s.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.systems.severa.walk_support import concrete_params

yaml = pytest.importorskip("yaml")

pytestmark = pytest.mark.contract

DOC = Path(__file__).resolve().parents[3] / "docs" / "sandboxes" / "severa.md"
SECTION = "## Status codes not reached"
_LISTED = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s]+)` (\d{3}|default)")
UNKNOWN = "0f0f0f0f-0000-4000-8000-00000000abcd"
Key = tuple[str, str, str]
BAD_CREDENTIALS: dict[str, Any] = {
    "/v1/token": {"client_id": "sandbox", "client_secret": "wrong"},
    "/v1/refreshtoken": "not-a-refresh-token",
    "/v1/login/oauth/access_token": {
        "grant_type": "client_credentials",
        "client_id": "sandbox",
        "client_secret": "wrong",
    },
}


def listed_unreached() -> set[Key]:
    text = DOC.read_text(encoding="utf-8")
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return {(m.group(1), m.group(2), m.group(3)) for m in _LISTED.finditer(section)}


@pytest.fixture(scope="module")
def spec(specs_dir: Path) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with (specs_dir / "severa" / "openapi-v1.0.yaml").open(encoding="utf-8") as handle:
        return dict(yaml.load(handle, Loader=loader))


def documented_statuses(spec: dict[str, Any]) -> dict[tuple[str, str], set[str]]:
    return {
        (method.upper(), path): set(operation.get("responses", {}))
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    }


def _path(template: str, params: dict[str, str], *, unknown_last: bool = False) -> str:
    holes = re.findall(r"\{([^}]+)\}", template)
    path = template
    for index, name in enumerate(holes):
        value = UNKNOWN if unknown_last and index == len(holes) - 1 else params.get(name, UNKNOWN)
        path = path.replace("{" + name + "}", value)
    return path


def _is_exception_model(answer: httpx.Response, types: set[str]) -> bool:
    """The ``ExceptionModel`` envelope: ``error.type`` from the enum, ``httpStatusCode`` the status."""
    try:
        error = answer.json()["error"]
        return error["type"] in types and error["httpStatusCode"] == answer.status_code
    except (ValueError, KeyError, TypeError):
        return False


def test_every_documented_status_of_a_served_operation_is_reached_or_listed(
    severa_sandbox: Any, spec: dict[str, Any]
) -> None:
    from ledgerbridge.systems.severa.sandbox import create_app

    routes = list(create_app(seed="demo").routes)
    documented = documented_statuses(spec)
    types = set(spec["components"]["schemas"]["ExceptionTypeEnum"]["enum"])
    state = severa_sandbox.state
    token = httpx.post(
        f"{severa_sandbox.base_url}/v1/token",
        json={"client_id": severa_sandbox.client_id, "client_secret": severa_sandbox.client_secret},
    ).json()["access_token"]
    authorised = {"Authorization": f"Bearer {token}", "Client_Id": severa_sandbox.client_id}
    reached: set[Key] = set()
    unreached: set[Key] = set()
    answers: dict[Key, str] = {}
    # Reads first, then writes of 404 (unknown GUIDs change nothing), so every read sees the demo as seeded.
    order = sorted(routes, key=lambda r: (r.method != "GET", r.template, r.method))
    with httpx.Client(base_url=severa_sandbox.base_url) as http:
        for route in order:
            method, template = route.method, route.template
            params = concrete_params(state, template)
            for status in sorted(documented[(method, template)]):
                key = (method, template, status)
                ok = False
                if status in ("200", "204") and method == "GET":
                    got = http.get(_path(template, params), headers=authorised)
                    ok = str(got.status_code) == status
                elif status.startswith("2"):
                    continue  # writes: test_contract.py reaches each with its expect=
                elif status == "404":
                    if "{" not in template:
                        got = None
                    else:
                        got = http.request(
                            method, _path(template, params, unknown_last=True), json={}, headers=authorised
                        )
                        ok = got.status_code == 404
                elif status == "default":
                    if route.meta.get("auth", True):
                        got = http.request(method, _path(template, params), json={})
                        ok = got.status_code == 401 and _is_exception_model(got, types)
                    elif template in BAD_CREDENTIALS:
                        got = http.post(template, json=BAD_CREDENTIALS[template])
                        ok = got.status_code == 401 and _is_exception_model(got, types)
                    else:
                        got = None  # an open route that takes nothing: no error to provoke
                else:
                    got = None
                (reached if ok else unreached).add(key)
                answers[key] = "no request" if got is None else f"{got.status_code} {got.text[:80]}"
    listed = listed_unreached()
    assert len(reached) >= 229  # of 324 pairs: the 50 writes' 2xx are test_contract.py's, 45 listed
    assert not unreached - listed, "reached by no request and not listed:\n" + "\n".join(
        f"`{m} {t}` {s} ({answers[(m, t, s)]})" for m, t, s in sorted(unreached - listed)
    )
    assert not listed & reached, f"listed as not reached but reached: {sorted(listed & reached)}"
