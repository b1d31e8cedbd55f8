"""Every operation the engine knows, each in one place.

An op is data, not a closure: a node stores its op and its parents, and the
op says three things about it, side by side:

``value(*xs)``
    the forward result from the parents' floats;
``derivatives(node)``
    the local derivatives ``d node / d parent`` as floats, one per parent,
    which the backward pass multiplies by the node's gradient (the chain rule);
``graph_derivatives(node)``
    the same derivatives built out of Values, so that a gradient can itself be
    differentiated (``grad(grad(f))``). A plain float there means "constant".

``backprop(node, g)`` is the chain rule at the node: it adds ``g`` times each
local derivative to the parent's ``.grad``. The base class does that from
``derivatives``; the few ops that dominate real graphs write it out directly.

Because no node refers to itself through a closure, a graph has no reference
cycles and is freed by reference counting the moment it is dropped.

All arithmetic goes through :mod:`scalargrad.ieee`, so results follow IEEE-754
(``inf`` and ``nan``, never an exception) as PyTorch does in float64.
"""

from __future__ import annotations

import math
import operator
from typing import TYPE_CHECKING, Callable, TypeVar, Union

from scalargrad import ieee

__all__ = [
    "Op", "Add", "Sub", "Mul", "Div", "Neg", "Pow", "Power", "Abs", "Exp", "Log", "Sqrt", "Sin", "Cos",
    "Tanh", "Sigmoid", "ReLU", "LeakyReLU", "Softplus", "Sum", "Dot",
    "WithConstant", "AddConstant", "SubConstant", "MulConstant", "DivConstant", "PowConstantBase",
]

if TYPE_CHECKING:
    from scalargrad.value import Value

Derivative = Union["Value", float]


class Op:
    """Base class: one kind of node. Subclasses set ``name`` and the three methods."""

    name = ""
    # An n-ary op (sum, dot) keeps its parents as one tuple (see Value.__slots__).
    nary = False
    # PyTorch computes some gradients with `where` rather than a product, so
    # there a zero blocks the upstream gradient even when that is inf or nan
    # (0 * inf would be nan). Ops that do this set `masks` and say, per node,
    # which of their derivatives are masked.
    masks = False

    def masked(self, node: Value) -> tuple[bool, ...]:
        """For each parent, whether its derivative is a mask (all False unless ``masks``)."""
        return (False,) * len(node.parents)

    def params(self) -> dict[str, float]:
        """Constants of the op itself, such as a leaky ReLU's slope."""
        return {}

    # The forward result from the parents' floats.
    value: Callable[..., float]

    def derivatives(self, node: Value) -> tuple[float, ...]:
        """``d node / d parent`` for each parent, as floats."""
        raise NotImplementedError

    def graph_derivatives(self, node: Value) -> tuple[Derivative, ...]:
        """The same derivatives built out of Values (or floats for constants), to differentiate again."""
        raise NotImplementedError

    def backprop(self, node: Value, g: float) -> None:
        """The chain rule at one node: add ``g * d node / d parent`` to each parent's ``.grad``."""
        derivatives = self.derivatives(node)
        if self.masks:
            for parent, d, masked in zip(node.parents, derivatives, self.masked(node)):
                if not masked:
                    parent.grad += g * d
            return
        a = node._a
        if type(a) is tuple:  # an n-ary op
            for parent, d in zip(a, derivatives):
                parent.grad += g * d
            return
        a.grad += g * derivatives[0]
        b = node._b
        if b is not None:
            b.grad += g * derivatives[1]

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"<op {self.name}{'(' + params + ')' if params else ''}>"


# ---------------------------------------------------------------- arithmetic


# The hottest ops also apply their derivatives directly in `backprop`: the
# same formulas as in `derivatives`, without building a tuple per node.


class Add(Op):
    name = "add"
    value = staticmethod(operator.add)

    def derivatives(self, node: Value) -> tuple[float, ...]:
        return (1.0, 1.0)

    graph_derivatives = derivatives

    def backprop(self, node: Value, g: float) -> None:
        a, b = node._a, node._b
        a.grad += g
        b.grad += g


class Sub(Op):
    name = "sub"
    value = staticmethod(operator.sub)

    def derivatives(self, node: Value) -> tuple[float, ...]:
        return (1.0, -1.0)

    graph_derivatives = derivatives

    def backprop(self, node: Value, g: float) -> None:
        a, b = node._a, node._b
        a.grad += g
        b.grad += -g


class Mul(Op):
    name = "mul"
    value = staticmethod(operator.mul)

    def derivatives(self, node: Value) -> tuple[float, ...]:
        a, b = node._a, node._b
        return (b.data, a.data)

    def graph_derivatives(self, node: Value) -> tuple[Derivative, ...]:
        a, b = node._a, node._b
        return (b, a)

    def backprop(self, node: Value, g: float) -> None:
        a, b = node._a, node._b
        a.grad += g * b.data
        b.grad += g * a.data


class Div(Op):
    name = "div"
    value = staticmethod(ieee.divide)

    def derivatives(self, node: Value) -> tuple[float, ...]:
        b = node._b.data
        return (ieee.divide(1.0, b), -ieee.divide(node.data, b))

    def graph_derivatives(self, node: Value) -> tuple[Derivative, ...]:
        b = node._b
        return (1.0 / b, -node / b)


# ------------------------------------------------- a number as one operand


class WithConstant(Op):
    """``x op c`` or ``c op x`` for a plain number ``c``, which lives in the op (as in PyTorch).

    A number operand is not a node: the node has one parent, and the op keeps
    the number and its side. That is one object fewer per operation for the
    garbage collector to scan, and graphs that show only what can be
    differentiated. ``params()`` says ``{"left": c}`` for ``c op x`` and
    ``{"right": c}`` for ``x op c``.
    """

    def __init__(self, constant: float, left: bool) -> None:
        self.constant = constant
        self.left = left

    def params(self) -> dict[str, float]:
        return {"left" if self.left else "right": self.constant}


class AddConstant(WithConstant):
    name = "add"

    def derivatives(self, node: Value) -> tuple[float, ...]:
        return (1.0,)

    graph_derivatives = derivatives

    def backprop(self, node: Value, g: float) -> None:
        node._a.grad += g


class SubConstant(WithConstant):
    name = "sub"

    def derivatives(self, node: Value) -> tuple[float, ...]:
        return (-1.0,) if self.left else (1.0,)

    graph_derivatives = derivatives

    def backprop(self, node: Value, g: float) -> None:
        node._a.grad += -g if self.left else g


class MulConstant(WithConstant):
    name = "mul"

    def derivatives(self, node: Value) -> tuple[float, ...]:
        return (self.constant,)

    graph_derivatives = derivatives

    def backprop(self, node: Value, g: float) -> None:
        node._a.grad += g * self.constant


class DivConstant(WithConstant):
    name = "div"

    def derivatives(self, node: Value) -> tuple[float, ...]:
        if self.left:  # c / x
            return (-ieee.divide(node.data, node._a.data),)
        return (ieee.divide(1.0, self.constant),)

    def graph_derivatives(self, node: Value) -> tuple[Derivative, ...]:
        if self.left:
            return (-node / node._a,)
        return (ieee.divide(1.0, self.constant),)


class PowConstantBase(WithConstant):
    """``c ** x``; a constant exponent is :class:`Power`."""

    name = "pow"

    def derivatives(self, node: Value) -> tuple[float, ...]:
        c = self.constant
        # d/dx c**x = c**x log c; at c = 0 PyTorch gives 0 for x >= 0 (log 0 is -inf).
        return (0.0 if c == 0.0 and node._a.data >= 0.0 else node.data * ieee.log(c),)

    def graph_derivatives(self, node: Value) -> tuple[Derivative, ...]:
        c = self.constant
        return (0.0 if c == 0.0 and node._a.data >= 0.0 else node * ieee.log(c),)


class Neg(Op):
    name = "neg"
    value = staticmethod(operator.neg)

    def derivatives(self, node: Value) -> tuple[float, ...]:
        return (-1.0,)

    graph_derivatives = derivatives


class Pow(Op):
    """``base ** exponent`` where both are Values."""

    name = "pow"
    value = staticmethod(ieee.power)
    masks = True

    def masked(self, node: Value) -> tuple[bool, ...]:
        # x**0 is constant in x: PyTorch's `where` returns 0 whatever comes from
        # above. (Its 0**n mask in n is applied before the product, so an
        # upstream inf still gives nan there, as here.)
        return (node._b.data == 0.0, False)

    def derivatives(self, node: Value) -> tuple[float, ...]:
        base, exponent = node._a, node._b
        x, n = base.data, exponent.data
        d_base = 0.0 if n == 0.0 else n * ieee.power(x, n - 1.0)
        d_exponent = 0.0 if x == 0.0 and n >= 0.0 else node.data * ieee.log(x)
        return (d_base, d_exponent)

    def graph_derivatives(self, node: Value) -> tuple[Derivative, ...]:
        base, exponent = node._a, node._b
        x, n = base.data, exponent.data
        # Masks only where the formula has no value (at x = 0): elsewhere the
        # full formula, which is 0 at n = 0 but whose own derivative in n is not.
        d_base = 0.0 if n == 0.0 and x == 0.0 else exponent * base ** (exponent - 1.0)
        d_exponent = 0.0 if x == 0.0 and n >= 0.0 else node * base.log()
        return (d_base, d_exponent)


class Power(Op):
    """``base ** n`` for a constant number ``n``, which lives in the op (as in micrograd)."""

    name = "pow"

    def __init__(self, exponent: float) -> None:
        self.exponent = exponent
        # x**0 is constant: PyTorch returns a zero gradient whatever comes from above.
        self.masks = exponent == 0.0

    def masked(self, node: Value) -> tuple[bool, ...]:
        return (self.masks,)

    def params(self) -> dict[str, float]:
        return {"exponent": self.exponent}

    def value(self, x: float) -> float:
        """``x ** exponent``."""
        return ieee.power(x, self.exponent)

    def derivatives(self, node: Value) -> tuple[float, ...]:
        n = self.exponent
        return (0.0 if n == 0.0 else n * ieee.power(node._a.data, n - 1.0),)

    def graph_derivatives(self, node: Value) -> tuple[Derivative, ...]:
        n = self.exponent
        return (0.0 if n == 0.0 else n * node._a ** (n - 1.0),)


class Abs(Op):
    name = "abs"
    value = staticmethod(abs)

    def derivatives(self, node: Value) -> tuple[float, ...]:
        x = node._a.data
        # sign(x), with sign(0) = sign(nan) = 0 as in PyTorch
        return (1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0,)

    graph_derivatives = derivatives


# ------------------------------------------------------- elementary functions


class Exp(Op):
    name = "exp"
    value = staticmethod(ieee.exp)

    def derivatives(self, node: Value) -> tuple[float, ...]:
        return (node.data,)

    def graph_derivatives(self, node: Value) -> tuple[Derivative, ...]:
        return (node,)


class Log(Op):
    name = "log"
    value = staticmethod(ieee.log)

    def derivatives(self, node: Value) -> tuple[float, ...]:
        return (ieee.divide(1.0, node._a.data),)

    def graph_derivatives(self, node: Value) -> tuple[Derivative, ...]:
        return (1.0 / node._a,)


class Sqrt(Op):
    name = "sqrt"
    value = staticmethod(ieee.sqrt)

    def derivatives(self, node: Value) -> tuple[float, ...]:
        return (ieee.divide(0.5, node.data),)

    def graph_derivatives(self, node: Value) -> tuple[Derivative, ...]:
        return (0.5 / node,)


class Sin(Op):
    name = "sin"
    value = staticmethod(ieee.sin)

    def derivatives(self, node: Value) -> tuple[float, ...]:
        return (ieee.cos(node._a.data),)

    def graph_derivatives(self, node: Value) -> tuple[Derivative, ...]:
        return (node._a.cos(),)


class Cos(Op):
    name = "cos"
    value = staticmethod(ieee.cos)

    def derivatives(self, node: Value) -> tuple[float, ...]:
        return (-ieee.sin(node._a.data),)

    def graph_derivatives(self, node: Value) -> tuple[Derivative, ...]:
        return (-node._a.sin(),)


# ---------------------------------------------------------------- activations


class Tanh(Op):
    name = "tanh"
    value = staticmethod(math.tanh)  # exact to rounding, saturates instead of overflowing

    def derivatives(self, node: Value) -> tuple[float, ...]:
        t = node.data
        return (1.0 - t * t,)

    def graph_derivatives(self, node: Value) -> tuple[Derivative, ...]:
        return (1.0 - node * node,)


class Sigmoid(Op):
    name = "sigmoid"
    value = staticmethod(ieee.sigmoid)

    def derivatives(self, node: Value) -> tuple[float, ...]:
        s = node.data
        return (s * (1.0 - s),)

    def graph_derivatives(self, node: Value) -> tuple[Derivative, ...]:
        return (node * (1.0 - node),)


class ReLU(Op):
    name = "relu"
    masks = True

    def masked(self, node: Value) -> tuple[bool, ...]:
        return (node._a.data <= 0.0,)

    @staticmethod
    def value(x: float) -> float:
        return 0.0 if x <= 0.0 else x  # nan stays nan

    def derivatives(self, node: Value) -> tuple[float, ...]:
        return (0.0 if node._a.data <= 0.0 else 1.0,)

    graph_derivatives = derivatives


class LeakyReLU(Op):
    name = "leaky_relu"

    def __init__(self, slope: float) -> None:
        self.slope = slope

    def params(self) -> dict[str, float]:
        return {"slope": self.slope}

    def value(self, x: float) -> float:
        """``x`` where positive, else ``slope * x``."""
        return x if x > 0.0 else self.slope * x

    def derivatives(self, node: Value) -> tuple[float, ...]:
        return (1.0 if node._a.data > 0.0 else self.slope,)

    graph_derivatives = derivatives


class Softplus(Op):
    name = "softplus"
    value = staticmethod(ieee.softplus)

    def derivatives(self, node: Value) -> tuple[float, ...]:
        return (ieee.sigmoid(node._a.data),)

    def graph_derivatives(self, node: Value) -> tuple[Derivative, ...]:
        return (node._a.sigmoid(),)


# -------------------------------------------------------------- n-ary nodes


class Sum(Op):
    """One node for ``x1 + x2 + ... + xn``: n parents instead of n - 1 add nodes."""

    name = "sum"
    nary = True

    @staticmethod
    def value(*xs: float) -> float:
        return ieee.fsum(xs)

    def derivatives(self, node: Value) -> tuple[float, ...]:
        return (1.0,) * len(node._a)

    graph_derivatives = derivatives

    def backprop(self, node: Value, g: float) -> None:
        for parent in node._a:
            parent.grad += g


class Dot(Op):
    """One node for ``w1*x1 + ... + wn*xn``; its parents are ``w1..wn, x1..xn``."""

    name = "dot"
    nary = True

    @staticmethod
    def value(*wx: float) -> float:
        n = len(wx) // 2
        return ieee.fsum(map(operator.mul, wx[:n], wx[n:]))

    def derivatives(self, node: Value) -> tuple[float, ...]:
        parents = node._a
        n = len(parents) // 2
        # d/dw_i is x_i and d/dx_i is w_i: each factor's derivative is the other factor
        return tuple([p.data for p in parents[n:]] + [p.data for p in parents[:n]])

    def graph_derivatives(self, node: Value) -> tuple[Derivative, ...]:
        parents: tuple[Value, ...] = node._a
        n = len(parents) // 2
        return parents[n:] + parents[:n]

    def backprop(self, node: Value, g: float) -> None:
        parents = node._a
        n = len(parents) // 2
        ws, xs = parents[:n], parents[n:]
        for w, x in zip(ws, xs):  # all the w's first, then the x's: the order of `derivatives`
            w.grad += g * x.data
        for w, x in zip(ws, xs):
            x.grad += g * w.data


ADD, SUB, MUL, DIV, NEG, POW, ABS = Add(), Sub(), Mul(), Div(), Neg(), Pow(), Abs()
# The op each binary operator uses when one operand is a number.
WITH_NUMBER: dict[Op, type[WithConstant]] = {
    ADD: AddConstant, SUB: SubConstant, MUL: MulConstant, DIV: DivConstant, POW: PowConstantBase,
}
EXP, LOG, SQRT, SIN, COS = Exp(), Log(), Sqrt(), Sin(), Cos()
TANH, SIGMOID, RELU, SOFTPLUS = Tanh(), Sigmoid(), ReLU(), Softplus()
SUM, DOT = Sum(), Dot()

_OpT = TypeVar("_OpT", bound=Op)

# One op object per number (an exponent, a slope, a number operand) keeps
# nodes small: a cache per kind of op, keyed by the number.
_shared_ops: dict[tuple[object, ...], dict[float, Op]] = {}


def shared_ops(*kind: object) -> dict[float, Op]:
    """The cache of shared ops of one kind, by number (the engine looks there first)."""
    return _shared_ops.setdefault(kind, {})


def _shared(cache: dict[float, Op], number: float, make: Callable[[], _OpT]) -> _OpT:
    # Never shared: 0.0 and -0.0 (equal as keys, different results) and nan
    # (never equal to itself, so a cached one would never be found again).
    # Bounded, so a program that uses a fresh number every step cannot grow it.
    shareable = number != 0.0 and number == number
    op = cache.get(number) if shareable else None
    if op is None:
        op = make()
        if shareable and len(cache) < 1024:
            cache[number] = op
    return op  # type: ignore[return-value]  # the op under this number was made by `make`


def power(exponent: float) -> Power:
    """The ``x ** exponent`` op for a constant exponent."""
    return _shared(shared_ops(Power), exponent, lambda: Power(exponent))


def leaky_relu(slope: float) -> LeakyReLU:
    """The leaky ReLU op for ``slope``."""
    return _shared(shared_ops(LeakyReLU), slope, lambda: LeakyReLU(slope))


def with_constant(kind: type[WithConstant], constant: float, left: bool) -> WithConstant:
    """The op for ``x op constant`` (or ``constant op x`` when ``left``), shared where it can be."""
    return _shared(shared_ops(kind, left), constant, lambda: kind(constant, left))
