"""Seed 004's project rules (C54–C56): a synced field reaches the cost center item, a field not synced is
absent."""

from __future__ import annotations

from typing import Any

import pytest

from ledgerbridge.engine.streams import MappingError
from ledgerbridge.integrations.severa_eaccounting.mappers.project import ProjectToEAccounting
from tests.integrations.mappers.severa_support import CTX

PROJECT = {"guid": "pr-1", "number": 4711, "name": "Nytt tak", "isClosed": False}


def to_item(**fields: Any) -> dict[str, Any]:
    return ProjectToEAccounting().map({**PROJECT, **fields}, CTX)


def test_number_name_and_open_reach_the_cost_center_item() -> None:  # C54, C55, C56
    assert to_item() == {"ShortName": "4711", "Name": "Nytt tak", "IsActive": True}


def test_a_closed_project_is_an_inactive_item() -> None:  # C54
    assert to_item(isClosed=True)["IsActive"] is False


def test_a_long_name_is_cut_and_a_missing_one_is_the_number() -> None:  # A8
    assert to_item(name="N" * 60)["Name"] == "N" * 50
    assert to_item(name=None)["Name"] == "4711"


@pytest.mark.parametrize("severa_field", ProjectToEAccounting.ignored)
def test_a_project_field_not_synced_is_absent(severa_field: str) -> None:
    assert "sentinel" not in to_item(**{severa_field: "sentinel"}).values()


@pytest.mark.parametrize(
    ("fields", "message"), [({"number": None}, "has no number"), ({"number": 1234567890}, "allows 9")]
)
def test_a_project_eaccounting_cannot_take_is_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(MappingError, match=message):
        to_item(**fields)
