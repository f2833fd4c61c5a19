"""Integrations: one module per pair of systems, reading like its seed article."""

# Importing each package registers its kind.
from ledgerbridge.integrations import rackbeat_eaccounting, rackbeat_economic, severa_eaccounting  # noqa: F401
