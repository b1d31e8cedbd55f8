"""Functions of Values or plain numbers: ``exp``, ``tanh``, ..., and the n-ary ``sum`` and ``dot``.

Each elementwise function takes a Value and returns a Value (a node of the
graph), or takes a plain number and returns a float computed with the same
IEEE-754 rules, so one formula serves both:

>>> import scalargrad as sg
>>> sg.tanh(0.0)
0.0
>>> sg.tanh(sg.Value(0.0))
Value(data=0.0, grad=0.0)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import overload

from scalargrad import ieee, ops
from scalargrad.value import Number, Operand, Value, _constant, _node, _operand_float, _unary

__all__ = [
    "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "leaky_relu", "softplus",
    "sum", "dot",
]


def _elementwise(op: ops.Op, name: str, doc: str):  # type: ignore[no-untyped-def]
    @overload
    def function(x: Value) -> Value: ...
    @overload
    def function(x: Number) -> float: ...

    def function(x):  # type: ignore[no-untyped-def]
        if isinstance(x, Value):
            return _unary(op, x)
        number = _operand_float(x)
        if number is None:
            raise TypeError(f"{name}() takes a Value or a real number, got {type(x).__name__} {x!r}")
        return op.value(number)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function


exp = _elementwise(ops.EXP, "exp", "``e ** x``.\n\n>>> exp(0.0)\n1.0\n")
log = _elementwise(ops.LOG, "log", "Natural logarithm; ``-inf`` at 0, ``nan`` below.\n\n>>> log(1.0)\n0.0\n")
sqrt = _elementwise(ops.SQRT, "sqrt", "Square root; ``nan`` below 0.\n\n>>> sqrt(4)\n2.0\n")
sin = _elementwise(ops.SIN, "sin", "Sine.\n\n>>> sin(0)\n0.0\n")
cos = _elementwise(ops.COS, "cos", "Cosine.\n\n>>> cos(0)\n1.0\n")
tanh = _elementwise(ops.TANH, "tanh", "Hyperbolic tangent.\n\n>>> tanh(0)\n0.0\n")
sigmoid = _elementwise(
    ops.SIGMOID, "sigmoid", "Logistic sigmoid ``1 / (1 + e**-x)``.\n\n>>> sigmoid(0)\n0.5\n"
)
relu = _elementwise(ops.RELU, "relu", "``max(0, x)``.\n\n>>> relu(-3), relu(2)\n(0.0, 2.0)\n")
softplus = _elementwise(
    ops.SOFTPLUS, "softplus", "``log(1 + e**x)``, exact for large ``x``.\n\n>>> softplus(1000)\n1000.0\n"
)


@overload
def leaky_relu(x: Value, slope: float = 0.01) -> Value: ...
@overload
def leaky_relu(x: Number, slope: float = 0.01) -> float: ...


def leaky_relu(x, slope=0.01):  # type: ignore[no-untyped-def]
    """``x`` for x > 0, else ``slope * x``.

    >>> leaky_relu(-2.0, slope=0.1)
    -0.2
    """
    if isinstance(x, Value):
        return x.leaky_relu(slope)
    number, s = _operand_float(x), _operand_float(slope)
    if number is None or s is None:
        bad = x if number is None else slope
        raise TypeError(f"leaky_relu() takes real numbers, got {type(bad).__name__} {bad!r}")
    return ops.leaky_relu(s).value(number)


def sum(values: Iterable[Operand]) -> Value:  # noqa: A001 - mirrors builtins.sum on purpose
    """One node adding all ``values``: n parents instead of a chain of n - 1 additions.

    The gradient is the chain's (1 for every input); the value is the
    correctly rounded sum (``math.fsum``). An empty sum is a constant 0.

    >>> import scalargrad as sg
    >>> total = sg.sum([sg.Value(1.0), sg.Value(2.0), 3])
    >>> total.data, len(total.parents)
    (6.0, 3)
    """
    parents = tuple(_operands(values, "sum"))
    if not parents:
        return _constant(0.0)
    return _node(ieee.fsum([p.data for p in parents]), ops.SUM, parents)


def dot(ws: Iterable[Operand], xs: Iterable[Operand]) -> Value:
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
    w = _operands(ws, "dot")
    x = _operands(xs, "dot")
    if len(w) != len(x):
        raise ValueError(f"dot() needs two sequences of the same length, got {len(w)} and {len(x)}")
    if not w:
        return _constant(0.0)
    parents = tuple(w + x)
    return _node(ops.DOT.value(*[p.data for p in parents]), ops.DOT, parents)


def _operands(values: Iterable[Operand], caller: str) -> list[Value]:
    if isinstance(values, (Value, str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"{caller}() takes an iterable of Values or numbers, got {type(values).__name__}")
    out = []
    for v in values:
        if not isinstance(v, Value):
            x = _operand_float(v)
            if x is None:
                raise TypeError(f"{caller}() takes Values or real numbers, got {type(v).__name__} {v!r}")
            v = _constant(x)
        out.append(v)
    return out
