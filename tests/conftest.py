"""Fixtures shared by the whole suite: where the published specs are, and served sandboxes."""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

# The CLI's Rich consoles are made at import and read COLUMNS then: give them a wide terminal whatever
# runs the suite (xdist workers have no terminal, and Rich would squeeze tables to 80 columns).
os.environ.setdefault("COLUMNS", "200")

from ledgerbridge.store import Store  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

# Every sandbox of the suite runs on 127.0.0.1, an address connections are refused outside tests (see
# ledgerbridge.netguard): allow it for the whole run, and for the processes tests start. Tests of the
# refusal itself take the variable away with monkeypatch.
os.environ["LEDGERBRIDGE_ALLOW_PRIVATE_URLS"] = "1"


def _specs_dir() -> Path | None:
    configured = os.environ.get("LEDGERBRIDGE_SPECS_DIR")
    candidates = [Path(configured)] if configured else [REPO.parent / "shared" / "specs"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return None


@pytest.fixture(scope="session")
def specs_dir() -> Path:
    """The published API specifications (``../shared/specs`` or ``$LEDGERBRIDGE_SPECS_DIR``).

    A user's clone has no ``../shared``: contract tests skip there with the reason. In CI they must
    run, so a missing folder is a failure, not a skip.
    """
    found = _specs_dir()
    if found is None:
        reason = (
            "published specs not found: set LEDGERBRIDGE_SPECS_DIR or place them at ../shared/specs "
            "(contract tests compare the sandboxes with the real APIs' schemas)"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


@pytest.fixture
def sleeps() -> list[float]:
    """The waits a client asked for (clients in these tests never really sleep)."""
    return []


def load_lenient_json(path: Path) -> object:
    """JSON that may carry trailing commas (two of e-conomic's published schemas do)."""
    text = path.read_text(encoding="utf-8-sig")
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", text))


# -- databases: every store test runs on SQLite and on PostgreSQL ------------------------------------
POSTGRES_ADMIN_URL = os.environ.get(
    "LEDGERBRIDGE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def postgres_database(prefix: str = "ledgerbridge_test") -> Iterator[str]:
    """A PostgreSQL database of its own (``<prefix>_<pid>_<random>``), dropped afterwards.

    Where no server answers, PostgreSQL tests skip, except in CI, where cluster mode must be tested.
    """
    try:
        import psycopg
    except ImportError:  # pragma: no cover - the dev extra installs it
        pytest.skip("psycopg is not installed (pip install -e '.[dev]')")
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc}")
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database made for this test run (unique name), dropped when the run ends."""
    with postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL for one test: a fresh SQLite file, or this run's PostgreSQL database emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledgerbridge.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


def _empty_postgres(url: str) -> None:
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            tables = [t for t in inspect(connection).get_table_names() if t != "alembic_version"]
            if tables:
                connection.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = Store(database_url)
    try:
        yield opened
    finally:
        opened.dispose()


# -- the Severa sandbox, served once per session and put back to the demo organisation per test ------
@pytest.fixture(scope="session")
def _severa_served() -> Iterator[Any]:
    from ledgerbridge.sandbox import SandboxServer
    from ledgerbridge.systems.severa.sandbox import create_app

    app = create_app(seed="demo", client_id="sandbox", client_secret="sandbox")
    with SandboxServer(app) as server:
        yield app, server


@pytest.fixture
def severa_sandbox(_severa_served: Any) -> Any:
    """The served Severa sandbox (``.base_url``, ``.app``, ``.state``; client ``sandbox``/``sandbox``),
    with the demo organisation fresh, real time, no faults, no request limit and an empty request log."""
    from types import SimpleNamespace

    from ledgerbridge.sandbox.faults import FaultPlan
    from ledgerbridge.systems.severa.sandbox.demo_data import seed_demo

    app, server = _severa_served
    app.state.clock = lambda: datetime.now(UTC)
    app.state.access_token_lifetime = 3600
    app.state.reset()
    seed_demo(app.state)
    app.gate.strict = False
    app.gate.set_rate_limit(None)
    app.kit.set_faults(FaultPlan())
    app.kit.set_rate_limit(None)
    app.kit.clear_log()
    return SimpleNamespace(
        base_url=server.base_url, app=app, state=app.state, client_id="sandbox", client_secret="sandbox"
    )


# -- the fast subset: `pytest -m "not slow"` ------------------------------------------------------------
# Slow by measured duration (tests/durations.json, at least LEDGERBRIDGE_SLOW_SECONDS, default 3 s); a test
# never measured is slow by what it is (browsers, spec walks, the demo, cluster mode, PostgreSQL variants);
# @pytest.mark.slow by hand stays. `--record-durations FILE` measures the tests run (tests/durations.py).
def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--record-durations",
        metavar="FILE",
        default=None,
        help="merge each passing test's duration (setup + call + teardown) into FILE (tests/durations.json)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from tests import durations

    root = Path(str(config.rootpath))
    measured = durations.load()
    for item in items:
        path = Path(str(item.path)).relative_to(root).as_posix() if item.path else ""
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and "postgresql" in callspec.id.split("-")
        contract = item.get_closest_marker("contract") is not None
        if durations.is_slow(item.nodeid, measured, path=path, contract=contract, on_postgres=on_postgres):
            item.add_marker(pytest.mark.slow)


_TAKEN: dict[str, dict[str, float]] = {}  # nodeid → phase → seconds (on the controller under xdist)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    phases = _TAKEN.setdefault(report.nodeid, {})
    if report.outcome == "passed":
        phases[report.when] = report.duration
    else:  # failed or skipped: its time says nothing about the test
        phases["not passed"] = -1.0


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = session.config.getoption("--record-durations", None)
    if not target or hasattr(session.config, "workerinput"):  # xdist workers report to the controller
        return
    from tests import durations

    whole = {
        nodeid: sum(phases.values())
        for nodeid, phases in _TAKEN.items()
        if "call" in phases and "not passed" not in phases
    }
    durations.merge(Path(target), whole)
