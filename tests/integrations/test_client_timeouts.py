"""Each side's connection carries its request timeout, and a stalled answer hits it (over HTTP)."""

from __future__ import annotations

import time

import pytest

from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.sandbox import FaultPlan
from ledgerbridge.service import UserError
from ledgerbridge.systems.economic import EconomicClient
from ledgerbridge.systems.rackbeat import RackbeatClient
from tests.integrations.conftest import RACKBEAT_TOKEN, World
from tests.integrations.test_realtime import LIVE_SETTINGS, wait_for
from tests.support import book_one_line_invoice


def test_a_stalled_economic_answer_is_given_up_after_the_connections_timeout_and_retried(
    world: World,
) -> None:
    document = world.connection(**LIVE_SETTINGS)
    document["economic"]["timeout_seconds"] = 0.4
    world.service.add_integration("quick", "rackbeat-economic", document)
    assert world.service.run_startup("quick").ok
    with RackbeatClient(world.rackbeat_url, RACKBEAT_TOKEN) as rackbeat:
        invoice = book_one_line_invoice(rackbeat, world.ops)
    # The first draft POST is stalled for 8 s before the sandbox would even look at it.
    world.economic_app.kit.set_faults(
        FaultPlan(
            fail_next=["timeout"], timeout_seconds=8.0, methods=["POST"], path_pattern=r"^/invoices/drafts$"
        )
    )
    world.economic_app.kit.clear_log()
    hub = RealtimeHub(world.service)
    try:
        started = time.monotonic()
        result = hub.transfer("quick", "invoice", str(invoice["number"]))
        took = time.monotonic() - started
    finally:
        hub.close()
    assert result.ok, result.message
    # Gave up after the connection's 0.4 s instead of sitting out the 8 s stall (room for a busy machine).
    assert took < 6.0

    def draft_posts() -> list[tuple[str | None, int]]:
        logged = world.economic_app.kit.requests
        return sorted(
            ((r.fault, r.status) for r in logged if r.method == "POST" and r.path == "/invoices/drafts"),
            key=str,
        )

    # The stalled request is logged when its (unheard) answer leaves, after the stall.
    wait_for(lambda: len(draft_posts()) == 2, timeout=15, what="the stalled request's log entry")
    assert set(draft_posts()) == {("timeout", 504), (None, 201)}
    with EconomicClient(world.economic_url, "app-secret", "grant") as books:
        assert len(list(books.iter_collection("invoices/booked"))) == 1


@pytest.mark.parametrize("timeout", [0, -1, 601, "soon"])
def test_a_timeout_that_makes_no_sense_is_refused(world: World, timeout: object) -> None:
    document = world.connection()
    document["rackbeat"]["timeout_seconds"] = timeout
    with pytest.raises(UserError, match="timeout_seconds"):
        world.service.add_integration("odd", "rackbeat-economic", document)
