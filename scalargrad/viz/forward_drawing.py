"""Pictures of a forward-mode sweep: tangents flowing forward, drawn like the backward pass.

``forward_frames(root, wrt, tangents)`` is the forward twin of
:func:`~scalargrad.viz.drawing.step_frames`: frame 0 shows the graph with its
values and the seeds, then one frame per node in topological order, the node
whose tangent the frame computes filled orange, the edges and tangents it
used marked, tangents not computed yet ``?``, and the step's equation as the
caption (``v̇4 = v̇1 + v̇2 = 0.5 + 5 = 5.5``). The pictures are the backward
frames' pictures (the same boxes, edges and local derivatives, drawn by the
same code) with a ``tangent`` row where those have ``grad``, so the two
sweeps of one graph can be shown side by side.

>>> from scalargrad import Value
>>> x, w = Value(3.0, label="x"), Value(-2.0, label="w")
>>> y = x * w + x; y.label = "y"
>>> for frame in forward_frames(y, "x", collapse=True):
...     print(frame.caption)
seeds ẋ = 1; no tangent is known yet
ẋ = 1 (the seed)
ẇ = 0 (w does not depend on x)
ẏ = ẋ × ∂y/∂x = 1 × (-1) = -1
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from scalargrad.value import Value
from scalargrad.viz.diagram import Diagram, _diagram
from scalargrad.viz.drawing import _CELL_PADDING, _GLYPH, FONT_SIZE, _check_rankdir, _html, _Look, _Sheet
from scalargrad.viz.forward import (
    ForwardTrace,
    Input,
    forward_steps,
    swept,
    tangent_caption,
    tangent_symbol,
)
from scalargrad.viz.frames import Frames, Move, Storyboard, Sweep, backward_sweep, frame_titles
from scalargrad.viz.notation import number
from scalargrad.viz.trace import Trace, check_bool

__all__ = ["forward_backward_frames", "forward_frames"]

# What the stepper's counter calls frame 0 and each step of a forward sweep.
FORWARD_WORDS = ("seeds", "forward step")

# The row a backward picture calls "grad" is the tangent's in a forward one.
_GRAD_ROW, _TANGENT_ROW = ">grad</FONT>", ">tangent</FONT>"
# The name column is at least as wide as "tangent" in either picture (0.6 em a
# letter, more than any sans-serif font needs), so the boxes match.
_ROW_NAME_WIDTH = math.ceil(0.6 * len("tangent") * FONT_SIZE) + 2 * _CELL_PADDING


@dataclass
class _PairedSheet(_Sheet):
    """The backward pictures' sheet, sized so that a graph's forward and backward pictures have one layout.

    Each node's number cells are wide enough for its value, gradient and
    tangent, and its name column for "tangent"; with ``row="tangent"`` the
    second row shows the tangents.
    """

    tangents: Sequence[float] = field(default=())
    row: str = "grad"

    def __post_init__(self) -> None:
        super().__post_init__()
        for position, node in enumerate(self.d.nodes):
            name_width, number_width = self.widths[position]
            tangent = number(self.tangents[position])
            chars = max(len(number(node.data)), len(number(node.grad)), len(tangent))
            wider = max(number_width, math.ceil(chars * _GLYPH) + 2 * _CELL_PADDING)
            # The title still fits: the two columns are together at least as wide as before.
            self.widths[position] = (max(name_width + number_width - wider, _ROW_NAME_WIDTH), wider)
            if self.row == "tangent":
                self.grads[position] = _html(tangent)

    def _node_label(self, position: int, look: _Look) -> str:
        return self._named_row(super()._node_label(position, look))

    def _marked_label(self, position: int) -> str:
        return self._named_row(super()._marked_label(position))

    def _named_row(self, label: str) -> str:
        return label.replace(_GRAD_ROW, _TANGENT_ROW, 1) if self.row == "tangent" else label


def _forward_sweep(d: Diagram, sweep: ForwardTrace) -> Sweep:
    steps = forward_steps(d, sweep)
    seeds = ", ".join(
        f"{tangent_symbol(sweep.nodes[w].name)} = {number(t)}" for w, t in zip(sweep.wrt, sweep.seeds)
    )
    captions = [f"seeds {seeds}; no tangent is known yet"] + [
        tangent_caption(d, sweep, step) for step in steps
    ]
    moves = []
    for step in steps:
        used = frozenset(term.edge for term in step.terms)
        # tangents come from the sources
        moves.append(Move(step.node, used, frozenset(d.edges[e].source for e in used)))
    return Sweep("tangent", FORWARD_WORDS, tuple(captions), tuple(moves))


def _frames(
    d: Diagram, sweep: ForwardTrace, drawn: Sweep, width: int, rankdir: str, edge_labels: bool
) -> Frames:
    """One sweep's frames; ``width`` is the caption cell's, in characters, shared by both sweeps."""
    tangents = [sweep.steps[node.index].tangent for node in d.nodes]
    sheet = _PairedSheet(d, True, edge_labels, rankdir, tangents=tangents, row=drawn.row)
    return Storyboard(sheet, drawn, width).frames()


def _prepared(
    function: str,
    root: object,
    wrt: Input | Sequence[Input] | None,
    tangents: float | Sequence[float] | None,
    rankdir: object,
    collapse: object,
    edge_labels: object,
) -> tuple[ForwardTrace, Diagram, str]:
    """The arguments checked, the sweep taken and its diagram built."""
    sweep = swept(root, wrt, tangents, function)
    checked = _check_rankdir(rankdir, function)
    check_bool(collapse, "collapse", function)
    check_bool(edge_labels, "edge_labels", function)
    return sweep, _diagram(sweep.graph, bool(collapse)), checked


def forward_frames(
    root: Value | Trace | ForwardTrace,
    wrt: Input | Sequence[Input] | None = None,
    tangents: float | Sequence[float] | None = None,
    rankdir: str = "TB",
    collapse: bool = False,
    edge_labels: bool = True,
) -> Frames:
    """The forward sweep over ``root``'s graph as pictures: the seeds, then one frame per node.

    ``wrt`` and ``tangents`` are :func:`~scalargrad.viz.forward.forward_trace`'s
    (the nodes seeded, by name or Value, and their tangents, 1 by default); or
    ``root`` is a ``ForwardTrace`` already taken, and ``wrt`` is left out. In
    frame k the node whose tangent step k computes is filled orange, the edges
    and tangents it used are marked, and tangents not computed yet read ``?``;
    the caption is the step's equation. ``rankdir``, ``collapse`` and
    ``edge_labels`` are as for :func:`~scalargrad.viz.drawing.step_frames`.
    The frames are the forward half of :func:`forward_backward_frames`, so
    they have the layout of its backward frames.

    >>> import scalargrad as sg
    >>> x1, x2 = sg.Value(2.0, label="x1"), sg.Value(5.0, label="x2")
    >>> v1 = sg.log(x1); v1.label = "v1"
    >>> v2 = x1 * x2; v2.label = "v2"
    >>> v4 = v1 + v2; v4.label = "v4"
    >>> frames = forward_frames(v4, ("x1", "x2"), (1.0, 0.0))
    >>> len(frames), frames[-1].caption
    (6, 'v̇4 = v̇1 + v̇2 = 0.5 + 5 = 5.5')
    """
    sweep, d, checked = _prepared("forward_frames", root, wrt, tangents, rankdir, collapse, edge_labels)
    forward, backward = _forward_sweep(d, sweep), backward_sweep(d)
    width = max(len(title) for drawn in (forward, backward) for title in frame_titles(drawn))
    return _frames(d, sweep, forward, width, checked, edge_labels)


def forward_backward_frames(
    root: Value | Trace | ForwardTrace,
    wrt: Input | Sequence[Input] | None = None,
    tangents: float | Sequence[float] | None = None,
    rankdir: str = "TB",
    collapse: bool = False,
    edge_labels: bool = True,
) -> tuple[Frames, Frames]:
    """Both sweeps over ``root``'s graph, to show side by side: tangents flowing forward, gradients flowing back.

    The forward frames are :func:`forward_frames`'s; the backward frames show
    what :func:`~scalargrad.viz.drawing.step_frames` shows (the same captions,
    one frame per node from the root down), drawn with the forward frames'
    layout: every box in the same place, so frame k of one sweep can stand
    next to frame k of the other. Both lists have one frame more than the
    picture has nodes.

    >>> import scalargrad as sg
    >>> x1, x2 = sg.Value(2.0, label="x1"), sg.Value(5.0, label="x2")
    >>> y = x1 * x2 - sg.sin(x2); y.label = "y"
    >>> forward, backward = forward_backward_frames(y, "x2")
    >>> print(forward[-1].caption)
    ẏ = ṅ2 - ṅ3 = 2 - 0.283662 = 1.716338
    >>> print(backward[-1].caption)
    ∂y/∂x1 = ∂y/∂n2 × ∂n2/∂x1 = 1 × 5 = 5
    """
    sweep, d, checked = _prepared(
        "forward_backward_frames", root, wrt, tangents, rankdir, collapse, edge_labels
    )
    forward, backward = _forward_sweep(d, sweep), backward_sweep(d)
    width = max(len(title) for drawn in (forward, backward) for title in frame_titles(drawn))
    return (
        _frames(d, sweep, forward, width, checked, edge_labels),
        _frames(d, sweep, backward, width, checked, edge_labels),
    )
