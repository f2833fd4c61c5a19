"""Runs declared entity flows one way, exactly once per record, resumably.

For every flow, in dependency order, and every source record:

1. map it to the target's payload (a :class:`MappingError` is the user's to fix: log it, go on);
2. find the target copy: through the binding, else by key among the target's records
   (find-before-create, so a crash between a create and its commit never leads to a second create);
3. compare: a payload whose hash equals the last synced one, or whose fields already equal the
   target's, costs no write;
4. create or update, then bind and **commit at once** (the remote key is never held only in memory).

A checkpoint records finished entities, so a run stopped by a crash resumes where it stopped.
A dry run does steps 1-3 and returns the plan, writing nothing anywhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import select

from ledgerbridge.engine.binder import Binder
from ledgerbridge.engine.checkpoints import Checkpoints
from ledgerbridge.engine.errorlog import ErrorLog, jsonable
from ledgerbridge.engine.flows import EntityFlow, MappingError, Payload, Record, dependency_order
from ledgerbridge.engine.hashing import same_value, snapshot_hash
from ledgerbridge.engine.plan import Action, FieldChange, PlanItem
from ledgerbridge.engine.progress import NullProgress, Progress
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

    def get(self, entity: str, default: Any = None) -> dict[str, str]:  # type: ignore[override]
        return _Placeholder()


class _Placeholder(dict[str, str]):
    def get(self, key: str, default: Any = None) -> str:  # type: ignore[override]
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


class OneWaySync:
    """Runs ``flows`` for one integration. ``operation`` names the run kind (e.g. ``"startup"``)
    in the sync-run table, the error log and the checkpoint."""

    def __init__(
        self,
        store: Store,
        *,
        integration_id: int,
        sides: tuple[str, str],
        flows: Iterable[EntityFlow],
        operation: str,
        settings: Any = None,
        lookups: Mapping[str, Mapping[Any, Any]] | None = None,
        progress: Progress | None = None,
        detect_conflicts: bool = False,
    ) -> None:
        self.store = store
        self.integration_id = integration_id
        # Where both sides are edited: a bound record the target also changed since the last sync is a
        # conflict. The source (the master) still wins; the target's losing values are recorded.
        self.detect_conflicts = detect_conflicts
        self.sides = sides
        self.flows = dependency_order(flows)
        self.operation = operation
        self.settings = settings
        self.lookups = lookups or {}
        self.progress = progress or NullProgress()

    @property
    def checkpoint_name(self) -> str:
        return f"{self.operation}:checkpoint"

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
        flow = self._flow(entity)
        if flow.read_one is None:
            raise ValueError(f"no real-time flow for {entity!r}")
        try:
            record = flow.read_one(source_key)
        except (TransientError, AuthError) as exc:
            raise RunAborted(f"could not read {flow.title} {source_key}: {exc.remote_message}") from exc
        if record is None:
            return "gone"
        return self.sync_record(entity, record)

    def drift(self, entities: Iterable[str]) -> list[PlanItem]:
        """Bound records whose target copy no longer equals what their source maps to today — changed on
        either side since the last sync (a source change not synced yet, or an edit made in the target).

        Reads each flow's source records and target records once; writes nothing. A record whose target
        copy is gone is an item with action ``create``; one the mapper refuses carries the ``error``.
        """
        drifted: list[PlanItem] = []
        session = self.store.new_session()
        try:
            binder = Binder(session, self.integration_id, self.sides, preload=True)
            for flow in self.flows:
                if flow.entity not in entities:
                    continue
                context = _Context(binder, flow.source, self.settings, self.lookups, _Unsynced())
                index = self._target_index(flow) if flow.read_target else None
                find = index.get if index is not None else (flow.find_target or (lambda key: None))
                for record in self._guard(flow, "read", flow.read):
                    source_key = str(flow.source_key(record))
                    target_key = binder.other_key(flow.entity, flow.source, source_key)
                    if target_key is None:
                        continue  # never synced: not drift (the scan and the start-up sync own it)
                    try:
                        payload = flow.map(record, context)
                    except MappingError as exc:
                        drifted.append(PlanItem(flow.entity, source_key, target_key, "update", [], str(exc)))
                        continue
                    current = find(target_key)
                    if current is None:
                        drifted.append(PlanItem(flow.entity, source_key, target_key, "create"))
                    elif changes := [c for c in self._diff(flow, current, payload) if not _left_out(c)]:
                        drifted.append(PlanItem(flow.entity, source_key, target_key, "update", changes))
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
            flow = self._flow(entity)
            keys = {flow.source: str(source_key)}
            other = binder.other_key(entity, flow.source, str(source_key))
            if other is not None:
                binder.bind(entity, {**keys, flow.target: other}, {flow.target: None})
                session.commit()
        finally:
            session.close()
        return self.sync_one(entity, source_key)

    def sync_record(self, entity: str, record: Record) -> str:
        """Sync a source record already in hand (a poll just read it); outcomes as :meth:`sync_one`."""
        flow = self._flow(entity)
        find_target = flow.find_target or (lambda key: None)

        def find_existing(key: str) -> Record | None:
            try:
                return find_target(key)
            except (TransientError, AuthError) as exc:
                raise RunAborted(f"could not look up {flow.title} {key}: {exc.remote_message}") from exc

        session = self.store.new_session()
        try:
            binder = Binder(session, self.integration_id, self.sides)
            names = {f.entity for f in self.flows}

            def resolve(other: str, key: str) -> None:
                if other in names and other != flow.entity:
                    self.sync_one(other, key)

            context = _Context(binder, flow.source, self.settings, self.lookups, {}, resolve)
            errors = ErrorLog(session, self.integration_id)
            return self._sync_record(
                flow,
                record,
                session,
                binder,
                errors,
                context,
                find_existing,
                {flow.entity: {}},
                [],
                None,
                False,
            )
        finally:
            session.close()

    def _flow(self, entity: str) -> EntityFlow:
        flow = next((f for f in self.flows if f.entity == entity), None)
        if flow is None:
            raise ValueError(f"no flow for {entity!r}")
        return flow

    # -- the run -----------------------------------------------------------------------------------
    def _execute(self, *, dry_run: bool) -> RunResult:
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
                checkpoint = checkpoints.get(self.checkpoint_name)
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
            plan: list[PlanItem] = []
            # Only a dry run may resolve a reference to a record it merely planned to create.
            context = _Context(binder, "", self.settings, self.lookups, planned if dry_run else {})
            try:
                for flow in self.flows:
                    if flow.entity in done:
                        self.progress.entity_started(flow.entity, flow.title, 0)
                        self.progress.entity_finished(flow.entity, counts.get(flow.entity, {}))
                        continue
                    context._source = flow.source
                    tally = self._run_flow(
                        flow,
                        session,
                        binder,
                        errors,
                        context,
                        planned,
                        plan,
                        run.id if run else None,
                        dry_run,
                    )
                    counts[flow.entity] = tally
                    if run is not None:
                        done.add(flow.entity)
                        run.counts = {k: dict(v) for k, v in counts.items()}
                        checkpoints.put(
                            self.checkpoint_name,
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
                checkpoints.clear(self.checkpoint_name)
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

    def _close_stale_run(self, session: Any, run_id: int | None) -> None:
        """A checkpoint outlived its run: that run was killed. Say so in its row."""
        if run_id is None:
            return
        stale = session.scalars(select(SyncRun).where(SyncRun.id == run_id)).first()
        if stale is not None and stale.status == "running":
            stale.status = "crashed"
            stale.message = "stopped before it finished; resumed by a later run"
            stale.finished_at = utcnow()

    def _run_flow(
        self,
        flow: EntityFlow,
        session: Any,
        binder: Binder,
        errors: ErrorLog,
        context: _Context,
        planned: dict[str, dict[str, str]],
        plan: list[PlanItem],
        run_id: int | None,
        dry_run: bool,
    ) -> dict[str, int]:
        records = list(self._guard(flow, "read", flow.read))
        existing = self._target_index(flow) if flow.read_target else {}
        tally: Counter[str] = Counter({k: 0 for k in OUTCOMES})
        self.progress.entity_started(flow.entity, flow.title, len(records))
        planned.setdefault(flow.entity, {})
        for record in records:
            outcome = self._sync_record(
                flow, record, session, binder, errors, context, existing.get, planned, plan, run_id, dry_run
            )
            tally[outcome] += 1
            self.progress.advance(flow.entity, outcome)
        result = {k: tally[k] for k in OUTCOMES}
        self.progress.entity_finished(flow.entity, result)
        return result

    def _target_index(self, flow: EntityFlow) -> dict[str, Record]:
        assert flow.read_target is not None
        key_of = flow.existing_key or (lambda record: flow.target_key(dict(record)))
        return {str(key_of(r)): r for r in self._guard(flow, "read existing", flow.read_target)}

    def _guard(self, flow: EntityFlow, what: str, call: Any) -> Any:
        """Reads that fail stop the run: without them nothing can be decided safely."""
        try:
            return list(call())
        except (TransientError, AuthError) as exc:
            raise RunAborted(f"could not {what} {flow.title}: {exc.remote_message}") from exc

    def _sync_record(
        self,
        flow: EntityFlow,
        record: Record,
        session: Any,
        binder: Binder,
        errors: ErrorLog,
        context: _Context,
        find_existing: Callable[[str], Record | None],
        planned: dict[str, dict[str, str]],
        plan: list[PlanItem],
        run_id: int | None,
        dry_run: bool,
    ) -> str:
        source_key = str(flow.source_key(record))
        payload: Payload | None = None
        try:
            payload = flow.map(record, context)
            target_key = str(flow.target_key(payload))
            binding = binder.find(flow.entity, flow.source, source_key)
            payload_hash = snapshot_hash(payload)
            source_hash = snapshot_hash(record)
            if binding is not None:
                target_key = binder.other_key(flow.entity, flow.source, source_key) or target_key
                if binder.hash_of(binding, flow.target) == payload_hash:
                    plan.append(PlanItem(flow.entity, source_key, target_key, "unchanged"))
                    if not dry_run and binder.hash_of(binding, flow.source) != source_hash:
                        binder.bind(
                            flow.entity,
                            {flow.source: source_key, flow.target: target_key},
                            {flow.source: source_hash},
                        )
                        session.commit()
                    return "unchanged"

            current = find_existing(target_key)
            action: Action
            if current is not None:
                changes = self._diff(flow, current, payload)
                action = "update" if changes else "unchanged"
                if changes and binding is not None and self.detect_conflicts and not dry_run:
                    self._record_conflict(
                        flow, session, binder, binding, source_key, current, payload, changes
                    )
            else:
                changes = [FieldChange(k, None, v) for k, v in payload.items()]
                action = "create"
            plan.append(PlanItem(flow.entity, source_key, target_key, action, changes))
            planned[flow.entity][source_key] = target_key
            if dry_run:
                return {"create": "created", "update": "updated", "unchanged": "unchanged"}[action]

            if action == "create":
                written = flow.create(payload)
                target_key = str((flow.existing_key or (lambda r: flow.target_key(dict(r))))(written))
            elif action == "update":
                written = flow.update(target_key, payload)
                if flow.existing_key and written:
                    # An update may renumber the target (its master was renumbered): bind the new number.
                    target_key = str(flow.existing_key(written) or target_key)
            # Commit the binding at once: the far side has the record now, and a crash from here on
            # must find it bound (or find it by key) rather than create it again.
            binder.bind(
                flow.entity,
                {flow.source: source_key, flow.target: target_key},
                {flow.source: source_hash, flow.target: payload_hash},
            )
            errors.resolve(self.operation, flow.entity, source_key)
            session.commit()
            return {"create": "created", "update": "updated", "unchanged": "unchanged"}[action]
        except MappingError as exc:
            return self._fail(
                flow, source_key, str(exc), None, payload, plan, errors, session, run_id, dry_run
            )
        except (TransientError, AuthError) as exc:
            # Retries are spent or the credentials are refused: every following record would fail
            # the same way. Stop; the checkpoint lets the next run resume here.
            session.rollback()
            raise RunAborted(f"{flow.title} {source_key}: {exc.remote_message}") from exc
        except ApiError as exc:
            return self._fail(
                flow, source_key, str(exc), exc, payload, plan, errors, session, run_id, dry_run
            )

    def _fail(
        self,
        flow: EntityFlow,
        source_key: str,
        message: str,
        exc: ApiError | None,
        payload: Payload | None,
        plan: list[PlanItem],
        errors: ErrorLog,
        session: Any,
        run_id: int | None,
        dry_run: bool,
    ) -> str:
        plan.append(PlanItem(flow.entity, source_key, None, "fail", error=message))
        if not dry_run:
            session.rollback()
            errors.record(
                operation=self.operation,
                entity=flow.entity,
                record_key=source_key,
                message=f"{flow.entity.replace('_', ' ')} {source_key}: {message}",
                remote_message=exc.remote_message if exc else None,
                status_code=exc.status_code if exc else None,
                payload=payload,
                response=exc.body if exc else None,
                run_id=run_id,
            )
            session.commit()
        return "failed"

    def _record_conflict(
        self,
        flow: EntityFlow,
        session: Any,
        binder: Binder,
        binding: Any,
        source_key: str,
        current: Record,
        payload: Payload,
        changes: list[FieldChange],
    ) -> None:
        """The target differs from what we last wrote there: someone changed it. Keep what it loses."""
        view = flow.project(current, payload) if flow.project else {k: current.get(k) for k in payload}
        if snapshot_hash(view) == binder.hash_of(binding, flow.target):
            return  # the target is as we left it: only the source changed, no conflict
        for change in changes:
            session.add(
                Conflict(
                    integration_id=self.integration_id,
                    entity=flow.entity,
                    record_key=source_key,
                    winner=flow.source,
                    loser=flow.target,
                    field=change.field,
                    winning_value=jsonable(change.new),
                    losing_value=jsonable(change.old),
                )
            )

    @staticmethod
    def _diff(flow: EntityFlow, current: Record, payload: Payload) -> list[FieldChange]:
        view = flow.project(current, payload) if flow.project else {k: current.get(k) for k in payload}
        return [FieldChange(k, view.get(k), v) for k, v in payload.items() if not same_value(view.get(k), v)]
