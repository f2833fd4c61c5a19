"""Writing into Rackbeat, the same whichever system the records come from (e-conomic, eAccounting).

- :class:`IntoRackbeat`: the base of a stream into a Rackbeat resource keyed by ``number``
  (a :class:`~ledgerbridge.engine.streams.ResourceStream` over :class:`RackbeatRecords`); our writes
  carry ``suppress_webhooks`` so they never come back to us as Rackbeat webhooks.
- :class:`OrdersIntoRackbeat`: the base of a ledger's sales orders as Rackbeat orders, found again by
  the link back to the ledger's order in the Rackbeat order's other reference (:class:`RackbeatOrders`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ledgerbridge.engine.streams import (
    MapContext,
    MappingError,
    Payload,
    Record,
    ResourceStream,
    Stream,
    TargetRecords,
)
from ledgerbridge.integrations.resource_streams import RACKBEAT, RackbeatRecords
from ledgerbridge.systems.rackbeat import RackbeatClient

Mapper = Callable[[Record, MapContext], Payload]


class IntoRackbeat(ResourceStream):
    """Records → the Rackbeat resource ``resource``, keyed by ``number`` (:class:`RackbeatRecords`). A
    subclass declares the source, the entity and the resource, and reads the source; one whose Rackbeat
    side is not a plain resource gives its own :meth:`target_records` (and :meth:`remote_key`)."""

    target = RACKBEAT
    target_field = "number"
    resource: str

    def __init__(self, rackbeat: RackbeatClient) -> None:
        self.rackbeat = rackbeat
        self.writes = self.target_records(rackbeat)

    def target_records(self, rackbeat: RackbeatClient) -> TargetRecords:
        return RackbeatRecords(rackbeat, self.resource)

    def read_target(self) -> Iterable[Record]:
        return self.rackbeat.iter_all(self.resource)


class OrdersIntoRackbeat(Stream):
    """A ledger's sales orders → Rackbeat orders; the subclass's mapper sets ``other_reference`` to the
    link back, by which the Rackbeat order is found again."""

    entity = "order"
    target = RACKBEAT
    label = "orders"

    def __init__(self, rackbeat: RackbeatClient) -> None:
        self.orders = RackbeatOrders(rackbeat)
        # Link back → Rackbeat's own order number, from the answers of our creates and updates, until
        # ``own_numbers.keep_order_numbers`` stores them on the bindings.
        self._own_numbers: dict[str, str] = {}

    def target_key(self, payload: Payload) -> Any:
        return payload["other_reference"]

    def existing_key(self, record: Record) -> Any:
        return record.get("other_reference")

    def find_target(self, key: Any) -> Record | None:
        return self.orders.find(key)

    def project(self, current: Record, payload: Payload) -> Payload:
        return project_order(current, payload)

    def create(self, payload: Payload) -> Record:
        return self._numbered(self.target_key(payload), self.orders.create(payload))

    def update(self, key: Any, payload: Payload) -> Record:
        return self._numbered(key, self.orders.update(key, payload))

    def _numbered(self, marker: Any, written: Record) -> Record:
        """Remember the number Rackbeat's answer gives the order bound under ``marker``."""
        if written and written.get("number") is not None:
            self._own_numbers[str(marker)] = str(written["number"])
        return written

    def take_own_numbers(self) -> dict[str, str]:
        """The Rackbeat order numbers our writes were answered with since the last call (link back →
        number), forgotten here once taken."""
        taken, self._own_numbers = self._own_numbers, {}
        return taken


def project_order(current: Record, payload: Payload) -> Payload:
    """A Rackbeat order seen in the payload's shape (lines by item, quantity, price, discount)."""
    view = {k: current.get(k) for k in payload if k != "lines"}
    view["lines"] = [
        {
            "item_id": str(line.get("child_id")),
            "name": line.get("name"),
            "quantity": line.get("quantity"),
            "line_price": line.get("line_price"),
            "discount_percentage": line.get("discount_percentage") or 0,
        }
        for line in current.get("lines") or []
    ]
    return view


class RackbeatOrders:
    """Rackbeat sales orders addressed by their link back to the ledger's order (the other reference)."""

    def __init__(self, rackbeat: RackbeatClient) -> None:
        self.rackbeat = rackbeat

    def find(self, marker: str) -> Record | None:
        for order in self.rackbeat.iter_all("orders", params={"other_reference": marker}):
            if order.get("other_reference") == marker:
                return self.rackbeat.get("orders", order["number"])  # lists may leave the lines out
        return None

    def create(self, payload: Payload) -> Record:
        return self.rackbeat.create("orders", payload, suppress_webhooks=True)

    def update(self, marker: str, payload: Payload) -> Record:
        current = self.find(marker)
        if current is None:
            raise MappingError(f"the Rackbeat order for {marker} disappeared")
        if current.get("is_booked"):
            raise MappingError(
                f"{marker} changed in the ledger after its Rackbeat order {current['number']} was booked; "
                "change the Rackbeat order by hand"
            )
        return self.rackbeat.update("orders", current["number"], payload, suppress_webhooks=True)
