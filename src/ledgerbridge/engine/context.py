"""What a run of streams carries: one :class:`RunContext` instead of a row of keyword parameters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ledgerbridge.engine.progress import NullProgress, Progress
from ledgerbridge.store.db import Store


@dataclass(frozen=True)
class RunContext:
    """Where and how streams run: for which integration, between which sides, as which operation."""

    store: Store
    integration_id: int
    # The integration's two systems, in the order its bindings keep them.
    sides: tuple[str, str]
    # The run kind (e.g. ``"startup"``) in the sync-run table, the error log and the checkpoint.
    operation: str
    # The integration's settings, handed to every mapper through its MapContext.
    settings: Any = None
    # Lookup tables the integration prepared for its mappers (e.g. VAT zone number → name).
    lookups: Mapping[str, Mapping[Any, Any]] = field(default_factory=dict)
    progress: Progress = field(default_factory=NullProgress)
    # Where both sides are edited: a bound record the target also changed since the last sync is a
    # conflict. The source (the master) still wins; the target's losing values are recorded.
    detect_conflicts: bool = False

    @property
    def checkpoint_name(self) -> str:
        """The cursor under which a run of this operation records how far it got, per stream."""
        return f"{self.operation}:checkpoint"
