"""Projects → cost center items, one way (seed 004 C16, C54–C56).

Every non-internal Severa project with a number becomes an item of the chosen cost center: the number
is the item's ``ShortName`` (longer than 9 characters: refused, C55/A8), the name its ``Name`` (cut to
50: items are labels, A8), active = not closed (C54). Closed projects are sent only when already bound
(to deactivate them) or when "include closed" is set (A19). Items are found again by short name within the
cost center, so nothing is created twice (C66).

The field mapping, both directions, is ``mappers/project.py``; this module reads, compares and writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ledgerbridge.engine.streams import MappingError, Stream
from ledgerbridge.integrations.severa_eaccounting.lookups import Lookups, Record, Source
from ledgerbridge.integrations.severa_eaccounting.mappers.project import map_project_to_eaccounting
from ledgerbridge.systems.eaccounting.adapters import CostCenterItems


class ProjectItems:
    def __init__(self, lookups: Lookups) -> None:
        self.lookups = lookups
        self.items = CostCenterItems(lookups.eaccounting)

    def all(self) -> Iterable[Record]:
        return self.lookups.project_items.values()

    def create(self, payload: dict[str, Any]) -> Record:
        created = self.items.create(
            str(self.lookups.cost_center["Id"]),
            payload["ShortName"],
            payload["Name"],
            active=payload["IsActive"],
        )
        self.lookups.project_items[str(created["ShortName"])] = created
        return created

    def update(self, short_name: str, payload: dict[str, Any]) -> Record:
        current = self.lookups.project_items.get(short_name)
        if current is None:
            raise MappingError(f"cost center item {short_name} disappeared from eEkonomi")
        updated = self.items.update(str(current["Id"]), name=payload["Name"], active=payload["IsActive"])
        self.lookups.project_items[short_name] = updated
        return updated


class Projects(Stream):
    """Severa projects → items of the chosen cost center, keyed by the project number (the short name)."""

    entity = "project"
    source = "severa"
    target = "eaccounting"
    label = "projects Severa → eEkonomi cost center items"
    map = staticmethod(map_project_to_eaccounting)

    def __init__(self, lookups: Lookups, bound: Callable[[], set[str]]) -> None:
        self.lookups = lookups
        self.bound = bound
        self.items = ProjectItems(lookups)

    def records(self) -> Iterable[Record]:
        include_closed = self.lookups.settings.projects.include_closed
        keys = self.bound()
        for project in self.lookups.severa.projects.search():
            if project.get("isInternal"):
                continue  # A19: internal projects are never invoiced
            key = str(project.get("number"))
            if project.get("isClosed") and not include_closed and key not in keys:
                continue
            yield project

    def source_key(self, record: Source, /) -> Any:
        return str(record.get("number") or f"(no number) {record.get('name')}")

    def target_key(self, payload: dict[str, Any], /) -> Any:
        return payload["ShortName"]

    def existing_key(self, record: Source, /) -> Any:
        return str(record.get("ShortName"))

    def read_target(self) -> Iterable[Record]:
        return self.items.all()

    def create(self, payload: dict[str, Any], /) -> Record:
        return self.items.create(payload)

    def update(self, key: Any, payload: dict[str, Any], /) -> Record:
        return self.items.update(key, payload)


def project_flows(lookups: Lookups, bound: Callable[[], set[str]]) -> list[Stream]:
    return [Projects(lookups, bound)]
