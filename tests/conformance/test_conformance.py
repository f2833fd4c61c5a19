"""The conformance suite (issue 12 §5): every registered integration kind, through its public interfaces
over HTTP, against its sandboxes. Each check runs once per kind (``kind``), or once per document type a
kind transfers (``kind``, ``document_type``); a kind skips, with its declared reason, the checks that do
not fit it. How to register a kind: tests/conformance/harnesses/__init__.py.
"""

from __future__ import annotations

import time

import pytest

from tests.conformance.harness import Check, Document, KindHarness

# These checks run on SQLite and on PostgreSQL (the other checks on SQLite only).
ON_BOTH_DATABASES = pytest.mark.databases("sqlite", "postgresql")
KILL_WAIT_SECONDS = 120.0


def primary(harness: KindHarness) -> str:
    return harness.document_types[0]


def assert_transferred_once(harness: KindHarness, document: Document) -> None:
    made = harness.target_documents(document)
    assert len(made) == 1, f"{document.document_type} {document.key}: {len(made)} documents at the target"
    assert harness.follow_ups_done(document), f"{document.document_type} {document.key}: steps left undone"
    assert harness.errors_about(document) == [], [e.message for e in harness.errors_about(document)]


def test_duplicate_deliveries_make_one_document(harness: KindHarness) -> None:
    harness.require(Check.DUPLICATE_DELIVERY)
    document = harness.new_document(primary(harness))
    harness.deliver(document, times=3)
    harness.settle()
    harness.deliver(document)  # long after: the same event once more
    harness.settle()
    assert_transferred_once(harness, document)


@pytest.mark.parametrize("worked_off_between", [True, False], ids=["one-after-the-other", "together"])
def test_the_documents_event_before_its_customers_ends_right(
    harness: KindHarness, worked_off_between: bool
) -> None:
    harness.require(Check.DOCUMENT_BEFORE_CUSTOMER)
    customer = harness.new_customer("Ny Kund Först Faktura AB")
    document = harness.new_document(primary(harness), customer=customer)
    harness.deliver(document)
    if worked_off_between:
        harness.settle()
    harness.deliver_customer(customer, "created")
    harness.settle()
    assert_transferred_once(harness, document)
    assert harness.target_customer_names(customer) == ["Ny Kund Först Faktura AB"]


def test_an_update_before_its_create_ends_in_the_current_state(harness: KindHarness) -> None:
    harness.require(Check.UPDATE_BEFORE_CREATE)
    customer = harness.new_customer("Första Namnet AB")
    harness.rename_customer(customer, "Sista Namnet AB")
    harness.deliver_customer(customer, "updated")
    harness.settle()
    harness.deliver_customer(customer, "created")
    harness.settle()
    assert harness.target_customer_names(customer) == ["Sista Namnet AB"]


@pytest.mark.slow
@ON_BOTH_DATABASES
def test_killed_between_send_and_follow_up_the_restarted_process_finishes_once(harness: KindHarness) -> None:
    harness.require(Check.KILL_AND_RESTART)
    document = harness.new_document(primary(harness))
    harness.fail_after_send(document)
    harness.deliver(document)
    harness.settle()
    assert len(harness.target_documents(document)) == 1, "the send should have gone through"
    assert not harness.follow_ups_done(document), "the fault should have stopped the step after the send"

    harness.heal()
    harness.restart()
    harness.catch_up()
    assert_transferred_once(harness, document)
    harness.deliver(document)  # and the event once more after all that
    harness.settle()
    assert_transferred_once(harness, document)


@pytest.mark.slow
@ON_BOTH_DATABASES
def test_a_serve_process_killed_mid_transfer_leaves_one_document_finished_by_the_next(
    harness: KindHarness,
) -> None:
    """The kill is real: ``ledgerbridge serve`` runs in a subprocess, is sent SIGKILL while the step after
    the send waits for its answer, and a new process takes over the same database."""
    harness.require(Check.SERVE_KILLED)
    document = harness.new_document(primary(harness))
    harness.hold_after_send(document)
    serve = harness.serve_in_subprocess()
    try:
        harness.deliver(document)
        deadline = time.monotonic() + KILL_WAIT_SECONDS
        while not harness.target_documents(document):
            assert serve.alive, "`ledgerbridge serve` died by itself"
            assert time.monotonic() < deadline, "the serve process never sent the document"
            time.sleep(0.2)
        time.sleep(0.5)  # into the held step
        assert serve.alive, "`ledgerbridge serve` ended before it could be killed"
    finally:
        serve.kill()
    assert len(harness.target_documents(document)) == 1, "the send should have gone through once"
    assert not harness.follow_ups_done(document), "the kill should have stopped the step after the send"

    harness.heal()
    harness.resume_in_process()
    harness.catch_up()
    assert_transferred_once(harness, document)
    harness.deliver(document)  # and the event once more after all that
    harness.settle()
    assert_transferred_once(harness, document)


@pytest.mark.slow
def test_the_safety_net_scan_finds_what_a_lost_webhook_missed(harness: KindHarness) -> None:
    harness.require(Check.SAFETY_NET_SCAN)
    customer = harness.new_customer("Skannad Kund AB")
    harness.deliver_customer(customer, "created")
    harness.settle()
    time.sleep(1.1)  # sources stamp changes to the second: a change after the sync's second
    harness.rename_customer(customer, "Hittad Av Skanningen AB")  # its webhook is lost
    document = harness.new_document(primary(harness))  # and this one's too
    assert harness.scan() >= 2
    harness.settle()
    assert_transferred_once(harness, document)
    assert harness.target_customer_names(customer) == ["Hittad Av Skanningen AB"]
    assert harness.scan() == 0  # nothing left behind


def test_retry_resolves_an_error_once_its_cause_is_fixed(harness: KindHarness) -> None:
    harness.require(Check.RETRY)
    document = harness.new_refused_document()
    harness.deliver(document)
    harness.settle()
    assert harness.errors_about(document), "the document should wait in the error log"
    assert harness.target_documents(document) == []

    harness.fix_cause(document)
    outcomes = harness.retry()
    assert any(not outcome.startswith("failed") for _, outcome in outcomes), outcomes
    harness.settle()  # the retry may have met the runtime's own attempt in progress: let it finish
    assert_transferred_once(harness, document)
    harness.retry()  # nothing open about it any more: no second document
    assert len(harness.target_documents(document)) == 1


@pytest.mark.slow
def test_a_dry_run_writes_nothing_anywhere(harness: KindHarness) -> None:
    harness.require(Check.DRY_RUN)
    record = harness.new_record_to_plan()
    planned, writes = harness.dry_run()
    assert writes == []
    assert any(key == record and action == "create" for _, key, action in planned), planned


@ON_BOTH_DATABASES
def test_each_document_type_is_transferred_exactly_once(harness: KindHarness, document_type: str) -> None:
    harness.require(Check.EXACTLY_ONCE)
    document = harness.new_document(document_type)
    harness.deliver(document)
    harness.settle()
    assert_transferred_once(harness, document)
    harness.deliver(document, times=2)
    harness.settle()
    assert_transferred_once(harness, document)
