"""Rackbeat's webhooks as they arrive: which headers carry the token and the event, and what a delivery
must look like to be taken in.

Rackbeat POSTs ``{"key_name":"number","key":"<number>"}`` with the subscription's token in
``Rackbeat-Webhook-Token`` and the event in ``Rackbeat-Webhook-Event``. The key is the record's number:
a whole number for customers, suppliers, groups, payment terms, employees, units, invoices and orders
(a MySQL ``INT`` column), an item number of up to 25 characters for products and BOMs ("lots"), "either a
string or an integer" in Rackbeat's words. A delivery of any other shape is refused when it arrives
(:meth:`RackbeatWebhooks.read` raises ``ValueError`` with the reason, the receiver answers 400), so it
never reaches the inbox. The runtime finds this object through a kind's ``pushed_webhooks``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

INT_MAX = 2_147_483_647  # the widest number Rackbeat stores (MySQL INT)
ITEM_NUMBER_MAX_LENGTH = 25

# The event prefix → the kind of key its deliveries carry.
KEY_KINDS: dict[str, Literal["int", "item"]] = {
    "customer": "int",
    "customer_group": "int",
    "supplier": "int",
    "supplier_group": "int",
    "product": "item",
    "product_group": "int",
    "lot": "item",
    "payment_terms": "int",
    "employee": "int",
    "unit": "int",
    "customer_invoice": "int",
    "supplier_invoice": "int",
    "order": "int",
    "delivery_terms": "int",
}
ACTIONS = frozenset({"created", "updated", "deleted", "booked"})


class RackbeatWebhooks:
    """Reads one delivery: ``(event, record key, payload)``, or ``ValueError`` saying what is wrong."""

    system = "rackbeat"
    token_header = "rackbeat-webhook-token"
    event_header = "rackbeat-webhook-event"

    def read(self, event: str | None, body: Any) -> tuple[str, str, dict[str, Any]]:
        if not event:
            raise ValueError("the event is missing (header Rackbeat-Webhook-Event)")
        prefix, _, action = event.rpartition(".")
        kind = KEY_KINDS.get(prefix)
        if kind is None or action not in ACTIONS:
            raise ValueError(f"unknown event {event[:100]!r}")
        if not isinstance(body, Mapping):
            raise ValueError('the body must be a JSON object like {"key_name": "number", "key": "12"}')
        key_name = body.get("key_name", "number")
        if key_name != "number":
            raise ValueError(f"{event}: key_name must be 'number'")
        key = body.get("key")
        reason = _int_key_problem(key) if kind == "int" else _item_key_problem(key)
        if reason:
            raise ValueError(f"{event}: key {reason}")
        number = str(key).strip()
        if kind == "int":
            number = str(int(number))
        # Only what processing needs is stored: never the sender's whole body.
        return event, number, {"key_name": "number", "key": number}


def _int_key_problem(key: Any) -> str | None:
    if isinstance(key, bool) or not isinstance(key, (int, str)):
        return f"must be a whole number, not {type(key).__name__}"
    text = str(key).strip()
    if not text.isascii() or not text.isdigit():
        return f"must be a whole number, not {text[:40]!r}"
    if not 1 <= int(text) <= INT_MAX:
        return f"must be between 1 and {INT_MAX}"
    return None


def _item_key_problem(key: Any) -> str | None:
    if isinstance(key, bool) or not isinstance(key, (int, str)):
        return f"must be an item number (text or a whole number), not {type(key).__name__}"
    text = str(key).strip()
    if not text or len(text) > ITEM_NUMBER_MAX_LENGTH:
        return f"must be 1 to {ITEM_NUMBER_MAX_LENGTH} characters"
    if not text.isprintable():
        return "must not contain control characters"
    return None


RACKBEAT_WEBHOOKS = RackbeatWebhooks()
