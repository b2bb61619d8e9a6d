"""The library's layering: no import cycle between its modules (imports inside functions included), and no
module that imports another's private names. Read from the source with ``ast``, so no module is imported."""

from __future__ import annotations

import ast
from pathlib import Path

LIB = Path(__file__).resolve().parents[1] / "w2s_lib"


def _modules() -> dict[str, Path]:
    out = {}
    for path in LIB.rglob("*.py"):
        parts = path.relative_to(LIB.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(name: str, path: Path, modules) -> tuple[set[str], list[str]]:
    """(modules of w2s_lib that ``name`` imports anywhere in its file, private names it imports from others)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    edges, private = set(), []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            edges.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            if not base.startswith("w2s_lib"):
                continue
            for alias in node.names:
                full = f"{base}.{alias.name}"
                edges.add(full if full in modules else base)
                if alias.name.startswith("_") and full not in modules:
                    private.append(f"{name} imports {base}.{alias.name}")
    edges.discard(name)
    return edges & set(modules), private


def _graph():
    modules = _modules()
    graph, private = {}, []
    for name, path in modules.items():
        graph[name], bad = _imports(name, path, modules)
        private += bad
    return graph, private


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` (as a path that ends where it starts), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_import_graph_has_no_cycle():
    cycle = _cycle(_graph()[0])
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_no_module_imports_another_modules_private_names():
    assert _graph()[1] == []


def test_the_checks_see_cycles_and_function_level_imports(tmp_path):
    """The reader finds an import inside a function, and the cycle search finds a cycle through it."""
    mod = tmp_path / "w2s_lib" / "a.py"
    mod.parent.mkdir()
    mod.write_text("def f():\n    from w2s_lib.b import _helper\n")
    edges, private = _imports("w2s_lib.a", mod, {"w2s_lib.a": mod, "w2s_lib.b": mod})
    assert edges == {"w2s_lib.b"} and private == ["w2s_lib.a imports w2s_lib.b._helper"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


# What each package may import (besides itself and the standard library): the layers of docs/architecture.md.
# The core knows no setting, data or model; data and models stand on the core; a setting (nlp, chess, vision)
# stands on those and the shared top-level modules, never on another setting.
SETTINGS = {"nlp", "chess", "vision"}
MAY_IMPORT = {
    "core": set(),
    "data": {"core"},
    "models": {"core", "data"},
    **{s: {"core", "data", "models", "plotting", "reference"} for s in SETTINGS},
}


def _package(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def test_packages_import_only_the_layers_below():
    graph = _graph()[0]
    bad = [
        f"{m} imports {dep}"
        for m, deps in graph.items()
        if _package(m) in MAY_IMPORT
        for dep in deps
        if _package(dep) not in MAY_IMPORT[_package(m)] | {_package(m)}
    ]
    assert not bad, "imports against the layers:\n" + "\n".join(sorted(bad))


def test_the_top_level_has_at_most_ten_modules():
    modules = sorted(p.stem for p in LIB.glob("*.py") if p.stem != "__init__")
    assert len(modules) <= 10, modules
