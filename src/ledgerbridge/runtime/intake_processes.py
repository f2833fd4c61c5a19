"""``serve --cluster --intake-processes N``: processes that take webhooks and nothing else, side by side.

The serving process opens the intake's listening socket and starts ``N`` processes that accept on it (the
kernel hands each connection to one of them): the cluster receiver keeps nothing but the database between
deliveries, so they add up where one process's CPU is the limit. Each stores its deliveries as ``serve``
does (group commit, durable before the 200) and queues the dispatch job. The console, the admin API and
the others stay in the serving process, on its own port; webhooks are subscribed at the intake's address.

An intake process ends when asked to (SIGINT/SIGTERM: what it took in is written first) and when the
serving process that started it is gone (killed, say), so none is left behind taking webhooks alone.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any

import structlog

from ledgerbridge.service import Ledgerbridge

log = structlog.get_logger("ledgerbridge.runtime")
ORPHAN_CHECK_SECONDS = 1.0


class IntakeProcesses:
    """``count`` intake processes on ``host:port`` (started with ``with``, stopped at its end)."""

    def __init__(self, host: str, port: int, count: int, *, http: str = "auto", loop: str = "auto") -> None:
        self.count = count
        self.http = http
        self.loop = loop
        self.socket = socket.create_server((host, port), backlog=2048)
        self.socket.set_inheritable(True)
        self.port = self.socket.getsockname()[1]
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        fd = self.socket.fileno()
        for _ in range(self.count):
            command = [
                *(sys.executable, "-m", "ledgerbridge", "serve-intake"),
                *("--fd", str(fd), "--parent", str(os.getpid()), "--http", self.http, "--loop", self.loop),
            ]
            self.processes.append(subprocess.Popen(command, pass_fds=(fd,)))

    def stop(self, timeout: float = 30.0) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        self.socket.close()

    def __enter__(self) -> IntakeProcesses:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def run_intake_process(service: Ledgerbridge, fd: int, parent: int, *, http: str, loop: str) -> None:
    """One intake process: take webhooks on the inherited socket ``fd`` until asked to stop or until the
    process ``parent`` is gone."""
    import uvicorn

    from ledgerbridge.runtime.embedded import ClusterReceiver
    from ledgerbridge.web.intake import intake_app

    runtime = ClusterReceiver(service)
    app = intake_app(runtime.hub, runtime.notifier)
    config = uvicorn.Config(
        app,
        log_level="warning",
        log_config=None,
        proxy_headers=False,
        lifespan="off",
        http=http,  # type: ignore[arg-type]
        loop=loop,  # type: ignore[arg-type]
    )
    server = uvicorn.Server(config)

    def watch_parent() -> None:
        while not server.should_exit:
            if os.getppid() != parent:
                log.warning("the serving process is gone: the intake process stops")
                server.should_exit = True
                return
            time.sleep(ORPHAN_CHECK_SECONDS)

    threading.Thread(target=watch_parent, name="ledgerbridge-intake-parent", daemon=True).start()
    listening = socket.socket(fileno=fd)
    with runtime:
        server.run(sockets=[listening])
