"""Assertions for gradients: the engine's against finite differences, and a learner's formula against the graph.

``assert_gradients_match``
    :func:`scalargrad.gradcheck` as an assertion that names the function and inputs;
``assert_second_derivative_matches``
    the same for second derivatives: ``grad(grad(f))`` against finite
    differences of ``grad(f)``;
``assert_gradient_formula``
    hand-derived partial derivatives against the ones the graph of ``f`` gives,
    with the chain rule written out for each one that is wrong.

Each is an ordinary function (no hypothesis inside), so it works in a plain
test and inside a ``@given`` test alike. In pytest a failure shows the
message, a short table, and not the helper's own source
(``__tracebackhide__``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import scalargrad as sg
from scalargrad import Value
from scalargrad.testing._report import close, name_of, number, table

__all__ = ["assert_gradients_match", "assert_second_derivative_matches", "assert_gradient_formula"]


def _describe(f: Callable[..., Any], inputs: Sequence[Any]) -> str:
    shown = ", ".join(repr(x.data if isinstance(x, Value) else x) for x in inputs)
    # A function by its name (its repr holds a memory address, different on
    # every run); anything else, such as an Expression, by its repr.
    return f"  function: {name_of(f)}\n  inputs: ({shown})"


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
    __tracebackhide__ = True
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
    __tracebackhide__ = True
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
    rows, marks = [], []
    for i in range(n):
        for j in range(n):
            a, b = float(analytic[i][j]), numeric[i][j]
            marks.append(not close(a, b, rtol, atol))
            rows.append((f"d2/dx{i}dx{j}", number(points[j]), number(a), number(b), number(abs(a - b))))
    if not any(marks):
        return
    name = getattr(f, "__name__", type(f).__name__)
    raise AssertionError(
        f"second derivatives of {name} do not match finite differences of its gradient "
        f"(eps={eps!r}, atol={atol!r}, rtol={rtol!r}):\n"
        + table(("derivative", "value", "analytic", "numeric", "difference"), rows, marks)
        + "\n"
        + _describe(f, inputs)
    )


def assert_gradient_formula(
    f: Callable[..., Any],
    formula: Callable[..., Any],
    *inputs: Any,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    names: Sequence[str] | None = None,
    explain: bool | int = True,
) -> None:
    """Assert that hand-derived partial derivatives ``formula`` agree with the graph of ``f``.

    ``f`` computes the quantity with Values (its graph gives the true
    gradient); ``formula`` takes the same inputs as floats and returns the
    partial derivatives worked out by hand: one number per input, in order
    (or a dict by the names of ``f``'s parameters). A partial matches when
    ``|formula - graph| <= atol + rtol * |graph|``.

    On a mismatch the ``AssertionError`` lists every partial (graph,
    formula, difference; ``*`` marks the wrong ones) and then, for each wrong
    one, the chain rule as the graph applies it (:func:`scalargrad.explain`):
    the local derivatives and the product along each path, to set against the
    derivation on paper. Inputs are named after ``f``'s parameters (or
    ``names``), the result after ``f`` itself. Where ``f`` labels some of its
    intermediate Values (``z.label = "z"``), the chain rule is written over
    those, as a tutorial writes it. ``explain`` is how many wrong partials to
    explain (``True``: all of them, but only the first in a graph of more than
    40 nodes, where one is long enough; ``False``: none).

    >>> import scalargrad as sg
    >>> def loss(w, b):                 # one sigmoid neuron, input 2, target 1
    ...     return (1 - sg.sigmoid(2 * w + b)) ** 2
    >>> def by_hand(w, b):              # dL/dz = -2 (1 - s) s (1 - s), then dz/dw = 2 and dz/db = 1
    ...     s = sg.sigmoid(2 * w + b)
    ...     dz = -2 * (1 - s) * s * (1 - s)
    ...     return dz * 2, dz
    >>> assert_gradient_formula(loss, by_hand, 0.3, -0.1)
    >>> def forgot_the_sigmoid(w, b):   # dL/dz without the sigmoid's derivative s (1 - s)
    ...     s = sg.sigmoid(2 * w + b)
    ...     return -2 * (1 - s) * 2, -2 * (1 - s)
    >>> assert_gradient_formula(loss, forgot_the_sigmoid, 0.3, -0.1)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: the hand-derived gradient of loss does not match its graph: 2 of 2 partial derivatives are wrong (rtol=1e-06, atol=1e-09)
      input  value  graph         formula       difference
    * w      0.3    -0.354893835  -1.51016268   1.15526884
    * b      -0.1   -0.177446917  -0.755081338  0.57763442
      function: ...loss
      formula: ...forgot_the_sigmoid
    <BLANKLINE>
    How the graph finds ∂loss/∂w:
    Forward pass
    ...
      n4 = σ(n3) = σ(0.5) = 0.622459
    ...
    Local derivatives
      ∂loss/∂n5 = 2 × n5 = 0.755081
      ∂n5/∂n4 = -1
      ∂n4/∂n3 = n4 × (1 - n4) = 0.235004
    ...
    """
    __tracebackhide__ = True
    if not callable(f) or not callable(formula):
        raise TypeError("assert_gradient_formula(f, formula, *inputs) takes two functions, then the inputs")
    if not inputs:
        raise ValueError("assert_gradient_formula needs at least one input")
    points = [x.data if isinstance(x, Value) else _real(x, i) for i, x in enumerate(inputs)]
    if names is None:
        names = _input_names(f, len(points))
    else:
        names = [str(name) for name in names]
        if len(names) != len(points) or len(set(names)) != len(names):
            raise ValueError(
                f"names must give {len(points)} different names, one per input, got {list(names)}"
            )
    leaves = [Value(x, label=name) for x, name in zip(points, names)]
    with sg.enable_grad():
        root = f(*leaves)
    if not isinstance(root, Value):
        raise TypeError(
            f"{name_of(f)} must compute a Value from its inputs, got {type(root).__name__} {root!r}"
        )
    if not root.label:
        root.label = _result_name(f, names)
    expected = [float(e) for e in sg.gradients(root, leaves)]
    got = _partials(formula, points, names)
    marks = [not close(g, e, rtol, atol) for g, e in zip(got, expected)]
    if not any(marks):
        return
    rows = [
        (name, number(x), number(e), number(g), number(abs(g - e)))
        for name, x, e, g in zip(names, points, expected, got)
    ]
    wrong = sum(marks)
    lines = [
        f"the hand-derived gradient of {root.label} does not match its graph: {wrong} of {len(marks)} partial "
        f"derivative{'s' if len(marks) != 1 else ''} {'is' if wrong == 1 else 'are'} wrong (rtol={rtol!r}, atol={atol!r})",
        table(("input", "value", "graph", "formula", "difference"), rows, marks),
        f"  function: {name_of(f)}",
        f"  formula: {name_of(formula)}",
    ]
    if explain is not False:
        lines += _chain_rules(root, [name for name, mark in zip(names, marks) if mark], explain)
    raise AssertionError("\n".join(lines))


_LARGE = 40  # nodes: a larger graph gets one explanation, without the forward pass


def _chain_rules(root: Value, wrong: list[str], explain: bool | int) -> list[str]:
    """The chain rule for each wrong partial, as :func:`scalargrad.explain` writes it."""
    from scalargrad.viz.explanation import (
        explain as chain_rule,  # the drawings' layer, loaded on failure only
    )

    nodes = sg.topological_order(root)
    large = len(nodes) > _LARGE
    collapse = any(node.label and node.parents for node in nodes if node is not root)
    most = (1 if large else len(wrong)) if explain is True else max(int(explain), 0)
    lines = []
    for k, name in enumerate(wrong[:most]):
        lines.append(f"\nHow the graph finds ∂{root.label}/∂{name}:")
        lines.append(chain_rule(root, name, collapse=collapse, forward=k == 0 and not large).text)
    if len(wrong) > most:
        rest = len(wrong) - most
        lines.append(
            f"\n(and {rest} more wrong partial{'s: their chain rules are' if rest != 1 else ': its chain rule is'} left out"
            + ("; label intermediate Values to shorten them" if large and not collapse else "")
            + ")"
        )
    return lines


def _real(x: Any, i: int) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        try:
            return float(x)
        except (TypeError, ValueError):
            raise TypeError(
                f"input {i} must be a real number or a Value, got {type(x).__name__} {x!r}"
            ) from None
    return float(x)


def _input_names(f: Callable[..., Any], n: int) -> list[str]:
    """``f``'s positional parameter names for ``n`` inputs, or x0, x1, ... where they cannot be read."""
    try:
        parameters = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    positional = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) >= n and len(set(positional[:n])) == n:
        return positional[:n]
    return [f"x{i}" for i in range(n)]


def _result_name(f: Callable[..., Any], names: Sequence[str]) -> str:
    name = getattr(f, "__name__", "")
    if not name.isidentifier() or name in names:
        name = "f"
        while name in names:
            name += "'"
    return name


def _partials(formula: Callable[..., Any], points: Sequence[float], names: Sequence[str]) -> list[float]:
    """What ``formula`` returns at ``points``, as one float per input."""
    out = formula(*points)
    n = len(points)
    if isinstance(out, Mapping):
        missing = [name for name in names if name not in out]
        extra = [key for key in out if key not in names]
        if missing or extra:
            raise TypeError(
                f"{name_of(formula)} returned partials by name; "
                + (f"missing {missing}" if missing else "")
                + ("; " if missing and extra else "")
                + (f"unknown {extra}" if extra else "")
                + f" (the inputs are {list(names)})"
            )
        values = [out[name] for name in names]
    elif isinstance(out, (list, tuple)):
        values = list(out)
    elif n == 1:
        values = [out]
    else:
        raise TypeError(
            f"{name_of(formula)} must return {n} partial derivatives (a tuple or list), got {type(out).__name__} {out!r}"
        )
    if len(values) != n:
        raise TypeError(
            f"{name_of(formula)} returned {len(values)} partial derivatives for {n} inputs ({', '.join(names)})"
        )
    result = []
    for name, v in zip(names, values):
        if isinstance(v, Value):
            v = v.data
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            try:
                v = float(v)
            except (TypeError, ValueError):
                raise TypeError(
                    f"{name_of(formula)} returned {type(v).__name__} {v!r} as the partial for {name}"
                ) from None
        result.append(float(v))
    return result
