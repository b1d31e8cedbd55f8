"""The op API: an operation defined once, used by the engine, the renderers and the tests alike.

An op says, in one place:

- its **value** from floats;
- its **local derivatives**, one per input, as a rule ``derivatives(*inputs, out)``
  written with scalargrad's own operators and functions. The engine runs the
  same rule on floats for an ordinary backward pass and on Values when a
  gradient must itself be differentiated (``grad(grad(f))``), so one rule
  serves every order, as in HIPS autograd's ``defvjp``;
- how it is **written** (:class:`Notation`), where it is **defined** and where
  it has **kinks**, so drawings, ``explain`` and testing strategies know it.

A user defines an op exactly as the built-ins are defined:

>>> import scalargrad as sg
>>> @sg.op(derivatives=lambda x, out: 1 / (1 + x ** 2) ** 1.5)
... def isru(x):
...     "The inverse square root unit, x / sqrt(1 + x²)."
...     return x / (1 + x * x) ** 0.5
>>> y = isru(sg.Value(0.7, label="x"))
>>> y.op.name, len(y.parents), round(y.data, 6)
('isru', 1, 0.573462)
>>> isru(0.7) == 0.7 / 1.49 ** 0.5          # plain numbers give a plain float
True
>>> round(sg.grad(sg.grad(isru))(0.7), 6)  # the rule above, differentiated: -3x / (1 + x²)^(5/2)
-0.774914
>>> unregister("isru")                     # (the registry is global: leave it as it was)

The trap to avoid: ``Value`` has ``__float__``, so a rule written with
``math.cos(x)`` would quietly turn ``x`` into a float and lose the second
derivative. The engine notices when it runs the rule on Values and says so;
write ``sg.cos(x)``.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, Union, overload

from scalargrad.backward import chain_rule
from scalargrad.ieee import as_real as _operand_float
from scalargrad.modes import numbers_only
from scalargrad.modes import state as _mode
from scalargrad.value import Value, binary_operators, constant, make_node, unary_operator

__all__ = [
    "Notation",
    "Op",
    "OpFunction",
    "BoundOp",
    "op",
    "registry",
    "lookup",
    "unregister",
    "Interval",
]

Interval = tuple[float, float]
Derivative = Union[Value, float]
Spelling = Literal["function", "operator", "builtin"]
_F = TypeVar("_F", bound="OpFunction")

_INF = math.inf


# ------------------------------------------------------------------ notation


@dataclass(frozen=True)
class Notation:
    """How an op is written in drawings and ``explain``: plain data, read by :mod:`scalargrad.viz.notation`.

    ``form`` is one of

    ``"call"``
        ``symbol(x, y)`` (the default; ``symbol`` defaults to the op's name);
    ``"infix"``
        ``x symbol y``, binding as a ``"sum"`` or a ``"product"`` (``precedence``);
    ``"prefix"``
        ``symbol x`` (unary minus);
    ``"power"``
        ``x^y``, with a number exponent as a superscript;
    ``"template"``
        ``symbol`` with ``{0}``, ``{1}``... for the operands (``"|{0}|"``);
    ``"sum"`` / ``"dot"``
        ``a + b + …`` / ``w1 × x1 + …`` for the n-ary ops.

    ``latex`` is the LaTeX symbol or template (default ``\\operatorname{name}``).
    ``derivative`` says how a local derivative is written: ``"rule"`` (the
    default) writes the op's derivative rule in symbols, ``"prime"`` writes
    ``name'(x)`` (or ``∂₂name(x, y)`` for the second of several inputs).

    >>> Notation(symbol="σ", latex=r"\\sigma")
    Notation(form='call', symbol='σ', latex='\\\\sigma', precedence='product', derivative='rule')
    """

    form: Literal["call", "infix", "prefix", "power", "template", "sum", "dot"] = "call"
    symbol: str = ""
    latex: str = ""
    precedence: Literal["sum", "product"] = "product"
    derivative: Literal["rule", "prime"] = "rule"

    def __post_init__(self) -> None:
        if self.form not in ("call", "infix", "prefix", "power", "template", "sum", "dot"):
            raise ValueError(
                f"Notation form must be call, infix, prefix, power, template, sum or dot, got {self.form!r}"
            )
        if self.derivative not in ("rule", "prime"):
            raise ValueError(f"Notation derivative must be 'rule' or 'prime', got {self.derivative!r}")
        if self.precedence not in ("sum", "product"):
            raise ValueError(f"Notation precedence must be 'sum' or 'product', got {self.precedence!r}")


# ------------------------------------------------------------------------ Op


class Op:
    """One kind of node. Subclass it, or let :func:`op` make one from two functions.

    Class attributes: ``name``; ``arity`` (inputs; ``None`` for any number);
    ``notation``; ``domain``, the open interval each input is drawn from in
    tests (one for all inputs, or one per input); ``kinks``, the points where
    the derivative jumps; ``masks``, whether :meth:`mask` blocks some edges.
    Methods: :meth:`value` and :meth:`derivatives`; :meth:`mask` where
    ``masks``; and, for the few ops that dominate real graphs, a fast
    :meth:`backprop` (a property test proves each equals the general rule).

    >>> import scalargrad as sg
    >>> class Cube(sg.Op):
    ...     "x³; d/dx = 3x²."
    ...     name = "cube"
    ...     def value(self, x):
    ...         return x ** 3
    ...     def derivatives(self, x, out):
    ...         return 3 * x ** 2
    >>> cube = sg.op(Cube)
    >>> sg.grad(cube)(2.0), sg.grad(sg.grad(cube))(2.0)
    (12.0, 12.0)
    >>> sg.op.unregister("cube")
    """

    name: str = ""
    arity: int | None = 1
    notation: Notation = Notation()
    domain: Interval | tuple[Interval, ...] = (-_INF, _INF)
    kinks: tuple[float, ...] = ()
    masks: bool = False

    def value(self, *xs: float) -> float:
        """The result from the inputs' floats."""
        raise NotImplementedError(f"op {self.name!r} defines no value()")

    def derivatives(self, *args: Any) -> Any:
        """``d out / d input`` for each input, from ``(*inputs, out)``: floats, or Values to differentiate again."""
        raise NotImplementedError(f"op {self.name!r} defines no derivatives()")

    def mask(self, *xs: float) -> Sequence[bool]:
        """For each input, whether its edge is masked at these inputs (nothing flows); see :func:`chain_rule`."""
        return (False,) * len(xs)

    def params(self) -> dict[str, float]:
        """The op's own numbers, such as a leaky ReLU's slope, and any number operand it keeps.

        >>> import scalargrad as sg
        >>> (1 - sg.Value(0.5)).op.params()
        {'left': 1.0}
        """
        return {}

    def constants(self) -> tuple[tuple[int, float], ...]:
        """The number operands kept in the op, as (position, number) pairs (see :class:`BoundOp`)."""
        return ()

    def domain_of(self, position: int) -> Interval:
        """The open interval input ``position`` is drawn from in tests.

        >>> from scalargrad.ops import LOG
        >>> LOG.domain_of(0)
        (0.0, inf)
        """
        domain = self.domain
        if domain and isinstance(domain[0], tuple):
            return domain[position]  # one interval per input
        return domain  # type: ignore[return-value]  # one interval for all inputs

    # ---------------------------------------------------- number operands

    def bound_ops(self, position: int) -> dict[float, Op]:
        """The shared ops that keep one number at ``position``, by number (the operators look here first)."""
        caches: dict[int, dict[float, Op]] = self.__dict__.setdefault("_bound", {})
        return caches.setdefault(position, {})

    def bind(self, numbers: Mapping[int, float]) -> Op:
        """This op with the inputs at some positions fixed to numbers, which then live in the op.

        ``x * 2`` is one node with one parent whose op is ``MUL.bind({1: 2.0})``,
        as PyTorch keeps a Python number in its node. One op is shared per
        number (see :func:`_shared`).

        >>> from scalargrad.ops import SUB
        >>> SUB.bind({0: 1.0}).value(0.25)
        0.75
        """
        if len(numbers) == 1:
            ((position, number),) = numbers.items()
            bound: Op = _shared(
                self.bound_ops(position), number, lambda: self.bound_class(position)(self, numbers)
            )
            return bound
        return BoundOp(self, numbers)

    def bound_class(self, position: int) -> type[BoundOp]:
        """The class of this op with a number at ``position``: :class:`BoundOp`, or a subclass with a fast path."""
        return BoundOp

    # --------------------------------------------------- running the rule

    def local_derivatives(self, node: Value) -> tuple[float, ...]:
        """The rule on the node's floats: ``d node / d parent`` for each parent.

        Python's float arithmetic raises (``1 / 0.0``) or goes complex
        (``(-8.0) ** 0.5``) where IEEE-754 gives ``inf`` or ``nan``; there the
        rule is run again on Values, which follow IEEE-754 as PyTorch does.

        >>> import scalargrad as sg
        >>> (1 / sg.Value(0.0)).op.local_derivatives(1 / sg.Value(0.0))
        (-inf,)
        """
        xs = [p.data for p in node.parents]
        try:
            return self._floats(self.derivatives(*xs, node.data), len(xs), retry=True)
        except (ArithmeticError, _NotReal):
            with numbers_only():
                ds = self.derivatives(*[constant(x) for x in xs], constant(node.data))
            return self._floats(ds, len(xs), retry=False)

    def graph_derivatives(self, node: Value) -> tuple[Derivative, ...]:
        """The rule on the node's parents and the node itself: derivatives that can be differentiated again.

        >>> import scalargrad as sg
        >>> x = sg.Value(2.0)
        >>> d, = (x ** 3).op.graph_derivatives(x ** 3)    # 3 x²
        >>> d.data, d.parents[0] is not None
        (12.0, True)
        """
        return self.rule_on_values(node.parents, node)

    def rule_on_values(self, inputs: Sequence[Value], out: Value) -> tuple[Derivative, ...]:
        """The derivative rule run on Values ``inputs`` and ``out``: the derivatives, built as graphs.

        A rule that turns a Value into a float (``math.cos(x)``) raises
        ``TypeError`` here: the derivative of that derivative would be lost.
        """
        saved, _mode.rule = _mode.rule, self.name
        try:
            ds = self.derivatives(*inputs, out)
        except FloatingPointError as error:  # detect_anomaly: say which rule made the nan or inf
            raise FloatingPointError(f"in the derivative rule of {self.name}: {error}") from None
        finally:
            _mode.rule = saved
        return self._derivatives(ds, len(inputs))

    def masked(self, node: Value) -> tuple[bool, ...]:
        """For each parent of ``node``, whether its edge is masked (see :func:`chain_rule`)."""
        if not self.masks:
            return (False,) * len(node.parents)
        return tuple(bool(m) for m in self.mask(*[p.data for p in node.parents]))

    def backprop(self, node: Value, g: float) -> None:
        """The chain rule at one node: add ``g × d node / d parent`` to each parent's ``.grad``.

        The general rule, from :meth:`local_derivatives` and :func:`chain_rule`;
        the hottest ops override it with the same formulas written out.
        """
        a, b = node._a, node._b
        if not self.masks and type(a) is Value:
            # The common shapes first: one or two parents, the rule giving floats.
            try:
                ds = (
                    self.derivatives(a.data, node.data)
                    if b is None
                    else self.derivatives(a.data, b.data, node.data)
                )
            except ArithmeticError:
                ds = None  # the general way below runs the rule again, on Values
            if b is None:
                if type(ds) is tuple and len(ds) == 1:
                    ds = ds[0]
                if type(ds) is float:
                    a.grad += g * ds
                    return
            elif type(ds) is tuple and len(ds) == 2 and type(ds[0]) is float and type(ds[1]) is float:
                a.grad += g * ds[0]
                b.grad += g * ds[1]
                return
        for parent, d, masked in zip(node.parents, self.local_derivatives(node), self.masked(node)):
            contribution = chain_rule(g, d, masked)
            if contribution is not None:
                parent.grad += contribution

    # -------------------------------------------------------------- checks

    def _floats(self, ds: Any, count: int, retry: bool) -> tuple[float, ...]:
        # The common answers first: one float, or a tuple of floats of the right length.
        if type(ds) is float and count == 1:
            return (ds,)
        if type(ds) is tuple and len(ds) == count and all(type(d) is float for d in ds):
            return ds
        ds = self._derivatives(ds, count)
        out = []
        for d in ds:
            if type(d) is float:
                out.append(d)
            elif isinstance(d, Value):
                out.append(d.data)
            elif isinstance(d, complex):
                if retry:
                    raise _NotReal
                raise TypeError(f"op {self.name!r}: its derivative rule gave the complex number {d!r}")
            else:
                out.append(float(d))
        return tuple(out)

    def _derivatives(self, ds: Any, count: int) -> tuple[Derivative, ...]:
        """``ds`` as a tuple of one derivative per input, or a TypeError naming the op."""
        if not isinstance(ds, (tuple, list)):
            ds = (ds,)
        if len(ds) != count:
            raise TypeError(
                f"op {self.name!r}: its derivative rule returned {len(ds)} derivative"
                f"{'s' if len(ds) != 1 else ''} for {count} input{'s' if count != 1 else ''}; "
                "return one per input, in order"
            )
        checked: list[Derivative] = []
        for i, d in enumerate(ds):
            if type(d) is float or isinstance(d, Value):
                checked.append(d)
            elif isinstance(d, complex):
                checked.append(d)  # type: ignore[arg-type]  # the float path retries on Values
            elif isinstance(d, (int, float)) and not isinstance(d, bool):
                checked.append(float(d))
            else:
                raise TypeError(
                    f"op {self.name!r}: derivative {i} of its rule is {type(d).__name__} {d!r}; "
                    "a derivative must be a number or a Value"
                )
        return tuple(checked)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"<op {self.name}{'(' + params + ')' if params else ''}>"


class _NotReal(Exception):
    """A derivative rule went complex on floats: run it again on Values."""


# ------------------------------------------------------------ number operands


class BoundOp(Op):
    """An op with some inputs fixed to numbers: ``1 - x`` is ``sub`` with 1.0 kept at position 0.

    The number is not a node: the node has one parent fewer, and the op says
    where the number goes. Its value, rule, mask and notation are the base
    op's, with the numbers put back in place. ``params()`` names the number
    ``left`` or ``right`` for a two-input op, ``input<i>`` otherwise.

    >>> import scalargrad as sg
    >>> y = 0.9 - sg.Value(0.5)
    >>> y.op, y.op.base.name, len(y.parents)
    (<op sub(left=0.9)>, 'sub', 1)
    """

    def __init__(self, base: Op, numbers: Mapping[int, float]) -> None:
        self.base = base
        self.numbers = tuple(sorted((int(i), float(c)) for i, c in numbers.items()))
        self.number = self.numbers[0][1]  # the first (usually only) one, for fast paths
        self.name = base.name
        self.notation = base.notation
        self.kinks = base.kinks
        self.masks = base.masks
        self.arity = None if base.arity is None else base.arity - len(self.numbers)
        positions = {i for i, _ in self.numbers}
        self._free = tuple(i for i in range(base.arity or 0) if i not in positions)

    def constants(self) -> tuple[tuple[int, float], ...]:
        return self.numbers

    def params(self) -> dict[str, float]:
        named = dict(self.base.params())
        for position, number in self.numbers:
            named[_position_name(position, self.base.arity)] = number
        return named

    def domain_of(self, position: int) -> Interval:
        return self.base.domain_of(self._free[position])

    def _all(self, xs: Sequence[Any]) -> list[Any]:
        full = list(xs)
        for position, number in self.numbers:
            full.insert(position, number)
        return full

    def value(self, *xs: float) -> float:
        return self.base.value(*self._all(xs))

    def derivatives(self, *args: Any) -> Any:
        *xs, out = args
        full = self._all(xs)
        try:
            ds = self.base.derivatives(*full, out)
        except ArithmeticError:
            if not any(type(x) is Value for x in xs):
                raise  # on floats, the caller runs the rule again on Values
            # Arithmetic among the numbers alone (1 / c) raised: as constant
            # leaves they follow IEEE-754 too.
            for position, number in self.numbers:
                full[position] = constant(number)
            ds = self.base.derivatives(*full, out)
        ds = self.base._derivatives(ds, len(full))
        return tuple(ds[i] for i in self._free)

    def mask(self, *xs: float) -> Sequence[bool]:
        masks = self.base.mask(*self._all(xs))
        return tuple(masks[i] for i in self._free)


def _position_name(position: int, arity: int | None) -> str:
    if arity == 2:
        return "left" if position == 0 else "right"
    return f"input{position}"


def _shared(cache: dict[Any, Any], number: float, make: Callable[[], Any]) -> Any:
    """The op kept in ``cache`` under ``number``, made (and kept, while there is room) if missing.

    0.0 and -0.0 are equal as keys but give different results (1 / x), so
    they are kept apart, under ``("zero", sign)``; nan is never kept (it is
    never equal to itself, so a kept one would never be found again). Bounded,
    so a program that uses a fresh number every step cannot grow it.

    >>> cache = {}
    >>> _shared(cache, -0.0, lambda: "negative zero"), _shared(cache, 0.0, lambda: "zero")
    ('negative zero', 'zero')
    >>> _shared(cache, -0.0, lambda: "made again")
    'negative zero'
    """
    key: Any = number if number != 0.0 else ("zero", math.copysign(1.0, number))
    found = cache.get(key) if number == number else None
    if found is None:
        found = make()
        if number == number and len(cache) < 1024:
            cache[key] = found
    return found


# --------------------------------------------------------- functions of ops


class OpFunction:
    """What an op is called through: ``sg.tanh(x)``, a user's ``isru(x)``.

    Called with any Value among its inputs, it returns one node of the graph;
    with plain numbers only, a float computed by the same value function.
    ``op`` is the op (for an op with parameters, such as ``leaky_relu``'s slope,
    the op with the default parameters); ``parameters`` the names and defaults
    of those parameters; ``spelling`` how users write it (``"function"``,
    ``"operator"`` for ``+ - * / **`` and unary ``-``, ``"builtin"`` for ``abs()``).

    >>> import scalargrad as sg
    >>> sg.tanh.op, sg.tanh.arity, sg.leaky_relu.parameters
    (<op tanh>, 1, (('slope', 0.01),))
    """

    def __init__(
        self,
        family: type[Op] | Op,
        *,
        spelling: Spelling = "function",
        method: bool = False,
        dunders: tuple[str, ...] = (),
        doc: str | None = None,
    ) -> None:
        if isinstance(family, Op):
            self._family: type[Op] | None = None
            self.parameters: tuple[tuple[str, float], ...] = ()
            self.op = family
        else:
            self._family = family
            self.parameters = _parameters_of(family)
            self.op = family(*[default for _, default in self.parameters])
        self.name = self.op.name
        self.arity = self.op.arity
        self.spelling = spelling
        self.method = method
        self.dunders = dunders
        self._instances: dict[float, Op] = {}
        self.__name__ = self.__qualname__ = self.name
        self.__doc__ = doc if doc is not None else (inspect.getdoc(family) or None)
        self.__module__ = type(self.op).__module__ if self._family is not None else self.op.__module__

    def __repr__(self) -> str:
        return f"<op function {self.name}>"

    # ------------------------------------------------------------ ops

    def instance(self, *params: float) -> Op:
        """The op for these parameter values (shared per value), e.g. the leaky ReLU of slope 0.2."""
        if not params:
            return self.op
        if self._family is None:
            raise TypeError(f"{self.name}() takes no parameters")
        if len(params) > len(self.parameters):
            raise TypeError(f"{self.name}() takes {len(self.parameters)} parameter(s), got {len(params)}")
        values = []
        for (pname, _), given in zip(self.parameters, params):
            number = _operand_float(given) if not isinstance(given, Value) else None
            if number is None:
                raise TypeError(
                    f"{pname} of {self.name}() must be a real number, got {type(given).__name__} {given!r}"
                )
            values.append(number)
        family = self._family
        if len(values) == 1:
            shared: Op = _shared(self._instances, values[0], lambda: family(*values))
            return shared
        return family(*values)  # a family is a class, never None here

    def from_params(self, params: Mapping[str, float]) -> Op:
        """The op a trace record describes: its name's op with these ``params`` (parameters and kept numbers).

        >>> import scalargrad as sg
        >>> lookup("sub").from_params({"left": 0.9}).value(0.4)
        0.5
        """
        own = [params.get(pname, default) for pname, default in self.parameters]
        base = self.instance(*own) if own else self.op
        numbers = {}
        for key, number in params.items():
            if key in ("left", "right"):
                numbers[0 if key == "left" else 1] = number
            elif key.startswith("input") and key[5:].isdigit():
                numbers[int(key[5:])] = number
        return base.bind(numbers) if numbers else base

    # ----------------------------------------------------------- calling

    @overload
    def __call__(self, *args: float) -> float: ...  # type: ignore[overload-overlap]
    @overload
    def __call__(self, *args: Value | float) -> Value: ...

    def __call__(self, *args: Any) -> Any:
        if len(args) == 1 and self.arity == 1:  # the common case: f(x) of one float or Value
            x = args[0]
            if type(x) is float:
                y = self.op.value(x)
                return y if type(y) is float else self._plain(self.op, [x])
            if type(x) is Value:
                y = self.op.value(x.data)
                return make_node(y if type(y) is float else self._plain(self.op, [x.data]), self.op, x)
        arity = self.arity or len(args)
        if not arity <= len(args) <= arity + len(self.parameters):
            takes = f"{arity} input{'s' if arity != 1 else ''}"
            if self.parameters:
                takes += " and " + ", ".join(f"{p}={d!r}" for p, d in self.parameters)
            raise TypeError(
                f"{self.name}() takes {takes}, got {len(args)} argument{'s' if len(args) != 1 else ''}"
            )
        inputs, params = args[:arity], args[arity:]
        op = self.instance(*params) if params else self.op
        numbers: dict[int, float] = {}
        values: list[Value] = []
        for i, x in enumerate(inputs):
            if isinstance(x, Value):
                values.append(x)
                continue
            number = _operand_float(x)
            if number is None:
                raise TypeError(
                    f"{self.name}() takes Values or real numbers, got {type(x).__name__} {x!r} as input {i}"
                )
            numbers[i] = number
        if not values:
            return self._plain(op, [numbers[i] for i in range(arity)])
        full = [x.data if isinstance(x, Value) else numbers[i] for i, x in enumerate(inputs)]
        data = self._plain(op, full)
        if self.arity is None:  # n-ary: every input a parent, a number as a constant leaf (as sum and dot)
            parents = tuple(x if isinstance(x, Value) else constant(numbers[i]) for i, x in enumerate(inputs))
            return make_node(data, op, parents)
        if numbers:
            op = op.bind(numbers)
        if len(values) == 1:
            return make_node(data, op, values[0])
        if len(values) == 2:
            return make_node(data, op, values[0], values[1])
        return make_node(data, op, tuple(values))  # three or more parents: an n-ary node

    def _plain(self, op: Op, xs: list[float]) -> float:
        result = op.value(*xs)
        if type(result) is float:
            return result
        if isinstance(result, bool) or not isinstance(result, (int, float)):
            raise TypeError(
                f"op {self.name!r}: its value function returned {type(result).__name__} {result!r}; "
                "it must return a real number computed from floats"
            )
        return float(result)

    # --------------------------------------------------- Value methods

    def as_method(self) -> Callable[..., Value]:
        """The Value method for this one-input op: ``x.tanh()``, ``x.leaky_relu(0.2)``."""
        if not self.parameters:
            method = unary_operator(self.op)
        else:
            function = self

            def method(self: Value, *params: float) -> Value:
                result: Value = function(self, *params)
                return result

        method.__name__ = self.name
        method.__doc__ = self.__doc__
        # Where the op is defined, so its docstring's examples run there, with its names in scope.
        method.__module__ = self.__module__
        return method


def _parameters_of(family: type[Op]) -> tuple[tuple[str, float], ...]:
    """The names and defaults of an op class's parameters (the arguments of its ``__init__``)."""
    if family.__init__ is object.__init__:
        return ()
    found = []
    for parameter in list(inspect.signature(family.__init__).parameters.values())[1:]:
        if parameter.default is inspect.Parameter.empty:
            raise TypeError(f"op class {family.__name__}: parameter {parameter.name!r} needs a default")
        found.append((parameter.name, float(parameter.default)))
    return tuple(found)


# ------------------------------------------------------------------ registry

_REGISTRY: dict[str, OpFunction] = {}
_BUILT_IN: set[str] = set()
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def registry() -> dict[str, OpFunction]:
    """Every op defined so far, built-in and user-defined, by name (a copy).

    Value methods, module functions, the formula parser, notation, testing
    strategies, ``nn``'s activations and the command line's help all list ops
    from here.

    >>> names = registry()
    >>> "tanh" in names and "add" in names
    True
    """
    return dict(_REGISTRY)


def lookup(name: str) -> OpFunction | None:
    """The op function registered under ``name``, or None.

    >>> lookup("sigmoid").op
    <op sigmoid>
    """
    return _REGISTRY.get(name)


def unregister(name: str) -> None:
    """Forget a user-defined op (and its Value method); built-in ops cannot be removed.

    >>> import scalargrad as sg
    >>> twice = sg.op(derivatives=lambda x, out: 2.0, name="twice")(lambda x: 2 * x)
    >>> unregister("twice"); lookup("twice") is None
    True
    """
    if name in _BUILT_IN:
        raise ValueError(f"{name!r} is a built-in op and cannot be unregistered")
    function = _REGISTRY.pop(name, None)
    if function is None:
        return
    if function.method and name in vars(Value):
        delattr(Value, name)
    for dunder in function.dunders:  # the operators it installed
        if dunder in vars(Value):
            delattr(Value, dunder)


def _register(function: OpFunction, built_in: bool) -> OpFunction:
    name = function.name
    if not _NAME.match(name):
        raise ValueError(f"an op's name must be an identifier, got {name!r}")
    if name in _BUILT_IN:
        raise ValueError(f"there is a built-in op named {name!r}; give yours another name (name=...)")
    previous = _REGISTRY.get(name)
    if function.method:
        if function.arity != 1:
            raise ValueError(f"op {name!r}: only a one-input op can be a Value method (method=True)")
        existing = getattr(Value, name, None)
        if existing is not None and (previous is None or not previous.method):
            raise ValueError(f"op {name!r}: Value already has an attribute {name!r}")
    for dunder in function.dunders:
        taken = dunder in vars(Value) and (previous is None or dunder not in previous.dunders)
        if taken and not built_in:
            raise ValueError(f"op {name!r}: Value already has the operator {dunder}")
    if previous is not None and previous.method and not function.method:
        delattr(Value, name)
    _REGISTRY[name] = function
    if built_in:
        _BUILT_IN.add(name)
    if function.method:
        setattr(Value, name, function.as_method())
    if function.dunders:
        if len(function.dunders) == 2:
            forward, reflected = binary_operators(function.op)
            setattr(Value, function.dunders[0], forward)
            setattr(Value, function.dunders[1], reflected)
        else:
            setattr(Value, function.dunders[0], unary_operator(function.op))
    return function


# ---------------------------------------------------------- defining an op


class _FunctionOp(Op):
    """An op made by :func:`op` from a value function and a derivative rule."""

    def __init__(
        self,
        name: str,
        value: Callable[..., float],
        rule: Callable[..., Any],
        arity: int,
        notation: Notation,
        domain: Interval | tuple[Interval, ...],
        kinks: tuple[float, ...],
        mask: Callable[..., Any] | None,
    ) -> None:
        self.name = name
        self._value = value
        self._rule = rule
        self.arity = arity
        self.notation = notation
        self.domain = domain
        self.kinks = kinks
        self._mask = mask
        self.masks = mask is not None
        self.__module__ = getattr(value, "__module__", __name__)

    def value(self, *xs: float) -> float:
        return self._value(*xs)

    def derivatives(self, *args: Any) -> Any:
        return self._rule(*args)

    def mask(self, *xs: float) -> Sequence[bool]:
        if self._mask is None:
            return (False,) * len(xs)
        masks = self._mask(*xs)
        if not isinstance(masks, (tuple, list)):
            masks = (masks,)
        if len(masks) != len(xs):
            raise TypeError(f"op {self.name!r}: its mask returned {len(masks)} flags for {len(xs)} inputs")
        return tuple(bool(m) for m in masks)


@overload
def op(
    derivatives: type[Op],
    *,
    calling: type[_F],
    method: bool = ...,
    spelling: Spelling = ...,
    dunders: tuple[str, ...] = ...,
    doc: str | None = ...,
) -> _F: ...
@overload
def op(
    derivatives: type[Op],
    *,
    method: bool = ...,
    spelling: Spelling = ...,
    dunders: tuple[str, ...] = ...,
    doc: str | None = ...,
) -> OpFunction: ...
@overload
def op(
    derivatives: Callable[..., Any] | None = ...,
    *,
    name: str | None = ...,
    notation: Notation | str | None = ...,
    domain: Interval | Sequence[Interval] | None = ...,
    kinks: Iterable[float] = ...,
    mask: Callable[..., Any] | None = ...,
    method: bool = ...,
) -> Callable[[Callable[..., float]], OpFunction]: ...


def op(derivatives: Any = None, **options: Any) -> Any:
    """Define an operation: ``@sg.op(derivatives=rule)`` on its value function, or ``sg.op(OpClass)``.

    ``derivatives(*inputs, out)`` returns one local derivative per input (a
    tuple, or a bare value for one input), written with operators and
    scalargrad's functions so that it runs on floats and on Values alike.
    Options: ``name`` (default: the function's name); ``notation``, a
    :class:`Notation` or a symbol (``"σ"``); ``domain``, an open interval
    ``(low, high)`` for every input or one per input, where tests draw inputs;
    ``kinks``, points where the derivative jumps; ``mask(*inputs)``, one flag
    per input saying where its edge passes nothing (as PyTorch's ReLU at 0);
    ``method=True`` to make a one-input op a Value method too. Every op,
    built in or not, is in the registry: ``sg.op.registry()``,
    ``sg.op.lookup(name)``, and ``sg.op.unregister(name)`` for a user's op.

    >>> import scalargrad as sg
    >>> @sg.op(derivatives=lambda y, x, out: (x / (x * x + y * y), -y / (x * x + y * y)))
    ... def angle(y, x):
    ...     import math
    ...     return math.atan2(y, x)
    >>> a = angle(sg.Value(1.0), 2.0)           # a number operand lives in the op
    >>> a.op.params(), len(a.parents)
    ({'right': 2.0}, 1)
    >>> sg.grad(angle, argnums=(0, 1))(1.0, 2.0)
    (0.4, -0.2)
    >>> sg.op.unregister("angle")

    Mistakes are caught where they are made:

    >>> sg.op(derivatives=3)
    Traceback (most recent call last):
    ...
    TypeError: op(derivatives=...) must be a function (*inputs, out) -> one derivative per input, got int 3
    """
    if isinstance(derivatives, type):
        if not issubclass(derivatives, Op):
            raise TypeError(
                f"op() takes an Op subclass or derivatives=..., got the class {derivatives.__name__}"
            )
        unknown = set(options) - {"method", "spelling", "dunders", "doc", "calling"}
        if unknown:
            raise TypeError(
                f"op(OpClass) takes method=, spelling=, dunders=, doc=, calling=; got {sorted(unknown)}"
            )
        calling: type[OpFunction] = options.pop("calling", OpFunction)
        built_in = derivatives.__module__ == "scalargrad.ops"  # the built-ins are the ops defined there
        return _register(calling(derivatives, **options), built_in=built_in)
    unknown = set(options) - {"name", "notation", "domain", "kinks", "mask", "method"}
    if unknown:
        raise TypeError(f"op() got unexpected option(s) {sorted(unknown)}")
    named = f"op {options['name']!r}: " if isinstance(options.get("name"), str) else ""
    if derivatives is None or not callable(derivatives):
        raise TypeError(
            f"{named}op(derivatives=...) must be a function (*inputs, out) -> one derivative per input, "
            f"got {type(derivatives).__name__} {derivatives!r}"
        )
    mask = options.get("mask")
    if mask is not None and not callable(mask):
        raise TypeError(
            f"{named}op(mask=...) must be a function (*inputs) -> flags, got {type(mask).__name__} {mask!r}"
        )
    try:
        notation = _notation(options.get("notation"))
        kinks = tuple(_real(k, "kinks") for k in options.get("kinks", ()))
    except TypeError as error:
        raise TypeError(f"{named}{error}") from None

    def define(value: Callable[..., float]) -> OpFunction:
        if not callable(value):
            raise TypeError(
                f"@op(...) decorates the op's value function, got {type(value).__name__} {value!r}"
            )
        name: str = str(options.get("name") or getattr(value, "__name__", ""))
        if name == "<lambda>":
            raise ValueError("an op made from a lambda needs a name: op(..., name='...')")
        arity = _arity(value, name)
        _check_takes(derivatives, arity + 1, name, "its derivative rule", "(*inputs, out)")
        if mask is not None:
            _check_takes(mask, arity, name, "its mask", "(*inputs)")
        domain = _domain(options.get("domain"), arity, name)
        defined = _FunctionOp(name, value, derivatives, arity, notation, domain, kinks, mask)
        function = OpFunction(defined, method=bool(options.get("method", False)), doc=inspect.getdoc(value))
        return _register(function, built_in=False)

    return define


def _notation(notation: Notation | str | None) -> Notation:
    if notation is None:
        return Notation()
    if isinstance(notation, str):
        return Notation(symbol=notation)
    if isinstance(notation, Notation):
        return notation
    raise TypeError(
        f"notation must be a Notation or a symbol (str), got {type(notation).__name__} {notation!r}"
    )


def _real(x: Any, what: str) -> float:
    number = _operand_float(x) if not isinstance(x, (bool, Value)) else None
    if number is None:
        raise TypeError(f"{what} must be real numbers, got {type(x).__name__} {x!r}")
    return number


def _arity(value: Callable[..., float], name: str) -> int:
    try:
        parameters = inspect.signature(value).parameters.values()
    except (TypeError, ValueError):
        raise TypeError(f"op {name!r}: cannot read the signature of its value function") from None
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if any(p.kind == p.VAR_POSITIONAL for p in parameters) or not positional:
        raise TypeError(f"op {name!r}: its value function must take a fixed number (at least one) of inputs")
    return len(positional)


def _check_takes(function: Callable[..., Any], count: int, name: str, what: str, shape: str) -> None:
    try:
        inspect.signature(function).bind(*range(count))
    except TypeError:
        raise TypeError(f"op {name!r}: {what} must take {count} arguments {shape}") from None
    except ValueError:  # a builtin without a signature: find out at first use
        pass


def _domain(domain: Any, arity: int, name: str) -> Interval | tuple[Interval, ...]:
    if domain is None:
        return (-_INF, _INF)

    def interval(pair: Any) -> Interval:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"op {name!r}: a domain is an interval (low, high), got {pair!r}")
        low, high = (_real(x, f"op {name!r}: a domain's bounds") for x in pair)
        if not low < high:
            raise ValueError(f"op {name!r}: a domain (low, high) needs low < high, got {pair!r}")
        return (low, high)

    if isinstance(domain, (tuple, list)) and domain and isinstance(domain[0], (tuple, list)):
        if len(domain) != arity:
            raise ValueError(f"op {name!r}: {len(domain)} domains for {arity} inputs")
        return tuple(interval(d) for d in domain)
    return interval(domain)


# The registry's functions, reachable from the decorator as ``sg.op.registry()``,
# ``sg.op.lookup(name)`` and ``sg.op.unregister(name)``.
op.registry = registry  # type: ignore[attr-defined]
op.lookup = lookup  # type: ignore[attr-defined]
op.unregister = unregister  # type: ignore[attr-defined]
