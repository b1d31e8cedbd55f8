"""The chain rule for one gradient, written out as a derivation in text and in LaTeX.

``explain(root, wrt)`` reads a :class:`~scalargrad.viz.diagram.Diagram` and writes
what a tutorial writes by hand: the forward pass with its numbers, the chain
rule for d root / d wrt as a sum over paths of products of local
derivatives, each local derivative in symbols and in numbers, and the
product along each path.

>>> from scalargrad import Value
>>> x, w = Value(0.5, label="x"), Value(-3.0, label="w")
>>> z = x * w; z.label = "z"
>>> y = z.tanh(); y.label = "y"
>>> print(explain(y, "w"))
Forward pass
  z = x × w = 0.5 × (-3) = -1.5
  y = tanh(z) = tanh(-1.5) = -0.905148
<BLANKLINE>
Chain rule, along the 1 path from w to y
  ∂y/∂w = ∂y/∂z × ∂z/∂w
<BLANKLINE>
Local derivatives
  ∂y/∂z = 1 - y² = 0.180707
  ∂z/∂w = x = 0.5
<BLANKLINE>
Together
  ∂y/∂w = (0.180707)(0.5) = 0.090353
"""

from __future__ import annotations

from dataclasses import dataclass

from scalargrad.viz.diagram import Diagram, diagram
from scalargrad.viz.notation import LATEX, TEXT, Style
from scalargrad.viz.trace import Trace, trace
from scalargrad.value import Value

__all__ = ["Explanation", "explain"]


@dataclass(frozen=True)
class Explanation:
    """A derivation as plain text (``text``, also ``str()``), as LaTeX (``latex``) and as Markdown.

    ``markdown`` has bold headings and ``$$`` equations, so a notebook shows
    an explanation typeset (``_repr_markdown_``); ``latex`` is for a LaTeX
    document.

    >>> from scalargrad import Value
    >>> x = Value(2.0, label="x")
    >>> y = x.exp(); y.label = "y"
    >>> md = explain(y, "x", forward=False).markdown
    >>> print(md.splitlines()[0])
    **Chain rule, along the 1 path from x to y**
    >>> md.count("$$") % 2, r"\\frac{\\partial y}{\\partial x}" in md
    (0, True)
    """

    text: str
    latex: str
    markdown: str

    def __str__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return self.markdown


def explain(root: Value | Trace, wrt: str, collapse: bool = False, forward: bool = True) -> Explanation:
    """How d root / d (the node named ``wrt``) follows from the chain rule, step by step.

    ``collapse=True`` writes it over the labelled nodes only, as a tutorial
    does (see :mod:`scalargrad.viz.diagram`); ``forward=False`` leaves out the
    forward pass (when explaining a second gradient of the same graph). The
    numbers are those of a backward pass from ``root``; the graph is not changed.

    >>> from scalargrad.cli.walkthrough import build
    >>> print(explain(build(), "w2", collapse=True).text.splitlines()[-1])
      ∂E/∂w2 = (-0.336286)(0.245941)(0.512497) = -0.042387
    """
    if not isinstance(root, (Value, Trace)):
        raise TypeError(f"explain() takes a scalargrad Value (or a Trace), got {type(root).__name__} {root!r}")
    if not isinstance(wrt, str):
        raise TypeError(f"explain() takes the name of a node as wrt, got {type(wrt).__name__} {wrt!r}")
    record = root if isinstance(root, Trace) else trace(root)
    d = diagram(record, collapse=collapse)
    d.position(wrt)  # a clear KeyError for an unknown name, before any writing
    return Explanation(
        _write(d, wrt, TEXT, forward),
        _write(d, wrt, LATEX, forward),
        _write(d, wrt, LATEX, forward, markdown=True),
    )


def _write(d: Diagram, wrt: str, style: Style, forward: bool, markdown: bool = False) -> str:
    latex = style.latex
    indent = "" if latex else "  "
    lines: list[str] = []

    def heading(title: str) -> None:
        if lines:
            lines.append("")
        if markdown:
            lines.append(f"**{title}**")
        else:
            lines.append(rf"\paragraph{{{title}}}" if latex else title)

    def equation(*parts: str) -> None:
        body = " = ".join(parts)
        if markdown:
            lines.append(f"$$ {body} $$")
        else:
            lines.append(rf"\[ {body} \]" if latex else indent + body)

    def value(x: float) -> str:
        return style.number(x)

    for position, node in enumerate(d.nodes) if forward else ():
        if node.is_leaf:
            continue
        if not lines:
            heading("Forward pass")
        formula, with_values = d.formula(position, style), d.formula(position, style, values=True)
        equation(style.name(node.name), formula, with_values, value(node.data))

    target = d.position(wrt)
    listed, count = d.paths(wrt)
    root_name = d.nodes[d.root].name
    symbol = d.gradient_symbol(target, style)
    if target == d.root:
        heading("Chain rule")
        equation(symbol, value(1.0))
        return ("\n\n" if markdown else "\n").join(line for line in lines if line or not markdown)
    plural = "path" if count == 1 else "paths"
    heading(f"Chain rule, along the {count} {plural} from {wrt} to {root_name}")
    times = f" {style.times} "
    chains = [times.join(d.partial(d.edges[e], style) for e in reversed(path)) for path in listed]
    if count > len(listed):
        chains.append(f"\\ldots ({count - len(listed)} more)" if latex else f"… ({count - len(listed)} more)")
    equation(symbol, " + ".join(chains))

    heading("Local derivatives")
    seen: set[int] = set()
    for path in listed:
        for e in reversed(path):
            if e in seen:
                continue
            seen.add(e)
            edge = d.edges[e]
            parts = [d.partial(edge, style)]
            formula = d.derivative_formula(edge, style)
            if formula and formula != value(edge.derivative):
                parts.append(formula)
            parts.append(value(edge.derivative))
            equation(*parts)

    heading("Together")
    products = ["".join(f"({value(d.edges[e].derivative)})" for e in reversed(path)) for path in listed]
    if count > len(listed):
        products.append(r"\ldots" if latex else "…")
    equation(symbol, " + ".join(products), value(d.nodes[target].grad))
    return ("\n\n" if markdown else "\n").join(line for line in lines if line or not markdown)

