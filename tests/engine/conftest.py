"""Fixtures the engine tests share."""

from __future__ import annotations

import pytest

from ledgerbridge.store import Integration, Store


@pytest.fixture
def integration_id(store: Store) -> int:
    with store.session() as session:
        row = Integration(name="t", kind="test", settings={}, credentials="-")
        session.add(row)
        session.flush()
        return row.id
