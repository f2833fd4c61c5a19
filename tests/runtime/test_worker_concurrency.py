"""How many jobs a `ledgerbridge worker` works at once when not told (issue 16): as many documents as embedded
mode would work for the integrations there are — a lane per integration, at most EMBEDDED_LANES, each up to
LEDGERBRIDGE_DOCUMENT_CONCURRENCY. One integration gets what embedded mode gives it (more would only queue its
documents for its rate limits); many integrations get the lanes embedded mode works side by side."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledgerbridge.runtime import cluster as cluster_module
from ledgerbridge.runtime.cluster import Cluster
from tests.conftest import _empty_postgres
from tests.integrations.eaccounting_support import EWorld, eaccounting_world


@pytest.fixture
def pg_world(postgres_url: str, tmp_path: Path) -> Iterator[EWorld]:
    _empty_postgres(postgres_url)
    with eaccounting_world(postgres_url, tmp_path) as world:
        yield world


def test_a_worker_takes_a_lane_of_documents_per_integration_up_to_embedded_modes_lanes(
    pg_world: EWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGERBRIDGE_DOCUMENT_CONCURRENCY", "3")
    monkeypatch.setattr(cluster_module, "EMBEDDED_LANES", 2)
    pg_world.add("first", connect=False)
    assert Cluster(pg_world.service).default_concurrency() == 3  # one integration: one lane
    pg_world.add("second", connect=False)
    assert Cluster(pg_world.service).default_concurrency() == 6
    pg_world.add("third", connect=False)
    assert Cluster(pg_world.service).default_concurrency() == 6  # no more lanes than embedded mode works
