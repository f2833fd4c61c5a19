"""Visma Severa ↔ Visma eEkonomi / eAccounting (seed 004): the integration kind ``severa-eaccounting``.

- Settings page, in the seed's order: :mod:`.settings` (C12–C22; a register is refused until what it needs
  is chosen).
- Connecting: Severa by client credentials (``ledgerbridge connect NAME severa`` tests them, C62); its
  tokens are kept encrypted in the store (:class:`~ledgerbridge.integrations.token_vaults.StoredTokenVault`).
  eEkonomi by Visma Connect OAuth2 (``ledgerbridge connect NAME eaccounting``, C24), the same sign-in as
  ``rackbeat-eaccounting``.
- The data-transfer page: :mod:`.registers` (customers :mod:`.customers`, products :mod:`.products`,
  projects :mod:`.projects`, invoices and check sent/paid :mod:`.invoices`, supplier invoices
  :mod:`.supplier_costs`), one register at a time (C23) from the CLI, the admin API and the console, or on
  an optional schedule.

Every reading of the seed where it is ambiguous is in docs/integrations/severa-eaccounting.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar, cast

from ledgerbridge.engine.tokens import TokenStore
from ledgerbridge.integrations.base import IntegrationKind, Operation, register
from ledgerbridge.integrations.rackbeat_eaccounting import RackbeatEAccounting
from ledgerbridge.integrations.severa_eaccounting.registers import (
    RegisterRefused,
    RegisterRun,
    SeveraEAccountingSession,
)
from ledgerbridge.integrations.severa_eaccounting.settings import (
    REGISTERS,
    SeveraEAccountingConnections,
    SeveraEAccountingSettings,
    refusal,
)
from ledgerbridge.integrations.token_vaults import StoredTokenVault
from ledgerbridge.store.db import Store
from ledgerbridge.systems.eaccounting import EAccountingClient
from ledgerbridge.systems.eaccounting.adapters import CostCenterItems
from ledgerbridge.systems.eaccounting.oauth import VismaConnect
from ledgerbridge.systems.errors import ApiError, AuthError
from ledgerbridge.systems.severa import MemoryVault, Severa, SeveraClient

SEVERA, EACCOUNTING = "severa", "eaccounting"

__all__ = ["REGISTERS", "RegisterRefused", "RegisterRun", "SeveraEAccounting"]


@register
class SeveraEAccounting(IntegrationKind):
    kind: ClassVar[str] = "severa-eaccounting"
    title: ClassVar[str] = "Visma Severa ↔ Visma eEkonomi / eAccounting"
    sides: ClassVar[tuple[str, str]] = (SEVERA, EACCOUNTING)
    oauth_sides: ClassVar[tuple[str, ...]] = (EACCOUNTING,)
    setting_groups: ClassVar[tuple[str, ...]] = (
        "masters",
        "projects",
        "invoices",
        "supplier_invoices",
        "statuses",
        "products",
        "customers",
        "schedule",
    )
    #: The registers of the data-transfer page (C26), in the order the schedule runs them.
    registers: ClassVar[tuple[str, ...]] = REGISTERS
    Settings = SeveraEAccountingSettings
    Connections = SeveraEAccountingConnections

    connections: SeveraEAccountingConnections
    settings: SeveraEAccountingSettings

    # -- eEkonomi: the Visma Connect sign-in of rackbeat-eaccounting, shared: its methods read only
    # ``connections.eaccounting``, ``store``, ``integration_id`` and ``box``, which this kind has too.
    def _visma(self) -> Any:
        return cast(Any, self)

    def visma_connect(self, http: Any = None, redirect_uri: str | None = None) -> VismaConnect:
        return RackbeatEAccounting.visma_connect(self._visma(), http, redirect_uri)

    def token_store(self) -> TokenStore:
        return RackbeatEAccounting.token_store(self._visma())

    def oauth_start(self, side: str, *, redirect_uri: str, state: str) -> str:
        return RackbeatEAccounting.oauth_start(self._visma(), side, redirect_uri=redirect_uri, state=state)

    def oauth_finish(
        self, store: Store, integration_id: int, side: str, *, redirect_uri: str, params: Mapping[str, str]
    ) -> None:
        RackbeatEAccounting.oauth_finish(
            self._visma(), store, integration_id, side, redirect_uri=redirect_uri, params=params
        )

    def oauth_disconnect(self, store: Store, integration_id: int, side: str) -> str:
        return RackbeatEAccounting.oauth_disconnect(self._visma(), store, integration_id, side)

    def keep_token(self, store: Store, integration_id: int, token: Mapping[str, Any]) -> None:
        RackbeatEAccounting.keep_token(self._visma(), store, integration_id, token)

    def open_eaccounting(self) -> EAccountingClient:
        return RackbeatEAccounting.open_eaccounting(self._visma())

    def connection_states(self, store: Store, integration_id: int) -> dict[str, str]:
        states = RackbeatEAccounting.connection_states(self._visma(), store, integration_id)
        if self.box is not None:
            state = TokenStore(store, self.box).state(integration_id, SEVERA)
            if state == "reconnect_required":  # the client credentials were refused
                states[SEVERA] = state
        return states

    # -- Severa: client credentials ---------------------------------------------------------------------
    def open_severa(self) -> SeveraClient:
        vault: Any = MemoryVault()
        if self.store is not None and self.box is not None and self.integration_id is not None:
            vault = StoredTokenVault(TokenStore(self.store, self.box), self.integration_id, SEVERA)
        return SeveraClient.open(self.connections.severa, vault)

    def test_connection(self, side: str) -> str:
        """Sign in to ``side`` and ask for something small; says what was found (raises ApiError)."""
        if side == SEVERA:
            with self.open_severa() as client:
                client.test_connection()
                details = Severa(client).organisation.details()
            return f"Severa answers: signed in to {details.get('name') or 'the organisation'}"
        with self.open_eaccounting() as books:
            company = books.get("companysettings")
        return f"eEkonomi answers: signed in to {company.get('Name') or 'the company'}"

    @contextmanager
    def clients(self) -> Iterator[tuple[Severa, EAccountingClient]]:
        severa = self.open_severa()
        try:
            books = self.open_eaccounting()
        except BaseException:
            severa.close()
            raise
        try:
            yield Severa(severa), books
        finally:
            severa.close()
            books.close()

    def setting_choices(self) -> dict[str, list[tuple[str, str]]]:
        """C13 ("Anslut"): cost centers and articles from eEkonomi, invoice statuses from Severa, live."""
        choices: dict[str, list[tuple[str, str]]] = {}
        try:
            with self.clients() as (severa, books):
                choices["projects.cost_center_id"] = [
                    (str(c["Id"]), f"{c.get('Number')}: {c.get('Name')}")
                    for c in CostCenterItems(books).cost_centers()
                ]
                choices["invoices.default_article_number"] = [
                    (str(a["Number"]), f"{a['Number']} {a.get('Name')}")
                    for a in books.iter_collection("articles")
                    if a.get("IsActive", True)
                ]
                choices["products.coding_id"] = [
                    (str(c["Id"]), str(c.get("Name"))) for c in books.iter_collection("articleaccountcodings")
                ]
                statuses = [(str(s["guid"]), str(s.get("name"))) for s in severa.invoice_statuses.search()]
                for field in ("to_transfer", "transferred", "sent", "paid"):
                    choices[f"statuses.{field}"] = statuses
        except ApiError:
            pass  # an unreachable or unconnected system: offer what could be read
        return choices

    # -- operations --------------------------------------------------------------------------------------
    def refusal(self, register_name: str) -> str | None:
        return refusal(self.settings, register_name)

    @contextmanager
    def startup(self) -> Iterator[Operation]:
        """``sync --startup``: the master-data registers whose settings are set, in order."""
        if self.store is None or self.integration_id is None:
            raise AuthError("severa-eaccounting: this integration is not attached to a store")
        with self.clients() as (severa, books):
            session = SeveraEAccountingSession(
                self.store, self.integration_id, severa, books, self.settings, self.sides
            )
            lookups = session.lookups()
            flows = [
                flow
                for name in ("customers", "products", "projects")
                if refusal(self.settings, name) is None
                for flow in session._flows(name, lookups)
            ]
            yield Operation(flows)

    def realtime(self, store: Store, integration_id: int) -> SeveraEAccountingSession:
        severa = self.open_severa()
        try:
            books = self.open_eaccounting()
        except BaseException:
            severa.close()
            raise

        def close() -> None:
            severa.close()
            books.close()

        return SeveraEAccountingSession(
            store, integration_id, Severa(severa), books, self.settings, self.sides, close
        )
