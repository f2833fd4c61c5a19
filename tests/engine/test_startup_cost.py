"""Issue 16: the start-up sync's cost per record. A run that creates records asks the database for
bindings a chunk at a time on both sides (the target's key of a record just written was one query per
record), and the snapshot hashes stay byte for byte what bindings written before hold."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from ledgerbridge.engine import OneWaySync, RunContext
from ledgerbridge.engine.binder import PREFETCH_CHUNK
from ledgerbridge.engine.hashing import same_value, snapshot_hash
from ledgerbridge.store import Binding, Store
from tests.engine.test_run_in_chunks import MEMBERS, Watch, binding_reads, source_data
from tests.engine.test_runner import FakeSystem, Groups, Members, make_flows

SIDES = ("ops", "books")


def run(store: Store, integration_id: int, flows: list[Any]) -> Any:
    context = RunContext(store, integration_id, SIDES, "startup", progress=Watch())
    return OneWaySync(context, flows, keep_plan=False, stream_records=True).run()


def test_a_creating_run_reads_bindings_a_chunk_at_a_time_on_both_sides(
    store: Store, integration_id: int
) -> None:
    target = FakeSystem()
    with binding_reads(store) as reads:
        first = run(store, integration_id, make_flows(source_data(), target))
    assert first.ok and first.counts["member"]["created"] == MEMBERS
    chunks = -(-MEMBERS // PREFETCH_CHUNK)
    # Per chunk of members: the source's keys, then the target's (the same numbers), at the first bind.
    # The groups: their chunk on both sides, and once whole for the members' references. Before: one
    # query per record created, for the target key its binding is looked up by.
    assert len(reads) == 2 * chunks + 2 + 1, len(reads)
    with store.session() as session:
        bound = session.scalar(select(func.count()).select_from(Binding).where(Binding.entity == "member"))
    assert bound == MEMBERS


class Renumbered(Members):
    """Members whose number changes on the way (the target's key is not the source's)."""

    def map(self, record: Any, ctx: Any) -> dict[str, Any]:
        return {**super().map(record, ctx), "number": f"M-{record['no']}"}


def test_records_whose_key_changes_are_still_bound_once_and_found_again(
    store: Store, integration_id: int
) -> None:
    data = source_data()
    target = FakeSystem()
    first = run(store, integration_id, [Renumbered(data, target), Groups(data, target)])
    assert first.ok and first.counts["member"]["created"] == MEMBERS
    with store.session() as session:
        keys = set(session.scalars(select(Binding.a_key).where(Binding.entity == "member")))
    assert keys == {f"M-{n}" for n in range(1, MEMBERS + 1)}  # ops (side a) holds the new numbers

    again = run(store, integration_id, [Renumbered(data, target), Groups(data, target)])
    assert again.counts["member"] == {"created": 0, "updated": 0, "unchanged": MEMBERS, "failed": 0}
    assert len([w for w in target.writes if w[1] == "members"]) == MEMBERS  # nothing written twice


def test_snapshot_hashes_are_the_ones_bindings_already_hold() -> None:
    # Digests computed by the hashing before its fast paths: a changed hash would make every bound
    # record look changed to the next run after an upgrade.
    product = {
        "productNumber": "1042",
        "name": "Skrue M8",
        "salesPrice": Decimal("25.00"),
        "costPrice": Decimal("12.5"),
        "barred": False,
        "productGroup": {"productGroupNumber": 1},
        "unit": None,
    }
    odd = {
        "number": 7,
        "price": 10.0,
        "total": Decimal("1E+2"),
        "big": 10**30 + 7,
        "neg": -0.0,
        "lines": [(1, "a"), [Decimal("-0"), None]],
        2: "int key",
        "when": date(2024, 1, 2),
    }
    assert snapshot_hash(product) == "82b278c1b5441d84886700da2ccb32d47268750dc803e69265ffbe7dfc26003e"
    assert snapshot_hash(odd) == "4b52f8681664523f9a7cc811d12c1dc883e682e546cae8b5208ba62ff1cc3b7b"
    assert (
        snapshot_hash([True, 0, -12, "", "æøå"])
        == "e8ec49ab460a30af24d259402024c36a833c87264615ec1d4e6aead0febb1f1c"
    )
    assert same_value(10, Decimal("10.00")) and same_value({"a": 1, "b": 2.0}, {"b": 2, "a": Decimal(1)})
    assert not same_value(True, 1) and not same_value("10", 10.5)


def test_a_source_that_tells_its_count_is_read_once(store: Store, integration_id: int) -> None:
    data = source_data()
    reads: list[str] = []

    class Counted(Members):
        def records(self) -> list[dict[str, Any]]:
            reads.append("records")
            return super().records()

        def count(self) -> int | None:
            reads.append("count")
            return len(self.data[self.resource])

    class Totals(Watch):
        def __init__(self) -> None:
            super().__init__()
            self.totals: dict[str, int] = {}

        def entity_started(self, entity: str, title: str, total: int) -> None:
            self.totals[entity] = total

    target = FakeSystem()
    totals = Totals()
    context = RunContext(store, integration_id, SIDES, "startup", progress=totals)
    flows = [Counted(data, target), Groups(data, target)]
    result = OneWaySync(context, flows, keep_plan=False, stream_records=True).run()
    assert result.ok and result.counts["member"]["created"] == MEMBERS
    assert reads == ["count", "records"]  # before: the records read twice, once only to count them
    assert totals.totals["member"] == MEMBERS
