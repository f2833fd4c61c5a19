"""``serve --cluster --intake-processes N`` (issue 16): processes that only take webhooks share one listening
socket; webhooks are subscribed at their port; every delivery answered 200 is in PostgreSQL; none of them
is left behind taking webhooks when the serving process is killed. Real processes, real PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import text

from ledgerbridge.engine.webhook_secrets import WebhookSecrets
from ledgerbridge.runtime.hub import RealtimeHub
from tests.integrations.eaccounting_support import EWorld, free_port
from tests.integrations.test_realtime import wait_for
from tests.runtime.test_cluster import pg_world  # noqa: F401  (the fixture)

EVENT = "customer_invoice.booked"


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_intake_processes_take_webhooks_side_by_side_and_go_with_serve(pg_world: EWorld) -> None:  # noqa: F811
    world = pg_world
    world.add("se")
    env = {
        **os.environ,
        "LEDGERBRIDGE_HOME": str(world.config.home),
        "LEDGERBRIDGE_DATABASE_URL": world.config.database_url,
    }
    port, intake_port = free_port(), free_port()
    serve = subprocess.Popen(
        [
            *(sys.executable, "-m", "ledgerbridge.cli.main", "serve", "--cluster", "--port", str(port)),
            *("--intake-processes", "2", "--intake-port", str(intake_port)),
        ],
        env=env,
        start_new_session=True,
    )
    hub = RealtimeHub(world.service)
    intake: list[int] = []
    try:

        def subscribed() -> bool:
            assert serve.poll() is None, f"serve exited with {serve.returncode}"
            hooks = world.rackbeat().list_webhooks(EVENT)
            return any(h["url"] == f"http://127.0.0.1:{intake_port}/webhooks/rackbeat/se" for h in hooks)

        wait_for(subscribed, timeout=180, what="serve listening and subscribed at the intake's port")
        intake += children_of(serve.pid)
        assert len(intake) == 2
        integration_id = hub.session("se")[0]

        def stored_tokens() -> dict[str, str]:
            with world.service.store.session() as db:
                return hub._open_tokens(WebhookSecrets(db, integration_id).get("rackbeat"))

        # Rackbeat lists a subscription as soon as it is made; serve stores its token just after.
        wait_for(lambda: EVENT in stored_tokens(), timeout=60, what="the subscription's token stored")
        tokens = stored_tokens()
        headers = {"rackbeat-webhook-token": tokens[EVENT], "rackbeat-webhook-event": EVENT}

        def deliver(key: int, target: int = intake_port) -> httpx.Response:
            with httpx.Client(timeout=60) as client:
                url = f"http://127.0.0.1:{target}/webhooks/rackbeat/se"
                return client.post(url, json={"key_name": "number", "key": key}, headers=headers)

        # Both processes may still be importing: the socket listens already, so the first ones wait.
        with ThreadPoolExecutor(8) as senders:
            answers = list(senders.map(deliver, range(100, 140)))
        assert [a.status_code for a in answers] == [200] * 40
        refused = httpx.post(
            f"http://127.0.0.1:{intake_port}/webhooks/rackbeat/se",
            json={"key": 1},
            headers={**headers, "rackbeat-webhook-token": "guess"},
        )
        assert (refused.status_code, refused.json()) == (401, {"detail": "unknown webhook token"})
        assert httpx.get(f"http://127.0.0.1:{intake_port}/console").status_code == 404  # webhooks only
        assert deliver(140, port).status_code == 200  # the serving process takes them too

        # The serving process is killed: its intake processes stop by themselves.
        os.kill(serve.pid, signal.SIGKILL)
        serve.wait(30)
        wait_for(lambda: not any(alive(pid) for pid in intake), timeout=60, what="the intake processes gone")
        with world.service.store.session() as db:
            stored = db.execute(
                text("SELECT record_key FROM webhook_inbox WHERE integration_id = :i"), {"i": integration_id}
            ).scalars()
            assert sorted(map(int, stored)) == list(range(100, 141))  # every 200 is in the database
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGINT)
            serve.wait(30)
        for pid in intake:  # only if the test failed before they went
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        hub.close()


def test_intake_processes_need_cluster_mode(pg_world: EWorld) -> None:  # noqa: F811
    env = {
        **os.environ,
        "LEDGERBRIDGE_HOME": str(pg_world.config.home),
        "LEDGERBRIDGE_DATABASE_URL": pg_world.config.database_url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "ledgerbridge.cli.main", "serve", "--intake-processes", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0 and "--intake-processes needs --cluster" in done.stdout + done.stderr
