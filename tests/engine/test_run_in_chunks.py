"""Issue 16: a run over every record of a large entity (the start-up sync) holds one chunk's bindings at a
time, read in one query per chunk, not all of the entity's bindings at once; and a real run does not keep
a plan item per record (only a dry run returns the plan)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import func, select

from ledgerbridge.engine import OneWaySync, RunContext
from ledgerbridge.engine.binder import PREFETCH_CHUNK
from ledgerbridge.engine.plan import PlanItem
from ledgerbridge.store import Binding, Store
from tests.engine.test_runner import FakeSystem, Groups, Members, make_flows
from tests.support import recorded_statements

SIDES = ("ops", "books")
MEMBERS = 1_200  # three chunks of bindings


def source_data() -> dict[str, list[dict[str, Any]]]:
    return {
        "groups": [{"no": 1, "name": "Retail"}, {"no": 2, "name": "Wholesale"}],
        "members": [
            {"no": n, "name": f"Member {n}", "group": 1 + n % 2, "price": "10.50"}
            for n in range(1, MEMBERS + 1)
        ],
    }


class Watch:
    """Progress that counts, every 50 records, the member bindings alive in the process."""

    def __init__(self) -> None:
        self.seen = 0
        self.most_alive = 0

    def entity_started(self, entity: str, title: str, total: int) -> None:
        pass

    def advance(self, entity: str, outcome: str) -> None:
        if entity != "member":
            return
        self.seen += 1
        if self.seen % 50 == 0:
            alive = sum(1 for o in gc.get_objects() if isinstance(o, Binding) and o.entity == "member")
            self.most_alive = max(self.most_alive, alive)

    def entity_finished(self, entity: str, counts: dict[str, int]) -> None:
        pass


def binding_reads(store: Store) -> AbstractContextManager[list[str]]:
    return recorded_statements(store, binding_reads=True)


def run(
    store: Store, integration_id: int, target: FakeSystem, progress: Any, *, dry_run: bool = False, **kw: Any
) -> Any:
    context = RunContext(store, integration_id, SIDES, "startup", progress=progress)
    sync = OneWaySync(context, make_flows(source_data(), target), **kw)
    return sync.plan() if dry_run else sync.run()


def test_a_run_holds_one_chunk_of_bindings_at_a_time(store: Store, integration_id: int) -> None:
    target = FakeSystem()
    first = run(store, integration_id, target, Watch())
    assert first.counts["member"]["created"] == MEMBERS
    with store.session() as session:
        bound = session.scalar(select(func.count()).select_from(Binding).where(Binding.entity == "member"))
    assert bound == MEMBERS

    # Again: every member is bound and unchanged, so each is looked up by its binding.
    watch = Watch()
    with binding_reads(store) as reads:
        again = run(store, integration_id, target, watch)
    assert again.counts["member"] == {"created": 0, "updated": 0, "unchanged": MEMBERS, "failed": 0}
    assert watch.seen == MEMBERS
    # Before: the first look-up loaded all 1,200 member bindings at once.
    assert 0 < watch.most_alive <= PREFETCH_CHUNK
    chunk_reads = [s for s in reads if " IN (" in s.upper()]
    # One query per chunk of members (and one for the two groups' chunk), not one per record; the
    # groups are read once more, whole, for the members' references to them.
    assert len(chunk_reads) == -(-MEMBERS // PREFETCH_CHUNK) + 1
    assert len(reads) == len(chunk_reads) + 1


def test_a_run_that_keeps_no_plan_holds_no_item_per_record(store: Store, integration_id: int) -> None:
    target = FakeSystem()
    planned = run(store, integration_id, target, Watch(), dry_run=True, keep_plan=False)
    assert sum(1 for item in planned.plan if item.action == "create") == MEMBERS + 2  # a dry run's plan
    assert target.writes == []
    del planned

    class Count(Watch):
        def advance(self, entity: str, outcome: str) -> None:
            self.seen += entity == "member"
            if entity == "member" and self.seen == MEMBERS:  # the last member: what the run holds by now
                alive = sum(1 for o in gc.get_objects() if isinstance(o, PlanItem) and o.entity == "member")
                self.most_alive = max(self.most_alive, alive)

    count = Count()
    done = run(store, integration_id, target, count, keep_plan=False)
    assert done.ok and done.counts["member"]["created"] == MEMBERS
    assert done.plan == []
    assert count.most_alive == 0  # before: one per member, each with its fields
    kept = run(store, integration_id, target, Watch())  # the default (registers show a real run's plan)
    assert len(kept.plan) == MEMBERS + 2


class Row(dict[str, Any]):
    """A source record whose copies alive can be counted."""


def test_a_streaming_run_holds_its_source_a_chunk_at_a_time(store: Store, integration_id: int) -> None:
    many = 3 * PREFETCH_CHUNK + 100
    rows = [{"no": n, "name": f"Member {n}", "group": 1 + n % 2, "price": "1.00"} for n in range(1, many + 1)]
    reads: list[int] = []

    class Streamed(Members):
        def records(self) -> Iterator[dict[str, Any]]:  # a page at a time, each record a fresh object
            reads.append(1)
            for row in rows:
                yield Row(row)

    class Alive(Watch):
        def __init__(self) -> None:
            super().__init__()
            self.total = 0

        def entity_started(self, entity: str, title: str, total: int) -> None:
            if entity == "member":
                self.total = total

        def advance(self, entity: str, outcome: str) -> None:
            if entity == "member":
                self.seen += 1
                if self.seen % 250 == 0:
                    alive = sum(1 for o in gc.get_objects() if type(o) is Row)
                    self.most_alive = max(self.most_alive, alive)

    target = FakeSystem()
    data = {"groups": source_data()["groups"], "members": []}
    alive = Alive()
    context = RunContext(store, integration_id, SIDES, "startup", progress=alive)
    flows = [Streamed(data, target), Groups(data, target)]
    result = OneWaySync(context, flows, keep_plan=False, stream_records=True).run()
    assert result.ok and result.counts["member"]["created"] == many
    assert alive.total == many  # the progress still knows the total (a first pass counts)
    assert len(reads) == 2
    # Before (every record read into a list first): all of them alive until the stream ended.
    assert 0 < alive.most_alive <= 2 * PREFETCH_CHUNK
