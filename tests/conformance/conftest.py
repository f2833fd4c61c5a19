"""One world per kind per module (opened when a check of that kind first needs it), and the checks
parametrised over the registered kinds (``kind``) or over each kind's document types
(``kind``, ``document_type``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.conformance.harness import KindHarness
from tests.conformance.harnesses import HARNESSES

HERE = Path(__file__).parent


class Worlds:
    """The kinds' worlds of one module; each opened once, all closed when the module is done."""

    def __init__(self, stack: ExitStack, factory: pytest.TempPathFactory) -> None:
        self.stack = stack
        self.factory = factory
        self.opened: dict[str, KindHarness] = {}

    def get(self, kind: str) -> KindHarness:
        if kind not in self.opened:
            home = self.factory.mktemp(kind)
            self.opened[kind] = self.stack.enter_context(HARNESSES[kind].open(home))
        return self.opened[kind]


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worlds]:
    with ExitStack() as stack:
        yield Worlds(stack, tmp_path_factory)


@pytest.fixture
def harness(worlds: Worlds, kind: str) -> Iterator[KindHarness]:
    opened = worlds.get(kind)
    try:
        yield opened
    finally:
        opened.heal()  # the next check finds no fault of this one's


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "document_type" in metafunc.fixturenames:
        cases = [(kind, t) for kind, harness in HARNESSES.items() for t in harness.document_types]
        metafunc.parametrize(("kind", "document_type"), cases, ids=[f"{k}:{t}" for k, t in cases])
    elif "kind" in metafunc.fixturenames:
        metafunc.parametrize("kind", list(HARNESSES))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A kind's checks next to each other (in registry order), so an xdist worker given a run of them
    opens that kind's world once rather than every world; a slow kind's checks marked slow."""
    order = {kind: index for index, kind in enumerate(HARNESSES)}

    def kind_of(item: pytest.Item) -> str | None:
        callspec = getattr(item, "callspec", None)
        if callspec is None or not Path(str(item.path)).is_relative_to(HERE):
            return None
        kind = callspec.params.get("kind")
        return kind if isinstance(kind, str) else None

    slots = [index for index, item in enumerate(items) if kind_of(item) is not None]
    for index in slots:
        if HARNESSES[kind_of(items[index]) or ""].slow:
            items[index].add_marker(pytest.mark.slow)
    ordered = sorted((items[i] for i in slots), key=lambda item: order[kind_of(item) or ""])
    for slot, item in zip(slots, ordered, strict=True):
        items[slot] = item
