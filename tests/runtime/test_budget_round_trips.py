"""Issue 16: the shared call budget costs the cluster as little database as it can. Two transactions per
API call (the take, and a settle whose commit waited for the disk) on the main pool were a quarter of a
worker's document time and overflowed its pool. Real PostgreSQL; statements counted on the engines."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, text

from ledgerbridge.runtime.shared_pacing import SharedBudget, SharedBudgets, budget_engine
from ledgerbridge.store.db import Store
from ledgerbridge.store.models import CallBudgetRow
from ledgerbridge.systems.pacing import budgets_from, economic_cost, rackbeat_budget


class Statements:
    """The SQL statements an engine sends, as they are sent."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sent: list[str] = []

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.sent.append(" ".join(statement.split()))

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def _tokens(store: Store) -> float:
    with store.session() as db:
        return float(db.scalars(select(CallBudgetRow.tokens)).one())


def test_a_settle_that_changes_nothing_sends_nothing(pg_store: Store) -> None:
    budget = SharedBudget(pg_store.engine, "economic", "e" * 64, 6000, cost=economic_cost, share=1.0)
    budget("POST", "invoices/drafts")  # charged 3
    with Statements(pg_store.engine) as seen:
        budget.settle(charged=3.0, actual=3.0)  # e-conomic's X-CallCost agreed: the usual answer
    assert seen.sent == []


def test_a_settle_that_changes_the_bucket_does_not_wait_for_the_disk(pg_store: Store) -> None:
    budget = SharedBudget(pg_store.engine, "economic", "e" * 64, 6000, cost=economic_cost, share=1.0)
    budget("GET", "products/1")
    before = _tokens(pg_store)
    with Statements(pg_store.engine) as seen:
        budget.settle(charged=1.0, actual=5.0)
    assert _tokens(pg_store) == pytest.approx(before - 4.0, abs=0.5)  # refills meanwhile are not counted
    statements = [s for s in seen.sent if s.startswith(("SET", "UPDATE"))]
    assert statements[0] == "SET LOCAL synchronous_commit = off"
    assert statements[1].startswith("UPDATE call_budgets")


def test_a_cluster_processs_budgets_leave_the_main_pool_to_the_jobs(pg_store: Store) -> None:
    budgets = SharedBudgets(pg_store.engine)
    try:
        with Statements(pg_store.engine) as main, budgets_from(budgets):
            budget = rackbeat_budget("http://rackbeat.test/api", "token")
            for _ in range(5):
                budget("GET", "products")
        assert main.sent == []  # not one statement, nor a pre-ping, on the jobs' pool
        assert budget.calls == 5
        assert _tokens(pg_store) < 480 * 0.25  # the takes were spent from the shared row all the same
    finally:
        budgets.close()


def test_a_take_on_the_budgets_engine_is_one_statement_that_does_not_wait_for_the_disk(
    pg_store: Store,
) -> None:
    engine = budget_engine(pg_store.engine)
    try:
        with engine.connect() as db:
            assert db.execute(text("SHOW synchronous_commit")).scalar() == "off"
            assert db.connection.dbapi_connection.autocommit  # type: ignore[union-attr]  # no BEGIN/COMMIT
        # A small bucket (60 a minute, a burst of 2) leases nothing ahead: every call takes.
        budget = SharedBudget(engine, "rackbeat", "r" * 64, 60, cost=lambda method, path: 1.0, burst=2)
        budget("GET", "products")  # the first take makes the row
        with Statements(engine) as seen:
            budget("GET", "products")
        assert len(seen.sent) == 1 and "UPDATE call_budgets" in seen.sent[0]  # no SET LOCAL around it
    finally:
        engine.dispose()


def test_a_take_leases_the_next_few_calls_and_the_row_is_charged_for_them(pg_store: Store) -> None:
    engine = budget_engine(pg_store.engine)
    try:
        # e-conomic: 10,000 tokens a minute, a burst of 2,500; a take leases half a second's rate ahead.
        budget = SharedBudget(engine, "economic", "l" * 64, 10_000, cost=economic_cost, share=1.0)
        assert budget.lease == 83
        budget("GET", "products/1")  # makes the row; spends 1 + 83
        with Statements(engine) as seen:
            for _ in range(100):
                budget("GET", "products/1")
        assert budget.calls == 101
        takes = [s for s in seen.sent if s.startswith("WITH refilled")]
        assert len(takes) == 1  # 100 calls, one round trip (the 84th call's; was one each)
        # The row was charged for each call and its lease at once: nobody else can spend those tokens
        # (the refill meanwhile, 167 a second, is a few more).
        assert 2_500 - 2 * 84 <= _tokens(pg_store) <= 2_500 - 2 * 84 + 30
    finally:
        engine.dispose()


def test_leased_tokens_not_spent_within_a_second_are_dropped(pg_store: Store) -> None:
    engine = budget_engine(pg_store.engine)
    try:
        budget = SharedBudget(engine, "rackbeat", "d" * 64, 480, cost=lambda method, path: 1.0)
        assert budget.lease == 3.0  # Rackbeat: a burst of 120, 7.9 a second
        with Statements(engine) as seen:
            budget("GET", "products")  # takes 1 + 3
            budget("GET", "products")  # leased
            time.sleep(1.2)
            budget("GET", "products")  # the rest of the lease is gone: a take again
        # The first call made the row (its take twice), the third took again.
        assert len([s for s in seen.sent if s.startswith("WITH refilled")]) == 3
    finally:
        engine.dispose()
