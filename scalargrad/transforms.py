"""Derivatives as functions: ``grad``, ``value_and_grad``, ``jvp``, ``jacobian``, ``hessian``, ``gradcheck``.

``grad(f)`` turns a scalar function into its derivative, and composes:

>>> import scalargrad as sg
>>> f = lambda x: x ** 3
>>> sg.grad(f)(2.0), sg.grad(sg.grad(f))(2.0), sg.grad(sg.grad(sg.grad(f)))(2.0)
(12.0, 12.0, 6.0)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Collection, Sequence
from typing import Any, Union

from scalargrad.backward import chain_rule, check_contribution, topological_order
from scalargrad.ieee import as_real as _operand_float
from scalargrad.modes import enable_grad, enter_transform, exit_transform, no_grad
from scalargrad.modes import state as _mode
from scalargrad.operation import Op
from scalargrad.value import Value, _as_float, constant, make_node

__all__ = ["grad", "gradcheck", "gradients", "hessian", "jacobian", "jvp", "tangents_of", "value_and_grad"]

Gradient = Union[Value, float]

ArgNums = Union[int, Sequence[int]]


class _Call:
    """One call of a transform: its variables, the function's output, and what its results must be.

    Written once for every transform. Asking for a derivative overrides an
    enclosing ``no_grad``, as ``torch.func.grad`` does, but then nothing is
    recorded around the call. A result must be a graph (Values) when something
    outside the call may differentiate it again: a Value argument, or a Value
    the function closes over (an outer variable; else its derivative through
    this result would be lost: Siskind and Pearlmutter's perturbation confusion).
    """

    def __init__(
        self, f: Callable[..., Any], args: Sequence[Any], positions: Sequence[int], *also: Any
    ) -> None:
        for i in positions:
            if not -len(args) <= i < len(args):
                raise ValueError(
                    f"argnums={tuple(positions) if len(positions) > 1 else positions[0]!r} asks for argument {i}, "
                    f"but {_name(f)} was called with {len(args)} positional argument{'s' if len(args) != 1 else ''}"
                )
        self.f = f
        self.positions = list(positions)
        self.recording = _mode.grad_enabled
        self.value_inputs = any(isinstance(a, Value) for a in (*args, *also))
        self.args = list(args)
        for i in positions:  # checked before any work
            if not isinstance(self.args[i], Value):
                _checked_float(self.args[i], i, f)
        self.variables: list[Value] = []
        self.made: set[Value] = set()
        self.graph = False
        self.sequence = False

    def run(self, kwargs: dict[str, Any], check: Callable[[Any], list[Value]]) -> list[Value]:
        """Call the function (recording, whatever the mode around), check its output, decide ``graph``.

        Each differentiated argument becomes a variable made inside the call:
        a new leaf for a number, a ``variable`` node over a Value (the same
        node for a Value given at several positions). So a derivative is
        partial, as JAX's: other arguments and the Values ``f`` closes over
        are held fixed, and the sweeps never walk the history behind them.
        """
        made = enter_transform()
        try:
            wrapped: dict[Value, Value] = {}
            for i in self.positions:
                x = self.args[i]
                if isinstance(x, Value):
                    if x not in wrapped:
                        wrapped[x] = make_node(x.data, _VARIABLE, x)
                    self.args[i] = wrapped[x]
                else:
                    self.args[i] = Value(_checked_float(x, i, self.f))
            self.variables = [self.args[i] for i in self.positions]
            with enable_grad():
                out = self.f(*self.args, **kwargs)
            self.sequence = isinstance(out, (list, tuple))  # several outputs, or one
            outs = check(out)
            self.graph = self.recording and (
                self.value_inputs
                or any(isinstance(v, Value) for v in kwargs.values())
                or any(_reaches_outside(o, self.variables, made) for o in outs)
            )
            return outs
        finally:
            self.made = exit_transform()

    def result(self, x: Any) -> Any:
        """A result as the call's caller gets it: a Value in a graph, a float, or (under no_grad) a constant."""
        if self.graph:
            return x if isinstance(x, Value) else constant(float(x))
        number = x.data if isinstance(x, Value) else float(x)
        return constant(number) if self.value_inputs else number


def _scalar(f: Callable[..., Any]) -> Callable[[Any], list[Value]]:
    def check(out: Any) -> list[Value]:
        if isinstance(out, Value):
            return [out]
        number = _operand_float(out)
        if number is None:
            raise TypeError(
                f"{_name(f)} must return a scalar (a Value or a number) to be differentiated, "
                f"got {type(out).__name__}"
            )
        return [constant(number)]  # a constant function

    return check


def _outputs(f: Callable[..., Any]) -> Callable[[Any], list[Value]]:
    scalar = _scalar(f)

    def check(out: Any) -> list[Value]:
        if isinstance(out, (list, tuple)):
            return [scalar(o)[0] for o in out]
        return scalar(out)

    return check


def value_and_grad(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., tuple[Any, Any]]:
    """A function returning ``(f(*args), df/d args[argnums])``.

    Called with floats, it returns floats. Called with any Value argument, or
    when ``f`` closes over a Value, it returns Values built into a graph, so
    they can be differentiated again: this is how ``grad(grad(f))`` and mixed
    partial derivatives work. ``argnums`` is one position or a tuple of
    positions, and the gradient is then a tuple.

    >>> import scalargrad as sg
    >>> sg.value_and_grad(lambda x, y: x * y + y, argnums=(0, 1))(2.0, 3.0)
    (9.0, (3.0, 3.0))

    A Value passed in several positions is one variable: each of those
    positions gets the total derivative with respect to it. A Value ``f``
    closes over stays connected to the result, however deep the nesting:

    >>> x = sg.Value(1.0)
    >>> (x * sg.grad(lambda y: x * y)(2.0)).backward()     # d/dx (x · x) = 2x
    >>> x.grad
    2.0
    """
    positions = _positions(argnums)

    def value_and_grad_f(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        call = _Call(f, args, positions, *kwargs.values())
        (out,) = call.run(kwargs, _scalar(f))
        with enable_grad():
            grads = gradients(out, call.variables, create_graph=call.graph, within=call.made)
        results = [call.result(g) for g in grads]
        return call.result(out), results[0] if isinstance(argnums, int) else tuple(results)

    value_and_grad_f.__name__ = f"value_and_grad({_name(f)})"
    return value_and_grad_f


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Forward mode: ``f(*primals)`` and its derivative along ``tangents``, in one forward sweep.

    The tangent of each node is the sum over its inputs of the input's
    tangent times the local derivative: the ops' own derivative rules and the
    same chain-rule step as the backward pass, run forward (JAX's signature).
    With a function of several outputs (a list or tuple), both results are
    lists. It composes with ``grad`` (forward-over-reverse gives Hessian-vector
    products) and with itself.

    >>> import scalargrad as sg
    >>> f = lambda x1, x2: sg.log(x1) + x1 * x2 - sg.sin(x2)
    >>> y, dy = sg.jvp(f, (2.0, 5.0), (1.0, 0.0))       # ∂f/∂x1 = 1/x1 + x2
    >>> round(y, 3), dy
    (11.652, 5.5)
    >>> sg.jvp(sg.grad(lambda x: x ** 3), (2.0,), (1.0,))   # f'(2) and f''(2)
    (12.0, 12.0)
    """
    if not isinstance(primals, (list, tuple)) or not isinstance(tangents, (list, tuple)):
        raise TypeError("jvp() takes primals and tangents as tuples (or lists), one entry per argument of f")
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp() needs one tangent per primal, got {len(primals)} primals and {len(tangents)} tangents"
        )
    seeds: list[Gradient] = []
    for i, t in enumerate(tangents):
        number = None if isinstance(t, Value) else _operand_float(t)
        if not isinstance(t, Value) and number is None:
            raise TypeError(f"tangent {i} must be a real number or a Value, got {type(t).__name__} {t!r}")
        seeds.append(t if isinstance(t, Value) else number)  # type: ignore[arg-type]  # a float here
    call = _Call(f, primals, range(len(primals)), *tangents)
    out = call.run({}, _outputs(f))
    with enable_grad():
        dots = tangents_of(out, call.variables, seeds, create_graph=call.graph, within=call.made)
    values, dots = [call.result(o) for o in out], [call.result(d) for d in dots]
    if call.sequence:
        return values, dots
    return values[0], dots[0]


def jacobian(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """The Jacobian of ``f`` (which returns a Value or a list of them), as nested lists.

    ``jacobian(f)(*xs)[i][j]`` is d output_i / d xs[argnums[j]]; with an int
    ``argnums`` each row is one number, and for a scalar ``f`` the result is
    its gradient. It chooses the cheaper sweep by shape, as JAX's ``jacfwd``
    and ``jacrev`` would be chosen: one forward sweep per input when there are
    at least as many outputs as inputs, else one backward sweep per output.

    >>> import scalargrad as sg
    >>> polar = lambda r, t: [r * sg.cos(t), r * sg.sin(t)]
    >>> [[round(d, 6) for d in row] for row in sg.jacobian(polar, argnums=(0, 1))(2.0, 0.0)]
    [[1.0, 0.0], [0.0, 2.0]]
    """
    positions = _positions(argnums)

    def jacobian_f(*args: Any, **kwargs: Any) -> Any:
        call = _Call(f, args, positions, *kwargs.values())
        outs = call.run(kwargs, _outputs(f))
        n = len(call.variables)
        with enable_grad():
            if len(outs) >= n:  # forward: one sweep per input
                columns = [
                    tangents_of(
                        outs,
                        call.variables,
                        [1.0 if k == j else 0.0 for k in range(n)],
                        call.graph,
                        within=call.made,
                    )
                    for j in range(n)
                ]
                rows = [[columns[j][i] for j in range(n)] for i in range(len(outs))]
            else:  # reverse: one sweep per output
                rows = [gradients(o, call.variables, create_graph=call.graph, within=call.made) for o in outs]
        shaped = [
            [call.result(d) for d in row] if not isinstance(argnums, int) else call.result(row[0])
            for row in rows
        ]
        return shaped if call.sequence else shaped[0]

    jacobian_f.__name__ = f"jacobian({_name(f)})"
    return jacobian_f


def hessian(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """The Hessian of a scalar ``f``: the Jacobian of its gradient (forward over reverse), as nested lists.

    >>> import scalargrad as sg
    >>> sg.hessian(lambda x, y: x ** 2 * y + y ** 3, argnums=(0, 1))(1.0, 2.0)   # [[2y, 2x], [2x, 6y]]
    [[4.0, 2.0], [2.0, 12.0]]
    >>> sg.hessian(lambda x: x ** 4)(1.0)
    12.0
    """
    h = jacobian(grad(f, argnums), argnums)
    h.__name__ = f"hessian({_name(f)})"
    return h


def grad(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """The derivative of a scalar function ``f`` with respect to ``args[argnums]``.

    Returns floats for float arguments and Values for Value arguments, so
    ``grad(grad(f))`` is the second derivative, and so on.

    >>> import scalargrad as sg
    >>> df = sg.grad(lambda x: sg.sin(x) * x)
    >>> round(df(0.0), 12), round(sg.grad(df)(0.0), 12)   # x cos x + sin x; 2 cos x - x sin x
    (0.0, 2.0)
    """
    both = value_and_grad(f, argnums)

    def grad_f(*args: Any, **kwargs: Any) -> Any:
        return both(*args, **kwargs)[1]

    grad_f.__name__ = f"grad({_name(f)})"
    return grad_f


def gradcheck(
    f: Callable[..., Any],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check the engine's gradient of ``f`` against central finite differences.

    For each input ``x_i`` the numeric derivative is
    ``(f(.., x_i + eps, ..) - f(.., x_i - eps, ..)) / (2 eps)``; it matches
    the analytic one when ``|analytic - numeric| <= atol + rtol * |numeric|``.
    Returns True, or raises ``AssertionError`` listing every input.

    >>> import scalargrad as sg
    >>> sg.gradcheck(lambda x, y: (x * y).tanh(), 0.3, -1.2)
    True

    Using ``.data`` inside ``f`` cuts the graph, which ``gradcheck`` catches:

    >>> sg.gradcheck(lambda x: x.data * x, 2.0)
    Traceback (most recent call last):
    ...
    AssertionError: gradient of <lambda> does not match finite differences (eps=1e-06, atol=1e-05, rtol=0.001):
      input  value  analytic  numeric  difference
    * x0     2      2         4        2
    """
    for name, setting in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if _operand_float(setting) is None or not setting >= 0.0:
            raise ValueError(f"gradcheck needs {name} >= 0, got {setting!r}")
    if eps == 0.0:
        raise ValueError("gradcheck needs eps > 0")
    if not inputs:
        raise ValueError(f"gradcheck needs at least one input for {_name(f)}")
    points = [x.data if isinstance(x, Value) else _checked_float(x, i, f) for i, x in enumerate(inputs)]
    analytic = grad(f, argnums=tuple(range(len(points))))(*points)

    def at(shifted: list[float]) -> float:
        with no_grad():
            return float(f(*[Value(x) for x in shifted]))

    rows, ok = [], True
    for i, (x, a) in enumerate(zip(points, analytic)):
        plus, minus = list(points), list(points)
        plus[i], minus[i] = x + eps, x - eps
        numeric = (at(plus) - at(minus)) / (2.0 * eps)
        good = _close(a, numeric, atol, rtol)
        ok = ok and good
        rows.append((("  " if good else "* ") + f"x{i}", x, a, numeric, abs(a - numeric)))
    if ok:
        return True
    header = ("  input", "value", "analytic", "numeric", "difference")
    cells = [header] + [(r[0], *(f"{v:.9g}" for v in r[1:])) for r in rows]
    widths = [max(len(row[c]) for row in cells) for c in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    raise AssertionError(
        f"gradient of {_name(f)} does not match finite differences "
        f"(eps={eps!r}, atol={atol!r}, rtol={rtol!r}):\n" + "\n".join(lines)
    )


def _close(analytic: float, numeric: float, atol: float, rtol: float) -> bool:
    if math.isfinite(analytic) and math.isfinite(numeric):
        return abs(analytic - numeric) <= atol + rtol * abs(numeric)
    return analytic == numeric  # the same infinity; nan never matches


def _reaches_outside(out: Value, variables: list[Value], made: set[Value]) -> bool:
    """Whether ``out`` depends on a node from outside the call (one ``f`` closes over), not through a variable."""
    stop = set(variables)
    seen: set[Value] = set()
    stack = [out]
    while stack:
        node = stack.pop()
        if node in seen or node in stop:
            continue
        if node not in made:
            return True
        seen.add(node)
        stack.extend(node.parents)
    return False


class _Variable(Op):
    """A variable of a transform over a Value argument: the same number, derivative 1."""

    name = "variable"

    def value(self, *xs: float) -> float:
        return xs[0]

    def derivatives(self, *args: Any) -> Any:
        return 1.0

    def backprop(self, node: Value, g: float) -> None:
        node._a.grad += g


_VARIABLE = _Variable()


def _positions(argnums: ArgNums) -> tuple[int, ...]:
    if isinstance(argnums, bool) or not isinstance(argnums, (int, Sequence)):
        raise TypeError(f"argnums must be an int or a tuple of ints, got {argnums!r}")
    positions = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not positions or not all(isinstance(i, int) and not isinstance(i, bool) for i in positions):
        raise TypeError(f"argnums must be an int or a non-empty tuple of ints, got {argnums!r}")
    return positions


def _checked_float(x: Any, i: int, f: Callable[..., Any]) -> float:
    try:
        return _as_float(x)
    except TypeError:
        raise TypeError(
            f"argument {i} of {_name(f)} must be a real number or a Value to be "
            f"differentiated, got {type(x).__name__} {x!r}"
        ) from None


def _name(f: Callable[..., Any]) -> str:
    return getattr(f, "__name__", type(f).__name__)


def gradients(
    root: Value, wrt: Sequence[Value], create_graph: bool = False, *, within: Collection[Value] | None = None
) -> list[Gradient]:
    """d root / d w for each ``w`` in ``wrt``, leaving every ``.grad`` untouched.

    With ``create_graph=True`` the results are Values whose graph reaches back
    to ``wrt``, so they can be differentiated again; otherwise floats. Only the
    part of the graph between ``wrt`` and ``root`` is visited, and with
    ``within`` only those nodes: the rest is held fixed (a transform passes
    the nodes its function made).

    >>> from scalargrad import Value
    >>> x = Value(3.0)
    >>> y = x ** 3
    >>> dy, = gradients(y, [x], create_graph=True)
    >>> dy.data, gradients(dy, [x])[0]        # 3x^2 and 6x
    (27.0, 18.0)
    """
    for i, w in enumerate(wrt):
        if not isinstance(w, Value):
            raise TypeError(
                f"gradients() takes Values to differentiate with respect to; wrt[{i}] is "
                f"{type(w).__name__} {w!r}"
            )
    # Only the graph between wrt and root: never the history behind wrt.
    order = topological_order(root, stop_at=set(wrt), within=within)
    # Nodes that depend on some w: the only ones whose gradients matter.
    relevant = set(wrt)
    for node in order:
        a = node._a  # the parents, read from the slots (see Value.__slots__)
        if a is None:
            continue
        if type(a) is tuple:
            if any(p in relevant for p in a):
                relevant.add(node)
        elif a in relevant or node._b in relevant:
            relevant.add(node)
    if not create_graph and not _mode.anomaly:
        return _float_gradients(root, wrt, order, relevant)
    grads: dict[Value, Gradient] = {root: 1.0} if root in relevant else {}
    for node in reversed(order):
        g = grads.get(node)
        if g is None or not node.parents:
            continue
        op = node._op
        assert op is not None  # a node with parents has an op
        derivatives = op.graph_derivatives(node) if create_graph else op.local_derivatives(node)
        masks = op.masked(node) if op.masks else _UNMASKED
        for parent, d, masked in zip(node.parents, derivatives, masks):
            if parent not in relevant:
                continue
            contribution = chain_rule(g, d, masked)
            if _mode.anomaly:
                check_contribution(node, parent, g, d, contribution)
            previous = grads.get(parent)
            if contribution is None:
                # Nothing flows, but the parent's gradient is 0, not unknown: as
                # in backward(), a later 0 × inf is nan.
                if previous is None:
                    grads[parent] = 0.0
                continue
            grads[parent] = contribution if previous is None else previous + contribution
    zero: Gradient = 0.0
    results = [grads.get(w, zero) for w in wrt]
    if create_graph:
        results = [r if isinstance(r, Value) else constant(r) for r in results]
    return results


_UNMASKED = itertools.repeat(False)  # the masks of an op that masks nothing


def _float_gradients(
    root: Value, wrt: Sequence[Value], order: list[Value], relevant: set[Value]
) -> list[Gradient]:
    """The float gradients by the ops' own ``backprop`` (their fast paths), as ``backward()`` computes them.

    The ``.grad`` of every node visited is set aside first and put back
    after, so nothing is changed; the additions happen in the same order as
    in ``backward()``, so the numbers are the same to the bit.
    """
    saved = [node.grad for node in order]
    stop = set(wrt)
    try:
        for node in order:
            node.grad = 0.0
        if root in relevant:
            root.grad = 1.0
        for node in reversed(order):
            if node._a is not None and node in relevant and node not in stop:
                node._op.backprop(node, node.grad)  # type: ignore[union-attr]  # interior: has an op
        return [w.grad if w in relevant else 0.0 for w in wrt]
    finally:
        for node, grad in zip(order, saved):
            node.grad = grad


def tangents_of(
    roots: Value | Sequence[Value],
    wrt: Sequence[Value],
    tangents: Sequence[Gradient],
    create_graph: bool = False,
    *,
    within: Collection[Value] | None = None,
) -> list[Gradient]:
    """Forward mode over a recorded graph: d root along ``tangents`` for each root, given d w for each ``w``.

    One sweep in topological order: a node's tangent is the sum, over its
    inputs, of the input's tangent times the local derivative (the chain-rule
    step of :func:`scalargrad.backward.chain_rule`, forward). Only nodes
    between ``wrt`` and the roots are visited. With ``create_graph=True`` the
    tangents are Values that can be differentiated again.

    >>> from scalargrad import Value
    >>> x, y = Value(2.0), Value(3.0)
    >>> tangents_of(x * y + x, [x, y], [1.0, 0.0])      # d/dx (xy + x) = y + 1
    [4.0]
    """
    outputs = [roots] if isinstance(roots, Value) else list(roots)
    for i, w in enumerate(wrt):
        if not isinstance(w, Value):
            raise TypeError(f"tangents_of() takes Values as wrt; wrt[{i}] is {type(w).__name__} {w!r}")
    stop = set(wrt)
    order: list[Value] = []
    seen: set[Value] = set()
    for output in outputs:  # each order is topological, and so is their union in first-seen order
        for node in topological_order(output, stop_at=stop, within=within):
            if node not in seen:
                seen.add(node)
                order.append(node)
    tangent: dict[Value, Gradient] = {}
    for w, t in zip(wrt, tangents):  # a Value given twice is one variable: its tangents add
        tangent[w] = t if w not in tangent else tangent[w] + t
    for node in order:
        if node in stop or not node.parents or not any(p in tangent for p in node.parents):
            continue
        op = node._op
        assert op is not None  # a node with parents has an op
        derivatives = op.graph_derivatives(node) if create_graph else op.local_derivatives(node)
        total: Gradient | None = None
        for parent, d, masked in zip(node.parents, derivatives, op.masked(node)):
            if parent not in tangent:
                continue
            t = tangent[parent]
            contribution = chain_rule(t, d, masked)
            if _mode.anomaly:
                check_contribution(node, parent, t, d, contribution)
            if contribution is None:
                contribution = 0.0  # nothing flows, but the tangent is 0, not unknown
            total = contribution if total is None else total + contribution
        if total is not None:
            tangent[node] = total
    zero: Gradient = 0.0
    results = [tangent.get(output, zero) for output in outputs]
    if create_graph:
        results = [r if isinstance(r, Value) else constant(r) for r in results]
    return results
