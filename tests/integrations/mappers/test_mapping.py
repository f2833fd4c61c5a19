"""The Mapper base: direct pairs, @mapping methods in order, @only_create, drop_empty, check."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledgerbridge.engine.streams import MapContext, MappingError, Payload, Record
from ledgerbridge.integrations.converters import money
from ledgerbridge.integrations.mapping import Mapper, mapping, only_create
from tests.integrations.mappers.support import FakeContext

CTX = FakeContext(settings=None)


class Thing(Mapper):
    direct = (("name", "Name"), ("price", "Price", money))
    ignored = ("secret",)

    def check(self, record: Record, ctx: MapContext) -> None:
        if record.get("name") == "bad":
            raise MappingError("bad thing")

    @mapping
    def group(self, record: Record, ctx: MapContext) -> Payload:
        return {"Group": int(ctx.ref("group", record.get("group")))}

    @only_create
    def kind(self, record: Record, ctx: MapContext) -> Payload:
        return {"Kind": "new"}


class SparseThing(Thing):
    drop_empty = True

    @mapping
    def group(self, record: Record, ctx: MapContext) -> Payload:  # overrides, keeps its place
        return {"Group": None}


def test_direct_pairs_mappings_and_create_only_fields() -> None:
    record = {"name": "Bolt", "price": "1.50", "group": 3, "secret": "x"}
    assert Thing().map(record, CTX) == {"Name": "Bolt", "Price": Decimal("1.50"), "Group": 3, "Kind": "new"}
    assert Thing().map(record, CTX, for_create=False) == {
        "Name": "Bolt",
        "Price": Decimal("1.50"),
        "Group": 3,
    }
    assert Thing()(record, CTX) == Thing().map(record, CTX)  # the engine's (record, ctx) signature


def test_drop_empty_and_an_overridden_mapping() -> None:
    assert SparseThing().map({"name": "", "price": None}, CTX) == {"Kind": "new"}


def test_check_refuses_before_anything_is_mapped() -> None:
    with pytest.raises(MappingError, match="bad thing"):
        Thing().map({"name": "bad"}, CTX)
