"""Pictures of a computation graph and of its backward pass, as ``graphviz.Digraph`` objects.

Three pictures, all read from a :class:`~scalargrad.viz.diagram.Diagram`:

- ``draw(root)``: every node with its formula, value and gradient, every edge
  with its local derivative. ``highlight="w1"`` turns it into the path view:
  the paths from w1 to the root stand out and the caption multiplies along
  each path.
- ``step_frames(root)``: one picture before the backward pass and one per
  step, each with the step's equation as caption.

Building a ``Digraph`` needs no graphviz binary (``.source`` is the DOT text,
and Jupyter shows the object inline when ``dot`` is installed); writing files
is in :mod:`scalargrad.viz.writers`. The DOT text is deterministic: node names
come from the topological order, never from ``id()``.

Frames are meant to be flipped through, so every frame has the same layout:
the frames differ only in colours and in text inside fixed-size cells
(numbers and captions use a monospace font, whose width is known in advance),
and graphviz lays out identical shapes identically.

>>> from scalargrad import Value
>>> x, w = Value(0.5, label="x"), Value(-3.0, label="w")
>>> y = (x * w).tanh(); y.label = "y"
>>> dot = draw(y).source
>>> "= tanh(n2)" in dot, "∂y/∂n2" in dot, "= 0.180707" in dot
(True, True, True)
>>> len(step_frames(y))   # before the backward pass, then one frame per node
5
"""

from __future__ import annotations

import html
import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import graphviz

from scalargrad.viz.diagram import Diagram, diagram
from scalargrad.viz.notation import number
from scalargrad.viz.trace import Trace
from scalargrad.value import Value

__all__ = ["Frame", "GraphvizNotFound", "Picture", "draw", "path_view", "step_frames"]

RANKDIRS = ("TB", "LR", "BT", "RL")

FONT = "Helvetica"
MONO = "Courier"
FONT_SIZE = 11
# Monospace glyphs are about 0.6 em wide (DejaVu Sans Mono, Liberation Mono,
# Courier); graphviz measures DejaVu's at 0.616 em, and a few percent to spare
# keeps other fonts inside their cells.
_GLYPH = 0.65 * FONT_SIZE
_CELL_PADDING = 3

# Colours (www.w3.org named or hex); one place so pictures stay consistent.
INK, FAINT, EDGE = "#212529", "#adb5bd", "#868e96"
LEAF_FILL, NODE_FILL = "#e7f0fa", "#ffffff"
CURRENT_FILL, CURRENT_LINE = "#ffd8a8", "#e8590c"
USED_FILL = "#fff4e6"
PATH_FILL, PATH_LINE = "#d0ebff", "#1971c2"


INSTALL_HINT = (
    "install graphviz and make sure `dot` is on PATH: "
    "`apt-get install graphviz` (Debian, Ubuntu), `dnf install graphviz` (Fedora), "
    "`brew install graphviz` (macOS), `conda install graphviz`, or see https://graphviz.org/download/"
)


class GraphvizNotFound(RuntimeError):
    """Raised when a picture has to be rendered and graphviz's ``dot`` program is not installed.

    >>> issubclass(GraphvizNotFound, RuntimeError)
    True
    """


class Picture(graphviz.Digraph):  # type: ignore[misc]  # graphviz has no type information
    """The ``graphviz.Digraph`` that ``draw`` returns; in Jupyter, a missing ``dot`` says how to install it.

    >>> from scalargrad import Value
    >>> isinstance(draw(Value(1.0, label="x")), graphviz.Digraph)
    True
    """

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None, **options: Any
    ) -> dict[str, bytes | str]:
        try:
            bundle: dict[str, bytes | str] = super()._repr_mimebundle_(include, exclude, **options)
        except graphviz.ExecutableNotFound as error:
            raise GraphvizNotFound(
                f"showing a picture needs graphviz's `dot` program, which was not found; {INSTALL_HINT}. "
                "(The picture's DOT text is in its .source.)"
            ) from error
        return bundle


@dataclass(frozen=True)
class Frame:
    """One picture of the backward pass and its caption (plain text, the step's equation)."""

    graph: Picture
    caption: str


@dataclass
class _Look:
    """What one picture emphasises; the default shows everything plainly."""

    known: Collection[int] = ()  # nodes whose gradient is shown
    current: int | None = None
    used_edges: Collection[int] = ()
    used_nodes: Collection[int] = ()
    path_edges: Collection[int] = ()
    path_nodes: Collection[int] = ()
    caption: str = ""
    caption_chars: int = 0  # the caption's cell is this wide, so all frames match


def draw(
    root: Value | Trace,
    rankdir: str = "TB",
    show_grad: bool = True,
    edge_labels: bool = True,
    collapse: bool = False,
    highlight: str | None = None,
) -> Picture:
    """The computation graph that produced ``root``, with the gradients of a backward pass from it.

    Each node shows its name (label, or a short name), the formula that made
    it, its value and d root / d node; each edge its local derivative. The
    gradients are those ``root.backward()`` would give on a fresh graph; the
    graph itself is not changed. ``collapse=True`` draws only labelled nodes
    (see :mod:`scalargrad.viz.diagram`); ``highlight="w1"`` draws the path view of
    the node labelled w1; ``rankdir`` is graphviz's ("TB", "LR", "BT", "RL").

    >>> from scalargrad import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b; c.label = "c"
    >>> print(draw(c, edge_labels=False).source.count("->"))
    2
    """
    d = _diagram(root, collapse)
    rankdir = _check_rankdir(rankdir)
    look = _Look(known=range(len(d.nodes)) if show_grad else ())
    if highlight is not None:
        listed, _ = d.paths(highlight)
        look.path_edges = {e for path in listed for e in path}
        look.path_nodes = {d.position(highlight)} | {d.edges[e].target for e in look.path_edges}
        look.caption = d.path_caption(highlight)
        look.caption_chars = len(look.caption)
    return _draw(d, rankdir, show_grad, edge_labels, look)


def path_view(
    root: Value | Trace, wrt: str, rankdir: str = "TB", collapse: bool = False, edge_labels: bool = True
) -> Picture:
    """Every path from the node named ``wrt`` to ``root``, highlighted, with their products as caption.

    The same as ``draw(root, highlight=wrt, ...)``.

    >>> from scalargrad.cli.walkthrough import build
    >>> "(-0.336286)(0.245941)(0.512497) = -0.042387" in path_view(build(), "w2", collapse=True).source
    True
    """
    return draw(root, rankdir=rankdir, collapse=collapse, edge_labels=edge_labels, highlight=wrt)


def step_frames(
    root: Value | Trace, rankdir: str = "TB", collapse: bool = False, edge_labels: bool = True
) -> list[Frame]:
    """The backward pass from ``root`` as pictures: the forward pass, then one frame per step.

    In frame k the node whose gradient step k completes is filled orange, the
    edges and gradients it used are marked, and gradients not computed yet
    read ``?``. Every frame has the same layout.

    >>> from scalargrad import Value
    >>> x = Value(3.0, label="x")
    >>> y = x * x; y.label = "y"
    >>> [frame.caption for frame in step_frames(y)]
    ['forward pass: y = 9; no gradient is known yet', '∂y/∂y = 1', '∂y/∂x = ∂y/∂y × ∂y/∂x + ∂y/∂y × ∂y/∂x = 1 × 3 + 1 × 3 = 6']
    """
    d = _diagram(root, collapse)
    rankdir = _check_rankdir(rankdir)
    root_node = d.nodes[d.root]
    captions = [f"forward pass: {root_node.name} = {number(root_node.data)}; no gradient is known yet"]
    captions += [d.step_caption(step) for step in d.steps]
    total = len(d.steps)
    titled = [f"{k}/{total}  {caption}" for k, caption in enumerate(captions)]
    width = max(len(text) for text in titled)
    frames = [Frame(_draw(d, rankdir, True, edge_labels, _Look(caption=titled[0], caption_chars=width)), captions[0])]
    known: list[int] = []
    for k, step in enumerate(d.steps, start=1):
        known.append(step.node)
        used_edges = [term.edge for term in step.terms]
        look = _Look(
            known=set(known),
            current=step.node,
            used_edges=used_edges,
            used_nodes={d.edges[e].target for e in used_edges},
            caption=titled[k],
            caption_chars=width,
        )
        frames.append(Frame(_draw(d, rankdir, True, edge_labels, look), captions[k]))
    return frames


def _diagram(root: Value | Trace, collapse: bool) -> Diagram:
    if not isinstance(root, (Value, Trace)):
        raise TypeError(f"expected a scalargrad Value (or a Trace), got {type(root).__name__} {root!r}")
    return diagram(root, collapse=collapse)


def _check_rankdir(rankdir: str) -> str:
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}; got {rankdir!r}")
    return rankdir


def _draw(d: Diagram, rankdir: str, show_grad: bool, edge_labels: bool, look: _Look) -> Picture:

    graph = Picture(
        name="scalargrad",
        graph_attr={
            "rankdir": rankdir, "bgcolor": "white", "fontname": FONT, "fontsize": str(FONT_SIZE),
            "nodesep": "0.5", "ranksep": "0.5", "labelloc": "t",
        },
        node_attr={"shape": "plain", "fontname": FONT, "fontsize": str(FONT_SIZE)},
        edge_attr={"fontname": FONT, "fontsize": str(FONT_SIZE - 1), "color": EDGE, "fontcolor": EDGE, "arrowsize": "0.7"},
    )
    if look.caption:
        graph.attr(label=_caption_label(look.caption, look.caption_chars))
    # Every node's number cells are as wide as its longest number, so "?" and
    # "-0.082706" take the same room and the layout never moves.
    for position, node in enumerate(d.nodes):
        chars = max(len(number(node.data)), len(number(node.grad)))
        graph.node(f"n{node.index}", _node_label(d, position, chars, show_grad, look))
    for e, edge in enumerate(d.edges):
        attrs: dict[str, str] = {}
        if edge_labels:
            symbol, value = d.partial(edge), number(edge.derivative)
            if rankdir in ("TB", "BT"):
                # Stacked, so neighbouring edges' labels do not run into each
                # other; left-justified (\l) after a no-break space, so the
                # text keeps clear of its own edge.
                text = f"\u00a0{symbol}\\l\u00a0= {value}\\l"
            else:
                text = f"{symbol} = {value}"
            attrs["label"] = html.escape(text, quote=False)
        if e in look.used_edges:
            attrs.update(color=CURRENT_LINE, fontcolor=CURRENT_LINE, penwidth="2.2")
        elif e in look.path_edges:
            attrs.update(color=PATH_LINE, fontcolor=PATH_LINE, penwidth="2.2")
        elif look.path_edges:
            attrs.update(color=FAINT, fontcolor=FAINT)
        graph.edge(f"n{d.nodes[edge.source].index}", f"n{d.nodes[edge.target].index}", **attrs)
    return graph


def _node_label(d: Diagram, position: int, chars: int, show_grad: bool, look: _Look) -> str:
    node = d.nodes[position]
    fill, line = (LEAF_FILL if node.is_leaf else NODE_FILL), INK
    if position == look.current:
        fill, line = CURRENT_FILL, CURRENT_LINE
    elif position in look.path_nodes:
        fill, line = PATH_FILL, PATH_LINE
    elif look.path_nodes:
        line = FAINT
    title = f"<B>{_escape(node.name)}</B>"
    if node.formula:
        # A no-break space: SVG viewers drop a plain space between text runs.
        title += f"&#160;= {_escape(node.formula)}"
    # graphviz misplaces a fixed-size cell whose column it has to widen, so the
    # name column takes up whatever the title needs beyond the numbers (a
    # generous estimate of the title's width, in a proportional font).
    number_width = math.ceil(chars * _GLYPH) + 2 * _CELL_PADDING
    title_width = math.ceil((0.8 * len(node.name) + 0.7 * len(node.formula) + 2.1) * FONT_SIZE)
    name_width = max(title_width - number_width, 0)
    rows = [
        f'<TR><TD COLSPAN="2" SIDES="B" BORDER="1">{title}</TD></TR>',
        _number_row("data", node.data, name_width, number_width),
    ]
    if show_grad:
        known = position in look.known
        background = USED_FILL if position in look.used_nodes else None
        rows.append(_number_row("grad", node.grad if known else None, name_width, number_width, background))
    return (
        f'<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="{_CELL_PADDING}" '
        f'COLOR="{line}" BGCOLOR="{fill}">' + "".join(rows) + "</TABLE>>"
    )


def _number_row(name: str, x: float | None, name_width: int, width: int, background: str | None = None) -> str:
    text = "?" if x is None else number(x)
    colour = FAINT if x is None else INK
    height = FONT_SIZE + 2 * _CELL_PADDING + 2
    fill = f' BGCOLOR="{background}"' if background else ""
    return (
        f'<TR><TD ALIGN="LEFT" WIDTH="{name_width}"><FONT COLOR="{FAINT}">{name}</FONT></TD>'
        f'<TD ALIGN="RIGHT" FIXEDSIZE="TRUE" WIDTH="{width}" HEIGHT="{height}"{fill}>'
        f'<FONT FACE="{MONO}" COLOR="{colour}">{_escape(text)}</FONT></TD></TR>'
    )


def _caption_label(caption: str, chars: int) -> str:
    width = math.ceil(chars * _GLYPH) + 4 * _CELL_PADDING
    height = FONT_SIZE + 4 * _CELL_PADDING
    return (
        f'<<TABLE BORDER="0" CELLPADDING="{_CELL_PADDING}"><TR>'
        f'<TD FIXEDSIZE="TRUE" WIDTH="{width}" HEIGHT="{height}" ALIGN="LEFT">'
        f'<FONT FACE="{MONO}">{_escape(caption)}</FONT></TD></TR></TABLE>>'
    )


def _escape(text: str) -> str:
    return html.escape(text, quote=True)

