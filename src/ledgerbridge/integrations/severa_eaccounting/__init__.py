"""Visma Severa ↔ Visma eEkonomi / eAccounting (seed 004): the integration kind ``severa-eaccounting``.

- Settings page, in the seed's order: :mod:`.settings` (C12–C22; a register is refused until what it needs
  is chosen).
- Connecting: its two sides are the systems' own (``systems/severa``, ``systems/eaccounting``), through
  :class:`~ledgerbridge.integrations.sides.PairOfSides`: Severa by client credentials (``ledgerbridge
  connect NAME severa`` tests them, C62), its tokens kept encrypted in the store
  (:class:`~ledgerbridge.integrations.token_vaults.StoredTokenVault`); eEkonomi by Visma Connect OAuth2
  (``ledgerbridge connect NAME eaccounting``, C24), the same side code as ``rackbeat-eaccounting``.
- The data-transfer page: :mod:`.registers` (customers :mod:`.customers`, products :mod:`.products`,
  projects :mod:`.projects`, invoices and check sent/paid :mod:`.invoices`, supplier invoices
  :mod:`.supplier_costs`), one register at a time (C23) from the CLI, the admin API and the console, or on
  an optional schedule.

Every reading of the seed where it is ambiguous is in docs/integrations/severa-eaccounting.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar

from ledgerbridge.integrations.base import Operation, register
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
from ledgerbridge.integrations.sides import PairOfSides
from ledgerbridge.store.db import Store
from ledgerbridge.systems.eaccounting import EACCOUNTING_SIDE, EAccountingClient
from ledgerbridge.systems.eaccounting.connection import visma_connect
from ledgerbridge.systems.eaccounting.oauth import VismaConnect
from ledgerbridge.systems.errors import AuthError
from ledgerbridge.systems.severa import SEVERA_SIDE, Severa, SeveraClient

SEVERA, EACCOUNTING = SEVERA_SIDE.name, EACCOUNTING_SIDE.name
#: What the connection test calls each side (the seed's words).
CHECK_NAMES = {SEVERA: "Severa", EACCOUNTING: "eEkonomi"}

__all__ = ["REGISTERS", "RegisterRefused", "RegisterRun", "SeveraEAccounting"]


@register
class SeveraEAccounting(PairOfSides):
    kind: ClassVar[str] = "severa-eaccounting"
    title: ClassVar[str] = "Visma Severa ↔ Visma eEkonomi / eAccounting"
    # sides and oauth_sides (eEkonomi's Visma Connect) follow from these (PairOfSides).
    side_specs = (SEVERA_SIDE, EACCOUNTING_SIDE)
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

    #: C13 ("Anslut"): cost centers and articles from eEkonomi, invoice statuses from Severa, live.
    setting_lists: ClassVar[Mapping[str, tuple[str, str]]] = {
        "projects.cost_center_id": (EACCOUNTING, "cost_centers"),
        "invoices.default_article_number": (EACCOUNTING, "articles"),
        "products.coding_id": (EACCOUNTING, "article_coding_names"),
        **{
            f"statuses.{field}": (SEVERA, "invoice_statuses")
            for field in ("to_transfer", "transferred", "sent", "paid")
        },
    }

    def visma_connect(self, http: Any = None, redirect_uri: str | None = None) -> VismaConnect:
        """Visma Connect for this integration's client (``ledgerbridge connect``'s loopback sign-in)."""
        return visma_connect(self.connections.eaccounting, http, redirect_uri)

    def open_eaccounting(self) -> EAccountingClient:
        books: EAccountingClient = self.open_side(EACCOUNTING)
        return books

    def open_severa(self) -> SeveraClient:
        """Signed in by client credentials; tokens in the store when attached, else in memory."""
        client: SeveraClient = self.open_side(SEVERA)
        return client

    def test_connection(self, side: str) -> str:
        """Sign in to ``side`` and ask for something small; says what was found (raises ApiError)."""
        return f"{CHECK_NAMES[side]} answers: {self.check_side(side)}"

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
