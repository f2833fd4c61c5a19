"""``Binder.other_keys``: the bindings of the few records one document refers to (of several entities) are
read in one query, through each side's key, and only this integration's."""

from __future__ import annotations

from contextlib import AbstractContextManager

from sqlalchemy import insert

from ledgerbridge.engine.binder import PREFETCH_CHUNK, Binder
from ledgerbridge.store import Binding, Integration, Store
from tests.support import recorded_statements

SIDES = ("ops", "books")


def _integration(store: Store, name: str) -> int:
    with store.session() as session:
        row = Integration(name=name, kind="test", settings={}, credentials="-")
        session.add(row)
        session.flush()
        return row.id


def _bind(store: Store, integration_id: int, entity: str, pairs: dict[str, str]) -> None:
    rows = [
        {"integration_id": integration_id, "entity": entity, "a_key": a, "b_key": b} for a, b in pairs.items()
    ]
    with store.session() as session:
        session.execute(insert(Binding), rows)


def binding_reads(store: Store) -> AbstractContextManager[list[str]]:
    return recorded_statements(store, binding_reads=True)


def test_several_entities_keys_are_read_in_one_query_and_a_miss_is_left_out(store: Store) -> None:
    ours, theirs = _integration(store, "ours"), _integration(store, "theirs")
    _bind(store, ours, "customer", {"7": "1007", "8": "1008"})
    _bind(store, ours, "payment_term", {"2": "12"})
    _bind(store, ours, "employee", {"7": "77"})  # the same number as a customer: another entity
    _bind(store, theirs, "employee", {"3": "33"})  # another integration's binding
    asked = [("customer", "7"), ("payment_term", "2"), ("employee", "3"), ("customer", "7")]
    with store.session() as session:
        binder = Binder(session, ours, SIDES)
        with binding_reads(store) as reads:
            found = binder.other_keys("ops", asked)
            # What was read, found or not, is known: the mapping's own look-ups ask nothing more.
            assert binder.other_key("payment_term", "ops", "2") == "12"
            assert binder.find("employee", "ops", "3") is None
        assert found == {("customer", "7"): "1007", ("payment_term", "2"): "12"}
        assert len(reads) == 1


def test_the_other_side_is_asked_by_its_own_keys(store: Store) -> None:
    ours = _integration(store, "ours")
    _bind(store, ours, "customer", {"7": "1007"})
    _bind(store, ours, "product", {"P-1": "501"})
    with store.session() as session:
        found = Binder(session, ours, SIDES).other_keys("books", [("customer", "1007"), ("product", "501")])
    assert found == {("customer", "1007"): "7", ("product", "501"): "P-1"}


def test_more_pairs_than_a_chunk_take_a_query_per_chunk(store: Store) -> None:
    ours = _integration(store, "ours")
    _bind(store, ours, "product", {f"P{i}": str(i) for i in range(PREFETCH_CHUNK + 1)})
    pairs = [("product", f"P{i}") for i in range(PREFETCH_CHUNK + 1)]
    with store.session() as session:
        with binding_reads(store) as reads:
            found = Binder(session, ours, SIDES).other_keys("ops", pairs)
    assert len(found) == PREFETCH_CHUNK + 1 and found[("product", f"P{PREFETCH_CHUNK}")] == str(
        PREFETCH_CHUNK
    )
    assert len(reads) == 2
