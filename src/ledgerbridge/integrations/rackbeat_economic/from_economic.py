"""e-conomic → Rackbeat, continuously (seed 001, "Hvad kan synkroniseres fra e-conomic til Rackbeat?").

- Sales orders (the incumbent: every 5 minutes; here ``orders.interval_seconds``, default 60): new and
  changed e-conomic orders (drafts and sent) become Rackbeat sales orders with their lines. Rackbeat needs
  a product on every line, so a line without one gets "Product nr. for empty e-conomic product lines"
  (``customer_invoices.empty_line_product_number``). The Rackbeat order's other reference links back to
  the e-conomic order ("e-conomic order 17"): it is how a crashed transfer is found instead of repeated.
- Customers and products, when e-conomic maintains them (``master_data``): the start-up sync's field rules,
  polled every ``master_data.poll_minutes`` with a ``lastUpdated`` cursor. New records may start on either
  side; a bound record's updates flow from its master only; when both sides changed it, the master wins and
  the losing values go to the conflict report.

Polls use the engine's cursor (bookmark minus an overlap, capped at the poll's start): an idle poll asks
e-conomic once per collection and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Literal

from ledgerbridge.engine.streams import Record
from ledgerbridge.integrations import into_rackbeat
from ledgerbridge.integrations.rackbeat_economic.mappers.order import map_order_to_rackbeat
from ledgerbridge.systems.economic import EconomicClient
from ledgerbridge.systems.rackbeat import RackbeatClient

ECONOMIC, RACKBEAT = "economic", "rackbeat"
ORDER_KINDS: tuple[Literal["drafts", "sent"], ...] = ("drafts", "sent")


map_order = map_order_to_rackbeat


class Orders(into_rackbeat.OrdersIntoRackbeat):
    """e-conomic's draft and sent orders → Rackbeat orders, polled by ``lastUpdated``."""

    source = ECONOMIC
    key = "orderNumber"
    replication_key = "lastUpdated"
    map = staticmethod(map_order)

    def __init__(self, economic: EconomicClient, rackbeat: RackbeatClient) -> None:
        super().__init__(rackbeat)
        self.economic = economic

    def records(self) -> Iterable[Record]:
        return (o for kind in ORDER_KINDS for o in self.economic.iter_orders(kind))

    def read_one(self, key: Any) -> Record | None:
        return _read_order(self.economic, key)


def _read_order(economic: EconomicClient, number: Any) -> Record | None:
    from ledgerbridge.systems.errors import NotFoundError

    for kind in ORDER_KINDS:
        try:
            return economic.get_order(kind, int(number))
        except NotFoundError:
            continue
    return None


def changed_orders(economic: EconomicClient, since: datetime | None) -> Iterator[Record]:
    """Drafts and sent orders changed after ``since``, as the collections list them (without lines):
    one call per collection when nothing changed. Each carries ``_kind`` for :func:`whole_order`."""
    for kind in ORDER_KINDS:
        for order in economic.iter_orders(kind, changed_since=since):
            yield {**order, "_kind": kind}


def whole_order(economic: EconomicClient, order: Record) -> Record:
    """The order with its lines (collections leave them out)."""
    if "lines" in order:
        return {k: v for k, v in order.items() if k != "_kind"}
    return economic.get_order(order.get("_kind", "drafts"), int(order["orderNumber"]))
