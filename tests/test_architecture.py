"""docs/ARCHITECTURE.md is the map of the house; this test keeps the map and the code one.

The layer table in that page (``| layer | modules |``) names every module of ``upgrader`` and
``transforms``. Every import (top-level, inside a function, or under ``TYPE_CHECKING``) must go
to a module of the same layer or a lower one, and the import graph must have no cycle. A
module the table does not name fails the test: a new module is placed on the map when it is
added. The core never imports the edges' libraries (typer, click, redis, ansible).
"""

from __future__ import annotations

import ast
import fnmatch
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "ARCHITECTURE.md"
PACKAGES = ("upgrader", "transforms")
# Third-party libraries only the edges may import, by the lowest layer allowed to.
EDGE_LIBRARIES = {"typer": "cli", "click": "cli", "redis": "edge", "ansible": "cli"}


def modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for pkg in PACKAGES:
        for path in sorted((REPO / pkg).rglob("*.py")):
            rel = path.relative_to(REPO).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def layer_table() -> list[tuple[str, list[str]]]:
    """(layer name, module globs) from the table under '## Layers', lowest layer first."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0] or set(cells[0]) <= set("-: ") or cells[0] == "layer":
            continue
        globs = re.findall(r"`([^`]+)`", cells[1])
        rows.append((cells[0].strip("*"), globs))
    return rows


def layer_of(module: str, table: list[tuple[str, list[str]]]) -> int | None:
    for i, (_, globs) in enumerate(table):
        if any(fnmatch.fnmatchcase(module, g) for g in globs):
            return i
    return None


def _target(module: str, path: Path, node: ast.ImportFrom, name: str, known: dict[str, Path]) -> str:
    if node.level:
        base = module.split(".")
        if path.name != "__init__.py":
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    full = f"{prefix}.{name}"
    return full if full in known else prefix


def imports(known: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> every module (of ours or third-party, top-level name) it imports anywhere."""
    graph: dict[str, set[str]] = {}
    for mod, path in known.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                deps.update(_target(mod, path, node, a.name, known) for a in node.names)
        resolved = set()
        for d in deps:
            t = d
            while t and t not in known:
                t = t.rpartition(".")[0]
            resolved.add(t or d.split(".")[0])
        resolved.discard(mod)
        graph[mod] = resolved
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root] & graph.keys())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        x = stack.pop()
                        on.discard(x)
                        comp.append(x)
                        if x == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
            elif w not in index:
                index[w] = low[w] = counter
                counter += 1
                stack.append(w)
                on.add(w)
                work.append((w, iter(sorted(graph[w] & graph.keys()))))
            elif w in on:
                low[v] = min(low[v], index[w])
    return out


KNOWN = modules()
GRAPH = imports(KNOWN)
TABLE = layer_table()


def test_every_module_is_on_the_map() -> None:
    missing = sorted(m for m in KNOWN if layer_of(m, TABLE) is None)
    assert not missing, f"modules docs/ARCHITECTURE.md does not place in a layer: {missing}"


def test_every_glob_on_the_map_names_a_module() -> None:
    stale = [g for _, globs in TABLE for g in globs if not any(fnmatch.fnmatchcase(m, g) for m in KNOWN)]
    assert not stale, f"docs/ARCHITECTURE.md names modules that do not exist: {stale}"


def test_imports_go_down_the_layers() -> None:
    wrong = []
    for mod, deps in GRAPH.items():
        mine = layer_of(mod, TABLE)
        for d in deps:
            theirs = layer_of(d, TABLE) if d in KNOWN else None
            if mine is not None and theirs is not None and theirs > mine:
                wrong.append(f"{mod} ({TABLE[mine][0]}) imports {d} ({TABLE[theirs][0]})")
    assert not wrong, "imports that go up a layer:\n" + "\n".join(sorted(wrong))


def test_no_import_cycle() -> None:
    found = cycles(GRAPH)
    assert not found, f"import cycles: {found}"


@pytest.mark.parametrize("library", sorted(EDGE_LIBRARIES))
def test_edge_libraries_stay_at_the_edge(library: str) -> None:
    names = [name for name, _ in TABLE]
    lowest = names.index(EDGE_LIBRARIES[library])
    wrong = sorted(m for m, deps in GRAPH.items() if library in deps and (layer_of(m, TABLE) or 0) < lowest)
    assert not wrong, f"{library} imported below the '{EDGE_LIBRARIES[library]}' layer by {wrong}"


def test_the_checker_sees_a_cycle_and_an_upward_import() -> None:
    """The graph checks themselves can fail."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]
    assert layer_of("upgrader.cli", TABLE) is not None
    assert layer_of("upgrader.cli", TABLE) > layer_of("upgrader.confmodel", TABLE)  # type: ignore[operator]


def test_no_module_imports_another_modules_private_names() -> None:
    """``from x import _name`` is a contract nobody declared: make the name public, or keep it home."""
    wrong = []
    for mod, path in KNOWN.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module != "__future__":
                wrong += [f"{mod}: {a.name}" for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
    assert not wrong, wrong
