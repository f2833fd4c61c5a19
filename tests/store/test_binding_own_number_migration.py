"""Migration 0014 on SQLite and PostgreSQL: bindings gain ``own_number`` (a side's own number of a record
bound under another key); bindings from before keep loading with it empty, a number is stored on them, and
the migration goes back down keeping the bindings."""

from __future__ import annotations

from sqlalchemy import inspect, select, text

from ledgerbridge.integrations.own_numbers import store_own_numbers
from ledgerbridge.store import Binding, Integration, Store
from tests.store.test_stream_cursor_migrations import migrate


def binding_columns(store: Store) -> set[str]:
    return {column["name"] for column in inspect(store.engine).get_columns("bindings")}


def test_own_number_comes_and_goes_and_bindings_from_before_take_one(store: Store) -> None:
    with store.session() as session:
        row = Integration(name="t", kind="test", settings={}, credentials="-")
        session.add(row)
        session.flush()
        integration_id = row.id
    migrate(store, "0013", down=True)
    assert "own_number" not in binding_columns(store)
    with store.engine.begin() as connection:
        for a_key, b_key in (("e-conomic order 17", "17"), ("e-conomic order 18", "18")):
            connection.execute(
                text(
                    "INSERT INTO bindings (integration_id, entity, a_key, b_key, synced_at) "
                    "VALUES (:i, 'order', :a, :b, CURRENT_TIMESTAMP)"
                ),
                {"i": integration_id, "a": a_key, "b": b_key},
            )

    migrate(store, "head")
    assert "own_number" in binding_columns(store)
    with store.session() as session:
        old = session.scalars(select(Binding).order_by(Binding.a_key)).all()
        assert [(b.a_key, b.own_number) for b in old] == [
            ("e-conomic order 17", None),
            ("e-conomic order 18", None),
        ]
    store_own_numbers(store, integration_id, "order", "a", {"e-conomic order 17": "1042", "no binding": "9"})
    store_own_numbers(store, integration_id, "order", "b", {"18": "1043"})
    with store.session() as session:
        numbers = session.execute(select(Binding.b_key, Binding.own_number).order_by(Binding.b_key)).all()
    assert [tuple(n) for n in numbers] == [("17", "1042"), ("18", "1043")]

    migrate(store, "0013", down=True)
    assert "own_number" not in binding_columns(store)
    with store.engine.connect() as connection:
        keys = connection.execute(text("SELECT b_key FROM bindings ORDER BY b_key")).scalars().all()
    assert keys == ["17", "18"]
    migrate(store, "head")
