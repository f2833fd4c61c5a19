"""Persistence: SQLAlchemy 2 models and Alembic migrations, applied automatically on open."""

from ledgerbridge.store.db import Store
from ledgerbridge.store.models import (
    Binding,
    Conflict,
    Cursor,
    ErrorEntry,
    InboxItem,
    Integration,
    SyncRun,
    Transfer,
)

__all__ = [
    "Binding",
    "Conflict",
    "Cursor",
    "ErrorEntry",
    "InboxItem",
    "Integration",
    "Store",
    "SyncRun",
    "Transfer",
]
