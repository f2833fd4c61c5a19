"""Processes a test starts (``ledgerbridge serve``, ``worker``): ended the way they expect to be."""

from __future__ import annotations

import subprocess


def stop(process: subprocess.Popen[bytes], *, grace: float = 30.0) -> None:
    """Ask ``process`` to stop (SIGTERM: a clean stop) and wait ``grace`` seconds for it; kill it if it has
    not stopped by then. It is reaped either way, so no zombie outlives the test."""
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
