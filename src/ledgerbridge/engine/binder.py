"""Bindings: record X on side A is record Y on side B, and what each side looked like when last synced."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ledgerbridge.store.models import Binding, utcnow

# Keys per ``IN (...)`` of a bulk look-up: well under SQLite's and PostgreSQL's limits on bound parameters.
PREFETCH_CHUNK = 500

T = TypeVar("T")


def chunked(items: Iterable[T], size: int = PREFETCH_CHUNK) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last may be shorter): a stream of records read a page's
    worth at a time, so their bindings can be :meth:`Binder.prefetch`-ed together."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Binder:
    """Looks up and writes bindings for one integration, addressing sides by system name.

    ``sides`` is the integration's ``(side_a, side_b)`` pair of system names, e.g. ``("ops", "books")``.
    """

    def __init__(
        self, session: Session, integration_id: int, sides: tuple[str, str], *, preload: bool = False
    ) -> None:
        self._session = session
        self._integration_id = integration_id
        self._sides = sides
        # One record's look-up is one indexed query (the unique constraints index each side's key);
        # a run that visits every record of an entity (``preload``) reads that entity's bindings once.
        self._preload = preload
        # Per entity and side: key → binding, or None for a key known to have none.
        self._cache: dict[tuple[str, str], dict[str, Binding | None]] = {}
        self._loaded: set[str] = set()
        # Entities a run reads a chunk at a time (:meth:`window`): never preloaded whole. Per entity, the
        # window's keys and the sides whose bindings of those keys have been read.
        self._windowed: set[str] = set()
        self._window_keys: dict[str, list[str]] = {}
        self._window_sides: dict[str, set[str]] = {}

    def _column(self, system: str) -> str:
        if system == self._sides[0]:
            return "a"
        if system == self._sides[1]:
            return "b"
        raise ValueError(f"{system!r} is not a side of this integration ({self._sides})")

    def _known(self, entity: str, side: str) -> dict[str, Binding | None]:
        return self._cache.setdefault((entity, side), {})

    def _remember(self, entity: str, binding: Binding) -> None:
        self._known(entity, "a")[binding.a_key] = binding
        self._known(entity, "b")[binding.b_key] = binding

    def _load(self, entity: str) -> None:
        rows = self._session.scalars(
            select(Binding).where(Binding.integration_id == self._integration_id, Binding.entity == entity)
        )
        for row in rows:
            self._remember(entity, row)
        self._loaded.add(entity)

    def _lookup(self, entity: str, side: str, key: str) -> Binding | None:
        known = self._known(entity, side)
        if key in known:
            return known[key]
        if entity in self._loaded:
            return None
        if self._preload and entity not in self._windowed:
            self._load(entity)
            return known.get(key)
        if entity in self._windowed and side not in self._window_sides[entity]:
            # A record just written is bound by both keys (:meth:`bind` looks the target's key up too),
            # and most systems pairs keep the number (e-conomic customer 1042 is Rackbeat customer
            # 1042): read the window's keys on this side as well, in one query, not one per record.
            self._window_sides[entity].add(side)
            self._prefetch_side(entity, side, self._window_keys[entity])
            if key in known:
                return known[key]
        column = Binding.a_key if side == "a" else Binding.b_key
        found = self._session.scalars(
            select(Binding).where(
                Binding.integration_id == self._integration_id, Binding.entity == entity, column == key
            )
        ).first()
        if found is None:
            known[key] = None
        else:
            self._remember(entity, found)
        return found

    def prefetch(self, entity: str, system: str, keys: Iterable[str]) -> None:
        """Read the bindings of many of ``system``'s keys at once (one indexed query per
        :data:`PREFETCH_CHUNK` keys), so the :meth:`find` of each that follows asks nothing more; a key
        with no binding is remembered as such. For a poll or scan that holds a page of records."""
        if entity in self._loaded:
            return
        self._prefetch_side(entity, self._column(system), keys)

    def _prefetch_side(self, entity: str, side: str, keys: Iterable[str]) -> None:
        known = self._known(entity, side)
        wanted = list(dict.fromkeys(k for k in map(str, keys) if k not in known))
        column = Binding.a_key if side == "a" else Binding.b_key
        for start in range(0, len(wanted), PREFETCH_CHUNK):
            chunk = wanted[start : start + PREFETCH_CHUNK]
            rows = self._session.scalars(
                select(Binding).where(
                    Binding.integration_id == self._integration_id,
                    Binding.entity == entity,
                    column.in_(chunk),
                )
            )
            for row in rows:
                self._remember(entity, row)
            for key in chunk:
                known.setdefault(key, None)

    def window(self, entity: str, system: str, keys: Iterable[str]) -> None:
        """A run over every record of ``entity`` moves on to its next chunk of ``system``'s ``keys``: the
        previous chunk's bindings are let go and this chunk's read in one query (per
        :data:`PREFETCH_CHUNK` keys), so the run holds one chunk's bindings, not the entity's. From now
        on the entity is not preloaded whole; a key outside the window is one indexed query."""
        self._windowed.add(entity)
        self.forget(entity)
        self._window_keys[entity] = chunk = [str(k) for k in keys]
        self._window_sides[entity] = {self._column(system)}
        self.prefetch(entity, system, chunk)

    def close_window(self, entity: str) -> None:
        """The run is done with ``entity``: its last chunk is let go, and a later stream that refers to
        it preloads it as before."""
        self._windowed.discard(entity)
        self._window_keys.pop(entity, None)
        self._window_sides.pop(entity, None)
        self.forget(entity)

    def bound_keys(self, entity: str, system: str, keys: Iterable[str]) -> set[str]:
        """Which of ``system``'s ``keys`` have a binding: one query per :data:`PREFETCH_CHUNK` keys that
        reads the keys alone (no :class:`Binding` is built), for a poll that only asks "bound or not"."""
        side = self._column(system)
        column = Binding.a_key if side == "a" else Binding.b_key
        wanted = list(dict.fromkeys(map(str, keys)))
        found: set[str] = set()
        for start in range(0, len(wanted), PREFETCH_CHUNK):
            chunk = wanted[start : start + PREFETCH_CHUNK]
            found.update(
                self._session.scalars(
                    select(column).where(
                        Binding.integration_id == self._integration_id,
                        Binding.entity == entity,
                        column.in_(chunk),
                    )
                )
            )
        return found

    def other_keys(self, system: str, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """The key on the other side of each of ``system``'s ``(entity, key)`` pairs that has a binding, read
        together: one query for several entities (per :data:`PREFETCH_CHUNK` pairs), each entity's keys
        through its side's unique index. For the few records one document refers to (its customer, its
        terms, ...), which one :meth:`find` each would read one query at a time. A pair with no binding is
        left out, and remembered as having none, as :meth:`prefetch` does."""
        side = self._column(system)
        asked = list(dict.fromkeys((entity, str(key)) for entity, key in pairs))
        unknown = [
            (entity, key)
            for entity, key in asked
            if entity not in self._loaded and key not in self._known(entity, side)
        ]
        for chunk in chunked(unknown):
            self._read_pairs(side, chunk)
        found: dict[tuple[str, str], str] = {}
        for entity, key in asked:
            binding = self._known(entity, side).get(key)
            if binding is not None:
                found[(entity, key)] = binding.b_key if side == "a" else binding.a_key
        return found

    def _read_pairs(self, side: str, pairs: list[tuple[str, str]]) -> None:
        column = Binding.a_key if side == "a" else Binding.b_key
        keys_by_entity: dict[str, list[str]] = {}
        for entity, key in pairs:
            keys_by_entity.setdefault(entity, []).append(key)
        # One ``entity = ? AND key IN (...)`` per entity: each an index range of the side's unique index.
        rows = self._session.scalars(
            select(Binding).where(
                Binding.integration_id == self._integration_id,
                or_(*(and_(Binding.entity == e, column.in_(keys)) for e, keys in keys_by_entity.items())),
            )
        )
        for row in rows:
            self._remember(row.entity, row)
        for entity, key in pairs:
            self._known(entity, side).setdefault(key, None)

    def find(self, entity: str, system: str, key: str) -> Binding | None:
        """The binding of ``system``'s record ``key`` for ``entity``, if any."""
        return self._lookup(entity, self._column(system), str(key))

    def other_key(self, entity: str, system: str, key: str) -> str | None:
        """The key on the other side of ``system``'s record ``key``."""
        binding = self.find(entity, system, key)
        if binding is None:
            return None
        side = self._column(system)
        return binding.b_key if side == "a" else binding.a_key

    def bind(
        self,
        entity: str,
        keys: dict[str, str],
        hashes: dict[str, str | None],
    ) -> Binding:
        """Create or refresh the binding between ``keys[side_a]`` and ``keys[side_b]``.

        The caller commits; a record just created on the far side should be bound and committed
        at once, so a crash right after cannot lead to a second create.
        """
        a_system, b_system = self._sides
        a_key, b_key = str(keys[a_system]), str(keys[b_system])
        binding = self.find(entity, a_system, a_key) or self.find(entity, b_system, b_key)
        if binding is None:
            binding = Binding(integration_id=self._integration_id, entity=entity, a_key=a_key, b_key=b_key)
            self._session.add(binding)
        else:
            # A side was renumbered: its old key has no binding any more.
            self._known(entity, "a")[binding.a_key] = None
            self._known(entity, "b")[binding.b_key] = None
            binding.a_key, binding.b_key = a_key, b_key
        binding.a_hash = hashes.get(a_system, binding.a_hash)
        binding.b_hash = hashes.get(b_system, binding.b_hash)
        binding.synced_at = utcnow()
        self._remember(entity, binding)
        return binding

    def forget(self, entity: str) -> None:
        """Drop the cached bindings of ``entity`` (another session has just added some)."""
        for side in ("a", "b"):
            self._cache.pop((entity, side), None)
        self._loaded.discard(entity)
        if entity in self._window_sides:
            self._window_sides[entity] = set()  # the window's keys are read again when next asked for

    def hash_of(self, binding: Binding, system: str) -> str | None:
        return binding.a_hash if self._column(system) == "a" else binding.b_hash
