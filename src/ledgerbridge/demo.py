"""``ledgerbridge demo``: the sandboxes in-process, a Danish demo company in e-conomic and a Swedish one
in eAccounting (each with a Rackbeat account of its own), the start-up syncs, then real-time sync (what
``ledgerbridge serve`` does) and the web console until interrupted.

The demo keeps its own data directory (``$LEDGERBRIDGE_HOME/demo``, emptied at every start) so it
never touches a real installation's integrations.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.panel import Panel

from ledgerbridge.config import Config
from ledgerbridge.demo_severa import severa_demo
from ledgerbridge.netguard import ALLOW_PRIVATE_ENV
from ledgerbridge.runtime.embedded import EmbeddedRuntime
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.service import Ledgerbridge
from ledgerbridge.systems import economic, rackbeat
from ledgerbridge.systems.eaccounting import EAccountingState
from ledgerbridge.systems.eaccounting import create_app as create_eaccounting_app
from ledgerbridge.systems.eaccounting.sandbox.demo_data import seed_demo_company
from ledgerbridge.systems.eaccounting.sandbox.identity import IdentityServer
from ledgerbridge.terminal import RichProgress, print_result, progress_bars
from ledgerbridge.web.app import create_app

DEMO_NAME = "demo"
DEMO_SE_NAME = "demo-se"
DEMO_SE_SETTINGS: dict[str, Any] = {
    "invoices": {"status": "invoiced"},
    "supplier_invoices": {"enabled": True},
    "orders": {"enabled": True},
}
VISMA_CLIENT = ("ledgerbridge-demo", "demo-client-secret")
# The demo company's chart of accounts: 1210 purchases, 1100 sales, 5600 debtors, 6110 creditors.
DEMO_SETTINGS: dict[str, Any] = {
    "customer_invoices": {
        "enabled": True,
        "post_invoices": True,
        "mark_invoices_as_sent": True,
        "account_for_customer_groups": 5600,
    },
    "supplier_invoices": {"enabled": True, "day_book": 2, "account_for_supplier_groups": 6110},
    "accounting": {"standard_account": 1210},
    "products": {"account_for_product_groups": 1100},
}
RACKBEAT_TOKEN = "demo-rackbeat-token"
# The console's admin password in the demo (its data directory is private and reset at every start).
DEMO_ADMIN_PASSWORD = "demo-console"
# Not demo/demo: that pair is read-only, like e-conomic's shared demo agreement; later flows write.
ECONOMIC_TOKENS = ("demo-app-secret-token", "demo-agreement-grant-token")


def demo_config() -> Config:
    base = Config.from_env()
    home = base.home / "demo"
    return Config(home=home, database_url=f"sqlite:///{home / 'ledgerbridge.sqlite3'}", secret_key=None)


def run_demo(
    console: Console,
    *,
    exit_after_sync: bool,
    customers: int = 300,
    products: int = 600,
    economic_port: int = 0,
    rackbeat_port: int = 0,
    rackbeat_rate_limit: int = 480,
    eaccounting: bool = True,
    severa: bool = True,
) -> int:
    config = demo_config()
    shutil.rmtree(config.home, ignore_errors=True)
    # The demo's sandboxes listen on 127.0.0.1, an address refused for connections otherwise.
    os.environ[ALLOW_PRIVATE_ENV] = "1"

    economic_state = economic.EconomicState()
    economic.seed_demo(economic_state, customers=customers, products=products)
    economic_app = economic.create_app(economic_state)
    # Rackbeat publishes no rate limit; 480 calls a minute is what a long-lived public client paces itself
    # to, so the sandbox enforces it by default and the sync waits whenever Rackbeat says 429.
    rackbeat_app = rackbeat.create_app(
        token=RACKBEAT_TOKEN, rate_limit=(rackbeat_rate_limit, 60.0) if rackbeat_rate_limit else None
    )

    with (
        SandboxServer(economic_app, port=economic_port) as eco,
        SandboxServer(rackbeat_app, port=rackbeat_port) as rb,
    ):
        service = Ledgerbridge(config)
        try:
            service.add_integration(
                DEMO_NAME,
                "rackbeat-economic",
                {
                    "economic": {
                        "base_url": eco.base_url,
                        "app_secret_token": ECONOMIC_TOKENS[0],
                        "agreement_grant_token": ECONOMIC_TOKENS[1],
                    },
                    "rackbeat": {"base_url": rb.base_url, "token": RACKBEAT_TOKEN},
                    "settings": DEMO_SETTINGS,
                },
            )
            company = economic_state_company(economic_state)
            console.print(
                Panel.fit(
                    f"[bold]{company}[/] in the e-conomic sandbox at {eco.base_url}\n"
                    f"an empty Rackbeat account in the Rackbeat sandbox at {rb.base_url}\n"
                    f"integration [bold]{DEMO_NAME}[/] (rackbeat-economic), data in {config.home}\n"
                    + (
                        f"Rackbeat allows {rackbeat_rate_limit} calls a minute here (an assumption: Rackbeat "
                        "publishes no figure);\nthe sync waits when told. --rackbeat-rate-limit 0 lifts it."
                        if rackbeat_rate_limit
                        else "No rate limit on the Rackbeat sandbox."
                    ),
                    title="ledgerbridge demo",
                )
            )
            started = time.monotonic()
            with progress_bars() as bars:
                result = service.run_startup(DEMO_NAME, progress=RichProgress(bars))
            print_result(result, time.monotonic() - started)
            ok = result.ok
            with (
                _eaccounting_demo(console, service, enabled=eaccounting) as se_ok,
                severa_demo(console, service, enabled=severa) as severa_ok,
            ):
                ok = ok and se_ok and severa_ok
                if exit_after_sync:
                    return 0 if ok else 1
                run_realtime(console, service, rackbeat_app, eco.base_url, rb.base_url, config.home)
        finally:
            service.close()
    return 0


def run_realtime(
    console: Console,
    service: Ledgerbridge,
    rackbeat_app: Any,
    economic_url: str,
    rackbeat_url: str,
    home: Path,
) -> None:
    """What `ledgerbridge serve` does, in-process: webhooks in, invoices and master data out, until Ctrl+C."""
    if not service.has_admin_password():
        service.set_admin_password(DEMO_ADMIN_PASSWORD)
    with (
        EmbeddedRuntime(service) as runtime,
        SandboxServer(create_app(runtime.hub, runtime.notifier)) as web,
    ):
        # As `serve` does, but before the instructions are printed, so the first webhook finds its way.
        runtime.subscribe(
            web.base_url,
            lambda line: console.print(f"{line} at {web.base_url}", highlight=False, markup=False),
            background=False,
        )
        runtime.start()
        customer = next(
            c for c in rackbeat_app.rackbeat_state.records("customers") if c.get("currency") == "DKK"
        )
        product = rackbeat_app.rackbeat_state.records("products")[0]
        auth = f"-H 'Authorization: Bearer {RACKBEAT_TOKEN}'"
        body = json.dumps(
            {
                "customer_id": customer["number"],
                "invoice_date": date.today().isoformat(),
                "lines": [
                    {"child_id": product["number"], "name": "Demo line", "quantity": 2, "line_price": 100}
                ],
            }
        )
        console.rule("real-time sync is running")
        console.print(
            f"The web console: {web.base_url}/console (log in with the password {DEMO_ADMIN_PASSWORD})",
            soft_wrap=True,
            highlight=False,
            markup=False,
        )
        # Plain, soft-wrapped lines: a panel would break the commands when they are copied.
        console.print(
            f"Webhooks arrive at {web.base_url}; the admin API is at {web.base_url}/docs.\n"
            "In another terminal, be a Rackbeat user: make an invoice and book it,\n"
            f"  curl -s {auth} -H 'Content-Type: application/json' "
            f"{rackbeat_url}/customer-invoices -d '{body}'\n"
            f"  curl -s -X POST {auth} {rackbeat_url}/customer-invoices/1/book\n"
            "and find it booked in e-conomic with the same number a moment later:\n"
            "  curl -s -H 'X-AppSecretToken: demo' -H 'X-AgreementGrantToken: demo' "
            f"{economic_url}/invoices/booked/1\n"
            f"  LEDGERBRIDGE_HOME={home} ledgerbridge transfer {DEMO_NAME} invoice 1    # safe to repeat\n"
            "Press Ctrl+C to stop.",
            soft_wrap=True,
            highlight=False,
            markup=False,
        )
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            console.print("Stopped.")
        finally:
            runtime.stop()


@contextmanager
def _eaccounting_demo(console: Console, service: Ledgerbridge, *, enabled: bool) -> Iterator[bool]:
    """The second integration: a Swedish company in the eAccounting sandbox and its own Rackbeat account.

    The demo signs in to the sandbox's Visma Connect on the user's behalf (``ledgerbridge connect`` does it
    with a browser against a real account).
    """
    if not enabled:
        yield True
        return
    books = EAccountingState()
    seed_demo_company(books)
    identity = IdentityServer()
    redirect_uri = "http://127.0.0.1:8765/callback"
    identity.register_client(*VISMA_CLIENT, [redirect_uri], name="ledgerbridge demo")
    rackbeat_se = rackbeat.create_app(token=RACKBEAT_TOKEN, rate_limit=None)
    with (
        SandboxServer(create_eaccounting_app(books, identity=identity)) as ea,
        SandboxServer(rackbeat_se) as rb,
    ):
        view = service.add_integration(
            DEMO_SE_NAME,
            "rackbeat-eaccounting",
            {
                "eaccounting": {
                    "base_url": f"{ea.base_url}/v2",
                    "identity_url": ea.base_url,
                    "client_id": VISMA_CLIENT[0],
                    "client_secret": VISMA_CLIENT[1],
                    "redirect_uri": redirect_uri,
                },
                "rackbeat": {"base_url": rb.base_url, "token": RACKBEAT_TOKEN},
                "settings": DEMO_SE_SETTINGS,
            },
        )
        integration_id, kind = service.integration(view.name)
        grant = identity.issue_tokens(
            VISMA_CLIENT[0], "ea:api offline_access ea:sales ea:purchase ea:accounting"
        )
        kind.keep_token(service.store, integration_id, grant)  # type: ignore[attr-defined]
        company = books.company_settings().get("Name") or "A Swedish demo company"
        console.print(
            Panel.fit(
                f"[bold]{company}[/] in the eAccounting sandbox at {ea.base_url}/v2\n"
                f"its own empty Rackbeat account at {rb.base_url}\n"
                f"integration [bold]{DEMO_SE_NAME}[/] (rackbeat-eaccounting), signed in through the "
                "sandbox's Visma Connect",
                title="and Rackbeat ↔ eAccounting",
            )
        )
        started = time.monotonic()
        with progress_bars() as bars:
            result = service.run_startup(DEMO_SE_NAME, progress=RichProgress(bars))
        print_result(result, time.monotonic() - started)
        yield result.ok


def economic_state_company(state: economic.EconomicState) -> str:
    """The demo company's name, for the banner."""
    try:
        return str(state.agreement["company"]["name"])
    except Exception:  # the banner must never stop the demo
        return "A Danish demo company"
