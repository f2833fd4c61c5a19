"""Opening the database: SQLite by default (embedded mode), PostgreSQL in cluster mode."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, Engine, Table, create_engine, event, exc, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")
# PostgreSQL (cluster mode): a worker works a job per document on up to ~128 threads, each a short
# transaction at a time. An overflow connection is closed after its use, and the next burst starts a server
# backend for it again: with 8 kept and 16 overflow a worker started 0.7 backends a document, with 16 and 8
# 0.18 (PostgreSQL a fifth of a 2-core machine). All 24 are kept now and a thread past them waits for one
# (as it did past 24 before): 0.05 a document, PostgreSQL half the CPU. The most a process holds stays 24,
# so a shared server's max_connections (100 by default) still serves them all.
PG_POOL_SIZE, PG_MAX_OVERFLOW = 24, 0
# Advisory locks are held on connections of their own pool: a lock holder works with the main pool's
# connections, and where the lock's connection came from that pool too, holders of many integrations'
# locks could take every connection while each waited for one more (a pool timeout, not progress). Locks
# are taken for new master data only, so 4 at once serve (a fifth waits for a holder, which never waits
# for this pool): a process holds at most 28 connections of the store.
LOCK_POOL_SIZE, LOCK_MAX_OVERFLOW = 1, 3
# A pooled connection is pinged before use only when it sat idle this long: a busy process reuses its
# connections within milliseconds, and a ping on every checkout was a round trip per statement or two.
PING_IDLE_SECONDS = 10.0


def conflict_insert(dialect: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into ``table`` that can say what a clash on a unique key does (``on_conflict_do_nothing``,
    ``on_conflict_do_update``): the store's two databases spell it alike, each with its own construct.
    These constructs have no cache key, so SQLAlchemy compiles them at every execution (~0.5 ms): where one
    runs per document, write the statement out as ``text()`` instead (the ledger's ``INSERT_IF_NEW``)."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Before a connection idle for ``PING_IDLE_SECONDS`` is used, ask the server once; a dead one is
    replaced (the pool tries a fresh connection), as ``pool_pre_ping`` would on every checkout."""
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_IDLE_SECONDS:
        return
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        dbapi_connection.rollback()
    except Exception as error:
        raise exc.DisconnectionError(str(error)) from error


def _refuse_writes(session: Session, _flush_context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("Store.reading() is for reads: write in Store.session()")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (the CLI, the console) look while a sync writes; NORMAL keeps per-record
    # commits cheap while staying crash-safe for committed transactions.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _private_sqlite_file(path: Path) -> None:
    """The database holds credentials (sealed) and business data: its folder is made 0700 and the file
    0600 (SQLite gives its -wal and -shm files the database file's mode)."""
    if str(path) in ("", ":memory:"):
        return
    if not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path.parent, 0o700)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)


class Store:
    """The database of one ledgerbridge installation."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        if url.startswith("sqlite:///"):
            _private_sqlite_file(Path(url.removeprefix("sqlite:///")))
        if url.startswith("postgresql"):
            self.engine: Engine = create_engine(
                url, future=True, pool_size=PG_POOL_SIZE, max_overflow=PG_MAX_OVERFLOW
            )
            self._lock_engine: Engine | None = create_engine(
                url, future=True, pool_size=LOCK_POOL_SIZE, max_overflow=LOCK_MAX_OVERFLOW
            )
            for engine in (self.engine, self._lock_engine):
                event.listen(engine, "checkin", _note_checkin)
                event.listen(engine, "checkout", _ping_if_idle)
        else:
            self._lock_engine = None
            self.engine = create_engine(url, future=True, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Reads and single statements need no transaction around them. On PostgreSQL a transaction is a
        # BEGIN and a COMMIT of its own, two round trips to the server beside the statements: a document
        # took ~10 such pairs. These connections run in autocommit (SQLite's, in-process, stay as they are).
        self._autocommit_engine = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.engine.dialect.name == "postgresql"
            else self.engine
        )
        self._reads = sessionmaker(self._autocommit_engine, expire_on_commit=False)
        event.listen(self._reads, "before_flush", _refuse_writes)
        if migrate:
            self.migrate()

    def migrate(self) -> None:
        """Bring the schema up to the newest migration (safe to call every start)."""
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")

    @contextmanager
    def advisory_lock(self, name: str) -> Iterator[None]:
        """A lock on ``name`` across processes (cluster workers): PostgreSQL's advisory lock, held on a
        connection of its own (from the locks' pool, ``LOCK_POOL_SIZE``) until the block ends (released by
        the server too if the process dies). On SQLite one process owns the database, so there is nothing
        to take."""
        if self._lock_engine is None:
            yield
            return
        with self._lock_engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(hashtext(:name))"), {"name": name})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(hashtext(:name))"), {"name": name})
                connection.commit()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session that only reads: on PostgreSQL without a transaction around its queries (each sees
        what was committed when it ran, as in a READ COMMITTED transaction). Adding or changing an object
        in it raises before anything is written."""
        session = self._reads()
        try:
            yield session
            _refuse_writes(session, None, None)  # a change never flushed would be lost without a word
        finally:
            session.close()

    @contextmanager
    def single_statements(self) -> Iterator[Connection]:
        """A connection for statements that each stand alone (one UPDATE, say): on PostgreSQL each is its
        own transaction, with no BEGIN and COMMIT round trips; elsewhere the block is one transaction."""
        if self._autocommit_engine is self.engine:
            with self.engine.begin() as connection:
                yield connection
            return
        with self._autocommit_engine.connect() as connection:
            yield connection

    def new_session(self) -> Session:
        """A session the caller commits and closes (long runs that commit record by record)."""
        return self._sessions()

    def dispose(self) -> None:
        self.engine.dispose()
        if self._lock_engine is not None:
            self._lock_engine.dispose()
