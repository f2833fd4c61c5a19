"""The transfer ledger: every document reaches the other side exactly once, with every step after it.

A transfer moves ``queued → sending → confirmed``. Leaving ``sending`` without an answer (a timeout,
a crash) makes it ``uncertain``; a refusal makes it ``failed``. Before **any** send the target is
searched for the document by our reference, so an earlier attempt that did arrive is found and
confirmed instead of repeated; the send carries an idempotency key that stays the same for the
document, so a replay within the target's cache window returns the first answer. The remote key is
committed the moment it is known, before any other call (in the commit that marks the first step started).

Only one worker sends a given document at a time: taking the ``sending`` state is a compare-and-set
on the row, and a claim older than ``lease_seconds`` is presumed dead (its worker crashed).

Follow-up steps
---------------
Whatever has to happen after the send — mark the invoice as sent in Rackbeat, write a status back,
convert a draft, e-mail the invoice, link back — is a :class:`Step` of the same transfer, declared
in order with the call::

    ledger.transfer("invoice", "1042", find=sender.find, send=sender.send, describe=describe,
                    steps=[Step("mark-sent", mark_sent, title="mark it as sent in Rackbeat")])

The moment the send's remote key is committed, every declared step is recorded as ``pending``
(table ``transfer_steps``); it becomes ``confirmed`` only when every step is ``done``. The steps run
under the same claim as the send: the row stays ``sending`` (held by this worker, its lease renewed
before each step) until the steps settle, so a concurrent call for the document (a duplicate webhook,
``retry``, the safety-net scan, another cluster worker) answers ``in_progress`` instead of running
them a second time. A transfer whose steps stopped short (refused, no answer, interrupted) is left
``sent``: free for the next call to claim. A step is ``unsure`` from just before its call until its
answer is recorded, so a crash or a lost answer leaves it ``unsure``; a refusal (``ApiError``,
``MappingError``) leaves it ``failed`` and the transfer's result ``failed``. The next call for the
document — the same webhook after a restart, the inbox's back-off, ``ledgerbridge retry`` — skips the
send (the remote key is known) and resumes at the first step not ``done``; its result is ``ok`` only
when all steps are done, so an error-log entry is resolved only once its cause is fixed.

Exactly once for steps: a step that writes remotely must be safe to repeat (a PUT of the same value),
or give ``find`` (asked before an ``unsure`` step runs again; a non-``None`` answer is the step's
result, the step is not run), or say ``at_most_once=True`` (an ``unsure`` step becomes ``unknown``
and is never run again; the result's ``notes`` say so, for the error log). A step that changes what
the document is on the target (draft → booked invoice) returns the new remote key and says
``replaces_remote_key=True``; later steps see it in ``StepContext.remote_key``. Steps run in the
order given; a step no longer declared (a setting was switched off) is not waited for.

For a future integration: put everything after the first remote write into steps of the same
transfer instead of code after ``transfer()``; never call a second ``transfer()`` for a follow-up.

What a bookkeeper recognises
----------------------------
``summary=TransferSummary(counterparty, amount, currency)`` records the document's customer or
supplier, its gross amount and currency on the row when the transfer claims it, so lists of transfers
can show them without asking either system again. It is optional: rows without one show nothing there.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Connection, Table, TextClause, bindparam, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledgerbridge.engine.streams import MappingError
from ledgerbridge.store.db import Store
from ledgerbridge.store.models import Transfer, TransferStep, utcnow
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


def _insert_if_new() -> TextClause:
    """INSERT a transfer's row unless the ledger has one for the document, returning its id. Written out:
    SQLite and PostgreSQL spell ``ON CONFLICT … DO NOTHING RETURNING`` alike, and SQLAlchemy's dialect
    INSERT constructs are compiled again at every execution (they have no cache key)."""
    table: Table = Transfer.__table__  # type: ignore[assignment]
    columns = [column for column in table.columns if column.key != "id"]
    return text(
        f"INSERT INTO {table.name} ({', '.join(column.name for column in columns)}) "
        f"VALUES ({', '.join(':' + column.key for column in columns)}) "
        "ON CONFLICT (integration_id, document_type, source_key) DO NOTHING RETURNING id"
    ).bindparams(*(bindparam(column.key, type_=column.type) for column in columns))


INSERT_IF_NEW = _insert_if_new()


def _column_values(row: Transfer | TransferStep) -> dict[str, Any]:
    """A new row's values for a Core INSERT (its id left to the database)."""
    table: Table = row.__table__  # type: ignore[assignment]
    return {column.key: getattr(row, column.key) for column in table.columns if column.key != "id"}


Outcome = Literal["transferred", "already", "in_progress", "failed", "uncertain"]


@dataclass(frozen=True)
class TransferResult:
    outcome: Outcome
    remote_key: str | None
    message: str
    error: Exception | None = None
    #: things the user should know although the transfer went through (an at-most-once step whose answer
    #: was lost and that is not repeated)
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.outcome in ("transferred", "already")


@dataclass(frozen=True)
class StepContext:
    """What a step gets: the document's remote key as it stands now, a stable idempotency key of its own
    (the transfer's key plus the step's name), and what earlier steps answered."""

    remote_key: str
    idempotency_key: str
    results: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """A follow-up step of a transfer, run after the send, in the order declared.

    ``run`` does it and may return a result (kept in the ledger; the new remote key when
    ``replaces_remote_key``). ``find`` answers whether an earlier attempt whose answer was lost did it
    (its non-``None`` answer is taken as the result). Without ``find`` the step runs again after a lost
    answer, so it must be safe to repeat, unless ``at_most_once``: then it is never run twice.
    """

    name: str
    run: Callable[[StepContext], str | None]
    title: str = ""
    find: Callable[[StepContext], str | None] | None = None
    replaces_remote_key: bool = False
    at_most_once: bool = False

    @property
    def words(self) -> str:
        return self.title or self.name.replace("-", " ")


STEP_FINISHED = ("done", "unknown")


@dataclass(frozen=True)
class TransferSummary:
    """The document as a bookkeeper knows it: who it is with, its gross amount and the currency."""

    counterparty: str | None = None
    amount: Decimal | None = None
    currency: str | None = None

    def columns(self) -> dict[str, object]:
        """The ledger row's values; what the summary leaves out keeps what the row had."""
        values = {"counterparty": self.counterparty, "amount": self.amount, "currency": self.currency}
        return {column: value for column, value in values.items() if value is not None}


class TransferLedger:
    def __init__(self, store: Store, integration_id: int, *, lease_seconds: float = 120.0) -> None:
        self.store = store
        self.integration_id = integration_id
        self.lease = timedelta(seconds=lease_seconds)

    def get(self, document_type: str, source_key: str) -> Transfer | None:
        with self.store.reading() as session:
            return self._row(session, document_type, source_key)

    def _row(self, session: Session, document_type: str, source_key: str) -> Transfer | None:
        return session.scalars(
            select(Transfer).where(
                Transfer.integration_id == self.integration_id,
                Transfer.document_type == document_type,
                Transfer.source_key == str(source_key),
            )
        ).first()

    def known(self, document_type: str, source_keys: Sequence[str]) -> set[str]:
        """Which of ``source_keys`` the ledger has a row for: one query for a chunk (a scan looks up every
        booked document it reads)."""
        if not source_keys:
            return set()
        with self.store.reading() as session:
            return set(
                session.scalars(
                    select(Transfer.source_key).where(
                        Transfer.integration_id == self.integration_id,
                        Transfer.document_type == document_type,
                        Transfer.source_key.in_([str(key) for key in source_keys]),
                    )
                )
            )

    def steps(self, document_type: str, source_key: str) -> list[TransferStep]:
        """The recorded follow-up steps of a document's transfer, in order."""
        with self.store.reading() as session:
            return list(
                session.scalars(
                    select(TransferStep)
                    .join(Transfer, Transfer.id == TransferStep.transfer_id)
                    .where(
                        Transfer.integration_id == self.integration_id,
                        Transfer.document_type == document_type,
                        Transfer.source_key == str(source_key),
                    )
                    .order_by(TransferStep.position)
                ).all()
            )

    def unfinished(self) -> list[Transfer]:
        """Transfers whose document is on the target but whose follow-up steps are not all done."""
        with self.store.reading() as session:
            return list(
                session.scalars(
                    select(Transfer).where(
                        Transfer.integration_id == self.integration_id,
                        Transfer.remote_key.is_not(None),
                        Transfer.state != "confirmed",
                    )
                ).all()
            )

    def _new_row(self, document_type: str, source_key: str, **values: object) -> Transfer:
        """A ledger row for the document, with its idempotency key (the same for every attempt)."""
        return Transfer(
            integration_id=self.integration_id,
            document_type=document_type,
            source_key=str(source_key),
            idempotency_key=f"lb-{document_type}-{source_key}-{uuid.uuid4().hex[:12]}",
            **values,
        )

    def _ensure(self, document_type: str, source_key: str) -> Transfer:
        found = self.get(document_type, source_key)
        if found is not None:
            return found
        try:
            with self.store.session() as session:
                row = self._new_row(document_type, source_key, state="queued", attempts=0)
                session.add(row)
            return row  # its columns stay loaded after the commit (expire_on_commit=False)
        except IntegrityError:
            pass  # another worker queued it at the same moment; use theirs
        found = self.get(document_type, source_key)
        assert found is not None
        return found

    def _take(
        self, document_type: str, source_key: str, summary: TransferSummary | None
    ) -> tuple[Transfer, tuple[str, str | None] | None, bool]:
        """The document's row, our claim on it (as :meth:`_claim`) and whether this call created the row, in
        one commit: a document seen for the first time is written claimed by us; one the ledger has is
        claimed if free. Another worker creating the same row at the same moment makes ours fail on the
        unique key: then theirs is used."""
        created = self._insert_claimed(document_type, source_key, summary)
        if created is not None:
            return created, (created.idempotency_key, None), True
        try:
            with self.store.session() as session:
                row = self._row(session, document_type, source_key)
                if row is None:  # gone since the insert met it (its integration's rows were reset)
                    claimed = {"state": "sending", "attempts": 1, "claimed_by": WORKER_ID}
                    row = self._new_row(
                        document_type, source_key, **claimed, **(summary.columns() if summary else {})
                    )
                    session.add(row)
                    # its columns stay loaded after the commit (expire_on_commit=False)
                    return row, (row.idempotency_key, None), True
                if row.state == "confirmed":
                    return row, None, False
                return row, self._claim_with(session.connection(), row, summary), False
        except IntegrityError:
            pass  # another worker queued it at the same moment; use theirs
        row = self._ensure(document_type, source_key)
        return row, (None if row.state == "confirmed" else self._claim(row, summary)), False

    def _insert_claimed(
        self, document_type: str, source_key: str, summary: TransferSummary | None
    ) -> Transfer | None:
        """A document the ledger has no row for, written claimed by us in one statement (INSERT … ON CONFLICT
        DO NOTHING RETURNING; on PostgreSQL one round trip where a look-up and an insert in a transaction
        were four); None, and nothing written, when the ledger has it."""
        now = utcnow()
        row = self._new_row(
            document_type,
            source_key,
            state="sending",
            attempts=1,
            claimed_by=WORKER_ID,
            created_at=now,
            updated_at=now,
            **(summary.columns() if summary else {}),
        )
        with self.store.single_statements() as connection:
            new_id = connection.execute(INSERT_IF_NEW, _column_values(row)).scalar()
        if new_id is None:
            return None
        row.id = new_id
        return row

    def _claim(self, row: Transfer, summary: TransferSummary | None = None) -> tuple[str, str | None] | None:
        """Take the document for sending (or for its steps): its ``(idempotency key, remote key)`` as the
        claim left them, or None if another worker holds a live claim or it is done. The summary, when
        given, is recorded with the claim. ``row`` is the row as just read (its holder, if any).

        A claim older than the lease, or held by a process of this host that no longer runs (killed
        mid-transfer), is taken over.
        """
        with self.store.single_statements() as connection:  # one UPDATE … RETURNING
            return self._claim_with(connection, row, summary)

    def _claim_with(
        self, connection: Connection, row: Transfer, summary: TransferSummary | None
    ) -> tuple[str, str | None] | None:
        now = utcnow()
        takeable = [
            Transfer.state.in_(("queued", "failed", "uncertain", "sent")),
            (Transfer.state == "sending") & (Transfer.updated_at < now - self.lease),
        ]
        if row.state == "sending" and _is_dead_local_process(row.claimed_by):
            takeable.append((Transfer.state == "sending") & (Transfer.claimed_by == row.claimed_by))
        # One statement takes the claim and reads what another worker may have written before it (a
        # remote key recorded since ``row`` was read): never a send on a stale view.
        claimed = connection.execute(
            update(Transfer)
            .where(Transfer.id == row.id, or_(*takeable))
            .values(
                state="sending",
                attempts=Transfer.attempts + 1,
                updated_at=now,
                claimed_by=WORKER_ID,
                **(summary.columns() if summary else {}),
            )
            .returning(Transfer.idempotency_key, Transfer.remote_key)
        ).first()
        return (claimed[0], claimed[1]) if claimed is not None else None

    def _settle(self, row_id: int, **values: object) -> None:
        with self.store.single_statements() as connection:
            connection.execute(self._settling(row_id, **values))

    @staticmethod
    def _settling(row_id: int, **values: object) -> Any:
        return update(Transfer).where(Transfer.id == row_id).values(updated_at=utcnow(), **values)

    def _already(self, row: Transfer, describe: Callable[[str], str]) -> TransferResult:
        return TransferResult(
            "already", row.remote_key, f"already transferred as {describe(row.remote_key or '')}"
        )

    def transfer(
        self,
        document_type: str,
        source_key: str,
        *,
        find: Callable[[], str | None],
        send: Callable[[str], str],
        describe: Callable[[str], str] = lambda remote_key: remote_key,
        steps: Sequence[Step] = (),
        summary: TransferSummary | None = None,
    ) -> TransferResult:
        """Transfer one document with its follow-up steps, or say why not.

        ``find()`` looks the document up on the target by our reference and returns its remote key;
        ``send(idempotency_key)`` transfers it (it should itself reuse what an earlier partial attempt
        left, e.g. a draft) and returns the remote key. ``describe`` turns a remote key into words.
        ``steps`` run after the send, in order (see the module's docstring); a repeat resumes at the
        first one not done. ``summary`` (who, how much) is recorded on the row when it is claimed.

        Writes: the row and its claim are one statement (or one commit); after that, each write that must
        be on disk before the next remote call is, with as few statements as the writes allow: the remote
        key says who holds the claim, the step rows carry the first one's start, a step's result is followed
        by the lease's renewal and the next one's start, the last result by the confirmation. On
        PostgreSQL each of those is its own transaction, except a replaced remote key with its step's
        result (one transaction).
        """
        row, claim, created = self._take(document_type, source_key, summary)
        if claim is None:
            current = row if row.state == "confirmed" else self.get(document_type, source_key)
            if current is not None and current.state == "confirmed":
                return self._already(current, describe)
            return TransferResult("in_progress", None, "another worker is transferring it right now")
        idempotency_key, remote_key = claim
        resumed = remote_key is not None
        if remote_key is not None:
            return self._run_steps(row.id, idempotency_key, remote_key, steps, describe, resumed)
        try:
            remote_key = find()
            if remote_key is None:
                remote_key = send(idempotency_key)
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
        remote_key = str(remote_key)
        recorded = self._record_sent(row.id, remote_key, steps, created=created)
        return self._run_steps(row.id, idempotency_key, remote_key, steps, describe, resumed, recorded)

    # -- follow-up steps ---------------------------------------------------------------------------------
    def _record_sent(
        self, transfer_id: int, remote_key: str, steps: Sequence[Step], *, created: bool = False
    ) -> _Recorded:
        """The remote key and the pending steps: from here on the send is never repeated. The first step's
        start (see :meth:`_begin_step`) is written with them, as is the confirmation when there is no step:
        nothing remote happens between them.

        The row stays ``sending`` (claimed by us) while the steps run; only their end settles it.
        ``created``: this call wrote the transfer's row, so it has no step rows yet (none is read back).
        """
        if created:
            return self._record_first_send(transfer_id, remote_key, steps)
        with self.store.session() as session:
            session.execute(
                update(Transfer)
                .where(Transfer.id == transfer_id)
                .values(remote_key=remote_key, last_error=None, updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            rows = self._planned(session, transfer_id, steps)
            recorded = _Recorded(rows)
            first = recorded.next_to_start(steps, 0)
            # Started only while the claim is still ours (a send slower than the lease may have lost it).
            # (Core statements on the session's connection: the rows read stay as read.)
            connection = session.connection()
            if first is not None and self._renewed(connection, transfer_id):
                connection.execute(self._starting(first))
                recorded.started = first.name
            elif recorded.all_finished(steps, 0):
                connection.execute(self._settling(transfer_id, state="confirmed", last_error=None))
                recorded.confirmed = True
            return recorded

    def _record_first_send(self, transfer_id: int, remote_key: str, steps: Sequence[Step]) -> _Recorded:
        """:meth:`_record_sent` for a transfer this call created: two statements, each committed on its own
        (on PostgreSQL no BEGIN and COMMIT, no read of step rows that cannot be there). The UPDATE that
        records the remote key (with the confirmation, if no step follows) says who holds the claim now;
        while it is ours, the steps are inserted ``pending`` with the first one already started.
        A crash between the two leaves the remote key without steps: the next claim adds them
        (:meth:`_planned`) and runs them, the send is not repeated."""
        sent = {"state": "confirmed"} if not steps else {}
        rows = {
            step.name: self._pending_row(transfer_id, position, step) for position, step in enumerate(steps)
        }
        with self.store.single_statements() as connection:
            holder = connection.execute(
                update(Transfer)
                .where(Transfer.id == transfer_id)
                .values(remote_key=remote_key, last_error=None, updated_at=utcnow(), **sent)
                .returning(Transfer.state, Transfer.claimed_by)
            ).first()
            ours = holder is not None and tuple(holder) == ("sending", WORKER_ID)
            if steps and ours:
                started = steps[0].name
                written = [
                    _column_values(row) | ({"state": "unsure", "attempts": 1} if row.name == started else {})
                    for row in rows.values()
                ]
                inserted = connection.execute(
                    insert(TransferStep).returning(TransferStep.id, TransferStep.name), written
                )
                for step_id, name in inserted:
                    rows[name].id = step_id
        if not steps:
            return _Recorded({}, confirmed=True)
        if not ours:
            # Our send outlasted the lease and another worker took the transfer over: the steps are theirs,
            # and they may have recorded them already. Read what is there, as a resume does (after our
            # statement's connection is back: on SQLite its transaction would hold that read's writes up).
            return _Recorded(self._step_rows(transfer_id, steps))
        # The rows as they stand for the steps to come: the first one ``pending`` in memory, as when
        # :meth:`_record_sent` reads it back and starts it in the same commit.
        return _Recorded(rows, started=steps[0].name)

    def _renew_claim(self, transfer_id: int) -> bool:
        """Renew our claim's lease before a step; False if we lost it (presumed dead, taken over)."""
        with self.store.single_statements() as connection:
            return self._renewed(connection, transfer_id)

    @staticmethod
    def _renewed(connection: Connection, transfer_id: int) -> bool:
        result = connection.execute(
            update(Transfer)
            .where(
                Transfer.id == transfer_id,
                Transfer.state == "sending",
                Transfer.claimed_by == WORKER_ID,
            )
            .values(updated_at=utcnow())
        )
        return bool(getattr(result, "rowcount", 0))

    @staticmethod
    def _planned(session: Session, transfer_id: int, steps: Sequence[Step]) -> dict[str, TransferStep]:
        """The transfer's step rows, any step not recorded yet (all of them on the first send; one added to
        the code since the send) added: one read, and one write for what was missing."""
        rows = {
            row.name: row
            for row in session.scalars(select(TransferStep).where(TransferStep.transfer_id == transfer_id))
        }
        for position, step in enumerate(steps):
            if step.name not in rows:
                rows[step.name] = TransferLedger._pending_row(transfer_id, position, step)
                session.add(rows[step.name])
        session.flush()
        return rows

    @staticmethod
    def _pending_row(transfer_id: int, position: int, step: Step) -> TransferStep:
        """A step's row as first recorded: ``pending``, never tried."""
        return TransferStep(
            transfer_id=transfer_id,
            name=step.name,
            position=position,
            state="pending",
            attempts=0,
            result=None,
            last_error=None,
            updated_at=utcnow(),
        )

    def _step_rows(self, transfer_id: int, steps: Sequence[Step]) -> dict[str, TransferStep]:
        with self.store.session() as session:
            return self._planned(session, transfer_id, steps)

    def _set_step(self, step_id: int, **values: object) -> None:
        with self.store.single_statements() as connection:
            connection.execute(
                update(TransferStep).where(TransferStep.id == step_id).values(updated_at=utcnow(), **values)
            )

    @staticmethod
    def _starting(step: TransferStep) -> Any:
        """The statement that marks ``step`` ``unsure``: it is about to be called."""
        return (
            update(TransferStep)
            .where(TransferStep.id == step.id)
            .values(state="unsure", attempts=TransferStep.attempts + 1, updated_at=utcnow())
        )

    def _begin_step(self, transfer_id: int, step: TransferStep, *, renew: bool) -> bool:
        """Mark the step ``unsure`` just before its call, our claim's lease renewed first (unless the caller
        just did); False, and the step not started, if we lost the claim. Two statements, each committed on
        its own: a crash between them leaves a renewed lease and the step as it was."""
        with self.store.single_statements() as connection:
            if renew and not self._renewed(connection, transfer_id):
                return False
            connection.execute(self._starting(step))
        return True

    def _finish_step(
        self,
        transfer_id: int,
        step_id: int,
        result: str | None,
        new_remote_key: str | None,
        *,
        start: TransferStep | None = None,
        confirm: str | None = None,
    ) -> bool:
        """The step ``done`` with its result; with ``start`` the next step's start too (our lease renewed
        first: False, and the next step not started, if we lost the claim), with ``confirm`` the transfer
        confirmed as that remote key (its last step).

        A step that replaced the document's remote key writes the new key and its ``done`` in one commit
        (later steps must never see the one without the other). Otherwise each statement commits on its
        own (on PostgreSQL no BEGIN and COMMIT around them): a crash between them leaves a step ``done``
        with the next one ``pending``, or every step ``done`` and the transfer not confirmed yet, and the
        next claim carries on from there without calling anything again."""
        now = utcnow()
        together = new_remote_key is not None
        with self.store.engine.begin() if together else self.store.single_statements() as connection:
            if new_remote_key is not None:
                connection.execute(
                    update(Transfer)
                    .where(Transfer.id == transfer_id)
                    .values(remote_key=new_remote_key, updated_at=now)
                )
            connection.execute(
                update(TransferStep)
                .where(TransferStep.id == step_id)
                .values(state="done", result=result, last_error=None, updated_at=now)
            )
            if confirm is not None:
                connection.execute(
                    self._settling(transfer_id, state="confirmed", remote_key=confirm, last_error=None)
                )
            if start is not None:
                if not self._renewed(connection, transfer_id):
                    return False
                connection.execute(self._starting(start))
        return True

    def _run_steps(
        self,
        transfer_id: int,
        idempotency_key: str,
        remote_key: str,
        steps: Sequence[Step],
        describe: Callable[[str], str],
        resumed: bool,
        recorded: _Recorded | None = None,
    ) -> TransferResult:
        """Run the steps not done yet, in order (``recorded``: their rows, if the caller just wrote them)."""
        if recorded is None:
            recorded = _Recorded(self._step_rows(transfer_id, steps))
        results: dict[str, str | None] = {}
        notes: list[str] = []
        ran: list[str] = []
        lost = TransferResult("in_progress", remote_key, "another worker is transferring it right now")
        for index, step in enumerate(steps):
            state = recorded.rows[step.name]
            if state.state in STEP_FINISHED:
                results[step.name] = state.result
                continue
            unsure = state.state == "unsure"
            # Our lease ran out and another worker took the transfer over: its steps are theirs now.
            if unsure and not self._renew_claim(transfer_id):
                return lost
            ctx = StepContext(remote_key, f"{idempotency_key}:{step.name}", dict(results))
            try:
                found = step.find(ctx) if unsure and step.find else None
                if found is None and unsure and step.at_most_once:
                    note = f"unknown whether '{step.words}' happened (its answer was lost); not repeated"
                    self._set_step(state.id, state="unknown", last_error=note)
                    notes.append(note)
                    continue
                if found is None:
                    started = recorded.started == step.name  # in the commit before this one's call
                    if not started and not self._begin_step(transfer_id, state, renew=not unsure):
                        return lost
                    found = step.run(ctx)
                    ran.append(step.words)
            except TransientError as exc:
                self._set_step(state.id, last_error=exc.remote_message)
                self._settle(transfer_id, state="sent", last_error=f"{step.words}: {exc.remote_message}")
                return TransferResult(
                    "uncertain",
                    remote_key,
                    f"{describe(remote_key)} is there, but no answer to '{step.words}': {exc.remote_message}",
                    exc,
                )
            except (ApiError, MappingError) as exc:
                message = exc.remote_message if isinstance(exc, ApiError) else str(exc)
                self._set_step(state.id, state="failed", last_error=message)
                self._settle(transfer_id, state="sent", last_error=f"{step.words}: {message}")
                return TransferResult(
                    "failed",
                    remote_key,
                    f"{describe(remote_key)} is there, but could not {step.words}: {message}",
                    exc,
                )
            except BaseException as exc:
                interrupted = f"{step.words}: interrupted ({type(exc).__name__})"
                self._settle(transfer_id, state="sent", last_error=interrupted)
                raise
            replaced = str(found) if step.replaces_remote_key and found else None
            remote_key = replaced or remote_key
            following = recorded.next_to_start(steps, index + 1)
            last = recorded.all_finished(steps, index + 1)
            if not self._finish_step(
                transfer_id, state.id, found, replaced, start=following, confirm=remote_key if last else None
            ):
                return lost
            recorded.started = following.name if following is not None else None
            recorded.confirmed = last
            results[step.name] = found
        if not recorded.confirmed:
            self._settle(transfer_id, state="confirmed", remote_key=remote_key, last_error=None)
        message = f"transferred as {describe(remote_key)}"
        if resumed:
            message += f" (resumed: {', '.join(ran)})" if ran else ""
        return TransferResult("transferred", remote_key, message, notes=tuple(notes))


@dataclass
class _Recorded:
    """A transfer's step rows as read, and what the last commit did beyond them: which step it started
    (marked ``unsure``: its call may go next) and whether it confirmed the transfer."""

    rows: dict[str, TransferStep]
    started: str | None = None
    confirmed: bool = False

    def _open(self, steps: Sequence[Step], start: int) -> list[Step]:
        return [s for s in steps[start:] if self.rows[s.name].state not in STEP_FINISHED]

    def next_to_start(self, steps: Sequence[Step], start: int) -> TransferStep | None:
        """The first step from ``start`` on that is not finished, when it will be called straight away
        (``pending`` or ``failed``: an ``unsure`` one is first looked for, or given up)."""
        open_steps = self._open(steps, start)
        row = self.rows[open_steps[0].name] if open_steps else None
        return row if row is not None and row.state in ("pending", "failed") else None

    def all_finished(self, steps: Sequence[Step], start: int) -> bool:
        return not self._open(steps, start)
