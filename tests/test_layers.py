"""The package's layers, as a contract: imports point down only, and there are no cycles.

The engine (the modules at the top of ``scalargrad/``) needs nothing but
Python's standard library and itself; ``nn``, ``viz``, ``testing`` and ``cli``
are layers on it; ``viz`` never imports ``cli`` or ``testing``, and ``nn`` none of them. Every ``import`` in every
module counts, at module level or inside a function, except those under
``if TYPE_CHECKING:`` (they never run). A subprocess shows that
``import scalargrad`` loads neither graphviz nor a renderer, and that the
engine works where graphviz is not installed at all.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "scalargrad"
ENGINE = {"value", "operation", "ops", "backward", "transforms", "modes", "ieee", "math", "labels"}
STANDARD_LIBRARY = set(sys.stdlib_module_names)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str:
    """``engine``, ``nn``, ``viz``, ``cli``, ``testing``, ``files`` or ``package`` (the facade)."""
    parts = module.split(".")
    if len(parts) == 1:
        return "package"
    if parts[1] in ENGINE:
        return "engine"
    return "package" if parts[1] == "__main__" else parts[1]


def imports_of(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth, outside ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(child) for child in ast.walk(node)}
    found: set[str] = set()
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            # `from scalargrad import nn` imports the submodule scalargrad.nn;
            # `from scalargrad.value import Value` the module scalargrad.value.
            folder = PACKAGE.parent / base.replace(".", "/")
            submodules = {
                f"{base}.{alias.name}"
                for alias in node.names
                if (folder / alias.name).is_dir() or (folder / f"{alias.name}.py").exists()
            }
            found |= submodules or {base}
    return found


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {
    name: {m for m in imports_of(path) if m.split(".")[0] == "scalargrad" and m in MODULES and m != name}
    for name, path in MODULES.items()
}

# Which layers each layer may import (besides itself).
ALLOWED = {
    "engine": set(),
    "files": set(),
    "nn": {"engine", "files", "package"},
    # testing explains and pictures a failing gradient with viz; viz never tests
    "testing": {"engine", "viz", "files", "package"},
    "viz": {"engine", "files", "package"},
    "cli": {"engine", "viz", "nn", "testing", "files", "package"},
    "package": {"engine", "nn", "viz", "cli", "testing", "files"},
}


def test_the_layers_are_the_ones_the_contract_names() -> None:
    assert {layer_of(m) for m in MODULES} == set(ALLOWED), sorted(MODULES)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_only(module: str) -> None:
    layer = layer_of(module)
    wrong = {m for m in GRAPH[module] if layer_of(m) not in ALLOWED[layer] | {layer}}
    # The package facade (scalargrad/__init__) is imported by everything that
    # says "import scalargrad"; only the engine must not lean on it.
    if layer == "engine":
        wrong |= {m for m in GRAPH[module] if m == "scalargrad"}
    assert not wrong, f"{module} ({layer}) imports {sorted(wrong)}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if layer_of(m) in ("engine", "files")))
def test_the_engine_imports_only_the_standard_library(module: str) -> None:
    outside = {
        m
        for m in imports_of(MODULES[module])
        if m.split(".")[0] not in STANDARD_LIBRARY | {"scalargrad", "__future__"}
    }
    assert not outside, f"{module} imports {sorted(outside)}"


def test_there_are_no_import_cycles() -> None:
    # Depth-first search for a back edge, iteratively.
    state: dict[str, int] = {}  # 1 visiting, 2 done
    for start in GRAPH:
        if start in state:
            continue
        stack: list[tuple[str, list[str]]] = [(start, sorted(GRAPH[start]))]
        path = [start]
        state[start] = 1
        while stack:
            node, pending = stack[-1]
            if not pending:
                stack.pop()
                path.pop()
                state[node] = 2
                continue
            nxt = pending.pop()
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt) :] + [nxt]
                # A package's __init__ importing its own submodules is how packages work.
                if not all(
                    a.startswith(b + ".") or b.startswith(a + ".") or a == b for a, b in zip(cycle, cycle[1:])
                ):
                    raise AssertionError("import cycle: " + " -> ".join(cycle))
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, sorted(GRAPH[nxt])))


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PACKAGE.parent,
    )


def test_import_scalargrad_loads_no_renderer_and_no_graphviz() -> None:
    result = run(
        """
        import sys
        import scalargrad as sg
        loaded = sorted(m for m in sys.modules if m.startswith(("graphviz", "scalargrad.viz", "scalargrad.cli", "scalargrad.nn")))
        print(loaded)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_engine_works_without_graphviz_and_draw_says_how_to_install_it() -> None:
    # A finder that refuses graphviz stands in for a machine without it.
    result = run(
        """
        import sys
        class NoGraphviz:
            def find_spec(self, name, path=None, target=None):
                if name == "graphviz" or name.startswith("graphviz."):
                    raise ModuleNotFoundError("No module named 'graphviz'", name="graphviz")
                return None
        sys.meta_path.insert(0, NoGraphviz())
        import scalargrad as sg
        x = sg.Value(2.0, label="x")
        y = (x * x).tanh()
        y.backward()
        print(round(x.grad, 12))
        print(sg.explain(y, "x").text.splitlines()[0])
        try:
            sg.draw(y)
        except ModuleNotFoundError as error:
            print("error:", error)
        """
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    expected_grad = 4.0 * (1.0 - __import__("math").tanh(4.0) ** 2)  # d tanh(x²)/dx = 2x (1 - tanh²)
    assert float(lines[0]) == pytest.approx(expected_grad, rel=1e-12)
    assert lines[1] == "Forward pass"
    assert lines[2].startswith("error: scalargrad.draw draws with the graphviz package")
    assert "pip install graphviz" in lines[2]


def test_the_module_functions_are_the_registrys() -> None:
    # ops.__all__ is written out for type checkers; it must say what the registry says.
    import scalargrad.ops
    from scalargrad.operation import registry

    built_in = [
        name
        for name, f in registry().items()
        if f.spelling == "function" and f.__module__ == "scalargrad.ops"
    ]
    assert scalargrad.ops.__all__ == built_in
