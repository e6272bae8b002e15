"""The floor plan holds: imports only point down, the three roles never import each other, and no
module import circle exists.

Every .py file of the project's packages is parsed with `ast` (nothing is imported or run), and every
import counts: at module top, inside functions and under `TYPE_CHECKING` alike.

The layers, lowest first (an import may point to its own layer or a lower one):

    0  medcred/                     ground floor: errors, web, store, settings, processes, shl/ ...
    1  ledger/
    2  audit/                       uses the ledger client
    3  agents/                      uses audit and ledger
    4  issuer/  holder/  verifier/  the three roles: none imports another
    5  stack/                       the top: the `medcred` command, the network, demo, bench
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LAYERS: dict[str, int] = {
    "medcred": 0,
    "ledger": 1,
    "audit": 2,
    "agents": 3,
    "issuer": 4,
    "holder": 4,
    "verifier": 4,
    "stack": 5,
}
ROLES = frozenset({"issuer", "holder", "verifier"})

# Code that runs on the validators' own Python (3.8, plenum's `ledger` package on its path): not ours.
EXCLUDED = (ROOT / "ledger" / "validator",)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _project_files() -> dict[str, Path]:
    files: dict[str, Path] = {}
    for package in LAYERS:
        folder = ROOT / package
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.py")):
            if not any(path.is_relative_to(excluded) for excluded in EXCLUDED):
                files[_module_name(path)] = path
    return files


def _imported(module: str, path: Path, tree: ast.Module, known: set[str]) -> Iterator[tuple[str, int]]:
    """The project modules `module` imports, each with the line that imports it."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join([*base_parts, node.module] if node.module else base_parts)
            else:
                base = node.module or ""
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                # `from pkg import mod` imports the module pkg.mod; `from mod import name` imports mod.
                yield (submodule if submodule in known else base), node.lineno


def _import_graph() -> tuple[dict[str, dict[str, int]], dict[str, Path]]:
    files = _project_files()
    known = set(files)
    graph: dict[str, dict[str, int]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges: dict[str, int] = {}
        for target, line in _imported(module, path, tree, known):
            if target.split(".")[0] in LAYERS and target != module:
                edges.setdefault(target, line)
        graph[module] = edges
    return graph, files


def _top(module: str) -> str:
    return module.split(".")[0]


def _where(files: dict[str, Path], module: str, line: int) -> str:
    path = files.get(module)
    return f"{path.relative_to(ROOT)}:{line}" if path else module


def test_imports_only_point_down() -> None:
    graph, files = _import_graph()
    upward = [
        f"{_where(files, module, line)}: {module} (layer {LAYERS[_top(module)]}) imports {target} "
        f"(layer {LAYERS[_top(target)]})"
        for module, edges in graph.items()
        for target, line in edges.items()
        if LAYERS[_top(target)] > LAYERS[_top(module)]
    ]
    assert not upward, "imports that point up a layer:\n  " + "\n  ".join(upward)


def test_roles_never_import_each_other() -> None:
    graph, files = _import_graph()
    across = [
        f"{_where(files, module, line)}: role {_top(module)} imports role {_top(target)} ({module} -> {target})"
        for module, edges in graph.items()
        for target, line in edges.items()
        if _top(module) in ROLES and _top(target) in ROLES and _top(target) != _top(module)
    ]
    assert not across, "roles that import another role:\n  " + "\n  ".join(across)


def _strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the groups of modules that reach each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(graph[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for succ in successors:
                if succ not in graph:
                    continue
                if succ not in index:
                    index[succ] = low[succ] = counter
                    counter += 1
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(graph[succ])))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
    return groups


def _a_cycle(graph: dict[str, dict[str, int]], group: list[str]) -> list[str]:
    """One concrete circle through the group's first module (breadth-first, so a shortest one)."""
    members = set(group)
    start = group[0]
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for succ in graph[node]:
                if succ == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [*reversed(path), start]
                if succ in members and succ not in came_from:
                    came_from[succ] = node
                    following.append(succ)
        frontier = following
    return group


def test_no_import_circles() -> None:
    graph, files = _import_graph()
    circles = []
    for group in _strongly_connected(graph):
        cycle = _a_cycle(graph, group)
        steps = [f"{_where(files, a, graph[a][b])}: {a} -> {b}" for a, b in itertools.pairwise(cycle)]
        circles.append(f"{' -> '.join(cycle)}  (modules in the circle: {len(group)})\n    " + "\n    ".join(steps))
    assert not circles, "import circles:\n  " + "\n  ".join(circles)


def test_the_graph_sees_the_project() -> None:
    """Guards the other tests against passing on an empty or misread tree."""
    graph, _ = _import_graph()
    assert {_top(module) for module in graph} >= set(LAYERS) - {"stack", "audit"}
    assert sum(len(edges) for edges in graph.values()) > 100
