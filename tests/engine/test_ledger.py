"""The transfer ledger and the inbox on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update

from ledgerbridge.engine.inbox import Inbox
from ledgerbridge.engine.ledger import Step, StepContext, TransferLedger, TransferSummary
from ledgerbridge.store import Store, Transfer
from ledgerbridge.store.models import utcnow
from ledgerbridge.systems.errors import TransientError, ValidationError


class Target:
    """A far side that stores documents by our reference and can misbehave on demand."""

    def __init__(self) -> None:
        self.documents: dict[str, str] = {}  # our reference -> remote number
        self.sent_keys: list[str] = []
        self.lose_answer = False  # the document arrives, the answer does not
        self.refuse: Exception | None = None

    def find(self, reference: str) -> str | None:
        return self.documents.get(reference)

    def send(self, reference: str, idempotency_key: str) -> str:
        self.sent_keys.append(idempotency_key)
        if self.refuse:
            raise self.refuse
        number = str(1000 + len(self.documents))
        self.documents[reference] = number
        if self.lose_answer:
            raise TransientError("timed out", remote_message="read timed out")
        return number


def transfer(ledger: TransferLedger, target: Target, ref: str):  # type: ignore[no-untyped-def]
    return ledger.transfer(
        "invoice",
        ref,
        find=lambda: target.find(ref),
        send=lambda key: target.send(ref, key),
        describe=lambda n: f"invoice {n}",
    )


def test_a_document_is_sent_once_and_repeats_say_where_it_went(store: Store, integration_id: int) -> None:
    ledger, target = TransferLedger(store, integration_id), Target()
    first = transfer(ledger, target, "R-1")
    assert (first.outcome, first.remote_key) == ("transferred", "1000")
    for _ in range(3):
        again = transfer(ledger, target, "R-1")
        assert again.outcome == "already" and again.message == "already transferred as invoice 1000"
    assert len(target.sent_keys) == 1


def test_a_lost_answer_is_resolved_by_finding_not_by_sending_again(store: Store, integration_id: int) -> None:
    ledger, target = TransferLedger(store, integration_id), Target()
    target.lose_answer = True
    lost = transfer(ledger, target, "R-2")
    assert lost.outcome == "uncertain"
    assert ledger.get("invoice", "R-2").state == "uncertain"  # type: ignore[union-attr]

    target.lose_answer = False
    resolved = transfer(ledger, target, "R-2")
    assert (resolved.outcome, resolved.remote_key) == ("transferred", "1000")
    assert len(target.sent_keys) == 1 and len(target.documents) == 1


def test_refusals_wait_for_a_fix_and_keep_the_idempotency_key(store: Store, integration_id: int) -> None:
    ledger, target = TransferLedger(store, integration_id), Target()
    target.refuse = ValidationError("no", remote_message="customer 7 does not exist", status_code=400)
    refused = transfer(ledger, target, "R-3")
    assert refused.outcome == "failed" and refused.message == "customer 7 does not exist"
    assert ledger.get("invoice", "R-3").last_error == "customer 7 does not exist"  # type: ignore[union-attr]

    target.refuse = None
    assert transfer(ledger, target, "R-3").outcome == "transferred"
    assert len(set(target.sent_keys)) == 1  # the same key both times: a replay is recognised by the target


def test_a_live_claim_blocks_others_and_a_dead_one_is_taken_over(store: Store, integration_id: int) -> None:
    ledger, target = TransferLedger(store, integration_id, lease_seconds=60), Target()
    row = ledger._ensure("invoice", "R-4")
    assert ledger._claim(row)  # worker A holds it
    blocked = transfer(ledger, target, "R-4")
    assert blocked.outcome == "in_progress" and target.sent_keys == []

    with store.session() as session:  # worker A died ten minutes ago
        session.execute(
            update(Transfer).where(Transfer.id == row.id).values(updated_at=utcnow() - timedelta(minutes=10))
        )
    taken = transfer(ledger, target, "R-4")
    assert taken.outcome == "transferred" and len(target.sent_keys) == 1


def test_inbox_collapses_repeats_of_a_pending_event(store: Store, integration_id: int) -> None:
    inbox = Inbox(store)
    first, new = inbox.put(integration_id, source="ops", event="invoice.booked", record_key="7")
    again, new_again = inbox.put(integration_id, source="ops", event="invoice.booked", record_key="7")
    other, _ = inbox.put(integration_id, source="ops", event="invoice.booked", record_key="8")
    assert new and not new_again and first == again != other
    pending = inbox.pending()
    assert [(i.record_key, i.deliveries) for i in pending] == [("7", 2), ("8", 1)]

    inbox.finish(first)
    inbox.finish(other, error="refused")
    assert inbox.count() == 0 and inbox.count(state="failed") == 1
    # After processing, the same event is new work again (a later change of the same record).
    assert inbox.put(integration_id, source="ops", event="invoice.booked", record_key="7")[1]


def test_a_claim_left_by_a_killed_local_process_is_taken_over_at_once(
    store: Store, integration_id: int
) -> None:
    import socket
    import subprocess
    import sys

    ledger, target = TransferLedger(store, integration_id, lease_seconds=3600), Target()
    row = ledger._ensure("invoice", "R-5")
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    with store.session() as session:  # a worker process claimed it, then died (its pid is gone)
        session.execute(
            update(Transfer)
            .where(Transfer.id == row.id)
            .values(
                state="sending",
                updated_at=utcnow(),
                claimed_by=f"{socket.gethostname()}:{dead.stdout.strip()}",
            )
        )
    taken = transfer(ledger, target, "R-5")
    assert taken.outcome == "transferred" and len(target.sent_keys) == 1


# -- follow-up steps ---------------------------------------------------------------------------------------
class Marker:
    """A far side's follow-up write (e.g. "mark as sent") that can be refused or lose its answer."""

    def __init__(self) -> None:
        self.calls: list[str] = []  # remote keys it was called for
        self.done: set[str] = set()
        self.refuse: Exception | None = None
        self.lose_answer = False

    def run(self, ctx: StepContext) -> str | None:
        self.calls.append(ctx.remote_key)
        if self.refuse:
            raise self.refuse
        self.done.add(ctx.remote_key)
        if self.lose_answer:
            raise TransientError("timed out", remote_message="read timed out")
        return None


def transfer_with(ledger: TransferLedger, target: Target, ref: str, *steps: Step):  # type: ignore[no-untyped-def]
    return ledger.transfer(
        "invoice",
        ref,
        find=lambda: target.find(ref),
        send=lambda key: target.send(ref, key),
        describe=lambda n: f"invoice {n}",
        steps=steps,
    )


def test_a_transfer_is_done_only_when_its_steps_are_and_a_repeat_resumes_at_the_step(
    store: Store, integration_id: int
) -> None:
    ledger, target, marker = TransferLedger(store, integration_id), Target(), Marker()
    mark = Step("mark-sent", marker.run, title="mark it as sent")
    marker.refuse = ValidationError("no", remote_message="invoice is locked", status_code=422)

    refused = transfer_with(ledger, target, "S-1", mark)
    assert (refused.outcome, refused.remote_key) == ("failed", "1000")
    assert refused.message == "invoice 1000 is there, but could not mark it as sent: invoice is locked"
    assert ledger.get("invoice", "S-1").state == "sent"  # type: ignore[union-attr]
    assert [(s.name, s.state) for s in ledger.steps("invoice", "S-1")] == [("mark-sent", "failed")]
    assert [t.source_key for t in ledger.unfinished()] == ["S-1"]
    assert transfer_with(ledger, target, "S-1", mark).outcome == "failed"  # still refused: not done

    marker.refuse = None
    resumed = transfer_with(ledger, target, "S-1", mark)
    assert resumed.ok and resumed.message == "transferred as invoice 1000 (resumed: mark it as sent)"
    assert len(target.sent_keys) == 1 and marker.done == {"1000"}  # the document itself was sent once
    assert ledger.get("invoice", "S-1").state == "confirmed"  # type: ignore[union-attr]
    assert ledger.unfinished() == []
    assert transfer_with(ledger, target, "S-1", mark).outcome == "already"
    assert len(marker.calls) == 3


def test_a_lost_step_answer_asks_find_before_repeating(store: Store, integration_id: int) -> None:
    ledger, target, marker = TransferLedger(store, integration_id), Target(), Marker()
    marker.lose_answer = True
    step = Step("mark-sent", marker.run, find=lambda ctx: "found" if ctx.remote_key in marker.done else None)
    lost = transfer_with(ledger, target, "S-2", step)
    assert lost.outcome == "uncertain" and lost.remote_key == "1000"
    assert [s.state for s in ledger.steps("invoice", "S-2")] == ["unsure"]

    marker.lose_answer = False
    again = transfer_with(ledger, target, "S-2", step)
    assert again.ok and len(marker.calls) == 1  # found, not repeated
    assert [(s.state, s.result) for s in ledger.steps("invoice", "S-2")] == [("done", "found")]


def test_an_at_most_once_step_whose_answer_was_lost_is_never_repeated(
    store: Store, integration_id: int
) -> None:
    ledger, target, marker = TransferLedger(store, integration_id), Target(), Marker()
    marker.lose_answer = True
    email = Step("email", marker.run, title="e-mail it", at_most_once=True)
    assert transfer_with(ledger, target, "S-3", email).outcome == "uncertain"
    marker.lose_answer = False
    after = transfer_with(ledger, target, "S-3", email)
    assert after.ok and len(marker.calls) == 1
    assert after.notes == ("unknown whether 'e-mail it' happened (its answer was lost); not repeated",)
    assert [s.state for s in ledger.steps("invoice", "S-3")] == ["unknown"]


def test_a_step_may_replace_the_remote_key_and_later_steps_see_it(store: Store, integration_id: int) -> None:
    ledger, target, marker = TransferLedger(store, integration_id), Target(), Marker()
    book = Step("book", lambda ctx: f"booked:{ctx.remote_key}", replaces_remote_key=True)
    result = transfer_with(ledger, target, "S-4", book, Step("mark-sent", marker.run))
    assert (result.outcome, result.remote_key) == ("transferred", "booked:1000")
    assert marker.calls == ["booked:1000"]
    assert ledger.get("invoice", "S-4").remote_key == "booked:1000"  # type: ignore[union-attr]


def test_a_crash_in_a_step_leaves_it_to_the_next_attempt(store: Store, integration_id: int) -> None:
    ledger, target = TransferLedger(store, integration_id), Target()
    calls: list[int] = []

    def crash_once(ctx: StepContext) -> str | None:
        calls.append(1)
        if len(calls) == 1:
            raise KeyboardInterrupt  # the process is stopped mid-step
        return None

    with pytest.raises(KeyboardInterrupt):
        transfer_with(ledger, target, "S-5", Step("write-back", crash_once))
    assert ledger.get("invoice", "S-5").state == "sent"  # type: ignore[union-attr]
    assert transfer_with(ledger, target, "S-5", Step("write-back", crash_once)).ok
    assert len(target.sent_keys) == 1 and len(calls) == 2


def test_a_concurrent_call_while_the_steps_run_does_not_run_them_again(
    database_url: str, integration_id: int
) -> None:
    """Two workers (two stores, as two processes have) transfer the same document side by side: the
    second asks while the first is inside its step, and must neither run the step nor the send again."""
    import threading

    target, second_tried = Target(), threading.Event()
    step_calls: list[str] = []

    def mark_sent(ctx: StepContext) -> str | None:
        step_calls.append(ctx.remote_key)
        if len(step_calls) == 1:  # the first worker's step is still running while the second one asks
            second_tried.wait(timeout=10)
        return None

    mark = Step("mark-sent", mark_sent, title="mark it as sent")
    other_store = Store(database_url)
    try:
        first_worker, second_worker = (
            TransferLedger(Store(database_url), integration_id),
            TransferLedger(other_store, integration_id),
        )
        results: dict[str, object] = {}
        runner = threading.Thread(
            target=lambda: results.setdefault("first", transfer_with(first_worker, target, "C-1", mark))
        )
        runner.start()
        deadline = utcnow() + timedelta(seconds=10)
        while not step_calls and utcnow() < deadline:  # the first worker is inside its step
            runner.join(timeout=0.01)
        try:
            second = transfer_with(second_worker, target, "C-1", mark)
        finally:
            second_tried.set()
            runner.join(timeout=10)
        first_worker.store.dispose()

        assert second.outcome == "in_progress", second.message
        first = results["first"]
        assert first.outcome == "transferred"  # type: ignore[attr-defined]
        assert step_calls == ["1000"] and len(target.sent_keys) == 1
        again = transfer_with(second_worker, target, "C-1", mark)
        assert again.outcome == "already" and step_calls == ["1000"]
    finally:
        other_store.dispose()


def test_a_worker_whose_claim_was_taken_over_mid_steps_leaves_the_rest_to_the_new_holder(
    store: Store, integration_id: int
) -> None:
    ledger, target = TransferLedger(store, integration_id), Target()
    later: list[str] = []

    def slow_first_step(ctx: StepContext) -> str | None:
        # Meanwhile the lease ran out and another worker took the transfer over.
        with store.session() as session:
            session.execute(
                update(Transfer)
                .where(Transfer.source_key == "C-2")
                .values(claimed_by="other-host:1", updated_at=utcnow())
            )
        return None

    result = transfer_with(
        ledger, target, "C-2", Step("first", slow_first_step), Step("second", lambda ctx: later.append("x"))
    )
    assert result.outcome == "in_progress" and later == []
    assert [(s.name, s.state) for s in ledger.steps("invoice", "C-2")] == [
        ("first", "done"),
        ("second", "pending"),
    ]


@pytest.mark.parametrize("recorded", [True, False], ids=["steps-recorded", "steps-not-yet"])
def test_a_send_that_outlasted_the_lease_leaves_the_steps_to_the_worker_that_took_it_over(
    store: Store, integration_id: int, recorded: bool
) -> None:
    """Our send was slower than the lease: another worker took the transfer over (and recorded its steps,
    or not yet) before our answer came. Ours records the remote key, runs no step and fails on nothing."""
    ledger, other = TransferLedger(store, integration_id), TransferLedger(store, integration_id)
    steps = [Step("first", lambda ctx: ran.append("first")), Step("second", lambda ctx: ran.append("second"))]
    ran: list[str] = []

    def slow_send(key: str) -> str:
        row = ledger.get("invoice", "C-3")
        assert row is not None
        with store.session() as session:
            session.execute(
                update(Transfer)
                .where(Transfer.id == row.id)
                .values(claimed_by="other-host:1", updated_at=utcnow())
            )
        if recorded:
            other._step_rows(row.id, steps)  # as the new holder records them
        return "1000"

    result = ledger.transfer("invoice", "C-3", find=lambda: None, send=slow_send, steps=steps)
    assert result.outcome == "in_progress" and ran == []
    row = ledger.get("invoice", "C-3")
    assert row is not None and (row.state, row.remote_key, row.claimed_by) == (
        "sending",
        "1000",
        "other-host:1",
    )
    assert [(s.name, s.state) for s in ledger.steps("invoice", "C-3")] == [
        ("first", "pending"),
        ("second", "pending"),
    ]


def test_a_summary_is_recorded_with_the_claim_and_kept_by_a_repeat_without_one(
    store: Store, integration_id: int
) -> None:
    ledger, target = TransferLedger(store, integration_id), Target()
    target.refuse = ValidationError("no", remote_message="refused")
    summary = TransferSummary("Nordic Bikes A/S", Decimal("1234.56"), "DKK")
    failed = ledger.transfer(
        "invoice", "R-9", find=lambda: None, send=lambda key: target.send("R-9", key), summary=summary
    )
    assert failed.outcome == "failed"
    target.refuse = None
    assert transfer(ledger, target, "R-9").outcome == "transferred"  # a repeat without a summary
    row = ledger.get("invoice", "R-9")
    assert row is not None
    assert (row.counterparty, row.amount, row.currency) == ("Nordic Bikes A/S", Decimal("1234.56"), "DKK")
    assert isinstance(row.amount, Decimal)
    plain = transfer(ledger, target, "R-10")
    assert plain.outcome == "transferred"
    row = ledger.get("invoice", "R-10")
    assert row is not None and (row.counterparty, row.amount, row.currency) == (None, None, None)
