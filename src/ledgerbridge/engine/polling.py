"""Polling with a cursor that never skips a change.

Each poll asks the source for records changed after ``bookmark − overlap``. The new bookmark is the
newest change seen, but never later than the moment the poll started (Singer's *signpost*): a record
changed while the poll ran is asked for again next time, and one changed just before a clock tick is
caught by the overlap. Records seen twice cost nothing downstream: change detection (snapshot hashes)
makes the second sight a no-op.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ledgerbridge.engine.checkpoints import Checkpoints
from ledgerbridge.store.db import Store
from ledgerbridge.store.models import utcnow


@dataclass(frozen=True)
class PollResult:
    seen: int
    since: datetime | None
    bookmark: datetime | None


def fingerprint(record: Any) -> str:
    """Tells one sighting of a record from another. Both come from the same API as JSON, so the text
    with sorted keys is enough (no need for :func:`~ledgerbridge.engine.hashing.snapshot_hash`'s
    number normalising, four times dearer, which a poll with no bookmark would pay for every record)."""
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Poller:
    """Polls one stream of one integration and keeps its bookmark in the ``cursors`` table, under
    ``cursor_name`` (a stream's :attr:`~ledgerbridge.engine.streams.Stream.cursor_name`)."""

    def __init__(
        self,
        store: Store,
        integration_id: int,
        cursor_name: str,
        *,
        overlap: timedelta = timedelta(minutes=2),
        clock: Callable[[], datetime] = utcnow,
        start_from: datetime | None = None,
    ) -> None:
        self.store = store
        self.start_from = start_from  # the first poll's bookmark (e.g. when the start-up sync ended)
        self.integration_id = integration_id
        self.name = cursor_name
        self.overlap = overlap
        self.clock = clock

    def bookmark(self) -> datetime | None:
        with self.store.session() as session:
            state = Checkpoints(session, self.integration_id).get(self.name)
        if state:
            return parse_time(state.get("bookmark"))
        start = self.start_from
        # SQLite hands back naive datetimes; every time here is UTC.
        return start.replace(tzinfo=UTC) if start is not None and start.tzinfo is None else start

    def poll(
        self,
        fetch: Callable[[datetime | None], Iterable[Any]],
        changed_at: Callable[[Any], Any],
        handle: Callable[[Any], object],
        *,
        key_of: Callable[[Any], Any] | None = None,
    ) -> PollResult:
        """Fetch what changed since the bookmark (minus the overlap), hand each record to ``handle``,
        then move the bookmark. If ``handle`` raises, the bookmark stays, and the next poll repeats.

        With ``key_of``, a record already handled exactly as it is now (seen again only because of the
        overlap) is skipped, so an idle poll costs the fetch and nothing more.
        """
        signpost = self.clock()
        with self.store.session() as session:
            state = Checkpoints(session, self.integration_id).get(self.name) or {}
        bookmark = self.bookmark()
        # key -> [change stamp, fingerprint] of records handled inside the overlap window
        seen: dict[str, list[str]] = {k: list(v) for k, v in state.get("seen", {}).items()}
        since = bookmark - self.overlap if bookmark else None
        newest = bookmark
        handled = 0
        for record in fetch(since):
            stamp = changed_at(record)
            key = str(key_of(record)) if key_of else None
            # Stamps are often whole seconds: the fingerprint tells two changes in one second apart.
            sighting = [str(stamp), fingerprint(record)]
            if key is not None and seen.get(key) == sighting:
                continue
            handle(record)
            handled += 1
            if key is not None:
                seen[key] = sighting
            moment = parse_time(stamp)
            if moment is not None and (newest is None or moment > newest):
                newest = moment
        if newest is not None and newest > signpost:
            newest = signpost
        if newest is None:
            newest = signpost  # an empty source: start from now, do not ask for all history again
        horizon = newest - self.overlap
        seen = {k: v for k, v in seen.items() if (parse_time(v[0]) or horizon) >= horizon}
        with self.store.session() as session:
            Checkpoints(session, self.integration_id).put(
                self.name, {"bookmark": newest.isoformat(), "seen": seen}
            )
        return PollResult(handled, since, newest)
