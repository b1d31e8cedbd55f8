"""Forward mode written out: the forward pass, the seeds, then each node's tangent by the chain rule.

``explain_forward(root, wrt)`` is the forward twin of
:func:`~scalargrad.viz.explanation.explain`. Where ``explain`` multiplies local
derivatives along the paths from one input back to the root, this follows the
sweep forward mode makes: the tangent ẋ = d x / d input of every node, in
topological order, each the sum over its operands of the operand's tangent
times the local derivative, in symbols, in formulas and in numbers. It comes
as text, LaTeX and Markdown (an :class:`~scalargrad.viz.explanation.Explanation`),
with names escaped for each as ``explain`` escapes them.

>>> from scalargrad import Value
>>> x, w = Value(0.5, label="x"), Value(-3.0, label="w")
>>> z = x * w; z.label = "z"
>>> y = z.tanh(); y.label = "y"
>>> print(explain_forward(y, "w"))
Forward pass
  z = x × w = 0.5 × (-3) = -1.5
  y = tanh(z) = tanh(-1.5) = -0.905148
<BLANKLINE>
Seeds
  ẋ = 0 (x does not depend on w)
  ẇ = 1
<BLANKLINE>
Tangents, by the chain rule forward
  ż = ẇ × ∂z/∂w = ẇ × x = 1 × 0.5 = 0.5
  ẏ = ż × ∂y/∂z = ż × (1 - y²) = 0.5 × 0.180707 = 0.090353
<BLANKLINE>
Result
  ∂y/∂w = ẏ = 0.090353
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from scalargrad.value import Value
from scalargrad.viz.diagram import Diagram, _diagram
from scalargrad.viz.explanation import (
    Explanation,
    _Block,
    _derivation,
    _Equation,
    _Heading,
    _latex,
    _markdown,
    _text,
)
from scalargrad.viz.forward import (
    ForwardTrace,
    Input,
    forward_steps,
    swept,
    tangent_caption,
    tangent_symbol,
)
from scalargrad.viz.notation import LATEX, TEXT, Style, partial
from scalargrad.viz.trace import Trace, check_bool

__all__ = ["explain_forward"]


def explain_forward(
    root: Value | Trace | ForwardTrace,
    wrt: Input | Sequence[Input] | None = None,
    tangents: float | Sequence[float] | None = None,
    collapse: bool = False,
    primals: bool = True,
) -> Explanation:
    """How forward mode finds d root / d ``wrt``: every node's tangent, by the chain rule, forward.

    ``wrt`` and ``tangents`` are :func:`~scalargrad.viz.forward.forward_trace`'s
    (a name, or several with one tangent each; 1 by default), or ``root`` is a
    ``ForwardTrace`` already taken. ``collapse=True`` writes it over the
    labelled nodes only; ``primals=False`` leaves out the forward pass's
    values. The graph is not changed.

    The worked example of Baydin et al. (JMLR 2018), their Table 2:

    >>> import scalargrad as sg
    >>> x1, x2 = sg.Value(2.0, label="x1"), sg.Value(5.0, label="x2")
    >>> v1 = sg.log(x1); v1.label = "v1"
    >>> v2 = x1 * x2; v2.label = "v2"
    >>> v3 = sg.sin(x2); v3.label = "v3"
    >>> v4 = v1 + v2; v4.label = "v4"
    >>> y = v4 - v3; y.label = "y"
    >>> e = explain_forward(y, ("x1", "x2"), (1.0, 0.0), primals=False)
    >>> print(e.text)
    Seeds
      ẋ1 = 1
      ẋ2 = 0
    <BLANKLINE>
    Tangents, by the chain rule forward
      v̇1 = ẋ1 × ∂v1/∂x1 = ẋ1 × (1 / x1) = 1 × 0.5 = 0.5
      v̇2 = ẋ1 × ∂v2/∂x1 + ẋ2 × ∂v2/∂x2 = ẋ1 × x2 + ẋ2 × x1 = 1 × 5 + 0 × 2 = 5
      v̇4 = v̇1 + v̇2 = 0.5 + 5 = 5.5
      v̇3 = ẋ2 × ∂v3/∂x2 = ẋ2 × cos(x2) = 0 × 0.283662 = 0
      ẏ = v̇4 - v̇3 = 5.5 - 0 = 5.5
    <BLANKLINE>
    Result
      ∂y/∂x1 = ẏ = 5.5
    >>> print(e.latex.splitlines()[-1])
    \\[ \\frac{\\partial y}{\\partial \\mathrm{x1}} = \\dot{y} = 5.5 \\]
    """
    sweep = swept(root, wrt, tangents, "explain_forward")
    check_bool(collapse, "collapse", "explain_forward")
    check_bool(primals, "primals", "explain_forward")
    d = _diagram(sweep.graph, collapse)
    latex = functools.cache(lambda: _blocks(d, sweep, LATEX, primals))  # LaTeX and Markdown share it
    return Explanation(
        _text(_blocks(d, sweep, TEXT, primals)), lambda: _latex(latex()), lambda: _markdown(latex())
    )


def _blocks(d: Diagram, sweep: ForwardTrace, style: Style, primals: bool) -> list[_Block]:
    """The derivation as headings and equations, in ``style``'s notation."""
    blocks: list[_Block] = []
    if (
        primals
    ):  # the forward pass as explain writes it: for d root / d root it ends with one heading and "= 1"
        blocks += _derivation(d, d.nodes[d.root].name, style, True)[:-2]
    steps = forward_steps(d, sweep)
    blocks.append(_Heading(("Seeds",)))
    for step in steps:  # the seeded nodes and the drawn leaves, in order: what the sweep starts from
        if step.seed or d.nodes[step.node].is_leaf:
            text = tangent_caption(d, sweep, step, style)
            blocks.append(_Equation(text.removesuffix(" (the seed)").removesuffix(r"\ \text{(the seed)}")))
    computed = [step for step in steps if not step.seed and not d.nodes[step.node].is_leaf]
    if computed:
        blocks.append(_Heading(("Tangents, by the chain rule forward",)))
    for step in computed:
        blocks.append(_Equation(tangent_caption(d, sweep, step, style, formulas=True)))
    blocks.append(_Heading(("Result",)))
    root = d.nodes[d.root]
    result = [tangent_symbol(root.name, style), style.number(sweep.steps[root.index].tangent)]
    one = _unit_seed(sweep)
    if one is not None:
        result.insert(0, partial(root.name, sweep.nodes[one].name, style))
    blocks.append(_Equation(" = ".join(result)))
    return blocks


def _unit_seed(sweep: ForwardTrace) -> int | None:
    """The one input seeded 1 when every other input is seeded 0: then the root's tangent is d root / d it."""
    totals: dict[int, float] = {}
    for w, t in zip(sweep.wrt, sweep.seeds):
        totals[w] = totals.get(w, 0.0) + t
    ones = [w for w, t in totals.items() if t == 1.0]
    if len(ones) == 1 and all(t == 0.0 for w, t in totals.items() if w != ones[0]):
        return ones[0]
    return None
