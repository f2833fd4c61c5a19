"""The sync engine. It names no external system: integrations hand it declared entity flows.

- ``flows``: what one entity's flow is (read, map, find, write) and the context a mapper resolves
  references through.
- ``binder``: which record on one side is which on the other, with last-synced hashes.
- ``hashing``: stable snapshot hashes, so an unchanged record costs no write.
- ``runner``: runs flows in dependency order, with checkpoints, an error log and a dry-run plan.
"""

from ledgerbridge.engine.binder import Binder
from ledgerbridge.engine.flows import EntityFlow, MapContext, MappingError
from ledgerbridge.engine.hashing import snapshot_hash
from ledgerbridge.engine.plan import FieldChange, PlanItem
from ledgerbridge.engine.runner import OneWaySync, RunResult

__all__ = [
    "Binder",
    "EntityFlow",
    "FieldChange",
    "MapContext",
    "MappingError",
    "OneWaySync",
    "PlanItem",
    "RunResult",
    "snapshot_hash",
]
