"""Visma eAccounting (Spiris Bookkeeping & Invoicing) API v2: the client and a local sandbox."""

from ledgerbridge.systems.eaccounting.client import DEFAULT_BASE_URL, EAccountingClient
from ledgerbridge.systems.eaccounting.sandbox import EAccountingState, create_app, seed_demo_company

__all__ = ["DEFAULT_BASE_URL", "EAccountingClient", "EAccountingState", "create_app", "seed_demo_company"]
