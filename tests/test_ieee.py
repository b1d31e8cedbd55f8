"""IEEE-754 behaviour at the edges: inf and nan, never an exception, never a complex number.

The expected numbers are PyTorch's in float64 (torch 2.13): ``value`` is the
output and ``grads`` the ``.grad`` of each input after ``backward(upstream)``.
The last tests pin engine bugs that this table found (fixed in 40697ad).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

import scalargrad as sg
from scalargrad import Value

inf, nan = math.inf, math.nan
LN2 = 0.6931471805599453  # log(2) rounded to double


@dataclass(frozen=True)
class Case:
    name: str
    f: Callable[..., Any]
    inputs: tuple[float, ...]
    value: float
    grads: tuple[float, ...]
    upstream: float = 1.0

    def __repr__(self) -> str:
        return self.name


CASES = [
    Case("exp(1000)", sg.exp, (1000.0,), inf, (inf,)),
    Case("log(0)", sg.log, (0.0,), -inf, (inf,)),
    Case("log(-1)", sg.log, (-1.0,), nan, (-1.0,)),
    Case("sqrt(-1)", sg.sqrt, (-1.0,), nan, (nan,)),
    Case("sqrt(0)", sg.sqrt, (0.0,), 0.0, (inf,)),
    Case("1 / 0", lambda x: 1 / x, (0.0,), inf, (-inf,)),
    Case("(-8) ** (1/3)", lambda x: x ** (1 / 3), (-8.0,), nan, (nan,)),
    Case("sigmoid(1000)", sg.sigmoid, (1000.0,), 1.0, (0.0,)),
    Case("sigmoid(-1000)", sg.sigmoid, (-1000.0,), 0.0, (0.0,)),
    Case("tanh(1000)", sg.tanh, (1000.0,), 1.0, (0.0,)),
    Case("tanh(-1000)", sg.tanh, (-1000.0,), -1.0, (0.0,)),
    Case("softplus(1000)", sg.softplus, (1000.0,), 1000.0, (1.0,)),
    Case("softplus(-1000)", sg.softplus, (-1000.0,), 0.0, (0.0,)),
    Case("relu(0)", sg.relu, (0.0,), 0.0, (0.0,)),
    Case("relu(-1)", sg.relu, (-1.0,), 0.0, (0.0,)),
    Case("relu(-1), upstream inf", sg.relu, (-1.0,), 0.0, (0.0,), upstream=inf),
    Case("relu(0), upstream nan", sg.relu, (0.0,), 0.0, (0.0,), upstream=nan),
    Case("relu(nan)", sg.relu, (nan,), nan, (1.0,)),
    Case("leaky_relu(0, 0.1)", lambda x: sg.leaky_relu(x, 0.1), (0.0,), 0.0, (0.1,)),
    Case("leaky_relu(nan, 0.1)", lambda x: sg.leaky_relu(x, 0.1), (nan,), nan, (0.1,)),
    Case("abs(0)", abs, (0.0,), 0.0, (0.0,)),
    Case("abs(0), upstream inf", abs, (0.0,), 0.0, (nan,), upstream=inf),
    Case("abs(nan)", abs, (nan,), nan, (0.0,)),
    Case("x**0 at 0", lambda x: x**0, (0.0,), 1.0, (0.0,)),
    Case("x**-1 at 0", lambda x: x**-1, (0.0,), inf, (-inf,)),
    Case("x**2 at inf", lambda x: x**2, (inf,), inf, (inf,)),
    Case("0 ** Value(2)", lambda x, n: x**n, (0.0, 2.0), 0.0, (0.0, 0.0)),
    Case("-2 ** Value(2)", lambda x, n: x**n, (-2.0, 2.0), 4.0, (-4.0, nan)),
    Case("0 ** Value(-1)", lambda x, n: x**n, (0.0, -1.0), inf, (-inf, -inf)),
    Case("2 ** Value(3)", lambda n: 2**n, (3.0,), 8.0, (8 * LN2,)),
    Case("sin(inf)", sg.sin, (inf,), nan, (nan,)),
    Case("cos(-inf)", sg.cos, (-inf,), nan, (nan,)),
    Case("exp(-inf)", sg.exp, (-inf,), 0.0, (0.0,)),
    Case("inf - inf", lambda x, y: x - y, (inf, inf), nan, (1.0, -1.0)),
    Case("0 * inf", lambda x, y: x * y, (0.0, inf), nan, (inf, 0.0)),
    Case("sum([inf, -inf])", lambda x, y: sg.sum([x, y]), (inf, -inf), nan, (1.0, 1.0)),
    Case("sum([1e308, 1e308])", lambda x, y: sg.sum([x, y]), (1e308, 1e308), inf, (1.0, 1.0)),
    Case("dot([inf], [0])", lambda w, x: sg.dot([w], [x]), (inf, 0.0), nan, (0.0, inf)),
]


def same(got: float, expected: float) -> bool:
    """Equal as IEEE numbers, with nan matching nan."""
    if math.isnan(expected):
        return math.isnan(got)
    return got == expected


def run_backward(case: Case) -> tuple[Any, list[Any]]:
    leaves = [Value(x) for x in case.inputs]
    out = case.f(*leaves)
    out.backward(case.upstream)
    return out.data, [leaf.grad for leaf in leaves]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_value_and_gradient_follow_pytorch(case: Case) -> None:
    value, grads = run_backward(case)
    assert type(value) is float and all(type(g) is float for g in grads), "results must be real floats"
    assert same(value, case.value), f"{case.name}: value {value!r}, expected {case.value!r}"
    for i, (got, expected) in enumerate(zip(grads, case.grads)):
        assert same(got, expected), f"{case.name}: gradient of input {i} is {got!r}, expected {expected!r}"


@pytest.mark.parametrize("case", [c for c in CASES if c.upstream == 1.0], ids=repr)
def test_grad_of_floats_agrees_with_backward(case: Case) -> None:
    """The functional route, with float arguments, reaches the same numbers."""
    value, grads = sg.value_and_grad(case.f, argnums=tuple(range(len(case.inputs))))(*case.inputs)
    assert same(value, case.value)
    for got, expected in zip(grads, case.grads):
        assert type(got) is float and same(got, expected), f"{case.name}: {got!r}, expected {expected!r}"


@pytest.mark.parametrize("case", [c for c in CASES if c.upstream == 1.0], ids=repr)
def test_grad_of_values_agrees_with_backward(case: Case) -> None:
    """With Value arguments grad builds its result as a graph; the numbers must not change."""
    grads = sg.grad(case.f, argnums=tuple(range(len(case.inputs))))(*map(Value, case.inputs))
    for got, expected in zip(grads, case.grads):
        assert isinstance(got, Value) and same(got.data, expected), (
            f"{case.name}: {got!r}, expected {expected!r}"
        )


def test_no_edge_value_raises_or_turns_complex() -> None:
    """Every binary operator on edge values, as Value op Value, Value op number and number op Value."""
    for x in (0.0, -0.0, inf, -inf, nan, 1e308, -1e308):
        for y in (0.0, -0.0, inf, -inf, nan, 2.0, -2.0, 0.5):
            for f in (
                lambda a, b: a + b,
                lambda a, b: a - b,
                lambda a, b: a * b,
                lambda a, b: a / b,
                lambda a, b: a**b,
            ):
                for left, right in ((Value(x), Value(y)), (Value(x), y), (x, Value(y))):
                    out = f(left, right)
                    out.backward()
                    assert type(out.data) is float
                    assert all(type(v.grad) is float for v in (left, right) if isinstance(v, Value))


# ------------------------------------------------- engine bugs found here


@pytest.mark.parametrize("upstream", [inf, nan])
def test_power_zero_masks_upstream(upstream: float) -> None:
    """PyTorch's pow_backward is where(exponent == 0, 0, ...): 0 whatever comes from above.

    The bug: the engine multiplied, 0.0 * inf = nan.
    """
    x = Value(2.0)
    (x**0).backward(upstream)
    assert x.grad == 0.0


def test_pow_zero_exponent_masks_upstream_for_the_base() -> None:
    """As for x**0, with a Value exponent. The bug: base.grad was nan."""
    x, n = Value(2.0), Value(0.0)
    (x**n).backward(inf)
    assert x.grad == 0.0
    assert n.grad == inf


def test_abs_at_zero_under_inf_upstream_same_with_values() -> None:
    """d log|x| / dx at 0 is inf * sign(0) = nan (PyTorch too), by either route.

    The bug: with a Value argument, grad builds the graph (create_graph) and
    skipped every zero local derivative, as if each op masked like relu: 0.0.
    """
    f = lambda x: sg.log(abs(x))  # noqa: E731
    assert math.isnan(sg.grad(f)(0.0))  # the float route is right
    assert math.isnan(sg.grad(f)(Value(0.0)).data)
