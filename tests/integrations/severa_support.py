"""The Severa sandbox (served once per session, demo organisation fresh per test) and an eAccounting sandbox
with the Severa demo's company and Visma Connect, both over HTTP on loopback; ledgerbridge between them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledgerbridge.config import Config
from ledgerbridge.demo_severa import seed_severa_books
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.service import Ledgerbridge
from ledgerbridge.systems.eaccounting import EAccountingClient, EAccountingState, create_app
from ledgerbridge.systems.eaccounting.oauth import authorize_via_loopback
from ledgerbridge.systems.eaccounting.sandbox.identity import IdentityServer
from ledgerbridge.systems.severa import DEFAULT_SCOPES, SeveraClient, SeveraConnection
from ledgerbridge.systems.severa.adapters import Severa
from ledgerbridge.systems.severa.sandbox.demo_data import demo_guid
from tests.integrations.eaccounting_support import CLIENT_ID, CLIENT_SECRET, free_port, grant_in_browser

NAME = "sev"
STATUS = {
    "to_transfer": demo_guid("status", "Till eEkonomi"),
    "transferred": demo_guid("status", "Överförd till eEkonomi"),
    "sent": demo_guid("status", "Skickad"),
    "paid": demo_guid("status", "Betald"),
}


@dataclass
class SWorld:
    severa_sandbox: Any
    books_app: Any
    identity: IdentityServer
    books_url: str
    redirect_uri: str
    service: Ledgerbridge
    config: Config
    cost_center_id: str

    @property
    def books(self) -> EAccountingState:
        return self.books_app.eaccounting_state

    @property
    def ops(self) -> Any:
        return self.severa_sandbox.state

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """Every required setting chosen, as a user of the demo would."""
        settings: dict[str, Any] = {
            "masters": {"customers": "severa", "products": "eaccounting"},
            "projects": {"cost_center_id": self.cost_center_id},
            "invoices": {"default_article_number": "ARB"},
            "supplier_invoices": {"transfer_as": "billable"},
            "statuses": dict(STATUS),
        }
        for key, value in overrides.items():
            settings[key] = {**settings.get(key, {}), **value} if isinstance(value, dict) else value
        return settings

    def connection(self, settings: dict[str, Any] | None = None) -> dict[str, Any]:
        return {
            "severa": {
                "base_url": self.severa_sandbox.base_url,
                "client_id": self.severa_sandbox.client_id,
                "client_secret": self.severa_sandbox.client_secret,
            },
            "eaccounting": {
                "base_url": f"{self.books_url}/v2",
                "identity_url": self.books_url,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uri": self.redirect_uri,
            },
            "settings": self.settings() if settings is None else settings,
        }

    def add(self, name: str = NAME, *, settings: dict[str, Any] | None = None, connect: bool = True) -> None:
        self.service.add_integration(name, "severa-eaccounting", self.connection(settings))
        if connect:
            self.connect(name)

    def connect(self, name: str = NAME) -> None:
        """C24: the Visma Connect sign-in as `ledgerbridge connect NAME eaccounting` runs it."""
        integration_id, kind = self.service.integration(name)
        with kind.visma_connect() as visma:  # type: ignore[attr-defined]
            token = authorize_via_loopback(visma, open_browser=grant_in_browser, timeout=10)
        kind.keep_token(self.service.store, integration_id, token)  # type: ignore[attr-defined]

    def api(self) -> EAccountingClient:
        token = self.identity.issue_tokens(
            CLIENT_ID, "ea:api offline_access ea:sales ea:purchase ea:accounting"
        )
        return EAccountingClient(f"{self.books_url}/v2", token["access_token"])

    @contextmanager
    def severa(self) -> Iterator[Severa]:
        connection = SeveraConnection(
            base_url=self.severa_sandbox.base_url,
            client_id=self.severa_sandbox.client_id,
            client_secret=self.severa_sandbox.client_secret,
            scopes=(*DEFAULT_SCOPES, "projects:write"),  # the test plays a Severa user who edits projects
        )
        with SeveraClient.open(connection, pacer=None) as client:
            yield Severa(client)

    def run(self, register: str, name: str = NAME, **kwargs: Any) -> Any:
        return self.service.run_register(name, register, **kwargs)

    def records(self, resource: str) -> list[dict[str, Any]]:
        return self.books.all(resource)


@contextmanager
def severa_world(database_url: str, tmp_path: Path, severa_sandbox: Any) -> Iterator[SWorld]:
    books = EAccountingState()
    cost_center_id = seed_severa_books(books)["cost_center_id"]
    redirect_uri = f"http://127.0.0.1:{free_port()}/callback"
    identity = IdentityServer()
    identity.register_client(CLIENT_ID, CLIENT_SECRET, [redirect_uri], name="ledgerbridge")
    books_app = create_app(books, identity=identity)
    config = Config(home=tmp_path / "home", database_url=database_url, secret_key=None)
    with SandboxServer(books_app) as ea:
        service = Ledgerbridge(config)
        try:
            yield SWorld(
                severa_sandbox,
                books_app,
                identity,
                ea.base_url,
                redirect_uri,
                service,
                config,
                cost_center_id,
            )
        finally:
            service.close()
