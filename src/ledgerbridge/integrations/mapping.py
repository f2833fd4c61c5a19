"""Mappers that read like the seed's field tables (after OCA connector's ``Mapper``).

A mapper is one entity in one direction. Fields copied as they are (or through one converter) are
listed in ``direct``; anything that needs the context (a binding, a setting) or several source fields
is a method marked :func:`mapping` returning the fields it sets. ``ignored`` names the source fields the
seed says are *not* synced, so the table is complete where it is read::

    class CustomerToEconomic(Mapper):
        direct = (("name", "name"), ("max_credit", "creditLimit", money))
        ignored = ("language", "delivery_terms")

        @mapping
        def group(self, record, ctx):
            return {"customerGroup": ...}

A mapper is called with the engine's mapping signature, ``(record, ctx) -> Payload``.

A document's lines go through a :class:`LineMapper`, one source line at a time; a source line may become
several target lines (a rounding line that keeps the total exact), so :meth:`LineMapper.expand` is the
hook, and :meth:`LineMapper.map_lines` says which source line each target line comes from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar, TypeVar, cast

from ledgerbridge.engine.streams import MapContext, Payload, Record
from ledgerbridge.integrations.converters import present

Converter = Callable[[Any], Any]
# (source field, target field) or (source field, target field, converter)
Direct = tuple[str, str] | tuple[str, str, Converter]
MappingMethod = Callable[[Any, Record, MapContext], Payload]
M = TypeVar("M", bound=MappingMethod)


def mapping(method: M) -> M:
    """Mark a method as a mapping: it returns fields to merge into the payload."""
    cast(Any, method)._mapping = True
    return method


def only_create(method: M) -> M:
    """Mark a mapping as setting its fields only when the target record is created."""
    cast(Any, method)._mapping = True
    cast(Any, method)._only_create = True
    return method


class Mapper:
    """One entity in one direction: ``direct`` field pairs, then the ``@mapping`` methods in order."""

    direct: ClassVar[tuple[Direct, ...]] = ()
    # Source fields the seed says are not synced (never read; the tests check they stay out).
    ignored: ClassVar[tuple[str, ...]] = ()
    # Drop None and "" from the payload (a target whose empty fields must not blank the other side's).
    drop_empty: ClassVar[bool] = False

    def check(self, record: Record, ctx: MapContext) -> None:
        """Refuse a record the target cannot take (raise MappingError) before anything is mapped."""

    def map(self, record: Record, ctx: MapContext, *, for_create: bool = True) -> Payload:
        """The target payload for ``record``; ``for_create=False`` leaves out the create-only fields."""
        self.check(record, ctx)
        payload: Payload = {}
        for entry in self.direct:
            source, target = entry[0], entry[1]
            value = record.get(source)
            payload[target] = entry[2](value) if len(entry) == 3 else value
        for method in self._mappings():
            if for_create or not getattr(method, "_only_create", False):
                payload.update(method(record, ctx))
        return present(payload) if self.drop_empty else payload

    def __call__(self, record: Record, ctx: MapContext) -> Payload:
        return self.map(record, ctx)

    def _mappings(self) -> Iterator[Callable[[Record, MapContext], Payload]]:
        """The ``@mapping`` methods, base classes' first, each in the order it is written."""
        for name in _mapping_names(type(self)):
            yield getattr(self, name)


# The @mapping method names per Mapper class, found once (a document maps every line through its mapper).
_MAPPING_NAMES: dict[type[Mapper], tuple[str, ...]] = {}


def _mapping_names(cls: type[Mapper]) -> tuple[str, ...]:
    names = _MAPPING_NAMES.get(cls)
    if names is None:
        found: dict[str, None] = {}  # in order: base classes' first, an override keeps its base's place
        for klass in reversed(cls.__mro__):
            for name, attribute in vars(klass).items():
                if getattr(attribute, "_mapping", False):
                    found.setdefault(name)
        names = _MAPPING_NAMES[cls] = tuple(found)
    return names


class LineMapper(Mapper):
    """A document's line in one direction: ``direct`` and ``@mapping`` give the fields of one target line;
    override :meth:`expand` where one source line becomes several target lines."""

    def expand(self, line: Record, ctx: MapContext) -> list[Payload]:
        """The target lines of one source line (by default just the one :meth:`map` makes)."""
        return [self.map(line, ctx)]

    def map_lines(self, lines: Iterable[Record] | None, ctx: MapContext) -> list[tuple[int, Payload]]:
        """Every target line, in order, with the position (1-based) of the source line it comes from."""
        return [
            (position, payload)
            for position, line in enumerate(lines or (), start=1)
            for payload in self.expand(line, ctx)
        ]
