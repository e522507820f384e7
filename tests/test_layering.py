"""The import layering of the package (docs/ARCHITECTURE.md, Layers), checked on the source.

Every ``import`` and ``from … import`` in src/tierwise is read with ``ast`` (including
those inside functions and ``TYPE_CHECKING`` blocks: a lazy import is still a dependency),
so a change that breaks the layering fails here rather than in a review.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "tierwise"

# What the settings layer may import of tierwise: itself, the book's mapping (the policy's
# ``book:`` section is the book's own contract, below every stage) and the errors.
SETTINGS_MAY_IMPORT = {"settings", "book", "errors", "yaml_text"}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(
    path: Path, module: str | None = None
) -> list[tuple[str, ast.ImportFrom | ast.Import]]:
    """Every tierwise module ``path`` (named ``module``) imports, relative imports
    resolved, with the node."""
    module = module or module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: list[tuple[str, ast.ImportFrom | ast.Import]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((name, node))
    return [(name, node) for name, node in found if name.split(".")[0] == "tierwise"]


def unit(module: str) -> str:
    """``tierwise.segment.stage`` -> ``segment``; ``tierwise.pipeline`` -> ``pipeline``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def unit_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in sources():
        here = unit(module_name(path))
        for name, _ in imported_modules(path):
            if unit(name) != here:
                graph[here].add(unit(name))
    return graph


def find_cycle(graph: dict[str, set[str]], nodes: set[str]) -> list[str] | None:
    """A cycle among ``nodes`` (as a path that ends where it starts), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, set()) & nodes):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = 2
        stack.pop()
        return None

    for node in sorted(nodes):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_settings_layer_imports_no_stage() -> None:
    offending = [
        f"{path.relative_to(SRC)}:{node.lineno} imports {name}"
        for path in sorted((PACKAGE / "settings").rglob("*.py"))
        for name, node in imported_modules(path)
        if unit(name) not in SETTINGS_MAY_IMPORT
    ]
    assert (PACKAGE / "settings" / "schema.py").is_file()
    assert not offending, "the settings layer must not import a stage:\n" + "\n".join(offending)


def test_every_policy_section_lives_in_the_settings_layer() -> None:
    """No pydantic model of the policy is defined in a stage package."""
    from pydantic import BaseModel

    from tierwise.settings.schema import Policy

    def models(cls: type[BaseModel]) -> set[type[BaseModel]]:
        found = {cls}
        for field in cls.model_fields.values():
            for arg in (field.annotation, *getattr(field.annotation, "__args__", ())):
                for inner in (arg, *getattr(arg, "__args__", ())):
                    is_model = isinstance(inner, type) and issubclass(inner, BaseModel)
                    if is_model and inner not in found:
                        found |= models(inner)
        return found

    homes = {m.__module__ for m in models(Policy)}
    assert len(homes) > 5
    assert {unit(h) for h in homes} <= {"settings", "book"}, sorted(homes)


def test_no_import_cycle_between_the_layers() -> None:
    """No two units (subpackages or top-level modules of tierwise) import each other,
    directly or round a loop: the layers point one way."""
    graph = unit_graph()
    assert {"settings", "metrics", "policy", "segment"} <= set(graph)
    units = set(graph) | {u for targets in graph.values() for u in targets}
    cycle = find_cycle(graph, units)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_planted_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph, {"a", "b", "c", "d"}) == ["a", "b", "c", "a"]
    assert find_cycle(graph, {"a", "b", "d"}) is None


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_owner(target: str, name: str) -> str | None:
    """The package a private name belongs to, or None when ``target.name`` is public.

    ``tierwise.report.sections._run`` belongs to ``tierwise.report.sections``;
    ``_cell`` of ``tierwise.report.sections.tiers`` to the same package.
    """
    parts = target.split(".")
    for i, part in enumerate(parts):
        if is_private(part):
            return ".".join(parts[:i])
    if is_private(name):
        is_package = (SRC.joinpath(*parts) / "__init__.py").is_file()
        return target if is_package else ".".join(parts[:-1])
    return None


def cross_package_private_imports(path: Path, module: str | None = None) -> list[str]:
    module = module or module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for target, node in imported_modules(path, module):
        names = [a.name for a in node.names] if isinstance(node, ast.ImportFrom) else [""]
        for name in names:
            owner = private_owner(target, name)
            if owner is not None and owner != package:
                found.append(f"{module}:{node.lineno} imports {target}.{name}")
    return found


def test_no_private_import_across_packages() -> None:
    found = [line for path in sources() for line in cross_package_private_imports(path)]
    assert not found, "make the name public or move it:\n" + "\n".join(found)


def test_the_private_import_scan_finds_a_planted_one(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(
        "from tierwise.cli import _hidden\n"
        "from tierwise.report.sections._charts import sample\n"
        "from tierwise.web.app import _same_package_is_fine\n"
        "from ._sibling import name\n",
        encoding="utf-8",
    )
    found = cross_package_private_imports(planted, "tierwise.web.planted")
    assert [line.split(" imports ")[1] for line in found] == [
        "tierwise.cli._hidden",
        "tierwise.report.sections._charts.sample",
    ]
