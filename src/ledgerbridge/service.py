"""The application service: what a user can do, whatever the interface (CLI now, REST API next).

It owns the store and the credential box, turns an integration row into its kind with typed
settings, and enforces the rules that are about the product rather than the engine (the start-up
sync runs once unless forced).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic
from sqlalchemy import select

from ledgerbridge.config import Config
from ledgerbridge.crypto import SecretBox
from ledgerbridge.engine.progress import Progress
from ledgerbridge.engine.runner import OneWaySync, RunResult
from ledgerbridge.integrations.base import IntegrationKind, kind_named
from ledgerbridge.store import Conflict, ErrorEntry, Integration, Store, SyncRun
from ledgerbridge.store.models import utcnow


class UserError(Exception):
    """Something the user asked for cannot be done as asked; the message says why and what to do."""


class StartupAlreadyDone(UserError):
    pass


def format_validation_error(prefix: str, error: pydantic.ValidationError) -> str:
    lines = []
    for item in error.errors():
        location = ".".join(str(part) for part in (prefix, *item["loc"]) if part != "")
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"  {location}: {message}")
    return "\n".join(lines)


@dataclass(frozen=True)
class IntegrationView:
    """An integration as shown to people: never any secret."""

    name: str
    kind: str
    settings: dict[str, Any]
    endpoints: dict[str, str]
    startup_completed_at: str | None
    created_at: str


class Ledgerbridge:
    def __init__(self, config: Config | None = None, *, store: Store | None = None) -> None:
        self.config = config or Config.from_env()
        self.store = store or Store(self.config.database_url)
        self.box = SecretBox.for_home(self.config.home, self.config.secret_key)

    def close(self) -> None:
        self.store.dispose()

    # -- integrations ------------------------------------------------------------------------------
    def add_integration(self, name: str, kind: str, document: Mapping[str, Any]) -> IntegrationView:
        """Create an integration from a config document: each side's connection plus ``settings``."""
        try:
            kind_cls = kind_named(kind)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        connections_doc = {k: v for k, v in document.items() if k not in ("settings", "kind")}
        connections, settings = self._validate(kind_cls, connections_doc, document.get("settings", {}))
        with self.store.session() as session:
            if session.scalars(select(Integration).where(Integration.name == name)).first():
                raise UserError(f"an integration named {name!r} already exists")
            row = Integration(
                name=name,
                kind=kind,
                settings=settings.model_dump(mode="json"),
                credentials=self.box.seal(_reveal(connections.model_dump(mode="json"), connections)),
            )
            session.add(row)
        return self.describe(name)

    def add_integration_from_file(self, name: str, kind: str | None, path: Path) -> IntegrationView:
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UserError(f"config file {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise UserError(f"config file {path} is not valid TOML: {exc}") from None
        chosen = kind or document.get("kind")
        if not chosen:
            raise UserError(
                "say which kind of integration this is: --kind rackbeat-economic (or kind = ... in the file)"
            )
        return self.add_integration(name, chosen, document)

    def update_integration_from_file(self, name: str, path: Path) -> IntegrationView:
        """Replace an integration's connections and settings from a config file (validated first).

        Bindings, the ledger and the error log stay: switching, say, the master of customers keeps every
        record bound to the same records.
        """
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UserError(f"config file {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise UserError(f"config file {path} is not valid TOML: {exc}") from None
        with self.store.session() as session:
            row = self._row(session, name)
            kind_cls = kind_named(row.kind)
            connections_doc = {k: v for k, v in document.items() if k not in ("settings", "kind")}
            connections, settings = self._validate(kind_cls, connections_doc, document.get("settings", {}))
            row.settings = settings.model_dump(mode="json")
            row.credentials = self.box.seal(_reveal(connections.model_dump(mode="json"), connections))
        return self.describe(name)

    @staticmethod
    def _validate(kind_cls: type[IntegrationKind], connections: Any, settings: Any) -> tuple[Any, Any]:
        problems = []
        parsed_connections = parsed_settings = None
        try:
            parsed_connections = kind_cls.Connections.model_validate(connections)
        except pydantic.ValidationError as exc:
            problems.append(format_validation_error("", exc))
        try:
            parsed_settings = kind_cls.Settings.model_validate(settings)
        except pydantic.ValidationError as exc:
            problems.append(format_validation_error("settings", exc))
        if problems:
            raise UserError("the integration's configuration is not valid:\n" + "\n".join(problems))
        return parsed_connections, parsed_settings

    def _row(self, session: Any, name: str) -> Integration:
        row = session.scalars(select(Integration).where(Integration.name == name)).first()
        if row is None:
            raise UserError(f"no integration named {name!r} (see `ledgerbridge integrations list`)")
        return row

    def list_integrations(self) -> list[IntegrationView]:
        with self.store.session() as session:
            names = session.scalars(select(Integration.name).order_by(Integration.name)).all()
        return [self.describe(name) for name in names]

    def describe(self, name: str) -> IntegrationView:
        with self.store.session() as session:
            row = self._row(session, name)
            connections = self.box.open(row.credentials)
            endpoints = {
                side: str(conn.get("base_url"))
                for side, conn in connections.items()
                if isinstance(conn, dict)
            }
            return IntegrationView(
                name=row.name,
                kind=row.kind,
                settings=dict(row.settings),
                endpoints=endpoints,
                startup_completed_at=row.startup_completed_at.isoformat()
                if row.startup_completed_at
                else None,
                created_at=row.created_at.isoformat(),
            )

    def integration(self, name: str) -> tuple[int, IntegrationKind]:
        """The row id and the typed kind (with decrypted connections) of an integration."""
        with self.store.session() as session:
            row = self._row(session, name)
            kind_cls = kind_named(row.kind)
            connections, settings = self._validate(kind_cls, self.box.open(row.credentials), row.settings)
            return row.id, kind_cls(connections, settings)

    # -- the start-up sync -------------------------------------------------------------------------
    def run_startup(
        self, name: str, *, dry_run: bool = False, force: bool = False, progress: Progress | None = None
    ) -> RunResult:
        """Run (or, with ``dry_run``, plan) the one-time start-up sync of an integration."""
        integration_id, kind = self.integration(name)
        if not dry_run and not force:
            self._refuse_second_startup(integration_id, name)
        with kind.startup() as operation:
            sync = OneWaySync(
                self.store,
                integration_id=integration_id,
                sides=kind.sides,
                flows=operation.flows,
                operation="startup",
                settings=kind.settings,
                lookups=operation.lookups,
                progress=progress,
            )
            result = sync.plan() if dry_run else sync.run()
        if not dry_run and result.status in ("succeeded", "failed"):
            with self.store.session() as session:
                self._row(session, name).startup_completed_at = utcnow()
        return result

    def retry_startup_record(self, name: str, entity: str, key: str) -> str:
        """Run the start-up sync again for one record that failed (the error log's retry handle)."""
        integration_id, kind = self.integration(name)
        with kind.startup() as operation:
            sync = OneWaySync(
                self.store,
                integration_id=integration_id,
                sides=kind.sides,
                flows=operation.flows,
                operation="startup",
                settings=kind.settings,
                lookups=operation.lookups,
            )
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

    # -- history and errors ------------------------------------------------------------------------
    def errors(self, name: str, *, state: str | None = "open") -> list[ErrorEntry]:
        with self.store.session() as session:
            row = self._row(session, name)
            query = select(ErrorEntry).where(ErrorEntry.integration_id == row.id)
            if state:
                query = query.where(ErrorEntry.state == state)
            return list(session.scalars(query.order_by(ErrorEntry.id)).all())

    def conflicts(self, name: str, *, limit: int = 200) -> list[Conflict]:
        """Fields where both sides had changed: the master's value won; the other side's value is here."""
        return self._latest(Conflict, name, limit)

    def runs(self, name: str, *, limit: int = 20) -> list[SyncRun]:
        return self._latest(SyncRun, name, limit)

    def _latest(self, model: Any, name: str, limit: int) -> list[Any]:
        """The newest rows of ``model`` that belong to the integration ``name``."""
        with self.store.session() as session:
            row = self._row(session, name)
            query = select(model).where(model.integration_id == row.id).order_by(model.id.desc()).limit(limit)
            return list(session.scalars(query).all())


def _totals(counts: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    totals = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
    for entity_counts in counts.values():
        for key in totals:
            totals[key] += int(entity_counts.get(key, 0))
    return totals


def _reveal(document: Any, model: pydantic.BaseModel) -> Any:
    """``model_dump(mode="json")`` masks SecretStr as '**********'; put the real secrets back for sealing."""
    if isinstance(document, dict):
        out = {}
        for key, value in document.items():
            attr = getattr(model, key, None)
            if isinstance(attr, pydantic.SecretStr):
                out[key] = attr.get_secret_value()
            elif isinstance(attr, pydantic.BaseModel):
                out[key] = _reveal(value, attr)
            else:
                out[key] = value
        return out
    return document
