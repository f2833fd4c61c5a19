"""Look-ups that stay the same size however many records an integration has: a binding is found by its
key without loading the others, and resolving records that never failed asks the error log once."""

from __future__ import annotations

from contextlib import AbstractContextManager

from sqlalchemy import insert

from ledgerbridge.engine.binder import Binder
from ledgerbridge.engine.errorlog import ErrorLog
from ledgerbridge.store import Binding, Integration, Store
from tests.support import recorded_statements

SIDES = ("ops", "books")


def _integration(store: Store) -> int:
    with store.session() as session:
        row = Integration(name="t", kind="test", settings={}, credentials="-")
        session.add(row)
        session.flush()
        return row.id


def _bindings(store: Store, integration_id: int, entity: str, n: int) -> None:
    rows = [
        {"integration_id": integration_id, "entity": entity, "a_key": f"R{i}", "b_key": str(i), "a_hash": "h"}
        for i in range(n)
    ]
    with store.session() as session:
        session.execute(insert(Binding), rows)


def statements(store: Store) -> AbstractContextManager[list[str]]:
    return recorded_statements(store)


def test_a_binding_is_found_by_key_without_loading_the_others(store: Store) -> None:
    integration_id = _integration(store)
    _bindings(store, integration_id, "product", 500)
    with store.session() as session:
        binder = Binder(session, integration_id, SIDES)
        with statements(store) as seen:
            assert binder.other_key("product", "ops", "R321") == "321"
            assert binder.other_key("product", "books", "321") == "R321"  # known now: no second query
            assert binder.find("product", "ops", "R-none") is None
            assert binder.find("product", "ops", "R-none") is None  # an absence is remembered too
        assert len(seen) == 2
        loaded = [obj for obj in session.identity_map.values() if isinstance(obj, Binding)]
        assert [b.a_key for b in loaded] == ["R321"]


def test_a_binding_written_or_renumbered_is_found_under_its_new_key(store: Store) -> None:
    integration_id = _integration(store)
    _bindings(store, integration_id, "customer", 3)
    with store.session() as session:
        binder = Binder(session, integration_id, SIDES)
        assert binder.find("customer", "ops", "R9") is None
        binder.bind("customer", {"ops": "R9", "books": "9"}, {"ops": "x"})
        binder.bind("customer", {"ops": "R1", "books": "101"}, {})  # renumbered in books
        assert binder.other_key("customer", "ops", "R9") == "9"
        assert binder.other_key("customer", "ops", "R1") == "101"
        assert binder.find("customer", "books", "1") is None
        session.commit()
    with store.session() as session:
        fresh = Binder(session, integration_id, SIDES)
        assert fresh.other_key("customer", "books", "101") == "R1"
        assert fresh.find("customer", "books", "1") is None


def test_a_preloading_binder_reads_an_entity_once(store: Store) -> None:
    integration_id = _integration(store)
    _bindings(store, integration_id, "product", 50)
    with store.session() as session:
        binder = Binder(session, integration_id, SIDES, preload=True)
        with statements(store) as seen:
            keys = [binder.other_key("product", "ops", f"R{i}") for i in range(60)]
        assert keys == [str(i) for i in range(50)] + [None] * 10
        assert len(seen) == 1


def test_resolving_many_records_is_not_a_query_each_and_an_open_entry_is_closed(store: Store) -> None:
    integration_id = _integration(store)
    with store.session() as session:
        ErrorLog(session, integration_id).record(
            operation="startup", entity="product", record_key="7", message="product 7: refused"
        )
    with store.session() as session:
        log = ErrorLog(session, integration_id)
        with statements(store) as seen:
            for key in range(100):
                if key != 7:
                    log.resolve("startup", "product", str(key))
        assert len(seen) == 2  # the first record's own entry, then the open keys once for the rest
        log.resolve("startup", "product", "7")
        log.record(operation="startup", entity="product", record_key="8", message="product 8: refused")
        session.flush()
        log.resolve("startup", "product", "8")  # failed in this run, then went through
    with store.session() as session:
        states = {e.record_key: e.state for e in ErrorLog(session, integration_id).entries(state=None)}
    assert states == {"7": "resolved", "8": "resolved"}


def test_many_keys_are_looked_up_a_chunk_at_a_time(store: Store) -> None:
    from ledgerbridge.engine.binder import PREFETCH_CHUNK

    integration_id = _integration(store)
    _bindings(store, integration_id, "product", 1200)
    keys = [f"R{i}" for i in range(1200)] + [f"R-none-{i}" for i in range(10)]
    chunks = -(-len(keys) // PREFETCH_CHUNK)
    with store.session() as session:
        binder = Binder(session, integration_id, SIDES)
        with statements(store) as seen:
            binder.prefetch("product", "ops", keys)
            assert len(seen) == chunks
            found = [binder.other_key("product", "ops", k) for k in keys]
            assert len(seen) == chunks  # every key (and every absence) known now
        assert found == [str(i) for i in range(1200)] + [None] * 10
        with statements(store) as seen:
            bound = Binder(session, integration_id, SIDES).bound_keys(
                "product", "books", [str(i) for i in range(1210)]
            )
        assert bound == {str(i) for i in range(1200)}
        assert len(seen) == chunks
