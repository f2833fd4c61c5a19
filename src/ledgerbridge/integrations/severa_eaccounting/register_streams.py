"""One direction of a two-way register (customers, products) between Severa and eEkonomi, as a stream.

Both directions of a register run in one run, the master's first (C14). Where the stream's source is
the register's master, a record the target already has is compared and the master's changes are
written, except one the other direction made, which is first bound as it is (:class:`FirstSight`).
Where it is not the master, a record the target has is bound as it is, never written over
(:func:`bind_only`, A4).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ledgerbridge.engine.streams import Stream
from ledgerbridge.integrations.severa_eaccounting.lookups import FirstSight, Lookups, Source, bind_only

SEVERA, EACCOUNTING = "severa", "eaccounting"


class RegisterStream(Stream):
    """A subclass declares its entity, direction and ``register`` (the settings' ``masters`` field
    naming the register's master side), reads (:meth:`records`, :meth:`targets`) and compares
    (:meth:`compare`) for the master's case."""

    register: str

    def __init__(
        self,
        lookups: Lookups,
        bound_in_severa: Callable[[], set[str]],
        bound_in_eaccounting: Callable[[], set[str]],
        other_only: Callable[[str], set[str]] = lambda side: set(),
    ) -> None:
        self.lookups = lookups
        self.bound_in_severa = bound_in_severa
        self.bound_in_eaccounting = bound_in_eaccounting
        self.master: str = getattr(lookups.settings.masters, self.register)
        # ``other_only(side)``: that side's keys bound by the other direction's stream only.
        self.first_sight = FirstSight(lambda: other_only(self.target), self.existing_key)
        self.open(lookups)

    def open(self, lookups: Lookups) -> None:
        """Build what the subclass reads, writes and maps with (its register's sides and mapper)."""

    @property
    def is_master(self) -> bool:
        return self.master == self.source

    def targets(self) -> Iterable[Source]:
        """The target side's records of this register."""
        raise NotImplementedError

    def compare(self, current: Source, payload: dict[str, Any]) -> dict[str, Any]:
        """The master's case: the target record in payload shape."""
        raise NotImplementedError

    def read_target(self) -> Iterable[Source]:
        return self.first_sight.targets(self.targets)()

    def project(self, current: Source, payload: dict[str, Any], /) -> dict[str, Any]:
        if not self.is_master:
            return bind_only(current, payload)
        return self.first_sight.project(self.compare)(current, payload)


def master_first(to_books: RegisterStream, to_severa: RegisterStream) -> list[Stream]:
    """Both directions of a register, the master's first (C14)."""
    return [to_books, to_severa] if to_books.is_master else [to_severa, to_books]
