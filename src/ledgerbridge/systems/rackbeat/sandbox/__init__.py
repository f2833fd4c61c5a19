"""The Rackbeat sandbox: an ASGI emulator of the Rackbeat API (see :mod:`.app` for every choice made)."""

from ledgerbridge.systems.rackbeat.sandbox.app import RackbeatApi, RackbeatSandboxApp, create_app
from ledgerbridge.systems.rackbeat.sandbox.state import (
    RackbeatState,
    SandboxNotFoundError,
    SandboxValidationError,
    WriteLogEntry,
)

__all__ = [
    "RackbeatApi",
    "RackbeatSandboxApp",
    "RackbeatState",
    "SandboxNotFoundError",
    "SandboxValidationError",
    "WriteLogEntry",
    "create_app",
]
