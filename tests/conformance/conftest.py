"""One world per kind and database per module (opened when a check of that kind first needs it), and the
checks parametrised over the registered kinds (``kind``) or over each kind's document types (``kind``,
``document_type``), on SQLite; checks marked ``@pytest.mark.databases("sqlite", "postgresql")`` run on
PostgreSQL too (in a database made for that world, dropped when the module is done)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.conformance.harness import KindHarness
from tests.conformance.harnesses import HARNESSES
from tests.conftest import postgres_database

HERE = Path(__file__).parent
SQLITE, POSTGRESQL = "sqlite", "postgresql"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "databases(*names): the conformance databases a check runs on (default: sqlite)"
    )


class Worlds:
    """The kinds' worlds of one module, one per (kind, database); each opened once, all closed (and
    their PostgreSQL databases dropped) when the module is done."""

    def __init__(self, stack: ExitStack, factory: pytest.TempPathFactory) -> None:
        self.stack = stack
        self.factory = factory
        self.opened: dict[tuple[str, str], KindHarness] = {}

    def get(self, kind: str, database: str) -> KindHarness:
        if (kind, database) not in self.opened:
            home = self.factory.mktemp(f"{kind}-{database}")
            if database == POSTGRESQL:
                url = self.stack.enter_context(postgres_database("ledgerbridge_conformance"))
            else:
                url = f"sqlite:///{home / 'conformance.sqlite3'}"
            self.opened[kind, database] = self.stack.enter_context(HARNESSES[kind].open(home, url))
        return self.opened[kind, database]


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worlds]:
    with ExitStack() as stack:
        yield Worlds(stack, tmp_path_factory)


@pytest.fixture
def harness(worlds: Worlds, kind: str, database: str) -> Iterator[KindHarness]:
    opened = worlds.get(kind, database)
    try:
        yield opened
    finally:
        opened.heal()  # the next check finds no fault of this one's


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "kind" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("databases")
    databases = marker.args if marker else (SQLITE,)
    if "document_type" in metafunc.fixturenames:
        kinds = [(kind, (t,)) for kind, harness in HARNESSES.items() for t in harness.document_types]
        names = ("kind", "document_type", "database")
    else:
        kinds = [(kind, ()) for kind in HARNESSES]
        names = ("kind", "database")
    cases = [(kind, *rest, db) for kind, rest in kinds for db in databases]
    # The ids of the SQLite cases stay as they were; the PostgreSQL ones end in "-postgresql" (slow).
    ids = [
        ":".join((kind, *rest)) + ("" if db == SQLITE else f"-{db}")
        for kind, rest in kinds
        for db in databases
    ]
    metafunc.parametrize(names, cases, ids=ids)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A world's checks next to each other (kinds in registry order, SQLite first), so an xdist worker
    given a run of them opens that world once rather than every world; a slow kind's checks, and every
    check on PostgreSQL, marked slow."""
    order = {kind: index for index, kind in enumerate(HARNESSES)}

    def world_of(item: pytest.Item) -> tuple[str, str] | None:
        callspec = getattr(item, "callspec", None)
        if callspec is None or not Path(str(item.path)).is_relative_to(HERE):
            return None
        kind, database = callspec.params.get("kind"), callspec.params.get("database", SQLITE)
        return (kind, database) if isinstance(kind, str) and isinstance(database, str) else None

    slots = [index for index, item in enumerate(items) if world_of(item) is not None]
    for index in slots:
        kind, database = world_of(items[index]) or ("", SQLITE)
        if HARNESSES[kind].slow or database != SQLITE:
            items[index].add_marker(pytest.mark.slow)

    def key(item: pytest.Item) -> tuple[int, bool]:
        kind, database = world_of(item) or ("", SQLITE)
        return order[kind], database != SQLITE

    ordered = sorted((items[i] for i in slots), key=key)
    for slot, item in zip(slots, ordered, strict=True):
        items[slot] = item
