"""Every built-in operation, each defined once through the op API (:mod:`scalargrad.operation`).

Each class below is one op: its value from floats, its one derivative rule
``derivatives(*inputs, out)`` (written with scalargrad's own operators and
functions, so it serves every order of derivative), how it is written, and
where it is defined. ``op(...)`` registers it, which makes its module
function (``tanh``), its Value method (``x.tanh()``) or its operator
(``a + b``). A built-in op is defined exactly as a user's own op is.

>>> import scalargrad as sg
>>> sg.tanh(0.0), sg.tanh(sg.Value(0.0))
(0.0, Value(data=0.0, grad=0.0))

A few ops dominate real graphs (the arithmetic, ``tanh``, ``sigmoid``,
``relu``, a power by a number, ``sum`` and ``dot``); they also write their
chain-rule step out in ``backprop``, the same formula without building a
tuple per node. ``tests/test_op_api.py`` proves each fast path equals
the general rule.

All arithmetic on floats goes through :mod:`scalargrad.ieee`, so results
follow IEEE-754 (``inf`` and ``nan``, never an exception) as PyTorch does in
float64.
"""

# Each op's value and rule take as many inputs as the op has (value(x),
# derivatives(x, out)), where the base class declares them variadic.
# mypy: disable-error-code="override, assignment"
from __future__ import annotations

import math
import operator
from collections.abc import Iterable
from typing import Any

from scalargrad import ieee
from scalargrad.ieee import as_real as _operand_float
from scalargrad.operation import BoundOp, Notation, Op, OpFunction, op
from scalargrad.value import Operand, Value, constant, make_node

_INF = math.inf
_POSITIVE = (0.0, _INF)
_UNIT = (-1.0, 1.0)  # the open interval (-1, 1): asin, acos, atanh
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)  # C's M_2_SQRTPI: erf'(0)
_SQRT1_2 = math.sqrt(0.5)  # C's M_SQRT1_2
_GELU_PDF = _SQRT1_2 * _TWO_OVER_SQRT_PI * 0.5  # 1/√(2π), as PyTorch's GELU backward writes it
#: Where floor, ceil and trunc jump: the integers a test or a drawing meets (an op lists finitely many kinks).
_INTEGERS = tuple(float(k) for k in range(-1000, 1001))


def _number(x: Any) -> float:
    # A rule runs on floats or on Values; a test of a value (x == 0) reads the number.
    return x.data if type(x) is Value else x


# ---------------------------------------------------------------- arithmetic


class Add(Op):
    """``a + b``; d/da = d/db = 1."""

    name = "add"
    arity = 2
    notation = Notation("infix", "+", "+", precedence="sum")
    value = staticmethod(operator.add)

    def derivatives(self, a: Any, b: Any, out: Any) -> Any:
        return 1.0, 1.0

    def backprop(self, node: Value, g: float) -> None:
        node._a.grad += g
        node._b.grad += g

    def bound_class(self, position: int) -> type[BoundOp]:
        return _AddNumber


class _AddNumber(BoundOp):
    def backprop(self, node: Value, g: float) -> None:
        node._a.grad += g


class Sub(Op):
    """``a - b``; d/da = 1, d/db = -1."""

    name = "sub"
    arity = 2
    notation = Notation("infix", "-", "-", precedence="sum")
    value = staticmethod(operator.sub)

    def derivatives(self, a: Any, b: Any, out: Any) -> Any:
        return 1.0, -1.0

    def backprop(self, node: Value, g: float) -> None:
        node._a.grad += g
        node._b.grad += -g

    def bound_class(self, position: int) -> type[BoundOp]:
        return _SubtractFromNumber if position == 0 else _SubtractNumber


class _SubtractNumber(BoundOp):  # x - c
    def backprop(self, node: Value, g: float) -> None:
        node._a.grad += g


class _SubtractFromNumber(BoundOp):  # c - x
    def backprop(self, node: Value, g: float) -> None:
        node._a.grad += -g


class Mul(Op):
    """``a × b``; each factor's derivative is the other factor."""

    name = "mul"
    arity = 2
    notation = Notation("infix", "×", r"\times", precedence="product")
    value = staticmethod(operator.mul)

    def derivatives(self, a: Any, b: Any, out: Any) -> Any:
        return b, a

    def backprop(self, node: Value, g: float) -> None:
        a, b = node._a, node._b
        a.grad += g * b.data
        b.grad += g * a.data

    def bound_class(self, position: int) -> type[BoundOp]:
        return _MulNumber


class _MulNumber(BoundOp):
    def backprop(self, node: Value, g: float) -> None:
        node._a.grad += g * self.number


class Div(Op):
    """``a / b``; d/da = 1/b, d/db = -(a/b)/b, written -out/b (as PyTorch computes it)."""

    name = "div"
    arity = 2
    notation = Notation("infix", "/", "/", precedence="product")
    value = staticmethod(ieee.divide)

    def derivatives(self, a: Any, b: Any, out: Any) -> Any:
        return 1 / b, -out / b


class Neg(Op):
    """``-x``; d/dx = -1."""

    name = "neg"
    notation = Notation("prefix", "-", "-")
    value = staticmethod(operator.neg)

    def derivatives(self, x: Any, out: Any) -> Any:
        return -1.0


class Pow(Op):
    """``base ** exponent``, as C99 ``pow`` (``nan`` for a negative base and a fractional exponent).

    d/d base = n x^(n-1) and d/d exponent = x^n log x. Where a formula has no
    value PyTorch's choices hold: ``x ** 0`` is constant in ``x`` (the edge is
    masked), and at ``x = 0`` with ``n >= 0`` the exponent's derivative is 0.
    """

    name = "pow"
    arity = 2
    notation = Notation("power")
    value = staticmethod(ieee.power)
    masks = True

    def derivatives(self, x: Any, n: Any, out: Any) -> Any:
        base, exponent = _number(x), _number(n)
        # Masked only where the formula has no value (x = 0): elsewhere the full
        # formula, which is 0 at n = 0 but whose own derivative in n is not.
        # A number exponent of 0 makes x ** 0 constant in x: its every derivative is 0.
        constant_in_x = exponent == 0.0 and (base == 0.0 or type(n) is not Value)
        d_base = 0.0 if constant_in_x else n * x ** (n - 1)
        d_exponent = 0.0 if base == 0.0 and exponent >= 0.0 else out * log(x)
        return d_base, d_exponent

    def mask(self, x: float, n: float) -> tuple[bool, bool]:
        # x ** 0 is constant in x: PyTorch's `where` passes 0 whatever comes from above.
        return n == 0.0, False

    def bound_class(self, position: int) -> type[BoundOp]:
        return _PowerOfNumber if position == 1 else BoundOp


class _PowerOfNumber(BoundOp):  # x ** n for a number n, as in micrograd
    def backprop(self, node: Value, g: float) -> None:
        n = self.number
        if n != 0.0:  # x ** 0: masked
            node._a.grad += g * (n * ieee.power(node._a.data, n - 1.0))


class Abs(Op):
    """``|x|``; d/dx = sign(x), 0 at 0 (as PyTorch)."""

    name = "abs"
    notation = Notation("template", "|{0}|", r"\left|{0}\right|")
    kinks = (0.0,)
    value = staticmethod(abs)

    def derivatives(self, x: Any, out: Any) -> Any:
        return sign(x)


class Sign(Op):
    """-1, 0 or 1 by the sign of ``x`` (0 for 0 and for nan, as the derivative of ``abs`` in PyTorch); derivative 0.

    >>> sign(-2.5), sign(0.0), sign(3)
    (-1.0, 0.0, 1.0)
    """

    name = "sign"
    notation = Notation(latex=r"\operatorname{sign}")
    kinks = (0.0,)
    masks = True  # a step: nothing flows back, even an inf (PyTorch's sign backward is zeros)

    @staticmethod
    def value(x: float) -> float:
        return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0

    def derivatives(self, x: Any, out: Any) -> Any:
        return 0.0

    def mask(self, x: float) -> tuple[bool]:
        return (True,)


# ------------------------------------------------------- elementary functions


class Exp(Op):
    """``e ** x``; d/dx = e ** x, the output itself.

    >>> exp(0.0), exp(1000.0)
    (1.0, inf)
    """

    name = "exp"
    notation = Notation(latex=r"\exp")
    value = staticmethod(ieee.exp)

    def derivatives(self, x: Any, out: Any) -> Any:
        return out


class Log(Op):
    """Natural logarithm: ``-inf`` at 0, ``nan`` below; d/dx = 1/x.

    >>> log(1.0), log(0.0)
    (0.0, -inf)
    """

    name = "log"
    notation = Notation(latex=r"\log")
    domain = _POSITIVE
    value = staticmethod(ieee.log)

    def derivatives(self, x: Any, out: Any) -> Any:
        return 1 / x


class Sqrt(Op):
    """Square root, ``nan`` below 0; d/dx = 1 / (2 sqrt(x)).

    >>> sqrt(9.0), sqrt(-1.0)
    (3.0, nan)
    """

    name = "sqrt"
    notation = Notation(latex=r"\sqrt{{{0}}}")
    domain = _POSITIVE
    value = staticmethod(ieee.sqrt)

    def derivatives(self, x: Any, out: Any) -> Any:
        return 1 / (2 * out)


class Sin(Op):
    """Sine; d/dx = cos(x).

    >>> sin(0.0)
    0.0
    """

    name = "sin"
    notation = Notation(latex=r"\sin")
    value = staticmethod(ieee.sin)

    def derivatives(self, x: Any, out: Any) -> Any:
        return cos(x)


class Cos(Op):
    """Cosine; d/dx = -sin(x).

    >>> cos(0.0)
    1.0
    """

    name = "cos"
    notation = Notation(latex=r"\cos")
    value = staticmethod(ieee.cos)

    def derivatives(self, x: Any, out: Any) -> Any:
        return -sin(x)


# ---------------------------------------------------------------- activations


class Tanh(Op):
    """Hyperbolic tangent; d tanh(x)/dx = 1 - tanh(x)².

    >>> tanh(0.0)
    0.0
    """

    name = "tanh"
    notation = Notation(latex=r"\tanh")
    value = staticmethod(math.tanh)  # exact to rounding, saturates instead of overflowing

    def derivatives(self, x: Any, out: Any) -> Any:
        return 1 - out**2

    def backprop(self, node: Value, g: float) -> None:
        t = node.data
        node._a.grad += g * (1.0 - t * t)


class Sigmoid(Op):
    """Logistic sigmoid 1 / (1 + e^-x), never overflowing; d/dx = s (1 - s).

    >>> sigmoid(0.0), sigmoid(-1000.0)
    (0.5, 0.0)
    """

    name = "sigmoid"
    notation = Notation(symbol="σ", latex=r"\sigma")
    value = staticmethod(ieee.sigmoid)

    def derivatives(self, x: Any, out: Any) -> Any:
        return out * (1 - out)

    def backprop(self, node: Value, g: float) -> None:
        s = node.data
        node._a.grad += g * (s * (1.0 - s))


class ReLU(Op):
    """``max(0, x)``; its edge is masked at x <= 0, so the gradient there is 0 (as PyTorch).

    >>> relu(-2.0), relu(3.0)
    (0.0, 3.0)
    """

    name = "relu"
    notation = Notation(latex=r"\operatorname{relu}")
    kinks = (0.0,)
    masks = True

    @staticmethod
    def value(x: float) -> float:
        return 0.0 if x <= 0.0 else x  # nan stays nan

    def derivatives(self, x: Any, out: Any) -> Any:
        return 0.0 if x <= 0.0 else 1.0

    def mask(self, x: float) -> tuple[bool]:
        return (x <= 0.0,)

    def backprop(self, node: Value, g: float) -> None:
        if not node._a.data <= 0.0:
            node._a.grad += g


class LeakyReLU(Op):
    """``x`` for x > 0, else ``slope * x``; d/dx is 1 or ``slope`` (``slope`` at 0).

    >>> leaky_relu(-2.0, 0.1), leaky_relu(3.0)
    (-0.2, 3.0)
    """

    name = "leaky_relu"
    notation = Notation(latex=r"\operatorname{leaky\_relu}")
    kinks = (0.0,)

    def __init__(self, slope: float = 0.01) -> None:
        self.slope = slope

    def params(self) -> dict[str, float]:
        return {"slope": self.slope}

    def value(self, x: float) -> float:
        return x if x > 0.0 else self.slope * x

    def derivatives(self, x: Any, out: Any) -> Any:
        return 1.0 if x > 0.0 else self.slope


class Softplus(Op):
    """``log(1 + e^x)``, exact where the naive formula overflows; d/dx = sigmoid(x).

    >>> softplus(1000.0)
    1000.0
    """

    name = "softplus"
    notation = Notation(latex=r"\operatorname{softplus}")
    value = staticmethod(ieee.softplus)

    def derivatives(self, x: Any, out: Any) -> Any:
        return sigmoid(x)


# ------------------------------------------------- the rest of math's functions
#
# Every differentiable function of Python's math module, with PyTorch's float64
# values and gradient conventions: outside its domain a function is nan or
# ±inf (never an exception), and at kinks and on plateaus its derivative is
# PyTorch's choice. Each derivative rule is written with scalargrad's own
# operators and functions, so it serves every order.


class Tan(Op):
    """Tangent (``nan`` at ±inf); d/dx = 1 + tan(x)², written with the output.

    >>> tan(0.0), tan(math.inf)
    (0.0, nan)
    """

    name = "tan"
    notation = Notation(latex=r"\tan")
    domain = (-math.pi / 2, math.pi / 2)
    value = staticmethod(ieee.tan)

    def derivatives(self, x: Any, out: Any) -> Any:
        return 1 + out**2


class Asin(Op):
    """Arc sine, ``nan`` outside [-1, 1]; d/dx = 1 / √(1 - x²) (``inf`` at ±1).

    >>> asin(0.0), asin(2.0)
    (0.0, nan)
    """

    name = "asin"
    notation = Notation(latex=r"\arcsin")
    domain = _UNIT
    value = staticmethod(ieee.asin)

    def derivatives(self, x: Any, out: Any) -> Any:
        return 1 / sqrt(1 - x**2)


class Acos(Op):
    """Arc cosine, ``nan`` outside [-1, 1]; d/dx = -1 / √(1 - x²) (``-inf`` at ±1).

    >>> acos(1.0), acos(-2.0)
    (0.0, nan)
    """

    name = "acos"
    notation = Notation(latex=r"\arccos")
    domain = _UNIT
    value = staticmethod(ieee.acos)

    def derivatives(self, x: Any, out: Any) -> Any:
        return -1 / sqrt(1 - x**2)


class Atan(Op):
    """Arc tangent (±π/2 at ±inf); d/dx = 1 / (1 + x²).

    >>> atan(0.0), atan(math.inf) == math.pi / 2
    (0.0, True)
    """

    name = "atan"
    notation = Notation(latex=r"\arctan")
    value = staticmethod(math.atan)

    def derivatives(self, x: Any, out: Any) -> Any:
        return 1 / (1 + x**2)


class Atan2(Op):
    """The angle of the point (x, y): ``atan2(y, x)``; d/dy = x / (x² + y²), d/dx = -y / (x² + y²).

    At the origin, where the angle has no derivative, both derivatives are 0
    (PyTorch's choice: it zeroes ``1 / (x² + y²)`` where that is infinite).
    The angle jumps by 2π across the negative x axis.

    >>> atan2(1.0, 1.0) == math.pi / 4, atan2(0.0, -1.0) == math.pi
    (True, True)
    """

    name = "atan2"
    arity = 2
    notation = Notation(latex=r"\operatorname{atan2}")
    kinks = (0.0,)
    value = staticmethod(math.atan2)

    def derivatives(self, y: Any, x: Any, out: Any) -> Any:
        r2 = x * x + y * y
        recip = 0.0 if _number(r2) == 0.0 else 1 / r2
        return x * recip, -y * recip


class Sinh(Op):
    """Hyperbolic sine (``±inf`` on overflow); d/dx = cosh(x).

    >>> sinh(0.0), sinh(-1000.0)
    (0.0, -inf)
    """

    name = "sinh"
    notation = Notation(latex=r"\sinh")
    value = staticmethod(ieee.sinh)

    def derivatives(self, x: Any, out: Any) -> Any:
        return cosh(x)


class Cosh(Op):
    """Hyperbolic cosine (``inf`` on overflow); d/dx = sinh(x).

    >>> cosh(0.0), cosh(1000.0)
    (1.0, inf)
    """

    name = "cosh"
    notation = Notation(latex=r"\cosh")
    value = staticmethod(ieee.cosh)

    def derivatives(self, x: Any, out: Any) -> Any:
        return sinh(x)


class Asinh(Op):
    """Inverse hyperbolic sine; d/dx = 1 / √(x² + 1).

    >>> asinh(0.0), asinh(-math.inf)
    (0.0, -inf)
    """

    name = "asinh"
    notation = Notation(latex=r"\operatorname{arsinh}")
    value = staticmethod(math.asinh)

    def derivatives(self, x: Any, out: Any) -> Any:
        return 1 / sqrt(x**2 + 1)


class Acosh(Op):
    """Inverse hyperbolic cosine, ``nan`` below 1; d/dx = 1 / √(x² - 1) (``inf`` at 1).

    >>> acosh(1.0), acosh(0.5)
    (0.0, nan)
    """

    name = "acosh"
    notation = Notation(latex=r"\operatorname{arcosh}")
    domain = (1.0, _INF)
    value = staticmethod(ieee.acosh)

    def derivatives(self, x: Any, out: Any) -> Any:
        return 1 / sqrt(x**2 - 1)


class Atanh(Op):
    """Inverse hyperbolic tangent: ``±inf`` at ±1, ``nan`` beyond; d/dx = 1 / (1 - x²).

    >>> atanh(0.0), atanh(1.0), atanh(2.0)
    (0.0, inf, nan)
    """

    name = "atanh"
    notation = Notation(latex=r"\operatorname{artanh}")
    domain = _UNIT
    value = staticmethod(ieee.atanh)

    def derivatives(self, x: Any, out: Any) -> Any:
        return 1 / (1 - x**2)


class Exp2(Op):
    """``2 ** x`` (``inf`` on overflow); d/dx = 2^x log 2, written with the output.

    >>> exp2(10.0), exp2(1024.0)
    (1024.0, inf)
    """

    name = "exp2"
    notation = Notation(latex="2^{{{0}}}")
    value = staticmethod(ieee.exp2)

    def derivatives(self, x: Any, out: Any) -> Any:
        return out * _LN2


class Expm1(Op):
    """``e ** x - 1``, exact for tiny ``x``; d/dx = e^x, the output plus 1.

    >>> expm1(1e-20), expm1(-math.inf)
    (1e-20, -1.0)
    """

    name = "expm1"
    notation = Notation(latex=r"\operatorname{expm1}")
    value = staticmethod(ieee.expm1)

    def derivatives(self, x: Any, out: Any) -> Any:
        return out + 1


class Log1p(Op):
    """``log(1 + x)``, exact for tiny ``x``: ``-inf`` at -1, ``nan`` below; d/dx = 1 / (1 + x).

    >>> log1p(1e-20), log1p(-1.0), log1p(-2.0)
    (1e-20, -inf, nan)
    """

    name = "log1p"
    notation = Notation(latex=r"\operatorname{log1p}")
    domain = (-1.0, _INF)
    value = staticmethod(ieee.log1p)

    def derivatives(self, x: Any, out: Any) -> Any:
        return 1 / (x + 1)


class Log2(Op):
    """Base-2 logarithm: ``-inf`` at 0, ``nan`` below; d/dx = 1 / (x log 2).

    >>> log2(8.0), log2(0.0)
    (3.0, -inf)
    """

    name = "log2"
    notation = Notation(latex=r"\log_2")
    domain = _POSITIVE
    value = staticmethod(ieee.log2)

    def derivatives(self, x: Any, out: Any) -> Any:
        return 1 / (x * _LN2)


class Log10(Op):
    """Base-10 logarithm: ``-inf`` at 0, ``nan`` below; d/dx = 1 / (x log 10).

    >>> log10(1000.0), log10(-1.0)
    (3.0, nan)
    """

    name = "log10"
    notation = Notation(latex=r"\log_{10}")
    domain = _POSITIVE
    value = staticmethod(ieee.log10)

    def derivatives(self, x: Any, out: Any) -> Any:
        return 1 / (x * _LN10)


class Cbrt(Op):
    """Real cube root, for every ``x``; d/dx = 1 / (3 cbrt(x)²), ``inf`` at 0 (a vertical tangent, listed as a kink).

    PyTorch has no ``cbrt``; its ``x ** (1/3)`` is ``nan`` for negative ``x``.

    >>> cbrt(64.0), cbrt(-8.0)
    (4.0, -2.0)
    """

    name = "cbrt"
    notation = Notation(latex=r"\sqrt[3]{{{0}}}")
    kinks = (0.0,)
    value = staticmethod(ieee.cbrt)

    def derivatives(self, x: Any, out: Any) -> Any:
        return 1 / (3 * out**2)


class Erf(Op):
    """The error function; d/dx = 2 / √π e^(-x²).

    >>> erf(0.0), erf(math.inf)
    (0.0, 1.0)
    """

    name = "erf"
    notation = Notation(latex=r"\operatorname{erf}")
    value = staticmethod(math.erf)

    def derivatives(self, x: Any, out: Any) -> Any:
        return _TWO_OVER_SQRT_PI * exp(-(x**2))


class Erfc(Op):
    """The complementary error function ``1 - erf(x)``, exact in the tail; d/dx = -2 / √π e^(-x²).

    >>> erfc(0.0), erfc(-math.inf)
    (1.0, 2.0)
    """

    name = "erfc"
    notation = Notation(latex=r"\operatorname{erfc}")
    value = staticmethod(math.erfc)

    def derivatives(self, x: Any, out: Any) -> Any:
        return -_TWO_OVER_SQRT_PI * exp(-(x**2))


class Hypot(Op):
    """``√(x² + y²)`` without overflow; d/dx = x / hypot, d/dy = y / hypot (``nan`` at the origin, as PyTorch).

    ``inf`` when either input is infinite, even if the other is nan (C99).

    >>> hypot(3.0, 4.0), hypot(1e300, 1e300), hypot(math.inf, math.nan)
    (5.0, 1.4142135623730952e+300, inf)
    """

    name = "hypot"
    arity = 2
    notation = Notation(latex=r"\operatorname{hypot}")
    kinks = (0.0,)
    value = staticmethod(ieee.hypot)

    def derivatives(self, x: Any, y: Any, out: Any) -> Any:
        return x / out, y / out


# --------------------------------------------------------- rounding and signs


class Floor(Op):
    """The largest integer <= ``x``, as a float; its derivative is 0 everywhere (as PyTorch), even at the jumps.

    Nothing flows back through it, not even an ``inf`` or ``nan`` from above
    (PyTorch's backward is ``zeros_like``). Its kinks are the integers.

    >>> floor(2.5), floor(-2.5), floor(math.inf)
    (2.0, -3.0, inf)
    """

    name = "floor"
    notation = Notation("call", latex=r"\left\lfloor {0} \right\rfloor")
    kinks = _INTEGERS
    masks = True
    value = staticmethod(ieee.floor)

    def derivatives(self, x: Any, out: Any) -> Any:
        return 0.0

    def mask(self, x: float) -> tuple[bool]:
        return (True,)


class Ceil(Floor):
    """The smallest integer >= ``x``, as a float (``ceil(-0.5)`` is ``-0.0``); derivative 0, as :class:`Floor`.

    >>> ceil(2.5), ceil(-2.5)
    (3.0, -2.0)
    """

    name = "ceil"
    notation = Notation("call", latex=r"\left\lceil {0} \right\rceil")
    value = staticmethod(ieee.ceil)


class Trunc(Floor):
    """``x`` rounded towards zero, as a float; derivative 0, as :class:`Floor`.

    >>> trunc(2.5), trunc(-2.5)
    (2.0, -2.0)
    """

    name = "trunc"
    notation = Notation(latex=r"\operatorname{trunc}")
    value = staticmethod(ieee.trunc)


class Copysign(Op):
    """``|x|`` with the sign of ``y`` (the sign bit: ``-0.0`` counts as negative).

    As PyTorch: d/dx = copysign(x, y) / x, which is ±1, and 0 at ``x = 0``;
    d/dy = 0, and nothing flows to ``y`` whatever comes from above.

    >>> copysign(2.0, -0.0), copysign(-3.0, 1.0)
    (-2.0, 3.0)
    """

    name = "copysign"
    arity = 2
    notation = Notation(latex=r"\operatorname{copysign}")
    kinks = (0.0,)
    masks = True
    value = staticmethod(math.copysign)

    def derivatives(self, x: Any, y: Any, out: Any) -> Any:
        return (0.0 if _number(x) == 0.0 else out / x), 0.0

    def mask(self, x: float, y: float) -> tuple[bool, bool]:
        return False, True


class Fmod(Op):
    """C's ``fmod``: ``x - trunc(x / y) y``, with the sign of ``x``; ``nan`` for ``y = 0`` or infinite ``x``.

    As PyTorch: d/dx = 1 and d/dy = -trunc(x / y). It jumps where ``x / y``
    crosses an integer.

    >>> fmod(5.5, 2.0), fmod(-5.5, 2.0), fmod(1.0, 0.0)
    (1.5, -1.5, nan)
    """

    name = "fmod"
    arity = 2
    notation = Notation(latex=r"\operatorname{fmod}", derivative="prime")
    kinks = (0.0,)
    domain = (
        (-_INF, _INF),
        _POSITIVE,
    )  # tests draw positive divisors: near 0, x / y jumps too often to differentiate
    value = staticmethod(ieee.fmod)

    def derivatives(self, x: Any, y: Any, out: Any) -> Any:
        # trunc(x / y) is piecewise constant: a number, whose own derivative is 0, serves every
        # order (as in PyTorch, where a rounding division records no graph).
        return 1.0, -ieee.trunc(ieee.divide(_number(x), _number(y)))


class Mod(Op):
    """``x % y``, Python's and PyTorch's ``remainder``: the result has the sign of the divisor.

    ``nan`` for ``y = 0``; a zero result keeps the sign of ``x``, as in
    PyTorch. As PyTorch: d/dx = 1 and d/dy = -(x // y), the floor division
    that goes with ``%`` (which ``floor(x / y)`` is not: ``1 // 0.1`` is 9).

    >>> import scalargrad as sg
    >>> (sg.Value(5.5) % 2).data, (-5.5 % sg.Value(2.0)).data, (sg.Value(5.5) % -2).data
    (1.5, 0.5, -0.5)
    """

    name = "mod"
    arity = 2
    notation = Notation("infix", "%", r"\bmod", precedence="product", derivative="prime")
    kinks = (0.0,)
    domain = ((-_INF, _INF), _POSITIVE)  # as fmod's
    value = staticmethod(ieee.remainder)

    def derivatives(self, x: Any, y: Any, out: Any) -> Any:
        # x // y is piecewise constant: a number, whose own derivative is 0, serves every order.
        return 1.0, -ieee.floor_divide(_number(x), _number(y))


class Maximum(Op):
    """The larger of two inputs (``nan`` if either is), as ``torch.maximum``.

    The gradient goes to the larger input; at a tie it is split, half to each
    (as PyTorch, and as central differences see it). Nothing flows to the
    smaller input, whatever comes from above.

    >>> max(1.0, 2.0), max(math.nan, 2.0)
    (2.0, nan)
    """

    name = "max"
    arity = 2
    notation = Notation(latex=r"\max", derivative="prime")
    kinks = (0.0,)
    masks = True
    value = staticmethod(ieee.maximum)

    def derivatives(self, x: Any, y: Any, out: Any) -> Any:
        a, b = _number(x), _number(y)
        if a == b:
            return 0.5, 0.5
        return (0.0 if a < b else 1.0), (0.0 if a > b else 1.0)

    def mask(self, x: float, y: float) -> tuple[bool, bool]:
        return x < y, x > y


class Minimum(Op):
    """The smaller of two inputs (``nan`` if either is), as ``torch.minimum``; at a tie the gradient is split.

    >>> min(1.0, 2.0), min(1.0, math.nan)
    (1.0, nan)
    """

    name = "min"
    arity = 2
    notation = Notation(latex=r"\min", derivative="prime")
    kinks = (0.0,)
    masks = True
    value = staticmethod(ieee.minimum)

    def derivatives(self, x: Any, y: Any, out: Any) -> Any:
        a, b = _number(x), _number(y)
        if a == b:
            return 0.5, 0.5
        return (0.0 if a > b else 1.0), (0.0 if a < b else 1.0)

    def mask(self, x: float, y: float) -> tuple[bool, bool]:
        return x > y, x < y


class Clamp(Op):
    """``x`` limited to [min, max], as ``torch.clamp`` with bounds that may be Values.

    ``clamp(x, min, max)``; a bound of ``None`` is no bound. As PyTorch: the
    gradient goes to ``x`` where min <= x <= max, to ``min`` where x < min < max
    and to ``max`` where x > max (or max < min, where the result is ``max``);
    nothing flows elsewhere. ``nan`` if any input is nan.

    >>> clamp(2.0, 0.0, 1.0), clamp(-1.0, 0.0, 1.0), clamp(0.5, None, 0.25)
    (1.0, 0.0, 0.25)
    """

    name = "clamp"
    arity = 3
    notation = Notation(latex=r"\operatorname{clamp}", derivative="prime")
    kinks = (0.0,)
    # Tests draw the bounds beyond ±10, where they draw x, so that no x ties a bound: there
    # PyTorch's derivative (1 to x) is not what central differences see (1/2). The clamping
    # itself is tested in tests/test_math_functions.py.
    domain = ((-_INF, _INF), (-_INF, -10.0), (10.0, _INF))
    masks = True
    value = staticmethod(ieee.clamp)

    def derivatives(self, x: Any, low: Any, high: Any, out: Any) -> Any:
        passes = self.mask(_number(x), _number(low), _number(high))
        return tuple(0.0 if masked else 1.0 for masked in passes)

    def mask(self, x: float, low: float, high: float) -> tuple[bool, bool, bool]:
        return not low <= x <= high, not x < low < high, not (x > high or high < low)


class _ClampFunction(OpFunction):
    """``clamp(x, min=None, max=None)``: either bound may be a number, a Value or ``None`` (no bound)."""

    def __call__(self, *args: Any, **bounds: Any) -> Any:
        unknown = sorted(set(bounds) - {"min", "max"})
        if unknown:
            raise TypeError(f"clamp() got unexpected keyword argument(s) {unknown}; it takes x, min, max")
        if len(args) > 3:
            raise TypeError(f"clamp() takes 3 inputs (x, min, max), got {len(args)} arguments")
        given = dict(zip(("x", "min", "max"), args))
        for key, bound in bounds.items():
            if key in given:
                raise TypeError(f"clamp() got two values for {key!r}")
            given[key] = bound
        if "x" not in given:
            raise TypeError("clamp() takes x, then min and max (numbers, Values or None)")
        low, high = given.get("min"), given.get("max")
        return super().__call__(given["x"], -_INF if low is None else low, _INF if high is None else high)


# ---------------------------------------------------------- more activations


class GELU(Op):
    """``x Φ(x) = x (1 + erf(x / √2)) / 2`` (the exact, erf form); d/dx = Φ(x) + x φ(x).

    >>> gelu(0.0), gelu(1000.0)
    (0.0, 1000.0)
    """

    name = "gelu"
    notation = Notation(latex=r"\operatorname{GELU}")
    value = staticmethod(ieee.gelu)

    def derivatives(self, x: Any, out: Any) -> Any:
        return 0.5 * (1 + erf(x * _SQRT1_2)) + x * (_GELU_PDF * exp(-0.5 * x * x))


class SiLU(Op):
    """``x sigmoid(x)`` (swish); d/dx = s (1 + x (1 - s)) with s = sigmoid(x).

    >>> silu(0.0), silu(-1000.0)
    (0.0, -0.0)
    """

    name = "silu"
    notation = Notation(latex=r"\operatorname{SiLU}")
    value = staticmethod(ieee.silu)

    def derivatives(self, x: Any, out: Any) -> Any:
        s = sigmoid(x)
        return s * (1 + x * (1 - s))


class ELU(Op):
    """``x`` for x > 0, else ``alpha (e^x - 1)``; d/dx is 1, or ``alpha e^x`` for x <= 0 (``alpha`` at 0, as PyTorch).

    >>> elu(2.0), elu(-1000.0), elu(-1.0, 2.0) == 2 * math.expm1(-1.0)
    (2.0, -1.0, True)
    """

    name = "elu"
    notation = Notation(latex=r"\operatorname{ELU}")
    kinks = (0.0,)

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha

    def params(self) -> dict[str, float]:
        return {"alpha": self.alpha}

    def value(self, x: float) -> float:
        return ieee.elu(x, self.alpha)

    def derivatives(self, x: Any, out: Any) -> Any:
        if x < 0.0:
            return self.alpha * exp(x)
        # At 0, PyTorch's first derivative is alpha (the left side's) and its second 0 (the right side's).
        return self.alpha if x == 0.0 else 1.0


class Softsign(Op):
    """``x / (1 + |x|)``, a slow step from -1 to 1; d/dx = ``1 / (1 + |x|)²``.

    Its second derivative jumps at 0 (listed as a kink). At ±inf the value is
    ``nan``, as PyTorch's formula gives, and the derivative 0.

    >>> softsign(1.0), softsign(-3.0)
    (0.5, -0.75)
    """

    name = "softsign"
    notation = Notation(latex=r"\operatorname{softsign}")
    kinks = (0.0,)
    value = staticmethod(ieee.softsign)

    def derivatives(self, x: Any, out: Any) -> Any:
        return 1 / (1 + abs(x)) ** 2


class Mish(Op):
    """``x tanh(softplus(x))``; d/dx = t + x sigmoid(x) (1 - t²) with t = tanh(softplus(x)).

    >>> mish(0.0), mish(1000.0)
    (0.0, 1000.0)
    """

    name = "mish"
    notation = Notation(latex=r"\operatorname{mish}")
    value = staticmethod(ieee.mish)

    def derivatives(self, x: Any, out: Any) -> Any:
        t = tanh(softplus(x))
        return t + x * sigmoid(x) * (1 - t * t)


class Hardtanh(Op):
    """``x`` limited to [min_val, max_val] (default [-1, 1]).

    As PyTorch, the gradient passes only where min_val < x < max_val (so not
    at the bounds themselves, unlike :func:`clamp`); nothing flows elsewhere.
    PyTorch refuses ``min_val > max_val``; here the result is then ``max_val``,
    as ``torch.clamp`` gives.

    >>> hardtanh(0.5), hardtanh(2.0), hardtanh(-3.0, -2.0, 2.0)
    (0.5, 1.0, -2.0)
    """

    name = "hardtanh"
    notation = Notation(latex=r"\operatorname{hardtanh}")
    kinks = (-1.0, 1.0)
    masks = True

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0) -> None:
        self.min_val, self.max_val = min_val, max_val
        self.kinks = tuple(sorted({min_val, max_val}))

    def params(self) -> dict[str, float]:
        return {"min_val": self.min_val, "max_val": self.max_val}

    def value(self, x: float) -> float:
        return ieee.clamp(x, self.min_val, self.max_val)

    def derivatives(self, x: Any, out: Any) -> Any:
        return 0.0 if self.mask(_number(x))[0] else 1.0

    def mask(self, x: float) -> tuple[bool]:
        return (x <= self.min_val or x >= self.max_val,)  # nan passes, as in PyTorch


class LogSigmoid(Op):
    """``log(sigmoid(x))``, never overflowing; d/dx = sigmoid(-x).

    >>> logsigmoid(0.0) == -math.log(2.0), logsigmoid(-1000.0), logsigmoid(1000.0)
    (True, -1000.0, 0.0)
    """

    name = "logsigmoid"
    notation = Notation(latex=r"\log\sigma")
    value = staticmethod(ieee.logsigmoid)

    def derivatives(self, x: Any, out: Any) -> Any:
        # sigmoid(-x), written so that neither it nor its own derivative -s(x) s(-x) subtracts from 1
        # a number close to 1: sigmoid's rule s (1 - s) is exact for small s.
        return sigmoid(-x) if x >= 0.0 else 1 - sigmoid(x)


# -------------------------------------------------------------- n-ary nodes


class Sum(Op):
    """One node for ``x1 + x2 + ... + xn``: n parents instead of n - 1 add nodes.

    The gradient is the chain's (1 for every input); the value is the
    correctly rounded sum (``math.fsum``). An empty sum is a constant 0.

    >>> import scalargrad as sg
    >>> total = sg.sum([sg.Value(1.0), sg.Value(2.0), 3])
    >>> total.data, len(total.parents)
    (6.0, 3)
    """

    name = "sum"
    arity = None
    notation = Notation("sum")

    @staticmethod
    def value(*xs: float) -> float:
        return ieee.fsum(xs)

    def derivatives(self, *args: Any) -> Any:
        return (1.0,) * (len(args) - 1)

    def backprop(self, node: Value, g: float) -> None:
        for parent in node._a:
            parent.grad += g


class Dot(Op):
    """One node for ``w1*x1 + ... + wn*xn``, the weighted sum of a neuron.

    Its parents are ``w1..wn, x1..xn`` and the local derivative of each is the
    other factor, so gradients are exactly those of the chain of products and
    sums, from a graph of one node instead of 2n - 1.

    >>> import scalargrad as sg
    >>> w = [sg.Value(0.5), sg.Value(-1.0)]
    >>> y = sg.dot(w, [2.0, 3.0])
    >>> y.backward()
    >>> y.data, [wi.grad for wi in w]
    (-2.0, [2.0, 3.0])
    """

    name = "dot"
    arity = None
    notation = Notation("dot")

    @staticmethod
    def value(*wx: float) -> float:
        n = len(wx) // 2
        return ieee.fsum(map(operator.mul, wx[:n], wx[n:]))

    def derivatives(self, *args: Any) -> Any:
        inputs = args[:-1]
        n = len(inputs) // 2
        return inputs[n:] + inputs[:n]  # d/dw_i is x_i and d/dx_i is w_i

    def backprop(self, node: Value, g: float) -> None:
        parents = node._a
        n = len(parents) // 2
        ws, xs = parents[:n], parents[n:]
        for w, x in zip(ws, xs):  # all the w's first, then the x's: the order of the rule
            w.grad += g * x.data
        for w, x in zip(ws, xs):
            x.grad += g * w.data


class _SumFunction(OpFunction):
    """``sum(values)``: one node adding an iterable of Values and numbers."""

    def __call__(self, values: Iterable[Operand]) -> Value:
        parents = tuple(_operands(values, "sum"))
        if not parents:
            return constant(0.0)
        return make_node(ieee.fsum([p.data for p in parents]), self.op, parents)


class _DotFunction(OpFunction):
    """``dot(ws, xs)``: one node for the weighted sum of two equally long iterables."""

    def __call__(self, ws: Iterable[Operand], xs: Iterable[Operand]) -> Value:
        w = _operands(ws, "dot")
        x = _operands(xs, "dot")
        if len(w) != len(x):
            raise ValueError(f"dot() needs two sequences of the same length, got {len(w)} and {len(x)}")
        if not w:
            return constant(0.0)
        parents = tuple(w + x)
        return make_node(self.op.value(*[p.data for p in parents]), self.op, parents)


def _operands(values: Iterable[Operand], caller: str) -> list[Value]:
    if isinstance(values, (Value, str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"{caller}() takes an iterable of Values or numbers, got {type(values).__name__}")
    out = []
    for v in values:
        if not isinstance(v, Value):
            x = _operand_float(v)
            if x is None:
                raise TypeError(f"{caller}() takes Values or real numbers, got {type(v).__name__} {v!r}")
            v = constant(x)
        out.append(v)
    return out


# ------------------------------------------------------------ the registry

exp = op(Exp, method=True)
log = op(Log, method=True)
sqrt = op(Sqrt, method=True)
sin = op(Sin, method=True)
cos = op(Cos, method=True)
tanh = op(Tanh, method=True)
sigmoid = op(Sigmoid, method=True)
relu = op(ReLU, method=True)
leaky_relu = op(LeakyReLU, method=True)
softplus = op(Softplus, method=True)
sign = op(Sign, method=True)
# Their own calling convention: iterables of operands.
sum = op(Sum, calling=_SumFunction)  # noqa: A001 - mirrors builtins.sum on purpose
dot = op(Dot, calling=_DotFunction)
# The rest of math's functions, and more activations.
tan = op(Tan, method=True)
asin = op(Asin, method=True)
acos = op(Acos, method=True)
atan = op(Atan, method=True)
atan2 = op(Atan2)
sinh = op(Sinh, method=True)
cosh = op(Cosh, method=True)
asinh = op(Asinh, method=True)
acosh = op(Acosh, method=True)
atanh = op(Atanh, method=True)
exp2 = op(Exp2, method=True)
expm1 = op(Expm1, method=True)
log1p = op(Log1p, method=True)
log2 = op(Log2, method=True)
log10 = op(Log10, method=True)
cbrt = op(Cbrt, method=True)
erf = op(Erf, method=True)
erfc = op(Erfc, method=True)
hypot = op(Hypot)
floor = op(Floor, method=True)
ceil = op(Ceil, method=True)
trunc = op(Trunc, method=True)
copysign = op(Copysign)
fmod = op(Fmod)
min = op(Minimum)  # shadows builtins.min here, as sum and abs do: the op's name, two inputs
max = op(Maximum)  # shadows builtins.max here
clamp = op(Clamp, calling=_ClampFunction)
gelu = op(GELU, method=True)
silu = op(SiLU, method=True)
elu = op(ELU, method=True)
softsign = op(Softsign, method=True)
mish = op(Mish, method=True)
hardtanh = op(Hardtanh, method=True)
logsigmoid = op(LogSigmoid, method=True)

add = op(Add, spelling="operator", dunders=("__add__", "__radd__"))
sub = op(Sub, spelling="operator", dunders=("__sub__", "__rsub__"))
mul = op(Mul, spelling="operator", dunders=("__mul__", "__rmul__"))
div = op(Div, spelling="operator", dunders=("__truediv__", "__rtruediv__"))
pow = op(Pow, spelling="operator", dunders=("__pow__", "__rpow__"))  # noqa: A001 - the op's name
mod = op(Mod, spelling="operator", dunders=("__mod__", "__rmod__"))
neg = op(Neg, spelling="operator", dunders=("__neg__",))
abs = op(Abs, spelling="builtin", dunders=("__abs__",))  # noqa: A001 - abs(x) on a Value

ADD, SUB, MUL, DIV, POW, NEG, ABS = add.op, sub.op, mul.op, div.op, pow.op, neg.op, abs.op
SIGN, EXP, LOG, SQRT, SIN, COS = sign.op, exp.op, log.op, sqrt.op, sin.op, cos.op
TANH, SIGMOID, RELU, SOFTPLUS, SUM, DOT = tanh.op, sigmoid.op, relu.op, softplus.op, sum.op, dot.op

# The module functions (sg.tanh, ...): the ops above spelt as functions. Written
# out for type checkers (a computed __all__ hides their types from
# `from scalargrad.ops import *`); tests/test_layers.py checks it against the registry.
__all__ = [
    "exp",
    "log",
    "sqrt",
    "sin",
    "cos",
    "tanh",
    "sigmoid",
    "relu",
    "leaky_relu",
    "softplus",
    "sign",
    "sum",
    "dot",
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
