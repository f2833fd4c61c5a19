"""A mapping context for mapper unit tests: a reference is bound as ``bindings`` says, else to the same
key (Rackbeat number N ↔ N); lookups come from a table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledgerbridge.engine.streams import MappingError


class FakeContext:
    def __init__(
        self,
        settings: Any,
        lookups: Mapping[str, Mapping[Any, Any]] | None = None,
        bindings: Mapping[tuple[str, Any], str] | None = None,
    ) -> None:
        self.settings = settings
        self.lookups = lookups or {}
        self.bindings = bindings or {}

    def ref(self, entity: str, source_key: Any) -> str:
        if source_key is None:
            raise MappingError(f"{entity} has no key")
        return self.bindings.get((entity, source_key), str(source_key))

    def lookup(self, name: str, key: Any) -> Any:
        return self.lookups.get(name, {}).get(key)
