"""Every differentiable op against independent references, over hypothesis-drawn inputs.

For each op: the value against exact rational arithmetic (``fractions``) or
mpmath at 113 bits; the gradient against the analytic derivative and against
central finite differences; second (and some third) derivatives through
``grad(grad(f))`` against analytic formulas. Then random expression graphs
from ``scalargrad.testing``, and ``sum``/``dot`` against chains of binary ops.

The tests at the end of the "higher order" section, and the Hessian of
``x**n`` at ``n = 0``, pin engine bugs these properties found (fixed in
40697ad): they fail on the engine before that commit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import pytest
from hypothesis import given
from hypothesis import strategies as st

import scalargrad as sg
from scalargrad import Value
from scalargrad.testing import (
    assert_gradients_match,
    assert_second_derivative_matches,
    expressions,
    finite_floats,
)

mp = mpmath.mp


# ------------------------------------------------------------------ helpers


def reference(function: Callable[..., Any], *xs: float) -> float:
    """``function`` of the exact floats ``xs``, evaluated by mpmath at 113 bits and rounded."""
    with mpmath.workprec(113):
        return float(function(*[mp.mpf(x) for x in xs]))


def assert_close(actual: float, expected: float, *, rtol: float, atol: float = 0.0, what: str = "") -> None:
    assert isinstance(actual, float), f"{what}: expected a float, got {type(actual).__name__} {actual!r}"
    assert abs(actual - expected) <= atol + rtol * abs(expected), (
        f"{what}: got {actual!r}, expected {expected!r} (difference {abs(actual - expected):.3g})"
    )


def derivative(f: Callable[[Any], Any], x: float) -> float:
    """df/dx by ``backward()`` on a fresh leaf."""
    v = Value(x)
    f(v).backward()
    return v.grad


def nth_derivative(f: Callable[[Any], Any], n: int) -> Callable[[float], Any]:
    for _ in range(n):
        f = sg.grad(f)
    return f


def hessian(f: Callable[..., Any], *xs: float) -> list[list[float]]:
    """H[i][j] = d/dxj (df/dxi), by differentiating the graph that ``grad`` builds."""
    every = tuple(range(len(xs)))
    rows = []
    for i in every:
        row = sg.grad(lambda *vs, i=i: sg.grad(f, argnums=i)(*vs), argnums=every)(*xs)
        rows.append([float(h) for h in row])
    return rows


def floats_away_from_zero(limit: float, margin: float = 1e-3) -> st.SearchStrategy[float]:
    """Floats with ``margin <= |x| <= limit``: clear of a kink at 0 by more than a finite-difference step."""
    return st.builds(
        lambda magnitude, negative: -magnitude if negative else magnitude,
        finite_floats(margin, limit),
        st.booleans(),
    )


# ------------------------------------------------------------ unary ops
#
# Each row: how the engine computes it, where it is drawn, and the reference
# value and first two derivatives, written as mpmath formulas.


@dataclass(frozen=True)
class Unary:
    name: str
    apply: Callable[[Any], Any]
    domain: st.SearchStrategy[float]
    value: Callable[[Any], Any]
    d1: Callable[[Any], Any]
    d2: Callable[[Any], Any]

    def __repr__(self) -> str:
        return self.name


def _sigmoid(x: Any) -> Any:
    return 1 / (1 + mp.exp(-x))


def _power(n: float, domain: st.SearchStrategy[float]) -> Unary:
    return Unary(
        f"x**{n:g}",
        lambda v: v**n,
        domain,
        lambda x: x**n,
        lambda x: n * x ** (n - 1),
        lambda x: n * (n - 1) * x ** (n - 2),
    )


POSITIVE = finite_floats(0.01, 1000.0)
MODERATE_POSITIVE = finite_floats(0.1, 10.0)
NONZERO = floats_away_from_zero(10.0, margin=0.1)

UNARY = [
    Unary("neg", lambda v: -v, finite_floats(-1e6, 1e6), lambda x: -x, lambda x: -1, lambda x: 0),
    Unary("abs", abs, floats_away_from_zero(1e6), abs, mp.sign, lambda x: 0),
    Unary("exp", sg.exp, finite_floats(-30.0, 30.0), mp.exp, mp.exp, mp.exp),
    Unary("log", sg.log, POSITIVE, mp.log, lambda x: 1 / x, lambda x: -1 / x**2),
    Unary("sqrt", sg.sqrt, POSITIVE, mp.sqrt, lambda x: 1 / (2 * mp.sqrt(x)), lambda x: -1 / (4 * x**1.5)),
    Unary("sin", sg.sin, finite_floats(-100.0, 100.0), mp.sin, mp.cos, lambda x: -mp.sin(x)),
    Unary("cos", sg.cos, finite_floats(-100.0, 100.0), mp.cos, lambda x: -mp.sin(x), lambda x: -mp.cos(x)),
    Unary(
        "tanh",
        sg.tanh,
        finite_floats(-20.0, 20.0),
        mp.tanh,
        lambda x: 1 - mp.tanh(x) ** 2,
        lambda x: -2 * mp.tanh(x) * (1 - mp.tanh(x) ** 2),
    ),
    Unary(
        "sigmoid",
        sg.sigmoid,
        finite_floats(-30.0, 30.0),
        _sigmoid,
        lambda x: _sigmoid(x) * (1 - _sigmoid(x)),
        lambda x: _sigmoid(x) * (1 - _sigmoid(x)) * (1 - 2 * _sigmoid(x)),
    ),
    Unary(
        "relu",
        sg.relu,
        floats_away_from_zero(1e6),
        lambda x: max(x, 0),
        lambda x: 1 if x > 0 else 0,
        lambda x: 0,
    ),
    Unary(
        "leaky_relu(slope=0.2)",
        lambda v: sg.leaky_relu(v, 0.2),
        floats_away_from_zero(1e6),
        lambda x: x if x > 0 else x / 5,
        lambda x: 1 if x > 0 else mp.mpf(1) / 5,
        lambda x: 0,
    ),
    Unary(
        "leaky_relu(default slope)",
        sg.leaky_relu,
        floats_away_from_zero(1e6),
        lambda x: x if x > 0 else x / 100,
        lambda x: 1 if x > 0 else mp.mpf(1) / 100,
        lambda x: 0,
    ),
    Unary(
        "softplus",
        sg.softplus,
        finite_floats(-30.0, 30.0),
        lambda x: mp.log(1 + mp.exp(x)),
        _sigmoid,
        lambda x: _sigmoid(x) * (1 - _sigmoid(x)),
    ),
    _power(2, NONZERO),
    _power(3, NONZERO),
    _power(-1, NONZERO),
    _power(-2, NONZERO),
    _power(0, NONZERO),
    _power(1, NONZERO),
    _power(0.5, MODERATE_POSITIVE),
    _power(1 / 3, MODERATE_POSITIVE),
    _power(-1.5, MODERATE_POSITIVE),
    _power(2.5, MODERATE_POSITIVE),
    Unary(
        "2**x",
        lambda v: 2**v,
        finite_floats(-20.0, 20.0),
        lambda x: 2**x,
        lambda x: 2**x * mp.log(2),
        lambda x: 2**x * mp.log(2) ** 2,
    ),
    Unary(
        "0.5**x",
        lambda v: 0.5**v,
        finite_floats(-20.0, 20.0),
        lambda x: mp.mpf(0.5) ** x,
        lambda x: mp.mpf(0.5) ** x * mp.log(0.5),
        lambda x: mp.mpf(0.5) ** x * mp.log(0.5) ** 2,
    ),
]


@pytest.mark.parametrize("op", UNARY, ids=repr)
@given(data=st.data())
def test_unary_value_matches_reference(op: Unary, data: st.DataObject) -> None:
    x = data.draw(op.domain, label="x")
    y = op.apply(Value(x))
    assert isinstance(y, Value)
    assert_close(y.data, reference(op.value, x), rtol=4e-15, what=f"{op.name}({x!r})")


@pytest.mark.parametrize("op", UNARY, ids=repr)
@given(data=st.data())
def test_unary_gradient_matches_analytic_derivative(op: Unary, data: st.DataObject) -> None:
    x = data.draw(op.domain, label="x")
    # atol: 1 - t*t (tanh) and s*(1 - s) (sigmoid) are exact only to a rounding of 1
    assert_close(
        derivative(op.apply, x), reference(op.d1, x), rtol=1e-14, atol=1e-15, what=f"d {op.name} at {x!r}"
    )


@pytest.mark.parametrize("op", UNARY, ids=repr)
@given(data=st.data())
def test_unary_gradient_matches_finite_differences(op: Unary, data: st.DataObject) -> None:
    assert_gradients_match(op.apply, data.draw(op.domain, label="x"))


@pytest.mark.parametrize("op", UNARY, ids=repr)
@given(data=st.data())
def test_unary_second_derivative_matches_analytic(op: Unary, data: st.DataObject) -> None:
    x = data.draw(op.domain, label="x")
    d2 = nth_derivative(op.apply, 2)(x)
    assert_close(float(d2), reference(op.d2, x), rtol=1e-13, atol=1e-15, what=f"d2 {op.name} at {x!r}")


THIRD_DERIVATIVES = [
    (
        "tanh",
        sg.tanh,
        finite_floats(-20.0, 20.0),
        lambda x: -2 * (1 - mp.tanh(x) ** 2) * (1 - 3 * mp.tanh(x) ** 2),
    ),
    ("sin", sg.sin, finite_floats(-100.0, 100.0), lambda x: -mp.cos(x)),
    ("exp", sg.exp, finite_floats(-30.0, 30.0), mp.exp),
    ("log", sg.log, POSITIVE, lambda x: 2 / x**3),
    (
        "sigmoid",
        sg.sigmoid,
        finite_floats(-30.0, 30.0),
        lambda x: _sigmoid(x) * (1 - _sigmoid(x)) * (1 - 6 * _sigmoid(x) + 6 * _sigmoid(x) ** 2),
    ),
    ("x**3.5", lambda v: v**3.5, MODERATE_POSITIVE, lambda x: 3.5 * 2.5 * 1.5 * x**0.5),
]


@pytest.mark.parametrize("name, f, domain, d3", THIRD_DERIVATIVES, ids=[row[0] for row in THIRD_DERIVATIVES])
@given(data=st.data())
def test_third_derivative_matches_analytic(
    name: str, f: Any, domain: Any, d3: Any, data: st.DataObject
) -> None:
    x = data.draw(domain, label="x")
    assert_close(
        float(nth_derivative(f, 3)(x)), reference(d3, x), rtol=1e-12, atol=1e-14, what=f"d3 {name} at {x!r}"
    )


@given(x=floats_away_from_zero(100.0), slope=finite_floats(0.0, 1.0))
def test_leaky_relu_with_any_slope(x: float, slope: float) -> None:
    v = Value(x)
    y = sg.leaky_relu(v, slope)
    y.backward()
    expected = x if x > 0 else float(Fraction(x) * Fraction(slope))
    assert y.data == expected
    assert v.grad == (1.0 if x > 0 else slope)


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "softplus"])
@given(x=finite_floats(-10.0, 10.0))
def test_methods_and_module_functions_are_the_same_op(name: str, x: float) -> None:
    if name in ("log", "sqrt"):
        x = abs(x) + 1.0
    a, b = Value(x), Value(x)
    by_method, by_function = getattr(a, name)(), getattr(sg, name)(b)
    by_method.backward()
    by_function.backward()
    assert by_method.op.name == by_function.op.name == name
    assert (by_method.data, a.grad) == (by_function.data, b.grad)
    assert getattr(sg, name)(x) == by_function.data  # the float form computes the same number


# ------------------------------------------------------- powers of a number


@given(x=MODERATE_POSITIVE, n=finite_floats(-3.0, 3.0))
def test_value_to_a_number(x: float, n: float) -> None:
    v = Value(x)
    y = v**n
    y.backward()
    assert_close(y.data, reference(lambda a, b: a**b, x, n), rtol=4e-15, what=f"{x!r}**{n!r}")
    assert_close(v.grad, reference(lambda a, b: b * a ** (b - 1), x, n), rtol=1e-14, what="d/dx")
    assert_gradients_match(lambda a: a**n, x)
    d2 = reference(lambda a, b: b * (b - 1) * a ** (b - 2), x, n)
    assert_close(float(nth_derivative(lambda a: a**n, 2)(x)), d2, rtol=1e-13, atol=1e-15, what="d2/dx2")


@given(x=floats_away_from_zero(10.0, margin=0.1), n=st.integers(-4, 5))
def test_negative_base_to_an_integer(x: float, n: int) -> None:
    v = Value(x)
    y = v**n
    y.backward()
    assert_close(y.data, float(Fraction(x) ** n), rtol=4e-16, what=f"{x!r}**{n}")
    assert_close(v.grad, float(n * Fraction(x) ** (n - 1)), rtol=4e-15, what="d/dx")
    assert_gradients_match(lambda a: a**n, x)


@given(c=MODERATE_POSITIVE, x=finite_floats(-5.0, 5.0))
def test_number_to_a_value(c: float, x: float) -> None:
    v = Value(x)
    y = c**v
    y.backward()
    assert_close(y.data, reference(lambda a, b: a**b, c, x), rtol=4e-15, what=f"{c!r}**{x!r}")
    assert_close(v.grad, reference(lambda a, b: a**b * mp.log(a), c, x), rtol=1e-14, atol=1e-300, what="d/dx")
    assert_gradients_match(lambda a: c**a, x)
    d2 = reference(lambda a, b: a**b * mp.log(a) ** 2, c, x)
    assert_close(float(nth_derivative(lambda a: c**a, 2)(x)), d2, rtol=1e-13, atol=1e-300, what="d2/dx2")


# ------------------------------------------------------------ binary ops

EXACT = {
    "add": (lambda a, b: a + b, lambda a, b: (1, 1)),
    "sub": (lambda a, b: a - b, lambda a, b: (1, -1)),
    "mul": (lambda a, b: a * b, lambda a, b: (b, a)),
    "div": (lambda a, b: a / b, lambda a, b: (1 / b, -a / b**2)),
}
operand = finite_floats(-1e3, 1e3)
divisor = floats_away_from_zero(1e3, margin=0.1)


@pytest.mark.parametrize("name", list(EXACT))
@given(data=st.data())
def test_binary_value_and_gradient(name: str, data: st.DataObject) -> None:
    f, partials = EXACT[name]
    a = data.draw(operand, label="a")
    b = data.draw(divisor if name == "div" else operand, label="b")
    exact = f(Fraction(a), Fraction(b))
    # a Value with a Value, a Value with a number and a number with a Value
    for left, right in ((Value(a), Value(b)), (Value(a), b), (a, Value(b))):
        y = f(left, right)
        y.backward()
        assert y.data == float(exact), f"{name}({a!r}, {b!r}) = {y.data!r}, exact {float(exact)!r}"
        for operand_, partial in zip((left, right), partials(Fraction(a), Fraction(b))):
            if isinstance(operand_, Value):
                assert_close(operand_.grad, float(partial), rtol=4e-16, atol=1e-300, what=f"d {name}")
    assert_gradients_match(f, a, b)


@given(a=operand, b=divisor)
def test_binary_second_derivatives(a: float, b: float) -> None:
    assert hessian(lambda x, y: x + y, a, b) == [[0.0, 0.0], [0.0, 0.0]]
    assert hessian(lambda x, y: x - y, a, b) == [[0.0, 0.0], [0.0, 0.0]]
    assert hessian(lambda x, y: x * y, a, b) == [[0.0, 1.0], [1.0, 0.0]]
    (daa, dab), (dba, dbb) = hessian(lambda x, y: x / y, a, b)
    assert daa == 0.0
    for got, exact in (
        (dab, -1 / Fraction(b) ** 2),
        (dba, -1 / Fraction(b) ** 2),
        (dbb, 2 * Fraction(a) / Fraction(b) ** 3),
    ):
        assert_close(got, float(exact), rtol=1e-15, atol=1e-300, what="d2 a/b")


@given(x=MODERATE_POSITIVE, n=finite_floats(-3.0, 3.0))
def test_value_to_a_value(x: float, n: float) -> None:
    base, exponent = Value(x), Value(n)
    y = base**exponent
    y.backward()
    assert_close(y.data, reference(lambda a, b: a**b, x, n), rtol=4e-15, what="x**n")
    assert_close(base.grad, reference(lambda a, b: b * a ** (b - 1), x, n), rtol=1e-14, what="d/dx")
    assert_close(
        exponent.grad, reference(lambda a, b: a**b * mp.log(a), x, n), rtol=1e-14, atol=1e-300, what="d/dn"
    )
    assert_gradients_match(lambda a, b: a**b, x, n)


@given(x=MODERATE_POSITIVE, n=finite_floats(-3.0, 3.0))
def test_value_to_a_value_second_derivatives(x: float, n: float) -> None:
    (dxx, dxn), (dnx, dnn) = hessian(lambda a, b: a**b, x, n)
    expected_xx = reference(lambda a, b: b * (b - 1) * a ** (b - 2), x, n)
    expected_xn = reference(lambda a, b: a ** (b - 1) * (1 + b * mp.log(a)), x, n)
    expected_nn = reference(lambda a, b: a**b * mp.log(a) ** 2, x, n)
    assert_close(dxx, expected_xx, rtol=1e-13, atol=1e-15, what="d2/dx2")
    assert_close(dxn, expected_xn, rtol=1e-13, atol=1e-15, what="d2/dxdn")
    assert_close(dnx, expected_xn, rtol=1e-13, atol=1e-15, what="d2/dndx")
    assert_close(dnn, expected_nn, rtol=1e-13, atol=1e-15, what="d2/dn2")


def test_pow_mixed_second_derivative_at_exponent_zero() -> None:
    """d(x**n)/dx = n x**(n-1) is 0 at n = 0, but its derivative in n, x**(n-1), is not.

    The bug: the graph-building derivative was the constant 0.0 at n = 0, so
    d2/dxdn came out 0.0 instead of 1/x = 0.5 (and the Hessian was not symmetric).
    """
    (_, dxn), (dnx, _) = hessian(lambda a, b: a**b, 2.0, 0.0)
    assert dnx == 0.5
    assert dxn == 0.5


# --------------------------------------------------------------- sum, dot


vectors = st.lists(finite_floats(-1e3, 1e3), min_size=1, max_size=6)


@given(xs=vectors)
def test_sum_value_and_gradient(xs: list[float]) -> None:
    leaves = [Value(x) for x in xs]
    y = sg.sum(leaves)
    y.backward()
    assert y.data == float(sum(map(Fraction, xs)))  # correctly rounded, as math.fsum
    assert [v.grad for v in leaves] == [1.0] * len(xs)
    assert_gradients_match(lambda *vs: sg.sum(vs), *xs, eps=1e-3)  # linear: a wide step is exact


@given(pairs=st.lists(st.tuples(finite_floats(-1e3, 1e3), finite_floats(-1e3, 1e3)), min_size=1, max_size=6))
def test_dot_value_and_gradient(pairs: list[tuple[float, float]]) -> None:
    ws, xs = [Value(w) for w, _ in pairs], [Value(x) for _, x in pairs]
    y = sg.dot(ws, xs)
    y.backward()
    exact = sum(Fraction(w) * Fraction(x) for w, x in pairs)
    # each product is rounded once, then the products are summed exactly
    slack = len(pairs) * math.fsum(abs(w * x) for w, x in pairs) * 2.0**-52
    assert abs(y.data - float(exact)) <= slack
    assert [w.grad for w in ws] == [x for _, x in pairs]
    assert [x.grad for x in xs] == [w for w, _ in pairs]
    n = len(pairs)
    # dot is linear in each input, so a wide step has no truncation error and little rounding
    flat = [w for w, _ in pairs] + [x for _, x in pairs]
    assert_gradients_match(lambda *vs: sg.dot(vs[:n], vs[n:]), *flat, eps=1e-3)


def chain_sum(terms: Sequence[Any]) -> Any:
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


@given(xs=vectors)
def test_sum_gradients_equal_a_chain_of_additions(xs: list[float]) -> None:
    one, chain = [Value(x) for x in xs], [Value(x) for x in xs]
    sg.sum(one).backward()
    chain_sum(chain).backward()
    assert [v.grad for v in one] == [v.grad for v in chain]
    assert hessian(lambda *vs: sg.sum(vs), *xs) == hessian(lambda *vs: chain_sum(vs), *xs)


@given(pairs=st.lists(st.tuples(finite_floats(-1e3, 1e3), finite_floats(-1e3, 1e3)), min_size=1, max_size=6))
def test_dot_gradients_equal_a_chain_of_products(pairs: list[tuple[float, float]]) -> None:
    def grads(build: Callable[[list[Value], list[Value]], Value]) -> list[float]:
        ws, xs = [Value(w) for w, _ in pairs], [Value(x) for _, x in pairs]
        build(ws, xs).backward()
        return [v.grad for v in ws + xs]

    assert grads(sg.dot) == grads(lambda ws, xs: chain_sum([w * x for w, x in zip(ws, xs)]))
    n = len(pairs)
    flat = [w for w, _ in pairs] + [x for _, x in pairs]
    assert hessian(lambda *vs: sg.dot(vs[:n], vs[n:]), *flat) == hessian(
        lambda *vs: chain_sum([w * x for w, x in zip(vs[:n], vs[n:])]), *flat
    )


@given(
    pool=st.lists(finite_floats(-10.0, 10.0), min_size=1, max_size=3),
    picks=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=1, max_size=5),
)
def test_sum_and_dot_of_shared_values_equal_the_chain(
    pool: list[float], picks: list[tuple[int, int]]
) -> None:
    """A Value used several times gets the sum of its contributions, as in the chain."""

    def grads(build: Callable[[list[Value], list[Value]], Value]) -> list[float]:
        leaves = [Value(x) for x in pool]
        ws = [leaves[i % len(pool)] for i, _ in picks]
        xs = [leaves[j % len(pool)] for _, j in picks]
        (build(ws, xs) + sg.sum(ws)).backward()
        return [v.grad for v in leaves]

    by_nodes = grads(sg.dot)
    by_chain = grads(lambda ws, xs: chain_sum([w * x for w, x in zip(ws, xs)]))
    for got, expected in zip(by_nodes, by_chain):  # the same terms, perhaps summed in another order
        assert_close(got, expected, rtol=1e-14, atol=1e-14, what="gradient of a shared leaf")


# ---------------------------------------------------- random expressions


@given(expr=expressions(n_inputs=2, max_depth=4), x0=finite_floats(), x1=finite_floats())
def test_random_expression_gradients(expr: Any, x0: float, x1: float) -> None:
    assert_gradients_match(expr, x0, x1)


@given(
    expr=expressions(n_inputs=3, max_depth=3), xs=st.tuples(finite_floats(), finite_floats(), finite_floats())
)
def test_random_expression_second_derivatives(expr: Any, xs: tuple[float, float, float]) -> None:
    assert_second_derivative_matches(expr, *xs)


@given(expr=expressions(n_inputs=2, max_depth=4), x0=finite_floats(), x1=finite_floats())
def test_backward_and_grad_agree(expr: Any, x0: float, x1: float) -> None:
    """backward(), grad() on floats and grad() on Values are three routes to one gradient."""
    a, b = Value(x0), Value(x1)
    y = expr(a, b)
    y.backward()
    by_floats = sg.grad(expr, argnums=(0, 1))(x0, x1)
    by_values = [float(g) for g in sg.grad(expr, argnums=(0, 1))(Value(x0), Value(x1))]
    for route in (by_floats, by_values):
        for got, expected in zip(route, (a.grad, b.grad)):
            assert_close(float(got), expected, rtol=1e-12, atol=1e-12, what=repr(expr))
    assert expr(x0, x1) == y.data  # the float evaluation computes the graph's number


# ------------------------------------------------------------ higher order


def test_mixed_partial_by_nested_grad_with_float_arguments() -> None:
    """The bug: the inner grad saw a float x, returned a float and cut the graph to y (0.0)."""
    assert sg.grad(sg.grad(lambda x, y: x * y, argnums=0), argnums=1)(2.0, 3.0) == 1.0


def test_gradcheck_of_a_derivative() -> None:
    """The bug: grad() inside no_grad (where gradcheck evaluates f) silently returned 0,
    so gradcheck(grad(f), x) reported analytic 12 against numeric 0."""
    assert sg.gradcheck(sg.grad(lambda x: x**3), 2.0)
