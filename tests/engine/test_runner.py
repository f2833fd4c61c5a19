"""The engine on its own: in-memory systems, real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from ledgerbridge.engine import MappingError, OneWaySync, RunContext, Stream
from ledgerbridge.engine.streams import dependency_order
from ledgerbridge.store import Binding, Cursor, ErrorEntry, Store, SyncRun
from ledgerbridge.systems.errors import TransientError, ValidationError


class FakeSystem:
    """A target that keeps records per resource and counts the writes it receives."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, dict[str, Any]]] = {}
        self.writes: list[tuple[str, str, str]] = []
        self.fail_on: dict[tuple[str, str], Exception] = {}
        self.crash_after_creates: int | None = None

    def create(self, resource: str, payload: dict[str, Any]) -> dict[str, Any]:
        key = str(payload["number"])
        if (resource, key) in self.fail_on:
            raise self.fail_on[(resource, key)]
        if key in self.records.setdefault(resource, {}):
            raise ValidationError("duplicate", errors={"number": ["taken"]}, status_code=422)
        self.records[resource][key] = dict(payload)
        self.writes.append(("create", resource, key))
        if self.crash_after_creates is not None and len(self.writes) >= self.crash_after_creates:
            # The process dies after the far side has the record, before we commit its binding.
            raise KeyboardInterrupt
        return dict(payload)

    def update(self, resource: str, key: str, payload: dict[str, Any]) -> dict[str, Any]:
        self.records[resource][str(key)].update(payload)
        self.writes.append(("update", resource, str(key)))
        return self.records[resource][str(key)]


class FakeStream(Stream):
    """A resource of an in-memory source flowing into a :class:`FakeSystem`, keyed by number."""

    source = "books"
    target = "ops"
    key = "no"
    resource: str

    def __init__(self, data: dict[str, list[dict[str, Any]]], fake: FakeSystem) -> None:
        self.data = data
        self.fake = fake

    def records(self) -> list[dict[str, Any]]:
        return list(self.data[self.resource])

    def target_key(self, payload: dict[str, Any]) -> Any:
        return payload["number"]

    def existing_key(self, record: Any) -> Any:
        return record["number"]

    def read_target(self) -> list[dict[str, Any]]:
        return list(self.fake.records.get(self.resource, {}).values())

    def create(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self.fake.create(self.resource, payload)

    def update(self, key: Any, payload: dict[str, Any]) -> dict[str, Any]:
        return self.fake.update(self.resource, key, payload)


class Groups(FakeStream):
    entity = "group"
    resource = "groups"

    def map(self, record: Any, ctx: Any) -> dict[str, Any]:
        if not record.get("name"):
            raise MappingError("a group needs a name")
        return {"number": record["no"], "name": record["name"]}


class Members(FakeStream):
    entity = "member"
    resource = "members"
    depends_on = ("group",)

    def map(self, record: Any, ctx: Any) -> dict[str, Any]:
        return {
            "number": record["no"],
            "name": record["name"],
            "group": int(ctx.ref("group", record["group"])),
            "price": Decimal(str(record["price"])),
        }


def make_flows(source: dict[str, list[dict[str, Any]]], target: FakeSystem) -> list[FakeStream]:
    # Members are declared first on purpose: the engine must still run groups first.
    return [Members(source, target), Groups(source, target)]


def source_data() -> dict[str, list[dict[str, Any]]]:
    return {
        "groups": [{"no": 1, "name": "Retail"}, {"no": 2, "name": "Wholesale"}],
        "members": [
            {"no": n, "name": f"Member {n}", "group": 1 + n % 2, "price": "10.50"} for n in range(1, 11)
        ],
    }


def sync(store: Store, integration_id: int, source: Any, target: FakeSystem) -> OneWaySync:
    return OneWaySync(
        RunContext(store, integration_id, ("ops", "books"), "startup"), make_flows(source, target)
    )


def count(store: Store, model: Any) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_creates_in_dependency_order_and_binds_everything(store: Store, integration_id: int) -> None:
    target = FakeSystem()
    result = sync(store, integration_id, source_data(), target).run()

    assert result.ok
    assert result.counts == {
        "group": {"created": 2, "updated": 0, "unchanged": 0, "failed": 0},
        "member": {"created": 10, "updated": 0, "unchanged": 0, "failed": 0},
    }
    assert [w[1] for w in target.writes[:2]] == ["groups", "groups"]
    assert target.records["members"]["3"]["group"] == 2
    assert count(store, Binding) == 12
    with store.session() as session:
        run = session.scalars(select(SyncRun)).one()
        assert (run.status, run.counts["member"]["created"]) == ("succeeded", 10)


def test_second_run_writes_nothing_and_a_change_costs_one_write(store: Store, integration_id: int) -> None:
    source, target = source_data(), FakeSystem()
    sync(store, integration_id, source, target).run()
    writes_after_first = len(target.writes)

    again = sync(store, integration_id, source, target).run()
    assert len(target.writes) == writes_after_first
    assert again.counts["member"] == {"created": 0, "updated": 0, "unchanged": 10, "failed": 0}

    source["members"][4]["price"] = "11.00"
    changed = sync(store, integration_id, source, target).run()
    assert target.writes[writes_after_first:] == [("update", "members", "5")]
    assert changed.counts["member"]["updated"] == 1
    assert target.records["members"]["5"]["price"] == Decimal("11.00")


def test_existing_target_records_are_found_not_duplicated(store: Store, integration_id: int) -> None:
    target = FakeSystem()
    target.records["groups"] = {"1": {"number": 1, "name": "Retail"}, "2": {"number": 2, "name": "Old name"}}
    result = sync(store, integration_id, source_data(), target).run()

    assert result.counts["group"] == {"created": 0, "updated": 1, "unchanged": 1, "failed": 0}
    assert ("create", "groups", "1") not in target.writes
    assert target.records["groups"]["2"]["name"] == "Wholesale"
    assert count(store, Binding) == 12


def test_bad_records_land_in_the_error_log_and_the_rest_goes_on(store: Store, integration_id: int) -> None:
    source, target = source_data(), FakeSystem()
    source["groups"][1]["name"] = ""  # group 2 cannot be mapped; its members cannot reference it
    result = sync(store, integration_id, source, target).run()

    assert result.status == "failed"
    assert result.counts["group"]["failed"] == 1
    # Odd members belong to group 2 (unmapped) and fail; even members belong to group 1.
    assert result.counts["member"] == {"created": 5, "updated": 0, "unchanged": 0, "failed": 5}
    with store.session() as session:
        entries = {(e.entity, e.record_key): e for e in session.scalars(select(ErrorEntry))}
    assert entries[("group", "2")].message == "group 2: a group needs a name"
    assert "group 2 has not been synced" in entries[("member", "3")].message
    assert entries[("member", "3")].payload is None


def test_target_refusal_is_logged_with_the_remote_message_and_payload(
    store: Store, integration_id: int
) -> None:
    source, target = source_data(), FakeSystem()
    target.fail_on[("members", "2")] = ValidationError(
        "refused",
        errors={"name": ["The name is reserved."]},
        status_code=422,
        remote_message="name: The name is reserved.",
        body={"errors": {"name": ["The name is reserved."]}},
    )
    sync(store, integration_id, source, target).run()
    with store.session() as session:
        entry = session.scalars(select(ErrorEntry).where(ErrorEntry.record_key == "2")).one()
    assert entry.remote_message == "name: The name is reserved."
    assert entry.status_code == 422
    assert entry.payload == {"number": 2, "name": "Member 2", "group": 1, "price": "10.50"}
    assert entry.response == {"errors": {"name": ["The name is reserved."]}}

    # Fixed on the far side: the next run succeeds, resolves the entry, and does not add another.
    del target.fail_on[("members", "2")]
    sync(store, integration_id, source, target).run()
    with store.session() as session:
        states = [e.state for e in session.scalars(select(ErrorEntry).where(ErrorEntry.record_key == "2"))]
    assert states == ["resolved"]


def test_a_record_failing_twice_keeps_one_entry_with_attempts(store: Store, integration_id: int) -> None:
    source, target = source_data(), FakeSystem()
    source["groups"][0]["name"] = ""
    sync(store, integration_id, source, target).run()
    sync(store, integration_id, source, target).run()
    with store.session() as session:
        entries = session.scalars(select(ErrorEntry).where(ErrorEntry.entity == "group")).all()
    assert [(e.record_key, e.attempts, e.state) for e in entries] == [("1", 2, "open")]


def test_dry_run_plans_field_by_field_and_writes_nothing(store: Store, integration_id: int) -> None:
    target = FakeSystem()
    target.records["groups"] = {"2": {"number": 2, "name": "Old name"}}
    plan = sync(store, integration_id, source_data(), target).plan()

    assert plan.dry_run and target.writes == []
    assert count(store, Binding) == 0 and count(store, SyncRun) == 0 and count(store, Cursor) == 0
    by_key = {(i.entity, i.source_key): i for i in plan.plan}
    assert by_key[("group", "1")].action == "create"
    update = by_key[("group", "2")]
    assert update.action == "update"
    assert [(c.field, c.old, c.new) for c in update.changes] == [("name", "Old name", "Wholesale")]
    # Members reference groups the plan would create: planned, not failed.
    assert by_key[("member", "1")].action == "create"
    assert plan.counts["member"]["created"] == 10


def test_transient_failure_stops_the_run_and_the_next_run_resumes(store: Store, integration_id: int) -> None:
    source, target = source_data(), FakeSystem()
    target.fail_on[("members", "6")] = TransientError("down", remote_message="503 Service Unavailable")
    first = sync(store, integration_id, source, target).run()
    assert first.status == "crashed"
    assert "503 Service Unavailable" in (first.message or "")

    del target.fail_on[("members", "6")]
    second = sync(store, integration_id, source, target).run()
    assert second.ok and second.resumed_from == first.run_id
    assert sorted(target.records["members"]) == sorted(str(n) for n in range(1, 11))
    assert len([w for w in target.writes if w[0] == "create" and w[1] == "members"]) == 10


def test_killed_mid_run_resumes_without_duplicates(store: Store, integration_id: int) -> None:
    source, target = source_data(), FakeSystem()
    target.crash_after_creates = 5  # 2 groups, then the 3rd member create dies before its commit
    with pytest.raises(KeyboardInterrupt):
        sync(store, integration_id, source, target).run()
    assert len(target.records["members"]) == 3
    assert count(store, Binding) == 4  # the third member reached the far side but was never bound

    target.crash_after_creates = None
    resumed = sync(store, integration_id, source, target).run()
    assert resumed.ok
    assert resumed.resumed_from is not None
    # Groups were checkpointed: skipped. The orphan member was found by its number, not re-created.
    assert resumed.counts["group"]["created"] == 2  # carried over from the killed run
    assert resumed.counts["member"] == {"created": 7, "updated": 0, "unchanged": 3, "failed": 0}
    creates = [w for w in target.writes if w[0] == "create"]
    assert len(creates) == len(set(creates)) == 12
    with store.session() as session:
        statuses = [r.status for r in session.scalars(select(SyncRun).order_by(SyncRun.id))]
    assert statuses == ["crashed", "succeeded"]


def test_dependency_order_refuses_cycles_and_unknown_dependencies() -> None:
    target = FakeSystem()
    flows = make_flows(source_data(), target)
    assert [f.entity for f in dependency_order(flows)] == ["group", "member"]
    with pytest.raises(ValueError, match="unknown flows"):
        dependency_order([flows[0]])

    class GroupsOfMembers(Groups):
        depends_on = ("member",)

    looped = [flows[0], GroupsOfMembers(source_data(), target)]
    with pytest.raises(ValueError, match="cycle"):
        dependency_order(looped)


def test_both_sides_changed_the_master_wins_and_the_losing_values_are_kept(
    store: Store, integration_id: int
) -> None:
    from ledgerbridge.store import Conflict

    source, target = source_data(), FakeSystem()

    def run() -> None:
        context = RunContext(store, integration_id, ("ops", "books"), "realtime", detect_conflicts=True)
        OneWaySync(context, make_flows(source, target)).run()

    run()
    source["members"][0]["name"] = "Master's name"  # member 1 changed on the master side only
    source["members"][1]["name"] = "Master's too"  # member 2 changed on both sides
    target.records["members"]["2"]["name"] = "Edited on the other side"
    target.records["members"]["3"]["name"] = "Only the other side"  # the master did not change member 3
    run()

    assert target.records["members"]["1"]["name"] == "Master's name"
    assert target.records["members"]["2"]["name"] == "Master's too"
    assert (
        target.records["members"]["3"]["name"] == "Only the other side"
    )  # updates flow from the master only
    with store.session() as session:
        conflicts = [
            (c.entity, c.record_key, c.field, c.winning_value, c.losing_value, c.winner, c.loser)
            for c in session.scalars(select(Conflict))
        ]
    assert conflicts == [("member", "2", "name", "Master's too", "Edited on the other side", "books", "ops")]
