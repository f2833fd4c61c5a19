"""How an integration declares one entity's one-way flow: a :class:`Stream` subclass, as in Singer.

A stream declares what it is (``entity``, ``source``, ``target``, its ``key``, what it
``depends_on``, its ``replication_key``) and overrides small hooks: where records come from
(:meth:`Stream.records`), how one becomes the other side's payload (:meth:`Stream.map`), how the other
side's copy is found (find-before-create) and how it is written. Clients and settings reach a stream
through its constructor; a stream instance is built per run. The runner decides whether and when;
a stream never touches the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, TypeVar

Record = Mapping[str, Any]
Payload = dict[str, Any]


class MappingError(Exception):
    """A record cannot be mapped as it is (a business error: the user must fix data or settings)."""


class MapContext(Protocol):
    """What a mapper may ask while mapping one record."""

    settings: Any

    def ref(self, entity: str, source_key: Any) -> str:
        """The target key of an already synced ``entity`` record; raises MappingError if it is not synced."""
        ...

    def lookup(self, name: str, key: Any) -> Any:
        """A value from a lookup table the integration prepared (e.g. VAT zone number → name)."""
        ...


# Hooks a stream may leave out; the runner asks :meth:`Stream.has` before relying on them.
OPTIONAL_HOOKS = ("read_target", "project", "existing_key", "read_one", "find_target", "map_for", "count")


class Stream:
    """One entity flowing from ``source`` to ``target`` (both system names).

    Required hooks: :meth:`records`, :meth:`map`, :meth:`target_key`, :meth:`create`, :meth:`update`
    (and :meth:`source_key`, unless ``key`` names the source's key field). The hooks in
    ``OPTIONAL_HOOKS`` are used only where a subclass overrides them. Hooks take positional arguments
    only, so a plain function may stand in for one (``map = staticmethod(map_customer)``).
    """

    entity: str
    source: str
    target: str
    # The source record's key field; override :meth:`source_key` for anything else.
    key: str = ""
    depends_on: tuple[str, ...] = ()
    # The source field that says when a record last changed, where the source can be asked for
    # records "changed since" (polling); empty where it cannot.
    replication_key: str = ""
    label: str = ""
    description: str = ""

    # -- what the stream is --------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The stream's name: its positions (checkpoints, poll bookmarks) are kept under it."""
        return self.entity

    @property
    def title(self) -> str:
        return self.label or self.entity.replace("_", " ")

    @property
    def cursor_name(self) -> str:
        """The name of this stream's poll bookmark in the cursors table."""
        return f"poll:{self.source}.{self.name}"

    def has(self, hook: str) -> bool:
        """Whether this stream provides the optional ``hook`` (one of ``OPTIONAL_HOOKS``)."""
        return getattr(type(self), hook) is not getattr(Stream, hook)

    # -- required hooks ------------------------------------------------------------------------------
    def records(self) -> Iterable[Record]:
        """Every source record of this entity."""
        raise NotImplementedError

    def source_key(self, record: Record, /) -> Any:
        """A source record's key (by default its ``key`` field)."""
        if not self.key:
            raise NotImplementedError(f"{type(self).__name__} declares no key and no source_key()")
        return record[self.key]

    def map(self, record: Record, ctx: MapContext, /) -> Payload:
        """The target payload for ``record``; raises :class:`MappingError` when it cannot be mapped."""
        raise NotImplementedError

    def target_key(self, payload: Payload, /) -> Any:
        """The target key a payload will have (find-before-create looks for it)."""
        raise NotImplementedError

    def create(self, payload: Payload, /) -> Record:
        raise NotImplementedError

    def update(self, key: Any, payload: Payload, /) -> Record:
        raise NotImplementedError

    # -- optional hooks ------------------------------------------------------------------------------
    def map_for(self, record: Record, ctx: MapContext, /, *, for_create: bool) -> Payload:
        """The payload for a create (``for_create=True``) or for an update and the comparison
        (``False``). A stream whose target takes some fields on create only (``@only_create``) overrides
        it; the runner compares and hashes the update payload, so a create-only field is never compared.
        By default both are :meth:`map`."""
        return self.map(record, ctx)

    def count(self) -> int | None:
        """How many records :meth:`records` yields, where the source says so without handing them all
        over (a list's total); None: a run that reads its records as it goes counts them by reading."""
        return None

    def read_target(self) -> Iterable[Record]:
        """The target's existing records, read once per run: find-before-create, and the "old" values
        of a dry-run's field changes."""
        return ()

    def project(self, current: Record, payload: Payload, /) -> Payload:
        """The target record seen in payload shape, so it can be compared with a payload field by field."""
        return {k: current.get(k) for k in payload}

    def existing_key(self, record: Record, /) -> Any:
        """The key of a target record as read back (by default :meth:`target_key` of the record)."""
        return self.target_key(dict(record))

    def read_one(self, key: Any, /) -> Record | None:
        """Real time: one source record by key (None: it is gone)."""
        raise NotImplementedError

    def find_target(self, key: Any, /) -> Record | None:
        """Real time: the target's copy by target key (find-before-create without reading everything)."""
        return None


class TargetRecords(Protocol):
    """One collection on the target side, as a :class:`ResourceStream` writes it: found by its key,
    created, updated (a system's CRUD adapter, or a small writer over one)."""

    def find(self, key: Any, /) -> Record | None: ...

    def create(self, payload: Payload, /) -> Record: ...

    def update(self, key: Any, payload: Payload, /) -> Record: ...


class ResourceStream(Stream):
    """A stream whose target is one collection (``writes``, a :class:`TargetRecords` set up by the
    constructor), keyed by ``target_field``: the payload's key is what the record will be found by, and a
    record read back or written is keyed the same way (:meth:`remote_key`). An entity stream then declares
    only what is particular to it (entity, resource, key field, mapper, dependencies)."""

    # The target's key field, in our payload and in the target's records alike.
    target_field: str = ""
    writes: TargetRecords

    def remote_key(self, record: Record, /) -> Any:
        """The target key of a payload or of a target record (by default its ``target_field``)."""
        return record[self.target_field]

    def target_key(self, payload: Payload, /) -> Any:
        return self.remote_key(payload)

    def existing_key(self, record: Record, /) -> Any:
        return self.remote_key(record)

    def find_target(self, key: Any, /) -> Record | None:
        return self.writes.find(key)

    def create(self, payload: Payload, /) -> Record:
        return self.writes.create(payload)

    def update(self, key: Any, payload: Payload, /) -> Record:
        return self.writes.update(key, payload)


S = TypeVar("S", bound=Stream)


def dependency_order(streams: Iterable[S]) -> list[S]:
    """Streams sorted so every stream comes after those it depends on; declaration order breaks ties."""
    pending = list(streams)
    names = {s.entity for s in pending}
    for stream in pending:
        missing = set(stream.depends_on) - names
        if missing:
            raise ValueError(f"flow {stream.entity!r} depends on unknown flows {sorted(missing)}")
    ordered: list[S] = []
    done: set[str] = set()
    while pending:
        ready = [s for s in pending if set(s.depends_on) <= done]
        if not ready:
            raise ValueError(f"dependency cycle among {[s.entity for s in pending]}")
        for stream in ready:
            ordered.append(stream)
            done.add(stream.entity)
            pending.remove(stream)
    return ordered
