"""A sweep over a graph as frames to step through: pictures, and the stepper in a notebook.

``step_frames(root)`` gives the backward pass as :class:`Frames`: frame 0
before the pass, then one frame per step, the node the step completes filled
orange, the edges and gradients it used marked, gradients not computed yet
``?``, and the step's equation as caption. In Jupyter, the list shows as the
stepper (buttons, slider, arrow keys) and one :class:`Frame` as its picture;
``stepper(root)`` is the stepper itself, to show, or to save as a page.

A sweep is kept as a :class:`Storyboard`: one sheet (every name, formula and
number, written once; one layout) and, per frame, what it emphasises. A
frame's picture is drawn when it is first asked for, and the stepper lays the
graph out once and restyles that one picture, so a graph of a thousand nodes
steps as smoothly as one of ten.

>>> from scalargrad import Value
>>> x, w = Value(0.5, label="x"), Value(-3.0, label="w")
>>> y = (x * w).tanh(); y.label = "y"
>>> frames = step_frames(y)
>>> len(frames), frames[2].caption   # before the backward pass, then one frame per node
(5, '∂y/∂n2 = ∂y/∂y × ∂y/∂n2 = 1 × 0.180707 = 0.180707')
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graphviz

from scalargrad.files import write_atomically
from scalargrad.value import Value
from scalargrad.viz.diagram import Diagram, _diagram
from scalargrad.viz.drawing import (
    MAX_TEXT_CHARS,
    Picture,
    _check_rankdir,
    _check_root,
    _Look,
    _Sheet,
    _shortened,
    _traced,
    render_bytes,
)
from scalargrad.viz.notation import number
from scalargrad.viz.trace import Trace, check_bool, given
from scalargrad.viz.widget import (
    BACKWARD_WORDS,
    DEFAULT_TITLE,
    Step,
    restylable_svg,
    stepper_html,
    storyboard_html,
)

# What a frame's picture may be: what draw() returns, or any graphviz graph or DOT source.
_GRAPHS = (graphviz.Graph, graphviz.Digraph, graphviz.Source)

__all__ = ["Frame", "Frames", "Move", "Stepper", "Storyboard", "Sweep", "step_frames", "stepper"]


@dataclass(frozen=True)
class Move:
    """What one step of a sweep does: the node (by position) it completes, the edges and nodes it read."""

    node: int
    edges: frozenset[int]
    nodes: frozenset[int]


@dataclass(frozen=True)
class Sweep:
    """One sweep's frames as plain data: the row it fills, its counter's words, captions and moves.

    ``row`` names the number the sweep computes ("grad", "tangent"); ``words``
    what the counter calls frame 0 and each step; ``captions`` has one more
    entry than ``moves`` (frame 0 moves nothing).
    """

    row: str
    words: tuple[str, str]
    captions: tuple[str, ...]
    moves: tuple[Move, ...]


def backward_sweep(d: Diagram) -> Sweep:
    """The backward pass over ``d``: one move per step, gradients read from the targets of its edges."""
    root = d.nodes[d.root]
    captions = [f"forward pass: {root.name} = {number(root.data)}; no gradient is known yet"]
    captions += [d.step_caption(step) for step in d.steps]
    moves = []
    for step in d.steps:
        used = frozenset(term.edge for term in step.terms)
        moves.append(Move(step.node, used, frozenset(d.edges[e].target for e in used)))
    return Sweep("grad", BACKWARD_WORDS, tuple(captions), tuple(moves))


def frame_titles(sweep: Sweep) -> list[str]:
    """The captions as the pictures show them, numbered as the stepper numbers its frames."""
    total = len(sweep.captions)
    return [
        _shortened(f"frame {k + 1}/{total}  {text}", MAX_TEXT_CHARS) for k, text in enumerate(sweep.captions)
    ]


class Storyboard:
    """Every frame of one sweep: one sheet, so one layout, and what each frame emphasises.

    ``caption_chars`` is the width of the pictures' caption cell, in
    characters (the longest title by default; two sweeps shown side by side
    share theirs, so their pictures match).
    """

    def __init__(self, sheet: _Sheet, sweep: Sweep, caption_chars: int | None = None) -> None:
        self.sheet = sheet
        self.sweep = sweep
        self.titles = frame_titles(sweep)
        self.caption_chars = caption_chars or max(len(title) for title in self.titles)

    def __len__(self) -> int:
        return len(self.sweep.captions)

    def look(self, k: int) -> _Look:
        """What frame ``k`` emphasises: the gradients known by then, and the step's node and edges."""
        title = self.titles[k]
        if k == 0:
            return _Look(caption=title, caption_chars=self.caption_chars)
        move = self.sweep.moves[k - 1]
        known = {done.node for done in self.sweep.moves[:k]}
        return _Look(
            known, move.node, move.edges, move.nodes, caption=title, caption_chars=self.caption_chars
        )

    def picture(self, k: int) -> Picture:
        """Frame ``k`` as a picture of its own."""
        return self.sheet.draw(self.look(k))

    def steps(self) -> list[Step]:
        """The frames as the stepper's plain data."""
        steps = [Step(self.sweep.captions[0])]
        for move, caption in zip(self.sweep.moves, self.sweep.captions[1:]):
            steps.append(Step(caption, move.node, tuple(sorted(move.edges)), tuple(sorted(move.nodes))))
        return steps

    def frames(self) -> Frames:
        """Every frame, each drawn when first asked for."""
        return Frames((Frame._drawn_by(self, k) for k in range(len(self))), self)


class Frame:
    """One picture of a sweep and its caption (plain text, the step's equation).

    ``graph`` is the picture (a ``graphviz.Digraph``); the frames of
    ``step_frames`` draw theirs when it is first read. In Jupyter a frame
    shows as its picture.

    >>> from scalargrad import Value
    >>> y = Value(2.0, label="x").exp(); y.label = "y"
    >>> frame = step_frames(y)[1]
    >>> frame
    Frame(caption='∂y/∂y = 1')
    >>> "frame 2/3" in frame.graph.source
    True
    """

    __slots__ = ("_board", "_caption", "_graph", "_index")

    def __init__(self, graph: Picture, caption: str) -> None:
        self._graph: Picture | None = graph
        self._caption = caption
        self._board: Storyboard | None = None
        self._index = 0

    @classmethod
    def _drawn_by(cls, board: Storyboard, index: int) -> Frame:
        frame = cls.__new__(cls)
        frame._graph, frame._caption, frame._board, frame._index = (
            None,
            board.sweep.captions[index],
            board,
            index,
        )
        return frame

    @property
    def graph(self) -> Picture:
        """The picture (a ``graphviz.Digraph``), drawn the first time it is read."""
        if self._graph is None:
            assert self._board is not None
            self._graph = self._board.picture(self._index)
        return self._graph

    @property
    def caption(self) -> str:
        """The step's equation, as plain text."""
        return self._caption

    def __repr__(self) -> str:
        return f"Frame(caption={self._caption!r})"

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None, **options: Any
    ) -> dict[str, bytes | str]:
        bundle: dict[str, bytes | str] = self.graph._repr_mimebundle_(include, exclude, **options)
        bundle["text/plain"] = repr(self)
        return bundle


class Frames(list[Frame]):
    """The frames of one sweep: a list of :class:`Frame`, which Jupyter shows as the stepper.

    >>> from scalargrad import Value
    >>> y = Value(2.0, label="x").exp(); y.label = "y"
    >>> frames = step_frames(y)
    >>> isinstance(frames, list), [frame.caption for frame in frames][1:]
    (True, ['∂y/∂y = 1', '∂y/∂x = ∂y/∂y × ∂y/∂x = 1 × 7.389056 = 7.389056'])
    """

    def __init__(self, frames: Iterable[Frame] = (), storyboard: Storyboard | None = None) -> None:
        super().__init__(frames)
        self.storyboard = storyboard

    def _repr_html_(self) -> str:
        return Stepper(self)._repr_html_()


def step_frames(
    root: Value | Trace, rankdir: str = "TB", collapse: bool = False, edge_labels: bool = True
) -> Frames:
    """The backward pass from ``root`` as pictures: the forward pass, then one frame per step.

    In frame k the node whose gradient step k completes is filled orange, the
    edges and gradients it used are marked, and gradients not computed yet
    read ``?``. Every frame has the same layout. A frame's picture is drawn
    when it is first read, so asking for the frames of a big graph costs
    little; :func:`stepper` shows them all without drawing each one.

    >>> from scalargrad import Value
    >>> x = Value(3.0, label="x")
    >>> y = x * x; y.label = "y"
    >>> [frame.caption for frame in step_frames(y)]
    ['forward pass: y = 9; no gradient is known yet', '∂y/∂y = 1', '∂y/∂x = ∂y/∂y × ∂y/∂x₍₁₎ + ∂y/∂y × ∂y/∂x₍₂₎ = 1 × 3 + 1 × 3 = 6']
    """
    _check_root(root, "step_frames")
    rankdir = _check_rankdir(rankdir, "step_frames")
    check_bool(collapse, "collapse", "step_frames")
    check_bool(edge_labels, "edge_labels", "step_frames")
    d = _diagram(_traced(root), collapse)
    return Storyboard(_Sheet(d, True, edge_labels, rankdir), backward_sweep(d)).frames()


class Stepper:
    """A sweep to step through: shown inline in Jupyter, or saved as a page that needs nothing else.

    Made by :func:`stepper`. ``html()`` is the widget, as Jupyter shows it
    (``_repr_html_``); ``page()`` a whole HTML page; ``save(path)`` writes
    that page. Rendering needs graphviz's ``dot``, and happens once, the first
    time the stepper is shown or saved.
    """

    def __init__(self, frames: Sequence[Frame], title: str | None = None) -> None:
        self.frames = checked_frames(frames, "stepper")
        if not self.frames:
            raise ValueError("frames is empty: a stepper needs at least one frame")
        if title is not None and not isinstance(title, str):
            raise TypeError(f"stepper() takes a str or None as title, got {given(title)}")
        self.title = title
        self._drawn: dict[bool, str] = {}

    def __repr__(self) -> str:
        return f"<Stepper: {len(self.frames)} frames>"

    def html(self) -> str:
        """The stepper as an HTML fragment for a notebook: its own style and script, no ``id``."""
        return self._drawing(inline=True)

    def page(self) -> str:
        """The stepper as a whole HTML page (what :meth:`save` writes)."""
        return self._drawing(inline=False)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`page` to ``path`` (atomically) and return the path."""
        if not isinstance(path, (str, os.PathLike)) or isinstance(path, bytes):
            raise TypeError(f"save() takes a file path (a str or os.PathLike) as path, got {given(path)}")
        target = Path(path)
        return write_atomically(target, self._drawing(False, f" of {target}"))

    def _repr_html_(self) -> str:
        return self.html()

    def _drawing(self, inline: bool, where: str = "") -> str:
        """The widget or the page, rendered once; ``where`` ends a rendering error's "frame k"."""
        if inline not in self._drawn:
            self._drawn[inline] = self._draw(inline, where)
        return self._drawn[inline]

    def _draw(self, inline: bool, where: str) -> str:
        title = self.title if self.title is not None or inline else DEFAULT_TITLE
        board = _intact_storyboard(self.frames)
        if board is not None:
            marked = board.sheet.draw(_Look(known=range(len(board.sheet.d.nodes))), marked=True)
            svg = render_bytes(marked, "svg", f"the stepper's picture{where}").decode("utf-8")
            try:
                restylable = restylable_svg(svg)
            except ValueError:
                restylable = None  # an SVG this graphviz writes differently: one picture per frame instead
            if restylable is not None:
                return storyboard_html(restylable, board.steps(), title, board.sweep.words, inline)
        words = board.sweep.words if board is not None else BACKWARD_WORDS
        pictures = [
            (render_bytes(frame.graph, "svg", f"frame {k}{where}").decode("utf-8"), frame.caption)
            for k, frame in enumerate(self.frames)
        ]
        return stepper_html(pictures, title, words, inline)


def stepper(
    root: Value | Trace | Sequence[Frame],
    rankdir: str = "TB",
    collapse: bool = False,
    edge_labels: bool = True,
    title: str | None = None,
) -> Stepper:
    """Step through the backward pass from ``root``: in Jupyter it shows inline, with buttons, slider and keys.

    ``root`` may also be frames already made: those of :func:`step_frames`,
    or of :func:`~scalargrad.viz.forward_drawing.forward_frames` to step
    through forward mode. ``rankdir``, ``collapse`` and ``edge_labels`` are as
    for :func:`step_frames` (for a Value or Trace only). The graph is laid out
    once and each step restyles that picture, so big graphs step smoothly;
    nothing is loaded from the network, and several steppers share a notebook.
    ``.save(path)`` writes the stepper as a page of its own.

    >>> import shutil
    >>> from scalargrad import Value
    >>> x = Value(3.0, label="x")
    >>> y = x * x; y.label = "y"
    >>> shown = stepper(y)
    >>> shown
    <Stepper: 3 frames>
    >>> html = shown.html() if shutil.which("dot") else '<div class="sg-stepper">'
    >>> '<div class="sg-stepper">' in html
    True
    """
    if isinstance(root, (Value, Trace)):
        return Stepper(step_frames(root, rankdir, collapse, edge_labels), title)
    if (rankdir, collapse, edge_labels) != ("TB", False, True):
        raise ValueError("rankdir, collapse and edge_labels are step_frames' options: pass them with a Value")
    if isinstance(root, (str, bytes)) or not isinstance(root, Sequence):
        raise TypeError(f"stepper() takes a Value, a Trace or a list of Frames as root, got {given(root)}")
    return Stepper(root, title)


def checked_frames(frames: object, function: str) -> list[Frame]:
    """``frames`` as a list of Frames (each with a graphviz graph and a str caption); TypeError naming ``function`` else."""
    if isinstance(frames, (str, bytes)) or not isinstance(frames, Sequence):
        raise TypeError(
            f"{function}() takes a list of Frames (what step_frames() returns) as frames, got {given(frames)}"
        )
    for k, frame in enumerate(frames):
        if not isinstance(frame, Frame):
            raise TypeError(f"{function}(): frames[{k}] is {given(frame)}, not a Frame (from step_frames())")
        drawn_later = frame._board is not None  # a picture of step_frames, drawn when first read
        if not (drawn_later or isinstance(frame.graph, _GRAPHS)) or not isinstance(frame.caption, str):
            raise TypeError(
                f"{function}(): frames[{k}] must hold a graphviz graph and a str caption, "
                f"got {given(frame.graph)} and {given(frame.caption)}"
            )
    return list(frames)


def _intact_storyboard(frames: Sequence[Frame]) -> Storyboard | None:
    """The storyboard ``frames`` are, in order and complete; None if they are anything else."""
    board = frames[0]._board if frames else None
    if board is None or len(frames) != len(board):
        return None
    if all(frame._board is board and frame._index == k for k, frame in enumerate(frames)):
        return board
    return None
