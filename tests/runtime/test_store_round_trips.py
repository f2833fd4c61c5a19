"""Issue 16: on PostgreSQL a transaction costs a BEGIN and a COMMIT, each a round trip to the server of
its own; a document took ~10 such pairs around reads and single statements that need none.
``Store.reading()`` and ``Store.single_statements()`` run without them. Real PostgreSQL; SQLite too where
the guard is the same."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Connection, select, text, update
from sqlalchemy.orm import Session

from ledgerbridge.store.db import Store
from ledgerbridge.store.models import Integration


def _status(under: Session | Connection) -> psycopg.pq.TransactionStatus:
    """The server-side transaction state of the DBAPI connection under a session or connection."""
    connection = under.connection() if isinstance(under, Session) else under
    dbapi = connection.connection.dbapi_connection
    assert isinstance(dbapi, psycopg.Connection)
    return dbapi.info.transaction_status


def _add_integration(store: Store, name: str) -> int:
    with store.session() as db:
        row = Integration(name=name, kind="rackbeat-economic", credentials="")
        db.add(row)
        db.flush()
        return row.id


def test_a_read_opens_no_transaction_on_postgresql(pg_store: Store) -> None:
    with pg_store.session() as db:
        db.execute(text("SELECT 1"))
        assert _status(db) == psycopg.pq.TransactionStatus.INTRANS  # BEGIN went first; COMMIT follows
    with pg_store.reading() as db:
        db.execute(text("SELECT 1"))
        assert _status(db) == psycopg.pq.TransactionStatus.IDLE  # no BEGIN before it, no COMMIT after


def test_a_single_statement_is_committed_as_it_runs(pg_store: Store) -> None:
    integration_id = _add_integration(pg_store, "one")
    with pg_store.single_statements() as connection:
        connection.execute(update(Integration).where(Integration.id == integration_id).values(name="two"))
        assert _status(connection) == psycopg.pq.TransactionStatus.IDLE
        with pg_store.reading() as other:  # another connection sees it before the block ends
            assert other.scalar(select(Integration.name).where(Integration.id == integration_id)) == "two"


def test_a_pooled_connection_goes_back_to_transactions_after_a_read(pg_store: Store) -> None:
    """The pool lends the same connections to both: after an autocommit read, a session's writes are one
    transaction again (rolled back together here)."""
    integration_id = _add_integration(pg_store, "kept")
    for _ in range(3):
        with pg_store.reading() as db:
            db.execute(text("SELECT 1"))
    with pytest.raises(RuntimeError), pg_store.session() as db:
        db.execute(update(Integration).where(Integration.id == integration_id).values(name="changed"))
        assert _status(db) == psycopg.pq.TransactionStatus.INTRANS
        raise RuntimeError("undo")
    with pg_store.reading() as db:
        assert db.scalar(select(Integration.name).where(Integration.id == integration_id)) == "kept"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "postgresql":
        yield request.getfixturevalue("pg_store")  # (disposed by its own fixture)
        return
    store = Store(f"sqlite:///{tmp_path / 'lb.db'}")
    yield store
    store.dispose()


def test_a_reading_session_refuses_to_write(any_store: Store) -> None:
    integration_id = _add_integration(any_store, "same")
    with pytest.raises(RuntimeError, match="for reads"), any_store.reading() as db:
        db.add(Integration(name="new", kind="rackbeat-economic", credentials=""))
        db.flush()
    with pytest.raises(RuntimeError, match="for reads"), any_store.reading() as db:
        row = db.get(Integration, integration_id)
        assert row is not None
        row.name = "changed"  # never flushed: it would be dropped without a word
    with any_store.reading() as db:
        assert db.scalars(select(Integration.name)).all() == ["same"]
