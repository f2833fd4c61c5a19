"""The sync engine. It names no external system: integrations hand it declared streams.

- ``streams``: what one entity's one-way flow is (a :class:`Stream` subclass: records, map, find,
  write) and the context a mapper resolves references through.
- ``context``: what a run carries (:class:`RunContext`: store, integration, sides, operation, settings).
- ``binder``: which record on one side is which on the other, with last-synced hashes.
- ``hashing``: stable snapshot hashes, so an unchanged record costs no write.
- ``runner``: runs streams in dependency order, with checkpoints, an error log and a dry-run plan.
- ``webhook_secrets``: the sealed secrets of an integration's webhook subscriptions.
"""

from ledgerbridge.engine.binder import Binder
from ledgerbridge.engine.context import RunContext
from ledgerbridge.engine.hashing import snapshot_hash
from ledgerbridge.engine.plan import FieldChange, PlanItem
from ledgerbridge.engine.runner import OneWaySync, RunResult
from ledgerbridge.engine.streams import MapContext, MappingError, Stream

__all__ = [
    "Binder",
    "FieldChange",
    "MapContext",
    "MappingError",
    "OneWaySync",
    "PlanItem",
    "RunContext",
    "RunResult",
    "Stream",
    "snapshot_hash",
]
