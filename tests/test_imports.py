"""No import cycle between modules of ``publisher`` (module-level and function-level imports alike), and
the layering the architecture states: the store never imports the pipeline or the web layer, the pipeline
never the web layer, Flask or click."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "publisher"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The ``publisher`` modules ``path`` imports (``from pkg import mod`` counts as importing ``mod``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name in modules}


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(paths)
    graph = {name: imports_of(path, modules) for name, path in paths.items()}
    for (
        name
    ) in graph:  # a package's __init__ runs first, but importing it is not a dependency on its children
        graph[name].discard(name)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle between distinct modules, ignoring a module's import of the package that contains it."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if node.startswith(target + "."):  # a module importing its own package (``from pkg import x``)
                continue
            if state.get(target) == 1:
                return stack[stack.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_no_import_cycle_between_modules() -> None:
    assert find_cycle(import_graph()) is None


def test_the_cycle_finder_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


@pytest.mark.parametrize(
    "lower,upper",
    [
        ("publisher.store", "publisher.pipeline"),
        ("publisher.store", "publisher.web"),
        ("publisher.pipeline", "publisher.web"),
    ],
)
def test_layers_import_downwards_only(lower: str, upper: str) -> None:
    graph = import_graph()
    upward = {
        (m, t) for m, targets in graph.items() if m.startswith(lower) for t in targets if t.startswith(upper)
    }
    assert not upward


def test_the_pipeline_knows_neither_flask_nor_click() -> None:
    for path in (PACKAGE / "pipeline").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not {name.split(".")[0] for name in names} & {"flask", "click", "werkzeug"}, path


def test_no_module_passes_400_lines() -> None:
    """The house's size rule, checked: a module that grows past it is split by what it holds."""
    sizes = {
        str(p.relative_to(PACKAGE)): len(p.read_text(encoding="utf-8").splitlines())
        for p in PACKAGE.rglob("*.py")
    }
    assert not {path: n for path, n in sizes.items() if n > 400}


def test_the_package_needs_no_sparqlwrapper() -> None:
    """SPARQLWrapper is what the tests and the docs use as a client; the publisher speaks HTTP itself."""
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert "SPARQLWrapper" not in {name.split(".")[0] for name in names}, path
