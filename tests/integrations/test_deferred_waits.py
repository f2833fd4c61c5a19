"""A document told to wait gives its slot up while it waits (issue 10: throughput under faults), through
`serve`'s HTTP interface, with one document slot: Rackbeat answers the document's read 429.

- A long ``Retry-After``: the hub puts the item back in the inbox, due after that wait.
- Short ones (slept in the client before its retry): the slot is lent to the next document meanwhile.

Either way the document that came after it is worked meanwhile, and the waiting one is booked once."""

from __future__ import annotations

import time

from ledgerbridge.sandbox import FaultPlan
from tests.integrations.conftest import World
from tests.integrations.test_inbox_robustness import booked_in_economic, serving
from tests.integrations.test_realtime import LIVE_SETTINGS, Live, wait_for

RETRY_AFTER = 6.0


def test_a_document_told_to_wait_gives_its_slot_to_the_next_one(world: World) -> None:
    world.service.add_integration("live", "rackbeat-economic", world.connection(**LIVE_SETTINGS))
    assert world.service.run_startup("live").ok
    with serving(world, ["live"], document_concurrency=1) as live:  # one slot: a sleeper would hold it
        told = live.new_invoice()
        kit = world.rackbeat_app.kit
        kit.set_faults(
            FaultPlan(
                fail_next=[429],
                retry_after_seconds=RETRY_AFTER,
                path_pattern=rf"customer-invoices/{told['number']}$",
                methods=["GET"],
            )
        )
        live.book(told)
        wait_for(
            lambda: any(r.fault == "429" for r in list(kit.requests)), timeout=20, what="the 429 answered"
        )
        started = time.monotonic()
        after = live.book(live.new_invoice())
        wait_for(lambda: booked_in_economic(live, after["number"]), timeout=20, what="the invoice after it")
        elapsed = time.monotonic() - started
        print(f"the invoice after it booked in {elapsed:.2f} s (Retry-After {RETRY_AFTER} s)")
        assert elapsed < RETRY_AFTER - 1  # it did not wait behind the one told to wait...
        assert not booked_in_economic(live, told["number"])  # ...which was not tried again early
        _booked_once_and_settled(live, told["number"])


def test_a_document_sleeping_out_short_waits_lends_its_slot_to_the_next_one(world: World) -> None:
    world.service.add_integration("live", "rackbeat-economic", world.connection(**LIVE_SETTINGS))
    assert world.service.run_startup("live").ok
    with serving(world, ["live"], document_concurrency=1) as live:
        told = live.new_invoice()
        kit = world.rackbeat_app.kit
        # Five 429s of 1 s each: short waits, slept in the client (5 s in all).
        kit.set_faults(
            FaultPlan(
                fail_next=[429] * 5,
                retry_after_seconds=1.0,
                path_pattern=rf"customer-invoices/{told['number']}$",
                methods=["GET"],
            )
        )
        live.book(told)
        wait_for(lambda: any(r.fault == "429" for r in list(kit.requests)), timeout=20, what="the first 429")
        started = time.monotonic()
        after = live.book(live.new_invoice())
        wait_for(lambda: booked_in_economic(live, after["number"]), timeout=20, what="the invoice after it")
        elapsed = time.monotonic() - started
        print(f"the invoice after it booked in {elapsed:.2f} s (the first one sleeps 5 x 1 s)")
        assert elapsed < 4  # it did not wait behind the sleeping one...
        assert not booked_in_economic(live, told["number"])  # ...which is still sleeping out its waits
        _booked_once_and_settled(live, told["number"])


def _booked_once_and_settled(live: Live, number: int) -> None:
    wait_for(lambda: booked_in_economic(live, number), timeout=30, what="the one told to wait")
    assert sum(b["bookedInvoiceNumber"] == number for b in live.booked()) == 1
    wait_for(lambda: live.hub.inbox.count() == 0, timeout=10, what="the inbox settled")
