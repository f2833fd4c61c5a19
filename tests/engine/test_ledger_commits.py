"""The transfer ledger's commits: each write that must be on disk before a remote call is, and writes with
no remote call between them share one commit (a commit is a round trip and a disk flush in cluster mode)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from ledgerbridge.engine.ledger import Step, StepContext, TransferLedger
from ledgerbridge.store import Store, Transfer
from ledgerbridge.store.models import TransferStep


@contextmanager
def counted_commits(store: Store) -> Iterator[list[int]]:
    commits: list[int] = []

    def note(_connection: object) -> None:
        commits.append(1)

    event.listen(store.engine, "commit", note)
    try:
        yield commits
    finally:
        event.remove(store.engine, "commit", note)


def on_disk(store: Store, source_key: str) -> tuple[str | None, str | None, dict[str, str]]:
    """The transfer's state, remote key and step states as another connection sees them (committed)."""
    with store.session() as session:
        row = session.query(Transfer).filter_by(source_key=source_key).one()
        steps = session.query(TransferStep).filter_by(transfer_id=row.id).all()
        return row.state, row.remote_key, {s.name: s.state for s in steps}


def test_a_new_document_with_two_steps_is_four_commits_each_before_its_call(
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

    with counted_commits(store) as commits:
        result = ledger.transfer(
            "invoice", "C-1", find=lambda: None, send=send, steps=[step("book"), step("mark")]
        )
        reads = len(seen)  # each look at the disk above is a commit of its own
    assert result.outcome == "transferred"
    # The row is claimed before the send; the remote key and the first step's start are on disk before
    # that step's call; the first step's result and the second's start before the second's call.
    assert seen["send"] == ("sending", None, {})
    assert seen["book"] == ("sending", "900", {"book": "unsure", "mark": "pending"})
    assert seen["mark"] == ("sending", "900", {"book": "done", "mark": "unsure"})
    assert on_disk(store, "C-1") == ("confirmed", "900", {"book": "done", "mark": "done"})
    # claim; remote key + book's start; book's result + mark's start; mark's result + confirmation
    assert len(commits) - reads == 4


def test_a_document_with_no_step_is_two_commits(store: Store, integration_id: int) -> None:
    ledger = TransferLedger(store, integration_id)
    with counted_commits(store) as commits:
        result = ledger.transfer("invoice", "C-2", find=lambda: None, send=lambda key: "901")
    assert result.outcome == "transferred"
    assert on_disk(store, "C-2") == ("confirmed", "901", {})
    assert len(commits) == 2  # the row with our claim; the remote key with the confirmation


@pytest.mark.parametrize("claimed", [True, False], ids=["claimed", "free"])
def test_a_row_created_by_another_worker_between_our_read_and_our_write_is_used(
    store: Store, integration_id: int, monkeypatch: pytest.MonkeyPatch, claimed: bool
) -> None:
    """Two workers see no row and both write one: the second write fails on the unique key, and that
    worker goes on with the first one's row (claimed by it: in progress; free: claimed and sent once)."""
    ledger, other = TransferLedger(store, integration_id), TransferLedger(store, integration_id)
    read = TransferLedger._row
    raced: list[bool] = []

    def read_then_race(
        self: TransferLedger, session: Session, document_type: str, source_key: str
    ) -> Transfer | None:
        if self is ledger and not raced:
            raced.append(True)  # the other worker writes its row just after our read
            if claimed:
                other._take(document_type, source_key, None)
            else:
                other._ensure(document_type, source_key)
            return None
        return read(self, session, document_type, source_key)

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
