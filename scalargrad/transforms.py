"""Derivatives as functions: ``grad``, ``value_and_grad`` and ``gradcheck``.

``grad(f)`` turns a scalar function into its derivative, and composes:

>>> import scalargrad as sg
>>> f = lambda x: x ** 3
>>> sg.grad(f)(2.0), sg.grad(sg.grad(f))(2.0), sg.grad(sg.grad(sg.grad(f)))(2.0)
(12.0, 12.0, 6.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Union

from scalargrad.backward import chain_rule, check_contribution, topological_order
from scalargrad.modes import enable_grad, no_grad
from scalargrad.modes import state as _mode
from scalargrad.ieee import as_real as _operand_float
from scalargrad.value import Value, _as_float, as_value, constant

__all__ = ["grad", "gradcheck", "gradients", "value_and_grad"]

Gradient = Union[Value, float]

ArgNums = Union[int, Sequence[int]]


def value_and_grad(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., tuple[Any, Any]]:
    """A function returning ``(f(*args), df/d args[argnums])``.

    Called with floats, it returns floats. Called with any Value argument, or
    from inside another ``grad``, it returns Values built into a graph, so they
    can be differentiated again: this is how ``grad(grad(f))`` and mixed
    partial derivatives work, whether the outer variable is passed in or
    reached through a closure. ``argnums`` is one position or a tuple of
    positions, and the gradient is then a tuple.

    >>> import scalargrad as sg
    >>> sg.value_and_grad(lambda x, y: x * y + y, argnums=(0, 1))(2.0, 3.0)
    (9.0, (3.0, 3.0))

    A Value passed in several positions is one variable: each of those
    positions gets the total derivative with respect to it.
    """
    positions = _positions(argnums)

    def value_and_grad_f(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        for i in positions:
            if not -len(args) <= i < len(args):
                raise ValueError(
                    f"argnums={argnums!r} asks for argument {i}, but {_name(f)} was called "
                    f"with {len(args)} positional argument{'s' if len(args) != 1 else ''}"
                )
        # Asking for a derivative overrides an enclosing no_grad, as torch.func.grad
        # does; but then the result is not recorded in the graph around the call.
        recording = _mode.grad_enabled
        args_list = list(args)
        for i in positions:
            args_list[i] = _variable(args_list[i], i, f)
        variables = [args_list[i] for i in positions]
        _mode.made.append(set())
        try:
            with enable_grad():
                out = f(*args_list, **kwargs)
            if isinstance(out, Value):
                # The gradient must be a graph when something outside this call may
                # differentiate it again: a Value argument, or a Value that f closes
                # over (an outer variable: else its derivative through this result
                # would be lost, Siskind and Pearlmutter's perturbation confusion).
                create_graph = recording and (
                    any(isinstance(a, Value) for a in args)
                    or any(isinstance(a, Value) for a in kwargs.values())
                    or _reaches_outer_values(out, variables, _mode.made[-1])
                )
                with enable_grad():
                    grads = gradients(out, variables, create_graph=create_graph)
            elif _operand_float(out) is not None:  # a constant function
                create_graph = recording and any(isinstance(a, Value) for a in (*args, *kwargs.values()))
                grads = [constant(0.0) if create_graph else 0.0 for _ in variables]
            else:
                raise TypeError(
                    f"{_name(f)} must return a scalar (a Value or a number) to be differentiated, "
                    f"got {type(out).__name__}"
                )
        finally:
            made = _mode.made.pop()
            if _mode.made:  # what this call made, its caller's call made too
                _mode.made[-1] |= made
        if not recording and any(isinstance(a, Value) for a in (*args, *kwargs.values())):
            # under no_grad: the numbers, as constants connected to nothing
            out = constant(float(out))
            grads = [constant(float(g)) for g in grads]
            return out, grads[0] if isinstance(argnums, int) else tuple(grads)
        out = as_value(out) if create_graph else float(out)
        return out, grads[0] if isinstance(argnums, int) else tuple(grads)

    value_and_grad_f.__name__ = f"value_and_grad({_name(f)})"
    return value_and_grad_f


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


def _reaches_outer_values(out: Value, variables: list[Value], made: set[Value]) -> bool:
    """Whether ``out`` depends on a Value from outside the call: a leaf that is no variable and was not made in it."""
    stop = set(variables)
    seen: set[Value] = set()
    stack = [out]
    while stack:
        node = stack.pop()
        if node in seen or node in stop:
            continue
        seen.add(node)
        parents = node.parents
        if not parents:
            if node not in made:
                return True
            continue
        stack.extend(parents)
    return False


def _positions(argnums: ArgNums) -> tuple[int, ...]:
    if isinstance(argnums, bool) or not isinstance(argnums, (int, Sequence)):
        raise TypeError(f"argnums must be an int or a tuple of ints, got {argnums!r}")
    positions = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not positions or not all(isinstance(i, int) and not isinstance(i, bool) for i in positions):
        raise TypeError(f"argnums must be an int or a non-empty tuple of ints, got {argnums!r}")
    return positions


def _variable(x: Any, i: int, f: Callable[..., Any]) -> Value:
    return x if isinstance(x, Value) else Value(_checked_float(x, i, f))


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
    root: Value, wrt: Sequence[Value], create_graph: bool = False
) -> list[Gradient]:
    """d root / d w for each ``w`` in ``wrt``, leaving every ``.grad`` untouched.

    With ``create_graph=True`` the results are Values whose graph reaches back
    to ``wrt``, so they can be differentiated again; otherwise floats. Only the
    part of the graph between ``wrt`` and ``root`` is visited.

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
    order = topological_order(root, stop_at=set(wrt))
    # Nodes that depend on some w: the only ones whose gradients matter.
    relevant = set(wrt)
    for node in order:
        if node.parents and any(p in relevant for p in node.parents):
            relevant.add(node)
    grads: dict[Value, Gradient] = {root: 1.0} if root in relevant else {}
    for node in reversed(order):
        g = grads.get(node)
        if g is None or not node.parents:
            continue
        op = node._op
        assert op is not None  # a node with parents has an op
        derivatives = op.graph_derivatives(node) if create_graph else op.local_derivatives(node)
        for parent, d, masked in zip(node.parents, derivatives, op.masked(node)):
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
