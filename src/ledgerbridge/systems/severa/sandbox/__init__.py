"""A local emulator of the Visma Severa REST API v1 (``/v1/...``), built on the shared route table.

What it serves, and every choice the official OpenAPI leaves open, is written down in
``docs/sandboxes/severa.md``.
"""

from ledgerbridge.systems.severa.sandbox.app import SeveraSandboxApp, create_app
from ledgerbridge.systems.severa.sandbox.state import ALL_SCOPES, SeveraState

__all__ = ["ALL_SCOPES", "SeveraSandboxApp", "SeveraState", "create_app"]
