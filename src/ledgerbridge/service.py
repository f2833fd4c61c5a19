"""The application service: what a user can do, whatever the interface (CLI now, REST API next).

It owns the store and the credential box, turns an integration row into its kind with typed
settings, and enforces the rules that are about the product rather than the engine (the start-up
sync runs once unless forced).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pydantic
from sqlalchemy import delete, func, null, select, update

from ledgerbridge.config import Config
from ledgerbridge.crypto import KEY_FILE, SecretBox, UnreadableSecret, parse_keys, write_private
from ledgerbridge.engine.progress import Progress
from ledgerbridge.engine.runner import OneWaySync, RunResult
from ledgerbridge.engine.tokens import TokenStore
from ledgerbridge.integrations.base import IntegrationKind, kind_named
from ledgerbridge.netguard import url_problems
from ledgerbridge.store import Conflict, ErrorEntry, InboxItem, Integration, Store, SyncRun, Transfer
from ledgerbridge.store.console_models import (
    AdminCredential,
    ApiToken,
    ConsoleSecret,
    ConsoleSession,
    Notification,
)
from ledgerbridge.store.models import Cursor, OAuthConnection, utcnow
from ledgerbridge.systems.errors import AuthError

API_TOKEN_PREFIX = "lb_"
MIN_PASSWORD_LENGTH = 8
RETENTION_ENV = "LEDGERBRIDGE_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 30
# One rule for integration names everywhere (CLI, API, console): they appear in URLs and file names.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
NAME_RULE = "1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit"


class UserError(Exception):
    """Something the user asked for cannot be done as asked; the message says why and what to do."""


class StartupAlreadyDone(UserError):
    pass


class InvalidConfiguration(UserError):
    """Connections or settings do not validate; ``problems`` holds ``(dotted field path, message)``."""

    def __init__(self, message: str, problems: list[tuple[str, str]]) -> None:
        super().__init__(message)
        self.problems = problems


def check_name(name: str) -> str:
    """``name`` if it is a valid integration name, else :class:`UserError` saying the rule."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise UserError(f"{name!r} is not a valid integration name: use {NAME_RULE}")
    return name


def read_toml(path: Path) -> dict[str, Any]:
    """A config file's TOML document; every way it can be unreadable is a :class:`UserError`."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"config file {path} does not exist") from None
    except IsADirectoryError:
        raise UserError(f"config file {path} is a folder, not a file") from None
    except UnicodeDecodeError as exc:
        raise UserError(
            f"config file {path} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at position "
            f"{exc.start}): TOML files must be saved as UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"config file {path} is not valid TOML: {exc}") from None


def refuse_addresses(connections: Mapping[str, Any]) -> None:
    """:class:`InvalidConfiguration` if any side's address is one secrets must not be sent to."""
    problems = url_problems(connections)
    if problems:
        raise InvalidConfiguration(
            "the connection is not valid:\n" + "\n".join(f"  {path}: {why}" for path, why in problems),
            problems,
        )


def format_validation_error(prefix: str, error: pydantic.ValidationError) -> str:
    lines = []
    for item in error.errors():
        location = ".".join(str(part) for part in (prefix, *item["loc"]) if part != "")
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"  {location}: {message}")
    return "\n".join(lines)


def validation_problems(prefix: str, error: pydantic.ValidationError) -> list[tuple[str, str]]:
    """Each error of ``error`` as ``(dotted path, message)``; a model-level error is put on the field its
    message names (our validators name the field they want set), else on the model itself."""
    problems = []
    for item in error.errors():
        loc = [str(part) for part in item["loc"] if part != ""]
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "value_error":
            named = _field_named_in(message)
            if named:
                loc = [*loc, named]
        problems.append((".".join(p for p in (prefix, *loc) if p), message))
    return problems


def _field_named_in(message: str) -> str | None:
    """The first field name (snake case, or a quoted word, as our validators write them) in ``message``."""
    match = re.search(r"'([a-z][a-z0-9_]*)'|\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b", message)
    return (match.group(1) or match.group(2)) if match else None


@dataclass(frozen=True)
class IntegrationView:
    """An integration as shown to people: never any secret."""

    name: str
    kind: str
    settings: dict[str, Any]
    endpoints: dict[str, str]
    startup_completed_at: str | None
    created_at: str
    # Set when the stored credentials cannot be decrypted (secret.key lost): the user must enter them again.
    problem: str | None = None


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
        check_name(name)
        try:
            kind_cls = kind_named(kind)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        connections_doc = {k: v for k, v in document.items() if k not in ("settings", "kind")}
        connections, settings = self._validate(kind_cls, connections_doc, document.get("settings", {}))
        refuse_addresses(connections.model_dump(mode="json"))
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
        check_name(name)
        document = read_toml(path)
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
        document = read_toml(path)
        with self.store.session() as session:
            row = self._row(session, name)
            kind_cls = kind_named(row.kind)
            connections_doc = {k: v for k, v in document.items() if k not in ("settings", "kind")}
            connections, settings = self._validate(kind_cls, connections_doc, document.get("settings", {}))
            refuse_addresses(connections.model_dump(mode="json"))
            row.settings = settings.model_dump(mode="json")
            row.credentials = self.box.seal(_reveal(connections.model_dump(mode="json"), connections))
        return self.describe(name)

    @staticmethod
    def _validate(kind_cls: type[IntegrationKind], connections: Any, settings: Any) -> tuple[Any, Any]:
        problems = []
        fields: list[tuple[str, str]] = []
        parsed_connections = parsed_settings = None
        try:
            parsed_connections = kind_cls.Connections.model_validate(connections)
        except pydantic.ValidationError as exc:
            problems.append(format_validation_error("", exc))
            fields += validation_problems("", exc)
        try:
            parsed_settings = kind_cls.Settings.model_validate(settings)
        except pydantic.ValidationError as exc:
            problems.append(format_validation_error("settings", exc))
            fields += validation_problems("settings", exc)
        if problems:
            raise InvalidConfiguration(
                "the integration's configuration is not valid:\n" + "\n".join(problems), fields
            )
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
            problem = None
            try:
                connections = self.box.open(row.credentials)
            except UnreadableSecret:
                connections, problem = {}, unreadable_message(name)
            missing = [s for s in kind_named(row.kind).Connections.model_fields if s not in connections]
            if missing and problem is None:
                problem = f"credentials unreadable: enter the connection to {', '.join(missing)} again"
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
                problem=problem,
            )

    def integration(self, name: str) -> tuple[int, IntegrationKind]:
        """The row id and the typed kind (with decrypted connections) of an integration."""
        with self.store.session() as session:
            row = self._row(session, name)
            kind_cls = kind_named(row.kind)
            try:
                stored = self.box.open(row.credentials)
            except UnreadableSecret:
                raise UserError(unreadable_message(name)) from None
            missing = [side for side in kind_cls.Connections.model_fields if side not in stored]
            if missing:  # half re-entered after a lost key
                raise UserError(
                    f"credentials unreadable: enter the connection to {', '.join(missing)} of {name!r} again"
                )
            connections, settings = self._validate(kind_cls, stored, row.settings)
            return row.id, kind_cls(connections, settings).attach(self.store, row.id, self.box)

    # -- the start-up sync -------------------------------------------------------------------------
    def run_startup(
        self, name: str, *, dry_run: bool = False, force: bool = False, progress: Progress | None = None
    ) -> RunResult:
        """Run (or, with ``dry_run``, plan) the one-time start-up sync of an integration."""
        integration_id, kind = self.integration(name)
        if not dry_run and not force:
            self._refuse_second_startup(integration_id, name)
        with _signed_in(name, kind.startup()) as operation:
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
        with _signed_in(name, kind.startup()) as operation:
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
            raise UserError(f"{name!r} has no register {register!r} (registers: {listed})")
        from ledgerbridge.integrations.severa_eaccounting import RegisterRefused

        integration_id, kind = self.integration(name)
        reason = kind.refusal(register)  # type: ignore[attr-defined]
        if reason is not None:
            raise UserError(reason)
        try:
            session = kind.realtime(self.store, integration_id)
            assert session is not None
            try:
                return session.run(register, dry_run=dry_run)  # type: ignore[attr-defined]
            finally:
                session.close()
        except AuthError as exc:
            raise UserError(f"{name}: {exc.remote_message or exc}") from exc
        except RegisterRefused as exc:  # a lookup every record needs is missing (a unit, the cost center)
            raise UserError(str(exc)) from exc

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

    # -- changing and removing integrations (console, admin API) -----------------------------------
    def update_settings(self, name: str, settings: Mapping[str, Any]) -> IntegrationView:
        """Replace an integration's settings (validated first; connections and bindings stay).

        Raises :class:`InvalidConfiguration` with each problem's path under ``settings.``.
        """
        with self.store.session() as session:
            row = self._row(session, name)
            kind_cls = kind_named(row.kind)
            try:
                parsed = kind_cls.Settings.model_validate(dict(settings))
            except pydantic.ValidationError as exc:
                raise InvalidConfiguration(
                    "the settings are not valid:\n" + format_validation_error("settings", exc),
                    validation_problems("settings", exc),
                ) from None
            row.settings = parsed.model_dump(mode="json")
        return self.describe(name)

    def update_connections(self, name: str, connections: Mapping[str, Any]) -> IntegrationView:
        """Change the connection of one or more sides. A secret left out or empty keeps its stored value,
        so a form never has to show a secret to keep it — unless that side's address changes: stored
        secrets are never sent to a new address, so they must be entered again (and a side's OAuth2
        tokens are forgotten)."""
        with self.store.session() as session:
            row = self._row(session, name)
            kind_cls = kind_named(row.kind)
            try:
                merged = self.box.open(row.credentials)
            except UnreadableSecret:
                merged = {}  # the key is lost: whatever is entered now replaces what cannot be read
            stored = {side: dict(v) for side, v in merged.items() if isinstance(v, dict)}
            # After a lost key, sides are entered again one at a time (the console's forms are per side).
            recovering = not set(kind_cls.Connections.model_fields) <= set(stored)
            for side, values in connections.items():
                if not isinstance(values, Mapping):
                    merged[side] = values
                    continue
                current = dict(merged.get(side) or {})
                for key, value in values.items():
                    if value in (None, "") and key in current and _is_secret(kind_cls, side, key):
                        continue
                    current[key] = value
                merged[side] = current
            if recovering:
                revealed = document = _validate_sides(kind_cls, merged)
            else:
                try:
                    parsed = kind_cls.Connections.model_validate(merged)
                except pydantic.ValidationError as exc:
                    raise InvalidConfiguration(
                        "the connection is not valid:\n" + format_validation_error("", exc),
                        validation_problems("", exc),
                    ) from None
                document = parsed.model_dump(mode="json")
                revealed = _reveal(document, parsed)
            refuse_addresses(document)
            moved = _moved_sides(stored, document)
            _require_secrets_again(kind_cls, stored, connections, moved)
            row.credentials = self.box.seal(revealed)
            integration_id = row.id
        for side in moved & set(kind_cls.oauth_sides):
            TokenStore(self.store, self.box).clear(integration_id, side)
        return self.describe(name)

    def disconnect(self, name: str, side: str) -> str:
        """Sign out of an OAuth2 side: revoke the grant there and forget the tokens here."""
        integration_id, kind = self.integration(name)
        if side not in kind.oauth_sides:
            raise UserError(f"{name} ({kind.kind}) does not sign in to {side!r} with OAuth2")
        return kind.oauth_disconnect(self.store, integration_id, side)

    def delete_integration(self, name: str) -> None:
        """Remove an integration with its credentials, bindings, ledger, error log and history."""
        with self.store.session() as session:
            session.delete(self._row(session, name))

    def kind_of(self, name: str) -> type[IntegrationKind]:
        with self.store.session() as session:
            return kind_named(self._row(session, name).kind)

    def stored_connections(self, name: str) -> dict[str, Any]:
        """Each side's stored connection with every secret left out (for forms that edit the rest)."""
        with self.store.session() as session:
            row = self._row(session, name)
            kind_cls = kind_named(row.kind)
            try:
                document = self.box.open(row.credentials)
            except UnreadableSecret:
                document = {}
        return {
            side: {k: v for k, v in values.items() if not _is_secret(kind_cls, side, k)}
            if isinstance(values, dict)
            else values
            for side, values in document.items()
        }

    # -- health at a glance -----------------------------------------------------------------------
    def health(self, name: str) -> dict[str, Any]:
        """Last sync, queued work, errors of the last 24 hours and the state of each side's connection."""
        integration_id, kind = self.integration(name)
        since = utcnow() - timedelta(hours=24)
        with self.store.session() as session:
            last = session.scalars(
                select(SyncRun)
                .where(SyncRun.integration_id == integration_id, SyncRun.dry_run.is_(False))
                .order_by(SyncRun.id.desc())
            ).first()
            queued = session.scalar(
                select(func.count(InboxItem.id)).where(
                    InboxItem.integration_id == integration_id, InboxItem.state == "pending"
                )
            )
            errors_24h = session.scalar(
                select(func.count(ErrorEntry.id)).where(
                    ErrorEntry.integration_id == integration_id,
                    ErrorEntry.state == "open",
                    ErrorEntry.last_seen >= since,
                )
            )
            open_errors = session.scalar(
                select(func.count(ErrorEntry.id)).where(
                    ErrorEntry.integration_id == integration_id, ErrorEntry.state == "open"
                )
            )
            last_transfer = session.scalars(
                select(Transfer)
                .where(Transfer.integration_id == integration_id)
                .order_by(Transfer.updated_at.desc())
            ).first()
        return {
            "last_sync": {
                "run_id": last.id,
                "kind": last.kind,
                "status": last.status,
                "at": (last.finished_at or last.started_at).isoformat(),
            }
            if last
            else None,
            "last_transfer_at": last_transfer.updated_at.isoformat() if last_transfer else None,
            "queued": int(queued or 0),
            "errors_24h": int(errors_24h or 0),
            "open_errors": int(open_errors or 0),
            "connections": self.connection_states(name, kind=kind, integration_id=integration_id),
        }

    def connection_states(
        self, name: str, *, kind: IntegrationKind | None = None, integration_id: int | None = None
    ) -> dict[str, str]:
        """Per side: connected / reconnect_required / not_connected (the kind's word, else: stored)."""
        if kind is None or integration_id is None:
            try:
                integration_id, kind = self.integration(name)
            except UserError:
                view = self.describe(name)  # no such integration: raises again
                if view.problem is None:
                    raise
                # Credentials unreadable (lost key): each side not entered again yet says so.
                sides = self.kind_of(name).Connections.model_fields
                unread = "credentials unreadable"
                return {side: "connected" if side in view.endpoints else unread for side in sides}
        states = {side: "connected" for side in type(kind).Connections.model_fields}
        try:
            states.update(kind.connection_states(self.store, integration_id))
        except Exception as exc:  # a kind's check must not take the console down
            for side in kind.oauth_sides:
                states[side] = f"unknown ({exc})"
        return states

    # -- start-up sync --------------------------------------------------------------------------------
    def startup_refusal(self, name: str) -> str | None:
        """Why a start-up sync would be refused now (it already ran), or None."""
        integration_id, _ = self.integration(name)
        try:
            self._refuse_second_startup(integration_id, name)
        except StartupAlreadyDone as exc:
            return str(exc)
        return None

    # -- errors ---------------------------------------------------------------------------------------
    def find_errors(
        self,
        *,
        integration: str | None = None,
        entity: str | None = None,
        state: str | None = "open",
        limit: int = 500,
    ) -> list[tuple[str, ErrorEntry]]:
        """Error-log entries of one or every integration, newest first, with the integration's name."""
        with self.store.session() as session:
            query = select(Integration.name, ErrorEntry).join(
                Integration, Integration.id == ErrorEntry.integration_id
            )
            if integration:
                query = query.where(ErrorEntry.integration_id == self._row(session, integration).id)
            if entity:
                query = query.where(ErrorEntry.entity == entity)
            if state:
                query = query.where(ErrorEntry.state == state)
            rows = session.execute(
                query.order_by(ErrorEntry.last_seen.desc(), ErrorEntry.id.desc()).limit(limit)
            )
            return [(row[0], row[1]) for row in rows]

    def error_entities(self) -> list[str]:
        with self.store.session() as session:
            return sorted(set(session.scalars(select(ErrorEntry.entity).distinct()).all()))

    def error(self, name: str, error_id: int) -> ErrorEntry:
        with self.store.session() as session:
            row = self._row(session, name)
            entry = session.get(ErrorEntry, error_id)
            if entry is None or entry.integration_id != row.id:
                raise UserError(f"no error #{error_id} for {name!r}")
            return entry

    def dismiss_error(self, name: str, error_id: int) -> ErrorEntry:
        """Set an open entry aside without running it again (it stays in the log as dismissed)."""
        with self.store.session() as session:
            row = self._row(session, name)
            entry = session.get(ErrorEntry, error_id)
            if entry is None or entry.integration_id != row.id:
                raise UserError(f"no error #{error_id} for {name!r}")
            if entry.state != "open":
                raise UserError(f"error #{error_id} is {entry.state}, not open")
            entry.state = "dismissed"
            entry.last_seen = utcnow()
            return entry

    # -- transfers: the per-document history --------------------------------------------------------
    def transfers(self, name: str, *, limit: int = 50) -> list[Transfer]:
        with self.store.session() as session:
            row = self._row(session, name)
            query = (
                select(Transfer)
                .where(Transfer.integration_id == row.id)
                .order_by(Transfer.updated_at.desc(), Transfer.id.desc())
                .limit(limit)
            )
            return list(session.scalars(query).all())

    def document_history(self, name: str, document_type: str, key: str) -> DocumentHistory:
        """Everything known about one document: its ledger row, its error entries, the inbox items."""
        with self.store.session() as session:
            row = self._row(session, name)
            transfer = session.scalars(
                select(Transfer).where(
                    Transfer.integration_id == row.id,
                    Transfer.document_type == document_type,
                    Transfer.source_key == key,
                )
            ).first()
            errors = session.scalars(
                select(ErrorEntry)
                .where(
                    ErrorEntry.integration_id == row.id,
                    ErrorEntry.entity == document_type,
                    ErrorEntry.record_key == key,
                )
                .order_by(ErrorEntry.id)
            ).all()
            # Inbox events name documents their own way ("customer_invoice.booked"): match on the key and
            # the document type's words.
            words = document_type.replace("-", "_").split("_")
            inbox = [
                item
                for item in session.scalars(
                    select(InboxItem)
                    .where(InboxItem.integration_id == row.id, InboxItem.record_key == key)
                    .order_by(InboxItem.id)
                ).all()
                if all(w in item.event for w in words)
            ]
            return DocumentHistory(document_type, key, transfer, list(errors), inbox)

    # -- notifications --------------------------------------------------------------------------------
    def notifications(
        self, *, unread_only: bool = False, limit: int = 200
    ) -> list[tuple[str | None, Notification]]:
        self.refresh_reconnect_notifications()
        with self.store.session() as session:
            query = select(Integration.name, Notification).outerjoin(
                Integration, Integration.id == Notification.integration_id
            )
            if unread_only:
                query = query.where(Notification.read_at.is_(None))
            rows = session.execute(query.order_by(Notification.id.desc()).limit(limit))
            return [(row[0], row[1]) for row in rows]

    def unread_notifications(self) -> int:
        with self.store.session() as session:
            return int(
                session.scalar(select(func.count(Notification.id)).where(Notification.read_at.is_(None))) or 0
            )

    def mark_notifications_read(self, ids: list[int] | None = None) -> int:
        """Mark some (or all) unread notifications read; returns how many."""
        with self.store.session() as session:
            query = select(Notification).where(Notification.read_at.is_(None))
            if ids is not None:
                query = query.where(Notification.id.in_(ids))
            rows = session.scalars(query).all()
            now = utcnow()
            for row in rows:
                row.read_at = now
            return len(rows)

    def refresh_reconnect_notifications(self) -> None:
        """A side that needs reconnecting gets one unread notification (not one per look)."""
        for view in self.list_integrations():
            try:
                integration_id, kind = self.integration(view.name)
                states = kind.connection_states(self.store, integration_id)
            except Exception:
                continue
            for side, state in states.items():
                if state != "reconnect_required":
                    continue
                with self.store.session() as session:
                    exists = session.scalars(
                        select(Notification).where(
                            Notification.integration_id == integration_id,
                            Notification.kind == "reconnect",
                            Notification.side == side,
                            Notification.read_at.is_(None),
                        )
                    ).first()
                    if exists is None:
                        session.add(
                            Notification(
                                integration_id=integration_id,
                                kind="reconnect",
                                side=side,
                                title=f"{view.name}: reconnect {side}",
                                body=f"The connection to {side} expired or was revoked: connect it again.",
                            )
                        )

    # -- the console's admin login and API tokens --------------------------------------------------------
    def has_admin_password(self) -> bool:
        with self.store.session() as session:
            return session.get(AdminCredential, 1) is not None

    def set_admin_password(self, password: str) -> None:
        """Set (or change) the admin password; every existing console session ends."""
        from argon2 import PasswordHasher

        if len(password) < MIN_PASSWORD_LENGTH:
            raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
        hashed = PasswordHasher().hash(password)
        with self.store.session() as session:
            row = session.get(AdminCredential, 1)
            if row is None:
                session.add(AdminCredential(id=1, password_hash=hashed, auth_epoch=1))
            else:
                row.password_hash = hashed
                row.auth_epoch += 1

    def check_admin_password(self, password: str) -> int | None:
        """The session epoch if ``password`` is the admin password, else None."""
        from argon2 import PasswordHasher
        from argon2.exceptions import InvalidHashError, VerificationError

        with self.store.session() as session:
            row = session.get(AdminCredential, 1)
            if row is None:
                return None
            try:
                PasswordHasher().verify(row.password_hash, password)
            except (VerificationError, InvalidHashError):
                return None
            return row.auth_epoch

    def admin_epoch(self) -> int | None:
        with self.store.session() as session:
            row = session.get(AdminCredential, 1)
            return row.auth_epoch if row else None

    def create_api_token(
        self, name: str, *, read_only: bool = False, integration: str | None = None
    ) -> tuple[str, ApiToken]:
        """A new token for scripts: the plain token is returned once and never stored.

        ``read_only``: GET requests only. ``integration``: only that integration's routes.
        """
        plain = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.store.session() as session:
            if integration:
                self._row(session, integration)
            row = ApiToken(
                name=name or "token",
                token_hash=_token_hash(plain),
                prefix=plain[:9],
                access="read" if read_only else "write",
                integration=integration or None,
            )
            session.add(row)
            session.flush()
        return plain, row

    def api_tokens(self, *, include_revoked: bool = False) -> list[ApiToken]:
        with self.store.session() as session:
            query = select(ApiToken).order_by(ApiToken.id)
            if not include_revoked:
                query = query.where(ApiToken.revoked_at.is_(None))
            return list(session.scalars(query).all())

    def revoke_api_token(self, token_id: int) -> ApiToken:
        with self.store.session() as session:
            row = session.get(ApiToken, token_id)
            if row is None or row.revoked_at is not None:
                raise UserError(f"no active API token #{token_id}")
            row.revoked_at = utcnow()
            return row

    def check_api_token(self, plain: str) -> ApiToken | None:
        """The active token ``plain`` is, or None (its last use is noted)."""
        if not plain.startswith(API_TOKEN_PREFIX) or not plain.isascii():
            return None
        with self.store.session() as session:
            row = session.scalars(select(ApiToken).where(ApiToken.token_hash == _token_hash(plain))).first()
            if row is None or row.revoked_at is not None:
                return None
            row.last_used_at = utcnow()
            return row

    # -- console sessions: the cookie carries a random id; logging out ends its row ----------------------
    def start_console_session(self, lifetime: timedelta) -> str:
        """A new console session; returns the id for the cookie (only its hash is stored)."""
        plain = secrets.token_urlsafe(32)
        now = utcnow()
        with self.store.session() as session:
            # Expired and ended rows are of no use: drop them as new ones come.
            session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
            session.add(ConsoleSession(id=_token_hash(plain), created_at=now, expires_at=now + lifetime))
        return plain

    def console_session_alive(self, plain: str) -> bool:
        if not isinstance(plain, str) or not plain:
            return False
        with self.store.session() as session:
            row = session.get(ConsoleSession, _token_hash(plain))
            if row is None or row.ended_at is not None:
                return False
            expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
            return expires > utcnow()

    def end_console_session(self, plain: str) -> None:
        with self.store.session() as session:
            row = session.get(ConsoleSession, _token_hash(plain))
            if row is not None and row.ended_at is None:
                row.ended_at = utcnow()

    def session_secret(self) -> str:
        """The key that signs console session cookies: made once, shared by every server process.

        Kept apart from ``secret.key`` (not sealed with it) so that losing that key never stops ``serve``;
        a leaked database gives nothing with it, because sessions are also checked against the
        ``console_sessions`` table.
        """
        with self.store.session() as session:
            row = session.get(ConsoleSecret, SESSION_SECRET)
            if row is None:
                row = ConsoleSecret(name=SESSION_SECRET, sealed=secrets.token_urlsafe(48))
                session.add(row)
            return row.sealed

    # -- retention: what is settled is not kept for ever ----------------------------------------------------
    def retention(self) -> timedelta:
        """How long settled inbox rows and errors' payloads are kept (``LEDGERBRIDGE_RETENTION_DAYS``)."""
        raw = os.environ.get(RETENTION_ENV, "").strip()
        try:
            days = float(raw) if raw else DEFAULT_RETENTION_DAYS
        except ValueError:
            raise UserError(f"{RETENTION_ENV} must be a number of days, not {raw!r}") from None
        if days <= 0:
            raise UserError(f"{RETENTION_ENV} must be more than 0 days")
        return timedelta(days=days)

    def prune(self, older_than: timedelta | None = None) -> dict[str, int]:
        """Delete inbox rows processed successfully longer ago than the retention period, and drop the
        payloads and responses of resolved or dismissed error entries as old. Pending and failed inbox items
        and open errors are never touched (they are still work)."""
        cutoff = utcnow() - (older_than if older_than is not None else self.retention())
        with self.store.session() as session:
            inbox = session.execute(
                delete(InboxItem).where(InboxItem.state == "done", InboxItem.processed_at < cutoff)
            )
            errors = session.execute(
                update(ErrorEntry)
                .where(
                    ErrorEntry.state.in_(("resolved", "dismissed")),
                    ErrorEntry.last_seen < cutoff,
                    ErrorEntry.payload.is_not(null()),
                )
                .values(payload=null(), response=null())
            )
        # DELETE and UPDATE answer with a cursor result, which counts the rows.
        return {
            "inbox_rows": int(getattr(inbox, "rowcount", 0) or 0),
            "error_payloads": int(getattr(errors, "rowcount", 0) or 0),
        }

    # -- the encryption key ---------------------------------------------------------------------------
    def rotate_key(self) -> KeyRotation:
        """Seal every stored secret again with a new key (``secret.key``) or with the first key of
        ``LEDGERBRIDGE_SECRET_KEY``; values no key in force can open are counted and left as they are."""
        key_file = self.config.home / KEY_FILE
        if self.config.secret_key:
            keys = parse_keys(self.config.secret_key)
            if len(keys) < 2:
                raise UserError(
                    "LEDGERBRIDGE_SECRET_KEY holds one key: put a new key first and the current one after "
                    "it, comma-separated (a new key: `ledgerbridge admin new-key`), run this again, "
                    "then drop the old key"
                )
            box, new_file = SecretBox(keys), None
        else:
            from cryptography.fernet import Fernet

            old = parse_keys(key_file.read_bytes()) if key_file.exists() else []
            box = SecretBox([Fernet.generate_key(), *old])
            new_file = box.keys[0]
            # Both keys on file first: a crash half-way leaves every value readable.
            write_private(key_file, b"\n".join(box.keys) + b"\n")
        rotation = KeyRotation()
        with self.store.session() as session:
            for row in session.scalars(select(Integration)).all():
                row.credentials = rotation.reseal(box, row.credentials)
            for token in session.scalars(select(OAuthConnection)).all():
                token.token = rotation.reseal(box, token.token)
            for secret in session.scalars(select(ConsoleSecret)).all():
                if secret.name != SESSION_SECRET:
                    secret.sealed = rotation.reseal(box, secret.sealed)
            for cursor in session.scalars(select(Cursor)).all():
                value = cursor.value
                if isinstance(value, dict) and isinstance(value.get("sealed"), str):
                    cursor.value = {**value, "sealed": rotation.reseal(box, value["sealed"])}
        if new_file is not None:
            write_private(key_file, new_file + b"\n")
            rotation.key_file = str(key_file)
        self.box = SecretBox(box.keys[:1]) if new_file is not None else box
        return rotation


SESSION_SECRET = "session-signing"


def unreadable_message(name: str) -> str:
    return (
        f"credentials unreadable: the stored connections of {name!r} cannot be decrypted (secret.key or "
        f"LEDGERBRIDGE_SECRET_KEY is not the key they were saved with); re-enter them: "
        f"`ledgerbridge integrations update {name} --config FILE` or the console's connection page"
    )


@dataclass
class KeyRotation:
    resealed: int = 0
    unreadable: int = 0
    key_file: str | None = None

    def reseal(self, box: SecretBox, token: str) -> str:
        try:
            fresh = box.rotate(token)
        except UnreadableSecret:
            self.unreadable += 1
            return token
        self.resealed += 1
        return fresh


def _validate_sides(kind_cls: type[IntegrationKind], document: Mapping[str, Any]) -> dict[str, Any]:
    """Each side given, validated on its own (re-entering connections side by side after a lost key);
    returns them with their secrets revealed for sealing."""
    out: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for side, values in document.items():
        info = kind_cls.Connections.model_fields.get(side)
        model = info.annotation if info else None
        if not (isinstance(model, type) and issubclass(model, pydantic.BaseModel)):
            problems.append((side, f"{kind_cls.kind} has no side {side!r}"))
            continue
        try:
            parsed = model.model_validate(values)
        except pydantic.ValidationError as exc:
            problems += validation_problems(side, exc)
            continue
        out[side] = _reveal(parsed.model_dump(mode="json"), parsed)
    if problems:
        raise InvalidConfiguration(
            "the connection is not valid:\n" + "\n".join(f"  {p}: {m}" for p, m in problems), problems
        )
    return out


def _moved_sides(stored: Mapping[str, Mapping[str, Any]], document: Mapping[str, Any]) -> set[str]:
    """Sides whose any ``*_url`` differs from the stored one (compared as the model writes them)."""
    moved = set()
    for side, values in document.items():
        before = stored.get(side)
        if not isinstance(values, Mapping) or not before:
            continue
        if any(
            key.endswith("_url") and _same_url(before.get(key)) != _same_url(value)
            for key, value in values.items()
        ):
            moved.add(side)
    return moved


def _same_url(value: Any) -> str | None:
    return str(value).rstrip("/") if value else None


def _require_secrets_again(
    kind_cls: type[IntegrationKind],
    stored: Mapping[str, Mapping[str, Any]],
    given: Mapping[str, Any],
    moved: set[str],
) -> None:
    """Refuse to keep a stored secret of a side whose address changed: it would be sent to the new one."""
    problems = []
    for side in sorted(moved):
        values = given.get(side) or {}
        for key, old in stored[side].items():
            if _is_secret(kind_cls, side, key) and old and values.get(key) in (None, ""):
                problems.append(
                    (
                        f"{side}.{key}",
                        "the address changed: enter this secret again (a stored secret is never sent to "
                        "a new address)",
                    )
                )
    if problems:
        raise InvalidConfiguration(
            "the connection is not valid:\n" + "\n".join(f"  {p}: {m}" for p, m in problems), problems
        )


@dataclass
class DocumentHistory:
    document_type: str
    key: str
    transfer: Transfer | None
    errors: list[ErrorEntry] = field(default_factory=list)
    inbox: list[InboxItem] = field(default_factory=list)


def _token_hash(plain: str) -> str:
    # API tokens are 256 random bits: a plain SHA-256 is enough (no dictionary to guard against).
    return hashlib.sha256(plain.encode()).hexdigest()


def _is_secret(kind_cls: type[IntegrationKind], side: str, key: str) -> bool:
    side_field = kind_cls.Connections.model_fields.get(side)
    model = side_field.annotation if side_field else None
    if not (isinstance(model, type) and issubclass(model, pydantic.BaseModel)):
        return False
    info = model.model_fields.get(key)
    return info is not None and _mentions_secret(info.annotation)


def _mentions_secret(annotation: Any) -> bool:
    from typing import get_args

    if annotation is pydantic.SecretStr:
        return True
    return any(_mentions_secret(arg) for arg in get_args(annotation))


@contextmanager
def _signed_in(name: str, opening: AbstractContextManager[Any]) -> Iterator[Any]:
    """Enter an integration's clients; a refused sign-in (e.g. "reconnect required") is the user's to fix."""
    with ExitStack() as stack:
        try:
            entered = stack.enter_context(opening)
        except AuthError as exc:
            raise UserError(f"{name}: {exc.remote_message or exc}") from exc
        yield entered


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
