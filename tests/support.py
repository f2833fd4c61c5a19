"""Small helpers shared by test modules."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import event

from ledgerbridge.store import Integration, Store

C = TypeVar("C")
T = TypeVar("T")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to its end on a thread and an event loop of its own. A browser test earlier in
    the same test process (Playwright's sync API) can leave a loop marked running on the main thread,
    where ``asyncio.run`` refuses to start."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


class FakeClock:
    """A clock tests move by hand, so time filters (``lastUpdated``, ``updated_at``) are deterministic."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def add_integration(store: Store, *, name: str = "t", kind: str = "test") -> int:
    """Stores a bare integration (what tokens and ledger rows belong to); its id."""
    with store.session() as session:
        row = Integration(name=name, kind=kind, settings={}, credentials="-")
        session.add(row)
        session.flush()
        return row.id


@contextmanager
def client_factory(build: Callable[..., C], sleeps: list[float]) -> Iterator[Callable[..., C]]:
    """Make clients that record their waits in ``sleeps`` instead of sleeping, and close them afterwards."""
    made: list[C] = []

    def make(*args: Any, **kwargs: Any) -> C:
        kwargs.setdefault("sleep", sleeps.append)
        client = build(*args, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()  # type: ignore[attr-defined]


def book_one_line_invoice(
    rackbeat: Any, ops: Any, *, quantity: int | str = 1, price: str = "10", webhooks: bool = False
) -> dict[str, Any]:
    """A Rackbeat user books an invoice of one line (the first customer, the first product), through the
    Rackbeat API; without ``webhooks`` Rackbeat announces nothing (the test transfers it by hand)."""
    from datetime import date

    customer = ops.records("customers")[0]
    product = ops.records("products")[0]
    invoice = rackbeat.create(
        "customer-invoices",
        {
            "customer_id": customer["number"],
            "invoice_date": date.today().isoformat(),
            "lines": [
                {
                    "child_id": product["number"],
                    "name": product["name"],
                    "quantity": quantity,
                    "line_price": price,
                    "vat_percentage": 25,
                }
            ],
        },
    )
    booked: dict[str, Any] = rackbeat.book(
        "customer-invoices", invoice["number"], None if webhooks else {"suppress_webhooks": True}
    )
    return booked


def invoice_body(
    ops: Any,
    *,
    lines: list[dict[str, Any]] | None = None,
    products: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """An invoice as a Rackbeat user would make it: the first customer, two lines (one with a discount)
    of the first two ``products`` (default: the first two products)."""
    from datetime import date

    customer = ops.records("customers")[0]
    products = (products or ops.records("products"))[:2]
    return {
        "customer_id": customer["number"],
        "invoice_date": date.today().isoformat(),
        "lines": lines
        or [
            {
                "child_id": products[0]["number"],
                "name": products[0]["name"],
                "quantity": 3,
                "line_price": "125.50",
                "vat_percentage": 25,
            },
            {
                "child_id": products[1]["number"],
                "name": products[1]["name"],
                "quantity": 1,
                "line_price": "99.95",
                "discount_percentage": 10,
                "vat_percentage": 25,
            },
        ],
        **fields,
    }


@contextmanager
def recorded_statements(store: Store, *, binding_reads: bool = False) -> Iterator[list[str]]:
    """The SQL statements ``store`` sends inside the block (``binding_reads``: the SELECTs on bindings)."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        if not binding_reads or (
            statement.lstrip().upper().startswith("SELECT") and "FROM bindings" in statement
        ):
            seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
