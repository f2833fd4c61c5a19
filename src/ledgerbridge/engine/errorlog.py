"""The error log. An entry names the operation, entity and record that failed, so it is also the
handle to run that record again once the cause is fixed."""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy import Update, select, update
from sqlalchemy.orm import Session

from ledgerbridge.logs import payload_for_log
from ledgerbridge.runtime import metrics
from ledgerbridge.store.models import ErrorEntry, utcnow

log = structlog.get_logger("ledgerbridge.errors")


class ErrorLog:
    def __init__(self, session: Session, integration_id: int) -> None:
        self._session = session
        self._integration_id = integration_id
        # Open entries are rare: a run asks once per operation and entity which keys have one, so
        # resolving a record that never failed costs no query.
        self._open_keys: dict[tuple[str, str], set[str]] = {}
        self._asked: set[tuple[str, str]] = set()

    def _open_keys_of(self, operation: str, entity: str) -> set[str]:
        keys = self._open_keys.get((operation, entity))
        if keys is None:
            keys = set(
                self._session.scalars(
                    select(ErrorEntry.record_key).where(
                        ErrorEntry.integration_id == self._integration_id,
                        ErrorEntry.operation == operation,
                        ErrorEntry.entity == entity,
                        ErrorEntry.state == "open",
                    )
                )
            )
            self._open_keys[(operation, entity)] = keys
        return keys

    def _open_entry(self, operation: str, entity: str, record_key: str) -> ErrorEntry | None:
        return self._session.scalars(
            select(ErrorEntry).where(
                ErrorEntry.integration_id == self._integration_id,
                ErrorEntry.operation == operation,
                ErrorEntry.entity == entity,
                ErrorEntry.record_key == record_key,
                ErrorEntry.state == "open",
            )
        ).first()

    def record(
        self,
        *,
        operation: str,
        entity: str,
        record_key: str,
        message: str,
        remote_message: str | None = None,
        status_code: int | None = None,
        payload: dict[str, Any] | None = None,
        response: Any = None,
        run_id: int | None = None,
    ) -> ErrorEntry:
        """Log a failure; a record that is already failing gets its entry updated, not a second one."""
        entry = self._open_entry(operation, entity, record_key)
        if entry is None:
            entry = ErrorEntry(
                integration_id=self._integration_id,
                operation=operation,
                entity=entity,
                record_key=record_key,
                attempts=0,
            )
            self._session.add(entry)
        if (operation, entity) in self._open_keys:
            self._open_keys[(operation, entity)].add(record_key)
        entry.attempts = (entry.attempts or 0) + 1
        entry.message = message
        entry.remote_message = remote_message
        entry.status_code = status_code
        entry.payload = jsonable(payload)
        entry.response = jsonable(response)
        entry.run_id = run_id
        entry.last_seen = utcnow()
        metrics.FAILURES.labels(operation).inc()
        # One log line per failure, with the remote system's own words (never the payload but at debug).
        log.warning(
            "failed",
            integration_id=self._integration_id,
            operation=operation,
            entity=entity,
            record_key=record_key,
            message=message,
            remote_message=remote_message,
            status_code=status_code,
            **payload_for_log(payload),
        )
        return entry

    def resolve(self, operation: str, entity: str, record_key: str) -> None:
        """The record went through: close its open entry, if it had one."""
        if (operation, entity) in self._open_keys or (operation, entity) in self._asked:
            # A run resolving many records: one query for the keys that have an entry at all.
            keys = self._open_keys_of(operation, entity)
            if record_key not in keys:
                return
            keys.discard(record_key)
        self._asked.add((operation, entity))  # a one-off resolve (a webhook's record) asks only for its own
        self._session.execute(resolving(self._integration_id, operation, entity, record_key))

    def entries(self, *, state: str | None = "open") -> list[ErrorEntry]:
        query = select(ErrorEntry).where(ErrorEntry.integration_id == self._integration_id)
        if state:
            query = query.where(ErrorEntry.state == state)
        return list(self._session.scalars(query.order_by(ErrorEntry.id)).all())


def resolving(integration_id: int, operation: str, entity: str, record_key: str) -> Update:
    """The statement that closes a record's open entry, if it has one: one write, no read before it (most
    records never failed)."""
    return (
        update(ErrorEntry)
        .where(
            ErrorEntry.integration_id == integration_id,
            ErrorEntry.operation == operation,
            ErrorEntry.entity == entity,
            ErrorEntry.record_key == record_key,
            ErrorEntry.state == "open",
        )
        .values(state="resolved", last_seen=utcnow())
    )


def jsonable(value: Any) -> Any:
    """Payloads hold Decimals and dates; the JSON column wants plain JSON."""
    from ledgerbridge.engine.hashing import canonical

    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return _plain(value)
    return canonical(value)


def _plain(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
