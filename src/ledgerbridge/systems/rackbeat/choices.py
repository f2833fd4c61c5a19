"""What a settings page can offer from Rackbeat, read live: layouts, product groups and payment terms as
``(number, "number name")`` pairs (:data:`RACKBEAT_CHOICES`)."""

from __future__ import annotations

from collections.abc import Callable

from ledgerbridge.systems.rackbeat.client import RackbeatClient
from ledgerbridge.systems.side import ChoiceList, numbered


def layouts(client: RackbeatClient) -> ChoiceList:
    return numbered(client.iter_all("layouts"), "number", "name")


def product_groups(client: RackbeatClient) -> ChoiceList:
    return numbered(client.iter_all("product-groups"), "number", "name")


def payment_terms(client: RackbeatClient) -> ChoiceList:
    return numbered(client.iter_all("payment-terms"), "number", "name")


RACKBEAT_CHOICES: dict[str, Callable[[RackbeatClient], ChoiceList]] = {
    "layouts": layouts,
    "product_groups": product_groups,
    "payment_terms": payment_terms,
}
