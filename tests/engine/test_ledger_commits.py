"""The transfer ledger's commits: each write that must be on disk before a remote call is, and writes with
no remote call between them take few statements (on PostgreSQL each its own transaction: a BEGIN and a
COMMIT are two round trips more, and a document's writes are most of a worker's round trips)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from ledgerbridge.engine.ledger import Step, StepContext, TransferLedger, TransferSummary
from ledgerbridge.store import Store, Transfer
from ledgerbridge.store.models import TransferStep

T = TypeVar("T")


@contextmanager
def noted(store: Store, name: str, what: Callable[..., T]) -> Iterator[list[T]]:
    """What ``what`` makes of each of the engine's ``name`` events while the block runs."""
    seen: list[T] = []

    def note(*args: Any) -> None:
        seen.append(what(*args))

    event.listen(store.engine, name, note)
    try:
        yield seen
    finally:
        event.remove(store.engine, name, note)


def counted_commits(store: Store) -> Any:
    return noted(store, "commit", lambda _connection: 1)


def counted_statements(store: Store) -> Any:
    """The first word of each statement sent (SELECT, INSERT, UPDATE)."""
    return noted(store, "before_cursor_execute", lambda _c, _cursor, statement, *_: statement.split()[0])


def on_disk(store: Store, source_key: str) -> tuple[str | None, str | None, dict[str, str]]:
    """The transfer's state, remote key and step states as another connection sees them (committed)."""
    with store.session() as session:
        row = session.query(Transfer).filter_by(source_key=source_key).one()
        steps = session.query(TransferStep).filter_by(transfer_id=row.id).all()
        return row.state, row.remote_key, {s.name: s.state for s in steps}


def test_a_new_document_with_two_steps_is_eight_statements_each_write_before_its_call(
    store: Store, integration_id: int
) -> None:
    ledger = TransferLedger(store, integration_id)
    seen: dict[str, tuple[str | None, str | None, dict[str, str]]] = {}

    def step(name: str) -> Step:
        def run(ctx: StepContext) -> str:
            seen[name] = on_disk(store, "C-1")
            return f"{name}-done"

        return Step(name, run)

    def send(idempotency_key: str) -> str:
        seen["send"] = on_disk(store, "C-1")
        return "900"

    with counted_commits(store) as commits, counted_statements(store) as statements:
        result = ledger.transfer(
            "invoice", "C-1", find=lambda: None, send=send, steps=[step("book"), step("mark")]
        )
        reads = len(seen)  # each look at the disk above is a commit of its own, and two statements
    assert result.outcome == "transferred"
    # The row is claimed before the send; the remote key and the first step's start are on disk before
    # that step's call; the first step's result and the second's start before the second's call.
    assert seen["send"] == ("sending", None, {})
    assert seen["book"] == ("sending", "900", {"book": "unsure", "mark": "pending"})
    assert seen["mark"] == ("sending", "900", {"book": "done", "mark": "unsure"})
    assert on_disk(store, "C-1") == ("confirmed", "900", {"book": "done", "mark": "done"})
    # the row with our claim; the remote key (saying who holds the claim); the steps with book's start;
    # book's result; the claim renewed; mark's start; mark's result; the confirmation
    assert statements.count("SELECT") == 2 * reads  # the looks at the disk: the ledger reads nothing
    ours = [word for word in statements if word != "SELECT"]
    assert ours == ["INSERT", "UPDATE", "INSERT", "UPDATE", "UPDATE", "UPDATE", "UPDATE", "UPDATE"]
    if store.engine.dialect.name == "postgresql":
        assert len(commits) == reads  # no BEGIN and COMMIT around the ledger's own statements
    else:  # one transaction a write before a call (in-process, a commit costs no round trip)
        assert len(commits) - reads == 4


def test_a_document_with_no_step_is_two_statements(store: Store, integration_id: int) -> None:
    ledger = TransferLedger(store, integration_id)
    with counted_statements(store) as statements:
        result = ledger.transfer("invoice", "C-2", find=lambda: None, send=lambda key: "901")
    assert result.outcome == "transferred"
    assert on_disk(store, "C-2") == ("confirmed", "901", {})
    assert statements == ["INSERT", "UPDATE"]  # the row with our claim; the remote key with the confirmation


@pytest.mark.parametrize("claimed", [True, False], ids=["claimed", "free"])
@pytest.mark.parametrize("moment", ["insert", "read"])
def test_a_row_created_by_another_worker_at_the_same_moment_is_used(
    store: Store, integration_id: int, monkeypatch: pytest.MonkeyPatch, claimed: bool, moment: str
) -> None:
    """Two workers both write a row for a new document: the other one's write lands first, and this worker
    goes on with that row (claimed by the other: in progress; free: claimed and sent once). ``insert``:
    just before our INSERT (it meets the row and writes nothing); ``read``: after our INSERT met a row and
    our look-up found none (the row gone meanwhile), just before we write it (it fails on the unique key)."""
    ledger, other = TransferLedger(store, integration_id), TransferLedger(store, integration_id)
    raced: list[bool] = []

    def race(document_type: str, source_key: str) -> None:
        raced.append(True)
        if claimed:
            other._take(document_type, source_key, None)
        else:
            other._ensure(document_type, source_key)

    insert, read = TransferLedger._insert_claimed, TransferLedger._row

    def race_then_insert(
        self: TransferLedger, document_type: str, source_key: str, summary: TransferSummary | None
    ) -> Transfer | None:
        if self is ledger and not raced:
            if moment == "read":
                return None  # as if a row was there: the look-up comes next
            race(document_type, source_key)
        return insert(self, document_type, source_key, summary)

    def read_then_race(
        self: TransferLedger, session: Session, document_type: str, source_key: str
    ) -> Transfer | None:
        if self is ledger and not raced:
            race(document_type, source_key)
            return None
        return read(self, session, document_type, source_key)

    monkeypatch.setattr(TransferLedger, "_insert_claimed", race_then_insert)
    monkeypatch.setattr(TransferLedger, "_row", read_then_race)
    sent: list[str] = []

    def send(key: str) -> str:
        sent.append(key)
        return "902"

    result = ledger.transfer("invoice", "C-3", find=lambda: None, send=send)
    assert raced
    if claimed:
        assert result.outcome == "in_progress" and sent == []
    else:
        assert result.outcome == "transferred" and len(sent) == 1
    with store.session() as session:
        assert session.query(Transfer).filter_by(source_key="C-3").count() == 1
