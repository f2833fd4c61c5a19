"""A slow document never holds the others' slots (issue 10 §1/§3): documents that arrive while one is slow
(a stalled answer, retries, back-off) are worked at once, through `serve`'s HTTP interface."""

from __future__ import annotations

import time

from ledgerbridge.sandbox import FaultPlan
from tests.integrations.conftest import World
from tests.integrations.test_inbox_robustness import booked_in_economic, serving
from tests.integrations.test_realtime import LIVE_SETTINGS, wait_for


def test_a_document_arriving_while_another_is_slow_is_not_kept_waiting(world: World) -> None:
    world.service.add_integration("live", "rackbeat-economic", world.connection(**LIVE_SETTINGS))
    assert world.service.run_startup("live").ok
    with serving(world, ["live"], document_concurrency=4) as live:
        slow = live.new_invoice()
        # Rackbeat answers every read of this one invoice after 6 s (below the client's timeout).
        world.rackbeat_app.kit.set_faults(
            FaultPlan(latency_ms=6000, path_pattern=rf"customer-invoices/{slow['number']}$", methods=["GET"])
        )
        live.book(slow)
        wait_for(lambda: live.hub.inbox.count() == 1, timeout=20, what="the slow invoice in the inbox")
        time.sleep(1.0)  # its processing has begun (the worker looks at once, and every 0.2 s anyway)
        started = time.monotonic()
        fast = live.book(live.new_invoice())
        wait_for(lambda: booked_in_economic(live, fast["number"]), timeout=20, what="the second invoice")
        elapsed = time.monotonic() - started
        slow_done = booked_in_economic(live, slow["number"])
        print(f"second invoice booked after {elapsed:.2f} s; slow one booked yet: {slow_done}")
        assert not slow_done  # the slow invoice is still at work...
        assert elapsed < 5  # ...and the one that came after it did not wait for it
        world.rackbeat_app.kit.set_faults(FaultPlan())
        wait_for(lambda: booked_in_economic(live, slow["number"]), timeout=30, what="the slow invoice")
