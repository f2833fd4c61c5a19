"""``ledgerbridge doctor NAME``: is everything this integration needs there, and what to do where not.

A kind's package holds a ``doctor`` module with ``checks(kind, doctor, name)`` (see :func:`examine`); it
gets the kind (connections and settings) and a :class:`Doctor` that records one :class:`Check` per
question: can each side be reached, does it let us in, can one record of every entity the integration
uses be read, does every account, day book, VAT zone, layout and status the settings name exist, are the
webhooks subscribed. A check that cannot be answered because its side is down is not asked (its side's ✗
already says what to fix).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ledgerbridge.systems.errors import ApiError, AuthError, TransientError


@dataclass(frozen=True)
class Check:
    side: str
    name: str
    ok: bool
    detail: str = ""
    fix: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"side": self.side, "check": self.name, "ok": self.ok, "detail": self.detail, "fix": self.fix}


class SideDown(Exception):
    """A side cannot be reached or refuses us: its remaining checks are skipped."""


class Doctor:
    """Collects checks; ``reach`` and ``read`` turn a system's exceptions into a ✗ with the fix."""

    def __init__(self) -> None:
        self.checks: list[Check] = []
        self.down: set[str] = set()

    def add(self, side: str, name: str, ok: bool, detail: str = "", fix: str = "") -> None:
        self.checks.append(Check(side, name, ok, detail, "" if ok else fix))

    def call(self, side: str, name: str, call: Callable[[], Any], *, fix_refused: str) -> Any:
        """Run ``call``; a ✓ with no detail, or a ✗ explaining the failure (the side is then down)."""
        if side in self.down:
            raise SideDown(side)
        try:
            result = call()
        except AuthError as exc:
            self.down.add(side)
            self.add(side, name, False, f"sign-in refused: {exc.remote_message}", fix_refused)
            raise SideDown(side) from exc
        except (TransientError, httpx.TransportError) as exc:
            self.down.add(side)
            message = getattr(exc, "remote_message", None) or str(exc) or type(exc).__name__
            self.add(
                side,
                name,
                False,
                f"no answer: {message}",
                f"check the {side} base_url in the connection and that this machine can reach it",
            )
            raise SideDown(side) from exc
        except ApiError as exc:
            self.add(side, name, False, exc.remote_message, f"check the {side} account's rights and data")
            raise SideDown(side) from exc
        return result

    def read_one(
        self, side: str, entity: str, first: Callable[[], Iterable[Any]], *, fix_refused: str
    ) -> None:
        """Read the first record of an entity the integration uses (empty is fine: nothing to sync yet)."""
        try:
            found = self.call(
                side, f"read {entity}", lambda: next(iter(first()), None), fix_refused=fix_refused
            )
        except SideDown:
            return
        self.add(side, f"read {entity}", True, "one record read" if found is not None else "none yet")

    def exists(
        self,
        side: str,
        setting: str,
        value: Any,
        known: Mapping[str, str] | None,
        what: str,
    ) -> None:
        """A setting names ``value`` (an account, day book …): is it among the ``known`` ones?"""
        if value is None or known is None:
            return  # not set, or the list could not be read (its ✗ is already there)
        label = known.get(str(value))
        if label is not None:
            self.add(side, f"{setting} = {value}", True, f"{what} {value} {label}".rstrip())
        else:
            self.add(
                side,
                f"{setting} = {value}",
                False,
                f"there is no {what} {value} in {side}",
                f"choose an existing {what} in settings.{setting} (`ledgerbridge integrations update`) "
                f"or create {what} {value} in {side}",
            )

    def listing(
        self,
        side: str,
        name: str,
        rows: Callable[[], Iterable[Mapping[str, Any]]],
        key: str,
        label: str,
        *,
        fix_refused: str,
    ) -> dict[str, str] | None:
        """``{key: label}`` of a list the settings refer to, or None when it cannot be read."""
        try:
            return self.call(
                side,
                f"read {name}",
                lambda: {str(r.get(key)): str(r.get(label) or "") for r in rows()},
                fix_refused=fix_refused,
            )
        except SideDown:
            return None


def examine(kind: Any, name: str) -> list[Check]:
    """Every check of ``kind`` (an attached IntegrationKind).

    The hook: a kind's package may hold a ``doctor`` module with ``checks(kind, doctor, name)``. Kinds
    without one get the generic check only: each side's connection state.
    """
    package = type(kind).__module__
    try:
        module = importlib.import_module(f"{package}.doctor")
    except ModuleNotFoundError as exc:
        if exc.name != f"{package}.doctor":
            raise
        module = None
    doctor = Doctor()
    if module is None:
        if kind.store is not None and kind.integration_id is not None:
            for side, state in kind.connection_states(kind.store, kind.integration_id).items():
                doctor.add(
                    side, "connection", state == "connected", state, f"`ledgerbridge connect {name} {side}`"
                )
        doctor.add("-", "kind checks", False, f"{kind.kind} has no doctor checks yet", "")
        return doctor.checks
    module.checks(kind, doctor, name)
    return doctor.checks


# -- the Rackbeat side every Rackbeat kind shares ----------------------------------------------------------
RACKBEAT_FIX = "check the Rackbeat API token in the connection (Rackbeat → Settings → API)"


def subscribed_events(kind: Any) -> list[str]:
    """The webhook events the kind's real-time session subscribes to (none before it is stored)."""
    if kind.store is None or kind.integration_id is None:
        return []
    session = kind.realtime(kind.store, kind.integration_id)
    try:
        return list(session.webhook_events())
    finally:
        session.close()


def rackbeat_checks(
    doctor: Doctor, rackbeat: Any, name: str, entities: Iterable[str], events: list[str]
) -> None:
    """Reach Rackbeat, read one record per entity, and see that every webhook event is subscribed."""
    try:  # once, without the client's retries: a side that is down is said at once
        doctor.call(
            "rackbeat",
            "reach and sign in",
            lambda: rackbeat.request("GET", "products", params={"limit": 1}, retry=False),
            fix_refused=RACKBEAT_FIX,
        )
    except SideDown:
        return
    doctor.add("rackbeat", "reach and sign in", True, str(getattr(rackbeat, "base_url", "")))
    for entity in entities:
        doctor.read_one(
            "rackbeat",
            entity,
            functools.partial(rackbeat.iter_all, entity, limit=1),
            fix_refused=RACKBEAT_FIX,
        )
    webhook_checks(doctor, rackbeat, name, events)


def webhook_checks(doctor: Doctor, rackbeat: Any, name: str, events: list[str]) -> None:
    try:
        hooks = doctor.call("rackbeat", "read webhooks", rackbeat.list_webhooks, fix_refused=RACKBEAT_FIX)
    except SideDown:
        return
    ours = {
        h.get("event")
        for h in hooks
        if str(h.get("url", "")).endswith(f"/webhooks/rackbeat/{name}") and h.get("is_active", True)
    }
    missing = [event for event in events if event not in ours]
    doctor.add(
        "rackbeat",
        "webhooks subscribed",
        not missing,
        f"{len(events) - len(missing)} of {len(events)} events"
        + (f"; missing: {', '.join(missing)}" if missing else ""),
        "start `ledgerbridge serve --public-url URL` (it subscribes at start) with the URL Rackbeat "
        "reaches it at",
    )


def first_page(rows: Iterator[Any]) -> Iterator[Any]:
    """The first record of an iterator (doctor reads one record, never a whole collection)."""
    for row in rows:
        yield row
        return
