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

import functools
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scalargrad.value import Value
from scalargrad.viz.diagram import Diagram, _diagram, _WrittenOnDemand, visible
from scalargrad.viz.mathml import aligned, text_of
from scalargrad.viz.notation import LATEX, TEXT, Style
from scalargrad.viz.trace import Trace, check_bool, given, trace

__all__ = ["Explanation", "explain"]


@dataclass(frozen=True, repr=False)
class Explanation:
    """A derivation as plain text (``text``, also ``str()``), as LaTeX (``latex``), Markdown and HTML.

    ``markdown`` has bold headings and ``$$`` equations, for a front-end
    that typesets Markdown's maths; ``latex`` is for a LaTeX document;
    ``html`` writes each equation in MathML, which browsers typeset
    themselves, so it needs no script and nothing from the network.
    Names are escaped for each: a label is only ever text, never markup or
    a command. ``explain`` writes ``latex`` and ``markdown`` when they are
    first read, and ``html`` is written from ``latex``.

    Displayed as the last line of a cell, an explanation shows typeset:
    Jupyter (and nbconvert's HTML, and the docs) take its HTML
    (``_repr_html_``) before its Markdown (``_repr_markdown_``). IPython in
    a terminal prints the text (``_repr_pretty_``), and ``repr()`` is
    short: how many lines, and the last.

    >>> from scalargrad import Value
    >>> x = Value(2.0, label="x")
    >>> y = x.exp(); y.label = "y"
    >>> e = explain(y, "x", forward=False)
    >>> e
    <Explanation, 7 lines, ending '∂y/∂x = (7.389056) = 7.389056'>
    >>> md = e.markdown
    >>> print(md.splitlines()[0])
    **Chain rule: y is made from x directly, by one local derivative**
    >>> md.count("$$") % 2, r"\\frac{\\partial y}{\\partial x}" in md
    (0, True)
    >>> "<mfrac><mrow><mi>∂</mi><mi>y</mi></mrow><mrow><mi>∂</mi><mi>x</mi></mrow></mfrac>" in e.html
    True
    """

    text: str
    # Written when first read (a notebook reads only markdown, a document only latex).
    latex: _WrittenOnDemand = _WrittenOnDemand()
    markdown: _WrittenOnDemand = _WrittenOnDemand()

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        lines = self.text.split("\n")  # not splitlines(): a name may hold a U+2028
        last = lines[-1].strip()
        if len(last) > 72:
            last = f"{last[:40]} … {last[-28:]}"
        return f"<{type(self).__name__}, {len(lines)} line{'' if len(lines) == 1 else 's'}, ending {last!r}>"

    def __getstate__(self) -> dict[str, object]:  # pickle the text, not the function that writes it
        return {**self.__dict__, "_latex": self.latex, "_markdown": self.markdown}

    @functools.cached_property
    def html(self) -> str:
        """The derivation as an HTML fragment: headings in bold, each equation a MathML ``<math>`` block."""
        return _html(self.latex)

    def _repr_markdown_(self) -> str:
        return self.markdown

    def _repr_html_(self) -> str:
        return self.html

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """IPython's pretty printer (a terminal's ``Out[…]``): the text, not the repr."""
        p.text(self.text)


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
        raise TypeError(f"explain() takes a scalargrad Value (or a Trace) as root, got {given(root)}")
    if not isinstance(wrt, str):
        raise TypeError(f"explain() takes the name of a node as wrt, got {given(wrt)}")
    check_bool(collapse, "collapse", "explain")
    check_bool(forward, "forward", "explain")
    record = root if isinstance(root, Trace) else trace(root)
    d = _diagram(record, collapse)
    d.position(wrt)  # a clear KeyError for an unknown name, before any writing
    latex = functools.cache(lambda: _derivation(d, wrt, LATEX, forward))  # LaTeX and Markdown share it
    return Explanation(
        _text(_derivation(d, wrt, TEXT, forward)),
        lambda: _latex(latex()),
        lambda: _markdown(latex()),
    )


@dataclass(frozen=True)
class _Heading:
    """A heading: fixed words at even positions of ``parts``, names (escaped when written) at odd ones."""

    parts: tuple[str, ...]


@dataclass(frozen=True)
class _Equation:
    """``a = b = c``, in the notation's own symbols (names in it already written for that notation)."""

    body: str


_Block = _Heading | _Equation


def _derivation(d: Diagram, wrt: str, style: Style, forward: bool) -> list[_Block]:
    """What the derivation says, as headings and equations, in ``style``'s notation."""
    blocks: list[_Block] = []

    def equation(*parts: str) -> None:
        # Never an equation whose sides are the same expression (``2 × 3 = 2 × 3``
        # when the operands are constants): each expression is written once.
        distinct = list(dict.fromkeys(parts))
        if len(distinct) > 1:
            blocks.append(_Equation(" = ".join(distinct)))

    written: dict[float, str] = {}  # the same numbers come back: data, derivatives, gradients

    def value(x: float) -> str:
        text = written.get(x)
        if text is None:
            text = written[x] = style.number(x)
        return text

    if forward:
        for position, node in enumerate(d.nodes):
            if node.is_leaf:
                continue
            if not blocks:
                blocks.append(_Heading(("Forward pass",)))
            formula, with_values = d._formula(position, style, False), d._formula(position, style, True)
            equation(style.name(node.name), formula, with_values, value(node.data))

    target = d.position(wrt)
    listed, count = d.paths(wrt)
    root_name = d.nodes[d.root].name
    symbol = d.gradient_symbol(target, style)
    if target == d.root:
        blocks.append(_Heading(("Chain rule",)))
        equation(symbol, value(1.0))
        return blocks
    partials: dict[int, str] = {}

    def partial(e: int) -> str:
        text = partials.get(e)
        if text is None:
            text = partials[e] = d.partial(d.edges[e], style)
        return text

    plural = "path" if count == 1 else "paths"
    times = f" {style.times} "
    chains = [times.join(partial(e) for e in reversed(path)) for path in listed]
    if count > len(listed):
        chains.append(
            f"\\ldots ({count - len(listed)} more)" if style.latex else f"… ({count - len(listed)} more)"
        )
    if chains == [symbol]:
        # One edge straight to the root: the gradient is that edge's local derivative.
        blocks.append(
            _Heading(("Chain rule: ", root_name, " is made from ", wrt, " directly, by one local derivative"))
        )
    else:
        blocks.append(_Heading((f"Chain rule, along the {count} {plural} from ", wrt, " to ", root_name)))
        equation(symbol, " + ".join(chains))

    blocks.append(_Heading(("Local derivatives",)))
    seen: set[int] = set()
    for path in listed:
        for e in reversed(path):
            if e in seen:
                continue
            seen.add(e)
            edge = d.edges[e]
            parts = [partial(e)]
            formula = d.derivative_formula(edge, style)
            if formula and formula != value(edge.derivative):
                parts.append(formula)
            parts.append(value(edge.derivative))
            equation(*parts)

    blocks.append(_Heading(("Together",)))
    products = ["".join(f"({value(d.edges[e].derivative)})" for e in reversed(path)) for path in listed]
    if count > len(listed):
        products.append(r"\ldots" if style.latex else "…")
    equation(symbol, " + ".join(products), value(d.nodes[target].grad))
    return blocks


def _heading(heading: _Heading, escape: Callable[[str], str]) -> str:
    return "".join(escape(part) if k % 2 else part for k, part in enumerate(heading.parts))


def _text(blocks: list[_Block]) -> str:
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, _Heading):
            if lines:
                lines.append("")
            lines.append(_heading(block, visible))
        else:
            lines.append("  " + visible(block.body))
    return "\n".join(lines)


def _latex(blocks: list[_Block]) -> str:
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, _Heading):
            if lines:
                lines.append("")
            lines.append(rf"\paragraph{{{_heading(block, _latex_text)}}}")
        else:
            lines.append(rf"\[ {visible(block.body)} \]")
    return "\n".join(lines)


def _markdown(blocks: list[_Block]) -> str:
    # Notebooks (Jupyter, nbconvert) take the $$ blocks out before the Markdown
    # is parsed and hand them to MathJax; names in them are LaTeX-escaped by the
    # notation, and < and > are written \lt and \gt, so no tag can form even
    # where the math is read as HTML. Headings are Markdown text: escaped.
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, _Heading):
            lines.append(f"**{_heading(block, _markdown_text)}**")
        else:
            lines.append(f"$$ {_math_for_html(visible(block.body))} $$")
    return "\n\n".join(lines)


_LATEX_TEXT = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "%": r"\%",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    '"': r"\textquotedbl{}",
}
_LATEX_SPECIAL = re.compile("[" + re.escape("".join(_LATEX_TEXT)) + "]")


def _latex_text(name: str) -> str:
    r"""``name`` as LaTeX text (outside math): every special character escaped, so it is never a command.

    >>> print(_latex_text(r"\input{/etc/passwd} 50% a_b"))
    \textbackslash{}input\{/etc/passwd\} 50\% a\_b
    """
    return _LATEX_SPECIAL.sub(lambda m: _LATEX_TEXT[m.group()], visible(name))


_MARKDOWN_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;"}
_MARKDOWN_SPECIAL = re.compile(r"[!-/:-@\[-`{-~]")  # ASCII punctuation: CommonMark escapes any of it


def _markdown_text(name: str) -> str:
    r"""``name`` as Markdown text: markup characters backslash-escaped, ``< > & "`` as HTML entities.

    >>> print(_markdown_text("<img src=x onerror=alert(1)> *a*"))
    &lt;img src\=x onerror\=alert\(1\)&gt; \*a\*
    """
    return _MARKDOWN_SPECIAL.sub(lambda m: _MARKDOWN_ENTITIES.get(m.group(), "\\" + m.group()), visible(name))


def _math_for_html(body: str) -> str:
    return body.replace("<", r"\lt{}").replace(">", r"\gt{}")


_EQUATION_WIDTH = 64  # characters: a wider equation is set as rows (MathML does not break lines)
# In a maths font where there is one (an OpenType MATH font sets fractions best), else the browser's own.
_MATH_STYLE = (
    "margin: 0.3em 0 0.6em; "
    'font-family: "STIX Two Math", "Cambria Math", "Latin Modern Math", "DejaVu Math TeX Gyre", math'
)


def _html(latex: str) -> str:
    """The HTML of an explanation, read from its LaTeX (``_latex``'s lines: paragraphs and display equations).

    A heading is a bold paragraph; the equations under it are one MathML
    block, aligned on their ``=`` as a derivation on paper is.
    ``mathjax_ignore``/``tex2jax_ignore`` keep a notebook's MathJax away
    from it: the maths is MathML already, and a ``$`` in a name stays a ``$``.
    """
    parts = ['<div class="scalargrad-explanation mathjax_ignore tex2jax_ignore" style="overflow-x: auto">']
    equations: list[str] = []

    def flush() -> None:
        if equations:
            parts.append(aligned(equations, _EQUATION_WIDTH, _MATH_STYLE))
            equations.clear()

    for line in latex.split("\n"):  # not splitlines(): a name may hold a U+2028
        if line.startswith("\\[ ") and line.endswith(" \\]"):
            equations.append(line[3:-3])
            continue
        flush()
        if line.startswith("\\paragraph{") and line.endswith("}"):
            heading = html.escape(text_of(line[len("\\paragraph{") : -1]))
            parts.append(f'<p style="margin: 0.9em 0 0.3em"><strong>{heading}</strong></p>')
        elif line:
            parts.append(f"<p>{html.escape(text_of(line))}</p>")
    flush()
    parts.append("</div>")
    return "\n".join(parts)
