"""The Rackbeat and eAccounting sandboxes (with Visma Connect) on loopback ports, and ledgerbridge between."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ledgerbridge.config import Config
from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.runtime.threads import InboxWorker
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.service import Ledgerbridge
from ledgerbridge.systems import rackbeat
from ledgerbridge.systems.eaccounting import EAccountingClient, EAccountingState, create_app
from ledgerbridge.systems.eaccounting.oauth import authorize_via_loopback
from ledgerbridge.systems.eaccounting.sandbox.demo_data import seed_demo_company
from ledgerbridge.systems.eaccounting.sandbox.identity import IdentityServer
from ledgerbridge.systems.rackbeat import RackbeatClient
from ledgerbridge.web.app import create_app as create_web_app
from tests.support import invoice_body

RACKBEAT_TOKEN = "test-token"
CLIENT_ID, CLIENT_SECRET = "ledgerbridge-test", "client-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def grant_in_browser(url: str) -> None:
    """What the user does on Visma Connect's page: open it, press "Grant access" (follows the redirect)."""
    with httpx.Client(follow_redirects=True, timeout=10) as browser:
        page = browser.get(url)
        page.raise_for_status()
        found = re.search(r'name=.?request_id.? value="([^"]+)"', page.text)
        assert found, "the consent page has no request id"
        request_id = found.group(1)
        answer = browser.post(
            str(page.url).split("?", 1)[0], data={"request_id": request_id, "decision": "grant"}
        )
        answer.raise_for_status()


@dataclass
class EWorld:
    books_app: Any
    identity: IdentityServer
    rackbeat_app: Any
    books_url: str
    rackbeat_url: str
    redirect_uri: str
    service: Ledgerbridge
    config: Config

    @property
    def books(self) -> EAccountingState:
        return self.books_app.eaccounting_state

    @property
    def ops(self) -> rackbeat.RackbeatState:
        return self.rackbeat_app.rackbeat_state

    def connection(self, **settings: Any) -> dict[str, Any]:
        return {
            "eaccounting": {
                "base_url": f"{self.books_url}/v2",
                "identity_url": self.books_url,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uri": self.redirect_uri,
            },
            "rackbeat": {"base_url": self.rackbeat_url, "token": RACKBEAT_TOKEN},
            "settings": settings,
        }

    def add(self, name: str, *, connect: bool = True, **settings: Any) -> None:
        self.service.add_integration(name, "rackbeat-eaccounting", self.connection(**settings))
        if connect:
            self.connect(name)

    def connect(self, name: str) -> None:
        """The OAuth2 flow as `ledgerbridge connect` runs it: a real redirect to a loopback callback."""
        integration_id, kind = self.service.integration(name)
        with kind.visma_connect() as visma:  # type: ignore[attr-defined]
            token = authorize_via_loopback(visma, open_browser=grant_in_browser, timeout=10)
        kind.keep_token(self.service.store, integration_id, token)  # type: ignore[attr-defined]

    def api(self) -> EAccountingClient:
        """An eAccounting client of our own (a separate grant), to look at the books."""
        token = self.identity.issue_tokens(
            CLIENT_ID, "ea:api offline_access ea:sales ea:purchase ea:accounting"
        )
        return EAccountingClient(f"{self.books_url}/v2", token["access_token"])

    def rackbeat(self) -> RackbeatClient:
        return RackbeatClient(self.rackbeat_url, RACKBEAT_TOKEN)


@contextmanager
def eaccounting_world(database_url: str, tmp_path: Path) -> Iterator[EWorld]:
    books = EAccountingState()
    seed_demo_company(books)
    redirect_uri = f"http://127.0.0.1:{free_port()}/callback"
    identity = IdentityServer()
    identity.register_client(CLIENT_ID, CLIENT_SECRET, [redirect_uri], name="ledgerbridge")
    books_app = create_app(books, identity=identity)
    rackbeat_app = rackbeat.create_app(token=RACKBEAT_TOKEN)
    config = Config(home=tmp_path / "home", database_url=database_url, secret_key=None)
    with SandboxServer(books_app) as ea, SandboxServer(rackbeat_app) as rb:
        service = Ledgerbridge(config)
        try:
            yield EWorld(
                books_app, identity, rackbeat_app, ea.base_url, rb.base_url, redirect_uri, service, config
            )
        finally:
            service.close()


def goods_at_25(ops: Any) -> list[dict[str, Any]]:
    """Rackbeat products in the group that came from the coding "Varor 25% moms"."""
    return [p for p in ops.records("products") if (p.get("group") or {}).get("name") == "Varor 25% moms"]


@dataclass
class ELive:
    world: EWorld
    hub: RealtimeHub
    worker: InboxWorker
    url: str
    rackbeat: RackbeatClient
    books: EAccountingClient

    def new_invoice(self, *, lines: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
        if lines is None:
            # Two products whose eAccounting coding has Rackbeat's 25 %: the totals check would hold
            # any other rate as a draft (tests/integrations/test_eaccounting_books.py shows that).
            lines = invoice_body(self.world.ops, products=goods_at_25(self.world.ops))["lines"]
        body = invoice_body(self.world.ops, lines=lines, **{"heading": "Leverans vecka 47", **fields})
        return self.rackbeat.create("customer-invoices", body)

    def book(self, invoice: dict[str, Any]) -> dict[str, Any]:
        return self.rackbeat.book("customer-invoices", invoice["number"])

    def invoices(self) -> list[dict[str, Any]]:
        return list(self.books.iter_collection("customerinvoices"))

    def drafts(self) -> list[dict[str, Any]]:
        return list(self.books.iter_collection("customerinvoicedrafts"))


@contextmanager
def open_elive(
    world: EWorld, name: str, settings: dict[str, Any], *, add: bool = True, startup: bool = True
) -> Iterator[ELive]:
    if add:
        world.add(name, **settings)
    if startup:
        assert world.service.run_startup(name).ok
    world.rackbeat_app.webhooks.configure(retry_base_seconds=0.05)
    hub = RealtimeHub(world.service)
    worker = InboxWorker(hub, poll_seconds=0.2)
    books = world.api()
    rb = world.rackbeat()
    with SandboxServer(create_web_app(hub, worker)) as server:
        hub.register_webhooks(name, server.base_url)
        worker.start()
        try:
            yield ELive(world, hub, worker, server.base_url, rb, books)
        finally:
            worker.stop()
            worker.join(5)
            hub.close()
            books.close()
            rb.close()
