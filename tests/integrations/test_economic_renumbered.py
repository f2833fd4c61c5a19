"""A draft e-conomic books under another number than Rackbeat's, and the answer of the booking is lost
(what a process killed right after booking leaves): the retry finds the booked invoice by our reference
(``notes.textLine2``), records its real number and resumes the follow-up steps — it never books again,
also once e-conomic's idempotency window has passed. Over HTTP against both sandboxes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from ledgerbridge.integrations.rackbeat_economic import invoices
from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.store import Transfer
from ledgerbridge.systems.economic import EconomicClient
from ledgerbridge.systems.rackbeat import RackbeatClient
from tests.integrations.conftest import RACKBEAT_TOKEN, World
from tests.support import book_one_line_invoice

SETTINGS: dict[str, Any] = {
    "customer_invoices": {
        "enabled": True,
        "post_invoices": True,
        "mark_invoices_as_sent": True,
        "account_for_customer_groups": 5600,
    },
    "supplier_invoices": {"enabled": True, "day_book": 2, "account_for_supplier_groups": 6110},
    "accounting": {"standard_account": 1210},
}
RENUMBERED = 9001  # the number e-conomic's number series gives instead of Rackbeat's
ALL_ATTEMPTS = 10  # more than the client's retries: every answer of the booking call is lost


@pytest.fixture
def hub(world: World) -> Iterator[RealtimeHub]:
    world.service.add_integration("renum", "rackbeat-economic", world.connection(**SETTINGS))
    assert world.service.run_startup("renum").ok
    opened = RealtimeHub(world.service)
    try:
        yield opened
    finally:
        opened.close()


def booked_invoice(world: World) -> dict[str, Any]:
    with RackbeatClient(world.rackbeat_url, RACKBEAT_TOKEN) as rackbeat:
        return book_one_line_invoice(rackbeat, world.ops, quantity=2, price="125.50")


def renumber_and_lose_the_booking_answer(world: World) -> None:
    """e-conomic books the next draft as RENUMBERED; we never hear that it did."""
    world.books.renumber_next_bookings(RENUMBERED)
    plan = world.economic_app.kit.plan
    plan.path_pattern, plan.methods, plan.lose_answers = r"^/invoices/booked$", ["POST"], ALL_ATTEMPTS


def back_later(world: World) -> None:
    """Faults gone, and e-conomic's idempotency window has passed: no replay can help the retry."""
    plan = world.economic_app.kit.plan
    plan.path_pattern, plan.methods, plan.lose_answers = None, None, 0
    world.books.forget_replays()


def economic_booked(world: World, customer: int) -> list[dict[str, Any]]:
    economic = EconomicClient(world.economic_url, "app-secret", "grant")
    with economic:
        return [
            b
            for b in economic.iter_collection("invoices/booked")
            if b["customer"]["customerNumber"] == customer
        ]


def ledger_row(world: World, number: int) -> Transfer:
    with world.service.store.session() as db:
        return db.scalars(
            select(Transfer).where(Transfer.document_type == "invoice", Transfer.source_key == str(number))
        ).one()


def is_sent_in_rackbeat(world: World, number: int) -> bool:
    with RackbeatClient(world.rackbeat_url, RACKBEAT_TOKEN) as rackbeat:
        return bool(rackbeat.get("customer-invoices", number).get("is_sent"))


def test_booked_under_another_number_and_the_answer_lost_is_found_and_resumed(
    world: World, hub: RealtimeHub
) -> None:
    invoice = booked_invoice(world)
    number = int(invoice["number"])
    assert number != RENUMBERED
    renumber_and_lose_the_booking_answer(world)
    first = hub.transfer("renum", "invoice", str(number))
    assert first.outcome == "uncertain", first.message  # booked in e-conomic, but we cannot know it
    [booked] = economic_booked(world, invoice["customer_id"])
    assert booked["bookedInvoiceNumber"] == RENUMBERED
    assert booked["notes"]["textLine2"] == f"Rackbeat invoice {number}"  # kept through booking
    assert str(ledger_row(world, number).remote_key).startswith("draft:")  # the draft is gone

    back_later(world)
    again = hub.transfer("renum", "invoice", str(number))
    assert again.ok, again.message
    assert again.remote_key == f"booked:{RENUMBERED}"
    assert [b["bookedInvoiceNumber"] for b in economic_booked(world, invoice["customer_id"])] == [RENUMBERED]
    row = ledger_row(world, number)
    assert (row.state, row.remote_key) == ("confirmed", f"booked:{RENUMBERED}")
    assert is_sent_in_rackbeat(world, number)  # the follow-up step after booking ran
    assert hub.transfer("renum", "invoice", str(number)).message == (
        f"already transferred as e-conomic invoice {RENUMBERED}"
    )


def test_a_failed_booking_step_whose_draft_is_gone_finds_the_renumbered_invoice(
    world: World, hub: RealtimeHub
) -> None:
    """The booking's answer lost past the idempotency window: the client's own retry finds no draft and
    the step is refused; the next retry runs the step again and finds the invoice by our reference."""
    invoice = booked_invoice(world)
    number = int(invoice["number"])
    world.books.renumber_next_bookings(RENUMBERED)
    world.books.idempotency_ttl_seconds = 0  # no replay even for the client's immediate retry
    plan = world.economic_app.kit.plan
    plan.path_pattern, plan.methods, plan.lose_answers = r"^/invoices/booked$", ["POST"], 1
    first = hub.transfer("renum", "invoice", str(number))
    assert not first.ok, first.message

    back_later(world)
    again = hub.transfer("renum", "invoice", str(number))
    assert again.ok, again.message
    assert again.remote_key == f"booked:{RENUMBERED}"
    assert len(economic_booked(world, invoice["customer_id"])) == 1
    assert is_sent_in_rackbeat(world, number)


def test_the_path_that_books_in_the_send_never_books_a_renumbered_invoice_twice(
    world: World, hub: RealtimeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the totals check (``InvoiceSender`` without settings) the send itself books; a retry
    once the idempotency window has passed used to find neither the draft (booked) nor the invoice
    (another number), and sent and booked it a second time."""
    guarded = invoices.InvoiceSender

    def books_in_the_send(*args: Any, settings: Any = None, **kwargs: Any) -> invoices.InvoiceSender:
        return guarded(*args, **kwargs)

    monkeypatch.setattr(invoices, "InvoiceSender", books_in_the_send)
    invoice = booked_invoice(world)
    number = int(invoice["number"])
    renumber_and_lose_the_booking_answer(world)
    first = hub.transfer("renum", "invoice", str(number))
    assert first.outcome == "uncertain", first.message
    assert ledger_row(world, number).remote_key is None

    back_later(world)
    again = hub.transfer("renum", "invoice", str(number))
    assert again.ok, again.message
    assert [b["bookedInvoiceNumber"] for b in economic_booked(world, invoice["customer_id"])] == [RENUMBERED]
    assert again.remote_key == f"booked:{RENUMBERED}"
    assert ledger_row(world, number).remote_key == f"booked:{RENUMBERED}"
    assert is_sent_in_rackbeat(world, number)
