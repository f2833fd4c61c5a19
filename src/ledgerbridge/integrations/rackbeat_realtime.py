"""What every "Rackbeat → accounting system" integration does the same way, whatever the ledger.

Rackbeat announces changes by webhook; master records go through a :class:`OneWaySync` (bindings and
snapshot hashes), booked documents through the transfer ledger. A subclass names its master flows,
how one document of each type is transferred, and its periodic jobs; this class receives the events,
reads documents from Rackbeat, keeps the error log, runs the safety-net scan and counts the inventory
value periods. Nothing here knows the accounting system by name.
"""

from __future__ import annotations

import math
import threading
import time
import weakref
from abc import abstractmethod
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

import structlog

from ledgerbridge.engine.binder import Binder, chunked
from ledgerbridge.engine.checkpoints import Checkpoints
from ledgerbridge.engine.errorlog import ErrorLog, resolving
from ledgerbridge.engine.ledger import Step, StepContext, TransferLedger, TransferResult, TransferSummary
from ledgerbridge.engine.periods import Frequency, closed_periods, period_id
from ledgerbridge.engine.polling import Poller
from ledgerbridge.engine.runner import OneWaySync, RunAborted
from ledgerbridge.engine.streams import MappingError, Stream
from ledgerbridge.integrations.base import Realtime
from ledgerbridge.runtime import metrics
from ledgerbridge.services.common import retry_failed
from ledgerbridge.store.db import Store
from ledgerbridge.store.models import Integration
from ledgerbridge.systems.errors import ApiError, AuthError, NotFoundError, TransientError
from ledgerbridge.systems.rackbeat import RackbeatClient

log = structlog.get_logger("ledgerbridge.transfers")

RACKBEAT = "rackbeat"

# Rackbeat event prefix → (our entity name, Rackbeat resource)
MASTER_EVENTS: dict[str, tuple[str, str]] = {
    "customer": ("customer", "customers"),
    "customer_group": ("customer_group", "customer-groups"),
    "supplier": ("supplier", "suppliers"),
    "supplier_group": ("supplier_group", "supplier-groups"),
    "product": ("product", "products"),
    "product_group": ("product_group", "product-groups"),
    "lot": ("bom", "lots"),
    "payment_terms": ("payment_term", "payment-terms"),
    "employee": ("employee", "employees"),
}
DOCUMENT_EVENTS = {"customer_invoice.booked": "invoice", "supplier_invoice.booked": "supplier-invoice"}
DOCUMENT_RESOURCES = {"invoice": "customer-invoices", "supplier-invoice": "supplier-invoices"}


def rackbeat_summary(document: Mapping[str, Any], party: str) -> TransferSummary:
    """A Rackbeat invoice as a bookkeeper knows it: its ``party``'s ("customer"/"supplier") name, gross
    total and currency, for the transfer ledger."""
    who = document.get(party)
    name = (who.get("name") if isinstance(who, Mapping) else None) or document.get("address_name")
    total = document.get("total_total")
    return TransferSummary(
        counterparty=str(name) if name else None,
        amount=None if total in (None, "") else Decimal(str(total)),
        currency=str(document.get("currency") or "") or None,
    )


class RackbeatRealtime(Realtime):
    webhook_source: ClassVar[str] = RACKBEAT
    #: the Rackbeat master events this integration listens to (a subset of MASTER_EVENTS)
    master_events: ClassVar[Mapping[str, tuple[str, str]]] = MASTER_EVENTS
    #: the accounting system's name in bindings, e.g. "economic"
    ledger_side: ClassVar[str]
    #: a remote key in words per document type ("e-conomic invoice 5"), for "already transferred as …"
    remote_words: ClassVar[Mapping[str, Callable[[str], str]]] = {}

    def __init__(
        self,
        store: Store,
        integration_id: int,
        rackbeat: RackbeatClient,
        settings: Any,
        sides: tuple[str, str],
        master: OneWaySync,
    ) -> None:
        self.store = store
        self.integration_id = integration_id
        self.rackbeat = rackbeat
        self.settings = settings
        self.sides = sides
        self.master = master
        self.ledger = TransferLedger(store, integration_id)
        self._last_runs: dict[str, float] = {}
        self._every: dict[str, float] = {}  # each periodic job's interval, as periodic() last asked

    # -- what a subclass says ------------------------------------------------------------------------------
    @abstractmethod
    def transfer_document(self, document_type: str, document: dict[str, Any]) -> TransferResult:
        """Transfer one booked Rackbeat document (its type is a key of DOCUMENT_RESOURCES)."""

    def handle_master(self, entity: str, key: str) -> str:
        """A Rackbeat master record was created or updated."""
        return self.master.sync_one(entity, key)

    def handle_other(self, event: str, key: str, payload: dict[str, Any]) -> str:
        """An event that is not Rackbeat's (e.g. the accounting system's own web hooks)."""
        return "ignored"

    # -- subscription ------------------------------------------------------------------------------------
    def webhook_events(self) -> list[str]:
        events = [f"{prefix}.{action}" for prefix in self.master_events for action in ("created", "updated")]
        return [*events, *DOCUMENT_EVENTS]

    def subscribe(self, url: str) -> dict[str, str]:
        return {
            event: self.rackbeat.subscribe_webhook(event, url)["token"] for event in self.webhook_events()
        }

    def subscribed(self, url: str) -> set[str]:
        return {
            str(hook["event"])
            for hook in self.rackbeat.list_webhooks()
            if hook.get("url") == url and hook.get("is_active", True)
        }

    # -- handling ----------------------------------------------------------------------------------------
    def handle(self, event: str, key: str, payload: dict[str, Any] | None = None) -> str:
        if event in DOCUMENT_EVENTS:
            result = self.transfer(DOCUMENT_EVENTS[event], key)
            # Uncertain: retried with back-off, the ledger finds it first. In progress elsewhere (a manual
            # transfer, another worker): looked at again after a back-off, never settled as done while
            # the other attempt may still fail or die.
            if result.outcome in ("uncertain", "in_progress"):
                raise RunAborted(result.message)
            return result.message if result.ok else retry_failed(result.message)
        prefix, _, action = event.rpartition(".")
        # The error log names entities ("bom"), Rackbeat names events ("lot"): a retry may use either.
        prefix = next((p for p, (entity, _) in self.master_events.items() if entity == prefix), prefix)
        if prefix in self.master_events and action in ("created", "updated"):
            entity, _ = self.master_events[prefix]
            with master_lock(self.master):  # not beside a document's sync of the same record
                return self.handle_master(entity, key)
        if prefix in MASTER_EVENTS:
            return "ignored"  # deletions never delete bookkeeping records
        return self.handle_other(event, key, payload or {})

    def parallel(self, event: str) -> bool:
        """Booked documents go side by side (their customers and items are synced under
        :func:`master_lock`); master-data events one by one, in order."""
        return event in DOCUMENT_EVENTS

    def bound(self, entity: str, system: str, key: str) -> bool:
        with self.store.reading() as session:
            return Binder(session, self.integration_id, self.sides).find(entity, system, key) is not None

    def bound_keys(self, entity: str, system: str, keys: Iterable[str]) -> set[str]:
        """Which of ``system``'s ``keys`` have a binding: one query per chunk of keys, for a poll that
        holds a page of records (:meth:`bound` asks once per record)."""
        with self.store.session() as session:
            return Binder(session, self.integration_id, self.sides).bound_keys(entity, system, keys)

    # -- documents -------------------------------------------------------------------------------------
    def transfer(self, document_type: str, key: str) -> TransferResult:
        if document_type not in DOCUMENT_RESOURCES:
            raise MappingError(f"unknown document type {document_type!r} (invoice, supplier-invoice)")
        done = self._already_done(document_type, key)
        if done is not None:
            return done
        try:
            document = self.rackbeat.get(DOCUMENT_RESOURCES[document_type], key)
        except NotFoundError:
            return self.refuse(document_type, key, f"Rackbeat has no {document_type.replace('-', ' ')} {key}")
        except (TransientError, AuthError) as exc:
            return TransferResult(
                "uncertain", None, f"could not read it from Rackbeat: {exc.remote_message}", exc
            )
        if not document.get("is_booked"):
            return self.refuse(
                document_type,
                key,
                f"{document_type.replace('-', ' ')} {key} is not booked in "
                "Rackbeat yet; only booked documents are transferred",
            )
        return self.transfer_document(document_type, document)

    def _already_done(self, document_type: str, key: str) -> TransferResult | None:
        """The ledger's answer when every step of the transfer is done: a repeated delivery, a scan or a
        re-run then costs no call to Rackbeat (the ledger would answer "already" after the read anyway)."""
        row = self.ledger.get(document_type, key)
        if row is None or row.state != "confirmed":
            return None
        words = self.remote_words.get(document_type, str)(row.remote_key or "")
        result = TransferResult("already", row.remote_key, f"already transferred as {words}")
        self.after_transfer(document_type, key, result, None)
        return result

    def map_document(
        self, document_type: str, key: str, mapping: Callable[[], dict[str, Any]]
    ) -> dict[str, Any] | TransferResult:
        """The document's payload, or the result that explains why there is none (refused or uncertain)."""
        try:
            return mapping()
        except MappingError as exc:
            return self.refuse(document_type, key, str(exc))
        except (TransientError, AuthError) as exc:
            return TransferResult("uncertain", None, exc.remote_message, exc)
        except ApiError as exc:
            return self.refuse(document_type, key, exc.remote_message, exc)

    def mark_sent_step(self, key: str) -> Step:
        """The follow-up step that marks a Rackbeat customer invoice as sent (a PUT of the same value:
        safe to repeat)."""

        def mark_sent(ctx: StepContext) -> str:
            self.rackbeat.update("customer-invoices", key, {"is_sent": True}, suppress_webhooks=True)
            return "sent"

        return Step("mark-sent", mark_sent, title="mark it as sent in Rackbeat")

    def after_transfer(self, document_type: str, key: str, result: TransferResult, payload: Any) -> None:
        metrics.TRANSFERS.labels(self._integration_name(), document_type, result.outcome).inc()
        # One line per transfer (a failure's line, with the remote message, comes from the error log).
        if result.outcome != "failed":
            log.info(
                "transfer",
                integration_id=self.integration_id,
                document_type=document_type,
                record_key=key,
                outcome=result.outcome,
                remote_key=result.remote_key,
                message=result.message,
            )
        for note in result.notes:
            self.log("warning", document_type, key, note, None, None)
        if result.outcome == "failed":
            self.log(
                "transfer",
                document_type,
                key,
                result.message,
                result.error if isinstance(result.error, ApiError) else None,
                payload,
            )
        elif result.ok:
            with self.store.single_statements() as connection:
                connection.execute(resolving(self.integration_id, "transfer", document_type, key))

    def _integration_name(self) -> str:
        """The integration's name, as the metrics' ``integration`` label (read once)."""
        name: str | None = getattr(self, "_name_for_metrics", None)
        if name is None:
            with self.store.session() as session:
                row = session.get(Integration, self.integration_id)
                name = row.name if row is not None else str(self.integration_id)
            self._name_for_metrics = name
        return name

    def refuse(
        self, document_type: str, key: str, message: str, exc: ApiError | None = None
    ) -> TransferResult:
        self.log("transfer", document_type, key, message, exc, None)
        return TransferResult("failed", None, message, exc)

    def log(
        self, operation: str, entity: str, key: str, message: str, exc: ApiError | None, payload: Any
    ) -> None:
        with self.store.session() as session:
            ErrorLog(session, self.integration_id).record(
                operation=operation,
                entity=entity,
                record_key=str(key),
                message=f"{entity.replace('-', ' ')} {key}: {message}",
                remote_message=exc.remote_message if exc else None,
                status_code=exc.status_code if exc else None,
                payload=payload if isinstance(payload, dict) else None,
                response=exc.body if exc else None,
            )

    # -- the safety net ----------------------------------------------------------------------------------
    def scan(self, since: datetime | None) -> Iterable[tuple[str, str]]:
        """Every master record Rackbeat changed since ``since`` and since we last synced it, every
        booked document the ledger does not know yet, and every document whose follow-up steps are not
        all done.

        A record whose ``updated_at`` is not after its binding's last sync is skipped: the start-up
        sync's own records, and records a webhook already brought over, cost nothing here. Rackbeat
        stamps changes to the second and its clock is compared with ours: a change in the same second
        as our sync of that record, or hidden by clock skew, is left to its webhook.
        """
        params = {"updated_at_from": since.strftime("%Y-%m-%d %H:%M:%S")} if since else {}
        found: list[tuple[str, str]] = []
        try:
            with self.store.session() as session:
                binder = Binder(session, self.integration_id, self.sides)
                for prefix, (entity, resource) in self.master_events.items():
                    for chunk in chunked(self.rackbeat.iter_all(resource, params=params)):
                        # One query for a chunk's bindings, not one per record (a scan with no
                        # bookmark reads the whole catalogue).
                        binder.prefetch(entity, RACKBEAT, (str(r["number"]) for r in chunk))
                        for record in chunk:
                            binding = binder.find(entity, RACKBEAT, str(record["number"]))
                            if binding is not None and not changed_since(
                                record.get("updated_at"), binding.synced_at
                            ):
                                continue
                            found.append((f"{prefix}.updated", str(record["number"])))
            for event, document_type in DOCUMENT_EVENTS.items():
                booked = self.rackbeat.iter_all(
                    DOCUMENT_RESOURCES[document_type], params={**params, "is_booked": "true"}
                )
                for numbers in chunked(str(r["number"]) for r in booked if r.get("is_booked")):
                    known = self.ledger.known(document_type, numbers)  # one query a chunk
                    found += [(event, number) for number in numbers if number not in known]
        except (TransientError, AuthError) as exc:
            raise RunAborted(f"safety-net scan: {exc.remote_message}") from exc
        # Documents that arrived but whose follow-up steps are not all done (mark as sent, e-mail, ...):
        # their event again, so a step left behind is resumed even when its own item is long settled.
        events = {document_type: event for event, document_type in DOCUMENT_EVENTS.items()}
        seen = set(found)
        found += [
            (events[t.document_type], t.source_key)
            for t in self.ledger.unfinished()
            if t.document_type in events and (events[t.document_type], t.source_key) not in seen
        ]
        return found

    # -- scheduling ----------------------------------------------------------------------------------------
    def poller(self, stream: Stream) -> Poller:
        """``stream``'s poll cursor, starting where the start-up sync ended."""
        with self.store.session() as session:
            row = session.get(Integration, self.integration_id)
            started = row.startup_completed_at if row is not None else None
        return Poller(self.store, self.integration_id, stream.cursor_name, start_from=started)

    def due(self, job: str, every_seconds: float) -> bool:
        now = time.monotonic()
        self._every[job] = every_seconds  # periodic_wait() tells the hub when the next one is due
        if now - self._last_runs.get(job, float("-inf")) < every_seconds:
            return False
        self._last_runs[job] = now
        return True

    def periodic_wait(self) -> float | None:
        """Seconds until a poll is due (of those :meth:`periodic` asked about); None while the inventory
        value is on (its periods are looked at every round)."""
        inventory = getattr(self.settings, "inventory_value", None)
        if inventory is not None and inventory.enabled:
            return None
        now = time.monotonic()
        waits = [self._last_runs.get(job, now) + every - now for job, every in self._every.items()]
        return max(0.0, min(waits)) if waits else math.inf

    def periodic_schedule(self) -> dict[str, float]:
        return dict(self._last_runs)

    def resume_periodic(self, schedule: Any) -> None:
        self._last_runs.update(schedule)  # monotonic times of this process: they carry over as they are

    # -- inventory value -------------------------------------------------------------------------------
    def post_inventory_periods(
        self,
        now: datetime,
        frequency: Frequency,
        post: Callable[[Decimal, date, str], TransferResult],
    ) -> list[str]:
        """Each inventory period closed since the last run: its change in value posted once by ``post``.

        The first run records the value as the starting point and posts nothing: the opening stock is
        already in the books. After downtime every missed period is posted once, oldest first.
        """
        today = now.date()
        with self.store.session() as session:
            state = Checkpoints(session, self.integration_id).get("inventory_value")
        if state is None:
            value = self.valuation(today - timedelta(days=1))
            self._save_inventory_state(today - timedelta(days=1), value)
            return [
                f"inventory value starting point {value} recorded; the next period's change will be posted"
            ]
        done = []
        last_end = date.fromisoformat(state["last_end"])
        last_value = Decimal(state["last_value"])
        for end in closed_periods(last_end, today, frequency):
            value = self.valuation(end)
            change = value - last_value
            period = period_id(end, frequency)
            if change:
                result = post(change, end, period)
                if not result.ok:
                    break  # keep the period open; the next run tries again from here
                done.append(f"inventory value {period}: {change:+} ({result.message})")
            else:
                done.append(f"inventory value {period}: unchanged")
            last_end, last_value = end, value
            self._save_inventory_state(last_end, last_value)
        return done

    def valuation(self, day: date) -> Decimal:
        try:
            return Decimal(str(self.rackbeat.get_valuation(day)["total_value"]))
        except (TransientError, AuthError) as exc:
            raise RunAborted(f"inventory valuation: {exc.remote_message}") from exc

    def _save_inventory_state(self, end: date, value: Decimal) -> None:
        with self.store.session() as session:
            Checkpoints(session, self.integration_id).put(
                "inventory_value", {"last_end": end.isoformat(), "last_value": str(value)}
            )


def changed_since(updated_at: Any, synced_at: datetime) -> bool:
    """Did Rackbeat change the record after we synced it? Unknown times count as changed."""
    if not updated_at:
        return True
    try:
        changed = datetime.fromisoformat(str(updated_at).replace("Z", "+00:00"))
    except ValueError:
        return True
    if changed.tzinfo is None:
        changed = changed.replace(tzinfo=UTC)
    synced = synced_at if synced_at.tzinfo else synced_at.replace(tzinfo=UTC)
    return changed > synced


class MasterLock:
    """One integration's master-data lock: a re-entrant lock in this process and, while a thread holds it
    (outermost only), the store's advisory lock across processes, so cluster workers working documents of
    one integration side by side also create a new customer once (:meth:`Store.advisory_lock`)."""

    def __init__(self, sync: OneWaySync) -> None:
        self._sync = sync
        self._local = threading.RLock()
        self._held: list[Any] = []  # the holding thread's shared locks, outermost first (None when nested)

    def __enter__(self) -> None:
        self._local.acquire()
        if self._held:  # this thread holds it already
            self._held.append(None)
            return
        try:
            shared = self._sync.store.advisory_lock(f"ledgerbridge:master:{self._sync.integration_id}")
            shared.__enter__()
        except BaseException:
            self._local.release()
            raise
        self._held.append(shared)

    def __exit__(self, *exc: object) -> None:
        try:
            shared = self._held.pop()
            if shared is not None:
                shared.__exit__(None, None, None)
        finally:
            self._local.release()


_MASTER_LOCKS: weakref.WeakKeyDictionary[OneWaySync, MasterLock] = weakref.WeakKeyDictionary()
_MASTER_LOCKS_GUARD = threading.Lock()


def master_lock(sync: OneWaySync) -> MasterLock:
    """One lock per master-data sync (that is, per open integration): records are synced one at a time
    even while documents that need them are worked side by side (by this process's threads or by other
    cluster workers)."""
    with _MASTER_LOCKS_GUARD:
        lock = _MASTER_LOCKS.get(sync)
        if lock is None:
            lock = _MASTER_LOCKS[sync] = MasterLock(sync)
        return lock


class MasterRefs:
    """What document mappers may ask: Rackbeat number → the ledger's key (syncing it first when new).

    :meth:`prefetch` reads the bindings of the records a document refers to in one query before it is
    mapped; each ask then answers from what was read, and anything else is looked up on its own."""

    def __init__(self, sync: OneWaySync) -> None:
        self.sync = sync
        # (entity, Rackbeat number) → the ledger's key, or None: not bound when read.
        self._read: dict[tuple[str, str], str | None] = {}

    def prefetch(self, refs: Iterable[tuple[str, Any]]) -> None:
        """Read the bindings of these ``(entity, Rackbeat number)`` references together (one session, one
        query), for a document whose mapper will ask for them; empty numbers are skipped."""
        wanted = [
            (entity, str(number))
            for entity, number in refs
            if number not in (None, "") and (entity, str(number)) not in self._read
        ]
        if not wanted:
            return
        with self.sync.store.reading() as session:
            found = Binder(session, self.sync.integration_id, self.sync.sides).other_keys(RACKBEAT, wanted)
        for ref in wanted:
            self._read[ref] = found.get(ref)

    def bound(self, entity: str, number: Any) -> str | None:
        """The ledger's key of a bound Rackbeat record, None if it has none: as prefetched, else read now."""
        ref = (entity, str(number))
        return self._read[ref] if ref in self._read else self._bound(entity, number)

    def __call__(self, entity: str, number: Any) -> str:
        sync = self.sync
        # A bound record is kept current by its own webhooks: use it as it is (no extra calls).
        bound = self.bound(entity, number)
        if bound is not None:
            return bound
        # Not bound when read: never final. The record is synced first (which looks again, under the lock),
        # then its binding read anew.
        self._read.pop((entity, str(number)), None)
        if any(f.entity == entity for f in sync.streams):
            # Documents are worked side by side: two invoices of one new customer create it once.
            with master_lock(sync):
                outcome = sync.sync_one(entity, number)
            if outcome == "failed":
                raise MappingError(
                    f"{entity.replace('_', ' ')} {number} could not be synced (see the error log)"
                )
            if outcome == "gone":
                raise MappingError(f"{entity.replace('_', ' ')} {number} does not exist in Rackbeat")
        synced = self._bound(entity, number)
        if synced is not None:
            self._read[(entity, str(number))] = synced
        return synced or str(number)

    def _bound(self, entity: str, number: Any) -> str | None:
        with self.sync.store.session() as session:
            return Binder(session, self.sync.integration_id, self.sync.sides).other_key(
                entity, RACKBEAT, str(number)
            )
