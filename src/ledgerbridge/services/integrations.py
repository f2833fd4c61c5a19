"""Integrations themselves: add, update, describe, list and delete them, validate their connections and
settings, and open their stored credentials into a typed kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Any

import pydantic
from sqlalchemy import select

from ledgerbridge.crypto import UnreadableSecret
from ledgerbridge.engine.tokens import TokenStore
from ledgerbridge.integrations.base import IntegrationKind, kind_named
from ledgerbridge.integrations.common_settings import zone_of
from ledgerbridge.services.base import ServiceBase
from ledgerbridge.services.common import (
    N_,
    InvalidConfiguration,
    Message,
    UserError,
    Word,
    check_name,
    format_validation_error,
    read_toml,
    validation_problems,
)
from ledgerbridge.services.connections import (
    is_secret,
    moved_sides,
    refuse_addresses,
    require_secrets_again,
    reveal,
    validate_sides,
)
from ledgerbridge.store import Integration


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


class IntegrationsService(ServiceBase):
    """Integrations and their connections and settings; the other services build on it."""

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
                raise UserError(N_("an integration named %(name)r already exists"), name=name)
            row = Integration(
                name=name,
                kind=kind,
                settings=settings.model_dump(mode="json"),
                credentials=self.box.seal(reveal(connections.model_dump(mode="json"), connections)),
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
            row.credentials = self.box.seal(reveal(connections.model_dump(mode="json"), connections))
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
                problem = Message(
                    N_("credentials unreadable: enter the connection to %(sides)s again"),
                    sides=[Word(side) for side in missing],
                )
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
                    N_("credentials unreadable: enter the connection to %(sides)s of %(name)r again"),
                    sides=[Word(side) for side in missing],
                    name=name,
                )
            connections, settings = self._validate(kind_cls, stored, row.settings)
            return row.id, kind_cls(connections, settings).attach(self.store, row.id, self.box)

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
                    if value in (None, "") and key in current and is_secret(kind_cls, side, key):
                        continue
                    current[key] = value
                merged[side] = current
            if recovering:
                revealed = document = validate_sides(kind_cls, merged)
            else:
                try:
                    parsed = kind_cls.Connections.model_validate(merged)
                except pydantic.ValidationError as exc:
                    raise InvalidConfiguration(
                        "the connection is not valid:\n" + format_validation_error("", exc),
                        validation_problems("", exc),
                    ) from None
                document = parsed.model_dump(mode="json")
                revealed = reveal(document, parsed)
            refuse_addresses(document)
            moved = moved_sides(stored, document)
            require_secrets_again(kind_cls, stored, connections, moved)
            row.credentials = self.box.seal(revealed)
            integration_id = row.id
        for side in moved & set(kind_cls.oauth_sides):
            TokenStore(self.store, self.box).clear(integration_id, side)
        return self.describe(name)

    def disconnect(self, name: str, side: str) -> str:
        """Sign out of an OAuth2 side: revoke the grant there and forget the tokens here."""
        integration_id, kind = self.integration(name)
        if side not in kind.oauth_sides:
            raise UserError(
                N_("%(name)s (%(kind)s) does not sign in to %(side)r with OAuth2"),
                name=name,
                kind=kind.kind,
                side=Word(side),
            )
        return kind.oauth_disconnect(self.store, integration_id, side)

    def delete_integration(self, name: str) -> None:
        """Remove an integration with its credentials, bindings, ledger, error log and history."""
        with self.store.session() as session:
            session.delete(self._row(session, name))

    def kind_of(self, name: str) -> type[IntegrationKind]:
        with self.store.session() as session:
            return kind_named(self._row(session, name).kind)

    def timezone_of(self, name: str) -> tzinfo:
        """The zone an integration's times are shown in (its ``general.timezone`` setting)."""
        with self.store.session() as session:
            row = self._row(session, name)
            return zone_of(kind_named(row.kind).Settings, row.settings)

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
            side: {k: v for k, v in values.items() if not is_secret(kind_cls, side, k)}
            if isinstance(values, dict)
            else values
            for side, values in document.items()
        }


def unreadable_message(name: str) -> Message:
    return Message(
        N_(
            "credentials unreadable: the stored connections of %(name)r cannot be decrypted (secret.key or "
            "LEDGERBRIDGE_SECRET_KEY is not the key they were saved with); re-enter them: "
            "`ledgerbridge integrations update %(name)s --config FILE` or the console's connection page"
        ),
        name=name,
    )
