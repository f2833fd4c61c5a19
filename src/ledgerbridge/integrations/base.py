"""What every integration kind provides to the runtime: its sides, its typed settings and
connections, and the flows of each of its operations."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel

from ledgerbridge.engine.ledger import TransferResult
from ledgerbridge.engine.streams import Stream
from ledgerbridge.integrations.registry import all_kinds as all_kinds
from ledgerbridge.integrations.registry import kind_named as kind_named
from ledgerbridge.integrations.registry import pushed_webhook_reader as pushed_webhook_reader
from ledgerbridge.integrations.registry import register as register
from ledgerbridge.store.db import Store

# Settings models are strict like connection models (systems/connection.py); re-exported for the pairs.
from ledgerbridge.systems.connection import ClientTimeout as ClientTimeout
from ledgerbridge.systems.connection import Strict as Strict


@dataclass
class Operation:
    """The flows of one operation (e.g. the start-up sync) and the lookup tables their mappers use."""

    flows: list[Stream]
    lookups: Mapping[str, Mapping[Any, Any]] = field(default_factory=dict)


class Realtime(ABC):
    """An integration's continuous sync, opened once per process: clients open, settings loaded.

    The runtime feeds it inbox items (``handle``), asks it what a lost webhook may have hidden
    (``scan``), runs its periodic jobs, and passes manual transfers through it.
    """

    #: the system whose webhooks this session consumes (its name in bindings and the inbox)
    webhook_source: ClassVar[str]

    @abstractmethod
    def webhook_events(self) -> list[str]:
        """Events to subscribe to."""

    @abstractmethod
    def subscribe(self, url: str) -> dict[str, str]:
        """Subscribe ``url`` to every event; returns event → the token deliveries will carry."""

    def subscribed(self, url: str) -> set[str]:
        """Events the source already delivers to ``url`` (active subscriptions), so a restart need not
        subscribe again; an empty set where the source cannot tell (then ``subscribe`` runs)."""
        return set()

    @abstractmethod
    def handle(self, event: str, key: str, payload: dict[str, Any] | None = None) -> str:
        """Process one announced change; returns what happened in a few words.

        Raise ``RunAborted`` for a transient failure (the item stays queued and is retried); record
        business failures in the error log and return normally.
        """

    @abstractmethod
    def scan(self, since: datetime | None) -> Iterable[tuple[str, str]]:
        """``(event, key)`` pairs for records changed since ``since``: the safety net for lost webhooks."""

    @abstractmethod
    def transfer(self, document_type: str, key: str) -> TransferResult:
        """Transfer one document now (manual transfer, retry); safe to repeat."""

    def parallel(self, event: str) -> bool:
        """May items of ``event`` be worked beside each other (e.g. documents, whose references the session
        syncs under its own lock)? Others are worked one at a time, in arrival order, and never beside a
        parallel item that arrived after them."""
        return False

    def periodic(self, now: datetime) -> list[str]:
        """Run jobs that are due (e.g. the inventory value); returns what was done."""
        return []

    # The hub closes a session left idle and opens it again when a periodic job is due (runtime/hub.py).
    def periodic_wait(self) -> float | None:
        """Seconds until :meth:`periodic` next has a job due (``math.inf``: none is on); None when the
        session cannot tell, so it must be asked every round (the hub then keeps it open)."""
        return math.inf if type(self).periodic is Realtime.periodic else None

    def periodic_schedule(self) -> Any:
        """What the periodic jobs remember of their last runs, handed to the next session of this
        integration (:meth:`resume_periodic`) when this one is closed as idle; None: nothing."""
        return None

    def resume_periodic(self, schedule: Any) -> None:
        """Take over :meth:`periodic_schedule` of the session this one replaces (by default: nothing)."""
        return None

    @abstractmethod
    def close(self) -> None:
        """Close the clients."""


class IntegrationKind(ABC):
    kind: ClassVar[str]
    title: ClassVar[str]
    sides: ClassVar[tuple[str, str]]  # (side A, side B) system names, as bindings store them
    Settings: ClassVar[type[BaseModel]]
    Connections: ClassVar[type[BaseModel]]
    #: The settings page's groups (top-level fields of ``Settings``) in the order the kind's seed shows
    #: them; empty: the model's own field order. Fields left out follow in model order.
    setting_groups: ClassVar[tuple[str, ...]] = ()
    #: Sides whose connection is made by an OAuth2 redirect (``oauth_start`` / ``oauth_finish``) rather
    #: than by typing tokens into a form.
    oauth_sides: ClassVar[tuple[str, ...]] = ()
    #: Systems whose web hooks the user enters by hand as URLs (they sign nothing, so the URL carries a
    #: token): system name → an object with ``urls(base) -> {hook: url}`` and
    #: ``parse(query params) -> (event, record key, payload)``.
    url_webhooks: ClassVar[Mapping[str, Any]] = {}
    #: Systems that push signed-by-token webhooks to ``/webhooks/{system}/{name}``: system name → an object
    #: with ``token_header``, ``event_header`` and ``read(event, body) -> (event, record key, payload)``
    #: (``ValueError`` with the reason for a delivery of the wrong shape: answered 400, never stored).
    pushed_webhooks: ClassVar[Mapping[str, Any]] = {}

    def __init__(self, connections: BaseModel, settings: BaseModel) -> None:
        self.connections = connections
        self.settings = settings
        # Where this integration lives (set by the service): kinds that keep state of their own, such
        # as OAuth2 tokens, need the store, their row id and the secret box.
        self.store: Store | None = None
        self.integration_id: int | None = None
        self.box: Any = None

    def attach(self, store: Store, integration_id: int, box: Any) -> IntegrationKind:
        self.store, self.integration_id, self.box = store, integration_id, box
        return self

    @abstractmethod
    @contextmanager
    def startup(self) -> Iterator[Operation]:
        """The start-up sync's flows, with clients open for as long as the context lasts."""

    def realtime(self, store: Store, integration_id: int) -> Realtime | None:
        """The continuous sync of this kind, or None if it has none yet."""
        return None

    # -- what the web console asks of a kind (defaults fit a kind with token connections) ----------
    def setting_choices(self) -> dict[str, list[tuple[str, str]]]:
        """Choices for settings, read live from the connected systems: dotted setting path → ``(value,
        label)`` pairs. The console shows a field with choices as a drop-down.

        Conventions for dict settings (table editors): ``"<path>.keys"`` lists the rows (e.g. product
        groups), ``"<path>.*"`` the choices of each cell (e.g. accounts) and, for a dict of dicts,
        ``"<path>.*.keys"`` labels the columns and ``"<path>.*.*"`` the choices of each cell.
        Raise nothing for an unreachable system: return what could be read.
        """
        return {}

    def connection_states(self, store: Store, integration_id: int) -> dict[str, str]:
        """Per side: ``"connected"``, ``"reconnect_required"`` or ``"not_connected"`` (e.g. an OAuth2
        grant that expired). Sides left out are shown by whether credentials are stored."""
        return {}

    def oauth_start(self, side: str, *, redirect_uri: str, state: str) -> str:
        """The URL to send the user to so they grant access on ``side`` (OAuth2 authorization code).

        ``state`` must come back unchanged on the redirect to ``redirect_uri``; the console checks it.
        """
        raise NotImplementedError(f"{self.kind} connects {side} with tokens, not by OAuth2")

    def oauth_finish(
        self,
        store: Store,
        integration_id: int,
        side: str,
        *,
        redirect_uri: str,
        params: Mapping[str, str],
    ) -> None:
        """Finish the OAuth2 redirect: exchange ``params["code"]`` for tokens and keep them."""
        raise NotImplementedError(f"{self.kind} connects {side} with tokens, not by OAuth2")

    def oauth_disconnect(self, store: Store, integration_id: int, side: str) -> str:
        """Revoke the grant at the system (best effort) and forget the tokens; says what was done."""
        raise NotImplementedError(f"{self.kind} connects {side} with tokens, not by OAuth2")
