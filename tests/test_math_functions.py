"""Python's math functions and more activations as ops (issue 10, part 3), and ``scalargrad.math``.

What is checked, and against what:

1. Values: exactly :mod:`math`'s float inside each function's domain; the
   activations against mpmath at 40 digits.
2. First and second derivatives against mpmath's numerical differentiation
   (one-input functions, and both partials of ``atan2`` and ``hypot``), and
   the piecewise ones (``fmod``, ``%``, ``min``, ``max``, ``clamp``,
   ``copysign``, ``hardtanh``) against their formulas and central differences
   away from their jumps.
3. PyTorch's conventions, as explicit cases (numbers from torch 2.13 in
   float64): nan and inf outside the domain, derivatives at kinks and on
   plateaus, masks that stop an inf or nan from above.
4. Every new op at extreme inputs: forward, backward, ``grad`` and
   ``grad(grad)`` give floats, never an exception.
5. Against torch itself where it is installed: values, gradients and second
   derivatives at special points and at drawn ones.
6. ``scalargrad.math`` as a drop-in for :mod:`math`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mpmath as mp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scalargrad as sg
import scalargrad.math as smath
from scalargrad import Value
from scalargrad.operation import lookup

inf, nan = math.inf, math.nan
mp.mp.dps = 40

NEW_FUNCTIONS = [
    "tan",
    "asin",
    "acos",
    "atan",
    "atan2",
    "sinh",
    "cosh",
    "asinh",
    "acosh",
    "atanh",
    "exp2",
    "expm1",
    "log1p",
    "log2",
    "log10",
    "cbrt",
    "erf",
    "erfc",
    "hypot",
    "floor",
    "ceil",
    "trunc",
    "copysign",
    "fmod",
    "min",
    "max",
    "clamp",
    "gelu",
    "silu",
    "elu",
    "softsign",
    "mish",
    "hardtanh",
    "logsigmoid",
]
EXTREMES = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 1e-310, -1e-310, 1e308, -1e308, inf, -inf, nan]


def same(a: float, b: float) -> bool:
    """Equal as IEEE numbers, nan equal to nan, and the sign of a zero counts."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def close(a: float, b: float, rel: float, abs_: float = 0.0) -> bool:
    if not (math.isfinite(a) and math.isfinite(b)):
        return (math.isnan(a) and math.isnan(b)) or a == b
    return abs(a - b) <= abs_ + rel * max(abs(a), abs(b))


def test_every_function_is_registered_with_its_notation_domain_and_module_function() -> None:
    for name in NEW_FUNCTIONS:
        function = lookup(name)
        assert function is not None, name
        assert getattr(sg, name) is function and name in sg.ops.__all__
        assert function.op.notation.latex, name  # written in LaTeX as the op says
        for i in range(function.arity or 0):
            low, high = function.op.domain_of(i)
            assert low < high
        if function.arity == 1:
            assert callable(getattr(Value(0.5), name)), name  # a Value method
    assert lookup("mod").dunders == ("__mod__", "__rmod__")


# ======================================================= 1. values


#: name: (math's function, mpmath's, where to draw)
UNARY: dict[str, tuple[Callable[[float], float], Callable[[Any], Any], tuple[float, float]]] = {
    "tan": (math.tan, mp.tan, (-1.5, 1.5)),
    "asin": (math.asin, mp.asin, (-0.99, 0.99)),
    "acos": (math.acos, mp.acos, (-0.99, 0.99)),
    "atan": (math.atan, mp.atan, (-50.0, 50.0)),
    "sinh": (math.sinh, mp.sinh, (-20.0, 20.0)),
    "cosh": (math.cosh, mp.cosh, (-20.0, 20.0)),
    "asinh": (math.asinh, mp.asinh, (-50.0, 50.0)),
    "acosh": (math.acosh, mp.acosh, (1.01, 50.0)),
    "atanh": (math.atanh, mp.atanh, (-0.99, 0.99)),
    "exp2": (lambda x: 2.0**x, lambda x: mp.mpf(2) ** x, (-30.0, 30.0)),
    "expm1": (math.expm1, mp.expm1, (-20.0, 20.0)),
    "log1p": (math.log1p, mp.log1p, (-0.99, 50.0)),
    "log2": (math.log2, lambda x: mp.log(x, 2), (0.01, 100.0)),
    "log10": (math.log10, mp.log10, (0.01, 100.0)),
    "cbrt": (sg.ieee.cbrt, lambda x: mp.sign(x) * mp.cbrt(abs(x)), (-100.0, 100.0)),
    "erf": (math.erf, mp.erf, (-6.0, 6.0)),
    "erfc": (math.erfc, mp.erfc, (-6.0, 6.0)),
}
if hasattr(math, "exp2"):
    UNARY["exp2"] = (math.exp2, UNARY["exp2"][1], UNARY["exp2"][2])
if hasattr(math, "cbrt"):
    UNARY["cbrt"] = (math.cbrt, UNARY["cbrt"][1], UNARY["cbrt"][2])

#: name: (mpmath's function, where to draw, kinks to stay away from)
ACTIVATIONS: dict[str, tuple[Callable[[Any], Any], tuple[float, float], tuple[float, ...]]] = {
    "gelu": (lambda x: x * (1 + mp.erf(x / mp.sqrt(2))) / 2, (-6.0, 10.0), ()),
    "silu": (lambda x: x / (1 + mp.exp(-x)), (-30.0, 30.0), ()),
    "elu": (lambda x: x if x > 0 else mp.expm1(x), (-30.0, 30.0), (0.0,)),
    "softsign": (lambda x: x / (1 + abs(x)), (-30.0, 30.0), (0.0,)),
    "mish": (lambda x: x * mp.tanh(mp.log1p(mp.exp(x))), (-30.0, 30.0), ()),
    "logsigmoid": (lambda x: -mp.log1p(mp.exp(-x)), (-30.0, 30.0), ()),
    "hardtanh": (lambda x: max(-1, min(1, x)), (-3.0, 3.0), (-1.0, 1.0)),
}


def away(
    low: float, high: float, kinks: tuple[float, ...] = (), margin: float = 1e-3
) -> st.SearchStrategy[float]:
    def push(x: float) -> float:
        for k in kinks:
            if abs(x - k) < margin:
                x = k + margin if x >= k else k - margin
        return x

    return st.floats(low, high, allow_nan=False).map(push)


@pytest.mark.parametrize("name", list(UNARY))
def test_values_are_math_s(name: str) -> None:
    reference, _, (low, high) = UNARY[name]
    function = lookup(name)

    @settings(max_examples=50)
    @given(st.floats(low, high))
    def check(x: float) -> None:
        expected = reference(x)
        assert function(x) == expected
        assert function(Value(x)).data == expected
        assert getattr(Value(x), name)().data == expected

    check()


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_values_match_mpmath(name: str) -> None:
    reference, (low, high), _ = ACTIVATIONS[name]
    function = lookup(name)

    @settings(max_examples=50)
    @given(st.floats(low, high))
    def check(x: float) -> None:
        # absolute 1e-15: x (1 + erf(x/√2)) / 2 loses relative precision far left, in PyTorch too
        assert close(function(x), float(reference(mp.mpf(x))), rel=1e-14, abs_=1e-15), x

    check()


def test_two_input_values_are_math_s() -> None:
    @settings(max_examples=80)
    @given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6))
    def check(a: float, b: float) -> None:
        assert same(sg.atan2(a, b), math.atan2(a, b))
        assert same(sg.hypot(a, b), math.hypot(a, b))
        assert same(sg.copysign(a, b), math.copysign(a, b))
        assert same(sg.max(a, b), max(a, b)) and same(sg.min(a, b), min(a, b))
        if b != 0.0:
            assert same(sg.fmod(a, b), math.fmod(a, b))
            r = (Value(a) % b).data
            assert r == a % b  # Python's %; a zero keeps a's sign (PyTorch), not b's (Python)
            assert same(r, a % b) or r == 0.0

    check()


# ================================================= 2. derivatives


def mp_derivative(f: Callable[[Any], Any], x: float, n: int) -> float:
    with mp.workdps(40):
        return float(mp.diff(f, mp.mpf(x), n))


SMOOTH = {name: (spec[1], spec[2], (0.0,) if name == "cbrt" else ()) for name, spec in UNARY.items()}
SMOOTH.update(ACTIVATIONS)


@pytest.mark.parametrize("name", list(SMOOTH))
def test_first_and_second_derivatives_match_mpmath(name: str) -> None:
    reference, (low, high), kinks = SMOOTH[name]
    function = lookup(name)
    first, second = sg.grad(function), sg.grad(sg.grad(function))

    @settings(max_examples=25)
    @given(away(low, high, kinks, margin=1e-2))
    def check(x: float) -> None:
        d1, d2 = mp_derivative(reference, x, 1), mp_derivative(reference, x, 2)
        v = Value(x)
        function(v).backward()
        assert close(v.grad, d1, rel=1e-12, abs_=1e-14), (x, v.grad, d1)
        assert close(first(x), d1, rel=1e-12, abs_=1e-14), (x, first(x), d1)
        assert close(second(x), d2, rel=1e-9, abs_=1e-12), (x, second(x), d2)

    check()


def test_elu_with_alpha_and_hardtanh_with_bounds() -> None:
    for alpha in (0.5, 2.0, -1.0):
        for x in (-3.0, -0.25, 0.5, 4.0):
            expected = x if x > 0 else alpha * math.expm1(x)
            assert sg.elu(x, alpha) == expected and Value(x).elu(alpha).data == expected
            assert close(
                sg.grad(lambda v, a=alpha: sg.elu(v, a))(x), 1.0 if x > 0 else alpha * math.exp(x), rel=1e-15
            )
    for low, high in ((-2.0, 0.5), (0.0, 1.0)):
        for x in (-3.0, -1.0, 0.25, 0.75, 2.0):
            assert sg.hardtanh(x, low, high) == min(max(x, low), high)
            assert sg.grad(lambda v, lo=low, hi=high: sg.hardtanh(v, lo, hi))(x) == (
                1.0 if low < x < high else 0.0
            )
    node = Value(0.3).hardtanh(-0.5, 0.5)
    assert node.op.params() == {"min_val": -0.5, "max_val": 0.5} and node.op.kinks == (-0.5, 0.5)


def test_atan2_and_hypot_partials_to_second_order_match_mpmath() -> None:
    functions = {
        "atan2": (sg.atan2, lambda y, x: mp.atan2(y, x)),
        "hypot": (sg.hypot, lambda x, y: mp.sqrt(x * x + y * y)),
    }
    points = st.tuples(st.floats(-5, 5), st.floats(-5, 5)).filter(
        lambda p: math.hypot(*p) > 0.5 and abs(p[0]) > 1e-3
    )

    @settings(max_examples=25)
    @given(points)
    def check(point: tuple[float, float]) -> None:
        a, b = point
        for ours, reference in functions.values():
            for i in (0, 1):
                order = [1 if k == i else 0 for k in (0, 1)]
                with mp.workdps(40):
                    d1 = float(mp.diff(reference, (mp.mpf(a), mp.mpf(b)), tuple(order)))
                assert close(sg.grad(ours, argnums=i)(a, b), d1, rel=1e-12, abs_=1e-14)
                for j in (0, 1):
                    order2 = [order[k] + (1 if k == j else 0) for k in (0, 1)]
                    with mp.workdps(40):
                        d2 = float(mp.diff(reference, (mp.mpf(a), mp.mpf(b)), tuple(order2)))
                    got = sg.grad(sg.grad(ours, argnums=i), argnums=j)(a, b)
                    assert close(got, d2, rel=1e-9, abs_=1e-12), (point, i, j, got, d2)

    check()


def five_point(f: Callable[[float], float], x: float, h: float) -> float:
    return (-f(x + 2 * h) + 8 * f(x + h) - 8 * f(x - h) + f(x - 2 * h)) / (12 * h)


def test_piecewise_two_input_ops_have_their_formulas_and_match_central_differences() -> None:
    ops: dict[str, Callable[..., Any]] = {
        "fmod": sg.fmod,
        "mod": lambda a, b: a % b,
        "copysign": sg.copysign,
        "max": sg.max,
        "min": sg.min,
    }
    formulas = {
        "fmod": lambda a, b: (1.0, -math.trunc(a / b)),
        "mod": lambda a, b: (1.0, -(a // b)),
        "copysign": lambda a, b: (math.copysign(1.0, a) * math.copysign(1.0, b), 0.0),
        "max": lambda a, b: (1.0, 0.0) if a > b else (0.0, 1.0),
        "min": lambda a, b: (1.0, 0.0) if a < b else (0.0, 1.0),
    }
    pairs = st.tuples(st.floats(-20, 20), st.floats(-20, 20)).filter(
        lambda p: abs(p[0]) > 0.01 and abs(p[1]) > 0.1 and abs(p[0] - p[1]) > 0.01
    )

    @settings(max_examples=60)
    @given(pairs)
    def check(point: tuple[float, float]) -> None:
        a, b = point
        for name, f in ops.items():
            grads = sg.grad(f, argnums=(0, 1))(a, b)
            assert grads == formulas[name](a, b), (name, point, grads)
            for i in (0, 1):

                def along(t: float, i: int = i, f: Callable[..., Any] = f) -> float:
                    args = [a, b]
                    args[i] = t
                    return float(f(Value(args[0]), Value(args[1])).data)

                x0 = point[i]
                h = 1e-6 * max(1.0, abs(x0))
                numeric, coarse = five_point(along, x0, h), five_point(along, x0, 2 * h)
                if abs(numeric - coarse) > 1e-6 * max(1.0, abs(numeric)):
                    continue  # a jump (x / y crossing an integer) nearby
                assert close(grads[i], numeric, rel=1e-6, abs_=1e-6), (name, point, i, grads[i], numeric)
            # every order from one rule: the second derivatives of piecewise-linear ops are 0
            for i in (0, 1):
                assert sg.grad(sg.grad(f, argnums=i), argnums=(0, 1))(a, b) in (
                    (0.0, 0.0),
                    (-0.0, 0.0),
                    (0.0, -0.0),
                )

    check()


def test_clamp_gradients_by_region() -> None:
    @settings(max_examples=80)
    @given(st.floats(-5, 5), st.floats(-5, 5), st.floats(-5, 5))
    def check(x: float, low: float, high: float) -> None:
        grads = sg.grad(sg.clamp, argnums=(0, 1, 2))(x, low, high)
        expected = (
            1.0 if low <= x <= high else 0.0,
            1.0 if x < low < high else 0.0,
            1.0 if x > high or high < low else 0.0,
        )
        assert grads == expected, (x, low, high, grads)
        assert sg.clamp(x, low, high) == (high if low > high else min(max(x, low), high))

    check()
    # a bound of None is no bound; bounds by keyword
    assert sg.clamp(Value(5.0), None, 1.0).data == 1.0 and sg.clamp(-5.0, min=0.0) == 0.0
    assert sg.clamp(2.0, max=1.0) == 1.0 and sg.grad(lambda v: sg.clamp(v, max=1.0))(0.5) == 1.0
    with pytest.raises(TypeError, match="clamp"):
        sg.clamp(1.0, 0.0, 1.0, 2.0)
    with pytest.raises(TypeError, match="clamp"):
        sg.clamp(1.0, lo=0.0)


# =================================== 3. PyTorch's conventions, as explicit cases


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


# (torch 2.13, float64: the output and each input's .grad after backward(upstream))
CASES = [
    # outside the domain: nan and inf, never an exception
    Case("asin(2)", sg.asin, (2.0,), nan, (nan,)),
    Case("asin(1)", sg.asin, (1.0,), math.pi / 2, (inf,)),
    Case("acos(-1)", sg.acos, (-1.0,), math.pi, (-inf,)),
    Case("acosh(0.5)", sg.acosh, (0.5,), nan, (nan,)),
    Case("acosh(1)", sg.acosh, (1.0,), 0.0, (inf,)),
    Case("acosh(-2)", sg.acosh, (-2.0,), nan, (1 / math.sqrt(3.0),)),
    Case("atanh(1)", sg.atanh, (1.0,), inf, (inf,)),
    Case("atanh(-1)", sg.atanh, (-1.0,), -inf, (inf,)),
    Case("atanh(2)", sg.atanh, (2.0,), nan, (-1 / 3,)),
    Case("log1p(-1)", sg.log1p, (-1.0,), -inf, (inf,)),
    Case("log1p(-2)", sg.log1p, (-2.0,), nan, (-1.0,)),
    Case("log2(0)", sg.log2, (0.0,), -inf, (inf,)),
    Case("log2(-0)", sg.log2, (-0.0,), -inf, (-inf,)),
    Case("log10(-1)", sg.log10, (-1.0,), nan, (-1 / math.log(10.0),)),
    Case("tan(inf)", sg.tan, (inf,), nan, (nan,)),
    Case("sinh(1000)", sg.sinh, (1000.0,), inf, (inf,)),
    Case("sinh(-1000)", sg.sinh, (-1000.0,), -inf, (inf,)),
    Case("cosh(-1000)", sg.cosh, (-1000.0,), inf, (-inf,)),
    Case("exp2(1e200)", sg.exp2, (1e200,), inf, (inf,)),
    Case("expm1(1000)", sg.expm1, (1000.0,), inf, (inf,)),
    Case("expm1(-inf)", sg.expm1, (-inf,), -1.0, (0.0,)),
    Case("erfc(-inf)", sg.erfc, (-inf,), 2.0, (-0.0,)),
    Case("asinh(-inf)", sg.asinh, (-inf,), -inf, (0.0,)),
    Case("cbrt(0)", sg.cbrt, (0.0,), 0.0, (inf,)),
    Case("cbrt(-8)", sg.cbrt, (-8.0,), -2.0, (1 / 12,)),
    Case("hypot(0, 0)", sg.hypot, (0.0, 0.0), 0.0, (nan, nan)),
    Case("hypot(inf, nan)", sg.hypot, (inf, nan), inf, (nan, nan)),
    Case("atan2(0, 0)", sg.atan2, (0.0, 0.0), 0.0, (0.0, -0.0)),
    Case("atan2(0, -1)", sg.atan2, (0.0, -1.0), math.pi, (-1.0, -0.0)),
    Case("atan2(-0, -1)", sg.atan2, (-0.0, -1.0), -math.pi, (-1.0, 0.0)),
    Case("atan2(inf, inf)", sg.atan2, (inf, inf), math.pi / 4, (nan, nan)),
    # plateaus: floor, ceil, trunc have derivative 0 and pass nothing, not even inf
    Case("floor(-0.5)", sg.floor, (-0.5,), -1.0, (0.0,)),
    Case("ceil(-0.5)", sg.ceil, (-0.5,), -0.0, (0.0,)),
    Case("trunc(-0.5)", sg.trunc, (-0.5,), -0.0, (0.0,)),
    Case("floor(2), at its jump", sg.floor, (2.0,), 2.0, (0.0,)),
    Case("floor(inf)", sg.floor, (inf,), inf, (0.0,)),
    Case("floor(nan)", sg.floor, (nan,), nan, (0.0,)),
    Case("floor(1.5), upstream inf", sg.floor, (1.5,), 1.0, (0.0,), upstream=inf),
    Case("ceil(1.5), upstream nan", sg.ceil, (1.5,), 2.0, (0.0,), upstream=nan),
    # copysign: d/dx = result / x (0 at x = 0, unmasked), d/dy = 0 (masked)
    Case("copysign(2, -3)", sg.copysign, (2.0, -3.0), -2.0, (-1.0, 0.0)),
    Case("copysign(2, -0)", sg.copysign, (2.0, -0.0), -2.0, (-1.0, 0.0)),
    Case("copysign(0, -1)", sg.copysign, (0.0, -1.0), -0.0, (0.0, 0.0)),
    Case("copysign(inf, -1)", sg.copysign, (inf, -1.0), -inf, (nan, 0.0)),
    Case("copysign(2, nan)", sg.copysign, (2.0, nan), 2.0, (1.0, 0.0)),
    Case("copysign(1, 1), upstream inf", sg.copysign, (1.0, 1.0), 1.0, (inf, 0.0), upstream=inf),
    Case("copysign(0, 1), upstream inf", sg.copysign, (0.0, 1.0), 0.0, (nan, 0.0), upstream=inf),
    # fmod: d/dx 1, d/dy -trunc(x / y)
    Case("fmod(5.5, 2)", sg.fmod, (5.5, 2.0), 1.5, (1.0, -2.0)),
    Case("fmod(-5.5, 2)", sg.fmod, (-5.5, 2.0), -1.5, (1.0, 2.0)),
    Case("fmod(5.5, -2)", sg.fmod, (5.5, -2.0), 1.5, (1.0, 2.0)),
    Case("fmod(1, 0)", sg.fmod, (1.0, 0.0), nan, (1.0, -inf)),
    Case("fmod(0, 0)", sg.fmod, (0.0, 0.0), nan, (1.0, nan)),
    Case("fmod(inf, 2)", sg.fmod, (inf, 2.0), nan, (1.0, -inf)),
    Case("fmod(3, inf)", sg.fmod, (3.0, inf), 3.0, (1.0, -0.0)),
    Case("fmod(-4, 2)", sg.fmod, (-4.0, 2.0), -0.0, (1.0, 2.0)),
    Case("fmod(1, 0.1)", sg.fmod, (1.0, 0.1), 0.09999999999999995, (1.0, -10.0)),
    # x % y: the divisor's sign; d/dx 1, d/dy -(x // y)
    Case("5.5 % 2", lambda a, b: a % b, (5.5, 2.0), 1.5, (1.0, -2.0)),
    Case("-5.5 % 2", lambda a, b: a % b, (-5.5, 2.0), 0.5, (1.0, 3.0)),
    Case("5.5 % -2", lambda a, b: a % b, (5.5, -2.0), -0.5, (1.0, 3.0)),
    Case("1 % 0", lambda a, b: a % b, (1.0, 0.0), nan, (1.0, -inf)),
    Case("0 % 0", lambda a, b: a % b, (0.0, 0.0), nan, (1.0, nan)),
    Case("inf % 2", lambda a, b: a % b, (inf, 2.0), nan, (1.0, nan)),
    Case("3 % inf", lambda a, b: a % b, (3.0, inf), 3.0, (1.0, -0.0)),
    Case("-3 % inf", lambda a, b: a % b, (-3.0, inf), inf, (1.0, 1.0)),
    Case("-4 % 2", lambda a, b: a % b, (-4.0, 2.0), -0.0, (1.0, 2.0)),
    Case("4 % -2", lambda a, b: a % b, (4.0, -2.0), 0.0, (1.0, 2.0)),
    Case("1 % 0.1", lambda a, b: a % b, (1.0, 0.1), 0.09999999999999995, (1.0, -9.0)),
    # max and min: a tie splits the gradient; nan passes it whole to both; the smaller is masked
    Case("max(1, 1)", sg.max, (1.0, 1.0), 1.0, (0.5, 0.5)),
    Case("min(1, 1)", sg.min, (1.0, 1.0), 1.0, (0.5, 0.5)),
    Case("max(nan, 1)", sg.max, (nan, 1.0), nan, (1.0, 1.0)),
    Case("min(nan, 1)", sg.min, (nan, 1.0), nan, (1.0, 1.0)),
    Case("max(-0, 0)", sg.max, (-0.0, 0.0), -0.0, (0.5, 0.5)),
    Case("max(1, 2), upstream inf", sg.max, (1.0, 2.0), 2.0, (0.0, inf), upstream=inf),
    Case("min(1, 2), upstream nan", sg.min, (1.0, 2.0), 1.0, (nan, 0.0), upstream=nan),
    # clamp passes the gradient where min <= x <= max; hardtanh only where min_val < x < max_val
    Case("clamp(0, 0, 1)", sg.clamp, (0.0, 0.0, 1.0), 0.0, (1.0, 0.0, 0.0)),
    Case("clamp(1, 0, 1)", sg.clamp, (1.0, 0.0, 1.0), 1.0, (1.0, 0.0, 0.0)),
    Case("clamp(-1, 0, 1)", sg.clamp, (-1.0, 0.0, 1.0), 0.0, (0.0, 1.0, 0.0)),
    Case("clamp(2, 0, 1)", sg.clamp, (2.0, 0.0, 1.0), 1.0, (0.0, 0.0, 1.0)),
    Case("clamp(0.5, 1, 0)", sg.clamp, (0.5, 1.0, 0.0), 0.0, (0.0, 0.0, 1.0)),
    Case("clamp(nan, 0, 1)", sg.clamp, (nan, 0.0, 1.0), nan, (0.0, 0.0, 0.0)),
    Case("clamp(0.5, nan, 1)", sg.clamp, (0.5, nan, 1.0), nan, (0.0, 0.0, 0.0)),
    Case("clamp(2, 0, 1), upstream inf", sg.clamp, (2.0, 0.0, 1.0), 1.0, (0.0, 0.0, inf), upstream=inf),
    Case("hardtanh(1)", sg.hardtanh, (1.0,), 1.0, (0.0,)),
    Case("hardtanh(-1)", sg.hardtanh, (-1.0,), -1.0, (0.0,)),
    Case("hardtanh(0)", sg.hardtanh, (0.0,), 0.0, (1.0,)),
    Case("hardtanh(nan)", sg.hardtanh, (nan,), nan, (1.0,)),
    Case("hardtanh(2), upstream inf", sg.hardtanh, (2.0,), 1.0, (0.0,), upstream=inf),
    # activations at their edges
    Case("elu(0)", sg.elu, (0.0,), 0.0, (1.0,)),
    Case("elu(0, 2)", lambda x: sg.elu(x, 2.0), (0.0,), 0.0, (2.0,)),
    Case("elu(-0, -1)", lambda x: sg.elu(x, -1.0), (-0.0,), -0.0, (-1.0,)),
    Case("elu(-inf)", sg.elu, (-inf,), -1.0, (0.0,)),
    Case("elu(nan)", sg.elu, (nan,), nan, (1.0,)),
    Case("gelu(0)", sg.gelu, (0.0,), 0.0, (0.5,)),
    Case("gelu(-inf)", sg.gelu, (-inf,), nan, (nan,)),
    Case("gelu(-1000)", sg.gelu, (-1000.0,), -0.0, (0.0,)),
    Case("silu(-inf)", sg.silu, (-inf,), nan, (nan,)),
    Case("silu(-1000)", sg.silu, (-1000.0,), -0.0, (-0.0,)),
    Case("mish(0)", sg.mish, (0.0,), 0.0, (0.6,)),
    Case("mish(1000)", sg.mish, (1000.0,), 1000.0, (1.0,)),
    Case("mish(-inf)", sg.mish, (-inf,), nan, (nan,)),
    Case("softsign(inf): nan as PyTorch's formula", sg.softsign, (inf,), nan, (0.0,)),  # torch: grad nan
    Case("logsigmoid(-inf)", sg.logsigmoid, (-inf,), -inf, (1.0,)),
    Case("logsigmoid(inf)", sg.logsigmoid, (inf,), 0.0, (0.0,)),
    Case("logsigmoid(0)", sg.logsigmoid, (0.0,), -math.log(2.0), (0.5,)),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_value_and_gradient_follow_pytorch(case: Case) -> None:
    leaves = [Value(x) for x in case.inputs]
    out = case.f(*leaves)
    assert same(out.data, case.value), (out.data, case.value)
    out.backward(case.upstream)
    for leaf, expected in zip(leaves, case.grads):
        assert leaf.grad == expected or (math.isnan(leaf.grad) and math.isnan(expected)), (
            leaf.grad,
            expected,
        )
    if case.upstream == 1.0:  # grad of floats agrees
        got = sg.grad(case.f, argnums=tuple(range(len(case.inputs))))(*case.inputs)
        got = got if isinstance(got, tuple) else (got,)
        for g, expected in zip(got, case.grads):
            assert g == expected or (math.isnan(g) and math.isnan(expected)), (got, case.grads)


def test_max_and_min_at_a_tie_give_what_central_differences_see() -> None:
    central = (sg.max(1.0 + 2**-20, 1.0) - sg.max(1.0 - 2**-20, 1.0)) / 2**-19  # exact steps
    assert sg.grad(lambda x: sg.max(x, 1.0))(1.0) == 0.5 == central
    assert sg.grad(lambda x: sg.max(x, x))(0.3) == 1.0  # one input on both sides: the halves add up
    assert sg.grad(lambda x: sg.min(x, -x))(0.0) == 0.0  # -|x| at 0, as abs


# ================================================ 4. extreme inputs


@pytest.mark.parametrize("name", NEW_FUNCTIONS + ["mod"])
def test_extreme_inputs_give_floats_never_an_exception(name: str) -> None:
    function = lookup(name)
    assert function is not None
    arity = function.arity or 1
    f: Callable[..., Any] = (lambda a, b: a % b) if name == "mod" else function
    grids = {1: [(x,) for x in EXTREMES], 2: [(a, b) for a in EXTREMES for b in EXTREMES]}
    grids[3] = [(a, b, c) for a in EXTREMES for b in EXTREMES[::3] for c in EXTREMES[1::3]]
    for xs in grids[arity]:
        if name != "mod":
            assert type(f(*xs)) is float
        leaves = [Value(x) for x in xs]
        out = f(*leaves)
        assert type(out.data) is float
        out.backward()
        assert all(type(leaf.grad) is float for leaf in leaves)
        for i in range(arity):
            assert type(sg.grad(f, argnums=i)(*xs)) is float
        if arity <= 2:
            for i in range(arity):
                assert type(sg.grad(sg.grad(f, argnums=i), argnums=0)(*xs)) is float


# ================================================ 5. against torch


@pytest.fixture(scope="module")
def torch() -> Any:
    torch = pytest.importorskip("torch")
    torch.set_default_dtype(torch.float64)
    return torch


def torch_functions(torch: Any) -> dict[str, Callable[..., Any]]:
    functional = torch.nn.functional
    unary = [
        "tan",
        "asin",
        "acos",
        "atan",
        "sinh",
        "cosh",
        "asinh",
        "acosh",
        "atanh",
        "exp2",
        "expm1",
        "log1p",
        "log2",
        "log10",
        "erf",
        "erfc",
        "floor",
        "ceil",
        "trunc",
    ]
    found: dict[str, Callable[..., Any]] = {name: getattr(torch, name) for name in unary}
    found.update(
        {
            name: getattr(functional, name)
            for name in ("gelu", "silu", "elu", "softsign", "mish", "hardtanh", "logsigmoid")
        }
    )
    found.update(
        atan2=torch.atan2,
        hypot=torch.hypot,
        copysign=torch.copysign,
        fmod=torch.fmod,
        mod=torch.remainder,
        min=torch.minimum,
        max=torch.maximum,
        clamp=torch.clamp,
    )
    return found


def torch_derivatives(
    torch: Any, f: Callable[..., Any], xs: tuple[float, ...]
) -> tuple[float, list[float], list[list[float]]]:
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    y = f(*ts)
    grads = torch.autograd.grad(y, ts, create_graph=True, allow_unused=True)
    hessian = []
    for d in grads:
        if d is None or not d.requires_grad:
            hessian.append([0.0] * len(ts))
            continue
        second = torch.autograd.grad(d, ts, allow_unused=True, retain_graph=True)
        hessian.append([0.0 if s is None else s.item() for s in second])
    return y.item(), [0.0 if d is None else d.item() for d in grads], hessian


def our_derivatives(
    f: Callable[..., Any], xs: tuple[float, ...]
) -> tuple[float, list[float], list[list[float]]]:
    leaves = [Value(x) for x in xs]
    y = f(*leaves)
    y.backward()
    n = len(xs)
    hessian = [[sg.grad(sg.grad(f, argnums=i), argnums=j)(*xs) for j in range(n)] for i in range(n)]
    return y.data, [leaf.grad for leaf in leaves], hessian


def known_difference(name: str, xs: tuple[float, ...], what: str) -> bool:
    """Where scalargrad deliberately differs from torch 2.13 (each is the limit, or the more exact number)."""
    if name == "softsign" and what == "grad":
        # torch differentiates x / (1 + |x|) as a composite: nan at ±inf (the limit is 0), and
        # relative errors growing as |x| ε beyond (ours is 1 / (1 + |x|)², to rounding)
        return abs(xs[0]) > 100.0
    if what != "hessian":
        return False
    if name in ("gelu", "mish") and abs(xs[0]) > 700.0:
        return True  # torch's double backward overflows to nan; the limit is 0
    if name == "atan2" and xs[0] * xs[0] + xs[1] * xs[1] == 0.0:
        return True  # at the origin (x² + y² = 0) the first derivatives are the constant 0 (torch: nan)
    if name == "copysign" and xs[0] == 0.0:
        return True  # d/dx there is the constant 0 (torch: nan from 0 / 0)
    return name == "logsigmoid" and abs(xs[0]) >= 15.0  # torch's s(1 - s) cancels for x >> 0; ours does not


TOLERANCES = {"value": 1e-15, "grad": 1e-14, "hessian": 1e-10}
TOLERANCES_BY_OP = {"softsign": {"grad": 1e-12}}  # torch's composite formula is the less exact one


def compare_with_torch(torch: Any, name: str, xs: tuple[float, ...], theirs: Callable[..., Any]) -> None:
    ours = (lambda a, b: a % b) if name == "mod" else lookup(name)
    o_value, o_grads, o_hessian = our_derivatives(ours, xs)
    t_value, t_grads, t_hessian = torch_derivatives(torch, theirs, xs)
    # (absolute 1e-300: torch's log1p flushes a subnormal x to 0, math's is x)
    assert close(o_value, t_value, TOLERANCES["value"], 1e-300), (name, xs, o_value, t_value)
    if o_value == 0.0 and t_value == 0.0:
        assert math.copysign(1, o_value) == math.copysign(1, t_value), (name, xs, o_value, t_value)
    rel = {**TOLERANCES, **TOLERANCES_BY_OP.get(name, {})}
    if not known_difference(name, xs, "grad"):
        for a, b in zip(o_grads, t_grads):
            assert close(a, b, rel["grad"], 1e-300), (name, xs, o_grads, t_grads)
    if all(math.isfinite(x) for x in xs) and not known_difference(name, xs, "hessian"):
        # relative to the largest second derivative: an exact 0 off the diagonal may be torch's rounding noise
        scale = max([abs(h) for row in o_hessian + t_hessian for h in row if math.isfinite(h)] + [0.0])
        for row_a, row_b in zip(o_hessian, t_hessian):
            for a, b in zip(row_a, row_b):
                assert close(a, b, rel["hessian"], 1e-15 + rel["hessian"] * scale), (
                    name,
                    xs,
                    o_hessian,
                    t_hessian,
                )


SPECIAL = [
    -inf,
    -1000.0,
    -20.0,
    -2.0,
    -1.0,
    -0.75,
    -0.5,
    -1e-300,
    -0.0,
    0.0,
    1e-300,
    0.5,
    0.75,
    1.0,
    2.0,
    20.0,
    1000.0,
    inf,
    nan,
    1e200,
    -1e200,
    0.999999,
    1.000001,
    -0.999999,
    3.7,
    -3.7,
    710.0,
    -710.0,
]
PAIRS = [
    (a, b)
    for a in (-inf, -2.0, -1.0, -0.0, 0.0, 0.5, 1.0, 3.0, inf, nan)
    for b in (-inf, -2.0, -0.5, -0.0, 0.0, 0.5, 1.0, 2.0, inf, nan)
]
PAIRS += [(-2.0, -2.0), (1.5, 1.5), (1.0, 0.1), (-7.5, 2.5), (7.5, -2.5), (1e-200, 0.0)]
TRIPLES = [
    (x, low, high)
    for x in (-inf, -2.0, -1.0, 0.0, 0.5, 1.0, 2.0, inf, nan)
    for low in (-1.0, 0.0, 0.5, nan)
    for high in (0.0, 0.5, 1.0, -2.0, nan)
]
UNARY_FOR_TORCH = [
    name for name in NEW_FUNCTIONS if name not in ("cbrt",) and lookup(name).arity == 1
]  # torch has no cbrt
BINARY_FOR_TORCH = ["atan2", "hypot", "copysign", "fmod", "mod", "min", "max"]


@pytest.mark.parametrize("name", UNARY_FOR_TORCH + BINARY_FOR_TORCH + ["clamp"])
def test_special_points_agree_with_torch(torch: Any, name: str) -> None:
    theirs = torch_functions(torch)[name]
    points = {1: [(x,) for x in SPECIAL], 2: PAIRS, 3: TRIPLES}[
        3 if name == "clamp" else 2 if name in BINARY_FOR_TORCH else 1
    ]
    for xs in points:
        compare_with_torch(torch, name, xs, theirs)


@pytest.mark.parametrize("name", UNARY_FOR_TORCH + BINARY_FOR_TORCH)
def test_drawn_points_agree_with_torch(torch: Any, name: str) -> None:
    theirs = torch_functions(torch)[name]
    arity = 2 if name in BINARY_FOR_TORCH else 1
    numbers = st.one_of(
        st.floats(-6.0, 6.0), st.floats(-1.5, 1.5), st.floats(allow_nan=True, allow_infinity=True)
    )

    @settings(max_examples=60)
    @given(st.tuples(*[numbers] * arity))
    def check(xs: tuple[float, ...]) -> None:
        compare_with_torch(torch, name, xs, theirs)

    check()


def test_elu_and_hardtanh_parameters_agree_with_torch(torch: Any) -> None:
    functional = torch.nn.functional
    for alpha in (0.5, 2.0, -1.0):
        for x in SPECIAL:
            compare_with_torch_parameterised(
                torch, lambda v, a=alpha: sg.elu(v, a), lambda t, a=alpha: functional.elu(t, a), x
            )
    for low, high in ((-2.0, 0.5), (0.0, 1.0)):
        for x in SPECIAL + [low, high]:
            compare_with_torch_parameterised(
                torch,
                lambda v, lo=low, hi=high: sg.hardtanh(v, lo, hi),
                lambda t, lo=low, hi=high: functional.hardtanh(t, lo, hi),
                x,
            )


def compare_with_torch_parameterised(
    torch: Any, ours: Callable[..., Any], theirs: Callable[..., Any], x: float
) -> None:
    o_value, o_grads, o_hessian = our_derivatives(ours, (x,))
    t_value, t_grads, t_hessian = torch_derivatives(torch, theirs, (x,))
    assert same(o_value, t_value) or (o_value == t_value == 0.0), (x, o_value, t_value)
    assert close(o_grads[0], t_grads[0], 1e-14), (x, o_grads, t_grads)
    if math.isfinite(x):
        assert close(o_hessian[0][0], t_hessian[0][0], 1e-10, 1e-15), (x, o_hessian, t_hessian)


# ============================================ 6. scalargrad.math, a drop-in for math

NOT_DIFFERENTIABLE = {
    "comb",
    "factorial",
    "gcd",
    "isclose",
    "isfinite",
    "isinf",
    "isnan",
    "isqrt",
    "lcm",
    "nextafter",
    "perm",
    "ulp",
    "gamma",
    "lgamma",
}
MATH_NAMES = sorted(name for name in dir(math) if not name.startswith("_"))


def test_every_public_name_of_math_is_there() -> None:
    missing = [name for name in MATH_NAMES if not hasattr(smath, name)]
    assert not missing
    assert set(MATH_NAMES) <= set(smath.__all__)
    for name in ("pi", "e", "tau", "inf"):
        assert getattr(smath, name) == getattr(math, name)
    assert math.isnan(smath.nan)


DIFFERENTIABLE_ONE_INPUT = [
    name
    for name in MATH_NAMES
    if name not in NOT_DIFFERENTIABLE
    and callable(getattr(math, name))
    and name
    not in (
        "atan2",
        "copysign",
        "fmod",
        "hypot",
        "pow",
        "remainder",
        "dist",
        "fsum",
        "prod",
        "ldexp",
        "frexp",
        "modf",
        "log",
        "sumprod",
        "fma",
    )
]


@pytest.mark.parametrize("name", DIFFERENTIABLE_ONE_INPUT)
def test_one_input_functions_give_math_s_float_and_a_value_for_a_value(name: str) -> None:
    ours, theirs = getattr(smath, name), getattr(math, name)
    domain = {
        "acosh": (1.0, 20.0),
        "log1p": (-0.9, 20.0),
        "log10": (0.01, 20.0),
        "log2": (0.01, 20.0),
        "sqrt": (0.0, 20.0),
        "asin": (-1.0, 1.0),
        "acos": (-1.0, 1.0),
        "atanh": (-0.99, 0.99),
    }.get(name, (-20.0, 20.0))

    @settings(max_examples=30)
    @given(st.floats(*domain))
    def check(x: float) -> None:
        assert ours(x) == theirs(x)
        v = Value(x)
        y = ours(v)
        assert isinstance(y, Value) and y.data == theirs(x) and y.parents == (v,)

    check()


def test_functions_of_several_inputs_give_math_s_float() -> None:
    @settings(max_examples=60)
    @given(st.floats(-50, 50), st.floats(0.1, 50), st.integers(-60, 60))
    def check(a: float, b: float, k: int) -> None:
        for name in ("atan2", "copysign", "fmod", "hypot", "pow", "remainder"):
            if name == "pow" and a < 0:
                continue
            assert same(getattr(smath, name)(a, b), getattr(math, name)(a, b)), name
            got = getattr(smath, name)(Value(a), Value(b))
            assert isinstance(got, Value) and same(got.data, getattr(math, name)(a, b)), name
        assert smath.log(b, 3.0) == math.log(b, 3.0) and smath.log(Value(b), 3.0).data == math.log(b, 3.0)
        assert smath.hypot(a, b, 1.5) == math.hypot(a, b, 1.5)
        assert smath.dist((a, b), (1.0, 2.0)) == math.dist((a, b), (1.0, 2.0))
        assert smath.fsum([a, b, 0.1]) == math.fsum([a, b, 0.1])
        assert smath.fsum([Value(a), b, 0.1]).data == math.fsum([a, b, 0.1])
        assert smath.prod([a, b, 3.0]) == math.prod([a, b, 3.0])
        assert smath.ldexp(a, k) == math.ldexp(a, k) and smath.ldexp(Value(a), k).data == math.ldexp(a, k)
        assert smath.frexp(a) == math.frexp(a)
        m, e = smath.frexp(Value(a))
        assert (getattr(m, "data", m), e) == math.frexp(a)
        frac, whole = smath.modf(Value(a))
        assert (frac.data, whole.data) == math.modf(a)
        assert smath.degrees(a) == math.degrees(a) and smath.radians(a) == math.radians(a)

    check()


def test_a_function_written_with_scalargrad_math_gets_the_right_gradient() -> None:
    def f(x: Any, y: Any) -> Any:
        return smath.sin(x) * smath.exp(-y) + smath.log1p(x * x) / smath.hypot(x, y) + smath.atan2(y, x)

    @settings(max_examples=30)
    @given(st.floats(0.2, 3.0), st.floats(0.2, 3.0))
    def check(x: float, y: float) -> None:
        dx, dy = sg.grad(f, argnums=(0, 1))(x, y)
        with mp.workdps(40):

            def g(a: Any, b: Any) -> Any:
                return mp.sin(a) * mp.exp(-b) + mp.log1p(a * a) / mp.sqrt(a * a + b * b) + mp.atan2(b, a)

            ex = float(mp.diff(g, (x, y), (1, 0)))
            ey = float(mp.diff(g, (x, y), (0, 1)))
        assert close(dx, ex, 1e-12, 1e-14) and close(dy, ey, 1e-12, 1e-14)
        assert sg.gradcheck(f, x, y)
        assert type(f(x, y)) is float and f(x, y) == pytest.approx(float(g(x, y)), rel=1e-14)

    check()


def test_the_trap_std_math_on_a_value_loses_the_gradient_and_scalargrad_math_keeps_it() -> None:
    x = Value(0.5)
    lost = math.sin(x)  # type: ignore[arg-type]  # Value.__float__: a plain float
    kept = smath.sin(x)
    assert type(lost) is float and isinstance(kept, Value) and kept.data == lost
    kept.backward()
    assert x.grad == math.cos(0.5)


def test_differences_from_math_are_pytorch_s() -> None:
    assert math.isnan(smath.asin(2.0)) and smath.log(0.0) == -inf and smath.atanh(1.0) == inf
    assert smath.sqrt(-1.0) != smath.sqrt(-1.0) and smath.exp(1000.0) == inf
    assert math.isnan(smath.remainder(1.0, 0.0)) and smath.ldexp(1.0, 5000) == inf
    assert type(smath.floor(2.5)) is float and smath.floor(2.5) == 2.0  # math.floor gives the int 2
    assert smath.isfinite(Value(1.0)) and smath.isnan(Value(nan))  # not differentiable: on the number
    for name in ("gamma", "lgamma"):
        assert getattr(smath, name)(4.5) == getattr(math, name)(4.5)
        with pytest.raises(TypeError, match="not differentiable"):
            getattr(smath, name)(Value(4.5))


def test_remainder_frexp_modf_ldexp_differentiate() -> None:
    # remainder(x, y) = x - n y with n the nearest integer (ties to even): d/dy = -n
    for x, y, n in ((5.0, 3.0, 2.0), (7.0, 2.0, 4.0), (-7.5, 2.0, -4.0), (1.0, 0.1, 10.0), (0.7, 0.1, 7.0)):
        assert sg.grad(smath.remainder, argnums=(0, 1))(x, y) == (1.0, -n)
        assert smath.remainder(Value(x), Value(y)).data == math.remainder(x, y)

    @settings(max_examples=100)
    @given(st.floats(-100, 100), st.floats(0.01, 10).flatmap(lambda y: st.sampled_from([y, -y])))
    def check(x: float, y: float) -> None:
        value = smath.remainder(Value(x), Value(y)).data
        assert same(value, math.remainder(x, y))
        n = round((x - value) / y)
        assert sg.grad(smath.remainder, argnums=(0, 1))(x, y) == (1.0, -n)

    check()
    assert sg.grad(lambda v: smath.frexp(v)[0])(12.0) == 1 / 16
    assert sg.grad(lambda v: smath.modf(v)[0])(2.75) == 1.0
    assert sg.grad(lambda v: smath.modf(v)[1])(2.75) == 0.0
    assert sg.grad(lambda v: smath.ldexp(v, -1100))(1e300) == math.ldexp(1.0, -1100)
    tiny = 5e-324
    m, e = smath.frexp(Value(tiny))
    assert (m.data, e) == math.frexp(tiny)
