"""The data-transfer page (seed 004 C23–C28, C63–C65): one register at a time, by hand or on a schedule.

:class:`SeveraEAccountingSession` is the kind's :class:`~ledgerbridge.integrations.base.Realtime` (Severa
has no webhooks, so it subscribes to nothing and scans nothing): it runs a register (``run``), a dry run
of one (``plan``), one invoice by hand (``transfer``), a failed record again (``handle``, from the error
log's retry) and the optional schedule (``periodic``: every register in dependency order, at most hourly).

Every register answers a :class:`RegisterRun` with the seed's status line (C25): "N transferred, N updated,
N failed" (and how many were already in step). A register's run is recorded in ``sync_runs`` (kind
``register:<name>``) so the console can show its latest line; each refused record is in the error log
with the remote system's own message and the run goes on (C64).

- customers, products, projects: :class:`~ledgerbridge.engine.runner.OneWaySync` flows (bindings, find
  before create, commit at once, dry-run plans, conflicts when the non-master side changed a bound record).
- invoices, supplier invoices: the transfer ledger, a document at a time (exactly once, with the status
  write-back as the invoice's follow-up step).
- check sent / check paid: a PATCH of invoices whose eEkonomi state moved on; repeating one is harmless
  (the status moves on, so the next run does not see it again).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select

from ledgerbridge.engine.checkpoints import Checkpoints
from ledgerbridge.engine.context import RunContext
from ledgerbridge.engine.errorlog import ErrorLog
from ledgerbridge.engine.ledger import Step, StepContext, TransferLedger, TransferResult
from ledgerbridge.engine.plan import FieldChange, PlanItem
from ledgerbridge.engine.runner import OneWaySync, RunAborted
from ledgerbridge.engine.streams import MappingError, Stream
from ledgerbridge.integrations.base import Realtime
from ledgerbridge.integrations.severa_eaccounting import (
    customers,
    invoices,
    products,
    projects,
    supplier_costs,
)
from ledgerbridge.integrations.severa_eaccounting.lookups import Lookups, Record, number_key
from ledgerbridge.integrations.severa_eaccounting.settings import (
    REGISTERS,
    SeveraEAccountingSettings,
    refusal,
)
from ledgerbridge.integrations.severa_eaccounting.summary import invoice_summary
from ledgerbridge.services.common import N_, Message, Title
from ledgerbridge.store.db import Store
from ledgerbridge.store.models import Binding, SyncRun, Transfer, utcnow
from ledgerbridge.systems.eaccounting import EAccountingClient
from ledgerbridge.systems.errors import ApiError, AuthError, TransientError
from ledgerbridge.systems.severa.adapters import Severa

INVOICE = "severa-invoice"
SUPPLIER_COST = "supplier-cost"
SCHEDULE_CHECKPOINT = "schedule:severa-eaccounting"
#: The order the schedule runs them in: what invoices need comes first.
SCHEDULE_ORDER = REGISTERS
# C25's status line (``RegisterRun.status_line``), composed of these so that the console shows it in the
# user's language: the counts, what was in step, the registers run first (A2), why it stopped.
COUNTS = N_("%(created)s transferred, %(updated)s updated, %(failed)s failed")
STATUS = N_("%(counts)s (%(unchanged)s unchanged)")
FIRST = N_("%(status)s; first %(register)s: %(counts)s")
STOPPED = N_("%(status)s; stopped: %(reason)s")
REGISTER_LINE = N_("%(register)s: %(status)s")
NOTHING_TO_DO = N_("nothing to do for %(event)s")
log = structlog.get_logger("ledgerbridge.transfers")


class RegisterRefused(Exception):
    """The register may not run yet (C12): a required setting is missing."""


@dataclass
class RegisterRun:
    register: str
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    plan: list[PlanItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    run_id: int | None = None
    aborted: str | None = None
    #: A2: the runs of other registers this one made first (an invoice's untransferred customer).
    first: list[RegisterRun] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.aborted is None

    @property
    def status_line(self) -> Message:
        """C25: the seed's three counts, and what was already in step; a :class:`Message` (the CLI's and
        the API's English, word for word) the console shows in the user's language."""
        line = Message(STATUS, counts=self._counts(), unchanged=self.unchanged)
        for before in self.first:  # counted under their own register (A2)
            line = Message(FIRST, status=line, register=Title(before.register), counts=before._counts())
        if self.aborted:
            line = Message(STOPPED, status=line, reason=self.aborted)
        return line

    def _counts(self) -> Message:
        return Message(COUNTS, created=self.created, updated=self.updated, failed=self.failed)

    @property
    def summary(self) -> Message:
        """The run's status line after its register: "customers: 3 transferred, …"."""
        return Message(REGISTER_LINE, register=Title(self.register), status=self.status_line)

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "register": self.register,
            "dry_run": self.dry_run,
            "transferred": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "status_line": self.status_line,
            "notes": self.notes,
            "aborted": self.aborted,
            "plan": [item.as_dict() for item in self.plan],
            "first": [before.as_dict() for before in self.first],
        }


class SeveraEAccountingSession(Realtime):
    webhook_source = "severa"

    def __init__(
        self,
        store: Store,
        integration_id: int,
        severa: Severa,
        eaccounting: EAccountingClient,
        settings: SeveraEAccountingSettings,
        sides: tuple[str, str],
        close: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.integration_id = integration_id
        self.severa = severa
        self.eaccounting = eaccounting
        self.settings = settings
        self.sides = sides
        self._close = close
        self.ledger = TransferLedger(store, integration_id)

    # -- Realtime: no webhooks -------------------------------------------------------------------------
    def webhook_events(self) -> list[str]:
        return []

    def subscribe(self, url: str) -> dict[str, str]:
        return {}

    def scan(self, since: datetime | None) -> Iterable[tuple[str, str]]:
        return []

    def handle(self, event: str, key: str, payload: dict[str, Any] | None = None) -> str:
        """The error log's retry of a master-data record: run its register again (it changes only what
        differs)."""
        entity = event.split(".", 1)[0]
        register = {
            "customer": "customers",
            "customer_to_severa": "customers",
            "article": "products",
            "product_to_severa": "products",
            "project": "projects",
        }.get(entity, entity)
        if register not in REGISTERS:
            return Message(NOTHING_TO_DO, event=event)
        return self.run(register).summary

    def transfer(self, document_type: str, key: str) -> TransferResult:
        """One Severa invoice by guid (``severa-invoice``), now; or a register by name."""
        if document_type in (INVOICE, "invoice"):
            self._refuse("invoices")
            lookups = self.lookups()
            try:
                invoice = self.severa.invoices.read(key)
            except ApiError as exc:
                return TransferResult("failed", None, f"Severa invoice {key}: {exc.remote_message}", exc)
            builder = invoices.DraftBuilder(lookups)
            self._references_first(lookups, builder, [invoice])
            with self._errors() as errors:
                return self._transfer_invoice(lookups, invoice, errors, builder=builder)
        if document_type in (SUPPLIER_COST, *REGISTERS):
            register = "supplier-invoices" if document_type == SUPPLIER_COST else document_type
            run = self.run(register)
            if run.ok:
                return TransferResult("transferred", None, run.summary)
            return TransferResult("failed", None, run.summary)
        raise RegisterRefused(
            f"unknown document type {document_type!r}: severa-invoice, or a register ({', '.join(REGISTERS)})"
        )

    def periodic(self, now: datetime) -> list[str]:
        """C68: when a schedule is set, every register in order, at most once per interval (≥ 60 min)."""
        minutes = self.settings.schedule.interval_minutes
        if not minutes:
            return []
        with self.store.session() as db:
            last = Checkpoints(db, self.integration_id).get(SCHEDULE_CHECKPOINT)
        if last and now - datetime.fromisoformat(last["at"]) < timedelta(minutes=minutes):
            return []
        with self.store.session() as db:
            Checkpoints(db, self.integration_id).put(SCHEDULE_CHECKPOINT, {"at": now.isoformat()})
            db.commit()
        done: list[str] = []
        for register in SCHEDULE_ORDER:
            if refusal(self.settings, register) is not None:
                continue  # an optional register not set up (check sent / paid without their statuses)
            run = self.run(register)
            done.append(run.summary)
            if run.aborted:
                break
        return done

    def periodic_wait(self) -> float | None:
        """Seconds until the schedule's next round (its last is in the database); inf without a schedule."""
        minutes = self.settings.schedule.interval_minutes
        if not minutes:
            return math.inf
        with self.store.session() as db:
            last = Checkpoints(db, self.integration_id).get(SCHEDULE_CHECKPOINT)
        if not last:
            return 0.0
        due = datetime.fromisoformat(last["at"]) + timedelta(minutes=minutes)
        return max(0.0, (due - datetime.now(UTC)).total_seconds())

    def close(self) -> None:
        self._close()

    def _log_transfer(
        self, document_type: str, key: str, outcome: str, remote_key: str | None, message: str
    ) -> None:
        """One line per record written (issue 17), as the Rackbeat kinds log theirs; a failure's line,
        with the remote system's own message, comes from the error log."""
        log.info(
            "transfer",
            integration_id=self.integration_id,
            document_type=document_type,
            record_key=key,
            outcome=outcome,
            remote_key=remote_key,
            message=message,
        )

    # -- registers ---------------------------------------------------------------------------------------
    def lookups(self) -> Lookups:
        return Lookups(self.severa, self.eaccounting, self.settings)

    def _refuse(self, register: str) -> None:
        reason = refusal(self.settings, register)
        if reason is not None:
            raise RegisterRefused(reason)

    def run(self, register: str, *, dry_run: bool = False) -> RegisterRun:
        """Run (or plan) one register; refused with the reason while its settings are missing (C12)."""
        self._refuse(register)
        lookups = self.lookups()
        try:
            if register in ("customers", "products", "projects"):
                return self._run_flows(register, self._flows(register, lookups), dry_run)
            runner: Callable[[Lookups, RegisterRun], None] = {
                "invoices": self._invoices,
                "supplier-invoices": self._supplier_invoices,
                "check-sent": self._check_sent,
                "check-paid": self._check_paid,
            }[register]
            return self._recorded(register, dry_run, lambda result: runner(lookups, result))
        except MappingError as exc:  # a lookup every record needs (a unit, the cost center) is missing
            raise RegisterRefused(f"{register}: {exc}") from exc

    # -- master data through OneWaySync ----------------------------------------------------------------
    def _bound(self, entities: tuple[str, ...], side: str) -> Callable[[], set[str]]:
        def keys() -> set[str]:
            column = Binding.a_key if side == self.sides[0] else Binding.b_key
            with self.store.session() as db:
                return set(
                    db.scalars(
                        select(column).where(
                            Binding.integration_id == self.integration_id, Binding.entity.in_(entities)
                        )
                    )
                )

        return keys

    def _flows(self, register: str, lookups: Lookups) -> list[Stream]:
        if register == "projects":
            return projects.project_flows(lookups, self._bound(("project",), "severa"))
        # (Severa → eEkonomi entity, eEkonomi → Severa entity)
        mine, theirs = (
            ("customer", "customer_to_severa")
            if register == "customers"
            else ("article", "product_to_severa")
        )
        both = (mine, theirs)

        def other_only(side: str) -> set[str]:
            # Keys of ``side`` bound only by the flow that does not write to it: the master's first sight.
            writer, other = (mine, theirs) if side == "eaccounting" else (theirs, mine)
            return self._bound((other,), side)() - self._bound((writer,), side)()

        build = customers.customer_flows if register == "customers" else products.product_flows
        return build(lookups, self._bound(both, "severa"), self._bound(both, "eaccounting"), other_only)

    def _run_flows(self, register: str, flows: list[Stream], dry_run: bool) -> RegisterRun:
        context = RunContext(
            self.store,
            self.integration_id,
            self.sides,
            f"register:{register}",
            settings=self.settings,
            detect_conflicts=True,
        )
        sync = OneWaySync(context, flows)
        result = sync.plan() if dry_run else sync.run()
        run = RegisterRun(register, dry_run, plan=list(result.plan), run_id=result.run_id)
        for counts in result.counts.values():
            for outcome in ("created", "updated", "unchanged", "failed"):
                setattr(run, outcome, getattr(run, outcome) + counts.get(outcome, 0))
        if result.status == "crashed":
            run.aborted = result.message
        return run

    # -- documents -----------------------------------------------------------------------------------
    @contextmanager
    def _errors(self, run_id: int | None = None) -> Iterator[Callable[..., None]]:
        session = self.store.new_session()
        log = ErrorLog(session, self.integration_id)

        def note(
            operation: str, entity: str, key: str, message: str, exc: Exception | None, payload: Any = None
        ) -> None:
            api = exc if isinstance(exc, ApiError) else None
            if message:
                log.record(
                    operation=operation,
                    entity=entity,
                    record_key=key,
                    message=message,
                    remote_message=api.remote_message if api else None,
                    status_code=api.status_code if api else None,
                    payload=payload,
                    response=api.body if api else None,
                    run_id=run_id,
                )
            else:
                log.resolve(operation, entity, key)
            session.commit()

        try:
            yield note
        finally:
            session.close()

    def _recorded(self, register: str, dry_run: bool, body: Callable[[RegisterRun], None]) -> RegisterRun:
        result = RegisterRun(register, dry_run)
        if dry_run:
            body(result)
            return result
        with self.store.session() as db:
            row = SyncRun(
                integration_id=self.integration_id,
                kind=f"register:{register}",
                status="running",
                dry_run=False,
                counts={},
            )
            db.add(row)
            db.commit()
            result.run_id = row.id
        try:
            body(result)
        except (TransientError, AuthError) as exc:
            result.aborted = exc.remote_message
        finally:
            with self.store.session() as db:
                finished = db.get(SyncRun, result.run_id)
                assert finished is not None
                row = finished
                row.status = "crashed" if result.aborted else ("failed" if result.failed else "succeeded")
                row.counts = {
                    register: {
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                        "failed": result.failed,
                    }
                }
                row.message = result.aborted or (
                    f"{result.failed} record(s) failed; see the error log" if result.failed else None
                )
                row.finished_at = utcnow()
                db.commit()
        return result

    def _status_step(self, invoice_guid: str) -> Step:
        status = str(self.settings.statuses.transferred)

        def write(ctx: StepContext) -> str:
            self.severa.invoices.set_status(invoice_guid, status)  # a PATCH of the same value: safe again
            return status

        return Step("severa-status", write, title='set the "transferred" status in Severa')

    def _transfer_invoice(
        self,
        lookups: Lookups,
        invoice: Record,
        errors: Callable[..., None],
        notes: list[str] | None = None,
        known: dict[str, str] | None = None,
        builder: invoices.DraftBuilder | None = None,
    ) -> TransferResult:
        guid = str(invoice["guid"])
        builder = builder or invoices.DraftBuilder(lookups)
        warned = len(builder.warnings)
        sender = invoices.DraftSender(lookups, builder, invoice, known)
        result = self.ledger.transfer(
            INVOICE,
            guid,
            find=sender.find,
            send=sender.send,
            describe=invoices.describe_remote,
            steps=[self._status_step(guid)],
            summary=invoice_summary(invoice),
        )
        what = invoices.describe_invoice(invoice)
        if notes is not None:
            notes.extend(builder.warnings[warned:])
        if result.outcome != "failed":
            self._log_transfer(INVOICE, guid, result.outcome, result.remote_key, result.message)
        if result.ok:
            errors("transfer", INVOICE, guid, "", None)
        elif result.outcome != "in_progress":
            errors("transfer", INVOICE, guid, f"{what}: {result.message}", result.error)
        return result

    def _invoices(self, lookups: Lookups, run: RegisterRun) -> None:
        status = str(self.settings.statuses.to_transfer)
        builder = invoices.DraftBuilder(lookups)
        waiting = list(self.severa.invoices.in_status(status))
        run.first.extend(self._references_first(lookups, builder, waiting, dry_run=run.dry_run))
        known: dict[str, str] | None = None
        with self._errors(run.run_id) as errors:
            for invoice in waiting:
                guid = str(invoice["guid"])
                if run.dry_run:
                    self._plan_invoice(builder, invoice, run)
                    continue
                if known is None:
                    known = invoices.marked_documents(lookups)
                before = self.ledger.get(INVOICE, guid)
                result = self._transfer_invoice(lookups, invoice, errors, run.notes, known, builder)
                if result.outcome == "transferred":
                    run.count("updated" if before is not None and before.remote_key else "created")
                elif result.outcome == "already":
                    # Confirmed earlier, yet still "to transfer": the status was put back by hand.
                    run.count("unchanged")
                    run.notes.append(f"{invoices.describe_invoice(invoice)}: {result.message}")
                else:
                    run.count("failed")
                    if result.outcome == "uncertain":
                        raise TransientError(result.message)

    def _references_first(
        self,
        lookups: Lookups,
        builder: invoices.DraftBuilder,
        waiting: list[Record],
        *,
        dry_run: bool = False,
    ) -> list[RegisterRun]:
        """A2, A22: the customers, articles and projects the waiting invoices name that eEkonomi does not
        have yet are synced first, by the customers, products and projects registers' own Severa → eEkonomi
        streams limited to those records (recorded as runs of those registers). An invoice whose customer
        still fails is refused with the reason, as before; a register whose settings are missing is not run
        (C12). A dry run plans them (their per-field plans are in the returned runs) and lets the invoices'
        plans refer to what they would create."""
        pending = [i for i in waiting if not self._already_sent(str(i["guid"]))]
        customers_missing = {
            key for key in map(builder.customer_key, pending) if key and key not in lookups.customers
        }
        articles_missing: set[str] = set()
        if pending and refusal(self.settings, "products") is None:
            for invoice in pending:
                articles_missing |= builder.article_numbers(invoice) - lookups.articles.keys()
        projects_missing: set[str] = set()
        if pending and refusal(self.settings, "projects") is None:
            for invoice in pending:
                projects_missing |= builder.project_numbers(invoice) - lookups.project_items.keys()
        runs = []
        for register, entity, wanted, key in (
            ("customers", "customer", customers_missing, lambda r: number_key(r.get("number"))),
            ("products", "article", articles_missing, lambda r: str(r.get("code") or "").strip()),
            ("projects", "project", projects_missing, lambda r: str(r.get("number"))),
        ):
            if not wanted or refusal(self.settings, register) is not None:
                continue
            stream = next(f for f in self._flows(register, lookups) if f.entity == entity)
            before = self._run_flows(register, [only(stream, wanted, key)], dry_run=dry_run)
            runs.append(before)
            builder.refused[register] = {
                str(item.source_key): str(item.error) for item in before.plan if item.action == "fail"
            }  # an invoice refused for want of one of these says why
            if dry_run:
                planned(lookups, register, before.plan)
        if runs and not dry_run:
            read_again(lookups, "customers", "articles", "cost_center", "project_items")  # they wrote there
        return runs

    def _already_sent(self, guid: str) -> bool:
        done = self.ledger.get(INVOICE, guid)
        return done is not None and bool(done.remote_key)

    def _plan_invoice(self, builder: invoices.DraftBuilder, invoice: Record, run: RegisterRun) -> None:
        guid = str(invoice["guid"])
        done = self.ledger.get(INVOICE, guid)
        if done is not None and done.remote_key:
            run.plan.append(
                PlanItem(
                    INVOICE,
                    guid,
                    done.remote_key,
                    "update",
                    [
                        FieldChange(
                            "status",
                            (invoice.get("status") or {}).get("name"),
                            self.settings.statuses.transferred,
                        )
                    ],
                )
            )
            run.count("updated")
            return
        try:
            draft = builder.draft(invoice)
        except (MappingError, ApiError) as exc:
            run.plan.append(PlanItem(INVOICE, guid, None, "fail", error=str(exc)))
            run.count("failed")
            return
        changes = [FieldChange(k, None, v) for k, v in draft.items()]
        run.plan.append(PlanItem(INVOICE, guid, None, "create", changes))
        run.count("created")

    def _drafts_by_guid(self) -> dict[str, str]:
        with self.store.session() as db:
            rows = db.scalars(
                select(Transfer).where(
                    Transfer.integration_id == self.integration_id, Transfer.document_type == INVOICE
                )
            )
            return {
                row.source_key: row.remote_key.partition(":")[2]
                for row in rows
                if row.remote_key and row.remote_key.startswith("draft:")
            }

    def _check_sent(self, lookups: Lookups, run: RegisterRun) -> None:
        """C21, C27: transferred invoices that eEkonomi has made into invoices get number, OCR, "sent"."""
        drafts_by_guid = self._drafts_by_guid()
        booked = invoices.BookedInvoices(lookups, drafts_by_guid)
        still_drafts = {str(d["Id"]).lower() for d in lookups.eaccounting.iter_collection(invoices.DRAFTS)}
        sent = str(self.settings.statuses.sent)
        with self._errors(run.run_id) as errors:
            for invoice in self.severa.invoices.in_status(str(self.settings.statuses.transferred)):
                guid = str(invoice["guid"])
                found = booked.get(guid)
                what = invoices.describe_invoice(invoice)
                draft = drafts_by_guid.get(guid)
                if found is None and draft is not None and draft.lower() not in still_drafts:
                    run.count("failed")  # A32: neither a draft nor an invoice any more
                    if not run.dry_run:
                        errors(
                            "check-sent", "check-sent", guid,
                            f"{what}: its eEkonomi draft {draft} was deleted without being booked; the "
                            "Severa status is left as it is",
                            None,
                        )  # fmt: skip
                    continue
                if found is None:
                    run.count("unchanged")  # still a draft in eEkonomi
                    continue
                problem = invoices.not_delivered(found)
                if problem:
                    run.count("failed")
                    if not run.dry_run:
                        errors(
                            "check-sent",
                            "check-sent",
                            guid,
                            f"{what} (eEkonomi invoice "
                            f"{found.get('InvoiceNumber')}) is not marked sent: {problem}",
                            None,
                        )
                    continue
                changes = invoices.sent_changes(found)
                if run.dry_run:
                    run.plan.append(self._status_plan(invoice, sent, changes))
                    run.count("updated")
                    continue
                try:
                    self.severa.invoices.set_status(guid, sent, **changes)
                except ApiError as exc:
                    if isinstance(exc, TransientError | AuthError):
                        raise
                    run.count("failed")
                    errors(
                        "check-sent",
                        "check-sent",
                        guid,
                        f"{what}: could not mark it sent: {exc}",
                        exc,
                        changes,
                    )
                    continue
                errors("check-sent", "check-sent", guid, "", None)
                self._log_transfer(
                    "check-sent", guid, "updated", f"invoice:{found.get('Id')}",
                    f"{what} marked sent as eEkonomi invoice {found.get('InvoiceNumber')}",
                )  # fmt: skip
                run.count("updated")

    def _check_paid(self, lookups: Lookups, run: RegisterRun) -> None:
        """C22, C28: invoices paid in eEkonomi get the "paid" status and the payment date."""
        booked = invoices.BookedInvoices(lookups, self._drafts_by_guid())
        statuses = self.settings.statuses
        looking_at = [str(statuses.sent)] if statuses.sent else []
        looking_at.append(str(statuses.transferred))
        paid = str(statuses.paid)
        with self._errors(run.run_id) as errors:
            for invoice in self.severa.invoices.in_status(*looking_at):
                guid = str(invoice["guid"])
                found = booked.get(guid)
                day = invoices.paid_date(found) if found is not None else None
                if found is None or (day is None and not invoices.CustomerInvoices.is_paid(found)):
                    run.count("unchanged")
                    continue
                changes: dict[str, Any] = {"paymentDate": day}
                if not invoice.get("number") and found.get("InvoiceNumber"):
                    changes.update(invoices.sent_changes(found))  # paid before "check sent" ran
                if run.dry_run:
                    run.plan.append(self._status_plan(invoice, paid, changes))
                    run.count("updated")
                    continue
                try:
                    self.severa.invoices.set_status(guid, paid, **changes)
                except ApiError as exc:
                    if isinstance(exc, TransientError | AuthError):
                        raise
                    run.count("failed")
                    errors(
                        "check-paid",
                        "check-paid",
                        guid,
                        f"{invoices.describe_invoice(invoice)}: could not mark it paid: {exc}",
                        exc,
                        changes,
                    )
                    continue
                errors("check-paid", "check-paid", guid, "", None)
                self._log_transfer(
                    "check-paid", guid, "updated", f"invoice:{found.get('Id')}",
                    f"{invoices.describe_invoice(invoice)} marked paid on {day}",
                )  # fmt: skip
                run.count("updated")

    @staticmethod
    def _status_plan(invoice: Record, status: str, changes: dict[str, Any]) -> PlanItem:
        fields = [FieldChange(k, invoice.get(k), v) for k, v in changes.items()]
        fields.append(FieldChange("status", (invoice.get("status") or {}).get("guid"), status))
        return PlanItem(INVOICE, str(invoice["guid"]), str(invoice["guid"]), "update", fields)

    def _supplier_invoices(self, lookups: Lookups, run: RegisterRun) -> None:
        """C18, C61: each project-cost row once, as a project fee."""
        with self.store.session() as db:
            claimed = {
                str(key)
                for key in db.scalars(
                    select(Transfer.remote_key).where(
                        Transfer.integration_id == self.integration_id,
                        Transfer.document_type == SUPPLIER_COST,
                        Transfer.remote_key.is_not(None),
                    )
                )
            }
        with self._errors(run.run_id) as errors:
            for row in supplier_costs.cost_rows(lookups):
                done = self.ledger.get(SUPPLIER_COST, row.row_id)
                if done is not None and done.state == "confirmed":
                    run.count("unchanged")
                    continue
                writer = supplier_costs.FeeWriter(lookups, row, claimed)
                if run.dry_run:
                    try:
                        body = writer.body()
                    except (MappingError, ApiError) as exc:
                        run.plan.append(PlanItem(SUPPLIER_COST, row.row_id, None, "fail", error=str(exc)))
                        run.count("failed")
                        continue
                    fields = [FieldChange(k, None, v) for k, v in body.items()]
                    run.plan.append(PlanItem(SUPPLIER_COST, row.row_id, None, "create", fields))
                    run.count("created")
                    continue
                result = self.ledger.transfer(
                    SUPPLIER_COST,
                    row.row_id,
                    find=writer.find,
                    send=writer.send,
                    describe=lambda key: f"Severa project fee {key}",
                )
                if result.outcome != "failed":
                    self._log_transfer(
                        SUPPLIER_COST, row.row_id, result.outcome, result.remote_key, result.message
                    )
                if result.ok:
                    claimed.add(str(result.remote_key))
                    errors("transfer", SUPPLIER_COST, row.row_id, "", None)
                    run.count("created" if result.outcome == "transferred" else "unchanged")
                elif result.outcome == "uncertain":
                    raise TransientError(result.message)
                else:
                    run.count("failed")
                    errors(
                        "transfer",
                        SUPPLIER_COST,
                        row.row_id,
                        f"supplier-invoice row {row.text} ({row.cost}): {result.message}",
                        result.error,
                    )


def read_again(lookups: Lookups, *names: str) -> None:
    """Drop the kept copy of these :class:`Lookups` lists (cached properties): the next use reads them."""
    for name in names:
        lookups.__dict__.pop(name, None)


#: The :class:`Lookups` list a register's planned records would join (a dry run's placeholders).
_PLANNED_INTO = {"customers": "customers", "products": "articles", "projects": "project_items"}


def planned(lookups: Lookups, register: str, plan: list[PlanItem]) -> None:
    """A dry run: what ``plan`` would create stands in :class:`Lookups` as a placeholder (its planned
    fields and an ``Id`` saying it is new), so the invoices' plans show the draft they would make."""
    into: dict[str, Record] = getattr(lookups, _PLANNED_INTO[register])
    for item in plan:
        if item.action == "create" and item.target_key is not None:
            fields = {change.field: change.new for change in item.changes}
            into[str(item.target_key)] = {**fields, "Id": f"(new: {register} {item.target_key})"}


def only(stream: Stream, wanted: set[str], key: Callable[[Any], str]) -> Stream:
    """``stream`` reading only the records whose ``key`` is ``wanted`` (A2: what an invoice refers to)."""
    everything = stream.records

    def records() -> Iterable[Any]:
        return (record for record in everything() if key(record) in wanted)

    stream.records = records  # type: ignore[method-assign]
    return stream


__all__ = ["RegisterRefused", "RegisterRun", "SeveraEAccountingSession", "RunAborted"]
