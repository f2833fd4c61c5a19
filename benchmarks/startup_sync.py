"""How fast is the start-up sync? Prints figures and ratios; asserts nothing.

    .venv/bin/python benchmarks/startup_sync.py [--customers 1000] [--products 2000] [--latency-ms 0]

Both sandboxes are served on loopback ports (real HTTP), the store is a fresh SQLite file (or
``--database-url``). Measured: the first run (everything created), a forced re-run (everything
unchanged: reads only, no writes), and a dry run. ``--latency-ms`` adds latency per Rackbeat call to see
how the run scales with a slower network.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from ledgerbridge.config import Config
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.service import Ledgerbridge
from ledgerbridge.systems import economic, rackbeat

os.environ.setdefault("LEDGERBRIDGE_ALLOW_PRIVATE_URLS", "1")  # the sandboxes run on 127.0.0.1


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    state = economic.EconomicState()
    economic.seed_demo(state, customers=args.customers, products=args.products)
    rackbeat_app = rackbeat.create_app(token="bench", rate_limit=None)
    economic_app = economic.create_app(state, rate_limit=None)
    with (
        tempfile.TemporaryDirectory() as tmp,
        SandboxServer(economic_app) as eco,
        SandboxServer(rackbeat_app) as rb,
    ):
        home = Path(tmp)
        url = args.database_url or f"sqlite:///{home / 'bench.sqlite3'}"
        service = Ledgerbridge(Config(home=home, database_url=url, secret_key=None))
        service.add_integration(
            "bench",
            "rackbeat-economic",
            {
                "economic": {"base_url": eco.base_url, "app_secret_token": "a", "agreement_grant_token": "b"},
                "rackbeat": {"base_url": rb.base_url, "token": "bench"},
            },
        )
        if args.latency_ms:
            rackbeat_app.kit.plan.latency_ms = args.latency_ms

        def timed(label: str, **kwargs: bool) -> tuple[float, int, int]:
            rackbeat_app.kit.clear_log()
            started = time.perf_counter()
            result = service.run_startup("bench", **kwargs)
            elapsed = time.perf_counter() - started
            records = sum(sum(c.values()) for c in result.counts.values())
            writes = sum(1 for r in rackbeat_app.kit.requests if r.method in ("POST", "PUT"))
            print(
                f"{label:<28} {records:>6} records  {elapsed:7.2f} s  {records / elapsed:8.0f} records/s"
                f"  {writes:>6} Rackbeat writes  status={result.status}"
            )
            return elapsed, records, writes

        print(
            f"start-up sync, {args.customers} customers, {args.products} products, "
            f"Rackbeat latency {args.latency_ms} ms, store {url.split(':')[0]}"
        )
        dry, _, _ = timed("dry run (plan only)", dry_run=True)
        first, records, _ = timed("first run (creates)")
        again, _, writes = timed("forced re-run (unchanged)", force=True)
        print(f"re-run / first run time: {again / first:.2f}  (writes on re-run: {writes})")
        print(f"dry run / first run time: {dry / first:.2f}")
        print(
            "incumbent, per seed 001: 'a few minutes' for real-time transfers; "
            f"this run: {first:.1f} s for {records} records"
        )
        service.close()


if __name__ == "__main__":
    main()
