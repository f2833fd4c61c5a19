"""Issue 16: a tenant that has gone quiet costs a process nothing. The hub used to keep every integration's
session (its clients, caches and settings) open for the life of the process; now a session not used for
``LEDGERBRIDGE_SESSION_IDLE_SECONDS`` is closed, never while an item in flight (or any caller holding it)
uses it, and opened again at its next use. Its periodic jobs keep their times across the rest. Serving
processes, ``serve --cluster`` and cluster workers all run the sweep. Against the sandboxes over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ledgerbridge.runtime.cluster import Cluster
from ledgerbridge.runtime.embedded import ClusterReceiver, EmbeddedRuntime
from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.sandbox.faults import FaultPlan
from ledgerbridge.store.models import InboxItem
from tests.conftest import _empty_postgres
from tests.integrations.conftest import World, economic_world
from tests.integrations.test_realtime import wait_for
from tests.processes import stop
from tests.runtime.test_idle_tenants_memory import open_connections

COMMAND = [sys.executable, "-m", "ledgerbridge.cli.main"]


@pytest.fixture
def bare_world(tmp_path: Path) -> Iterator[World]:
    with economic_world(f"sqlite:///{tmp_path / 'ledgerbridge.sqlite3'}", tmp_path) as built:
        yield built


@pytest.fixture
def world(bare_world: World) -> World:
    bare_world.service.add_integration("acme", "rackbeat-economic", bare_world.connection())
    return bare_world


@pytest.fixture
def pg_world(postgres_url: str, tmp_path: Path) -> Iterator[World]:
    _empty_postgres(postgres_url)
    with economic_world(postgres_url, tmp_path) as built:
        built.service.add_integration("acme", "rackbeat-economic", built.connection())
        yield built


def port_of(url: str) -> int:
    return int(url.rstrip("/").rsplit(":", 1)[1])


def economic_calls(world: World) -> list[str]:
    return [f"{r.method} {r.path}" for r in world.economic_app.kit.requests]


def test_an_idle_session_is_closed_and_opened_again_at_its_next_use(world: World) -> None:
    hub = RealtimeHub(world.service)
    try:
        hub.scan("acme")  # opens the session; its Rackbeat client keeps a connection
        _, first = hub.session("acme")
        assert hub.open_sessions == 1 and open_connections(port_of(world.rackbeat_url)) >= 1
        assert hub.close_idle_sessions(3600) == 0  # used just now

        assert hub.close_idle_sessions(0) == 1  # before: kept for the life of the process
        assert hub.open_sessions == 0
        assert open_connections(port_of(world.rackbeat_url)) == 0  # its clients closed with it
        with pytest.raises(RuntimeError, match="closed"):
            first.scan(None)  # the closed session's clients stay closed

        world.ops.add("customer-groups", {"number": 77, "name": "Nye kunder"})
        assert hub.scan("acme") >= 1  # opened again, and works
        assert hub.open_sessions == 1 and hub.session("acme")[1] is not first
    finally:
        hub.close()


def test_a_session_an_item_in_flight_uses_is_not_closed(world: World) -> None:
    hub = RealtimeHub(world.service, document_concurrency=1)
    integration_id = world.service.integration("acme")[0]
    item_id, _ = hub.inbox.put(integration_id, source="rackbeat", event="customer.updated", record_key="4711")
    world.rackbeat_app.kit.set_faults(FaultPlan(latency_ms=1500, path_pattern="customers"))
    worked = threading.Thread(target=hub.drain, kwargs={"timeout": 30})
    try:
        worked.start()
        wait_for(lambda: hub.open_sessions == 1, what="the item's session opened")
        time.sleep(0.3)  # the item is waiting on Rackbeat's slow answer now
        _, in_use = hub.session("acme")
        assert hub.close_idle_sessions(0) == 0  # idle for 0 s, but an item in flight uses it
        worked.join(30)
        assert not worked.is_alive()
        with world.service.store.session() as db:
            item = db.scalars(select(InboxItem).where(InboxItem.id == item_id)).one()
            assert item.state != "pending"
            assert "closed" not in (item.error or "")  # its clients were never closed under it
        assert hub.session("acme")[1] is in_use
        assert hub.close_idle_sessions(0) == 1  # settled: now it may go
    finally:
        world.rackbeat_app.kit.set_faults(FaultPlan())
        worked.join(30)
        hub.close()


def test_a_session_held_by_a_caller_is_not_closed(world: World) -> None:
    hub = RealtimeHub(world.service)
    try:
        with hub.using("acme") as (_, session):
            assert hub.close_idle_sessions(0) == 0
            assert hub.session("acme")[1] is session
        assert hub.close_idle_sessions(0) == 1
    finally:
        hub.close()


def test_a_closed_session_waits_for_its_next_poll_and_keeps_its_schedule(world: World) -> None:
    # rackbeat-economic polls e-conomic's master data every 60 minutes by default.
    hub = RealtimeHub(world.service)
    try:
        assert hub.periodic_all()  # the first round polls e-conomic
        assert any("/customers" in call for call in economic_calls(world))
        assert hub.close_idle_sessions(0) == 1
        world.economic_app.kit.clear_log()

        assert hub.periodic_all() == []  # the next poll is an hour away: left closed, nothing asked
        assert hub.open_sessions == 0 and economic_calls(world) == []

        hub.scan("acme")  # a use opens it again ...
        assert hub.periodic_all() == []  # ... with its poll's time: before, a new session polled at once
        assert hub.open_sessions == 1 and economic_calls(world) == []
    finally:
        hub.close()


def test_embedded_serve_closes_idle_sessions(bare_world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # e-conomic's changes by web hook: no poll (the first one syncs the whole demo catalogue, for long).
    quiet = bare_world.connection(master_data={"economic_changes": "webhooks"})
    bare_world.service.add_integration("quiet", "rackbeat-economic", quiet)
    monkeypatch.setenv("LEDGERBRIDGE_SESSION_IDLE_SECONDS", "1")
    with EmbeddedRuntime(bare_world.service) as runtime:
        runtime.start()  # its scheduler's first round scans and polls: the session is opened
        wait_for(lambda: runtime.hub.open_sessions == 1, what="the first round opening the session")
        wait_for(lambda: runtime.hub.open_sessions == 0, timeout=20, what="the idle session closed")
        runtime.stop()


def test_serve_cluster_closes_idle_sessions_and_pools(
    pg_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGERBRIDGE_SESSION_IDLE_SECONDS", "1")
    monkeypatch.setenv("LEDGERBRIDGE_IDLE_POOL_SECONDS", "1")
    with ClusterReceiver(pg_world.service) as runtime:
        runtime.subscribe("http://127.0.0.1:9/", lambda line: None, background=False)  # opens the session
        assert runtime.hub.open_sessions == 1
        wait_for(lambda: runtime.hub.open_sessions == 0, what="the receiver closing the idle session")
        wait_for(lambda: open_connections(port_of(pg_world.rackbeat_url)) == 0, what="no connection left")


def test_a_cluster_worker_closes_the_sessions_it_opened(pg_world: World, tmp_path: Path) -> None:
    env: dict[str, Any] = {
        **os.environ,
        "LEDGERBRIDGE_HOME": str(pg_world.config.home),
        "LEDGERBRIDGE_DATABASE_URL": pg_world.config.database_url,
        "LEDGERBRIDGE_SESSION_IDLE_SECONDS": "1",
        "LEDGERBRIDGE_IDLE_POOL_SECONDS": "1",
    }
    cluster = Cluster(pg_world.service)
    cluster.ensure_schema()
    integration_id = pg_world.service.integration("acme")[0]
    cluster.hub.inbox.put(integration_id, source="rackbeat", event="customer.updated", record_key="4711")
    with cluster.open():
        cluster.dispatch()  # a process job for the customer
    output = tmp_path / "worker.log"
    with output.open("w") as log:
        worker = subprocess.Popen([*COMMAND, "worker", "--concurrency", "1"], env=env, stdout=log, stderr=log)
    try:
        wait_for(
            lambda: "idle sessions closed" in output.read_text(),
            timeout=180,  # the worker's imports take a while on a loaded machine
            what="the worker closing the session it opened for the job",
        )
        assert cluster.hub.inbox.count() == 0  # the job ran first
    finally:
        stop(worker)
        cluster.hub.close()


def test_a_severa_session_rests_until_its_schedule_is_due(severa_sandbox: Any, tmp_path: Path) -> None:
    from tests.integrations.severa_support import NAME, severa_world
    from tests.integrations.test_severa_eaccounting import fix_code_clash

    with severa_world(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path, severa_sandbox) as world:
        world.add()
        fix_code_clash(world)
        hub = RealtimeHub(world.service)
        try:
            assert hub.periodic_all() == []  # no schedule (the default): nothing is ever due
            assert hub.close_idle_sessions(0) == 1
            assert hub.periodic_all() == [] and hub.open_sessions == 0  # left closed for good

            world.service.update_settings(NAME, world.settings(schedule={"interval_minutes": 60}))
            hub.reload(NAME)
            assert hub.periodic_all()  # the registers ran; the next round is in an hour
            assert hub.close_idle_sessions(0) == 1
            assert hub.periodic_all() == [] and hub.open_sessions == 0
        finally:
            hub.close()
