"""The Rackbeat sandbox: an ASGI emulator of the Rackbeat API (see :mod:`.app` for every choice made)."""

from ledgerbridge.systems.rackbeat.sandbox.app import RackbeatApi, RackbeatSandboxApp, create_app
from ledgerbridge.systems.rackbeat.sandbox.state import (
    RackbeatState,
    SandboxNotFoundError,
    SandboxValidationError,
    WriteLogEntry,
)
from ledgerbridge.systems.rackbeat.sandbox.webhooks import (
    WebhookConfig,
    WebhookDelivery,
    WebhookHub,
)

__all__ = [
    "RackbeatApi",
    "RackbeatSandboxApp",
    "RackbeatState",
    "SandboxNotFoundError",
    "SandboxValidationError",
    "WebhookConfig",
    "WebhookDelivery",
    "WebhookHub",
    "WriteLogEntry",
    "create_app",
]
