"""No import cycles in the package — function-level imports included.

The graph is read from the source with :mod:`ast` (nothing is imported): an edge ``a → b`` for every
``import b`` / ``from b import x`` anywhere in module ``a`` (top level, inside functions and methods),
where ``from b import x`` counts as ``a → b.x`` when ``b.x`` is a module. A cycle is a
strongly connected component of more than one module. Imports under ``if TYPE_CHECKING:`` are left
out: they never run, so they cannot make an import-time or call-time cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import ledgerbridge

PACKAGE_ROOT = Path(ledgerbridge.__file__).resolve().parent
PACKAGE = "ledgerbridge"

Graph = dict[str, set[str]]


def _module_name(root: Path, path: Path) -> str:
    relative = path.relative_to(root.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve_relative(module: str, is_package: bool, level: int, target: str | None) -> str:
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> Iterable[ast.AST]:
    """Every node of the tree except the bodies of ``if TYPE_CHECKING:`` (their ``else`` stays)."""
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))


def import_graph(root: Path = PACKAGE_ROOT) -> Graph:
    """Module → the package's modules it imports (anywhere in its body)."""
    files = {_module_name(root, p): p for p in root.rglob("*.py")}
    graph: Graph = {name: set() for name in files}

    def known(name: str) -> str | None:
        # ``from a.b import c``: the module a.b.c if it exists, else a.b (c is a name in it).
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in _runtime_nodes(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                source = (
                    _resolve_relative(name, is_package, node.level, node.module)
                    if node.level
                    else node.module or ""
                )
                targets = [f"{source}.{alias.name}" for alias in node.names]
            for target in targets:
                if not (target == PACKAGE or target.startswith(PACKAGE + ".")):
                    continue
                found = known(target)
                if found is not None and found != name:
                    graph[name].add(found)
    return graph


def _without_package_inits(graph: Graph) -> Graph:
    """Drop edges into a package's ``__init__`` from its own submodules.

    ``from ledgerbridge.sandbox.routes import X`` runs ``ledgerbridge/sandbox/__init__.py`` first, but a
    submodule naming a sibling does not import its package's re-exports; such an edge is not a cycle of
    the code's making. Edges from an ``__init__`` to its submodules stay.
    """
    return {
        module: {t for t in targets if not (module.startswith(t + ".") and t != module)}
        for module, targets in graph.items()
    }


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:  # iterative, so deep graphs cannot hit the recursion limit
        nonlocal counter
        work: list[tuple[str, Iterable[str]]] = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_the_checker_sees_a_function_level_cycle(tmp_path: Path) -> None:
    """The check itself: a cycle closed only by an import inside a function is found."""
    package = tmp_path / PACKAGE
    (package / "sandbox").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sandbox" / "__init__.py").write_text("")
    (package / "sandbox" / "state.py").write_text(
        "def price():\n    from ledgerbridge.sandbox.documents import price_document\n"
    )
    (package / "sandbox" / "documents.py").write_text("from .state import price\n")
    (package / "sandbox" / "alone.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "import ledgerbridge.sandbox.state\n"
        "if TYPE_CHECKING:\n    from ledgerbridge.sandbox.typed import T\n"
    )
    (package / "sandbox" / "typed.py").write_text("from ledgerbridge.sandbox import alone\n")
    graph = _without_package_inits(import_graph(package))
    assert graph["ledgerbridge.sandbox.state"] == {"ledgerbridge.sandbox.documents"}
    assert graph["ledgerbridge.sandbox.alone"] == {"ledgerbridge.sandbox.state"}  # typing only: no edge
    assert cycles(graph) == [["ledgerbridge.sandbox.documents", "ledgerbridge.sandbox.state"]]


def test_no_cycle_in_the_sandboxes() -> None:
    graph = _without_package_inits(import_graph())
    in_sandboxes = [cycle for cycle in cycles(graph) if any(".sandbox" in module for module in cycle)]
    assert in_sandboxes == []


def test_no_cycle_anywhere_in_the_package() -> None:
    assert cycles(_without_package_inits(import_graph())) == []


def test_the_economic_sandbox_state_depends_on_nothing() -> None:
    """State depends on nothing but the resource declarations (plain data): documents, validation, the
    books and VAT depend on it, never the other way."""
    graph = import_graph()
    sandbox = "ledgerbridge.systems.economic.sandbox"
    assert graph[f"{sandbox}.state"] <= {f"{sandbox}.resources"}
    assert graph[f"{sandbox}.resources"] == set()
