"""How an integration declares one entity's one-way flow, in the spirit of Singer streams and OCA mappers.

An :class:`EntityFlow` says where records come from, how one becomes the other side's payload, how
the other side's copy is found (find-before-create), and how it is written. The runner decides
whether and when; the flow never touches the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

Record = Mapping[str, Any]
Payload = dict[str, Any]


class MappingError(Exception):
    """A record cannot be mapped as it is (a business error: the user must fix data or settings)."""


class MapContext(Protocol):
    """What a mapper may ask while mapping one record."""

    settings: Any

    def ref(self, entity: str, source_key: Any) -> str:
        """The target key of an already synced ``entity`` record; raises MappingError if it is not synced."""
        ...

    def lookup(self, name: str, key: Any) -> Any:
        """A value from a lookup table the integration prepared (e.g. VAT zone number → name)."""
        ...


@dataclass(frozen=True)
class EntityFlow:
    """One entity flowing from ``source`` to ``target`` (both system names)."""

    entity: str
    source: str
    target: str
    read: Callable[[], Iterable[Record]]
    source_key: Callable[[Record], Any]
    map: Callable[[Record, MapContext], Payload]
    target_key: Callable[[Payload], Any]
    create: Callable[[Payload], Record]
    update: Callable[[Any, Payload], Record]
    # The target's existing records, read once per run: find-before-create, and the "old" values
    # of a dry-run's field changes.
    read_target: Callable[[], Iterable[Record]] | None = None
    # The target record seen in payload shape, so it can be compared with a payload field by field.
    project: Callable[[Record, Payload], Payload] | None = None
    # The key of a target record as read back (defaults to ``target_key`` applied to the record).
    existing_key: Callable[[Record], Any] | None = None
    # Real-time sync of one record: fetch it from the source by key (None: it is gone), and look
    # for its copy on the target by target key (find-before-create without reading everything).
    read_one: Callable[[Any], Record | None] | None = None
    find_target: Callable[[Any], Record | None] | None = None
    depends_on: tuple[str, ...] = ()
    label: str = ""
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.label or self.entity.replace("_", " ")


def dependency_order(flows: Iterable[EntityFlow]) -> list[EntityFlow]:
    """Flows sorted so every flow comes after those it depends on; declaration order breaks ties."""
    pending = list(flows)
    names = {f.entity for f in pending}
    for flow in pending:
        missing = set(flow.depends_on) - names
        if missing:
            raise ValueError(f"flow {flow.entity!r} depends on unknown flows {sorted(missing)}")
    ordered: list[EntityFlow] = []
    done: set[str] = set()
    while pending:
        ready = [f for f in pending if set(f.depends_on) <= done]
        if not ready:
            raise ValueError(f"dependency cycle among {[f.entity for f in pending]}")
        for flow in ready:
            ordered.append(flow)
            done.add(flow.entity)
            pending.remove(flow)
    return ordered
