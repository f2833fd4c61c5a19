"""An integration kind declared as two sides: what the runtime asks of its systems, derived from the sides.

A kind lists its sides once (``side_specs = (RACKBEAT_SIDE, EACCOUNTING_SIDE)``, from ``systems/<name>/``)
and :class:`PairOfSides` derives what the runtime reads from it: ``sides`` (the two names, as bindings store
them), ``oauth_sides``, ``pushed_webhooks`` and ``url_webhooks``. It opens each side's client
(:meth:`PairOfSides.open_side`) with that side's connection and, for a side that keeps tokens, its vault in
the store; and it runs the console's connect / disconnect and connection states through each side's own
code, so every pair with eAccounting (or Severa) connects it alike.

The settings page's live choices are the sides' too: a kind only says which setting path takes which side's
list (``setting_lists``: ``"accounting.standard_account": (ECONOMIC, "accounts")``), plus, in
:meth:`PairOfSides.derived_choices`, the few that combine lists (rows made of both sides' product groups).
"Test the connection" is the side's ``check`` (:meth:`PairOfSides.check_side`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from pydantic import BaseModel

from ledgerbridge.engine.tokens import TokenStore
from ledgerbridge.integrations.base import IntegrationKind
from ledgerbridge.integrations.token_vaults import StoredTokenVault
from ledgerbridge.store.db import Store
from ledgerbridge.systems.errors import ApiError, AuthError
from ledgerbridge.systems.side import (
    AnySide,
    ChoiceList,
    OAuthFlow,
    oauth_side_names,
    pushed_webhook_readers,
    side_names,
    url_webhook_readers,
)


class PairOfSides(IntegrationKind):
    """An :class:`IntegrationKind` whose systems are two declared sides (``side_specs``)."""

    side_specs: ClassVar[tuple[AnySide, AnySide]]
    #: The settings page's drop-downs: setting path (the conventions of ``setting_choices``) → (side name,
    #: that side's choice list). A list read empty or not at all leaves the field a plain input.
    setting_lists: ClassVar[Mapping[str, tuple[str, str]]] = {}
    #: Further (side, list) pairs :meth:`derived_choices` reads.
    derived_from: ClassVar[tuple[tuple[str, str], ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        specs = cls.__dict__.get("side_specs")
        if specs is None:
            return
        cls.sides = side_names(specs)  # type: ignore[assignment]  # two names, from two sides
        cls.oauth_sides = oauth_side_names(specs)
        cls.pushed_webhooks = pushed_webhook_readers(specs)
        cls.url_webhooks = url_webhook_readers(specs)

    # -- a side's parts --------------------------------------------------------------------------------
    def side(self, name: str) -> AnySide:
        for spec in self.side_specs:
            if spec.name == name:
                return spec
        raise ValueError(f"{self.kind} has no side {name!r} (its sides: {', '.join(self.sides)})")

    def connection(self, name: str) -> BaseModel:
        """The side's connection model (the ``connections`` field named after the side)."""
        connection: BaseModel = getattr(self.connections, name)
        return connection

    def token_vault(
        self, name: str, store: Store | None = None, integration_id: int | None = None
    ) -> StoredTokenVault | None:
        """Where the side's tokens are kept in the store; None when this integration is not attached to one
        (no store, row or secret box). ``store`` / ``integration_id`` default to the attached ones."""
        store = store or self.store
        integration_id = integration_id if integration_id is not None else self.integration_id
        if store is None or integration_id is None or self.box is None:
            return None
        return StoredTokenVault(TokenStore(store, self.box), integration_id, name)

    def open_side(self, name: str) -> Any:
        """The side's client, paced and signed in (its tokens in the store for a side that keeps them)."""
        side = self.side(name)
        vault = self.token_vault(name) if side.keeps_tokens else None
        return side.open_client(self.connection(name), vault)

    # -- live choices and the connection test (the console and the CLI) ---------------------------------
    def setting_choices(self) -> dict[str, ChoiceList]:
        """The lists of ``setting_lists`` (and :meth:`derived_choices`), read live from both sides."""
        lists = self.read_choice_lists([*self.setting_lists.values(), *self.derived_from])
        choices = {path: lists[ref] for path, ref in self.setting_lists.items() if lists.get(ref)}
        choices.update(self.derived_choices(lists))
        return choices

    def derived_choices(self, lists: Mapping[tuple[str, str], ChoiceList]) -> dict[str, ChoiceList]:
        """Choices made from several lists (``lists``: (side, list) → pairs, those that could be read)."""
        return {}

    def read_choice_lists(self, refs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], ChoiceList]:
        """The (side, list) pairs asked for, one client per side; a side that cannot be opened offers none."""
        wanted: dict[str, list[str]] = {}
        for side, name in refs:
            if name not in wanted.setdefault(side, []):
                wanted[side].append(name)
        lists: dict[tuple[str, str], ChoiceList] = {}
        for spec in self.side_specs:
            if spec.name not in wanted:
                continue
            try:
                client = self.open_side(spec.name)
            except (ApiError, OSError):
                continue
            try:
                read = spec.choices(client, wanted[spec.name])
            finally:
                client.close()
            lists.update(((spec.name, name), pairs) for name, pairs in read.items())
        return lists

    def check_side(self, name: str) -> str:
        """Sign in to the side and ask for something small: what was found (raises ApiError if refused)."""
        side = self.side(name)
        if side.check is None:
            raise NotImplementedError(f"{self.kind} has no connection test for {name}")
        client = self.open_side(name)
        try:
            found: str = side.check(client)
        finally:
            client.close()
        return found

    # -- connecting (the console and the CLI) ----------------------------------------------------------
    def connection_states(self, store: Store, integration_id: int) -> dict[str, str]:
        states: dict[str, str] = {}
        for side in self.side_specs:
            vault = self.token_vault(side.name, store, integration_id) if side.keeps_tokens else None
            state = side.connection_state(self.connection(side.name), vault)
            if state is not None:
                states[side.name] = state
        return states

    def oauth_start(self, side: str, *, redirect_uri: str, state: str) -> str:
        return self._oauth(side).start(self.connection(side), redirect_uri=redirect_uri, state=state)

    def oauth_finish(
        self, store: Store, integration_id: int, side: str, *, redirect_uri: str, params: Mapping[str, str]
    ) -> None:
        vault = self._vault_to_write(side, store, integration_id, "encrypt")
        self._oauth(side).finish(self.connection(side), vault, redirect_uri=redirect_uri, params=params)

    def oauth_disconnect(self, store: Store, integration_id: int, side: str) -> str:
        vault = self._vault_to_write(side, store, integration_id, "read")
        return self._oauth(side).disconnect(self.connection(side), vault)

    def keep_token(
        self, store: Store, integration_id: int, token: Mapping[str, Any], side: str | None = None
    ) -> None:
        """Store a fresh grant (encrypted) for ``side`` (default: the kind's OAuth2 side); it replaces any
        earlier one and clears "reconnect required"."""
        name = side or self.oauth_sides[0]
        self._vault_to_write(name, store, integration_id, "encrypt").save(token)

    def _oauth(self, side: str) -> OAuthFlow:
        flow = self.side(side).oauth
        if flow is None:
            raise NotImplementedError(f"{self.kind} connects {side} with tokens, not by OAuth2")
        return flow

    def _vault_to_write(self, side: str, store: Store, integration_id: int, verb: str) -> StoredTokenVault:
        vault = self.token_vault(side, store, integration_id)
        if vault is None:
            raise AuthError(f"{self.side(side).title}: no secret box to {verb} the tokens with")
        return vault
