"""Property-based gradient testing: hypothesis strategies and gradient assertions.

For users (and for scalargrad's own tests) who want to check that a function
built from Values differentiates correctly over many inputs, not just one:

``finite_floats``
    a strategy of ordinary floats in a range (no ``nan``, ``inf`` or subnormals);
``expressions``
    a strategy of random computation graphs, each an :class:`Expression` that is
    called with Values (or floats) and prints as its formula;
``assert_gradients_match``
    :func:`scalargrad.gradcheck` as an assertion that names the function and inputs;
``assert_second_derivative_matches``
    the same for second derivatives: ``grad(grad(f))`` against finite
    differences of ``grad(f)``.

It needs hypothesis (``pip install scalargrad[testing]``):

>>> from hypothesis import given, settings
>>> import scalargrad as sg
>>> @settings(max_examples=20, derandomize=True, database=None)
... @given(finite_floats(-3.0, 3.0))
... def test_tanh_gradient(x):
...     assert_gradients_match(sg.tanh, x)
>>> test_tanh_gradient()
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Union

try:
    from hypothesis import strategies as st
    from hypothesis.strategies import SearchStrategy
except ImportError as error:  # pragma: no cover - exercised by a test that hides hypothesis
    raise ImportError(
        "scalargrad.testing needs the hypothesis package: pip install scalargrad[testing]"
    ) from error

import scalargrad as sg
from scalargrad import Value
from scalargrad.op import registry

__all__ = [
    "finite_floats",
    "expressions",
    "Expression",
    "DEFAULT_OPS",
    "ALL_OPS",
    "op_names",
    "assert_gradients_match",
    "assert_second_derivative_matches",
]

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
    precedence = _ATOM
    bound = 0.0

    def evaluate(self, xs: Sequence[Scalar]) -> Scalar:
        raise NotImplementedError

    def text(self) -> str:
        raise NotImplementedError

    def wrapped(self, below: int) -> str:
        """The text, in parentheses when this node binds less tightly than ``below``."""
        return self.text() if self.precedence >= below else f"({self.text()})"


class _Input(_Node):
    def __init__(self, index: int, bound: float) -> None:
        self.index, self.bound = index, bound

    def evaluate(self, xs: Sequence[Scalar]) -> Scalar:
        return xs[self.index]

    def text(self) -> str:
        return f"x{self.index}"


class _Constant(_Node):
    def __init__(self, c: float) -> None:
        self.c, self.bound = c, abs(c)
        self.precedence = _UNARY if c < 0 else _ATOM

    def evaluate(self, xs: Sequence[Scalar]) -> Scalar:
        return self.c

    def text(self) -> str:
        return _number_text(self.c)


class _Call(_Node):
    """``name(arguments...)``, by a function that takes Values or floats."""

    def __init__(self, name: str, function: Callable[..., Scalar], arguments: list[_Node], bound: float) -> None:
        self.name, self.function, self.arguments, self.bound = name, function, arguments, bound

    def evaluate(self, xs: Sequence[Scalar]) -> Scalar:
        return self.function(*(argument.evaluate(xs) for argument in self.arguments))

    def text(self) -> str:
        return f"{self.name}({', '.join(argument.text() for argument in self.arguments)})"


class _Negative(_Node):
    precedence = _UNARY

    def __init__(self, operand: _Node) -> None:
        self.operand, self.bound = operand, operand.bound

    def evaluate(self, xs: Sequence[Scalar]) -> Scalar:
        return -self.operand.evaluate(xs)

    def text(self) -> str:
        # -x**2 is -(x**2) in Python, so a power needs no parentheses here
        return "-" + self.operand.wrapped(_UNARY + 1)


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

    def evaluate(self, xs: Sequence[Scalar]) -> Scalar:
        return self.function(self.left.evaluate(xs), self.right.evaluate(xs))

    def text(self) -> str:
        # Left-associative: the right operand is bracketed at equal precedence,
        # so the printed formula evaluates in exactly the same order; a negative
        # one is bracketed for the eye, as in x0 - (-1).
        left = self.left.wrapped(self.precedence)
        right = self.right.wrapped(max(self.precedence, _UNARY) + 1)
        return f"{left} {self.symbol} {right}"


class _Power(_Node):
    precedence = _POWER

    def __init__(self, base: _Node, exponent: _Node, bound: float) -> None:
        self.base, self.exponent, self.bound = base, exponent, bound

    def evaluate(self, xs: Sequence[Scalar]) -> Scalar:
        return self.base.evaluate(xs) ** self.exponent.evaluate(xs)

    def text(self) -> str:
        # ** is right-associative and binds tighter than a unary minus on its left
        return f"{self.base.wrapped(_POWER + 1)}**{self.exponent.wrapped(_POWER)}"


class _Sum(_Node):
    def __init__(self, terms: list[_Node]) -> None:
        self.terms = terms
        self.bound = math.fsum(t.bound for t in terms)

    def evaluate(self, xs: Sequence[Scalar]) -> Scalar:
        values = [t.evaluate(xs) for t in self.terms]
        if any(isinstance(v, Value) for v in values):
            return sg.sum(values)
        return math.fsum(values)  # what sg.sum computes, as a float

    def text(self) -> str:
        return f"sum([{', '.join(t.text() for t in self.terms)}])"


class _Dot(_Node):
    def __init__(self, ws: list[_Node], vs: list[_Node]) -> None:
        self.ws, self.vs = ws, vs
        self.bound = math.fsum(w.bound * v.bound for w, v in zip(ws, vs))

    def evaluate(self, xs: Sequence[Scalar]) -> Scalar:
        ws = [w.evaluate(xs) for w in self.ws]
        vs = [v.evaluate(xs) for v in self.vs]
        if any(isinstance(v, Value) for v in ws + vs):
            return sg.dot(ws, vs)
        return math.fsum(w * v for w, v in zip(ws, vs))  # what sg.dot computes, as a float

    def text(self) -> str:
        ws = ", ".join(w.text() for w in self.ws)
        vs = ", ".join(v.text() for v in self.vs)
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
    return tuple(
        name for name, function in registry().items()
        if not (smooth_only and function.op.kinks)
    )


def __getattr__(name: str) -> Any:
    # DEFAULT_OPS and ALL_OPS are read from the registry on every use (PEP 562).
    if name == "DEFAULT_OPS":
        return op_names(smooth_only=True)
    if name == "ALL_OPS":
        return op_names()
    raise AttributeError(f"module 'scalargrad.testing' has no attribute {name!r}")


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
        return _Binary("+", _Constant(low), _one_plus_square(e), abs(low) + 1.0 + e.bound**2) if low else _one_plus_square(e)
    if math.isinf(low):  # high - (1 + e**2)
        return _Binary("-", _Constant(high), _one_plus_square(e), abs(high) + 1.0 + e.bound**2)
    # middle + (high - low) * 0.45 * 2e / (1 + e**2): 2e/(1 + e²) lies in [-1, 1]
    middle, half = (low + high) / 2.0, (high - low) * 0.45
    squashed = _Binary("/", _Binary("*", _Constant(2.0 * half), e, 2.0 * half * e.bound), _one_plus_square(e), half)
    return _Binary("+", _Constant(middle), squashed, abs(middle) + half) if middle else squashed


def _sampled_bound(op: Any, boxes: list[tuple[float, float]]) -> float | None:
    """The largest magnitude of ``op``'s value on a grid over ``boxes``, with a margin; None if not finite."""
    import itertools

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
    engine computes them). ``str`` is the formula and ``repr`` a lambda that
    evaluates to the same function after ``from scalargrad import *``, so a
    failing hypothesis example can be pasted and rerun as it stands.

    >>> from hypothesis import find
    >>> expr = find(expressions(n_inputs=2), lambda e: "tanh" in str(e) and "x1" in str(e))
    >>> expr
    lambda x0, x1: tanh(x1)
    >>> expr(0.0, 0.5) == math.tanh(0.5)
    True
    """

    def __init__(self, root: _Node, n_inputs: int) -> None:
        self._root = root
        self.n_inputs = n_inputs
        self.formula = root.text()
        self.__name__ = self.formula  # what gradcheck calls the function

    def __call__(self, *xs: Any) -> Any:
        if len(xs) != self.n_inputs:
            raise TypeError(f"{self!r} takes {self.n_inputs} inputs, got {len(xs)}")
        out = self._root.evaluate(xs)
        if not isinstance(out, Value) and any(isinstance(x, Value) for x in xs):
            out = Value(out)  # an expression without inputs in it is a constant
        return out

    def __str__(self) -> str:
        return self.formula

    def __repr__(self) -> str:
        return f"lambda {', '.join(f'x{i}' for i in range(self.n_inputs))}: {self.formula}"


def expressions(
    n_inputs: int = 1,
    max_depth: int = 3,
    ops: Sequence[str] | None = None,
    *,
    input_bound: float = 10.0,
) -> SearchStrategy[Expression]:
    """A strategy of random :class:`Expression` objects in ``n_inputs`` variables.

    Each is a tree of at most ``max_depth`` operations drawn from ``ops``
    (names from :data:`ALL_OPS`, default :data:`DEFAULT_OPS`: every smooth
    operation). Domain-restricted operations are wrapped so that they are
    defined and smooth everywhere: ``log(1 + e**2)``, ``sqrt(1 + e**2)``,
    ``e / (1 + e**2)``, ``(1 + e**2)**c`` and ``(1 + e**2)**e``. ``"pow"`` also
    gives integer powers ``e**2``, ``e**3`` and ``2**e``. The kinked ``relu``,
    ``leaky_relu`` (default slope) and ``abs`` are only drawn when named, since
    finite differences fail at their kinks.

    For inputs with ``|x| <= input_bound`` (the range of :func:`finite_floats`
    by default) no intermediate value exceeds 1e4 in magnitude and the
    arguments of ``sin``, ``cos``, ``tanh`` and ``sigmoid`` stay within 100, so
    central differences at gradcheck's default step are accurate to well within
    its default tolerances. To keep to these bounds an input may appear scaled
    by a power of two, as in ``exp(0.5 * x0)``, whatever ``ops`` says.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=20, derandomize=True, database=None)
    ... @given(expressions(n_inputs=2), finite_floats(), finite_floats())
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
    chosen = op_names(smooth_only=True) if ops is None else tuple(dict.fromkeys(ops))
    known = op_names()
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise ValueError(f"unknown op name(s) {unknown}; choose from {list(known)}")
    if not chosen:
        raise ValueError("ops must name at least one operation")
    drawer = _Drawer(n_inputs, max_depth, chosen, float(input_bound))
    return drawer.expression()


class _Drawer:
    """Draws expression trees top-down, each node within a magnitude budget."""

    def __init__(self, n_inputs: int, max_depth: int, ops: tuple[str, ...], input_bound: float) -> None:
        self.n_inputs, self.max_depth, self.ops = n_inputs, max_depth, ops
        self.input_bound = input_bound

    def expression(self) -> SearchStrategy[Expression]:
        @st.composite
        def draw_expression(draw: Any) -> Expression:
            return Expression(self.node(draw, 0, _MAX_MAGNITUDE), self.n_inputs)

        return draw_expression()

    # Whether to stop at a leaf is drawn first, and hypothesis shrinks towards
    # stopping, so a failing example shrinks to the least formula that still fails.
    def node(self, draw: Any, depth: int, budget: float) -> _Node:
        if depth >= self.max_depth or (depth > 0 and not draw(st.booleans())):
            return self.leaf(draw, budget)
        eligible = [name for name in self.ops if self.fits(name, budget)]
        if not eligible:
            return self.leaf(draw, budget)
        name = draw(st.sampled_from(eligible))
        draw_op: Callable[[Any, int, float], _Node] | None = getattr(self, "draw_" + name, None)
        if draw_op is None:
            return self.draw_any(draw, depth + 1, budget, name)
        return draw_op(draw, depth + 1, budget)

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
            c = draw(st.sampled_from([c for c in (0.5, -0.5, 1.5, -1.5) if c < 0 or budget**(1 / c) >= 2.0]))
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


# --------------------------------------------------------------- assertions


def _describe(f: Callable[..., Any], inputs: Sequence[Any]) -> str:
    shown = ", ".join(repr(x.data if isinstance(x, Value) else x) for x in inputs)
    # A function by its name (its repr holds a memory address, different on
    # every run); anything else, such as an Expression, by its repr.
    name = f"{f.__module__}.{f.__qualname__}" if inspect.isfunction(f) else repr(f)
    return f"  function: {name}\n  inputs: ({shown})"


def assert_gradients_match(
    f: Callable[..., Any],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> None:
    """Assert that scalargrad's gradient of ``f`` at ``inputs`` matches central differences.

    The check is :func:`scalargrad.gradcheck`'s; on a mismatch the
    ``AssertionError`` carries its table (input, value, analytic, numeric,
    difference) followed by ``f``'s repr and the inputs.

    >>> import scalargrad as sg
    >>> assert_gradients_match(lambda x, y: sg.sin(x) * y, 0.5, 2.0)
    >>> assert_gradients_match(lambda x: x * x.data, 3.0)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: gradient of <lambda> does not match finite differences (eps=1e-06, atol=1e-05, rtol=0.001):
      input  value  analytic  numeric  difference
    * x0     3      3         6        3
      function: ...<lambda>
      inputs: (3.0)
    """
    try:
        sg.gradcheck(f, *inputs, eps=eps, atol=atol, rtol=rtol)
    except AssertionError as mismatch:
        raise AssertionError(f"{mismatch}\n{_describe(f, inputs)}") from None


def assert_second_derivative_matches(
    f: Callable[..., Any],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-4,
    rtol: float = 1e-3,
) -> None:
    """Assert that ``grad(grad(f))`` matches central differences of ``grad(f)``.

    Every second derivative ``d2f / dxi dxj`` is checked: the analytic one
    differentiates the graph that ``grad`` builds, and the numeric one is
    ``(g(x + eps e_j) - g(x - eps e_j)) / (2 eps)`` for ``g = grad(f, argnums=i)``.
    They match when ``|analytic - numeric| <= atol + rtol * |numeric|``.

    >>> import scalargrad as sg
    >>> assert_second_derivative_matches(lambda x, y: sg.tanh(x * y), 0.3, -0.7)
    >>> assert_second_derivative_matches(lambda x: x * x * x.data, 2.0)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: second derivatives of <lambda> do not match finite differences of its gradient (eps=1e-06, atol=0.0001, rtol=0.001):
      derivative  value  analytic  numeric  difference
    * d2/dx0dx0   2      4         8        4
      function: ...<lambda>
      inputs: (2.0)
    """
    if not inputs:
        raise ValueError("assert_second_derivative_matches needs at least one input")
    points = [x.data if isinstance(x, Value) else float(x) for x in inputs]
    n = len(points)
    every = tuple(range(n))
    first = sg.grad(f, argnums=every)

    def derivative(i: int) -> Callable[..., Any]:
        return lambda *xs: sg.grad(f, argnums=i)(*xs)

    analytic = [sg.grad(derivative(i), argnums=every)(*points) for i in range(n)]
    numeric: list[list[float]] = [[0.0] * n for _ in range(n)]
    for j in range(n):
        plus, minus = list(points), list(points)
        plus[j] += eps
        minus[j] -= eps
        for i, (up, down) in enumerate(zip(first(*plus), first(*minus))):
            numeric[i][j] = (up - down) / (2.0 * eps)
    rows, ok = [], True
    for i in range(n):
        for j in range(n):
            a, b = float(analytic[i][j]), numeric[i][j]
            good = abs(a - b) <= atol + rtol * abs(b) if math.isfinite(a) and math.isfinite(b) else a == b
            ok = ok and good
            rows.append((("  " if good else "* ") + f"d2/dx{i}dx{j}", points[j], a, b, abs(a - b)))
    if ok:
        return
    header = ("  derivative", "value", "analytic", "numeric", "difference")
    cells = [header] + [(r[0], *(f"{v:.9g}" for v in r[1:])) for r in rows]
    widths = [max(len(row[c]) for row in cells) for c in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    name = getattr(f, "__name__", type(f).__name__)
    raise AssertionError(
        f"second derivatives of {name} do not match finite differences of its gradient "
        f"(eps={eps!r}, atol={atol!r}, rtol={rtol!r}):\n" + "\n".join(lines) + "\n" + _describe(f, inputs)
    )
