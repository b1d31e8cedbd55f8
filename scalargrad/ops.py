"""Every built-in operation, each defined once through the op API (:mod:`scalargrad.op`).

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
from scalargrad.op import BoundOp, Notation, Op, OpFunction, op
from scalargrad.ieee import as_real as _operand_float
from scalargrad.value import Operand, Value, constant, make_node

_INF = math.inf
_POSITIVE = (0.0, _INF)


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
        d_base = 0.0 if exponent == 0.0 and base == 0.0 else n * x ** (n - 1)
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

    @staticmethod
    def value(x: float) -> float:
        return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0

    def derivatives(self, x: Any, out: Any) -> Any:
        return 0.0


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

add = op(Add, spelling="operator", dunders=("__add__", "__radd__"))
sub = op(Sub, spelling="operator", dunders=("__sub__", "__rsub__"))
mul = op(Mul, spelling="operator", dunders=("__mul__", "__rmul__"))
div = op(Div, spelling="operator", dunders=("__truediv__", "__rtruediv__"))
pow = op(Pow, spelling="operator", dunders=("__pow__", "__rpow__"))  # noqa: A001 - the op's name
neg = op(Neg, spelling="operator", dunders=("__neg__",))
abs = op(Abs, spelling="builtin", dunders=("__abs__",))  # noqa: A001 - abs(x) on a Value

ADD, SUB, MUL, DIV, POW, NEG, ABS = add.op, sub.op, mul.op, div.op, pow.op, neg.op, abs.op
SIGN, EXP, LOG, SQRT, SIN, COS = sign.op, exp.op, log.op, sqrt.op, sin.op, cos.op
TANH, SIGMOID, RELU, SOFTPLUS, SUM, DOT = tanh.op, sigmoid.op, relu.op, softplus.op, sum.op, dot.op

# The module functions (sg.tanh, ...): the ops above spelt as functions. Written
# out for type checkers (a computed __all__ hides their types from
# `from scalargrad.ops import *`); tests/test_op_api.py checks it against the registry.
__all__ = [
    "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "leaky_relu", "softplus", "sign",
    "sum", "dot",
]
