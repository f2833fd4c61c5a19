"""Migration 0012 on SQLite and PostgreSQL: the transfer ledger gains counterparty, amount and currency; rows
from before keep loading with them empty, a summary stores Decimal amounts exactly, and it goes back down."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import inspect, text

from ledgerbridge.engine.ledger import TransferLedger, TransferSummary
from ledgerbridge.store import Integration, Store
from tests.store.test_stream_cursor_migrations import migrate

SUMMARY_COLUMNS = {"counterparty", "amount", "currency"}


def transfer_columns(store: Store) -> set[str]:
    return {column["name"] for column in inspect(store.engine).get_columns("transfers")}


def test_transfer_summary_columns_come_and_go_and_old_rows_keep_loading(store: Store) -> None:
    with store.session() as session:
        row = Integration(name="t", kind="test", settings={}, credentials="-")
        session.add(row)
        session.flush()
        integration_id = row.id
    migrate(store, "0011", down=True)
    assert not SUMMARY_COLUMNS & transfer_columns(store)
    with store.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO transfers (integration_id, document_type, source_key, state, idempotency_key, "
                "remote_key, attempts, created_at, updated_at) VALUES (:i, 'invoice', '1001', 'confirmed', "
                "'lb-invoice-1001-x', 'booked:1', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"i": integration_id},
        )

    migrate(store, "head")
    assert SUMMARY_COLUMNS <= transfer_columns(store)
    ledger = TransferLedger(store, integration_id)
    old = ledger.get("invoice", "1001")
    assert old is not None and old.remote_key == "booked:1"
    assert (old.counterparty, old.amount, old.currency) == (None, None, None)
    summary = TransferSummary("Kunde Ø ApS", Decimal("98765432.10"), "SEK")
    result = ledger.transfer(
        "invoice", "1002", find=lambda: None, send=lambda key: "booked:2", summary=summary
    )
    assert result.outcome == "transferred"
    new = ledger.get("invoice", "1002")
    assert new is not None
    assert (new.counterparty, new.amount, new.currency) == ("Kunde Ø ApS", Decimal("98765432.10"), "SEK")

    migrate(store, "0011", down=True)
    assert not SUMMARY_COLUMNS & transfer_columns(store)
    with store.engine.connect() as connection:
        keys = (
            connection.execute(text("SELECT source_key FROM transfers ORDER BY source_key")).scalars().all()
        )
    assert keys == ["1001", "1002"]
    migrate(store, "head")
