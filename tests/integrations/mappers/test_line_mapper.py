"""LineMapper: a document's lines through one mapper per line; a line may become several (a rounding
line); map_lines says which source line each target line comes from. And the @mapping order a subclass
keeps, found once per class."""

from __future__ import annotations

from decimal import Decimal

from ledgerbridge.engine.streams import MapContext, Payload, Record
from ledgerbridge.integrations.converters import money
from ledgerbridge.integrations.mapping import LineMapper, Mapper, mapping
from tests.integrations.mappers.support import FakeContext

CTX = FakeContext(settings=None, bindings={("product", "P1"): "101"})


class Row(LineMapper):
    direct = (("name", "Text"), ("amount", "Amount", money))

    @mapping
    def article(self, record: Record, ctx: MapContext) -> Payload:
        return {"Article": ctx.ref("product", record["item"])}


class RowWithRounding(Row):
    def expand(self, line: Record, ctx: MapContext) -> list[Payload]:
        row = self.map(line, ctx)
        cents = Decimal(str(line["amount"])).quantize(Decimal("0.01"))
        rest = Decimal(str(line["amount"])) - cents
        return [{**row, "Amount": cents}, {"Text": "rounding", "Amount": rest}] if rest else [row]


LINES = [{"name": "Bolt", "amount": "10.005", "item": "P1"}, {"name": "Nut", "amount": "2.50", "item": "P2"}]


def test_one_target_line_per_source_line_by_default() -> None:
    assert Row().map_lines(LINES, CTX) == [
        (1, {"Text": "Bolt", "Amount": Decimal("10.005"), "Article": "101"}),
        (2, {"Text": "Nut", "Amount": Decimal("2.50"), "Article": "P2"}),
    ]
    assert Row().map_lines(None, CTX) == [] == Row().map_lines([], CTX)


def test_expand_makes_several_lines_and_map_lines_names_their_source() -> None:
    lines = RowWithRounding().map_lines(LINES, CTX)
    assert [(position, line["Text"], line["Amount"]) for position, line in lines] == [
        (1, "Bolt", Decimal("10.00")),  # half even: 10.005 -> 10.00, the rest on a rounding line
        (1, "rounding", Decimal("0.005")),
        (2, "Nut", Decimal("2.50")),
    ]


class Base(Mapper):
    @mapping
    def first(self, record: Record, ctx: MapContext) -> Payload:
        return {"order": ["first"]}

    @mapping
    def second(self, record: Record, ctx: MapContext) -> Payload:
        return {"order": ["second"]}


class Override(Base):
    @mapping
    def third(self, record: Record, ctx: MapContext) -> Payload:
        return {"seen": True}

    @mapping
    def first(self, record: Record, ctx: MapContext) -> Payload:  # keeps the base's place: before second
        return {"order": ["first (override)"], "seen": False}


def test_an_override_keeps_its_base_place_every_time() -> None:
    for _ in range(2):  # the method names are found once per class; the second call uses them
        assert Base().map({}, CTX) == {"order": ["second"]}
        assert Override().map({}, CTX) == {"order": ["second"], "seen": True}
