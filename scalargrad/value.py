"""``Value``: a float that remembers how it was computed.

Every operation on Values returns a new Value whose *parents* are its operands
and whose *op* knows the local derivatives. Together they form a computation
graph, and ``backward()`` walks it in reverse to apply the chain rule.

>>> from scalargrad import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + 3 * x
>>> y.backward()
>>> y.data, x.grad          # y = x^2 + 3x, dy/dx = 2x + 3
(10.0, 7.0)

This module knows nothing of particular operations: the op API
(:mod:`scalargrad.operation`) gives Value its operators and methods from the
registry of ops, and every node, whatever made it, is built by one function,
:func:`make_node`.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, SupportsFloat, Union

from scalargrad.backward import backward as _backward
from scalargrad.backward import topological_order
from scalargrad.ieee import as_real as _operand_float
from scalargrad.modes import state as _mode
from scalargrad.modes import switched as _switched

if TYPE_CHECKING:
    from scalargrad.operation import Op

__all__ = ["Value", "as_value"]

Number = Union[int, float]
Operand = Union["Value", Number]


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

    Operators work with numbers on either side (``+ - * / **``, unary ``-``,
    ``abs()``), and every one-input op of the registry is a method
    (``w.tanh()``, ``w.exp()``, ...; see :mod:`scalargrad.ops`).
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
    _op: Op | None
    _a: Any  # Value | tuple[Value, ...] | None, as above
    _b: Any  # Value | None

    def __init__(self, data: SupportsFloat, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__} {label!r}")
        self.data = _as_float(data)
        self.grad = 0.0
        self.label = label
        self._op = None
        self._a = None
        self._b = None
        if (
            _switched[0] and _mode.made
        ):  # inside a transform: a leaf its function made, not one it closes over
            _mode.made[-1].add(self)

    # ------------------------------------------------------------ structure

    @property
    def parents(self) -> tuple[Value, ...]:
        """The nodes this one was computed from, in operand order (``()`` for a leaf).

        >>> a, b = Value(1.0), Value(2.0)
        >>> (a * b).parents == (a, b)
        True
        """
        a = self._a
        if a is None:
            return ()
        if type(a) is tuple:
            return a
        b = self._b
        return (a,) if b is None else (a, b)

    @property
    def op(self) -> Op | None:
        """The operation that produced this node (``None`` for a leaf).

        >>> (Value(1.0) * 2).op
        <op mul(right=2.0)>
        """
        return self._op

    def local_derivatives(self) -> tuple[float, ...]:
        """``d self / d parent`` for each parent, as floats (``()`` for a leaf).

        >>> a, b = Value(3.0), Value(4.0)
        >>> (a * b).local_derivatives()
        (4.0, 3.0)
        """
        return self._op.local_derivatives(self) if self._op is not None else ()

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
        _backward(self, gradient)

    def zero_grad(self) -> None:
        """Set ``.grad`` to 0.0 on this node and every node it depends on.

        >>> x = Value(3.0); y = x * x; y.backward()
        >>> y.zero_grad(); x.grad
        0.0
        """
        for node in topological_order(self):
            node.grad = 0.0

    # ------------------------------------------------------ number protocol

    def __float__(self) -> float:
        if _mode.rule is not None:
            _float_inside_rule(_mode.rule)
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

    def __pos__(self) -> Value:
        return self

    if TYPE_CHECKING:  # installed from the op registry (scalargrad.ops); typed here for checkers

        def __add__(self, other: Operand) -> Value: ...
        def __radd__(self, other: Number) -> Value: ...
        def __sub__(self, other: Operand) -> Value: ...
        def __rsub__(self, other: Number) -> Value: ...
        def __mul__(self, other: Operand) -> Value: ...
        def __rmul__(self, other: Number) -> Value: ...
        def __truediv__(self, other: Operand) -> Value: ...
        def __rtruediv__(self, other: Number) -> Value: ...
        def __pow__(self, other: Operand) -> Value: ...
        def __rpow__(self, other: Number) -> Value: ...
        def __mod__(self, other: Operand) -> Value: ...
        def __rmod__(self, other: Number) -> Value: ...
        def __neg__(self) -> Value: ...
        def __abs__(self) -> Value: ...

        # One method per one-input op in the registry (tanh, exp, ...).
        def __getattr__(self, name: str) -> Callable[..., Value]: ...


# ---------------------------------------------------------------- internals

_new = object.__new__


def make_node(data: float, op: Op, a: Any, b: Any = None) -> Value:
    """The one way the engine makes a result node: ``op`` applied to parents ``a`` (and ``b``).

    ``a`` is the first parent (or, for an n-ary op, the tuple of all of them)
    and ``b`` the second or None. This is the engine's hottest function: the
    common case (record the graph, check nothing) is a few attribute stores.
    Under ``no_grad`` the node is a constant connected to nothing; under
    ``detect_anomaly`` a ``nan`` or ``inf`` raises, naming the op and inputs.

    >>> x = Value(2.0)
    >>> from scalargrad.ops import MUL
    >>> make_node(6.0, MUL, x, Value(3.0)).parents[0] is x
    True
    """
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    if not _switched[0] or _mode.plain:
        node._op = op
        node._a = a
        node._b = b
        return node
    if _mode.anomaly and data - data != 0.0:  # x - x is nonzero only for inf and nan
        raise FloatingPointError(f"{op.name} produced {data!r} from {_describe_inputs(a, b, op)}")
    if _mode.grad_enabled:
        node._op, node._a, node._b = op, a, b
    else:  # no_grad: a constant, connected to nothing
        node._op = node._a = node._b = None
    made = _mode.made
    if made:  # inside a transform: a node its function made
        made[-1].add(node)
    return node


def binary_operators(op: Op) -> tuple[Callable[[Value, Any], Any], Callable[[Value, Any], Any]]:
    """The forward (``a * b``) and reflected (``2 * a``) methods for a two-input op.

    Written once for every operator, as ``fractions.Fraction`` does. A number
    operand lives in the op (:meth:`Op.bind`), shared per number, not in a
    node of its own; anything else is ``NotImplemented``, so Python raises its
    usual ``TypeError``. Both directions do the same work: a dict look-up for
    the shared op, then :func:`make_node`.
    """
    value = op.value
    # The shared ops for a number on the left (2 * x) and on the right (x * 2).
    left_ops, right_ops = op.bound_ops(0), op.bound_ops(1)

    def forward(a: Value, b: Any) -> Any:  # a Value, or NotImplemented
        if type(b) is Value or isinstance(b, Value):
            return make_node(value(a.data, b.data), op, a, b)
        x = b if type(b) is float else _operand_float(b)
        if x is None:
            return NotImplemented
        bound = right_ops.get(x)
        if bound is None:
            bound = op.bind({1: x})
        return make_node(value(a.data, x), bound, a)

    def reflected(b: Value, a: Any) -> Any:
        x = a if type(a) is float else _operand_float(a)
        if x is None:
            return NotImplemented
        bound = left_ops.get(x)
        if bound is None:
            bound = op.bind({0: x})
        return make_node(value(x, b.data), bound, b)

    forward.__name__ = reflected.__name__ = op.name
    return forward, reflected


def unary_operator(op: Op) -> Callable[[Value], Value]:
    """The method for a one-input op without parameters (``-x``, ``abs(x)``, ``x.tanh()``)."""
    value = op.value

    def method(self: Value) -> Value:
        return make_node(value(self.data), op, self)

    method.__name__ = op.name
    return method


def _describe_inputs(a: Any, b: Any, op: Op) -> str:
    parents = a if type(a) is tuple else (a,) if b is None else (a, b)
    shown = [f"{p.label} = {p.data!r}" if p.label else repr(p.data) for p in parents[:8]]
    # A number operand lives in the op; name it in its place.
    for position, constant in op.constants():
        shown.insert(position, repr(constant))
    count = len(parents) + len(op.constants())
    more = f", ... ({count} in all)" if count > 8 else ""
    return f"input{'s' if count > 1 else ''} " + ", ".join(shown[:8]) + more


def _float_inside_rule(rule: str) -> None:
    raise TypeError(
        f"the derivative rule of op {rule!r} turned a Value into a float (math.cos(x), float(x), ...), "
        "so the derivative of that derivative would be lost; write the rule with scalargrad's "
        "operators and functions (sg.cos, not math.cos), or read x.data where a number is meant"
    )


def constant(x: float) -> Value:
    """A leaf for a plain number that takes part in an operation (a constant: nothing flows into it).

    >>> constant(2.0).parents
    ()
    """
    node = _new(Value)
    node.data = x
    node.grad = 0.0
    node.label = ""
    node._op = node._a = node._b = None
    if _switched[0] and _mode.made:  # inside a transform: a constant its function made
        _mode.made[-1].add(node)
    return node


def _as_float(x: Any) -> float:
    """The float of a real number; ``TypeError`` naming anything else."""
    number = _operand_float(x) if not isinstance(x, Value) else None
    if number is not None:
        return number
    if hasattr(type(x), "__float__") and not isinstance(x, (numbers.Complex, Value)):
        return float(x)
    if isinstance(x, Value):
        raise TypeError(
            f"Value() takes a real number, got a Value ({x!r}); "
            "use it directly, or Value(v.data) for a new leaf with its number"
        )
    raise TypeError(f"Value() takes a real number, got {type(x).__name__} {x!r}")


def _data_of(other: Operand) -> float:
    if isinstance(other, Value):
        return other.data
    x = _operand_float(other)
    if x is None:
        raise TypeError(f"cannot compare a Value with {type(other).__name__} {other!r}")
    return x


def as_value(x: Operand) -> Value:
    """``x`` itself if it is a Value, else a new leaf holding the number.

    >>> as_value(2).data
    2.0
    """
    return x if isinstance(x, Value) else Value(x)
