"""Processes a test starts (``ledgerbridge serve``, ``worker``): ended the way they expect to be."""

from __future__ import annotations

import subprocess
import time
from typing import Any


def stop(*processes: subprocess.Popen[Any], grace: float = 30.0) -> None:
    """Ask each process to stop (SIGTERM: a clean stop; all at once, so they stop side by side) and wait up
    to ``grace`` seconds in all; kill those that have not stopped by then. Each is reaped either way, so no
    zombie outlives the test."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
