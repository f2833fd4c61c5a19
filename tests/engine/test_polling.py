"""The polling cursor: signpost and overlap, on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ledgerbridge.engine.polling import Poller
from ledgerbridge.store import Store

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class Source:
    def __init__(self) -> None:
        self.records: dict[str, datetime] = {}
        self.asked: list[datetime | None] = []

    def fetch(self, since: datetime | None) -> list[tuple[str, str]]:
        self.asked.append(since)
        return [
            (k, t.isoformat())
            for k, t in sorted(self.records.items(), key=lambda kv: kv[1])
            if since is None or t > since
        ]


def test_first_poll_takes_everything_then_only_changes(store: Store, integration_id: int) -> None:
    now = [T0]
    source, handled = Source(), []
    source.records = {"1": T0 - timedelta(days=3), "2": T0 - timedelta(hours=1)}
    poller = Poller(store, integration_id, "orders", overlap=timedelta(minutes=2), clock=lambda: now[0])
    first = poller.poll(source.fetch, lambda r: r[1], handled.append)
    assert first.seen == 2 and first.since is None and poller.bookmark() == T0 - timedelta(hours=1)

    now[0] = T0 + timedelta(minutes=1)
    source.records["3"] = T0 + timedelta(seconds=30)
    second = poller.poll(source.fetch, lambda r: r[1], handled.append)
    # Asked from the bookmark minus the overlap: record 2 is seen again (harmless), 3 is new.
    assert second.since == T0 - timedelta(hours=1, minutes=2)
    assert [r[0] for r in handled] == ["1", "2", "2", "3"]


def test_a_change_made_during_the_poll_is_asked_for_again(store: Store, integration_id: int) -> None:
    source, handled = Source(), []
    # Stamped after the poll started (the source's clock runs ahead, or it changed mid-poll).
    source.records = {"1": T0 + timedelta(seconds=5)}
    poller = Poller(store, integration_id, "orders", overlap=timedelta(0), clock=lambda: T0)
    poller.poll(source.fetch, lambda r: r[1], handled.append)
    assert poller.bookmark() == T0  # capped at the signpost, not at the record's stamp
    poller.poll(source.fetch, lambda r: r[1], handled.append)
    assert [r[0] for r in handled] == ["1", "1"]


def test_a_late_arrival_inside_the_overlap_is_not_lost(store: Store, integration_id: int) -> None:
    now = [T0]
    source, handled = Source(), []
    source.records = {"1": T0 - timedelta(minutes=10)}
    poller = Poller(store, integration_id, "orders", overlap=timedelta(minutes=2), clock=lambda: now[0])
    poller.poll(source.fetch, lambda r: r[1], handled.append)
    # Committed late by the source with a stamp older than our bookmark, but within the overlap.
    source.records["2"] = T0 - timedelta(minutes=11)
    now[0] = T0 + timedelta(minutes=1)
    poller.poll(source.fetch, lambda r: r[1], handled.append)
    assert "2" in [r[0] for r in handled]


def test_a_failing_handler_keeps_the_bookmark(store: Store, integration_id: int) -> None:
    source = Source()
    source.records = {"1": T0 - timedelta(hours=1)}
    poller = Poller(store, integration_id, "orders", clock=lambda: T0)

    def boom(record: object) -> None:
        raise RuntimeError("target down")

    with pytest.raises(RuntimeError):
        poller.poll(source.fetch, lambda r: r[1], boom)
    assert poller.bookmark() is None


def test_an_empty_source_starts_from_now(store: Store, integration_id: int) -> None:
    source = Source()
    poller = Poller(store, integration_id, "orders", clock=lambda: T0)
    poller.poll(source.fetch, lambda r: r[1], lambda r: None)
    assert poller.bookmark() == T0


def test_records_seen_again_only_because_of_the_overlap_are_skipped(
    store: Store, integration_id: int
) -> None:
    now = [T0]
    source, handled = Source(), []
    source.records = {"1": T0 - timedelta(seconds=30)}
    poller = Poller(store, integration_id, "orders", overlap=timedelta(minutes=2), clock=lambda: now[0])
    poller.poll(source.fetch, lambda r: r[1], handled.append, key_of=lambda r: r[0])
    now[0] = T0 + timedelta(minutes=1)
    idle = poller.poll(source.fetch, lambda r: r[1], handled.append, key_of=lambda r: r[0])
    assert idle.seen == 0 and len(source.asked) == 2  # asked once, handled nothing
    source.records["1"] = T0 + timedelta(seconds=50)  # changed again: a new stamp is new work
    poller.poll(source.fetch, lambda r: r[1], handled.append, key_of=lambda r: r[0])
    assert [r[0] for r in handled] == ["1", "1"]
