"""Cluster mode: PostgreSQL and Procrastinate workers, for a provider that hosts many companies.

In embedded mode one process receives webhooks and works the inbox in a thread. In cluster mode the
web processes (``ledgerbridge serve --cluster``) only receive: a webhook is stored in the inbox, as
always, and a Procrastinate job is deferred; any number of ``ledgerbridge worker`` processes do the work:

- ``dispatch`` (one queued and one running at a time: its queueing lock and its lock) looks for pending
  inbox items without a job and defers a ``document`` job per document and a ``process`` job per
  integration with other (master-data) items;
- ``document`` works one document (``RealtimeHub.process_document``). Its Procrastinate *lock* is the
  integration and the document's key (``document:<id>:<entity>:<key>``), its queueing lock the inbox item:
  documents of one integration run side by side in every worker, never one document twice at once. A
  document behind master data of its integration that arrived earlier and was not tried yet waits (the
  job is deferred again a second later): a customer before its invoice. A reference a document creates
  (a new customer) is created under the integration's master lock, which spans processes
  (``Store.advisory_lock``). A transient failure defers the job again to when it is due;
- ``process`` works one integration's master-data items one by one, oldest first; its lock is the
  integration. An item whose processing raises is settled failed with an error-log entry, in both jobs.
  Items left pending after a transient failure are looked at again a few seconds later (a scheduled
  ``process`` job), and by the next ``tick`` in any case;
- ``tick`` (every minute, one at a time across the cluster) runs the safety-net scan and the periodic
  jobs (order polls, master-data polls, inventory values), then queues a dispatch.

Each worker also closes, on a timer of its own (``runtime.threads.idle_jobs``), the connection pools and
integration sessions it has not used for a while, so a worker that met a thousand tenants keeps none
of them open.

The inbox table stays the source of truth: a lost job loses nothing, because ``tick`` dispatches every
pending item again. Exactly-once documents still rest on the transfer ledger, not on the queue.

A worker killed hard (kill -9, a lost machine) leaves its jobs ``doing``, and with them their locks
(``integration:<id>``, ``document:…``, ``tick``): those documents, that integration's master data and the
tick would never run again. Every worker sends a heartbeat; at its start and every few seconds each
worker puts the jobs of workers whose heartbeat is older than ``LEDGERBRIDGE_STALLED_WORKER_SECONDS`` (30)
back to ``todo`` (``recover_stalled``), which frees the locks. Running such a job twice is harmless: the
inbox and the ledger decide what is left to do.

Rate limits belong to credentials, not to workers: while a worker works (and while a web process has the
queue open), the clients it opens take their calls from the cluster's shared budget per credential in
PostgreSQL (``runtime/shared_pacing.py``), so two workers together stay under one Rackbeat token's limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select as io_select
import signal
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import procrastinate
import psycopg
import psycopg_pool
import structlog
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import String, cast, exists, func, literal, literal_column, select, text
from sqlalchemy.engine import make_url

from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.runtime.shared_pacing import SharedBudgets
from ledgerbridge.runtime.tenants import QuietScans
from ledgerbridge.runtime.threads import Scheduler, idle_jobs
from ledgerbridge.service import Ledgerbridge, UserError
from ledgerbridge.store.models import InboxItem, Integration
from ledgerbridge.systems.pacing import budgets_from

RETRY_PENDING_SECONDS = 5
DISPATCH_LIMIT = 5000  # pending items looked at per dispatch (the next dispatch or tick takes the rest)
NOTIFY_SECONDS = 0.05  # deliveries within this long share one dispatch job
DEFAULT_STALLED_WORKER_SECONDS = 30.0  # a worker silent this long is gone: its jobs are run again
EMBEDDED_LANES = 8  # integrations embedded mode works side by side (runtime/threads.py): a worker as many
# After this many jobs deferred, this process refreshes PostgreSQL's statistics of the job table. Where
# they still describe an empty queue, the plan for fetching a job reads every queued job (and checks each
# one's lock) instead of walking the priority index to the first: ~150 ms a fetch with 2,000 jobs queued,
# which capped a worker at ~17 jobs a second (~300 after ANALYZE; benchmarks/queue_fetch.py). Autovacuum
# gets there too, but up to a minute later.
ANALYZE_EVERY = 200
# A queue connection idle at least this long is checked (a round trip) before it is lent again.
CHECK_IDLE_SECONDS = 5.0
log = structlog.get_logger("ledgerbridge.runtime")


def conninfo(database_url: str) -> str:
    """A libpq connection string from our SQLAlchemy URL (``postgresql+psycopg://u@h/db`` → ``postgresql://…``)."""
    url = make_url(database_url)
    if not url.drivername.startswith("postgresql"):
        raise UserError(
            "cluster mode needs PostgreSQL: set LEDGERBRIDGE_DATABASE_URL=postgresql+psycopg://user@host/db"
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _has_input(connection: psycopg.AsyncConnection[Any]) -> bool:
    """Whether an idle connection's socket has something to read (one system call, no round trip)."""
    try:
        readable, _, _ = io_select.select([connection.fileno()], [], [], 0)
    except (OSError, ValueError):  # closed already
        return True
    return bool(readable)


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop where it is installed, else asyncio's own (None). A worker's event loop fetches and
    finishes a job per document: on asyncio's loop that bookkeeping held the GIL its jobs' threads wait
    for (a worker is one process: its loop and its jobs share one core's worth of Python)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency where it builds
        return None
    return uvloop.new_event_loop


async def _autocommit(connection: psycopg.AsyncConnection[Any]) -> None:
    await connection.set_autocommit(True)


def queue_pool(**options: Any) -> psycopg_pool.AsyncConnectionPool:
    """The Procrastinate connector's pool, checking only connections that sat idle or heard something.

    Procrastinate's pool checks every connection it lends with a round trip, and a worker borrows one to
    fetch each job and again to finish it: with a job per document, a sixth of a worker's CPU went to
    queue calls. A connection lent within the last ``CHECK_IDLE_SECONDS`` was just working and is lent as
    it is, unless its socket has something to read: nothing is due on an idle connection but the server's
    goodbye (a restart, a terminated backend), and then it is checked (and replaced).

    Its connections are in autocommit: every query Procrastinate sends on its own is one statement (a
    function call that is its own transaction), and psycopg otherwise opens a transaction with a BEGIN of
    its own and the pool ends it with a COMMIT: three round trips to fetch a job and three to finish it,
    where one each does the same.
    """
    lent_at: weakref.WeakKeyDictionary[psycopg.AsyncConnection[Any], float] = weakref.WeakKeyDictionary()

    async def check(connection: psycopg.AsyncConnection[Any]) -> None:
        now = time.monotonic()
        if now - lent_at.get(connection, -CHECK_IDLE_SECONDS) >= CHECK_IDLE_SECONDS or _has_input(connection):
            await psycopg_pool.AsyncConnectionPool.check_connection(connection)
        lent_at[connection] = now

    options["check"] = check
    options["configure"] = _autocommit
    return psycopg_pool.AsyncConnectionPool(**options)


class Cluster:
    """The Procrastinate app of one ledgerbridge installation, with its tasks bound to a hub."""

    def __init__(self, service: Ledgerbridge, hub: RealtimeHub | None = None) -> None:
        self.service = service
        self.hub = hub or RealtimeHub(service)
        self.app = procrastinate.App(
            connector=procrastinate.PsycopgConnector(
                conninfo=conninfo(service.config.database_url), pool_factory=queue_pool
            )
        )
        self.dispatched = 0  # process jobs deferred by dispatch (tests, metrics)
        self._unanalyzed = 0  # jobs deferred since the job table's statistics were refreshed
        self._analyze_lock = threading.Lock()
        self.scans = QuietScans(self.hub)
        self._wanted = threading.Event()
        self._notifier: threading.Thread | None = None
        self._notifier_lock = threading.Lock()
        self.budgets = SharedBudgets(service.store.engine)  # the credentials' limits, shared by the cluster
        self._define_tasks()

    # -- the tasks -----------------------------------------------------------------------------------------
    def _define_tasks(self) -> None:
        app, hub = self.app, self.hub

        # One waiting and one running at a time: two dispatches running together both saw the same items
        # without a job, and the second queued a job again for an item whose first job already ran.
        @app.task(name="ledgerbridge.dispatch", queue="dispatch", queueing_lock="dispatch", lock="dispatch")
        def dispatch() -> int:
            return self.dispatch()

        @app.task(name="ledgerbridge.process", queue="inbox")
        def process(integration_id: int) -> int:
            settled, left = hub.process_in_order(integration_id)
            if left:
                # Items still pending (a transient failure, or more arrived): look again shortly.
                self._defer_process(integration_id, schedule_in={"seconds": RETRY_PENDING_SECONDS})
            return settled

        @app.task(name="ledgerbridge.document", queue="inbox", pass_context=True)
        def document(context: procrastinate.JobContext, item_id: int, clear: bool = False) -> str:
            # ``clear``: dispatch saw no master data pending before it (none can arrive before it later)
            outcome, seconds = hub.process_document(item_id, behind_master=not clear)
            if outcome in ("waiting", "later"):  # behind master data, or a transient failure: again later
                lock = context.job.lock if context.job else None
                self._defer_documents(
                    [(item_id, lock or f"item:{item_id}")], schedule_in={"seconds": seconds}
                )
            return outcome

        @app.periodic(cron="* * * * *", periodic_id="tick")
        @app.task(name="ledgerbridge.tick", queue="dispatch", queueing_lock="tick", lock="tick")
        def tick(timestamp: int) -> None:
            self.scans.run()  # integrations whose scans find nothing are scanned less often
            hub.periodic_all()
            if timestamp % 3600 < 60:  # once an hour: settled rows past the retention period go
                self.service.prune()
            self._defer_dispatch()  # a dispatch job, under its run lock: never beside another dispatch

        self.dispatch_task, self.process_task, self.tick_task = dispatch, process, tick
        self.document_task = document

    def dispatch(self) -> int:
        """Defer a ``document`` job per pending document that has none queued or running (its lock: the
        integration and the document's key), and a ``process`` job per integration with other pending
        items (master data, worked in order); returns how many jobs were deferred."""
        table = InboxItem.__table__
        with self.service.store.session() as db:
            rows = db.execute(
                select(InboxItem.id, InboxItem.integration_id, InboxItem.event, InboxItem.record_key)
                .where(
                    InboxItem.state == "pending",
                    ~exists(
                        select(literal_column("1"))
                        .select_from(text("procrastinate_jobs"))
                        .where(
                            text("procrastinate_jobs.status IN ('todo', 'doing')"),
                            literal_column("procrastinate_jobs.queueing_lock")
                            == literal("item:") + cast(table.c.id, String),
                        )
                    ),
                )
                .order_by(InboxItem.id)
                .limit(DISPATCH_LIMIT)
            ).all()
        documents: list[tuple[int, str]] = []
        clear: set[int] = set()  # documents with no master data of theirs pending before them (rows: by id)
        in_order: set[int] = set()
        for item_id, integration_id, event, record_key in rows:
            try:
                _, session = self.hub._session_by_id(integration_id)
            except UserError:
                in_order.add(integration_id)  # its process job settles the items (integration gone)
                continue
            if session.parallel(event):
                entity = event.rsplit(".", 1)[0]
                documents.append((item_id, f"document:{integration_id}:{entity}:{record_key}"))
                if integration_id not in in_order:
                    clear.add(item_id)
            else:
                in_order.add(integration_id)
        deferred = self._defer_documents(documents, clear=clear)
        return deferred + sum(self._defer_process(integration_id) for integration_id in sorted(in_order))

    def _defer_documents(
        self, documents: list[tuple[int, str]], *, clear: set[int] | None = None, **options: Any
    ) -> int:
        """Defer ``document`` jobs for ``(item id, lock)``: one queued per item (its queueing lock), one
        running per document key (its lock); in one round trip where none is queued already. Items in
        ``clear`` had no master data pending before them: their jobs need not look."""
        if not documents:
            return 0
        clear = clear or set()
        jobs = [
            self.document_task.configure(lock=lock, queueing_lock=f"item:{item_id}", **options).job.evolve(
                task_kwargs={"item_id": item_id, **({"clear": True} if item_id in clear else {})}
            )
            for item_id, lock in documents
        ]
        try:
            self.app.job_manager.batch_defer_jobs(jobs)
        except AlreadyEnqueued:  # one was queued meanwhile (another dispatch): the rest one by one
            return sum(self._defer_one(job) for job in jobs)
        self._deferred(len(jobs))
        return len(jobs)

    def _deferred(self, count: int) -> None:
        """Count ``count`` jobs deferred; every ``ANALYZE_EVERY`` the job table's statistics are refreshed
        (see there: a backlog queued at once otherwise made every fetch read the whole queue)."""
        self.dispatched += count
        with self._analyze_lock:
            self._unanalyzed += count
            if self._unanalyzed < ANALYZE_EVERY:
                return
            self._unanalyzed = 0
        try:
            with self.service.store.engine.begin() as connection:
                connection.execute(text("ANALYZE procrastinate_jobs"))
        except Exception:  # noqa: BLE001 - only a plan is at stake; autovacuum analyzes it in time anyway
            log.warning("could not refresh the job table's statistics", exc_info=True)

    def _defer_one(self, job: Any) -> bool:
        try:
            self.app.job_manager.defer_job(job)
        except AlreadyEnqueued:
            return False
        self.dispatched += 1
        return True

    def _defer_process(self, integration_id: int, **options: Any) -> bool:
        try:
            self.process_task.configure(
                lock=f"integration:{integration_id}", queueing_lock=f"inbox:{integration_id}", **options
            ).defer(integration_id=integration_id)
        except AlreadyEnqueued:
            return False  # one is already waiting: it will see this item too
        self.dispatched += 1
        return True

    # -- what web processes and the CLI call -------------------------------------------------------------
    def notify(self) -> None:
        """A webhook was stored: have a worker look. Deliveries arriving together share one dispatch
        job: a thread defers it at most every ``NOTIFY_SECONDS``, after the items were committed (so the
        job sees them), and the request answering the delivery never waits for the queue."""
        self._wanted.set()
        with self._notifier_lock:
            if self._notifier is None or not self._notifier.is_alive():
                self._notifier = threading.Thread(
                    target=self._notify_loop, name="ledgerbridge-notify", daemon=True
                )
                self._notifier.start()

    def _notify_loop(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            try:
                self._defer_dispatch()
            except Exception:  # the queue's database is away: the next tick dispatches anyway
                log.exception("could not queue a dispatch job")
            time.sleep(NOTIFY_SECONDS)

    def _defer_dispatch(self) -> bool:
        try:
            self.dispatch_task.defer()
        except AlreadyEnqueued:
            return False  # one is waiting: it will see these items too
        return True

    def ensure_schema(self) -> bool:
        """Create Procrastinate's tables if this database has none yet; True if this call did.

        Workers starting together may race to it: the loser finds the tables there and goes on.
        """
        if self._has_schema():
            return False
        try:
            with self.app.open():
                self.app.schema_manager.apply_schema()
        except Exception:
            if self._has_schema():
                return False
            raise
        return True

    def _has_schema(self) -> bool:
        with self.service.store.session() as db:
            return db.execute(select(func.to_regclass("procrastinate_jobs"))).scalar() is not None

    def default_concurrency(self) -> int:
        """Jobs a worker works at once unless told: as many documents as embedded mode would work for the
        integrations there are at its start (one lane per integration, at most EMBEDDED_LANES, each up to
        ``document_concurrency``). Fewer, and a backlog spread over many tenants waits on the far sides'
        answers with the cores idle; more for one integration, and its documents only queue for its rate
        limits (a long wait sends a document back to the queue, to be started over later)."""
        with self.service.store.session() as db:
            integrations = int(db.scalar(select(func.count(Integration.id))) or 0)
        return max(1, min(EMBEDDED_LANES, integrations)) * self.hub.document_concurrency

    def run_worker(self, *, wait: bool = True, concurrency: int | None = None, **options: Any) -> None:
        """Work the queues; with ``wait=False`` it returns once no job is left (tests, one-shot runs).

        Procrastinate's worker runs its own event loop; where this thread already has one running (an
        embedding application), the worker gets a thread of its own. In the main thread SIGINT/SIGTERM
        stop it cleanly: no new inbox item is started, the jobs running finish, the rest stays pending.
        """

        def work() -> None:
            signals = wait and threading.current_thread() is threading.main_thread()
            with budgets_from(self.budgets), asyncio.Runner(loop_factory=event_loop_factory()) as runner:
                # (the clients the jobs open pace with the cluster)
                runner.run(self._work(wait=wait, concurrency=concurrency, handle_signals=signals, **options))

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            work()  # no loop here: the usual case (`ledgerbridge worker`)
            return
        failure: list[BaseException] = []

        def in_thread() -> None:
            try:
                work()
            except BaseException as exc:  # noqa: BLE001 - handed back to the caller below
                failure.append(exc)

        thread = threading.Thread(target=in_thread, name="procrastinate-worker")
        thread.start()
        thread.join()
        if failure:
            raise failure[0]

    async def _work(
        self, *, wait: bool, concurrency: int | None, handle_signals: bool, **options: Any
    ) -> None:
        stalled_after = self.stalled_worker_seconds
        # Each document is a job, run on a thread of its own (Procrastinate runs synchronous tasks on the
        # loop's default executor): threads enough for the jobs at once, plus a few for the rest.
        concurrency = concurrency or self.default_concurrency()
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(max_workers=concurrency + 4, thread_name_prefix="lb-job")
        )
        async with self.app.open_async():
            await self.recover_stalled()  # what workers killed before this start left behind
            worker = asyncio.create_task(
                self.app.run_worker_async(
                    wait=wait,
                    concurrency=concurrency,
                    install_signal_handlers=False,  # ours below: the hub must stop taking items first
                    listen_notify=wait,
                    update_heartbeat_interval=stalled_after / 3,
                    stalled_worker_timeout=stalled_after,
                    # A job per document: the finished ones go, or the table grows by every document.
                    # Failed ones stay for a look (the inbox and the error log hold what matters).
                    **{"delete_jobs": "successful", **options},
                )
            )
            watchdog = asyncio.create_task(self._recover_periodically(stalled_after / 3)) if wait else None
            # Idle tenants' connection pools and sessions are closed, as in a serving process.
            idle = Scheduler(idle_jobs(self.hub), tick_seconds=1.0) if wait else None
            if idle is not None:
                idle.start()
            stopping = False

            def stop() -> None:
                nonlocal stopping
                stopping = True
                self.hub.stop()  # running items finish; no new one starts (the rest stays pending)
                worker.cancel()  # Procrastinate's clean stop: no new job, waits for the running ones

            loop = asyncio.get_running_loop()
            if handle_signals:
                for signum in (signal.SIGINT, signal.SIGTERM):
                    loop.add_signal_handler(signum, stop)
            try:
                await worker
            except asyncio.CancelledError:
                if not stopping:
                    raise
            finally:
                if handle_signals:
                    for signum in (signal.SIGINT, signal.SIGTERM):
                        loop.remove_signal_handler(signum)
                if idle is not None:
                    idle.stop()
                if watchdog is not None:
                    watchdog.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await watchdog

    @property
    def stalled_worker_seconds(self) -> float:
        return float(os.environ.get("LEDGERBRIDGE_STALLED_WORKER_SECONDS") or DEFAULT_STALLED_WORKER_SECONDS)

    async def recover_stalled(self) -> int:
        """Put the ``doing`` jobs of workers gone silent (no heartbeat for ``stalled_worker_seconds``, or
        no worker at all) back to ``todo``, which releases their locks; returns how many."""
        manager = self.app.job_manager
        recovered = 0
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=self.stalled_worker_seconds):
            try:
                await manager.retry_job(job)
                log.warning("stalled job run again", job=job.id, task=job.task_name, lock=job.lock)
            except Exception:  # noqa: BLE001 - see below
                # A job of the same queueing lock is already waiting (dispatch queued the next `process`,
                # the periodic deferrer the next `tick`): it does this one's work, so this one is only
                # ended, which frees its lock. Fails too if another worker got there first.
                try:
                    await manager.finish_job(job, status=procrastinate.jobs.Status.FAILED, delete_job=False)
                except Exception:  # noqa: BLE001 - another worker recovered it first, or it just finished
                    continue
                log.warning("stalled job ended (a queued one does its work)", job=job.id, lock=job.lock)
            recovered += 1
        return recovered

    async def _recover_periodically(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await self.recover_stalled()
            except Exception:  # noqa: BLE001 - the database is away: the next round tries again
                log.exception("could not look for stalled jobs")

    @contextlib.contextmanager
    def open(self) -> Iterator[Any]:
        """The app opened for deferring from synchronous code (``with cluster.open(): ...``); clients
        opened meanwhile (a web process registering webhooks, say) pace with the cluster's budgets."""
        with budgets_from(self.budgets), self.app.open() as opened:
            yield opened
