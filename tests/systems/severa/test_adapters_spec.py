"""The Severa side's register table against the official OpenAPI: every route an adapter uses exists
with the method, paging parameters, ``changedSince`` and create answer it declares."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from ledgerbridge.systems.severa.adapters import REGISTERS, Register, Severa
from ledgerbridge.systems.severa.client import SeveraClient


@pytest.fixture(scope="module")
def severa_paths(specs_dir: Path) -> dict[str, Any]:
    text = (specs_dir / "severa" / "openapi-v1.0.yaml").read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    paths: dict[str, Any] = yaml.load(text, Loader=loader)["paths"]
    return paths


def _spec_path(template: str) -> str:
    """``v1/customers/{parent}/addresses`` → ``/v1/customers/{customerGuid}/addresses`` shape: parameter
    names differ per route, so compare with every ``{…}`` made alike."""
    return "/" + template


def _find(paths: dict[str, Any], template: str) -> dict[str, Any]:
    wanted = _normal(_spec_path(template))
    matches = [op for path, op in paths.items() if _normal(path) == wanted]
    assert matches, f"{template} is not in the OpenAPI"
    return matches[0]


def _normal(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def _query_names(operation: dict[str, Any]) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}


@pytest.mark.parametrize("register", REGISTERS, ids=lambda r: r.name)
def test_register_matches_the_spec(register: Register, severa_paths: dict[str, Any]) -> None:
    assert register.collection is not None
    listing = _find(severa_paths, register.collection)["get"]
    names = _query_names(listing)
    expected_paging = {"pageToken": "cursor", "firstRow": "offset"}
    declared = next((style for name, style in expected_paging.items() if name in names), "none")
    assert declared == register.paging, f"{register.name}: the spec pages {declared}"
    assert ("changedSince" in names) == register.changed_since, register.name
    if register.paging == "cursor":
        headers = listing["responses"]["200"].get("headers", {})
        assert "NextPageToken" in headers, f"{register.name}: no NextPageToken declared"

    if register.item is not None:
        item = _find(severa_paths, register.item)
        assert "get" in item
        assert ("patch" in item) == register.patchable, f"{register.name}: PATCH"
        assert ("delete" in item) == register.deletable, f"{register.name}: DELETE"

    create_path = register.create_path
    if create_path is None:
        assert "post" not in _find(severa_paths, register.collection), f"{register.name}: POST exists"
        return
    post = _find(severa_paths, create_path)["post"]
    created = post["responses"]["201"]["content"]["application/json"]["schema"]
    assert (created.get("type") == "array") == register.create_answers_array, f"{register.name}: 201"


GUID = "00000000-0000-0000-0000-00000000abcd"


class RecordingClient(SeveraClient):
    """A SeveraClient that sends nothing: every request is written down and answered with one empty record,
    so each adapter method runs its real path- and query-building code."""

    def __init__(self) -> None:
        super().__init__("https://severa.test/rest-api", "id", tokens=None, pacer=None)  # type: ignore[arg-type]
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        self.sent.append((method, path, dict(kwargs.get("params") or {})))
        return httpx.Response(200, json=[{"guid": GUID}], request=httpx.Request(method, self.url(path)))


def every_adapter_call(severa: Severa) -> None:
    """Each adapter method beyond plain CRUD, once."""
    since = datetime(2026, 1, 1, tzinfo=UTC)
    severa.customers.by_number(1)
    severa.customers.by_name("x")
    severa.customers.addresses(GUID)
    severa.customers.add_address(GUID, {"addressline": "x"})
    severa.customers.contact_persons(GUID, active=True)
    severa.customers.projects(GUID, isClosed=False)
    severa.addresses.create({"customer": {"guid": GUID}})
    severa.contact_persons.addresses(GUID)
    severa.contact_communications.for_contact(GUID, active=True)
    severa.communication_types.of_kind("Phone")
    severa.products.by_code("x")
    severa.work_types.by_code("x")
    severa.travel_expense_types.by_code("x")
    severa.price_lists.versions(GUID)
    severa.price_lists.version(GUID)
    severa.price_lists.work_hour_prices(GUID, changed_since=since)
    severa.price_lists.travel_prices(GUID)
    severa.projects.by_number(1)
    severa.projects.fees(GUID, isBillable=True, isBilled=False)
    severa.projects.work_hours(GUID, isBilled=False)
    severa.projects.travel_expenses(GUID, isBilled=False)
    severa.invoice_statuses.by_name("x")
    list(severa.invoices.in_status(GUID, changed_since=since))
    severa.invoices.create_from_projects([GUID], status_guid=GUID)
    severa.invoices.set_status(GUID, GUID, number=1)
    severa.invoices.rows(GUID, row_type="Hours")
    severa.invoices.settings(GUID)
    severa.invoices.work_hours(GUID)
    severa.invoices.project_fees(GUID)
    severa.invoices.travel_expenses(GUID)
    severa.invoice_rows.entries(GUID)
    severa.invoice_rows.update(GUID, {"description": "x"})
    severa.invoice_rows.delete(GUID, set_as_non_billable=True)
    severa.invoice_settings.update(GUID, {"paymentDate": "2026-01-01"})
    severa.project_fees.deleted_since(since, project_guids=[GUID])
    severa.work_hours.all(changed_since=since)
    severa.project_travel_expenses.all(changed_since=since)
    severa.vat_rates.default(country_guid=GUID)
    severa.currencies.by_code("SEK")
    severa.countries.by_code2("SE")
    severa.organisation.details()
    severa.organisation.update_details({"name": "x"})
    severa.organisation.settings()
    for adapter in (severa.customers, severa.products, severa.projects, severa.invoices, severa.project_fees):
        adapter.read(GUID)


def test_every_route_an_adapter_sends_is_in_the_spec_with_its_query(severa_paths: dict[str, Any]) -> None:
    client = RecordingClient()
    every_adapter_call(Severa(client))
    by_shape = {_normal(path): ops for path, ops in severa_paths.items()}
    problems = []
    for method, path, params in client.sent:
        shape = _normal("/" + path.replace(GUID, "{guid}").replace("/countries/SE", "/countries/{code2}"))
        operation = by_shape.get(shape, {}).get(method.lower())
        if operation is None:
            problems.append(f"{method} {path}: not in the spec")
            continue
        unknown = set(params) - _query_names(operation)
        if unknown:
            problems.append(f"{method} {path}: query {sorted(unknown)} not declared")
    assert problems == []
    assert len(client.sent) > 45
