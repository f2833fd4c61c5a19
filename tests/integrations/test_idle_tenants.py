"""What an idle tenant costs: subscriptions checked, not written again, at start; a quiet integration's
safety-net scan asks with its bookmark's filter and is run less often while nothing changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.runtime.tenants import QuietScans, ensure_subscribed, subscribe_all
from ledgerbridge.systems.rackbeat import RackbeatClient
from tests.integrations.conftest import RACKBEAT_TOKEN, World

RECEIVER = "http://127.0.0.1:9/"  # nothing listens: subscriptions are only written, never delivered here


def webhook_writes(world: World) -> int:
    return sum(1 for r in world.rackbeat_writes() if r.path.strip("/").endswith("webhooks"))


def test_subscriptions_in_place_are_checked_not_written_again(world: World) -> None:
    hub = RealtimeHub(world.service)
    try:
        count, written = ensure_subscribed(hub, "acme", RECEIVER)
        assert written and count > 0
        assert webhook_writes(world) == count
    finally:
        hub.close()

    restarted = RealtimeHub(world.service)
    try:
        assert ensure_subscribed(restarted, "acme", RECEIVER) == (count, False)
        assert webhook_writes(world) == count  # checked with a listing, nothing written

        # Someone deleted one subscription in Rackbeat: the next start subscribes again.
        with RackbeatClient(world.rackbeat_url, RACKBEAT_TOKEN) as rackbeat:
            rackbeat.delete_webhook(rackbeat.list_webhooks()[0]["id"])
        assert ensure_subscribed(restarted, "acme", RECEIVER) == (count, True)
    finally:
        restarted.close()


def test_a_quiet_integration_is_scanned_with_its_filter_and_less_often(world: World) -> None:
    now = [datetime(2026, 1, 5, 9, 0, tzinfo=UTC)]
    hub = RealtimeHub(world.service)
    scans = QuietScans(hub, now=lambda: now[0])
    log = world.rackbeat_app.kit

    def scanned_after(minutes: float) -> list[str]:
        now[0] += timedelta(minutes=minutes)
        log.clear_log()
        scans.run()
        return [r.query for r in log.requests if r.method == "GET"]

    try:
        first = scanned_after(0)
        assert first  # the first scan has no bookmark: it reads everything once
        second = scanned_after(2)  # found nothing: next after 2 minutes
        assert second and all("updated_at_from=" in query for query in second)
        assert scanned_after(1) == []  # found nothing twice: 4 minutes
        assert scanned_after(2) == []
        assert scanned_after(1.5) != []
        assert scanned_after(4) == []  # 8 minutes now
        # A change found resets the interval to one minute.
        world.ops.add("customer-groups", {"number": 77, "name": "Nye kunder"})
        assert scanned_after(4) != []
        assert scanned_after(1) != []
    finally:
        hub.close()


def test_subscribe_all_checks_every_tenant_side_by_side(world: World) -> None:
    world.service.add_integration("beta", "rackbeat-economic", world.connection())
    hub = RealtimeHub(world.service)
    lines: list[str] = []
    try:
        subscribe_all(hub, RECEIVER, lines.append)
        subscribe_all(hub, RECEIVER, lines.append)
    finally:
        hub.close()
    first, again = sorted(lines[:2]), sorted(lines[2:])
    assert [line.split(":")[0] for line in first] == ["acme", "beta"]
    assert all(": subscribed to" in line for line in first)
    assert all(": already subscribed to" in line for line in again)
