"""eAccounting → Rackbeat, continuously (seed 000, "Vad kan överföras från eEkonomi till Rackbeat?").

- Sales orders (the incumbent: every 5 minutes; here ``orders.interval_seconds``, default 60): new and
  changed eAccounting orders become Rackbeat sales orders with their rows. The Rackbeat order's other
  reference ("eAccounting order 17") links back, so a crashed transfer is found instead of repeated.
- Customers and products, when eAccounting is their master (``customers.sync`` / ``products.sync`` =
  ``eaccounting_to_rackbeat``): the start-up sync's field rules, polled every ``poll_minutes`` with a
  ``ChangedUtc`` cursor.

Polls use the engine's cursor (bookmark minus an overlap, capped at the poll's start): an idle poll asks
eAccounting once per collection and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from ledgerbridge.engine.streams import MapContext, Payload, Record
from ledgerbridge.integrations import into_rackbeat
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.order import OrderToRackbeat
from ledgerbridge.integrations.rackbeat_eaccounting.startup import EACCOUNTING, EAccountingReads
from ledgerbridge.integrations.rackbeat_eaccounting.to_eaccounting import EAccountingCatalog
from ledgerbridge.systems.eaccounting import EAccountingClient
from ledgerbridge.systems.rackbeat import RackbeatClient


def odata_time(moment: datetime) -> str:
    """An OData datetime literal (unquoted), e.g. ``2025-01-08T10:30:00Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Orders(into_rackbeat.OrdersIntoRackbeat):
    """eAccounting's sales orders → Rackbeat orders, polled by ``ModifiedUtc``."""

    source = EACCOUNTING
    key = "Number"
    replication_key = "ModifiedUtc"
    label = "sales orders"

    def __init__(
        self, eaccounting: EAccountingClient, rackbeat: RackbeatClient, catalog: EAccountingCatalog
    ) -> None:
        super().__init__(rackbeat)
        self.eaccounting = eaccounting
        self.reads = EAccountingReads(eaccounting)
        self.mapper = OrderToRackbeat(catalog)

    def records(self) -> Iterable[Record]:
        return self.eaccounting.iter_collection("orders")

    def read_one(self, key: Any, /) -> Record | None:
        return self.reads.by_number("orders", "Number", key)

    def map(self, record: Record, ctx: MapContext, /) -> Payload:
        return self.mapper(record, ctx)


def changed(
    eaccounting: EAccountingClient, path: str, field: str, since: datetime | None
) -> Iterator[Record]:
    """Records of ``path`` changed after ``since`` (everything on the first poll)."""
    query = f"{field} gt {odata_time(since)}" if since else None
    return eaccounting.iter_collection(path, filter=query)
