"""Rackbeat (Danish inventory/ERP): the API client and a local sandbox of the API."""

from ledgerbridge.systems.rackbeat.client import RackbeatClient, envelope_keys
from ledgerbridge.systems.rackbeat.sandbox import RackbeatState, create_app

__all__ = ["RackbeatClient", "RackbeatState", "create_app", "envelope_keys"]
