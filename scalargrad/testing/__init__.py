"""Check gradients: your functions', your ops', your hand-derived formulas' and your own engine's.

For users who want to check that something differentiates correctly over
many inputs, not just one:

``finite_floats``, ``expressions``
    hypothesis strategies: ordinary floats, and random formulas (with shared
    subexpressions) that can be drawn (:mod:`scalargrad.testing.strategies`);
``assert_gradients_match``, ``assert_second_derivative_matches``
    the engine's derivatives of a function against finite differences;
``assert_gradient_formula``
    a learner's hand-derived partial derivatives against the graph, with the
    chain rule for each wrong one (:mod:`scalargrad.testing.assertions`);
``check_op``
    a property-based check of an op defined with :func:`scalargrad.operation`, whose
    failures say what went wrong (:mod:`scalargrad.testing.op_check`);
``check_engine``
    a conformance check of any micrograd-style engine, also the command
    ``scalargrad check MODULE:NAME`` (:mod:`scalargrad.testing.engine`).

It needs hypothesis (``pip install scalargrad[testing]``):

>>> from hypothesis import given, settings
>>> import scalargrad as sg
>>> @settings(max_examples=20, derandomize=True, database=None)
... @given(finite_floats(-3.0, 3.0))
... def test_tanh_gradient(x):
...     assert_gradients_match(sg.tanh, x)
>>> test_tanh_gradient()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:
    import hypothesis  # noqa: F401 - every part of this package needs it
except ImportError as error:  # pragma: no cover - exercised by a test that hides hypothesis
    raise ImportError(
        "scalargrad.testing needs the hypothesis package: pip install scalargrad[testing]"
    ) from error

from scalargrad.testing.assertions import (
    assert_gradient_formula,
    assert_gradients_match,
    assert_second_derivative_matches,
)
from scalargrad.testing.engine import Defect, EngineReport, NotAnEngine, assert_engine_conforms, check_engine
from scalargrad.testing.op_check import check_op
from scalargrad.testing.strategies import Expression, expressions, finite_floats, op_names

__all__ = [
    "finite_floats",
    "expressions",
    "Expression",
    "DEFAULT_OPS",
    "ALL_OPS",
    "op_names",
    "assert_gradients_match",
    "assert_second_derivative_matches",
    "assert_gradient_formula",
    "check_op",
    "check_engine",
    "assert_engine_conforms",
    "EngineReport",
    "Defect",
    "NotAnEngine",
]


def __getattr__(name: str) -> Any:
    # DEFAULT_OPS and ALL_OPS are read from the registry on every use (PEP 562).
    if name == "DEFAULT_OPS":
        return op_names(smooth_only=True)
    if name == "ALL_OPS":
        return op_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:
    DEFAULT_OPS: tuple[str, ...]
    """The smooth operations ``expressions`` draws from unless told otherwise (no kinks)."""
    ALL_OPS: tuple[str, ...]
    """Every name ``expressions(ops=...)`` accepts: every op in the registry."""
