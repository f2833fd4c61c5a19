"""The fast subset (``pytest -m "not slow"``) from measured durations.

A test is ``slow`` when its last measured duration (setup + call + teardown, seconds) in
``tests/durations.json`` is at least ``SLOW_SECONDS`` (``LEDGERBRIDGE_SLOW_SECONDS``, default 3). A test
never measured (new, or renamed) is slow by what it is, as before: a browser test, a walk over the published
specs, the demo, cluster mode, the PostgreSQL variant of a test that also runs on SQLite. A test marked
``@pytest.mark.slow`` by hand stays slow.

``pytest --record-durations tests/durations.json`` measures the tests it runs and merges them into the file
(tests not run keep their figure; tests that failed or were skipped are not recorded); the root conftest
wires the option and the hooks.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

DURATIONS = Path(__file__).with_name("durations.json")
SLOW_PATHS = ("tests/browser/", "tests/runtime/test_cluster.py", "tests/integrations/test_demo.py")


def slow_seconds() -> float:
    return float(os.environ.get("LEDGERBRIDGE_SLOW_SECONDS", "3"))


def load(path: Path | None = None) -> dict[str, float]:
    """The measured seconds per test id: ``path``, else ``$LEDGERBRIDGE_TEST_DURATIONS``, else
    ``tests/durations.json``; an absent or unreadable file measures nothing."""
    path = path or Path(os.environ.get("LEDGERBRIDGE_TEST_DURATIONS") or DURATIONS)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in data.get("tests", data).items()} if isinstance(data, dict) else {}


def slow_by_kind(path: str, *, contract: bool, on_postgres: bool) -> bool:
    """The rule for tests with no measurement: what they are."""
    return path.startswith(SLOW_PATHS) or contract or on_postgres


def is_slow(
    nodeid: str,
    measured: Mapping[str, float],
    *,
    path: str,
    contract: bool = False,
    on_postgres: bool = False,
    threshold: float | None = None,
) -> bool:
    """Measured: slow at ``threshold`` seconds or more; never measured: by kind."""
    if nodeid in measured:
        return measured[nodeid] >= (slow_seconds() if threshold is None else threshold)
    return slow_by_kind(path, contract=contract, on_postgres=on_postgres)


def merge(path: Path, taken: Mapping[str, float]) -> None:
    """Write ``taken`` into the file at ``path``, keeping the figures of tests not run this time."""
    known = load(path)
    known.update({k: round(v, 2) for k, v in taken.items()})
    document = {
        "about": "seconds per test (setup + call + teardown) of its last passing run; "
        "pytest --record-durations tests/durations.json refreshes it (tests/durations.py)",
        "tests": dict(sorted(known.items())),
    }
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
