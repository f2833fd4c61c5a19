"""A side's own number of a record bound under another key, kept on its binding (``Binding.own_number``).

Orders brought from a ledger into Rackbeat are bound by their link back (the Rackbeat order's other
reference, "e-conomic order 17"); Rackbeat numbers each order itself, and the answer to our create or update
carries that number. :class:`~ledgerbridge.integrations.into_rackbeat.OrdersIntoRackbeat` remembers it from
the answer; :func:`keep_order_numbers` writes it once the order is bound, so the console and the API show it
without asking Rackbeat (``services/history.py``, which falls back on a live look-up only for bindings made
before the column existed, and stores what it finds with :func:`store_own_numbers`).

One small statement of its own per number, not through the engine's binder: the binding is already
committed when the number is written, and a number never written is found live later.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from sqlalchemy import or_, update

from ledgerbridge.store import Binding

if TYPE_CHECKING:
    from ledgerbridge.integrations.into_rackbeat import OrdersIntoRackbeat
    from ledgerbridge.store import Store


def store_own_numbers(
    store: Store, integration_id: int, entity: str, column: Literal["a", "b"], numbers: Mapping[str, str]
) -> None:
    """Write ``numbers`` (the side's key in ``column`` → its own number) onto those bindings of ``entity``;
    a key without a binding is left out (nothing to write it on yet)."""
    if not numbers:
        return
    key_column = Binding.a_key if column == "a" else Binding.b_key
    with store.session() as session:
        for key, number in numbers.items():
            session.execute(
                update(Binding)
                .where(
                    Binding.integration_id == integration_id,
                    Binding.entity == entity,
                    key_column == key,
                    or_(Binding.own_number.is_(None), Binding.own_number != number),
                )
                .values(own_number=number)
                .execution_options(synchronize_session=False)
            )


def keep_order_numbers(
    store: Store, integration_id: int, sides: tuple[str, str], stream: OrdersIntoRackbeat
) -> None:
    """Rackbeat's order numbers from the answers of the order stream's writes since the last call, onto
    the bindings the sync has made of them (call it after the record's sync)."""
    numbers = stream.take_own_numbers()
    column: Literal["a", "b"] = "a" if sides[0] == stream.target else "b"
    store_own_numbers(store, integration_id, stream.entity, column, numbers)
