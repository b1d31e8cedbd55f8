"""Hypothesis strategies: ordinary floats and random formulas that share subexpressions.

``finite_floats``
    floats in a range (no ``nan``, ``inf`` or subnormals);
``expressions``
    random computation graphs, each an :class:`Expression` that is called with
    Values (or floats), prints as its formula, and can be drawn
    (:meth:`Expression.graph`);
``op_names``, ``DEFAULT_OPS``, ``ALL_OPS``
    the ops ``expressions`` draws from, read from the op registry.

A drawn expression is not always a tree: by default a node already drawn may
be used again further on (``x0 * x0`` at the leaves, a shared ``tanh(x0 * x1)``
higher up), which is how a graph gets diamonds and nodes with several
consumers, where a backward pass that overwrites instead of adding goes wrong.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Union

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

import scalargrad as sg
from scalargrad import Value
from scalargrad.operation import registry

__all__ = ["finite_floats", "expressions", "Expression", "op_names", "DEFAULT_OPS", "ALL_OPS"]

Number = Union[int, float]
Scalar = Union[Value, float]


# ------------------------------------------------------------------- floats


def finite_floats(min_value: float = -10.0, max_value: float = 10.0) -> SearchStrategy[float]:
    """Floats in ``[min_value, max_value]``: never ``nan``, ``inf`` or subnormal.

    Subnormals are left out because they are not the numbers a gradient test
    is about: a step ``eps`` around them is all rounding.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=20, derandomize=True, database=None)
    ... @given(finite_floats(-1.0, 1.0))
    ... def test_range(x):
    ...     assert -1.0 <= x <= 1.0 and math.isfinite(x)
    >>> test_range()
    """
    return st.floats(
        min_value=min_value,
        max_value=max_value,
        allow_nan=False,
        allow_infinity=False,
        allow_subnormal=False,
    )


# -------------------------------------------------------------- expressions
#
# An expression is a small tree of nodes. Each node evaluates itself on the
# inputs (Values or floats) through the public operators and module functions,
# prints itself as Python source, and knows a bound on the magnitude of its
# value for inputs within the strategy's ``input_bound``. The strategy hands
# every node a budget and only builds what fits, so no intermediate value of
# a drawn expression exceeds _MAX_MAGNITUDE: central differences stay accurate.

_MAX_MAGNITUDE = 1e4  # of any intermediate value
_ARGUMENT_BUDGET = 100.0  # for the argument of sin, cos, tanh, sigmoid
_MIN_BUDGET = 1.0  # every node is given at least this much room

# Python's precedence levels, enough to print without redundant parentheses.
_ADDITIVE, _MULTIPLICATIVE, _UNARY, _POWER, _ATOM = 1, 2, 3, 4, 5


def _number_text(c: float) -> str:
    return str(int(c)) if c.is_integer() else repr(c)


class _Node:
    """A node of a drawn formula: evaluates itself (once per call, so a shared node is one node) and prints itself."""

    precedence = _ATOM
    bound = 0.0

    def children(self) -> Sequence[_Node]:
        return ()

    def evaluate(self, xs: Sequence[Any], memo: dict[int, Any]) -> Any:
        """The node's value for inputs ``xs``; ``memo`` (by node) makes a shared node one node of the graph."""
        key = id(self)
        if key in memo:
            return memo[key]
        result = memo[key] = self.compute(xs, memo)
        return result

    def compute(self, xs: Sequence[Any], memo: dict[int, Any]) -> Any:
        raise NotImplementedError

    def text(self, names: _Names) -> str:
        raise NotImplementedError


class _Names:
    """How a formula is printed: shared nodes as ``(t0 := ...)`` then ``t0``, or written out in full."""

    def __init__(self, shared: dict[int, str], expand: bool) -> None:
        self.shared, self.expand = shared, expand
        self.done: set[int] = set()

    def show(self, node: _Node, below: int) -> str:
        """``node``'s text, in parentheses when it binds less tightly than ``below``."""
        name = None if self.expand else self.shared.get(id(node))
        if name is not None:
            if id(node) in self.done:
                return name
            self.done.add(id(node))
            return f"({name} := {node.text(self)})"
        text = node.text(self)
        return text if node.precedence >= below else f"({text})"


class _Input(_Node):
    def __init__(self, index: int, bound: float) -> None:
        self.index, self.bound = index, bound

    def compute(self, xs: Sequence[Any], memo: dict[int, Any]) -> Any:
        return xs[self.index]

    def text(self, names: _Names) -> str:
        return f"x{self.index}"


class _Constant(_Node):
    def __init__(self, c: float) -> None:
        self.c, self.bound = c, abs(c)
        self.precedence = _UNARY if c < 0 else _ATOM

    def compute(self, xs: Sequence[Any], memo: dict[int, Any]) -> Any:
        return self.c

    def text(self, names: _Names) -> str:
        return _number_text(self.c)


class _Call(_Node):
    """``name(arguments...)``, by a function that takes Values or floats."""

    def __init__(
        self, name: str, function: Callable[..., Scalar], arguments: list[_Node], bound: float
    ) -> None:
        self.name, self.function, self.arguments, self.bound = name, function, arguments, bound

    def children(self) -> Sequence[_Node]:
        return self.arguments

    def compute(self, xs: Sequence[Any], memo: dict[int, Any]) -> Any:
        return self.function(*[argument.evaluate(xs, memo) for argument in self.arguments])

    def text(self, names: _Names) -> str:
        return f"{self.name}({', '.join(names.show(argument, 0) for argument in self.arguments)})"


class _Negative(_Node):
    precedence = _UNARY

    def __init__(self, operand: _Node) -> None:
        self.operand, self.bound = operand, operand.bound

    def children(self) -> Sequence[_Node]:
        return (self.operand,)

    def compute(self, xs: Sequence[Any], memo: dict[int, Any]) -> Any:
        return -self.operand.evaluate(xs, memo)

    def text(self, names: _Names) -> str:
        # -x**2 is -(x**2) in Python, so a power needs no parentheses here
        return "-" + names.show(self.operand, _UNARY + 1)


_BINARY: dict[str, tuple[int, Callable[[Any, Any], Scalar]]] = {
    "+": (_ADDITIVE, lambda a, b: a + b),
    "-": (_ADDITIVE, lambda a, b: a - b),
    "*": (_MULTIPLICATIVE, lambda a, b: a * b),
    "/": (_MULTIPLICATIVE, lambda a, b: a / b),
}


class _Binary(_Node):
    def __init__(self, symbol: str, left: _Node, right: _Node, bound: float) -> None:
        self.symbol, self.left, self.right, self.bound = symbol, left, right, bound
        self.precedence, self.function = _BINARY[symbol]

    def children(self) -> Sequence[_Node]:
        return (self.left, self.right)

    def compute(self, xs: Sequence[Any], memo: dict[int, Any]) -> Any:
        return self.function(self.left.evaluate(xs, memo), self.right.evaluate(xs, memo))

    def text(self, names: _Names) -> str:
        # Left-associative: the right operand is bracketed at equal precedence,
        # so the printed formula evaluates in exactly the same order; a negative
        # one is bracketed for the eye, as in x0 - (-1). Python evaluates the
        # left operand first, so a shared node is named where it is first met.
        left = names.show(self.left, self.precedence)
        right = names.show(self.right, max(self.precedence, _UNARY) + 1)
        return f"{left} {self.symbol} {right}"


class _Power(_Node):
    precedence = _POWER

    def __init__(self, base: _Node, exponent: _Node, bound: float) -> None:
        self.base, self.exponent, self.bound = base, exponent, bound

    def children(self) -> Sequence[_Node]:
        return (self.base, self.exponent)

    def compute(self, xs: Sequence[Any], memo: dict[int, Any]) -> Any:
        return self.base.evaluate(xs, memo) ** self.exponent.evaluate(xs, memo)

    def text(self, names: _Names) -> str:
        # ** is right-associative and binds tighter than a unary minus on its left
        base = names.show(self.base, _POWER + 1)
        return f"{base}**{names.show(self.exponent, _POWER)}"


class _Sum(_Node):
    def __init__(self, terms: list[_Node]) -> None:
        self.terms = terms
        self.bound = math.fsum(t.bound for t in terms)

    def children(self) -> Sequence[_Node]:
        return self.terms

    def compute(self, xs: Sequence[Any], memo: dict[int, Any]) -> Any:
        values = [t.evaluate(xs, memo) for t in self.terms]
        if any(isinstance(v, Value) for v in values):
            return sg.sum(values)
        return math.fsum(values)  # what sg.sum computes, as a float

    def text(self, names: _Names) -> str:
        return f"sum([{', '.join(names.show(t, 0) for t in self.terms)}])"


class _Dot(_Node):
    def __init__(self, ws: list[_Node], vs: list[_Node]) -> None:
        self.ws, self.vs = ws, vs
        self.bound = math.fsum(w.bound * v.bound for w, v in zip(ws, vs))

    def children(self) -> Sequence[_Node]:
        return [*self.ws, *self.vs]

    def compute(self, xs: Sequence[Any], memo: dict[int, Any]) -> Any:
        ws = [w.evaluate(xs, memo) for w in self.ws]
        vs = [v.evaluate(xs, memo) for v in self.vs]
        if any(isinstance(v, Value) for v in ws + vs):
            return sg.dot(ws, vs)
        return math.fsum(w * v for w, v in zip(ws, vs))  # what sg.dot computes, as a float

    def text(self, names: _Names) -> str:
        ws = ", ".join(names.show(w, 0) for w in self.ws)
        vs = ", ".join(names.show(v, 0) for v in self.vs)
        return f"dot([{ws}], [{vs}])"


def _one_plus_square(e: _Node) -> _Node:
    """``1 + e**2``: at least 1, so log, sqrt, division and real powers are smooth on it."""
    square = _Power(e, _Constant(2.0), e.bound**2)
    return _Binary("+", _Constant(1.0), square, 1.0 + e.bound**2)


def op_names(smooth_only: bool = False) -> tuple[str, ...]:
    """The ops ``expressions`` can draw: every op in the registry, or only those without kinks.

    Read from the op registry each time, so an op defined with ``sg.op`` can
    be drawn as soon as it exists; its declared domain says where its inputs
    may lie.

    >>> "tanh" in op_names(smooth_only=True), "relu" in op_names(smooth_only=True), "relu" in op_names()
    (True, False, True)
    """
    return tuple(name for name, function in registry().items() if not (smooth_only and function.op.kinks))


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

# The budget below which an op cannot give each of its children _MIN_BUDGET.
_SMALLEST_BUDGET = {"add": 2.0, "sub": 2.0, "exp": math.e, "sum": 2.0, "dot": 2.0}


def _domain_box(domain: tuple[float, float], room: float) -> tuple[float, float]:
    """Where an input lies once :func:`_into_domain` has put an expression of magnitude ``room`` inside ``domain``."""
    low, high = domain
    if math.isinf(low) and math.isinf(high):
        return (-room, room)
    if math.isinf(high):
        return (low + 1.0, low + 1.0 + room * room)
    if math.isinf(low):
        return (high - 1.0 - room * room, high - 1.0)
    middle, half = (low + high) / 2.0, (high - low) * 0.45
    return (middle - half, middle + half)


def _largest_intermediate(domain: tuple[float, float], room: float) -> float:
    """The largest magnitude inside :func:`_into_domain`'s wrapping of an expression of magnitude ``room``."""
    low, high = domain
    if math.isinf(low) and math.isinf(high):
        return room
    if math.isinf(low) or math.isinf(high):
        return abs(high if math.isinf(low) else low) + 1.0 + room * room
    half = (high - low) * 0.45
    return max(2.0 * half * room, 1.0 + room * room, abs(low) + abs(high))


def _into_domain(e: _Node, domain: tuple[float, float], room: float) -> _Node:
    low, high = domain
    if math.isinf(low) and math.isinf(high):
        return e
    if math.isinf(high):  # low + (1 + e**2)
        return (
            _Binary("+", _Constant(low), _one_plus_square(e), abs(low) + 1.0 + e.bound**2)
            if low
            else _one_plus_square(e)
        )
    if math.isinf(low):  # high - (1 + e**2)
        return _Binary("-", _Constant(high), _one_plus_square(e), abs(high) + 1.0 + e.bound**2)
    # middle + (high - low) * 0.45 * 2e / (1 + e**2): 2e/(1 + e²) lies in [-1, 1]
    middle, half = (low + high) / 2.0, (high - low) * 0.45
    squashed = _Binary(
        "/", _Binary("*", _Constant(2.0 * half), e, 2.0 * half * e.bound), _one_plus_square(e), half
    )
    return _Binary("+", _Constant(middle), squashed, abs(middle) + half) if middle else squashed


def _sampled_bound(op: Any, boxes: list[tuple[float, float]]) -> float | None:
    """The largest magnitude of ``op``'s value on a grid over ``boxes``, with a margin; None if not finite."""
    steps = 33 if len(boxes) == 1 else 9 if len(boxes) == 2 else 3
    grids = [[low + (high - low) * k / (steps - 1) for k in range(steps)] for low, high in boxes]
    largest = 0.0
    for point in itertools.product(*grids):
        try:
            y = float(op.value(*point))
        except (ArithmeticError, ValueError):
            return None
        if not math.isfinite(y):
            return None
        largest = max(largest, abs(y))
    return 2.0 * largest + 1.0


class Expression:
    """A random formula in ``n_inputs`` variables ``x0, x1, ...``, drawn by :func:`expressions`.

    Calling it with Values builds the computation graph and returns a Value;
    calling it with floats returns a float, computed by the same operators and
    module functions (``sum`` and ``dot`` of floats by ``math.fsum``, as the
    engine computes them). A node used twice is one node of the graph, as a
    variable used twice in a program is.

    ``repr`` is a lambda that evaluates to the same function after
    ``from scalargrad import *``, so a failing hypothesis example can be pasted
    and rerun as it stands; a shared node is named where it is first computed
    (``(t0 := tanh(x0)) * t0``), so the pasted lambda builds the same graph.
    ``str`` is the formula written out in full, shared nodes repeated: plain
    mathematics, which :mod:`scalargrad.cli.formula` parses too.

    >>> from hypothesis import find
    >>> ops = ["add", "mul", "tanh"]
    >>> expr = find(expressions(n_inputs=2, ops=ops), lambda e: "tanh" in str(e) and "x1" in str(e))
    >>> expr
    lambda x0, x1: tanh(x1)
    >>> expr(0.0, 0.5) == math.tanh(0.5)
    True
    >>> from random import Random
    >>> from hypothesis import settings
    >>> some = settings(database=None, max_examples=2000)
    >>> shared = find(expressions(ops=ops), lambda e: e.shared and str(e).startswith("tanh(x0) "), settings=some, random=Random(0))
    >>> shared
    lambda x0: (t0 := tanh(x0)) + t0
    >>> shared.shared, str(shared)
    (('t0',), 'tanh(x0) + tanh(x0)')
    """

    def __init__(self, root: _Node, n_inputs: int) -> None:
        self._root = root
        self.n_inputs = n_inputs
        self._shared = _shared_nodes(root)
        self.formula = _Names(self._shared, expand=True).show(root, 0)
        self.source = _Names(self._shared, expand=False).show(root, 0)
        self.__name__ = self.formula  # what gradcheck calls the function

    @property
    def shared(self) -> tuple[str, ...]:
        """The names of the nodes used more than once (``t0``, ``t1``, ...), in the order they are computed.

        >>> from hypothesis import find
        >>> find(expressions(n_inputs=2, ops=["add", "tanh"]), lambda e: "x1" in str(e)).shared
        ()
        """
        return tuple(self._shared.values())

    def __call__(self, *xs: Any) -> Any:
        if len(xs) != self.n_inputs:
            raise TypeError(f"{self!r} takes {self.n_inputs} inputs, got {len(xs)}")
        out = self._root.evaluate(xs, {})
        if not isinstance(out, Value) and any(isinstance(x, Value) for x in xs):
            out = Value(out)  # an expression without inputs in it is a constant
        return out

    def graph(self, *xs: float, **named: float) -> Value:
        """The expression built on new leaves ``x0, x1, ...`` holding ``xs``, labelled for :func:`scalargrad.draw`.

        Inputs are given in order or by name (``x0=0.5``). The leaves are
        labelled ``x0, x1, ...``, each shared node by its name in ``repr``
        (``t0, t1, ...``) and the result ``y`` (unless it is an input), so a
        failing example can be looked at: ``sg.draw(expr.graph(0.5, -1.0))``.

        >>> from random import Random
        >>> from hypothesis import find, settings
        >>> some = settings(database=None, max_examples=2000)
        >>> expr = find(expressions(ops=["add", "tanh"]), lambda e: e.shared and str(e).startswith("tanh(x0) "), settings=some, random=Random(0))
        >>> expr
        lambda x0: (t0 := tanh(x0)) + t0
        >>> y = expr.graph(0.5)
        >>> y.label, [p.label for p in y.parents], y.parents[0] is y.parents[1]
        ('y', ['t0', 't0'], True)
        """
        values: list[float | None] = list(xs)
        for key, x in named.items():
            if not (key.startswith("x") and key[1:].isdigit()):
                raise TypeError(f"graph() takes inputs x0, x1, ... by name, got {key}=")
            index = int(key[1:])
            while len(values) <= index:
                values.append(None)
            if values[index] is not None:
                raise TypeError(f"graph() got input {key} twice")
            values[index] = x
        given = [v for v in values if v is not None]
        if len(values) != self.n_inputs or len(given) != self.n_inputs:
            raise TypeError(
                f"graph() needs the {self.n_inputs} inputs x0 to x{self.n_inputs - 1}, got {len(xs) + len(named)}"
            )
        leaves = [Value(float(v), label=f"x{i}") for i, v in enumerate(given)]
        memo: dict[int, Any] = {}
        out = self._root.evaluate(leaves, memo)
        if not isinstance(out, Value):
            return Value(out, label="y")  # no input in it: a constant
        for node_id, name in self._shared.items():
            node = memo.get(node_id)
            if isinstance(node, Value) and node.op is not None:
                node.label = name
        if out.op is not None:
            out.label = "y"
        return out

    def __str__(self) -> str:
        return self.formula

    def __repr__(self) -> str:
        return f"lambda {', '.join(f'x{i}' for i in range(self.n_inputs))}: {self.source}"


def _shared_nodes(root: _Node) -> dict[int, str]:
    """The operation nodes reached more than once from ``root``, named t0, t1, ... in the order their text begins."""
    uses: dict[int, int] = {}
    order: list[_Node] = []  # first visits, operands in the order they are written (and computed)

    def visit(node: _Node) -> None:
        uses[id(node)] = uses.get(id(node), 0) + 1
        if uses[id(node)] == 1:
            order.append(node)
            for child in node.children():
                visit(child)

    visit(root)
    shared = [n for n in order if uses[id(n)] > 1 and n.children()]
    return {id(n): f"t{k}" for k, n in enumerate(shared)}


def expressions(
    n_inputs: int = 1,
    max_depth: int = 3,
    ops: Sequence[str] | None = None,
    *,
    input_bound: float = 10.0,
    share: bool = True,
) -> SearchStrategy[Expression]:
    """A strategy of random :class:`Expression` objects in ``n_inputs`` variables.

    Each is a formula of at most ``max_depth`` nested operations drawn from
    ``ops`` (names from :data:`ALL_OPS`, default :data:`DEFAULT_OPS`: every
    smooth operation). Domain-restricted operations are wrapped so that they
    are defined and smooth everywhere: ``log(1 + e**2)``, ``sqrt(1 + e**2)``,
    ``e / (1 + e**2)``, ``(1 + e**2)**c`` and ``(1 + e**2)**e``. ``"pow"`` also
    gives integer powers ``e**2``, ``e**3`` and ``2**e``. Kinked ops (``relu``,
    ``abs``, ...: those declaring kinks) are only drawn when named, since
    finite differences fail at their kinks.

    With ``share=True`` (the default) an operation already drawn may be used
    again as an operand further on, so the graph has nodes with several
    consumers and diamonds (``(t0 := tanh(x0)) * t0``); inputs are shared
    whatever ``share`` says (``x0 * x0``). Hypothesis shrinks towards fresh
    nodes, so a failure that needs a shared node keeps one and any other
    loses it.

    For inputs with ``|x| <= input_bound`` (the range of :func:`finite_floats`
    by default) no intermediate value exceeds 1e4 in magnitude and the
    arguments of ``sin``, ``cos``, ``tanh`` and ``sigmoid`` stay within 100, so
    central differences at gradcheck's default step are accurate to well within
    its default tolerances. To keep to these bounds an input may appear scaled
    by a power of two, as in ``exp(0.5 * x0)``, whatever ``ops`` says.

    >>> from hypothesis import given, settings
    >>> from scalargrad.testing import assert_gradients_match
    >>> @settings(max_examples=20, derandomize=True, database=None)
    ... @given(expressions(n_inputs=2, ops=["add", "mul", "div", "tanh", "exp", "log"]), finite_floats(), finite_floats())
    ... def test_gradients(expr, x0, x1):
    ...     assert_gradients_match(expr, x0, x1)
    >>> test_gradients()
    """
    if isinstance(n_inputs, bool) or not isinstance(n_inputs, int) or n_inputs < 1:
        raise ValueError(f"n_inputs must be a positive int, got {n_inputs!r}")
    if isinstance(ops, str):
        raise ValueError(f"ops must be a sequence of names, got the string {ops!r}")
    if isinstance(max_depth, bool) or not isinstance(max_depth, int) or max_depth < 0:
        raise ValueError(f"max_depth must be an int >= 0, got {max_depth!r}")
    if not (isinstance(input_bound, (int, float)) and 0.0 < input_bound <= _ARGUMENT_BUDGET):
        raise ValueError(f"input_bound must be a number in (0, {_ARGUMENT_BUDGET:g}], got {input_bound!r}")
    if not isinstance(share, bool):
        raise ValueError(f"share must be True or False, got {share!r}")
    chosen = op_names(smooth_only=True) if ops is None else tuple(dict.fromkeys(ops))
    known = op_names()
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise ValueError(f"unknown op name(s) {unknown}; choose from {list(known)}")
    if not chosen:
        raise ValueError("ops must name at least one operation")
    drawer = _Drawer(n_inputs, max_depth, chosen, float(input_bound), share)
    return drawer.expression()


@st.composite
def _nested(draw: Any, drawer: _Drawer, depth: int, budget: float) -> _Node:
    """One node of a formula, drawn by ``drawer``: a strategy of its own, so every node is a span hypothesis can shrink."""
    return drawer.draw_node(draw, depth, budget)


class _Drawer:
    """Draws expressions top-down, each node within a magnitude budget, reusing finished nodes when ``share``."""

    def __init__(
        self, n_inputs: int, max_depth: int, ops: tuple[str, ...], input_bound: float, share: bool = True
    ) -> None:
        self.n_inputs, self.max_depth, self.ops = n_inputs, max_depth, ops
        self.input_bound = input_bound
        self.share = share
        # per drawn expression: the finished operation nodes with their heights, and
        # the deepest level an operation has been drawn at within the node being drawn
        self.pool: list[tuple[_Node, int]] = []
        self.reach = 0

    def expression(self) -> SearchStrategy[Expression]:
        @st.composite
        def draw_expression(draw: Any) -> Expression:
            self.pool, self.reach = [], 0
            return Expression(self.node(draw, 0, _MAX_MAGNITUDE), self.n_inputs)

        return draw_expression()

    # Whether to stop at a leaf is drawn first, and hypothesis shrinks towards
    # stopping, so a failing example shrinks to the least formula that still fails.
    # Whether to reuse a finished node comes next, and hypothesis shrinks towards
    # a fresh one, so a shared node survives shrinking only where the failure needs it.
    def node(self, draw: Any, depth: int, budget: float) -> _Node:
        # Each node is drawn as its own nested strategy, so hypothesis sees the formula's
        # structure and can shrink a node to one of its descendants.
        made: _Node = draw(_nested(self, depth, budget))
        return made

    def draw_node(self, draw: Any, depth: int, budget: float) -> _Node:
        if depth >= self.max_depth or (depth > 0 and not draw(st.booleans())):
            return self.leaf(draw, budget)
        if self.share and self.pool:
            # a finished node fits where its value is within budget and its operations within max_depth
            usable = [(n, h) for n, h in self.pool if n.bound <= budget and h <= self.max_depth - depth]
            if usable and draw(st.booleans()):
                reused: _Node
                reused, height = usable[draw(st.integers(0, len(usable) - 1))]
                self.reach = max(self.reach, depth + height - 1)
                return reused
        eligible = [name for name in self.ops if self.fits(name, budget)]
        if not eligible:
            return self.leaf(draw, budget)
        name = draw(st.sampled_from(eligible))
        outer, self.reach = self.reach, depth
        draw_op: Callable[[Any, int, float], _Node] | None = getattr(self, "draw_" + name, None)
        made = (
            self.draw_any(draw, depth + 1, budget, name)
            if draw_op is None
            else draw_op(draw, depth + 1, budget)
        )
        height = self.reach - depth + 1  # levels of operations, this one included
        self.reach = max(outer, self.reach)
        if made.children():
            self.pool.append((made, height))
        return made

    def leaf(self, draw: Any, budget: float) -> _Node:
        if draw(st.integers(0, 3)) < 3:
            x = _Input(draw(st.integers(0, self.n_inputs - 1)), self.input_bound)
            if x.bound <= budget:
                return x
            # too large here: scale it down by a power of two, as in exp(0.5 * x0)
            scale = 2.0 ** math.floor(math.log2(budget / x.bound))
            return _Binary("*", _Constant(scale), x, scale * x.bound)
        constants = [c for c in (1.0, 0.5, 2.0, -1.0, -0.5, 1.5, 3.0, -2.0) if abs(c) <= budget]
        if not constants:  # a tiny budget: the largest power of two within it
            constants = [2.0 ** math.floor(math.log2(budget))] if budget > 0 else [0.0]
        return _Constant(draw(st.sampled_from(constants)))

    @staticmethod
    def fits(name: str, budget: float) -> bool:
        """Whether ``name`` makes a node within ``budget`` whose children get at least _MIN_BUDGET."""
        return budget >= _SMALLEST_BUDGET.get(name, _MIN_BUDGET)

    # ---- arithmetic

    def _additive(self, draw: Any, depth: int, budget: float, symbol: str) -> _Node:
        left = self.node(draw, depth, budget / 2.0)
        right = self.node(draw, depth, budget - left.bound)
        return _Binary(symbol, left, right, left.bound + right.bound)

    def draw_add(self, draw: Any, depth: int, budget: float) -> _Node:
        return self._additive(draw, depth, budget, "+")

    def draw_sub(self, draw: Any, depth: int, budget: float) -> _Node:
        return self._additive(draw, depth, budget, "-")

    def _product(self, draw: Any, depth: int, budget: float) -> tuple[_Node, _Node]:
        left = self.node(draw, depth, math.sqrt(budget))
        right = self.node(draw, depth, budget / max(left.bound, 1.0))
        return left, right

    def draw_mul(self, draw: Any, depth: int, budget: float) -> _Node:
        left, right = self._product(draw, depth, budget)
        return _Binary("*", left, right, left.bound * right.bound)

    def draw_div(self, draw: Any, depth: int, budget: float) -> _Node:
        numerator = self.node(draw, depth, budget)
        denominator = _one_plus_square(self.node(draw, depth, math.sqrt(_MAX_MAGNITUDE - 1.0)))
        return _Binary("/", numerator, denominator, numerator.bound)

    def draw_neg(self, draw: Any, depth: int, budget: float) -> _Node:
        return _Negative(self.node(draw, depth, budget))

    def draw_pow(self, draw: Any, depth: int, budget: float) -> _Node:
        kinds = ["square", "cube"]
        if budget >= 2.0:
            kinds += ["real", "variable", "exponential"]
        kind = draw(st.sampled_from(kinds))
        if kind in ("square", "cube"):  # e**2, e**3
            k = 2.0 if kind == "square" else 3.0
            base = self.node(draw, depth, budget ** (1.0 / k))
            return _Power(base, _Constant(k), base.bound**k)
        if kind == "real":  # (1 + e**2)**c
            c = draw(
                st.sampled_from([c for c in (0.5, -0.5, 1.5, -1.5) if c < 0 or budget ** (1 / c) >= 2.0])
            )
            room = min(budget ** (1.0 / c), _MAX_MAGNITUDE) if c > 0 else _MAX_MAGNITUDE
            base = _one_plus_square(self.node(draw, depth, math.sqrt(room - 1.0)))
            bound = base.bound**c if c > 0 else 1.0
            return _Power(base, _Constant(c), bound)
        if kind == "variable":  # (1 + e**2)**e2, with |e2| <= 1
            base = _one_plus_square(self.node(draw, depth, math.sqrt(min(budget, _MAX_MAGNITUDE) - 1.0)))
            exponent = self.node(draw, depth, 1.0)
            return _Power(base, exponent, base.bound**exponent.bound)
        # 2**e
        exponent = self.node(draw, depth, min(math.log2(budget), _ARGUMENT_BUDGET))
        return _Power(_Constant(2.0), exponent, 2.0**exponent.bound)

    # ---- functions

    def draw_exp(self, draw: Any, depth: int, budget: float) -> _Node:
        argument = self.node(draw, depth, math.log(budget))
        return _Call("exp", sg.exp, [argument], math.exp(argument.bound))

    # ---- any other op: inputs wrapped into its domain, its magnitude sampled

    def draw_any(self, draw: Any, depth: int, budget: float, name: str) -> _Node:
        """Any op of the registry, by its declared domain and a sampled bound on its value.

        Each input is drawn as an expression and put inside the op's domain:
        as it stands (bounded to 100) where the op is defined everywhere,
        ``low + (1 + e**2)`` above a bound, ``mid + (high - low) * 0.45 * 2e/(1 + e**2)``
        inside an interval. The inputs' room is halved until the op's value,
        sampled over that room, fits the budget; where it never does, a leaf.
        """
        function = registry()[name]
        op = function.op
        arity = function.arity or 2
        room = min(budget, _ARGUMENT_BUDGET)
        for _ in range(24):
            domains = [op.domain_of(i) for i in range(arity)]
            boxes = [_domain_box(domain, room) for domain in domains]
            bound = _sampled_bound(op, boxes)
            inside = max(_largest_intermediate(domain, room) for domain in domains)
            if bound is not None and bound <= budget and inside <= _MAX_MAGNITUDE:
                break
            room /= 2.0
        else:
            return self.leaf(draw, budget)
        arguments = [_into_domain(self.node(draw, depth, room), op.domain_of(i), room) for i in range(arity)]
        return _Call(name, function, arguments, max(bound, 1e-300))

    # ---- n-ary    # ---- n-ary

    def draw_sum(self, draw: Any, depth: int, budget: float) -> _Node:
        n = draw(st.integers(2, 3)) if budget >= 3.0 else 2
        return _Sum([self.node(draw, depth, budget / n) for _ in range(n)])

    def draw_dot(self, draw: Any, depth: int, budget: float) -> _Node:
        n = draw(st.integers(2, 3)) if budget >= 3.0 else 2
        pairs = [self._product(draw, depth, budget / n) for _ in range(n)]
        return _Dot([w for w, _ in pairs], [v for _, v in pairs])
