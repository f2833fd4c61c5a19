"""Integrations: one module per pair of systems, reading like its seed article."""

from ledgerbridge.integrations import rackbeat_economic  # noqa: F401  (registers the kind)
