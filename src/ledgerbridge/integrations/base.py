"""What every integration kind provides to the runtime: its sides, its typed settings and
connections, and the flows of each of its operations."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel

from ledgerbridge.engine.flows import EntityFlow
from ledgerbridge.engine.ledger import TransferResult
from ledgerbridge.store.db import Store


@dataclass
class Operation:
    """The flows of one operation (e.g. the start-up sync) and the lookup tables their mappers use."""

    flows: list[EntityFlow]
    lookups: Mapping[str, Mapping[Any, Any]] = field(default_factory=dict)


class Realtime(ABC):
    """An integration's continuous sync, opened once per process: clients open, settings loaded.

    The runtime feeds it inbox items (``handle``), asks it what a lost webhook may have hidden
    (``scan``), runs its periodic jobs, and passes manual transfers through it.
    """

    #: the system whose webhooks this session consumes (its name in bindings and the inbox)
    webhook_source: ClassVar[str]

    @abstractmethod
    def webhook_events(self) -> list[str]:
        """Events to subscribe to."""

    @abstractmethod
    def subscribe(self, url: str) -> dict[str, str]:
        """Subscribe ``url`` to every event; returns event → the token deliveries will carry."""

    @abstractmethod
    def handle(self, event: str, key: str, payload: dict[str, Any] | None = None) -> str:
        """Process one announced change; returns what happened in a few words.

        Raise ``RunAborted`` for a transient failure (the item stays queued and is retried); record
        business failures in the error log and return normally.
        """

    @abstractmethod
    def scan(self, since: datetime | None) -> Iterable[tuple[str, str]]:
        """``(event, key)`` pairs for records changed since ``since``: the safety net for lost webhooks."""

    @abstractmethod
    def transfer(self, document_type: str, key: str) -> TransferResult:
        """Transfer one document now (manual transfer, retry); safe to repeat."""

    def periodic(self, now: datetime) -> list[str]:
        """Run jobs that are due (e.g. the inventory value); returns what was done."""
        return []

    @abstractmethod
    def close(self) -> None:
        """Close the clients."""


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

    def realtime(self, store: Store, integration_id: int) -> Realtime | None:
        """The continuous sync of this kind, or None if it has none yet."""
        return None


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
