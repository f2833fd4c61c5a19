"""Fixtures the runtime tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledgerbridge.store.db import Store
from tests.conftest import _empty_postgres


@pytest.fixture
def pg_store(postgres_url: str) -> Iterator[Store]:
    """A migrated store on an emptied PostgreSQL database (call_budgets and the rest are there)."""
    _empty_postgres(postgres_url)
    store = Store(postgres_url)
    try:
        yield store
    finally:
        store.dispose()
