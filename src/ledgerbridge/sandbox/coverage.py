"""Coverage of the sandboxes: of the operations each published spec documents, how many the sandbox serves.

Run ``python -m ledgerbridge.sandbox.coverage [SPECS_DIR]`` (default ``$LEDGERBRIDGE_SPECS_DIR`` or
``../shared/specs``) for the table the README quotes. An operation counts as served when the sandbox
answers it with anything but its own "no such route" answer (404 naming the route, or 405): each
documented method + path is sent to a fresh sandbox in memory with ``1`` for every path parameter, so a
missing record (404 naming the record) still counts as served. The specs read:

- e-conomic: the legacy REST schema files (``restapi-schemas/<segments>.<method>.schema.json``, one per
  operation; the OpenAPI services under ``openapi/`` are not counted here);
- eAccounting: ``openapi-v2-2026.json``;
- Rackbeat: the legacy swagger's endpoint list (``legacy-swagger-0.5.4/endpoints.md``).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import threading
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.types import ASGIApp

Operation = tuple[str, str]  # (METHOD, /path/template)

# Segments of e-conomic schema file names that are path parameters although written in lower case, and
# camel-case segments that are literal path words.
_ECONOMIC_LOWER_PARAMETERS = {"id", "code", "customergroupnumber"}
_ECONOMIC_CAMEL_LITERALS = {"financeVoucher", "manualCustomerInvoice", "draftInvoice"}


@dataclass
class Coverage:
    system: str
    documented: list[Operation]
    served: list[Operation] = field(default_factory=list)
    server_errors: list[Operation] = field(default_factory=list)

    @property
    def unserved(self) -> list[Operation]:
        served = set(self.served)
        return [op for op in self.documented if op not in served]

    def line(self) -> str:
        share = 100 * len(self.served) / len(self.documented) if self.documented else 0.0
        served, documented = len(self.served), len(self.documented)
        return f"{self.system}: {served} of {documented} documented operations served ({share:.0f} %)"


def economic_operations(specs: Path) -> list[Operation]:
    """One operation per legacy REST schema file."""
    ops: set[Operation] = set()
    for schema in sorted((specs / "economic" / "restapi-schemas").glob("*.schema.json")):
        *segments, method = schema.name.removesuffix(".schema.json").split(".")
        parts = []
        for segment in segments:
            camel = any(c.isupper() for c in segment) and segment not in _ECONOMIC_CAMEL_LITERALS
            parts.append(f"{{{segment}}}" if camel or segment in _ECONOMIC_LOWER_PARAMETERS else segment)
        ops.add((method.upper(), "/" + "/".join(parts)))
    return sorted(ops, key=lambda op: (op[1], op[0]))


def eaccounting_operations(specs: Path) -> list[Operation]:
    document = json.loads((specs / "eaccounting" / "openapi-v2-2026.json").read_text())
    methods = {"get", "post", "put", "patch", "delete"}
    ops = {
        (method.upper(), "/v2" + path if not path.startswith("/v2") else path)
        for path, item in document["paths"].items()
        for method in item
        if method in methods
    }
    return sorted(ops, key=lambda op: (op[1], op[0]))


_RACKBEAT_ROW = re.compile(r"\*\*(GET|POST|PUT|PATCH|DELETE)\*\* (/\S+)")


def rackbeat_operations(specs: Path) -> list[Operation]:
    text = (specs / "rackbeat" / "legacy-swagger-0.5.4" / "endpoints.md").read_text()
    ops = {(m.group(1), m.group(2)) for m in _RACKBEAT_ROW.finditer(text)}
    return sorted(ops, key=lambda op: (op[1], op[0]))


_SAMPLE_UUID = "00000000-0000-0000-0000-000000000001"


def _sample(name: str) -> str:
    """A value of the parameter's kind: ids are UUIDs in eAccounting, dates are dates, the rest numbers."""
    lowered = name.lower()
    if lowered.endswith("id"):
        return _SAMPLE_UUID
    if "date" in lowered:
        return "2025-01-01"
    return "1"


def _concrete(template: str) -> str:
    return re.sub(r"\{([^}]*)\}", lambda m: _sample(m.group(1)), template)


async def _probe(
    app: ASGIApp,
    operations: Iterable[Operation],
    headers: dict[str, str],
    prefix: str,
    unknown_route: Callable[[httpx.Response], bool],
    coverage: Coverage,
) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox", headers=headers) as client:
        for method, template in operations:
            body = None if method in ("GET", "DELETE") else b"{}"
            send_headers = {"Content-Type": "application/json"} if body is not None else {}
            answer = await client.request(
                method, prefix + _concrete(template), content=body, headers=send_headers
            )
            if answer.status_code >= 500:
                coverage.server_errors.append((method, template))
            if not unknown_route(answer):
                coverage.served.append((method, template))


def _run(probe: Coroutine[Any, Any, None]) -> None:
    """Run the probe to the end, also where this thread already runs an event loop (a browser test's)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(probe)
        return
    worker = threading.Thread(target=asyncio.run, args=(probe,), name="sandbox-coverage")
    worker.start()
    worker.join()


def _says(answer: httpx.Response, *needles: str) -> bool:
    return any(needle in answer.text for needle in needles)


def measure_economic(specs: Path) -> Coverage:
    from ledgerbridge.systems.economic.sandbox import create_app

    coverage = Coverage("e-conomic (legacy REST)", economic_operations(specs))

    def unknown(answer: httpx.Response) -> bool:
        return answer.status_code == 405 or (
            answer.status_code == 404 and _says(answer, "The requested endpoint does not exist.")
        )

    headers = {"X-AppSecretToken": "coverage", "X-AgreementGrantToken": "coverage"}
    app = create_app(seed="demo", rate_limit=None)
    _run(_probe(app, coverage.documented, headers, "", unknown, coverage))
    return coverage


def measure_eaccounting(specs: Path) -> Coverage:
    from ledgerbridge.systems.eaccounting import EAccountingState, create_app

    coverage = Coverage("eAccounting (OpenAPI v2 2026)", eaccounting_operations(specs))

    def unknown(answer: httpx.Response) -> bool:
        return answer.status_code == 405 or (
            answer.status_code == 404 and _says(answer, "No HTTP resource was found")
        )

    app = create_app(EAccountingState())
    headers = {"Authorization": "Bearer coverage"}
    _run(_probe(app, coverage.documented, headers, "", unknown, coverage))
    return coverage


def measure_rackbeat(specs: Path) -> Coverage:
    from ledgerbridge.systems.rackbeat.sandbox import create_app

    coverage = Coverage("Rackbeat (legacy swagger 0.5.4)", rackbeat_operations(specs))

    def unknown(answer: httpx.Response) -> bool:
        return answer.status_code == 405 or (
            answer.status_code == 404 and _says(answer, "could not be found")
        )

    app = create_app(token="coverage", rate_limit=None)
    headers = {"Authorization": "Bearer coverage"}
    _run(_probe(app, coverage.documented, headers, "/api", unknown, coverage))
    return coverage


_METHODS = ("get", "post", "put", "patch", "delete")


def measure_severa(specs: Path) -> Coverage:
    """Severa's official OpenAPI against the sandbox's route table (a probe would count ``/customers/
    customproperties`` as served: ``/customers/{guid}`` takes it and answers 400). Parameters are compared by
    position, as the one country route answers the four names the spec gives it. Needs pyyaml (a dev
    dependency), so it is not in ``measure_all``."""
    import yaml

    from ledgerbridge.systems.severa.sandbox import create_app

    paths = yaml.load((specs / "severa" / "openapi-v1.0.yaml").read_text(), Loader=yaml.CSafeLoader)["paths"]
    ops = {(m.upper(), path) for path, item in paths.items() for m in item if m in _METHODS}
    coverage = Coverage("Severa (OpenAPI v1.0)", sorted(ops, key=lambda op: (op[1], op[0])))
    shape = lambda t: re.sub(r"\{[^}]*\}", "{}", t)  # noqa: E731
    routes = {(route.method, shape(route.template)) for route in create_app(seed="demo").routes}
    coverage.served = [(m, t) for m, t in coverage.documented if (m, shape(t)) in routes]
    return coverage


def measure_all(specs: Path) -> list[Coverage]:
    return [measure_economic(specs), measure_eaccounting(specs), measure_rackbeat(specs)]


def main(argv: list[str]) -> int:
    default = os.environ.get("LEDGERBRIDGE_SPECS_DIR") or str(Path.cwd().parent / "shared" / "specs")
    positional = [a for a in argv[1:] if not a.startswith("--")]
    specs = Path(positional[0] if positional else default)
    verbose = "--unserved" in argv
    for coverage in measure_all(specs):
        print(coverage.line())
        if coverage.server_errors:
            print(f"  server errors on probe: {coverage.server_errors}")
        if verbose:
            for method, path in coverage.unserved:
                print(f"  unserved {method} {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
