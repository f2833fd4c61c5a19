"""Issue 16: what a thousand idle tenants' clients hold in one process. Every client shares the process's
one TLS context (httpx would load the CA bundle into a context per client), makes its connection pool at
its first call, and lets it go when idle, so a quiet tenant holds no open connection between its scans."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.systems import rackbeat
from ledgerbridge.systems.http import release_idle_clients
from ledgerbridge.systems.rackbeat import RackbeatClient
from ledgerbridge.systems.rackbeat.connection import RackbeatConnection, open_client

TOKEN = "idle-token"


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("LEDGERBRIDGE_ALLOW_PRIVATE_URLS", "1")
    with SandboxServer(rackbeat.create_app(token=TOKEN, rate_limit=None)) as server:
        yield server.base_url


def open_connections(port: int) -> int:
    """This machine's established TCP connections to ``port`` (client side), from /proc."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == port and fields[3] == "01":  # 01: ESTABLISHED
                count += 1
    return count


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_idle_pools_are_closed_and_made_again_at_the_next_call(served: str) -> None:
    port = int(served.rsplit(":", 1)[1])
    clients = [RackbeatClient(served, TOKEN) for _ in range(3)]
    try:
        for client in clients:
            client.list_page("products", limit=1)
        assert open_connections(port) == 3  # a keep-alive connection each
        assert release_idle_clients(3600) == 0  # called just now: not idle
        assert release_idle_clients(0) >= 3
        assert open_connections(port) == 0  # before: every pool kept its connection open
        assert clients[0].list_page("products", limit=1)["products"] == []  # a new pool, at once
        assert open_connections(port) == 1
    finally:
        for client in clients:
            client.close()
    with pytest.raises(RuntimeError, match="closed"):
        clients[0].list_page("products", limit=1)  # a closed client stays closed, as httpx's does


def test_a_hundred_tenants_clients_share_one_tls_context(served: str) -> None:
    connection = RackbeatConnection(base_url=served, token=TOKEN)  # type: ignore[arg-type]
    open_client(connection).close()  # the process's TLS context, made once
    gc.collect()
    before = rss_kb()
    clients = [open_client(connection) for _ in range(100)]
    try:
        for client in clients:
            client.list_page("products", limit=1)
        grown_mb = (rss_kb() - before) / 1024
        # Before: each client loaded the CA bundle into a TLS context of its own, about 0.4 MB each.
        assert grown_mb < 15, f"100 clients took {grown_mb:.1f} MB"
    finally:
        for client in clients:
            client.close()
