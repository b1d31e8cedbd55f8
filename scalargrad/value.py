"""``Value``: a float that remembers how it was computed.

Every arithmetic operation on Values returns a new Value whose *parents* are
its operands and whose *op* knows the local derivatives. Together they form a
computation graph, and ``backward()`` walks it in reverse to apply the chain
rule.

>>> from scalargrad import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + 3 * x
>>> y.backward()
>>> y.data, x.grad          # y = x^2 + 3x, dy/dx = 2x + 3
(10.0, 7.0)
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, SupportsFloat, Union

from scalargrad import ieee, ops
from scalargrad.modes import state as _mode

__all__ = ["Value", "as_value"]

Number = Union[int, float]
Operand = Union["Value", Number]


def _as_float(x: Any) -> float:
    """The float of a real number; ``TypeError`` naming anything else."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real) or (
        hasattr(type(x), "__float__") and not isinstance(x, (numbers.Complex, Value))
    ):
        return float(x)
    if isinstance(x, Value):
        raise TypeError(
            f"Value() takes a real number, got a Value ({x!r}); "
            "use it directly, or Value(v.data) for a new leaf with its number"
        )
    raise TypeError(f"Value() takes a real number, got {type(x).__name__} {x!r}")


def _binary_operators(
    op: ops.Op,
) -> tuple[Callable[[Value, Any], Any], Callable[[Value, Any], Any]]:
    """The forward (``a + b``) and reflected (``2 + a``) methods for one binary op.

    Defined once for every operator, as ``fractions.Fraction`` does, so each
    operator is a single line in the class body. A number operand goes into
    the op (``ops.WithConstant``), not into a node of its own; anything else is
    ``NotImplemented``, which lets Python raise its usual ``TypeError``. This is
    the engine's hottest code, so the common case (record the graph) is written
    out here rather than in calls.
    """
    value = op.value
    with_number = ops.WITH_NUMBER[op]
    # The shared ops for numbers on the right (x * 2) and on the left (2 * x).
    right_ops = ops.shared_ops(with_number, False)

    def forward(a: Value, b: Any) -> Any:  # a Value, or NotImplemented
        if type(b) is Value or isinstance(b, Value):
            if not _mode.plain:
                return _node(value(a.data, b.data), op, (a, b))
            node = _new(Value)
            node.data = value(a.data, b.data)
            node.grad = 0.0
            node.label = ""
            node._op = op
            node._a = a
            node._b = b
            return node
        x = b if type(b) is float else _operand_float(b)
        if x is None:
            return NotImplemented
        number_op = right_ops.get(x) if x else None
        if number_op is None:
            number_op = ops.with_constant(with_number, x, left=False)
        if not _mode.plain:
            return _node(value(a.data, x), number_op, (a,))
        node = _new(Value)
        node.data = value(a.data, x)
        node.grad = 0.0
        node.label = ""
        node._op = number_op
        node._a = a
        node._b = None
        return node

    def reflected(b: Value, a: Any) -> Any:
        x = a if type(a) is float else _operand_float(a)
        if x is None:
            return NotImplemented
        return _node(value(x, b.data), ops.with_constant(with_number, x, left=True), (b,))

    forward.__name__ = reflected.__name__ = op.name
    return forward, reflected


class Value:
    """A scalar node in a computation graph.

    ``data`` is the number (a Python float), ``grad`` is d(root)/d(this node)
    after ``root.backward()`` (0.0 before), and ``label`` names the node in
    printouts and drawings.

    >>> w = Value(0.5, label="w")
    >>> w
    Value(data=0.5, grad=0.0, label='w')
    >>> (w * 4).data
    2.0
    """

    # The parents are kept in two slots rather than a tuple: ``_a`` and ``_b``
    # for an op of one or two operands (``_b`` None for one), or all of them
    # as a tuple in ``_a`` for an n-ary op (``sum``, ``dot``); None for a leaf.
    # A tuple per node would be one more object for the cyclic garbage
    # collector to scan, and that scanning is most of what building costs.
    __slots__ = ("data", "grad", "label", "_op", "_a", "_b")

    data: float
    grad: float
    label: str
    _a: Any  # Value | tuple[Value, ...] | None, as above
    _b: Any  # Value | None

    def __init__(self, data: SupportsFloat, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__} {label!r}")
        self.data = _as_float(data)
        self.grad = 0.0
        self.label = label
        self._op: ops.Op | None = None
        self._a = None
        self._b = None

    # ------------------------------------------------------------ structure

    @property
    def parents(self) -> tuple[Value, ...]:
        """The nodes this one was computed from, in operand order (``()`` for a leaf)."""
        a = self._a
        if a is None:
            return ()
        if type(a) is tuple:
            return a
        b = self._b
        return (a,) if b is None else (a, b)

    @property
    def op(self) -> ops.Op | None:
        """The operation that produced this node (``None`` for a leaf)."""
        return self._op

    def local_derivatives(self) -> tuple[float, ...]:
        """``d self / d parent`` for each parent, as floats (``()`` for a leaf).

        >>> a, b = Value(3.0), Value(4.0)
        >>> (a * b).local_derivatives()
        (4.0, 3.0)
        """
        return self._op.derivatives(self) if self._op is not None else ()

    # ------------------------------------------------------------- backward

    def backward(self, gradient: Number = 1.0) -> None:
        """Fill in ``.grad`` of every node this one depends on (reverse-mode chain rule).

        The gradient of this node is seeded with ``gradient``. Leaves (Values
        you created) *accumulate* across calls, as in PyTorch, so call
        ``zero_grad()`` between steps; every interior node holds the gradient
        of the latest pass.

        >>> x = Value(3.0)
        >>> y = x * x
        >>> y.backward(); x.grad
        6.0
        >>> y.backward(); x.grad     # accumulated
        12.0
        """
        from scalargrad.backward import backward

        backward(self, gradient)

    def zero_grad(self) -> None:
        """Set ``.grad`` to 0.0 on this node and every node it depends on.

        >>> x = Value(3.0); y = x * x; y.backward()
        >>> y.zero_grad(); x.grad
        0.0
        """
        from scalargrad.backward import topological_order

        for node in topological_order(self):
            node.grad = 0.0

    # ------------------------------------------------------ number protocol

    def __float__(self) -> float:
        return self.data

    def __format__(self, spec: str) -> str:
        return format(self.data, spec) if spec else repr(self)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # Comparisons look at the numbers; == and hash stay those of object
    # (identity), so Values can be kept in sets and used as dict keys.
    def __lt__(self, other: Operand) -> bool:
        return self.data < _data_of(other)

    def __le__(self, other: Operand) -> bool:
        return self.data <= _data_of(other)

    def __gt__(self, other: Operand) -> bool:
        return self.data > _data_of(other)

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _data_of(other)

    __hash__ = object.__hash__

    if TYPE_CHECKING:  # what the operators below accept and return, for type checkers

        def __add__(self, other: Operand) -> Value: ...
        def __radd__(self, other: Number) -> Value: ...
        def __sub__(self, other: Operand) -> Value: ...
        def __rsub__(self, other: Number) -> Value: ...
        def __mul__(self, other: Operand) -> Value: ...
        def __rmul__(self, other: Number) -> Value: ...
        def __truediv__(self, other: Operand) -> Value: ...
        def __rtruediv__(self, other: Number) -> Value: ...

    else:
        __add__, __radd__ = _binary_operators(ops.ADD)
        __sub__, __rsub__ = _binary_operators(ops.SUB)
        __mul__, __rmul__ = _binary_operators(ops.MUL)
        __truediv__, __rtruediv__ = _binary_operators(ops.DIV)

    def __neg__(self) -> Value:
        return _node(-self.data, ops.NEG, (self,))

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _node(abs(self.data), ops.ABS, (self,))

    def __pow__(self, exponent: Operand) -> Value:
        if isinstance(exponent, Value):
            return _node(ieee.power(self.data, exponent.data), ops.POW, (self, exponent))
        n = _operand_float(exponent)
        if n is None:
            return NotImplemented
        return _node(ieee.power(self.data, n), ops.power(n), (self,))

    def __rpow__(self, base: Number) -> Value:
        x = _operand_float(base)
        if x is None:
            return NotImplemented
        return _node(ieee.power(x, self.data), ops.with_constant(ops.PowConstantBase, x, left=True), (self,))

    # ------------------------------------------------------------ functions

    def exp(self) -> Value:
        """``e ** self``.

        >>> Value(0.0).exp().data
        1.0
        """
        return _unary(ops.EXP, self)

    def log(self) -> Value:
        """Natural logarithm (``-inf`` at 0, ``nan`` below).

        >>> Value(1.0).log().data
        0.0
        """
        return _unary(ops.LOG, self)

    def sqrt(self) -> Value:
        """Square root (``nan`` below 0).

        >>> Value(9.0).sqrt().data
        3.0
        """
        return _unary(ops.SQRT, self)

    def sin(self) -> Value:
        """Sine.

        >>> Value(0.0).sin().data
        0.0
        """
        return _unary(ops.SIN, self)

    def cos(self) -> Value:
        """Cosine.

        >>> Value(0.0).cos().data
        1.0
        """
        return _unary(ops.COS, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent; d tanh(x)/dx = 1 - tanh(x)^2.

        >>> Value(0.0).tanh().data
        0.0
        """
        return _unary(ops.TANH, self)

    def sigmoid(self) -> Value:
        """Logistic sigmoid 1 / (1 + e^-x); d/dx = s (1 - s). Never overflows.

        >>> Value(0.0).sigmoid().data
        0.5
        """
        return _unary(ops.SIGMOID, self)

    def relu(self) -> Value:
        """``max(0, x)``, with gradient 0 at 0 (as PyTorch).

        >>> Value(-2.0).relu().data, Value(3.0).relu().data
        (0.0, 3.0)
        """
        return _unary(ops.RELU, self)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """``x`` for x > 0, else ``slope * x``; gradient ``slope`` at 0.

        >>> Value(-2.0).leaky_relu(0.1).data
        -0.2
        """
        s = _operand_float(slope)
        if s is None:
            raise TypeError(f"slope must be a real number, got {type(slope).__name__} {slope!r}")
        return _unary(ops.leaky_relu(s), self)

    def softplus(self) -> Value:
        """``log(1 + e^x)``, exact for large inputs; d/dx = sigmoid(x).

        >>> Value(1000.0).softplus().data
        1000.0
        """
        return _unary(ops.SOFTPLUS, self)


# ---------------------------------------------------------------- internals

_new = object.__new__


def _node(data: float, op: ops.Op, parents: tuple[Value, ...]) -> Value:
    """Make the result node of ``op`` applied to ``parents``."""
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    if not _mode.plain:
        if _mode.anomaly and data - data != 0.0:  # x - x is nonzero only for inf and nan
            raise FloatingPointError(f"{op.name} produced {data!r} from {_describe_inputs(parents, op)}")
        if not _mode.grad_enabled:  # no_grad: a constant, connected to nothing
            node._op = node._a = node._b = None
            return node
    node._op = op
    if op.nary:
        node._a, node._b = parents, None
    elif len(parents) == 1:
        node._a, node._b = parents[0], None
    else:
        node._a, node._b = parents
    return node


def _describe_inputs(parents: tuple[Value, ...], op: ops.Op) -> str:
    shown = [f"{p.label} = {p.data!r}" if p.label else repr(p.data) for p in parents[:8]]
    # A number operand lives in the op; name it in its place.
    params = op.params() if isinstance(op, ops.WithConstant) else {}
    if "left" in params:
        shown.insert(0, repr(params["left"]))
    elif "right" in params:
        shown.append(repr(params["right"]))
    count = len(parents) + len(params)
    more = f", ... ({count} in all)" if count > 8 else ""
    return f"input{'s' if count > 1 else ''} " + ", ".join(shown[:8]) + more


def _constant(x: float) -> Value:
    """A leaf for a plain number that takes part in an operation."""
    node = _new(Value)
    node.data = x
    node.grad = 0.0
    node.label = ""
    node._op = node._a = node._b = None
    return node


def _operand_float(x: Any) -> float | None:
    """The float of a number operand, or None when ``x`` is not a real number."""
    if type(x) is float:
        return x
    if type(x) is int or isinstance(x, numbers.Real):  # int first: the ABC check is slow
        return float(x)
    return None


def _data_of(other: Operand) -> float:
    if isinstance(other, Value):
        return other.data
    x = _operand_float(other)
    if x is None:
        raise TypeError(f"cannot compare a Value with {type(other).__name__} {other!r}")
    return x


def _unary(op: ops.Op, x: Value) -> Value:
    if not _mode.plain:
        return _node(op.value(x.data), op, (x,))
    node = _new(Value)
    node.data = op.value(x.data)
    node.grad = 0.0
    node.label = ""
    node._op = op
    node._a = x
    node._b = None
    return node




def as_value(x: Operand) -> Value:
    """``x`` itself if it is a Value, else a new leaf holding the number.

    >>> as_value(2).data
    2.0
    """
    return x if isinstance(x, Value) else Value(x)
