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

from collections.abc import Iterator
from datetime import datetime

from ledgerbridge.engine.flows import EntityFlow, Record
from ledgerbridge.integrations import into_rackbeat
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.order import OrderToRackbeat
from ledgerbridge.integrations.rackbeat_eaccounting.startup import EACCOUNTING, EAccountingReads
from ledgerbridge.integrations.rackbeat_eaccounting.to_eaccounting import EAccountingCatalog
from ledgerbridge.systems.eaccounting import EAccountingClient
from ledgerbridge.systems.rackbeat import RackbeatClient


def odata_time(moment: datetime) -> str:
    """An OData datetime literal (unquoted), e.g. ``2025-01-08T10:30:00Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def order_flow(
    eaccounting: EAccountingClient, rackbeat: RackbeatClient, catalog: EAccountingCatalog
) -> EntityFlow:
    reads = EAccountingReads(eaccounting)
    return into_rackbeat.order_flow(
        rackbeat,
        source=EACCOUNTING,
        read=lambda: eaccounting.iter_collection("orders"),
        read_one=lambda key: reads.by_number("orders", "Number", key),
        source_key=lambda order: order["Number"],
        mapper=OrderToRackbeat(catalog),
        label="sales orders",
    )


def changed(
    eaccounting: EAccountingClient, path: str, field: str, since: datetime | None
) -> Iterator[Record]:
    """Records of ``path`` changed after ``since`` (everything on the first poll)."""
    query = f"{field} gt {odata_time(since)}" if since else None
    return eaccounting.iter_collection(path, filter=query)
