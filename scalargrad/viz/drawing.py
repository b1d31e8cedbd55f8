"""Pictures of a computation graph and of its backward pass, as ``graphviz.Digraph`` objects.

Three pictures, all read from a :class:`~scalargrad.viz.diagram.Diagram`:

- ``draw(root)``: every node with its formula, value and gradient, every edge
  with its local derivative. ``highlight="w1"`` turns it into the path view:
  the paths from w1 to the root stand out and the caption multiplies along
  each path.
- the step frames (:mod:`scalargrad.viz.frames`): one picture before the
  backward pass and one per step, each with the step's equation as caption,
  all drawn by the sheet here.

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
"""

from __future__ import annotations

import html
import math
import subprocess
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

import graphviz

from scalargrad.value import Value
from scalargrad.viz.diagram import Diagram, _diagram, visible
from scalargrad.viz.notation import number, partial
from scalargrad.viz.palette import (  # one place, so pictures and the stepper agree
    CURRENT_FILL,
    CURRENT_LINE,
    CURRENT_TEXT,
    EDGE,
    FADED_TEXT,
    FAINT,
    INK,
    LEAF_FILL,
    MARK_GRAD_CELL,
    MARK_GRAD_TEXT,
    MARK_LEAF_FILL,
    MARK_LINE,
    MARK_NODE_FILL,
    MUTED,
    NODE_FILL,
    PATH_FILL,
    PATH_LINE,
    PATH_TEXT,
    USED_FILL,
)
from scalargrad.viz.trace import Trace, check_bool, given, trace

__all__ = ["GraphvizNotFound", "Picture", "RenderError", "draw", "path_view"]

RANKDIRS = ("TB", "LR", "BT", "RL")

FONT = "Helvetica"
MONO = "Courier"
FONT_SIZE = 11
# Monospace glyphs are about 0.6 em wide (DejaVu Sans Mono, Liberation Mono,
# Courier); graphviz measures DejaVu's at 0.616 em, and a few percent to spare
# keeps other fonts inside their cells.
_GLYPH = 0.65 * FONT_SIZE
_CELL_PADDING = 3


# The longest name, and the longest formula or caption, a picture shows; longer
# ones are cut with "…". graphviz reads no label over 16 KiB (16384 bytes, after
# escaping), and nobody reads a node a page wide.
MAX_NAME_CHARS = 200
MAX_TEXT_CHARS = 1000


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


class RenderError(RuntimeError):
    """Raised when graphviz's ``dot`` fails on a picture; the message names the file and quotes ``dot``.

    >>> issubclass(RenderError, RuntimeError)
    True
    """


def _dot_failed(error: subprocess.CalledProcessError, what: str) -> RenderError:
    """The RenderError for ``dot``'s failure on ``what`` ("graph.svg", "the picture")."""
    stderr = error.stderr or b""
    said = (stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else str(stderr)).strip()
    said = " ".join(said.split())[:300]
    return RenderError(
        f"graphviz's dot could not render {what} (exit status {error.returncode})"
        + (f": {said}" if said else "")
    )


def render_bytes(graph: graphviz.Digraph, format: str, what: str, dpi: float | None = None) -> bytes:
    """``dot -T format`` of ``graph``; errors name ``what`` is being rendered (a file, a frame).

    :class:`GraphvizNotFound` without ``dot``, :class:`RenderError` when it
    fails. ``dpi`` (for PNG) is passed to ``dot`` as ``-Gdpi``, which
    overrides the graph's own.
    """
    try:
        if dpi is not None and format == "png":
            source: str = graph.source
            done = subprocess.run(
                ["dot", f"-T{format}", f"-Gdpi={dpi:g}"],
                input=source.encode("utf-8"),
                capture_output=True,
                check=True,
            )
            return done.stdout
        picture: bytes = graph.pipe(format=format, quiet=True)  # dot's complaint goes into the error
        return picture
    except (FileNotFoundError, graphviz.ExecutableNotFound) as error:
        raise GraphvizNotFound(
            f"rendering {what} needs graphviz's `dot` program, which was not found; {INSTALL_HINT}"
        ) from error
    except subprocess.CalledProcessError as error:
        raise _dot_failed(error, what) from error


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
        except subprocess.CalledProcessError as error:
            raise _dot_failed(error, "the picture") from error
        return bundle


def styled_picture(
    name: str, rankdir: str, graph: dict[str, str] | None = None, edge: dict[str, str] | None = None
) -> Picture:
    """An empty picture in the pictures' one style (fonts, colours, white ground); ``graph`` and ``edge`` add to it.

    >>> picture = styled_picture("g", "LR", {"nodesep": "0.5"})
    >>> picture.graph_attr["rankdir"], picture.graph_attr["nodesep"], picture.edge_attr["color"] == EDGE
    ('LR', '0.5', True)
    """
    return Picture(
        name=name,
        graph_attr={
            "rankdir": rankdir,
            "bgcolor": "white",
            "fontname": FONT,
            "fontsize": str(FONT_SIZE),
            "labelloc": "t",
            **(graph or {}),
        },
        node_attr={"shape": "plain", "fontname": FONT, "fontsize": str(FONT_SIZE)},
        edge_attr={
            "fontname": FONT,
            "fontsize": str(FONT_SIZE - 1),
            "color": EDGE,
            "fontcolor": MUTED,
            **(edge or {}),
        },
    )


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
    Names are drawn as they are, whatever characters they hold (control
    characters as their symbols, ␊ for a newline); a name longer than
    ``MAX_NAME_CHARS``, and a formula or caption longer than ``MAX_TEXT_CHARS``,
    is cut short with "…".

    >>> from scalargrad import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b; c.label = "c"
    >>> print(draw(c, edge_labels=False).source.count("->"))
    2
    """
    _check_root(root, "draw")
    rankdir = _check_rankdir(rankdir, "draw")
    check_bool(show_grad, "show_grad", "draw")
    check_bool(edge_labels, "edge_labels", "draw")
    check_bool(collapse, "collapse", "draw")
    if highlight is not None and not isinstance(highlight, str):
        raise TypeError(
            f"draw() takes the name of a node (a str) or None as highlight, got {given(highlight)}"
        )
    d = _diagram(_traced(root), collapse)
    look = _Look(known=range(len(d.nodes)) if show_grad else ())
    if highlight is not None:
        listed, _ = d.paths(highlight)
        look.path_edges = {e for path in listed for e in path}
        look.path_nodes = {d.position(highlight)} | {d.edges[e].target for e in look.path_edges}
        look.caption = _shortened(d.path_caption(highlight), MAX_TEXT_CHARS)
        look.caption_chars = len(look.caption)
    return _Sheet(d, show_grad, edge_labels, rankdir).draw(look)


def path_view(
    root: Value | Trace, wrt: str, rankdir: str = "TB", collapse: bool = False, edge_labels: bool = True
) -> Picture:
    """Every path from the node named ``wrt`` to ``root``, highlighted, with their products as caption.

    The same as ``draw(root, highlight=wrt, ...)``.

    >>> from scalargrad.cli.walkthrough import build
    >>> "(-0.336286)(0.245941)(0.512497) = -0.042387" in path_view(build(), "w2", collapse=True).source
    True
    """
    _check_root(root, "path_view")
    if not isinstance(wrt, str):
        raise TypeError(f"path_view() takes the name of a node (a str) as wrt, got {given(wrt)}")
    _check_rankdir(rankdir, "path_view")
    check_bool(collapse, "collapse", "path_view")
    check_bool(edge_labels, "edge_labels", "path_view")
    return draw(root, rankdir=rankdir, collapse=collapse, edge_labels=edge_labels, highlight=wrt)


def _check_root(root: object, function: str) -> None:
    if not isinstance(root, (Value, Trace)):
        raise TypeError(f"{function}() takes a scalargrad Value (or a Trace) as root, got {given(root)}")


def _traced(root: Value | Trace) -> Trace:
    return root if isinstance(root, Trace) else trace(root)


def _check_rankdir(rankdir: object, function: str) -> str:
    if not isinstance(rankdir, str):
        raise TypeError(
            f"{function}() takes one of {', '.join(map(repr, RANKDIRS))} as rankdir, got {given(rankdir)}"
        )
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}; got {rankdir!r}")
    return rankdir


@dataclass
class _Sheet:
    """What stays the same in every picture of one diagram (names, formulas, numbers, sizes), written once.

    ``draw(look)`` then lays one picture out: frames of a backward pass differ
    only in colours and in which gradients they show.
    """

    d: Diagram
    show_grad: bool
    edge_labels: bool
    rankdir: str
    titles: list[str] = field(init=False)
    widths: list[tuple[int, int]] = field(init=False)  # (name column, number column) of each node
    data: list[str] = field(init=False)
    grads: list[str] = field(init=False)
    edge_text: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.titles, self.widths, self.data, self.grads = [], [], [], []
        for node in self.d.nodes:
            name = _shortened(node.name, MAX_NAME_CHARS)
            formula = _shortened(node.formula, MAX_TEXT_CHARS)
            title = f"<B>{_html(name)}</B>"
            if formula:
                # A no-break space: SVG viewers drop a plain space between text runs.
                title += f"&#160;= {_html(formula)}"
            self.titles.append(title)
            data, grad = number(node.data), number(node.grad)
            # Every node's number cells are as wide as its longest number, so "?" and
            # "-0.082706" take the same room and the layout never moves. graphviz
            # misplaces a fixed-size cell whose column it has to widen, so the name
            # column takes up whatever the title needs beyond the numbers (a generous
            # estimate of the title's width, in a proportional font).
            number_width = math.ceil(max(len(data), len(grad)) * _GLYPH) + 2 * _CELL_PADDING
            title_width = math.ceil((0.8 * len(name) + 0.7 * len(formula) + 2.1) * FONT_SIZE)
            self.widths.append((max(title_width - number_width, 0), number_width))
            self.data.append(_html(data))
            self.grads.append(_html(grad))
        self.edge_text = []
        if self.edge_labels:
            nodes = self.d.nodes
            for edge in self.d.edges:
                target = _shortened(nodes[edge.target].name, MAX_NAME_CHARS)
                source = _shortened(nodes[edge.source].name, MAX_NAME_CHARS)
                symbol = _dot_text(partial(target, source, use=self.d.use(edge)))
                value = _dot_text(number(edge.derivative))
                if self.rankdir in ("TB", "BT"):
                    # Stacked, so neighbouring edges' labels do not run into each
                    # other; left-justified (\l) after a no-break space, so the
                    # text keeps clear of its own edge.
                    self.edge_text.append(f"\u00a0{symbol}\\l\u00a0= {value}\\l")
                else:
                    self.edge_text.append(f"{symbol} = {value}")

    def draw(self, look: _Look, marked: bool = False) -> Picture:
        """The picture ``look`` describes; ``marked=True`` gives the stepper's one picture instead.

        The marked picture shows every gradient, names each node ``n<position>``
        and each edge ``e<number>`` by ``id``, and draws what the stepper
        restyles (fills, lines, gradients, the gradient cell) in the palette's
        MARK colours, which :mod:`scalargrad.viz.widget` finds and replaces.
        """
        d = self.d
        graph = styled_picture(
            "scalargrad", self.rankdir, {"nodesep": "0.5", "ranksep": "0.5"}, {"arrowsize": "0.7"}
        )
        if look.caption:
            graph.attr(label=_caption_label(look.caption, look.caption_chars))
        for position, node in enumerate(d.nodes):
            if marked:
                graph.node(f"n{node.index}", self._marked_label(position), id=f"n{position}")
            else:
                graph.node(f"n{node.index}", self._node_label(position, look))
        for e, edge in enumerate(d.edges):
            attrs: dict[str, str] = {"id": f"e{e}"} if marked else {}
            if self.edge_labels:
                attrs["label"] = self.edge_text[e]
            if e in look.used_edges:
                attrs.update(color=CURRENT_LINE, fontcolor=CURRENT_TEXT, penwidth="2.2")
            elif e in look.path_edges:
                attrs.update(color=PATH_LINE, fontcolor=PATH_TEXT, penwidth="2.2")
            elif look.path_edges:
                attrs.update(color=FAINT, fontcolor=FADED_TEXT)
            graph.edge(f"n{d.nodes[edge.source].index}", f"n{d.nodes[edge.target].index}", **attrs)
        return graph

    def _marked_label(self, position: int) -> str:
        """The node's label in the stepper's one picture: every gradient shown, in MARK colours."""
        node = self.d.nodes[position]
        name_width, number_width = self.widths[position]
        rows = [
            f'<TR><TD COLSPAN="2" SIDES="B" BORDER="1">{self.titles[position]}</TD></TR>',
            _number_row("data", self.data[position], name_width, number_width),
        ]
        if self.show_grad:
            rows.append(
                _number_row(
                    "grad", self.grads[position], name_width, number_width, MARK_GRAD_CELL, MARK_GRAD_TEXT
                )
            )
        fill = MARK_LEAF_FILL if node.is_leaf else MARK_NODE_FILL
        return (
            f'<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="{_CELL_PADDING}" '
            f'COLOR="{MARK_LINE}" BGCOLOR="{fill}">' + "".join(rows) + "</TABLE>>"
        )

    def _node_label(self, position: int, look: _Look) -> str:
        node = self.d.nodes[position]
        fill, line = (LEAF_FILL if node.is_leaf else NODE_FILL), INK
        if position == look.current:
            fill, line = CURRENT_FILL, CURRENT_LINE
        elif position in look.path_nodes:
            fill, line = PATH_FILL, PATH_LINE
        elif look.path_nodes:
            line = FAINT
        name_width, number_width = self.widths[position]
        rows = [
            f'<TR><TD COLSPAN="2" SIDES="B" BORDER="1">{self.titles[position]}</TD></TR>',
            _number_row("data", self.data[position], name_width, number_width),
        ]
        if self.show_grad:
            known = position in look.known
            background = USED_FILL if position in look.used_nodes else None
            rows.append(
                _number_row(
                    "grad", self.grads[position] if known else None, name_width, number_width, background
                )
            )
        return (
            f'<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="{_CELL_PADDING}" '
            f'COLOR="{line}" BGCOLOR="{fill}">' + "".join(rows) + "</TABLE>>"
        )


def _number_row(
    name: str,
    text: str | None,
    name_width: int,
    width: int,
    background: str | None = None,
    colour: str | None = None,
) -> str:
    """A row of a node: its name in grey, then ``text`` (escaped already; ``None`` shows ``?``)."""
    colour = colour or (MUTED if text is None else INK)
    height = FONT_SIZE + 2 * _CELL_PADDING + 2
    fill = f' BGCOLOR="{background}"' if background else ""
    return (
        f'<TR><TD ALIGN="LEFT" WIDTH="{name_width}"><FONT COLOR="{MUTED}">{name}</FONT></TD>'
        f'<TD ALIGN="RIGHT" FIXEDSIZE="TRUE" WIDTH="{width}" HEIGHT="{height}"{fill}>'
        f'<FONT FACE="{MONO}" COLOR="{colour}">{"?" if text is None else text}</FONT></TD></TR>'
    )


def _caption_label(caption: str, chars: int) -> str:
    width = math.ceil(chars * _GLYPH) + 4 * _CELL_PADDING
    height = FONT_SIZE + 4 * _CELL_PADDING
    return (
        f'<<TABLE BORDER="0" CELLPADDING="{_CELL_PADDING}"><TR>'
        f'<TD FIXEDSIZE="TRUE" WIDTH="{width}" HEIGHT="{height}" ALIGN="LEFT">'
        f'<FONT FACE="{MONO}">{_html(caption)}</FONT></TD></TR></TABLE>>'
    )


def _shortened(text: str, most: int) -> str:
    """``text``, or its first ``most - 1`` characters and "…" when it is longer."""
    return text if len(text) <= most else text[: most - 1] + "…"


def _html(text: str) -> str:
    r"""``text`` inside an HTML-like graphviz label, drawn exactly as it reads.

    Markup characters become entities; unshowable characters their symbols
    (see :func:`~scalargrad.viz.diagram.visible`); and a backslash is doubled,
    because graphviz expands ``\N``, ``\G``, ``\E``, ``\T``, ``\H`` and ``\L``
    (and reads ``\\`` as one backslash) in every label, HTML-like ones too,
    after it has decoded the entities, so ``&#92;`` would not help.
    """
    return html.escape(visible(text), quote=True).replace("\\", "\\\\")


def _dot_text(text: str) -> str:
    r"""``text`` inside an ordinary (quoted) graphviz label, drawn exactly as it reads.

    As :func:`_html`: graphviz decodes entities in ordinary labels too, so ``&``
    ``<`` ``>`` and ``"`` are written as entities (which also leaves no quote
    for the DOT string to end at) and backslashes are doubled. The caller adds
    its own ``\l`` line ends after escaping.
    """
    return _html(text)
