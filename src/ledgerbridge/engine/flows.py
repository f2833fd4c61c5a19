"""Transitional: :class:`EntityFlow`, a :class:`~ledgerbridge.engine.streams.Stream` built from callables.

New flows are declared as ``Stream`` subclasses (``engine/streams.py``); this adapter remains for
flows not converted yet, and this module's other names are re-exported from ``engine.streams`` so old
imports keep working.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ledgerbridge.engine.streams import MapContext, MappingError, Payload, Record, Stream, dependency_order

__all__ = ["EntityFlow", "MapContext", "MappingError", "Payload", "Record", "Stream", "dependency_order"]


@dataclass(frozen=True)
class EntityFlow(Stream):
    """Transitional adapter: a stream whose hooks are the callables it was built with."""

    entity: str
    source: str
    target: str
    read: Callable[[], Iterable[Record]]
    source_key: Callable[[Record], Any]  # type: ignore[assignment]
    map: Callable[[Record, MapContext], Payload]  # type: ignore[assignment]
    target_key: Callable[[Payload], Any]  # type: ignore[assignment]
    create: Callable[[Payload], Record]  # type: ignore[assignment]
    update: Callable[[Any, Payload], Record]  # type: ignore[assignment]
    read_target: Callable[[], Iterable[Record]] | None = None  # type: ignore[assignment]
    project: Callable[[Record, Payload], Payload] | None = None  # type: ignore[assignment]
    existing_key: Callable[[Record], Any] | None = None  # type: ignore[assignment]
    read_one: Callable[[Any], Record | None] | None = None  # type: ignore[assignment]
    find_target: Callable[[Any], Record | None] | None = None  # type: ignore[assignment]
    depends_on: tuple[str, ...] = ()
    label: str = ""
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def has(self, hook: str) -> bool:
        return getattr(self, hook) is not None

    def records(self) -> Iterable[Record]:
        return self.read()
