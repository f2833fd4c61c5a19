"""What every integration kind provides to the runtime: its sides, its typed settings and
connections, and the flows of each of its operations."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel

from ledgerbridge.engine.flows import EntityFlow


@dataclass
class Operation:
    """The flows of one operation (e.g. the start-up sync) and the lookup tables their mappers use."""

    flows: list[EntityFlow]
    lookups: Mapping[str, Mapping[Any, Any]] = field(default_factory=dict)


class IntegrationKind(ABC):
    kind: ClassVar[str]
    title: ClassVar[str]
    sides: ClassVar[tuple[str, str]]  # (side A, side B) system names, as bindings store them
    Settings: ClassVar[type[BaseModel]]
    Connections: ClassVar[type[BaseModel]]

    def __init__(self, connections: BaseModel, settings: BaseModel) -> None:
        self.connections = connections
        self.settings = settings

    @abstractmethod
    @contextmanager
    def startup(self) -> Iterator[Operation]:
        """The start-up sync's flows, with clients open for as long as the context lasts."""


_KINDS: dict[str, type[IntegrationKind]] = {}


def register(kind: type[IntegrationKind]) -> type[IntegrationKind]:
    _KINDS[kind.kind] = kind
    return kind


def kind_named(name: str) -> type[IntegrationKind]:
    from ledgerbridge import integrations  # noqa: F401  (importing the package registers every kind)

    try:
        return _KINDS[name]
    except KeyError:
        known = ", ".join(sorted(_KINDS)) or "none"
        raise ValueError(f"unknown integration kind {name!r} (known kinds: {known})") from None


def all_kinds() -> dict[str, type[IntegrationKind]]:
    from ledgerbridge import integrations  # noqa: F401

    return dict(_KINDS)
