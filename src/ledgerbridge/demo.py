"""``ledgerbridge demo``: both sandboxes in-process, a Danish demo company, and the start-up sync.

The demo keeps its own data directory (``$LEDGERBRIDGE_HOME/demo``, emptied at every start) so it
never touches a real installation's integrations.
"""

from __future__ import annotations

import shutil
import threading
import time

from rich.console import Console
from rich.panel import Panel

from ledgerbridge.cli.render import RichProgress, print_result, progress_bars
from ledgerbridge.config import Config
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.service import Ledgerbridge
from ledgerbridge.systems import economic, rackbeat

DEMO_NAME = "demo"
RACKBEAT_TOKEN = "demo-rackbeat-token"
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
) -> int:
    config = demo_config()
    shutil.rmtree(config.home, ignore_errors=True)

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
                    "settings": {},
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
        finally:
            service.close()
        if exit_after_sync:
            return 0 if result.ok else 1
        console.print(
            Panel.fit(
                "The sandboxes keep running. Try, in another terminal:\n"
                f"  curl -H 'Authorization: Bearer {RACKBEAT_TOKEN}' '{rb.base_url}/customers?limit=3'\n"
                "  curl -H 'X-AppSecretToken: demo' -H 'X-AgreementGrantToken: demo' \\\n"
                f"       '{eco.base_url}/products?pagesize=3'\n"
                f"  LEDGERBRIDGE_HOME={config.home} ledgerbridge runs {DEMO_NAME}\n"
                "Press Ctrl+C to stop.",
                title="running",
            )
        )
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            console.print("Stopped.")
    return 0


def economic_state_company(state: economic.EconomicState) -> str:
    """The demo company's name, for the banner."""
    try:
        return str(state.agreement["company"]["name"])
    except Exception:  # the banner must never stop the demo
        return "A Danish demo company"
