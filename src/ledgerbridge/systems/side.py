"""A side: everything an integration needs to know about one system, declared once and shared by every pair.

An integration kind is two sides plus its mappers (``integrations/<pair>/``). Each system's package declares
its side (``systems/<name>/__init__.py``: ``RACKBEAT_SIDE``, ``ECONOMIC_SIDE``, ``EACCOUNTING_SIDE``,
``SEVERA_SIDE``):

* ``name`` — the system's name as bindings, the inbox and ``connections`` store it;
* ``title`` — what the console calls it;
* ``connection`` — its connection model (``systems/<name>/connection.py``);
* ``open_client(connection, vault)`` — a paced client with its timeout and sign-in; ``vault`` keeps the
  tokens of a side that renews its own (None: not attached to a store);
* ``pushed_webhooks`` — the reader of webhooks the system pushes (token and event in headers);
* ``url_webhooks`` — the reader of web hooks a person enters as URLs (the URL carries the token);
* ``oauth`` — how a person connects it by an OAuth2 redirect, or None (credentials typed in);
* ``keeps_tokens`` — it renews tokens of its own (OAuth2), kept in a vault the pair hands in;
* ``choice_lists`` — what a settings page can offer from it, read live: a side-local name (``accounts``,
  ``day_books``, ``invoice_statuses`` …) → a reader of ``(value, label)`` pairs
  (``systems/<name>/choices.py``); :meth:`Side.choices` reads them, a pair says which path takes which;
* ``check`` — "test the connection": sign in, ask for something small, say what was found (or raise);
* ``web_address`` — where a person opens a record in the system's own web app, ``(connection, entity, key)``
  → an address or None; declared only from a documented URL scheme, never guessed. ``web_address_note``
  says why a side has none (the console shows the keys alone);
* ``own_numbers`` — per entity, a reader of the system's own numbers of records bound under another key
  (Rackbeat orders brought over from a ledger are bound by their link back, ``other_reference``; Rackbeat
  numbers them itself): ``(client, keys) → {key: number}``, the keys it could not find left out.

Nothing here imports the engine or an integration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from ledgerbridge.systems.errors import ApiError
from ledgerbridge.systems.tokens import TokenVault

ConnectionT = TypeVar("ConnectionT", bound=BaseModel)
ClientT = TypeVar("ClientT")

#: ``(value, label)`` pairs for a drop-down.
ChoiceList = list[tuple[str, str]]


class OAuthFlow(Protocol):
    """Connecting a side from the console by an OAuth2 redirect (authorization-code grant)."""

    def start(self, connection: Any, *, redirect_uri: str, state: str) -> str:
        """The URL to send the person to so they grant access (``state`` comes back on the redirect)."""
        ...

    def finish(
        self, connection: Any, vault: TokenVault, *, redirect_uri: str, params: Mapping[str, str]
    ) -> None:
        """Exchange the redirect's code for tokens and keep them in ``vault``."""
        ...

    def disconnect(self, connection: Any, vault: TokenVault) -> str:
        """Revoke the grant (best effort) and forget the tokens; says what was done."""
        ...

    def state(self, connection: Any, vault: TokenVault | None) -> str | None:
        """connected / reconnect_required / not_connected, or None when it cannot be told."""
        ...


@dataclass(frozen=True)
class Side(Generic[ConnectionT, ClientT]):
    """One system as every integration with it sees it (the module docstring has each field)."""

    name: str
    title: str
    connection: type[ConnectionT]
    open_client: Callable[[ConnectionT, TokenVault | None], ClientT]
    pushed_webhooks: Any = None
    url_webhooks: Any = None
    oauth: OAuthFlow | None = None
    keeps_tokens: bool = False
    choice_lists: Mapping[str, Callable[[ClientT], ChoiceList]] = field(default_factory=dict)
    check: Callable[[ClientT], str] | None = None
    web_address: Callable[[ConnectionT, str, str], str | None] | None = None
    web_address_note: str = ""
    own_numbers: Mapping[str, Callable[[ClientT, Sequence[str]], dict[str, str]]] = field(
        default_factory=dict
    )

    def address_of(self, connection: ConnectionT, entity: str, key: str | None) -> str | None:
        """The record's address in the system's web app, or None (no documented scheme, no key)."""
        if self.web_address is None or not key:
            return None
        return self.web_address(connection, entity, key)

    def choices(self, client: ClientT, names: Iterable[str] | None = None) -> dict[str, ChoiceList]:
        """The side's choice lists (``names``, default all) read through ``client``, each by its own calls:
        a list the system did not answer for is left out, so its fields stay plain inputs."""
        lists: dict[str, ChoiceList] = {}
        for name in self.choice_lists if names is None else names:
            try:
                lists[name] = self.choice_lists[name](client)
            except (ApiError, OSError):
                continue
        return lists

    def connection_state(self, connection: ConnectionT, vault: TokenVault | None) -> str | None:
        """What the console shows for this side, or None to show it by whether credentials are stored.

        An OAuth2 side answers from its grant; a side that renews tokens by itself (client credentials)
        only when its credentials were refused.
        """
        if self.oauth is not None:
            return self.oauth.state(connection, vault)
        if self.keeps_tokens and vault is not None and vault.state() == "reconnect_required":
            return "reconnect_required"
        return None


AnySide = Side[Any, Any]


def numbered(records: Iterable[Mapping[str, Any]], key: str, name: str) -> ChoiceList:
    """``(number, "number name")`` pairs of records that have a number, numbers in numeric order first."""
    pairs = [
        (str(r[key]), f"{r[key]} {r.get(name) or ''}".strip()) for r in records if r.get(key) is not None
    ]
    return sorted(pairs, key=lambda pair: number_order(pair[0]))


def number_order(value: str) -> tuple[int, str]:
    """Sort key: numbers by value, then anything else by its text."""
    return (int(value), "") if value.isdigit() else (1 << 62, value)


def side_names(sides: Iterable[AnySide]) -> tuple[str, ...]:
    return tuple(side.name for side in sides)


def oauth_side_names(sides: Iterable[AnySide]) -> tuple[str, ...]:
    return tuple(side.name for side in sides if side.oauth is not None)


def pushed_webhook_readers(sides: Iterable[AnySide]) -> dict[str, Any]:
    return {side.name: side.pushed_webhooks for side in sides if side.pushed_webhooks is not None}


def url_webhook_readers(sides: Iterable[AnySide]) -> dict[str, Any]:
    return {side.name: side.url_webhooks for side in sides if side.url_webhooks is not None}
