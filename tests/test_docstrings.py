"""Every public function shows how it is used: a docstring with an example that runs.

The examples themselves run as doctests (``--doctest-modules``); this checks
that they exist. Public means listed in a module's ``__all__`` (or in
``scalargrad.__all__``); a public class needs a docstring, and so does each
of its public methods.
"""

import importlib
import inspect
import pkgutil

import pytest

import scalargrad

# Every public module of the package, subpackages included (scalargrad.viz.trace is "viz.trace").
MODULES = sorted(
    m.name.removeprefix("scalargrad.")
    for m in pkgutil.walk_packages(scalargrad.__path__, prefix="scalargrad.")
    if not any(part.startswith("_") for part in m.name.split("."))
)


def public_objects():
    for name in MODULES:
        module = importlib.import_module(f"scalargrad.{name}")
        assert hasattr(module, "__all__"), f"scalargrad.{name} has no __all__"
        for attribute in module.__all__:
            yield f"{name}.{attribute}", getattr(module, attribute)
    for attribute in scalargrad.__all__:
        yield f"scalargrad.{attribute}", getattr(scalargrad, attribute)


PUBLIC = [(name, obj) for name, obj in public_objects() if inspect.isfunction(obj) or inspect.isclass(obj)]


@pytest.mark.parametrize(
    "name, function",
    [(n, o) for n, o in PUBLIC if inspect.isfunction(o)],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_public_functions_have_an_example(name, function):
    doc = inspect.getdoc(function) or ""
    assert ">>>" in doc, f"{name} has no example in its docstring"


@pytest.mark.parametrize(
    "name, cls",
    [(n, o) for n, o in PUBLIC if inspect.isclass(o)],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_public_classes_and_their_methods_have_docstrings(name, cls):
    assert inspect.getdoc(cls), f"{name} has no docstring"
    for attribute, member in vars(cls).items():
        if attribute.startswith("_") or not (inspect.isfunction(member) or isinstance(member, property)):
            continue
        # (an override shares the documented method's docstring, as inspect.getdoc finds it)
        assert inspect.getdoc(getattr(cls, attribute)), f"{name}.{attribute} has no docstring"


def test_every_module_is_checked():
    assert {"value", "backward", "nn", "nn.losses", "viz", "viz.drawing", "cli", "cli.formula"} <= set(
        MODULES
    )
