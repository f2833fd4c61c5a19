"""A stream's declaration: its key, its optional hooks, its cursor name; and the order streams run in."""

from __future__ import annotations

from typing import Any

import pytest

from ledgerbridge.engine.streams import MapContext, Payload, Record, Stream, dependency_order


def map_name(record: Record, ctx: MapContext) -> Payload:
    return {"name": record["name"]}


class Groups(Stream):
    entity = "group"
    source = "books"
    target = "ops"
    key = "no"
    map = staticmethod(map_name)


class Members(Groups):
    entity = "member"
    depends_on = ("group",)
    replication_key = "changed"
    label = "members of groups"

    def read_one(self, key: Any, /) -> Record | None:
        return None


def test_a_stream_declares_its_key_name_and_cursor() -> None:
    members = Members()
    assert members.source_key({"no": 7}) == 7
    assert members.name == "member" and members.title == "members of groups"
    assert Groups().title == "group"
    assert members.cursor_name == "poll:books.member"
    assert members.map({"name": "Ann"}, None) == {"name": "Ann"}  # type: ignore[arg-type]


def test_optional_hooks_count_only_where_a_stream_overrides_them() -> None:
    assert Members().has("read_one") and not Groups().has("read_one")
    assert not Members().has("read_target") and not Members().has("project")


def test_a_stream_without_a_key_must_say_how_its_records_are_keyed() -> None:
    class Keyless(Groups):
        key = ""

    with pytest.raises(NotImplementedError, match="source_key"):
        Keyless().source_key({"no": 1})


def test_streams_run_after_what_they_depend_on() -> None:
    assert [s.entity for s in dependency_order([Members(), Groups()])] == ["group", "member"]
    with pytest.raises(ValueError, match="unknown flows"):
        dependency_order([Members()])
