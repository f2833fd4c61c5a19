"""A Rackbeat resource under the Rackbeat pairs' streams, read and written the same way whichever ledger
is on the other side.

- :class:`RackbeatRecords`: one Rackbeat resource as a stream's target (an
  :class:`~ledgerbridge.engine.streams.TargetRecords`): found by its number, created and updated with
  ``suppress_webhooks``, so our own writes never come back to us as Rackbeat webhooks.
- :class:`FromRackbeat`: the source half of a stream that reads a Rackbeat resource (keyed by
  ``number``): every record, and one record by its number for real time.

A stream into a ledger is then ``class ToLedger(FromRackbeat, ResourceStream)`` with the ledger's
writer as ``writes`` (``rackbeat_economic/to_economic.py``, ``rackbeat_eaccounting/to_eaccounting.py``);
a stream into Rackbeat is :class:`~ledgerbridge.integrations.into_rackbeat.IntoRackbeat`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ledgerbridge.engine.streams import Payload, Record, Stream
from ledgerbridge.systems.rackbeat import RackbeatClient

RACKBEAT = "rackbeat"


class RackbeatRecords:
    """One Rackbeat resource (``"customers"``, ``"product-groups"`` …) as a stream writes it."""

    def __init__(self, rackbeat: RackbeatClient, resource: str) -> None:
        self.rackbeat = rackbeat
        self.resource = resource

    def all(self) -> Iterable[Record]:
        return self.rackbeat.iter_all(self.resource)

    def find(self, key: Any, /) -> Record | None:
        return self.rackbeat.find(self.resource, key)

    # Our writes must not come back to us as Rackbeat webhooks.
    def create(self, payload: Payload, /) -> Record:
        return self.rackbeat.create(self.resource, payload, suppress_webhooks=True)

    def update(self, key: Any, payload: Payload, /) -> Record:
        return self.rackbeat.update(self.resource, key, payload, suppress_webhooks=True)


class FromRackbeat(Stream):
    """Reads the Rackbeat resource ``resource`` (set ``self.rackbeat`` in the constructor)."""

    source = RACKBEAT
    key = "number"
    resource: str  # Rackbeat's
    rackbeat: RackbeatClient

    def records(self) -> Iterable[Record]:
        return self.rackbeat.iter_all(self.resource)

    def read_one(self, key: Any, /) -> Record | None:
        return self.rackbeat.find(self.resource, key)
