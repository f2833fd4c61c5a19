"""Persistence: SQLAlchemy 2 models and Alembic migrations, applied automatically on open."""

from ledgerbridge.store.db import Store
from ledgerbridge.store.models import Binding, Cursor, ErrorEntry, Integration, SyncRun, Transfer

__all__ = ["Binding", "Cursor", "ErrorEntry", "Integration", "Store", "SyncRun", "Transfer"]
