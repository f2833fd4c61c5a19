"""The Severa side's register table against the official OpenAPI: every route an adapter uses exists
with the method, paging parameters, ``changedSince`` and create answer it declares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ledgerbridge.systems.severa.adapters import REGISTERS, Register


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
    import re

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
