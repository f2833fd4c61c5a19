"""Writing into Rackbeat, the same whichever system the records come from (e-conomic, eAccounting).

- :func:`rackbeat_flow`: a flow into a Rackbeat resource keyed by ``number``; our writes carry
  ``suppress_webhooks`` so they never come back to us as Rackbeat webhooks.
- :class:`RackbeatConnection`: its connection settings.
- :func:`order_flow`: a ledger's sales orders as Rackbeat orders, found again by the link back to the
  ledger's order in the Rackbeat order's other reference (:class:`RackbeatOrders`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import Field, HttpUrl, SecretStr

from ledgerbridge.engine.flows import EntityFlow, MapContext, MappingError, Payload, Record
from ledgerbridge.integrations.base import ClientTimeout, Strict
from ledgerbridge.systems.rackbeat import RackbeatClient

RACKBEAT = "rackbeat"
Mapper = Callable[[Record, MapContext], Payload]


class RackbeatConnection(Strict):
    """The Rackbeat side of an integration's connections (the same for every ledger)."""

    base_url: HttpUrl = Field(
        HttpUrl("https://app.rackbeat.com/api"),
        title="API address",
        description="Rackbeat's API (or a sandbox's address).",
    )
    token: SecretStr = Field(title="API token", description="A Rackbeat API token (Settings → API).")
    timeout_seconds: ClientTimeout = 30.0


def rackbeat_flow(
    entity: str,
    resource: str,
    rackbeat: RackbeatClient,
    *,
    source: str,
    read: Callable[[], Iterable[Record]],
    source_key: Callable[[Record], Any],
    mapper: Mapper,
    read_one: Callable[[Any], Record | None],
    label: str,
    depends_on: tuple[str, ...] = (),
    project: Callable[[Record, Payload], Payload] | None = None,
) -> EntityFlow:
    """``source``'s records → the Rackbeat resource ``resource``, keyed by ``number``."""
    return EntityFlow(
        entity=entity,
        source=source,
        target=RACKBEAT,
        label=label,
        read=read,
        source_key=source_key,
        map=mapper,
        target_key=lambda payload: payload["number"],
        existing_key=lambda record: record["number"],
        read_target=lambda: rackbeat.iter_all(resource),
        # Our writes must not come back to us as Rackbeat webhooks.
        create=lambda payload: rackbeat.create(resource, payload, suppress_webhooks=True),
        update=lambda key, payload: rackbeat.update(resource, key, payload, suppress_webhooks=True),
        read_one=read_one,
        find_target=lambda key: rackbeat.find(resource, key),
        project=project,
        depends_on=depends_on,
    )


def order_flow(
    rackbeat: RackbeatClient,
    *,
    source: str,
    read: Callable[[], Iterable[Record]],
    read_one: Callable[[Any], Record | None],
    source_key: Callable[[Record], Any],
    mapper: Mapper,
    label: str = "orders",
) -> EntityFlow:
    """``source``'s sales orders → Rackbeat orders; ``mapper`` sets ``other_reference`` to the link back."""
    orders = RackbeatOrders(rackbeat)
    return EntityFlow(
        entity="order",
        source=source,
        target=RACKBEAT,
        label=label,
        read=read,
        read_one=read_one,
        source_key=source_key,
        map=mapper,
        target_key=lambda payload: payload["other_reference"],
        existing_key=lambda record: record.get("other_reference"),
        find_target=orders.find,
        project=project_order,
        create=orders.create,
        update=orders.update,
    )


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
