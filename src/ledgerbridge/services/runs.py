"""Running transfers by hand: the one-time start-up sync (refused a second time unless forced), the
retry of one record it failed, a register at a time for kinds that have them, and the list of runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import Any

from sqlalchemy import select

from ledgerbridge.engine.context import RunContext
from ledgerbridge.engine.progress import NullProgress, Progress
from ledgerbridge.engine.runner import OneWaySync, RunResult
from ledgerbridge.services.common import N_, Message, StartupAlreadyDone, Title, UserError
from ledgerbridge.services.integrations import IntegrationsService
from ledgerbridge.store import SyncRun
from ledgerbridge.store.models import utcnow
from ledgerbridge.systems.errors import AuthError


class RunsService(IntegrationsService):
    """Start-up syncs, registers and the runs they leave."""

    # -- the start-up sync -------------------------------------------------------------------------
    def run_startup(
        self, name: str, *, dry_run: bool = False, force: bool = False, progress: Progress | None = None
    ) -> RunResult:
        """Run (or, with ``dry_run``, plan) the one-time start-up sync of an integration."""
        integration_id, kind = self.integration(name)
        if not dry_run and not force:
            self._refuse_second_startup(integration_id, name)
        with _signed_in(name, kind.startup()) as operation:
            context = RunContext(
                self.store,
                integration_id,
                kind.sides,
                "startup",
                settings=kind.settings,
                lookups=operation.lookups,
                progress=progress or NullProgress(),
            )
            # A real start-up run keeps no plan (nobody reads it; an item per record) and reads its source
            # a page at a time (start-up flows write to the other side only).
            sync = OneWaySync(context, operation.flows, keep_plan=False, stream_records=True)
            result = sync.plan() if dry_run else sync.run()
        if not dry_run and result.status in ("succeeded", "failed"):
            with self.store.session() as session:
                self._row(session, name).startup_completed_at = utcnow()
        return result

    def retry_startup_record(self, name: str, entity: str, key: str) -> str:
        """Run the start-up sync again for one record that failed (the error log's retry handle)."""
        integration_id, kind = self.integration(name)
        with _signed_in(name, kind.startup()) as operation:
            context = RunContext(
                self.store,
                integration_id,
                kind.sides,
                "startup",
                settings=kind.settings,
                lookups=operation.lookups,
            )
            sync = OneWaySync(context, operation.flows)
            return sync.sync_one(entity, key)

    def _refuse_second_startup(self, integration_id: int, name: str) -> None:
        with self.store.session() as session:
            row = self._row(session, name)
            if row.startup_completed_at is None:
                return  # never finished: a crashed run resumes, which is not a second run
            last = session.scalars(
                select(SyncRun)
                .where(
                    SyncRun.integration_id == integration_id,
                    SyncRun.kind == "startup",
                    SyncRun.status.in_(("succeeded", "failed")),
                )
                .order_by(SyncRun.id.desc())
            ).first()
            detail = ""
            if last is not None:
                totals = _totals(last.counts)
                detail = (
                    f" (run #{last.id}: {totals['created']} created, {totals['updated']} updated, "
                    f"{totals['unchanged']} unchanged, {totals['failed']} failed)"
                )
            raise StartupAlreadyDone(
                f"the start-up sync of {name!r} already ran on {row.startup_completed_at:%Y-%m-%d %H:%M} UTC"
                f"{detail}. It runs once per integration; use --force to run it again (records already "
                "synced are recognised and not written twice)."
            )

    # -- registers: kinds whose transfers run one register at a time (severa-eaccounting) ------------
    def registers(self, name: str) -> tuple[str, ...]:
        """The registers ``name``'s kind transfers one at a time by hand (empty for other kinds)."""
        return tuple(getattr(self.kind_of(name), "registers", ()))

    def run_register(self, name: str, register: str, *, dry_run: bool = False) -> Any:
        """Transfer (or, with ``dry_run``, plan) one register now; answers the kind's run with its
        ``status_line``. Refused with the reason while the register's settings are missing."""
        known = self.registers(name)
        if register not in known:
            listed = ", ".join(known) or "none: it transfers documents by number"
            raise UserError(
                N_("%(name)r has no register %(register)r (registers: %(listed)s)"),
                name=name,
                register=Title(register),
                listed=listed,
            )
        from ledgerbridge.integrations.severa_eaccounting import RegisterRefused

        integration_id, kind = self.integration(name)
        reason = kind.refusal(register)  # type: ignore[attr-defined]
        if reason is not None:
            raise UserError(reason)  # a Message: the register and the settings it needs
        try:
            session = kind.realtime(self.store, integration_id)
            assert session is not None
            try:
                return session.run(register, dry_run=dry_run)  # type: ignore[attr-defined]
            finally:
                session.close()
        except AuthError as exc:
            raise _refused_sign_in(name, exc) from exc
        except RegisterRefused as exc:  # a lookup every record needs is missing (a unit, the cost center)
            carried = exc.args[0] if exc.args else None  # a Message keeps its template for the console
            raise UserError(carried if isinstance(carried, Message) else str(exc)) from exc

    def runs(self, name: str, *, limit: int = 20) -> list[SyncRun]:
        return self._latest(SyncRun, name, limit)


@contextmanager
def _signed_in(name: str, opening: AbstractContextManager[Any]) -> Iterator[Any]:
    """Enter an integration's clients; a refused sign-in (e.g. "reconnect required") is the user's to fix."""
    with ExitStack() as stack:
        try:
            entered = stack.enter_context(opening)
        except AuthError as exc:
            raise _refused_sign_in(name, exc) from exc
        yield entered


def _refused_sign_in(name: str, exc: AuthError) -> UserError:
    """The integration's name before why the sign-in was refused (our words, or the system's own)."""
    return UserError(N_("%(name)s: %(reason)s"), name=name, reason=exc.remote_message or str(exc))


def _totals(counts: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    totals = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
    for entity_counts in counts.values():
        for key in totals:
            totals[key] += int(entity_counts.get(key, 0))
    return totals
