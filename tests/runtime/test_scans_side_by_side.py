"""Issue 16: the safety-net scans of many tenants run side by side. One after another, a thousand tenants'
first round (11 calls each) took far longer than the minute between rounds."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ledgerbridge.config import Config
from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.runtime.tenants import QuietScans
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.sandbox.faults import FaultPlan
from ledgerbridge.service import Ledgerbridge
from ledgerbridge.systems import economic, rackbeat

TOKEN = "scan-token"
TENANTS = 8
LATENCY = 0.25  # seconds Rackbeat takes for each read


def test_tenants_are_scanned_side_by_side(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGERBRIDGE_ALLOW_PRIVATE_URLS", "1")
    monkeypatch.setenv("LEDGERBRIDGE_RACKBEAT_PER_MINUTE", "1000000")  # one token stands for eight
    books = economic.EconomicState()
    economic.seed_demo(books, customers=0, products=0, suppliers=0)
    rackbeat_app = rackbeat.create_app(token=TOKEN, rate_limit=None)
    with (
        SandboxServer(economic.create_app(books, rate_limit=None)) as eco,
        SandboxServer(rackbeat_app) as rb,
    ):
        service = Ledgerbridge(
            Config(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", secret_key=None)
        )
        connections = {
            "economic": {"base_url": eco.base_url, "app_secret_token": "a", "agreement_grant_token": "b"},
            "rackbeat": {"base_url": rb.base_url, "token": TOKEN},
        }
        for n in range(TENANTS):
            service.add_integration(f"company-{n}", "rackbeat-economic", connections)
        hub = RealtimeHub(service)
        try:
            for n in range(TENANTS):
                hub.session(f"company-{n}")  # opened before the clock starts
            rackbeat_app.kit.set_faults(FaultPlan(latency_ms=int(LATENCY * 1000), methods=["GET"]))
            rackbeat_app.kit.clear_log()
            started = time.monotonic()
            QuietScans(hub).run()
            elapsed = time.monotonic() - started
            reads = sum(1 for r in rackbeat_app.kit.requests if r.method == "GET")
        finally:
            rackbeat_app.kit.set_faults(FaultPlan())
            hub.close()
            service.close()
    assert reads >= TENANTS * 5  # every tenant's first scan read its collections
    one_after_another = reads * LATENCY
    # Before: one tenant after another, never under the sum of the reads' latencies.
    assert elapsed < one_after_another / 3, f"{elapsed:.1f} s for {reads} reads"
