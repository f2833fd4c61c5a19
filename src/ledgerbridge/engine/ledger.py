"""The transfer ledger: every document reaches the other side exactly once.

A transfer moves ``queued → sending → confirmed``. Leaving ``sending`` without an answer (a timeout,
a crash) makes it ``uncertain``; a refusal makes it ``failed``. Before **any** send the target is
searched for the document by our reference, so an earlier attempt that did arrive is found and
confirmed instead of repeated; the send carries an idempotency key that stays the same for the
document, so a replay within the target's cache window returns the first answer. The remote key is
committed the moment it is known.

Only one worker sends a given document at a time: taking the ``sending`` state is a compare-and-set
on the row, and a claim older than ``lease_seconds`` is presumed dead (its worker crashed).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from ledgerbridge.engine.flows import MappingError
from ledgerbridge.store.db import Store
from ledgerbridge.store.models import Transfer, utcnow
from ledgerbridge.systems.errors import ApiError, TransientError

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


def _is_dead_local_process(claimed_by: str | None) -> bool:
    host, _, pid = (claimed_by or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it runs, as another user
    return False


Outcome = Literal["transferred", "already", "in_progress", "failed", "uncertain"]


@dataclass(frozen=True)
class TransferResult:
    outcome: Outcome
    remote_key: str | None
    message: str
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in ("transferred", "already")


class TransferLedger:
    def __init__(self, store: Store, integration_id: int, *, lease_seconds: float = 120.0) -> None:
        self.store = store
        self.integration_id = integration_id
        self.lease = timedelta(seconds=lease_seconds)

    def get(self, document_type: str, source_key: str) -> Transfer | None:
        with self.store.session() as session:
            return session.scalars(
                select(Transfer).where(
                    Transfer.integration_id == self.integration_id,
                    Transfer.document_type == document_type,
                    Transfer.source_key == str(source_key),
                )
            ).first()

    def _ensure(self, document_type: str, source_key: str) -> Transfer:
        found = self.get(document_type, source_key)
        if found is not None:
            return found
        try:
            with self.store.session() as session:
                row = Transfer(
                    integration_id=self.integration_id,
                    document_type=document_type,
                    source_key=str(source_key),
                    state="queued",
                    attempts=0,
                    idempotency_key=f"lb-{document_type}-{source_key}-{uuid.uuid4().hex[:12]}",
                )
                session.add(row)
        except IntegrityError:
            pass  # another worker queued it at the same moment; use theirs
        found = self.get(document_type, source_key)
        assert found is not None
        return found

    def _claim(self, row: Transfer) -> bool:
        """Take the document for sending; False if another worker holds a live claim or it is done.

        A claim older than the lease, or held by a process of this host that no longer runs (killed
        mid-transfer), is taken over.
        """
        now = utcnow()
        takeable = [
            Transfer.state.in_(("queued", "failed", "uncertain")),
            (Transfer.state == "sending") & (Transfer.updated_at < now - self.lease),
        ]
        holder = self.get(row.document_type, row.source_key)
        if holder is not None and holder.state == "sending" and _is_dead_local_process(holder.claimed_by):
            takeable.append((Transfer.state == "sending") & (Transfer.claimed_by == holder.claimed_by))
        with self.store.session() as session:
            result = session.execute(
                update(Transfer)
                .where(Transfer.id == row.id, or_(*takeable))
                .values(state="sending", attempts=Transfer.attempts + 1, updated_at=now, claimed_by=WORKER_ID)
            )
            return bool(getattr(result, "rowcount", 0))  # an UPDATE's CursorResult carries rowcount

    def _settle(self, row_id: int, **values: object) -> None:
        with self.store.session() as session:
            session.execute(
                update(Transfer).where(Transfer.id == row_id).values(updated_at=utcnow(), **values)
            )

    def transfer(
        self,
        document_type: str,
        source_key: str,
        *,
        find: Callable[[], str | None],
        send: Callable[[str], str],
        describe: Callable[[str], str] = lambda remote_key: remote_key,
    ) -> TransferResult:
        """Transfer one document, or say why not.

        ``find()`` looks the document up on the target by our reference and returns its remote key;
        ``send(idempotency_key)`` transfers it (it should itself reuse what an earlier partial attempt
        left, e.g. a draft) and returns the remote key. ``describe`` turns a remote key into words.
        """
        row = self._ensure(document_type, source_key)
        if row.state == "confirmed":
            return TransferResult(
                "already", row.remote_key, f"already transferred as {describe(row.remote_key or '')}"
            )
        if not self._claim(row):
            current = self.get(document_type, source_key)
            if current is not None and current.state == "confirmed":
                return TransferResult(
                    "already",
                    current.remote_key,
                    f"already transferred as {describe(current.remote_key or '')}",
                )
            return TransferResult("in_progress", None, "another worker is transferring it right now")
        try:
            remote_key = find()
            if remote_key is None:
                remote_key = send(row.idempotency_key)
        except TransientError as exc:
            # We cannot know whether it arrived: the next attempt looks for it before sending again.
            self._settle(row.id, state="uncertain", last_error=exc.remote_message)
            return TransferResult("uncertain", None, f"no answer: {exc.remote_message}", exc)
        except (ApiError, MappingError) as exc:
            message = exc.remote_message if isinstance(exc, ApiError) else str(exc)
            self._settle(row.id, state="failed", last_error=message)
            return TransferResult("failed", None, message, exc)
        except BaseException:
            self._settle(row.id, state="uncertain", last_error="interrupted while sending")
            raise
        self._settle(row.id, state="confirmed", remote_key=str(remote_key), last_error=None)
        return TransferResult("transferred", str(remote_key), f"transferred as {describe(str(remote_key))}")
