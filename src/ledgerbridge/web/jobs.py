"""Start-up syncs started from the console or the API: one background thread per integration, with
progress the browser polls (``GET …/startup/progress``)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ledgerbridge.service import Ledgerbridge, UserError
from ledgerbridge.services.common import N_, StartupAlreadyDone


@dataclass
class EntityProgress:
    entity: str
    title: str
    total: int
    done: int = 0
    finished: bool = False
    counts: dict[str, int] = field(default_factory=dict)


class StartupJob:
    """One start-up sync run in a thread; also the ``Progress`` it feeds."""

    def __init__(self, service: Ledgerbridge, name: str, *, force: bool) -> None:
        self.service = service
        self.name = name
        self.force = force
        self.status = "starting"  # starting | running | succeeded | failed | crashed | refused
        self.message: str | None = None
        self.run_id: int | None = None
        self.started = time.time()
        self.finished_at: float | None = None
        self.entities: dict[str, EntityProgress] = {}
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, name=f"startup:{name}", daemon=True)

    # -- Progress ------------------------------------------------------------------------------------------
    def entity_started(self, entity: str, title: str, total: int) -> None:
        with self._lock:
            self.status = "running"
            self.entities[entity] = EntityProgress(entity, title, total)

    def advance(self, entity: str, outcome: str) -> None:
        with self._lock:
            progress = self.entities.get(entity)
            if progress is not None:
                progress.done += 1
                progress.counts[outcome] = progress.counts.get(outcome, 0) + 1

    def entity_finished(self, entity: str, counts: dict[str, int]) -> None:
        with self._lock:
            progress = self.entities.get(entity)
            if progress is not None:
                progress.finished = True
                progress.counts = dict(counts)
                progress.done = max(progress.done, progress.total)

    # -- the run -----------------------------------------------------------------------------------------
    def start(self) -> StartupJob:
        self.thread.start()
        return self

    def _run(self) -> None:
        try:
            result = self.service.run_startup(self.name, force=self.force, progress=self)
        except UserError as exc:
            self._finish("refused", str(exc))
        except Exception as exc:  # shown to the user; the run row says "crashed" and can be resumed
            self._finish("crashed", f"{type(exc).__name__}: {exc}")
        else:
            self.run_id = result.run_id
            self._finish(result.status, result.message)

    def _finish(self, status: str, message: str | None) -> None:
        with self._lock:
            self.status = status
            self.message = message
            self.finished_at = time.time()

    @property
    def done(self) -> bool:
        return self.finished_at is not None

    def snapshot(self) -> dict[str, Any]:
        """The progress as JSON: overall percent, per entity (title, done, total, counts)."""
        with self._lock:
            entities: list[dict[str, Any]] = [
                {
                    "entity": p.entity,
                    "title": p.title,
                    "done": min(p.done, p.total) if p.total else p.done,
                    "total": p.total,
                    "finished": p.finished,
                    "percent": 100
                    if p.finished or not p.total
                    else int(100 * min(p.done, p.total) / p.total),
                    "counts": dict(p.counts),
                }
                for p in self.entities.values()
            ]
            if self.finished_at is not None and self.status in ("succeeded", "failed"):
                percent = 100
            elif entities:
                # Entities not started yet are unknown; those started count equally.
                percent = min(99, int(sum(e["percent"] for e in entities) / len(entities)))
            else:
                percent = 0
            return {
                "integration": self.name,
                "status": self.status,
                "done": self.finished_at is not None,
                "percent": percent,
                "message": self.message,
                "run_id": self.run_id,
                "started_at": self.started,
                "finished_at": self.finished_at,
                "entities": entities,
            }


class StartupJobs:
    """The start-up syncs this process runs or ran (the latest per integration)."""

    def __init__(self, service: Ledgerbridge) -> None:
        self.service = service
        self._jobs: dict[str, StartupJob] = {}
        self._lock = threading.Lock()

    def start(self, name: str, *, force: bool = False) -> StartupJob:
        """Start the start-up sync of ``name``; refused (UserError) if it ran, or is running now."""
        self.service.describe(name)  # "no integration named …" before any thread
        with self._lock:
            current = self._jobs.get(name)
            if current is not None and not current.done:
                raise UserError(N_("the start-up sync of %(name)r is running now"), name=name)
            if not force:
                reason = self.service.startup_refusal(name)
                if reason:  # the console words this one itself (tick "run it again anyway")
                    raise StartupAlreadyDone(reason)
            job = StartupJob(self.service, name, force=force)
            self._jobs[name] = job
        return job.start()

    def get(self, name: str) -> StartupJob | None:
        with self._lock:
            return self._jobs.get(name)

    def forget(self, name: str) -> None:
        with self._lock:
            self._jobs.pop(name, None)
