"""How a run reports progress; the CLI draws Rich bars from it, tests and the API may ignore it."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def entity_started(self, entity: str, title: str, total: int) -> None: ...

    def advance(self, entity: str, outcome: str) -> None: ...

    def entity_finished(self, entity: str, counts: dict[str, int]) -> None: ...


class NullProgress:
    def entity_started(self, entity: str, title: str, total: int) -> None:
        pass

    def advance(self, entity: str, outcome: str) -> None:
        pass

    def entity_finished(self, entity: str, counts: dict[str, int]) -> None:
        pass
