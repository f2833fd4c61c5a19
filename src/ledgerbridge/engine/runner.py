"""Runs declared entity flows one way, exactly once per record, resumably.

For every flow, in dependency order, and every source record:

1. map it to the target's payload (a :class:`MappingError` is the user's to fix: log it, go on);
2. find the target copy: through the binding, else by key among the target's records
   (find-before-create, so a crash between a create and its commit never leads to a second create);
3. compare: a payload whose hash equals the last synced one, or whose fields already equal the
   target's, costs no write;
4. create or update, then bind and **commit at once** (the remote key is never held only in memory).

A checkpoint records the finished streams by name, so a run stopped by a crash resumes where it stopped.
A dry run does steps 1-3 and returns the plan, writing nothing anywhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerbridge.engine.binder import Binder, chunked
from ledgerbridge.engine.checkpoints import Checkpoints
from ledgerbridge.engine.context import RunContext
from ledgerbridge.engine.errorlog import ErrorLog, jsonable
from ledgerbridge.engine.hashing import same_value, snapshot_hash
from ledgerbridge.engine.plan import Action, FieldChange, PlanItem
from ledgerbridge.engine.streams import MappingError, Payload, Record, Stream, dependency_order
from ledgerbridge.store.db import Store
from ledgerbridge.store.models import Conflict, SyncRun, utcnow
from ledgerbridge.systems.errors import ApiError, AuthError, TransientError

log = structlog.get_logger("ledgerbridge.runs")

OUTCOMES = ("created", "updated", "unchanged", "failed")


class RunAborted(Exception):
    """The run cannot go on (the far side is down or refuses our credentials); it can be resumed."""


@dataclass
class RunResult:
    run_id: int | None
    dry_run: bool
    status: str
    counts: dict[str, dict[str, int]]
    plan: list[PlanItem] = field(default_factory=list)
    message: str | None = None
    resumed_from: int | None = None

    @property
    def failed(self) -> int:
        return sum(c.get("failed", 0) for c in self.counts.values())

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"


def _left_out(change: FieldChange) -> bool:
    """A field the target leaves out of its answer when empty (e-conomic omits ``barred: false``) is
    not drift: absent there and empty (False, 0, "", []) here say the same."""
    return change.old is None and not change.new


class _Unsynced(dict[str, dict[str, str]]):
    """Planned keys for :meth:`OneWaySync.drift`: a reference never synced maps to a key no record has,
    so the record is still compared (only a field naming that reference can differ)."""

    def get(self, entity: str, default: Any = None) -> dict[str, str]:
        return _Placeholder()


class _Placeholder(dict[str, str]):
    def get(self, key: str, default: Any = None) -> str:
        return f"(not synced: {key})"


class _Context:
    """The :class:`MapContext` a mapper sees: references resolve through bindings (and, in a dry
    run, through what the plan would have created)."""

    def __init__(
        self,
        binder: Binder,
        source: str,
        settings: Any,
        lookups: Mapping[str, Mapping[Any, Any]],
        planned: dict[str, dict[str, str]],
        resolve: Callable[[str, str], None] | None = None,
    ) -> None:
        self._binder = binder
        self._source = source
        self.settings = settings
        self._lookups = lookups
        self._planned = planned
        self._resolve = resolve

    def ref(self, entity: str, source_key: Any) -> str:
        key = str(source_key)
        found = self._binder.other_key(entity, self._source, key) or self._planned.get(entity, {}).get(key)
        if found is None and self._resolve is not None:
            # Real time: sync the referenced record first (a new group before its first member).
            self._resolve(entity, key)
            self._binder.forget(entity)
            found = self._binder.other_key(entity, self._source, key)
        if found is None:
            raise MappingError(
                f"{entity.replace('_', ' ')} {key} has not been synced (it failed or does not exist)"
            )
        return found

    def lookup(self, name: str, key: Any) -> Any:
        table = self._lookups.get(name, {})
        if key not in table:
            raise MappingError(f"unknown {name.replace('_', ' ')} {key!r}")
        return table[key]


@dataclass
class _Pass:
    """One pass over records (a run, a dry run, or one real-time record): what every record step needs."""

    session: Session
    binder: Binder
    errors: ErrorLog
    refs: _Context
    # Target keys a dry run would create, per entity, so later references resolve in the plan.
    planned: dict[str, dict[str, str]]
    plan: list[PlanItem]
    run_id: int | None
    dry_run: bool


_DONE = {"create": "created", "update": "updated", "unchanged": "unchanged"}


class _NoPlan(list[PlanItem]):
    """The plan of a real run that keeps none: a run over 100,000 records would otherwise hold an item
    per record, with every field of every record it created."""

    def append(self, item: PlanItem) -> None:
        pass


class OneWaySync:
    """Runs ``streams`` for one integration, as ``context`` says (its operation names the run kind in
    the sync-run table, the error log and the checkpoint). ``keep_plan=False``: a real run returns no
    plan (a dry run always does). ``stream_records=True``: a run reads its source records as it goes (a
    page at a time, once to count them and once to sync them) instead of holding them all; for a stream
    whose run writes nothing back to its source (paging could shift otherwise)."""

    def __init__(
        self,
        context: RunContext,
        streams: Iterable[Stream],
        *,
        keep_plan: bool = True,
        stream_records: bool = False,
    ) -> None:
        self.context = context
        self.streams = dependency_order(streams)
        self.keep_plan = keep_plan
        self.stream_records = stream_records

    @property
    def store(self) -> Store:
        return self.context.store

    @property
    def integration_id(self) -> int:
        return self.context.integration_id

    @property
    def sides(self) -> tuple[str, str]:
        return self.context.sides

    @property
    def operation(self) -> str:
        return self.context.operation

    def stream(self, entity: str) -> Stream:
        """The stream of ``entity``."""
        stream = next((s for s in self.streams if s.entity == entity), None)
        if stream is None:
            raise ValueError(f"no flow for {entity!r}")
        return stream

    # -- public ------------------------------------------------------------------------------------
    def plan(self) -> RunResult:
        """What a run would do, per record and per field, without writing anything anywhere."""
        return self._execute(dry_run=True)

    def run(self) -> RunResult:
        return self._execute(dry_run=False)

    def sync_one(self, entity: str, source_key: Any) -> str:
        """Sync one record now (a webhook named it): ``created``, ``updated``, ``unchanged``, ``failed``
        or ``gone`` (the source no longer has it). Transient failures raise :class:`RunAborted` so the
        caller can retry the whole item later; business failures go to the error log."""
        stream = self.stream(entity)
        if not stream.has("read_one"):
            raise ValueError(f"no real-time flow for {entity!r}")
        try:
            record = stream.read_one(source_key)
        except (TransientError, AuthError) as exc:
            raise RunAborted(f"could not read {stream.title} {source_key}: {exc.remote_message}") from exc
        if record is None:
            return "gone"
        return self.sync_record(entity, record)

    def drift(self, entities: Iterable[str]) -> list[PlanItem]:
        """Bound records whose target copy no longer equals what their source maps to today — changed on
        either side since the last sync (a source change not synced yet, or an edit made in the target).

        Reads each stream's source records and target records once; writes nothing. A record whose target
        copy is gone is an item with action ``create``; one the mapper refuses carries the ``error``.
        """
        drifted: list[PlanItem] = []
        session = self.store.new_session()
        try:
            binder = Binder(session, self.integration_id, self.sides, preload=True)
            for stream in self.streams:
                if stream.entity not in entities:
                    continue
                refs = self._refs(binder, stream.source, _Unsynced())
                find = self._finder(stream, self._target_index(stream) if stream.has("read_target") else None)
                for record in self._guard(stream, "read", stream.records):
                    source_key = str(stream.source_key(record))
                    target_key = binder.other_key(stream.entity, stream.source, source_key)
                    if target_key is None:
                        continue  # never synced: not drift (the scan and the start-up sync own it)
                    try:
                        payload = stream.map_for(record, refs, for_create=False)
                    except MappingError as exc:
                        drifted.append(
                            PlanItem(stream.entity, source_key, target_key, "update", [], str(exc))
                        )
                        continue
                    current = find(target_key)
                    if current is None:
                        drifted.append(PlanItem(stream.entity, source_key, target_key, "create"))
                    elif changes := [c for c in self._diff(stream, current, payload) if not _left_out(c)]:
                        drifted.append(PlanItem(stream.entity, source_key, target_key, "update", changes))
        finally:
            session.rollback()
            session.close()
        return drifted

    def resync(self, entity: str, source_key: Any) -> str:
        """:meth:`sync_one`, comparing with the target's copy even when the source is unchanged since the
        last sync (the target was edited): the stored target hash is dropped first."""
        session = self.store.new_session()
        try:
            binder = Binder(session, self.integration_id, self.sides)
            stream = self.stream(entity)
            keys = {stream.source: str(source_key)}
            other = binder.other_key(entity, stream.source, str(source_key))
            if other is not None:
                binder.bind(entity, {**keys, stream.target: other}, {stream.target: None})
                session.commit()
        finally:
            session.close()
        return self.sync_one(entity, source_key)

    def sync_record(self, entity: str, record: Record) -> str:
        """Sync a source record already in hand (a poll just read it); outcomes as :meth:`sync_one`."""
        stream = self.stream(entity)
        find_target = self._finder(stream, None)

        def find_existing(key: str) -> Record | None:
            try:
                return find_target(key)
            except (TransientError, AuthError) as exc:
                raise RunAborted(f"could not look up {stream.title} {key}: {exc.remote_message}") from exc

        session = self.store.new_session()
        try:
            binder = Binder(session, self.integration_id, self.sides)
            names = {s.entity for s in self.streams}

            def resolve(other: str, key: str) -> None:
                if other in names and other != stream.entity:
                    self.sync_one(other, key)

            refs = self._refs(binder, stream.source, {}, resolve)
            errors = ErrorLog(session, self.integration_id)
            one = _Pass(session, binder, errors, refs, {stream.entity: {}}, [], None, False)
            return self._sync_record(stream, record, find_existing, one)
        finally:
            session.close()

    # -- the run -----------------------------------------------------------------------------------
    def _refs(
        self,
        binder: Binder,
        source: str,
        planned: dict[str, dict[str, str]],
        resolve: Callable[[str, str], None] | None = None,
    ) -> _Context:
        return _Context(binder, source, self.context.settings, self.context.lookups, planned, resolve)

    def _execute(self, *, dry_run: bool) -> RunResult:
        progress = self.context.progress
        checkpoint_name = self.context.checkpoint_name
        session = self.store.new_session()
        try:
            # A run visits every record of its entities: read each entity's bindings once.
            binder = Binder(session, self.integration_id, self.sides, preload=True)
            errors = ErrorLog(session, self.integration_id)
            checkpoints = Checkpoints(session, self.integration_id)
            counts: dict[str, dict[str, int]] = {}
            done: set[str] = set()
            resumed_from: int | None = None
            run: SyncRun | None = None

            if not dry_run:
                checkpoint = checkpoints.get(checkpoint_name)
                if checkpoint:
                    resumed_from = checkpoint.get("run_id")
                    done = set(checkpoint.get("done", []))
                    counts = {k: dict(v) for k, v in checkpoint.get("counts", {}).items() if k in done}
                    self._close_stale_run(session, resumed_from)
                run = SyncRun(
                    integration_id=self.integration_id,
                    kind=self.operation,
                    status="running",
                    dry_run=False,
                    counts=counts,
                )
                session.add(run)
                session.commit()
                log.info(
                    "run started",
                    integration_id=self.integration_id,
                    run_id=run.id,
                    operation=self.operation,
                    resumed_from=resumed_from,
                )

            planned: dict[str, dict[str, str]] = {}
            plan: list[PlanItem] = [] if dry_run or self.keep_plan else _NoPlan()
            # Only a dry run may resolve a reference to a record it merely planned to create.
            refs = self._refs(binder, "", planned if dry_run else {})
            run_pass = _Pass(session, binder, errors, refs, planned, plan, run.id if run else None, dry_run)
            try:
                for stream in self.streams:
                    # Counts are kept per entity; the checkpoint lists finished streams by name.
                    if stream.name in done:
                        progress.entity_started(stream.entity, stream.title, 0)
                        progress.entity_finished(stream.entity, counts.get(stream.entity, {}))
                        continue
                    refs._source = stream.source
                    counts[stream.entity] = self._run_stream(stream, run_pass)
                    if run is not None:
                        done.add(stream.name)
                        run.counts = {k: dict(v) for k, v in counts.items()}
                        checkpoints.put(
                            checkpoint_name,
                            {"run_id": run.id, "done": sorted(done), "counts": run.counts},
                        )
                        session.commit()
            except RunAborted as exc:
                if run is not None:
                    run.status = "crashed"
                    run.message = str(exc)
                    run.finished_at = utcnow()
                    run.counts = {k: dict(v) for k, v in counts.items()}
                    session.commit()
                    log.error("run stopped", run_id=run.id, operation=self.operation, reason=str(exc))
                return RunResult(
                    run.id if run else None, dry_run, "crashed", counts, plan, str(exc), resumed_from
                )

            failed = sum(c.get("failed", 0) for c in counts.values())
            status = "failed" if failed else "succeeded"
            message = f"{failed} record(s) failed; see the error log" if failed else None
            if run is not None:
                run.status = status
                run.message = message
                run.finished_at = utcnow()
                run.counts = {k: dict(v) for k, v in counts.items()}
                checkpoints.clear(checkpoint_name)
                session.commit()
                totals = Counter[str]()
                for entity_counts in counts.values():
                    totals.update(entity_counts)
                log.info(
                    "run finished",
                    integration_id=self.integration_id,
                    run_id=run.id,
                    operation=self.operation,
                    status=status,
                    **{k: totals.get(k, 0) for k in ("created", "updated", "unchanged", "failed")},
                )
            return RunResult(run.id if run else None, dry_run, status, counts, plan, message, resumed_from)
        finally:
            if dry_run:
                session.rollback()
            session.close()

    def _close_stale_run(self, session: Session, run_id: int | None) -> None:
        """A checkpoint outlived its run: that run was killed. Say so in its row."""
        if run_id is None:
            return
        stale = session.scalars(select(SyncRun).where(SyncRun.id == run_id)).first()
        if stale is not None and stale.status == "running":
            stale.status = "crashed"
            stale.message = "stopped before it finished; resumed by a later run"
            stale.finished_at = utcnow()

    def _run_stream(self, stream: Stream, run_pass: _Pass) -> dict[str, int]:
        progress = self.context.progress
        records: Iterable[Record]
        if self.stream_records:
            # 100,000 records would be most of the run's memory: read them twice (a page is one call
            # for a thousand records) rather than hold them, unless the source tells their number.
            known = self._counted(stream) if stream.has("count") else None
            total = known if known is not None else sum(1 for _ in self._reading(stream, stream.records))
            records = self._reading(stream, stream.records)
        else:
            records = self._guard(stream, "read", stream.records)
            total = len(records)
        existing = self._target_index(stream) if stream.has("read_target") else {}
        tally: Counter[str] = Counter({k: 0 for k in OUTCOMES})
        progress.entity_started(stream.entity, stream.title, total)
        run_pass.planned.setdefault(stream.entity, {})
        binder = run_pass.binder
        try:
            for chunk in chunked(records):
                # One query for the chunk's bindings; the previous chunk's are let go, so a run over
                # 100,000 records holds one chunk's bindings, not all of the entity's.
                binder.window(stream.entity, stream.source, (str(stream.source_key(r)) for r in chunk))
                for record in chunk:
                    outcome = self._sync_record(stream, record, existing.get, run_pass)
                    tally[outcome] += 1
                    progress.advance(stream.entity, outcome)
        finally:
            binder.close_window(stream.entity)
        result = {k: tally[k] for k in OUTCOMES}
        progress.entity_finished(stream.entity, result)
        return result

    def _target_index(self, stream: Stream) -> dict[str, Record]:
        return {
            str(self._existing_key(stream, r)): r
            for r in self._guard(stream, "read existing", stream.read_target)
        }

    @staticmethod
    def _existing_key(stream: Stream, record: Record) -> Any:
        if stream.has("existing_key"):
            return stream.existing_key(record)
        return stream.target_key(dict(record))

    @staticmethod
    def _finder(stream: Stream, index: dict[str, Record] | None) -> Callable[[str], Record | None]:
        """How to find a target copy by key: in the index read up front, else by asking the target."""
        if index is not None:
            return index.get
        if stream.has("find_target"):
            return stream.find_target
        return lambda key: None

    @staticmethod
    def _reading(stream: Stream, call: Callable[[], Iterable[Record]]) -> Iterator[Record]:
        """The records as they are read; a read that fails stops the run, as in :meth:`_guard`."""
        try:
            yield from call()
        except (TransientError, AuthError) as exc:
            raise RunAborted(f"could not read {stream.title}: {exc.remote_message}") from exc

    @staticmethod
    def _counted(stream: Stream) -> int | None:
        try:
            return stream.count()
        except (TransientError, AuthError) as exc:
            raise RunAborted(f"could not count {stream.title}: {exc.remote_message}") from exc

    @staticmethod
    def _guard(stream: Stream, what: str, call: Callable[[], Iterable[Record]]) -> list[Record]:
        """Reads that fail stop the run: without them nothing can be decided safely."""
        try:
            return list(call())
        except (TransientError, AuthError) as exc:
            raise RunAborted(f"could not {what} {stream.title}: {exc.remote_message}") from exc

    def _sync_record(
        self,
        stream: Stream,
        record: Record,
        find_existing: Callable[[str], Record | None],
        run_pass: _Pass,
    ) -> str:
        session, binder, dry_run = run_pass.session, run_pass.binder, run_pass.dry_run
        source, target = stream.source, stream.target
        source_key = str(stream.source_key(record))
        payload: Payload | None = None
        try:
            payload = stream.map_for(record, run_pass.refs, for_create=False)
            target_key = str(stream.target_key(payload))
            binding = binder.find(stream.entity, source, source_key)
            payload_hash = snapshot_hash(payload)
            source_hash = snapshot_hash(record)
            if binding is not None:
                target_key = binder.other_key(stream.entity, source, source_key) or target_key
                if binder.hash_of(binding, target) == payload_hash:
                    run_pass.plan.append(PlanItem(stream.entity, source_key, target_key, "unchanged"))
                    if not dry_run and binder.hash_of(binding, source) != source_hash:
                        binder.bind(
                            stream.entity, {source: source_key, target: target_key}, {source: source_hash}
                        )
                        session.commit()
                    return "unchanged"

            current = find_existing(target_key)
            action: Action
            if current is not None:
                changes = self._diff(stream, current, payload)
                action = "update" if changes else "unchanged"
                if changes and binding is not None and self.context.detect_conflicts and not dry_run:
                    self._record_conflict(
                        stream, session, binder, binding, source_key, current, payload, changes
                    )
            else:
                changes = [FieldChange(k, None, v) for k, v in payload.items()]
                action = "create"
            run_pass.plan.append(PlanItem(stream.entity, source_key, target_key, action, changes))
            if dry_run:  # later references resolve in the plan (a real run binds instead)
                run_pass.planned[stream.entity][source_key] = target_key
                return _DONE[action]

            if action == "create":
                written = stream.create(self._create_payload(stream, record, payload, run_pass))
                target_key = str(self._existing_key(stream, written))
            elif action == "update":
                written = stream.update(target_key, payload)
                if stream.has("existing_key") and written:
                    # An update may renumber the target (its master was renumbered): bind the new number.
                    target_key = str(stream.existing_key(written) or target_key)
            # Commit the binding at once: the far side has the record now, and a crash from here on
            # must find it bound (or find it by key) rather than create it again.
            binder.bind(
                stream.entity,
                {source: source_key, target: target_key},
                {source: source_hash, target: payload_hash},
            )
            run_pass.errors.resolve(self.operation, stream.entity, source_key)
            session.commit()
            return _DONE[action]
        except MappingError as exc:
            return self._fail(stream, source_key, str(exc), None, payload, run_pass)
        except (TransientError, AuthError) as exc:
            # Retries are spent or the credentials are refused: every following record would fail
            # the same way. Stop; the checkpoint lets the next run resume here.
            session.rollback()
            raise RunAborted(f"{stream.title} {source_key}: {exc.remote_message}") from exc
        except ApiError as exc:
            return self._fail(stream, source_key, str(exc), exc, payload, run_pass)

    @staticmethod
    def _create_payload(stream: Stream, record: Record, payload: Payload, run_pass: _Pass) -> Payload:
        """What a create sends: the compared payload, plus the fields the target takes on create only
        (mapped again only for a stream that declares :meth:`Stream.map_for`)."""
        if not stream.has("map_for"):
            return payload
        return stream.map_for(record, run_pass.refs, for_create=True)

    def _fail(
        self,
        stream: Stream,
        source_key: str,
        message: str,
        exc: ApiError | None,
        payload: Payload | None,
        run_pass: _Pass,
    ) -> str:
        run_pass.plan.append(PlanItem(stream.entity, source_key, None, "fail", error=message))
        if not run_pass.dry_run:
            run_pass.session.rollback()
            run_pass.errors.record(
                operation=self.operation,
                entity=stream.entity,
                record_key=source_key,
                message=f"{stream.entity.replace('_', ' ')} {source_key}: {message}",
                remote_message=exc.remote_message if exc else None,
                status_code=exc.status_code if exc else None,
                payload=payload,
                response=exc.body if exc else None,
                run_id=run_pass.run_id,
            )
            run_pass.session.commit()
        return "failed"

    def _record_conflict(
        self,
        stream: Stream,
        session: Session,
        binder: Binder,
        binding: Any,
        source_key: str,
        current: Record,
        payload: Payload,
        changes: list[FieldChange],
    ) -> None:
        """The target differs from what we last wrote there: someone changed it. Keep what it loses."""
        if snapshot_hash(self._view(stream, current, payload)) == binder.hash_of(binding, stream.target):
            return  # the target is as we left it: only the source changed, no conflict
        for change in changes:
            session.add(
                Conflict(
                    integration_id=self.integration_id,
                    entity=stream.entity,
                    record_key=source_key,
                    winner=stream.source,
                    loser=stream.target,
                    field=change.field,
                    winning_value=jsonable(change.new),
                    losing_value=jsonable(change.old),
                )
            )

    @staticmethod
    def _view(stream: Stream, current: Record, payload: Payload) -> Payload:
        """The target record in the payload's shape."""
        if stream.has("project"):
            return stream.project(current, payload)
        return {k: current.get(k) for k in payload}

    @classmethod
    def _diff(cls, stream: Stream, current: Record, payload: Payload) -> list[FieldChange]:
        view = cls._view(stream, current, payload)
        return [FieldChange(k, view.get(k), v) for k, v in payload.items() if not same_value(view.get(k), v)]
